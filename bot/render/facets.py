"""Bluesky rich-text facets: the link and hashtags of a post, located by UTF-8 byte offsets.

Bluesky links nothing by itself: a URL or "#tag" in the text is plain text unless a facet
points at it (app.bsky.richtext.facet, byteStart inclusive, byteEnd exclusive).
"""

from __future__ import annotations

import re

from bot.render.template import Span

LINK = "app.bsky.richtext.facet#link"
TAG = "app.bsky.richtext.facet#tag"
_HASHTAG = re.compile(r"#(\S+)")
_URL = re.compile(r"https?://\S+?(?=[.,;:!?)\]'\"]*(?:\s|$))")


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _facet(text: str, start: int, end: int, feature: dict) -> dict:
    return {
        "index": {"byteStart": _byte_offset(text, start), "byteEnd": _byte_offset(text, end)},
        "features": [feature],
    }


def bluesky_facets(text: str, spans: tuple[Span, ...]) -> tuple[dict, ...]:
    """A link facet for every `{url}` and a tag facet for every hashtag in `{hashtags}`."""
    facets = []
    for span in spans:
        if span.name == "url":
            uri = text[span.start : span.end]
            facets.append(_facet(text, span.start, span.end, {"$type": LINK, "uri": uri}))
        elif span.name == "hashtags":
            for match in _HASHTAG.finditer(text, span.start, span.end):
                feature = {"$type": TAG, "tag": match.group(1)}
                facets.append(_facet(text, match.start(), match.end(), feature))
    return tuple(sorted(facets, key=lambda facet: facet["index"]["byteStart"]))


def checked_facets(text: str, facets: tuple[dict, ...]) -> list[dict]:
    """The post's facets: the renderer's when each lands exactly on what it names (the link
    on its URL, a tag on its "#tag"), else computed anew for every URL and hashtag of
    `text` (a post rendered elsewhere, or one whose facets went astray)."""
    if facets and all(_lands(text, facet) for facet in facets):
        return [dict(facet) for facet in facets]
    spans = [Span("url", m.start(), m.end()) for m in _URL.finditer(text)]
    tags = [Span("hashtags", m.start(), m.end()) for m in re.finditer(r"(?<!\S)#\w+", text)]
    return list(bluesky_facets(text, tuple(spans + tags)))


def _lands(text: str, facet: dict) -> bool:
    data = text.encode("utf-8")
    try:
        index, [feature] = facet["index"], facet["features"]
        piece = data[index["byteStart"] : index["byteEnd"]].decode("utf-8")
    except (KeyError, TypeError, ValueError):
        return False
    if feature.get("$type") == LINK:
        return piece == feature.get("uri")
    return piece == f"#{feature.get('tag')}"
