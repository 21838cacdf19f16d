"""The Bluesky channel end to end: the real dispatcher and store, the real atproto client,
the fake PDS.

What a user sees: each post goes out exactly once (counted on the PDS) whatever fails on
the way — a 5xx before or after the record is made, an answer slower than the timeout, a
dropped connection — because each post has its own record key and the next try looks it
up first; a rate limit is waited out; an expired session is refreshed, a refused refresh
logs in again, a refused login pauses the channel; a post Bluesky refuses fails with
Bluesky's reason.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.article import Article
from bot.platforms.bluesky import BlueskyChannel
from bot.render.facets import bluesky_facets
from bot.render.template import Span
from bot.store import Rendered
from tests.dispatch_support import T0, Clock, make_dispatcher, only_post, run_slots, stored
from tests.fakes.bluesky_api import (
    APP_PASSWORD,
    HANDLE,
    FakeBlueskyPds,
    bluesky_api_fixture,  # noqa: F401  (the fixture `bluesky_api`)
    dropped,
    invalid,
    rate_limited,
    server_error,
    slow,
)

pytestmark = pytest.mark.timeout(30)

URL = "https://blog.example.org/cytokines/?utm_source=excerpt-bot"
PARAGRAPHS = (
    "Cytokines — small proteins — carry messages between immune cells in the body.",
    "Interleukin‑6 rises within hours of an infection and drives the fever response 🌡️.",
    "Chronic inflammation keeps cytokine levels high for months in some patients.",
)
QUEUED = len(PARAGRAPHS)


def article() -> Article:
    return Article(
        id="a1",
        title="Cytokines: the body’s messengers",
        paragraphs=PARAGRAPHS,
        source="a.md",
        url="https://blog.example.org/cytokines/",
        language="en",
    )


def render(channel: str, article: Article, excerpt) -> Rendered:
    """As the bluesky profile renders: the excerpt, the title, the link, a hashtag."""
    text = f"{excerpt.text}\n\n{article.title}\n{URL}\n#immunology"
    start = text.index(URL)
    spans = (Span("url", start, start + len(URL)), Span("hashtags", text.index("#immu"), len(text)))
    return Rendered(
        text,
        None,
        link=URL,
        facets=bluesky_facets(text, spans),
        language=article.language,
        card={"uri": URL, "title": article.title, "description": PARAGRAPHS[0]},
    )


@pytest.fixture
def store(tmp_path):
    yield from stored(tmp_path, article(), channels=[("sky", False), ("other", False)])


def channel(
    pds: FakeBlueskyPds, *, password: str = APP_PASSWORD, timeout: float = 2.0
) -> BlueskyChannel:
    return BlueskyChannel(
        "sky", handle=HANDLE, app_password=password, api_base_url=pds.url, timeout=timeout
    )


def dispatch(store, sky: BlueskyChannel, clock: Clock | None = None, times: int = 1):
    """Run `times` slots of the channel through the real dispatcher (idempotent, as the
    platform declares); their outcomes."""
    dispatcher = make_dispatcher(store, sky, clock or Clock(), render, idempotent=True)
    return run_slots(dispatcher, "sky", times)


def outcomes(store, post) -> list[str]:
    return [a.outcome for a in store.attempts(post.id)]


def test_each_post_goes_out_once_as_a_record_with_facets_langs_and_a_card(store, bluesky_api):
    sky = channel(bluesky_api)
    assert dispatch(store, sky, times=QUEUED) == ["sent"] * QUEUED
    sent = store.history(channel="sky", status="sent")
    assert sorted(bluesky_api.texts) == sorted(p.text for p in sent)
    assert bluesky_api.invalid == []  # every record passed the PDS's checks
    for post in sent:
        rkey = post.remote_id.rsplit("/", 1)[-1]
        record = bluesky_api.records[rkey]
        assert (
            post.remote_id == record["uri"] == f"at://{bluesky_api.did}/app.bsky.feed.post/{rkey}"
        )
        assert post.remote_url == f"https://bsky.app/profile/{HANDLE}/post/{rkey}"
        value = record["value"]
        assert value["langs"] == ["en"]
        link, tag = value["facets"]
        text = value["text"].encode("utf-8")
        assert text[link["index"]["byteStart"] : link["index"]["byteEnd"]] == URL.encode()
        assert text[tag["index"]["byteStart"] : tag["index"]["byteEnd"]] == b"#immunology"
        external = value["embed"]["external"]
        assert (external["uri"], external["title"]) == (URL, "Cytokines: the body’s messengers")
    assert bluesky_api.calls("createSession") == 1  # one login for every post
    assert store.queue_depths()["other"] == QUEUED


def test_a_5xx_before_the_record_was_made_is_posted_by_the_retry(store, bluesky_api):
    bluesky_api.script(server_error(500))
    assert dispatch(store, channel(bluesky_api)) == ["sent"]
    post = only_post(store, "sent", "sky")
    assert bluesky_api.texts == [post.text]
    assert outcomes(store, post) == ["AmbiguousError", "sent"]
    assert bluesky_api.calls("getRecord") == 1  # looked up before creating again


@pytest.mark.parametrize(
    "failure",
    [
        server_error(500, handle=True),  # made, then a 500
        server_error(502, handle=True),
        slow(3.0),  # made, the answer slower than the 0.5 s timeout
        dropped(handle=True),  # made, the connection dropped before the answer
    ],
    ids=["500-after", "502-after", "timeout", "dropped-after"],
)
def test_a_record_made_before_an_ambiguous_failure_is_found_not_posted_again(
    store, bluesky_api, failure
):
    bluesky_api.script(failure)
    assert dispatch(store, channel(bluesky_api, timeout=0.5)) == ["sent"]
    post = only_post(store, "sent", "sky")
    [(rkey, record)] = bluesky_api.records.items()
    assert bluesky_api.calls("createRecord") == 1  # found by getRecord, not created again
    assert (post.remote_id, post.text) == (record["uri"], record["value"]["text"])
    assert post.remote_url.endswith(f"/post/{rkey}")
    assert outcomes(store, post)[-1] == "sent"


def test_a_connection_dropped_before_the_pds_acted_is_posted_once(store, bluesky_api):
    bluesky_api.script(dropped())
    assert dispatch(store, channel(bluesky_api)) == ["sent"]
    assert len(bluesky_api.records) == 1 and bluesky_api.calls("createRecord") == 2


def test_ambiguous_failures_past_the_grace_requeue_and_the_next_slot_posts_once(store, bluesky_api):
    # Made, then 500s on every lookup until the grace runs out: back in the queue, never
    # unknown; the next slot finds the record and marks the post sent.
    bluesky_api.script(
        server_error(500, handle=True), *[server_error(503, method="getRecord")] * 30
    )
    clock, sky = Clock(), channel(bluesky_api)
    assert dispatch(store, sky, clock) == ["requeued"]
    assert store.history(channel="sky", status="unknown") == []
    bluesky_api._script.clear()
    clock.now += timedelta(hours=1)
    assert dispatch(store, sky, clock) == ["sent"]
    post = only_post(store, "sent", "sky")
    assert len(bluesky_api.records) == 1 and bluesky_api.calls("createRecord") == 1
    assert post.remote_id == next(iter(bluesky_api.records.values()))["uri"]


def test_a_rate_limit_is_waited_out_until_its_reset_then_the_post_goes_once(store, bluesky_api):
    bluesky_api.script(rate_limited(reset_in=90, method="createRecord"))
    clock = Clock()
    assert dispatch(store, channel(bluesky_api), clock) == ["sent"]
    assert timedelta(seconds=80) <= clock.now - T0 <= timedelta(seconds=92)  # the reset
    post = only_post(store, "sent", "sky")
    assert outcomes(store, post) == ["RateLimitedError", "sent"]
    assert bluesky_api.texts == [post.text]


def test_a_rate_limit_past_the_grace_puts_the_post_back(store, bluesky_api):
    bluesky_api.script(rate_limited(reset_in=3600, method="createRecord"))
    assert dispatch(store, channel(bluesky_api)) == ["requeued"]
    assert store.queue_depths()["sky"] == QUEUED and bluesky_api.records == {}


def test_an_expired_access_token_is_refreshed_once_and_the_post_goes(store, bluesky_api):
    sky = channel(bluesky_api)
    assert dispatch(store, sky) == ["sent"]
    bluesky_api.expire_access_tokens()
    assert dispatch(store, sky) == ["sent"]
    assert len(bluesky_api.records) == 2
    assert bluesky_api.calls("refreshSession") == 1
    assert bluesky_api.calls("createSession") == 1


def test_a_refused_refresh_logs_in_again(store, bluesky_api):
    sky = channel(bluesky_api)
    assert dispatch(store, sky) == ["sent"]
    bluesky_api.expire_access_tokens()
    bluesky_api.revoke_refresh_tokens()
    assert dispatch(store, sky) == ["sent"]
    assert bluesky_api.calls("refreshSession") == 1
    assert bluesky_api.calls("createSession") == 2
    assert len(bluesky_api.records) == 2


def test_a_refused_login_pauses_the_channel_with_one_clear_reason(store, bluesky_api):
    wrong = "wxyz-wxyz-wxyz-wxyz"
    assert dispatch(store, channel(bluesky_api, password=wrong), times=2) == ["paused"] * 2
    state = store.channel_state("sky")
    assert state.paused
    assert "refused the login of @example.bsky.social" in state.paused_reason
    assert "Invalid identifier or password" in state.paused_reason
    assert "app password" in state.paused_reason and wrong not in state.paused_reason
    assert store.queue_depths() == {"sky": QUEUED, "other": QUEUED}
    assert bluesky_api.calls("createSession") == 1 and bluesky_api.records == {}


def test_a_record_bluesky_refuses_fails_with_its_reason_and_the_next_goes(store, bluesky_api):
    bluesky_api.script(invalid("Record/text must not be longer than 300 graphemes"))
    assert dispatch(store, channel(bluesky_api), times=2) == ["failed", "sent"]
    failed = only_post(store, "failed", "sky")
    assert "Record/text must not be longer than 300 graphemes" in failed.error
    assert bluesky_api.texts == [only_post(store, "sent", "sky").text]


def test_a_rate_limited_login_is_waited_out_and_the_post_goes_once(store, bluesky_api):
    bluesky_api.script(rate_limited(reset_in=60, method="createSession"))
    clock = Clock()
    assert dispatch(store, channel(bluesky_api), clock) == ["sent"]
    assert timedelta(seconds=50) <= clock.now - T0 <= timedelta(seconds=62)  # the reset
    assert bluesky_api.calls("createSession") == 2 and len(bluesky_api.records) == 1


def test_a_pds_that_cannot_be_reached_leaves_the_post_queued_not_unknown(store):
    unreachable = BlueskyChannel(
        "sky",
        handle=HANDLE,
        app_password=APP_PASSWORD,
        api_base_url="http://127.0.0.1:9",
        timeout=1.0,
    )
    assert dispatch(store, unreachable) == ["requeued"]
    assert store.history(channel="sky", status="unknown") == []
    assert store.queue_depths()["sky"] == QUEUED
