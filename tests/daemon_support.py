"""Running the real daemon in tests: configs; in this process on a stepped clock
(`in_process`); or as a subprocess on the real clock (`start`, `wait_for`, `stop`), for
what only a process shows (signals, SIGKILL, the lock, exit codes)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.daemon import Daemon
from bot.logs import QUIET_LOGGERS
from bot.stepped import SteppedClock
from tests.conftest import PROJECT

EXAMPLE = PROJECT / "posts" / "unveiling-cytokines.md"
# An article of a dozen short paragraphs, each opening with a sentence that stands alone:
# eight posts on X (the most a short article gives), for a scenario that counts on more
# posts than the example gives, however the engine ranks them.
ORCHARD = PROJECT / "tests" / "data" / "articles" / "orchard-year.md"
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday, on the hour: an hourly slot


def write_config(
    tmp_path: Path, channels: str, *, bot: str = "", articles: tuple[Path, ...] = (EXAMPLE,)
) -> Path:
    """A config in tmp_path whose posts dir holds a copy of `articles` (the example)."""
    posts = tmp_path / "posts"
    posts.mkdir(exist_ok=True)
    for article in articles:
        shutil.copy(article, posts / article.name)
    config = tmp_path / "excerpt-bot.toml"
    config.write_text(
        f'[bot]\ndatabase = "var/bot.sqlite3"\nposts_dir = "posts"\n'
        f'log_file = "var/bot.log"\nlog_format = "json"\n{bot}\n{channels}',
        encoding="utf-8",
    )
    return config


def start(config: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config), *args],
        cwd=config.parent,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(predicate, *, timeout: float = 20.0, interval: float = 0.1):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def outbox_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def log_events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 10.0):
    process.send_signal(sig)
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def in_process(
    config: Path,
    scenario: Callable[[Daemon], Awaitable[object]] | None = None,
    *,
    until: datetime | None = None,
    start: datetime = T0,
    environ: dict[str, str] | None = None,
) -> object:
    """The real daemon in this process on a SteppedClock from `start`, as `run` starts it:
    `await scenario(daemon)` (which calls `daemon.run_until`, `reload`, …) and/or
    `run_until(until)`; then stopped as SIGTERM stops it. Returns what `scenario` returned.
    The daemon's logging set-up is undone after."""
    daemon = Daemon(config, environ=environ or {}, clock=SteppedClock(start))

    async def go() -> object:
        async with daemon.stepped():
            result = None if scenario is None else await scenario(daemon)
            if until is not None:
                await daemon.run_until(until)
            return result

    with restored_logging():
        return asyncio.run(go())


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@contextlib.contextmanager
def restored_logging() -> Iterator[None]:
    """The daemon sets up the process's logging (root handlers, levels): undo it after."""
    root = logging.getLogger()
    before = (
        list(root.handlers),
        root.level,
        {name: logging.getLogger(name).level for name in QUIET_LOGGERS},
    )
    try:
        yield
    finally:
        handlers, level, levels = before
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)
        for name, named_level in levels.items():
            logging.getLogger(name).setLevel(named_level)
        logging.captureWarnings(False)


def events(path: Path, name: str) -> list[dict]:
    """The log file's `name` events, in order."""
    return [e for e in log_events(path) if e["event"] == name]
