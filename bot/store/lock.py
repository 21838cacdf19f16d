"""One daemon per database: an exclusive `flock` on a lock file next to it, holding the pid.

The kernel drops the lock when the process ends, however it ends (SIGKILL included), so a
stale lock file never keeps the next daemon out. The file itself is left in place: deleting
it would let two daemons lock two different files of the same name.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.errors import UserError


def lock_path(database: str | Path) -> Path:
    """Where the lock of `database` lives: `<database>.lock`."""
    database = Path(database)
    return database.with_name(database.name + ".lock")


@contextmanager
def daemon_lock(database: str | Path) -> Iterator[Path]:
    """Hold the daemon lock of `database` for the duration of the `with` block.

    Raises UserError, naming the holder's pid, when another process holds it.
    """
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise UserError(
                f"another excerpt-bot is already running on {database} (pid {holder}); "
                "stop it first, or point this one at another database"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
