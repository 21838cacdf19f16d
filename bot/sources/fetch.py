"""Fetching one URL over http(s): bounded in time, size and redirects, with one error class.

    fetch(url, timeout=, max_bytes=, max_redirects=, accept=, etag=, last_modified=) -> Fetched

Every failure raises `bot.errors.FetchError`, one line naming the URL and the reason: not
an http(s) URL, DNS failure, connection refused, timeout, an HTTP error status, the wrong
content type, too large, too many redirects or a redirect loop.

- `timeout` bounds the whole fetch (redirects and body included), and each wait within it.
- The body is streamed and refused as soon as it passes `max_bytes`; a Content-Length over
  the limit is refused before anything is read. Compressed bodies count decompressed.
- Redirects are followed here, not by httpx, so that each hop is checked (http(s) only) and
  a loop is named as one.
- `etag` / `last_modified` make the request conditional; a 304 comes back `not_modified`.
- The server sees a User-Agent naming excerpt-bot.

Synchronous (httpx.Client): the CLI calls it directly; the daemon calls it from a worker
thread, never on the event loop.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from bot import __version__
from bot.errors import FetchError

USER_AGENT = f"excerpt-bot/{__version__} (article excerpts for social channels; feed reader)"

HTML_TYPES = ("text/html", "application/xhtml+xml")
# What feeds are served as in the wild. text/html is let through so that the feed parser
# can say "an HTML page, not a feed" (and point at the page's own feed link).
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/x-rss+xml",
    "application/x-atom+xml",
    "text/plain",
    "text/html",
    "application/octet-stream",
)
_WHAT = {HTML_TYPES: "an HTML page", FEED_TYPES: "a feed"}
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response: the final URL (after redirects), its status, media type (lower case, no
    parameters), body, validators, and the charset its Content-Type names, if any."""

    url: str
    status: int
    content_type: str | None
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    charset: str | None = None


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    max_redirects: int = 5,
    accept: tuple[str, ...] = (),
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET `url` (see the module docstring); `accept` lists the media types taken (empty:
    any). A response without a Content-Type is taken; the caller's parser judges it."""
    _check_scheme(url, url)
    headers = {"User-Agent": USER_AGENT, "Accept": _accept_header(accept)}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + timeout
    try:
        with httpx.Client(follow_redirects=False) as client:
            current, seen = url, {url}
            for _ in range(max_redirects + 1):
                with client.stream(
                    "GET", current, headers=headers, timeout=_remaining(deadline, timeout)
                ) as response:
                    target = _redirect_target(url, response)
                    if target is None:
                        return _read(
                            url,
                            response,
                            deadline=deadline,
                            max_bytes=max_bytes,
                            accept=accept,
                            etag=etag,
                            last_modified=last_modified,
                        )
                if target in seen:
                    raise FetchError(url, f"redirect loop ({current} redirects back to {target})")
                seen.add(target)
                current = target
    except httpx.TimeoutException:
        raise FetchError(
            url, f"timed out after {timeout:g}s (the server is slow or unreachable)"
        ) from None
    except httpx.HTTPError as exc:
        raise FetchError(url, describe_transport_error(exc)) from None
    raise FetchError(url, f"too many redirects (more than {max_redirects})")


def _redirect_target(url: str, response: httpx.Response) -> str | None:
    if response.status_code not in _REDIRECTS:
        return None
    location = response.headers.get("location")
    if not location:
        raise FetchError(url, f"HTTP {response.status_code} redirect without a Location")
    target = urljoin(str(response.url), location.strip())
    _check_scheme(url, target, redirected=True)
    return target


def _read(
    url: str,
    response: httpx.Response,
    *,
    deadline: float,
    max_bytes: int,
    accept: tuple[str, ...],
    etag: str | None,
    last_modified: str | None,
) -> Fetched:
    status = response.status_code
    validators = {
        "etag": response.headers.get("etag") or (etag if status == 304 else None),
        "last_modified": response.headers.get("last-modified")
        or (last_modified if status == 304 else None),
    }
    if status == 304:
        return Fetched(str(response.url), status, None, b"", not_modified=True, **validators)
    if not 200 <= status < 300:
        raise FetchError(url, _status_problem(response))
    content_type, charset = _media_type(response.headers.get("content-type"))
    if accept and content_type and content_type not in accept:
        raise FetchError(
            url, f"not {_WHAT.get(accept, 'of an accepted type')}: the server sent {content_type}"
        )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(url, _too_large(max_bytes, int(declared)))
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(url, _too_large(max_bytes, None))
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the whole fetch took too long")
        chunks.append(chunk)
    return Fetched(
        str(response.url), status, content_type, b"".join(chunks), charset=charset, **validators
    )


def _remaining(deadline: float, timeout: float) -> httpx.Timeout:
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpx.ConnectTimeout(f"no time left after redirects ({timeout:g}s)")
    return httpx.Timeout(left)


def _check_scheme(url: str, target: str, *, redirected: bool = False) -> None:
    try:
        parts = urlsplit(target)
        parts.port  # noqa: B018 -- a port out of range raises here
    except ValueError as exc:  # "http://[::1/post": an unclosed IPv6 bracket
        what = f"redirected to {target}, which is not" if redirected else "not"
        raise FetchError(url, f"{what} a valid URL ({exc})") from None
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        return
    if redirected:
        raise FetchError(url, f"redirected to {target}, which is not an http(s) URL")
    raise FetchError(url, "not an http:// or https:// URL (only web pages and feeds are fetched)")


def _accept_header(accept: tuple[str, ...]) -> str:
    return ", ".join((*accept, "*/*;q=0.1")) if accept else "*/*"


def _media_type(header: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) of a Content-Type header."""
    media, *params = (header or "").split(";")
    charset = next(
        (
            p.split("=", 1)[1].strip().strip('"')
            for p in params
            if p.strip().lower().startswith("charset=")
        ),
        None,
    )
    return media.strip().lower() or None, charset or None


def _status_problem(response: httpx.Response) -> str:
    status = response.status_code
    phrase = f"HTTP {status} {response.reason_phrase}".strip()
    if status in (404, 410):
        return f"{phrase} (no page there: check the URL)"
    if status in (401, 403):
        return f"{phrase} (the server refuses access)"
    if status == 429:
        return f"{phrase} (rate limited by the server)"
    if status >= 500:
        return f"{phrase} (a server error)"
    return phrase


def mib(size: int) -> str:
    """A byte count as "5.0 MiB" (or "512 KiB" below one MiB)."""
    if size < 1024 * 1024:
        return f"{size / 1024:g} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def _too_large(limit: int, declared: int | None) -> str:
    size = f"{mib(declared)}, " if declared is not None else ""
    return f"too large ({size}over the {mib(limit)} limit); refused without reading it all"


def describe_transport_error(exc: BaseException) -> str:
    """One clause for a connection-level failure: DNS, refused, TLS, dropped."""
    causes = list(_chain(exc))
    if any(isinstance(c, socket.gaierror) for c in causes) or any(
        marker in str(c)
        for c in causes
        for marker in (
            "Name or service not known",
            "nodename nor servname",
            "getaddrinfo failed",
            "Temporary failure in name resolution",
            "No address associated",
        )
    ):
        return "DNS lookup failed: the host name does not resolve (check the URL)"
    if any(isinstance(c, ConnectionRefusedError) or "Connection refused" in str(c) for c in causes):
        return "connection refused (nothing listens there; check the URL or the server)"
    if any(isinstance(c, ssl.SSLError) for c in causes):
        return f"TLS handshake failed ({_first_line(exc)})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection or sent a malformed response"
    if isinstance(exc, httpx.DecodingError):
        return "the response could not be decoded (broken compression)"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return "not a valid http(s) URL"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({_first_line(exc)})"
    return f"the request failed ({type(exc).__name__}: {_first_line(exc)})"


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _first_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
