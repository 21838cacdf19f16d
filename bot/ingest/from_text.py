"""Plain-text articles (.txt).

The layout is the one people paste from a blog: the first non-empty line is the title,
blank lines separate paragraphs, and the lines of one paragraph are joined with a single
space. A short line standing alone (at most `HEADING_MAX_CHARS` characters and
`HEADING_MAX_WORDS` words, not ending in sentence punctuation) with more text after it is a
section heading. Plain text carries no URL, author or date.
"""

from __future__ import annotations

import re

from bot.ingest.boilerplate import Block
from bot.ingest.metadata import Metadata, Parsed
from bot.ingest.text import clean_inline, word_count

HEADING_MAX_CHARS = 100
HEADING_MAX_WORDS = 14
# A line ending in one of these is a sentence (or a lead-in), not a heading.
_SENTENCE_END = ".!?:;…\"”'’,"
_BLANK_LINES = re.compile(r"\n\s*\n")


def looks_like_heading(line: str) -> bool:
    """Whether one line of text reads as a section heading rather than a sentence."""
    line = line.strip()
    return (
        0 < len(line) <= HEADING_MAX_CHARS
        and word_count(line) <= HEADING_MAX_WORDS
        and not line.endswith(tuple(_SENTENCE_END))
    )


def parse_text(text: str) -> Parsed:
    """The title and blocks of a plain-text article."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    title, _, rest = text.partition("\n")
    chunks = [c for c in _BLANK_LINES.split(rest) if c.strip()]
    blocks: list[Block] = []
    for index, chunk in enumerate(chunks):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        paragraph = clean_inline(" ".join(lines))
        if not paragraph:
            continue
        heading = len(lines) == 1 and index < len(chunks) - 1 and looks_like_heading(paragraph)
        blocks.append(Block(paragraph, heading=heading))
    return Parsed(meta=Metadata(title=clean_inline(title) or None), blocks=tuple(blocks))
