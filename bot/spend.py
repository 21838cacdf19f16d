"""A channel's spend, from its charges (pure): this month's total, by day, and what is left
of its budget — the one reckoning `status`, `spend`, `/metrics`, `plan`, the web console
and the claim share, so their figures agree to the cent.

    Charge(at, micros, currency, posts)      one billed (or maybe billed) post or part;
                                             `bot.store.spending` reads them
    spent(charges, currency, since, until)   their sum, in micros
    by_day(charges, zone)                    {"YYYY-MM-DD": micros}
    channel_spend(charges, prices=, budget=, zone=, now=, held_until=)   a `ChannelSpend`
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.pricing import Budget, Prices, as_number, month_of, period_bounds, to_micros

__all__ = ["ChannelSpend", "Charge", "by_day", "channel_spend", "spent"]


@dataclass(frozen=True, slots=True)
class Charge:
    """What one post, or one part of a thread, cost (or may have) and when: `micros` of
    `currency`; `posts` is how many posts it stands for (a thread's parts not yet out)."""

    at: datetime
    micros: int
    currency: str | None
    posts: int = 1


def spent(charges: Iterable[Charge], currency: str | None, since: datetime | None = None,
          until: datetime | None = None) -> int:
    """What `charges` in `currency`, in [since, until) when given, add up to (micros).
    Charges in another currency (recorded before a change of `price`) are left out."""
    return sum(c.micros for c in charges
               if c.currency == currency and (since is None or since <= c.at)
               and (until is None or c.at < until))


def by_day(charges: Iterable[Charge], zone: ZoneInfo,
           currency: str | None) -> dict[str, int]:
    """`{"2026-11-03": micros, ...}`: the charges in `currency` by local day, in order."""
    days: dict[str, int] = {}
    for charge in sorted(charges, key=lambda c: c.at):
        if charge.currency == currency:
            day = charge.at.astimezone(zone).strftime("%Y-%m-%d")
            days[day] = days.get(day, 0) + charge.micros
    return days


@dataclass(frozen=True, slots=True)
class ChannelSpend:
    """A channel's spend this month and its budget: `amount` (micros) in `currency` in
    `month` ("YYYY-MM", in `[bot] timezone`); `left` of the budget's current period (None
    without a budget); `reached_until`: when the budget lets posts go again, while it
    holds them back (None otherwise)."""

    amount: int
    currency: str
    month: str
    posts: int
    budget: Budget | None = None
    left: int | None = None
    reached_until: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """`status --json`'s `spend`: amounts in currency units, times in ISO 8601."""
        return {
            "amount": as_number(self.amount),
            "currency": self.currency,
            "month": self.month,
            "budget": as_number(self.budget.micros) if self.budget is not None else None,
            "budget_period": self.budget.period if self.budget is not None else None,
            "left": as_number(self.left) if self.left is not None else None,
            "reached_until": self.reached_until.isoformat() if self.reached_until else None,
        }


def channel_spend(charges: Iterable[Charge], *, prices: Prices | None, budget: Budget | None,
                  zone: ZoneInfo, now: datetime,
                  held_until: datetime | None = None) -> ChannelSpend | None:
    """The channel's spend in the month holding `now` (from at least that month's
    `charges`), and its budget. None where its posts cost nothing we know of.

    The budget counts as reached when the daemon found it so (`held_until`, still to
    come) or when what is left is less than the cheapest post; either way until the
    period rolls over.
    """
    if prices is None:
        return None
    charges = list(charges)
    month_start, month_end = period_bounds(now, "month", zone)
    in_month = [c for c in charges if month_start <= c.at < month_end]
    amount = spent(in_month, prices.currency)
    posts = sum(c.posts for c in in_month if c.currency == prices.currency)
    result = ChannelSpend(amount, prices.currency, month_of(now, zone), posts)
    if budget is None:
        return result
    start, end = period_bounds(now, budget.period, zone)
    left = budget.micros - spent(charges, prices.currency, start, end)
    reached = (held_until is not None and held_until > now) or left < to_micros(prices.cheapest)
    return ChannelSpend(amount, prices.currency, result.month, posts, budget, left,
                        end if reached else None)
