"""What posting costs (pure): a platform's prices, a channel's budget, the price of a post,
and the calendar periods spend is counted in.

    Prices(post, post_with_link, currency, read_on, source)
                                  per post, by whether its text has a link
    Prices.merged(base, post=, post_with_link=, currency=)
                                  a channel's `price` override over its platform's prices
    Budget.parse("20 USD/month")  a channel's `budget` (per calendar month or day)
    post_price(text, prices)      one post or thread part, in micros
    payload_price(text, parts, prices)   a whole post: each thread part priced as the post it is
    period_bounds(at, period, zone)      the calendar month or day holding `at`, in `zone`
    format_money(micros, currency)       "0.215 USD", "18.00 USD"

Amounts are Decimal where a user writes them and whole millionths of the currency unit
("micros") where they are added up: the store keeps micros, so a month of 0.015 posts sums
exactly and `status`, `spend` and `plan` agree to the cent. Months and days are calendar
periods in `[bot] timezone`, so a budget rolls over at local midnight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "Budget",
    "Period",
    "Prices",
    "as_number",
    "format_money",
    "from_micros",
    "month_bounds",
    "month_of",
    "payload_price",
    "period_bounds",
    "post_price",
    "to_micros",
]

MICROS = 1_000_000
Period = Literal["month", "day"]

_BUDGET = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]{3})\s*/\s*(month|day)\s*", re.IGNORECASE)
BUDGET_HINT = 'write an amount, a currency and a period, e.g. "20 USD/month" or "1.50 EUR/day"'


def to_micros(amount: Decimal) -> int:
    """`amount` in whole millionths (rounded half up)."""
    return int((amount * MICROS).to_integral_value(rounding=ROUND_HALF_UP))


def from_micros(micros: int) -> Decimal:
    return Decimal(micros) / MICROS


def as_number(micros: int) -> float:
    """An amount for JSON: a plain number of currency units (exact to the millionth)."""
    return round(micros / MICROS, 6)


def format_money(micros: int, currency: str | None) -> str:
    """`18.00 USD`, `0.215 USD`: at least the cents, and every digit down to the millionth."""
    amount = from_micros(micros).normalize()
    places = max(2, -amount.as_tuple().exponent)  # type: ignore[operator]
    text = f"{from_micros(micros):,.{places}f}"
    return f"{text} {currency}" if currency else text


@dataclass(frozen=True, slots=True)
class Prices:
    """What one post costs on a platform: `post`, or `post_with_link` when its text holds a
    link, in `currency`; `read_on` and `source` say where and when they were read."""

    post: Decimal
    post_with_link: Decimal
    currency: str
    read_on: date | None = None
    source: str = ""

    @classmethod
    def merged(
        cls,
        base: Prices | None,
        *,
        post: Decimal | None = None,
        post_with_link: Decimal | None = None,
        currency: str | None = None,
    ) -> Prices | None:
        """`base` with the given amounts and currency replaced; None when there is neither a
        base nor an amount. Raises ValueError (a line for the user) when the result would
        be unclear: a currency of its own with only part of the amounts, or none at all."""
        if base is None and post is None and post_with_link is None:
            if currency is not None:
                raise ValueError("gives a currency but no amount (add post = 0.015, say)")
            return None
        own_currency = currency is not None and (base is None or currency != base.currency)
        if own_currency and base is not None and (post is None or post_with_link is None):
            raise ValueError(
                f"is in {currency} but the platform's prices are in {base.currency}: give both "
                f"post and post_with_link in {currency}, or leave currency out"
            )
        if base is None and currency is None:
            raise ValueError('says no currency (add currency = "USD", say)')
        one = post if post is not None else base.post if base is not None else post_with_link
        assert one is not None
        with_link = (
            post_with_link
            if post_with_link is not None
            else base.post_with_link
            if base is not None
            else one
        )
        changed = post is not None or post_with_link is not None
        return cls(
            post=one,
            post_with_link=with_link,
            currency=currency or (base.currency if base is not None else ""),
            read_on=None if changed or base is None else base.read_on,
            source="the channel's price" if changed or base is None else base.source,
        )

    @property
    def cheapest(self) -> Decimal:
        return min(self.post, self.post_with_link)


@dataclass(frozen=True, slots=True)
class Budget:
    """At most `amount` in `currency` per calendar `period` ("month" or "day")."""

    amount: Decimal
    currency: str
    period: Period

    @classmethod
    def parse(cls, text: str) -> Budget:
        """`"20 USD/month"`, `"1.50 eur / day"`; ValueError with a hint otherwise."""
        match = _BUDGET.fullmatch(text)
        if match is None:
            raise ValueError(f'"{text}" is not a budget ({BUDGET_HINT})')
        amount, currency, period = match.groups()
        try:
            value = Decimal(amount)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise ValueError(f'"{text}" is not a budget ({BUDGET_HINT})') from None
        return cls(value, currency.upper(), period.lower())  # type: ignore[arg-type]

    @property
    def micros(self) -> int:
        return to_micros(self.amount)

    def __str__(self) -> str:
        return f"{format_money(self.micros, self.currency)}/{self.period}"


def post_price(text: str, prices: Prices) -> int:
    """What one post (or one part of a thread) costs, in micros: `post_with_link` when its
    text holds a link (as X finds links: a URL or a bare domain), else `post`."""
    from bot.render.platforms import has_url

    return to_micros(prices.post_with_link if has_url(text) else prices.post)


def payload_price(text: str, parts: tuple[str, ...] | list[str], prices: Prices) -> int:
    """What a post costs, in micros: a thread's parts each priced as the post it is (only
    the part with the link costs the link price); a single post by its text."""
    if parts:
        return sum(post_price(part, prices) for part in parts)
    return post_price(text, prices)


def period_bounds(at: datetime, period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The calendar month or day holding `at` in `zone`, as UTC instants [start, end)."""
    local = at.astimezone(zone)
    if period == "day":
        start_day = local.date()
        end_day = start_day + timedelta(days=1)
    else:
        start_day = local.date().replace(day=1)
        end_day = (start_day + timedelta(days=32)).replace(day=1)
    return _midnight(start_day, zone), _midnight(end_day, zone)


def month_of(at: datetime, zone: ZoneInfo) -> str:
    """`"2026-11"`: the calendar month holding `at` in `zone`."""
    return at.astimezone(zone).strftime("%Y-%m")


def month_bounds(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The month written `"YYYY-MM"` as UTC instants [start, end); ValueError if not one."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise ValueError(f'"{month}" is not a month (write it as YYYY-MM, e.g. 2026-11)') from None
    return period_bounds(_midnight(first, zone), "month", zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of `day` in `zone`. (Where midnight falls in a DST gap, the offset
    before the change places it at the change itself: the day's true first instant.)"""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
