"""Post states, operator actions, channel state, and what `status`/`history` read back."""

from __future__ import annotations

import json

import pytest

from bot.errors import UserError
from bot.store import PostStatus, Store
from tests.store_support import X_TG, X, add, at, claim, send


@pytest.fixture
def store(database):  # an SQLite file, then a PostgreSQL database
    with Store.open(database) as store:
        yield store


@pytest.fixture
def post_ids(store):
    """Three queued posts on x."""
    add(store, "a", "a zero", "a one", "a two")
    return [p.id for p in store.queued("x")]


def status(store, post_id):
    return store.get_post(post_id).status


def test_mark_sent_records_the_remote_post_and_the_channel_last_sent(store, post_ids):
    claimed = claim(store, now=at(1))
    store.mark_sent(claimed.id, remote_id="123", remote_url="https://x.example/123", now=at(2))
    post = store.get_post(claimed.id)
    assert (post.status, post.remote_id, post.remote_url, post.sent_at) == (
        "sent",
        "123",
        "https://x.example/123",
        at(2),
    )
    assert store.channel_state("x").last_sent_at == at(2)


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (
            lambda s, i: s.mark_sent(i, remote_id=None, remote_url=None, now=at(1)),
            "is queued: only sending or unknown posts can be marked sent",
        ),
        (
            lambda s, i: s.mark_failed(i, error="x", now=at(1)),
            "is queued: only sending or unknown posts can be marked failed",
        ),
        (
            lambda s, i: s.mark_unknown(i, error="x", now=at(1)),
            "is queued: only sending posts can be marked unknown",
        ),
        (
            lambda s, i: s.requeue(i, now=at(1)),
            "is queued: only sending posts can be put back in the queue",
        ),
        (
            lambda s, i: s.resolve(i, sent=True, now=at(1)),
            "is queued: only unknown posts can be resolved",
        ),
        (
            lambda s, i: s.retry(i, now=at(1)),
            "is queued: only failed, unknown, skipped or cancelled posts can be retried",
        ),
        (
            lambda s, i: s.approve([i], now=at(1)),
            "is queued: only pending approval posts can be approved",
        ),
    ],
)
def test_transitions_from_the_wrong_state_say_why_in_one_line(store, post_ids, action, message):
    with pytest.raises(UserError) as caught:
        action(store, post_ids[0])
    assert str(caught.value) == f"post {post_ids[0]} {message}"
    assert status(store, post_ids[0]) == "queued"


def test_a_missing_post_is_named(store):
    with pytest.raises(UserError, match=r"^no post 999 in the database$"):
        store.retry(999, now=at(1))
    with pytest.raises(UserError, match=r"^no post 999 in the database$"):
        store.get_post(999)


def test_a_sent_post_cannot_be_skipped_retried_or_sent_again(store, post_ids):
    sent = send(store, now=at(1))
    for action in (
        lambda: store.skip(sent.id, now=at(2)),
        lambda: store.retry(sent.id, now=at(2)),
        lambda: store.mark_sent(sent.id, remote_id="2", remote_url=None, now=at(2)),
    ):
        with pytest.raises(UserError, match=f"post {sent.id} is sent"):
            action()


def test_resolve_unknown_as_sent_or_back_to_the_queue(store, post_ids):
    first = claim(store, now=at(1))
    store.mark_unknown(first.id, error="read timeout", now=at(1))
    store.resolve(first.id, sent=True, now=at(5))
    post = store.get_post(first.id)
    assert (post.status, post.sent_at, post.error) == ("sent", at(1), None)

    second = claim(store, now=at(6))
    store.mark_unknown(second.id, error="read timeout", now=at(6))
    store.resolve(second.id, sent=False, now=at(7))
    assert status(store, second.id) == "queued"
    assert claim(store, now=at(8)).id == second.id


def test_failed_posts_can_be_retried_and_skipped(store, post_ids):
    claimed = claim(store, now=at(1))
    store.mark_failed(claimed.id, error="403 text too long", now=at(1))
    assert store.get_post(claimed.id).error == "403 text too long"
    store.retry(claimed.id, now=at(2))
    assert (status(store, claimed.id), store.get_post(claimed.id).error) == ("queued", None)
    store.skip(claimed.id, now=at(3))
    assert status(store, claimed.id) == "skipped"
    store.retry(claimed.id, now=at(4))
    assert status(store, claimed.id) == "queued"


def test_mark_skipped_from_sending(store, post_ids):
    claimed = claim(store, now=at(1))
    store.mark_skipped(claimed.id, reason="duplicate: already posted", now=at(1))
    assert store.get_post(claimed.id).error == "duplicate: already posted"


def test_approve_by_ids_by_channel_or_all(store):
    add(store, "a", "a zero", "a one", channels=[("x", True), ("tg", True)])
    add(store, "b", "b zero", channels=[("x", True), ("tg", True)])
    pending_x = [p.id for p in store.queued("x")]
    assert store.approve([pending_x[0]], now=at(1)) == [pending_x[0]]
    assert store.queue_depths() == {"x": 1}
    assert store.approve(channel="x", now=at(2)) == pending_x[1:]
    assert store.queue_depths() == {"x": 3}
    assert len(store.approve(now=at(3))) == 3
    assert store.queue_depths() == {"x": 3, "tg": 3}
    assert store.approve(now=at(4)) == []


def test_pending_posts_are_never_claimed(store):
    add(store, "a", "a zero", channels=[("x", True)])
    assert claim(store, now=at(1)) is None


def test_channel_state_pause_resume_errors_and_slots(store):
    assert store.channel_state("x").paused is False
    store.pause_channel("x", reason="401 Unauthorized", now=at(1))
    state = store.channel_state("x")
    assert (state.paused, state.paused_reason, state.paused_at) == (True, "401 Unauthorized", at(1))
    store.record_channel_error("x", error="connection refused", now=at(2))
    store.set_last_slot("x", at(3))
    store.resume_channel("x", now=at(4))
    state = store.channel_state("x")
    assert (
        state.paused,
        state.paused_reason,
        state.last_error,
        state.last_error_at,
        state.last_slot_at,
    ) == (False, None, "connection refused", at(2), at(3))


def test_record_attempt_is_kept_with_its_duration(store, post_ids):
    claimed = claim(store, now=at(1))
    first = store.record_attempt(
        claimed.id,
        started_at=at(1),
        finished_at=at(1.0001),
        outcome="NotDeliveredError",
        error="connection refused",
    )
    second = store.record_attempt(
        claimed.id, started_at=at(1.001), finished_at=at(1.002), outcome="sent", error=None
    )
    assert second > first
    tries = store.attempts(claimed.id)
    assert [(t.id, t.outcome, t.error, t.duration_ms) for t in tries] == [
        (first, "NotDeliveredError", "connection refused", 360),
        (second, "sent", None, 3600),
    ]
    assert store.attempts(claimed.id + 100) == []


def test_status_summary_per_channel(store):
    add(store, "a", "a zero", "a one", "a two", channels=X_TG)
    add(store, "b", "b zero", channels=[("tg", True)])
    sent = send(store, "x", now=at(1))
    failed = claim(store, "x", now=at(2))
    store.mark_failed(failed.id, error="rejected", now=at(2))
    store.record_channel_error("x", error="rejected", now=at(2))
    store.pause_channel("tg", reason="401", now=at(3))

    summary = store.status_summary(channels=["x", "tg", "mastodon"])
    assert list(summary) == ["mastodon", "tg", "x"]
    x = summary["x"]
    assert (x.queue_depth, x.pending_approval, x.paused) == (1, 0, False)
    assert (x.last_sent_at, x.last_sent_post_id, x.last_sent_remote_url) == (
        at(1),
        sent.id,
        f"https://x.example/{sent.id}",
    )
    assert (x.last_error, x.last_error_at) == ("rejected", at(2))
    assert x.counts == {s.value: 0 for s in PostStatus} | {"queued": 1, "sent": 1, "failed": 1}
    tg = summary["tg"]
    assert (tg.queue_depth, tg.pending_approval, tg.paused, tg.paused_reason) == (3, 1, True, "401")
    assert tg.last_sent_at is None
    assert summary["mastodon"].counts["queued"] == 0
    data = json.loads(json.dumps({name: s.to_dict() for name, s in summary.items()}))
    assert data["x"]["last_sent_at"] == "2025-03-01T10:00:00+00:00"


def test_history_newest_first_with_filters_and_json_shape(store):
    add(store, "a", "a zero", "a one", "a two", channels=X, title="Cytokines")
    first = send(store, now=at(1))
    second = send(store, now=at(2))
    everything = store.history()
    assert [p.id for p in everything[:2]] == [second.id, first.id]
    assert len(everything) == 3
    assert [p.id for p in store.history(status="sent", limit=1)] == [second.id]
    assert store.history(channel="tg") == []
    record = store.history(limit=1)[0].to_dict()
    assert {
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
        "created_at",
        "excerpt_text",
        "article_title",
    } <= set(record)
    assert record["article_title"] == "Cytokines"
    assert record["sent_at"] == "2025-03-01T11:00:00+00:00"
    json.dumps(record)


def test_queued_lists_waiting_posts(store):
    add(store, "a", "a zero", "a one", channels=[*X, ("tg", True)])
    assert len(store.queued()) == 4
    assert len(store.queued(include_pending=False)) == 2
    assert len(store.queued("x", limit=1)) == 1


def test_naive_datetimes_are_refused(store):
    from datetime import datetime

    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError, match="timezone-aware"):
        add(store, "a", "a zero", channels=X, now=datetime(2025, 1, 1))
