"""`excerpt-bot web`: the web console alone, on the store, while the daemon runs or not."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

import click

from bot.cli.configured import load_config_or_fail, utc_now
from bot.cli.options import config_option
from bot.errors import UserError


@click.command()
@config_option
@click.option(
    "--listen",
    metavar="HOST:PORT",
    help='Where to serve it (default: [web] listen, else "127.0.0.1:8765").',
)
def web(config_path: Path | None, listen: str | None) -> None:
    """Serve the web console until Ctrl-C or SIGTERM.

    The same console the daemon serves with `[web] listen`: the overview, the calendar,
    approvals, retries and the history, from the database, whether the daemon runs or
    not. Log in with the token in the variable named by [web] token_env (default
    EXCERPT_BOT_WEB_TOKEN); without one it refuses to start.
    """
    config = load_config_or_fail(config_path)
    asyncio.run(_serve(config, listen))


async def _serve(config, listen: str | None) -> None:
    from bot.logs import setup_logging
    from bot.offloop import AsyncStore
    from bot.render.channel import remembered
    from bot.store import Store
    from bot.web import console_for

    setup_logging(level=config.bot.log_level, fmt=config.bot.log_format, file=config.bot.log_file)
    with Store.open(
        config.bot.database, password=config.bot.database_password(os.environ)
    ) as store:
        # Slots rendered as the daemon renders them: with what its channels learned.
        config = remembered(config, store.recall)
        db = AsyncStore(store)
        console = console_for(lambda: config, db, utc_now, os.environ, listen=listen)
        try:
            await console.start()
        except OSError as exc:
            raise UserError(
                f"web: cannot listen on {console.host}:{console.port}: {exc.strerror}"
            ) from None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        click.echo(f"web console on {console.url} (Ctrl-C stops it)")
        try:
            await stop.wait()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(Exception):
                    loop.remove_signal_handler(sig)
            await console.stop()
            db.close()
