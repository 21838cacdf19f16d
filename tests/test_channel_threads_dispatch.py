"""The Threads channel end to end: the real dispatcher and store (the channel's memory in
it), real httpx, the fake Threads API.

What a user sees: each post is a container then its publication, once; the container is
kept before publishing, so a publish that may have gone out (a 5xx, a timeout, a dropped
connection) is settled by the container's status and never published twice; a failure
while creating the container just makes another; rate limits wait; an expired token
pauses the channel; a text Threads refuses fails alone with its reason.
"""

from __future__ import annotations

import pytest

from bot.offloop import StoredMemory
from bot.platforms.threads import PLATFORM, ThreadsChannel
from tests.dispatch_support import (
    PARAGRAPHS,
    URL,
    Clock,
    cytokines,
    make_dispatcher,
    only_post,
    run_slots,
    stored,
)
from tests.fakes.graph import (
    Answer,
    created_then,
    created_then_dropped,
    dropped,
    graph_error,
    rate_limited_graph,
    server_error,
    timeout,
    too_many,
)
from tests.fakes.threads_api import (
    TOKEN,
    FakeThreads,
    threads_api_fixture,  # noqa: F401  (the fixture `threads_api`)
)

pytestmark = pytest.mark.timeout(30)

QUEUED = len(PARAGRAPHS)
TIMEOUT = 1.0  # the channel's request timeout: a `timeout(2.5)` answer outlasts it
CREATE = ("POST", "/v1.0/me/threads")
PUBLISH = ("POST", "/v1.0/me/threads_publish")


@pytest.fixture
def store(tmp_path):
    yield from stored(tmp_path, cytokines(), channels=[("th", False)])


def profile(threads_api: FakeThreads, token: str = TOKEN) -> ThreadsChannel:
    return ThreadsChannel("th", access_token=token, api_base_url=threads_api.url, timeout=TIMEOUT)


def dispatch(store, channel: ThreadsChannel, clock: Clock, times: int = 1) -> list[str]:
    capabilities = PLATFORM.capabilities
    dispatcher = make_dispatcher(
        store,
        channel,
        clock,
        idempotent=capabilities.idempotency_keys,
        idempotency_window=capabilities.idempotency_window,
    )
    channel.memory = StoredMemory(dispatcher.db, "th", clock)
    channel.clock = clock
    return run_slots(dispatcher, "th", times)


def outcomes(store, post) -> list[str]:
    return [a.outcome for a in store.attempts(post.id)]


def test_each_post_is_a_container_then_its_publication_once(store, threads_api):
    assert dispatch(store, profile(threads_api), Clock(), times=QUEUED) == ["sent"] * QUEUED
    sent = store.history(channel="th", status="sent")
    assert sorted(threads_api.texts) == sorted(p.text for p in sent)
    by_id = {p["id"]: p for p in threads_api.state.published}
    assert {p.remote_id for p in sent} == set(by_id)
    assert all(p.remote_url == by_id[p.remote_id]["permalink"] for p in sent)
    assert {c.link for c in threads_api.containers} == {URL}
    assert all(r.form["media_type"] == "TEXT" for r in threads_api.at(*CREATE))
    assert len(threads_api.containers) == QUEUED  # no container left behind


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(created_then(500, where=PUBLISH), id="500 after publishing"),
        pytest.param(server_error(503, where=PUBLISH), id="503 before publishing"),
        pytest.param(timeout(2.5, where=PUBLISH), id="published, answered too late"),
        pytest.param(dropped(where=PUBLISH), id="dropped before publishing"),
        pytest.param(created_then_dropped(where=PUBLISH), id="published, then dropped"),
    ],
)
def test_a_publish_that_may_be_out_is_settled_by_the_container_s_status(
    store, threads_api, failure
):
    threads_api.script(failure)
    assert dispatch(store, profile(threads_api), Clock()) == ["sent"]
    post = only_post(store, "sent", channel="th")
    assert threads_api.texts == [post.text]  # published once
    [container] = threads_api.containers  # and one container: the one kept
    assert post.remote_id == container.media
    assert post.remote_url == threads_api.state.published[0]["permalink"]
    tries = outcomes(store, post)  # (a busy machine may time out a retry too)
    assert tries[0] == "AmbiguousError" and tries[-1] == "sent"
    assert threads_api.calls("GET", f"/v1.0/{container.id}")  # its status was asked


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(created_then(500, where=CREATE), id="500 after creating the container"),
        pytest.param(timeout(2.5, where=CREATE), id="container created, answered too late"),
        pytest.param(dropped(where=CREATE), id="dropped while creating"),
    ],
)
def test_a_failure_creating_the_container_just_makes_another(store, threads_api, failure):
    threads_api.script(failure)
    assert dispatch(store, profile(threads_api), Clock()) == ["sent"]
    post = only_post(store, "sent", channel="th")
    assert threads_api.texts == [post.text]
    tries = outcomes(store, post)
    assert tries[0] == "NotDeliveredError" and tries[-1] == "sent"  # never ambiguous


def test_a_kill_between_the_two_steps_publishes_the_kept_container(tmp_path, threads_api):
    """The daemon dies after the container was created and kept: the next try publishes
    that container (FINISHED), never a second one."""
    gen = stored(tmp_path, cytokines(), channels=[("th", False)])
    store = next(gen)
    threads_api.script(
        Answer(handle=True, where=CREATE),
        Answer(503, {"error": {"message": "down", "code": 2}}, where=PUBLISH),
        *[dropped(where=PUBLISH)] * 30,
    )
    assert dispatch(store, profile(threads_api), Clock()) == ["requeued"]
    assert threads_api.texts == [] and len(threads_api.containers) == 1
    threads_api.unscript()
    assert dispatch(store, profile(threads_api), Clock()) == ["sent"]
    assert len(threads_api.containers) == 1 and len(threads_api.texts) == 1
    next(gen, None)


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param(rate_limited_graph(4, status=403, where=PUBLISH), id="code 4 on a 403"),
        pytest.param(rate_limited_graph(17, status=400, where=PUBLISH), id="code 17"),
        pytest.param(too_many(30, where=PUBLISH), id="429"),
    ],
)
def test_a_rate_limit_waits_and_publishes_the_same_container(store, threads_api, limit):
    threads_api.script(limit)
    assert dispatch(store, profile(threads_api), Clock()) == ["sent"]
    assert len(threads_api.texts) == 1 and len(threads_api.containers) == 1
    assert outcomes(store, only_post(store, "sent", channel="th")) == ["RateLimitedError", "sent"]


def test_an_expired_token_pauses_the_channel(store, threads_api: FakeThreads):
    channel = profile(threads_api, token="THAAexpired-token-5e6f7a8b")
    assert dispatch(store, channel, Clock()) == ["paused"]
    state = store.channel_state("th")
    assert "code 190" in state.paused_reason and "long-lived token" in state.paused_reason
    assert "THAAexpired-token-5e6f7a8b" not in state.paused_reason
    assert store.queue_depths()["th"] == QUEUED


def test_a_text_threads_refuses_fails_alone_with_its_reason(store, threads_api):
    threads_api.script(
        graph_error(100, "Param text must be at most 500 characters long.", where=CREATE)
    )
    assert dispatch(store, profile(threads_api), Clock(), times=2) == ["failed", "sent"]
    assert "at most 500 characters" in only_post(store, "failed", channel="th").error
