"""Feeds polled into the store: new entries queued, known ones recognised, none flooding.

Feeds and pages come from a real HTTP server on 127.0.0.1; the poller, the parser, the
extraction and the store are the real ones.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fakes.web import web_fixture  # noqa: F401  (the fixture `web`)
from tests.feed_support import (  # noqa: F401  (the fixture `make_bot`)
    FEED,
    NOW,
    RSS,
    Post,
    atom,
    make_bot_fixture,
    rss,
)
from tests.store_support import claim

# --- formats -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [rss, atom], ids=["rss", "atom"])
def test_a_feed_with_full_content_queues_its_newest_entry_without_fetching_pages(make_bot, fmt):
    bot = make_bot()
    posts = bot.posts(3, 2, 1)
    bot.publish(fmt(posts), content_type="application/atom+xml" if fmt is atom else RSS)
    report = bot.poll()
    assert (report.new, report.seen, report.failed, report.error) == (1, 2, [], None)
    assert bot.queued_titles("a") == bot.queued_titles("b") == {posts[0].title}
    [post] = bot.store.queued("a")[:1]
    article = bot.store.get_article(post.article_id)
    assert (article.url, article.source, article.site) == (
        posts[0].link,
        posts[0].link,
        "Test Garden Blog",
    )
    assert article.paragraphs == tuple(posts[0].paragraphs)
    assert article.tags == ("garden",)
    assert bot.web.requests_for(posts[0].path) == []  # the feed carried the content
    # A later entry is new: queued, whatever the first-sync limit was.
    bot.publish(
        fmt(bot.posts(4, 3, 2, 1)), content_type="application/atom+xml" if fmt is atom else RSS
    )
    again = bot.poll(NOW + timedelta(hours=1))
    assert (again.new, again.unchanged, again.queued > 0) == (1, 3, True)
    assert bot.queued_titles() == {posts[0].title, Post(4, bot.base).title}


def test_a_feed_with_summaries_only_fetches_each_new_entrys_page(make_bot):
    bot = make_bot(first_sync=2)
    posts = bot.posts(2, 1)
    for post in posts:
        bot.web.serve(post.path, post.page(canonical=f"https://garden.example/{post.n}/"))
    bot.publish(rss(posts, full=False))
    assert bot.poll().new == 2
    for post in posts:
        assert len(bot.web.requests_for(post.path)) == 1
    article = bot.store.get_article(bot.store.queued("a")[0].article_id)
    assert article.url.startswith("https://garden.example/")  # the page's canonical URL
    assert article.paragraphs == tuple(Post(int(article.url.rstrip("/")[-1]), "").paragraphs)


def test_without_fetch_pages_the_summary_is_the_article(make_bot):
    bot = make_bot(fetch_pages=False)
    [post] = bot.posts(1)
    bot.publish(rss([post], full=False))
    assert bot.poll().new == 1
    assert bot.web.requests_for(post.path) == []
    article = bot.store.get_article(bot.store.queued("a")[0].article_id)
    assert article.paragraphs == (post.paragraphs[0][:80] + "…",)


# --- recognising entries again ---------------------------------------------------------------


def test_a_guid_change_does_not_repost_anything(make_bot):
    bot = make_bot(first_sync=3)
    bot.publish(rss(bot.posts(3, 2, 1)))
    assert bot.poll().new == 3
    queued = {p.id for p in bot.store.queued("a")}
    bot.publish(rss([Post(n, bot.base, guid=f"urn:new-engine:{n}") for n in (3, 2, 1)]))
    report = bot.poll(NOW + timedelta(hours=1))
    assert (report.new, report.changed, report.unchanged, report.queued) == (0, 0, 3, 0)
    assert {p.id for p in bot.store.queued("a")} == queued
    entry = bot.store.find_feed_entry(bot.source.feed, guid="urn:new-engine:3")
    assert entry is not None and entry.kind == "ingested"
    # GUIDs and links both change (a blog moved): its text still says it is the same.
    moved = [
        Post(n, bot.base.replace("127.0.0.1", "localhost"), guid=f"urn:moved:{n}")
        for n in (3, 2, 1)
    ]
    bot.publish(rss(moved))
    report = bot.poll(NOW + timedelta(hours=2))
    assert (report.new, report.queued) == (0, 0)
    assert bot.article_count() == 3


def test_an_edited_entry_is_re_excerpted_never_reposted_as_new(make_bot):
    bot = make_bot()
    [post] = bot.posts(1)
    bot.publish(rss([post]))
    bot.poll()
    [article_id] = {p.article_id for p in bot.store.queued("a")}
    assert any("every spring." in p.excerpt_text for p in bot.store.queued("a"))
    claimed = claim(bot.store, "a", now=NOW, render=lambda a, e: (e.text, None))
    bot.store.mark_sent(claimed.id, remote_id="1", remote_url=None, now=NOW)
    bot.publish(rss([post.edited()]))
    report = bot.poll(NOW + timedelta(hours=1))
    assert (report.new, report.changed) == (0, 1)
    assert bot.article_count() == 1
    queued = bot.store.queued("a")
    assert {p.article_id for p in queued} == {article_id}  # the same article, re-excerpted
    texts = [p.excerpt_text for p in queued]
    assert any("as we saw again this year" in t for t in texts)  # the edited passage
    assert not any("every spring." in t for t in texts)  # the old one is no longer queued
    assert [p.id for p in bot.store.history(channel="a", status="sent")] == [claimed.id]
    assert claimed.excerpt_id not in {p.excerpt_id for p in queued}  # never posted again
    # The same edit polled again changes nothing.
    assert bot.poll(NOW + timedelta(hours=2)).changed == 0


def test_an_entry_already_in_the_library_is_only_recorded(make_bot):
    from bot.sources.library import ingest_url

    bot = make_bot()
    [post] = bot.posts(1)
    bot.web.serve(post.path, post.page())
    ingest_url(bot.store, post.link, channels={"a": bot.config.channels["a"]}, now=NOW)
    bot.publish(rss([post]))
    report = bot.poll()
    assert (report.new, report.seen, report.queued) == (0, 1, 0)
    assert bot.entry_kinds() == {"library": 1}
    assert bot.store.queued("b") == []  # the library's copy went where `add` put it


# --- conditional GET -----------------------------------------------------------------------


def test_an_unchanged_feed_answers_304_to_the_second_poll(make_bot):
    bot = make_bot()
    bot.publish(rss(bot.posts(1)), etag='"v1"')
    bot.poll()
    report = bot.poll(NOW + timedelta(minutes=30))
    assert report.not_modified and report.new == report.queued == 0
    assert bot.web.requests_for(FEED)[-1].headers["if-none-match"] == '"v1"'
    state = bot.store.feed_state(bot.source.feed)
    assert (state.etag, state.last_success_at, state.failures) == (
        '"v1"',
        NOW + timedelta(minutes=30),
        0,
    )


def test_a_failed_entry_makes_the_next_poll_a_full_get_and_is_retried(make_bot):
    bot = make_bot()
    [post] = bot.posts(1)
    bot.publish(rss([post], full=False), etag='"v1"')
    report = bot.poll()
    assert report.new == 0
    assert report.failed == [f"{post.link}: HTTP 404 Not Found (no page there: check the URL)"]
    bot.web.serve(post.path, post.page())
    again = bot.poll(NOW + timedelta(minutes=30))
    assert not again.not_modified and again.new == 1
    assert "if-none-match" not in bot.web.requests_for(FEED)[-1].headers


# --- first sync ------------------------------------------------------------------------------


def test_a_first_sync_of_30_entries_queues_only_the_newest(make_bot):
    bot = make_bot()
    posts = bot.posts(*range(1, 31))  # oldest first: the dates, not the order, say newest
    bot.publish(rss(posts))
    report = bot.poll()
    assert (report.new, report.seen, report.evergreen) == (1, 29, 0)
    assert bot.queued_titles() == {posts[-1].title}
    assert bot.entry_kinds() == {"ingested": 1, "skipped": 29}
    # The daemon restarting (channels ensured) queues nothing more.
    bot.restart()
    assert bot.queued_titles() == {posts[-1].title}


def test_a_first_sync_stopped_half_way_finishes_at_the_next_poll_without_a_flood(make_bot):
    bot = make_bot(first_sync=2)
    posts = bot.posts(*range(1, 21))
    bot.publish(rss(posts), etag='"v1"')
    taken = []
    bot.poller.should_stop = lambda: len(taken) >= 5  # as SIGTERM does, between two entries
    bot.poll(progress=lambda done, total, what: taken.append(what))
    assert bot.store.feed_state(bot.source.feed).last_success_at is None  # not done yet
    bot.poller.should_stop = lambda: False
    report = bot.poll(NOW + timedelta(minutes=30))
    assert not report.not_modified  # the validators were not kept: a full GET
    assert (report.new, report.seen, report.unchanged) == (0, 15, 5)
    assert bot.queued_titles() == {posts[-1].title, posts[-2].title}
    assert bot.entry_kinds() == {"ingested": 2, "skipped": 18}


def test_backlog_evergreen_goes_out_one_per_slot_after_the_fresh_articles(make_bot):
    bot = make_bot(first_sync=1, backlog="evergreen", channels=["a"])
    posts = bot.posts(*range(1, 13))
    bot.publish(rss(posts))
    progress = []
    report = bot.poll(progress=lambda done, total, what: progress.append((done, total)))
    assert (report.new, report.evergreen) == (1, 11)
    assert progress[-1] == (12, 12) and len(progress) == 12
    assert bot.queued_titles("a") == {posts[-1].title}
    assert bot.store.queued("b") == []
    bot.restart()
    assert bot.queued_titles("a") == {posts[-1].title} and bot.store.queued("b") == []
    fresh = len(bot.store.queued("a"))
    titles = []
    for slot in range(fresh + 11):
        at = NOW + timedelta(hours=slot + 1)
        claimed = claim(bot.store, "a", now=at, render=lambda a, e: (e.text, None))
        assert claimed is not None
        bot.store.mark_sent(claimed.id, remote_id=str(slot), remote_url=None, now=at)
        titles.append(claimed.article.title)
        assert len(bot.store.queued("a")) == max(0, fresh - slot - 1)  # never a burst
    assert titles[:fresh] == [posts[-1].title] * fresh  # the fresh article first
    assert set(titles[fresh:]) == {p.title for p in posts[:-1]}  # then one backlog each
    assert (
        claim(bot.store, "b", now=NOW + timedelta(days=1), render=lambda a, e: (e.text, None))
        is None
    )


def test_tag_filters_and_channels(make_bot):
    bot = make_bot(
        first_sync=5, include_tags=["Garden"], exclude_tags=["sponsored"], channels=["b"]
    )
    kept = Post(1, bot.base, tags=("GARDEN",))
    posts = [
        kept,
        Post(2, bot.base, tags=("garden", "Sponsored")),
        Post(3, bot.base, tags=("kitchen",)),
        Post(4, bot.base, tags=()),
    ]
    bot.publish(rss(posts))
    report = bot.poll()
    assert (report.new, report.seen) == (1, 3)
    assert bot.entry_kinds() == {"ingested": 1, "filtered": 3}
    assert bot.queued_titles("b") == {kept.title} and bot.store.queued("a") == []
