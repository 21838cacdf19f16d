"""A fake Slack incoming webhook on 127.0.0.1 (fixture `slack_api`), for the channel's real
httpx requests.

`POST /services/T…/B…/<secret>` answers as Slack does, in plain text: "ok" (200) for a
JSON body with a `text` or `blocks`; 400 `invalid_payload` for a body that is not JSON,
`no_text` for neither, `invalid_blocks` for a block that is not a section with a text
object or whose text is over 3000 characters. It is stricter than Slack on one point, so
that tests notice: mrkdwn that Slack would show garbled — an "&" that is not `&amp;`,
`&lt;` or `&gt;`, a "<" that does not open a `<url|label>` link, a bare ">" — is refused
(400 `invalid_blocks`). `links` lists the links it saw, decoded.

A webhook that is gone answers as Slack does (`gone = "no_service"` and so on: 403
`invalid_token`, 404 `no_service` / `channel_not_found`, 410 `channel_is_archived`); another
path is 404 `no_service`. Failures are scripted (`tests.fakes.webhook`).
"""

from __future__ import annotations

import re

import pytest

from tests.fakes.server import serving
from tests.fakes.webhook import Answer, FakeWebhook, Request, Scripted, error

SECRET_PATH = "/services/T0FAKE0001/B0FAKE0002/sLaCkFaKeS3cr3tXyZ0123456"
MAX_SECTION_TEXT = 3000
GONE_STATUS = {
    "invalid_token": 403,
    "action_prohibited": 403,
    "no_service": 404,
    "no_team": 404,
    "channel_not_found": 404,
    "channel_is_archived": 410,
}

_TOKEN = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_DECODE = {"amp": "&", "lt": "<", "gt": ">"}


def gone(reason: str) -> Scripted:
    """The answer of a webhook that is gone: `invalid_token`, `no_service`, ..."""
    return error(GONE_STATUS[reason], reason)


def rate_limited(retry_after: int = 4) -> Scripted:
    return error(429, "rate_limited", headers={"Retry-After": str(retry_after)})


def server_error(*, deliver: bool = False) -> Scripted:
    """500 `rollup_error`; with `deliver`, the message was posted first."""
    return error(500, "rollup_error", deliver=deliver)


def decode(text: str) -> str:
    return _ENTITY.sub(lambda m: _DECODE[m[1]], text)


def mrkdwn_problem(text: str) -> str | None:
    """Why Slack would not show `text` as meant (None when it would)."""
    outside = _TOKEN.sub(" ", text)
    for char in "<>":
        if char in outside:
            return f"bare {char!r} outside a link"
    for piece in [outside, *(m[1] for m in _TOKEN.finditer(text))]:
        if "&" in _ENTITY.sub("", piece):
            return "bare '&' (write &amp;)"
    for token in _TOKEN.findall(text):
        url = token.split("|", 1)[0]
        if not re.match(r"(https?://|mailto:|@|#|!)", url):
            return f"<{token}> is not a link"
    return None


class FakeSlackWebhook(FakeWebhook):
    name = "fake-slack-webhook"

    def __init__(self) -> None:
        super().__init__(SECRET_PATH)
        self.gone: str | None = None
        self.links: list[tuple[str, str]] = []  # (url, label), decoded

    @property
    def texts(self) -> list[str]:
        """The section text of every message posted, as sent (mrkdwn)."""
        with self.lock:
            return [m["blocks"][0]["text"]["text"] for m in self.messages]

    def not_found(self) -> Answer:
        return Answer(404, "no_service")

    def perform(self, request: Request) -> Answer:
        if self.gone:
            return Answer(GONE_STATUS[self.gone], self.gone)
        if request.method != "POST":
            return Answer(405, "invalid_method")
        body = request.json
        if not request.content_type.startswith("application/json") or not isinstance(body, dict):
            return Answer(400, "invalid_payload")
        if not body.get("text") and not body.get("blocks"):
            return Answer(400, "no_text")
        problem = self._block_problem(body.get("blocks") or [])
        if problem:
            return Answer(400, "invalid_blocks")
        with self.lock:
            self.messages.append(body)
            for block in body.get("blocks") or []:
                if block["text"]["type"] == "mrkdwn":
                    for token in _TOKEN.findall(block["text"]["text"]):
                        url, _, label = token.partition("|")
                        self.links.append((decode(url), decode(label)))
        return Answer(200, "ok")

    @staticmethod
    def _block_problem(blocks: list) -> str | None:
        for block in blocks:
            text = block.get("text") if isinstance(block, dict) else None
            if not isinstance(text, dict) or block.get("type") != "section":
                return "not a section with a text"
            if text.get("type") not in ("mrkdwn", "plain_text"):
                return "unknown text type"
            value = text.get("text")
            if not isinstance(value, str) or not value or len(value) > MAX_SECTION_TEXT:
                return "text empty or over 3000 characters"
            if text["type"] == "mrkdwn" and mrkdwn_problem(value):
                return mrkdwn_problem(value)
        return None


@pytest.fixture(name="slack_api")
def slack_api_fixture():
    """`slack_api`: a running FakeSlackWebhook for one test, stopped afterwards."""
    yield from serving(FakeSlackWebhook())
