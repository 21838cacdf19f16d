"""render_post: the exact payload, within the limit; what gives way when space is short."""

from __future__ import annotations

import pytest

from bot.article import Article
from bot.errors import RenderError
from bot.excerpt import ELLIPSIS
from bot.render import (
    BLUESKY,
    MASTODON,
    PROFILES,
    TELEGRAM,
    UtmParams,
    X,
    excerpt_budget,
    render_post,
)

URL = "https://blog.example.com/posts/cytokines"
EXCERPT = (
    "Cytokines are small proteins secreted by certain cells, and they have a significant "
    "part in modulating our immune responses."
)


def article(**fields) -> Article:
    defaults = {
        "id": "a1",
        "title": "Unveiling Cytokines: Their Dual Role in Immune Health",
        "paragraphs": (EXCERPT,),
        "source": "posts/cytokines.md",
        "url": URL,
        "site": "Health Notes",
        "tags": ("immune health", "cytokines", "inflammation"),
    }
    return Article(**{**defaults, **fields})


def test_a_short_post_keeps_everything():
    post = render_post(EXCERPT, article(), X)
    assert post.text == (
        f"{EXCERPT}\n\nUnveiling Cytokines: Their Dual Role in Immune Health — Health Notes\n"
        f"{URL}\n#ImmuneHealth #cytokines #inflammation"
    )
    assert post.excerpt == EXCERPT
    assert post.hashtags == ("#ImmuneHealth", "#cytokines", "#inflammation")
    assert post.length == X.measure(post.text) <= 280
    assert post.to_json() == {
        "text": post.text,
        "parse_mode": None,
        "excerpt": EXCERPT,
        "url": URL,
        "length": post.length,
        "limit": 280,
    }


def _excerpt_of(size: int) -> str:
    words = EXCERPT.split()
    return " ".join(words[i % len(words)] for i in range(size))


def test_hashtags_are_dropped_last_first_before_the_excerpt_is_cut():
    full = render_post(EXCERPT, article(), X)
    # An excerpt that leaves room for exactly two of the three hashtags.
    room = 280 - full.length + X.measure(EXCERPT) + len(" #inflammation")
    excerpt = EXCERPT + " " + "x" * (room - X.measure(EXCERPT) - 1)
    post = render_post(excerpt, article(), X)
    assert post.hashtags == ("#ImmuneHealth", "#cytokines")
    assert post.excerpt == excerpt
    assert post.text.endswith(f"{URL}\n#ImmuneHealth #cytokines")
    assert post.length == 280


def test_the_excerpt_is_cut_only_after_every_hashtag_is_gone():
    long_excerpt = _excerpt_of(80)
    post = render_post(long_excerpt, article(), X)
    assert post.hashtags == ()
    assert "#" not in post.text
    assert post.excerpt.endswith(ELLIPSIS)
    assert long_excerpt.startswith(post.excerpt.removesuffix(ELLIPSIS))
    # The link and the whole attribution line survive, verbatim.
    assert post.text.endswith(
        "\n\nUnveiling Cytokines: Their Dual Role in Immune Health — Health Notes\n" + URL
    )
    assert post.text.startswith(post.excerpt + "\n\n")
    assert post.length <= 280 and X.fits(post.text)


@pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))
def test_never_over_the_limit_on_any_platform(profile):
    post = render_post(_excerpt_of(1200), article(), profile)
    assert post.length == profile.measure(post.text) <= profile.limit
    assert profile.fits(post.text)
    assert post.limit == profile.limit and post.platform == profile.name
    if profile is not TELEGRAM:
        assert URL in post.text


def test_template_alone_too_long_is_a_render_error():
    long_title = "Cytokines " * 30  # 300 characters: more than X allows in total
    with pytest.raises(RenderError) as caught:
        render_post(EXCERPT, article(title=long_title), X)
    message = str(caught.value)
    assert message.startswith("posts/cytokines.md: post does not fit on x:")
    assert "280 weighted characters" in message
    assert "\n" not in message


def test_a_first_word_too_long_is_a_render_error():
    with pytest.raises(RenderError, match="not even the excerpt's first word fits"):
        render_post("a" * 400 + " tail", article(), BLUESKY)


def test_no_url_anywhere_is_a_render_error():
    with pytest.raises(RenderError, match=r"^posts/cytokines.md: no link for the post") as caught:
        render_post(EXCERPT, article(url=None), X)
    assert "\n" not in str(caught.value)


def test_a_non_http_link_is_a_render_error():
    with pytest.raises(RenderError, match="is not an http"):
        render_post(EXCERPT, article(url="ftp://example.com/x"), X)


def test_an_empty_excerpt_is_a_render_error():
    with pytest.raises(RenderError, match="empty excerpt"):
        render_post("  \n ", article(), X)


def test_url_override_and_utm_make_the_final_link():
    utm = UtmParams(source="excerpt-bot", medium="social")
    post = render_post(EXCERPT, article(url=None), MASTODON, url="https://ex.com/a?x=1#f", utm=utm)
    link = "https://ex.com/a?x=1&utm_source=excerpt-bot&utm_medium=social#f"
    assert post.url == link
    assert f"\n{link}\n" in post.text
    # However long the link grows, Mastodon counts it as 23.
    assert post.length == MASTODON.measure(post.text.replace(link, "x" * 23))


def test_telegram_link_is_the_escaped_href():
    post = render_post(EXCERPT, article(url="https://ex.com/a?x=1&y=2"), TELEGRAM)
    assert post.url == "https://ex.com/a?x=1&y=2"
    assert '<a href="https://ex.com/a?x=1&amp;y=2">' in post.text
    assert post.to_json()["parse_mode"] == "HTML"


def test_max_hashtags_zero_means_none():
    assert render_post(EXCERPT, article(), X, max_hashtags=0).hashtags == ()


def test_only_bluesky_json_has_facets():
    assert "facets" in render_post(EXCERPT, article(), BLUESKY).to_json()
    for profile in (X, TELEGRAM, MASTODON):
        post = render_post(EXCERPT, article(), profile)
        assert post.facets == ()
        assert set(post.to_json()) == {"text", "parse_mode", "excerpt", "url", "length", "limit"}


@pytest.mark.parametrize("profile", [X, BLUESKY], ids=["x", "bluesky"])
def test_excerpt_budget_is_the_room_left_without_hashtags(profile):
    budget = excerpt_budget(article(), profile)
    assert 0 < budget < profile.limit
    exact = "y" * budget
    post = render_post(exact, article(), profile, max_hashtags=0)
    assert post.excerpt == exact and post.length == profile.limit
    with pytest.raises(RenderError):  # one unit more and the only word no longer fits
        render_post(exact + "y", article(), profile, max_hashtags=0)


def test_excerpt_budget_is_capped_by_the_soft_excerpt_max():
    assert excerpt_budget(article(), TELEGRAM) == TELEGRAM.excerpt_max == 600
    assert excerpt_budget(article(), MASTODON) == MASTODON.excerpt_max == 400
    assert excerpt_budget(article(title="t" * 500), X) == 0
