"""Dispatch: what happens to a post for each answer a platform can give.

A scripted channel stands in for the platform (the real platforms' adapters are tested
against fake servers); the store is the real one, on a temporary SQLite file, and the
clock is a fake one that the retry waits advance.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.dispatch import Dispatcher
from bot.errors import (
    AmbiguousError,
    AuthError,
    DuplicateError,
    NotDeliveredError,
    RateLimitedError,
    RejectedError,
)
from bot.excerpt import excerpt_article
from bot.platforms import Channel, Delivery, OutgoingPost
from tests.dispatch_support import PARAGRAPHS as FIRST_PARAGRAPHS
from tests.dispatch_support import (
    T0,
    Clock,
    cytokines,
    make_dispatcher,
    only_post,
    run_slots,
    stored,
)

PARAGRAPHS = (
    *FIRST_PARAGRAPHS,
    "Macrophages release tumour necrosis factor when they meet bacterial fragments.",
    "Regulatory T cells calm an immune response once an infection has been cleared.",
)
QUEUED = len(PARAGRAPHS)


class ScriptedChannel(Channel):
    """Answers each send with the next item of `script`: an exception, or a delivery."""

    def __init__(self, name: str, script: list) -> None:
        self.name = name
        self.script = list(script)
        self.sent: list[OutgoingPost] = []

    async def send(self, post: OutgoingPost) -> Delivery:
        self.sent.append(post)
        answer = self.script.pop(0) if self.script else Delivery("remote-1", "https://p/1")
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def check(self) -> str:
        return "scripted"


@pytest.fixture
def store(tmp_path):
    article = cytokines(PARAGRAPHS)
    excerpts = excerpt_article(article, max_length=200)
    assert len(excerpts) == QUEUED
    yield from stored(tmp_path, article, excerpts=excerpts, channels=[("x", False), ("tg", False)])


def dispatcher(store, clock, script, **policy) -> tuple[Dispatcher, ScriptedChannel]:
    channel = ScriptedChannel("x", script)
    return make_dispatcher(store, channel, clock, **policy), channel


def run(coro):
    return asyncio.run(coro)


def test_sent_post_records_remote_id_and_url(store):
    clock = Clock()
    d, channel = dispatcher(store, clock, [Delivery("123", "https://x.com/i/status/123")])
    assert run(d.dispatch("x")) == "sent"
    post = only_post(store, "sent")
    assert (post.remote_id, post.remote_url) == ("123", "https://x.com/i/status/123")
    assert channel.sent[0].text == post.text and "https://blog.example.org/cytokines/" in post.text
    assert store.queue_depths()["tg"] == QUEUED  # the other channel is untouched


def test_rate_limit_is_honoured_then_sent(store):
    clock = Clock()
    d, channel = dispatcher(store, clock, [RateLimitedError("429", retry_after=90)])
    assert run(d.dispatch("x")) == "sent"
    assert clock.now - T0 == timedelta(seconds=90)
    assert len(channel.sent) == 2
    assert [a.outcome for a in store.attempts(only_post(store, "sent").id)] == [
        "RateLimitedError",
        "sent",
    ]


def test_connection_refused_is_retried_with_backoff(store):
    clock = Clock()
    d, channel = dispatcher(store, clock, [NotDeliveredError("refused")] * 3)
    assert run(d.dispatch("x")) == "sent"
    assert len(channel.sent) == 4


def test_retries_stop_at_the_slots_grace_and_requeue(store):
    clock = Clock()
    d, _ = dispatcher(store, clock, [RateLimitedError("slow down", retry_after=3600)])
    assert run(d.dispatch("x")) == "requeued"
    assert store.history(channel="x", status="sent") == []
    assert store.queue_depths()["x"] == QUEUED


def test_ambiguous_failure_marks_unknown_and_is_not_resent(store):
    clock = Clock()
    d, channel = dispatcher(store, clock, [AmbiguousError("read timeout")])
    assert run(d.dispatch("x")) == "unknown"
    assert len(channel.sent) == 1
    assert "read timeout" in only_post(store, "unknown").error


def test_on_unknown_retry_prefers_a_duplicate_to_a_gap(store):
    clock = Clock()
    d, channel = dispatcher(store, clock, [AmbiguousError("502")], on_unknown="retry")
    assert run(d.dispatch("x")) == "sent"
    assert len(channel.sent) == 2


def test_x_ambiguous_then_duplicate_means_the_first_went_out(store):
    clock = Clock()
    d, channel = dispatcher(
        store, clock, [AmbiguousError("503"), DuplicateError("duplicate")], proves_duplicates=True
    )
    assert run(d.dispatch("x")) == "sent"
    assert only_post(store, "sent").remote_id is None
    assert len(channel.sent) == 2


def test_duplicate_on_a_first_attempt_is_skipped(store):
    clock = Clock()
    d, _ = dispatcher(store, clock, [DuplicateError("duplicate content")], proves_duplicates=True)
    assert run(d.dispatch("x")) == "skipped"
    assert "duplicate" in only_post(store, "skipped").error


def test_rejected_post_fails_with_the_platforms_reason(store):
    clock = Clock()
    d, _ = dispatcher(store, clock, [RejectedError("Bad Request: can't parse entities")])
    assert run(d.dispatch("x")) == "failed"
    assert only_post(store, "failed").error == "Bad Request: can't parse entities"
    assert run(d.dispatch("x")) == "sent"  # the next post still goes


def test_auth_failure_pauses_the_channel_and_keeps_the_post(store):
    clock = Clock()
    d, channel = dispatcher(store, clock, [AuthError("401 Unauthorized")])
    assert run(d.dispatch("x")) == "paused"
    state = store.channel_state("x")
    assert state.paused and "401" in state.paused_reason
    assert store.queue_depths()["x"] == QUEUED
    assert run(d.dispatch("x")) == "paused"
    assert len(channel.sent) == 1


def test_max_per_day_caps_a_rolling_day(store):
    clock = Clock()
    d, _ = dispatcher(store, clock, [], max_per_day=2)
    assert [run(d.dispatch("x")) for _ in range(3)] == ["sent", "sent", "capped"]
    clock.now += timedelta(hours=24, seconds=1)
    assert run(d.dispatch("x")) == "sent"


def test_shutdown_during_a_retry_wait_puts_the_post_back(store):
    clock = Clock()

    async def never_wake(seconds: float) -> None:
        await asyncio.Event().wait()

    d, _ = dispatcher(store, clock, [RateLimitedError("429", retry_after=30)])
    d.sleep = never_wake

    async def scenario():
        task = asyncio.create_task(d.dispatch("x"))
        for _ in range(500):  # until the dispatch sleeps before its retry (5 s at most)
            if d.waiting:
                break
            await asyncio.sleep(0.01)
        assert d.waiting
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(scenario())
    assert store.history(channel="x", status="sending") == []
    assert store.queue_depths()["x"] == QUEUED


def test_a_bug_in_an_adapter_marks_unknown_without_raising(store):
    clock = Clock()
    d, _ = dispatcher(store, clock, [KeyError("oops")])
    assert run(d.dispatch("x")) == "unknown"


def test_an_approval_channel_never_sends_a_repeat_nobody_approved(tmp_path):
    article = cytokines()
    opened = stored(tmp_path, article, channels=[("x", True)])
    store = next(opened)
    try:
        clock = Clock()
        d, channel = dispatcher(store, clock, [], require_approval=True)
        store.approve(now=T0)
        assert run_slots(d, "x", times=3) == ["sent"] * 3
        clock.now += timedelta(days=91)  # every excerpt is due to come back
        assert run_slots(d, "x", times=4) == ["awaiting_approval"] * 3 + ["empty"]
        assert len(channel.sent) == 3  # no repeat went out
        waiting = store.queued("x")
        assert [p.status for p in waiting] == ["pending_approval"] * 3
        assert len({p.excerpt_id for p in waiting}) == 3  # each excerpt waits once
        store.approve([waiting[0].id], now=clock.now)
        assert run_slots(d, "x", times=2) == ["sent", "empty"]
        assert channel.sent[-1].text == store.get_post(waiting[0].id).text
    finally:
        opened.close()


def test_an_idempotent_platform_retries_an_ambiguous_send_under_the_same_key(store):
    clock = Clock()
    d, channel = dispatcher(
        store, clock, [AmbiguousError("timeout"), AmbiguousError("502")], idempotent=True
    )
    assert run(d.dispatch("x")) == "sent"
    keys = {post.key for post in channel.sent}
    assert len(channel.sent) == 3 and len(keys) == 1 and None not in keys
    assert only_post(store, "sent").id == channel.sent[0].id


def test_a_key_that_holds_forever_lets_the_post_wait_for_its_next_slot(store):
    clock = Clock()
    d, channel = dispatcher(
        store, clock, [AmbiguousError("timeout")] * 50, idempotent=True, grace=timedelta(seconds=30)
    )
    assert run(d.dispatch("x")) == "requeued"
    first_key = channel.sent[0].key
    d2, again = dispatcher(store, clock, [], idempotent=True)
    assert run(d2.dispatch("x")) == "sent"
    assert again.sent[0].key == first_key and again.sent[0].id == channel.sent[0].id


def test_a_key_the_platform_forgets_makes_a_post_unknown_when_the_grace_runs_out(store):
    clock = Clock()
    d, _ = dispatcher(
        store,
        clock,
        [AmbiguousError("timeout")] * 50,
        idempotent=True,
        idempotency_window=timedelta(hours=1),
        grace=timedelta(seconds=30),
    )
    assert run(d.dispatch("x")) == "unknown"
    assert "timeout" in only_post(store, "unknown").error
