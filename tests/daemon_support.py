"""Running the real daemon as a subprocess in tests: configs, start, wait, stop."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import PROJECT

EXAMPLE = PROJECT / "posts" / "unveiling-cytokines.md"


def write_config(tmp_path: Path, channels: str, *, bot: str = "") -> Path:
    """A config in tmp_path whose posts dir holds a copy of the example article."""
    posts = tmp_path / "posts"
    posts.mkdir(exist_ok=True)
    shutil.copy(EXAMPLE, posts / EXAMPLE.name)
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
        cwd=config.parent, env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
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
