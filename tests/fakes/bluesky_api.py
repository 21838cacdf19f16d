"""A fake Bluesky PDS on 127.0.0.1 that the atproto SDK's real requests reach (fixture
`bluesky_api`).

It answers XRPC as a PDS does: `com.atproto.server.createSession` (the handle and app
password, else 401 AuthenticationRequired), `refreshSession` (the current refresh token,
which rotates; else 400 ExpiredToken), `getSession`, `com.atproto.repo.createRecord`,
`getRecord` (400 RecordNotFound when absent) and `uploadBlob`. Every authenticated call
needs `Authorization: Bearer <access token>` for a token it issued and has not expired
(else 400 ExpiredToken, as the PDS answers). Tokens are JWTs with a real `exp`.

createRecord validates what the lexicon and the PDS check: the repo is the account's DID,
the collection `app.bsky.feed.post`, the rkey a TID, no record already under that rkey
(400 "Record already exists"), the record's `$type`, `text` within 300 graphemes and
3000 bytes, `createdAt` a datetime, `langs` a list, every facet's byte range inside the
text and landing exactly on its link's URL or its "#tag", an external embed's uri, title
and description, and its thumbnail a blob uploaded here. A bad record is 400
InvalidRequest with the reason, and is kept in `invalid` for the test to read.

Failures are scripted: `fake.script(rate_limited(), server_error(method="createRecord",
handle=True), ...)` answers the next matching calls so, in order; `expire_access_tokens()`,
`revoke_refresh_tokens()` and `refuse_logins` change what it accepts. It also serves
`/img/small.png` and `/img/huge.png` (over 1,000,000 bytes) for link-card thumbnails.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import regex

from tests.fakes.server import JsonHandler, ServerThread, serving

HANDLE = "example.bsky.social"
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
POST = "app.bsky.feed.post"
MAX_GRAPHEMES = 300
MAX_BYTES = 3000
MAX_BLOB = 1_000_000
MAX_DELAY = 5.0  # a scripted slow answer never waits longer than this
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
    b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05"
    b"\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

Body = dict[str, Any] | None


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it (header names lower-cased)."""

    method: str
    nsid: str
    headers: dict[str, str]
    params: dict[str, str]
    json: Any


@dataclass(frozen=True)
class Answer:
    """A scripted answer to the next call of `method` (an NSID's last part; None: any).

    Without `handle`, the server answers `status`, `body` and `headers` without acting on
    the request. With it, it first handles the request as a PDS would (a record is
    created) and then answers so — or, with no `status`, answers as the PDS would.
    `delay` waits before answering; `drop` closes the connection without a word.
    """

    status: int | None = None
    body: Body = None
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None
    handle: bool = False
    delay: float = 0.0
    drop: bool = False


def _error(error: str, message: str) -> dict:
    return {"error": error, "message": message}


def rate_limited(reset_in: float = 60.0, method: str | None = None) -> Answer:
    """429 with the PDS's ratelimit-* headers, the window resetting `reset_in` s from now."""
    reset = int(time.time() + reset_in)
    return Answer(
        429,
        _error("RateLimitExceeded", "Rate Limit Exceeded"),
        {
            "ratelimit-limit": "5000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(reset),
            "ratelimit-policy": "5000;w=3600",
        },
        method=method,
    )


def server_error(
    status: int = 500, *, method: str | None = "createRecord", handle: bool = False
) -> Answer:
    """`status` (InternalServerError); with `handle`, after the record was created."""
    return Answer(
        status, _error("InternalServerError", "Internal Server Error"), method=method, handle=handle
    )


def slow(seconds: float, method: str = "createRecord") -> Answer:
    """The record is created, but the answer comes only after `seconds`."""
    return Answer(handle=True, delay=seconds, method=method)


def dropped(method: str = "createRecord", *, handle: bool = False) -> Answer:
    """The connection closes without an answer (after creating the record, with `handle`)."""
    return Answer(drop=True, method=method, handle=handle)


def invalid(message: str, method: str = "createRecord") -> Answer:
    return Answer(400, _error("InvalidRequest", message), method=method)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(scope: str, did: str, lifetime: float) -> str:
    now = int(time.time())
    header = {"typ": "at+jwt" if "access" in scope else "refresh+jwt", "alg": "ES256K"}
    claims = {
        "scope": scope,
        "sub": did,
        "aud": "did:web:fake.pds",
        "iat": now,
        "exp": int(now + lifetime),
        "jti": secrets.token_hex(8),
    }
    return ".".join(
        (
            _b64(json.dumps(header).encode()),
            _b64(json.dumps(claims).encode()),
            _b64(secrets.token_bytes(32)),
        )
    )


def _cid(data: bytes, codec: int = 0x71) -> str:
    """A CIDv1 (sha-256, base32) of `data`: dag-cbor (0x71) for records, raw (0x55) blobs."""
    raw = bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


class FakeBlueskyPds:
    """The server's state: one account, its sessions and records, the script of failures."""

    def __init__(
        self,
        *,
        handle: str = HANDLE,
        did: str = DID,
        app_password: str = APP_PASSWORD,
        access_lifetime: float = 7200.0,
    ) -> None:
        self.handle, self.did, self.app_password = handle, did, app_password
        self.access_lifetime = access_lifetime
        self.refuse_logins = False
        self.records: dict[str, dict[str, Any]] = {}  # rkey -> {uri, cid, value}
        self.blobs: dict[str, bytes] = {}
        self.invalid: list[str] = []  # why each refused record was refused
        self.requests: list[RecordedRequest] = []
        self.access_tokens: dict[str, float] = {}  # token -> exp (server's view)
        self.refresh_token: str | None = None  # the only one that works: they rotate
        self.issued: list[str] = []  # every token handed out (for leak checks)
        self._script: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._running: ServerThread | None = None

    @property
    def url(self) -> str:
        assert self._running is not None, "start() the fake first"
        return self._running.url

    @property
    def texts(self) -> list[str]:
        """The texts of the posts on the account, in the order they were created."""
        return [r["value"]["text"] for r in self.records.values()]

    def calls(self, nsid_tail: str) -> int:
        """How many requests of this method (`createSession`, `createRecord`, …) came in."""
        return Counter(r.nsid.rsplit(".", 1)[-1] for r in self.requests)[nsid_tail]

    def script(self, *answers: Answer) -> None:
        with self._lock:
            self._script.extend(answers)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is now expired (server side)."""
        with self._lock:
            self.access_tokens = dict.fromkeys(self.access_tokens, 0.0)

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            self.refresh_token = None

    def start(self) -> None:
        self._running = ServerThread(self, _Handler)

    def stop(self) -> None:
        self._stopping.set()
        if self._running is not None:
            self._running.stop()

    # --- handling (in the server's threads) ---------------------------------------------------

    def serve(self, request: _Handler) -> None:
        split = urlsplit(request.path)
        if split.path.startswith("/img/"):
            return self._image(request, split.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in request.headers.items()}
        nsid = split.path.removeprefix("/xrpc/")
        params = {k: v[0] for k, v in parse_qs(split.query).items()}
        is_json = headers.get("content-type", "").startswith("application/json")
        try:
            payload = json.loads(raw) if raw and is_json else None
        except ValueError:
            payload = None
        with self._lock:
            self.requests.append(RecordedRequest(request.command, nsid, headers, params, payload))
            answer = self._next_answer(nsid)
        if answer is None or answer.handle:
            status, body, extra = self._answer_as_pds(nsid, headers, params, payload, raw)
            if answer is not None and answer.status is not None:
                status, body, extra = answer.status, answer.body, answer.headers
        else:
            status, body, extra = answer.status or 200, answer.body, answer.headers
        if answer is not None and answer.delay:
            self._stopping.wait(min(answer.delay, MAX_DELAY))
        if (answer is not None and answer.drop) or self._stopping.is_set():
            request.close_connection = True
            return None
        request.reply(status, body, extra)
        return None

    def _next_answer(self, nsid: str) -> Answer | None:
        method = nsid.rsplit(".", 1)[-1]
        for answer in self._script:
            if answer.method in (None, method):
                self._script.remove(answer)
                return answer
        return None

    def _answer_as_pds(
        self, nsid: str, headers: dict[str, str], params: dict[str, str], payload: Any, raw: bytes
    ) -> tuple[int, Body, dict[str, str]]:
        if nsid == "com.atproto.server.createSession":
            return self._create_session(payload)
        if nsid == "com.atproto.server.refreshSession":
            return self._refresh_session(headers.get("authorization", ""))
        refused = self._check_access(headers.get("authorization", ""))
        if refused is not None:
            return refused
        if nsid == "com.atproto.server.getSession":
            return 200, {"handle": self.handle, "did": self.did, "active": True}, {}
        if nsid == "com.atproto.repo.createRecord":
            return self._create_record(payload)
        if nsid == "com.atproto.repo.getRecord":
            return self._get_record(params)
        if nsid == "com.atproto.repo.uploadBlob":
            return self._upload_blob(raw, headers.get("content-type", ""))
        return 501, _error("MethodNotImplemented", f"Method Not Implemented: {nsid}"), {}

    def _session(self) -> dict[str, Any]:
        access = _jwt("com.atproto.access", self.did, self.access_lifetime)
        refresh = _jwt("com.atproto.refresh", self.did, 60 * 86400)
        self.access_tokens[access] = time.time() + self.access_lifetime
        self.refresh_token = refresh
        self.issued += [access, refresh]
        return {
            "handle": self.handle,
            "did": self.did,
            "accessJwt": access,
            "refreshJwt": refresh,
            "active": True,
            "didDoc": {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": self.did,
                "alsoKnownAs": [f"at://{self.handle}"],
                "verificationMethod": [],
                "service": [
                    {
                        "id": "#atproto_pds",
                        "type": "AtprotoPersonalDataServer",
                        "serviceEndpoint": self.url,
                    }
                ],
            },
        }

    def _create_session(self, payload: Any) -> tuple[int, Body, dict[str, str]]:
        payload = payload if isinstance(payload, dict) else {}
        who = str(payload.get("identifier", "")).lower()
        if (
            self.refuse_logins
            or who not in (self.handle, self.did)
            or payload.get("password") != self.app_password
        ):
            return 401, _error("AuthenticationRequired", "Invalid identifier or password"), {}
        with self._lock:
            return 200, self._session(), {}

    def _refresh_session(self, authorization: str) -> tuple[int, Body, dict[str, str]]:
        with self._lock:
            if self.refresh_token is None or authorization != f"Bearer {self.refresh_token}":
                return 400, _error("ExpiredToken", "Token has been revoked"), {}
            session = self._session()
        session.pop("didDoc")  # refreshSession answers may omit it
        return 200, session, {}

    def _check_access(self, authorization: str) -> tuple[int, Body, dict[str, str]] | None:
        token = authorization.removeprefix("Bearer ")
        with self._lock:
            expires = self.access_tokens.get(token)
        if expires is None:
            return 401, _error("AuthenticationRequired", "Invalid token"), {}
        if expires <= time.time():
            return 400, _error("ExpiredToken", "Token has expired"), {}
        return None

    def _create_record(self, payload: Any) -> tuple[int, Body, dict[str, str]]:
        problem = _record_problem(payload, self.did, self.blobs)
        if problem is not None:
            self.invalid.append(problem)
            return 400, _error("InvalidRequest", problem), {}
        rkey = payload["rkey"]
        uri = f"at://{self.did}/{POST}/{rkey}"
        with self._lock:
            if rkey in self.records:
                return 400, _error("InvalidRequest", f"Record already exists: {uri}"), {}
            cid = _cid(json.dumps(payload["record"], sort_keys=True).encode())
            self.records[rkey] = {"uri": uri, "cid": cid, "value": payload["record"]}
        return (
            200,
            {
                "uri": uri,
                "cid": cid,
                "validationStatus": "valid",
                "commit": {"cid": _cid(uri.encode()), "rev": rkey},
            },
            {},
        )

    def _get_record(self, params: dict[str, str]) -> tuple[int, Body, dict[str, str]]:
        rkey = params.get("rkey", "")
        uri = f"at://{params.get('repo')}/{params.get('collection')}/{rkey}"
        with self._lock:
            record = self.records.get(rkey)
        if record is None or params.get("repo") not in (self.did, self.handle):
            return 400, _error("RecordNotFound", f"Could not locate record: {uri}"), {}
        return 200, dict(record), {}

    def _upload_blob(self, raw: bytes, content_type: str) -> tuple[int, Body, dict[str, str]]:
        if len(raw) > MAX_BLOB:
            return 400, _error("BlobTooLarge", "This file is too large"), {}
        cid = _cid(raw, codec=0x55)
        with self._lock:
            self.blobs[cid] = raw
        return (
            200,
            {
                "blob": {
                    "$type": "blob",
                    "ref": {"$link": cid},
                    "mimeType": content_type or "*/*",
                    "size": len(raw),
                }
            },
            {},
        )

    def _image(self, request: _Handler, path: str) -> None:
        body = {"/img/small.png": PNG, "/img/huge.png": PNG + b"\0" * MAX_BLOB}.get(path)
        with self._lock:
            self.requests.append(RecordedRequest("GET", path, {}, {}, None))
        if body is None:
            request.reply(404, _error("NotFound", "no such image"), {})
            return
        request.send_response(200)
        request.send_header("Content-Type", "image/png")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)


def _record_problem(payload: Any, did: str, blobs: dict[str, bytes]) -> str | None:
    """Why the PDS would refuse this createRecord, or None."""
    if not isinstance(payload, dict):
        return "Input must be an object"
    if payload.get("repo") not in (did,):
        return f"Invalid repo: {payload.get('repo')!r}"
    if payload.get("collection") != POST:
        return f"Invalid collection: {payload.get('collection')!r}"
    if not isinstance(payload.get("rkey"), str) or not TID.match(payload["rkey"]):
        return f"Invalid record key (not a TID): {payload.get('rkey')!r}"
    record = payload.get("record")
    if not isinstance(record, dict) or record.get("$type") != POST:
        return "Invalid app.bsky.feed.post record: $type"
    text = record.get("text")
    if not isinstance(text, str):
        return "Record/text must be a string"
    if len(regex.findall(r"\X", text)) > MAX_GRAPHEMES:
        return f"Record/text must not be longer than {MAX_GRAPHEMES} graphemes"
    if len(text.encode("utf-8")) > MAX_BYTES:
        return f"Record/text must not be longer than {MAX_BYTES} characters"
    try:
        datetime.fromisoformat(str(record.get("createdAt")).replace("Z", "+00:00"))
    except ValueError:
        return "Record/createdAt must be an valid atproto datetime"
    langs = record.get("langs", [])
    if not isinstance(langs, list) or not all(isinstance(x, str) and x for x in langs):
        return "Record/langs must be a list of language tags"
    return _facets_problem(text, record.get("facets", [])) or _embed_problem(
        record.get("embed"), blobs
    )


def _facets_problem(text: str, facets: Any) -> str | None:
    data = text.encode("utf-8")
    if not isinstance(facets, list):
        return "Record/facets must be an array"
    for facet in facets:
        try:
            start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
            [feature] = facet["features"]
        except (KeyError, TypeError, ValueError):
            return f"Record/facets: malformed facet {facet!r}"
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(data)):
            return f"Record/facets: byte range {start}-{end} outside the text"
        try:
            piece = data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            return f"Record/facets: byte range {start}-{end} splits a character"
        kind = feature.get("$type")
        if kind == "app.bsky.richtext.facet#link":
            if piece != feature.get("uri"):
                return f"Record/facets: link facet covers {piece!r}, not {feature.get('uri')!r}"
        elif kind == "app.bsky.richtext.facet#tag":
            if piece != f"#{feature.get('tag')}":
                return f"Record/facets: tag facet covers {piece!r}, not #{feature.get('tag')}"
        else:
            return f"Record/facets: unexpected feature {kind!r}"
    return None


def _embed_problem(embed: Any, blobs: dict[str, bytes]) -> str | None:
    if embed is None:
        return None
    if not isinstance(embed, dict) or embed.get("$type") != "app.bsky.embed.external":
        return f"Record/embed: unexpected embed {embed!r}"
    external = embed.get("external")
    if not isinstance(external, dict) or not all(
        isinstance(external.get(k), str) for k in ("uri", "title", "description")
    ):
        return "Record/embed/external must have uri, title and description"
    thumb = external.get("thumb")
    if thumb is not None:
        ref = (thumb.get("ref") or {}).get("$link") if isinstance(thumb, dict) else None
        if thumb.get("$type") != "blob" or ref not in blobs:
            return f"Record/embed/external/thumb: no such blob {ref!r}"
        if not str(thumb.get("mimeType", "")).startswith("image/"):
            return "Record/embed/external/thumb: must be an image"
    return None


class _Handler(JsonHandler):
    def do_GET(self) -> None:
        self.server.fake.serve(self)

    do_POST = do_GET


@pytest.fixture(name="bluesky_api")
def bluesky_api_fixture() -> Iterator[FakeBlueskyPds]:
    """`bluesky_api`: a started fake PDS; its `url` is the channel's `api_base_url`.

    Import `bluesky_api_fixture` into a test module and ask for `bluesky_api`.
    """
    yield from serving(FakeBlueskyPds())
