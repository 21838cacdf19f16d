"""Articles cut for the channels' rooms, ready to store (`bot.sources.library` stores them).

    cut_article(article, channels)           excerpts by cut, and each channel's cut
    article_cuts(article, takers)            that, as the store takes it (ArticleCuts)
    file_cuts(path, channels=..., root=...)  one file read and cut (its URL by [site])
    cut_files(paths, ..., pool=None)         many, in order; in worker processes with a pool
    why_no_post(cuts, channels)              why an article gives no post, or None
    CuttingPool(workers)                     those worker processes

Reading and cutting is pure work on one file at a time and most of what ingesting costs,
so a big batch of files (`excerpt-bot add` of a backlog) is cut in worker processes while
the calling process stores what is ready. The store is never touched here.
"""

from __future__ import annotations

import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from bot.article import Article
from bot.config import Channel as ChannelConfig
from bot.errors import UserError
from bot.excerpt import MIN_WORDS, Excerpt, article_language
from bot.ingest import load_article
from bot.language import EXCERPTED_SCRIPTS, main_script
from bot.policy import ChannelPolicy
from bot.render.channel import channel_excerpts, channel_profile, cut_keys, utm_for
from bot.render.post import excerpt_budget
from bot.sources.permalinks import SiteLinks
from bot.sources.stamps import cut_signature
from bot.store.records import ArticleCuts

if TYPE_CHECKING:
    from concurrent.futures import Future

    from bot.config.site import SiteSettings

CHUNK = 8  # files per task for a worker: each task costs a round trip between processes
AHEAD = 3  # tasks waiting per worker, so none idles; bounds the cuts held in memory

Channels = dict[str, ChannelConfig]


def cut_article(
    article: Article,
    channels: Iterable[ChannelConfig],
) -> tuple[dict[str, list[Excerpt]], dict[str, str]]:
    """The article cut for each of `channels`' room: (excerpts by cut, each channel's cut).

    Channels whose posts leave the same room share one cut: one excerpting pass.
    """
    channels = list(channels)
    cuts: dict[str, list[Excerpt]] = {}
    cut_of = cut_keys(channels, article)
    for channel in channels:
        key = cut_of[channel.name]
        if key not in cuts:
            cuts[key] = channel_excerpts(channel, article)
    return cuts, cut_of


def article_cuts(
    article: Article, takers: list[ChannelConfig], *, keep: Iterable[ChannelConfig] = ()
) -> ArticleCuts:
    """The article cut for `takers`, to be queued there; with no takers, cut for `keep`
    (so that its excerpts are known) and queued nowhere."""
    cuts, cut_of = cut_article(article, takers or keep)
    if not takers:
        cut_of = {}
    return ArticleCuts(
        article,
        cuts,
        [ChannelPolicy.of(c) for c in takers],
        cut_of,
        {c.name: cut_signature(c) for c in takers},
    )


MIN_ROOM = 40  # characters: less room than this leaves no excerpt worth posting


def why_no_post(cuts: ArticleCuts, channels: Channels) -> str | None:
    """Why the article in `cuts` gives no post on any of `channels` (the enabled ones), in
    words a user can act on; None when it gives one somewhere (or there is no channel)."""
    if not channels:
        return None
    takers = [channels[policy.name] for policy in cuts.channels if policy.name in channels]
    if not takers:
        return (
            "no channel takes it: its path matches no channel's `articles` globs "
            "(add a glob that matches it, or move the file)"
        )
    cut = cuts.cuts if isinstance(cuts.cuts, dict) else {"": cuts.cuts}
    if any(cut.values()):
        return None
    article = cuts.article
    unsupported = _unsupported_language(article)
    if unsupported is not None:
        return unsupported
    words = sum(len(paragraph.split()) for paragraph in article.paragraphs)
    if words < MIN_WORDS:
        return (
            f"too short: {words} words of body text (an excerpt needs at least "
            f"{MIN_WORDS} words in one sentence)"
        )
    rooms = {
        channel.name: excerpt_budget(
            article, channel_profile(channel), template=channel.template, utm=utm_for(channel)
        )
        for channel in takers
    }
    if all(room < MIN_ROOM for room in rooms.values()):
        name, room = min(rooms.items(), key=lambda item: item[1])
        return (
            f"the template leaves no room for an excerpt: {room} characters left on "
            f"{name} (shorten its template, or leave out {{title}} or the hashtags)"
        )
    return (
        "no sentence stands alone: each is shorter than "
        f'{MIN_WORDS} words or needs the one before it ("This", "But", "He" ...)'
    )


def _unsupported_language(article: Article) -> str | None:
    """Why the article's language gives no excerpt, when its script is one excerpt-bot does
    not cut (its sentences or words are not found); None when it is supported."""
    script = main_script(" ".join(article.paragraphs))
    if script is None or script in EXCERPTED_SCRIPTS:
        return None
    language = article_language(article)
    tag = f" ({language})" if language else ""
    return (
        f"the language is not supported: its text{tag} is in {script.title()} script, "
        "which excerpt-bot cannot cut into excerpts yet (it cuts Latin, Greek, "
        "Cyrillic, Arabic, Hebrew and Georgian script, Chinese, Japanese and Korean)"
    )


def file_cuts(
    path: Path,
    *,
    channels: Channels,
    root: Path | None = None,
    url: str | None = None,
    site: SiteSettings | None = None,
) -> ArticleCuts:
    """The article in one file, cut for the channels that take it (its path relative to
    `root` matched against their `articles` globs); raises UserError for a bad file.

    With `site` (the config's [site]), a file that names no URL gets the one the site's
    permalinks give it, `root` being posts_dir."""
    relative = path.relative_to(root).as_posix() if root else path.name
    takers = [ch for ch in channels.values() if ChannelPolicy.of(ch).takes(relative)]
    article = load_site_article(path, site=site, posts_dir=root, url=url, id_path=relative)
    if not article.url:
        raise UserError(
            f"{path}: the article carries no link; add `url:` to its front matter, "
            "or set the site's base_url (and permalink) in [site]"
        )
    return article_cuts(article, takers)


def load_site_article(
    path: Path,
    *,
    site: SiteSettings | None,
    posts_dir: Path | None = None,
    url: str | None = None,
    id_path: str | None = None,
) -> Article:
    """`load_article`, with the URL the site's permalinks give a file that names none."""
    file = path.resolve()
    if site is None:
        return load_article(file, url=url, id_path=id_path)
    links = SiteLinks(
        site.base_url, site.permalink, posts_dir.resolve() if posts_dir is not None else None
    )
    return load_article(
        file, url=url, id_path=id_path, site_name=site.name, link=partial(links.url_for, file)
    )


def cut_files(
    paths: Iterable[Path],
    *,
    channels: Channels,
    root: Path | None = None,
    pool: CuttingPool | None = None,
    site: SiteSettings | None = None,
) -> Iterator[ArticleCuts | str]:
    """`file_cuts` of each of `paths`, in order: its cuts, or the one line that says why the
    file cannot be read. With a `pool`, files are cut there, a few tasks ahead of the
    caller and no more."""
    if pool is None:
        for path in paths:
            yield _cut_or_refusal(path, channels, root, site)
        return
    chunks = _chunks(paths)
    waiting: deque[Future[list[ArticleCuts | str]]] = deque(
        pool.submit(_cut_chunk, chunk, channels, root, site)
        for chunk in islice(chunks, AHEAD * pool.workers)
    )
    while waiting:
        done = waiting.popleft().result()
        waiting.extend(
            pool.submit(_cut_chunk, chunk, channels, root, site) for chunk in islice(chunks, 1)
        )
        yield from done


class CuttingPool:
    """Worker processes for `cut_files`; a context manager. Ctrl-C is the caller's to
    handle: the workers ignore it.

    On Linux they are forked at once from the caller, with everything it has imported:
    make the pool before opening a database or starting a thread (as `add` does), so
    that there is nothing in them to inherit but code. Elsewhere they are spawned.
    """

    def __init__(self, workers: int) -> None:
        import multiprocessing  # here: the daemon and the other commands never need them
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self.workers = workers
        self._executor = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context(method), initializer=_ignore_interrupts
        )
        self._executor.submit(int)  # start them now (forked: all at once, before any thread)

    def submit(self, function, /, *args) -> Future:
        return self._executor.submit(function, *args)

    def __enter__(self) -> CuttingPool:
        return self

    def __exit__(self, *exc_info) -> None:
        self._executor.shutdown(cancel_futures=True)


def _cut_or_refusal(
    path: Path, channels: Channels, root: Path | None, site: SiteSettings | None
) -> ArticleCuts | str:
    try:
        return file_cuts(path, channels=channels, root=root, site=site)
    except UserError as exc:  # its one line: exceptions do not all survive pickling
        return str(exc)


def _cut_chunk(
    paths: list[Path], channels: Channels, root: Path | None, site: SiteSettings | None
) -> list[ArticleCuts | str]:
    return [_cut_or_refusal(path, channels, root, site) for path in paths]


def _chunks(paths: Iterable[Path]) -> Iterator[list[Path]]:
    it = iter(paths)
    while chunk := list(islice(it, CHUNK)):
        yield chunk


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
