"""The console channel: on a terminal each post shows as a block, as the platform would show
it; the log keeps one line per post."""

from __future__ import annotations

import asyncio
import io
import logging
from types import SimpleNamespace

from bot.logs import LOGGER_NAME
from bot.platforms.base import OutgoingPost
from bot.platforms.console import ConsoleChannel, connect

TEXT = "A first line of the excerpt.\n\nTitle — example.org\nhttps://example.org/a\n#tag"


def post(text: str = TEXT) -> OutgoingPost:
    return OutgoingPost(id=7, channel="demo", text=text, parse_mode=None,
                        url="https://example.org/a", article_id="a", excerpt_id="e")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_post_shows_as_a_block_with_its_lines(caplog):
    screen = io.StringIO()
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        asyncio.run(ConsoleChannel("demo", echo=screen).send(post()))
    shown = screen.getvalue().splitlines()
    assert shown[0].startswith("── demo · post 7 · as x ")
    assert shown[1:-1] == TEXT.splitlines()  # the text as written, line breaks included
    [record] = [r for r in caplog.records if "console.post" in r.getMessage()]
    assert "\n" not in record.getMessage()  # the log: one line per post


def test_the_block_is_shown_only_when_standard_output_is_a_terminal(monkeypatch):
    settings = SimpleNamespace(name="demo", render_as="x", outbox=None)
    monkeypatch.setattr("sys.stdout", Terminal())
    assert connect(settings, {}).echo is not None
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert connect(settings, {}).echo is None
