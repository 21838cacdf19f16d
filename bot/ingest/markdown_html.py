"""HTML written inside a Markdown file: a post migrated from WordPress or another blog
engine often keeps its body as `<p>…</p>` blocks, which CommonMark passes through raw.

`html_blocks(source)` gives the headings and paragraphs such a block shows, as the
Markdown reader gives its own: (heading level, text), level 0 for a paragraph and
`QUOTED` for one inside a `<blockquote>`. Code, tables, scripts, forms and embeds are no
prose and are left out; an inline tag's text is kept (a link's words stay in the
sentence); `<br>` is a space.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.ingest.boilerplate import QUOTED
from bot.ingest.text import clean_inline

_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_PROSE = frozenset({"p", "li", "dd", "dt"})
_NOT_PROSE = frozenset(
    "script style pre code table figure img iframe svg noscript form button nav template "
    "video audio object embed select textarea".split()
)
_BLOCKS = frozenset(
    {
        *_HEADINGS,
        *_PROSE,
        *_NOT_PROSE,
        "div",
        "section",
        "article",
        "blockquote",
        "ul",
        "ol",
        "dl",
        "aside",
        "main",
        "header",
        "footer",
        "details",
        "center",
    }
)


def html_blocks(source: str) -> Iterator[tuple[int, str]]:
    """The headings and paragraphs the HTML block `source` shows (see the module docs)."""
    from lxml import etree, html

    try:
        parts = html.fragments_fromstring(source)
    except (etree.ParserError, ValueError):
        return
    for part in parts:
        if isinstance(part, str):
            text = clean_inline(part)
            if text:
                yield 0, text
        else:
            yield from _element(part, quoted=False)


def _element(element, *, quoted: bool) -> Iterator[tuple[int, str]]:
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if not tag or tag in _NOT_PROSE:
        return  # a comment or processing instruction, or no prose
    if tag in _HEADINGS:
        text = _text(element)
        if text:
            yield _HEADINGS[tag], text
        return
    quoted = quoted or tag == "blockquote"
    if tag in _PROSE or not any(_tag(child) in _BLOCKS for child in element):
        text = _text(element)
        if text:
            yield (QUOTED if quoted else 0), text
        return
    loose = clean_inline(element.text or "")
    if loose:
        yield (QUOTED if quoted else 0), loose
    for child in element:
        yield from _element(child, quoted=quoted)
        tail = clean_inline(child.tail or "")
        if tail:
            yield (QUOTED if quoted else 0), tail


def _tag(element) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


def _text(element) -> str:
    """The text `element` shows: its inline tags' words, without code, scripts or embeds."""
    for skipped in element.iter(*_NOT_PROSE):
        if skipped is not element:
            skipped.drop_tree()
    for br in element.iter("br"):
        br.tail = " " + (br.tail or "")
    return clean_inline(element.text_content())
