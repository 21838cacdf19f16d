"""Threads in the store: one post per article on a thread channel, its parts kept across
claims, each part out recorded, and the quota counted per part; the v3 -> v4 upgrade."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine

from bot.policy import ChannelPolicy
from bot.store import FeedEntry, NoClaim, Rendered, Store
from bot.store.migrations import STEPS
from tests.store_support import DAY, REPEAT, T0, X, add, at, make_article, make_excerpts, send
from tests.test_store_db import build_v2, structure

THREADS = ChannelPolicy("x", posts_per_thread=3)
BOTH = [THREADS, ("tg", False)]

P1 = "Cytokines are small proteins that cells release to signal to other cells nearby."
P2 = "Interleukins are cytokines first seen in white blood cells, hence their name."
P3 = "Interferons got their name from how they interfere with viral replication in cells."


@pytest.fixture
def store(database):  # an SQLite file, then a PostgreSQL database
    with Store.open(database) as store:
        yield store


def as_thread(article, excerpt) -> Rendered:
    parts = (f"{article.title} 🧵", excerpt.text, f"More at {article.url}")
    return Rendered("\n\n".join(parts), None, parts)


def claim_thread(store, *, now=T0, render=as_thread, **rules):
    policy = ChannelPolicy("x", repeat_after=REPEAT, posts_per_thread=3, **rules)
    claimed = store.claim_next_post(policy, now=now, render=render)
    return None if isinstance(claimed, NoClaim) else claimed


def out(store, post_id: int, *indexes: int, now=T0) -> None:
    for index in indexes:
        store.record_thread_part(
            post_id,
            index=index,
            remote_id=f"t{index}",
            remote_url=f"https://x.example/t{index}",
            now=now,
        )


def queued_excerpts(store, channel: str) -> list[str]:
    return sorted(p.excerpt_text for p in store.queued(channel))


# --- queueing --------------------------------------------------------------------------------


def test_a_thread_channel_gets_one_post_per_article_on_its_best_excerpt(store):
    _, _, result = add(store, "a", P1, P2, P3, channels=BOTH)
    assert result.queued == 1 + 3
    assert queued_excerpts(store, "x") == [P1]
    assert queued_excerpts(store, "tg") == sorted([P1, P2, P3])


def test_a_new_best_excerpt_replaces_the_queued_thread(store):
    add(store, "a", P1, P2, channels=BOTH)
    article = make_article("a", P1, P2)
    result = store.upsert_article(
        article, make_excerpts(article, [P2, P1]), channels=BOTH, now=at(1)
    )
    assert (result.queued, result.cancelled) == (1, 1)
    assert queued_excerpts(store, "x") == [P2]
    [cancelled] = store.history(channel="x", status="cancelled")
    assert cancelled.excerpt_text == P1 and "opens the article's thread" in cancelled.error
    assert queued_excerpts(store, "tg") == sorted([P1, P2])  # single posts: untouched


def test_a_thread_already_out_or_partly_out_is_never_replaced_by_an_edit(store):
    add(store, "b", P1 + " (b)", P2 + " (b)", channels=[THREADS])
    finished = claim_thread(store)
    store.mark_sent(finished.id, remote_id="t", remote_url=None, now=T0)
    add(store, "a", P1, P2, channels=[THREADS], now=at(1))
    started = claim_thread(store, now=at(1))
    out(store, started.id, 0, now=at(1))
    store.requeue(started.id, now=at(1))
    assert (finished.article_id, started.article_id) == ("b", "a")
    for article_id, suffix in (("a", ""), ("b", " (b)")):  # both edited: a new best excerpt
        article = make_article(article_id, P1 + suffix, P2 + suffix)
        result = store.upsert_article(
            article, make_excerpts(article, [P2 + suffix]), channels=[THREADS], now=at(2)
        )
        assert (result.queued, result.cancelled) == (0, 0)
    assert [p.id for p in store.queued("x")] == [started.id]  # finished, not restarted


def test_a_feed_queues_one_thread_per_article_on_a_thread_channel(store):
    article = make_article("f", P1, P2, P3)
    entry = FeedEntry(
        feed="https://blog.example/feed/",
        guid="g1",
        link=article.url,
        entry_hash="h",
        kind="ingested",
    )
    result = store.ingest_feed_entry(entry, article, make_excerpts(article), channels=BOTH, now=T0)
    assert result.queued == 1 + 3
    assert queued_excerpts(store, "x") == [P1]


# --- claiming and parts ----------------------------------------------------------------------


def test_the_claim_stores_the_parts_and_each_part_out_is_recorded(store):
    add(store, "a", P1, P2, channels=[THREADS])
    claimed = claim_thread(store)
    assert claimed.parts == ("Article a 🧵", P1, "More at https://blog.example/a")
    assert claimed.text == "\n\n".join(claimed.parts) and claimed.sent_parts == ()
    out(store, claimed.id, 0, 1)
    post = store.get_post(claimed.id)
    assert post.parts == claimed.parts
    assert [(p.index, p.remote_id) for p in post.sent_parts] == [(0, "t0"), (1, "t1")]
    shown = post.to_dict()
    assert shown["parts"] == list(claimed.parts)
    assert shown["sent_parts"][1] == {
        "index": 1,
        "remote_id": "t1",
        "remote_url": "https://x.example/t1",
        "sent_at": T0.isoformat(),
    }


def test_a_thread_partly_out_keeps_its_parts_when_claimed_again(store):
    add(store, "a", P1, P2, channels=[THREADS])
    first = claim_thread(store)
    out(store, first.id, 0, 1)
    store.requeue(first.id, now=T0)

    def changed(article, excerpt):
        raise AssertionError("a thread partly out is never rendered again")

    again = claim_thread(store, now=at(1), render=changed)
    assert (again.id, again.parts, again.text) == (first.id, first.parts, first.text)
    assert [p.remote_id for p in again.sent_parts] == ["t0", "t1"]


def test_a_thread_with_nothing_out_is_rendered_afresh(store):
    add(store, "a", P1, P2, channels=[THREADS])
    first = claim_thread(store)
    store.requeue(first.id, now=T0)
    again = claim_thread(store, now=at(1), render=lambda a, e: ("one post", None))
    assert (again.id, again.parts, again.text) == (first.id, (), "one post")


def test_a_part_is_recorded_only_while_its_thread_is_sending(store):
    add(store, "a", P1, channels=[THREADS])
    claimed = claim_thread(store)
    store.mark_sent(claimed.id, remote_id="t0", remote_url=None, now=T0)
    with pytest.raises(Exception, match="only sending posts"):
        out(store, claimed.id, 0)


def test_max_per_day_counts_every_part_out(store):
    add(store, "b", "b one.", channels=X)
    send(store, now=T0)  # a single post, from before the channel posted threads
    add(store, "a", P1, channels=[THREADS], now=at(1))
    thread = claim_thread(store, now=at(1))
    out(store, thread.id, 0, 1, now=at(1))
    assert store.sent_count_since("x", T0 - DAY) == 1 + 2 + 1  # two parts out, one in flight
    store.requeue(thread.id, now=at(1))
    assert store.sent_count_since("x", T0 - DAY) == 1 + 2  # what is out stays counted
    assert store.sent_times_since("x", T0 - DAY) == [T0, at(1), at(1)]
    assert store.sent_count_since("x", at(0.5)) == 2
    assert store.sent_count_since("x", at(2)) == 0


def test_evergreen_on_a_thread_channel_recycles_whole_articles(store):
    add(store, "a", P1, P2, channels=X)
    single = send(store)  # P1 out as a single post, P2 still queued
    article = store.get_article("a")
    store.upsert_article(
        article, make_excerpts(article), channels=[THREADS], now=T0
    )  # turned to threads: P2's post cancelled, the article was out
    assert store.queued("x") == []
    assert claim_thread(store, now=T0 + REPEAT / 2) is None
    repeat = claim_thread(store, now=T0 + REPEAT + DAY)
    assert (repeat.recycled, repeat.excerpt_id) == (True, single.excerpt_id)
    assert repeat.parts[1] == P1  # the best excerpt opens the thread
    store.mark_sent(repeat.id, remote_id="t", remote_url=None, now=T0 + REPEAT + DAY)
    assert claim_thread(store, now=T0 + REPEAT + 2 * DAY) is None  # not P2 on its own


def test_resolving_a_thread_as_sent_names_its_first_part(store):
    add(store, "a", P1, channels=[THREADS])
    claimed = claim_thread(store)
    out(store, claimed.id, 0)
    store.mark_unknown(claimed.id, error="part 2 of 3 may be out", now=T0)
    store.resolve(claimed.id, sent=True, now=at(1))
    post = store.get_post(claimed.id)
    assert (post.status, post.remote_id, post.remote_url) == ("sent", "t0", "https://x.example/t0")


# --- version 3 -> 4 --------------------------------------------------------------------------


def build_v3(path) -> None:
    """Version 2's rows, upgraded by the frozen 2 -> 3 step (what excerpt-bot 3 wrote)."""
    build_v2(path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        STEPS[2](conn)
        conn.exec_driver_sql("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    engine.dispose()
    db = sqlite3.connect(path)
    with db:
        db.execute(
            "INSERT INTO feeds (url, title, failures) VALUES ('https://b.example/f', 'Blog', 2)"
        )
    db.close()


def test_a_version_3_database_is_upgraded_for_threads_in_place_without_loss(tmp_path):
    old = tmp_path / "v3.sqlite3"
    build_v3(old)
    with Store.open(old) as store:
        assert store.found_version == 3
        sent = store.get_post(1)
        assert (sent.status, sent.remote_url, sent.attempts) == ("sent", "https://x.example/42", 1)
        assert (sent.parts, sent.sent_parts) == ((), ())
        assert store.feed_state("https://b.example/f").failures == 2
        assert store.sent_count_since("x", T0) == 1  # old posts count as single posts
        # The new structure works beside the old rows: post 2 goes out as a thread.
        claimed = claim_thread(store, now=at(2))
        assert claimed.id == 2 and len(claimed.parts) == 3
        out(store, 2, 0)
        assert [p.remote_id for p in store.get_post(2).sent_parts] == ["t0"]
    fresh = tmp_path / "fresh.sqlite3"
    Store.open(fresh).close()
    assert structure(old) == structure(fresh)


def test_a_thread_channel_under_approval_waits_for_each_repeat(store):
    add(
        store, "a", P1, P2, channels=[ChannelPolicy("x", require_approval=True, posts_per_thread=3)]
    )
    store.approve(now=T0)
    first = claim_thread(store, require_approval=True)
    store.mark_sent(first.id, remote_id="t0", remote_url=None, now=T0)
    later = T0 + REPEAT + DAY
    assert claim_thread(store, now=later, require_approval=True) is None
    assert claim_thread(store, now=later, require_approval=True) is None
    [waiting] = store.queued("x")  # the whole article waits, once
    assert waiting.status == "pending_approval"
    store.approve([waiting.id], now=later)
    assert claim_thread(store, now=later, require_approval=True).id == waiting.id


# --- version 4 -> 5 --------------------------------------------------------------------------


def build_v4(path) -> None:
    """Version 3's rows, upgraded by the frozen 3 -> 4 step, plus a duplicate queued post
    (nothing stopped one before version 5)."""
    build_v3(path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        STEPS[3](conn)
        conn.exec_driver_sql("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
        conn.exec_driver_sql(
            "INSERT INTO posts (id, channel, article_id, excerpt_id, status, created_at, "
            "attempts) VALUES (3, 'x', 'a', 'e1', 'queued', '2025-03-01T09:00:00.000000Z', 0)"
        )
    engine.dispose()


def test_a_version_4_database_is_upgraded_for_cuts_in_place_without_loss(tmp_path):
    old = tmp_path / "v4.sqlite3"
    build_v4(old)
    with Store.open(old) as store:
        assert store.found_version == 4
        assert [store.get_post(n).status for n in (1, 2, 3)] == ["sent", "queued", "cancelled"]
        assert store.get_post(3).error == "a duplicate of an older waiting post"
        assert store.channel_cuts("x") == {"a": "legacy"}  # posts from what it was given
        # The article ingested again with a cut for x's room: x posts from it from now on.
        article = store.get_article("a")
        cut = [e for e in make_excerpts(article) if e.text == "Two."]
        result = store.upsert_article(
            article, {"x:60": cut}, channels=[("x", False)], cut_of={"x": "x:60"}, now=at(2)
        )
        assert store.channel_cuts("x") == {"a": "x:60"}
        assert (result.queued, result.cancelled) == (1, 1)  # post 2 was on the legacy cut
        assert [(p.id, p.excerpt_text) for p in store.queued("x")] == [(4, "Two.")]
    fresh = tmp_path / "fresh.sqlite3"
    Store.open(fresh).close()
    assert structure(old) == structure(fresh)
