"""The Mastodon channel end to end: the real dispatcher and store, real Mastodon.py, the
fake instance.

What a user sees: each post goes out once — a 5xx, a timeout or a dropped connection is
retried under the same Idempotency-Key and the instance keeps one status — a rate limit is
waited out, a refused token pauses the channel, a refused status fails alone with the
instance's reason.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.platforms.mastodon import PLATFORM, MastodonChannel
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
from tests.fakes.mastodon_api import (
    TOKEN,
    FakeMastodon,
    created_then,
    created_then_dropped,
    dropped,
    forbidden,
    mastodon_api_fixture,  # noqa: F401  (the fixture `mastodon_api`)
    rate_limited,
    server_error,
    slow,
    unauthorized,
    unprocessable,
)

pytestmark = pytest.mark.timeout(30)

QUEUED = len(PARAGRAPHS)
TIMEOUT = 0.5  # the channel's request timeout: a `slow(1.5)` answer outlasts it


@pytest.fixture
def store(tmp_path):
    yield from stored(tmp_path, cytokines(), channels=[("toot", False), ("tg", False)])


def toot(mastodon_api: FakeMastodon, token: str = TOKEN) -> MastodonChannel:
    return MastodonChannel("toot", instance=mastodon_api.url, access_token=token, timeout=TIMEOUT)


def dispatch(store, channel: MastodonChannel, clock: Clock, times: int = 1) -> list[str]:
    """Run `times` slots of the channel through the real dispatcher, with the platform's
    own capabilities (idempotency keys, honoured for an hour)."""
    capabilities = PLATFORM.capabilities
    dispatcher = make_dispatcher(
        store,
        channel,
        clock,
        idempotent=capabilities.idempotency_keys,
        idempotency_window=capabilities.idempotency_window,
    )
    return run_slots(dispatcher, "toot", times)


def outcomes(store, post) -> list[str]:
    return [a.outcome for a in store.attempts(post.id)]


def keys(mastodon_api: FakeMastodon) -> list[str]:
    return [r.headers.get("idempotency-key") for r in mastodon_api.posts()]


def test_each_post_goes_out_once_with_its_status_id_and_url(store, mastodon_api: FakeMastodon):
    assert dispatch(store, toot(mastodon_api), Clock(), times=QUEUED) == ["sent"] * QUEUED
    sent = store.history(channel="toot", status="sent")
    assert sorted(mastodon_api.texts) == sorted(p.text for p in sent)
    by_id = {s["id"]: s for s in mastodon_api.statuses}
    assert {p.remote_id for p in sent} == set(by_id)
    assert all(p.remote_url == by_id[p.remote_id]["url"] for p in sent)
    assert all(URL in text for text in mastodon_api.texts)
    assert len(set(keys(mastodon_api))) == QUEUED and None not in keys(mastodon_api)
    assert store.queue_depths()["tg"] == QUEUED


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(created_then(500), id="500 after the status was created"),
        pytest.param(created_then(502), id="502 after the status was created"),
        pytest.param(server_error(500), id="500 before"),
        pytest.param(server_error(503), id="503 before"),
        pytest.param(slow(1.5), id="an answer slower than the timeout"),
        pytest.param(dropped(), id="dropped before it was handled"),
        pytest.param(created_then_dropped(), id="created, then dropped"),
    ],
)
def test_an_ambiguous_failure_is_retried_under_the_same_key_and_posts_once(
    store, mastodon_api: FakeMastodon, failure
):
    mastodon_api.script(failure)
    assert dispatch(store, toot(mastodon_api), Clock()) == ["sent"]
    post = only_post(store, "sent", channel="toot")
    assert mastodon_api.texts == [post.text]  # exactly one status
    assert post.remote_id == mastodon_api.statuses[0]["id"]
    [first, second] = keys(mastodon_api)
    assert first == second  # the retry went under the same key
    assert outcomes(store, post) == ["AmbiguousError", "sent"]


def test_the_next_post_goes_under_a_key_of_its_own(store, mastodon_api: FakeMastodon):
    mastodon_api.script(created_then(500))
    assert dispatch(store, toot(mastodon_api), Clock(), times=2) == ["sent", "sent"]
    assert len(mastodon_api.statuses) == 2
    first, retry, second = keys(mastodon_api)
    assert first == retry != second


def test_ambiguous_until_the_grace_ends_leaves_the_post_unknown(store, mastodon_api):
    mastodon_api.script(*[server_error(503)] * 100)
    clock = Clock()
    assert dispatch(store, toot(mastodon_api), clock) == ["unknown"]
    post = only_post(store, "unknown", channel="toot")
    assert "503" in post.error
    assert mastodon_api.statuses == []
    assert len(set(keys(mastodon_api))) == 1 and len(keys(mastodon_api)) >= 3
    assert clock.now - T0 <= timedelta(minutes=10)  # within the slot's grace


def test_a_rate_limit_is_waited_out_then_the_post_goes_once(store, mastodon_api):
    mastodon_api.script(rate_limited(reset_in=90))
    clock = Clock()
    assert dispatch(store, toot(mastodon_api), clock) == ["sent"]
    # The reset is a wall-clock time fixed before the dispatch starts: on a busy machine
    # some seconds of it pass before the wait begins.
    assert timedelta(seconds=60) <= clock.now - T0 <= timedelta(seconds=93)
    post = only_post(store, "sent", channel="toot")
    assert mastodon_api.texts == [post.text]
    assert outcomes(store, post) == ["RateLimitedError", "sent"]


def test_a_rate_limit_past_the_grace_puts_the_post_back(store, mastodon_api: FakeMastodon):
    mastodon_api.script(rate_limited(reset_in=3600))
    assert dispatch(store, toot(mastodon_api), Clock()) == ["requeued"]
    assert store.queue_depths()["toot"] == QUEUED
    assert mastodon_api.statuses == []


@pytest.mark.parametrize("refusal, code", [(unauthorized(), "401"), (forbidden(), "403")])
def test_a_refused_token_pauses_the_channel_and_keeps_its_posts(store, mastodon_api, refusal, code):
    mastodon_api.script(refusal)
    assert dispatch(store, toot(mastodon_api), Clock(), times=2) == ["paused", "paused"]
    state = store.channel_state("toot")
    assert state.paused and code in state.paused_reason
    assert "access token" in state.paused_reason
    assert store.queue_depths() == {"toot": QUEUED, "tg": QUEUED}
    assert len(mastodon_api.requests) == 1


def test_a_wrong_token_pauses_the_channel(store, mastodon_api: FakeMastodon):
    channel = toot(mastodon_api, token="revoked-mastodon-token-0d9e")
    assert dispatch(store, channel, Clock()) == ["paused"]
    assert "401" in store.channel_state("toot").paused_reason
    assert mastodon_api.statuses == []


def test_a_status_the_instance_refuses_fails_alone_with_its_reason(store, mastodon_api):
    mastodon_api.script(unprocessable("Validation failed: Text character limit of 500 exceeded"))
    assert dispatch(store, toot(mastodon_api), Clock(), times=2) == ["failed", "sent"]
    failed = only_post(store, "failed", channel="toot")
    assert "422" in failed.error and "character limit of 500 exceeded" in failed.error
    assert mastodon_api.texts == [only_post(store, "sent", channel="toot").text]


def test_an_instance_that_refuses_connections_gets_the_post_back_in_the_queue(store):
    down = FakeMastodon()
    down.start()
    url = down.url
    down.stop()  # nothing listens there any more: every connect is refused
    channel = MastodonChannel("toot", instance=url, access_token=TOKEN, timeout=TIMEOUT)
    assert dispatch(store, channel, Clock()) == ["requeued"]
    assert store.queue_depths()["toot"] == QUEUED
    assert store.history(channel="toot", status="unknown") == []
