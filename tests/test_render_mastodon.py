"""Mastodon's length, as an instance counts it: links at its `characters_reserved_per_url`,
mentions without their domain, the content warning within its `max_characters`; and
never less than the fake instance (which counts by its own, separate rules) would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.render.platforms import MASTODON, mastodon_length, mastodon_profile
from tests.fakes.mastodon_api import countable_length

LINK = "https://blog.example.org/2026/11/unveiling-cytokines/?utm_source=excerpt-bot"


def test_a_mention_counts_as_its_username_alone():
    assert mastodon_length("thanks @alice@example.social!") == len("thanks @alice!")
    assert mastodon_length("thanks @alice!") == len("thanks @alice!")


def test_an_address_is_not_a_mention():
    assert mastodon_length("write to bob@example.org") == len("write to bob@example.org")


def test_links_count_as_the_instance_reserves_them():
    assert mastodon_length(f"read {LINK}") == 5 + 23
    assert mastodon_length(f"read {LINK}", url_weight=30) == 5 + 30


def test_an_instance_s_profile_has_its_limit_less_the_content_warning():
    big = mastodon_profile(5000, 23, "Health")
    assert big.limit == 5000 - len("Health")
    assert big.excerpt_max == 1000  # posts stay readable on a huge instance
    assert mastodon_profile(300).limit == 300 and mastodon_profile(300).excerpt_max == 240
    assert mastodon_profile() is MASTODON
    assert mastodon_profile(5000, 30).measure(f"a {LINK}") == 2 + 30
    assert mastodon_profile(5000, 30) is mastodon_profile(5000, 30)  # cuts compare profiles


_WORDS = st.sampled_from(
    [
        "cytokines",
        "@alice@example.social",
        "@bob",
        LINK,
        "é",
        "日本",
        "😀",
        "bob@example.org",
        "e\u0301",
        "(see",
        "it).",
        "#health",
    ]
)


@given(st.lists(_WORDS, max_size=30), st.sampled_from([23, 30]))
def test_never_less_than_the_instance_counts(words, url_weight):
    text = " ".join(words)
    assert mastodon_length(text, url_weight=url_weight) >= countable_length(text, "", url_weight)
    if "e\u0301" not in words:  # code points and graphemes agree without combining marks
        assert mastodon_length(text, url_weight=url_weight) == countable_length(
            text, "", url_weight
        )
