"""One daemon, one channel on each of Bluesky, Mastodon, Discord and Slack (fakes on
127.0.0.1, the real atproto, Mastodon.py and httpx clients): every excerpt of the example
article goes out once on each, a restart in the middle logs in to Bluesky no second time,
and no secret of any of them reaches the log, stdout or stderr."""

from __future__ import annotations

from datetime import timedelta

from bot.store import Store
from tests.daemon_support import T0, hours, in_process, write_config
from tests.fakes import discord_api as dc
from tests.fakes.bluesky_api import (
    APP_PASSWORD,
    HANDLE,
    bluesky_api_fixture,  # noqa: F401
)
from tests.fakes.discord_api import discord_api_fixture  # noqa: F401
from tests.fakes.mastodon_api import (
    TOKEN,
    mastodon_api_fixture,  # noqa: F401
)
from tests.fakes.slack_api import slack_api_fixture  # noqa: F401
from tests.test_daemon_platforms import channel_cuts


def test_each_open_network_gets_every_excerpt_once_across_a_restart(
    tmp_path, bluesky_api, mastodon_api, discord_api, slack_api, capfd
):
    config = write_config(
        tmp_path,
        f"""
[channels.sky]
platform = "bluesky"
handle = "{HANDLE}"
api_base_url = "{bluesky_api.url}"
schedule = {{ every = "1h" }}

[channels.toot]
platform = "mastodon"
instance = "{mastodon_api.url}"
schedule = {{ every = "1h" }}

[channels.discord]
platform = "discord"
schedule = {{ every = "1h" }}

[channels.slack]
platform = "slack"
schedule = {{ every = "1h" }}
""",
        bot='log_level = "debug"',
    )
    secrets = {
        "BLUESKY_APP_PASSWORD": APP_PASSWORD,
        "MASTODON_ACCESS_TOKEN": TOKEN,
        "DISCORD_WEBHOOK_URL": discord_api.url,
        "SLACK_WEBHOOK_URL": slack_api.url,
    }
    counts = {name: len(excerpts) for name, excerpts in channel_cuts(config).items()}
    assert min(counts.values()) >= 4

    in_process(config, until=T0 + hours(2), environ=secrets)  # 09:00, 10:00, 11:00
    in_process(
        config, start=T0 + hours(2) + timedelta(minutes=30), until=T0 + hours(24), environ=secrets
    )
    out, err = capfd.readouterr()

    delivered = {
        "sky": bluesky_api.texts,
        "toot": mastodon_api.texts,
        "discord": discord_api.texts,
        "slack": slack_api.texts,
    }
    for name, texts in delivered.items():
        assert len(texts) == len(set(texts)) == counts[name], name
    assert bluesky_api.calls("createSession") == 1
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        for name in delivered:
            assert len(store.history(channel=name, status="sent")) == counts[name], name
            assert store.queued(name) == []
    log = (tmp_path / "var/bot.log").read_text(encoding="utf-8")
    for secret in (
        APP_PASSWORD,
        TOKEN,
        discord_api.url,
        dc.TOKEN,
        slack_api.url,
        *bluesky_api.issued,
    ):
        for where, text in (("log", log), ("stdout", out), ("stderr", err)):
            assert secret not in text, f"a secret reached the {where}"
