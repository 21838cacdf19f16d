"""Which parts of speech an English word can be, and its lemma, from lemminflect's lexicon
(the data file inside the package: no model, nothing downloaded)."""

from __future__ import annotations

import bisect
import gzip
import importlib.util
import re
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=65536)
def kinds(word: str) -> frozenset[str]:
    """The parts of speech `word` can be ("NOUN", "VERB", "ADJ", "ADV", "AUX")."""
    return frozenset(_entries(word.lower()))


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    entries = _entries(word.lower())
    for kind in ("NOUN", "VERB", "ADJ"):
        if kind in entries:
            return entries[kind]
    return word.lower()


def lemma_as(word: str, kind: str) -> str | None:
    """`word`'s lemma as a `kind` ("VERB": "wanted" -> "want"), or None when it is no such
    part of speech."""
    return _entries(word.lower()).get(kind)


@lru_cache(maxsize=65536)
def _entries(word: str) -> dict[str, str]:
    """Part of speech -> lemma of `word`, from lemminflect's lexicon."""
    lines = _lexicon()
    i = bisect.bisect_left(lines, word, key=_headword)
    found = {}
    while i < len(lines) and _headword(lines[i]) == word:
        _word, category, forms = lines[i].split(",", 2)
        found[category.upper()] = forms.split("/", 1)[0].lower()
        i += 1
    return found


def _headword(line: str) -> str:
    return line[: line.find(",")]


@lru_cache(maxsize=1)
def _lexicon() -> list[str]:
    """The lines of lemminflect's lemma lexicon ("word,category,lemma/lemma"), sorted by word.

    Read straight from the data file inside the package: its own loader builds a dictionary
    of all 80,000 words (and imports numpy), a third of a second that a `preview` of one
    article cannot spare; a binary search over the sorted lines needs none of it.
    """
    spec = importlib.util.find_spec("lemminflect")
    if spec is None or not spec.submodule_search_locations:
        return []
    path = Path(spec.submodule_search_locations[0]) / "resources" / "lemma_lu.csv.gz"
    try:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            return file.read().splitlines()
    except OSError:
        return []


@lru_cache(maxsize=8192)
def lemmas(text: str) -> frozenset[str]:
    """The lemmas of the words of three letters or more in `text` (a title's, say)."""
    return frozenset(lemma(w) for w in re.findall(r"[^\W\d_]+", text.lower()) if len(w) > 2)
