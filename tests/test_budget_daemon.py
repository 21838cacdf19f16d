"""Budgets through the real daemon on a stepped clock, its real claim and dispatch, real
tweepy against the fake X API: a budget that allows exactly N link posts sends N, holds the
rest in the queue until the month turns in `[bot] timezone` (here UTC+14, ten hours before
UTC's), says so once, and posting resumes by itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store import Store
from tests.daemon_support import events, hours, in_process, write_config
from tests.fakes import x_api as xf
from tests.fakes.x_api import x_api_fixture  # noqa: F401

SECRETS = {"X_API_KEY": xf.API_KEY, "X_API_SECRET": xf.API_SECRET,
           "X_ACCESS_TOKEN": xf.ACCESS_TOKEN, "X_ACCESS_TOKEN_SECRET": xf.ACCESS_TOKEN_SECRET}
# 31 December, 18:00 on Kiritimati (UTC+14); its January starts at 10:00 UTC.
START = datetime(2026, 12, 31, 4, 0, tzinfo=UTC)
NEW_MONTH = datetime(2026, 12, 31, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.timeout(60)


def budget_config(tmp_path, x_api, *, budget: str, extra: str = ""):
    return write_config(tmp_path, f"""
[channels.x]
platform = "x"
api_base_url = "{x_api.url}"
schedule = {{ every = "1h" }}
budget = "{budget}"
{extra}
""", bot='timezone = "Pacific/Kiritimati"')


def sent(tmp_path) -> list:
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        return sorted(store.history(channel="x", status="sent"), key=lambda p: p.sent_at)


def test_a_budget_for_four_link_posts_sends_four_and_the_rest_when_the_month_turns(
    tmp_path, x_api
):
    config = budget_config(tmp_path, x_api, budget="0.80 USD/month")  # 4 x 0.200
    in_process(config, start=START, until=NEW_MONTH - timedelta(minutes=30), environ=SECRETS)
    out = sent(tmp_path)
    assert [p.sent_at for p in out] == [START + hours(h) for h in range(4)]
    assert [p.cost for p in out] == [0.2] * 4 and {p.currency for p in out} == {"USD"}
    assert len(x_api.tweets) == 4
    log = tmp_path / "var/bot.log"
    [reached] = events(log, "channel.budget_reached")  # once, though two slots were held
    assert reached["channel"] == "x" and reached["until"] == "2027-01-01T00:00:00+14:00"
    assert (reached["budget"], reached["spend"], reached["cost"]) == (
        "0.80 USD/month", "0.80 USD", "0.20 USD")
    held = [e for e in events(log, "slot.skipped") if e["reason"] == "budget"]
    assert len(held) == 2  # 08:00 and 09:00 UTC
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.channel_state("x").budget_reached_until == NEW_MONTH
        assert len(store.queued("x")) == 2  # the held posts wait in the queue

    # The daemon starts again before the month turns: nothing new is logged, and at local
    # midnight (10:00 UTC, not UTC's midnight 14 hours later) the posts go out by themselves.
    in_process(config, start=NEW_MONTH - timedelta(minutes=30), until=NEW_MONTH + hours(3),
               environ=SECRETS)
    out = sent(tmp_path)
    assert [p.sent_at for p in out][4:] == [NEW_MONTH, NEW_MONTH + hours(1)]
    assert len(x_api.tweets) == 6 == len({t["text"] for t in x_api.tweets})
    assert len(events(log, "channel.budget_reached")) == 1
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.channel_state("x").budget_reached_until is None
        assert store.queued("x") == []


def test_a_daily_budget_rolls_over_at_local_midnight(tmp_path, x_api):
    config = budget_config(tmp_path, x_api, budget="0.40 USD/day")  # 2 x 0.200 a day
    in_process(config, start=START, until=NEW_MONTH + hours(2), environ=SECRETS)
    assert [p.sent_at for p in sent(tmp_path)] == [
        START, START + hours(1), NEW_MONTH, NEW_MONTH + hours(1)]
    [first, second] = events(tmp_path / "var/bot.log", "channel.budget_reached")
    assert (first["until"], first["period"]) == ("2027-01-01T00:00:00+14:00", "day")
    assert second["until"] == "2027-01-02T00:00:00+14:00"


def test_a_thread_is_held_whole_when_its_parts_would_go_past_the_budget(tmp_path, x_api):
    # A thread of 4 costs 3 x 0.015 + 0.200 = 0.245: 0.30 holds one, not a second.
    config = budget_config(tmp_path, x_api, budget="0.30 USD/month",
                           extra="thread = true\nthread_length = 4\nrepeat_after = \"1h\"")
    in_process(config, start=START, until=START + hours(3), environ=SECRETS)
    assert len(x_api.tweets) == 4  # one whole thread; the repeat waits for January
    [post] = sent(tmp_path)
    assert (post.cost, post.currency) == (0.245, "USD")
    [reached] = events(tmp_path / "var/bot.log", "channel.budget_reached")
    assert (reached["spend"], reached["cost"]) == ("0.245 USD", "0.245 USD")
