"""A fake LinkedIn API and OAuth server on 127.0.0.1 (fixture `linkedin_api`), answering as
LinkedIn's documentation says:

    POST /rest/posts                  JSON post; needs `LinkedIn-Version: YYYYMM` and
                                      `X-Restli-Protocol-Version: 2.0.0`; 201 with the new
                                      URN in `x-restli-id`. Commentary over 3,000
                                      characters: 422. The same commentary as an earlier
                                      post: 422 DUPLICATE_POST "Content is a duplicate of
                                      urn:li:share:N". The commentary is read as "little"
                                      text: an unescaped reserved character cuts the post
                                      short there, silently, as LinkedIn does.
    POST /rest/images?action=initializeUpload   {"value": {uploadUrl, image}}
    PUT  /upload/{n}                  the image's bytes: 201
    GET  /rest/organizations/{id}     {"localizedName"}
    GET  /v2/userinfo                 {"name", "sub"}
    POST /oauth/v2/introspectToken    form token, client_id, client_secret: {"active",
                                      "expires_at", "created_at"}
    POST /oauth/v2/accessToken        grant_type=refresh_token: a new access token (the
                                      old one stops working), expires_in 60 days

A token it does not accept: 401 (serviceErrorCode 65600). Failures are scripted
(tests.fakes.graph).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.fakes.graph import FakeGraph, Request
from tests.fakes.server import serving

TOKEN = "AQVfakeLinkedInAccessToken0123456789"
REFRESH_TOKEN = "AQXfakeLinkedInRefreshToken987654321"
CLIENT_ID = "86fakeclientid"
CLIENT_SECRET = "fakeClientSecret-4d5e6f"
ORG_ID = "2414183"
AUTHOR = f"urn:li:organization:{ORG_ID}"
ORG_NAME = "ACME Inc."
LIMIT = 3000
LIFETIME = 60 * 24 * 3600
_HASHTAG = re.compile(r"\{hashtag\|\\#\|((?:[^\\{}|]|\\.)+)\}")
RESERVED = set("\\|{}@[]()<>#*_~")


def little_to_text(commentary: str) -> str:
    """What readers see of `commentary` read as little text: escapes resolved, hashtag
    elements as "#tag", and the rest cut at the first unescaped reserved character."""
    shown, i = [], 0
    while i < len(commentary):
        match = _HASHTAG.match(commentary, i)
        if match:
            shown.append("#" + re.sub(r"\\(.)", r"\1", match.group(1)))
            i = match.end()
            continue
        char = commentary[i]
        if char == "\\" and i + 1 < len(commentary) and commentary[i + 1] in RESERVED:
            shown.append(commentary[i + 1])
            i += 2
            continue
        if char in RESERVED:
            break  # LinkedIn silently cuts the post here
        shown.append(char)
        i += 1
    return "".join(shown)


def _error(status: int, message: str, **extra: Any) -> tuple[int, Any, dict[str, str]]:
    return status, {"status": status, "message": message, **extra}, {}


class FakeLinkedIn(FakeGraph):
    def __init__(self, *, token: str = TOKEN, expires_at: datetime | None = None) -> None:
        super().__init__(tokens={token})
        now = int(datetime.now(UTC).timestamp())
        self.expiry: dict[str, int] = {
            token: int(expires_at.timestamp()) if expires_at else now + LIFETIME
        }
        self.refresh_tokens = {REFRESH_TOKEN}
        self.posts: list[dict[str, Any]] = []
        self.images: dict[str, bytes] = {}
        self.refreshed: list[str] = []
        self._ids = itertools.count(7_100_000_000_000_000_001)
        self._images = itertools.count(1)

    @property
    def shown(self) -> list[str]:
        """Each post's commentary as readers see it."""
        return [little_to_text(p["commentary"]) for p in self.posts]

    def creates(self) -> list[Request]:
        return self.at("POST", "/rest/posts")

    def route(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        method, path = request.method, request.path.rstrip("/")
        if path.startswith("/oauth/v2/"):
            return self._oauth(request, path.removeprefix("/oauth/v2/"))
        if request.token not in self.tokens:
            return _error(
                401, "Invalid access token", serviceErrorCode=65600, code="INVALID_ACCESS_TOKEN"
            )
        if path.startswith("/rest/"):
            version = request.headers.get("linkedin-version", "")
            if not re.fullmatch(r"20\d{2}(0[1-9]|1[0-2])", version):
                return _error(
                    400,
                    f"A version must be present (LinkedIn-Version: {version})",
                    code="VERSION_MISSING",
                )
            if request.headers.get("x-restli-protocol-version") != "2.0.0":
                return _error(400, "X-Restli-Protocol-Version 2.0.0 is required")
        if (method, path) == ("POST", "/rest/posts"):
            return self._create(request)
        if (method, path) == ("POST", "/rest/images"):
            n = next(self._images)
            return (
                200,
                {
                    "value": {
                        "uploadUrlExpiresAt": 1_900_000_000_000,
                        "uploadUrl": f"{self.url}/upload/{n}",
                        "image": f"urn:li:image:C4E{n:06d}",
                    }
                },
                {},
            )
        if method == "PUT" and path.startswith("/upload/"):
            self.images[f"urn:li:image:C4E{int(path.rsplit('/', 1)[1]):06d}"] = request.body
            return 201, None, {}
        if (method, path) == ("GET", f"/rest/organizations/{ORG_ID}"):
            return 200, {"id": int(ORG_ID), "localizedName": ORG_NAME}, {}
        if (method, path) == ("GET", "/v2/userinfo"):
            return 200, {"sub": "abc123", "name": "Jay Farmer"}, {}
        return _error(404, f"No virtual resource found for {path}")

    def _create(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        post = request.json if isinstance(request.json, dict) else {}
        if post.get("author") != AUTHOR:
            return _error(
                403, "Not enough permissions to post as this author", code="ACCESS_DENIED"
            )
        commentary = post.get("commentary") or ""
        if len(commentary.encode("utf-16-le")) // 2 > LIMIT:
            return _error(422, "/commentary: length exceeds 3000", code="FIELD_LENGTH_TOO_LONG")
        for earlier in self.posts:
            if earlier["commentary"] == commentary:
                return _error(
                    422,
                    "com.linkedin.content.common.exception."
                    "BadRequestResponseException: Content is a duplicate of "
                    f"{earlier['urn']}",
                    code="DUPLICATE_POST",
                )
        urn = f"urn:li:share:{next(self._ids)}"
        self.posts.append({**post, "urn": urn})
        return 201, None, {"x-restli-id": urn}

    def _oauth(self, request: Request, what: str) -> tuple[int, Any, dict[str, str]]:
        form = request.form
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return (
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
                {},
            )
        if what == "introspectToken":
            token = form.get("token", "")
            if token not in self.tokens:
                return 200, {"active": False}, {}
            return (
                200,
                {
                    "active": True,
                    "client_id": CLIENT_ID,
                    "status": "active",
                    "expires_at": self.expiry[token],
                    "scope": "w_organization_social",
                },
                {},
            )
        if what == "accessToken" and form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return (
                    400,
                    {
                        "error": "invalid_request",
                        "error_description": "The provided refresh token is invalid",
                    },
                    {},
                )
            new = f"AQVrefreshed-{len(self.refreshed) + 1}-linkedin"
            self.tokens = {new}
            self.refreshed.append(new)
            self.expiry[new] = int(datetime.now(UTC).timestamp()) + LIFETIME
            return (
                200,
                {
                    "access_token": new,
                    "expires_in": LIFETIME,
                    "refresh_token": form["refresh_token"],
                    "refresh_token_expires_in": 300 * 24 * 3600,
                },
                {},
            )
        return 400, {"error": "unsupported_grant_type"}, {}


@pytest.fixture(name="linkedin_api")
def linkedin_api_fixture() -> Iterator[FakeLinkedIn]:
    yield from serving(FakeLinkedIn())
