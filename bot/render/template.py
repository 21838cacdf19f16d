"""Post templates: `{placeholder}` text, checked once, filled with values, tidied.

Only the names in `PLACEHOLDERS` are accepted, with no index, attribute, conversion or format
spec (`{0}`, `{title.__class__}`, `{title!r}` are errors), and `{excerpt}` and `{url}` are
required. Values are substituted here, never by `str.format`.

Missing values (no site, no author) render as empty and the template is tidied around them:
a line whose placeholders are all empty is dropped; separators next to an empty placeholder
("—", "|", ",", ":", brackets, spaces) go with it, so "{title} — {site}" without a site is
just the title; blank lines never start, end or repeat; trailing spaces are stripped. The
values themselves are placed verbatim.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.errors import RenderError

PLACEHOLDERS = ("excerpt", "title", "url", "site", "author", "hashtags", "disclaimer", "ai_label")
REQUIRED = ("excerpt", "url")

_SEPARATORS = " \t—–-|·•:,;/"
# Stripped from the end of the text before an empty placeholder, and from the start of the
# text after it: "({site})" leaves no "()" behind.
_BEFORE_GAP = _SEPARATORS + "([{"
_AFTER_GAP = _SEPARATORS + ")]}"
_BRACKETS = re.compile(r"[()\[\]{}]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Slot:
    """A placeholder in a template line."""

    name: str


@dataclass(frozen=True, slots=True)
class Span:
    """Where a placeholder's (non-empty) value landed in a filled template, in characters."""

    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Filled:
    """A filled template: the text, and where each value sits in it."""

    text: str
    spans: tuple[Span, ...]


@dataclass(slots=True)
class _Piece:
    text: str
    name: str | None  # None for template text


def _valid_list() -> str:
    return ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def _check_field(name: str, spec: str | None, conversion: str | None) -> None:
    if name not in PLACEHOLDERS:
        raise RenderError(
            f"unknown placeholder {{{name}}} in template; valid placeholders: {_valid_list()}"
        )
    if spec or conversion:
        raise RenderError(
            f"placeholder {{{name}}} in template takes no conversion or format spec "
            f"(found {'!' + conversion if conversion else ''}{':' + spec if spec else ''})"
        )


@dataclass(frozen=True, slots=True)
class Template:
    """A checked template: its lines, each a sequence of text and `Slot`s."""

    source: str
    lines: tuple[tuple[str | Slot, ...], ...]

    @property
    def names(self) -> frozenset[str]:
        """The placeholders this template uses."""
        return frozenset(seg.name for line in self.lines for seg in line if isinstance(seg, Slot))

    def fill(self, values: Mapping[str, str]) -> Filled:
        """The template with `values` substituted (missing names are empty), tidied."""
        lines = []
        for line in self.lines:
            pieces = [
                _Piece(seg, None)
                if isinstance(seg, str)
                else _Piece(values.get(seg.name, ""), seg.name)
                for seg in line
            ]
            lines.append(_tidy_line(pieces))
        return _assemble(lines)


@lru_cache(maxsize=64)
def parse_template(source: str) -> Template:
    """Check a template and split it into lines; RenderError (one line) when it is unusable."""
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise RenderError(f"invalid template: {exc} (write {{{{ or }}}} for a brace)") from None
    lines: list[list[str | Slot]] = [[]]
    for literal, name, spec, conversion in parsed:
        for index, chunk in enumerate(literal.split("\n")):
            if index:
                lines.append([])
            if chunk:
                lines[-1].append(chunk)
        if name is not None:
            _check_field(name, spec, conversion)
            lines[-1].append(Slot(name))
    template = Template(source, tuple(tuple(line) for line in lines))
    for name in REQUIRED:
        if name not in template.names:
            raise RenderError(
                f"template has no {{{name}}} placeholder; every template needs "
                + " and ".join(f"{{{required}}}" for required in REQUIRED)
            )
    return template


def _has_content(pieces: list[_Piece]) -> bool:
    return any(piece.text.strip(_BEFORE_GAP + _AFTER_GAP) for piece in pieces)


def _close_gap(pieces: list[_Piece], index: int) -> None:
    """Remove the separators around the empty placeholder at `index`, keeping one between
    content on both sides ("A — {x} — B" → "A — B")."""
    left = pieces[index - 1] if index > 0 and pieces[index - 1].name is None else None
    right = (
        pieces[index + 1] if index + 1 < len(pieces) and pieces[index + 1].name is None else None
    )
    left_text = left.text if left is not None else ""
    right_text = right.text if right is not None else ""
    left_core = left_text.rstrip(_BEFORE_GAP)
    right_core = right_text.lstrip(_AFTER_GAP)
    joint = ""
    if _has_content(pieces[:index]) and _has_content(pieces[index + 1 :]):
        for separator in (
            left_text[len(left_core) :],
            right_text[: len(right_text) - len(right_core)],
        ):
            joint = _SPACES.sub(" ", _BRACKETS.sub("", separator))
            if joint:
                break
    if left is not None:
        left.text = left_core + joint
    if right is not None:
        right.text = right_core if left is not None else joint + right_core


def _tidy_line(pieces: list[_Piece]) -> list[_Piece] | None:
    """The line without its empty placeholders and their separators; None to drop it."""
    slots = [piece for piece in pieces if piece.name is not None]
    if slots and not any(piece.text for piece in slots):
        return None
    index = 0
    while index < len(pieces):
        if pieces[index].name is not None and not pieces[index].text:
            _close_gap(pieces, index)
            del pieces[index]
            if 0 < index < len(pieces) and pieces[index - 1].name is pieces[index].name is None:
                # Text that met across the gap is one piece: the next gap sees all of it.
                pieces[index - 1].text += pieces.pop(index).text
        else:
            index += 1
    for piece in reversed(pieces):
        if piece.name is not None:
            break
        piece.text = piece.text.rstrip()
        if piece.text:
            break
    return pieces


def _assemble(lines: list[list[_Piece] | None]) -> Filled:
    """Join lines: no leading, trailing or repeated blank lines; note where each value lands."""
    parts: list[str] = []
    spans: list[Span] = []
    position = 0
    blank_pending = False
    for line in lines:
        if line is None:
            continue
        if not any(piece.text for piece in line):
            blank_pending = bool(parts)
            continue
        if parts:
            separator = "\n\n" if blank_pending else "\n"
            parts.append(separator)
            position += len(separator)
        blank_pending = False
        for piece in line:
            if piece.name is not None and piece.text:
                spans.append(Span(piece.name, position, position + len(piece.text)))
            parts.append(piece.text)
            position += len(piece.text)
    return Filled("".join(parts), tuple(spans))
