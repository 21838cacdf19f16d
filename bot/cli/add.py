"""`excerpt-bot add PATH_OR_URL...`: ingest article files, folders and web pages now, daemon
running or not.

Files inside posts_dir get the ids the daemon's own scans give them, so adding one there
and the next scan agree; files elsewhere are named by their file name. A URL (http or
https) is fetched and extracted like an .html file; its article's id comes from the page's
canonical URL.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.configured import ProblemsError, load_config_or_fail, opened_store, utc_now
from bot.cli.options import config_option
from bot.cli.output import count
from bot.ingest import SUFFIX_KINDS
from bot.logs import LOGGER_NAME
from bot.sources.library import ScanReport, article_files, ingest_urls, queue_existing, scan_library

if TYPE_CHECKING:
    from bot.sources.cutting import CuttingPool

PROGRESS_FROM = 20  # files: fewer go by too fast for a bar
POOL_FROM = 200  # files: fewer are cut before worker processes would be up
STORE_CACHE_MB = 32  # a backlog's posts go into indexes several times SQLite's 2 MiB cache
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


@click.command()
@config_option
@click.argument("sources", nargs=-1, required=True, metavar="PATH_OR_URL...")
def add(config_path: Path | None, sources: tuple[str, ...]) -> None:
    """Ingest article files, folders and web pages now.

    Files are taken as given, folders walked, web pages (http or https URLs) fetched
    within bot.fetch_timeout and extracted like .html files. New articles are queued on
    every enabled channel that takes them, changed ones are re-excerpted, unchanged ones
    are left alone (a file unchanged since it was last read is not read again). Safe
    while the daemon runs. A file or page that cannot be read is reported (one line
    each, exit status 2); the others are still added.
    """
    urls = [s for s in sources if _URL.match(s)]
    paths = [Path(s) for s in sources if not _URL.match(s)]
    config = load_config_or_fail(config_path)
    posts_dir = config.bot.posts_dir.resolve()
    inside = [p.resolve() for p in paths if p.resolve().is_relative_to(posts_dir)]
    outside = [p for p in paths if not p.resolve().is_relative_to(posts_dir)]
    channels = config.enabled_channels()
    total = ScanReport()
    files = len(article_files(paths))
    # The pool starts first: its processes boot while the store opens.
    with (
        _cutting_pool(files) as pool,
        quiet_library_log(),
        opened_store(config, cache_mb=STORE_CACHE_MB) as store,
        _progress(files + len(urls)) as advance,
    ):
        # A channel new to the config gets the library's articles too, not only these.
        _merge(total, queue_existing(store, channels, now=utc_now(), root=posts_dir))
        for group, root in ((inside, posts_dir), (outside, None)):
            if group:
                report = scan_library(
                    store,
                    group,
                    channels=channels,
                    now=utc_now(),
                    root=root,
                    prune=False,
                    progress=advance,
                    pool=pool,
                    site=config.site if root is not None else None,
                    remember=True,
                )
                _merge(total, report)
        if urls:
            from bot.sources.pages import FetchLimits  # httpx: only when pages are fetched

            limits = FetchLimits(timeout=config.bot.fetch_timeout.total_seconds())
            _merge(
                total,
                ingest_urls(
                    store, urls, channels=channels, now=utc_now(), limits=limits, progress=advance
                ),
            )
    click.echo(_summary(total, "article" if urls else "file"))
    for line in [*_why_nothing(config, paths, urls, files, total), *total.warnings]:
        click.echo(f"warning: {line}", err=True)
    if total.failed:
        raise ProblemsError(total.failed)


def _why_nothing(
    config, paths: list[Path], urls: list[str], files: int, report: ScanReport
) -> list[str]:
    """Why nothing was queued, when the reason is not one article's (those say their own)."""
    if report.queued:
        return []
    if not config.enabled_channels():
        where = config.source or "the config"
        return [
            f"no channel is enabled in {where}, so nothing is queued (set enabled = true "
            "in a [channels.NAME] table)"
        ]
    if not files and not urls:
        kinds = ", ".join(SUFFIX_KINDS)
        return [f"no article files in {', '.join(str(p) for p in paths)} (looked for {kinds})"]
    return []


def _summary(report: ScanReport, noun: str) -> str:
    files = report.new + report.changed + report.unchanged + len(report.failed)
    return (
        f"{count(files, noun)}: {report.new} new, "
        f"{report.changed} changed, {report.unchanged} unchanged, "
        f"{len(report.failed)} failed; {count(report.queued, 'post')} queued"
        + (f", {report.cancelled} cancelled" if report.cancelled else "")
    )


def _merge(total: ScanReport, report: ScanReport) -> None:
    for name in ("new", "changed", "unchanged", "queued", "cancelled"):
        setattr(total, name, getattr(total, name) + getattr(report, name))
    total.failed += report.failed
    total.warnings += report.warnings


@contextmanager
def _progress(files: int) -> Iterator[Callable[[Path | str], None] | None]:
    """A bar on stderr for many files or pages on a terminal; else nothing."""
    if files <= PROGRESS_FROM or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (
        TextColumn("adding"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[name]}"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("add", total=files, name="")
        yield lambda item: progress.update(task, advance=1, name=getattr(item, "name", item))


def _cutting_pool(files: int) -> AbstractContextManager[CuttingPool | None]:
    """Worker processes to cut many files in, one per core; None for a few files, one
    core, or a system where processes cannot be started (they are cut in this process)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if files < POOL_FROM or not cores or cores < 2:
        return nullcontext(None)
    from bot.sources.cutting import CuttingPool

    try:
        return CuttingPool(cores)
    except (OSError, ImportError, NotImplementedError):  # no semaphores, no fork server
        return nullcontext(None)


def quiet_library_log():
    """Keep library log events off the terminal when no logging is set up: `add` reports
    failures itself, and Python's last-resort handler would print bare event names."""
    if logging.getLogger().handlers:
        return nullcontext()
    return _null_handler(logging.getLogger(LOGGER_NAME))


@contextmanager
def _null_handler(logger: logging.Logger) -> Iterator[None]:
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
