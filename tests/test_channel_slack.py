"""Slack end to end through dispatch: the real store, the real channel (httpx), the fake
incoming webhook on 127.0.0.1.

What a user would see: each excerpt posted exactly once as mrkdwn Slack shows as meant
(the article's "&", "<" and ">" escaped, the link on the title), recorded `sent` without an
id; a rate limit waited out; a webhook that is gone pausing the channel; a refused post
failing with Slack's error; an answer that may hide a post marking it unknown (never
reposted, unless `on_unknown = "retry"`); `check` saying it cannot verify without posting;
no webhook URL in any log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.ingest import load_article
from bot.logs import setup_logging
from bot.platforms.slack import SlackChannel
from bot.render import SLACK, render_post
from bot.render.channel import excerpts_for
from tests.conftest import PROJECT
from tests.daemon_support import restored_logging
from tests.dispatch_support import T0, Clock, cytokines, make_dispatcher, run_slots, stored
from tests.fakes import slack_api as fake
from tests.fakes.slack_api import slack_api_fixture  # noqa: F401  (`slack_api`)
from tests.fakes.webhook import dropped, error, slow

ARTICLE = PROJECT / "posts" / "unveiling-cytokines.md"
MARKUP = (  # an article whose text and title Slack would misread unescaped
    "IL-6 & TNF-α levels <10 pg/mL are normal, and > 100 pg/mL means inflammation.",
    "Interleukin-6 rises within hours of an infection and drives the fever <response>.",
)


def render(channel, article, excerpt):
    post = render_post(excerpt.text, article, SLACK)
    return post.text, post.parse_mode


@pytest.fixture
def store(tmp_path):
    article = load_article(ARTICLE)
    yield from stored(
        tmp_path,
        article,
        excerpts=excerpts_for(article, SLACK),
        channels=[("sl", False), ("other", False)],
    )


def dispatch(
    store, api, clock=None, *, times: int = 1, timeout: float = 2.0, **policy
) -> list[str]:
    channel = SlackChannel("sl", webhook_url=api.url, timeout=timeout)
    return run_slots(
        make_dispatcher(store, channel, clock or Clock(), render, **policy), "sl", times
    )


def outcomes(store, post_id: int) -> list[str]:
    return [a.outcome for a in store.attempts(post_id)]


def only(store, status: str):
    [post] = store.history(channel="sl", status=status)
    return post


def test_every_excerpt_goes_out_once_as_mrkdwn_without_an_id(store, slack_api):
    queued = store.queue_depths()["sl"]
    assert queued >= 3
    assert dispatch(store, slack_api, times=queued + 1) == ["sent"] * queued + ["empty"]
    texts = slack_api.texts
    assert len(texts) == queued == len(set(texts))
    assert all(m["text"] == m["blocks"][0]["text"]["text"] for m in slack_api.messages)
    assert all(m["blocks"][0]["text"]["type"] == "mrkdwn" for m in slack_api.messages)
    assert all(m["unfurl_links"] is True for m in slack_api.messages)  # the article's preview
    sent = store.history(channel="sl", status="sent")
    assert sorted(p.text for p in sent) == sorted(texts)
    assert all(p.remote_id is None and p.remote_url is None for p in sent)
    article = load_article(ARTICLE)
    assert slack_api.links == [(article.url, article.title)] * queued
    assert store.queue_depths()["other"] == queued


def test_markup_in_the_article_is_escaped_so_slack_shows_it_as_written(tmp_path, slack_api):
    article = replace(cytokines(MARKUP), title="Cytokines <& you>")
    for store in stored(tmp_path, article, channels=[("sl", False)]):
        queued = store.queue_depths()["sl"]
        assert dispatch(store, slack_api, times=queued) == ["sent"] * queued
    # The strict fake refused nothing: every "&", "<" and ">" reached Slack escaped.
    shown = [fake.decode(text) for text in slack_api.texts]
    assert len(shown) == queued == 2
    assert any(text.startswith(MARKUP[0]) for text in shown)
    assert any(text.startswith(MARKUP[1]) for text in shown)
    assert slack_api.links == [(article.url, "Cytokines <& you>")] * 2


def test_the_fake_refuses_what_slack_would_garble(slack_api):
    """The fake's mrkdwn check can fail: unescaped text is refused, so the test above means
    something."""

    async def post(text: str) -> int:
        import httpx

        async with httpx.AsyncClient() as client:
            response = await client.post(
                slack_api.url,
                json={"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]},
            )
            return response.status_code

    assert asyncio.run(post("IL-6 & TNF <10")) == 400
    assert asyncio.run(post("IL-6 &amp; TNF &lt;10 <https://a.example/|a>")) == 200
    assert asyncio.run(post("x" * 3001)) == 400


def test_rate_limit_is_waited_out_and_the_post_goes_once(store, slack_api):
    slack_api.script(fake.rate_limited(4))
    clock = Clock()
    assert dispatch(store, slack_api, clock) == ["sent"]
    assert clock.now - T0 == timedelta(seconds=4)
    assert len(slack_api.posts()) == 2 and len(slack_api.messages) == 1
    assert outcomes(store, only(store, "sent").id) == ["RateLimitedError", "sent"]


@pytest.mark.parametrize(
    "reason", ["invalid_token", "no_service", "channel_not_found", "channel_is_archived"]
)
def test_a_webhook_that_is_gone_pauses_the_channel(store, slack_api, reason):
    queued = store.queue_depths()["sl"]
    slack_api.gone = reason
    assert dispatch(store, slack_api, times=2) == ["paused", "paused"]
    state = store.channel_state("sl")
    assert state.paused and reason in state.paused_reason
    assert f"{fake.GONE_STATUS[reason]} {reason}" in state.paused_reason
    assert "SLACK_WEBHOOK_URL" in state.paused_reason
    assert len(slack_api.posts()) == 1 and slack_api.messages == []
    assert store.queue_depths() == {"sl": queued, "other": queued}


def test_a_url_that_is_no_webhook_pauses_rather_than_failing_each_post(store, slack_api):
    slack_api.script(error(302, "", headers={"Location": "https://slack.com/"}))
    assert dispatch(store, slack_api, times=2) == ["paused", "paused"]
    assert "302 Found" in store.channel_state("sl").paused_reason
    assert store.history(channel="sl", status="failed") == []


@pytest.mark.parametrize("reason", ["invalid_payload", "too_many_attachments"])
def test_a_refused_post_fails_with_slacks_error_and_the_next_goes(store, slack_api, reason):
    slack_api.script(error(400, reason))
    assert dispatch(store, slack_api) == ["failed"]
    assert (
        f"Slack refused the post (400 {reason})"
        in store.attempts(only(store, "failed").id)[0].error
    )
    assert not store.channel_state("sl").paused
    assert dispatch(store, slack_api) == ["sent"]
    assert len(slack_api.messages) == 1


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
def test_an_answer_that_may_hide_a_post_marks_it_unknown(store, slack_api, answer, posted):
    slack_api.script(answer)
    assert dispatch(store, slack_api, timeout=0.5) == ["unknown"]
    assert outcomes(store, only(store, "unknown").id) == ["AmbiguousError"]
    assert len(slack_api.posts()) == 1  # never re-sent blindly
    assert len(slack_api.messages) == posted


def test_on_unknown_retry_sends_again_after_an_ambiguous_answer(store, slack_api):
    slack_api.script(fake.server_error())
    assert dispatch(store, slack_api, on_unknown="retry") == ["sent"]
    assert len(slack_api.posts()) == 2 and len(slack_api.messages) == 1
    assert outcomes(store, only(store, "sent").id) == ["AmbiguousError", "sent"]


def test_a_refused_connection_is_retried_until_slack_is_back(store, slack_api):
    slack_api.refuse_connections()
    clock = Clock()
    clock.on_sleep = slack_api.accept_connections
    assert dispatch(store, slack_api, clock) == ["sent"]
    assert outcomes(store, only(store, "sent").id) == ["NotDeliveredError", "sent"]
    assert len(slack_api.messages) == 1


def test_check_says_it_cannot_verify_without_posting(slack_api):
    async def go():
        channel = SlackChannel("sl", webhook_url=slack_api.url, url_env="TEAM_HOOK")
        try:
            return await channel.check()
        finally:
            await channel.aclose()

    answer = asyncio.run(go())
    assert (
        answer.startswith("not verified: a Slack incoming webhook can only be tested by posting")
        and "TEAM_HOOK" in answer
        and "\n" not in answer
    )
    assert slack_api.requests == []  # nothing was sent, not even a probe


def test_no_webhook_url_in_any_log_line_or_output(store, slack_api, tmp_path, capfd):
    log_file = tmp_path / "bot.log"
    with restored_logging():
        setup_logging(level="debug", fmt="json", file=log_file)
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        slack_api.script(
            fake.rate_limited(1),
            fake.server_error(),
            dropped(),
            error(400, "invalid_payload"),
            fake.gone("no_service"),
        )
        assert dispatch(store, slack_api, times=5) == [
            "unknown",
            "unknown",
            "failed",
            "paused",
            "paused",
        ]
    out, err = capfd.readouterr()
    logged = log_file.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in logged.splitlines()]
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
                store.channel_state("sl").paused_reason,
                *[a.error or "" for p in store.history(channel="sl") for a in store.attempts(p.id)],
            ),
        )
    )
    secret = fake.SECRET_PATH.rsplit("/", 1)[1]
    for where, text in (("log", logged), ("stdout", out), ("stderr", err), ("store", stored_text)):
        assert secret not in text and slack_api.url not in text, f"webhook URL in the {where}"
