"""A real PostgreSQL server for the tests: the distribution's binaries (`initdb`, `pg_ctl`),
a cluster made in a temporary folder, run as an unprivileged user (the server refuses to
run as root, and CI runs as root), listening on a free port of 127.0.0.1 only.

One server per test session (per xdist worker); each test that wants one gets a database
of its own (`PostgresServer.new_database`). Without the binaries the tests that need the
server skip, saying how to run them; with EXCERPT_BOT_REQUIRE_REAL=1 (CI) they fail.

Authentication: `trust` for every user but PASSWORD_USER, who must give PASSWORD_OF_USER
(scram-sha-256), so that the ways of giving a password are tested against the server.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

HOW_TO_RUN = (
    "the PostgreSQL tests need the distribution's server: `apt-get install "
    "postgresql` (as .ci/run does)"
)
SUPERUSER = "excerpt"
PASSWORD_USER = "secretive"
PASSWORD_OF_USER = "s3cret-Pa55word"  # a test server's, on loopback only


def postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin with initdb and pg_ctl (or $EXCERPT_BOT_PG_BIN)."""
    named = os.environ.get("EXCERPT_BOT_PG_BIN")
    candidates = (
        [Path(named)]
        if named
        else sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
            reverse=True,
        )
    )
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and (Path(found).parent / "initdb").is_file() else None


def missing_postgres(reason: str):
    if os.environ.get("EXCERPT_BOT_REQUIRE_REAL") == "1":
        pytest.fail(f"EXCERPT_BOT_REQUIRE_REAL=1 but {reason}: {HOW_TO_RUN}")
    pytest.skip(f"{reason}: {HOW_TO_RUN}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """A PostgreSQL cluster of its own; `start()` it, `stop()` it."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="excerpt-bot-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self._user = None if os.geteuid() != 0 else _server_user()
        self._databases = 0

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=60, cwd=self.root, check=False
        )

    def start(self) -> None:
        if self._user is not None:
            os.chown(self.root, *self._user_ids())
        done = self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nunix_socket_directories = "
                f"'{self.root}'\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\nmax_connections = 300\n"
                "shared_buffers = 32MB\n"
            )
        hba = self.data / "pg_hba.conf"
        hba.write_text(
            f"host all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n"
            "host all all 127.0.0.1/32 trust\nlocal all all trust\n",
            encoding="utf-8",
        )
        for _ in range(5):  # another process may take the free port before the server does
            self.port = free_port()
            done = self._run(
                "pg_ctl",
                "-D",
                str(self.data),
                "-l",
                str(self.root / "log"),
                "-o",
                f"-p {self.port}",
                "-w",
                "-t",
                "30",
                "start",
            )
            if done.returncode == 0:
                break
        else:
            log = (self.root / "log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start: {done.stderr}\n{log}")
        self.execute(f"CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{PASSWORD_OF_USER}'")

    def _user_ids(self) -> tuple[int, int]:
        entry = pwd.getpwnam(self._user)
        return entry.pw_uid, entry.pw_gid

    def execute(self, sql: str, database: str = "postgres") -> None:
        """One statement as the superuser, outside a transaction (CREATE DATABASE)."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=database, autocommit=True
        ) as conn:
            conn.execute(sql)

    def url(self, database: str, user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def new_database(self, owner: str = SUPERUSER) -> str:
        """A new, empty database; its URL (no password: trust on loopback)."""
        self._databases += 1
        name = f"t{os.getpid()}_{self._databases}"
        self.execute(f"CREATE DATABASE {name} OWNER {owner} TEMPLATE template0")
        return self.url(name)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _server_user() -> str:
    """An unprivileged user to run the server as: `postgres` (the package makes it), else
    `nobody`."""
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("no unprivileged user (postgres or nobody) to run PostgreSQL as")


def start_server() -> PostgresServer:
    bin_dir = postgres_bin()
    if bin_dir is None:
        missing_postgres("no PostgreSQL server binaries (initdb, pg_ctl) found")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing_postgres("psycopg is not installed")
    server = PostgresServer(bin_dir)
    started = time.monotonic()
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        server.stop()
        missing_postgres(f"PostgreSQL could not be started ({exc})")
    server.startup_seconds = time.monotonic() - started
    return server
