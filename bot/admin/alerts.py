"""Alerts: which of the daemon's log events the admin chat turns into a message, and what
it says — one line on the cause, one on what to do. Pure.

Alerts are driven by the log's stable event names, so an event another part of the bot
logs becomes an alert by adding a row to ALERTS: nothing else needs to know.

Each alert is queued once per occurrence, under a key made of the event's name and the
fields that name the occurrence (`Alert.names`): an event logged for each occurrence once
(a channel paused, a post failed) adds the time it was logged; an event logged again and
again for one occurrence (a token expiring, logged daily; a budget reached) is keyed by
what it is about (the channel and the expiry, the channel and the period) and so alerts
once, restarts included.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.admin import NewMessage

MAX_KEY = 300  # the outbox's key column

Fields = Mapping[str, Any]


@dataclass(frozen=True)
class Alert:
    """How one event is told: its icon, the fields naming an occurrence (each a field, or
    alternatives: the first present), whether each logging is an occurrence of its own,
    and the cause and the remedy, in words."""

    icon: str
    names: tuple[str | tuple[str, ...], ...]
    each_time: bool
    cause: Callable[[Fields], str]
    remedy: Callable[[Fields], str]


def _get(fields: Fields, name: str, default: str = "?") -> str:
    value = fields.get(name)
    return default if value is None else str(value)


def _first(fields: Fields, *names: str) -> str | None:
    return next((str(fields[n]) for n in names if fields.get(n) is not None), None)


def _channel(fields: Fields) -> str:
    return f" on {fields['channel']}" if fields.get("channel") else ""


def _resume(fields: Fields) -> str:
    return f"fix the credentials, then `excerpt-bot resume {_get(fields, 'channel')}`"


def _budget_cause(fields: Fields) -> str:
    until = _first(fields, "until", "reached_until")
    spent = _first(fields, "spend", "spent", "amount")
    budget = _first(fields, "budget")
    money = f" ({spent} of {budget})" if spent and budget else f" ({budget})" if budget else ""
    wait = f"; its posts wait until {until}" if until else "; its posts wait"
    return f"{_get(fields, 'channel')} reached its budget{money}{wait}"


def _token_cause(fields: Fields) -> str:
    expires = _first(fields, "expires_at", "expires", "expiry", "valid_until")
    days = _first(fields, "days_left", "days")
    when = f" on {expires}" if expires else ""
    left = f" ({days} days left)" if days else ""
    return f"the access token of {_get(fields, 'channel')} expires{when}{left}"


ALERTS: dict[str, Alert] = {}  # (the alerts come in the next step)

# Events that may mean new posts wait for approval: the admin chat looks for them then.
APPROVAL_EVENTS = frozenset({"article.queued", "article.ingested", "library.queued",
                             "daemon.started"})
# Events that say whether a feed fails (remembered: an alert after FEED_FAILING).
FEED_EVENTS = frozenset({"feed.failed", "feed.polled"})
WATCHED = frozenset(ALERTS) | APPROVAL_EVENTS | FEED_EVENTS | {"slot.skipped"}


def alert_for(event: str, fields: Fields, when: datetime) -> NewMessage | None:
    """The alert `event` calls for (queued once per its key), or None."""
    alert = ALERTS.get(event)
    if alert is None:
        return None
    key = alert_key(event, fields, when)
    text = (f"{alert.icon} {html.escape(alert.cause(fields))}\n"
            f"<b>What to do:</b> {_code(html.escape(alert.remedy(fields)))}")
    return NewMessage(key, text)


def alert_key(event: str, fields: Fields, when: datetime) -> str:
    """The occurrence an event is about, as the outbox's key."""
    alert = ALERTS[event]
    parts = []
    for name in alert.names:
        choices = (name,) if isinstance(name, str) else name
        parts.append(_first(fields, *choices) or "")
    if alert.each_time:
        parts.append(when.isoformat())
    key = f"alert:{event}:{'|'.join(parts)}"
    if len(key) > MAX_KEY:
        key = f"alert:{event}:#{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def may_bring_approvals(event: str, fields: Fields) -> bool:
    """Whether after `event` a post may wait for approval that was not asked about."""
    if event == "slot.skipped":
        return fields.get("reason") == "awaiting_approval"
    return event in APPROVAL_EVENTS


def _code(text: str) -> str:
    """`excerpt-bot …` in backquotes shown as code."""
    out, inside = [], False
    for piece in text.split("`"):
        out.append(f"<code>{piece}</code>" if inside else piece)
        inside = not inside
    return "".join(out)
