"""The console channel: on a terminal each post shows as a block, as the platform would show
it; the log keeps one line per post."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.logs import LOGGER_NAME
from bot.platforms.base import OutgoingPost
from bot.platforms.console import ConsoleChannel, connect

TEXT = "A first line of the excerpt.\n\nTitle — example.org\nhttps://example.org/a\n#tag"


def post(text: str = TEXT) -> OutgoingPost:
    return OutgoingPost(
        id=7,
        channel="demo",
        text=text,
        parse_mode=None,
        url="https://example.org/a",
        article_id="a",
        excerpt_id="e",
    )


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


SALT = """---
title: Salt & Pepper *Basics*
url: https://example.org/salt/
---

Salt & pepper go together in a simple kitchen, and every cook keeps both within reach.
"""
READ = "Salt & pepper go together in a simple kitchen, and every cook keeps both within reach."
# What a reader of each platform sees under the excerpt (a link's address after its text).
SHOWN = {
    "telegram": "Salt & Pepper *Basics* (https://example.org/salt/) — example.org\n\n"
    "#Salt #Pepper #Basics",
    "slack": "Salt & Pepper *Basics* (https://example.org/salt/) — example.org\n\n"
    "#Salt #Pepper #Basics",
    "discord": "Salt & Pepper *Basics* — example.org\nhttps://example.org/salt/\n\n"
    "#Salt #Pepper #Basics",
    "linkedin": "Salt & Pepper *Basics* — example.org\nhttps://example.org/salt/\n\n"
    "#Salt #Pepper #Basics",
}


@pytest.mark.parametrize("render_as", sorted(SHOWN))
def test_the_block_shows_a_post_as_its_platform_shows_it_not_its_markup(tmp_path, render_as):
    article = tmp_path / "salt.md"
    article.write_text(SALT, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["preview", str(article), "--platform", render_as, "--json"], catch_exceptions=False
    )
    [payload] = json.loads(result.stdout)[:1]
    assert payload["text"] != f"{READ}\n\n{SHOWN[render_as]}"  # markup or escapes in it
    screen = io.StringIO()
    sent = OutgoingPost(
        id=7,
        channel="demo",
        text=payload["text"],
        parse_mode=payload["parse_mode"],
        url="https://example.org/salt/",
        article_id="a",
        excerpt_id="e",
    )
    asyncio.run(ConsoleChannel("demo", render_as=render_as, echo=screen).send(sent))
    block = screen.getvalue().split("\n", 1)[1]
    assert block == f"{READ}\n\n{SHOWN[render_as]}\n\n"
