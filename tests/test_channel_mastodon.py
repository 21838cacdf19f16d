"""The Mastodon channel against the fake instance, through the real Mastodon.py: what it
sends, what `check` says, the instance's limits it learns and keeps, and each failure as
the error dispatch acts on."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from bot.errors import (
    AmbiguousError,
    AuthError,
    ChannelError,
    NotDeliveredError,
    RateLimitedError,
    RejectedError,
)
from bot.platforms.base import Delivery, OutgoingPost
from bot.platforms.mastodon import LIMITS_KEY, MastodonChannel, MastodonSettings
from bot.render.channel import channel_profile
from tests.fakes.mastodon_api import (
    DOMAIN,
    TOKEN,
    Answer,
    FakeMastodon,
    dropped,
    forbidden,
    mastodon_api_fixture,  # noqa: F401  (the fixture `mastodon_api`)
    rate_limited,
    server_error,
    slow,
    unauthorized,
    unprocessable,
)
from tests.fakes.server import serving

pytestmark = pytest.mark.timeout(20)

TIMEOUT = 0.5


def channel(fake: FakeMastodon, **options) -> MastodonChannel:
    return MastodonChannel(
        "toot", instance=fake.url, access_token=TOKEN, timeout=TIMEOUT, **options
    )


def post(
    text: str = "Cytokines carry messages. https://blog.example.org/c/",
    *,
    key: str | None = "3lbkey2aaaa2c",
    language: str | None = "en",
) -> OutgoingPost:
    return OutgoingPost(
        id=7,
        channel="toot",
        text=text,
        parse_mode=None,
        url="https://blog.example.org/c/",
        article_id="a1",
        excerpt_id="e1",
        language=language,
        key=key,
    )


def run(coroutine_function):
    """Run `coroutine_function(channel)`-style work in a fresh loop."""
    return asyncio.run(coroutine_function())


def send(ch: MastodonChannel, outgoing: OutgoingPost) -> Delivery:
    async def go() -> Delivery:
        try:
            return await ch.send(outgoing)
        finally:
            await ch.aclose()

    return asyncio.run(go())


def failure(ch: MastodonChannel, outgoing: OutgoingPost | None = None) -> ChannelError:
    with pytest.raises(ChannelError) as raised:
        send(ch, outgoing or post())
    return raised.value


@pytest.fixture
def big_instance():
    yield from serving(FakeMastodon(max_characters=5000, domain="big.example", v2=False))


# --- sending ---------------------------------------------------------------------------------


def test_a_status_goes_with_its_key_visibility_warning_and_language(mastodon_api):
    ch = channel(mastodon_api, visibility="unlisted", spoiler_text="Health")
    delivery = send(ch, post())
    [status] = mastodon_api.statuses
    assert delivery == Delivery(remote_id=status["id"], remote_url=status["url"])
    [request] = mastodon_api.posts()
    assert request.headers["idempotency-key"] == "3lbkey2aaaa2c"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert (status["visibility"], status["spoiler_text"], status["language"]) == (
        "unlisted",
        "Health",
        "en",
    )


def test_the_channel_language_wins_over_the_article_s(mastodon_api):
    send(channel(mastodon_api, language="de"), post(language="en"))
    assert mastodon_api.statuses[0]["language"] == "de"


def test_the_same_key_twice_makes_one_status(mastodon_api):
    ch = channel(mastodon_api)
    first, again = send(ch, post()), send(ch, post())
    assert first == again and len(mastodon_api.statuses) == 1
    send(ch, post(key="3lbkey3bbbb2c"))  # a later repeat of the excerpt: a new key
    assert len(mastodon_api.statuses) == 2


# --- check and the instance's limits -------------------------------------------------------


def test_check_says_who_posts_where_and_keeps_the_limits(mastodon_api):
    ch = channel(mastodon_api)
    assert run(ch.check) == f"posts as @me@{DOMAIN} (500 characters)"
    kept = json.loads(run(lambda: ch.memory.recall(LIMITS_KEY)))
    assert kept == {
        "instance": mastodon_api.url,
        "max_characters": 500,
        "characters_reserved_per_url": 23,
        "domain": DOMAIN,
    }


def test_an_older_instance_s_limits_come_from_v1(big_instance):
    ch = channel(big_instance)
    assert run(ch.check) == "posts as @me@big.example (5000 characters)"
    paths = [r.path for r in big_instance.requests]
    assert "/api/v2/instance" in paths and "/api/v1/instance" in paths


def test_check_with_a_wrong_token_is_one_clear_line(mastodon_api):
    ch = MastodonChannel("toot", instance=mastodon_api.url, access_token="wrong-token-0a1b2c")
    with pytest.raises(AuthError, match=r"^401 Unauthorized: The access token is invalid"):
        run(ch.check)


def test_check_with_a_token_that_may_not_read_the_account_says_which_scope(mastodon_api):
    mastodon_api.script(Answer(403, {"error": "This action is outside the authorized scopes"}))
    with pytest.raises(
        AuthError,
        match=r"^403 Forbidden: This action is outside the "
        r"authorized scopes \(.*read:accounts",
    ):
        run(channel(mastodon_api).check)


def test_settings_render_to_the_limits_the_channel_kept(big_instance):
    ch = channel(big_instance)
    run(ch.start)
    settings = MastodonSettings(
        platform="mastodon", instance=big_instance.url, schedule={"every": "1h"}, spoiler_text="CW"
    )
    assert channel_profile(settings).limit == 500 - 2  # nothing learned yet: the default
    learned = settings.with_memory(ch.memory.values.get)
    assert (learned.max_characters, learned.characters_reserved_per_url) == (5000, 23)
    assert channel_profile(learned).limit == 5000 - 2  # the content warning counts within it
    elsewhere = settings.model_copy(update={"instance": "https://other.example"})
    assert elsewhere.with_memory(ch.memory.values.get).max_characters is None
    pinned = settings.model_copy(update={"max_characters": 1000})
    assert channel_profile(pinned.with_memory(ch.memory.values.get)).limit == 1000 - 2


def test_start_on_an_unreachable_instance_keeps_what_it_knew(big_instance):
    ch = channel(big_instance)
    run(ch.start)
    kept = ch.memory.values[LIMITS_KEY]
    big_instance.stop()
    run(ch.start)  # logs, never raises
    assert ch.memory.values[LIMITS_KEY] == kept


# --- failures, as dispatch sees them -------------------------------------------------------


def test_a_rate_limit_says_how_long_to_wait(mastodon_api):
    mastodon_api.script(rate_limited(reset_in=120))
    error = failure(channel(mastodon_api))
    assert isinstance(error, RateLimitedError)
    assert 118 <= error.retry_after <= 123
    assert mastodon_api.statuses == []


@pytest.mark.parametrize("answer, code", [(unauthorized(), "401"), (forbidden(), "403")])
def test_a_refused_token_is_an_auth_error(mastodon_api, answer, code):
    mastodon_api.script(answer)
    error = failure(channel(mastodon_api))
    assert isinstance(error, AuthError) and str(error).startswith(code)


def test_a_refused_status_carries_the_instance_s_message(mastodon_api):
    mastodon_api.script(unprocessable("Validation failed: Text character limit of 500 exceeded"))
    error = failure(channel(mastodon_api))
    assert type(error) is RejectedError
    assert str(error) == (
        "422 Unprocessable Entity: Validation failed: Text character limit of 500 exceeded"
    )


def test_too_long_for_the_instance_is_refused_by_it(mastodon_api):
    error = failure(channel(mastodon_api), post("x" * 501))
    assert type(error) is RejectedError and "character limit of 500" in str(error)


@pytest.mark.parametrize(
    "answer",
    [server_error(500), server_error(503), slow(1.5), dropped()],
    ids=["500", "503", "slower than the timeout", "dropped"],
)
def test_a_5xx_a_timeout_or_a_drop_is_ambiguous(mastodon_api, answer):
    mastodon_api.script(answer)
    started = time.monotonic()
    assert isinstance(failure(channel(mastodon_api)), AmbiguousError)
    assert time.monotonic() - started < 1.4  # the timeout, not the server, ended the wait


def test_a_refused_connection_is_not_delivered():
    down = FakeMastodon()
    down.start()
    url = down.url
    down.stop()
    error = failure(MastodonChannel("toot", instance=url, access_token=TOKEN, timeout=TIMEOUT))
    assert type(error) is NotDeliveredError
    assert TOKEN not in str(error)
