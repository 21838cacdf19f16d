"""Shared fixtures: where the project and the shared reference data live."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
# ../shared beside the project; EXCERPT_BOT_SHARED names it for a checkout elsewhere (a
# git worktree, say).
SHARED = Path(os.environ.get("EXCERPT_BOT_SHARED") or PROJECT.parent / "shared")


def reference_json(name: str):
    """Load a file from ../shared/reference, or skip the test cleanly where it is absent."""
    path = SHARED / "reference" / name
    if not path.is_file():
        pytest.skip(f"reference data {name} not available at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def seed_text() -> str:
    path = SHARED / "seed" / "unveiling-cytokines.txt"
    if not path.is_file():
        pytest.skip(f"seed article not available at {path}")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the session (`tests.postgres_support`); skips (or, with
    EXCERPT_BOT_REQUIRE_REAL=1, fails) where there is none."""
    from tests.postgres_support import start_server

    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    """Where a store lives, once per kind of database: an SQLite file in tmp_path, then a
    new database on the session's PostgreSQL server (its URL)."""
    if request.param == "sqlite":
        return str(tmp_path / "bot.sqlite3")
    return request.getfixturevalue("postgres").new_database()
