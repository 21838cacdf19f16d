"""HTML pages (.html, .htm): the main content and the page's own metadata, via trafilatura.

trafilatura finds the article in the page (leaving out scripts, navigation, share widgets,
comments, footers, tables and code blocks) and reads its metadata: title (og:title,
<title> without the " – Site" suffix, JSON-LD), author, date, site name (og:site_name),
tags and categories (article:tag, keywords, JSON-LD). Its output tree is walked, not its
text, so headings (`<head rend="h2">`) stay headings: the first H1 equal to the title is
dropped as a repeat, and with no title in the metadata the first H1 becomes it. List items
and quotes are paragraphs.

The body is what the page shows, word for word (`bot.ingest.page_text`): hidden elements,
hover cards, tooltips and screen-reader text are removed before extraction, as are
footnotes and their markers; each extracted paragraph is then held to the page's own
visible text within one block, repaired from it where the extractor lost words (an inline
link's text) and split where a sentence the page does not show is dropped. A bold label
opening a paragraph ("Update: ...") is a heading of its own; a quotation's last line naming
its author ("— Tristan Perich") a paragraph of its own; headings lose their "[edit]" and
"#" anchors; math is dropped with its sentence, as is a name a widget repeated into a
sentence. The title loses the site's name wherever it repeats it ("Best gadgets of 2019 |
ZDNet — ZDNet"), and when the page's <title> does not hold the title trafilatura chose (a
site banner), the <title>'s longest part is taken.

The canonical URL is `<link rel="canonical">`, else og:url (trafilatura prefers og:url,
which often carries tracking parameters); a relative one is resolved against the other.

trafilatura, htmldate and courlan log a warning for every page they find odd; their
loggers are set to CRITICAL at import, unless the application set a level for them.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from urllib.parse import urljoin

import trafilatura
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from bot.errors import ArticleError
from bot.ingest.boilerplate import CONTINUED, QUOTED, Block
from bot.ingest.boilerplate_phrases import REPEATED_NAME
from bot.ingest.from_markdown import (
    LABEL_ENDS,
    LABEL_LEVEL,
    LABEL_MAX_WORDS,
    front_matter_metadata,
    is_notice_label,
    split_front_matter,
)
from bot.ingest.metadata import (
    Metadata,
    Parsed,
    author_value,
    is_web_url,
    language_value,
    page_title,
    tag_values,
    take_title,
    text_value,
)
from bot.ingest.page_text import (
    join_wrapped_cjk,
    prune_footnotes,
    prune_hidden,
    shown_as_written,
    visible_blocks,
)
from bot.ingest.text import (
    FORMULA,
    clean_inline,
    mark_formulas,
    strip_footnote_markers,
    without_formulas,
)
from bot.language import announces

for _name in ("trafilatura", "htmldate", "courlan"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.CRITICAL)

# Elements of trafilatura's output tree whose text is not prose. A `code` block is skipped
# as a block; inline code inside a paragraph keeps its text, as in Markdown.
_NOT_PROSE = frozenset({"table", "graphic", "figure"})
# Elements that hold blocks of their own; their text is read block by block.
_CONTAINERS = frozenset({"list", "quote", "div", "section", "article", "body", "main"})
_PARAGRAPHS = frozenset({"p", "item", "cell", "quote"})
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|–—·•»«]|-{1,2})\s+")
_LINE_BREAK = "\n"  # a <br> in a paragraph, until the paragraph's lines are joined
# A quotation's last line naming its author: "— Tristan Perich".
_ATTRIBUTION = re.compile(r"\s*(?:[—―]|--)\s*\S(?:\s*\S+){0,7}\s*$")
# What pages put after a heading's text: an edit link (Wikipedia's "[edit]"), an anchor.
_HEADING_ANCHOR = re.compile(r"\s*(?:\[\s*edit\s*\]|[#¶§🔗])\s*$", re.IGNORECASE)


def parse_html(text: str, source: str) -> Parsed:
    """The metadata and blocks of an HTML page (see the module docstring); a Jekyll post
    written in HTML takes its title, date, tags, categories and link from its front matter."""
    fields, text = split_front_matter(text, source)
    # trafilatura refuses a bare fragment ("<p>...</p>" alone) as dubious; a saved post body
    # is one, so it is wrapped into a document.
    tree = load_html(text)
    if tree is None:
        tree = load_html(f"<html><body>{text}</body></html>")
    if tree is None:
        raise ArticleError(source, "not an HTML page; give a complete HTML document")
    url = _canonical_url(tree)
    prune_hidden(tree)
    prune_footnotes(tree)
    join_wrapped_cjk(tree)
    body = tree.find("body")
    page = visible_blocks(body if body is not None else tree)
    document = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        include_formatting=True,  # bold labels ("Update:") stay visible as such
        favor_precision=True,
    )
    if document is None or document.body is None:
        raise ArticleError(source, "no article text found in the HTML page")
    site = text_value(document.sitename)
    title = page_title(_title(text_value(document.title), tree), site)
    blocks = list(_blocks(document.body, page))
    title, blocks = take_title(title, blocks)
    url = url or _web_url(document.url)
    meta = Metadata(
        title=title,
        url=url,
        site=site,
        author=author_value(document.author),
        date=text_value(document.date),
        tags=tag_values(document.tags, document.categories),
        language=_language(tree),
        image=_image(tree),
    )
    if fields:
        given = front_matter_metadata(fields, source)
        meta = replace(meta, **{k: v for k, v in asdict(given).items() if v})
    return Parsed(
        meta=meta,
        blocks=tuple(
            Block(t, heading=lv > 0, quoted=lv == QUOTED, continued=lv == CONTINUED)
            for lv, t in blocks
        ),
    )


def _title(found: str | None, tree: HtmlElement) -> str | None:
    """The title trafilatura found, unless the page's <title> does not hold it and names its
    parts ("Get your code covered | Code | Nicolas Perriault", where trafilatura took the
    site's banner "Hi, I'm Nicolas."): then the longest part of the <title>."""
    element = tree.find(".//title")
    written = text_value(element.text_content()) if element is not None else None
    if not written or (found and found.casefold() in written.casefold()):
        return found or written
    parts = [p.strip() for p in _TITLE_SEPARATOR.split(written) if p.strip()]
    return max(parts, key=len) if len(parts) > 1 else found or written


def _language(tree: HtmlElement) -> str | None:
    """The page's language: `<html lang>`, else og:locale."""
    root = tree.getroottree().getroot()
    found = language_value(root.get("lang") or root.get("xml:lang"))
    if found:
        return found
    locale = next(
        (
            meta.get("content")
            for meta in tree.iter("meta")
            if (meta.get("property") or "").lower() == "og:locale"
        ),
        None,
    )
    return language_value(locale)


def _image(tree: HtmlElement) -> str | None:
    """The page's image for link cards: og:image, else twitter:image."""
    found = {}
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or "").lower()
        if name in ("og:image", "og:image:url", "twitter:image") and name not in found:
            found[name] = text_value(meta.get("content"))
    return next(
        (found[n] for n in ("og:image", "og:image:url", "twitter:image") if found.get(n)), None
    )


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


@dataclass
class _Reading:
    """Where `_blocks` is: the block it gave last, and per open list whether its items go
    on from what came before it (`CONTINUED`)."""

    last: tuple[int, str] = (1, "")
    lists: list[bool] = field(default_factory=list)


def _blocks(
    element: HtmlElement, page: str, reading: _Reading | None = None
) -> Iterator[tuple[int, str]]:
    """(heading level, text) of each heading and paragraph, level 0 for a paragraph
    (`QUOTED` in a quotation, `CONTINUED` for an item of a list announced by the paragraph
    before it or nested in another item); each paragraph as the page shows it
    (`shown_as_written`), its label a heading of its own."""
    reading = reading or _Reading()
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _NOT_PROSE or tag in ("code", "lb"):
            continue
        if tag == "head":
            text = _HEADING_ANCHOR.sub("", clean_inline(_inline_text(child)))
            if text:
                reading.last = _heading_level(child), text
                yield reading.last
            continue
        if tag == "list":
            last_level, last_text = reading.last
            reading.lists.append(bool(reading.lists) or (last_level == 0 and announces(last_text)))
        found = _paragraph(child, page) if tag in _PARAGRAPHS or tag not in _CONTAINERS else ()
        inner = _blocks(child, page, reading) if _has_blocks(child) else ()
        for level, text in itertools.chain(found, inner):
            # A quotation (<blockquote>): someone else's words, never posted as the page's.
            level = QUOTED if tag == "quote" and level == 0 else level
            reading.last = level, text
            continued = level == 0 and reading.lists and reading.lists[-1]
            yield (CONTINUED if continued else level), text
        if tag == "list":
            reading.lists.pop()


def _paragraph(element: HtmlElement, page: str) -> Iterator[tuple[int, str]]:
    lines = _inline_text(element).split(_LINE_BREAK)
    attribution = None
    if len(lines) > 1 and _ATTRIBUTION.match(lines[-1]):
        attribution = lines.pop()  # "...systems.<br>— Tristan Perich": the quote's author
    raw = " ".join(" ".join(lines).split())
    label, raw = _label(element, raw)
    runs = [
        r
        for run in shown_as_written(raw, page)
        for r in without_formulas(clean_inline(strip_footnote_markers(_marked(run))))
    ]
    if label and runs:
        yield LABEL_LEVEL, label
    for run in runs:
        yield 0, run
    if attribution and runs:
        yield 0, " ".join(attribution.split())


def _marked(text: str) -> str:
    """`text` with its formulas, and a widget's copy of a name glued into a sentence ("said
    John SmithJohn Smith Follow", a hover card), marked to be dropped with their sentence."""
    return REPEATED_NAME.sub(FORMULA, mark_formulas(text))


def _label(element: HtmlElement, text: str) -> tuple[str | None, str]:
    """A paragraph's leading label in bold ("Update: Since...", "Picking the model. To
    reach...") and the text after it; else None and the text."""
    first = next(iter(element), None)
    if (
        first is None
        or first.tag != "hi"
        or "#b" not in (first.get("rend") or "")
        or (element.text or "").strip()
    ):
        return None, text
    label = " ".join(_inline_text(first).split())
    rest = text[len(label) :] if label and text.startswith(label) else None
    if not rest or not rest.strip():
        return None, text
    lead = rest.lstrip()
    if label[-1:] not in LABEL_ENDS:
        if lead[:1] not in LABEL_ENDS:
            return None, text
        lead = lead[1:]
    label = label.rstrip(":：").strip()
    if not label or len(label.split()) > LABEL_MAX_WORDS or is_notice_label(label):
        return None, text
    return label, lead.strip()


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
            parts.append(_LINE_BREAK)
        elif tag not in _NOT_PROSE | _CONTAINERS | _PARAGRAPHS and tag != "head":
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
