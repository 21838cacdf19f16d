"""The X channel against a fake X API on 127.0.0.1: real tweepy, real requests, real HTTP.

What the server receives (text, credentials), what `check` says, and which `ChannelError`
each answer X can give becomes — the class decides what dispatch does with the post.
"""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
import requests

from bot.errors import (
    AmbiguousError,
    AuthError,
    ChannelError,
    DuplicateError,
    NotDeliveredError,
    RateLimitedError,
    RejectedError,
)
from bot.platforms import Delivery, OutgoingPost
from bot.platforms.x import XChannel, channel_error
from tests.fakes.x_api import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_SECRET,
    API_KEY,
    API_SECRET,
    OAUTH2_TOKEN,
    FakeXApi,
    bad_request,
    created_then_dropped,
    dropped,
    duplicate,
    not_permitted,
    rate_limited,
    server_error,
    slow,
    unauthorized,
    x_api_fixture,  # noqa: F401  (the fixture `x_api`)
)

pytestmark = pytest.mark.timeout(15)

TEXT = "Cytokines carry messages between cells — 🧬 & <more> https://blog.example.org/cytokines/"


def oauth1_channel(base_url: str, **settings) -> XChannel:
    keys = {
        "api_key": API_KEY,
        "api_secret": API_SECRET,
        "access_token": ACCESS_TOKEN,
        "access_token_secret": ACCESS_TOKEN_SECRET,
    }
    return XChannel("x", **{**keys, "api_base_url": base_url, "timeout": 2.0, **settings})


def oauth2_channel(base_url: str, **settings) -> XChannel:
    return XChannel("x", oauth2_token=OAUTH2_TOKEN, api_base_url=base_url, timeout=2.0, **settings)


def outgoing(text: str = TEXT, post_id: int = 1) -> OutgoingPost:
    return OutgoingPost(
        id=post_id,
        channel="x",
        text=text,
        parse_mode=None,
        url=None,
        article_id="a1",
        excerpt_id="e1",
    )


def attempt(channel: XChannel, *texts: str) -> list[Delivery | ChannelError]:
    """Send each text in turn; what each send returned or raised."""

    async def go() -> list[Delivery | ChannelError]:
        outcomes: list[Delivery | ChannelError] = []
        try:
            for n, text in enumerate(texts, 1):
                try:
                    outcomes.append(await channel.send(outgoing(text, n)))
                except ChannelError as exc:
                    outcomes.append(exc)
        finally:
            await channel.aclose()
        return outcomes

    return asyncio.run(go())


def check(channel: XChannel) -> str | ChannelError:
    async def go() -> str | ChannelError:
        try:
            return await channel.check()
        except ChannelError as exc:
            return exc
        finally:
            await channel.aclose()

    return asyncio.run(go())


# --- delivery ----------------------------------------------------------------------------------


def test_tweet_arrives_with_the_exact_text_signed_with_the_configured_keys(x_api: FakeXApi):
    [delivery] = attempt(oauth1_channel(x_api.url), TEXT)
    [request] = x_api.requests
    assert (request.method, request.path, request.json) == ("POST", "/2/tweets", {"text": TEXT})
    auth = request.headers["authorization"]
    assert auth.startswith("OAuth ")
    assert f'oauth_consumer_key="{API_KEY}"' in auth
    assert f'oauth_token="{ACCESS_TOKEN}"' in auth
    assert API_SECRET not in auth and ACCESS_TOKEN_SECRET not in auth
    [tweet] = x_api.tweets
    assert tweet["text"] == TEXT
    assert delivery == Delivery(tweet["id"], f"https://x.com/i/web/status/{tweet['id']}")


def test_an_oauth2_user_token_is_sent_as_the_bearer(x_api: FakeXApi):
    [delivery] = attempt(oauth2_channel(x_api.url), TEXT)
    assert x_api.requests[0].headers["authorization"] == f"Bearer {OAUTH2_TOKEN}"
    assert x_api.texts == [TEXT]
    assert delivery.remote_id == x_api.tweets[0]["id"]


def test_api_base_url_may_end_with_a_slash(x_api: FakeXApi):
    attempt(oauth1_channel(x_api.url + "/"), "one", "two")
    assert [r.path for r in x_api.requests] == ["/2/tweets", "/2/tweets"]
    assert x_api.texts == ["one", "two"]


def test_sending_does_not_block_the_event_loop(x_api: FakeXApi):
    x_api.script(slow(0.6))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    async def go() -> Delivery:
        ticker = asyncio.create_task(tick())
        channel = oauth1_channel(x_api.url)
        try:
            return await channel.send(outgoing())
        finally:
            ticker.cancel()
            await channel.aclose()

    delivery = asyncio.run(go())
    assert delivery.remote_id == x_api.tweets[0]["id"]
    assert ticks >= 5  # the loop ran while tweepy waited for X


# --- check -------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [oauth1_channel, oauth2_channel], ids=["oauth1", "oauth2"])
def test_check_says_which_account_posts(x_api: FakeXApi, make):
    assert check(make(x_api.url)) == "posts as @testbot (Test)"
    assert [(r.method, r.path) for r in x_api.requests] == [("GET", "/2/users/me")]
    assert x_api.tweets == []


def test_check_with_a_revoked_token_is_an_auth_error(x_api: FakeXApi):
    error = check(XChannel("x", oauth2_token="revoked-oauth2-token-33aa", api_base_url=x_api.url))
    assert isinstance(error, AuthError)
    assert "401" in str(error) and "revoked-oauth2-token-33aa" not in str(error)


def test_check_maps_errors_like_send(x_api: FakeXApi):
    x_api.script(not_permitted())
    assert isinstance(check(oauth1_channel(x_api.url)), AuthError)


# --- what each answer means ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "error", "says"),
    [
        (rate_limited(reset_in=None), RateLimitedError, "429 Too Many Requests"),
        (server_error(500), AmbiguousError, "500 Internal Server Error"),
        (server_error(503), AmbiguousError, "503 Service Unavailable"),
        (dropped(), AmbiguousError, "Connection aborted"),
        (unauthorized(), AuthError, "401 Unauthorized"),
        (
            duplicate(),
            DuplicateError,
            "You are not allowed to create a Tweet with duplicate content.",
        ),
        (not_permitted(), AuthError, "You are not permitted to perform this action."),
        (
            bad_request("The `text` field is invalid."),
            RejectedError,
            "400 Bad Request: The `text` field is invalid.",
        ),
    ],
    ids=[
        "429-no-reset",
        "500",
        "503",
        "dropped",
        "401",
        "403-duplicate",
        "403-not-permitted",
        "400",
    ],
)
def test_each_failure_becomes_the_right_channel_error(x_api: FakeXApi, answer, error, says):
    x_api.script(answer)
    [outcome] = attempt(oauth1_channel(x_api.url), TEXT)
    assert type(outcome) is error
    assert says in str(outcome)
    assert "\n" not in str(outcome)
    assert x_api.tweets == []


def test_rate_limit_waits_until_the_reset_header(x_api: FakeXApi):
    answer = rate_limited(reset_in=5)
    x_api.script(answer)
    [outcome] = attempt(oauth1_channel(x_api.url), TEXT)
    assert isinstance(outcome, RateLimitedError)
    until_reset = int(answer.headers["x-rate-limit-reset"]) - time.time()
    assert until_reset <= outcome.retry_after <= until_reset + 2


def test_rate_limit_without_reset_leaves_the_wait_to_dispatch(x_api: FakeXApi):
    x_api.script(rate_limited(reset_in=None))
    [outcome] = attempt(oauth1_channel(x_api.url), TEXT)
    assert isinstance(outcome, RateLimitedError) and outcome.retry_after is None


def test_a_spent_daily_post_cap_waits_for_the_24_hour_reset(x_api: FakeXApi):
    day_reset = int(time.time()) + 6 * 3600
    x_api.script(
        rate_limited(
            reset_in=60,
            headers={
                "x-user-limit-24hour-limit": "17",
                "x-user-limit-24hour-remaining": "0",
                "x-user-limit-24hour-reset": str(day_reset),
                "x-app-limit-24hour-limit": "1500",
                "x-app-limit-24hour-remaining": "1200",
                "x-app-limit-24hour-reset": str(day_reset + 3600),
            },
        )
    )
    [outcome] = attempt(oauth1_channel(x_api.url), TEXT)
    assert isinstance(outcome, RateLimitedError)
    assert day_reset - time.time() <= outcome.retry_after <= day_reset - time.time() + 2


def test_an_answer_slower_than_the_timeout_is_ambiguous(x_api: FakeXApi):
    x_api.script(slow(2.5))
    started = time.monotonic()
    [outcome] = attempt(oauth1_channel(x_api.url, timeout=0.5), TEXT)
    assert time.monotonic() - started < 1.5
    assert isinstance(outcome, AmbiguousError)
    assert isinstance(outcome.__cause__, requests.exceptions.ReadTimeout)
    assert x_api.texts == [TEXT]  # X did create it: hence "ambiguous", not "failed"


def test_a_refused_connection_is_not_delivered():
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind(("127.0.0.1", 0))
        port = bound_not_listening.getsockname()[1]
        [outcome] = attempt(oauth1_channel(f"http://127.0.0.1:{port}"), TEXT)
    assert type(outcome) is NotDeliveredError
    assert "could not connect" in str(outcome)


def test_created_then_dropped_is_ambiguous_and_a_resend_is_refused_as_duplicate(x_api: FakeXApi):
    x_api.script(created_then_dropped())
    first, second = attempt(oauth1_channel(x_api.url), TEXT, TEXT)
    assert type(first) is AmbiguousError
    assert type(second) is DuplicateError
    assert x_api.texts == [TEXT]


def test_x_refuses_a_repeat_of_an_accepted_text(x_api: FakeXApi):
    first, second, third = attempt(oauth1_channel(x_api.url), TEXT, "another", TEXT)
    assert isinstance(first, Delivery) and isinstance(second, Delivery)
    assert type(third) is DuplicateError
    assert x_api.texts == [TEXT, "another"]


def test_a_text_over_280_weighted_characters_is_rejected_as_too_long(x_api: FakeXApi):
    cjk = "細胞" * 71  # 142 characters that weigh 284
    [outcome] = attempt(oauth1_channel(x_api.url), cjk)
    assert type(outcome) is RejectedError
    assert "Your Tweet text is too long" in str(outcome)


def test_wrong_credentials_are_refused_by_x(x_api: FakeXApi):
    channel = oauth1_channel(x_api.url, access_token="999-someone-elses-token")
    [outcome] = attempt(channel, TEXT)
    assert isinstance(outcome, AuthError)
    assert x_api.tweets == []


def test_missing_oauth1_values_pause_the_channel_without_a_request(x_api: FakeXApi):
    channel = XChannel("x", api_key=API_KEY, api_secret=API_SECRET, api_base_url=x_api.url)
    [outcome] = attempt(channel, TEXT)
    assert isinstance(outcome, AuthError)
    assert "access_token" in str(outcome)
    assert x_api.requests == []


@pytest.mark.parametrize(
    ("raised", "error"),
    [
        (requests.exceptions.ConnectTimeout("connect timed out"), NotDeliveredError),
        (requests.exceptions.ChunkedEncodingError("connection broken mid-answer"), AmbiguousError),
        (requests.exceptions.ReadTimeout("read timed out"), AmbiguousError),
    ],
    ids=["connect-timeout", "chunked-encoding", "read-timeout"],
)
def test_transport_failures_loopback_cannot_stage(raised, error):
    assert type(channel_error(raised)) is error


def test_a_reply_goes_out_in_reply_to_the_given_post(x_api: FakeXApi):
    async def go() -> None:
        channel = oauth1_channel(x_api.url)
        try:
            first = await channel.send(outgoing("First part of a thread."))
            reply = OutgoingPost(
                id=2,
                channel="x",
                text="Second part.",
                parse_mode=None,
                url=None,
                article_id="a1",
                excerpt_id="e1",
                reply_to=first.remote_id,
            )
            await channel.send(reply)
        finally:
            await channel.aclose()
        assert x_api.requests[-1].json["reply"] == {"in_reply_to_tweet_id": first.remote_id}

    asyncio.run(go())
