"""Feeds as data: the bytes of an RSS or Atom feed in, a `FeedDocument` out (feedparser).

Entries come newest first: by date when every entry has one, else in the feed's own order
(newest first by convention). Each carries its identity (GUID, else its link), its link as
a canonical URL, its full content when the feed has it (`content:encoded`, Atom
`<content>`), its summary, tags and categories, and `entry_hash`, a digest of what the feed
says about it (title, link, content, summary, dates; not the GUID), so an edit shows as a
changed hash and a GUID change alone does not.

`entry_page(item, site=)` is an entry's content as a small HTML page (title, canonical
link, author, date, tags in its head), so it goes through the same extraction as any page.

Bytes that are no feed raise FetchError naming the URL: an HTML page (pointing at the feed
the page advertises, if any), or XML feedparser cannot read, with neither entries nor a
title.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from urllib.parse import urljoin

from bot.article import canonical_url
from bot.errors import FetchError

_HTML_START = (b"<!doctype html", b"<html")
_TAG = re.compile(r"<[A-Za-z!/]")


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a feed, as the feed describes it."""

    guid: str
    link: str | None  # absolute, as the feed gives it
    title: str | None
    content_html: str | None  # the full content, when the feed carries it
    summary_html: str | None
    tags: tuple[str, ...]
    author: str | None
    published: datetime | None
    entry_hash: str

    @property
    def link_key(self) -> str | None:
        """The link as a canonical URL, to recognise the entry by."""
        return canonical_url(self.link) if self.link else None


@dataclass(frozen=True, slots=True)
class FeedDocument:
    """A parsed feed: its title, and its entries newest first. `problem` names what was
    malformed in a feed that could still be read (None when it was well formed)."""

    title: str | None
    items: tuple[FeedItem, ...]
    problem: str | None = None


def parse_feed(body: bytes, *, url: str, content_type: str | None = None) -> FeedDocument:
    """The feed in `body`, fetched from `url` (the base for relative links)."""
    import feedparser  # ~10 MB of sgmllib and friends: only for daemons that poll feeds

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers)
    title = _text(parsed.feed.get("title"))
    # What a parser recovering from broken XML makes of debris has no id, link nor title.
    entries = [e for e in parsed.entries if any(_raw(e, k) for k in ("id", "link", "title"))]
    if not entries and not title:
        raise FetchError(url, _not_a_feed(body, parsed, url, content_type))
    items = [_item(entry, url) for entry in entries]
    problem = _xml_problem(parsed) if parsed.bozo and _is_xml_error(parsed) else None
    if problem is not None:
        # In a feed cut short (or broken), an entry with no link is what was left of the
        # one the XML broke off in: the problem is the feed's, said once, not the entry's.
        items = [item for item in items if item.link]
    if items and all(item.published for item in items):
        items.sort(key=lambda item: item.published, reverse=True)
    return FeedDocument(title=title, items=tuple(items), problem=problem)


def _item(entry, base: str) -> FeedItem:
    link = _text(_raw(entry, "link"))
    link = urljoin(base, link) if link else None
    content = next(
        (
            c.get("value")
            for c in _raw(entry, "content") or ()
            if "html" in (c.get("type") or "") and _text(c.get("value"))
        ),
        None,
    )
    summary = _raw(entry, "summary") if _text(_raw(entry, "summary")) else None
    published = _date(_raw(entry, "published_parsed") or _raw(entry, "updated_parsed"))
    tags = tuple(
        dict.fromkeys(
            term
            for term in (_text(t.get("term") or t.get("label")) for t in _raw(entry, "tags") or ())
            if term
        )
    )
    title = _text(_raw(entry, "title"))
    digest = hashlib.sha256(
        json.dumps(
            [title, link, content, summary, _raw(entry, "published"), _raw(entry, "updated"), tags],
            ensure_ascii=False,
        ).encode("utf-8")
    ).hexdigest()[:16]
    guid = _text(_raw(entry, "id")) or link or f"sha256:{digest}"
    return FeedItem(
        guid=guid,
        link=link,
        title=title,
        content_html=content,
        summary_html=summary,
        tags=tags,
        author=_text(_raw(entry, "author")),
        published=published,
        entry_hash=digest,
    )


def _raw(entry, key: str):
    """A key of a feedparser entry as parsed (no aliases, no deprecation fallbacks)."""
    return dict.get(entry, key)


def entry_page(item: FeedItem, *, body_html: str, site: str | None) -> bytes:
    """`body_html` (the entry's content or summary) as a page whose head describes it.
    Plain text (a summary often is) becomes paragraphs, one per blank-line-separated block."""
    if not _TAG.search(body_html):
        body_html = "".join(
            f"<p>{escape(block)}</p>" for block in re.split(r"\n\s*\n", body_html) if block.strip()
        )
    head = [f"<title>{escape(item.title or '')}</title>"]
    if item.link:
        head.append(f'<link rel="canonical" href="{escape(item.link)}">')
    if site:
        head.append(f'<meta property="og:site_name" content="{escape(site)}">')
    if item.author:
        head.append(f'<meta name="author" content="{escape(item.author)}">')
    if item.published:
        head.append(
            f'<meta property="article:published_time" content="{item.published.isoformat()}">'
        )
    head += [f'<meta property="article:tag" content="{escape(tag)}">' for tag in item.tags]
    heading = f"<h1>{escape(item.title)}</h1>" if item.title else ""
    page = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8">{"".join(head)}</head>'
        f"<body><article>{heading}{body_html}</article></body></html>"
    )
    return page.encode("utf-8")


def _text(value: object) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _date(value) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _is_xml_error(parsed) -> bool:
    return hasattr(parsed.get("bozo_exception"), "getLineNumber")


def _xml_problem(parsed) -> str:
    exc = parsed.get("bozo_exception")
    if hasattr(exc, "getLineNumber"):
        where = f"at line {exc.getLineNumber()}, column {exc.getColumnNumber()}"
        if exc.getMessage().startswith(("no element found", "unclosed token")):
            return f"truncated: the XML ends mid-way ({where}); the entries before it were read"
        return f"malformed XML ({exc.getMessage()} {where})"
    return f"unreadable ({' '.join(str(exc).split()) or type(exc).__name__})"


def _not_a_feed(body: bytes, parsed, url: str, content_type: str | None) -> str:
    if content_type == "text/html" or body.lstrip()[:14].lower().startswith(_HTML_START):
        advertised = next(
            (
                link.get("href")
                for link in parsed.feed.get("links") or ()
                if link.get("rel") == "alternate" and "xml" in (link.get("type") or "")
            ),
            None,
        )
        hint = (
            f"the page names its feed: {urljoin(url, advertised)}; use that as `feed`"
            if advertised
            else "point `feed` at the blog's RSS or Atom feed, often /feed/"
        )
        return f"not a feed: an HTML page ({hint})"
    if parsed.bozo:
        return f"not a feed: {_xml_problem(parsed)}"
    return "not a feed: neither RSS nor Atom, and no entries (check the URL)"
