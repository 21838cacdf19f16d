"""A claim's money: what the post it takes costs, and whether the channel's budget lets it
go (`take` asks both inside its write transaction), and the note that a budget holds the
channel's posts back until its period rolls over.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from bot.policy import ChannelPolicy
from bot.pricing import period_bounds, to_micros
from bot.spend import spent
from bot.store.channels import set_budget_reached
from bot.store.records import BudgetHeld, Rendered
from bot.store.schema import channel_state, thread_parts
from bot.store.spending import charges
from bot.store.summaries import connection_rows

if TYPE_CHECKING:
    from bot.store.claim import Choice


def claim_cost(
    conn: Connection, policy: ChannelPolicy, choice: Choice, rendered: Rendered
) -> tuple[int, int | None]:
    """What sending `rendered` costs, in micros: what its thread's parts out cost as
    recorded, and what the rest costs at today's prices (a single post: its price; a
    thread: its parts not yet out, each priced as the post it is). None for the rest
    where posts cost nothing we know of."""
    if policy.prices is None:
        return 0, None
    if not rendered.parts:
        return 0, policy.price(rendered.text)
    out = len(choice.sent_parts)
    recorded = 0
    if out and choice.item.post_id is not None:
        recorded = (
            conn.scalar(
                select(func.coalesce(func.sum(thread_parts.c.cost_micros), 0)).where(
                    thread_parts.c.post_id == choice.item.post_id
                )
            )
            or 0
        )
    rest = rendered.parts[out:]
    return recorded, policy.price(rendered.text, rest) if rest else 0


def budget_held(
    conn: Connection, policy: ChannelPolicy, now: datetime, *, cost: int | None = None
) -> BudgetHeld | None:
    """Whether sending a post that costs `cost` (None: the cheapest post there is) now
    would take the channel past its budget: what it spent in the budget's period so far
    and the cost together, or None when it fits (or there is no budget)."""
    budget, prices = policy.budget, policy.prices
    if budget is None or prices is None:
        return None
    needed = to_micros(prices.cheapest) if cost is None else cost
    start, end = period_bounds(now, budget.period, ZoneInfo(policy.spend_zone))
    so_far = spent(charges(connection_rows(conn), policy.name, start, end), prices.currency)
    if so_far + needed <= budget.micros:
        return None
    return BudgetHeld(policy.name, until=end, spent=so_far, cost=needed, budget=budget)


def note_budget_reached(conn: Connection, held: BudgetHeld) -> BudgetHeld:
    """Keep that the channel's budget holds its posts until `held.until`; `first` says
    whether this is news (not already kept for this period)."""
    known = conn.scalar(
        select(channel_state.c.budget_reached_until).where(channel_state.c.channel == held.channel)
    )
    if known == held.until:
        return dataclasses.replace(held, first=False)
    set_budget_reached(conn, held.channel, held.until)
    return held
