"""The article library: files in posts_dir (or given to `add`), and web pages given to `add`
by URL, ingested into the store.

A new file is ingested and its excerpts queued on every channel that takes it; a changed
file is re-excerpted (the store keeps its history); a file gone from the folder has its
queued posts cancelled. A file that cannot be read is logged and skipped, and its posts
are kept: a broken edit loses nothing. A page's source is its URL, so the daemon's scans of
posts_dir never touch it (and never refetch it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING

from bot.article import Article
from bot.config import Channel as ChannelConfig
from bot.errors import UserError
from bot.excerpt import Excerpt
from bot.ingest import SUFFIX_KINDS, load_article
from bot.logs import log_event
from bot.policy import ChannelPolicy
from bot.runtime import channel_excerpts, cut_key
from bot.store import IngestStatus, Store

if TYPE_CHECKING:
    from bot.pages import FetchLimits


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


def article_files(paths: Iterable[Path]) -> list[Path]:
    """The article files among `paths`: files as given, folders walked (hidden entries skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUFFIX_KINDS
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(path)
    return found


def cut_article(article: Article, channels: Iterable[ChannelConfig],
                ) -> tuple[dict[str, list[Excerpt]], dict[str, str]]:
    """The article cut for each of `channels`' room: (excerpts by cut, each channel's cut).

    Channels whose posts leave the same room share one cut: one excerpting pass.
    """
    cuts: dict[str, list[Excerpt]] = {}
    cut_of: dict[str, str] = {}
    for channel in channels:
        key = cut_key(channel, article)
        if key not in cuts:
            cuts[key] = channel_excerpts(channel, article)
        cut_of[channel.name] = key
    return cuts, cut_of


def _upsert(store: Store, article: Article, takers: list[ChannelConfig], *, now: datetime,
            keep: Iterable[ChannelConfig] = ()):
    """Store the article cut for `takers` (queued there); with no takers, cut for `keep`
    (so that its excerpts are known) and queued nowhere."""
    cuts, cut_of = cut_article(article, takers or keep)
    if not takers:
        cut_of = {}
    return store.upsert_article(article, cuts, channels=[ChannelPolicy.of(c) for c in takers],
                                cut_of=cut_of, now=now)


def queue_existing(store: Store, channels: dict[str, ChannelConfig], *, now: datetime,
                   root: Path | None = None) -> ScanReport:
    """Queue the library's articles on each channel that has none of them yet, or whose
    room changed (its template, say): what a channel added to the config, or changed,
    gets, whether through a reload, a restart or `add`. Other channels' queues are left
    alone. A feed's articles stay with the channels the feed queued them on. Reports the
    posts queued and cancelled (its file counts stay 0).
    """
    report = ScanReport()
    mapped = {name: store.channel_cuts(name) for name in channels}
    policies = {name: ChannelPolicy.of(channel) for name, channel in channels.items()}
    for article_id, source, from_feed in store.live_articles():
        where = _where(source, root)
        wanting = [ch for ch in channels.values()
                   if (article_id in mapped[ch.name] or not from_feed)
                   and policies[ch.name].takes(where)]
        if not wanting:
            continue
        article = store.get_article(article_id)
        stale = [ch for ch in wanting
                 if mapped[ch.name].get(article_id) != cut_key(ch, article)]
        if not stale:
            continue
        result = _upsert(store, article, stale, now=now)
        report.queued += result.queued
        report.cancelled += result.cancelled
        for name, count in result.queued_on.items():
            if count:
                log_event("article.queued", article=article_id, channel=name, queued=count)
    return report


def _where(source: str, root: Path | None) -> str:
    """What a channel's `articles` globs match for an article from `source`: its path
    under posts_dir, else its source as stored (a URL)."""
    if root is not None:
        try:
            return Path(source).relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return source


def ingest_file(store: Store, path: Path, *, channels: dict[str, ChannelConfig], now: datetime,
                root: Path | None = None, url: str | None = None):
    """Ingest one article file and queue its excerpts; raises UserError for a bad file."""
    relative = path.relative_to(root).as_posix() if root else path.name
    takers = [ch for ch in channels.values()
              if not ch.articles or any(fnmatch(relative, g) for g in ch.articles)]
    article = load_article(path.resolve(), url=url, id_path=relative)
    if not article.url:
        raise UserError(f"{path}: the article carries no link; add `url:` to its front matter")
    return _upsert(store, article, takers, now=now)


def ingest_url(store: Store, url: str, *, channels: dict[str, ChannelConfig], now: datetime,
               limits: FetchLimits | None = None):
    """Fetch the page at `url`, ingest its article and queue its excerpts on every channel
    that takes it (a channel's `articles` globs are matched against the URL).

    Raises FetchError or ArticleError, one line naming the URL.
    """
    from bot.pages import FetchLimits, fetch_article  # httpx: only when a page is fetched

    article = fetch_article(url, limits=limits or FetchLimits())
    takers = [ch for ch in channels.values()
              if not ch.articles or any(fnmatch(url, g) for g in ch.articles)]
    return _upsert(store, article, takers, now=now, keep=channels.values())


def ingest_urls(store: Store, urls: Iterable[str], *, channels: dict[str, ChannelConfig],
                now: datetime, limits: FetchLimits | None = None,
                progress: Callable[[str], None] | None = None) -> ScanReport:
    """`ingest_url` for each of `urls`; a page that fails is reported, the others still go."""
    report = ScanReport()
    for url in urls:
        try:
            result = ingest_url(store, url, channels=channels, now=now, limits=limits)
        except UserError as exc:
            report.failed.append(str(exc))
            log_event("article.invalid", level=logging.WARNING, url=url, error=str(exc))
            continue
        finally:
            if progress is not None:
                progress(url)
        _count(report, result, url)
    return report


def scan_library(store: Store, paths: Iterable[Path], *, channels: dict[str, ChannelConfig],
                 now: datetime, root: Path | None = None, prune: bool = False,
                 progress: Callable[[Path], None] | None = None,
                 stamps: dict[str, tuple[int, int]] | None = None) -> ScanReport:
    """Ingest every article under `paths`; with `prune`, cancel posts of files now gone.

    With `stamps` (path → modification time and size, kept by the caller between scans), a
    file unchanged since the last scan is not read again, and a broken one is reported
    once, not at every scan.
    """
    report = ScanReport()
    present: set[str] = set()
    for path in article_files(paths):
        key = str(path.resolve())
        present.add(key)
        stamp = _stamp(path)
        if stamps is not None and stamp is not None and stamps.get(key) == stamp:
            report.unchanged += 1
            continue
        try:
            result = ingest_file(store, path, channels=channels, now=now, root=root)
        except UserError as exc:
            report.failed.append(str(exc))
            log_event("article.invalid", level=logging.WARNING, path=str(path), error=str(exc))
            continue
        finally:
            if stamps is not None and stamp is not None:
                stamps[key] = stamp
            if progress is not None:
                progress(path)
        _count(report, result, path)
    if prune and root is not None:
        removed = store.sync_sources(present, now=now, under=str(root.resolve()))
        report.removed = len(removed)
        for article_id in removed:
            log_event("article.removed", article=article_id)
    return report


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
    log_event("article.ingested", article=result.article_id, **where,
              status=str(result.status), queued=result.queued, cancelled=result.cancelled)
