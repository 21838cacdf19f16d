"""Templates: only known placeholders, excerpt and url required, tidy around missing values."""

from __future__ import annotations

import pytest

from bot.article import Article
from bot.errors import RenderError
from bot.render import MASTODON, PROFILES, TELEGRAM, X, parse_template, render_post

VALUES = {"excerpt": "Cytokines signal.", "title": "Cytokines", "url": "https://ex.com/c"}


def article(**fields) -> Article:
    defaults = {
        "id": "a1",
        "title": "Cytokines",
        "paragraphs": ("Cytokines signal.",),
        "source": "posts/c.md",
        "url": "https://ex.com/c",
    }
    return Article(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{excerpt} {url} {titel}", r"unknown placeholder \{titel\} in template; valid"),
        ("{excerpt} {url} {0}", r"unknown placeholder \{0\}"),
        ("{excerpt} {url} {}", r"unknown placeholder \{\}"),
        ("{excerpt} {url} {title.__class__}", r"unknown placeholder \{title.__class__\}"),
        ("{excerpt} {url} {title[0]}", r"unknown placeholder \{title\[0\]\}"),
        ("{excerpt} {url} {title!r}", r"\{title\} .* no conversion or format spec \(found !r\)"),
        ("{excerpt} {url} {title:>40}", r"no conversion or format spec \(found :>40\)"),
        ("{excerpt} — {title}", r"template has no \{url\} placeholder"),
        ("{title} {url}", r"template has no \{excerpt\} placeholder"),
        ("{excerpt} {url} }", r"invalid template: Single '\}'"),
    ],
)
def test_invalid_templates_are_one_line_errors(template, message):
    with pytest.raises(RenderError, match=message) as caught:
        parse_template(template)
    assert "\n" not in str(caught.value)


def test_unknown_placeholder_message_lists_every_valid_one():
    with pytest.raises(RenderError) as caught:
        parse_template("{excerpt} {url} {tags}")
    for name in ("excerpt", "title", "url", "site", "author", "hashtags", "disclaimer", "ai_label"):
        assert f"{{{name}}}" in str(caught.value)


def test_values_are_never_formatted_again():
    post = render_post("Use {title} or {0.__class__}", article(title="{url}"), X)
    assert post.text.startswith("Use {title} or {0.__class__}\n\n{url}\n")


def test_doubled_braces_are_literal():
    assert parse_template("{{{excerpt}}} {url}").fill(VALUES).text == (
        "{Cytokines signal.} https://ex.com/c"
    )


@pytest.mark.parametrize(
    ("template", "text"),
    [
        (
            "{excerpt}\n\n{title} — {site}\n{url}",
            "Cytokines signal.\n\nCytokines\nhttps://ex.com/c",
        ),
        ("{excerpt} ({site}) {url}", "Cytokines signal. https://ex.com/c"),
        ("{excerpt} — {author} — {site} — {url}", "Cytokines signal. — https://ex.com/c"),
        ("{excerpt}\n\nSource: {site}\n\n\n\n{url}  ", "Cytokines signal.\n\nhttps://ex.com/c"),
        ("{site} | {title}\n{excerpt}\n{url}", "Cytokines\nCytokines signal.\nhttps://ex.com/c"),
        ("\n\n{excerpt}\n{url}\n\n{hashtags}\n\n", "Cytokines signal.\nhttps://ex.com/c"),
    ],
)
def test_missing_values_leave_no_dangling_separators_or_blank_runs(template, text):
    assert parse_template(template).fill(VALUES).text == text


def test_present_values_keep_the_separators():
    values = {**VALUES, "site": "Health Notes", "author": "Ada"}
    assert parse_template("{excerpt} — {author} — {site} — {url}").fill(values).text == (
        "Cytokines signal. — Ada — Health Notes — https://ex.com/c"
    )


def test_default_templates_without_site_have_no_dangling_dash():
    for profile in PROFILES.values():
        post = render_post("Cytokines signal.", article(site=None), profile, max_hashtags=0)
        assert " — " not in post.text, profile.name
        assert "Cytokines" in post.text.split("\n\n")[1]


def test_default_templates_carry_excerpt_attribution_link_and_hashtags():
    a = article(site="Health Notes", tags=("immune health",))
    assert render_post("Cytokines signal.", a, X).text == (
        "Cytokines signal.\n\nCytokines — Health Notes\nhttps://ex.com/c\n#ImmuneHealth"
    )
    assert render_post("Cytokines signal.", a, MASTODON).text == (
        "Cytokines signal.\n\nCytokines — Health Notes\nhttps://ex.com/c\n\n#ImmuneHealth"
    )
    assert render_post("Cytokines signal.", a, TELEGRAM).text == (
        'Cytokines signal.\n\n<a href="https://ex.com/c"><b>Cytokines</b></a> — Health Notes'
        "\n\n#ImmuneHealth"
    )


def test_every_placeholder_can_be_used():
    a = article(
        site="Health Notes",
        author="Ada Lovelace",
        disclaimer="Not medical advice.",
        ai_label="Written with AI.",
        tags=("cytokines",),
    )
    template = "{excerpt}\n— {author}, {site}\n{title}: {url}\n{disclaimer} {ai_label}\n{hashtags}"
    assert render_post("Cytokines signal.", a, X, template=template).text == (
        "Cytokines signal.\n— Ada Lovelace, Health Notes\nCytokines: https://ex.com/c\n"
        "Not medical advice. Written with AI.\n#cytokines"
    )


def test_html_template_telegram_would_refuse_is_an_error():
    with pytest.raises(RenderError, match=r"template for telegram: .*unsupported tag <div>"):
        render_post("x", article(), TELEGRAM, template="<div>{excerpt}</div> {url}")
    with pytest.raises(RenderError, match="bare '&'"):
        render_post("x", article(), TELEGRAM, template="Q&A: {excerpt} {url}")
