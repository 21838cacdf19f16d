"""Discord and Slack posts as rendered: their limits, how they count, Slack's mrkdwn, and
`preview --platform discord|slack` over the shipped article."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.article import Article
from bot.cli import cli
from bot.render import DISCORD, PROFILES, SLACK, render_post, utf16_length
from tests.conftest import PROJECT

EXAMPLE = PROJECT / "posts" / "unveiling-cytokines.md"
URL = "https://blog.example.com/posts/cytokines?ref=feed&lang=en"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def article(**fields) -> Article:
    defaults = {
        "id": "a1",
        "title": "Unveiling Cytokines",
        "source": "posts/cytokines.md",
        "paragraphs": ("Cytokines are small proteins.",),
        "url": URL,
        "site": "Health Notes",
    }
    return Article(**{**defaults, **fields})


def test_slack_escapes_what_mrkdwn_decodes_and_links_the_title():
    post = render_post("IL-6 <rises> & TNF-α > IL-10", article(title="Cytokines & <you>"), SLACK)
    assert post.parse_mode == "mrkdwn"
    assert post.text.startswith("IL-6 &lt;rises&gt; &amp; TNF-α &gt; IL-10\n\n")
    # The link is Slack's <url|label>; its "&" is escaped as Slack itself writes it.
    assert (
        "<https://blog.example.com/posts/cytokines?ref=feed&amp;lang=en|"
        "Cytokines &amp; &lt;you&gt;> — Health Notes"
    ) in post.text
    assert post.url == URL  # the link itself, unescaped, as the store and preview keep it
    # Every "<" and ">" left in the text is the link's own pair.
    assert post.text.count("<") == post.text.count(">") == 1


def test_slack_counts_the_text_as_sent_markup_and_entities_included():
    post = render_post("word & " * 600, article(), SLACK)
    assert post.limit == 3000 and post.length == utf16_length(post.text) <= 3000
    assert post.text.count("&amp;") > 100  # each "&" took five units, and they were counted
    assert post.excerpt.endswith("…")


def test_discord_counts_up_to_2000_utf16_units():
    post = render_post(f"{FAMILY} " * 400, article(), DISCORD)
    assert post.parse_mode == "markdown" and post.limit == 2000
    assert post.length == utf16_length(post.text) <= 2000
    assert len(post.text) < 2000 - 600  # a family emoji is 7 code points and 11 units
    assert f"Unveiling Cytokines — Health Notes\n{URL}" in post.text
    plain = render_post("IL-6 <rises> & falls", article(), DISCORD)
    assert plain.text.startswith("IL-6 <rises> & falls\n\n")  # no HTML, no entities


def test_discord_shows_markdown_characters_as_written_and_leaves_the_link_alone():
    url = "https://blog.example.com/posts/il_6_*rises*?utm_source=x_y"
    post = render_post(
        "> IL-6 *rises* in _hours_, ~~not~~ days | `fast`\n1. first",
        article(title="The *IL-6* story", url=url),
        DISCORD,
    )
    assert post.text.startswith(
        "\\> IL-6 \\*rises\\* in \\_hours\\_, \\~\\~not\\~\\~ days \\| \\`fast\\`\n1\\. first"
    )
    assert "The \\*IL-6\\* story — Health Notes\n" + url in post.text  # the URL unescaped
    assert post.excerpt.startswith("> IL-6 *rises*")  # the excerpt as written
    assert post.length == utf16_length(post.text)  # the backslashes count


def test_slack_keeps_a_pipe_in_the_link_from_ending_it():
    url = "https://blog.example.com/search?q=a|b&x=1"
    post = render_post("Cytokines.", article(url=url), SLACK)
    assert "<https://blog.example.com/search?q=a%7Cb&amp;x=1|Unveiling Cytokines>" in post.text
    assert post.url == url


def preview(*args: str) -> list[dict]:
    result = CliRunner().invoke(
        cli, ["preview", str(EXAMPLE), *args, "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("platform", ["discord", "slack"])
def test_preview_platform_shows_the_posts_as_each_counts_them(platform):
    posts = preview("--platform", platform)
    assert len(posts) >= 4
    for post in posts:
        assert post["limit"] == PROFILES[platform].limit
        assert post["length"] == utf16_length(post["text"]) <= post["limit"]
        assert post["text"].startswith(PROFILES[platform].escape(post["excerpt"]))
    if platform == "slack":
        assert all(p["parse_mode"] == "mrkdwn" for p in posts)
        assert all(f"<{p['url']}|Unveiling Cytokines" in p["text"] for p in posts)
    else:
        assert all(p["parse_mode"] == "markdown" and p["url"] in p["text"] for p in posts)
