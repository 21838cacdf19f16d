"""The Facebook Pages platform: its settings, and a channel that posts to a Page's feed
through the Graph API (`POST /{page-id}/feed` with `message` and `link`) with a Page
access token, over httpx (`bot.platforms._graph`).

Exactly once. The Graph API takes no idempotency key, so before each post the channel
notes in its memory that a post under the post's key may go out (`pending:<key>`, with
the time). A post whose send was cut short (a timeout, a 5xx, a dropped connection, a
kill) is settled at its next try by the Page's own feed: a post of the Page with the
same message since then is the one sent, and is recorded; only when the feed (read
without error) has none is it posted again. A feed that cannot be read leaves the post
waiting, never sent blindly.

Tokens. A Page token from a long-lived user token does not expire (`debug_token` says
`expires_at: 0`), but a password change or a revoked permission voids it: the send is
refused with Graph code 190 or the 10/200 permission family, and the channel pauses with
one line saying how to get a new one. Errors are mapped in `bot.platforms._graph`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from bot.config.channels import ChannelSettings
from bot.config.types import EnvVarName, HttpBaseUrl, PositiveDuration, StrictStr
from bot.errors import (
    AmbiguousError,
    AuthError,
    ChannelError,
    RateLimitedError,
    RejectedError,
)
from bot.logs import log_event
from bot.platforms._graph import (
    GraphChannel,
    GraphClient,
    StoredToken,
    body_of,
    delivery_key,
    iso,
)
from bot.platforms.base import Capabilities, Delivery, OutgoingPost, Platform, Quotas

__all__ = ["FacebookChannel", "FacebookSettings"]

DEFAULT_API = "https://graph.facebook.com"
DEFAULT_VERSION = "v23.0"
POST_URL = "https://www.facebook.com/{page_id}/posts/{post}"
PUBLISH_PERMISSION = "pages_manage_posts"
LOOKBACK = timedelta(minutes=5)  # a post noted pending is sought in the feed from then on
FEED_PAGE = 25  # the newest posts read when settling a pending post
_HINT = (
    "get a new Page access token with pages_manage_posts and pages_read_engagement "
    "(Graph API Explorer or your app's login), put it in the channel's page_token_env "
    "variable, then `excerpt-bot resume` the channel"
)

PageId = Annotated[StrictStr, StringConstraints(pattern=r"^[0-9]{1,30}$")]
ApiVersion = Annotated[StrictStr, StringConstraints(pattern=r"^v[0-9]{1,3}\.[0-9]{1,2}$")]


class FacebookSettings(ChannelSettings):
    """A Facebook Page, through a Page access token."""

    platform: Literal["facebook"] = Field(description="Posts go to a Facebook Page.")
    page_id: PageId = Field(description="The Page's numeric id (Page → About → Page ID).")
    page_token_env: EnvVarName = Field(
        "FACEBOOK_PAGE_TOKEN",
        description="Variable with a Page access token (pages_manage_posts).",
    )
    api_base_url: HttpBaseUrl = Field(
        DEFAULT_API, description="The Graph API's address (default https://graph.facebook.com)."
    )
    api_version: ApiVersion = Field(
        DEFAULT_VERSION, description='The Graph API version, e.g. "v23.0".'
    )
    timeout: PositiveDuration = Field(
        timedelta(seconds=30), description="Give up on a request after this long."
    )

    def secret_env_vars(self) -> dict[str, str]:
        return {"page_token": self.page_token_env}

    def destination(self) -> str:
        return f"facebook Page {self.page_id}"


class FacebookChannel(GraphChannel):
    """Posts to the Page `page_id` with a Page access token (`page_token`)."""

    renew_how = "get a new Page access token and put it in the channel's page_token_env"

    def __init__(
        self,
        name: str,
        *,
        page_id: str,
        page_token: str,
        api_base_url: str = DEFAULT_API,
        api_version: str = DEFAULT_VERSION,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(
            name,
            token=page_token,
            client=GraphClient(
                platform="Facebook",
                base_url=f"{api_base_url.rstrip('/')}/{api_version}",
                timeout=timeout,
                hint=_HINT,
            ),
        )
        self.page_id = page_id

    def __repr__(self) -> str:  # never show the token
        return f"FacebookChannel({self.name!r}, page_id={self.page_id!r})"

    async def send(self, post: OutgoingPost) -> Delivery:
        if post.reply_to is not None:
            raise RejectedError("this Facebook channel does not post threads")
        key = delivery_key(post)
        token = await self.tokens.value()
        noted = await self.pending(key)
        if noted is not None:
            found = await self._settled(token, post, noted)
            if found is not None:
                await self.note_pending(key, None)
                return found
        await self.note_pending(key, {"since": iso(self.clock() - LOOKBACK)})
        fields = {"message": post.text}
        if post.url:
            fields["link"] = post.url
        try:
            answer = await self.client.call(
                "POST", f"{self.page_id}/feed", token=token, data=fields, sending=True
            )
        except AmbiguousError:
            raise  # the note stays: the next try looks for the post first
        except ChannelError:
            await self.note_pending(key, None)  # certainly not out
            raise
        await self.note_pending(key, None)
        post_id = body_of(answer).get("id")
        if not post_id:
            return Delivery(remote_id=None)
        return Delivery(remote_id=str(post_id), remote_url=self._url(str(post_id)))

    async def check(self) -> str:
        token = await self.tokens.value()
        page = body_of(
            await self.client.call("GET", self.page_id, token=token, params={"fields": "id,name"})
        )
        scopes = await self._scopes(token)
        if scopes is not None and PUBLISH_PERMISSION not in scopes:
            raise AuthError(
                f"Facebook: the token lacks the {PUBLISH_PERMISSION} permission ({_HINT})"
            )
        name = page.get("name") or self.page_id
        return f"posts to the Page {name} ({self.page_id}); {await self.expiry_words()}"

    async def learn_expiry(self, token: StoredToken) -> StoredToken:
        data = await self._debug(token.value)
        expires = data.get("expires_at")
        if expires == 0:
            return await self.tokens.learnt(expires_at=None, never=True)
        if isinstance(expires, int | float) and expires > 0:
            return await self.tokens.learnt(expires_at=datetime.fromtimestamp(expires, UTC))
        return token

    # --- internals -------------------------------------------------------------------------

    async def _debug(self, token: str) -> dict[str, Any]:
        """`debug_token` of the token itself: its expiry, validity and permissions."""
        answer = await self.client.call(
            "GET", "debug_token", token=token, params={"input_token": token}
        )
        data = body_of(answer).get("data")
        return data if isinstance(data, dict) else {}

    async def _scopes(self, token: str) -> list[str] | None:
        data = await self._debug(token)
        scopes = data.get("scopes")
        return [str(s) for s in scopes] if isinstance(scopes, list) else None

    async def _settled(
        self, token: str, post: OutgoingPost, noted: dict[str, Any]
    ) -> Delivery | None:
        """The Page's post with this message since the note, if the feed has one; None
        when it has none. A feed that cannot be read: AmbiguousError (try again later)."""
        since = noted.get("since") or iso(self.clock() - LOOKBACK)
        params = {
            "fields": "id,message,permalink_url,created_time",
            "limit": str(FEED_PAGE),
            "since": str(int(datetime.fromisoformat(since).timestamp())),
        }
        try:
            answer = await self.client.call(
                "GET", f"{self.page_id}/feed", token=token, params=params
            )
        except (AuthError, RateLimitedError):
            raise
        except ChannelError as exc:
            raise AmbiguousError(
                f"an earlier try may have posted it, and the Page's feed "
                f"could not be read to tell: {exc}"
            ) from exc
        for item in body_of(answer).get("data") or ():
            if isinstance(item, dict) and item.get("message") == post.text and item.get("id"):
                post_id = str(item["id"])
                log_event("facebook.post_found", channel=self.name, post=post.id, remote_id=post_id)
                return Delivery(
                    remote_id=post_id, remote_url=item.get("permalink_url") or self._url(post_id)
                )
        return None

    def _url(self, post_id: str) -> str:
        page, _, own = post_id.partition("_")
        return POST_URL.format(page_id=page or self.page_id, post=own or post_id)


def connect(settings: FacebookSettings, secrets: Mapping[str, str]) -> FacebookChannel:
    return FacebookChannel(
        settings.name,
        page_id=settings.page_id,
        page_token=secrets["page_token"].strip(),
        api_base_url=settings.api_base_url,
        api_version=settings.api_version,
        timeout=settings.timeout.total_seconds(),
    )


PLATFORM = Platform(
    name="facebook",
    settings=FacebookSettings,
    connect=connect,
    profile="facebook",
    summary="a Page, with a Page access token (Graph API, httpx)",
    capabilities=Capabilities(idempotency_keys=True, idempotency_window=None, link_cards=False),
    quotas=Quotas(
        note="Page calls: 4,800 × engaged users per 24 h (Business Use Case "
        "rate limit; Graph codes 32 and 80001 when used up)"
    ),
    literal_secrets={
        "page_token": "page_token_env",
        "access_token": "page_token_env",
        "token": "page_token_env",
    },
    example="""\
# A Facebook Page: a Page access token with pages_manage_posts and pages_read_engagement
# (see the README), exported as FACEBOOK_PAGE_TOKEN.
# [channels.fb]
# platform = "facebook"
# page_id = "1234567890"
# schedule = { every = "6h" }
""",
)
