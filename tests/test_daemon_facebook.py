"""The daemon with a Facebook Page channel on the fake Graph API: every excerpt of the
example article once despite failures, `status` and `check --online` saying where it posts
and that its token does not expire, and the token nowhere in logs or output."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.config import load_config
from bot.ingest import load_article
from bot.render.channel import channel_excerpts
from bot.store import Store
from tests.daemon_support import T0, hours, in_process, write_config
from tests.fakes.facebook_api import (
    PAGE_ID,
    PAGE_NAME,
    TOKEN,
    FakeFacebook,
    facebook_api_fixture,  # noqa: F401  (the fixture `facebook_api`)
)
from tests.fakes.graph import created_then, rate_limited_graph, timeout
from tests.test_cli_operate_support import invoke

pytestmark = pytest.mark.timeout(90)

SECRETS = {"FACEBOOK_PAGE_TOKEN": TOKEN}
FEED = ("POST", f"/v23.0/{PAGE_ID}/feed")


def page_config(tmp_path, fake: FakeFacebook):
    return write_config(
        tmp_path,
        f"""
[channels.fb]
platform = "facebook"
page_id = "{PAGE_ID}"
api_base_url = "{fake.url}"
timeout = "1s"
schedule = {{ every = "1h" }}
""",
        bot='log_level = "debug"',
    )


def test_every_excerpt_goes_to_the_page_once_and_no_token_leaks(tmp_path, facebook_api, capfd):
    config = page_config(tmp_path, facebook_api)
    facebook_api.script(
        created_then(500, where=FEED), timeout(1.5, where=FEED), rate_limited_graph(32, where=FEED)
    )
    in_process(config, until=T0 + hours(24), environ=SECRETS)
    out, err = capfd.readouterr()
    loaded = load_config(config)
    [path] = loaded.bot.posts_dir.iterdir()
    excerpts = channel_excerpts(
        loaded.channels["fb"], load_article(path.resolve(), id_path=path.name)
    )
    messages = facebook_api.messages
    assert len(excerpts) >= 4
    assert len(messages) == len(set(messages)) == len(excerpts)  # each once
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        sent = store.history(channel="fb", status="sent")
        assert sorted(p.remote_id for p in sent) == sorted(p["id"] for p in facebook_api.posts)
        assert store.recall("fb", "token_expires_at") == "never"
    log = (tmp_path / "var/bot.log").read_text(encoding="utf-8")
    for where, text in (("log file", log), ("stdout", out), ("stderr", err)):
        assert TOKEN not in text, f"the Page token leaked into the {where}"

    shown = invoke("status", "--json", "--config", config)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["channels"]["fb"]["token_expires_at"] == "never"
    table = invoke("status", "--config", config)
    assert "token does not expire" in table.stdout and TOKEN not in table.stdout


def test_check_online_names_the_page_and_the_token_s_expiry(tmp_path, facebook_api):
    config = page_config(tmp_path, facebook_api)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--online", "--config", str(config)],
        env={**os.environ, **SECRETS},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"fb: posts to the Page {PAGE_NAME} ({PAGE_ID}); token does not expire" in result.stdout
    assert TOKEN not in result.stdout + result.stderr

    facebook_api.scopes = ["pages_read_engagement"]
    refused = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--online", "--config", str(config)],
        env={**os.environ, **SECRETS},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    [line] = refused.stderr.splitlines()
    assert "fb: Facebook: the token lacks the pages_manage_posts permission" in line
