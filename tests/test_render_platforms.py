"""Length as each platform counts it: X, Telegram, Mastodon, Bluesky."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.article import Article
from bot.errors import RenderError
from bot.render import (
    BLUESKY,
    MASTODON,
    PROFILES,
    TELEGRAM,
    TELEGRAM_CAPTION,
    X,
    profile_for,
    render_post,
    visible_text,
)
from tests.conftest import reference_json

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦
URL = "https://blog.example.com/posts/cytokines?ref=feed&lang=en#part-2"


def article(**fields) -> Article:
    defaults = {
        "id": "a1",
        "title": "Unveiling Cytokines",
        "paragraphs": ("Cytokines are small proteins.",),
        "source": "posts/cytokines.md",
        "url": URL,
        "site": "Health Notes",
    }
    return Article(**{**defaults, **fields})


# --- X: twitter-text v3 ---------------------------------------------------------------------


def _conformance_cases() -> list:
    return reference_json("twitter_text_weighted_length.json")


@pytest.mark.parametrize("index", range(24))
def test_x_counts_as_twitter_text_v3_conformance(index):
    cases = _conformance_cases()
    assert len(cases) == 24
    case = cases[index]
    assert X.measure(case["text"]) == case["weightedLength"], case["description"]
    assert X.fits(case["text"]) is case["valid"], case["description"]


def test_x_url_counts_23_however_long():
    long_url = "https://example.com/" + "a" * 200
    assert X.measure(f"Read {long_url}") == len("Read ") + 23


def test_x_cjk_and_emoji_weigh_two():
    assert X.measure("日本語") == 6
    assert X.measure(FAMILY) == 2
    assert X.measure("abc") == 3


# --- Telegram: UTF-16 of the visible text ---------------------------------------------------


def test_telegram_counts_utf16_units_astral_chars_count_two():
    assert TELEGRAM.measure("abc") == 3
    assert TELEGRAM.measure("😀") == 2  # U+1F600: a surrogate pair
    assert TELEGRAM.measure("𝄢") == 2
    assert TELEGRAM.measure("é日") == 2
    assert TELEGRAM.measure(FAMILY) == 11  # 4 astral emoji + 3 ZWJ


def test_telegram_counts_visible_text_not_markup():
    payload = '<a href="https://example.com/a?b=1&amp;c=2"><b>Title</b></a> &lt;3'
    assert visible_text(payload) == "Title <3"
    assert TELEGRAM.measure(payload) == len("Title <3")


class _TagBalance(HTMLParser):
    """Independent check that markup nests properly and text has no bare < > &."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.balanced = True
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False

    def handle_data(self, data):
        self.text.append(data)


def test_telegram_escapes_every_value_and_counts_the_unescaped_text():
    excerpt = "a < b & c > d"
    post = render_post(
        excerpt,
        article(title='Less <than> & "more"', site="R&D"),
        TELEGRAM,
        max_hashtags=0,
    )
    assert "a &lt; b &amp; c &gt; d" in post.text
    assert "Less &lt;than&gt; &amp; &quot;more&quot;" in post.text
    assert "R&amp;D" in post.text
    assert (
        'href="https://blog.example.com/posts/cytokines?ref=feed&amp;lang=en#part-2"' in post.text
    )
    shown = 'a < b & c > d\n\nLess <than> & "more" — R&D'
    assert visible_text(post.text) == shown
    assert post.length == len(shown)
    parser = _TagBalance()
    parser.feed(post.text)
    parser.close()
    assert parser.balanced and not parser.stack
    assert "".join(parser.text) == shown
    assert post.parse_mode == "HTML"


def test_telegram_rejects_markup_it_would_refuse():
    for payload, problem in [
        ("<div>x</div>", "unsupported tag <div>"),
        ("<b>x", "<b> is never closed"),
        ("<b><i>x</b></i>", "does not close"),
        ("fish & chips", "bare '&'"),
        ("1 < 2", "bare '<'"),
        ("&nbsp;", "unsupported entity"),
    ]:
        with pytest.raises(RenderError, match=problem):
            visible_text(payload)


def test_telegram_caption_limit_is_1024():
    assert TELEGRAM_CAPTION.limit == 1024
    assert profile_for("telegram", caption=True) is TELEGRAM_CAPTION
    post = render_post("word " * 400, article(), TELEGRAM_CAPTION)
    assert post.length <= 1024 < render_post("word " * 400, article(), TELEGRAM).length


def test_profile_for_unknown_platform_names_the_known_ones():
    known = "bluesky, discord, facebook, linkedin, mastodon, slack, telegram, threads, x"
    with pytest.raises(ValueError, match=known):
        profile_for("myspace")
    assert set(PROFILES) == {
        "x",
        "telegram",
        "mastodon",
        "bluesky",
        "discord",
        "slack",
        "threads",
        "linkedin",
        "facebook",
    }


# --- Mastodon: characters, URLs 23 ----------------------------------------------------------


def test_mastodon_counts_every_url_as_23():
    long_url = "https://example.com/" + "a" * 100
    assert MASTODON.measure(long_url) == 23
    assert MASTODON.measure("http://t.co") == 23  # short links count 23 too
    assert MASTODON.measure(f"see {long_url} and {long_url}") == 4 + 23 + 5 + 23


def test_mastodon_counts_code_points_and_ignores_bare_domains():
    assert MASTODON.measure("日本語 😀") == 5
    assert MASTODON.measure("example.com") == 11  # no scheme: Mastodon does not link it


# --- Bluesky: graphemes, link facet ---------------------------------------------------------


def test_bluesky_counts_grapheme_clusters():
    assert BLUESKY.measure(FAMILY) == 1
    assert BLUESKY.measure("🇯🇵") == 1
    assert BLUESKY.measure("e\u0301") == 1
    assert BLUESKY.measure("abc 日本") == 6


def test_bluesky_facet_points_at_the_url_in_utf8_bytes():
    post = render_post(
        f"Émigré {FAMILY} cells — 日本語 text",
        article(title="Cytokines ✨ explained", tags=("immune health", "cytokines")),
        BLUESKY,
    )
    encoded = post.text.encode("utf-8")
    links = [f for f in post.facets if f["features"][0]["$type"].endswith("#link")]
    assert len(links) == 1
    index = links[0]["index"]
    assert encoded[index["byteStart"] : index["byteEnd"]].decode("utf-8") == URL
    assert links[0]["features"][0]["uri"] == URL
    tags = [f for f in post.facets if f["features"][0]["$type"].endswith("#tag")]
    assert [f["features"][0]["tag"] for f in tags] == ["ImmuneHealth", "cytokines"]
    for facet in tags:
        index = facet["index"]
        tag = facet["features"][0]["tag"]
        assert encoded[index["byteStart"] : index["byteEnd"]].decode("utf-8") == f"#{tag}"
    assert post.to_json()["facets"] == [dict(f) for f in post.facets]


def test_bluesky_rejects_more_than_3000_bytes_even_within_300_graphemes():
    heavy = "e" + "\u0301" * 20  # one grapheme, 41 bytes
    assert BLUESKY.measure(heavy * 100) == 100
    assert not BLUESKY.fits(heavy * 100)
    post = render_post(" ".join([heavy] * 150), article(), BLUESKY)
    assert len(post.text.encode("utf-8")) <= 3000


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=12),
            st.sampled_from(
                [
                    "https://example.com/a?b=1",
                    "example.org",
                    "a.m.",
                    "e.g.",
                    "U.S.",
                    "…",
                    "—",
                    "👩\u200d👩\u200d👧",
                    "1\ufe0f\u20e3",
                    "©",
                    "日本語",
                    "x.com/i",
                    "t.co",
                    "\r\n",
                    "A\u0301",
                    "\ufeff",
                    "http://あいう.com",
                    " ",
                    ". ",
                    "ab.cd",
                ]
            ),
        ),
        max_size=12,
    )
)
def test_fast_x_length_agrees_with_twitter_text(parts):
    from twitter_text import parse_tweet

    from bot.render.platforms import x_length, x_valid

    text = "".join(parts)
    parsed = parse_tweet(text)
    assert x_length(text) == parsed.weightedLength
    assert x_valid(text) == parsed.valid


_LABEL = st.one_of(
    st.from_regex(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?", fullmatch=True),
    st.integers(60, 66).map(lambda n: "a" * n),
)
_URL_CHARS = "abcXYZ019_~.%/-?=&#+!*'()[]:;,@$|é"


@settings(max_examples=600, deadline=None)
@given(
    scheme=st.sampled_from(["https://", "http://", "HTTPS://", "ftp://", ""]),
    labels=st.lists(_LABEL, min_size=1, max_size=5),
    tld=st.sampled_from(["com", "org", "io", "dev", "co", "test", "uk", "xyz", "blog", "c", "me"]),
    port=st.sampled_from(["", ":8080", ":0", ":"]),
    rest=st.text(alphabet=_URL_CHARS, max_size=30),
    after=st.sampled_from(["", ".", ",", ")", "…", "!"]),
    at_start=st.booleans(),
)
def test_a_plain_link_weighs_what_twitter_text_says(
    scheme, labels, tld, port, rest, after, at_start
):
    """The shortcut for plain web addresses (no twitter-text import) agrees with the parser
    on every token shaped like one, and on the near misses around it."""
    from twitter_text import extract_urls_with_indices

    from bot.render.platforms import _BARE_DOMAIN, _PLAIN_URL, URL_WEIGHT, _url_adjustment, _weight

    token = f"{scheme}{'.'.join(labels)}.{tld}{port}{rest}{after}"
    context = "" if at_start else " "
    expected = 0
    for url in extract_urls_with_indices(context + token):
        start, end = url["indices"]
        expected += URL_WEIGHT - _weight((context + token)[start:end])
    assert _url_adjustment(token, at_start) == expected
    if _PLAIN_URL.fullmatch(token) or _BARE_DOMAIN.fullmatch(token):
        assert expected == URL_WEIGHT - _weight(token)


@pytest.mark.parametrize(
    "link",
    [
        "https://blog.example.com/posts/cytokines/",
        "https://example.org/2026/11/my-post.html",
        "https://example.org/a/?utm_source=x&utm_medium=social&utm_campaign=excerpt-bot",
        "http://localhost.dev:8080/p/1",
        "https://sub.domain.example.co.uk/path_with-dash/~user/%20x",
    ],
)
def test_typical_links_take_the_shortcut_and_count_23(link):
    from twitter_text import parse_tweet

    from bot.render.platforms import _PLAIN_URL, x_length

    assert _PLAIN_URL.fullmatch(link)
    text = f"A quote worth reading. {link}"
    assert x_length(text) == parse_tweet(text).weightedLength == len("A quote worth reading. ") + 23
