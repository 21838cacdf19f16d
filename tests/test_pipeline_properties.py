"""For arbitrary article text, every post is within its limit, links back, and quotes verbatim."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.article import Article
from bot.excerpt import ELLIPSIS
from bot.render import PROFILES
from bot.render.channel import posts_for
from bot.render.platforms import x_valid

LINK = "https://blog.example.org/2026/11/a-post/?ref=feed#top"

WORDS = st.sampled_from(
    [
        "cytokines",
        "immune",
        "Dr.",
        "U.S.",
        "e.g.",
        "3.5%",
        "$12.50",
        "a.m.",
        "“quoted”",
        "(aside)",
        "…",
        "—",
        "😀",
        "\U0001f469\u200d\U0001f469\u200d\U0001f467",
        "🇩🇪",
        "免疫細胞",
        "サイトカイン",
        "שלום",
        "مرحبا",
        "&",
        "<b>",
        "a<b",
        "x>y",
        "&amp;",
        "https://example.com/path?q=1",
        "example.org",
        "Supercalifragilistic" * 5,
        "They",
        "However,",
        "This",
        "cells.",
        "response!",
        "why?",
        "\u200f",
        "\u2066",
    ]
)
SENTENCES = st.lists(WORDS, min_size=3, max_size=30).map(" ".join)
PARAGRAPHS = st.lists(SENTENCES, min_size=1, max_size=5).map(lambda s: " ".join(s) + ".")


@pytest.mark.parametrize("platform", ["x", "telegram", "mastodon", "bluesky"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(PARAGRAPHS, min_size=1, max_size=4),
    title=st.text(min_size=1, max_size=120).filter(str.strip),
    tags=st.lists(
        st.sampled_from(["immunology", "免疫", "health & care", "C++", "a b"]), max_size=3
    ),
)
def test_every_post_fits_links_back_and_quotes_verbatim(platform, paragraphs, title, tags):
    article = Article(
        id="a",
        title=title.strip(),
        paragraphs=tuple(paragraphs),
        source="t.md",
        url=LINK,
        site="blog.example.org",
        tags=tuple(tags),
    )
    profile = PROFILES[platform]
    for post in posts_for(article, profile):
        assert post.length <= profile.limit
        assert post.length == profile.measure(post.text)
        if platform == "x":
            assert x_valid(post.text)
        assert post.url == LINK
        if platform == "telegram":
            assert 'href="https://blog.example.org/2026/11/a-post/?ref=feed#top"' in post.text
        else:
            assert LINK in post.text
        quoted = post.excerpt.removesuffix(ELLIPSIS)
        assert any(quoted in p for p in paragraphs)
