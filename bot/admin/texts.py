"""What the admin chat says about a post waiting for approval, and about its decision.
Pure: HTML strings for Telegram's HTML parse mode, every value escaped.

    approval_request(...)      the question: channel, slot, the exact text, Approve / Skip
    decided(text, ...)         the question rewritten with its answer and who gave it
    already(status)            what a late press is told ("already approved", …)
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.store.admin import Buttons

MAX_UNITS = 4096  # Telegram's limit for a message's visible text, in UTF-16 code units
ROOM_FOR_DECISION = 200  # kept free in a question, for the line its answer adds
APPROVE, SKIP = "approve", "skip"
_TAG = re.compile(r"<[^>]*>")


def local(at: datetime, zone: str) -> str:
    """`at` as people there read it: "Mon 30 Nov 10:00"."""
    moment = at.astimezone(ZoneInfo(zone))
    return f"{moment:%a} {moment.day} {moment:%b %H:%M}"


def approval_request(
    *,
    post_id: int,
    channel: str,
    platform: str,
    slot: datetime | None,
    zone: str,
    title: str,
    text: str,
    parse_mode: str | None,
) -> tuple[str, Buttons]:
    """The question about post `post_id`: its channel, its next slot, and `text` exactly as
    the channel gets it (HTML shown as the channel shows it), with Approve and Skip."""
    when = f"{local(slot, zone)} ({zone})" if slot else "no slot coming"
    head = (
        f"🕊 <b>Approval needed</b>: post {post_id} on <b>{html.escape(channel)}</b> "
        f"({html.escape(platform)})\nNext slot: {when}\nArticle: {html.escape(title)}\n\n"
    )
    body = text if (parse_mode or "").upper() == "HTML" else html.escape(text)
    room = MAX_UNITS - ROOM_FOR_DECISION - units(visible(head))
    full = visible(body)
    if units(full) > room:
        shown, limit = full, room - 40  # room for the note on what was cut
        while units(shown) > limit:
            shown = shown[: len(shown) - (units(shown) - limit)]  # a char is 1 or 2 units
        body = html.escape(shown) + f"… ({len(full) - len(shown)} more characters)"
    buttons = [[("✅ Approve", f"{APPROVE}:{post_id}"), ("⏭ Skip", f"{SKIP}:{post_id}")]]
    return head + body, buttons


def decided(question: str, *, action: str, by: str | None, at: datetime, zone: str) -> str:
    """`question` with its answer below it: who approved or skipped it, and when."""
    what = "✅ Approved" if action == APPROVE else "⏭ Skipped"
    who = f" by {html.escape(by)}" if by else " elsewhere"
    return f"{question}\n\n<b>{what}</b>{who}, {local(at, zone)}"


def decided_elsewhere(question: str, *, status: str, at: datetime, zone: str) -> str:
    """`question` with what became of its post without a press here."""
    if status in ("skipped",):
        return decided(question, action=SKIP, by=None, at=at, zone=zone)
    if status == "cancelled":
        return (
            f"{question}\n\n<b>✖ Cancelled</b> (its article was removed or changed), "
            f"{local(at, zone)}"
        )
    return decided(question, action=APPROVE, by=None, at=at, zone=zone)


def already(status: str | None) -> str:
    """The answer to a press on a post no longer waiting for approval."""
    if status is None:
        return "this post is no longer in the database"
    if status == "skipped":
        return "already skipped"
    if status == "cancelled":
        return "already cancelled (its article was removed or changed)"
    return "already approved"


def visible(text_html: str) -> str:
    """The text an HTML message shows (tags dropped, entities read)."""
    return html.unescape(_TAG.sub("", text_html))


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
