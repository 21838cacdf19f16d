"""What `plan` says a schedule costs: each planned post rendered as the daemon would send it
and priced as the claim prices it (a post without a link at `post`, a thread part by
part), within the channel's budget (`bot.spend.PlannedSpend`); then one line per channel
and a total.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Channel as ChannelConfig
from bot.errors import RenderError
from bot.planner import QueuedItem
from bot.policy import ChannelPolicy
from bot.pricing import as_number, format_money, period_bounds
from bot.spend import PlannedSpend, spent
from bot.store import Store

__all__ = ["cost_lines", "cost_summary", "planned_spend"]


def planned_spend(
    store: Store, channel: ChannelConfig, policy: ChannelPolicy, *, now: datetime
) -> PlannedSpend:
    """A `PlannedSpend` for `channel`: what its budget's current period spent so far (the
    store's charges, as the claim counts them) and a price for each post it may plan."""
    from bot.render.channel import render_for

    zone = ZoneInfo(channel.spend_zone)
    spent_now = 0
    if policy.budget is not None and policy.prices is not None:
        since, until = period_bounds(now, policy.budget.period, zone)
        spent_now = spent(store.charges(channel.name, since, until), policy.prices.currency)
    prices: dict[str, tuple[int, int]] = {}
    articles: dict[str, Any] = {}
    if policy.prices is None:  # nothing to price: a slot's posts are counted, not rendered
        return PlannedSpend(
            budget=None,
            zone=zone,
            now=now,
            spent_now=0,
            price=lambda item: (0, policy.posts_per_slot),
        )

    def price(item: QueuedItem) -> tuple[int, int]:
        if item.excerpt_id not in prices:
            if item.article_id not in articles:
                articles[item.article_id] = store.get_article(item.article_id)
            excerpt = store.get_excerpts([item.excerpt_id])[item.excerpt_id]
            try:
                rendered = render_for(channel, articles[item.article_id], excerpt)
            except RenderError:  # the claim fails it and sends the next: it costs nothing
                prices[item.excerpt_id] = (0, 0)
            else:
                posts = len(rendered.parts) or 1
                prices[item.excerpt_id] = (policy.price(rendered.text, rendered.parts) or 0, posts)
        return prices[item.excerpt_id]

    return PlannedSpend(budget=policy.budget, zone=zone, now=now, spent_now=spent_now, price=price)


def cost_summary(spends: Mapping[str, tuple[ChannelConfig, PlannedSpend]]) -> dict[str, Any]:
    """`plan --json`'s `cost`: {CHANNEL: {"posts", "spend", "currency", "budget_left"},
    "total": {"posts", "spend", "currency"}} (amounts in currency units; a total spend
    only where every priced channel bills in one currency)."""
    cost: dict[str, Any] = {}
    posts, micros, currencies = 0, 0, set()
    for name, (channel, planned) in spends.items():
        prices = channel.prices
        channel_micros = sum(m for _, m, _ in planned.planned)
        channel_posts = sum(p for _, _, p in planned.planned)
        left = planned.budget_left
        cost[name] = {
            "posts": channel_posts,
            "spend": as_number(channel_micros) if prices is not None else None,
            "currency": prices.currency if prices is not None else None,
            "budget_left": as_number(left) if left is not None else None,
        }
        posts += channel_posts
        if prices is not None:
            micros += channel_micros
            currencies.add(prices.currency)
    one = len(currencies) <= 1
    cost["total"] = {
        "posts": posts,
        "spend": as_number(micros) if one else None,
        "currency": next(iter(currencies)) if len(currencies) == 1 else None,
    }
    return cost


def cost_lines(
    cost: Mapping[str, Any], spends: Mapping[str, tuple[ChannelConfig, PlannedSpend]], days: int
) -> list[str]:
    """`x: 90 posts, 18.00 USD; 2.00 USD left of 20.00 USD/month` per channel, and the
    total, for the end of `plan`."""
    lines = [f"cost of the next {days} days:"]
    for name, entry in cost.items():
        if name == "total":
            continue
        lines.append(f"  {name}: {_posts(entry['posts'])}, {_spend(entry, spends[name][1])}")
    total = cost["total"]
    spend = (
        _money(total["spend"], total["currency"])
        if total["spend"] is not None
        else "channels bill in different currencies"
    )
    lines.append(f"  total: {_posts(total['posts'])}, {spend}")
    return lines


def _spend(entry: Mapping[str, Any], planned: PlannedSpend) -> str:
    if entry["currency"] is None:
        return "free"
    text = _money(entry["spend"], entry["currency"])
    if entry["budget_left"] is not None and planned.budget is not None:
        this = "this month's" if planned.budget.period == "month" else "today's"
        text += (
            f"; {_money(entry['budget_left'], entry['currency'])} left of {this} {planned.budget}"
        )
        if planned.held_until is not None:
            day = planned.held_until.astimezone(planned.zone).date().isoformat()
            text += f" (posts held back until {day})"
    return text


def _money(amount: float, currency: str | None) -> str:
    return format_money(round(amount * 1_000_000), currency)


def _posts(n: int) -> str:
    return f"{n} post{'s' if n != 1 else ''}"
