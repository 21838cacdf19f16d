"""Rendering an excerpt into the exact text a platform receives.

    render_post(excerpt, article, profile, ...)  → RenderedPost (text, length, facets, ...)
    excerpt_budget(article, profile, ...)        → room left for the excerpt
    PROFILES / profile_for(name)                 → x, telegram, mastodon, bluesky, discord,
                                                   slack
    add_utm / UtmParams                          → the link's UTM tags
    hashtags_for(article)                        → "#Tags" from tags or keywords
    parse_template(text)                         → a checked template

Pure functions: no network, no clock, no store.
"""

from bot.render.hashtags import hashtag_from_tag, hashtags_for, keywords
from bot.render.links import UtmParams, add_utm
from bot.render.platforms import (
    BLUESKY,
    DISCORD,
    MASTODON,
    PROFILES,
    SLACK,
    TELEGRAM,
    TELEGRAM_CAPTION,
    Profile,
    X,
    grapheme_length,
    mastodon_length,
    mrkdwn_escape,
    profile_for,
    telegram_length,
    utf16_length,
    x_length,
    x_valid,
)
from bot.render.post import RenderedPost, excerpt_budget, final_link, render_post
from bot.render.telegram_html import visible_text
from bot.render.template import PLACEHOLDERS, REQUIRED, Template, parse_template

__all__ = [
    "BLUESKY",
    "DISCORD",
    "MASTODON",
    "PLACEHOLDERS",
    "PROFILES",
    "REQUIRED",
    "SLACK",
    "TELEGRAM",
    "TELEGRAM_CAPTION",
    "Profile",
    "RenderedPost",
    "Template",
    "UtmParams",
    "X",
    "add_utm",
    "excerpt_budget",
    "final_link",
    "grapheme_length",
    "hashtag_from_tag",
    "hashtags_for",
    "keywords",
    "mastodon_length",
    "mrkdwn_escape",
    "parse_template",
    "profile_for",
    "render_post",
    "telegram_length",
    "utf16_length",
    "visible_text",
    "x_length",
    "x_valid",
]
