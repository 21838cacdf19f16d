"""The Telegram channel against a fake Bot API server: real python-telegram-bot, real httpx.

What the server received, what `send` returned, and, for each way Telegram (or the network)
can fail, the ChannelError dispatch acts on.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from telegram.error import ChatMigrated, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.errors import (
    AmbiguousError,
    AuthError,
    NotDeliveredError,
    RateLimitedError,
    RejectedError,
)
from bot.platforms import OutgoingPost
from bot.platforms.telegram import TelegramChannel, channel_error
from tests.fakes.telegram_api import (
    CHANNEL,
    PRIVATE_CHANNEL,
    TOKEN,
    bad_request,
    dropped,
    flood,
    forbidden,
    server_error,
    slow,
    telegram_api_fixture,  # noqa: F401  (the `telegram_api` fixture)
    unauthorized,
)

# python-telegram-bot warns, while building RetryAfter, that `retry_after` becomes a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ARTICLE_URL = "https://blog.example.org/cytokines/"
HTML_TEXT = (
    f"<b>Cytokines</b> carry messages &amp; IL-6 &lt; 5 pg/mL is normal.\n\n"
    f'<a href="{ARTICLE_URL}">Unveiling cytokines</a> {ARTICLE_URL}'
)


def outgoing(
    text: str = HTML_TEXT, *, parse_mode: str | None = "HTML", url: str | None = ARTICLE_URL
) -> OutgoingPost:
    return OutgoingPost(
        id=1,
        channel="tg",
        text=text,
        parse_mode=parse_mode,
        url=url,
        article_id="a1",
        excerpt_id="e1",
    )


def channel(api, **settings) -> TelegramChannel:
    settings.setdefault("token", TOKEN)
    settings.setdefault("chat_id", "@my_channel")
    settings.setdefault("timeout", 2.0)
    return TelegramChannel("tg", api_base_url=api.base_url, **settings)


def run(tg: TelegramChannel, *steps):
    """Run `steps` (coroutine functions of the channel) in one loop, then close the channel."""

    async def main():
        try:
            return [await step(tg) for step in steps]
        finally:
            await tg.aclose()

    results = asyncio.run(main())
    return results[0] if len(results) == 1 else results


def send(post: OutgoingPost = None):
    return lambda tg: tg.send(post or outgoing())


def check(tg):
    return tg.check()


def error_of(tg: TelegramChannel, step) -> Exception:
    with pytest.raises(Exception) as caught:
        run(tg, step)
    return caught.value


# --- what arrives -------------------------------------------------------------------------


def test_post_arrives_with_exact_text_parse_mode_preview_and_chat(telegram_api):
    delivery = run(channel(telegram_api), send())
    [call] = telegram_api.calls
    assert call.path == f"/bot{TOKEN}/sendMessage"  # api_base_url honoured, token in path
    assert call.params == {
        "chat_id": "@my_channel",
        "text": HTML_TEXT,
        "parse_mode": "HTML",
        "link_preview_options": {"url": ARTICLE_URL},
        "disable_notification": False,
    }
    assert (delivery.remote_id, delivery.remote_url) == ("1", "https://t.me/my_channel/1")
    [message] = telegram_api.messages
    assert message["text"].startswith("Cytokines carry messages & IL-6 < 5 pg/mL")
    assert {"offset": 0, "length": 9, "type": "bold"} in message["entities"]


@pytest.mark.parametrize(
    ("link_preview", "url", "expected"),
    [
        ("below", ARTICLE_URL, {"url": ARTICLE_URL}),
        ("above", ARTICLE_URL, {"url": ARTICLE_URL, "show_above_text": True}),
        ("above", None, {"show_above_text": True}),
        ("none", ARTICLE_URL, {"is_disabled": True}),
        ("below", None, None),  # Telegram's default: the first link in the text, below it
    ],
)
def test_link_preview_choice_reaches_telegram(telegram_api, link_preview, url, expected):
    run(channel(telegram_api, link_preview=link_preview), send(outgoing(url=url)))
    [call] = telegram_api.calls_to("sendMessage")
    assert call.params.get("link_preview_options") == expected


def test_silent_post_to_a_numeric_chat_has_no_public_link(telegram_api):
    tg = channel(telegram_api, chat_id=PRIVATE_CHANNEL["id"], disable_notification=True)
    first, second = run(tg, send(), send())
    params = telegram_api.calls[0].params
    assert params["chat_id"] == str(PRIVATE_CHANNEL["id"])
    assert params["disable_notification"] is True
    assert (first.remote_id, second.remote_id) == ("1", "2")
    assert first.remote_url is None  # a private channel has no public t.me address


def test_numeric_chat_id_of_a_public_channel_links_by_its_username(telegram_api):
    delivery = run(channel(telegram_api, chat_id=CHANNEL["id"]), send())
    assert delivery.remote_url == "https://t.me/my_channel/1"


def test_plain_text_post_is_sent_without_parse_mode(telegram_api):
    run(channel(telegram_api), send(outgoing("IL-6 < 5 & TNF > 10", parse_mode=None)))
    params = telegram_api.calls[0].params
    assert "parse_mode" not in params and params["text"] == "IL-6 < 5 & TNF > 10"


def test_channel_is_usable_again_after_aclose(telegram_api):
    tg = channel(telegram_api)
    run(tg, send())
    run(tg, send())  # a new loop and a new HTTP client
    asyncio.run(TelegramChannel("unused", token=TOKEN, chat_id="@x").aclose())  # never used
    assert len(telegram_api.messages) == 2


def test_channel_survives_a_new_event_loop_without_aclose(telegram_api):
    tg = channel(telegram_api)
    first = asyncio.run(tg.send(outgoing()))
    second = asyncio.run(tg.send(outgoing()))  # the first loop's connection is gone
    asyncio.run(tg.aclose())
    assert (first.remote_id, second.remote_id) == ("1", "2")


def test_an_empty_token_is_an_auth_error_before_any_request(telegram_api):
    err = error_of(channel(telegram_api, token=""), send())
    assert isinstance(err, AuthError) and telegram_api.calls == []


def test_an_unknown_link_preview_choice_is_refused():
    with pytest.raises(ValueError, match="link_preview"):
        TelegramChannel("tg", token=TOKEN, chat_id="@my_channel", link_preview="side")


# --- check ---------------------------------------------------------------------------------


def test_check_says_who_posts_where(telegram_api):
    assert run(channel(telegram_api), check) == (
        "posts as @my_bot (My Bot) to @my_channel (My Channel, channel)"
    )
    assert [c.method for c in telegram_api.calls] == ["getMe", "getChat", "getChatMember"]
    assert telegram_api.messages == []


def test_check_of_a_private_channel_names_its_id(telegram_api):
    tg = channel(telegram_api, chat_id=PRIVATE_CHANNEL["id"])
    assert run(tg, check) == (
        f"posts as @my_bot (My Bot) to chat {PRIVATE_CHANNEL['id']} (Private Notes, channel)"
    )


@pytest.mark.parametrize(
    ("status", "can_post", "problem"),
    [
        ("member", True, "is not an administrator of @my_channel"),
        ("administrator", False, "may not post messages in @my_channel"),
        ("left", True, "is not a member of @my_channel"),
    ],
)
def test_check_fails_when_the_bot_may_not_post(telegram_api, status, can_post, problem):
    telegram_api.bot_status, telegram_api.can_post_messages = status, can_post
    err = error_of(channel(telegram_api), check)
    assert isinstance(err, AuthError)
    assert str(err).startswith(f"@my_bot {problem}: add the bot to @my_channel as an admin")


def test_check_with_a_wrong_token_is_an_auth_error_without_the_token(telegram_api):
    wrong = "654321:WRONG-TOKEN-xyz"
    err = error_of(channel(telegram_api, token=wrong), check)
    assert isinstance(err, AuthError) and "Unauthorized" in str(err)
    assert wrong not in str(err) and TOKEN not in str(err)


def test_check_of_an_unknown_chat_says_so(telegram_api):
    err = error_of(channel(telegram_api, chat_id="@nowhere_here"), check)
    assert isinstance(err, RejectedError) and "chat not found" in str(err).lower()


# --- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (flood(7), RateLimitedError, "flood control"),
        (server_error(), AmbiguousError, "Internal Server Error"),
        (unauthorized(), AuthError, "rejected the bot token"),
        (forbidden(), AuthError, "bot was kicked from the channel chat"),
        (
            bad_request(
                'Bad Request: can\'t parse entities: unsupported start tag "x" at byte offset 3'
            ),
            RejectedError,
            "can't parse entities: unsupported start tag",
        ),
        (dropped(), AmbiguousError, "Server disconnected without sending a response"),
    ],
    ids=["429", "500", "401", "403", "400", "dropped"],
)
def test_each_failure_becomes_the_error_dispatch_acts_on(telegram_api, answer, error, words):
    telegram_api.script(answer)
    err = error_of(channel(telegram_api), send())
    assert type(err) is error
    assert words.lower() in str(err).lower()
    assert len(telegram_api.calls_to("sendMessage")) == 1  # no retry behind our back


def test_rate_limit_carries_telegrams_retry_after(telegram_api):
    telegram_api.script(flood(7))
    err = error_of(channel(telegram_api), send())
    assert isinstance(err, RateLimitedError) and err.retry_after == 7.0


def test_forbidden_explains_the_pause(telegram_api):
    telegram_api.script(forbidden())
    err = error_of(channel(telegram_api), send())
    assert str(err) == (
        "bot was removed from the channel or lacks rights to post: "
        "Forbidden: bot was kicked from the channel chat"
    )


def test_bad_request_keeps_telegrams_description(telegram_api):
    post = outgoing("<b>bold</i>")  # the fake's own HTML check, no scripted answer
    err = error_of(channel(telegram_api), send(post))
    assert isinstance(err, RejectedError)
    assert str(err) == (
        "Bad Request: Can't parse entities: unmatched end tag at byte offset "
        '7, expected "</b>", found "</i>"'
    )
    assert telegram_api.messages == []


def test_a_slow_answer_is_ambiguous_and_the_post_may_well_be_out(telegram_api):
    telegram_api.script(slow(2.0))
    err = error_of(channel(telegram_api, timeout=0.3), send())
    assert isinstance(err, AmbiguousError) and "in time" in str(err)
    assert len(telegram_api.messages) == 1  # Telegram posted it; the answer came too late


def test_a_dropped_connection_after_posting_is_ambiguous(telegram_api):
    telegram_api.script(dropped(deliver=True))
    err = error_of(channel(telegram_api), send())
    assert isinstance(err, AmbiguousError) and len(telegram_api.messages) == 1


def test_a_refused_connection_is_not_delivered(telegram_api):
    telegram_api.refuse_connections()
    err = error_of(channel(telegram_api), send())
    assert type(err) is NotDeliveredError and "could not connect" in str(err)
    assert telegram_api.calls == []


def test_refused_then_listening_again_delivers(telegram_api):
    tg = channel(telegram_api)
    run(tg, send())
    telegram_api.refuse_connections()  # also cuts the kept-alive connection
    assert type(error_of(tg, send())) is NotDeliveredError
    telegram_api.accept_connections()
    assert run(tg, send()).remote_id == "2"


def test_a_wrong_token_is_an_auth_error_without_either_token(telegram_api):
    wrong = "654321:WRONG-TOKEN-xyz"
    err = error_of(channel(telegram_api, token=wrong), send())
    assert isinstance(err, AuthError)
    assert wrong not in str(err) and TOKEN not in repr(err)
    assert telegram_api.messages == []


def test_the_channel_works_again_after_a_failure(telegram_api):
    telegram_api.script(server_error(), dropped())
    tg = channel(telegram_api)
    assert isinstance(error_of(tg, send()), AmbiguousError)
    assert isinstance(error_of(tg, send()), AmbiguousError)
    assert run(tg, send()).remote_id == "1"


@pytest.mark.parametrize(
    ("text", "fits"),
    [
        ("a" * 4096, True),
        ("a" * 4097, False),
        ("😀" * 2048, True),  # two UTF-16 code units each
        ("😀" * 2048 + "a", False),
        ("<b>" + "a" * 4096 + "</b>", True),  # tags do not count, only visible text
        ("&amp;" * 4096, True),
    ],
)
def test_telegram_counts_visible_utf16_units(telegram_api, text, fits):
    tg = channel(telegram_api)
    if fits:
        assert run(tg, send(outgoing(text))).remote_id == "1"
    else:
        err = error_of(tg, send(outgoing(text)))
        assert isinstance(err, RejectedError) and "message is too long" in str(err).lower()


# --- the mapping itself, with python-telegram-bot's own exceptions -------------------------


def _raised_from(error: Exception, cause: BaseException) -> Exception:
    try:
        raise error from cause
    except Exception as exc:
        return exc


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_raised_from(TimedOut(), httpx.ConnectTimeout("connect")), NotDeliveredError),
        (_raised_from(TimedOut("Pool timeout: …"), httpx.PoolTimeout("pool")), NotDeliveredError),
        (_raised_from(TimedOut(), httpx.ReadTimeout("read")), AmbiguousError),
        (_raised_from(TimedOut(), httpx.WriteTimeout("write")), AmbiguousError),
        (
            _raised_from(
                NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("refused")
            ),
            NotDeliveredError,
        ),
        (NetworkError("Bad Gateway"), AmbiguousError),
        (ChatMigrated(-100777), AuthError),
    ],
)
def test_network_errors_split_on_whether_the_request_left(error, expected):
    mapped = channel_error(error, TOKEN)
    assert type(mapped) is expected


def test_retry_after_as_timedelta_is_seconds():
    err = channel_error(RetryAfter(timedelta(seconds=42)), TOKEN)
    assert isinstance(err, RateLimitedError) and err.retry_after == 42.0


def test_ptb_invalid_token_message_never_repeats_the_token():
    # Bot.initialize raises exactly this when the server refuses the token.
    unregistered = "999999:NEVER-REGISTERED-token"
    err = channel_error(
        InvalidToken(f"The token `{unregistered}` was rejected by the server."), unregistered
    )
    assert isinstance(err, AuthError) and unregistered not in str(err)


def test_chat_migration_names_the_new_chat_id():
    assert "chat_id = -100777" in str(channel_error(ChatMigrated(-100777)))


def test_repr_never_shows_the_token():
    tg = TelegramChannel("tg", token=TOKEN, chat_id="@my_channel")
    assert TOKEN not in repr(tg)
