"""Sentence boundaries: sentencex, plus the few English rules it lacks.

sentencex (a compiled, rule-based segmenter) handles abbreviations, initials, decimals,
amounts, quotations, parentheses and most ellipses. On the English Golden Rules it misses
only inline lists and the four-dot ellipsis; the rules here add exactly those:

- an inline list whose items are numbered in sequence ("1. … 2. …", "• 9. … • 10. …") or
  lettered from a ("a. … b. … c. …") is split before each item and never inside a marker;
- a four-dot ellipsis between sentences (". . . .") ends the first sentence at its first
  period and opens the next one with the remaining ". . .".

Sentences are returned verbatim: slices of the input, stripped at the edges.
"""

from __future__ import annotations

import re

import sentencex

_LANGUAGE = "en"

# A list marker at a word start: an optional bullet, then "12." or "b." followed by a space.
_NUMBERED = re.compile(r"(?:(?<=\s)|^)(?P<bullet>[•⁃▪‣◦*-]\s*)?(?P<n>\d{1,3})\.(?=\s)")
_LETTERED = re.compile(r"(?:(?<=\s)|^)(?P<n>[a-z])\.(?=\s+\S)")
_LIST_OPENS = re.compile(r"(?:^|[.!?:;]|\n)\s*$")
# "word. . . ." : a period ending a sentence, then a three-dot ellipsis.
_FOUR_DOT = re.compile(r"(?<=[^\s.])\.(?P<ellipsis>(?:\s\.){3})(?=\s+\S)")


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order, each verbatim from the input (edges stripped)."""
    return [text[start:end] for start, end in sentence_spans(text)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence of `text`, whitespace at the edges excluded."""
    cuts = {b["end_index"] for b in sentencex.get_sentence_boundaries(_LANGUAGE, text)}
    cuts.discard(len(text))
    for start, marker_end in _list_items(text):
        cuts.add(start)
        cuts.difference_update(range(start + 1, marker_end + 2))
    for match in _FOUR_DOT.finditer(text):
        cuts.difference_update(range(match.start(), match.end() + 2))
        cuts.add(match.start() + 1)
    spans = []
    start = 0
    for end in [*sorted(cuts), len(text)]:
        span = _strip(text, start, end)
        if span:
            spans.append(span)
        start = end
    return spans


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _list_items(text: str) -> list[tuple[int, int]]:
    """(start, marker end) of each inline list item; only lists of two or more in sequence."""
    items: list[tuple[int, int]] = []
    numbered = list(_NUMBERED.finditer(text))
    items += _in_sequence(numbered, lambda m: int(m["n"]), bulleted=True)
    lettered = list(_LETTERED.finditer(text))
    items += _in_sequence(lettered, lambda m: ord(m["n"]) - ord("a") + 1, bulleted=False)
    return items


def _in_sequence(matches, number, *, bulleted: bool) -> list[tuple[int, int]]:
    """Markers that run 1, 2, 3… (or any n, n+1… when each carries a bullet)."""
    found: list[tuple[int, int]] = []
    run: list[re.Match[str]] = []
    for m in matches:
        if run and number(m) == number(run[-1]) + 1:
            run.append(m)
            continue
        found += _accept(run, number, bulleted=bulleted)
        run = [m]
    found += _accept(run, number, bulleted=bulleted)
    return found


def _accept(run, number, *, bulleted: bool) -> list[tuple[int, int]]:
    # The first item opens the text or follows a sentence end or a colon: "Step 1. Mix…
    # Step 2. Bake…" is prose, not a list.
    if len(run) < 2 or not _LIST_OPENS.search(run[0].string, 0, run[0].start()):
        return []
    with_bullets = bulleted and all(m["bullet"] for m in run)
    if number(run[0]) != 1 and not with_bullets:
        return []
    return [(m.start(), m.end()) for m in run]
