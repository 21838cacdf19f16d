"""Threads on X end to end: the real dispatcher and store, real tweepy, the fake X API.

What a user sees: an article goes out as one reply chain; a thread broken midway keeps
what went out and continues from the next part, never posting a part twice; a part X took
without an id, or refused, ends the thread with a clear reason.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.article import Article
from bot.excerpt import excerpt_article
from bot.platforms.x import XChannel
from bot.policy import ChannelPolicy
from bot.store import Rendered
from tests.dispatch_support import (
    PARAGRAPHS,
    T0,
    URL,
    Clock,
    cytokines,
    make_dispatcher,
    run_slots,
    stored,
)
from tests.fakes.x_api import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_SECRET,
    API_KEY,
    API_SECRET,
    Answer,
    FakeXApi,
    bad_request,
    created_then_dropped,
    rate_limited,
    server_error,
    unauthorized,
    x_api_fixture,  # noqa: F401  (the fixture `x_api`)
)

pytestmark = pytest.mark.timeout(20)

PARTS = 4
OK = Answer(handle=True)  # X creates the tweet and answers as usual


def as_thread(channel: str, article: Article, excerpt) -> Rendered:
    parts = (
        f"{article.title} 🧵",
        excerpt.text,
        f"And more, from {article.title}.",
        f"Read it all: {article.url}",
    )
    return Rendered("\n\n".join(parts), None, parts)


@pytest.fixture
def store(tmp_path):
    yield from stored(tmp_path, cytokines(), channels=[ChannelPolicy("x", posts_per_thread=PARTS)])


def dispatch(
    store, x_api: FakeXApi, clock: Clock, times: int = 1, *, max_per_day: int = 17
) -> list[str]:
    """Run `times` slots of the thread channel through the real dispatcher; their outcomes."""
    channel = XChannel(
        "x",
        api_key=API_KEY,
        api_secret=API_SECRET,
        access_token=ACCESS_TOKEN,
        access_token_secret=ACCESS_TOKEN_SECRET,
        api_base_url=x_api.url,
        timeout=2.0,
    )
    dispatcher = make_dispatcher(
        store,
        channel,
        clock,
        as_thread,
        max_per_day=max_per_day,
        proves_duplicates=True,
        posts_per_thread=PARTS,
    )
    return run_slots(dispatcher, "x", times)


def the_post(store):
    [post] = store.history(channel="x")
    return post


def assert_one_reply_chain(x_api: FakeXApi, post) -> None:
    """Every part went out exactly once, each replying to the one before."""
    assert x_api.texts == list(post.parts)
    assert x_api.tweets[0]["in_reply_to"] is None
    for before, part in zip(x_api.tweets, x_api.tweets[1:], strict=False):
        assert part["in_reply_to"] == before["id"]


def test_an_article_goes_out_as_one_reply_chain(store, x_api: FakeXApi):
    assert dispatch(store, x_api, Clock()) == ["sent"]
    post = the_post(store)
    assert len(post.parts) == PARTS and post.parts[1] == PARAGRAPHS[0]
    assert_one_reply_chain(x_api, post)
    first = x_api.tweets[0]["id"]
    assert (post.status, post.remote_id) == ("sent", first)
    assert post.remote_url == f"https://x.com/i/web/status/{first}"
    assert [p.remote_id for p in post.sent_parts] == [t["id"] for t in x_api.tweets]
    assert dispatch(store, x_api, Clock()) == ["empty"]  # one thread per article


def test_a_rate_limit_on_part_3_keeps_parts_1_and_2_and_the_next_slot_goes_on(
    store, x_api: FakeXApi
):
    x_api.script(OK, OK, rate_limited(reset_in=3600))
    assert dispatch(store, x_api, Clock()) == ["requeued"]
    post = the_post(store)
    assert post.status == "queued" and len(post.sent_parts) == 2
    assert len(x_api.tweets) == 2

    assert dispatch(store, x_api, Clock()) == ["sent"]
    post = the_post(store)
    assert_one_reply_chain(x_api, post)  # part 3 answers part 2; nothing posted twice
    assert post.remote_id == x_api.tweets[0]["id"]


def test_a_requeued_unknown_thread_continues_from_the_part_in_doubt(store, x_api: FakeXApi):
    x_api.script(OK, server_error(503), server_error(503))  # part 2: no answer, twice
    assert dispatch(store, x_api, Clock()) == ["unknown"]
    post = the_post(store)
    assert post.error.startswith("part 2 of 4: ") and "part 1 is out" in post.error
    store.resolve(post.id, sent=False, now=T0)  # the operator checked: part 2 is not out

    assert dispatch(store, x_api, Clock()) == ["sent"]
    assert_one_reply_chain(x_api, the_post(store))


def test_a_part_out_without_an_id_ends_the_thread_as_unknown(store, x_api: FakeXApi):
    x_api.script(OK, created_then_dropped())  # X's duplicate answer proves part 2 went out
    assert dispatch(store, x_api, Clock()) == ["unknown"]
    post = the_post(store)
    assert post.error == (
        "part 2 of 4 went out but x returned no id for it; the rest was not posted"
    )
    assert [p.remote_id for p in post.sent_parts] == [x_api.tweets[0]["id"], None]
    assert x_api.texts == list(post.parts[:2])

    store.resolve(post.id, sent=False, now=T0)  # requeued: the chain still cannot go on
    assert dispatch(store, x_api, Clock()) == ["unknown"]
    assert len(x_api.tweets) == 2


def test_a_rejected_part_fails_the_thread_and_keeps_what_went_out(store, x_api: FakeXApi):
    x_api.script(OK, OK, bad_request())
    assert dispatch(store, x_api, Clock()) == ["failed"]
    post = the_post(store)
    assert post.status == "failed"
    assert post.error.startswith("part 3 of 4: 400 Bad Request")
    assert post.error.endswith("(parts 1-2 are out)")
    assert len(post.sent_parts) == 2 and len(x_api.tweets) == 2


def test_revoked_credentials_midway_pause_the_channel_and_the_thread_resumes(
    store, x_api: FakeXApi
):
    x_api.script(OK, unauthorized())
    assert dispatch(store, x_api, Clock()) == ["paused"]
    assert len(the_post(store).sent_parts) == 1
    store.resume_channel("x", now=T0)
    assert dispatch(store, x_api, Clock()) == ["sent"]
    assert_one_reply_chain(x_api, the_post(store))


def test_max_per_day_counts_every_part_and_waits_for_room_for_a_whole_thread(
    store, x_api: FakeXApi
):
    article = Article(
        id="a2", title="Interferons", paragraphs=PARAGRAPHS[1:], source="b.md", url=URL + "2/"
    )
    store.upsert_article(
        article,
        excerpt_article(article, max_length=200),
        channels=[ChannelPolicy("x", posts_per_thread=PARTS)],
        now=T0,
    )
    assert dispatch(store, x_api, Clock(), times=2, max_per_day=7) == ["sent", "capped"]
    assert len(x_api.tweets) == PARTS
    later = Clock()
    later.now = T0 + timedelta(days=1, minutes=1)
    assert dispatch(store, x_api, later, max_per_day=7) == ["sent"]
    assert len(x_api.tweets) == 2 * PARTS
