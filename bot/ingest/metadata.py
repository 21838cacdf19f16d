"""Article metadata in one shape, whichever format it came from.

Front matter and HTML pages give titles, URLs, authors, dates and tags in many shapes
(a YAML date, a list of authors, tags as a comma string); `Metadata` holds them as plain
strings, and the functions here turn each shape into that.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlsplit

from bot.ingest.boilerplate import Block

_TITLE_FROM_NAME = re.compile(r"[-_\s]+")
_DATED_NAME = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")


@dataclass(frozen=True, slots=True)
class Metadata:
    """What a format parser found besides the body; every field optional."""

    title: str | None = None
    url: str | None = None
    site: str | None = None
    author: str | None = None
    date: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None
    image: str | None = None  # as the source names it (may be relative to the article's URL)
    # What a site generator makes the URL of (`bot.sources.permalinks`): front matter only.
    slug: str | None = None
    permalink: str | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Parsed:
    """A format parser's result: metadata and the article's blocks in reading order.

    The title is not among the blocks (each format decides which block is the title).
    """

    meta: Metadata
    blocks: tuple[Block, ...]


def text_value(value: object) -> str | None:
    """A scalar metadata value as stripped text; None for nothing or empty text."""
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = " ".join(str(value).split())
    return text or None


_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")


def language_value(value: object) -> str | None:
    """A language tag (BCP 47: "en", "pt-BR") from "en", "en_US", "EN-us"; None for anything
    that is not one."""
    text = text_value(value)
    if text is None or not _LANGUAGE.fullmatch(text):
        return None
    first, *rest = text.replace("_", "-").split("-")
    return "-".join([first.lower(), *(part.upper() if len(part) == 2 else part for part in rest)])


def author_value(value: object) -> str | None:
    """One author line from a name, a list of names or a `{name: ...}` mapping."""
    if isinstance(value, dict):
        return text_value(value.get("name"))
    if isinstance(value, list | tuple):
        names = [author_value(v) for v in value]
        return ", ".join(n for n in names if n) or None
    return text_value(value)


def tag_values(*values: object) -> tuple[str, ...]:
    """Tags from lists and comma-separated strings, merged, de-duplicated (ignoring case),
    in first-seen order."""
    seen: dict[str, str] = {}
    for tag in _flatten(values):
        seen.setdefault(tag.casefold(), tag)
    return tuple(seen.values())


def _flatten(values: Iterable[object]) -> Iterable[str]:
    for value in values:
        if isinstance(value, list | tuple | set):
            yield from _flatten(value)
        elif isinstance(value, str):
            yield from (t for t in (" ".join(p.split()) for p in value.split(",")) if t)
        elif value is not None and not isinstance(value, dict):
            text = text_value(value)
            if text:
                yield text


def is_web_url(url: str) -> bool:
    """Whether `url` is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # "http://[::1/post": an unclosed IPv6 bracket, a bad port
        return False


def host_of(url: str | None) -> str | None:
    """The host name of `url` without a leading "www.", for a site name of last resort."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def title_from_source(source: str) -> str:
    """A title of last resort from a file name: "my-first_post.md" -> "My first post", and
    "2024-03-05-my-post.md" (Jekyll's dated name) -> "My post"."""
    stem = _DATED_NAME.sub("", PurePath(source).stem) or PurePath(source).stem
    words = _TITLE_FROM_NAME.sub(" ", stem).strip()
    return words[:1].upper() + words[1:] if words else "Untitled"


def take_title(
    title: str | None, blocks: list[tuple[int, str]]
) -> tuple[str | None, list[tuple[int, str]]]:
    """The title and the blocks without the level-1 heading that gives or repeats it.

    `blocks` are (heading level, text), level 0 for a paragraph. With a `title` (from front
    matter or page metadata), the first H1 equal to it (ignoring case) is dropped as a
    repeat; without one, the first H1 becomes the title.
    """
    for index, (level, text) in enumerate(blocks):
        if level == 1 and (title is None or text.casefold() == title.casefold()):
            return title or text, blocks[:index] + blocks[index + 1 :]
    return title, blocks


# Between a page's title and its site's name: " | ", " - ", " – ", " — ", " · ", " » ".
_TITLE_PARTS = re.compile(r"(\s+(?:[|–—·•»«/]|-{1,2})\s+)")


def page_title(title: str | None, site: str | None) -> str | None:
    """A page's title without its site's name, however often it is repeated at either end:
    "Best gadgets of 2019 | ZDNet — ZDNet" is "Best gadgets of 2019". Without a site name,
    a part that ends the title twice over is taken to be it."""
    if not title:
        return title
    pieces = _TITLE_PARTS.split(title)  # text, separator, text, ...
    parts, separators = pieces[::2], pieces[1::2]
    names = {_site_key(site)} if site else set()
    if not names and len(parts) > 2 and _site_key(parts[-1]) == _site_key(parts[-2]):
        names = {_site_key(parts[-1])}
    while len(parts) > 1 and _site_key(parts[-1]) in names:
        parts.pop()
        separators.pop()
    while len(parts) > 1 and _site_key(parts[0]) in names:
        parts.pop(0)
        separators.pop(0)
    joined = parts[0] + "".join(sep + part for sep, part in zip(separators, parts[1:], strict=True))
    return joined.strip() or title


def _site_key(name: str) -> str:
    """A site's name as compared: case and spaces ignored, "www." and a domain's ending too
    ("ZDNet", "zdnet.com" and "www.ZDNet.com" are one)."""
    key = "".join(name.casefold().split()).removeprefix("www.")
    return re.sub(r"\.[a-z]{2,6}$", "", key)
