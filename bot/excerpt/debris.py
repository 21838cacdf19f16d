"""Passages that are not prose worth quoting: markup, markers and broken pieces.

`debris(text)` names what makes a passage debris, or returns None. These rules hold in
every language: they look at markup, punctuation and letter case, never at words.

- template and markup residue: Hugo/Jekyll shortcodes (`{{< … >}}`, `{% … %}`), footnote
  references (`[^1]`), TeX (`$x^2$`, `\\frac{…}`);
- footnote and citation markers in the text ("[12]", "[citation needed]") and the lines of
  a reference list ("^ …", "↑ …", "Retrieved 2014-04-05", "Archived from the original");
- a piece that cannot open a sentence (", and then…", a lower-case common word in a script
  with letter case) or does not end one (no final punctuation, or a colon that announces
  what the post does not show).
"""

from __future__ import annotations

import re
from functools import lru_cache

_MARKUP = re.compile(
    r"\{\{[<%]|[>%]\}\}|\{%|%\}|\{\{\s*[\w.]+\s*\}\}|\]\((?:#|https?:|/)|\[\^[^\]]*\]|\\(?:frac|sum|int|mathrm|leq|geq|cdot|alpha|beta|"
    r"sqrt|left|right|text|times)\b|\$[^$\s][^$]*[\\^_{}][^$]*\$"
)
_MARKERS = re.compile(
    r"\[(?:\d{1,3}(?:[-–,]\d{1,3})*|citation needed|clarification needed|"
    r"when\?|who\?|according to whom\?|by whom\?|dubious[^\]]*|better source needed|"
    r"note \d+|nb \d+)\]",
    re.IGNORECASE,
)
_REFERENCE_LINE = re.compile(
    r"^(?:\^|↑|\[\d+\])\s|\bRetrieved (?:on )?(?:\d{4}-\d\d-\d\d|\d{1,2} \w+ \d{4}|\w+ \d{1,2}, "
    r"\d{4})|\bArchived from the original\b|\bdoi:\s*10\.|\bISBN[- ](?:1[03])?[:\s]"
)
_PROMOTION = re.compile(
    r"^\(?(?:read more|see more|read also|related|subscribe|sign up|follow us)\b", re.IGNORECASE
)
_BAD_START = re.compile(r"^[,;:.)\]}…|/\\]")
# A word in lower case, letters only: a sentence of a cased script never opens with one
# (an identifier such as "iPhone", "clone()" or "_start" may).
_LOWER_WORD = re.compile(r"^[\"'“‘(]*[a-zà-öø-ÿ\u0430-\u045f]+(?:[\s,;:]|$)")
# Where a sentence (or a shortened one) may end, before closing quotes and brackets.
_ENDS = ".!?…。！？｡।॥۔؟"
_CLOSERS = "\"'”’»)]）」』】〉》"


def debris(text: str, *, shortened: bool = False) -> str | None:
    """Why `text` is debris rather than a quotable passage, or None."""
    return debris_of((text.strip(),), shortened=shortened)


def debris_of(parts: tuple[str, ...], *, shortened: bool = False) -> str | None:
    """`debris` of the passage made of the sentences `parts` (each looked at once)."""
    for part in parts:
        reason = _inside(part)
        if reason:
            return reason
    first, last = parts[0].lstrip(), parts[-1].rstrip()
    reason = _start(first)
    if reason:
        return reason
    if first.startswith("(") and last.rstrip(_ENDS + "…")[-1:] == ")":
        return "an aside in parentheses"
    end = last.rstrip(_CLOSERS)[-1:]
    if last.endswith((":", ":--", ":—", "—", "--")) or end == ":":
        return "announces what follows"
    if not shortened and end not in _ENDS:
        return "no sentence end"
    return None


@lru_cache(maxsize=16384)
def _inside(part: str) -> str | None:
    if _MARKUP.search(part):
        return "markup"
    if _REFERENCE_LINE.search(part):
        return "reference list"
    if _MARKERS.search(part):
        return "footnote marker"
    return None


@lru_cache(maxsize=16384)
def _start(first: str) -> str | None:
    if _PROMOTION.match(first):
        return "promotion"
    if _BAD_START.match(first) or _LOWER_WORD.match(first):
        return "not a sentence start"
    return None
