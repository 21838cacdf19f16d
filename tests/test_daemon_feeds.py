"""The daemon and a feed, end to end: the real daemon in this process on a stepped clock, a
real feed server on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner

from bot.cli import cli
from bot.store import Store
from tests.daemon_support import (
    T0,
    events,
    hours,
    in_process,
    outbox_lines,
    restored_logging,
    write_config,
)
from tests.fakes.web import web_fixture  # noqa: F401  (the fixture `web`)
from tests.feed_support import Post, rss

CONSOLE = """
[channels.console]
platform = "console"
schedule = {{ every = "{every}" }}
outbox = "var/outbox.jsonl"
"""


def test_a_feed_added_to_the_config_starts_posting_its_new_articles(tmp_path, web):
    base = web.url("").rstrip("/")
    first, second = Post(1, base), Post(2, base)
    web.serve("/feed.xml", rss([first]), content_type="application/rss+xml", etag='"v1"')
    config = write_config(tmp_path, CONSOLE.format(every="1h"))
    outbox, log = tmp_path / "var/outbox.jsonl", tmp_path / "var/bot.log"

    def links() -> list[str]:
        return [
            next((p.link for p in (first, second) if p.link in line["text"]), "example")
            for line in outbox_lines(outbox)
        ]

    async def scenario(daemon):
        await daemon.run_until(T0 + timedelta(minutes=5))
        assert links() == ["example"]  # the example article is posting
        with config.open("a", encoding="utf-8") as file:
            file.write(f'\n[[sources]]\nfeed = "{web.url("/feed.xml")}"\npoll = "10m"\n')
        daemon.reload()  # what SIGHUP does: the feed is polled at once
        await daemon.run_until(T0 + hours(1))
        assert links() == ["example", first.link]  # fresh articles go first
        # A new post on the blog: picked up at the next poll and posted with no action.
        web.serve(
            "/feed.xml", rss([second, first]), content_type="application/rss+xml", etag='"v2"'
        )
        await daemon.run_until(T0 + hours(2))
        assert links() == ["example", first.link, second.link]

    in_process(config, scenario)
    texts = [p["text"] for p in outbox_lines(outbox)]
    assert len(texts) == len(set(texts))  # nothing twice
    ingested = [e for e in events(log, "article.ingested") if e.get("feed")]
    assert [e["url"] for e in ingested] == [first.link, second.link]
    # Polled every 10 minutes from 09:05 to 10:55, each a conditional GET after the first.
    statuses = [e["status"] for e in events(log, "feed.polled")]
    assert statuses == ["ok", *["not_modified"] * 5, "ok", *["not_modified"] * 5]
    etags = [r.headers.get("if-none-match") for r in web.requests_for("/feed.xml")]
    assert etags == [None, *['"v1"'] * 6, *['"v2"'] * 5]
    assert web.requests_for("/posts/1/") == []  # the feed carried the full content
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        [feed] = store.feed_summaries().values()
    assert sum(feed.entries.values()) == 2


def test_run_once_polls_the_feeds_before_its_slots(tmp_path, web):
    post = Post(7, web.url("").rstrip("/"))
    feed = web.serve("/feed.xml", rss([post]), content_type="application/rss+xml")
    config = write_config(
        tmp_path, CONSOLE.format(every="1s") + f'\n[[sources]]\nfeed = "{feed}"\n'
    )
    with restored_logging():
        result = CliRunner().invoke(cli, ["run", "--config", str(config), "--once"])
    assert result.exit_code == 0, result.output
    [sent] = outbox_lines(tmp_path / "var/outbox.jsonl")
    assert post.link in sent["text"]  # the newest fresh article: the feed's
