"""The Graph-style platforms' errors, mapped once: by the code in the body before the
HTTP status (a 403 with a rate-limit code waits; it does not pause the channel)."""

from __future__ import annotations

import json

import httpx
import pytest

from bot.errors import (
    AmbiguousError,
    AuthError,
    NotDeliveredError,
    RateLimitedError,
    RejectedError,
)
from bot.platforms._graph import graph_error


def answer(status: int, body, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers or {})


def graph(code: int, message: str = "something", **extra) -> dict:
    return {"error": {"message": message, "type": "OAuthException", "code": code, **extra}}


@pytest.mark.parametrize(
    "status, body, expected",
    [
        (403, graph(4), RateLimitedError),
        (400, graph(17), RateLimitedError),
        (403, graph(32), RateLimitedError),
        (400, graph(613), RateLimitedError),
        (400, graph(80001), RateLimitedError),
        (429, {"message": "Too Many Requests", "status": 429}, RateLimitedError),  # LinkedIn
        (400, graph(190, error_subcode=463), AuthError),
        (403, graph(10), AuthError),
        (403, graph(200), AuthError),
        (400, graph(294), AuthError),
        (401, {"message": "Invalid access token", "serviceErrorCode": 65600}, AuthError),
        (403, {"message": "Not enough permissions", "status": 403}, AuthError),  # LinkedIn
        (400, graph(100, "Invalid parameter"), RejectedError),
        (422, {"message": "Content is too long", "status": 422}, RejectedError),
        (500, graph(1, is_transient=True), AmbiguousError),
        (503, {"message": "Service Unavailable"}, AmbiguousError),
        (400, graph(2, is_transient=True), AmbiguousError),
    ],
)
def test_the_code_in_the_body_decides_before_the_status(status, body, expected):
    error = graph_error(answer(status, body), "Graph", sending=True)
    assert type(error) is expected


def test_a_failure_of_a_read_is_never_ambiguous():
    assert type(graph_error(answer(500, graph(1)), "Graph", sending=False)) is NotDeliveredError


def test_a_rate_limit_waits_as_long_as_the_platform_says():
    usage = {"1": [{"estimated_time_to_regain_access": 7, "type": "pages"}]}
    limited = graph_error(
        answer(403, graph(32), {"X-Business-Use-Case-Usage": json.dumps(usage)}), "Facebook"
    )
    assert limited.retry_after == 7 * 60
    told = graph_error(answer(429, {}, {"Retry-After": "42"}), "LinkedIn")
    assert told.retry_after == 42
    assert graph_error(answer(400, graph(4)), "Threads").retry_after == 60


def test_the_message_is_the_platform_s_on_one_line_with_its_code():
    error = graph_error(answer(400, graph(100, "(#100) Param\nlink is invalid")), "Facebook")
    assert str(error) == "Facebook refused the post: (#100) Param link is invalid (400, code 100)"
