"""Creating a new database at the current schema version, or upgrading an older one in place.

The version lives in the `meta` table (`schema_version`). Each step upgrades from version N
to N + 1 and is written against the tables as they were at N + 1 (frozen here), not against
`bot.store.schema`, so an old database still upgrades correctly after later changes. All
steps run in the caller's one transaction: an upgrade that fails leaves the database as it
was. A database newer than this code is refused, never touched.

On PostgreSQL the transaction first takes a database-wide advisory lock (held until it
ends), so that daemons starting together on an empty or older database migrate it once:
the others wait, then find it at the current version. (SQLite's BEGIN IMMEDIATE does the
same for a file.) PostgreSQL's DDL is transactional, so a failed upgrade leaves nothing.

Why not Alembic: these steps predate any need for it and run in one transaction on both
databases; the version is one row that `status` reads with sqlite3 alone (no SQLAlchemy,
no Alembic, in its fast path); each step is written against frozen copies of its tables,
which is what Alembic's scripts would hold too. Alembic would add a second version record
(alembic_version) every existing file must be converted to, and a dependency, for no
step this module cannot express.

The steps and the history of versions: `bot.store.upgrades`.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, inspect, select, text, update

from bot.errors import UserError
from bot.store import schema
from bot.store.schema import SCHEMA_VERSION
from bot.store.upgrades import STEPS

__all__ = ["STEPS", "current_version", "ensure_schema", "read_version"]

VERSION_KEY = "schema_version"
# The advisory lock key migrations hold on PostgreSQL ("excerpt-" as a big-endian int64).
MIGRATION_LOCK = int.from_bytes(b"excerpt-", "big")


def ensure_schema(conn: Connection, *, where: str) -> tuple[int | None, int]:
    """Bring the database on `conn` to SCHEMA_VERSION; return (version found, version now).

    The version found is None for a new, empty database. `where` names the database in
    error messages.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    names = set(inspect(conn).get_table_names())
    if "meta" not in names:
        if names:
            raise UserError(
                f"{where} is not an excerpt-bot database (it has tables but no schema "
                "version): point `database` at a new file"
            )
        schema.metadata.create_all(conn)
        conn.execute(insert(schema.meta).values(key=VERSION_KEY, value=str(SCHEMA_VERSION)))
        return None, SCHEMA_VERSION
    found = read_version(conn, where=where)
    if found > SCHEMA_VERSION:
        raise UserError(
            f"database schema version {found} is newer than this excerpt-bot understands "
            f"({SCHEMA_VERSION}); upgrade excerpt-bot ({where})"
        )
    for version in range(found, SCHEMA_VERSION):
        STEPS[version](conn)
        _write_version(conn, version + 1)
    return found, SCHEMA_VERSION


def current_version(conn: Connection, *, where: str) -> int | None:
    """SCHEMA_VERSION when the database on `conn` is at it; None when it is new (empty) or
    older (opening it writes). Reads only: a file of another application is refused as it
    is, a newer version too."""
    names = set(inspect(conn).get_table_names())
    if "meta" not in names:
        if names:
            raise UserError(
                f"{where} is not an excerpt-bot database (it has tables but no schema "
                "version): point `database` at a new file"
            )
        return None
    found = read_version(conn, where=where)
    if found > SCHEMA_VERSION:
        raise UserError(
            f"database schema version {found} is newer than this excerpt-bot understands "
            f"({SCHEMA_VERSION}); upgrade excerpt-bot ({where})"
        )
    return found if found == SCHEMA_VERSION else None


def read_version(conn: Connection, *, where: str) -> int:
    value = conn.scalar(select(schema.meta.c.value).where(schema.meta.c.key == VERSION_KEY))
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UserError(
            f"{where}: the meta table holds no valid schema_version ({value!r}); "
            "this is not a database excerpt-bot wrote"
        ) from None


def _write_version(conn: Connection, version: int) -> None:
    meta = schema.meta
    conn.execute(update(meta).where(meta.c.key == VERSION_KEY).values(value=str(version)))
