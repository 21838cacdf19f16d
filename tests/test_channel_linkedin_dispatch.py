"""The LinkedIn channel end to end: the real dispatcher and store, real httpx, the fake
LinkedIn API.

What a user sees: each post is shared once as its author, its commentary shown whole (the
little text escaped, hashtags as hashtag elements) with the article (and its image as the
thumbnail); its URN and URL recorded. A send that may have gone out is sent once more, and
LinkedIn's duplicate refusal names the post that went (recorded, never posted twice);
a 429 waits; a refused token pauses the channel; a refused post fails alone.
"""

from __future__ import annotations

import dataclasses

import pytest

from bot.offloop import StoredMemory
from bot.platforms.linkedin import PLATFORM, LinkedInChannel
from bot.render.platforms import LINKEDIN
from bot.render.post import render_post
from bot.store import Rendered
from tests.dispatch_support import (
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
    server_error,
    timeout,
    too_many,
)
from tests.fakes.linkedin_api import (
    AUTHOR,
    TOKEN,
    FakeLinkedIn,
    linkedin_api_fixture,  # noqa: F401  (the fixture `linkedin_api`)
    little_to_text,
)
from tests.fakes.web import web_fixture  # noqa: F401  (the fixture `web`)

pytestmark = pytest.mark.timeout(30)

TIMEOUT = 2.0  # the channel's request timeout: a `timeout(3.0)` answer outlasts it
POSTS = ("POST", "/rest/posts")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PARAGRAPHS = (
    "Cytokines (small proteins) carry messages between immune cells [in the body].",
    "Interleukin-6 rises within hours of an infection_and drives the *fever* response.",
    "Chronic inflammation keeps cytokine levels high for months in some patients.",
)
QUEUED = len(PARAGRAPHS)


@pytest.fixture
def store(tmp_path):
    article = dataclasses.replace(cytokines(PARAGRAPHS), tags=("immune health", "fever"))
    yield from stored(tmp_path, article, channels=[("li", False)])


def company(linkedin_api: FakeLinkedIn, token: str = TOKEN) -> LinkedInChannel:
    return LinkedInChannel(
        "li", author=AUTHOR, access_token=token, api_base_url=linkedin_api.url, timeout=TIMEOUT
    )


def rendering(image: str | None = None):
    """The real LinkedIn render profile, and a card with the article's image."""

    def render(channel, article, excerpt) -> Rendered:
        post = render_post(excerpt.text, article, LINKEDIN)
        return Rendered(
            post.text,
            post.parse_mode,
            link=post.url,
            card={
                "uri": post.url,
                "title": article.title,
                "description": article.paragraphs[0],
                "image": image,
            },
        )

    return render


def dispatch(
    store, channel: LinkedInChannel, clock: Clock, times: int = 1, image: str | None = None
) -> list[str]:
    capabilities = PLATFORM.capabilities
    dispatcher = make_dispatcher(
        store,
        channel,
        clock,
        render=rendering(image),
        proves_duplicates=capabilities.proves_duplicates,
    )
    channel.memory = StoredMemory(dispatcher.db, "li", clock)
    channel.clock = clock
    return run_slots(dispatcher, "li", times)


def outcomes(store, post) -> list[str]:
    return [a.outcome for a in store.attempts(post.id)]


def test_each_post_is_shared_once_its_text_shown_whole_with_the_article(store, linkedin_api, web):
    image = web.serve("/cover.png", PNG, content_type="image/png")
    assert dispatch(store, company(linkedin_api), Clock(), QUEUED, image) == ["sent"] * QUEUED
    sent = store.history(channel="li", status="sent")
    assert {p.remote_id for p in sent} == {p["urn"] for p in linkedin_api.posts}
    assert all(p.remote_url == f"https://www.linkedin.com/feed/update/{p.remote_id}/" for p in sent)
    for shown in linkedin_api.shown:  # LinkedIn shows every excerpt whole, as written
        assert any(paragraph in shown for paragraph in PARAGRAPHS), shown
        assert shown.endswith("#ImmuneHealth #fever")
    for post in linkedin_api.posts:
        article = post["content"]["article"]
        assert article["source"] == URL and article["title"] == "Cytokines"
        assert linkedin_api.images[article["thumbnail"]] == PNG
    versions = {r.headers["linkedin-version"] for r in linkedin_api.creates()}
    assert versions == {"202511"}


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(created_then(500, where=POSTS), id="500 after the post was created"),
        pytest.param(timeout(3.0, where=POSTS), id="created, answered too late"),
        pytest.param(created_then_dropped(where=POSTS), id="created, then dropped"),
    ],
)
def test_a_send_that_went_out_is_settled_by_linkedin_s_duplicate_refusal(
    store, linkedin_api, failure
):
    linkedin_api.script(failure)
    assert dispatch(store, company(linkedin_api), Clock()) == ["sent"]
    post = only_post(store, "sent", channel="li")
    [out] = linkedin_api.posts  # posted once
    assert post.remote_id == out["urn"]  # the URN the duplicate refusal named
    assert outcomes(store, post) == ["AmbiguousError", "sent"]


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(server_error(503, where=POSTS), id="503 before"),
        pytest.param(dropped(where=POSTS), id="dropped before it was handled"),
    ],
)
def test_a_send_that_did_not_go_out_goes_at_the_retry(store, linkedin_api, failure):
    linkedin_api.script(failure)
    assert dispatch(store, company(linkedin_api), Clock()) == ["sent"]
    [out] = linkedin_api.posts
    assert only_post(store, "sent", channel="li").remote_id == out["urn"]


def test_a_429_waits_then_the_post_goes_once(store, linkedin_api):
    linkedin_api.script(too_many(45, where=POSTS))
    assert dispatch(store, company(linkedin_api), Clock()) == ["sent"]
    assert len(linkedin_api.posts) == 1


def test_a_real_duplicate_is_skipped(store, linkedin_api):
    def same_words(channel, article, excerpt) -> Rendered:
        return Rendered("The same words every time", "little", link=URL)

    clock = Clock()
    channel = company(linkedin_api)
    dispatcher = make_dispatcher(store, channel, clock, render=same_words, proves_duplicates=True)
    channel.memory = StoredMemory(dispatcher.db, "li", clock)
    assert run_slots(dispatcher, "li", 2) == ["sent", "skipped"]
    assert len(linkedin_api.posts) == 1
    assert "duplicate of" in only_post(store, "skipped", channel="li").error


@pytest.mark.parametrize(
    "refusal",
    [
        pytest.param(None, id="an invalid token (401)"),
        pytest.param(
            Answer(
                403,
                {"status": 403, "message": "Not enough permissions", "code": "ACCESS_DENIED"},
                where=POSTS,
            ),
            id="403 access denied",
        ),
    ],
)
def test_a_refused_token_pauses_the_channel(store, linkedin_api, refusal):
    token = TOKEN if refusal else "AQVrevoked-token-1a2b3c"
    if refusal:
        linkedin_api.script(refusal)
    assert dispatch(store, company(linkedin_api, token), Clock()) == ["paused"]
    reason = store.channel_state("li").paused_reason
    assert "w_organization_social" in reason and "AQVrevoked" not in reason
    assert linkedin_api.posts == []


def test_a_post_linkedin_refuses_fails_alone(store, linkedin_api):
    linkedin_api.script(
        Answer(422, {"status": 422, "message": "/commentary: length exceeds 3000"}, where=POSTS)
    )
    assert dispatch(store, company(linkedin_api), Clock(), 2) == ["failed", "sent"]
    assert "length exceeds 3000" in only_post(store, "failed", channel="li").error


def test_little_text_as_the_fake_reads_it():
    assert little_to_text(r"a \(b\) {hashtag|\#|Tag\_x} c") == "a (b) #Tag_x c"
    assert little_to_text("cut (here") == "cut "
