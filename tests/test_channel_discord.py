"""Discord end to end through dispatch: the real store, the real channel (httpx), the fake
webhook on 127.0.0.1.

What a user would see: each excerpt posted exactly once, with its message's address; a
rate limit waited out; a deleted webhook pausing the channel; a refused post failing with
Discord's reason; an answer that may hide a post marking it unknown (never reposted,
unless `on_unknown = "retry"`); `check` naming the webhook; no webhook URL in any log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import load_config
from bot.errors import AuthError
from bot.ingest import load_article
from bot.logs import setup_logging
from bot.platforms import build_channel
from bot.platforms.discord import DiscordChannel
from bot.render import DISCORD, render_post
from bot.render.channel import excerpts_for
from tests.conftest import PROJECT
from tests.daemon_support import restored_logging, write_config
from tests.dispatch_support import T0, Clock, make_dispatcher, run_slots, stored
from tests.fakes import discord_api as fake
from tests.fakes.discord_api import discord_api_fixture  # noqa: F401  (`discord_api`)
from tests.fakes.webhook import dropped, error, slow

ARTICLE = PROJECT / "posts" / "unveiling-cytokines.md"


def render(channel, article, excerpt):
    post = render_post(excerpt.text, article, DISCORD)
    return post.text, post.parse_mode


@pytest.fixture
def store(tmp_path):
    article = load_article(ARTICLE)
    yield from stored(
        tmp_path,
        article,
        excerpts=excerpts_for(article, DISCORD),
        channels=[("dc", False), ("other", False)],
    )


def channel(api, *, url: str | None = None, timeout: float = 2.0) -> DiscordChannel:
    return DiscordChannel("dc", webhook_url=url or api.url, timeout=timeout)


def dispatch(
    store,
    api,
    clock=None,
    *,
    times: int = 1,
    timeout: float = 2.0,
    url: str | None = None,
    **policy,
) -> list[str]:
    d = make_dispatcher(
        store, channel(api, url=url, timeout=timeout), clock or Clock(), render, **policy
    )
    return run_slots(d, "dc", times)


def outcomes(store, post_id: int) -> list[str]:
    return [a.outcome for a in store.attempts(post_id)]


def only(store, status: str):
    [post] = store.history(channel="dc", status=status)
    return post


def test_every_excerpt_goes_out_once_with_its_message_address(store, discord_api):
    queued = store.queue_depths()["dc"]
    assert queued >= 3
    assert dispatch(store, discord_api, times=queued + 1) == ["sent"] * queued + ["empty"]
    texts = discord_api.texts
    assert len(texts) == queued == len(set(texts))
    posts = discord_api.posts()
    assert all(p.query["wait"] == ["true"] for p in posts)
    assert all(p.json["allowed_mentions"] == {"parse": []} for p in posts)
    sent = store.history(channel="dc", status="sent")
    assert sorted(p.text for p in sent) == sorted(texts)
    ids = [m["id"] for m in discord_api.messages]
    assert sorted(p.remote_id for p in sent) == sorted(ids)
    assert {p.remote_url for p in sent} == {
        f"https://discord.com/channels/{fake.GUILD_ID}/{fake.CHANNEL_ID}/{i}" for i in ids
    }
    # The message does not name its guild: the webhook was read for it once, not per post.
    assert [r.method for r in discord_api.requests].count("GET") == 1
    assert store.queue_depths()["other"] == queued  # the other channel is untouched


def test_guild_in_the_answer_needs_no_extra_request(store, discord_api):
    discord_api.answer_guild = True
    assert dispatch(store, discord_api, times=2) == ["sent", "sent"]
    assert [r.method for r in discord_api.requests] == ["POST", "POST"]
    assert all(
        p.remote_url.startswith(f"https://discord.com/channels/{fake.GUILD_ID}/")
        for p in store.history(channel="dc", status="sent")
    )


def test_a_guild_that_cannot_be_read_leaves_the_post_sent_without_an_address(store, discord_api):
    discord_api.script(slow(0), fake.server_error())  # the POST goes, the GET for the guild fails
    assert dispatch(store, discord_api) == ["sent"]
    post = only(store, "sent")
    assert post.remote_id == discord_api.messages[0]["id"] and post.remote_url is None
    assert [r.method for r in discord_api.requests] == ["POST", "GET"]


def test_the_webhook_urls_own_query_is_kept_beside_wait(store, discord_api):
    # A forum or thread webhook URL carries ?thread_id=...: it must reach Discord too.
    assert dispatch(store, discord_api, url=discord_api.url + "?thread_id=42") == ["sent"]
    [request] = discord_api.posts()
    assert request.query == {"thread_id": ["42"], "wait": ["true"]}


@pytest.mark.parametrize(
    ("answer", "wait"),
    [(fake.rate_limited(2.5), 2.5), (fake.rate_limited(2.5, header_only=True), 3)],
    ids=["json-body", "header"],
)
def test_rate_limit_is_waited_out_and_the_post_goes_once(store, discord_api, answer, wait):
    discord_api.script(answer)
    clock = Clock()
    assert dispatch(store, discord_api, clock) == ["sent"]
    assert clock.now - T0 == timedelta(seconds=wait)
    assert len(discord_api.posts()) == 2 and len(discord_api.messages) == 1
    assert outcomes(store, only(store, "sent").id) == ["RateLimitedError", "sent"]


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        (fake.unknown_webhook(), "404 Unknown Webhook"),
        (fake.unauthorized(), "401 Invalid Webhook Token"),
        (error(405, {"message": "405: Method Not Allowed", "code": 0}), "405: Method Not Allowed"),
        (
            error(
                301, "", headers={"Location": "https://discord.com/api/webhooks/1/" + fake.TOKEN}
            ),
            "301 Moved Permanently",
        ),
    ],
    ids=["404-deleted", "401-token", "405-not-a-webhook", "301-redirect"],
)
def test_a_deleted_webhook_pauses_the_channel_and_keeps_the_posts(
    store, discord_api, answer, shown
):
    queued = store.queue_depths()["dc"]
    discord_api.script(answer)
    assert dispatch(store, discord_api, times=2) == ["paused", "paused"]
    state = store.channel_state("dc")
    assert state.paused and shown in state.paused_reason
    assert "DISCORD_WEBHOOK_URL" in state.paused_reason  # where to put a new one
    assert fake.TOKEN not in state.paused_reason
    assert len(discord_api.requests) == 1  # a paused channel sends nothing more
    assert store.queue_depths() == {"dc": queued, "other": queued}


def test_a_refused_post_fails_with_discords_reason_and_the_next_goes(store, discord_api):
    discord_api.script(fake.invalid_form_body())
    assert dispatch(store, discord_api) == ["failed"]
    error = store.attempts(only(store, "failed").id)[0].error
    assert "Invalid Form Body (content: Must be 2000 or fewer in length.)" in error
    assert dispatch(store, discord_api) == ["sent"]
    assert len(discord_api.messages) == 1


@pytest.mark.parametrize(
    ("answer", "posted"),
    [
        (fake.server_error(), 0),
        (fake.server_error(deliver=True), 1),
        (slow(2.0), 1),
        (dropped(), 0),
        (dropped(deliver=True), 1),
    ],
    ids=["500-before", "500-after", "slow", "dropped-before", "dropped-after"],
)
def test_an_answer_that_may_hide_a_post_marks_it_unknown(store, discord_api, answer, posted):
    discord_api.script(answer)
    assert dispatch(store, discord_api, timeout=0.5) == ["unknown"]
    assert outcomes(store, only(store, "unknown").id) == ["AmbiguousError"]
    assert len(discord_api.posts()) == 1  # never re-sent blindly
    assert len(discord_api.messages) == posted


def test_on_unknown_retry_sends_again_after_an_ambiguous_answer(store, discord_api):
    discord_api.script(fake.server_error())  # the message was not created
    assert dispatch(store, discord_api, on_unknown="retry") == ["sent"]
    assert len(discord_api.posts()) == 2 and len(discord_api.messages) == 1
    assert outcomes(store, only(store, "sent").id) == ["AmbiguousError", "sent"]


def test_a_refused_connection_is_retried_until_discord_is_back(store, discord_api):
    discord_api.refuse_connections()
    clock = Clock()
    clock.on_sleep = discord_api.accept_connections
    assert dispatch(store, discord_api, clock) == ["sent"]
    assert outcomes(store, only(store, "sent").id) == ["NotDeliveredError", "sent"]
    assert len(discord_api.messages) == 1


def check(api, **kwargs) -> str:
    async def go():
        ch = channel(api, **kwargs)
        try:
            return await ch.check()
        finally:
            await ch.aclose()

    return asyncio.run(go())


def test_check_reads_the_webhook_and_names_its_channel(discord_api):
    assert check(discord_api) == f"posts to #{fake.CHANNEL_ID} on {fake.GUILD_ID} as Excerpts"
    assert [r.method for r in discord_api.requests] == ["GET"] and not discord_api.messages
    discord_api.deleted = True
    with pytest.raises(AuthError, match="Unknown Webhook"):
        check(discord_api)


def test_a_webhook_variable_that_holds_no_url_is_one_line_without_its_value(tmp_path):
    config = load_config(
        write_config(
            tmp_path,
            """
[channels.dc]
platform = "discord"
schedule = { every = "1h" }
""",
        )
    )
    with pytest.raises(Exception) as raised:
        build_channel(config.channels["dc"], {"DISCORD_WEBHOOK_URL": "not-a-url-s3cr3t"})
    message = str(raised.value)
    assert "channels.dc.webhook_url_env" in message and "DISCORD_WEBHOOK_URL" in message
    assert "https://discord.com/api/webhooks/" in message and "\n" not in message
    assert "s3cr3t" not in message


def test_no_webhook_url_in_any_log_line_or_output(store, discord_api, tmp_path, capfd):
    log_file = tmp_path / "bot.log"
    with restored_logging():
        setup_logging(level="debug", fmt="json", file=log_file)
        for name in ("httpx", "httpcore"):  # let them log request URLs, which hold the token
            logging.getLogger(name).setLevel(logging.DEBUG)
        discord_api.script(
            fake.rate_limited(1), fake.server_error(), dropped(), fake.invalid_form_body()
        )
        # rate limit, then its retry meets the 500; the drop; the 400; then one goes out.
        assert dispatch(store, discord_api, times=4) == ["unknown", "unknown", "failed", "sent"]
        store.retry(only(store, "failed").id, now=datetime.now(UTC))  # one more to send
        wrong = discord_api.url.replace(fake.TOKEN, "wR0ng-t0k3n-" + fake.TOKEN[::-1])
        assert dispatch(store, discord_api, url=wrong) == ["paused"]
        assert check(discord_api).startswith("posts to #")
        logging.getLogger("excerpt_bot").debug("channel %r", channel(discord_api))
    out, err = capfd.readouterr()
    logged = log_file.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in logged.splitlines()]
    # httpx did log each request's URL, redacted: this test can fail.
    assert any(
        line.get("logger") == "httpx"
        and line["event"].startswith("HTTP Request: POST")
        and "***" in line["event"]
        for line in lines
    )
    stored_text = " ".join(
        filter(
            None,
            (
                store.channel_state("dc").paused_reason,
                *[a.error or "" for p in store.history(channel="dc") for a in store.attempts(p.id)],
            ),
        )
    )
    for secret in (fake.TOKEN, wrong.rsplit("/", 1)[1], discord_api.url):
        for where, text in (
            ("log", logged),
            ("stdout", out),
            ("stderr", err),
            ("store", stored_text),
        ):
            assert secret not in text, f"webhook secret in the {where}"
