"""Candidate excerpts: one sentence, or a run of consecutive sentences of one paragraph.

Every candidate is a verbatim slice of a body paragraph. A single sentence longer than the
budget becomes a shortened candidate (cut where a clause ends, ending in "…"). A
sentence that opens with a list marker ("4. ", "- ", "b) ", a pro's or con's "(+) ") is
taken from after it: the marker belongs to the list, not to the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.excerpt.sentences import sentence_spans
from bot.excerpt.shorten import shorten_to_fit

# Longest run of sentences that makes one post, but for a whole paragraph: where the room
# takes it (a Telegram channel, a Mastodon instance with a high limit), a paragraph from its
# opening to its end is the most self-contained passage there is.
MAX_RUN = 3
_LIST_MARKER = re.compile(r"(?:[-*•‣▪◦]|\d{1,3}[.)]|[A-Za-z]\)|\([+-]\))\s+(?=\S)")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A passage that could become a post, with where it comes from in the article."""

    text: str
    paragraph: int
    first: int  # index of its first sentence in the paragraph
    count: int  # how many sentences it spans
    opening: str  # its first sentence (for the stand-alone check)
    parts: tuple[str, ...]  # its sentences, each verbatim
    length: int  # as the platform's measure counts it
    shortened: bool = False

    @property
    def sentences(self) -> frozenset[tuple[int, int]]:
        return frozenset((self.paragraph, i) for i in range(self.first, self.first + self.count))


def generate_candidates(
    paragraphs: tuple[str, ...] | list[str],
    *,
    max_length: int,
    measure: Callable[[str], int] = len,
    language: str | None = None,
) -> Iterator[Candidate]:
    """Every passage of 1..MAX_RUN consecutive sentences, and every whole paragraph, that
    fits `max_length`."""
    for p, paragraph in enumerate(paragraphs):
        spans = sentence_spans(paragraph, language)
        for i, (start, end) in enumerate(spans):
            marker = _LIST_MARKER.match(paragraph, start, end)
            if marker:
                start = marker.end()
            opening = paragraph[start:end]
            if measure(opening) > max_length:
                cut = shorten_to_fit(
                    opening, lambda s: measure(s) <= max_length, language, at_clause=True
                )
                if cut is not None:
                    yield Candidate(cut, p, i, 1, opening, (cut,), measure(cut), shortened=True)
                continue
            last = len(spans) if i == 0 else min(i + MAX_RUN, len(spans))
            for j in range(i, last):
                if MAX_RUN <= j - i < len(spans) - 1 - i:
                    continue  # longer than a run, shorter than the paragraph
                text = paragraph[start : spans[j][1]]
                length = measure(text)
                if length > max_length:
                    break
                parts = (opening, *(paragraph[a:b] for a, b in spans[i + 1 : j + 1]))
                yield Candidate(text, p, i, j - i + 1, opening, parts, length)
