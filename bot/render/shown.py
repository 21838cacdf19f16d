"""A post as its reader sees it on the platform: markup applied, escapes gone, each link's
address after its text (a terminal shows no links). What the console channel shows on a
terminal, so that `render_as = "telegram"` looks like a Telegram post, not its HTML.

    as_shown(text, parse_mode)   the payload as read; plain text is returned as it is
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Slack mrkdwn: <url|text> and <url>, then the three escapes Slack decodes.
_SLACK_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>|<([^<>|]+)>")
_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
# Discord markdown and LinkedIn "little" text: a backslash before a character shows it.
_ESCAPED = re.compile(r"\\([^\w\s])")
# LinkedIn's hashtag element, {hashtag|\#|Tag}.
_LITTLE_HASHTAG = re.compile(r"\{hashtag\|\\#\|([^{}]*)\}")


def as_shown(text: str, parse_mode: str | None) -> str:
    """`text`, a payload in `parse_mode`, as the platform shows it to a reader."""
    if parse_mode == "HTML":
        return _html_as_shown(text)
    if parse_mode == "mrkdwn":
        shown = _SLACK_LINK.sub(_slack_link, text)
        for entity, char in _SLACK_ENTITIES:
            shown = shown.replace(entity, char)
        return shown
    if parse_mode == "markdown":
        return _ESCAPED.sub(r"\1", text)
    if parse_mode == "little":
        return _ESCAPED.sub(r"\1", _LITTLE_HASHTAG.sub(r"#\1", text))
    return text


def _slack_link(match: re.Match[str]) -> str:
    url, label, bare = match.groups()
    return bare if bare is not None else _with_address(label, url)


def _with_address(label: str, url: str) -> str:
    return label if label.strip() in ("", url) else f"{label} ({url})"


def _html_as_shown(payload: str) -> str:
    parser = _Shown()
    parser.feed(payload)
    parser.close()
    return "".join(parser.parts)


class _Shown(HTMLParser):
    """Telegram's HTML as read: the text, and each link's address after its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str | None, int]] = []  # href, where its text starts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.parts[start:])
            if href:
                del self.parts[start:]
                self.parts.append(_with_address(label, href))

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
