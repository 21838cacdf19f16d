"""The admin chat on two daemon processes sharing one real PostgreSQL database
(`tests.postgres_support`), against the fake Telegram server, on the real clock.

One bot token has one long poll: Telegram ends a getUpdates with 409 Conflict when
another comes. Each daemon reaches the fake under a path of its own (`/d1`, `/d2`), so
the fake tells who calls. Expected: only the daemon holding the "admin" lease polls and
sends (no conflict, each question once); a press is answered; when that daemon is
SIGKILLed, the other takes the chat over within lease_ttl plus a heartbeat, answers the
next press, and says once that a daemon stopped uncleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from bot.store import Store
from tests.admin_support import SECRETS, admin_table, questions
from tests.daemon_support import EXAMPLE, events, stop, wait_for
from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import telegram_api_fixture  # noqa: F401

TTL = 4  # lease_ttl, seconds; a heartbeat every 4/3 s
BEAT = TTL / 3
NAMES = ("d1", "d2")

pytestmark = pytest.mark.timeout(120)


def write_configs(tmp_path, url: str, telegram_api) -> dict[str, object]:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / EXAMPLE.name).write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    configs = {}
    for name in NAMES:
        config = tmp_path / f"{name}.toml"
        config.write_text(
            f'[bot]\ndatabase = "{url}"\nposts_dir = "posts"\ninstance = "{name}"\n'
            f'lease_ttl = "{TTL}s"\nlog_file = "var/{name}.log"\nlog_format = "json"\n\n'
            '[channels.news]\nplatform = "console"\nrequire_approval = true\n'
            'schedule = { every = "1h" }\n'
            + admin_table(telegram_api, base_url=f"{telegram_api.base_url}/{name}"),
            encoding="utf-8",
        )
        configs[name] = config
    return configs


def launch(config) -> subprocess.Popen:
    with open(config.with_suffix(".out"), "w", encoding="utf-8") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            cwd=config.parent,
            env={**os.environ, **SECRETS},
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )


def pollers(telegram_api, since: int = 0) -> list[str]:
    """Who made each getUpdates call (from the `since`-th on): d1 or d2."""
    return [call.path.split("/")[1] for call in telegram_api.calls_to("getUpdates")[since:]]


def unclean_alerts(telegram_api) -> list[str]:
    return [
        m["text"] for m in telegram_api.messages_in(tg.ADMIN_GROUP) if "unclean stop" in m["text"]
    ]


def test_one_daemon_runs_the_admin_chat_and_another_takes_it_over_when_it_dies(
    postgres, tmp_path, telegram_api
):
    url = postgres.new_database()
    configs = write_configs(tmp_path, url, telegram_api)
    # The articles are queued before the daemons start: the one that runs the chat asks
    # about them as it starts, wherever the library scan runs.
    subprocess.run(
        [sys.executable, "-m", "bot", "add", "--config", str(configs["d1"]), "posts"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    processes = {name: launch(configs[name]) for name in NAMES}
    try:
        asked = wait_for(
            lambda: len(questions(telegram_api)) >= 2 and questions(telegram_api), timeout=40
        )
        polling = set(pollers(telegram_api))
        assert len(polling) == 1, f"{sorted(polling)} poll: one token, one long poll"
        [holder] = polling
        other = next(name for name in NAMES if name != holder)
        wait_for(lambda: events(tmp_path / f"var/{other}.log", "daemon.started"), timeout=30)
        time.sleep(3 * BEAT)  # a few heartbeats of both: the chat stays where it is
        assert set(pollers(telegram_api)) == {holder}
        assert telegram_api.conflicts == 0
        assert {call.path.split("/")[1] for call in telegram_api.calls_to("sendMessage")} == {
            holder
        }
        first, second = sorted(asked)[:2]
        pressed = telegram_api.press(asked[first]["message_id"], f"approve:{first}")
        assert wait_for(lambda: telegram_api.answers.get(pressed)) == "approved"
        assert unclean_alerts(telegram_api) == []  # the second daemon's start is no alert

        polls_before = len(telegram_api.calls_to("getUpdates"))
        processes[holder].send_signal(signal.SIGKILL)
        processes[holder].communicate(timeout=10)
        killed = time.monotonic()
        wait_for(
            lambda: other in pollers(telegram_api, polls_before),
            timeout=TTL + BEAT + 5,
            interval=0.1,
        )
        taken_over = time.monotonic() - killed
        pressed = telegram_api.press(asked[second]["message_id"], f"approve:{second}")
        assert wait_for(lambda: telegram_api.answers.get(pressed)) == "approved"
        wait_for(lambda: unclean_alerts(telegram_api))
        code, _, _ = stop(processes[other], timeout=20)
        assert code == 0
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=10)

    assert taken_over <= TTL + BEAT + 1
    assert set(pollers(telegram_api, polls_before)) == {other}
    assert len(unclean_alerts(telegram_api)) == 1
    texts = Counter(
        m["params"]["text"]
        for m in telegram_api.messages_in(tg.ADMIN_GROUP)
        if "Approval needed" in m["params"]["text"]
    )
    assert max(texts.values()) == 1, "a question was asked twice"
    with Store.open(url) as store:
        statuses = {post.id: post.status for post in store.history()}
    assert statuses[first] in ("queued", "sent") and statuses[second] in ("queued", "sent")
    assert len(events(tmp_path / f"var/{other}.log", "admin.started")) == 1
