"""The daemon and a feed, end to end: a real process, a real feed server on 127.0.0.1."""

from __future__ import annotations

import signal

from tests.daemon_support import log_events, outbox_lines, start, stop, wait_for, write_config
from tests.fakes.web import web_fixture  # noqa: F401  (the fixture `web`)
from tests.feed_support import Post, rss

CONSOLE = """
[channels.console]
platform = "console"
schedule = { every = "1s" }
outbox = "var/outbox.jsonl"
"""


def test_a_feed_added_to_the_config_starts_posting_its_new_articles(tmp_path, web):
    base = web.url("").rstrip("/")
    first, second = Post(1, base), Post(2, base)
    web.serve("/feed.xml", rss([first]), content_type="application/rss+xml", etag='"v1"')
    config = write_config(tmp_path, CONSOLE)
    outbox, log = tmp_path / "var/outbox.jsonl", tmp_path / "var/bot.log"

    def posted(link: str) -> bool:
        return any(link in p["text"] for p in outbox_lines(outbox))

    process = start(config)
    try:
        wait_for(lambda: outbox_lines(outbox))  # the example article is posting
        with config.open("a", encoding="utf-8") as file:
            file.write(f'\n[[sources]]\nfeed = "{web.url("/feed.xml")}"\npoll = "1s"\n')
        process.send_signal(signal.SIGHUP)
        wait_for(lambda: posted(first.link))  # fresh articles go first
        wait_for(lambda: any(e["event"] == "feed.polled" and e["status"] == "not_modified"
                             for e in log_events(log)))  # a conditional GET: 304
        # A new post on the blog: picked up and posted with no further action.
        web.serve("/feed.xml", rss([second, first]), content_type="application/rss+xml",
                  etag='"v2"')
        wait_for(lambda: posted(second.link))
    finally:
        code, _, err = stop(process)
    assert code == 0, err
    texts = [p["text"] for p in outbox_lines(outbox)]
    assert len(texts) == len(set(texts))  # nothing twice
    events = log_events(log)
    ingested = [e for e in events if e["event"] == "article.ingested" and e.get("feed")]
    assert [e["url"] for e in ingested] == [first.link, second.link]
    assert all(r.headers.get("if-none-match") in (None, '"v1"')
               for r in web.requests_for("/feed.xml"))
    assert web.requests_for("/posts/1/") == []  # the feed carried the full content


def test_run_once_polls_the_feeds_before_its_slots(tmp_path, web):
    post = Post(7, web.url("").rstrip("/"))
    feed = web.serve("/feed.xml", rss([post]), content_type="application/rss+xml")
    config = write_config(tmp_path, CONSOLE + f'\n[[sources]]\nfeed = "{feed}"\n')
    process = start(config, "--once")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    [sent] = outbox_lines(tmp_path / "var/outbox.jsonl")
    assert post.link in sent["text"]  # the newest fresh article: the feed's
