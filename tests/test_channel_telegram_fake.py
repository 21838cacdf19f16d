"""The fake Telegram Bot API itself: it must refuse what Telegram refuses, or tests lie.

Its HTML check against Telegram's documented rules, its answers to raw HTTP requests
(form or JSON bodies, as the Bot API takes both), and the shipped article's rendered
Telegram posts, which must all parse and fit.
"""

from __future__ import annotations

import httpx
import pytest

from bot.ingest import load_article
from bot.render import PROFILES
from bot.render.channel import posts_for
from tests.conftest import PROJECT
from tests.fakes.telegram_api import (
    MAX_TEXT_UNITS,
    TOKEN,
    EntityError,
    parse_html,
    telegram_api_fixture,  # noqa: F401  (the `telegram_api` fixture)
    utf16_units,
)


@pytest.mark.parametrize(
    ("html", "visible", "entities"),
    [
        ("plain text", "plain text", []),
        (
            "<b>bold</b> and <i>it</i>",
            "bold and it",
            [
                {"offset": 0, "length": 4, "type": "bold"},
                {"offset": 9, "length": 2, "type": "italic"},
            ],
        ),
        (
            '<a href="https://e.org/?a=1&amp;b=2">link</a>',
            "link",
            [{"offset": 0, "length": 4, "type": "text_link", "url": "https://e.org/?a=1&amp;b=2"}],
        ),
        ("&lt;tag&gt; &amp; &quot;q&quot; &#8212; &#x2014;", '<tag> & "q" — —', []),
        ("a > b", "a > b", []),  # a bare > is tolerated
        ("😀 <u>x</u>", "😀 x", [{"offset": 3, "length": 1, "type": "underline"}]),  # UTF-16
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [
                {"offset": 0, "length": 1, "type": "spoiler"},
                {"offset": 1, "length": 1, "type": "spoiler"},
            ],
        ),
        (
            "<pre><code>x</code></pre><blockquote>q</blockquote>",
            "xq",
            [
                {"offset": 0, "length": 1, "type": "code"},
                {"offset": 0, "length": 1, "type": "pre"},
                {"offset": 1, "length": 1, "type": "blockquote"},
            ],
        ),
    ],
)
def test_valid_telegram_html_parses(html, visible, entities):
    text, found = parse_html(html)
    assert text == visible
    assert sorted(found, key=str) == sorted(entities, key=str)


@pytest.mark.parametrize(
    ("html", "words"),
    [
        ("<foo>x</foo>", 'unsupported start tag "foo" at byte offset 0'),
        ("<br>", 'unsupported start tag "br"'),
        ("a < b", 'unsupported start tag "" at byte offset 2'),
        ("Q&A", 'character "&" at byte offset 1'),
        ("&nbsp;", 'character "&" at byte offset 0'),
        ("<b>x", 'can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", 'unexpected end tag "b" at byte offset 1'),
        ("é<foo>", "at byte offset 2"),  # offsets count UTF-8 bytes, as Telegram's do
        ('<span class="x">s</span>', 'tag "span" must have class "tg-spoiler"'),
    ],
)
def test_invalid_html_is_refused_like_telegram_does(html, words):
    with pytest.raises(EntityError) as caught:
        parse_html(html)
    assert words in str(caught.value)


def test_the_shipped_articles_telegram_posts_all_parse_and_fit():
    posts = posts_for(
        load_article(PROJECT / "posts" / "unveiling-cytokines.md"), PROFILES["telegram"]
    )
    assert posts
    for post in posts:
        visible, _ = parse_html(post.text)
        assert utf16_units(visible) <= MAX_TEXT_UNITS


def test_fake_takes_json_and_form_bodies_and_refuses_a_wrong_token(telegram_api, capfd):
    base = f"{telegram_api.base_url}/bot{TOKEN}"
    with httpx.Client(timeout=2) as client:
        by_json = client.post(
            f"{base}/sendMessage",
            json={"chat_id": "@my_channel", "text": "<b>hi</b>", "parse_mode": "HTML"},
        )
        by_form = client.post(
            f"{base}/sendMessage", data={"chat_id": "-1001234567890", "text": "hello"}
        )
        wrong = client.post(f"{telegram_api.base_url}/bot1:nope/getMe")
        unknown = client.post(f"{base}/sendSticker", data={})
        bad_chat = client.post(f"{base}/sendMessage", data={"chat_id": "@elsewhere", "text": "x"})
    assert by_json.json()["result"]["message_id"] == 1
    assert by_json.json()["result"]["entities"] == [{"offset": 0, "length": 2, "type": "bold"}]
    assert by_form.json()["result"]["message_id"] == 2
    assert by_form.json()["result"]["chat"]["username"] == "my_channel"
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert unknown.status_code == 404
    assert (bad_chat.status_code, bad_chat.json()["description"]) == (
        400,
        "Bad Request: chat not found",
    )
    assert [c.method for c in telegram_api.calls] == ["sendMessage"] * 2 + [
        "getMe",
        "sendSticker",
        "sendMessage",
    ]
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")  # the stdlib server would print paths, token included
