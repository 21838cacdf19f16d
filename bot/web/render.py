"""The console's pages as HTML: Jinja2 templates (bot/web/templates), escaped throughout,
and the filters they share (times in a zone, durations ago, post states)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

NOTHING = "—"


class Templates:
    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("bot.web", "templates"),
            autoescape=select_autoescape(default=True),
            undefined=StrictUndefined,  # a typo in a template fails its test, not silently
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["when"] = when
        self.env.filters["day"] = day
        self.env.filters["hm"] = hour_minute
        self.env.filters["state"] = state_label

    def render(self, name: str, **values) -> str:
        return self.env.get_template(name).render(**values)


def when(value: datetime | None, zone: str | None = None) -> str:
    """`Mon 30 Nov 2026 09:00 CET`, in `zone` (else the zone the time carries)."""
    if value is None:
        return NOTHING
    shown = value.astimezone(ZoneInfo(zone)) if zone else value
    return shown.strftime("%a %d %b %Y %H:%M %Z")


def day(value: datetime) -> str:
    return value.strftime("%a %d %b")


def hour_minute(value: datetime) -> str:
    return value.strftime("%H:%M")


def state_label(status: str) -> str:
    return status.replace("_", " ")
