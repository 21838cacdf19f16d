"""Article files as last read: a stamp per file, kept in the store, so that a file that has
not changed since is not read and cut again (a second `add` of a folder, the daemon's
first scan after a restart).

    reader_key(root=..., site=...)     what reading a file depends on besides its bytes
    FileCheck(path, kept)              whether a file is as its stamp says, and its new stamp
    cut_signature(channel)             what a channel's cuts depend on besides the article

A stamp is the file's size and modification time, a digest of its bytes, the reader that
read it, and when it was taken. A file is unchanged when its size and modification time
are the stamp's, unless the stamp is "racy" (as git calls it): taken so soon after the
file's last modification that an edit within the same tick of the file system's clock
would have kept both; then the digest decides, and so it does when only the time moved
(a `touch`, a checkout). A stamp holds for its reader only: this code (every module of
the package: a new version reads every file again, so that its excerpting reaches them),
the posts_dir the file is read under and the [site] its links come from.

Channels are not part of the reader: what a change of channels needs is made from the
articles the store keeps (`bot.sources.library.queue_existing`), without the files.
"""

from __future__ import annotations

import hashlib
import stat
import time
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from bot.ingest.read import MAX_ARTICLE_BYTES
from bot.store.records import FileStamp

if TYPE_CHECKING:
    from bot.config import Channel as ChannelConfig
    from bot.config.site import SiteSettings

# A modification this close before a stamp was taken may be followed by another within the
# same tick of the file's clock (2 s on FAT, the coarsest file system in use).
RACY_NS = 2_000_000_000
_CHUNK = 1 << 20  # bytes read at a time for a digest
# Libraries whose upgrade changes what a file gives (its text, its sentences, its words).
_READING_LIBRARIES = (
    "sentencex",
    "trafilatura",
    "markdown_it",
    "mdit_py_plugins",
    "frontmatter",
    "lemminflect",
    "py3langid",
    "regex",
)


def reader_key(*, root: Path | None, site: SiteSettings | None) -> str:
    """The reader files are stamped by: this code and its reading libraries, the folder the
    files are read under (their ids come from their paths there), and the [site] settings
    that make their links."""
    digest = hashlib.blake2b(code_key().encode(), digest_size=16)
    digest.update(f"\0{root.resolve() if root is not None else ''}\0".encode())
    digest.update(site.model_dump_json().encode() if site is not None else b"")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_key() -> str:
    """This code, as what it gives may change with it: a digest of the package's modules
    and of the reading libraries' installed files (their size and time: a reinstall
    changes them); a few milliseconds, once a process."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(digest_size=16)
    for module in sorted(package.rglob("*.py")):
        digest.update(module.relative_to(package).as_posix().encode() + b"\0")
        digest.update(module.read_bytes())
    for name in _READING_LIBRARIES:
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin:
            stat = Path(origin).stat()
            digest.update(f"\0{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def cut_signature(channel: ChannelConfig) -> str:
    """What a channel's cut of any article follows besides the article: its render profile,
    template, UTM tags and max_excerpts (as `bot.render.channel.cut_keys` groups channels),
    and this code. A cut chosen with the signature a channel still has needs no new look
    (`bot.sources.library.queue_existing`)."""
    from bot.render.platforms import PROFILES  # the profiles only, not the renderer

    profile = channel.render_profile(PROFILES[channel.profile_name])
    alike = (profile.key, channel.template, channel.utm, channel.max_excerpts)
    digest = hashlib.blake2b(repr(alike).encode(), digest_size=16)
    digest.update(code_key().encode())
    return digest.hexdigest()


class FileCheck:
    """One file checked against its stamp (`kept`, None when it has none).

    `unchanged`: it need not be read again. `stamp`: its stamp as of now, to keep once the
    file is stored (None when it cannot be read; then it is read, and fails, as usual).
    `restamp`: unchanged, but its stamp is to be kept anew (racy before, or touched).
    """

    def __init__(self, path: Path, kept: FileStamp | None, *, reader: str) -> None:
        checked_ns = time.time_ns()  # before the file is looked at: a later edit is racy
        self.unchanged = False
        self.restamp = False
        self.stamp: FileStamp | None = None
        try:
            info = path.stat()
        except OSError:
            return
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ARTICLE_BYTES:
            return  # never opened here (a pipe would block): the read refuses it
        size, mtime_ns = info.st_size, info.st_mtime_ns
        if (
            kept is not None
            and kept.reader == reader
            and (kept.size, kept.mtime_ns) == (size, mtime_ns)
            and mtime_ns < kept.checked_ns - RACY_NS
        ):
            self.unchanged = True
            return
        digest = file_digest(path)
        if digest is None:
            return
        self.stamp = FileStamp(size, mtime_ns, digest, reader, checked_ns)
        if (
            kept is not None
            and kept.reader == reader
            and (kept.size, kept.digest) == (size, digest)
        ):
            self.unchanged = self.restamp = True


def file_digest(path: Path) -> str | None:
    """A digest of the file's bytes; None when it cannot be read."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        with path.open("rb") as file:
            while chunk := file.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
