"""Near-duplicate detection between passages: word-trigram overlap."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\w+", re.UNICODE)

# Two passages whose trigrams overlap this much (relative to the shorter) say the same thing.
NEAR_DUPLICATE = 0.5


def shingles(text: str, n: int = 3) -> frozenset[tuple[str, ...]]:
    """The word n-grams of `text`, lower-cased; short texts give their whole word tuple."""
    words = [w.lower() for w in _TOKEN.findall(text)]
    if len(words) < n:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def is_near_duplicate(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> bool:
    """True when the shorter passage's trigrams mostly occur in the other one."""
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= NEAR_DUPLICATE
