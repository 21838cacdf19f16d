"""`pin` and `send-now`: the operator puts a post first, or sends it at once, through the
daemon's own claim and dispatch."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.test_cli_operate_support import (
    CONFIG,
    claim,
    error_lines,
    invoke,
    ok,
    open_store,
    send,
    write_bot,
)

OUTBOX = CONFIG.replace(
    'schedule = { every = "10s" }\n',
    'schedule = { every = "10s" }\noutbox = "var/outbox.jsonl"\nmax_per_day = 1\n',
)


@pytest.fixture
def bot(tmp_path):
    path = write_bot(tmp_path, config=OUTBOX)
    ok("add", "--config", path, tmp_path / "posts")
    return path


def outbox(bot) -> list[dict]:
    path = bot.parent / "var" / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def last_in_queue(bot, channel: str):
    with open_store(bot) as store:
        return store.queued(channel)[-1]


def test_a_pinned_post_is_the_next_the_daemon_claims(bot):
    chosen = last_in_queue(bot, "fast")
    assert ok("pin", str(chosen.id), "--config", bot).stdout.strip() == (
        f"post {chosen.id} goes next on fast"
    )
    with open_store(bot) as store:
        assert claim(store, "fast").id == chosen.id
    plan = json.loads(ok("plan", "--config", bot, "--channel", "console", "--json").stdout)
    assert plan["channels"]["console"]["slots"][0]["post_id"] != chosen.id  # its own channel


def test_the_post_pinned_last_goes_first(bot):
    with open_store(bot) as store:
        first, second = store.queued("fast")[-2:]
    ok("pin", str(first.id), "--config", bot)
    ok("pin", str(second.id), "--config", bot)
    with open_store(bot) as store:
        assert [claim(store, "fast").id for _ in range(2)] == [second.id, first.id]


def test_only_a_waiting_post_can_be_pinned(bot):
    with open_store(bot) as store:
        sent = send(store, "fast")
    [line] = error_lines(invoke("pin", str(sent.id), "--config", bot))
    assert line == (f"post {sent.id} is sent: only queued or pending approval posts can be pinned")


def test_send_now_sends_that_post_at_once_and_records_it(bot):
    chosen = last_in_queue(bot, "fast")
    result = ok("send-now", str(chosen.id), "--config", bot)
    assert result.stdout.strip() == f"post {chosen.id} sent on fast"
    [out] = outbox(bot)
    assert out["post"] == chosen.id and out["channel"] == "fast"
    with open_store(bot) as store:
        post = store.get_post(chosen.id)
    assert post.status == "sent" and post.text == out["text"]
    # Exactly once: a second send-now of the same post is refused and sends nothing.
    [line] = error_lines(invoke("send-now", str(chosen.id), "--config", bot))
    assert line.startswith(f"post {chosen.id} is sent: ")
    assert len(outbox(bot)) == 1


def test_send_now_holds_to_max_per_day_unless_forced(bot):
    first, second = [p.id for p in last_and_before(bot)]
    ok("send-now", str(first), "--config", bot)
    [line] = error_lines(invoke("send-now", str(second), "--config", bot))
    assert line == (
        f"post {second} not sent: fast has reached its max_per_day (pass --force to send anyway)"
    )
    assert len(outbox(bot)) == 1
    assert ok("send-now", str(second), "--force", "--config", bot).stdout.startswith(
        f"post {second} sent on fast"
    )
    assert [out["post"] for out in outbox(bot)] == [first, second]


def last_and_before(bot):
    with open_store(bot) as store:
        return store.queued("fast")[-2:]


def test_send_now_on_a_paused_channel_says_to_resume_first(bot):
    chosen = last_in_queue(bot, "fast")
    ok("pause", "fast", "--config", bot)
    [line] = error_lines(invoke("send-now", str(chosen.id), "--config", bot))
    assert line == (
        f"post {chosen.id} not sent: its channel is paused: `excerpt-bot resume fast` first"
    )
    assert outbox(bot) == []


def test_send_now_of_a_post_waiting_for_approval_says_to_approve_it(tmp_path):
    path = write_bot(
        tmp_path, config=OUTBOX.replace("max_per_day = 1\n", "require_approval = true\n")
    )
    ok("add", "--config", path, tmp_path / "posts")
    with open_store(path) as store:
        pending = store.queued("fast")[0]
    assert pending.status == "pending_approval"
    [line] = error_lines(invoke("send-now", str(pending.id), "--config", path))
    assert line == (
        f"post {pending.id} waits for approval: `excerpt-bot approve {pending.id}` first"
    )
    assert "once approved" in ok("pin", str(pending.id), "--config", path).stdout
    ok("approve", str(pending.id), "--config", path)
    ok("send-now", str(pending.id), "--config", path)
    with open_store(path) as store:
        assert store.get_post(pending.id).status == "sent"
    assert [out["post"] for out in outbox(path)] == [pending.id]


def test_a_refused_send_now_leaves_the_post_where_it_was_in_the_queue(bot):
    first, second = [p.id for p in last_and_before(bot)]
    ok("send-now", str(first), "--config", bot)
    with open_store(bot) as store:
        natural = store.queued("fast")[0].id
    assert natural != second
    error_lines(invoke("send-now", str(second), "--config", bot))  # capped: refused
    with open_store(bot) as store:
        # Not pinned by the refused attempt: the queue's own first post still goes next.
        assert claim(store, "fast").id == natural


def test_a_refused_send_now_keeps_a_composed_posts_time(bot):
    at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    result = ok("compose", "--channel", "fast", "Later.", "--at", at.isoformat(), "--config", bot)
    post_id = int(result.stdout.split()[1])
    ok("pause", "fast", "--config", bot)
    error_lines(invoke("send-now", str(post_id), "--config", bot))  # paused: refused
    with open_store(bot) as store:
        assert store.get_post(post_id).not_before == at
    ok("resume", "fast", "--config", bot)
    with open_store(bot) as store:
        send(store, "fast")  # another post: fast reaches its max_per_day
    error_lines(invoke("send-now", str(post_id), "--config", bot))  # capped: refused
    with open_store(bot) as store:
        assert store.get_post(post_id).not_before == at


def test_send_now_holds_to_the_budget_even_when_forced(tmp_path):
    priced = OUTBOX.replace(
        "max_per_day = 1\n",
        'price = { post = 0.25, currency = "USD" }\nbudget = "0.50 USD/month"\n',
    )
    bot = write_bot(tmp_path, config=priced)
    ok("add", "--config", bot, tmp_path / "posts")
    with open_store(bot) as store:
        first, second, third = (p.id for p in store.queued("fast")[:3])
    for post in (first, second):
        ok("send-now", str(post), "--config", bot)
    [line] = error_lines(invoke("send-now", str(third), "--force", "--config", bot))
    assert line == (
        f"post {third} not sent: it would take fast past its budget (it waits in "
        "the queue until the budget's period rolls over; raise `budget` to send "
        "it sooner)"
    )
    with open_store(bot) as store:
        assert store.get_post(third).status == "queued"
        assert [store.get_post(p).cost for p in (first, second)] == [0.25, 0.25]
    assert len(outbox(bot)) == 2
