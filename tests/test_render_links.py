"""UTM tags on the link: added, replaced, never disturbing the rest of the URL."""

from __future__ import annotations

import pytest

from bot.render import UtmParams, add_utm


def test_adds_utm_after_existing_query_and_keeps_the_fragment():
    url = "https://blog.example.com/p?b=2&a=1&q=a%20b&flag#section-2"
    assert add_utm(url, source="excerpt-bot", medium="social", campaign="spring") == (
        "https://blog.example.com/p?b=2&a=1&q=a%20b&flag"
        "&utm_source=excerpt-bot&utm_medium=social&utm_campaign=spring#section-2"
    )


def test_replaces_an_existing_utm_of_the_same_name_in_place():
    url = "https://example.com/p?utm_source=newsletter&id=7&utm_source=old#top"
    assert add_utm(url, source="x") == "https://example.com/p?utm_source=x&id=7#top"


def test_leaves_other_utm_parameters_alone():
    url = "https://example.com/p?utm_campaign=launch"
    assert add_utm(url, medium="social") == (
        "https://example.com/p?utm_campaign=launch&utm_medium=social"
    )


def test_encodes_values():
    assert add_utm("https://example.com/", campaign="fish & chips") == (
        "https://example.com/?utm_campaign=fish+%26+chips"
    )


@pytest.mark.parametrize(
    "url", ["https://example.com/p?a=1#f", "https://example.com", "https://example.com/p?"]
)
def test_nothing_configured_returns_the_url_unchanged(url):
    assert add_utm(url) == url
    assert UtmParams().apply(url) == url


def test_utm_params_apply():
    utm = UtmParams(source="bot", medium="social")
    assert utm.apply("https://example.com/a#b") == (
        "https://example.com/a?utm_source=bot&utm_medium=social#b"
    )
