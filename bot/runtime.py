"""What a configured channel needs at run time: its profile, triggers, policy, renderer.

Both the daemon and the operator commands (`plan`, `status`) build schedules here, so the
slots `plan` shows are the slots the daemon fires (jitter is seeded per channel schedule).
"""

from __future__ import annotations

import random
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger

from bot.article import Article
from bot.config import Channel as ChannelConfig
from bot.config import Config
from bot.dispatch import ChannelPolicy
from bot.excerpt import Excerpt
from bot.render import PROFILES, Profile, UtmParams, render_post
from bot.schedule import build_trigger, combine, next_fire_times


def profile_for(channel: ChannelConfig) -> Profile:
    """How the channel's posts are rendered and counted."""
    if channel.platform == "console":
        return PROFILES[channel.render_as]
    return PROFILES[channel.platform]


def utm_for(channel: ChannelConfig) -> UtmParams | None:
    return UtmParams(**channel.utm.model_dump()) if channel.utm else None


def render_for(
    channel: ChannelConfig, article: Article, excerpt: Excerpt
) -> tuple[str, str | None]:
    """The exact payload and parse mode `channel` sends for `excerpt`."""
    post = render_post(
        excerpt.text, article, profile_for(channel),
        template=channel.template, utm=utm_for(channel), max_hashtags=channel.hashtags,
    )
    return post.text, post.parse_mode


def channel_triggers(channel: ChannelConfig) -> list[BaseTrigger]:
    """One APScheduler trigger per schedule of `channel`, jitter seeded per schedule."""
    return [
        build_trigger(
            cron=s.cron, every=s.every, slots=s.slots, timezone=s.zone, jitter=s.jitter,
            rng=random.Random(f"{channel.name}#{i}"),
        )
        for i, s in enumerate(channel.schedule)
    ]


def next_slots(channel: ChannelConfig, after: datetime, count: int) -> list[datetime]:
    """The channel's next `count` slots after `after`, across all its schedules."""
    return next_fire_times(combine(channel_triggers(channel)), after, count)


def policy_for(channel: ChannelConfig) -> ChannelPolicy:
    return ChannelPolicy(
        max_per_day=channel.max_per_day,
        repeat_after=channel.repeat_after,
        grace=channel.grace,
        on_unknown=channel.on_unknown,
        proves_duplicates=channel.platform == "x",
    )


def enabled_channels(config: Config) -> dict[str, ChannelConfig]:
    return {name: ch for name, ch in config.channels.items() if ch.enabled}
