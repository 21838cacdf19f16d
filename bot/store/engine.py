"""Opening the database: a path means SQLite there (private files, WAL); a `postgresql://`
URL means PostgreSQL through the psycopg 3 driver; any other URL is used as is.

PostgreSQL: the password never comes in the URL (a URL holding one is refused without
echoing it); libpq finds it in PGPASSWORD or ~/.pgpass, or the caller passes it
(`[bot] database_password_env`), straight to the driver. Writes run at READ COMMITTED,
each guarded by the state it changes (`bot.store.claim`, `bot.store.transitions`); reads
at REPEATABLE READ, read only, so that each sees one consistent snapshot as on SQLite.

SQLite transactions: the sqlite3 driver's own implicit BEGIN is switched off and SQLAlchemy
emits ours (the recipe in SQLAlchemy's "Transactions with SQLite and the sqlite3 driver").
Write transactions start with BEGIN IMMEDIATE: they take the write lock at once, so a
read-then-write (a claim) can never be overtaken by another writer between its read and
its write, and waits out a busy database (busy_timeout) instead of failing mid-way. Read
transactions (execution option `sqlite_begin="DEFERRED"`) start with a plain BEGIN and see
one consistent snapshot; in WAL mode they never block the writer.

The file is watched (`FileWatch`): each write transaction on an SQLite file first checks,
with the write lock held, that the path still names the file this process opened (its
device and inode, against those of a descriptor held open since). A file deleted, moved
or replaced under a running process (a cleanup script, a restore from backup) would
otherwise take its writes into a file nobody will read again, and the posts recorded there
would go out a second time after a restart: the write is refused (`DatabaseGone`), and
every write after it, for the life of the process.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import DatabaseGone, UserError

BUSY_TIMEOUT_MS = 10_000  # the daemon waits out another writer this long
QUICK_BUSY_TIMEOUT_MS = 2_000  # a command run by hand says so sooner
BEGIN_OPTION = "sqlite_begin"
CONNECT_TIMEOUT_S = 10  # a PostgreSQL server that does not answer is reported after this
POSTGRES_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True, slots=True)
class Database:
    """An engine, how to name it in messages, and its file when it is an SQLite file."""

    engine: Engine
    where: str
    path: Path | None
    watch: FileWatch | None = None


class FileWatch:
    """The SQLite file as this process opened it; `check()` raises DatabaseGone once the
    path names another file or none. The descriptor held open keeps the file's inode from
    being reused for a new file while we compare against it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDONLY)
        st = os.fstat(self._fd)
        self._identity = (st.st_dev, st.st_ino)
        self.gone: DatabaseGone | None = None
        self._listeners: list[Callable[[DatabaseGone], None]] = []

    def on_gone(self, listener: Callable[[DatabaseGone], None]) -> None:
        """Call `listener(error)` (from whichever thread writes) when the file goes."""
        self._listeners.append(listener)

    def check(self) -> None:
        if self.gone is None:
            problem = self._problem()
            if problem is None:
                return
            self.gone = DatabaseGone(
                f"database {self.path}: {problem} while excerpt-bot had it open; stopped "
                "writing to it so that no post goes out unrecorded: put the file back (or "
                "remove it to start afresh) and start again"
            )
            for listener in self._listeners:
                listener(self.gone)
        raise self.gone

    def _problem(self) -> str | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return "the file was deleted or moved"
        except OSError as exc:
            return f"the file cannot be reached ({exc.strerror})"
        if (st.st_dev, st.st_ino) != self._identity:
            return "the file was replaced by another one"
        return None

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def open_database(
    url_or_path: str | Path,
    *,
    cache_mb: int | None = None,
    read_only: bool = False,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    password: str | None = None,
) -> Database:
    """An engine for `url_or_path`; an SQLite file and its folder are created if missing.

    `cache_mb`: SQLite's page cache per connection (default: SQLite's own, 2 MiB). A big
    ingest runs faster with its indexes in memory; the daemon keeps the default, small.
    `read_only`: an existing SQLite file is opened with mode=ro (nothing can write to it,
    and a user who may only read it can use it); `busy_timeout_ms`: how long to wait for
    another process's write lock; `password`: a PostgreSQL user's, given to the driver.
    """
    text = str(url_or_path)
    if isinstance(url_or_path, Path) or "://" not in text:
        path = Path(text).expanduser()
        if read_only:
            url = f"sqlite:///file:{quote(str(path.absolute()))}?mode=ro&uri=true"
        else:
            _create_private_file(path)
            url = f"sqlite:///{path}"
        where = str(path)
    else:
        url = text
        where = _safe_url(text)
        path = _sqlite_file(text)
    options: dict = {}
    if is_postgresql(url):
        url, options = _postgresql(url, where, password)
    try:
        engine = create_engine(url, **options)
    except (ArgumentError, ImportError) as exc:
        raise UserError(f"database {where}: cannot use this URL ({exc})") from None
    watch = None
    if engine.dialect.name == "sqlite":
        watch = None if read_only else _watch(path)
        _configure_sqlite(engine, cache_mb, watch, busy_timeout_ms)
    return Database(engine=engine, where=where, path=path, watch=watch)


def is_postgresql(url_or_path: str | Path) -> bool:
    """Whether `url_or_path` is a PostgreSQL URL."""
    text = str(url_or_path)
    return "://" in text and text.split("://", 1)[0].split("+", 1)[0] in POSTGRES_SCHEMES


def _postgresql(url: str, where: str, password: str | None) -> tuple[str, dict]:
    """The URL with the psycopg 3 driver, and the engine's options: the password (when
    given) and a connect timeout, straight to the driver, never in the URL."""
    parsed = make_url(url)
    if parsed.password is not None:
        raise UserError(
            f"database {where}: the URL holds a password; leave it out and set PGPASSWORD, "
            "use ~/.pgpass, or name a variable with [bot] database_password_env"
        )
    if "+" not in parsed.drivername:
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect: dict = {"connect_timeout": CONNECT_TIMEOUT_S}
    if password is not None:
        connect["password"] = password
    # pool_pre_ping: a connection the server dropped (a restart, a failover) is replaced
    # before use instead of failing the next claim.
    return parsed.render_as_string(hide_password=False), {
        "connect_args": connect,
        "pool_pre_ping": True,
    }


def _watch(path: Path | None) -> FileWatch | None:
    if path is None:
        return None
    try:
        return FileWatch(path)
    except OSError:  # not there yet (a URL naming a new file): SQLite creates it, unwatched
        return None


def _create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite opens it.

    SQLite gives the -wal and -shm files the database file's permissions, so they are
    private too. An existing file is left as its owner set it.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise UserError(
            f"database {path}: cannot create it ({exc.strerror}); check the folder exists "
            "and is writable, or set `database` elsewhere"
        ) from None
    os.close(fd)
    os.chmod(path, 0o600)  # whatever the umask was


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        raise UserError(f"database {url!r}: not a path and not a valid database URL") from None


def use_wal(engine: Engine) -> None:
    """Switch an SQLite database to WAL mode (it stays so, in the file): only once it is
    known to be ours (another application's file is refused as it was found)."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA journal_mode=WAL")
    finally:
        raw.close()


def _configure_sqlite(
    engine: Engine, cache_mb: int | None, watch: FileWatch | None, busy_timeout_ms: int
) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" hook below emit BEGIN, not the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        if cache_mb is not None:
            cursor.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")  # in KiB when < 0
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
        if mode == "DEFERRED":
            conn.exec_driver_sql("BEGIN DEFERRED")
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        if watch is not None:
            try:
                watch.check()
            except DatabaseGone:
                conn.exec_driver_sql("ROLLBACK")
                raise
