"""What a configured channel needs to post: its profile, renderer and dispatch policy."""

from __future__ import annotations

from bot.article import Article
from bot.config import Channel as ChannelConfig
from bot.dispatch import ChannelPolicy
from bot.excerpt import Excerpt
from bot.render import PROFILES, Profile, UtmParams, render_post


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


def policy_for(channel: ChannelConfig) -> ChannelPolicy:
    return ChannelPolicy(
        max_per_day=channel.max_per_day,
        repeat_after=channel.repeat_after,
        grace=channel.grace,
        on_unknown=channel.on_unknown,
        proves_duplicates=channel.platform == "x",
    )
