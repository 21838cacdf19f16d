"""Sentence boundaries: sentencex, plus the few English rules it lacks.

sentencex (a compiled, rule-based segmenter) handles abbreviations, initials, decimals,
amounts, quotations, parentheses and most ellipses. On the English Golden Rules it misses
only inline lists and the four-dot ellipsis; the rules here add exactly those:

- an inline list whose items are numbered in sequence ("1. … 2. …", "• 9. … • 10. …") or
  lettered from a ("a. … b. … c. …") is split before each item and never inside a marker;
- a four-dot ellipsis between sentences (". . . .") ends the first sentence at its first
  period and opens the next one with the remaining ". . .";
- no cut after a title before a name ("Atty. Gen. Garland", "Rep.", "Gov.") nor before an
  abbreviation that a comma or parenthesis follows, which no sentence opens with ("R-W.
  Va., said");
- in Japanese and Korean, a question or exclamation that a quotative particle follows
  ("…あったっけ？と思って", "“괜찮아?” 라고 물었다") goes on in the same sentence; in
  German, an ordinal after an article or a preposition ("im 60. Lebensjahr", "am 3.
  Oktober") ends none;
- no cut inside a URL written out in the text, nor before a compound's hyphen ("„Nazis
  raus!“-Rufe").

Segmentation follows the text's language (a BCP 47 tag; sentencex's own rules per language,
with a fallback for the others); English when none is given.

Sentences are returned verbatim: slices of the input, stripped at the edges.
"""

from __future__ import annotations

import re

import sentencex

from bot.language import base_language

_LANGUAGE = "en"

# Titles that stand before a name: never the end of a sentence.
_TITLES = frozenset(
    "Mr Mrs Ms Mx Dr Prof Rep Reps Sen Sens Gov Lt Gen Atty Col Capt Cmdr Adm Maj Sgt Cpl "
    "Pvt Supt Sec Treas Pres Rev Hon Fr Insp Det Amb".split()
)
_TITLE_BEFORE = re.compile(r"(?:^|[\s(])([A-Z][a-z]{1,5})\.$")
# An abbreviation followed by a comma or closing parenthesis: "Va., voted", "Calif.)".
_ABBREVIATION_AFTER = re.compile(r"^[A-Z][a-z]{0,4}\.[,)]")
# What ends the sentence before a quotation that opens one.
_ENDS_BEFORE_QUOTE = ".!?。！？:：\n"
# Quotative particles: "…あったっけ？と思って", "“정말 괜찮아?” 라고 물었다".
_QUOTATIVE_AFTER = {
    "ja": re.compile(r"^と"),
    "ko": re.compile(r"^(?:라고|이라고|하고|라는|이라는|라며|하며|란|고\s)"),
}
# The start of a URL and the ASCII characters of it up to a cut.
_URL_BEFORE = re.compile(r"(?:https?://|www\.)[!-~]*$")
# A compound that goes on after a quotation, no space between: "„Nazis raus!“-Rufe".
_HYPHENATED = re.compile(r"-\w")
# German ordinals: a number with a period after an article or a preposition ("im 60.").
_ORDINAL_BEFORE = re.compile(
    r"\b(?:am|an|ab|bis|beim|dem|den|der|des|die|das|ein|eine|einem|einen|einer|im|in|"
    r"jedem|jeden|jeder|nach|seit|um|vom|vor|zum|zur)\s+\d{1,4}\.\s*$",
    re.IGNORECASE,
)

# A list marker at a word start: an optional bullet, then "12." or "b." followed by a space.
_NUMBERED = re.compile(r"(?:(?<=\s)|^)(?P<bullet>[•⁃▪‣◦*-]\s*)?(?P<n>\d{1,3})\.(?=\s)")
_LETTERED = re.compile(r"(?:(?<=\s)|^)(?P<n>[a-z])\.(?=\s+\S)")
_LIST_OPENS = re.compile(r"(?:^|[.!?:;]|\n)\s*$")
# "word. . . ." : a period ending a sentence, then a three-dot ellipsis.
_FOUR_DOT = re.compile(r"(?<=[^\s.])\.(?P<ellipsis>(?:\s\.){3})(?=\s+\S)")


def split_sentences(text: str, language: str | None = None) -> list[str]:
    """The sentences of `text`, in order, each verbatim from the input (edges stripped)."""
    return [text[start:end] for start, end in sentence_spans(text, language)]


def sentence_spans(text: str, language: str | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence of `text`, whitespace at the edges excluded."""
    code = base_language(language) or _LANGUAGE
    cuts = {b["end_index"] for b in sentencex.get_sentence_boundaries(code, text)}
    cuts.discard(len(text))
    cuts = {cut for cut in cuts if not _joined(text, cut, code)}
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


def _joined(text: str, cut: int, language: str) -> bool:
    """True when the cut at `cut` falls inside a sentence that sentencex ended too soon."""
    before = text[max(0, cut - 12) : cut].rstrip()
    after = text[cut : cut + 12].lstrip()
    if _inside_url(text, cut) or _HYPHENATED.match(text, cut):
        return True  # "github.com/996icu/996.ICU", "„Nazis raus!“-Rufe"
    quotative = _QUOTATIVE_AFTER.get(language)
    if quotative is not None:
        asked = before.rstrip("\"'”’」』")[-1:] in "？！?!"
        return asked and (bool(quotative.match(after)) or _embedded_quote(text, cut, language))
    if language == "de" and _ORDINAL_BEFORE.search(text[max(0, cut - 24) : cut]):
        return True  # "im 60. Lebensjahr", "am 3. Oktober"
    title = _TITLE_BEFORE.search(before)
    if title and title[1] in _TITLES and after[:1].isupper():
        return True
    return bool(_ABBREVIATION_AFTER.match(after))


def _embedded_quote(text: str, cut: int, language: str) -> bool:
    """A Korean quotation that ends on "?" or "!" inside its sentence (`DB에 "지금 처리할
    사람 있어?" 쿼리를 날린다`): it opened after words of that sentence, not at its start."""
    if language != "ko":
        return False
    closing = text[:cut].rstrip()
    opened = max(closing.rfind('"', 0, len(closing) - 1), closing.rfind("“"))
    if opened <= 0:
        return False
    lead = text[:opened].rstrip()
    return bool(lead) and lead[-1] not in _ENDS_BEFORE_QUOTE


def _inside_url(text: str, cut: int) -> bool:
    """Whether `cut` falls inside a URL written out in the text."""
    if cut >= len(text) or not "!" <= text[cut] <= "~":
        return False
    return bool(_URL_BEFORE.search(text, max(0, cut - 300), cut))


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
