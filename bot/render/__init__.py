"""Rendering an excerpt into the exact text a platform receives.

    render_post(excerpt, article, profile, ...)  → RenderedPost (text, length, facets, ...)
    excerpt_budget(article, profile, ...)        → room left for the excerpt
    PROFILES / profile_for(name)                 → x, telegram, mastodon, bluesky, discord,
                                                   slack
    add_utm / UtmParams                          → the link's UTM tags
    hashtags_for(article)                        → "#Tags" from tags or keywords
    parse_template(text)                         → a checked template

Pure functions: no network, no clock, no store. The names are imported on first use, so
a module that needs one part (Bluesky's settings need the facets) does not load the rest
(the platforms' counters, the shortener), and neither does `excerpt-bot status`, which
reads every platform module.
"""

from __future__ import annotations

from bot.lazy import lazy_exports

_EXPORTS = {
    "hashtag_from_tag": "bot.render.hashtags",
    "hashtags_for": "bot.render.hashtags",
    "keywords": "bot.render.hashtags",
    "UtmParams": "bot.render.links",
    "add_utm": "bot.render.links",
    "BLUESKY": "bot.render.platforms",
    "DISCORD": "bot.render.platforms",
    "MASTODON": "bot.render.platforms",
    "PROFILES": "bot.render.platforms",
    "Profile": "bot.render.platforms",
    "SLACK": "bot.render.platforms",
    "TELEGRAM": "bot.render.platforms",
    "TELEGRAM_CAPTION": "bot.render.platforms",
    "X": "bot.render.platforms",
    "grapheme_length": "bot.render.platforms",
    "mastodon_length": "bot.render.platforms",
    "mrkdwn_escape": "bot.render.platforms",
    "profile_for": "bot.render.platforms",
    "telegram_length": "bot.render.platforms",
    "utf16_length": "bot.render.platforms",
    "x_length": "bot.render.platforms",
    "x_valid": "bot.render.platforms",
    "RenderedPost": "bot.render.post",
    "excerpt_budget": "bot.render.post",
    "final_link": "bot.render.post",
    "render_post": "bot.render.post",
    "visible_text": "bot.render.telegram_html",
    "PLACEHOLDERS": "bot.render.template",
    "REQUIRED": "bot.render.template",
    "Template": "bot.render.template",
    "parse_template": "bot.render.template",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
