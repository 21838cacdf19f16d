"""`plan` foresees evergreen repeats: when the queue runs dry, excerpts come back after
`repeat_after`, as the daemon brings them back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.planner import QueuedItem, simulate
from bot.policy import ChannelPolicy
from tests.test_cli_operate_support import CONFIG, invoke, ok, open_store, send, write_bot

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def item(post_id, excerpt: str, article: str = "a", rank: int = 0) -> QueuedItem:
    return QueuedItem(
        post_id=post_id,
        article_id=article,
        excerpt_id=excerpt,
        article_added_at=T0,
        excerpt_rank=rank,
        article_sent_count=0,
        created_at=T0,
    )


def test_simulate_brings_excerpts_back_after_repeat_after():
    queue = [item(1, "e1", rank=0), item(2, "e2", rank=1)]
    slots = [T0 + timedelta(minutes=m) for m in range(6)]
    plan = simulate(
        queue,
        last_article_id=None,
        slots=slots,
        policy=ChannelPolicy("x", repeat_after=timedelta(minutes=3)),
    )
    chosen = [(c.excerpt_id, c.post_id) if c else None for _, c in plan]
    # minutes 0,1: the queue; 2: nothing due yet; 3: e1 is back (3 min after), 4: e2.
    assert chosen == [("e1", 1), ("e2", 2), None, ("e1", None), ("e2", None), None]


def test_simulate_uses_the_stores_pool_with_its_last_sent_times():
    pool = [(item(None, "old"), T0 - timedelta(days=100)), (item(None, "recent"), T0)]
    plan = simulate(
        [],
        last_article_id=None,
        slots=[T0 + timedelta(hours=1)],
        policy=ChannelPolicy("x", repeat_after=timedelta(days=90)),
        evergreen=pool,
    )
    assert [c.excerpt_id for _, c in plan] == ["old"]


def test_an_excerpt_touched_within_repeat_after_is_not_foreseen():
    plan = simulate(
        [],
        last_article_id=None,
        slots=[T0],
        policy=ChannelPolicy("x"),
        evergreen=[(item(None, "recent"), T0 - timedelta(days=89))],
    )
    assert plan == [(T0, None)]


def test_plan_shows_repeats_once_the_queue_is_sent(tmp_path):
    config = write_bot(
        tmp_path,
        CONFIG.replace(
            'schedule = { every = "10s" }', 'schedule = { every = "10s" }\nrepeat_after = "1m"'
        ),
    )
    ok("add", tmp_path / "posts", "--config", config)
    with open_store(config) as store:
        while store.queue_depths().get("fast"):
            send(store, "fast", datetime.now(UTC) - timedelta(minutes=5))
    report = invoke("plan", "--config", config, "--channel", "fast", "--limit", "6", "--json")
    slots = json.loads(report.stdout)["channels"]["fast"]["slots"]
    with open_store(config) as store:
        pool = len(store.evergreen_pool("fast"))
    assert pool >= 2
    # Everything went out 5 minutes ago: the whole pool is due, one excerpt per slot.
    assert all(s["repeat"] and s["excerpt"] and s["post_id"] is None for s in slots[:pool])
    assert len({s["excerpt_id"] for s in slots[:pool]}) == pool
    table = ok("plan", "--config", config, "--channel", "fast", "--limit", "3").stdout
    assert "repeat" in table and "(nothing queued)" not in table
