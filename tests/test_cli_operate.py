"""`excerpt-bot queue`, `plan`, `status`, `history`: what the operator reads, and its JSON.

Posts reach `sent` and `unknown` the daemon's way, through the store (claim, then mark),
with no daemon running.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli.output import shorten
from tests.test_cli_operate_support import (
    claim,
    error_lines,
    invoke,
    ok,
    open_store,
    send,
    write_bot,
)

HISTORY_KEYS = {
    "id",
    "channel",
    "article_id",
    "excerpt_id",
    "status",
    "text",
    "remote_id",
    "remote_url",
    "sent_at",
    "error",
}
STATUS_KEYS = {
    "platform",
    "next_slot",
    "queue_depth",
    "pending_approval",
    "last_sent_at",
    "last_sent_url",
    "last_error",
    "last_error_at",
    "paused",
    "paused_reason",
    "counts",
}


@pytest.fixture
def bot(tmp_path):
    """A config with two console channels, and both articles added."""
    path = write_bot(tmp_path)
    ok("add", "--config", path, tmp_path / "posts")
    return path


def as_json(*args):
    return json.loads(ok(*args, "--json").stdout)


# --- queue -------------------------------------------------------------------------------


def test_queue_lists_queued_and_pending_posts(bot):
    with open_store(bot) as store:
        expected = [p.id for p in store.queued()]
        skipped = expected[0]
        store.skip(skipped, now=datetime.now(UTC))
    posts = as_json("queue", "--config", bot)
    assert [p["id"] for p in posts] == expected[1:]
    assert {p["status"] for p in posts} == {"queued"}
    assert set(posts[0]) >= HISTORY_KEYS
    fast = as_json("queue", "--config", bot, "--channel", "fast", "--limit", "2")
    assert len(fast) == 2 and {p["channel"] for p in fast} == {"fast"}
    table = ok("queue", "--config", bot, "--limit", "1").stdout
    assert f" {expected[1]} " in table and "more not shown" in table


# --- history -----------------------------------------------------------------------------


def test_history_json_is_every_post_newest_first(bot):
    start = datetime.now(UTC) - timedelta(hours=3)
    with open_store(bot) as store:
        total = len(store.history())
        first = send(store, "console", start)
        second = send(store, "fast", start + timedelta(hours=1))
        third = send(store, "console", start + timedelta(hours=2))
    posts = as_json("history", "--config", bot)
    assert len(posts) == total
    assert all(set(p) >= HISTORY_KEYS for p in posts)
    sent = [p for p in posts if p["status"] == "sent"]
    assert [p["id"] for p in sent] == [third.id, second.id, first.id]
    # Newest first by the time of each post's last change of state.
    when = [datetime.fromisoformat(p["updated_at"]) for p in posts]
    assert when == sorted(when, reverse=True)
    assert sent[0]["remote_url"] == f"https://console.example/{third.id}"
    assert sent[0]["text"] == third.text
    assert datetime.fromisoformat(sent[0]["sent_at"]) == start + timedelta(hours=2)


def test_history_puts_a_post_skipped_just_now_first_though_it_was_queued_long_ago(bot):
    with open_store(bot) as store:
        oldest = store.queued()[0]
        send(store, "fast", datetime.now(UTC) - timedelta(minutes=1))
        store.skip(oldest.id, now=datetime.now(UTC))
    assert as_json("history", "--config", bot)[0]["id"] == oldest.id
    table = ok("history", "--config", bot, "--limit", "1").stdout
    assert f" {oldest.id} " in table and "skipped" in table


def test_history_filters_and_limit(bot):
    now = datetime.now(UTC)
    with open_store(bot) as store:
        sent = send(store, "console", now - timedelta(minutes=5))
        send(store, "fast", now - timedelta(minutes=4))
        console_total = len(store.history(channel="console"))
    assert [
        p["id"]
        for p in as_json("history", "--config", bot, "--status", "sent", "--channel", "console")
    ] == [sent.id]
    assert len(as_json("history", "--config", bot, "--channel", "console")) == console_total
    assert len(as_json("history", "--config", bot, "--limit", "3")) == 3
    assert {p["status"] for p in as_json("history", "--config", bot, "--status", "sent")} == {
        "sent"
    }
    table = ok("history", "--config", bot, "--status", "sent").stdout
    assert "Compost" in table or "Keeping" in table


def test_listings_name_an_unknown_channel_with_a_hint(bot):
    [line] = error_lines(invoke("history", "--config", bot, "--channel", "consol"))
    assert line.startswith('no channel "consol"') and 'did you mean "console"?' in line
    [line] = error_lines(invoke("plan", "--config", bot, "--channel", "fsat"))
    assert 'did you mean "fast"?' in line


# --- status ------------------------------------------------------------------------------


def test_status_json_has_every_channel_keyed_by_name(bot):
    with open_store(bot) as store:
        depths = store.queue_depths()
        sent = send(store, "console")
        store.record_channel_error("fast", error="connection refused", now=datetime.now(UTC))
    report = as_json("status", "--config", bot)
    assert set(report) >= {"channels", "database", "generated_at"}
    assert report["database"].endswith("bot.sqlite3")
    channels = report["channels"]
    assert set(channels) == {"console", "fast"}
    assert all(set(entry) >= STATUS_KEYS for entry in channels.values())
    console, fast = channels["console"], channels["fast"]
    assert console["platform"] == "console"
    assert console["queue_depth"] == depths["console"] - 1
    assert console["counts"]["sent"] == 1 and console["counts"]["queued"] == depths["console"] - 1
    assert console["last_sent_url"] == f"https://console.example/{sent.id}"
    assert datetime.fromisoformat(console["last_sent_at"]) <= datetime.now(UTC)
    assert datetime.fromisoformat(console["next_slot"]).utcoffset() in (
        timedelta(hours=1),
        timedelta(hours=2),
    )  # Europe/Berlin
    assert fast["last_error"] == "connection refused" and fast["last_sent_at"] is None
    assert not console["paused"] and console["paused_reason"] is None


def test_status_still_lists_a_channel_removed_from_the_config(bot):
    config = bot.read_text(encoding="utf-8")
    bot.write_text(config[: config.index("[channels.fast]")], encoding="utf-8")
    fast = as_json("status", "--config", bot)["channels"]["fast"]
    assert fast["platform"] is None and fast["next_slot"] is None
    assert fast["in_config"] is False and fast["queue_depth"] > 0
    assert "not in config" in ok("status", "--config", bot).stdout


def test_pause_and_resume_show_in_status(bot):
    assert ok("pause", "console", "--config", bot, "--reason", "holiday").stdout.startswith(
        "paused console"
    )
    report = as_json("status", "--config", bot)["channels"]
    assert report["console"]["paused"] and report["console"]["paused_reason"] == "holiday"
    assert not report["fast"]["paused"]
    with open_store(bot) as store:
        assert store.channel_state("console").paused
    table = ok("status", "--config", bot).stdout
    assert "paused: holiday" in table and "active" in table
    assert ok("resume", "console", "--config", bot).stdout.strip() == "resumed console"
    assert not as_json("status", "--config", bot)["channels"]["console"]["paused"]


def test_pause_and_resume_twice_say_the_second_time_changed_nothing(bot):
    ok("pause", "console", "--config", bot, "--reason", "holiday")
    again = ok("pause", "console", "--config", bot, "--reason", "other").stdout.strip()
    assert again == "console was already paused (holiday); nothing changed"
    assert as_json("status", "--config", bot)["channels"]["console"]["paused_reason"] == "holiday"
    ok("resume", "console", "--config", bot)
    again = ok("resume", "console", "--config", bot).stdout.strip()
    assert again == "console was not paused; nothing changed"


def test_pause_of_an_unknown_channel_suggests_the_closest(bot):
    [line] = error_lines(invoke("pause", "consle", "--config", bot))
    assert line == f'no channel "consle" in {bot} (did you mean "console"?)'
    [line] = error_lines(invoke("resume", "zzz", "--config", bot))
    assert "known channels: console, fast" in line


def test_commands_on_a_bad_config_print_one_line_per_problem(tmp_path):
    path = write_bot(tmp_path, config='[bot]\ntimezone = "Mars/Base"\nlog_level = "loud"\n')
    lines = error_lines(invoke("status", "--config", path))
    assert len(lines) >= 2 and all(line.startswith(f"{path}: ") for line in lines)


# --- plan --------------------------------------------------------------------------------


def test_plan_shows_local_slots_and_the_post_the_daemon_would_send(bot):
    report = as_json("plan", "--config", bot, "--channel", "console", "--days", "3")
    assert set(report["channels"]) == {"console"}
    console = report["channels"]["console"]
    slots = [datetime.fromisoformat(s["at"]) for s in console["slots"]]
    assert len(slots) in (5, 6, 7)  # 09:00 and 18:00 Berlin time for three days
    assert {(s.hour, s.minute) for s in slots} == {(9, 0), (18, 0)}
    assert all(s.utcoffset() in (timedelta(hours=1), timedelta(hours=2)) for s in slots)
    first = console["slots"][0]
    with open_store(bot) as store:
        claimed = claim(store, "console")
    assert first["post_id"] == claimed.id and first["excerpt_id"] == claimed.excerpt_id
    assert first["article_title"] == claimed.article.title and first["skipped"] is None
    # max_per_day = 1: the second slot within 24 hours stays empty, and says why.
    assert console["slots"][1]["post_id"] is None
    assert console["slots"][1]["skipped"] == "max_per_day"
    table = ok("plan", "--config", bot, "--channel", "console").stdout
    assert "(max_per_day 1 reached)" in table


def test_plan_caps_the_slots_listed(bot):
    fast = as_json("plan", "--config", bot, "--channel", "fast")["channels"]["fast"]
    assert len(fast["slots"]) == 50
    assert fast["more_slots"] > 10_000 and not fast["more_slots_exact"]
    filled = [s for s in fast["slots"] if s["post_id"] is not None]
    with open_store(bot) as store:
        assert len(filled) == min(50, store.queue_depths()["fast"])
    few = as_json("plan", "--config", bot, "--channel", "fast", "--days", "1", "--limit", "3")
    assert len(few["channels"]["fast"]["slots"]) == 3
    assert few["channels"]["fast"]["more_slots"] == 8640 - 3
    table = ok("plan", "--config", bot, "--limit", "5").stdout
    assert "console (console)" in table and "fast (console)" in table
    assert "… more than 10,000 more slots in the next 7 days" in table


def test_plan_of_a_paused_channel_sends_nothing(bot):
    ok("pause", "fast", "--config", bot)
    fast = as_json("plan", "--config", bot, "--limit", "3")["channels"]["fast"]
    assert fast["paused"] and [s["skipped"] for s in fast["slots"]] == ["paused"] * 3
    assert all(s["post_id"] is None for s in fast["slots"])


def test_tables_piped_into_a_file_keep_each_row_on_one_line(bot):
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "queue", "--config", str(bot)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    rows = {
        int(line.split()[0]): line
        for line in done.stdout.splitlines()
        if line.split() and line.split()[0].isdigit()
    }
    posts = as_json("queue", "--config", bot)[:50]
    assert sorted(rows) == sorted(post["id"] for post in posts)
    for post in posts:
        # The whole shortened excerpt is on its row: nothing folded onto a next line.
        assert shorten(post["excerpt_text"], 70) in rows[post["id"]]
    assert max(map(len, rows.values())) > 80
