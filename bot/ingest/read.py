"""Reading article files: `read_source` (bytes, within a size limit) and `load_article`."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.article import Article
from bot.errors import ArticleError

if TYPE_CHECKING:
    from bot.ingest.metadata import Metadata

# An article file larger than this is refused without being read. Long blog posts are
# tens of kilobytes and saved web pages a few megabytes; 5 MiB leaves room for both.
MAX_ARTICLE_BYTES = 5 * 1024 * 1024

# File suffix (lower case) -> article kind.
SUFFIX_KINDS = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
}


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def _too_large(path: Path, size: int | None) -> ArticleError:
    what = f"is {_mib(size)}" if size is not None else "is"
    return ArticleError(
        str(path),
        f"the file {what} larger than the {_mib(MAX_ARTICLE_BYTES)} limit for an article "
        "(MAX_ARTICLE_BYTES); give the article itself, not an archive or a dump",
    )


def read_source(path: Path) -> bytes:
    """The bytes of the article file at `path`.

    Raises ArticleError (naming the file) when it is missing, a directory or not a regular
    file, empty, larger than MAX_ARTICLE_BYTES (refused on its size, never read whole), or
    not readable.
    """
    name = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ArticleError(name, "no such file; check the path") from None
    except OSError as exc:
        raise ArticleError(name, _os_problem(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise ArticleError(name, "is a directory; name an article file (.txt, .md, .html)")
    if not stat.S_ISREG(info.st_mode):
        raise ArticleError(name, "is not a regular file; name an article file")
    if info.st_size > MAX_ARTICLE_BYTES:
        raise _too_large(path, info.st_size)
    try:
        with path.open("rb") as file:
            # One byte more than the limit tells a file that grew since stat().
            data = file.read(MAX_ARTICLE_BYTES + 1)
    except OSError as exc:
        raise ArticleError(name, _os_problem(exc)) from None
    if len(data) > MAX_ARTICLE_BYTES:
        raise _too_large(path, None)
    if not data:
        raise ArticleError(name, "the file is empty; write the article text into it")
    return data


def _os_problem(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot read the file: permission denied; check its permissions"
    reason = exc.strerror or os.strerror(exc.errno or 0) or type(exc).__name__
    return f"cannot read the file: {reason}"


def load_article(
    path: Path,
    *,
    url: str | None = None,
    id_path: str | None = None,
    link: Callable[[Metadata], str] | None = None,
    site_name: str | None = None,
) -> Article:
    """The `Article` in the file at `path`; its kind comes from the file suffix.

    `url` (the CLI's `--url`) is the article's public URL for files that carry none. When
    the file names its own URL (front matter `url`, a page's canonical link), the file's
    wins: it sits next to the text it describes and is kept up to date with it, while a
    flag is typed once, possibly for several files; and the article id, made from the URL,
    then stays the same however the file is loaded. `id_path`, `link` and `site_name` are
    passed to `parse_article`.

    Raises ArticleError (one line, naming the file) for an unsupported suffix and for
    everything `read_source` and `parse_article` refuse.
    """
    from bot.ingest.parse import parse_article  # the parsers: only once a file is read

    kind = SUFFIX_KINDS.get(path.suffix.lower())
    if kind is None:
        supported = ", ".join(SUFFIX_KINDS)
        what = f"suffix {path.suffix!r}" if path.suffix else "no suffix"
        raise ArticleError(str(path), f"unsupported file type ({what}); use one of: {supported}")
    return parse_article(
        read_source(path),
        source=str(path),
        kind=kind,
        url=url,
        id_path=id_path,
        link=link,
        site_name=site_name,
    )
