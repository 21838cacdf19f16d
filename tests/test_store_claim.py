"""Claiming posts: the order they go out in, commits, crash recovery, evergreen, caps."""

from __future__ import annotations

import threading

import pytest

from bot.errors import RenderError
from bot.policy import ChannelPolicy
from bot.store import NoClaim, Store
from tests.store_support import (
    DAY,
    HOUR,
    REPEAT,
    T0,
    X_TG,
    X,
    add,
    at,
    claim,
    make_article,
    make_excerpts,
    plain,
    send,
)


@pytest.fixture
def db(database):
    """An SQLite file, then a PostgreSQL database: every test here runs on both."""
    return database


@pytest.fixture
def store(db):
    with Store.open(db) as store:
        yield store


def sequence(store, channel="x", *, start=1, count=10):
    """The (article, rank) of each post sent, one an hour, until nothing goes."""
    out = []
    for hour in range(start, start + count):
        claimed = claim(store, channel, now=at(hour))
        if claimed is None:
            break
        store.mark_sent(claimed.id, remote_id=None, remote_url=None, now=at(hour))
        out.append((claimed.article_id, claimed.excerpt.rank))
    return out


def test_claim_order_fresh_first_no_article_twice_in_a_row_best_rank_first(store):
    add(store, "a", "a zero", "a one", now=at(-3))
    add(store, "b", "b zero", "b one", now=at(-2))
    add(store, "c", "c zero", "c one", now=at(-1))
    assert sequence(store) == [
        ("c", 0),
        ("b", 0),
        ("a", 0),  # fresh articles, newest first, best excerpt
        ("b", 1),  # all started: sent least, then oldest; not a again
        ("a", 1),
        ("c", 1),
    ]


def test_a_new_article_jumps_ahead_of_started_ones(store):
    add(store, "a", "a zero", "a one", "a two", now=at(-2))
    assert sequence(store, count=1) == [("a", 0)]
    add(store, "b", "b zero", now=at(1.5))
    assert sequence(store, start=2) == [("b", 0), ("a", 1), ("a", 2)]


def test_the_same_article_twice_in_a_row_only_when_it_is_the_only_one(store):
    add(store, "a", "a zero", "a one", "a two")
    add(store, "b", "b zero", now=at(-1))
    assert sequence(store) == [("a", 0), ("b", 0), ("a", 1), ("a", 2)]


def test_claim_marks_sending_with_the_exact_text_committed_for_other_readers(store, db):
    _, excerpts, _ = add(store, "a", "the passage")
    claimed = claim(store, now=at(1))
    assert claimed.text == "the passage https://blog.example/a"
    assert (claimed.attempts, claimed.recycled, claimed.url) == (1, False, "https://blog.example/a")
    assert claimed.excerpt == excerpts[0]
    with Store.open(db) as other:
        seen = other.get_post(claimed.id)
    assert (seen.status, seen.text, seen.claimed_at, seen.attempts) == (
        "sending",
        claimed.text,
        at(1),
        1,
    )
    assert claim(store, now=at(2)) is None  # the only post is taken


def test_parse_mode_from_the_renderer_is_stored(store):
    add(store, "a", "bold move")
    claimed = claim(store, render=lambda a, e: (f"<b>{e.text}</b>", "HTML"))
    assert (store.get_post(claimed.id).text, store.get_post(claimed.id).parse_mode) == (
        "<b>bold move</b>",
        "HTML",
    )


def test_two_stores_claiming_at_once_never_take_the_same_post(store, db):
    for i in range(20):
        add(store, f"art{i}", f"passage {i}", now=at(-i))
    claimed: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker():
        with Store.open(db) as mine:
            start.wait()
            try:
                for _ in range(10):
                    post = claim(mine, now=at(1))
                    if post is not None:
                        claimed.append(post.id)
            except BaseException as exc:  # reported below
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(claimed) == len(set(claimed)) == 20


def test_recover_interrupted_turns_sending_into_unknown_and_never_resends(store, db):
    add(store, "a", "a zero", "a one", channels=X_TG)
    on_x = claim(store, "x", now=at(1))
    on_tg = claim(store, "tg", now=at(1))
    store.close()  # the daemon dies mid-send

    with Store.open(db) as restarted:
        assert restarted.recover_interrupted(now=at(2)) == sorted([on_x.id, on_tg.id])
        post = restarted.get_post(on_x.id)
        assert post.status == "unknown"
        assert f"excerpt-bot resolve {on_x.id} --sent" in post.error
        assert restarted.recover_interrupted(now=at(3)) == []
        # A daemon recovers only its own channels' sends: another one's may be in flight.
        elsewhere = claim(restarted, "tg", now=at(3))
        assert restarted.recover_interrupted(channels=["x"], now=at(3)) == []
        assert restarted.get_post(elsewhere.id).status == "sending"
        again = claim(restarted, "x", now=at(3))
        assert again.id != on_x.id and again.excerpt_id != on_x.excerpt_id
        # An unknown post may be out: it counts against the daily cap.
        assert restarted.sent_count_since("x", at(0)) == 2


def test_evergreen_recycling_only_after_repeat_after(store):
    _, excerpts, _ = add(store, "a", "an evergreen passage")
    first = send(store, now=T0)
    assert claim(store, now=T0 + REPEAT - DAY) is None
    repeat = claim(store, now=T0 + REPEAT)
    assert repeat.recycled and repeat.id != first.id
    assert repeat.excerpt_id == excerpts[0].id
    assert store.get_post(repeat.id).status == "sending"
    store.mark_sent(repeat.id, remote_id=None, remote_url=None, now=T0 + REPEAT)
    assert claim(store, now=T0 + REPEAT + DAY) is None  # just sent again


def test_evergreen_alternates_articles_and_skips_removed_and_retired(store):
    add(store, "a", "a zero", "a one")
    add(store, "b", "b zero", now=at(-1))
    add(store, "gone", "gone zero", now=at(-2))
    sequence(store)  # everything goes once: a0, b0, a1, gone0 in some order
    store.remove_article("gone", now=at(20))
    edited = make_article("a", "a zero", "a new one")
    store.upsert_article(edited, make_excerpts(edited), channels=X, now=at(20))
    store.skip(store.queued("x")[0].id, now=at(20))  # the new passage is not wanted

    later = T0 + REPEAT + DAY
    recycled = [claim(store, now=later + i * HOUR) for i in range(4)]
    for post in recycled[:3]:
        if post is not None:
            store.mark_sent(post.id, remote_id=None, remote_url=None, now=later)
    assert [(p.article_id, p.excerpt.text) if p else None for p in recycled] == [
        ("b", "b zero"),
        ("a", "a zero"),
        None,
        None,
    ]


def test_evergreen_skips_an_excerpt_with_an_unresolved_post(store):
    add(store, "a", "a zero")
    first = send(store, now=T0)
    again = claim(store, now=T0 + REPEAT)
    store.mark_unknown(again.id, error="timeout", now=T0 + REPEAT)
    assert claim(store, now=T0 + 2 * REPEAT + DAY) is None
    store.resolve(again.id, sent=True, now=T0 + 2 * REPEAT + DAY)
    assert store.get_post(again.id).sent_at == T0 + REPEAT
    assert first.id != again.id


def test_on_an_approval_channel_each_repeat_waits_for_its_own_approval(store):
    add(store, "a", "a zero", channels=[("x", True)])
    add(store, "b", "b zero", channels=[("x", True)], now=at(-1))
    store.approve(now=at(0))
    send(store, now=at(1))
    send(store, now=at(2))
    later = T0 + REPEAT + DAY
    approval = {"require_approval": True}
    raw = ChannelPolicy("x", repeat_after=REPEAT, require_approval=True)
    assert store.claim_next_post(raw, now=later, render=plain) is NoClaim.AWAITING_APPROVAL
    assert claim(store, now=later, **approval) is None  # the other excerpt comes due too
    assert claim(store, now=later, **approval) is None  # and no excerpt waits twice
    pending = store.queued("x")
    assert sorted((p.status, p.excerpt_text) for p in pending) == [
        ("pending_approval", "a zero"),
        ("pending_approval", "b zero"),
    ]
    store.approve([pending[0].id], now=later)
    assert claim(store, now=later, **approval).id == pending[0].id
    store.mark_sent(pending[0].id, remote_id="r", remote_url=None, now=later)
    # Approving it once does not approve its next repeat.
    much_later = later + REPEAT + DAY
    assert claim(store, now=much_later, **approval) is None
    assert {p.status for p in store.queued("x")} == {"pending_approval"}


def test_max_per_day_over_a_rolling_24h(store):
    for name in "abcd":
        add(store, name, f"{name} zero")
    send(store, now=at(0), max_per_day=2)
    send(store, now=at(10), max_per_day=2)
    assert claim(store, now=at(23), max_per_day=2) is None
    assert store.sent_count_since("x", at(23) - DAY) == 2
    assert claim(store, now=at(24), max_per_day=2) is None  # 24 h ago is still "within"
    assert claim(store, now=at(24.5), max_per_day=2) is not None  # the first one aged out


def test_a_paused_channel_claims_nothing_until_resumed(store):
    add(store, "a", "a zero")
    store.pause_channel("x", reason="token revoked", now=at(0))
    assert claim(store, now=at(1)) is None
    store.resume_channel("x", now=at(2))
    assert claim(store, now=at(3)) is not None


def test_a_post_that_cannot_be_rendered_fails_and_the_next_one_goes(store):
    add(store, "long", "far too long", now=at(1))
    add(store, "ok", "fits", now=at(0))

    def render(article, excerpt):
        if article.id == "long":
            raise RenderError("the template alone is 300 characters")
        return plain(article, excerpt)

    claimed = claim(store, now=at(2), render=render)
    assert claimed.article_id == "ok"
    [failed] = store.history(status="failed")
    assert failed.article_id == "long"
    assert failed.error == "cannot render: the template alone is 300 characters"


def test_a_requeued_post_waits_for_not_before(store):
    add(store, "a", "a zero")
    claimed = claim(store, now=at(0))
    store.requeue(claimed.id, now=at(0), not_before=at(2))
    assert claim(store, now=at(1)) is None
    again = claim(store, now=at(2))
    assert (again.id, again.attempts) == (claimed.id, 2)


def test_no_evergreen_repeat_while_a_queued_post_waits_for_not_before(store):
    add(store, "a", "a zero")
    add(store, "b", "b zero", now=at(-1))
    send(store, now=at(0))
    waiting = claim(store, now=at(1))
    store.requeue(waiting.id, now=at(1), not_before=T0 + 2 * REPEAT)
    assert claim(store, now=T0 + REPEAT + DAY) is None
    assert claim(store, now=T0 + 2 * REPEAT).id == waiting.id


def test_planner_inputs_for_plan(store):
    add(store, "a", "a zero", "a one", now=at(-1))
    send(store, now=at(1))
    items = store.queued_items("x")
    assert [(i.article_id, i.excerpt_rank, i.article_sent_count) for i in items] == [("a", 1, 1)]
    assert store.last_sent_article("x") == "a"
    assert store.sent_times_since("x", at(0)) == [at(1)]


def test_readers_do_not_wait_for_a_claim_in_progress(store, db):
    add(store, "a", "a zero", "a one")
    seen = {}
    with Store.open(db) as other:

        def render(article, excerpt):
            # The claim holds the write lock here; another reader still gets its answer.
            seen["depths"] = other.queue_depths()
            seen["status"] = other.get_post(1).status
            return plain(article, excerpt)

        claimed = claim(store, render=render)
    assert seen == {"depths": {"x": 2}, "status": "queued"}
    assert claimed.id == 1
