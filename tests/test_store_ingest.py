"""Articles into the store: new, unchanged, edited, removed, restored; channels added later."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from bot.excerpt import excerpt_article
from bot.store import ArticleCuts, IngestStatus, Store
from tests.store_support import (
    T0,
    X_TG,
    X,
    add,
    at,
    make_article,
    make_excerpts,
    send,
)

P1 = "Cytokines are small proteins that cells release to signal to other cells nearby."
P2 = "Interleukins are cytokines first seen in white blood cells, hence their name."
P3 = "Interferons got their name from how they interfere with viral replication in cells."
P4 = "Chemokines guide immune cells to the site of an infection along a gradient."


@pytest.fixture
def store(database):  # an SQLite file, then a PostgreSQL database
    with Store.open(database) as store:
        yield store


def by_status(store, channel=None):
    posts = store.history(channel=channel)
    return sorted((p.status, p.excerpt_text) for p in posts)


def test_new_article_queues_one_post_per_channel_and_excerpt(store):
    _, excerpts, result = add(store, "a", P1, P2, channels=X_TG)
    assert result.status is IngestStatus.NEW
    assert (result.queued, result.cancelled, result.excerpts_added) == (4, 0, 2)
    queued = store.queued()
    assert sorted((p.channel, p.excerpt_id) for p in queued) == sorted(
        (channel, e.id) for channel in ("x", "tg") for e in excerpts
    )
    assert {p.status for p in queued} == {"queued"}
    assert store.queue_depths() == {"x": 2, "tg": 2}


def test_channel_with_approval_gets_pending_posts(store):
    add(store, "a", P1, P2, channels=[("x", False), ("tg", True)])
    assert store.queue_depths() == {"x": 2}
    assert {p.status for p in store.queued("tg")} == {"pending_approval"}


def test_reingesting_an_unchanged_article_changes_nothing(store):
    article, excerpts, _ = add(store, "a", P1, P2)
    before = store.history()
    result = store.upsert_article(article, excerpts, channels=X, now=at(5))
    assert result.status is IngestStatus.UNCHANGED
    assert (result.queued, result.cancelled) == (0, 0)
    assert store.history() == before


def test_an_edited_article_keeps_history_cancels_vanished_and_queues_new(store):
    add(store, "a", P1, P2, P3)
    sent = send(store, now=at(1))  # P1, the best-ranked, goes out
    assert sent.excerpt.text == P1

    # The author drops P1 and P2 and adds P4; P3 stays.
    edited = make_article("a", P3, P4, title="Cytokines, revised")
    result = store.upsert_article(edited, make_excerpts(edited), channels=X, now=at(2))

    assert result.status is IngestStatus.CHANGED
    assert (result.queued, result.cancelled) == (1, 1)
    assert (result.excerpts_added, result.excerpts_retired) == (1, 2)
    assert by_status(store) == sorted(
        [("cancelled", P2), ("queued", P3), ("queued", P4), ("sent", P1)]
    )
    # The sent post is untouched: same id, text and remote address.
    kept = store.get_post(sent.id)
    assert (kept.status, kept.text, kept.remote_url) == (
        "sent",
        sent.text,
        f"https://x.example/{sent.id}",
    )
    assert store.get_article("a").title == "Cytokines, revised"
    assert "no longer in the edited article" in store.history(status="cancelled")[0].error


def test_an_excerpt_kept_across_an_edit_keeps_its_post(store):
    _, excerpts, _ = add(store, "a", P1, P2)
    first = {p.excerpt_id: p.id for p in store.queued()}
    edited = make_article("a", P4, P1)  # P1 moves down a rank; P2 goes; P4 is new
    store.upsert_article(edited, make_excerpts(edited), channels=X, now=at(1))
    now = {p.excerpt_id: p for p in store.queued()}
    assert now[excerpts[0].id].id == first[excerpts[0].id]
    assert now[excerpts[0].id].excerpt_rank == 1


def test_metadata_change_updates_the_stored_article(store):
    _, excerpts, _ = add(store, "a", P1)
    moved = make_article("a", P1, url="https://new.example/a")
    result = store.upsert_article(moved, excerpts, channels=X, now=at(1))
    assert result.status is IngestStatus.CHANGED
    assert result.queued == 0
    assert store.get_article("a").url == "https://new.example/a"


def test_a_removed_article_has_its_unsent_posts_cancelled_and_history_kept(store):
    add(store, "a", P1, P2, channels=[("x", False), ("tg", True)])
    sent = send(store, now=at(1))
    cancelled = store.remove_article("a", now=at(2))
    assert cancelled == 3  # one queued on x, two pending on tg
    assert store.get_post(sent.id).status == "sent"
    assert store.queued() == []
    assert store.queue_depths() == {}
    with pytest.raises(UserError, match="no article nope"):
        store.remove_article("nope", now=at(2))


def test_sync_sources_removes_articles_whose_files_are_gone(store):
    add(store, "a", P1, source="posts/a.md")
    add(store, "b", P2, source="posts/b.md")
    add(store, "feed", P3, source="https://blog.example/feed.xml")
    gone = store.sync_sources({"posts/b.md"}, now=at(1), under="posts/")
    assert gone == ["a"]
    assert {p.article_id for p in store.queued()} == {"b", "feed"}
    assert store.sync_sources({"posts/b.md"}, now=at(2), under="posts/") == []


def test_an_article_that_comes_back_is_restored_and_queued_again(store):
    article, excerpts, _ = add(store, "a", P1, P2)
    send(store, now=at(1))
    store.remove_article("a", now=at(2))
    result = store.upsert_article(article, excerpts, channels=X, now=at(3))
    assert result.status is IngestStatus.RESTORED
    assert result.queued == 1  # P2 again; P1 was sent and is left to evergreen recycling
    assert [p.excerpt_text for p in store.queued()] == [P2]


def test_each_channel_posts_from_its_own_cut_and_a_new_one_leaves_the_others_alone(store):
    article = make_article("a", P1, P2, P3)
    every = make_excerpts(article)
    store.upsert_article(
        article, {"tg:900": every}, channels=[("tg", False)], cut_of={"tg": "tg:900"}, now=T0
    )
    tg_queue = [(p.id, p.status, p.excerpt_text) for p in store.queued("tg")]
    assert [text for *_, text in tg_queue] == [P1, P2, P3]

    result = store.upsert_article(
        article,
        {"tg:900": every, "x:60": every[1:2]},
        channels=[("tg", False), ("x", True)],
        cut_of={"tg": "tg:900", "x": "x:60"},
        now=at(1),
    )
    assert (result.queued, result.cancelled) == (1, 0)
    assert [(p.excerpt_text, p.status) for p in store.queued("x")] == [(P2, "pending_approval")]
    assert [(p.id, p.status, p.excerpt_text) for p in store.queued("tg")] == tg_queue
    assert (store.channel_cuts("tg"), store.channel_cuts("x")) == ({"a": "tg:900"}, {"a": "x:60"})

    # x's room changes: its post outside the new cut is cancelled; tg's queue stays.
    result = store.upsert_article(
        article, {"x:40": every[2:]}, channels=[("x", False)], cut_of={"x": "x:40"}, now=at(2)
    )
    assert (result.queued, result.cancelled) == (1, 1)
    assert [p.excerpt_text for p in store.queued("x")] == [P3]
    assert [(p.id, p.status, p.excerpt_text) for p in store.queued("tg")] == tg_queue


def test_an_edit_cancels_passages_gone_from_the_text_on_every_channel(store):
    article = make_article("a", P1, P2)
    every = make_excerpts(article)
    store.upsert_article(
        article,
        {"tg:900": every, "x:60": every[:1]},
        channels=[("tg", False), ("x", False)],
        cut_of={"tg": "tg:900", "x": "x:60"},
        now=T0,
    )
    edited = make_article("a", P2, P4)
    result = store.upsert_article(
        edited,
        {"tg:900": make_excerpts(edited)},
        channels=[("tg", False)],
        cut_of={"tg": "tg:900"},
        now=at(1),
    )
    assert result.status is IngestStatus.CHANGED
    assert sorted(p.excerpt_text for p in store.queued("tg")) == sorted([P2, P4])
    assert store.queued("x") == []  # P1 is gone from the article, on x too
    assert result.excerpts_retired == 1


def test_real_excerpts_of_an_article_round_trip(store):
    article = make_article("a", f"{P1} {P2}", f"{P3} {P4}")
    excerpts = excerpt_article(article, max_length=120)
    assert excerpts
    store.upsert_article(article, excerpts, channels=X, now=T0)
    assert store.get_article("a") == article
    assert sorted(p.excerpt_text for p in store.queued()) == sorted(e.text for e in excerpts)


def test_excerpts_of_another_article_are_refused(store):
    article = make_article("a", P1)
    other = make_excerpts(make_article("b", P1))
    with pytest.raises(ValueError, match="belongs to b"):
        store.upsert_article(article, other, channels=X, now=T0)


def test_a_batch_of_articles_is_stored_as_one_by_one_would_be(tmp_path):
    # The same articles twice (the second time one edited): a batch in one transaction
    # ends in the same posts, states and results as the articles upserted one at a time.
    first = [make_article(name, P1, P2) for name in "abc"]
    edited = make_article("b", P2, P3)
    second = [first[0], edited, first[2]]
    channels = [("x", False), ("tg", True)]

    def ingest(path, batched):
        with Store.open(path) as store:
            results = []
            for articles, now in ((first, T0), (second, at(1))):
                items = [ArticleCuts(a, make_excerpts(a), channels) for a in articles]
                if batched:
                    results += store.upsert_articles(items, now=now)
                else:
                    results += [
                        store.upsert_article(a, make_excerpts(a), channels=channels, now=now)
                        for a in articles
                    ]
            posts = [
                (p.channel, p.article_id, p.excerpt_text, p.status, p.error)
                for p in store.history()
            ]
            return results, posts

    batched = ingest(tmp_path / "batched.sqlite3", True)
    assert batched == ingest(tmp_path / "one-by-one.sqlite3", False)
    results, posts = batched
    assert [r.status for r in results] == [IngestStatus.NEW] * 3 + [
        IngestStatus.UNCHANGED,
        IngestStatus.CHANGED,
        IngestStatus.UNCHANGED,
    ]
    assert ("x", "b", P1, "cancelled", "the passage is no longer in the edited article") in posts
