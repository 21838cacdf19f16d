"""The admin chat's tables: a version 6 database gains them in place, its rows kept."""

from __future__ import annotations

from sqlalchemy import create_engine

from bot.store import Store
from bot.store import admin as outbox
from bot.store.migrations import STEPS
from tests.store_support import T0
from tests.test_store_db import structure
from tests.test_store_threads import build_v4


def build_v6(path) -> None:
    """Version 4's rows, upgraded by the frozen 4 -> 5 and 5 -> 6 steps."""
    build_v4(path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        STEPS[4](conn)
        STEPS[5](conn)
        conn.exec_driver_sql("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    engine.dispose()


def test_a_version_6_database_gains_the_admin_chat_tables_without_loss(tmp_path):
    old = tmp_path / "v6.sqlite3"
    build_v6(old)
    with Store.open(old) as store:
        assert store.found_version == 6
        assert [store.get_post(n).status for n in (1, 2, 3)] == ["sent", "queued", "cancelled"]
        # The outbox works beside the old rows: a message about post 2, queued once.
        message = outbox.NewMessage("approval:2", "Approve?", [[("OK", "approve:2")]], 2)
        assert store.write_with(outbox.queue_messages, [message, message], now=T0) == ["approval:2"]
        queued = store.read_with(outbox.next_message, T0)
        assert (queued.key, queued.buttons, queued.post_id) == (
            "approval:2",
            [[("OK", "approve:2")]],
            2,
        )
    fresh = tmp_path / "fresh.sqlite3"
    Store.open(fresh).close()
    assert structure(old) == structure(fresh)
