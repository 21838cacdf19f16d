"""The admin chat's messages: within Telegram's rate for a group, never dropped, retried
without duplicates, and never in the way of posting — against fake Telegram servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.store import Store
from bot.store.schema import admin_messages
from tests.admin_support import DATABASE, SECRETS, admin_table, questions
from tests.daemon_support import PROJECT, T0, events, hours, in_process, write_config
from tests.fakes import telegram_api as tg
from tests.fakes.server import serving
from tests.fakes.telegram_api import FakeTelegramAPI, telegram_api_fixture  # noqa: F401


@pytest.fixture(name="admin_api")
def admin_api_fixture():
    """A second fake Telegram server, for the admin chat alone."""
    yield from serving(FakeTelegramAPI())


def sent_times(tmp_path):
    with Store.open(tmp_path / DATABASE) as store:
        return store.read_with(
            lambda conn: list(
                conn.scalars(
                    select(admin_messages.c.sent_at)
                    .where(admin_messages.c.status == "sent")
                    .order_by(admin_messages.c.sent_at)
                )
            )
        )


def test_more_than_twenty_questions_wait_their_turn_and_none_is_dropped(tmp_path, telegram_api):
    channels = "".join(
        f"""
[channels.c{n}]
platform = "telegram"
chat_id = "@my_channel"
api_base_url = "{telegram_api.base_url}"
require_approval = true
schedule = {{ every = "1d" }}
"""
        for n in range(7)
    )
    config = write_config(tmp_path, channels + admin_table(telegram_api))

    async def scenario(daemon):
        await daemon.run_until(T0 + timedelta(seconds=30))
        await daemon.admin.idle()
        first_minute = len(questions(telegram_api))
        await daemon.run_until(T0 + timedelta(minutes=5))
        await daemon.admin.idle()
        return first_minute

    first_minute = in_process(config, scenario, environ=SECRETS)
    with Store.open(tmp_path / DATABASE) as store:
        pending = {p.id for p in store.history(status="pending_approval")}
    assert len(pending) > 20
    assert first_minute == 20
    assert set(questions(telegram_api)) == pending  # every one, once
    times = sent_times(tmp_path)
    assert all(
        later - earlier >= timedelta(minutes=1)
        for earlier, later in zip(times, times[20:], strict=False)
    )


def posting_and_approval_config(tmp_path, telegram_api, admin_api):
    """`news` posts hourly without approval; `gated` waits for it; the admin chat is on a
    server of its own."""
    return write_config(
        tmp_path,
        f"""
[channels.news]
platform = "telegram"
chat_id = "@my_channel"
api_base_url = "{telegram_api.base_url}"
schedule = {{ every = "1h" }}

[channels.gated]
platform = "telegram"
chat_id = "@my_channel"
api_base_url = "{telegram_api.base_url}"
require_approval = true
schedule = {{ every = "1h" }}
{admin_table(admin_api)}
""",
    )


def test_an_admin_chat_that_hangs_never_holds_up_a_post(tmp_path, telegram_api, admin_api):
    config = posting_and_approval_config(tmp_path, telegram_api, admin_api)
    gate = threading.Event()
    admin_api.script(tg.held(gate, method="sendMessage"))

    async def scenario(daemon):
        await daemon.run_until(T0 + hours(2))
        # Three slots went by while the admin chat's first message hangs unanswered.
        posted = len(telegram_api.messages_in(tg.CHANNEL))
        out = len(sent_times(tmp_path))
        gate.set()
        await daemon.admin.idle()
        return posted, out

    posted, out_while_held = in_process(config, scenario, environ=SECRETS)
    assert (posted, out_while_held) == (3, 0)
    with Store.open(tmp_path / DATABASE) as store:
        sent = store.history(channel="news", status="sent")
        pending = {p.id for p in store.history(channel="gated", status="pending_approval")}
    assert sorted(p.sent_at for p in sent) == [T0, T0 + hours(1), T0 + hours(2)]  # on time
    assert set(questions(admin_api)) == pending  # then every question went, once
    assert len(admin_api.messages) == len(pending)


def test_an_unreachable_admin_chat_gets_its_messages_once_it_is_back(
    tmp_path, telegram_api, admin_api
):
    config = posting_and_approval_config(tmp_path, telegram_api, admin_api)
    admin_api.refuse_connections()

    async def scenario(daemon):
        await daemon.run_until(T0 + hours(1))
        await daemon.admin.idle()
        admin_api.accept_connections()
        await daemon.run_until(T0 + hours(2))
        await daemon.admin.idle()

    in_process(config, scenario, environ=SECRETS)
    with Store.open(tmp_path / DATABASE) as store:
        pending = {p.id for p in store.history(channel="gated", status="pending_approval")}
        assert sorted(p.sent_at for p in store.history(channel="news", status="sent")) == [
            T0,
            T0 + hours(1),
            T0 + hours(2),
        ]
    assert set(questions(admin_api)) == pending
    assert len(admin_api.messages) == len(pending)  # retried, never twice
    retries = events(tmp_path / "var/bot.log", "admin.retry")
    assert retries and "could not connect to Telegram" in retries[0]["error"]


# In a fresh interpreter (python-telegram-bot not yet imported): which thread imports it.
IMPORT_PROBE = """
import json, sys, threading
from pathlib import Path

imported_in = []


class Probe:
    def find_spec(self, name, path=None, target=None):
        if name == "telegram":
            imported_in.append(threading.current_thread().name)


sys.meta_path.insert(0, Probe())
from tests.admin_support import SECRETS, approval_config
from tests.daemon_support import T0, hours, in_process
from tests.fakes.telegram_api import FakeTelegramAPI

assert "telegram" not in sys.modules
api = FakeTelegramAPI()
api.start()
try:
    in_process(approval_config(Path(sys.argv[1]), api), until=T0 + hours(1), environ=SECRETS)
finally:
    api.stop()
print(json.dumps({"imported_in": imported_in, "messages": len(api.messages)}))
"""


def test_python_telegram_bot_is_imported_off_the_event_loop(tmp_path):
    # Its import takes about half a second: on the event loop, every slot due then would wait.
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, str(tmp_path)],
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["messages"] > 0  # the channel and the admin chat did talk to Telegram
    assert seen["imported_in"] == ["off-loop load_library"]
