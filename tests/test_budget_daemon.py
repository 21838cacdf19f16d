"""Budgets through the real daemon on a stepped clock, its real claim and dispatch, real
tweepy against the fake X API: a budget that allows exactly N link posts sends N, holds the
rest in the queue until the month turns in `[bot] timezone` (here UTC+14, ten hours before
UTC's), says so once, and posting resumes by itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import load_config
from bot.metrics import StoreCollector
from bot.store import Store
from bot.web.pages import overview
from tests.daemon_support import EXAMPLE, ORCHARD, events, hours, in_process, write_config
from tests.fakes import x_api as xf
from tests.fakes.x_api import x_api_fixture  # noqa: F401

SECRETS = {
    "X_API_KEY": xf.API_KEY,
    "X_API_SECRET": xf.API_SECRET,
    "X_ACCESS_TOKEN": xf.ACCESS_TOKEN,
    "X_ACCESS_TOKEN_SECRET": xf.ACCESS_TOKEN_SECRET,
}
# 31 December, 18:00 on Kiritimati (UTC+14); its January starts at 10:00 UTC.
START = datetime(2026, 12, 31, 4, 0, tzinfo=UTC)
NEW_MONTH = datetime(2026, 12, 31, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.timeout(60)


def budget_config(tmp_path, x_api, *, budget: str, extra: str = "", articles=(EXAMPLE,)):
    return write_config(
        tmp_path,
        f"""
[channels.x]
platform = "x"
api_base_url = "{x_api.url}"
schedule = {{ every = "1h" }}
budget = "{budget}"
{extra}
""",
        bot='timezone = "Pacific/Kiritimati"',
        articles=articles,
    )


def run(monkeypatch, now: datetime, *args) -> str:
    """An `excerpt-bot` command as the user runs it, with the wall clock at `now`."""
    for module in ("status", "spend", "plan"):
        monkeypatch.setattr(f"bot.cli.{module}.utc_now", lambda: now)
    result = CliRunner().invoke(
        cli, [str(a) for a in args], env={"COLUMNS": "200"}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def metrics(config, now: datetime) -> dict[str, float]:
    """/metrics' spend gauges, as the daemon's collector reads them."""
    loaded = load_config(config)
    with Store.open(loaded.bot.database) as store:
        families = StoreCollector(
            store, lambda: ["x"], settings=lambda: loaded.channels, clock=lambda: now
        ).collect()
        return {
            f"{family.name}{{{sample.labels['currency']}}}": sample.value
            for family in families
            if family.name.startswith("excerpt_bot_")
            and "currency" in (family.samples[0].labels if family.samples else {})
            for sample in family.samples
        }


def sent(tmp_path) -> list:
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        return sorted(store.history(channel="x", status="sent"), key=lambda p: p.sent_at)


def test_a_budget_for_four_link_posts_sends_four_and_the_rest_when_the_month_turns(
    tmp_path, x_api, monkeypatch
):
    config = budget_config(
        tmp_path,
        x_api,
        budget="0.80 USD/month",  # 4 x 0.200
        extra="max_excerpts = 6",  # six link posts: four sent, two held
        articles=(ORCHARD,),
    )
    in_process(config, start=START, until=NEW_MONTH - timedelta(minutes=30), environ=SECRETS)
    out = sent(tmp_path)
    assert [p.sent_at for p in out] == [START + hours(h) for h in range(4)]
    assert [p.cost for p in out] == [0.2] * 4 and {p.currency for p in out} == {"USD"}
    assert len(x_api.tweets) == 4
    log = tmp_path / "var/bot.log"
    [reached] = events(log, "channel.budget_reached")  # once, though two slots were held
    assert reached["channel"] == "x" and reached["until"] == "2027-01-01T00:00:00+14:00"
    assert (reached["budget"], reached["spend"], reached["cost"]) == (
        "0.80 USD/month",
        "0.80 USD",
        "0.20 USD",
    )
    held = [e for e in events(log, "slot.skipped") if e["reason"] == "budget"]
    assert len(held) == 2  # 08:00 and 09:00 UTC
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.channel_state("x").budget_reached_until == NEW_MONTH
        assert len(store.queued("x")) == 2  # the held posts wait in the queue

    # What the user sees meanwhile: status, spend, plan and /metrics agree to the cent.
    now = NEW_MONTH - timedelta(minutes=30)
    status = json.loads(run(monkeypatch, now, "status", "--config", config, "--json"))
    assert status["channels"]["x"]["spend"] == {
        "amount": 0.8,
        "currency": "USD",
        "month": "2026-12",
        "budget": 0.8,
        "budget_period": "month",
        "left": 0.0,
        "reached_until": "2027-01-01T00:00:00+14:00",
    }
    assert "budget reached until 2027-01-01" in run(monkeypatch, now, "status", "--config", config)
    spend = json.loads(run(monkeypatch, now, "spend", "--config", config, "--json"))
    assert spend == {
        "month": "2026-12",
        "currency": "USD",
        "total": 0.8,
        "channels": {
            "x": {"spend": 0.8, "posts": 4, "currency": "USD", "days": {"2026-12-31": 0.8}}
        },
    }
    # An hour earlier, the 09:00 UTC slot is still to come: held back, as the daemon did.
    plan = json.loads(
        run(monkeypatch, now - hours(1), "plan", "--config", config, "--json", "--days", "1")
    )
    assert plan["cost"] == {
        "x": {"posts": 2, "spend": 0.4, "currency": "USD", "budget_left": 0.0},
        "total": {"posts": 2, "spend": 0.4, "currency": "USD"},
    }
    slots = plan["channels"]["x"]["slots"]
    assert [s["skipped"] for s in slots[:3]] == ["budget", None, None]
    assert slots[1]["at"] == "2027-01-01T00:00:00+14:00" and slots[1]["post_id"]
    text = run(monkeypatch, now - hours(1), "plan", "--config", config, "--days", "1")
    assert "(budget reached)" in text
    assert (
        "x: 2 posts, 0.40 USD; 0.00 USD left of this month's 0.80 USD/month (posts held "
        "back until 2027-01-01)"
    ) in text
    assert metrics(config, now) == {
        "excerpt_bot_spend{USD}": 0.8,
        "excerpt_bot_budget_left{USD}": 0.0,
    }
    loaded = load_config(config)
    with Store.open(loaded.bot.database) as store:  # the web console's overview card
        [card] = overview(store, loaded, now)["cards"]
    assert card["spend"] == (
        "0.80 USD (4 posts); 0.00 USD left of 0.80 USD/month, reached until 2027-01-01"
    )

    # The daemon starts again before the month turns: nothing new is logged, and at local
    # midnight (10:00 UTC, not UTC's midnight 14 hours later) the posts go out by themselves.
    in_process(
        config, start=NEW_MONTH - timedelta(minutes=30), until=NEW_MONTH + hours(3), environ=SECRETS
    )
    out = sent(tmp_path)
    assert [p.sent_at for p in out][4:] == [NEW_MONTH, NEW_MONTH + hours(1)]
    assert len(x_api.tweets) == 6 == len({t["text"] for t in x_api.tweets})
    assert len(events(log, "channel.budget_reached")) == 1
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.channel_state("x").budget_reached_until is None
        assert store.queued("x") == []
    now = NEW_MONTH + hours(3)
    status = json.loads(run(monkeypatch, now, "status", "--config", config, "--json"))
    assert status["channels"]["x"]["spend"] == {
        "amount": 0.4,
        "currency": "USD",
        "month": "2027-01",
        "budget": 0.8,
        "budget_period": "month",
        "left": 0.4,
        "reached_until": None,
    }
    january = json.loads(run(monkeypatch, now, "spend", "--config", config, "--json"))
    assert january["channels"]["x"] == {
        "spend": 0.4,
        "posts": 2,
        "currency": "USD",
        "days": {"2027-01-01": 0.4},
    }
    december = json.loads(
        run(monkeypatch, now, "spend", "--config", config, "--json", "--month", "2026-12")
    )
    assert december["total"] == 0.8


def test_a_daily_budget_rolls_over_at_local_midnight(tmp_path, x_api):
    config = budget_config(tmp_path, x_api, budget="0.40 USD/day")  # 2 x 0.200 a day
    in_process(config, start=START, until=NEW_MONTH + hours(2), environ=SECRETS)
    assert [p.sent_at for p in sent(tmp_path)] == [
        START,
        START + hours(1),
        NEW_MONTH,
        NEW_MONTH + hours(1),
    ]
    [first, second] = events(tmp_path / "var/bot.log", "channel.budget_reached")
    assert (first["until"], first["period"]) == ("2027-01-01T00:00:00+14:00", "day")
    assert second["until"] == "2027-01-02T00:00:00+14:00"


def test_a_thread_is_held_whole_when_its_parts_would_go_past_the_budget(tmp_path, x_api):
    # A thread of 4 costs 3 x 0.015 + 0.200 = 0.245: 0.30 holds one, not a second.
    config = budget_config(
        tmp_path,
        x_api,
        budget="0.30 USD/month",
        extra='thread = true\nthread_length = 4\nrepeat_after = "1h"',
    )
    in_process(config, start=START, until=START + hours(3), environ=SECRETS)
    assert len(x_api.tweets) == 4  # one whole thread; the repeat waits for January
    [post] = sent(tmp_path)
    assert (post.cost, post.currency) == (0.245, "USD")
    [reached] = events(tmp_path / "var/bot.log", "channel.budget_reached")
    assert (reached["spend"], reached["cost"]) == ("0.245 USD", "0.245 USD")


def test_a_price_override_is_what_a_post_costs(tmp_path, x_api, monkeypatch):
    config = budget_config(
        tmp_path, x_api, budget="1 USD/month", extra="price = { post_with_link = 0.3 }"
    )  # 3 x 0.3 fit, not 4
    in_process(config, start=START, until=START + hours(5), environ=SECRETS)
    assert [p.cost for p in sent(tmp_path)] == [0.3, 0.3, 0.3]
    status = json.loads(run(monkeypatch, START + hours(5), "status", "--config", config, "--json"))
    assert (
        status["channels"]["x"]["spend"]["amount"],
        status["channels"]["x"]["spend"]["left"],
    ) == (0.9, 0.1)
    text = run(monkeypatch, START + hours(5), "spend", "--config", config)
    assert "0.90 USD (3 posts)" in text and "total: 0.90 USD" in text
