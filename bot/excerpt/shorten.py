"""Cutting a text that is too long: at a clause or word boundary, ending in "…".

A cut happens only at whitespace, so it never falls inside a word, a URL, a number or an
emoji sequence (none of which contain whitespace). Where a clause ends (",", ";", ":", a
dash or a closing parenthesis) close enough to the longest possible cut, the cut is made
there instead, so the excerpt ends on a complete thought; an excerpt is cut only there.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ELLIPSIS = "…"

_WHITESPACE = re.compile(r"\s+")
# Punctuation that would dangle before the ellipsis.
_TRAILING = " \t\n,;:—–-([{\"'“‘/"
# Words that leave a fragment hanging when they end it ("…cells and…").
_DANGLING_WORDS = frozenset(
    "a an and as at but by for from in into is are was were its of on or so the their to "
    "than that this these those which who whose with without nor yet".split()
)
# The same in other languages: articles, prepositions, conjunctions, possessives ("…una
# interfaz inaccesible para…"). Any other language is held to English's list.
_DANGLING_IN = {
    language: frozenset(words.split())
    for language, words in {
        "es": "a al ante bajo con contra de del desde durante e el en entre hacia hasta la las "
        "lo los mediante mi mis muy más menos ni o para pero por que según sin sobre su sus "
        "tan tras tu tus u un una unas unos y",
        "pt": "a ao aos as às com contra da das de do dos e em mais mas menos meu minha muito "
        "na nas nem no nos num numa o os ou para pela pelas pelo pelos por que sem seu seus "
        "sob sobre sua suas tão um uma umas uns à",
        "fr": "à au aux avec chez dans de des du en entre et l' la le les ma mais mes moins mon "
        "ni ou par plus pour que qui sa sans ses si son sous sur très un une vers dont",
        "it": "a ad agli ai al alla alle allo che come con da dal dalla degli dei del della "
        "delle dello di e ed fra gli i il in la le lo ma meno molto negli nei nel nella nelle "
        "nello o per più su sua sul sulla suo tra un una uno",
        "nl": "aan als bij dan dat de die door een en het in maar met naar of om op over te "
        "tot uit van voor zijn haar hun mijn ons onze zeer meer",
        "de": "als an auf aus bei das dass dem den der des die durch ein eine einem einen "
        "einer für gegen in mehr mit nach ohne oder sehr sein seine um und unter von vor "
        "weniger wie zu zum zur über aber",
    }.items()
}
# Words that open a clause: with nothing after them, or only its subject ("…but once
# you"), the clause is left unfinished.
CLAUSE_OPENERS = frozenset(
    "after although because before if once since though unless until when whenever where "
    "whereas wherever while".split()
)
_SUBJECTS = frozenset("i you we they he she it one people".split())
_CLAUSE_END = re.compile(r"[,;:)\]—–]$|\s[—–-]$")
# Where an excerpt may be cut: not after a closing bracket, which may end the subject ("What
# marks writing as amateurish (and whether … awards)…").
_EXCERPT_CLAUSE_END = re.compile(r"[,;:—–]$|\s[—–-]$")
# A clause cut is preferred when it keeps at least this share of the longest word cut; where
# only a clause cut will do (an excerpt), this share.
_CLAUSE_MIN_SHARE = 0.6
_CLAUSE_ONLY_SHARE = 0.5


def _cut_points(text: str) -> list[int]:
    """End offsets of every whitespace-delimited prefix of `text`, shortest first."""
    return [m.start() for m in _WHITESPACE.finditer(text)]


def _finish(prefix: str, language: str | None = None) -> str | None:
    words = prefix.rstrip(_TRAILING).split()
    dangling = _DANGLING_IN.get(language or "", _DANGLING_WORDS)
    english = dangling is _DANGLING_WORDS
    while words:
        last = words[-1].lower().strip(_TRAILING)
        opener = english and len(words) > 1 and words[-2].lower().strip(_TRAILING) in CLAUSE_OPENERS
        if (
            last in dangling
            or (english and last in CLAUSE_OPENERS)
            or (last in _SUBJECTS and opener)
        ):
            words.pop()
        else:
            break
    if not words:
        return None
    # Rejoin from the original prefix so inner whitespace stays verbatim.
    end = 0
    for word in words:
        end = prefix.index(word, end) + len(word)
    return prefix[:end].rstrip(_TRAILING) + ELLIPSIS


def shorten_to_fit(
    text: str,
    fits: Callable[[str], bool],
    language: str | None = None,
    *,
    at_clause: bool = False,
) -> str | None:
    """The longest cut of `text` that `fits`, ending in "…"; `text` itself if it fits.

    `fits` tells whether a candidate is short enough (it may count as a platform counts,
    with the rest of the post around it). `language` says which words may not end a cut
    (English's when None). Returns None when not even the first word fits, and, with
    `at_clause`, when no clause ends close enough to the longest cut (an excerpt cut
    between two words of a clause reads as a fragment: of 18 such cuts the audits
    labelled, 15 were).
    """
    text = text.strip()
    if fits(text):
        return text
    points = _cut_points(text)
    # Binary search for the longest word-boundary cut that fits; `fits` is monotone in the
    # length of the prefix, and may be expensive (twitter-text parsing), hence no scan.
    lo, hi, best = 0, len(points) - 1, -1
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = _finish(text[: points[mid]], language)
        if candidate is not None and fits(candidate):
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    if best < 0:
        return None
    longest = _finish(text[: points[best]], language)
    assert longest is not None
    share = _CLAUSE_ONLY_SHARE if at_clause else _CLAUSE_MIN_SHARE
    for i in range(best, -1, -1):
        prefix = text[: points[i]]
        if len(prefix) < share * points[best]:
            break
        if (_EXCERPT_CLAUSE_END if at_clause else _CLAUSE_END).search(prefix):
            candidate = _finish(prefix, language)
            if candidate is not None and fits(candidate):
                return candidate
    return None if at_clause else longest
