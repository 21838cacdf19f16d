"""The daemon with a Threads channel on the fake Threads API: tokens kept valid.

A token near its expiry is refreshed at start-up; the new one is used by every send, also
after a restart (the fake no longer accepts the old one), and never appears in a log or
output; a changed environment value replaces the stored token; a token that cannot be
refreshed is warned about daily from 14 days before it lapses; `check --online` says who
posts and until when the token is valid.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot.store import Store
from tests.daemon_support import T0, events, hours, in_process, write_config
from tests.fakes.graph import graph_error
from tests.fakes.server import serving
from tests.fakes.threads_api import (
    LONG_LIVED,
    TOKEN,
    USERNAME,
    FakeThreads,
    threads_api_fixture,  # noqa: F401  (the fixture `threads_api`)
)
from tests.test_cli_operate_support import invoke

pytestmark = pytest.mark.timeout(120)

SECRETS = {"THREADS_ACCESS_TOKEN": TOKEN}
REFRESH = ("GET", "/refresh_access_token")


def threads_config(tmp_path, fake: FakeThreads, *, every: str = "1h"):
    return write_config(
        tmp_path,
        f"""
[channels.th]
platform = "threads"
api_base_url = "{fake.url}"
timeout = "1s"
schedule = {{ every = "{every}" }}
""",
        bot='log_level = "debug"',
    )


@pytest.fixture
def expiring():
    """A fake whose token lapses 5 days after T0, issued 55 days before it."""
    fake = FakeThreads(expires_at=T0 + timedelta(days=5), issued_at=T0 - timedelta(days=55))
    yield from serving(fake)


def kept(tmp_path, key: str) -> str | None:
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        return store.recall("th", key)


def test_a_token_near_expiry_is_refreshed_and_used_by_every_send_after_restarts(
    tmp_path, expiring: FakeThreads, capfd
):
    config = threads_config(tmp_path, expiring)
    in_process(config, until=T0 + hours(3), environ=SECRETS)
    [new] = expiring.refreshed
    assert TOKEN not in expiring.tokens  # the old token is void from now on
    first = len(expiring.texts)
    assert first >= 3
    assert all(r.token == new for r in expiring.publishes())
    expires = datetime.fromisoformat(kept(tmp_path, "token_expires_at"))
    assert expires == T0 + timedelta(seconds=LONG_LIVED)  # as the refresh said, from then

    # A restart (the environment still holds the first token): the stored one is used.
    in_process(config, start=T0 + hours(4), until=T0 + hours(7), environ=SECRETS)
    assert len(expiring.texts) > first and expiring.refreshed == [new]
    assert len(expiring.texts) == len(set(expiring.texts))
    assert all(r.token == new for r in expiring.publishes())
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.history(channel="th", status="paused") == []
        assert len(store.history(channel="th", status="sent")) == len(expiring.texts)
    log = (tmp_path / "var/bot.log").read_text(encoding="utf-8")
    assert len(events(tmp_path / "var/bot.log", "channel.token_refreshed")) == 1
    out, err = capfd.readouterr()
    shown = invoke("status", "--json", "--config", config)
    for where, text in (("log", log), ("stdout", out), ("stderr", err), ("status", shown.stdout)):
        assert new not in text and TOKEN not in text, f"a token leaked into the {where}"
    status = json.loads(shown.stdout)["channels"]["th"]
    assert status["token_expires_at"] == expires.isoformat()


def test_a_changed_environment_token_replaces_the_stored_one(tmp_path, expiring):
    config = threads_config(tmp_path, expiring)
    in_process(config, until=T0 + hours(1), environ=SECRETS)
    [refreshed] = expiring.refreshed
    fresh = "THAAnew-token-from-the-user-9a8b7c"
    expiring.tokens = {fresh}  # the user made a new token; the refreshed one is revoked
    expiring.token_info[fresh] = type(expiring.token_info[refreshed])(
        fresh, int((T0 + timedelta(days=59)).timestamp()), int(T0.timestamp())
    )
    in_process(
        config, start=T0 + hours(2), until=T0 + hours(3), environ={"THREADS_ACCESS_TOKEN": fresh}
    )
    assert events(tmp_path / "var/bot.log", "channel.token_replaced")
    assert expiring.publishes()[-1].token == fresh
    assert kept(tmp_path, "token_expires_at") == (T0 + timedelta(days=59)).isoformat()


def test_a_token_that_cannot_be_refreshed_is_warned_about_daily(tmp_path, threads_api):
    info = threads_api.token_info[TOKEN]
    info.expires_at = int((T0 + timedelta(days=3)).timestamp())
    info.issued_at = int((T0 - timedelta(days=57)).timestamp())
    threads_api.script(*[graph_error(190, "Error validating access token", where=REFRESH)] * 10)
    config = threads_config(tmp_path, threads_api, every="1d")
    in_process(config, until=T0 + timedelta(days=2, hours=1), environ=SECRETS)
    warnings = events(tmp_path / "var/bot.log", "channel.token_expiring")
    assert [w["days_left"] for w in warnings] == [3, 2, 1]  # at start-up, then daily
    assert "new long-lived token" in warnings[0]["hint"]
    assert events(tmp_path / "var/bot.log", "channel.token_refresh_failed")


def test_check_online_says_who_posts_and_until_when(tmp_path, threads_api: FakeThreads):
    config = threads_config(tmp_path, threads_api)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--online", "--config", str(config)],
        env={**os.environ, **SECRETS},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    until = datetime.fromtimestamp(threads_api.token_info[TOKEN].expires_at, UTC).date()
    assert f"th: posts as @{USERNAME}; token valid until {until.isoformat()}" in result.stdout
    assert TOKEN not in result.stdout + result.stderr
