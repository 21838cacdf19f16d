"""Platform profiles: each platform's limit, how it counts length, its markup and default template.

Length is counted the way each platform counts it, never approximately:

    x          twitter-text v3 weighted length (URLs 23, CJK and emoji 2, NFC), and the post
               must be `valid` by twitter-text (no U+FFFE/U+FEFF/U+FFFF)
    telegram   UTF-16 code units of the visible text (HTML parse mode: tags removed, entities
               decoded); 4096 for a message, 1024 for a caption (`TELEGRAM_CAPTION`)
    mastodon   characters, every http(s) URL counting 23 and a mention @user@domain as
               @user (Mastodon's own rule; it counts grapheme clusters, of which code
               points are a safe upper bound); an instance's own limits and a content
               warning through `mastodon_profile`
    bluesky    extended grapheme clusters (300), and at most 3000 UTF-8 bytes
    discord    a message's content: 2000, counted in UTF-16 code units (never fewer than the
               characters Discord counts, whichever way it counts them), markdown escaped
    slack      the mrkdwn text of one section block: 3000, counted on the text as sent
               (entities and `<url|title>` included) in UTF-16 code units, an upper bound
    threads    500 characters, an emoji counted as its UTF-8 bytes (Threads' documented
               rule); other characters, Latin or not, one each
    linkedin   the commentary as sent in "little" text (reserved characters escaped with a
               backslash, hashtags as `{hashtag|\\#|tag}` elements): 3000, counted in
               UTF-16 code units on the escaped text, an upper bound
    facebook   a Page post's message: 63,206 characters, counted in UTF-16 code units (an
               upper bound); posts are kept short by `excerpt_max`
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import TYPE_CHECKING

import regex

from bot.render.telegram_html import visible_text

if TYPE_CHECKING:
    from twitter_text import ParsedResult

URL_WEIGHT = 23
BLUESKY_MAX_BYTES = 3000
_GRAPHEME = regex.compile(r"\X")


@lru_cache(maxsize=1024)
def _parsed_tweet(text: str) -> ParsedResult:
    # Measuring and validating the same candidate would otherwise parse it twice.
    return _twitter_text().parse_tweet(text)


def _twitter_text():
    """twitter-text, imported on first use: its import (its URL and emoji patterns, and
    pkg_resources) costs more than all of `excerpt-bot status`, which reads the platform
    modules (and so this one, through Bluesky's facets) but never measures a post."""
    import twitter_text

    return twitter_text


# twitter-text v3 weighs these code points 1 and all others 2 (config/v3.json ranges).
_HEAVY = re.compile("[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")
# Every code point twitter-text's emoji expression can match (a superset, computed from it
# once), plus invalid characters and carriage returns: texts with any of them take the full
# parser. Prose rarely has them, and the full parser costs ~10x more per call.
_NEEDS_FULL_PARSE = re.compile(
    "[\r\u00a9\u00ae\u200d\u203c\u2049\u20e3\u2122\u2139\u2194-\u2b55\u3030\u303d"
    "\u3297\u3299\ufe0f\ufeff\ufffe\uffff\U0001f000-\U0001faff\U000e0020-\U000e007f]"
)
# Characters twitter-text itself treats as spaces (not all of Python's \s): a URL never spans
# one, so the space-free tokens of a text can be parsed for URLs one by one.
_SPACES = " \t\n\u00a0\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACE = re.compile(f"[{_SPACES}]")
_SPACE_CHARS = frozenset(" \t\n\u00a0\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)
# A URL, with or without a scheme, has "://" or a dot before a top-level domain's letters.
_URL_HINT = re.compile(f"://|[^{_SPACES}.]\\.[^\\W\\d_]{{2}}")
_X_LIMIT = 280


def _weight(text: str) -> int:
    return len(text) + len(_HEAVY.findall(text))


# A token that is one plain web address, the shape of nearly every post's link: twitter-text
# takes all of it as one URL (tested against its parser), so its weight is known without
# twitter-text's import, which costs more than cutting a 10,000-word essay. A scheme in
# lower case, ASCII host labels ending in a common top-level domain (not "co": t.co links
# are cut short), a port, a path and a query of characters twitter-text allows inside a URL
# and ending on one it allows at the end. Anything else goes to twitter-text.
_PLAIN_URL = re.compile(
    r"https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:com|org|net|edu|gov|info|io|dev|app|blog|uk|de|fr|nl|eu|jp|ca|au|us|me|xyz)"
    r"(?::[0-9]{1,5})?"
    r"(?:/(?:[a-z0-9_~.%/-]*[a-z0-9_/-])?)?"
    r"(?:\?[a-z0-9_.%=&-]*[a-z0-9_=&-])?",
    re.IGNORECASE,
)
# A bare domain ("example.org", a site's name in an attribution) counts as a URL too; only
# generic top-level domains here (twitter-text wants a path after a country code's).
_BARE_DOMAIN = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|org|net|edu|gov|info|dev|app|blog|xyz)",
    re.IGNORECASE,
)
_PLAIN_URL_MAX = 250


@lru_cache(maxsize=4096)
def _url_adjustment(token: str, at_start: bool) -> int:
    """How much the URLs in one space-free token change its weight (each counts 23).

    A URL never spans a space, so tokens can be parsed alone — after a space, as in the
    text, unless the token opens the text (twitter-text matches differently there) — and
    the post's link, present in every candidate measured while rendering, is parsed once.
    """
    if len(token) <= _PLAIN_URL_MAX and (
        _PLAIN_URL.fullmatch(token) or _BARE_DOMAIN.fullmatch(token)
    ):
        return URL_WEIGHT - _weight(token)
    context = "" if at_start else " "
    adjustment = 0
    for url in _twitter_text().extract_urls_with_indices(context + token):
        start, end = url["indices"]
        adjustment += URL_WEIGHT - _weight((context + token)[start:end])
    return adjustment


def x_length(text: str) -> int:
    """Weighted length as twitter-text v3 counts it (exactly; tested against its parser)."""
    normalized = unicodedata.normalize("NFC", text)
    if _NEEDS_FULL_PARSE.search(normalized):
        return _parsed_tweet(text).weightedLength
    total = _weight(normalized)
    position = 0
    while hint := _URL_HINT.search(normalized, position):
        start = hint.start()
        while start > 0 and normalized[start - 1] not in _SPACE_CHARS:
            start -= 1
        space = _SPACE.search(normalized, hint.end())
        position = space.start() if space else len(normalized)
        total += _url_adjustment(normalized[start:position], start == 0)
    return total


def has_url(text: str) -> bool:
    """Whether `text` holds a link as X finds links (a URL, or a bare domain such as a
    site's name): what X's price for a post "with URL" goes by. A text with no hint of
    one (no "://", no dot before two letters) has none; a plain address is known at a
    glance; anything else is asked of twitter-text, token by token, as `x_length` does."""
    normalized = unicodedata.normalize("NFC", text)
    position = 0
    while hint := _URL_HINT.search(normalized, position):
        start = hint.start()
        while start > 0 and normalized[start - 1] not in _SPACE_CHARS:
            start -= 1
        space = _SPACE.search(normalized, hint.end())
        position = space.start() if space else len(normalized)
        token = normalized[start:position]
        if len(token) <= _PLAIN_URL_MAX and (
            _PLAIN_URL.fullmatch(token) or _BARE_DOMAIN.fullmatch(token)
        ):
            return True
        context = "" if start == 0 else " "
        if _twitter_text().extract_urls_with_indices(context + token):
            return True
    return False


def x_valid(text: str) -> bool:
    """Whether X accepts `text`: within 280 weighted and free of invalid characters."""
    if _NEEDS_FULL_PARSE.search(text):
        return _parsed_tweet(text).valid
    return 0 < x_length(text) <= _X_LIMIT


_X_INVALID = re.compile("[\ufeff\ufffe\uffff]")


def _x_accepts(text: str) -> bool:
    """X's rules besides the limit (which `Profile.fits` checks): not empty, no invalid chars."""
    return bool(text) and not _X_INVALID.search(text)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units: a character outside the BMP (most emoji) counts 2."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def telegram_length(payload: str) -> int:
    """UTF-16 length of the text a reader sees for an HTML-mode payload."""
    return utf16_length(visible_text(payload))


# Mastodon's Account::MENTION_RE: a mention counts as its username alone, without the domain.
_MASTODON_MENTION = re.compile(
    r"(?<![=/\w])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@\w+(?:[.-]+\w+)*)?", re.IGNORECASE
)
MASTODON_LIMIT = 500
MASTODON_EXCERPT_MAX = 1000  # posts stay short on an instance that allows 5,000 or more


def mastodon_length(text: str, *, url_weight: int = URL_WEIGHT) -> int:
    """Characters as Mastodon's length validator counts them: every http(s) URL as
    `url_weight` (the instance's `characters_reserved_per_url`), `@user@domain` as `@user`."""
    urls = _twitter_text().extract_urls_with_indices(text, extract_urls_without_protocol=False)
    pieces, position = [], 0
    for start, end in (url["indices"] for url in urls):
        pieces.append(_MASTODON_MENTION.sub(r"@\1", text[position:start]))
        position = end
    pieces.append(_MASTODON_MENTION.sub(r"@\1", text[position:]))
    return sum(map(len, pieces)) + url_weight * len(urls)


@lru_cache(maxsize=64)
def mastodon_profile(
    max_characters: int = MASTODON_LIMIT, url_weight: int = URL_WEIGHT, spoiler_text: str = ""
) -> Profile:
    """The Mastodon profile for an instance's own limits (`max_characters`,
    `characters_reserved_per_url`) and a content warning, which Mastodon counts within the
    limit. The same arguments give the same profile (cut keys compare profiles)."""
    if (max_characters, url_weight, spoiler_text) == (MASTODON_LIMIT, URL_WEIGHT, ""):
        return MASTODON
    return replace(
        MASTODON,
        limit=max(0, max_characters - grapheme_length(spoiler_text)),
        measure=partial(mastodon_length, url_weight=url_weight),
        excerpt_max=min(max_characters * 4 // 5, MASTODON_EXCERPT_MAX),
        variant=f"{max_characters}/{url_weight}/"
        + hashlib.sha256(spoiler_text.encode()).hexdigest()[:8],
    )


def grapheme_length(text: str) -> int:
    """Extended grapheme clusters: a ZWJ family or a flag is one."""
    return len(_GRAPHEME.findall(text))


def _bluesky_bytes_ok(text: str) -> bool:
    return len(text.encode("utf-8")) <= BLUESKY_MAX_BYTES


def _always(text: str) -> bool:
    return True


def mrkdwn_escape(text: str) -> str:
    """`text` for Slack's mrkdwn: only "&", "<" and ">" are escaped, as Slack decodes only
    those three (a `<` or `>` left bare would open or close a link)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Discord's markdown: characters that format anywhere, and what formats at a line's start
# (a quote, a heading, a list item, small text) when a space follows.
_DISCORD_INLINE = re.compile(r"([\\*_~`|])")
_DISCORD_LINE_START = re.compile(r"^([ \t]*)(>|#{1,3}|-#|[-+]|\d+\.)(?=[ \t])", re.MULTILINE)


def discord_escape(text: str) -> str:
    """`text` shown as written in a Discord message: a backslash before every character
    Discord's markdown would read as formatting (the backslashes count, and do not show)."""
    text = _DISCORD_INLINE.sub(r"\\\1", text)
    return _DISCORD_LINE_START.sub(_escaped_line_start, text)


def _escaped_line_start(match: re.Match[str]) -> str:
    indent, mark = match.groups()
    if mark[0].isdigit():  # "1\. ", not "\1. ": a backslash before a digit would show
        return f"{indent}{mark[:-1]}\\."
    return f"{indent}\\{mark}"


# Code points Threads counts as an emoji (its UTF-8 bytes each): pictographs, their
# modifiers and joiners, keycaps, flags' regional indicators and tag characters.
_THREADS_EMOJI = regex.compile(
    r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}"
    r"\u200d\ufe0f\u20e3\U000e0020-\U000e007f]"
)
THREADS_LIMIT = 500


def threads_length(text: str) -> int:
    """Length as Threads counts a text post: characters, an emoji as its UTF-8 bytes."""
    extra = sum(len(c.encode("utf-8")) - 1 for c in _THREADS_EMOJI.findall(text) if not c.isascii())
    return len(text) + extra


# LinkedIn's "little" text: these characters are markup, plain only behind a backslash.
_LITTLE_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")


def little_escape(text: str) -> str:
    """`text` as plain LinkedIn "little" text: every reserved character backslash-escaped."""
    return _LITTLE_RESERVED.sub(r"\\\1", text)


def little_hashtag(tag: str) -> str:
    """A hashtag ("#ImmuneHealth") as LinkedIn's hashtag element, so that it links."""
    return "{hashtag|\\#|" + little_escape(tag.removeprefix("#")) + "}"


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
    variant: str = ""  # what sets this profile apart from others of its name (an instance)
    hashtag: Callable[[str], str] | None = None  # a hashtag as markup (LinkedIn's element)

    @property
    def key(self) -> str:
        """Names the profile among all others: equal keys count and mark up alike."""
        return f"{self.name}~{self.variant}" if self.variant else self.name

    def escape(self, value: str) -> str:
        """`value` made safe to place in a payload of this platform's parse mode."""
        if self.parse_mode == "HTML":
            return html.escape(value, quote=True)
        if self.parse_mode == "mrkdwn":
            return mrkdwn_escape(value)
        if self.parse_mode == "markdown":
            return discord_escape(value)
        if self.parse_mode == "little":
            return little_escape(value)
        return value

    def hashtags(self, tags: list[str]) -> str:
        """The hashtags as placed in a payload: escaped text, or the platform's elements."""
        if self.hashtag is not None:
            return " ".join(map(self.hashtag, tags))
        return self.escape(" ".join(tags))

    def escape_link(self, url: str) -> str:
        """The post's link as placed in the payload: escaped like any value, except where
        the platform links it by itself (a backslash in a Discord URL would break it); in
        Slack's `<url|title>` a "|" would end the URL, so it is percent-encoded."""
        if self.parse_mode in ("markdown", "little"):  # LinkedIn links a URL as it is
            return url
        if self.parse_mode == "mrkdwn":
            return mrkdwn_escape(url.replace("|", "%7C"))
        return self.escape(url)

    def fits(self, payload: str) -> bool:
        """Whether the platform would accept `payload`: within the limit and otherwise valid."""
        return self.length_if_fits(payload) is not None

    def length_if_fits(self, payload: str) -> int | None:
        """`payload`'s measured length when the platform would accept it, else None."""
        length = self.measure(payload)
        return length if length <= self.limit and self.accepts(payload) else None

    def measure_excerpt(self, excerpt: str) -> int:
        """How much `excerpt` takes in a post (the unit `excerpt_budget` counts in)."""
        return self.measure(self.escape(excerpt))


X = Profile(
    name="x",
    limit=280,
    unit="weighted characters",
    measure=x_length,
    accepts=_x_accepts,
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
    limit=MASTODON_LIMIT,
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

DISCORD = Profile(
    name="discord",
    limit=2000,
    unit="UTF-16 code units",
    measure=utf16_length,
    parse_mode="markdown",
    excerpt_max=600,
    template="{excerpt}\n\n{title} — {site}\n{url}\n\n{hashtags}",
)
SLACK = Profile(
    name="slack",
    limit=3000,
    unit="UTF-16 code units of mrkdwn",
    measure=utf16_length,
    parse_mode="mrkdwn",
    excerpt_max=600,
    template="{excerpt}\n\n<{url}|{title}> — {site}\n\n{hashtags}",
)

THREADS = Profile(
    name="threads",
    limit=THREADS_LIMIT,
    unit="characters (an emoji: its UTF-8 bytes)",
    measure=threads_length,
    excerpt_max=400,
    # Threads takes one topic tag per post: no hashtags unless a template asks.
    template="{excerpt}\n\n{title} — {site}\n{url}",
)
LINKEDIN = Profile(
    name="linkedin",
    limit=3000,
    unit="UTF-16 code units of little text",
    measure=utf16_length,
    parse_mode="little",
    excerpt_max=700,
    hashtag=little_hashtag,
    template="{excerpt}\n\n{title} — {site}\n{url}\n\n{hashtags}",
)
FACEBOOK = Profile(
    name="facebook",
    limit=63206,
    unit="UTF-16 code units",
    measure=utf16_length,
    excerpt_max=600,
    template="{excerpt}\n\n{title} — {site}\n{url}\n\n{hashtags}",
)

PROFILES: dict[str, Profile] = {
    p.name: p for p in (X, TELEGRAM, MASTODON, BLUESKY, DISCORD, SLACK, THREADS, LINKEDIN, FACEBOOK)
}


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
