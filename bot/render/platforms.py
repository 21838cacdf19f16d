"""Platform profiles: each platform's limit, how it counts length, its markup and default template.

Length is counted the way each platform counts it, never approximately:

    x          twitter-text v3 weighted length (URLs 23, CJK and emoji 2, NFC), and the post
               must be `valid` by twitter-text (no U+FFFE/U+FEFF/U+FFFF)
    telegram   UTF-16 code units of the visible text (HTML parse mode: tags removed, entities
               decoded); 4096 for a message, 1024 for a caption (`TELEGRAM_CAPTION`)
    mastodon   characters, every http(s) URL counting 23 (Mastodon's own rule; it counts
               grapheme clusters, of which code points are a safe upper bound)
    bluesky    extended grapheme clusters (300), and at most 3000 UTF-8 bytes
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import regex
from twitter_text import ParsedResult, extract_urls_with_indices, parse_tweet

from bot.render.telegram_html import visible_text

URL_WEIGHT = 23
BLUESKY_MAX_BYTES = 3000
_GRAPHEME = regex.compile(r"\X")


@lru_cache(maxsize=1024)
def _parsed_tweet(text: str) -> ParsedResult:
    # Measuring and validating the same candidate would otherwise parse it twice.
    return parse_tweet(text)


def x_length(text: str) -> int:
    """Weighted length as twitter-text v3 counts it."""
    return _parsed_tweet(text).weightedLength


def x_valid(text: str) -> bool:
    """Whether X accepts `text`: within 280 weighted and free of invalid characters."""
    return _parsed_tweet(text).valid


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units: a character outside the BMP (most emoji) counts 2."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def telegram_length(payload: str) -> int:
    """UTF-16 length of the text a reader sees for an HTML-mode payload."""
    return utf16_length(visible_text(payload))


def mastodon_length(text: str) -> int:
    """Characters, with every http(s) URL counted as 23, as Mastodon's length validator does."""
    urls = extract_urls_with_indices(text, extract_urls_without_protocol=False)
    raw = sum(end - start for start, end in (url["indices"] for url in urls))
    return len(text) - raw + URL_WEIGHT * len(urls)


def grapheme_length(text: str) -> int:
    """Extended grapheme clusters: a ZWJ family or a flag is one."""
    return len(_GRAPHEME.findall(text))


def _bluesky_bytes_ok(text: str) -> bool:
    return len(text.encode("utf-8")) <= BLUESKY_MAX_BYTES


def _always(text: str) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Profile:
    """What rendering needs to know about one platform.

    `measure` counts a whole payload as the platform does; `accepts` holds any rule besides
    the limit. `excerpt_max` is a soft cap on the excerpt alone (in `measure` units): the
    excerpt engine chooses candidates within it (see `excerpt_budget`) so that posts stay
    short where the limit is huge; `render_post` itself cuts only to the platform's limit.
    """

    name: str
    limit: int
    unit: str
    measure: Callable[[str], int]
    template: str
    parse_mode: str | None = None
    excerpt_max: int | None = None
    accepts: Callable[[str], bool] = _always
    link_facets: bool = False

    def escape(self, value: str) -> str:
        """`value` made safe to place in a payload of this platform's parse mode."""
        return html.escape(value, quote=True) if self.parse_mode == "HTML" else value

    def fits(self, payload: str) -> bool:
        """Whether the platform would accept `payload`: within the limit and otherwise valid."""
        return self.measure(payload) <= self.limit and self.accepts(payload)

    def measure_excerpt(self, excerpt: str) -> int:
        """How much `excerpt` takes in a post (the unit `excerpt_budget` counts in)."""
        return self.measure(self.escape(excerpt))


X = Profile(
    name="x",
    limit=280,
    unit="weighted characters",
    measure=x_length,
    accepts=x_valid,
    template="{excerpt}\n\n{title} — {site}\n{url}\n{hashtags}",
)
TELEGRAM = Profile(
    name="telegram",
    limit=4096,
    unit="UTF-16 code units",
    measure=telegram_length,
    parse_mode="HTML",
    excerpt_max=600,
    template='{excerpt}\n\n<a href="{url}"><b>{title}</b></a> — {site}\n\n{hashtags}',
)
TELEGRAM_CAPTION = replace(TELEGRAM, name="telegram_caption", limit=1024)
MASTODON = Profile(
    name="mastodon",
    limit=500,
    unit="characters",
    measure=mastodon_length,
    excerpt_max=400,
    template="{excerpt}\n\n{title} — {site}\n{url}\n\n{hashtags}",
)
BLUESKY = Profile(
    name="bluesky",
    limit=300,
    unit="graphemes",
    measure=grapheme_length,
    accepts=_bluesky_bytes_ok,
    link_facets=True,
    template="{excerpt}\n\n{title} — {site}\n{url}\n{hashtags}",
)

PROFILES: dict[str, Profile] = {p.name: p for p in (X, TELEGRAM, MASTODON, BLUESKY)}


def profile_for(platform: str, *, caption: bool = False) -> Profile:
    """The profile of `platform`; `caption=True` gives Telegram's 1024-unit caption limit."""
    try:
        profile = PROFILES[platform]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown platform {platform!r}: expected one of {known}") from None
    if caption:
        if profile is not TELEGRAM:
            raise ValueError(f"platform {platform!r} has no caption profile (only telegram)")
        return TELEGRAM_CAPTION
    return profile
