"""A token in a feed URL's query string never reaches a log line or `status`."""

from __future__ import annotations

import logging

from bot.logs import REDACTOR, redact, register_url_secrets


def test_secret_looking_query_values_are_redacted_and_others_kept():
    register_url_secrets("https://blog.example.org/feed/?format=rss&access_token=Zq9-feed-T0KEN")
    text = "GET https://blog.example.org/feed/?format=rss&access_token=Zq9-feed-T0KEN 200"
    assert redact(text) == "GET https://blog.example.org/feed/?format=rss&access_token=*** 200"
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "%s", (text,), None)
    REDACTOR.filter(record)
    assert "Zq9-feed-T0KEN" not in record.getMessage()
