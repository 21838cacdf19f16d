"""Feeds from the command line: `poll` now, `status` (and `--json`) showing each feed's health."""

from __future__ import annotations

import json

from tests.fakes.web import web_fixture  # noqa: F401  (the fixture `web`)
from tests.feed_support import Post, rss
from tests.test_cli_operate_support import error_lines, invoke, ok, write_bot

CONFIG = """\
[bot]
database = "var/bot.sqlite3"
posts_dir = "posts"
fetch_timeout = "2s"

[channels.console]
platform = "console"
schedule = {{ every = "1h" }}

[[sources]]
feed = "{good}"
poll = "15m"

[[sources]]
feed = "{bad}"
channels = ["console"]

[[sources]]
feed = "{later}"
"""


def bot_with_feeds(tmp_path, web):
    posts = [Post(n, web.url("").rstrip("/")) for n in (2, 1)]
    good = web.serve("/feed.xml", rss(posts), content_type="application/rss+xml")
    urls = {"good": good, "bad": web.url("/gone.xml"), "later": web.url("/later.xml")}
    return write_bot(tmp_path, CONFIG.format(**urls)), urls, posts


def test_poll_polls_every_feed_and_reports_failures_in_one_line_each(tmp_path, web):
    config, urls, _ = bot_with_feeds(tmp_path, web)
    result = invoke("poll", "--config", config)
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{urls['good']}: 1 new, 0 changed, 0 unchanged, 1 only recorded, "
        "0 evergreen, 0 failed; " + lines[0].split("failed; ")[1]
    )
    assert lines[1].startswith(f"{urls['bad']}: failed; next attempt ")
    assert error_lines(result) == [
        f"{urls['bad']}: HTTP 404 Not Found (no page there: check the URL)",
        f"{urls['later']}: HTTP 404 Not Found (no page there: check the URL)",
    ]
    only = ok("poll", "--config", config, "--feed", urls["good"])
    assert only.stdout.startswith(f"{urls['good']}: 0 new, 0 changed, 2 unchanged")
    [line] = error_lines(invoke("poll", "--config", config, "--feed", web.url("/other.xml")))
    assert line.startswith(f"no [[sources]] feed {web.url('/other.xml')} in ")


def test_status_shows_each_feeds_last_success_last_error_and_next_poll(tmp_path, web):
    config, urls, _ = bot_with_feeds(tmp_path, web)
    invoke("poll", "--config", config, "--feed", urls["good"], "--feed", urls["bad"])
    status = json.loads(ok("status", "--config", config, "--json").stdout)
    assert set(status) == {"generated_at", "database", "channels", "feeds", "instances"}
    feeds = status["feeds"]
    assert list(feeds) == sorted(urls.values())
    good, bad, later = feeds[urls["good"]], feeds[urls["bad"]], feeds[urls["later"]]
    assert set(good) == {
        "in_config",
        "poll",
        "channels",
        "title",
        "state",
        "last_polled_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "failures",
        "next_poll_at",
        "entries",
    }
    assert (good["state"], good["poll"], good["channels"], good["title"]) == (
        "ok",
        "15m",
        None,
        "Test Garden Blog",
    )
    assert good["last_success_at"] is not None and good["last_error"] is None
    assert good["entries"] == {"ingested": 1, "skipped": 1}
    assert (bad["state"], bad["failures"], bad["channels"]) == ("failing", 1, ["console"])
    assert bad["last_error"] == "HTTP 404 Not Found (no page there: check the URL)"
    assert bad["last_success_at"] is None and bad["next_poll_at"] > bad["last_error_at"]
    assert (later["state"], later["last_polled_at"], later["entries"]) == (
        "not polled yet",
        None,
        {},
    )
    table = ok("status", "--config", config).stdout
    assert "feeds" in table and urls["bad"] in table and "failing (1 in a row)" in table
    assert "HTTP 404 Not Found" in table and "not polled yet" in table


def test_a_feed_dropped_from_the_config_stays_in_status(tmp_path, web):
    config, urls, _ = bot_with_feeds(tmp_path, web)
    ok("poll", "--config", config, "--feed", urls["good"])
    text = config.read_text(encoding="utf-8")
    config.write_text(text.split("[[sources]]")[0], encoding="utf-8")
    feeds = json.loads(ok("status", "--config", config, "--json").stdout)["feeds"]
    assert list(feeds) == [urls["good"]]
    assert (feeds[urls["good"]]["state"], feeds[urls["good"]]["in_config"]) == (
        "not in config",
        False,
    )


def test_poll_without_sources_is_one_line(tmp_path):
    config = write_bot(tmp_path, CONFIG.format(good="", bad="", later="").split("[[sources]]")[0])
    [line] = error_lines(invoke("poll", "--config", config))
    assert line == f'{config} has no [[sources]] (add one with feed = "https://example.org/feed/")'


def test_check_describes_the_sources(tmp_path, web):
    config, urls, _ = bot_with_feeds(tmp_path, web)
    out = ok("check", "--config", config).stdout
    assert (
        f"  {urls['good']}: every 15m; to every channel; first poll queues the newest 1, "
        "skips the rest" in out
    )
    assert "sources: 3 feeds" in out


def test_check_warns_about_a_feed_polled_too_often(tmp_path, web):
    config, _, _ = bot_with_feeds(tmp_path, web)
    config.write_text(
        config.read_text(encoding="utf-8").replace('poll = "15m"', 'poll = "10s"'), encoding="utf-8"
    )
    result = ok("check", "--config", config)
    assert f"{config}: sources[0].poll: fetches the feed every 10s" in result.output
