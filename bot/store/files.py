"""Article files as last read (the `source_files` table): their stamps, read and written
inside the caller's transaction. What a stamp holds and when it holds is
`bot.sources.stamps`'s to say; here they are only kept."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, delete, insert, select

from bot.store.queueing import chunks
from bot.store.records import FileStamp
from bot.store.schema import articles, source_files


def file_stamps(conn: Connection, reader: str) -> dict[str, FileStamp]:
    """The stamps `reader` took of files that are the source of a live article, by path."""
    files = source_files.c
    query = (
        select(files.path, files.size, files.mtime_ns, files.digest, files.reader, files.checked_ns)
        .select_from(source_files.join(articles, articles.c.source == files.path))
        .where(files.reader == reader, articles.c.removed_at.is_(None))
    )
    return {row.path: FileStamp(*row[1:]) for row in conn.execute(query)}


def stamp_files(conn: Connection, stamps: Mapping[str, FileStamp]) -> None:
    """Keep these stamps, each in place of its file's last."""
    forget_files(conn, stamps)
    if stamps:
        conn.execute(
            insert(source_files),
            [{"path": path, **stamp._asdict()} for path, stamp in stamps.items()],
        )


def forget_files(conn: Connection, paths: Iterable[str]) -> None:
    """Drop the stamps of these files (gone: read again if they come back)."""
    for chunk in chunks(sorted(set(paths))):
        conn.execute(delete(source_files).where(source_files.c.path.in_(chunk)))
