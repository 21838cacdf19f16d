"""Articles from web pages: fetch an HTML page, then extract it as an .html file is extracted.

    fetch_article(url, limits=) -> Article       the page at `url`
    article_from_html(html, source=, url=)        bytes of a page already in hand

The page's canonical URL (`<link rel="canonical">`, else og:url) is the article's link and
makes its id; the URL fetched (after redirects) serves when the page names none. The
article's `source` is the URL as given, never a path, so a rescan of posts_dir leaves it
alone. Pages in another charset than UTF-8 are decoded by their Content-Type or `<meta
charset>` first.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from bot.article import Article
from bot.errors import FetchError
from bot.ingest import MAX_ARTICLE_BYTES, parse_article
from bot.sources.fetch import HTML_TYPES, Fetched, fetch

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How long and how much one fetch may take."""

    timeout: float = 20.0  # seconds, for the whole fetch
    max_bytes: int = MAX_ARTICLE_BYTES  # the same limit as an article file
    max_redirects: int = 5


def fetch_article(url: str, *, limits: FetchLimits = FetchLimits()) -> Article:
    """The article on the web page at `url`.

    Raises FetchError (the page could not be fetched, or is not HTML) or ArticleError (no
    article text in it), each one line naming `url`.
    """
    page = fetch(
        url,
        timeout=limits.timeout,
        max_bytes=limits.max_bytes,
        max_redirects=limits.max_redirects,
        accept=HTML_TYPES,
    )
    return article_from_page(url, page)


def article_from_page(url: str, page: Fetched) -> Article:
    """The article in a fetched page (see `fetch_article`)."""
    if not page.body.strip():
        raise FetchError(url, f"the server sent an empty page (HTTP {page.status})")
    return article_from_html(as_utf8(page.body, page.charset), source=url, url=page.url)


def article_from_html(html: bytes, *, source: str, url: str) -> Article:
    """The article in UTF-8 `html`; `url` is its link unless the page names a canonical one."""
    return parse_article(html, source=source, kind="html", url=url)


def as_utf8(body: bytes, charset: str | None) -> bytes:
    """`body` re-encoded as UTF-8, decoded by `charset`, else its `<meta charset>`, else
    UTF-8 when it is valid UTF-8, else Windows-1252 (what browsers assume for Latin text)."""
    declared = charset or _meta_charset(body)
    if declared is not None and _known(declared) and codecs.lookup(declared).name != "utf-8":
        return body.decode(declared, errors="replace").encode("utf-8")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace").encode("utf-8")
    return body


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii") if match else None


def _known(charset: str) -> bool:
    try:
        codecs.lookup(charset)
    except LookupError:
        return False
    return True
