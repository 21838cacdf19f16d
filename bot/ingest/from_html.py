"""HTML pages (.html, .htm): the main content and the page's own metadata, via trafilatura.

trafilatura finds the article in the page (leaving out scripts, navigation, share widgets,
comments, footers, tables and code blocks) and reads its metadata: title (og:title,
<title> without the " – Site" suffix, JSON-LD), author, date, site name (og:site_name),
tags and categories (article:tag, keywords, JSON-LD). Its output tree is walked, not its
text, so headings (`<head rend="h2">`) stay headings: the first H1 equal to the title is
dropped as a repeat, and with no title in the metadata the first H1 becomes it. List items
and quotes are paragraphs.

The canonical URL is `<link rel="canonical">`, else og:url (trafilatura prefers og:url,
which often carries tracking parameters); a relative one is resolved against the other.

trafilatura, htmldate and courlan log a warning for every page they find odd; their
loggers are set to CRITICAL at import, unless the application set a level for them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urljoin

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from bot.errors import ArticleError
from bot.ingest.boilerplate import Block
from bot.ingest.metadata import (
    Metadata,
    Parsed,
    author_value,
    is_web_url,
    language_value,
    tag_values,
    take_title,
    text_value,
)
from bot.ingest.text import clean_inline

for _name in ("trafilatura", "htmldate", "courlan"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.CRITICAL)

# Elements of trafilatura's output tree whose text is not prose. A `code` block is skipped
# as a block; inline code inside a paragraph keeps its text, as in Markdown.
_NOT_PROSE = frozenset({"table", "graphic", "figure"})
# Elements that hold blocks of their own; their text is read block by block.
_CONTAINERS = frozenset({"list", "quote", "div", "section", "article", "body", "main"})
_PARAGRAPHS = frozenset({"p", "item", "cell", "quote"})


def parse_html(text: str, source: str) -> Parsed:
    """The metadata and blocks of an HTML page (see the module docstring)."""
    # trafilatura refuses a bare fragment ("<p>...</p>" alone) as dubious; a saved post body
    # is one, so it is wrapped into a document.
    tree = load_html(text)
    if tree is None:
        tree = load_html(f"<html><body>{text}</body></html>")
    if tree is None:
        raise ArticleError(source, "not an HTML page; give a complete HTML document")
    url = _canonical_url(tree)
    document = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_precision=True,
    )
    if document is None or document.body is None:
        raise ArticleError(source, "no article text found in the HTML page")
    title = text_value(document.title)
    blocks = list(_blocks(document.body))
    title, blocks = take_title(title, blocks)
    url = url or _web_url(document.url)
    meta = Metadata(
        title=title,
        url=url,
        site=text_value(document.sitename),
        author=author_value(document.author),
        date=text_value(document.date),
        tags=tag_values(document.tags, document.categories),
        language=_language(tree),
        image=_image(tree),
    )
    return Parsed(meta=meta, blocks=tuple(Block(t, heading=lv > 0) for lv, t in blocks))


def _language(tree: HtmlElement) -> str | None:
    """The page's language: `<html lang>`, else og:locale."""
    root = tree.getroottree().getroot()
    found = language_value(root.get("lang") or root.get("xml:lang"))
    if found:
        return found
    locale = next((meta.get("content") for meta in tree.iter("meta")
                   if (meta.get("property") or "").lower() == "og:locale"), None)
    return language_value(locale)


def _image(tree: HtmlElement) -> str | None:
    """The page's image for link cards: og:image, else twitter:image."""
    found = {}
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or "").lower()
        if name in ("og:image", "og:image:url", "twitter:image") and name not in found:
            found[name] = text_value(meta.get("content"))
    return next((found[n] for n in ("og:image", "og:image:url", "twitter:image")
                 if found.get(n)), None)


def _web_url(url: object) -> str | None:
    text = text_value(url)
    return text if text and is_web_url(text) else None


def _canonical_url(tree: HtmlElement) -> str | None:
    """`<link rel="canonical">`, else og:url, made absolute against each other."""
    canonical = next(
        (
            link.get("href")
            for link in tree.iter("link")
            if "canonical" in (link.get("rel") or "").lower().split()
        ),
        None,
    )
    og_url = next(
        (m.get("content") for m in tree.iter("meta") if m.get("property") == "og:url"), None
    )
    for candidate, base in ((canonical, og_url), (og_url, canonical)):
        if candidate and candidate.strip():
            absolute = urljoin(base or "", candidate.strip())
            if is_web_url(absolute):
                return absolute
    return None


def _blocks(element: HtmlElement) -> Iterator[tuple[int, str]]:
    """(heading level, text) of each heading and paragraph, level 0 for a paragraph."""
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _NOT_PROSE or tag in ("code", "lb"):
            continue
        if tag == "head":
            text = clean_inline(_inline_text(child))
            if text:
                yield _heading_level(child), text
            continue
        text = clean_inline(_inline_text(child))
        if text and (tag in _PARAGRAPHS or tag not in _CONTAINERS):
            yield 0, text
        yield from _blocks(child) if _has_blocks(child) else ()


def _heading_level(head: HtmlElement) -> int:
    rend = head.get("rend") or ""
    return int(rend[1]) if len(rend) == 2 and rend[0] == "h" and rend[1].isdigit() else 2


def _has_blocks(element: HtmlElement) -> bool:
    return any(c.tag in _CONTAINERS or c.tag in _PARAGRAPHS or c.tag == "head" for c in element)


def _inline_text(element: HtmlElement) -> str:
    """The element's own running text: its inline children's text, not nested blocks'."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "lb":
            parts.append(" ")
        elif tag not in _NOT_PROSE | _CONTAINERS | _PARAGRAPHS and tag != "head":
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
