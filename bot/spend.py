"""A channel's spend, from its charges (pure): this month's total, by day, and what is left
of its budget — the one reckoning `status`, `spend`, `/metrics`, `plan`, the web console
and the claim share, so their figures agree to the cent.

    Charge(at, micros, currency, posts)      one billed (or maybe billed) post or part;
                                             `bot.store.spending` reads them
    spent(charges, currency, since, until)   their sum, in micros
    by_day(charges, zone, currency)          {"YYYY-MM-DD": micros}
    channel_spend(charges, prices=, budget=, zone=, now=, held_until=)   a `ChannelSpend`
    spend_of(channel settings, charges, now=, held_until=)   the same, for a configured channel
    month_window(now, zone)                  the month whose charges those need
    PlannedSpend(...)                        `plan`'s planned posts priced, within the budget
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.pricing import Budget, Prices, as_number, month_of, period_bounds, to_micros

if TYPE_CHECKING:
    from bot.config.channels import ChannelSettings

__all__ = [
    "ChannelSpend",
    "Charge",
    "PlannedSpend",
    "by_day",
    "channel_spend",
    "month_window",
    "spend_of",
    "spent",
]


@dataclass(frozen=True, slots=True)
class Charge:
    """What one post, or one part of a thread, cost (or may have) and when: `micros` of
    `currency`; `posts` is how many posts it stands for (a thread's parts not yet out)."""

    at: datetime
    micros: int
    currency: str | None
    posts: int = 1


def spent(
    charges: Iterable[Charge],
    currency: str | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """What `charges` in `currency`, in [since, until) when given, add up to (micros).
    Charges in another currency (recorded before a change of `price`) are left out."""
    return sum(
        c.micros
        for c in charges
        if c.currency == currency
        and (since is None or since <= c.at)
        and (until is None or c.at < until)
    )


def by_day(charges: Iterable[Charge], zone: ZoneInfo, currency: str | None) -> dict[str, int]:
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
    zone: str = "UTC"  # where months and days are counted
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
            "reached_until": (
                self.reached_until.astimezone(ZoneInfo(self.zone)).isoformat()
                if self.reached_until
                else None
            ),
        }


def channel_spend(
    charges: Iterable[Charge],
    *,
    prices: Prices | None,
    budget: Budget | None,
    zone: ZoneInfo,
    now: datetime,
    held_until: datetime | None = None,
) -> ChannelSpend | None:
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
    result = ChannelSpend(amount, prices.currency, month_of(now, zone), posts, zone.key)
    if budget is None:
        return result
    start, end = period_bounds(now, budget.period, zone)
    left = budget.micros - spent(charges, prices.currency, start, end)
    reached = (held_until is not None and held_until > now) or left < to_micros(prices.cheapest)
    return dataclasses.replace(
        result, budget=budget, left=left, reached_until=end if reached else None
    )


def month_window(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The calendar month holding `now` in `zone`: the window `status` reads charges in
    (a day's budget falls within it: days and months are both counted in `zone`)."""
    return period_bounds(now, "month", zone)


def spend_of(
    channel: ChannelSettings | None,
    charges: Iterable[Charge],
    *,
    now: datetime,
    held_until: datetime | None = None,
) -> ChannelSpend | None:
    """A configured channel's `channel_spend` from its charges this month (None for a
    channel no longer in the config, or whose posts cost nothing we know of)."""
    if channel is None:
        return None
    return channel_spend(
        charges,
        prices=channel.prices,
        budget=channel.budget,
        zone=ZoneInfo(channel.spend_zone),
        now=now,
        held_until=held_until,
    )


class PlannedSpend:
    """What a channel's planned posts cost, and whether its budget lets each go: `plan`'s
    side of the claim's reckoning (`bot.store.budgets.budget_held`). `price(item)` gives a
    post's (micros, posts) — a thread counts its parts; `spent_now` is what the budget's
    current period (at `now`) has spent so far, as the store records it.
    """

    def __init__(
        self,
        *,
        budget: Budget | None,
        zone: ZoneInfo,
        now: datetime,
        spent_now: int,
        price: Callable[[Any], tuple[int, int]],
    ) -> None:
        self.budget = budget
        self.zone = zone
        self.price = price
        self.current = period_bounds(now, budget.period, zone) if budget is not None else None
        self.spent_now = spent_now
        self.planned: list[tuple[datetime, int, int]] = []  # (slot, micros, posts)
        self.held_until: datetime | None = None
        self._period: tuple[datetime, datetime] | None = None
        self._spent = 0

    def holds(self, slot: datetime) -> bool:
        return self.held_until is not None and slot < self.held_until

    def admit(self, slot: datetime, item: Any) -> bool:
        micros, posts = self.price(item)
        if self.budget is not None:
            period = period_bounds(slot, self.budget.period, self.zone)
            if period != self._period:
                self._period = period
                self._spent = self.spent_now if period == self.current else 0
            if self._spent + micros > self.budget.micros:
                self.held_until = period[1]
                return False
            self._spent += micros
        self.planned.append((slot, micros, posts))
        return True

    @property
    def budget_left(self) -> int | None:
        """What remains of the current period's budget after the planned posts in it."""
        if self.budget is None or self.current is None:
            return None
        start, end = self.current
        planned = sum(micros for slot, micros, _ in self.planned if start <= slot < end)
        return self.budget.micros - self.spent_now - planned
