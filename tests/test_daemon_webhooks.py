"""The daemon with a Discord and a Slack channel on fake webhooks: every excerpt of the
example article once on each, what `preview --channel` promised, and no webhook URL in the
log (debug level), the output or `check --online`.

The daemon runs in this process on a stepped clock (tests.daemon_support.in_process), with
the real httpx clients; the fake webhooks run in this process on 127.0.0.1.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli import cli
from bot.store import Store
from tests.daemon_support import EXAMPLE, T0, events, hours, in_process, write_config
from tests.fakes import discord_api as dc
from tests.fakes.discord_api import discord_api_fixture  # noqa: F401  (`discord_api`)
from tests.fakes.slack_api import slack_api_fixture  # noqa: F401  (`slack_api`)
from tests.test_daemon_platforms import channel_cuts

CHANNELS = """
[channels.discord]
platform = "discord"
webhook_url_env = "TEAM_DISCORD_HOOK"
schedule = { every = "1h" }

[channels.slack]
platform = "slack"
schedule = { every = "1h" }
"""


def secrets(discord_api, slack_api) -> dict[str, str]:
    return {"TEAM_DISCORD_HOOK": discord_api.url, "SLACK_WEBHOOK_URL": slack_api.url}


def run_cli(*args: str, env: dict[str, str]):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def test_every_excerpt_once_on_each_as_previewed_and_no_url_leaks(
    tmp_path, discord_api, slack_api, capfd
):
    config = write_config(tmp_path, CHANNELS, bot='log_level = "debug"')
    env = secrets(discord_api, slack_api)
    counts = {name: len(excerpts) for name, excerpts in channel_cuts(config).items()}
    assert counts["discord"] >= 4 and counts["slack"] >= 4
    previewed = {}
    for name in ("discord", "slack"):
        shown = run_cli(
            "preview",
            tmp_path / "posts" / EXAMPLE.name,
            "--config",
            config,
            "--channel",
            name,
            "--json",
            env=env,
        )
        assert shown.exit_code == 0, shown.output
        previewed[name] = [post["text"] for post in json.loads(shown.stdout)]

    in_process(config, until=T0 + hours(24), environ=env)
    out, err = capfd.readouterr()

    # Each excerpt exactly once, in the order preview showed, nothing else.
    assert discord_api.texts == previewed["discord"]
    assert slack_api.texts == previewed["slack"]
    assert len(set(discord_api.texts)) == counts["discord"]
    assert len(set(slack_api.texts)) == counts["slack"]
    assert all(p.query["wait"] == ["true"] for p in discord_api.posts())
    log = tmp_path / "var/bot.log"
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        discord_sent = store.history(channel="discord", status="sent")
        slack_sent = store.history(channel="slack", status="sent")
    assert len(discord_sent) == counts["discord"] and len(slack_sent) == counts["slack"]
    assert {p.remote_id for p in discord_sent} == {m["id"] for m in discord_api.messages}
    assert all(
        p.remote_url == f"https://discord.com/channels/{dc.GUILD_ID}/{dc.CHANNEL_ID}/{p.remote_id}"
        for p in discord_sent
    )
    assert all(p.remote_id is None for p in slack_sent)
    assert len(events(log, "post.sent")) == counts["discord"] + counts["slack"]

    text = log.read_text(encoding="utf-8")
    assert any(json.loads(line)["level"] == "debug" for line in text.splitlines())
    for secret in (discord_api.url, slack_api.url, dc.TOKEN, slack_api.path.rsplit("/", 1)[1]):
        for where, seen in (("log", text), ("stdout", out), ("stderr", err)):
            assert secret not in seen, f"a webhook URL in the {where}"


def test_check_online_names_the_discord_channel_and_does_not_post_to_slack(
    tmp_path, discord_api, slack_api
):
    config = write_config(tmp_path, CHANNELS)
    result = run_cli("check", "--online", "--config", config, env=secrets(discord_api, slack_api))
    assert result.exit_code == 0, result.output
    assert f"discord: posts to #{dc.CHANNEL_ID} on {dc.GUILD_ID} as {dc.NAME}" in result.stdout
    assert (
        "slack: not verified: a Slack incoming webhook can only be tested by posting"
        in result.stdout
    )
    assert discord_api.messages == [] and slack_api.requests == []
    for secret in (discord_api.url, slack_api.url, dc.TOKEN):
        assert secret not in result.output


def test_check_online_says_a_deleted_discord_webhook_is_gone(tmp_path, discord_api, slack_api):
    discord_api.deleted = True
    config = write_config(tmp_path, CHANNELS)
    result = run_cli("check", "--online", "--config", config, env=secrets(discord_api, slack_api))
    assert result.exit_code != 0
    assert "discord: Discord refused the webhook (404 Unknown Webhook)" in result.output
    assert "TEAM_DISCORD_HOOK" in result.output and dc.TOKEN not in result.output
