"""What a post cost, as the store records it: priced at its claim, kept while it is out or
may be (sent, sending, unknown), dropped when it certainly did not go out; a thread's parts
each priced as they go out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.policy import ChannelPolicy
from bot.pricing import Budget, Prices
from bot.store import BudgetHeld, ClaimedPost, Store
from tests.store_support import add, at, claim, plain

X_PRICES = Prices(Decimal("0.015"), Decimal("0.2"), "USD")
URL = "https://blog.example.org/a"  # a link as X sees one (".example" is no top-level domain)


@pytest.fixture
def store(database):  # on SQLite, then on the session's PostgreSQL server
    with Store.open(database) as store:
        yield store


def cost(store, post_id) -> tuple[float | None, str | None]:
    post = store.get_post(post_id)
    return post.cost, post.currency


def test_a_post_out_costs_its_price_and_one_that_may_be_out_costs_it_too(store):
    add(store, "a", "One.", "Two.", "Three.", url=URL)
    first = claim(store, now=at(1), prices=X_PRICES)  # "One. https://blog.example.org/a"
    assert cost(store, first.id) == (0.2, "USD")  # while it is being sent
    store.mark_sent(first.id, remote_id="1", remote_url=None, now=at(1))
    assert cost(store, first.id) == (0.2, "USD")
    second = claim(store, now=at(2), prices=X_PRICES)
    store.mark_unknown(second.id, error="timed out", now=at(2))
    assert cost(store, second.id) == (0.2, "USD")  # it may have been billed
    store.resolve(second.id, sent=False, now=at(3))  # the operator checked: it did not go
    assert cost(store, second.id) == (None, None)


def test_a_post_that_certainly_did_not_go_out_costs_nothing(store):
    add(store, "a", "One.", "Two.", "Three.", url=URL)
    requeued = claim(store, now=at(1), prices=X_PRICES)
    store.requeue(requeued.id, now=at(1))
    failed = claim(store, now=at(2), prices=X_PRICES)
    store.mark_failed(failed.id, error="too long", now=at(2))
    assert cost(store, requeued.id) == cost(store, failed.id) == (None, None)
    assert [p.cost for p in store.history()] == [None, None, None]


def test_a_post_without_a_link_costs_the_plain_price(store):
    add(store, "a", "One.", url=URL)
    claimed = claim(store, now=at(1), prices=X_PRICES, render=lambda a, e: (e.text, None))
    store.mark_sent(claimed.id, remote_id="1", remote_url=None, now=at(1))
    assert cost(store, claimed.id) == (0.015, "USD")


def test_where_posts_cost_nothing_no_cost_is_recorded(store):
    add(store, "a", "One.")
    claimed = claim(store, now=at(1))
    store.mark_sent(claimed.id, remote_id="1", remote_url=None, now=at(1))
    assert cost(store, claimed.id) == (None, None)


def thread(article, excerpt):
    """Four parts, the link in the last (as a thread channel renders them)."""
    parts = (f"{article.title} 🧵", excerpt.text, "More.", f"The rest: {article.url}")
    return "\n\n".join(parts), None, parts


def test_a_thread_costs_its_parts_each_priced_as_the_post_it_is(store):
    add(store, "a", "One.", "Two.", url=URL)
    claimed = claim(store, now=at(1), prices=X_PRICES, per_article=True, render=thread)
    assert cost(store, claimed.id) == (0.245, "USD")
    for index, part in enumerate(claimed.parts):
        store.record_thread_part(
            claimed.id,
            index=index,
            remote_id=f"t{index}",
            remote_url=None,
            now=at(1),
            cost_micros=200_000 if "https://" in part else 15_000,
        )
    store.mark_sent(claimed.id, remote_id="t0", remote_url=None, now=at(1))
    assert cost(store, claimed.id) == (0.245, "USD")


def test_a_thread_broken_midway_keeps_what_its_parts_out_cost_and_prices_the_rest_again(store):
    add(store, "a", "One.", "Two.", url=URL)
    claimed = claim(store, now=at(1), prices=X_PRICES, per_article=True, render=thread)
    for index in (0, 1):
        store.record_thread_part(
            claimed.id,
            index=index,
            remote_id=f"t{index}",
            remote_url=None,
            now=at(1),
            cost_micros=15_000,
        )
    store.requeue(claimed.id, now=at(1))  # part 3 met a rate limit past the slot's grace
    assert cost(store, claimed.id) == (0.03, "USD")  # billed: the two parts out
    again = claim(store, now=at(2), prices=X_PRICES, per_article=True, render=thread)
    assert again.id == claimed.id and len(again.sent_parts) == 2
    assert cost(store, claimed.id) == (0.245, "USD")


def test_a_claim_past_the_budget_leaves_the_post_queued_and_says_so_once_a_period(store):
    add(store, "a", "One.", "Two.", "Three.", url=URL)
    budget = Budget(Decimal("0.4"), "USD", "month")
    for hour in (1, 2):
        claimed = claim(store, now=at(hour), prices=X_PRICES, budget=budget)
        store.mark_sent(claimed.id, remote_id=str(hour), remote_url=None, now=at(hour))
    policy = ChannelPolicy("x", prices=X_PRICES, budget=budget)
    held = store.claim_next_post(policy, now=at(3), render=plain)
    assert isinstance(held, BudgetHeld) and held.first
    april = datetime(2025, 4, 1, tzinfo=UTC)
    assert (held.spent, held.cost, held.until) == (400_000, 200_000, april)
    again = store.claim_next_post(policy, now=at(4), render=plain)
    assert isinstance(again, BudgetHeld) and not again.first
    assert len(store.queued("x")) == 1 and store.channel_state("x").budget_reached_until
    # The budget is spent to the cent: even a post without the link would go past it.
    cheap = store.claim_next_post(policy, now=at(5), render=lambda a, e: (e.text, None))
    assert isinstance(cheap, BudgetHeld) and cheap.cost == 15_000
    # April: a new month, a new budget; the held post goes, and the channel holds none back.
    claimed = store.claim_next_post(policy, now=datetime(2025, 4, 1, tzinfo=UTC), render=plain)
    assert isinstance(claimed, ClaimedPost)
    assert store.get_post(claimed.id).cost == 0.2
    assert store.channel_state("x").budget_reached_until is None
