"""The daemon with a Bluesky channel on the fake PDS: every excerpt of the example article
once, rendered and faceted as the bluesky profile does; a restart midway reuses the
session kept in the store (one login in all); `check --online` says who posts; a refused
login pauses the channel; no password or token anywhere a user can see."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta

from bot.config import load_config
from bot.dispatch import Dispatcher
from bot.platforms import build_channel
from bot.policy import ChannelPolicy
from bot.render.channel import render_for
from bot.store import Store
from tests.daemon_support import T0, events, hours, in_process, write_config
from tests.fakes.bluesky_api import (
    APP_PASSWORD,
    HANDLE,
    FakeBlueskyPds,
    bluesky_api_fixture,  # noqa: F401
)
from tests.test_daemon_platforms import channel_cuts

SECRETS = {"BLUESKY_APP_PASSWORD": APP_PASSWORD}


def sky_config(tmp_path, pds: FakeBlueskyPds):
    return write_config(
        tmp_path,
        f"""
[channels.sky]
platform = "bluesky"
handle = "{HANDLE}"
api_base_url = "{pds.url}"
schedule = {{ every = "1h" }}
""",
        bot='log_level = "debug"',
    )


def test_every_excerpt_goes_out_once_and_a_restart_does_not_log_in_again(
    tmp_path, bluesky_api, capfd
):
    config = sky_config(tmp_path, bluesky_api)
    expected = [e.text for e in channel_cuts(config)["sky"]]
    assert len(expected) >= 4
    in_process(config, until=T0 + hours(2), environ=SECRETS)  # 09:00, 10:00, 11:00
    assert len(bluesky_api.records) == 3
    restarted = T0 + hours(2) + timedelta(minutes=30)
    in_process(config, start=restarted, until=T0 + hours(24), environ=SECRETS)
    out, err = capfd.readouterr()

    assert bluesky_api.calls("createSession") == 1  # the session outlived the restart
    assert bluesky_api.invalid == []  # every record passed the PDS's checks
    texts = bluesky_api.texts
    assert len(texts) == len(set(texts)) == len(expected)
    assert all(any(excerpt in text for text in texts) for excerpt in expected)
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        sent = store.history(channel="sky", status="sent")
    assert {p.remote_id for p in sent} == {r["uri"] for r in bluesky_api.records.values()}
    assert all(p.remote_url.startswith(f"https://bsky.app/profile/{HANDLE}/post/") for p in sent)
    for record in bluesky_api.records.values():
        value = record["value"]
        link = value["facets"][0]
        data = value["text"].encode("utf-8")
        uri = data[link["index"]["byteStart"] : link["index"]["byteEnd"]].decode()
        assert uri.startswith("https://realfarmerjay.com/") and uri == link["features"][0]["uri"]
        assert value["embed"]["external"]["uri"] == uri
        assert value["embed"]["external"]["title"].startswith("Unveiling Cytokines")

    log = (tmp_path / "var/bot.log").read_text(encoding="utf-8")
    for secret in (APP_PASSWORD, *bluesky_api.issued):
        for where, text in (("log file", log), ("stdout", out), ("stderr", err)):
            assert secret not in text, f"a secret leaked into the {where}"


def test_check_online_says_who_posts(tmp_path, bluesky_api):
    config = sky_config(tmp_path, bluesky_api)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--online", "--config", str(config)],
        env={**os.environ, **SECRETS},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"sky: posts as @{HANDLE}" in result.stdout
    for secret in (APP_PASSWORD, *bluesky_api.issued):
        assert secret not in result.stdout + result.stderr


def test_a_refused_app_password_pauses_the_channel(tmp_path, bluesky_api, capfd):
    config = sky_config(tmp_path, bluesky_api)
    revoked = "revk-revk-revk-revk"
    in_process(config, until=T0 + hours(2), environ={"BLUESKY_APP_PASSWORD": revoked})
    out, err = capfd.readouterr()
    log = tmp_path / "var/bot.log"
    [paused] = events(log, "channel.paused")
    assert paused["channel"] == "sky" and "resume sky" in paused["hint"]
    assert "refused the login of @example.bsky.social" in paused["reason"]
    assert [e["reason"] for e in events(log, "slot.skipped")] == ["paused"] * 2
    assert bluesky_api.calls("createSession") == 1 and bluesky_api.records == {}
    assert revoked not in log.read_text(encoding="utf-8") + out + err


def with_image(config, image: str) -> None:
    """Give the example article (the config's posts_dir copy) a front matter `image`."""
    [article] = (config.parent / "posts").iterdir()
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("\ntags:", f"\nimage: {image}\ntags:", 1), encoding="utf-8")


def test_the_link_card_carries_the_article_image_as_its_thumbnail(tmp_path, bluesky_api):
    config = sky_config(tmp_path, bluesky_api)
    with_image(config, f"{bluesky_api.url}/img/small.png")
    in_process(config, until=T0 + hours(1), environ=SECRETS)
    assert len(bluesky_api.records) == 2 and bluesky_api.invalid == []
    for record in bluesky_api.records.values():
        thumb = record["value"]["embed"]["external"]["thumb"]
        assert thumb["mimeType"] == "image/png" and thumb["ref"]["$link"] in bluesky_api.blobs


def test_an_article_image_too_big_for_a_thumbnail_is_skipped_and_the_post_goes(
    tmp_path, bluesky_api
):
    config = sky_config(tmp_path, bluesky_api)
    with_image(config, f"{bluesky_api.url}/img/huge.png")
    in_process(config, until=T0, environ=SECRETS)
    [record] = bluesky_api.records.values()
    assert "thumb" not in record["value"]["embed"]["external"]
    [skipped] = events(tmp_path / "var/bot.log", "bluesky.thumb_skipped")
    assert "too large" in skipped["reason"] and skipped["channel"] == "sky"
    assert bluesky_api.calls("uploadBlob") == 0


def test_a_send_cut_short_by_a_kill_is_settled_by_its_record_key_not_left_unknown(
    tmp_path, bluesky_api
):
    config = sky_config(tmp_path, bluesky_api)
    expected = [e.text for e in channel_cuts(config)["sky"]]
    in_process(config, until=T0 + hours(1), environ=SECRETS)  # 09:00, 10:00
    # The daemon claims the next post and the record is created, then it is killed before
    # it could record the send: the post is left `sending`.
    channel_config = load_config(config).channels["sky"]
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        claimed = store.claim_next_post(
            ChannelPolicy.of(channel_config),
            now=T0 + hours(1.1),
            render=lambda article, excerpt: render_for(channel_config, article, excerpt),
        )
        channel = build_channel(channel_config, SECRETS)
        asyncio.run(channel.send(Dispatcher._outgoing(claimed, claimed.text)))
    assert len(bluesky_api.records) == 3

    in_process(config, start=T0 + hours(1.5), until=T0 + hours(24), environ=SECRETS)

    assert len(bluesky_api.records) == len(expected)  # the interrupted one not twice
    assert len(set(bluesky_api.texts)) == len(expected)
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.get_post(claimed.id).status == "sent"
        assert store.history(channel="sky", status="unknown") == []
        assert len(store.history(channel="sky", status="sent")) == len(expected)
