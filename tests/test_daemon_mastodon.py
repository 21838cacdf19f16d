"""The daemon with a Mastodon channel on the fake instance: every excerpt of the example
article exactly once, posts as long as the instance allows (and `preview --channel`
showing the same), `check --online`, and no access token anywhere, with every library
logging at DEBUG."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from bot.config import load_config
from bot.ingest import load_article
from bot.platforms.mastodon import LIMITS_KEY
from bot.render.channel import channel_excerpts, remembered
from bot.render.platforms import MASTODON
from bot.store import Store
from tests.daemon_support import T0, events, hours, in_process, write_config
from tests.fakes.mastodon_api import (
    TOKEN,
    FakeMastodon,
    countable_length,
    created_then,
    mastodon_api_fixture,  # noqa: F401  (the fixture `mastodon_api`)
    rate_limited,
    slow,
)
from tests.fakes.server import serving
from tests.test_cli_operate_support import invoke

pytestmark = pytest.mark.timeout(90)

SECRETS = {"MASTODON_ACCESS_TOKEN": TOKEN}
LIBRARY_LOGGERS = ("mastodon", "urllib3", "requests")


def toot_config(tmp_path, fake: FakeMastodon, *, extra: str = ""):
    return write_config(
        tmp_path,
        f"""
[channels.toot]
platform = "mastodon"
instance = "{fake.url}"
timeout = "1s"
schedule = {{ every = "1h" }}
{extra}
""",
        bot='log_level = "debug"',
    )


def queued_for(config, channel: str = "toot") -> list:
    """The excerpts the daemon queues on `channel` from the example article: cut for the
    limits the channel keeps in the database (as the daemon and preview read them)."""
    loaded = load_config(config)
    with Store.open(loaded.bot.database) as store:
        loaded = remembered(loaded, store.recall)
    [path] = loaded.bot.posts_dir.iterdir()
    article = load_article(path.resolve(), id_path=path.name)
    return channel_excerpts(loaded.channels[channel], article)


def sent(tmp_path) -> list:
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        return store.history(channel="toot", status="sent")


@pytest.fixture
def instances():
    """Two fake instances: one allowing 5,000 characters, one 300."""
    big, small = FakeMastodon(max_characters=5000), FakeMastodon(max_characters=300)
    big_served, small_served = serving(big), serving(small)
    next(big_served), next(small_served)
    yield big, small
    for served in (big_served, small_served):
        next(served, None)


def test_every_excerpt_goes_out_once_and_no_token_leaks(tmp_path, mastodon_api, capfd):
    config = toot_config(tmp_path, mastodon_api, extra='spoiler_text = "Health"')
    mastodon_api.script(created_then(500), slow(1.5), rate_limited(reset_in=60))

    async def scenario(daemon):
        for name in LIBRARY_LOGGERS:  # as someone debugging the libraries would
            logging.getLogger(name).setLevel(logging.DEBUG)
        await daemon.run_until(T0 + hours(24))

    in_process(config, scenario, environ=SECRETS)
    out, err = capfd.readouterr()
    excerpts = queued_for(config)
    assert len(excerpts) >= 4
    texts = mastodon_api.texts
    assert len(texts) == len(set(texts)) == len(excerpts)  # each once, despite the failures
    assert all(any(e.text in text for text in texts) for e in excerpts)
    assert all(s["spoiler_text"] == "Health" for s in mastodon_api.statuses)
    posted = sent(tmp_path)
    by_id = {s["id"]: s for s in mastodon_api.statuses}
    assert sorted(p.remote_id for p in posted) == sorted(by_id)
    assert all(p.remote_url == by_id[p.remote_id]["url"] for p in posted)
    keys = [r.headers["idempotency-key"] for r in mastodon_api.posts()]
    assert len(set(keys)) == len(excerpts) < len(keys)  # retries went under the same key
    log_file = tmp_path / "var/bot.log"
    assert events(log_file, "post.retry")

    log = log_file.read_text(encoding="utf-8")
    assert any(e["level"] == "debug" for e in map(json.loads, log.splitlines()))
    assert "/api/v1/statuses" in log  # urllib3's request lines did reach the log
    for where, text in (("log file", log), ("stdout", out), ("stderr", err)):
        assert TOKEN not in text, f"the access token leaked into the {where}"
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        stored = json.dumps([p.error for p in store.history(channel="toot")])
        assert TOKEN not in stored


def test_a_bigger_instance_gets_longer_excerpts_and_every_post_fits(tmp_path, instances):
    lengths = {}
    for fake in instances:
        home = tmp_path / str(fake.max_characters)
        home.mkdir()
        config = toot_config(home, fake)
        in_process(config, until=T0 + hours(24), environ=SECRETS)
        excerpts = queued_for(config)
        assert len(fake.texts) == len(excerpts) and sent(home)  # all went, none refused
        assert all(
            countable_length(t, "", fake.url_chars) <= fake.max_characters for t in fake.texts
        )
        lengths[fake.max_characters] = max(len(e.text) for e in excerpts)
    # Longer than a 500-character instance's excerpts can be; shorter than 300.
    assert lengths[5000] > MASTODON.excerpt_max and lengths[300] < 300


def test_preview_shows_what_the_daemon_sent_with_the_instance_s_limits(tmp_path, instances):
    big, _ = instances
    config = toot_config(tmp_path, big)
    in_process(config, until=T0 + hours(24), environ=SECRETS)
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert json.loads(store.recall("toot", LIMITS_KEY))["max_characters"] == 5000
    result = invoke(
        "preview",
        tmp_path / "posts" / "unveiling-cytokines.md",
        "--channel",
        "toot",
        "--config",
        config,
        "--json",
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert {entry["limit"] for entry in shown} == {5000}
    assert sorted(entry["text"] for entry in shown) == sorted(big.texts)


def test_a_restart_with_the_instance_down_keeps_its_limits(tmp_path, instances):
    big, _ = instances
    config = toot_config(tmp_path, big, extra="max_per_day = 1")
    in_process(config, until=T0 + hours(1), environ=SECRETS)
    big.stop()  # the instance is down at the next start: the limits it gave are kept
    in_process(config, start=T0 + hours(2), until=T0 + hours(3), environ=SECRETS)
    unread = events(tmp_path / "var/bot.log", "channel.limits_unread")
    assert unread and "kept 5000 characters" in unread[-1]["action"]
    assert max(len(e.text) for e in queued_for(config)) > MASTODON.excerpt_max


def test_check_online_names_the_account_the_instance_and_its_limit(tmp_path, instances):
    big, _ = instances
    config = toot_config(tmp_path, big)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--online", "--config", str(config)],
        env={**os.environ, **SECRETS},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "toot: posts as @me@fake.social (5000 characters)" in result.stdout
    assert TOKEN not in result.stdout + result.stderr

    wrong = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--online", "--config", str(config)],
        env={**os.environ, "MASTODON_ACCESS_TOKEN": "revoked-token-5e6f7a"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 2
    [line] = wrong.stderr.splitlines()
    assert line.startswith(
        "excerpt-bot: error: toot: 401 Unauthorized: The access token is invalid"
    )
    assert "revoked-token-5e6f7a" not in wrong.stdout + wrong.stderr


def test_two_instances_in_one_daemon_each_get_excerpts_cut_for_their_own_room(tmp_path, instances):
    big, small = instances
    config = write_config(
        tmp_path,
        f"""
[channels.big]
platform = "mastodon"
instance = "{big.url}"
schedule = {{ every = "1h" }}

[channels.small]
platform = "mastodon"
instance = "{small.url}"
schedule = {{ every = "1h" }}
""",
    )
    in_process(config, until=T0 + hours(24), environ=SECRETS)
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.history(status="failed") == []
        assert len(store.history(channel="big", status="sent")) == len(big.texts) >= 4
        assert len(store.history(channel="small", status="sent")) == len(small.texts) >= 4
    for name, fake in (("big", big), ("small", small)):  # whole excerpts, none cut short
        excerpts = [e.text for e in queued_for(config, name)]
        assert len(fake.texts) == len(excerpts)
        assert all(any(e in text for e in excerpts) for text in fake.texts), name
    big_lengths = [countable_length(t, "", big.url_chars) for t in big.texts]
    small_lengths = [countable_length(t, "", small.url_chars) for t in small.texts]
    assert max(big_lengths) > 500 and max(small_lengths) <= 300
