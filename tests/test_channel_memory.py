"""What a channel keeps between runs (a platform's session, its server's limits): in the
store when the daemon runs it, across restarts; in a dict otherwise."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.offloop import AsyncStore, StoredMemory
from bot.platforms.console import ConsoleChannel
from bot.store import Store

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_channel_remembers_in_the_store_across_restarts(tmp_path):
    async def keep(store: Store) -> None:
        db = AsyncStore(store)
        try:
            memory = StoredMemory(db, "sky", lambda: NOW)
            await memory.remember("session", '{"refresh": "r1"}')
            await memory.remember("session", '{"refresh": "r2"}')  # a rotated token
            await memory.remember("limits", "500")
            await memory.remember("limits", None)  # forgotten
        finally:
            db.close()

    with Store.open(tmp_path / "bot.sqlite3") as store:
        asyncio.run(keep(store))
    with Store.open(tmp_path / "bot.sqlite3") as again:  # the daemon restarted
        assert again.recall("sky", "session") == '{"refresh": "r2"}'
        assert again.recall("sky", "limits") is None
        assert again.recall("other", "session") is None  # each channel its own


def test_a_channel_outside_the_daemon_remembers_in_a_dict_of_its_own():
    first, second = ConsoleChannel("a"), ConsoleChannel("b")

    async def go() -> tuple:
        await first.memory.remember("k", "v")
        return await first.memory.recall("k"), await second.memory.recall("k")

    assert asyncio.run(go()) == ("v", None)
