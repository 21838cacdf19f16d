"""`excerpt-bot poll`: fetch the configured feeds now, daemon running or not."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from bot.cli.add import PROGRESS_FROM, quiet_library_log
from bot.cli.configured import ProblemsError, load_config_or_fail, opened_store, utc_now
from bot.cli.options import config_option
from bot.cli.output import count
from bot.config import Config, Source
from bot.errors import UserError
from bot.sources.feeds.poll import FeedPoller, PollReport
from bot.sources.pages import FetchLimits


@click.command()
@config_option
@click.option(
    "--feed",
    "feeds",
    multiple=True,
    metavar="URL",
    help="Only this feed (repeat for several). Default: every [[sources]] feed.",
)
def poll(config_path: Path | None, feeds: tuple[str, ...]) -> None:
    """Poll the [[sources]] feeds now.

    Whatever their poll interval or backoff after failures. New entries are ingested and
    queued as the daemon would (a feed's first poll queues only its newest `first_sync`
    entries), edited ones re-excerpted. Prints one line per feed; a feed or entry that
    fails is reported (one line each, exit status 2). Safe while the daemon runs.
    """
    config = load_config_or_fail(config_path)
    sources = _chosen(config, feeds)
    limits = FetchLimits(timeout=config.bot.fetch_timeout.total_seconds())
    problems: list[str] = []
    with opened_store(config) as store, quiet_library_log():
        poller = FeedPoller(store, config.enabled_channels(), limits=limits)
        for source in sources:
            with _progress(source.feed) as progress:
                report = poller.poll(source, now=utc_now(), progress=progress)
            click.echo(_summary(report))
            problems += ([report.error] if report.error else []) + report.failed
    if problems:
        raise ProblemsError(problems)


def _chosen(config: Config, feeds: tuple[str, ...]) -> list[Source]:
    if not config.sources:
        raise UserError(
            f"{config.source or 'the config'} has no [[sources]] (add one with "
            'feed = "https://example.org/feed/")'
        )
    if not feeds:
        return list(config.sources)
    known = {source.feed: source for source in config.sources}
    unknown = [url for url in feeds if url not in known]
    if unknown:
        raise UserError(
            f"no [[sources]] feed {unknown[0]} in {config.source or 'the config'} "
            f"(the feeds are: {', '.join(known)})"
        )
    return [known[url] for url in dict.fromkeys(feeds)]


def _summary(report: PollReport) -> str:
    if report.error is not None:
        return f"{report.feed}: failed; next attempt {report.next_poll_at:%Y-%m-%d %H:%M} UTC"
    if report.not_modified:
        return f"{report.feed}: not modified since the last poll"
    return (
        f"{report.feed}: {report.new} new, {report.changed} changed, "
        f"{report.unchanged} unchanged, {report.seen} only recorded, "
        f"{report.evergreen} evergreen, {len(report.failed)} failed; "
        f"{count(report.queued, 'post')} queued"
    )


@contextmanager
def _progress(feed: str) -> Iterator:
    """A bar on stderr once a poll has many entries to take, on a terminal; else nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    columns = (
        TextColumn("polling"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[name]}"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task: list[TaskID] = []

        def advance(done: int, total: int, what: str) -> None:
            if total <= PROGRESS_FROM:
                return
            if not task:
                task.append(bar.add_task(feed, total=total, name=""))
            bar.update(task[0], completed=done, name=what)

        yield advance
