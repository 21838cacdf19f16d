"""`excerpt-bot run`: the daemon, in the foreground."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click

from bot.cli.options import config_option, resolve_config_path
from bot.daemon import Daemon


@click.command()
@config_option
@click.option(
    "--once", is_flag=True, help="Scan the library, post one slot on every channel, then exit."
)
def run(config_path: Path | None, once: bool) -> None:
    """Run the daemon: post on every channel's schedule until SIGTERM or Ctrl-C.

    SIGHUP reloads the config and rescans posts_dir; an invalid config keeps the running one.
    """
    daemon = Daemon(resolve_config_path(config_path), environ=dict(os.environ))
    asyncio.run(daemon.run(once=once))
