"""Alerts in the admin chat, each told once per occurrence (restarts included) with its
cause and what to do: against fake Telegram servers (one for the channel, one for the
admin chat), fake Threads and X APIs and a feed server, the daemon in this process on a
stepped clock (and, for an unclean stop, killed in a process of its own)."""

from __future__ import annotations

import asyncio
import signal
import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.daemon import Daemon
from bot.store import Store
from tests.admin_support import DATABASE, SECRETS, admin_table, until
from tests.daemon_support import (
    T0,
    events,
    hours,
    in_process,
    restored_logging,
    start,
    wait_for,
    write_config,
)
from tests.fakes import telegram_api as tg
from tests.fakes import x_api as xf
from tests.fakes.graph import graph_error
from tests.fakes.server import serving
from tests.fakes.telegram_api import FakeTelegramAPI, telegram_api_fixture  # noqa: F401
from tests.fakes.threads_api import TOKEN as THREADS_TOKEN
from tests.fakes.threads_api import threads_api_fixture  # noqa: F401  (`threads_api`)
from tests.fakes.web import web_fixture  # noqa: F401  (`web`)
from tests.fakes.x_api import x_api_fixture  # noqa: F401  (`x_api`)
from tests.feed_support import Post, rss

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(name="admin_api")
def admin_api_fixture():
    """A second fake Telegram server, for the admin chat alone."""
    yield from serving(FakeTelegramAPI())


def alerts(api: FakeTelegramAPI) -> list[str]:
    """The texts of the messages in the admin chat that are not approval questions."""
    return [
        m["text"]
        for m in api.messages_in(tg.ADMIN_GROUP)
        if "Approval needed" not in m["text"] and "Daily digest" not in m["text"]
    ]


def telegram_news(telegram_api, admin_api, *, every: str = "1h", extra: str = "") -> str:
    return f"""
[channels.news]
platform = "telegram"
chat_id = "@my_channel"
api_base_url = "{telegram_api.base_url}"
schedule = {{ every = "{every}" }}
{extra}
{admin_table(admin_api)}
"""


def test_a_failed_an_unknown_post_and_a_paused_channel_are_each_told_once(
    tmp_path, telegram_api, admin_api
):
    # The channel's first send is refused, the second is cut off after Telegram took it,
    # the third finds the bot's token revoked.
    telegram_api.script(
        tg.bad_request(method="sendMessage"),
        tg.dropped(deliver=True, method="sendMessage"),
        tg.unauthorized(method="sendMessage"),
    )
    config = write_config(tmp_path, telegram_news(telegram_api, admin_api))

    async def scenario(daemon):
        await daemon.run_until(T0 + hours(5))  # paused from 11:00: its slots pass unused
        await daemon.admin.idle()

    in_process(config, scenario, environ=SECRETS)
    with Store.open(tmp_path / DATABASE) as store:
        (failed,) = store.history(status="failed")
        (unknown,) = store.history(status="unknown")
        assert store.channel_state("news").paused
    told = alerts(admin_api)
    assert told == [
        f"❌ post {failed.id} failed on news: Bad Request: Can't parse entities: unsupported "
        'start tag "foo" at byte offset 0\n'
        f"What to do: fix what the error names, then excerpt-bot retry {failed.id} (or "
        f"excerpt-bot skip {failed.id})",
        f"❓ post {unknown.id} may or may not have gone out on news: {unknown.error}\n"
        f"What to do: look on the channel, then excerpt-bot resolve {unknown.id} --sent (it "
        "went out) or --requeue (it did not)",
        "⏸ news is paused: Telegram rejected the bot token (Unauthorized): get a valid token "
        "from @BotFather and set it in the channel's token variable\n"
        "What to do: fix the credentials, then excerpt-bot resume news",
    ]
    # The commands are shown as code.
    html = [m["params"]["text"] for m in admin_api.messages_in(tg.ADMIN_GROUP)]
    assert "<code>excerpt-bot resume news</code>" in html[2]

    # A restart (still paused, the two posts still failed and unknown): nothing again.
    in_process(config, start=T0 + hours(6), until=T0 + hours(9), environ=SECRETS)
    assert alerts(admin_api) == told
    assert len(admin_api.messages) == 3


def test_a_token_expiring_is_told_once_though_warned_daily_and_after_restarts(
    tmp_path, threads_api, admin_api
):
    info = threads_api.token_info[THREADS_TOKEN]
    info.expires_at = int((T0 + timedelta(days=3)).timestamp())
    info.issued_at = int((T0 - timedelta(days=57)).timestamp())
    # A token the bot cannot refresh (Threads refuses): the user must make a new one.
    threads_api.script(
        *[graph_error(190, "Error validating access token", where=("GET", "/refresh_access_token"))]
        * 20
    )
    config = write_config(
        tmp_path,
        f"""
[channels.th]
platform = "threads"
api_base_url = "{threads_api.url}"
timeout = "1s"
schedule = {{ every = "1d" }}
{admin_table(admin_api)}
""",
    )
    environ = {**SECRETS, "THREADS_ACCESS_TOKEN": THREADS_TOKEN}

    async def scenario(daemon):
        await daemon.run_until(daemon.clock() + hours(1))
        await daemon.admin.idle()

    in_process(config, scenario, environ=environ)  # warned at start-up
    in_process(config, scenario, start=T0 + timedelta(days=1), environ=environ)  # and again
    warned = events(tmp_path / "var/bot.log", "channel.token_expiring")
    assert [w["days_left"] for w in warned] == [3, 2]
    [told] = alerts(admin_api)
    assert told.startswith("⌛ the access token of th expires on Thu 3 Dec 2026 09:00 UTC ")
    assert "What to do: the token cannot be refreshed by the bot:" in told


def test_a_feed_failing_for_more_than_six_hours_is_told_once_a_spell(
    tmp_path, telegram_api, admin_api, web
):
    feed = web.serve("/feed.xml", "", status=500)
    config = write_config(
        tmp_path,
        telegram_news(telegram_api, admin_api, every="1d")
        + f'\n[[sources]]\nfeed = "{feed}"\npoll = "1h"\n',
    )

    async def scenario(daemon):
        await daemon.run_until(T0 + hours(6))
        await daemon.admin.idle()
        before = list(alerts(admin_api))
        await daemon.run_until(T0 + hours(6) + timedelta(minutes=2))
        await daemon.admin.idle()
        return before

    assert in_process(config, scenario, environ=SECRETS) == []  # not yet six hours
    [told] = alerts(admin_api)
    assert told.startswith(f"📡 the feed {feed} has failed since Mon 30 Nov 2026 09:00 UTC (")
    assert "HTTP 500" in told and "What to do: open the feed's URL in a browser" in told
    [failing] = events(tmp_path / "var/bot.log", "feed.failing")
    assert failing["since"] == T0.isoformat()

    # A restart while it still fails (polled at 17:00, next at 23:00): told already. Then
    # it recovers, and fails again: a new spell, told once it too has lasted six hours.
    in_process(config, start=T0 + hours(8), until=T0 + hours(10), environ=SECRETS)
    assert len(alerts(admin_api)) == 1
    web.serve(
        "/feed.xml", rss([Post(1, web.url("").rstrip("/"))]), content_type="application/rss+xml"
    )
    in_process(config, start=T0 + hours(13), until=T0 + hours(15), environ=SECRETS)
    assert events(tmp_path / "var/bot.log", "feed.polled")
    web.serve("/feed.xml", "", status=500)
    in_process(config, start=T0 + hours(16), until=T0 + hours(23), environ=SECRETS)
    assert len(alerts(admin_api)) == 2
    assert "has failed since Tue 1 Dec 2026 01:00 UTC (" in alerts(admin_api)[1]


def test_a_start_after_an_unclean_stop_is_told_once(tmp_path, telegram_api, admin_api):
    config = write_config(
        tmp_path,
        f"""
[channels.log]
platform = "console"
schedule = {{ every = "1d" }}
{admin_table(admin_api)}
""",
    )
    process = start(config, env=SECRETS)
    try:
        wait_for(lambda: events(tmp_path / "var/bot.log", "admin.started"))
    finally:
        process.send_signal(signal.SIGKILL)  # no clean stop
        process.communicate(timeout=20)

    async def scenario(daemon):
        await daemon.run_until(daemon.clock() + timedelta(minutes=1))
        await daemon.admin.idle()

    for later in (0, 1):  # restarted, then restarted again after a clean stop
        in_process(config, scenario, environ=SECRETS, start=datetime.now(UTC) + hours(later))
    [told] = alerts(admin_api)
    assert told.startswith("⚠️ the daemon started after an unclean stop: the run started at ")
    assert "ended without shutting down (killed, crashed, or the machine went down)" in told
    assert "What to do: look at the end of the log before this start for why" in told
    assert len(events(tmp_path / "var/bot.log", "daemon.unclean_stop")) == 1


def test_a_budget_reached_is_told_once_a_period_restarts_included(tmp_path, x_api, admin_api):
    # A budget for two link posts a month; the month turns at 10:00 UTC on Kiritimati.
    config = write_config(
        tmp_path,
        f"""
[channels.x]
platform = "x"
api_base_url = "{x_api.url}"
schedule = {{ every = "1h" }}
budget = "0.40 USD/month"
{admin_table(admin_api)}
""",
        bot='timezone = "Pacific/Kiritimati"',
    )
    environ = {
        **SECRETS,
        "X_API_KEY": xf.API_KEY,
        "X_API_SECRET": xf.API_SECRET,
        "X_ACCESS_TOKEN": xf.ACCESS_TOKEN,
        "X_ACCESS_TOKEN_SECRET": xf.ACCESS_TOKEN_SECRET,
    }
    start = datetime(2026, 12, 31, 4, 0, tzinfo=UTC)

    async def scenario(daemon):
        await daemon.run_until(daemon.clock() + hours(2))
        await daemon.admin.idle()

    in_process(config, scenario, start=start, environ=environ)
    in_process(config, scenario, start=start + hours(3), environ=environ)  # still held
    assert len(x_api.tweets) == 2
    [told] = alerts(admin_api)
    assert told == (
        "💰 x reached its budget (0.40 USD of 0.40 USD/month); its posts wait "
        "until Fri 1 Jan 2027 00:00 +14\n"
        "What to do: posts wait in the queue until 2027-01-01; raise budget to "
        "send them sooner"
    )

    # The next month's budget reached again: a new period, told again.
    in_process(config, scenario, start=datetime(2026, 12, 31, 10, 0, tzinfo=UTC), environ=environ)
    assert len(x_api.tweets) == 4
    assert len(alerts(admin_api)) == 2
    assert "its posts wait until Mon 1 Feb 2027 00:00 +14" in alerts(admin_api)[1]


def test_a_send_cut_short_by_a_stop_is_told_at_the_next_start(
    tmp_path, telegram_api, admin_api, monkeypatch
):
    monkeypatch.setattr("bot.daemon.SHUTDOWN_GRACE", 0.5)  # not 8 s of the wall clock
    gate = threading.Event()
    telegram_api.script(tg.held(gate, method="sendMessage"))  # the first post hangs
    config = write_config(tmp_path, telegram_news(telegram_api, admin_api, every="2s"))
    daemon = Daemon(config, environ=SECRETS)  # on the wall clock, as `run` runs it

    async def run_and_stop():
        running = asyncio.ensure_future(daemon.run())
        await until(lambda: telegram_api.calls_to("sendMessage"))
        daemon.stop()  # as SIGTERM does, while the post is in flight
        await running

    try:
        with restored_logging():
            asyncio.run(run_and_stop())
    finally:
        gate.set()
    with Store.open(tmp_path / DATABASE) as store:
        (cut,) = store.history(status="unknown")
    assert "interrupted by shutdown" in cut.error
    assert alerts(admin_api) == []  # not yet: the stop queued it

    async def scenario(daemon):
        await daemon.run_until(daemon.clock() + timedelta(seconds=5))
        await daemon.admin.idle()

    in_process(config, scenario, environ=SECRETS, start=datetime.now(UTC) + hours(1))
    [told] = alerts(admin_api)
    assert told.startswith(f"❓ post {cut.id} may or may not have gone out on news: ")
    assert "interrupted by shutdown mid-send" in told
