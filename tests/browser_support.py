"""The web console in a real browser: the distribution's headless Chromium driven by
Playwright (its own browser downloads are never used), and the real daemon serving the
console from a thread of this process on a stepped clock (`LiveDaemon`).

Without Chromium (or Playwright) the browser tests skip, saying how to run them; with
EXCERPT_BOT_REQUIRE_REAL=1 (CI) they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path

import pytest

from bot.daemon import Daemon
from bot.stepped import SteppedClock
from tests.daemon_support import T0, restored_logging

HOW_TO_RUN = (
    "the browser tests need the distribution's Chromium and Playwright: "
    "`apt-get install chromium` and `pip install -e '.[test]'` (as .ci/run does)"
)
STEP_TIMEOUT = 60.0  # seconds a daemon step may take before the test gives up


def chromium_path() -> str | None:
    """The distribution's Chromium binary (the real one, not its wrapper script)."""
    for candidate in (
        "/usr/lib/chromium/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def missing_browser(reason: str):
    if os.environ.get("EXCERPT_BOT_REQUIRE_REAL") == "1":
        pytest.fail(f"EXCERPT_BOT_REQUIRE_REAL=1 but {reason}: {HOW_TO_RUN}")
    pytest.skip(f"{reason}: {HOW_TO_RUN}")


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator:
    """One headless Chromium for the browser tests (they live in one module; each opens
    its own context). Module-scoped, not session-scoped: Playwright's sync API keeps an
    event loop running in this thread while it is open, and `asyncio.run` (the CLI, the
    daemon's tests) refuses to start beside it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_browser("Playwright is not installed")
    executable = chromium_path()
    if executable is None:
        missing_browser("no Chromium found (/usr/lib/chromium/chromium or `chromium` on PATH)")
    with sync_playwright() as playwright:
        # --no-sandbox: Chromium's sandbox refuses to run as root (CI runs as root).
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            launched.close()


class LiveDaemon:
    """The daemon of `config` started in a thread of this process, as `run` starts it, on a
    SteppedClock from `start`: its console serves HTTP all along, and `run_until(t)` runs
    its jobs due up to `t` (the clock then stays at `t`)."""

    def __init__(self, config: Path, *, environ: dict[str, str], start: datetime = T0) -> None:
        self.daemon = Daemon(config, environ=environ, clock=SteppedClock(start))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="daemon", daemon=True)
        self._stop: asyncio.Event | None = None
        self._running: Future | None = None

    def __enter__(self) -> LiveDaemon:
        self._logging = restored_logging()
        self._logging.__enter__()
        self._thread.start()
        started: Future = Future()
        self._running = asyncio.run_coroutine_threadsafe(self._serve(started), self._loop)
        started.result(timeout=STEP_TIMEOUT)
        return self

    async def _serve(self, started: Future) -> None:
        self._stop = asyncio.Event()
        try:
            async with self.daemon.stepped():
                started.set_result(None)
                await self._stop.wait()
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc)
            raise

    @property
    def url(self) -> str:
        assert self.daemon.web is not None and self.daemon.web.url is not None
        return self.daemon.web.url.rstrip("/")

    def run_until(self, until: datetime) -> None:
        asyncio.run_coroutine_threadsafe(self.daemon.run_until(until), self._loop).result(
            timeout=STEP_TIMEOUT
        )

    def __exit__(self, *exc_info) -> None:
        try:
            if self._stop is not None:
                self._loop.call_soon_threadsafe(self._stop.set)
            if self._running is not None:
                self._running.result(timeout=STEP_TIMEOUT)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=STEP_TIMEOUT)
            self._loop.close()
            self._logging.__exit__(*exc_info)
