"""`excerpt-bot migrate-store --to URL`: the config's SQLite store copied into an empty
PostgreSQL database, for several daemons (README "Several daemons")."""

from __future__ import annotations

import os
from pathlib import Path

import click

from bot.cli.configured import load_config_or_fail
from bot.cli.options import config_option
from bot.errors import UserError


@click.command("migrate-store")
@config_option
@click.option(
    "--to",
    "target",
    required=True,
    metavar="URL",
    help="The empty PostgreSQL database, e.g. postgresql://bot@db.example/bot "
    "(no password in it: PGPASSWORD, ~/.pgpass or database_password_env).",
)
def migrate_store(config_path: Path | None, target: str) -> None:
    """Copy the SQLite store into an empty PostgreSQL database.

    Articles, excerpts, posts, their attempts and history, channels' state and memory,
    feeds and the admin chat's outbox are copied in one transaction; a target holding
    anything is refused. Stop the daemon first, then point `database` at the URL.
    """
    from bot.store import Store
    from bot.store.copying import check_empty, copy_tables
    from bot.store.engine import is_postgresql

    config = load_config_or_fail(config_path)
    if is_postgresql(config.bot.database):
        raise UserError(
            "migrate-store copies an SQLite store: `database` already names a PostgreSQL database"
        )
    if not is_postgresql(target):
        raise UserError("--to: give a postgresql:// URL (the user, host and database)")
    if not Path(config.bot.database).expanduser().is_file():
        raise UserError(f"database {config.bot.database}: no such file, nothing to copy")
    with (
        Store.open(config.bot.database, quick=True) as source,
        Store.open(target, password=config.bot.database_password(os.environ)) as to,
    ):
        to.read_with(check_empty, to.where)
        copied = source.read_with(lambda conn: to.write_with(copy_tables, conn))
    rows = ", ".join(f"{n} {table}" for table, n in copied.items() if n)
    click.echo(f"copied {source.where} to {to.where}: {rows or 'nothing (an empty store)'}")
    click.echo(f'now set database = "{to.where}" in the config and start the daemons')
