"""Property: for any excerpt, every platform gets a post within its limit that links back."""

from __future__ import annotations

import html

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.article import Article
from bot.errors import RenderError
from bot.excerpt import ELLIPSIS
from bot.render import PROFILES, UtmParams, X, render_post

ARTICLE = Article(
    id="a1",
    title="Cytokines & <Immunity>: the “dual” role",
    paragraphs=("Cytokines are small proteins.",),
    source="posts/cytokines.md",
    url="https://blog.example.com/posts/cytokines?ref=feed&lang=en#part-2",
    site="Health Notes",
    tags=("immune health", "cytokines", "T cells"),
)
UTM = UtmParams(source="excerpt-bot", medium="social")
LINK = (
    "https://blog.example.com/posts/cytokines?ref=feed&lang=en"
    "&utm_source=excerpt-bot&utm_medium=social#part-2"
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
# Words a cut may end on: content words, no trailing punctuation.
FIRST_WORDS = [
    "cytokines",
    "Émigré",
    "免疫系统",
    "サイトカイン",
    "שלום",
    "السيتوكينات",
    "😀",
    FAMILY,
    "🇯🇵🇫🇷",
    "👍🏽",
    "https://example.com/a?b=1&c=2",
    "example.org",
    "a<b&c>d",
    "x" * 300,
    "日" * 200,
    "supercalifragilistic" * 8,
]
OTHER_WORDS = [
    *FIRST_WORDS,
    "the",
    "and",
    "immune,",
    "cells.",
    "role;",
    "—",
    "(see",
    "notes)",
    "1\u20e3",
    "\u202bمرحبا\u202c",
    "http://t.co/abc",
    "https://例え.jp/パス",
    "<b>",
    "</a>",
    "&amp;",
    "&",
    '"quoted"',
    "'single'",
    "{title}",
    "{0.__class__}",
    "#hashtag",
    "@someone@mastodon.social",
]
random_word = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=12
)
separators = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", "\t"])
# The rest of the excerpt is repeated so that Telegram's 4096 is also exceeded at times.
excerpts = st.builds(
    lambda first, rest, times, end: first + "".join(sep + word for sep, word in rest) * times + end,
    st.sampled_from(FIRST_WORDS),
    st.lists(
        st.tuples(separators, st.one_of(st.sampled_from(OTHER_WORDS), random_word)),
        max_size=90,
    ),
    st.sampled_from([1, 1, 1, 2, 5, 20]),
    st.sampled_from(["", " ", "\n"]),
)


@pytest.mark.parametrize("name", sorted(PROFILES))
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(excerpt=excerpts)
def test_every_post_fits_links_back_and_quotes_the_excerpt(name, excerpt):
    profile = PROFILES[name]
    try:
        post = render_post(excerpt, ARTICLE, profile, utm=UTM)
    except RenderError:
        # Only when not even the first word fits.
        first = excerpt.split()[0]
        with pytest.raises(RenderError):
            render_post(first + ELLIPSIS, ARTICLE, profile, utm=UTM, max_hashtags=0)
        return
    assert post.length == profile.measure(post.text) <= profile.limit
    assert profile.fits(post.text)
    if profile is X:
        assert X.fits(post.text)  # twitter-text's `valid`
    assert post.url == LINK
    if profile.parse_mode == "HTML":
        assert f'<a href="{html.escape(LINK)}">' in post.text
    elif profile.parse_mode == "mrkdwn":  # Slack: <url|title>, its "&" escaped
        assert f"<{LINK.replace('&', '&amp;')}|" in post.text
    else:
        assert LINK in post.text
    if post.excerpt != excerpt.strip():
        assert post.excerpt.endswith(ELLIPSIS)
        assert excerpt.startswith(post.excerpt.removesuffix(ELLIPSIS))
        assert post.hashtags == ()  # hashtags go before the excerpt is cut
    assert post.text.startswith(profile.escape(post.excerpt))
    for facet in post.facets:
        if facet["features"][0]["$type"].endswith("#link"):
            start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
            assert post.text.encode("utf-8")[start:end] == LINK.encode("utf-8")
