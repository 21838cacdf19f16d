"""Fetching URLs: bounded in time, size and redirects; every failure one line naming the URL."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from bot.errors import FetchError, UserError
from bot.sources.fetch import FEED_TYPES, HTML_TYPES, USER_AGENT, describe_transport_error, fetch
from tests.fakes.web import MIB, web_fixture  # noqa: F401  (the fixture `web`)

PAGE = "<html><head><title>T</title></head><body><p>Hello.</p></body></html>"


def get(url: str, **kwargs):
    options = {"timeout": 5.0, "max_bytes": MIB, "accept": HTML_TYPES, **kwargs}
    return fetch(url, **options)


def failure(url: str, **kwargs) -> str:
    with pytest.raises(FetchError) as caught:
        get(url, **kwargs)
    message = str(caught.value)
    assert isinstance(caught.value, UserError)
    assert message.startswith(f"{url}: ") and "\n" not in message
    return caught.value.problem


def test_a_page_comes_back_with_its_final_url_type_and_validators(web):
    web.serve("/a", PAGE, etag='"v1"', headers={"Last-Modified": "Sat, 01 Mar 2025 09:00:00 GMT"})
    web.redirect("/old", "/a", status=301)
    page = get(web.url("/old"))
    assert (page.url, page.status, page.content_type, page.charset) == (
        web.url("/a"),
        200,
        "text/html",
        "utf-8",
    )
    assert page.body == PAGE.encode() and not page.not_modified
    assert (page.etag, page.last_modified) == ('"v1"', "Sat, 01 Mar 2025 09:00:00 GMT")
    assert web.requests_for("/a")[0].headers["user-agent"] == USER_AGENT
    assert "excerpt-bot" in USER_AGENT


def test_a_conditional_get_of_an_unchanged_page_is_not_modified(web):
    web.serve("/feed", "<rss/>", content_type="application/rss+xml", etag='"v1"')
    first = get(web.url("/feed"), accept=FEED_TYPES)
    again = get(web.url("/feed"), accept=FEED_TYPES, etag=first.etag)
    assert again.not_modified and again.body == b"" and again.etag == '"v1"'
    assert web.requests_for("/feed")[-1].headers["if-none-match"] == '"v1"'
    since = "Sat, 01 Mar 2025 09:00:00 GMT"
    get(web.url("/feed"), accept=FEED_TYPES, last_modified=since)
    assert web.requests_for("/feed")[-1].headers["if-modified-since"] == since


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, "HTTP 404 Not Found (no page there: check the URL)"),
        (500, "HTTP 500 Internal Server Error (a server error)"),
        (403, "HTTP 403 Forbidden (the server refuses access)"),
    ],
)
def test_an_error_status_is_named(web, status, expected):
    web.serve("/x", PAGE, status=status)
    assert failure(web.url("/x")) == expected


def test_a_missing_page_is_a_404(web):
    assert failure(web.url("/nothing-here")).startswith("HTTP 404")


def test_the_wrong_content_type_is_refused(web):
    web.serve("/pic", b"\x89PNG", content_type="image/png")
    assert failure(web.url("/pic")) == "not an HTML page: the server sent image/png"
    web.serve("/page", PAGE)
    assert failure(web.url("/page"), accept=("application/json",)).endswith("sent text/html")


def test_a_redirect_loop_and_too_many_redirects_end_in_one_line(web):
    web.redirect("/a", "/b")
    web.redirect("/b", "/a")
    assert failure(web.url("/a")) == (
        f"redirect loop ({web.url('/b')} redirects back to {web.url('/a')})"
    )
    for n in range(6):
        web.redirect(f"/r{n}", f"/r{n + 1}")
    web.serve("/r6", PAGE)
    assert failure(web.url("/r0"), max_redirects=3) == "too many redirects (more than 3)"
    assert get(web.url("/r0"), max_redirects=6).url == web.url("/r6")


def test_a_redirect_away_from_http_is_refused(web):
    web.redirect("/a", "file:///etc/passwd")
    assert failure(web.url("/a")) == "redirected to file:///etc/passwd, which is not an http(s) URL"


@pytest.mark.parametrize("declared", [False, True])
def test_a_huge_body_is_refused_at_the_limit_without_reading_it_all(web, declared):
    url = web.huge("/big", 2048 * MIB, declare_length=declared)
    started = time.monotonic()
    problem = failure(url, max_bytes=MIB)
    assert time.monotonic() - started < 3
    assert "too large" in problem and "1.0 MiB limit" in problem
    if declared:
        assert "2048.0 MiB" in problem


def test_a_slow_response_times_out(web):
    web.serve("/slow", PAGE, delay=3.0)
    started = time.monotonic()
    assert failure(web.url("/slow"), timeout=0.5) == (
        "timed out after 0.5s (the server is slow or unreachable)"
    )
    assert time.monotonic() - started < 2


def test_a_refused_connection_is_named():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    assert failure(f"http://127.0.0.1:{port}/").startswith("connection refused")


@pytest.mark.parametrize(
    "url", ["ftp://example.org/a", "file:///etc/passwd", "example.org/a", "https://"]
)
def test_only_http_and_https_urls_are_fetched(url):
    assert failure(url) == "not an http:// or https:// URL (only web pages and feeds are fetched)"


def test_a_dns_failure_is_named():
    # What httpx raises when the resolver does not know the host (raised here, not looked
    # up: the tests stay on the loopback interface).
    try:
        raise socket.gaierror(-2, "Name or service not known")
    except socket.gaierror as cause:
        error = httpx.ConnectError("[Errno -2] Name or service not known")
        error.__cause__ = cause
    assert describe_transport_error(error) == (
        "DNS lookup failed: the host name does not resolve (check the URL)"
    )
