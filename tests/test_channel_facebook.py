"""The Facebook Pages channel end to end: the real dispatcher and store (the channel's
memory in it), real httpx, the fake Graph API.

What a user sees: each post goes to the Page once with its message and link, its id and
URL recorded; a Graph rate limit (a 403 with code 32, a 429) is waited out; a send that may
have gone out (a 5xx, a timeout, a dropped connection) is settled from the Page's feed and
never posted twice; an expired token or a missing permission pauses the channel with one
line; a post Facebook refuses fails alone with Facebook's reason.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.offloop import StoredMemory
from bot.platforms.facebook import PLATFORM, FacebookChannel
from tests.dispatch_support import (
    PARAGRAPHS,
    T0,
    URL,
    Clock,
    cytokines,
    make_dispatcher,
    only_post,
    run_slots,
    stored,
)
from tests.fakes.facebook_api import (
    PAGE_ID,
    TOKEN,
    FakeFacebook,
    facebook_api_fixture,  # noqa: F401  (the fixture `facebook_api`)
)
from tests.fakes.graph import (
    created_then,
    created_then_dropped,
    dropped,
    graph_error,
    rate_limited_graph,
    server_error,
    timeout,
    too_many,
)

pytestmark = pytest.mark.timeout(30)

QUEUED = len(PARAGRAPHS)
TIMEOUT = 1.0  # the channel's request timeout: a `timeout(2.5)` answer outlasts it
FEED = ("POST", f"/v23.0/{PAGE_ID}/feed")
READ_FEED = ("GET", f"/v23.0/{PAGE_ID}/feed")


@pytest.fixture
def store(tmp_path):
    yield from stored(tmp_path, cytokines(), channels=[("fb", False)])


def page(facebook_api: FakeFacebook, token: str = TOKEN) -> FacebookChannel:
    return FacebookChannel(
        "fb", page_id=PAGE_ID, page_token=token, api_base_url=facebook_api.url, timeout=TIMEOUT
    )


def dispatch(store, channel: FacebookChannel, clock: Clock, times: int = 1) -> list[str]:
    """`times` slots through the real dispatcher, with the platform's capabilities and the
    channel's memory in the store."""
    capabilities = PLATFORM.capabilities
    dispatcher = make_dispatcher(
        store,
        channel,
        clock,
        idempotent=capabilities.idempotency_keys,
        idempotency_window=capabilities.idempotency_window,
    )
    channel.memory = StoredMemory(dispatcher.db, "fb", clock)
    channel.clock = clock
    return run_slots(dispatcher, "fb", times)


def outcomes(store, post) -> list[str]:
    return [a.outcome for a in store.attempts(post.id)]


def test_each_post_goes_to_the_page_once_with_its_link_id_and_url(store, facebook_api):
    assert dispatch(store, page(facebook_api), Clock(), times=QUEUED) == ["sent"] * QUEUED
    sent = store.history(channel="fb", status="sent")
    assert sorted(facebook_api.messages) == sorted(p.text for p in sent)
    by_id = {p["id"]: p for p in facebook_api.posts}
    assert {p.remote_id for p in sent} == set(by_id)
    assert all(p.remote_url == by_id[p.remote_id]["permalink_url"] for p in sent)
    assert {p["link"] for p in facebook_api.posts} == {URL}
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in facebook_api.feed_posts())


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(created_then(500, where=FEED), id="500 after the post was created"),
        pytest.param(created_then(503, where=FEED), id="503 after the post was created"),
        pytest.param(server_error(500, where=FEED), id="500 before"),
        pytest.param(timeout(2.5, where=FEED), id="an answer slower than the timeout"),
        pytest.param(dropped(where=FEED), id="dropped before it was handled"),
        pytest.param(created_then_dropped(where=FEED), id="created, then dropped"),
    ],
)
def test_a_send_that_may_be_out_is_settled_from_the_feed_and_posts_once(
    store, facebook_api: FakeFacebook, failure
):
    facebook_api.script(failure)
    assert dispatch(store, page(facebook_api), Clock()) == ["sent"]
    post = only_post(store, "sent", channel="fb")
    assert facebook_api.messages == [post.text]  # exactly one post on the Page
    assert post.remote_id == facebook_api.posts[0]["id"]
    assert post.remote_url == facebook_api.posts[0]["permalink_url"]
    tries = outcomes(store, post)  # (a busy machine may time out a retry too)
    assert tries[0] == "AmbiguousError" and tries[-1] == "sent"
    assert facebook_api.calls(*READ_FEED)  # the retry read the feed first


def test_a_feed_that_cannot_be_read_never_leads_to_a_second_post(store, facebook_api):
    facebook_api.script(created_then(500, where=FEED), *[server_error(500, where=READ_FEED)] * 50)
    assert dispatch(store, page(facebook_api), Clock()) == ["requeued"]
    assert len(facebook_api.posts) == 1 and len(facebook_api.feed_posts()) == 1
    facebook_api.unscript()  # the next slot reads the feed again: found, and recorded
    assert dispatch(store, page(facebook_api), Clock()) == ["sent"]
    assert len(facebook_api.posts) == 1
    assert only_post(store, "sent", channel="fb").remote_id == facebook_api.posts[0]["id"]


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param(rate_limited_graph(32, status=403, where=FEED), id="code 32 on a 403"),
        pytest.param(rate_limited_graph(4, status=400, where=FEED), id="code 4 on a 400"),
        pytest.param(rate_limited_graph(613, status=400, where=FEED), id="code 613"),
    ],
)
def test_a_graph_rate_limit_is_waited_out_not_taken_for_an_auth_error(store, facebook_api, limit):
    clock = Clock()
    assert dispatch(store, page(facebook_api), clock) == ["sent"]  # the first, unhindered
    facebook_api.script(limit)
    assert dispatch(store, page(facebook_api), clock) == ["sent"]
    assert not store.channel_state("fb").paused
    assert len(facebook_api.posts) == 2
    second = max(store.history(channel="fb", status="sent"), key=lambda p: p.id)
    assert outcomes(store, second) == ["RateLimitedError", "sent"]


def test_a_429_waits_as_long_as_it_says(store, facebook_api: FakeFacebook):
    facebook_api.script(too_many(90, where=FEED))
    clock = Clock()
    assert dispatch(store, page(facebook_api), clock) == ["sent"]
    assert clock.now - T0 == timedelta(seconds=90)
    assert len(facebook_api.posts) == 1


def test_a_rate_limit_past_the_grace_puts_the_post_back(store, facebook_api: FakeFacebook):
    facebook_api.script(rate_limited_graph(32, minutes=60, where=FEED))
    assert dispatch(store, page(facebook_api), Clock()) == ["requeued"]
    assert store.queue_depths()["fb"] == QUEUED and facebook_api.posts == []


def test_an_expired_token_pauses_the_channel_with_one_line(store, facebook_api):
    channel = page(facebook_api, token="EAAexpiredPageToken-0d9e8f7a")
    assert dispatch(store, channel, Clock(), times=2) == ["paused", "paused"]
    state = store.channel_state("fb")
    assert state.paused and "code 190" in state.paused_reason
    assert "Page access token" in state.paused_reason and "\n" not in state.paused_reason
    assert "EAAexpiredPageToken-0d9e8f7a" not in state.paused_reason
    assert store.queue_depths()["fb"] == QUEUED and facebook_api.posts == []


def test_a_missing_permission_pauses_the_channel(store, facebook_api: FakeFacebook):
    facebook_api.scopes = ["pages_read_engagement"]
    assert dispatch(store, page(facebook_api), Clock()) == ["paused"]
    assert "code 200" in store.channel_state("fb").paused_reason


def test_a_post_facebook_refuses_fails_alone_with_its_reason(store, facebook_api):
    facebook_api.script(graph_error(100, "(#100) The link could not be posted", where=FEED))
    assert dispatch(store, page(facebook_api), Clock(), times=2) == ["failed", "sent"]
    failed = only_post(store, "failed", channel="fb")
    assert "The link could not be posted" in failed.error and "code 100" in failed.error
    assert len(facebook_api.posts) == 1


def test_a_page_that_refuses_connections_gets_the_post_back_in_the_queue(store):
    down = FakeFacebook()
    down.start()
    url = down.url
    down.stop()
    channel = FacebookChannel(
        "fb", page_id=PAGE_ID, page_token=TOKEN, api_base_url=url, timeout=TIMEOUT
    )
    assert dispatch(store, channel, Clock()) == ["requeued"]
    assert store.history(channel="fb", status="unknown") == []
