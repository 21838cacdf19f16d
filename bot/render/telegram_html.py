"""Telegram's HTML parse mode: the markup it accepts, and the text a reader sees.

Telegram counts a message's length on the visible text, after tags are removed and entities
are decoded, so `visible_text` is what its limit applies to. Markup Telegram would refuse
(an unknown tag, an unbalanced tag, a bare "<" or "&") is reported as a `RenderError`
before anything is sent.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bot.errors import RenderError

# https://core.telegram.org/bots/api#html-style
TAGS = frozenset(
    "b strong i em u ins s strike del span tg-spoiler a tg-emoji code pre blockquote".split()
)
# The only named entities Telegram decodes; numeric ones (&#39; &#x27;) are all accepted.
ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_REQUIRED_ATTRIBUTES = {"a": "href", "tg-emoji": "emoji-id"}
# Every "&" must start one of these; html.parser is too lenient to be the judge of that.
_AMPERSAND = re.compile(r"&(?:([a-zA-Z][a-zA-Z0-9]*)|#[0-9]+|#[xX][0-9a-fA-F]+);|&")


class _TelegramHTMLParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.parts: list[str] = []
        self.open_tags: list[str] = []
        self.problem: str | None = None

    def _fail(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self._fail(f"unsupported tag <{tag}>")
            return
        names = {name for name, _ in attrs}
        needed = _REQUIRED_ATTRIBUTES.get(tag)
        if needed and needed not in names:
            self._fail(f"<{tag}> needs a {needed} attribute")
        if tag == "span" and ("class", "tg-spoiler") not in attrs:
            self._fail('<span> is only supported as <span class="tg-spoiler">')
        self.open_tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f"self-closing tag <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            self._fail(f"</{tag}> does not close the innermost open tag")
        else:
            self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        for char, entity in (("<", "&lt;"), (">", "&gt;"), ("&", "&amp;")):
            if char in data:
                self._fail(f"bare {char!r} in text (write {entity})")
        self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ENTITIES:
            self._fail(f"unsupported entity &{name}; (use &lt; &gt; &amp; &quot; or &#NNN;)")
            return
        self.parts.append(ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            if code == 0 or 0xD800 <= code <= 0xDFFF:
                raise ValueError(code)
            self.parts.append(chr(code))
        except (ValueError, OverflowError):
            self._fail(f"invalid character reference &#{name};")

    def handle_comment(self, data: str) -> None:
        self._fail("HTML comments are not supported")

    def handle_decl(self, decl: str) -> None:
        self._fail(f"declaration <!{decl}> is not supported")

    def handle_pi(self, data: str) -> None:
        self._fail(f"processing instruction <?{data}> is not supported")

    def unknown_decl(self, data: str) -> None:
        self._fail(f"declaration <![{data}]> is not supported")


def _entity_problem(payload: str) -> str | None:
    for match in _AMPERSAND.finditer(payload):
        if match.group() == "&":
            return "bare '&' (write &amp;)"
        name = match.group(1)
        if name is not None and name not in ENTITIES:
            return f"unsupported entity &{name}; (use &lt; &gt; &amp; &quot; or &#NNN;)"
    return None


def visible_text(payload: str) -> str:
    """The text a Telegram reader sees for an HTML-mode `payload`; RenderError if Telegram would
    refuse the markup."""
    problem = _entity_problem(payload)
    if problem is not None:
        raise RenderError(f"not valid Telegram HTML: {problem}")
    parser = _TelegramHTMLParser()
    parser.feed(payload)
    parser.close()
    if parser.problem is None and parser.open_tags:
        parser.problem = f"<{parser.open_tags[-1]}> is never closed"
    if parser.problem is not None:
        raise RenderError(f"not valid Telegram HTML: {parser.problem}")
    return "".join(parser.parts)
