"""Threads, LinkedIn and Facebook posts counted and marked up as each platform does."""

from __future__ import annotations

import pytest

from bot.article import Article
from bot.render.platforms import (
    FACEBOOK,
    LINKEDIN,
    THREADS,
    little_escape,
    little_hashtag,
    profile_for,
    threads_length,
)
from bot.render.post import render_post

URL = "https://blog.example.org/a_(b)/"


def article(**overrides) -> Article:
    values = {
        "id": "a1",
        "title": "Cytokines [and] #fever",
        "paragraphs": ("Body.",),
        "source": "a.md",
        "url": URL,
        "site": "Jay's <blog>",
        "tags": ("immune health", "fever"),
    }
    return Article(**{**values, **overrides})


@pytest.mark.parametrize(
    "text, expected",
    [
        ("plain text", 10),
        ("né über", 7),  # Latin letters with accents: one each
        ("家族と免疫", 5),  # CJK: one each, not its UTF-8 bytes
        ("Здоровье", 8),
        ("👍", 4),  # an emoji: its UTF-8 bytes
        ("👍🏽", 8),  # with a skin-tone modifier: both code points' bytes
        ("👨‍👩‍👧", 18),  # a ZWJ family: 3 × 4 + 2 joiners × 3
        ("❤️", 6),  # a heart and its variation selector: 3 + 3
        ("🇫🇷", 8),  # a flag: two regional indicators
        ("#1 *2", 5),  # '#', '*' and digits are emoji components, but count one
    ],
)
def test_threads_counts_emoji_as_their_utf8_bytes_and_other_characters_as_one(text, expected):
    assert threads_length(text) == expected


def test_a_threads_post_fits_500_as_threads_counts_it():
    emoji_heavy = " ".join(["party 🎉"] * 60)  # 479 characters, 659 as Threads counts them
    post = render_post(emoji_heavy, article(), THREADS)
    assert threads_length(post.text) <= 500 and post.length == threads_length(post.text)
    assert post.excerpt.endswith("…") and "#" not in post.text.split(URL)[-1]


def test_little_text_escapes_every_reserved_character():
    reserved = "\\|{}@[]()<>#*_~"
    assert little_escape(reserved) == "".join(f"\\{c}" for c in reserved)
    assert little_escape("plain, text; 50% off!") == "plain, text; 50% off!"


def test_a_linkedin_post_escapes_excerpt_and_attribution_and_links_its_hashtags():
    post = render_post("IL-6 (interleukin) rises *fast* @ night", article(), LINKEDIN)
    assert post.text.startswith(r"IL-6 \(interleukin\) rises \*fast\* \@ night")
    assert r"Cytokines \[and\] \#fever — Jay's \<blog\>" in post.text
    assert URL in post.text  # the link as it is: LinkedIn links it
    assert r"{hashtag|\#|ImmuneHealth} {hashtag|\#|fever}" in post.text
    assert post.parse_mode == "little" and post.length <= 3000


def test_a_hashtag_element_escapes_what_its_tag_holds():
    assert little_hashtag("#Immune_Health") == r"{hashtag|\#|Immune\_Health}"


def test_a_facebook_post_keeps_the_excerpt_whole_and_the_link():
    text = "Cytokines are small proteins. " * 10
    post = render_post(text.strip(), article(), FACEBOOK)
    assert post.text.startswith(text.strip()) and URL in post.text
    assert post.limit == 63206


@pytest.mark.parametrize("name", ["threads", "linkedin", "facebook"])
def test_each_platform_has_its_profile(name):
    assert profile_for(name).name == name
