"""A configured channel's slots: its triggers, built the same way everywhere.

Both the daemon and the operator commands (`plan`, `status`) build schedules here, so the
slots `plan` shows are the slots the daemon fires (jitter is seeded per channel schedule).
"""

from __future__ import annotations

import random
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger

from bot.config import Channel as ChannelConfig
from bot.schedule import build_trigger, combine, next_fire_times


def channel_triggers(channel: ChannelConfig) -> list[BaseTrigger]:
    """One APScheduler trigger per schedule of `channel`, jitter seeded per schedule."""
    return [
        build_trigger(
            cron=s.cron,
            every=s.every,
            slots=s.slots,
            timezone=s.zone,
            jitter=s.jitter,
            rng=random.Random(f"{channel.name}#{i}"),
        )
        for i, s in enumerate(channel.schedule)
    ]


def next_slots(channel: ChannelConfig, after: datetime, count: int) -> list[datetime]:
    """The channel's next `count` slots after `after`, across all its schedules."""
    return next_fire_times(combine(channel_triggers(channel)), after, count)
