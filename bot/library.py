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

from bot.config import Channel as ChannelConfig
from bot.errors import UserError
from bot.excerpt import Excerpt
from bot.ingest import SUFFIX_KINDS, load_article
from bot.logs import log_event
from bot.pipeline import excerpts_for
from bot.policy import ChannelPolicy
from bot.render import excerpt_budget
from bot.runtime import profile_for, utm_for
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


def excerpts_for_channels(article, channels: list[ChannelConfig]) -> list[Excerpt]:
    """Excerpts that fit every channel: cut for the channel with the least room."""
    if not channels:
        return []

    def room(channel: ChannelConfig) -> int:
        return excerpt_budget(article, profile_for(channel), template=channel.template,
                              utm=utm_for(channel))

    tightest = min(channels, key=room)
    return excerpts_for(article, profile_for(tightest), template=tightest.template,
                        utm=utm_for(tightest))


def ingest_file(store: Store, path: Path, *, channels: dict[str, ChannelConfig], now: datetime,
                root: Path | None = None, url: str | None = None):
    """Ingest one article file and queue its excerpts; raises UserError for a bad file."""
    relative = path.relative_to(root).as_posix() if root else path.name
    takers = [ch for ch in channels.values()
              if not ch.articles or any(fnmatch(relative, g) for g in ch.articles)]
    article = load_article(path.resolve(), url=url, id_path=relative)
    if not article.url:
        raise UserError(f"{path}: the article carries no link; add `url:` to its front matter")
    excerpts = excerpts_for_channels(article, takers)
    return store.upsert_article(
        article, excerpts, channels=[ChannelPolicy.of(ch) for ch in takers], now=now,
    )


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
    excerpts = excerpts_for_channels(article, takers or list(channels.values()))
    return store.upsert_article(
        article, excerpts, channels=[ChannelPolicy.of(ch) for ch in takers], now=now,
    )


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
