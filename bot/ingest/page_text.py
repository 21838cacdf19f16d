"""What an HTML page shows, block by block, and extracted text held to it. Pure.

    prune_hidden(tree)              remove what the page never shows (hidden elements, hover
                                    cards, tooltips, screen-reader-only text)
    prune_footnotes(tree)           remove footnotes and the markers pointing to them
    join_wrapped_cjk(tree)          join Chinese and Japanese lines the source wrapped
    visible_blocks(tree)            the page's visible text, one line per block
    shown_as_written(text, page)    `text` as runs the page shows word for word

An extractor can lose words: trafilatura's precision mode drops some inline elements, so an
extracted sentence may read "...reported that for his role in the fight" where the page says
"...reported that the league will fine him for his role in the fight". A post must never
quote what the author did not write. So each extracted paragraph is looked up in the page's
own visible text, within one block (a paragraph, a list item, a heading, a cell): a
paragraph found there is kept as it is; otherwise each sentence is, and one that is not is
repaired from the page (the block's text from the sentence's first words to its last) or
dropped; and the paragraph is split wherever what remains is not contiguous on the page, so
that no excerpt joins sentences the page does not show together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.html import HtmlElement

from bot.ingest.text import join_wrapped_cjk as _join_wrapped

# Elements whose text is one block of the page; anything else is inline in its block.
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
_NEVER_SHOWN = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "title",
        "iframe",
        "svg",
        "object",
        "button",
        "select",
        "textarea",
    }
)
# Class names of widgets that repeat text the page already shows (hover cards, tooltips),
# or that it shows to screen readers only.
_HIDDEN_CLASSES = frozenset(
    {
        "hidden",
        "sr-only",
        "visually-hidden",
        "visuallyhidden",
        "screen-reader-text",
        "screenreader-only",
        "a11y-hidden",
        "u-hidden",
        "is-hidden",
    }
)
_WIDGET_CLASS = re.compile(r"hover-?card|tool-?tip|popover", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_PREFORMATTED = frozenset({"pre", "code", "textarea", "script", "style"})
# Footnotes and their markers.
_MARKER_TEXT = re.compile(r"\[?\d{1,3}\]?|\[[a-z]\]|[*†‡]")
_NOTE_TARGET = re.compile(r"#(?:fn|cite[_-]note|footnote|note|endnote)", re.IGNORECASE)
_NOTES_CLASSES = frozenset(
    {"footnotes", "footnote-list", "endnotes", "reflist", "references", "mw-references-wrap"}
)
_BACKLINK = frozenset({"fn", "footnote-back", "footnote-backref", "reversefootnote"})
# A sentence ends with its punctuation (and closing quotes) before a space.
_SENTENCE = re.compile(r"\S.*?(?:[.!?。！？][\"'’”)\]]*(?=\s|$)|$)", re.DOTALL)
_ANCHOR_WORDS = 3  # the words a repair anchors on at each end of a sentence
_REPAIR_SLACK = 2.0  # a repaired sentence is at most this many times the extracted one


def is_hidden(element: HtmlElement) -> bool:
    """Whether the page never shows `element`'s text: marked hidden (`hidden`,
    `aria-hidden="true"`, `display: none`), or a hover card, tooltip or screen-reader text."""
    if element.get("hidden") is not None or (element.get("aria-hidden") or "") == "true":
        return True
    if _HIDDEN_STYLE.search(element.get("style") or ""):
        return True
    classes = (element.get("class") or "").split()
    return any(c.lower() in _HIDDEN_CLASSES or _WIDGET_CLASS.search(c) for c in classes)


def prune_hidden(tree: HtmlElement) -> None:
    """Remove from `tree` the elements `is_hidden` finds, keeping the text after each."""
    for element in [el for el in tree.iter() if isinstance(el.tag, str) and is_hidden(el)]:
        if element.getparent() is not None:
            element.drop_tree()


def join_wrapped_cjk(tree: HtmlElement) -> None:
    """Join, in `tree`'s text, a line's end between two Chinese or Japanese characters: a
    writer who wraps such lines in the source means no space there (CSS Text's rules for
    line breaks in the source remove it between such characters), and the page's text
    and the extracted text both read the tree after this. Preformatted text keeps its
    lines."""
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.text and "\n" in element.text and not _preformatted(element):
            element.text = _join_wrapped(element.text)
        if element.tail and "\n" in element.tail and not _preformatted(element.getparent()):
            element.tail = _join_wrapped(element.tail)


def _preformatted(element: HtmlElement | None) -> bool:
    while element is not None:
        if isinstance(element.tag, str) and element.tag.lower() in _PREFORMATTED:
            return True
        element = element.getparent()
    return False


def prune_footnotes(tree: HtmlElement) -> None:
    """Remove from `tree` the footnotes (a `footnotes` section, a list item or paragraph
    that opens with its back link, `<a class="fn">`) and the markers that point to them
    (`<sup><a href="#fn1">1</a></sup>`, Wikipedia's `[6]`), keeping the text after each."""
    doomed = [
        el
        for el in tree.iter()
        if isinstance(el.tag, str) and (_is_footnote_marker(el) or _is_footnote(el))
    ]
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()


def _is_footnote_marker(element: HtmlElement) -> bool:
    tag = element.tag.lower()
    if tag not in ("sup", "a"):
        return False
    text = "".join(element.itertext()).strip()
    if not _MARKER_TEXT.fullmatch(text):
        return False
    links = [element] if tag == "a" else element.findall(".//a")
    classes = (element.get("class") or "").lower().split()
    return (
        "reference" in classes
        or "footnote-ref" in classes
        or any(_NOTE_TARGET.match(a.get("href") or "") for a in links)
    )


def _is_footnote(element: HtmlElement) -> bool:
    tag = element.tag.lower()
    classes = {c.lower() for c in (element.get("class") or "").split()}
    role = (element.get("role") or "").lower()
    if classes & _NOTES_CLASSES or role in ("doc-endnotes", "doc-footnote"):
        return True
    if tag not in ("li", "p") or (element.text or "").strip():
        return False
    first = next(iter(element), None)
    while first is not None and first.tag == "p" and not (first.text or "").strip():
        first = next(iter(first), None)  # <li><p><a class="fn">
    return (
        first is not None
        and first.tag == "a"
        and bool({c.lower() for c in (first.get("class") or "").split()} & _BACKLINK)
    )


def visible_blocks(tree: HtmlElement) -> str:
    """The page's visible text, one line per block, whitespace collapsed within each."""
    chunks: list[str] = []
    _walk(tree, chunks)
    lines = (_SPACE.sub(" ", line).strip() for line in "".join(chunks).split("\n"))
    return "\n".join(line for line in lines if line)


def _walk(element: HtmlElement, chunks: list[str]) -> None:
    if isinstance(element.tag, str):
        tag = element.tag.lower()
        if tag not in _NEVER_SHOWN and not is_hidden(element):
            block = tag in _BLOCK_TAGS
            chunks.append("\n" if block else " " if tag == "br" else "")
            chunks.append((element.text or "").replace("\n", " "))
            for child in element:
                _walk(child, chunks)
            if block:
                chunks.append("\n")
    chunks.append((element.tail or "").replace("\n", " "))


def shown_as_written(text: str, page: str) -> list[str]:
    """`text` (a paragraph taken from the page) as the runs of it the page shows word for
    word within one of its blocks (`page` from `visible_blocks`): repaired where the page
    has more words than the extraction kept, without what the page does not show."""
    text = _SPACE.sub(" ", text).strip()
    if not text or text in page:
        return [text] if text else []
    runs: list[str] = []
    current = ""
    for sentence in _sentences(text):
        shown = sentence if sentence in page else _repaired(sentence, page)
        if shown is None:
            runs.append(current)
            current = ""
            continue
        joined = f"{current} {shown}" if current else shown
        if current and joined not in page:
            runs.append(current)
            joined = shown
        current = joined
    runs.append(current)
    return [run for run in runs if run]


def _sentences(text: str) -> Iterator[str]:
    for match in _SENTENCE.finditer(text):
        yield match[0].strip()


def _repaired(sentence: str, page: str) -> str | None:
    """The page's text from `sentence`'s first words to its last, within one block and not
    much longer than it; None when the page has no such text."""
    words = sentence.split()
    if len(words) < 2 * _ANCHOR_WORDS:
        return None
    head = " ".join(words[:_ANCHOR_WORDS])
    tail = " ".join(words[-_ANCHOR_WORDS:])
    longest = int(len(sentence) * _REPAIR_SLACK) + 40
    start = page.find(head)
    while start >= 0:
        line_end = page.find("\n", start)
        limit = min(start + longest, line_end if line_end >= 0 else len(page))
        end = page.find(tail, start + len(head), limit)
        if end >= 0:
            return page[start : end + len(tail)]
        start = page.find(head, start + 1)
    return None
