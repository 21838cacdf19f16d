"""The daemon with a LinkedIn channel on the fake LinkedIn API: every excerpt shared once
and shown whole, a token refreshed before it lapses (and used after a restart), a token
that cannot be refreshed warned about from 14 days before, and `check --online` saying
who posts and until when."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import load_config
from bot.ingest import load_article
from bot.render.channel import channel_excerpts
from bot.store import Store
from tests.daemon_support import T0, events, hours, in_process, write_config
from tests.fakes.linkedin_api import (
    AUTHOR,
    CLIENT_ID,
    CLIENT_SECRET,
    ORG_NAME,
    REFRESH_TOKEN,
    TOKEN,
    FakeLinkedIn,
    linkedin_api_fixture,  # noqa: F401  (the fixture `linkedin_api`)
)
from tests.fakes.server import serving

pytestmark = pytest.mark.timeout(120)

SECRETS = {"LINKEDIN_ACCESS_TOKEN": TOKEN}
APP = {
    **SECRETS,
    "LINKEDIN_REFRESH_TOKEN": REFRESH_TOKEN,
    "LINKEDIN_CLIENT_ID": CLIENT_ID,
    "LINKEDIN_CLIENT_SECRET": CLIENT_SECRET,
}
APP_KEYS = """refresh_token_env = "LINKEDIN_REFRESH_TOKEN"
client_id_env = "LINKEDIN_CLIENT_ID"
client_secret_env = "LINKEDIN_CLIENT_SECRET"
"""


def li_config(tmp_path, fake: FakeLinkedIn, *, extra: str = "", every: str = "1h"):
    return write_config(
        tmp_path,
        f"""
[channels.li]
platform = "linkedin"
author = "{AUTHOR}"
api_base_url = "{fake.url}"
oauth_base_url = "{fake.url}"
timeout = "2s"
schedule = {{ every = "{every}" }}
{extra}
""",
        bot='log_level = "debug"',
    )


@pytest.fixture
def expiring():
    fake = FakeLinkedIn(expires_at=T0 + timedelta(days=5))
    yield from serving(fake)


def test_every_excerpt_is_shared_once_whole_with_a_refreshed_token(tmp_path, expiring, capfd):
    config = li_config(tmp_path, expiring, extra=APP_KEYS)
    in_process(config, until=T0 + hours(3), environ=APP)
    [new] = expiring.refreshed
    in_process(config, start=T0 + hours(4), until=T0 + hours(24), environ=APP)
    assert expiring.refreshed == [new]  # not again: the stored token lasts 60 days
    assert {r.token for r in expiring.creates()} == {new}
    loaded = load_config(config)
    [path] = loaded.bot.posts_dir.iterdir()
    excerpts = channel_excerpts(
        loaded.channels["li"], load_article(path.resolve(), id_path=path.name)
    )
    shown = expiring.shown
    assert len(shown) == len(set(shown)) == len(excerpts)
    assert all(any(e.text in text for text in shown) for e in excerpts)  # none cut short
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        sent = store.history(channel="li", status="sent")
        assert sorted(p.remote_id for p in sent) == sorted(p["urn"] for p in expiring.posts)
    log = (tmp_path / "var/bot.log").read_text(encoding="utf-8")
    out, err = capfd.readouterr()
    for secret in (TOKEN, new, REFRESH_TOKEN, CLIENT_SECRET):
        assert secret not in log + out + err


def test_a_token_that_cannot_be_refreshed_is_warned_about_from_14_days_before(
    tmp_path, linkedin_api
):
    config = li_config(tmp_path, linkedin_api, every="30d")
    in_process(config, until=T0 + hours(1), environ=SECRETS)
    with Store.open(tmp_path / "var/bot.sqlite3") as store:  # 60 days from first seen
        expires = datetime.fromisoformat(store.recall("li", "token_expires_at"))
    assert expires == T0 + timedelta(days=60)
    assert not events(tmp_path / "var/bot.log", "channel.token_expiring")
    later = T0 + timedelta(days=50)
    in_process(config, start=later, until=later + timedelta(days=1, hours=1), environ=SECRETS)
    warnings = events(tmp_path / "var/bot.log", "channel.token_expiring")
    assert [w["days_left"] for w in warnings] == [10, 9]  # at start-up, then a day later
    assert "authorize the app again" in warnings[0]["hint"]


def test_check_online_says_who_posts_where_and_until_when(tmp_path, linkedin_api):
    config = li_config(tmp_path, linkedin_api, extra=APP_KEYS)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--online", "--config", str(config)],
        env={**os.environ, **APP},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    until = datetime.fromtimestamp(linkedin_api.expiry[TOKEN], UTC).date()
    assert (
        f"li: posts as {ORG_NAME} (organization); token valid until {until.isoformat()}"
        in result.stdout
    )
    for secret in (TOKEN, REFRESH_TOKEN, CLIENT_SECRET):
        assert secret not in result.stdout + result.stderr
