"""Platform quotas and budgets, before they bite: each platform module declares the volumes
it allows (with where it says so), and `check` and `plan` warn where schedules ask for more
— channels on one account counted together — or would spend more than their budget."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from bot.cli import cli
from bot.config import load_config
from bot.platforms import PLATFORMS

SECRETS = {
    "THREADS_ACCESS_TOKEN": "threads-token-5e0c",
    "OTHER_THREADS_TOKEN": "other-9f1a",
    "X_API_KEY": "k",
    "X_API_SECRET": "s",
    "X_ACCESS_TOKEN": "t",
    "X_ACCESS_TOKEN_SECRET": "ts",
    "TELEGRAM_BOT_TOKEN": "1:tg",
    "BLUESKY_APP_PASSWORD": "app-password",
    "MASTODON_ACCESS_TOKEN": "m",
}


def write(tmp_path, channels: str):
    (tmp_path / "posts").mkdir(exist_ok=True)
    path = tmp_path / "bot.toml"
    path.write_text(
        '[bot]\ndatabase = "bot.sqlite3"\nposts_dir = "posts"\n' + channels, encoding="utf-8"
    )
    return path


def check(path):
    result = CliRunner().invoke(
        cli, ["check", "--config", str(path)], env=SECRETS, catch_exceptions=False
    )
    warnings = [line.removeprefix(f"warning: {path}: ") for line in result.stderr.splitlines()]
    return result, warnings


def test_every_platform_that_caps_volume_says_how_much_and_where_it_says_so():
    quotas = {name: platform.quotas.limits for name, platform in PLATFORMS.items()}
    threads = quotas["threads"]
    assert [(q.posts, q.per) for q in threads] == [(250, timedelta(days=1))]
    assert [(q.posts, q.per) for q in quotas["bluesky"]] == [
        (1_666, timedelta(hours=1)),
        (11_666, timedelta(days=1)),
    ]
    assert quotas["telegram"][0].scope == "destination"
    assert quotas["mastodon"][0].per == timedelta(minutes=5)
    declared = [q for limits in quotas.values() for q in limits]
    assert all(q.source.startswith("https://") and q.what for q in declared)
    assert quotas["console"] == ()


THREADS_TWICE = """
[channels.morning]
platform = "threads"
schedule = { every = "5m" }

[channels.evening]
platform = "threads"
schedule = { every = "10m" }
"""


def test_two_channels_on_one_threads_account_are_warned_about_together(tmp_path):
    result, warnings = check(write(tmp_path, THREADS_TWICE))
    assert result.exit_code == 0  # a warning, not an error
    [shared] = [w for w in warnings if w.startswith("channels.morning, channels.evening")]
    # Each stays within its own max_per_day (250, Threads' default); together they do not.
    assert shared == (
        "channels.morning, channels.evening: one account (THREADS_ACCESS_TOKEN): their "
        "schedules ask for up to 394 posts in 24 hours together but Threads allows 250 "
        "API-published posts per profile in 24 hours "
        "(https://developers.facebook.com/docs/threads/overview#rate-limiting) (the platform "
        "refuses the rest, or blocks the account; post less often or lower max_per_day)"
    )


def test_channels_on_two_accounts_and_a_capped_channel_are_not_warned_about(tmp_path):
    two_accounts = THREADS_TWICE.replace(
        '[channels.evening]\nplatform = "threads"',
        '[channels.evening]\nplatform = "threads"\naccess_token_env = "OTHER_THREADS_TOKEN"',
    )
    _, warnings = check(write(tmp_path, two_accounts))
    assert not [w for w in warnings if "Threads allows" in w]
    capped = THREADS_TWICE.replace('every = "10m" }', 'every = "10m" }\nmax_per_day = 100')
    _, warnings = check(
        write(tmp_path, capped.replace('every = "5m" }', 'every = "5m" }\nmax_per_day = 150'))
    )
    assert not [w for w in warnings if "Threads allows" in w]  # 150 + 100 fit 250


def test_a_quota_per_chat_counts_the_channels_posting_to_that_chat(tmp_path):
    chats = """
[channels.a]
platform = "telegram"
chat_id = "@garden_news"
schedule = { every = "5s" }

[channels.b]
platform = "telegram"
chat_id = "@{chat}"
schedule = {{ every = "5s" }}
""".replace("{{", "{").replace("}}", "}")
    _, warnings = check(write(tmp_path, chats.replace("{chat}", "garden_news")))
    [line] = [w for w in warnings if "Telegram allows" in w]
    assert line.startswith(
        "channels.a, channels.b: one destination of one account "
        "(TELEGRAM_BOT_TOKEN): their schedules ask for up to 24 posts in "
        "a minute together but Telegram allows 20 messages to one group or "
        "channel in a minute"
    )
    _, warnings = check(write(tmp_path, chats.replace("{chat}", "other_chat")))
    assert not [w for w in warnings if "Telegram allows" in w]  # 12 a minute in each chat


def test_check_warns_when_a_schedule_would_spend_more_than_its_budget(tmp_path):
    path = write(
        tmp_path,
        """
[channels.x]
platform = "x"
schedule = { every = "2h" }
budget = "20 USD/month"

[channels.daily]
platform = "x"
schedule = { cron = "0 9,13,17 * * *" }
budget = "0.50 USD/day"

[channels.fits]
platform = "x"
schedule = { cron = "0 9 * * *" }
budget = "20 USD/month"
""",
    )
    result, warnings = check(path)
    assert result.exit_code == 0
    # Every 2 hours: 12 posts a day, 372 in 31 days, each with the article's link (0.200).
    assert (
        "channels.x.budget: the schedule would spend 74.40 USD in a month (372 posts) "
        "but the budget is 20.00 USD/month; posts past it wait in the queue until the "
        "month turns (post less often or raise the budget)"
    ) in warnings
    assert (
        "channels.daily.budget: the schedule would spend 0.60 USD in a day (3 posts) but "
        "the budget is 0.50 USD/day; posts past it wait in the queue until the day turns "
        "(post less often or raise the budget)"
    ) in warnings
    assert not [w for w in warnings if w.startswith("channels.fits")]
    # The summary says what a month of each priced channel costs.
    assert (
        '  fits: x; cron "0 9 * * *" (UTC); at most 24 a day; repeats after 90d; '
        "6.20 USD a month (31 posts), budget 20.00 USD/month"
    ) in result.stdout.splitlines()


def test_a_misconfigured_x_schedule_is_held_to_x_s_default_cap_and_said_so(tmp_path):
    result, warnings = check(
        write(
            tmp_path,
            """
[channels.x]
platform = "x"
schedule = { every = "10m" }
""",
        )
    )
    assert load_config(tmp_path / "bot.toml").channels["x"].max_per_day == 24
    # 144 slots a day; 24 go out: 4.80 USD a day, 148.80 in 31 days (not 892.80).
    assert "148.80 USD a month (744 posts)" in result.stdout
    assert any(
        w.startswith("channels.x.schedule: asks for more than 24 posts in 24 hours")
        for w in warnings
    )


def test_plan_warns_about_quotas_as_check_does(tmp_path):
    path = write(tmp_path, THREADS_TWICE)
    result = CliRunner().invoke(
        cli, ["plan", "--config", str(path), "--days", "1"], env=SECRETS, catch_exceptions=False
    )
    assert result.exit_code == 0
    assert "one account (THREADS_ACCESS_TOKEN)" in result.stderr
    result = CliRunner().invoke(
        cli, ["plan", "--config", str(path), "--json"], env=SECRETS, catch_exceptions=False
    )
    [warning] = json.loads(result.stdout)["warnings"]
    assert "Threads allows 250 API-published posts per profile in 24 hours" in warning


def test_a_schedule_past_bluesky_s_hourly_points_is_warned_about(tmp_path):
    _, warnings = check(
        write(
            tmp_path,
            """
[channels.fast]
platform = "bluesky"
handle = "me.bsky.social"
schedule = { every = "1s" }
""",
        )
    )
    assert (
        "channels.fast.schedule: asks for up to 3,600 posts in an hour but Bluesky "
        "allows 1,666 records created (5,000 points an hour, 3 a post) in an hour "
        "(https://docs.bsky.app/docs/advanced-guides/rate-limits)"
    ) in "\n".join(warnings)


def test_two_mastodon_channels_on_one_account_share_its_requests(tmp_path):
    one = (
        '[channels.{n}]\nplatform = "mastodon"\ninstance = "https://mastodon.example"\n'
        'schedule = {{ every = "1s" }}\n'
    )
    _, warnings = check(write(tmp_path, one.format(n="fast")))
    assert not [w for w in warnings if "allows" in w]  # 300 in 5 minutes: just within
    _, warnings = check(write(tmp_path, one.format(n="fast") + one.format(n="also")))
    [line] = [w for w in warnings if "allows" in w]
    assert line.startswith(
        "channels.fast, channels.also: one account (MASTODON_ACCESS_TOKEN): "
        "their schedules ask for up to 600 posts in 5 minutes together but "
        "Mastodon allows 300 API requests per account (a post is one) in 5 "
        "minutes (https://docs.joinmastodon.org/api/rate-limits/)"
    )
