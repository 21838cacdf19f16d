"""How listings leave the CLI: rich tables for people, plain JSON for programs.

Table cells are `Text`, never markup: an article titled "[bold]" prints as written. rich
is imported when a table is made: `--json` output never pays for it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.table import Table

NOTHING = "—"
UNWRAPPED = 100_000  # the width of a table that is not on a terminal: wide enough for any row


def print_json(data: Any) -> None:
    """`data` as indented JSON (UTF-8 text as is); datetimes as ISO 8601."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_iso))


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def count(number: int, noun: str, plural: str | None = None) -> str:
    """`1 post`, `2 posts`, `0 entries` (with `plural` for a noun that is not noun + "s")."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def shorten(text: str | None, width: int = 70) -> str:
    """`text` on one line, cut at a word with "…" when longer than `width`."""
    if not text:
        return NOTHING
    line = " ".join(text.split())
    if len(line) <= width:
        return line
    cut = line[: width - 1]
    if " " in cut[width // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def local_time(value: datetime | None, zone: tzinfo | None = None) -> str:
    """`2025-03-03 08:30:00 CET`, in `zone` (else the zone the datetime carries)."""
    if value is None:
        return NOTHING
    shown = value.astimezone(zone) if zone is not None else value
    return shown.strftime("%Y-%m-%d %H:%M:%S %Z")


def make_table(*columns: str, title: str | None = None) -> Table:
    """A table of `columns`; a name ending in "!" never wraps (ids, states, counts)."""
    from rich import box
    from rich.table import Table

    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in columns:
        name = column.removesuffix("!")
        table.add_column(name, no_wrap=name != column, overflow="fold")
    return table


def add_row(table: Table, cells: Iterable[Any]) -> None:
    from rich.text import Text

    table.add_row(*(Text(NOTHING if cell is None else str(cell)) for cell in cells))


def print_table(table: Table, footer: Sequence[str] = ()) -> None:
    """`table` as wide as the terminal; piped or redirected, one line per row, never wrapped
    (at 80 columns `queue` and `plan` would be unreadable in a log or a script)."""
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, width=None if sys.stdout.isatty() else UNWRAPPED)
    console.print(table)
    for line in footer:
        console.print(Text(line), soft_wrap=True)
