"""The daily digest of the admin chat: the posts sent in the last 24 hours (with links),
the failures, and what is due in the next 24 hours.

    digest_facts(store, config, now)   what it tells, read on the store's thread: the
                                       store's lines, and `plan`'s own channel_plan
    digest_text(facts, zone)           the message, HTML for Telegram (pure)
    digest_key(now, zone)              "digest:2026-12-01": one a local day

A digest lists at most LISTED items per channel and section, then says how many more,
so it always fits in one Telegram message.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.admin.texts import MAX_UNITS, local, units, visible
from bot.config import Config
from bot.store import Store
from bot.store import admin as outbox
from bot.store.admin import PostLine

DAY = timedelta(hours=24)
LISTED = 5  # items per channel in a section
ERROR_CHARS = 160  # of a failure's error
CUT = "… (the rest is cut: too long for one message; see excerpt-bot status)"


@dataclass(frozen=True, slots=True)
class Due:
    """A slot in the next 24 hours with a post in it."""

    at: datetime
    title: str | None
    awaiting_approval: bool


@dataclass
class ChannelDue:
    name: str
    platform: str
    paused_reason: str | None
    paused: bool = False
    slots: list[Due] = field(default_factory=list)
    more: int = 0  # slots beyond those planned (a very busy channel)


@dataclass
class DigestFacts:
    now: datetime
    sent: list[PostLine]
    troubled: list[PostLine]
    due: list[ChannelDue]
    waiting: int  # posts waiting for approval, all channels


def digest_key(now: datetime, zone: str) -> str:
    return f"digest:{now.astimezone(ZoneInfo(zone)).date().isoformat()}"


def digest_facts(store: Store, config: Config, now: datetime) -> DigestFacts:
    """The last 24 hours from the store, and the next 24 from `plan`'s planner."""
    from bot.cli.plan import SLOTS_SHOWN, channel_plan

    sent = store.read_with(outbox.sent_between, now - DAY, now)
    troubled = store.read_with(outbox.troubled_between, now - DAY, now)
    due = []
    for name, channel in config.enabled_channels().items():
        plan = channel_plan(store, channel, now=now, until=now + DAY, limit=SLOTS_SHOWN)
        entry = ChannelDue(
            name, plan["platform"], plan["paused_reason"], plan["paused"], more=plan["more_slots"]
        )
        entry.slots = [
            Due(slot["at"], slot["article_title"], slot["awaiting_approval"])
            for slot in plan["slots"]
            if slot["excerpt_id"]
        ]
        due.append(entry)
    waiting = sum(
        summary.pending_approval for summary in store.status_summary(config.channels).values()
    )
    return DigestFacts(now, sent, troubled, due, waiting)


def digest_text(facts: DigestFacts, zone: str) -> str:
    """The digest as one HTML message: LISTED items per channel and section, fewer if
    that is too long for Telegram (then only the counts, then cut at a line)."""
    for listed in (LISTED, 2, 0):
        text = _digest(facts, zone, listed)
        if units(visible(text)) <= MAX_UNITS:
            return text
    kept: list[str] = []
    for line in text.split("\n"):
        if units(visible("\n".join([*kept, line]))) > MAX_UNITS - len(CUT) - 1:
            break
        kept.append(line)
    return "\n".join([*kept, CUT])


def _digest(facts: DigestFacts, zone: str, listed: int) -> str:
    lines = [f"📋 <b>Daily digest</b>, {local(facts.now, zone)} ({html.escape(zone)})", ""]
    lines.append(f"<b>Sent in the last 24 h: {len(facts.sent)}</b>")
    for channel, posts in _by_channel(facts.sent):
        shown = ", ".join(_sent(post) for post in posts[:listed])
        lines.append(
            f"• {html.escape(channel)}: {len(posts)}"
            + (f" — {shown}{_more(posts, listed)}" if shown else "")
        )
    lines += ["", f"<b>Failed or unknown: {len(facts.troubled)}</b>"]
    for channel, posts in _by_channel(facts.troubled):
        for post in posts[:listed]:
            lines.append(
                f"• {html.escape(channel)}: post {post.id} {post.status} — "
                f"{html.escape(_short(post.error or 'no error recorded'))}"
            )
        if not listed:
            lines.append(f"• {html.escape(channel)}: {len(posts)}")
        elif len(posts) > listed:
            lines.append(f"  … and {len(posts) - listed} more on {html.escape(channel)}")
    if facts.troubled:
        lines.append(
            "Retry or resolve each: <code>excerpt-bot retry ID</code>, "
            "<code>excerpt-bot resolve ID</code>, or the web console."
        )
    count = sum(not slot.awaiting_approval for entry in facts.due for slot in entry.slots)
    lines += ["", f"<b>Due in the next 24 h: {count}</b>"]
    for entry in facts.due:
        lines.append(
            f"• {html.escape(entry.name)} ({html.escape(entry.platform)}): "
            + _due(entry, zone, listed)
        )
    lines += ["", f"<b>Waiting for approval: {facts.waiting}</b>"]
    return "\n".join(lines)


def _by_channel(posts: Iterable[PostLine]) -> list[tuple[str, list[PostLine]]]:
    grouped: dict[str, list[PostLine]] = {}
    for post in posts:
        grouped.setdefault(post.channel, []).append(post)
    return sorted(grouped.items())


def _sent(post: PostLine) -> str:
    title = html.escape(post.title)
    if post.remote_url:
        return f'<a href="{html.escape(post.remote_url, quote=True)}">{title}</a>'
    return title


def _more(items: list, listed: int) -> str:
    return f" … and {len(items) - listed} more" if len(items) > listed else ""


def _due(entry: ChannelDue, zone: str, listed: int) -> str:
    if entry.paused:
        reason = f": {_short(entry.paused_reason)}" if entry.paused_reason else ""
        return f"paused{html.escape(reason)} — nothing goes out until it is resumed"
    if not entry.slots:
        return "nothing queued"
    shown = "; ".join(
        f"{local(slot.at, zone)} {html.escape(slot.title or '')}"
        + (" (once approved)" if slot.awaiting_approval else "")
        for slot in entry.slots[:listed]
    )
    going = sum(not slot.awaiting_approval for slot in entry.slots)
    waiting = len(entry.slots) - going
    count = f"{going}, and {waiting} once approved" if waiting else f"{going}"
    beyond = len(entry.slots) - listed
    return (
        count
        + (f" — {shown}" if shown else "")
        + (f" … and {beyond} more" if shown and beyond > 0 else "")
        + (f" (and {entry.more} more slots)" if entry.more else "")
    )


def _short(text: str) -> str:
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"
