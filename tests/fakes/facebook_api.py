"""A fake Graph API for one Facebook Page on 127.0.0.1 (fixture `facebook_api`).

It answers as the Graph API's documentation says, under /v23.0:

    POST /{page-id}/feed     form: message, link      {"id": "<page>_<post>"}
    GET  /{page-id}/feed     ?fields&since&limit      {"data": [{id, message, permalink_url,
                                                      created_time}, ...]} newest first
    GET  /{page-id}          ?fields=id,name          {"id", "name"}
    GET  /debug_token        ?input_token             {"data": {is_valid, expires_at: 0,
                                                      scopes, type: "PAGE"}}

A request needs a Page token it accepts (`Authorization: Bearer`, or `access_token`):
else Graph's 190 "Error validating access token" (HTTP 400, as Graph sends it). A post
needs a message (else code 100) and the `pages_manage_posts` permission (else code 200).
Failures are scripted (tests.fakes.graph).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.fakes.graph import FakeGraph, Request, graph_error
from tests.fakes.server import serving

TOKEN = "EAAfakePageToken0123456789abcdef"
PAGE_ID = "104857600123"
PAGE_NAME = "Farmer Jay"
VERSION = "v23.0"
FIRST_POST = 900_000_000_000


class FakeFacebook(FakeGraph):
    def __init__(
        self,
        *,
        token: str = TOKEN,
        scopes: tuple[str, ...] = (
            "pages_manage_posts",
            "pages_read_engagement",
            "pages_show_list",
        ),
    ) -> None:
        super().__init__(tokens={token})
        self.scopes = list(scopes)
        self.posts: list[dict[str, Any]] = []

    @property
    def messages(self) -> list[str]:
        return [p["message"] for p in self.posts]

    def feed_posts(self) -> list[Request]:
        return self.calls("POST", f"/{PAGE_ID}/feed")

    def route(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        prefix = f"/{VERSION}/"
        if not request.path.startswith(prefix):
            return (
                400,
                {
                    "error": {
                        "message": "Unknown path components",
                        "type": "OAuthException",
                        "code": 2500,
                    }
                },
                {},
            )
        path = request.path.removeprefix(prefix).rstrip("/")
        if request.token not in self.tokens:
            answer = graph_error(
                190, "Error validating access token: Session has expired", subcode=463
            )
            return answer.status, answer.body, {}
        if (request.method, path) == ("GET", "debug_token"):
            valid = request.query.get("input_token") in self.tokens
            return (
                200,
                {
                    "data": {
                        "app_id": "42",
                        "type": "PAGE",
                        "is_valid": valid,
                        "expires_at": 0,
                        "data_access_expires_at": 0,
                        "scopes": self.scopes,
                        "profile_id": PAGE_ID,
                    }
                },
                {},
            )
        if (request.method, path) == ("GET", PAGE_ID):
            return 200, {"id": PAGE_ID, "name": PAGE_NAME}, {}
        if (request.method, path) == ("POST", f"{PAGE_ID}/feed"):
            return self._create(request)
        if (request.method, path) == ("GET", f"{PAGE_ID}/feed"):
            since = int(request.query.get("since") or 0)
            limit = int(request.query.get("limit") or 25)
            data = [p for p in reversed(self.posts) if p["ts"] >= since][:limit]
            return 200, {"data": [{k: v for k, v in p.items() if k != "ts"} for p in data]}, {}
        return (
            400,
            {
                "error": {
                    "message": f"Unsupported {request.method} request",
                    "type": "GraphMethodException",
                    "code": 100,
                }
            },
            {},
        )

    def _create(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        if "pages_manage_posts" not in self.scopes:
            answer = graph_error(
                200,
                "(#200) The user hasn't authorized the application to perform this action",
                kind="OAuthException",
            )
            return answer.status, answer.body, {}
        message = request.form.get("message", "")
        if not message.strip():
            answer = graph_error(100, "(#100) Invalid parameter", kind="OAuthException")
            return answer.status, answer.body, {}
        post_id = f"{PAGE_ID}_{FIRST_POST + len(self.posts)}"
        now = datetime.now(UTC)
        self.posts.append(
            {
                "id": post_id,
                "message": message,
                "link": request.form.get("link"),
                "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/"
                f"{post_id.split('_')[1]}",
                "created_time": now.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "ts": int(now.timestamp()) - 1,
            }
        )
        return 200, {"id": post_id}, {}


@pytest.fixture(name="facebook_api")
def facebook_api_fixture() -> Iterator[FakeFacebook]:
    yield from serving(FakeFacebook())
