"""The article library: files in posts_dir (or given to `add`), and web pages given to `add`
by URL, ingested into the store.

A new file is ingested and its excerpts queued on every channel that takes it; a changed
file is re-excerpted (the store keeps its history); a file gone from the folder has its
queued posts cancelled. A file that cannot be read is logged and skipped, and its posts
are kept: a broken edit loses nothing. An article that gives no post is logged once (a
warning saying why: too short, no sentence that stands alone, no room left by the
template, a language not supported, no channel taking its path), and so is a file whose
URL another file already has: the first file stays the article, the other is skipped
until it changes. A page's source is its URL, so the daemon's scans of posts_dir never
touch it (and never refetch it).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from bot.article import Article
from bot.config import Channel as ChannelConfig
from bot.errors import UserError
from bot.ingest import SUFFIX_KINDS, load_article
from bot.logs import log_event
from bot.policy import ChannelPolicy
from bot.sources.permalinks import SiteLinks
from bot.sources.stamps import FileCheck, cut_signature, reader_key
from bot.store import ArticleCuts, FileStamp, IngestStatus, Store

if TYPE_CHECKING:
    from bot.config.site import SiteSettings
    from bot.sources.cutting import CuttingPool
    from bot.sources.pages import FetchLimits
    from bot.store import IngestResult

# Articles stored per transaction: one commit (a disk sync, and every index page touched
# written again) for many articles, while the write lock is held about half a second, so
# the daemon's own writes never wait long.
BATCH = 100
READ_BATCH = 500  # articles read from the store at a time (to check their channels' cuts)


@dataclass
class ScanReport:
    """What one pass over the library did."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    queued: int = 0
    cancelled: int = 0
    failed: list[str] = field(default_factory=list)  # one line per file that failed
    warnings: list[str] = field(default_factory=list)  # files read that give no post


def article_files(paths: Iterable[Path]) -> list[Path]:
    """The article files among `paths`: files as given, folders walked (hidden entries skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUFFIX_KINDS
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(path)
    return found


def site_examples(
    posts_dir: Path, site: SiteSettings, *, count: int = 2, tries: int = 20
) -> tuple[list[tuple[Path, str]], list[str]]:
    """Up to `count` files of posts_dir with the URL [site] made for them (files that name
    their own are passed over), from the first `tries` files; and the one-line problems of
    those whose URL could not be made."""
    links = SiteLinks(site.base_url, site.permalink, posts_dir.resolve())
    examples: list[tuple[Path, str]] = []
    problems: list[str] = []
    for path in article_files([posts_dir])[:tries]:
        made = _LinkMade(links, path.resolve())
        try:
            load_article(made.file, link=made)
        except UserError as exc:
            if made.tried:
                problems.append(str(exc))
            continue
        if made.url:
            examples.append((path.relative_to(posts_dir), made.url))
            if len(examples) == count:
                break
    return examples, problems


class _LinkMade:
    """A file's link maker that remembers whether it was asked, and what it made."""

    def __init__(self, links: SiteLinks, file: Path) -> None:
        self.links, self.file = links, file
        self.tried = False
        self.url: str | None = None

    def __call__(self, meta) -> str:
        self.tried = True
        self.url = self.links.url_for(self.file, meta)
        return self.url


def _upsert(
    store: Store,
    article: Article,
    takers: list[ChannelConfig],
    *,
    now: datetime,
    keep: Iterable[ChannelConfig] = (),
    report: ScanReport | None = None,
    channels: dict[str, ChannelConfig] | None = None,
) -> IngestResult:
    """Store the article cut for `takers` (queued there); with no takers, cut for `keep`.
    With `report`, a new or changed article that gives no post on `channels` says why."""
    from bot.sources.cutting import article_cuts, why_no_post

    cuts = article_cuts(article, takers, keep=keep)
    result = store.upsert_articles([cuts], now=now)[0]
    if report is not None and result.status != IngestStatus.UNCHANGED:
        reason = why_no_post(cuts, channels or {})
        if reason is not None:
            report.warnings.append(f"{article.url}: gives no post: {reason}")
            log_event(
                "article.no_posts",
                level=logging.WARNING,
                article=article.id,
                url=article.url,
                reason=reason,
            )
    return result


def queue_existing(
    store: Store, channels: dict[str, ChannelConfig], *, now: datetime, root: Path | None = None
) -> ScanReport:
    """Queue the library's articles on each channel that has none of them yet, or whose
    room changed (its template, say): what a channel added to the config, or changed,
    gets, whether through a reload, a restart or `add`. Other channels' queues are left
    alone. A feed's articles stay with the channels the feed queued them on. Reports the
    posts queued and cancelled (its file counts stay 0).
    """
    report = ScanReport()
    pointers = store.channel_pointers(channels)
    mapped = {name: {a: cut for a, (cut, _) in pointers[name].items()} for name in channels}
    made_with = {name: {a: made for a, (_, made) in pointers[name].items()} for name in channels}
    signature = {name: cut_signature(channel) for name, channel in channels.items()}
    policies = {name: ChannelPolicy.of(channel) for name, channel in channels.items()}
    root = root.resolve() if root is not None else None
    candidates: list[tuple[str, list[str]]] = []
    for article_id, source, from_feed in store.live_articles():
        where = _where(source, root)
        wanting = [
            name
            for name in channels
            if (article_id in mapped[name] or not from_feed) and policies[name].takes(where)
        ]
        # A channel cut for the article with the settings it has now needs no new look.
        if any(made_with[name].get(article_id) != signature[name] for name in wanting):
            candidates.append((article_id, wanting))
    if candidates:  # the renderer and the excerpter: only when there is something to cut
        from bot.render.channel import cut_keys
        from bot.sources.cutting import article_cuts
    for start in range(0, len(candidates), READ_BATCH):
        some = candidates[start : start + READ_BATCH]
        library = store.get_articles(article_id for article_id, _ in some)
        batch: list[ArticleCuts] = []
        current: dict[str, list[str]] = {}  # channel -> articles whose cut still holds
        for article_id, wanting in some:
            article = library[article_id]
            keys = cut_keys([channels[name] for name in wanting], article)
            stale = [
                channels[name] for name in wanting if mapped[name].get(article_id) != keys[name]
            ]
            for name in wanting:
                if (
                    mapped[name].get(article_id) == keys[name]
                    and made_with[name].get(article_id) != signature[name]
                ):
                    current.setdefault(name, []).append(article_id)
            if stale:
                batch.append(article_cuts(article, stale))
            if len(batch) >= BATCH:
                _count_queued(report, store.upsert_articles(batch, now=now))
                batch = []
        if batch:
            _count_queued(report, store.upsert_articles(batch, now=now))
        for name, article_ids in current.items():
            store.sign_cuts(name, article_ids, signature[name])
    return report


def articles_giving_no_post(
    store: Store,
    channels: dict[str, ChannelConfig],
    *,
    root: Path | None = None,
    limit: int = 10,
) -> tuple[list[tuple[str, str]], int]:
    """The library's articles that give no post on `channels` (the enabled ones) as they
    were last cut: (source, why) for the first `limit` by source, and how many there are
    in all. An article not yet cut for a channel that now takes it (the config changed
    since) is not known to give none, and is left out. Reads the store only: no file is
    read and nothing is cut again."""
    policies = {name: ChannelPolicy.of(channel) for name, channel in channels.items()}
    root = root.resolve() if root is not None else None
    found: list[tuple[str, str, list[str]]] = []
    for article_id, source, from_feed, pointers in store.articles_without_posts(channels):
        takers = set(pointers)
        if not from_feed:
            where = _where(source, root)
            takers |= {name for name, policy in policies.items() if policy.takes(where)}
        if takers <= set(pointers):
            found.append((article_id, source, sorted(takers)))
    named = found[:limit]
    from bot.sources.cutting import why_no_post

    library = store.get_articles(article_id for article_id, _, _ in named)
    reasons = []
    for article_id, source, takers in named:
        cuts = ArticleCuts(library[article_id], {}, [policies[name] for name in takers])
        reasons.append((source, why_no_post(cuts, channels) or "no excerpt"))
    return reasons, len(found)


def _count_queued(report: ScanReport, results: Iterable[IngestResult]) -> None:
    for result in results:
        report.queued += result.queued
        report.cancelled += result.cancelled
        for name, count in result.queued_on.items():
            if count:
                log_event("article.queued", article=result.article_id, channel=name, queued=count)


def _where(source: str, root: Path | None) -> str:
    """What a channel's `articles` globs match for an article from `source`: its path
    under posts_dir (`root`, resolved), else its source as stored (a URL)."""
    if root is not None:
        inside = str(root).rstrip(os.sep) + os.sep  # a string test: a library is thousands
        if source.startswith(inside):
            return source[len(inside) :].replace(os.sep, "/")
    return source


def ingest_url(
    store: Store,
    url: str,
    *,
    channels: dict[str, ChannelConfig],
    now: datetime,
    limits: FetchLimits | None = None,
    report: ScanReport | None = None,
):
    """Fetch the page at `url`, ingest its article and queue its excerpts on every channel
    that takes it (a channel's `articles` globs are matched against the URL).

    Raises FetchError or ArticleError, one line naming the URL.
    """
    from bot.sources.pages import FetchLimits, fetch_article  # httpx: only when a page is fetched

    article = fetch_article(url, limits=limits or FetchLimits())
    takers = [ch for ch in channels.values() if ChannelPolicy.of(ch).takes(url)]
    return _upsert(
        store, article, takers, now=now, keep=channels.values(), report=report, channels=channels
    )


def ingest_urls(
    store: Store,
    urls: Iterable[str],
    *,
    channels: dict[str, ChannelConfig],
    now: datetime,
    limits: FetchLimits | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScanReport:
    """`ingest_url` for each of `urls`; a page that fails is reported, the others still go."""
    report = ScanReport()
    for url in urls:
        try:
            result = ingest_url(
                store, url, channels=channels, now=now, limits=limits, report=report
            )
        except UserError as exc:
            report.failed.append(str(exc))
            log_event("article.invalid", level=logging.WARNING, url=url, error=str(exc))
            continue
        finally:
            if progress is not None:
                progress(url)
        _count(report, result, url)
    return report


def scan_library(
    store: Store,
    paths: Iterable[Path],
    *,
    channels: dict[str, ChannelConfig],
    now: datetime,
    root: Path | None = None,
    prune: bool = False,
    progress: Callable[[Path], None] | None = None,
    stamps: dict[str, tuple[int, int]] | None = None,
    pool: CuttingPool | None = None,
    site: SiteSettings | None = None,
    remember: bool = False,
    reread: bool = False,
) -> ScanReport:
    """Ingest every article under `paths`; with `prune`, cancel posts of files now gone.

    With `site` (the config's [site]), files that name no URL get the one the site's
    permalinks make (`root` being posts_dir).

    With `stamps` (path → modification time and size, kept by the caller between scans), a
    file unchanged since the last scan is not read again, and a broken one is reported
    once, not at every scan.

    With `remember`, each file is checked against the stamp the store keeps of it
    (`bot.sources.stamps`): one unchanged since it was last read and stored is not read
    again, and every file read and stored is stamped there, in its article's transaction.
    `reread`: read every file all the same (stamping it anew).

    Files are read and cut (in `pool`'s worker processes, when given) and stored `BATCH`
    at a time, each batch in one transaction; a file that cannot be read is reported and
    skipped, the others still go.
    """
    report = ScanReport()
    present: set[str] = set()
    reader = reader_key(root=root, site=site) if remember else None
    kept = store.file_stamps(reader) if reader is not None and not reread else {}
    todo, touched = _to_read(
        article_files(paths),
        report,
        present,
        stamps=stamps,
        reader=reader,
        kept=kept,
        progress=progress,
    )
    if touched:
        store.stamp_files(touched)
    if not todo and not prune:
        return report  # every file unchanged: nothing to read, nor to cut
    from bot.sources.cutting import cut_files

    stored = _Batches(store, report, now=now, stamps=stamps, progress=progress, channels=channels)
    cut = cut_files(
        [file.path for file in todo], channels=channels, root=root, pool=pool, site=site
    )
    for file, item in zip(todo, cut, strict=True):
        if isinstance(item, str):
            report.failed.append(item)
            log_event("article.invalid", level=logging.WARNING, path=str(file.path), error=item)
            stored.done(file)
            continue
        stored.add(file, item)
    stored.flush()
    if prune and root is not None:
        removed = store.sync_sources(present, now=now, under=str(root.resolve()))
        report.removed = len(removed)
        for article_id in removed:
            log_event("article.removed", article=article_id)
    return report


def _to_read(
    files: Iterable[Path],
    report: ScanReport,
    present: set[str],
    *,
    stamps: dict[str, tuple[int, int]] | None,
    reader: str | None,
    kept: dict[str, FileStamp],
    progress: Callable[[Path], None] | None,
) -> tuple[list[_File], dict[str, FileStamp]]:
    """The files to read (each noted in `present`); the others, unchanged, counted in
    `report`; and the stamps of unchanged files to keep anew (a touch, a racy stamp)."""
    todo: list[_File] = []
    touched: dict[str, FileStamp] = {}
    for path in files:
        key = str(path.resolve())
        present.add(key)
        stamp = _stamp(path)
        if stamps is not None and stamp is not None and stamps.get(key) == stamp:
            report.unchanged += 1
            continue
        check = FileCheck(path, kept.get(key), reader=reader) if reader is not None else None
        if check is None or not check.unchanged:
            todo.append(_File(path, key, stamp, check.stamp if check is not None else None))
            continue
        report.unchanged += 1
        if check.restamp and check.stamp is not None:
            touched[key] = check.stamp
        if stamps is not None and stamp is not None:
            stamps[key] = stamp
        if progress is not None:
            progress(path)
    return todo, touched


class _File(NamedTuple):
    """A file to read: its path, its key (the resolved path), its (mtime, size) for the
    caller's `stamps`, and its stamp to keep in the store (None: none is kept)."""

    path: Path
    key: str
    stamp: tuple[int, int] | None
    recorded: FileStamp | None


class _Batches:
    """Files read and cut, stored `BATCH` at a time; each one counted (and its stamps kept,
    the progress told) once its batch is committed."""

    def __init__(
        self,
        store: Store,
        report: ScanReport,
        *,
        now: datetime,
        stamps: dict[str, tuple[int, int]] | None,
        progress: Callable[[Path], None] | None,
        channels: dict[str, ChannelConfig],
    ) -> None:
        self.store, self.report, self.now = store, report, now
        self.stamps, self.progress, self.channels = stamps, progress, channels
        self.pending: list[tuple[_File, ArticleCuts]] = []
        self.sources: dict[str, str] = {}  # article id -> the file that has it, this scan

    def add(self, file: _File, item: ArticleCuts) -> None:
        self.pending.append((file, item))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        batch = self._without_duplicates(batch)
        if not batch:
            return
        recorded = {file.key: file.recorded for file, _ in batch if file.recorded is not None}
        results = self.store.upsert_articles(
            [item for _, item in batch], now=self.now, stamps=recorded
        )
        for (file, item), result in zip(batch, results, strict=True):
            self.done(file)
            _count(self.report, result, file.path)
            if result.status != IngestStatus.UNCHANGED:
                self._say_why_no_post(file.path, item)

    def _say_why_no_post(self, path: Path, item: ArticleCuts) -> None:
        from bot.sources.cutting import why_no_post

        reason = why_no_post(item, self.channels)
        if reason is not None:
            self.report.warnings.append(f"{path}: gives no post: {reason}")
            log_event(
                "article.no_posts",
                level=logging.WARNING,
                article=item.article.id,
                path=str(path),
                reason=reason,
            )

    def _without_duplicates(self, batch):
        """The batch without files whose article (their URL) another present file has:
        the first file stays the article; each other one is reported and skipped (its
        stamp kept, so it is said once, until it changes)."""
        stored = self.store.get_articles(item.article.id for _, item in batch)
        kept = []
        for file, item in batch:
            article = item.article
            first = self.sources.setdefault(article.id, article.source)
            if first == article.source and article.id in stored:
                known = stored[article.id].source
                if known != article.source and Path(known).is_file():
                    first = known
            if first == article.source:
                kept.append((file, item))
                continue
            line = (
                f"{file.path}: has the same url as {first} ({article.url}); skipped, "
                f"{first} stays the article (give each file its own url)"
            )
            self.report.warnings.append(line)
            log_event(
                "article.duplicate",
                level=logging.WARNING,
                path=str(file.path),
                first=first,
                url=article.url,
            )
            self.done(file)
        return kept

    def done(self, file: _File) -> None:
        """The file is dealt with (stored, or reported as broken)."""
        if self.stamps is not None and file.stamp is not None:
            self.stamps[file.key] = file.stamp
        if self.progress is not None:
            self.progress(file.path)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _count(report: ScanReport, result, path: Path | str) -> None:
    report.queued += result.queued
    report.cancelled += result.cancelled
    if result.status == IngestStatus.UNCHANGED:
        report.unchanged += 1
        return
    if result.status == IngestStatus.NEW:
        report.new += 1
    else:
        report.changed += 1
    where = {"url": path} if isinstance(path, str) else {"path": str(path)}
    log_event(
        "article.ingested",
        article=result.article_id,
        **where,
        status=str(result.status),
        queued=result.queued,
        cancelled=result.cancelled,
    )
