"""Feeds that fail: one clear line each, recorded for `status`, retried later and later;
and polls in the daemon (progress lines).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from bot.durations import parse_duration
from bot.sources.feeds.jobs import FeedJobs
from bot.sources.feeds.poll import retry_delay
from tests.fakes.web import MIB, web_fixture  # noqa: F401  (the fixture `web`)
from tests.feed_support import (  # noqa: F401  (the fixture `make_bot`)
    FEED,
    NOW,
    Bot,
    make_bot_fixture,
    rss,
)

# --- failures ------------------------------------------------------------------------------


def _broken(bot: Bot, kind: str) -> str:
    if kind == "404":
        return "HTTP 404 Not Found"
    if kind == "500":
        bot.publish("oops", status=500)
        return "HTTP 500 Internal Server Error"
    if kind == "malformed xml":
        bot.publish("<?xml version='1.0'?><rss version='2.0'><channel><<<item>")
        return "not a feed: malformed XML (not well-formed (invalid token) at line 1, column"
    if kind == "html":
        bot.publish(
            "<!DOCTYPE html><html><head><title>Blog</title><link rel='alternate' "
            "type='application/rss+xml' href='/blog/feed/'></head><body><p>Hi</p>"
            "</body></html>",
            content_type="text/html",
        )
        return (
            f"not a feed: an HTML page (the page names its feed: "
            f"{bot.web.url('/blog/feed/')}; use that as `feed`)"
        )
    if kind == "redirect loop":
        bot.web.redirect(FEED, FEED)
        return "redirect loop"
    if kind == "huge":
        bot.web.huge(FEED, 2048 * MIB)
        return "too large (over the 10.0 MiB limit)"
    assert kind == "slow"
    bot.publish(rss(bot.posts(1)), delay=3.0)
    return "timed out after 1s"


@pytest.mark.parametrize(
    "kind", ["404", "500", "malformed xml", "html", "redirect loop", "huge", "slow"]
)
def test_a_feed_that_fails_ends_in_one_line_and_backs_off(make_bot, caplog, kind):
    bot = make_bot(poll="10m")
    expected = _broken(bot, kind)
    with caplog.at_level(logging.WARNING, logger="excerpt_bot"):
        report = bot.poll()
    assert report.error is not None and "\n" not in report.error
    assert report.error.startswith(f"{bot.source.feed}: {expected}"), report.error
    assert report.next_poll_at == NOW + timedelta(minutes=10)
    [event] = [r for r in caplog.records if r.getMessage() == "feed.failed"]
    assert event.fields["failures"] == 1
    assert event.fields["next_poll"] == report.next_poll_at.isoformat()
    state = bot.store.feed_state(bot.source.feed)
    assert (state.failures, state.last_success_at) == (1, None)
    assert state.last_error == report.error.removeprefix(f"{bot.source.feed}: ")


def test_failures_back_off_and_a_success_resets_them(make_bot):
    bot = make_bot(poll="10m")
    now = NOW
    for failures, delay in enumerate((10, 20, 40), 1):
        report = bot.poll(now)
        assert report.next_poll_at == now + timedelta(minutes=delay)
        assert bot.store.feed_state(bot.source.feed).failures == failures
        assert not bot.poller.due(bot.source, now + timedelta(minutes=delay / 2 - 1))
        now += timedelta(minutes=delay)
        assert bot.poller.due(bot.source, now)
    bot.publish(rss(bot.posts(1)))
    report = bot.poll(now)
    assert report.error is None and report.new == 1  # the first success is the first sync
    state = bot.store.feed_state(bot.source.feed)
    assert (state.failures, state.last_success_at, state.next_poll_at) == (
        0,
        now,
        now + timedelta(minutes=10),
    )


@pytest.mark.parametrize(
    ("failures", "poll", "expected"),
    [
        (0, "30m", "30m"),
        (1, "30m", "30m"),
        (2, "30m", "1h"),
        (4, "30m", "4h"),
        (5, "30m", "6h"),  # capped
        (50, "30m", "6h"),
        (3, "12h", "12h"),  # a poll interval longer than the cap is the cap
        (3, "1s", "4s"),
    ],
)
def test_retry_delay_grows_and_is_capped(failures, poll, expected):
    assert retry_delay(failures, parse_duration(poll)) == parse_duration(expected)


# --- in the daemon ---------------------------------------------------------------------------


def test_daemon_polls_log_progress_every_ten_entries(tmp_path, web, caplog):
    bot = Bot(tmp_path, web, backlog="evergreen")
    bot.publish(rss(bot.posts(*range(1, 26))))
    jobs = FeedJobs(clock=lambda: NOW)
    jobs.configure(bot.config, bot.store)
    with caplog.at_level(logging.INFO, logger="excerpt_bot"):
        report = asyncio.run(jobs.poll(bot.source.feed))
    bot.store.close()
    assert (report.new, report.evergreen) == (1, 24)
    progress = [
        (r.fields["done"], r.fields["total"])
        for r in caplog.records
        if r.getMessage() == "feed.progress"
    ]
    assert progress == [(10, 25), (20, 25), (25, 25)]
    [polled] = [r.fields for r in caplog.records if r.getMessage() == "feed.polled"]
    assert (polled["new"], polled["evergreen"], polled["status"]) == (1, 24, "ok")
    assert sum(r.getMessage() == "article.ingested" for r in caplog.records) == 25
