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
from zoneinfo import ZoneInfo

from bot.store.admin import NewMessage

MAX_KEY = 300  # the outbox's key column
MAX_LINE = 1500  # characters of a cause or a remedy (a platform's error may be long)

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


def _hint(fields: Fields, otherwise: str) -> str:
    """The event's own hint (what to do, as the part that logged it knows best)."""
    hint = fields.get("hint")
    return str(hint) if hint else otherwise


def _failing_cause(fields: Fields) -> str:
    failures = _first(fields, "failures")
    tries = f" ({failures} polls in a row)" if failures else ""
    return (
        f"the feed {_get(fields, 'feed')} has failed since {_get(fields, 'since')}"
        f"{tries}: {_get(fields, 'error')}"
    )


ALERTS: dict[str, Alert] = {
    "channel.paused": Alert(
        "⏸",
        ("channel",),
        each_time=True,
        cause=lambda f: f"{_get(f, 'channel')} is paused: {_get(f, 'reason')}",
        remedy=_resume,
    ),
    "post.failed": Alert(
        "❌",
        ("channel", "post"),
        each_time=True,
        cause=lambda f: f"post {_get(f, 'post')} failed{_channel(f)}: {_get(f, 'error')}",
        remedy=lambda f: (
            f"fix what the error names, then `excerpt-bot retry "
            f"{_get(f, 'post')}` (or `excerpt-bot skip {_get(f, 'post')}`)"
        ),
    ),
    "post.unknown": Alert(
        "❓",
        ("channel", "post"),
        each_time=True,
        cause=lambda f: (
            f"post {_get(f, 'post')} may or may not have gone out{_channel(f)}: {_get(f, 'error')}"
        ),
        remedy=lambda f: (
            f"look on the channel, then `excerpt-bot resolve {_get(f, 'post')} "
            f"--sent` (it went out) or `--requeue` (it did not)"
        ),
    ),
    # Logged by the budgets of issue 11 (once per period reached; again after a restart):
    # keyed by the channel and the end of the period, so told once per period.
    "channel.budget_reached": Alert(
        "💰",
        ("channel", ("reached_until", "until", "period", "month")),
        each_time=False,
        cause=_budget_cause,
        remedy=lambda f: _hint(
            f,
            "nothing, it resumes by itself when the period turns; to "
            "post sooner, raise the channel's budget in the config and "
            "reload (SIGHUP)",
        ),
    ),
    # Logged daily while a token nears its expiry: told once per token (its expiry).
    "channel.token_expiring": Alert(
        "⌛",
        ("channel", ("expires_at", "expires", "expiry")),
        each_time=False,
        cause=_token_cause,
        remedy=lambda f: _hint(f, "renew the channel's access token, then restart the bot"),
    ),
    # Logged by the admin chat's look when a feed has failed for FEED_FAILING: once per
    # spell of failures (its start).
    "feed.failing": Alert(
        "📡",
        ("feed", "since"),
        each_time=False,
        cause=_failing_cause,
        remedy=lambda f: (
            "open the feed's URL in a browser; fix or replace it in [[sources]] "
            "(`excerpt-bot status` shows every feed's last success)"
        ),
    ),
    "daemon.unclean_stop": Alert(
        "⚠️",
        ("last_started",),
        each_time=False,
        cause=lambda f: (
            f"the daemon started after an unclean stop: the run started at "
            f"{_get(f, 'last_started')} ended without shutting down (killed, "
            "crashed, or the machine went down)"
        ),
        remedy=lambda f: (
            "look at the end of the log before this start for why; a post that "
            "was being sent is now unknown (`excerpt-bot history --status "
            "unknown`)"
        ),
    ),
}

# Events that may mean new posts wait for approval: the admin chat looks for them then.
APPROVAL_EVENTS = frozenset(
    {"article.queued", "article.ingested", "library.queued", "daemon.started"}
)
WATCHED = frozenset(ALERTS) | APPROVAL_EVENTS | {"slot.skipped"}
TIMES = ("last_started", "since", "expires_at", "until", "reached_until")  # shown local


def alert_for(event: str, fields: Fields, when: datetime, zone: str = "UTC") -> NewMessage | None:
    """The alert `event` calls for (queued once per its key), or None. Times in its
    fields are told in `zone` ([bot] timezone)."""
    alert = ALERTS.get(event)
    if alert is None:
        return None
    key = alert_key(event, fields, when)
    shown = {
        name: _local(value, zone) if name in TIMES else value for name, value in fields.items()
    }
    text = (
        f"{alert.icon} {html.escape(_short(alert.cause(shown)))}\n"
        f"<b>What to do:</b> {_code(html.escape(_short(alert.remedy(shown))))}"
    )
    return NewMessage(key, text)


def _short(text: str) -> str:
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"


def _local(value: Any, zone: str) -> Any:
    """An ISO 8601 time as people in `zone` read it ("Mon 30 Nov 2026 09:00 UTC"); any
    other value as it is."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname()}"


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
