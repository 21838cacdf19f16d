"""Copying a whole store into another database (`excerpt-bot migrate-store`): every table
of the schema in dependency order, in one transaction on the target, which must be empty.

The daemons' own tables (`instances`, `leases`) are not copied: they describe processes of
the old database. On PostgreSQL the id sequences then continue after the copied ids.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Integer, func, insert, select, text

from bot.errors import UserError
from bot.store import schema

BATCH = 2000  # rows read and written at a time
NOT_COPIED = ("meta", "instances", "leases")


def check_empty(conn: Connection, where: str) -> None:
    """Refuse a target that holds anything but a new store's schema."""
    for table in schema.metadata.sorted_tables:
        if table.name in NOT_COPIED:
            continue
        count = conn.scalar(select(func.count()).select_from(table))
        if count:
            raise UserError(
                f"database {where} is not empty ({count} rows in {table.name}); "
                "migrate-store copies into a new, empty database only"
            )


def copy_tables(
    target: Connection,
    source: Connection,
    progress: Callable[[str, int], None] = lambda table, rows: None,
) -> dict[str, int]:
    """Copy every table's rows from `source` into `target` (the write transaction, first:
    `Store.write_with(copy_tables, source)`); rows copied per table."""
    copied: dict[str, int] = {}
    for table in schema.metadata.sorted_tables:
        if table.name in NOT_COPIED:
            continue
        result = source.execute(select(table)).yield_per(BATCH)
        count = 0
        for batch in result.partitions(BATCH):
            target.execute(insert(table), [row._asdict() for row in batch])
            count += len(batch)
            progress(table.name, count)
        copied[table.name] = count
    if target.dialect.name == "postgresql":
        for table in schema.metadata.sorted_tables:
            if table.name in NOT_COPIED or "id" not in table.c or not table.c.id.autoincrement:
                continue
            if not isinstance(table.c.id.type, Integer):
                continue
            target.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                )
            )
    return copied
