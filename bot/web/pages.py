"""What each console page shows, read from the store: plain values for the templates.

Each function takes the store, the config (as the daemon runs it) and the time, runs on
the store's worker thread, and reads through the same library calls as the CLI:
`channel_status` and `feed_status` of `status`, `channel_plan` of `plan` (the daemon's
slots and the planner's choice), and `render_for`, the renderer the daemon sends with and
`preview --channel` shows — so a slot's text is the text that goes out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli.plan import SLOTS_COUNTED, SLOTS_SHOWN, channel_plan
from bot.cli.status import channel_status, feed_status
from bot.config import Config
from bot.errors import RenderError
from bot.logs import redact
from bot.pricing import format_money
from bot.render.channel import render_for
from bot.spend import ChannelSpend, month_window
from bot.store import PostRecord, Store

LISTED = 100  # posts per list (history, each kind of decision), articles per page
STATUSES = (
    "queued",
    "pending_approval",
    "sending",
    "sent",
    "failed",
    "unknown",
    "skipped",
    "cancelled",
)


# --- overview ---------------------------------------------------------------------------------


def overview(store: Store, config: Config, now: datetime) -> dict[str, Any]:
    """One card per channel (the configured ones, then those only the database knows), and
    each feed with its last success and error."""
    window = month_window(now, ZoneInfo(config.bot.timezone))
    summaries = store.status_summary(config.channels, window=window)
    cards = []
    for name, summary in summaries.items():
        channel = config.channels.get(name)
        entry = channel_status(channel, summary, now)
        entry["name"] = name
        entry["zone"] = _zone_name(channel)
        spend = entry["spend"]
        entry["spend"] = spend_line(spend)
        entry["budget_reached_until"] = (
            spend.reached_until.astimezone(ZoneInfo(spend.zone)).date().isoformat()
            if spend is not None and spend.reached_until is not None
            else None
        )
        cards.append(entry)
    sources = {source.feed: source for source in config.sources}
    feeds = [
        {"url": redact(url), **feed_status(sources.get(url), summary)}
        for url, summary in store.feed_summaries(sources).items()
    ]
    return {"cards": cards, "feeds": feeds}


def spend_line(spend: ChannelSpend | None) -> str | None:
    """What the channel's posts cost this month, as `status` counts it, and its budget:
    `0.80 USD (4 posts); 0.00 USD left of 0.80 USD/month, reached until 2027-01-01`.
    None (shown "—") where its posts cost nothing we know of."""
    if spend is None:
        return None
    line = f"{format_money(spend.amount, spend.currency)} ({spend.posts} posts)"
    if spend.budget is not None and spend.left is not None:
        line += f"; {format_money(spend.left, spend.currency)} left of {spend.budget}"
    if spend.reached_until is not None:
        day = spend.reached_until.astimezone(ZoneInfo(spend.zone)).date().isoformat()
        line += f", reached until {day}"
    return line


def _zone_name(channel) -> str | None:
    """The time zone of the channel's schedules (the first one's, when they differ)."""
    return channel.schedule[0].timezone if channel is not None else None


# --- calendar ---------------------------------------------------------------------------------


@dataclass
class Slot:
    at: datetime  # in the schedule's zone
    post_id: int | None = None
    repeat: bool = False
    article_id: str | None = None
    article_title: str | None = None
    text: str | None = None  # exactly what goes out
    why_empty: str | None = None
    awaiting_approval: bool = False


@dataclass
class EmptySlots:
    """Slots of one day where nothing would go, for one reason: told in one line."""

    count: int
    first: datetime
    last: datetime
    why: str


@dataclass
class ChannelPlan:
    name: str
    platform: str
    paused: bool
    paused_reason: str | None
    slots: list[Slot] = field(default_factory=list)
    more: int = 0
    more_exact: bool = True

    def on(self, day: date) -> tuple[list[Slot], list[EmptySlots]]:
        """The day's slots with a post, and its empty ones summed up by reason."""
        return split_empty([slot for slot in self.slots if slot.at.date() == day])


def split_empty(slots: list[Slot]) -> tuple[list[Slot], list[EmptySlots]]:
    filled = [slot for slot in slots if slot.text is not None]
    empty: dict[str, EmptySlots] = {}
    for slot in slots:
        if slot.text is not None:
            continue
        why = slot.why_empty or "nothing queued"
        if why in empty:
            empty[why].count += 1
            empty[why].last = slot.at
        else:
            empty[why] = EmptySlots(1, slot.at, slot.at, why)
    return filled, list(empty.values())


def calendar(
    store: Store, config: Config, now: datetime, *, days: int, limit: int = SLOTS_SHOWN
) -> list[ChannelPlan]:
    """Each enabled channel's slots of the next `days` days (at most `limit`, and how many
    more), each with the exact text that would go out in it, as `plan` chooses it."""
    until = now + timedelta(days=days)
    plans = {
        name: channel_plan(store, channel, now=now, until=until, limit=limit)
        for name, channel in config.enabled_channels().items()
    }
    chosen = [slot for entry in plans.values() for slot in entry["slots"] if slot["excerpt_id"]]
    excerpts = store.get_excerpts({slot["excerpt_id"] for slot in chosen})
    articles = store.get_articles(
        {slot["article_id"] for slot in chosen if slot["article_id"]}
        | {e.article_id for e in excerpts.values()}
    )
    waiting = {
        name: summary.pending_approval for name, summary in store.status_summary(plans).items()
    }
    result = []
    for name, entry in plans.items():
        channel = config.channels[name]
        shown = ChannelPlan(
            name,
            entry["platform"],
            entry["paused"],
            redact(entry["paused_reason"]) if entry["paused_reason"] else None,
            more=entry["more_slots"],
            more_exact=entry["more_slots_exact"],
        )
        for slot in entry["slots"]:
            excerpt = excerpts.get(slot["excerpt_id"]) if slot["excerpt_id"] else None
            if excerpt is None:
                why = _why_empty(slot["skipped"], channel.max_per_day, waiting.get(name, 0))
                shown.slots.append(Slot(slot["at"], why_empty=why))
                continue
            article = articles[excerpt.article_id]
            try:
                text = render_for(channel, article, excerpt).text
            except RenderError as exc:
                text = f"(cannot be rendered, so it will be skipped: {exc})"
            shown.slots.append(
                Slot(
                    slot["at"],
                    slot["post_id"],
                    slot["repeat"],
                    excerpt.article_id,
                    article.title,
                    text,
                    awaiting_approval=slot["awaiting_approval"],
                )
            )
        result.append(shown)
    return result


def more_label(entry: ChannelPlan) -> str:
    return f"{entry.more:,}" if entry.more_exact else f"more than {SLOTS_COUNTED:,}"


def _why_empty(skipped: str | None, max_per_day: int | None, pending: int) -> str:
    if skipped == "max_per_day":
        return f"max_per_day {max_per_day} reached"
    if skipped == "paused":
        return "paused"
    if pending:
        return f"nothing approved ({pending} waiting for approval)"
    return "nothing queued"


def by_day(plans: list[ChannelPlan]) -> list[tuple[date, list, list]]:
    """The 30-day list: for each local day, every channel's slots with a post in time order,
    and each channel's empty slots summed up."""
    days = sorted({slot.at.date() for plan in plans for slot in plan.slots})
    listed = []
    for day in days:
        filled, empty = [], []
        for plan in plans:
            posts, gaps = plan.on(day)
            filled += [(plan, slot) for slot in posts]
            empty += [(plan, gap) for gap in gaps]
        filled.sort(key=lambda entry: (entry[1].at, entry[0].name))
        listed.append((day, filled, empty))
    return listed


# --- decisions, history, articles -------------------------------------------------------------


@dataclass
class Decision:
    post: PostRecord
    text: str  # what goes out (rendered now for a post not yet claimed)
    attempts: list = field(default_factory=list)


def decisions(store: Store, config: Config) -> dict[str, Any]:
    """Posts waiting for approval (by channel), failed posts and unknown posts, each with
    the text that goes (or went) out and the platform's error."""
    found = {
        status: store.history(status=status, limit=LISTED + 1)
        for status in ("pending_approval", "failed", "unknown")
    }
    texts = exact_texts(store, config, [p for posts in found.values() for p in posts])
    shown = {
        status: [Decision(post, texts[post.id]) for post in posts[:LISTED]]
        for status, posts in found.items()
    }
    pending: dict[str, list[Decision]] = {}
    for decision in sorted(shown["pending_approval"], key=lambda d: d.post.id):
        pending.setdefault(decision.post.channel, []).append(decision)
    return {
        "pending": pending,
        "failed": shown["failed"],
        "unknown": shown["unknown"],
        "more": {status: len(posts) > LISTED for status, posts in found.items()},
    }


def exact_texts(store: Store, config: Config, posts: list[PostRecord]) -> dict[int, str]:
    """Each post's text: as claimed, else as its channel would render it now."""
    unrendered = [post for post in posts if post.text is None]
    excerpts = store.get_excerpts({post.excerpt_id for post in unrendered})
    articles = store.get_articles({post.article_id for post in unrendered})
    texts = {}
    for post in posts:
        texts[post.id] = post.text or _render(config, post, articles, excerpts)
    return texts


def _render(config: Config, post: PostRecord, articles, excerpts) -> str:
    channel = config.channels.get(post.channel)
    article, excerpt = articles.get(post.article_id), excerpts.get(post.excerpt_id)
    if channel is None or article is None or excerpt is None:
        return post.excerpt_text
    try:
        return render_for(channel, article, excerpt).text
    except RenderError as exc:
        return f"(cannot be rendered: {exc})"


def history(
    store: Store, *, channel: str | None, status: str | None, article: str | None
) -> dict[str, Any]:
    posts = store.history(channel=channel, status=status, article=article, limit=LISTED + 1)
    return {
        "posts": posts[:LISTED],
        "more": len(posts) > LISTED,
        "channels": sorted(store.status_summary()),
    }


def articles(store: Store) -> dict[str, Any]:
    listed = store.article_list(limit=LISTED + 1)
    return {"articles": listed[:LISTED], "more": len(listed) > LISTED}


def article(store: Store, article_id: str) -> dict[str, Any]:
    """An article, its excerpts best first, and where and when each went out."""
    found = store.get_article(article_id)  # a UserError when there is none
    posts = store.history(article=article_id)
    by_excerpt: dict[str, list[PostRecord]] = {}
    for post in sorted(posts, key=lambda p: (p.sent_at is None, p.sent_at or p.created_at)):
        by_excerpt.setdefault(post.excerpt_id, []).append(post)
    excerpts = [
        {"excerpt": excerpt, "current": current, "posts": by_excerpt.get(excerpt.id, [])}
        for excerpt, current in store.article_excerpts(article_id)
    ]
    return {"article": found, "id": article_id, "excerpts": excerpts}
