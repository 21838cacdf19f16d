"""What the operator commands share: the loaded config, the open store, the clock, and
channel names checked against the config (with a "did you mean").
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click

from bot.cli.app import CommandError
from bot.cli.options import load
from bot.config import Channel as ChannelConfig
from bot.config import Config, ConfigProblems
from bot.errors import UserError
from bot.logs import register_url_secrets
from bot.store import Store


class ProblemsError(CommandError):
    """Several user errors at once: one `excerpt-bot: error: …` line each, exit status 2."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def show(self, file=None) -> None:
        for line in self.problems:
            click.echo(f"excerpt-bot: error: {line}", file=file or sys.stderr)


def utc_now() -> datetime:
    return datetime.now(UTC)


def load_config_or_fail(config_path: Path | None) -> Config:
    """The validated config; a bad one ends the command with one line per problem."""
    try:
        config = load(config_path)
    except ConfigProblems as exc:
        raise ProblemsError(exc.problems) from None
    register_url_secrets(*(source.feed for source in config.sources))
    return config


@contextmanager
def opened_store(
    config: Config, *, cache_mb: int | None = None, read_only: bool = False
) -> Iterator[Store]:
    """The config's database, open for the length of the block (`cache_mb`, `read_only`:
    see `Store.open`); a locked database is reported after a short wait."""
    store = Store.open(
        config.bot.database,
        cache_mb=cache_mb,
        read_only=read_only,
        quick=True,
        password=config.bot.database_password(os.environ),
    )
    try:
        yield store
    finally:
        store.close()


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """` (did you mean "news"?)`, or a list of the known names when none is close."""
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if close:
        return f'did you mean "{close[0]}"?'
    return f"known channels: {', '.join(names)}" if names else "the config has no channels"


def configured_channel(config: Config, name: str, *, enabled: bool = False) -> ChannelConfig:
    """The channel called `name` in the config; else a one-line UserError with a hint."""
    channel = config.channels.get(name)
    if channel is None:
        raise UserError(
            f'no channel "{name}" in {config.source or "the config"} '
            f"({did_you_mean(name, config.channels)})"
        )
    if enabled and not channel.enabled:
        raise UserError(
            f'channel "{name}" is disabled (set enabled = true in [channels.{name}] to use it)'
        )
    return channel


def channel_filter(config: Config, store: Store, name: str | None) -> str | None:
    """A `--channel` filter for listings: a configured channel, or one the database knows."""
    if name is None or name in config.channels:
        return name
    known = set(config.channels) | set(store.status_summary())
    if name in known:
        return name
    raise UserError(
        f'no channel "{name}" in the config or the database ({did_you_mean(name, known)})'
    )


def channel_option(command):
    """`--channel NAME`: only this channel."""
    return click.option("--channel", "channel_name", metavar="NAME", help="Only this channel.")(
        command
    )


def json_option(command):
    """`--json`: plain JSON on stdout instead of a table."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        command
    )


ROWS_AT_MOST = 10**9  # a --limit beyond this means "all" (and stays inside SQLite's integers)


def limit_option(help_text: str, *, most: int | None = None):
    """`--limit N` with the command's own meaning: at most `most` (an error beyond), or
    without `most` any number, a huge one read as ROWS_AT_MOST (the database has fewer)."""
    if most is None:
        limits = click.IntRange(min=1, max=ROWS_AT_MOST, clamp=True)
    else:
        limits = click.IntRange(min=1, max=most)
    return click.option("--limit", type=limits, metavar="N", help=help_text)
