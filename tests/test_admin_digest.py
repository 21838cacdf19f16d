"""The admin chat's daily digest, at `digest_at` in [bot] timezone (here New Zealand's,
thirteen hours ahead of UTC in summer), against the fake Telegram server: what went out
in the last 24 hours with links, what failed, what is due in the next 24 hours."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.store import Store
from bot.store.schema import admin_messages
from tests.admin_support import DATABASE, SECRETS, admin_table
from tests.daemon_support import T0, events, hours, in_process, write_config
from tests.fakes import telegram_api as tg
from tests.fakes.server import serving
from tests.fakes.telegram_api import FakeTelegramAPI, telegram_api_fixture  # noqa: F401

pytestmark = pytest.mark.timeout(180)
TITLE = "Unveiling Cytokines: Their Dual Role in Immune Health"


@pytest.fixture(name="admin_api")
def admin_api_fixture():
    yield from serving(FakeTelegramAPI())


def digests(api: FakeTelegramAPI) -> list[dict]:
    return [m for m in api.messages_in(tg.ADMIN_GROUP) if "Daily digest" in m["text"]]


def test_the_digest_comes_daily_at_its_local_time_and_tells_the_last_and_next_day(
    tmp_path, telegram_api, admin_api
):
    # news posts every 4 hours (at 00:00, 04:00, … in Auckland: 11:00, 15:00, … UTC); its
    # first send is refused. gated waits for approval.
    telegram_api.script(tg.bad_request(method="sendMessage"))
    config = write_config(
        tmp_path,
        f"""
[channels.news]
platform = "telegram"
chat_id = "@my_channel"
api_base_url = "{telegram_api.base_url}"
schedule = {{ every = "4h" }}

[channels.gated]
platform = "telegram"
chat_id = "@my_channel"
api_base_url = "{telegram_api.base_url}"
require_approval = true
schedule = {{ slots = ["12:00"] }}
{admin_table(admin_api, extra='digest_at = "08:30"')}
""",
        bot='timezone = "Pacific/Auckland"',
    )

    async def scenario(daemon):
        await daemon.run_until(T0 + hours(11))  # 08:30 in Auckland is 19:30 UTC
        await daemon.admin.idle()
        first = list(digests(admin_api))
        await daemon.run_until(T0 + hours(35))
        await daemon.admin.idle()
        return first

    first = in_process(config, scenario, environ=SECRETS)
    with Store.open(tmp_path / DATABASE) as store:
        (failed,) = store.history(status="failed")
        sent = sorted(store.history(channel="news", status="sent"), key=lambda p: p.id)
        pending = store.history(status="pending_approval")
        queued_at = store.read_with(
            lambda conn: list(
                conn.scalars(
                    select(admin_messages.c.created_at)
                    .where(admin_messages.c.key.like("digest:%"))
                    .order_by(admin_messages.c.id)
                )
            )
        )
    assert queued_at == [T0 + hours(10.5), T0 + hours(34.5)]  # Tue 1, Wed 2 Dec 08:30 NZDT
    [digest] = first
    out_by_then = [p for p in sent if p.sent_at <= T0 + hours(10.5)]
    assert len(out_by_then) == 2 and len(pending) == 4
    assert digest["text"] == "\n".join(
        [
            "📋 Daily digest, Tue 1 Dec 08:30 (Pacific/Auckland)",
            "",
            "Sent in the last 24 h: 2",
            f"• news: 2 — {TITLE}, {TITLE}",
            "",
            "Failed or unknown: 1",
            f"• news: post {failed.id} failed — Bad Request: Can't parse entities: unsupported "
            'start tag "foo" at byte offset 0',
            "Retry or resolve each: excerpt-bot retry ID, excerpt-bot resolve ID, or the web "
            "console.",
            "",
            "Due in the next 24 h: 1",
            f"• news (telegram): 1 — Tue 1 Dec 12:00 {TITLE}",
            f"• gated (telegram): 0, and 1 once approved — Tue 1 Dec 12:00 {TITLE} (once approved)",
            "",
            "Waiting for approval: 4",
        ]
    )
    # Each post sent links to where it went out.
    links = [e["url"] for e in digest["entities"] if e["type"] == "text_link"]
    assert links == [p.remote_url for p in out_by_then] and all(links)
    [second] = digests(admin_api)[1:]
    assert second["text"].startswith(
        "📋 Daily digest, Wed 2 Dec 08:30 (Pacific/Auckland)\n\nSent in the last 24 h: 1\n"
    )
    assert "Failed or unknown: 0\n" in second["text"]
    assert "• news (telegram): nothing queued\n" in second["text"]
    assert len(events(tmp_path / "var/bot.log", "admin.digest")) == 2


def test_digest_at_off_sends_none(tmp_path, telegram_api):
    config = write_config(
        tmp_path,
        f"""
[channels.news]
platform = "telegram"
chat_id = "@my_channel"
api_base_url = "{telegram_api.base_url}"
schedule = {{ every = "4h" }}
{admin_table(telegram_api, extra='digest_at = "off"')}
""",
        bot='timezone = "Pacific/Auckland"',
    )
    in_process(config, until=T0 + hours(11), environ=SECRETS)  # past 08:00 in Auckland
    assert digests(telegram_api) == []


@pytest.mark.parametrize("channels", [3, 40, 400])
def test_a_digest_of_many_channels_still_fits_one_telegram_message(channels):
    from bot.admin.digest import ChannelDue, DigestFacts, Due, digest_text
    from bot.store.admin import PostLine

    title = (
        "Notes on compost & <mulch>"
        if channels == 3
        else "A rather long article title that goes on & on <for> effect " * 2
    )
    sent = [
        PostLine(
            n, f"channel-{n % channels:03d}", "sent", title, T0, f"https://example.org/p/{n}", None
        )
        for n in range(channels * 8)
    ]
    failed = [
        PostLine(
            n, f"channel-{n % channels:03d}", "failed", title, T0, None, "Bad Request: " + "x" * 500
        )
        for n in range(channels * 2)
    ]
    due = [
        ChannelDue(
            f"channel-{n:03d}",
            "telegram",
            None,
            slots=[Due(T0 + hours(h), title, False) for h in range(8)],
        )
        for n in range(channels)
    ]
    text = digest_text(DigestFacts(T0, sent, failed, due, 3), "Europe/Paris")
    visible, entities = tg.parse_html(text)  # well-formed, as Telegram parses it
    assert tg.utf16_units(visible) <= tg.MAX_TEXT_UNITS
    assert visible.startswith(
        "📋 Daily digest, Mon 30 Nov 10:00 (Europe/Paris)\n\n"
        f"Sent in the last 24 h: {channels * 8}\n"
    )
    if channels == 3:  # room for each channel's first five posts, linked
        assert len(entries := [e for e in entities if e["type"] == "text_link"]) == 15
        assert entries[0]["url"] == "https://example.org/p/0"
        assert "Waiting for approval: 3" in visible
    else:
        assert (
            visible.endswith("(the rest is cut: too long for one message; see excerpt-bot status)")
            or "Waiting for approval: 3" in visible
        )
