"""The planner's rules, table-driven: which queued post goes next, and at which slot."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.planner import QueuedItem, choose_next, simulate
from bot.policy import ChannelPolicy

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def item(
    post_id: int,
    article: str,
    *,
    added_days: int = 0,
    rank: int = 0,
    sent: int = 0,
    created_hours: int = 0,
) -> QueuedItem:
    return QueuedItem(
        post_id=post_id,
        article_id=article,
        excerpt_id=f"{article}-e{rank}",
        article_added_at=T0 + timedelta(days=added_days),
        excerpt_rank=rank,
        article_sent_count=sent,
        created_at=T0 + timedelta(hours=created_hours),
    )


# (what the case shows, queue, last article sent, expected post id)
CHOOSE_CASES = [
    ("nothing queued", [], None, None),
    ("a single post goes", [item(1, "a")], None, 1),
    (
        "fresh beats started, even if older",
        [item(1, "a", added_days=5, sent=1), item(2, "b", added_days=0)],
        None,
        2,
    ),
    (
        "among fresh articles the newest first",
        [item(1, "a", added_days=1), item(2, "b", added_days=3), item(3, "c", added_days=2)],
        None,
        2,
    ),
    (
        "among started articles the one sent least",
        [item(1, "a", sent=3, added_days=0), item(2, "b", sent=1, added_days=5)],
        None,
        2,
    ),
    (
        "among started articles sent equally, the oldest",
        [item(1, "a", sent=2, added_days=4), item(2, "b", sent=2, added_days=1)],
        None,
        2,
    ),
    (
        "within an article the best rank",
        [item(1, "a", rank=2), item(2, "a", rank=0), item(3, "a", rank=1)],
        None,
        2,
    ),
    (
        "equal rank: the post queued first",
        [item(5, "a", rank=0, created_hours=2), item(4, "a", rank=0, created_hours=1)],
        None,
        4,
    ),
    (
        "not the last article while another is available",
        [item(1, "a", added_days=9), item(2, "b", added_days=0, sent=4)],
        "a",
        2,
    ),
    (
        "the last article again when it is the only one",
        [item(1, "a", rank=1), item(2, "a", rank=0)],
        "a",
        2,
    ),
    (
        "another article's worst excerpt beats the last article's best",
        [item(1, "a", rank=0), item(2, "b", rank=7, sent=1)],
        "a",
        2,
    ),
    (
        "an evergreen candidate without a post id can be chosen",
        [QueuedItem(None, "a", "a-e0", T0, 0, 1, T0)],
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("queue", "last", "expected"),
    [case[1:] for case in CHOOSE_CASES],
    ids=[case[0] for case in CHOOSE_CASES],
)
def test_choose_next(queue, last, expected):
    choice = choose_next(queue, last_article_id=last)
    if not queue:
        assert choice is None
    else:
        assert choice is not None
        assert choice.post_id == expected


def test_choose_next_is_independent_of_input_order():
    queue = [
        item(1, "a", added_days=1),
        item(2, "b", added_days=2, sent=1),
        item(3, "c", added_days=3),
        item(4, "c", added_days=3, rank=1),
    ]
    assert choose_next(queue, last_article_id=None).post_id == 3
    assert choose_next(list(reversed(queue)), last_article_id=None).post_id == 3


UNCAPPED = ChannelPolicy("x")


def slots(hours: list[float]) -> list[datetime]:
    return [T0 + timedelta(hours=h) for h in hours]


def test_simulate_alternates_articles_and_drains_the_queue():
    queue = [
        item(1, "a", added_days=2, rank=0),
        item(2, "a", added_days=2, rank=1),
        item(3, "b", added_days=1, rank=0),
        item(4, "b", added_days=1, rank=1),
    ]
    plan = simulate(queue, last_article_id=None, slots=slots([1, 2, 3, 4, 5]), policy=UNCAPPED)
    assert [p.post_id if p else None for _, p in plan] == [1, 3, 2, 4, None]


def test_simulate_after_a_fresh_article_went_out_the_next_fresh_one_leads():
    # a went out once already; b is fresh, so b goes first, then a, then b again.
    queue = [item(1, "a", added_days=5, sent=1), item(2, "b", rank=0), item(3, "b", rank=1)]
    plan = simulate(queue, last_article_id="a", slots=slots([1, 2, 3]), policy=UNCAPPED)
    assert [p.post_id for _, p in plan] == [2, 1, 3]


@pytest.mark.parametrize(
    ("max_per_day", "already", "hours", "expected"),
    [
        # three a day, slots every 6 h: the fourth slot within 24 h stays empty
        (3, [], [0, 6, 12, 18, 24.5], [1, 2, 3, None, 4]),
        # two already out in the last 24 h: only one more until they age out
        (3, [-20, -10], [0, 1, 4.5], [1, None, 2]),
        # no cap
        (None, [-1, -2, -3], [0, 1], [1, 2]),
    ],
)
def test_simulate_respects_max_per_day_over_a_rolling_24h(max_per_day, already, hours, expected):
    queue = [item(i, f"art{i}", added_days=-i) for i in range(1, 6)]
    plan = simulate(
        queue,
        last_article_id=None,
        slots=slots(hours),
        policy=ChannelPolicy("x", max_per_day=max_per_day),
        already_sent_times=slots(already),
    )
    assert [p.post_id if p else None for _, p in plan] == expected
    assert [slot for slot, _ in plan] == slots(hours)


@st.composite
def queues(draw):
    """Queued posts of a few articles, as the store gives them: one sent count and one
    added time per article, a few excerpts each, now and then one pinned."""
    articles = draw(
        st.lists(st.tuples(st.integers(0, 3), st.integers(-5, 5)), min_size=1, max_size=6)
    )
    queue, post_id = [], 0
    for index, (sent, added) in enumerate(articles):
        for rank in range(draw(st.integers(1, 4))):
            post_id += 1
            pinned = draw(st.integers(0, 30)) == 0
            queue.append(
                dataclasses.replace(
                    item(
                        post_id,
                        f"art{index}",
                        added_days=added,
                        rank=rank,
                        sent=sent,
                        created_hours=draw(st.integers(0, 3)),
                    ),
                    pinned_at=T0 + timedelta(minutes=post_id) if pinned else None,
                )
            )
    return queue


@given(queue=queues(), last=st.sampled_from([None, "art0", "art1"]))
@settings(max_examples=200, deadline=None)
def test_simulate_sends_at_each_slot_what_the_claim_would_choose_then(queue, last):
    """The plan is the claim's rule, slot after slot: `choose_next` over what is left, each
    article's sent count growing with each of its posts out."""
    plan = simulate(
        queue, last_article_id=last, slots=slots(range(len(queue) + 1)), policy=UNCAPPED
    )
    left, expected = list(queue), []
    for _ in range(len(queue) + 1):
        chosen = choose_next(left, last_article_id=last)
        expected.append(chosen.post_id if chosen else None)
        if chosen is None:
            continue
        left = [
            dataclasses.replace(i, article_sent_count=i.article_sent_count + 1)
            if i.article_id == chosen.article_id
            else i
            for i in left
            if i is not chosen
        ]
        last = chosen.article_id
    assert [p.post_id if p else None for _, p in plan] == expected
