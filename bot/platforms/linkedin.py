"""The LinkedIn platform: its settings, and a channel that shares articles as a member or
an organization through the Posts API (`POST /rest/posts`, with the `LinkedIn-Version`
header), over httpx (`bot.platforms._graph`).

A post is its commentary in LinkedIn's "little" text (reserved characters escaped,
hashtags as hashtag elements: `bot.render.platforms.LINKEDIN`) with the article as
`content.article` (source, title, description and, when the article has an image, a
thumbnail uploaded through the Images API). The new post's URN comes back in the
`x-restli-id` header; its address is https://www.linkedin.com/feed/update/<urn>/.

Exactly once. LinkedIn refuses a post whose commentary repeats a recent one (422
DUPLICATE_POST, "Content is a duplicate of urn:li:share:…"). Before each send the channel
notes it in memory (`pending:<key>`); after a send that may have gone out (a timeout, a
5xx, a dropped connection) dispatch sends it once more (`proves_duplicates`), and a
duplicate refusal then is the proof: the URN it names is the post, and is recorded.
Without the note, a duplicate refusal is what it says (the post is skipped).

Tokens. Access tokens last 60 days. The expiry is read from the token introspection
endpoint (`oauth_base_url`/oauth/v2/introspectToken, with the app's client id and secret)
or, without them, counted from when the token was first seen. With a refresh token and
the app's client id and secret, the channel refreshes the token when fewer than 10 days
remain (`/oauth/v2/accessToken`, grant_type=refresh_token) and keeps the new one;
otherwise `channel.token_expiring` is logged daily from 14 days before it lapses.
"""

from __future__ import annotations

import logging
import re
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
    DuplicateError,
    FetchError,
    NotDeliveredError,
    RateLimitedError,
    RejectedError,
)
from bot.logs import log_event, register_secrets
from bot.offloop import in_thread
from bot.platforms._graph import (
    GraphChannel,
    GraphClient,
    StoredToken,
    body_of,
    delivery_key,
    iso,
)
from bot.platforms.base import Capabilities, Delivery, OutgoingPost, Platform, Quota, Quotas

__all__ = ["LinkedInChannel", "LinkedInSettings"]

DEFAULT_API = "https://api.linkedin.com"
DEFAULT_OAUTH = "https://www.linkedin.com"
DEFAULT_VERSION = "202511"
POST_URL = "https://www.linkedin.com/feed/update/{urn}/"
TOKEN_LIFETIME = timedelta(days=60)  # what LinkedIn gives an access token
REFRESH_WHEN = timedelta(days=10)
MAX_THUMB_BYTES = 5_000_000
THUMB_TYPES = ("image/jpeg", "image/png", "image/gif")
_DUPLICATE_OF = re.compile(r"urn:li:(?:share|ugcPost|activity):[0-9]+")
_HINT = (
    "get a new access token with w_member_social (a member) or w_organization_social "
    "(an organization) for the channel's access_token_env variable, then "
    "`excerpt-bot resume` the channel"
)

Author = Annotated[
    StrictStr,
    StringConstraints(pattern=r"^urn:li:(person:[A-Za-z0-9_-]{1,64}|organization:[0-9]{1,20})$"),
]
ApiVersion = Annotated[StrictStr, StringConstraints(pattern=r"^20[0-9]{2}(0[1-9]|1[0-2])$")]


class LinkedInSettings(ChannelSettings):
    """A LinkedIn member or organization, through an OAuth access token."""

    platform: Literal["linkedin"] = Field(description="Posts go to LinkedIn.")
    author: Author = Field(
        description='Who posts: "urn:li:person:<id>" or "urn:li:organization:<id>".'
    )
    access_token_env: EnvVarName = Field(
        "LINKEDIN_ACCESS_TOKEN",
        description="Variable with an access token (w_member_social or w_organization_social).",
    )
    refresh_token_env: EnvVarName | None = Field(
        None, description="Variable with a refresh token, where the app has them (optional)."
    )
    client_id_env: EnvVarName | None = Field(
        None, description="Variable with the app's client id (to refresh and introspect)."
    )
    client_secret_env: EnvVarName | None = Field(
        None, description="Variable with the app's client secret (to refresh and introspect)."
    )
    api_base_url: HttpBaseUrl = Field(
        DEFAULT_API, description="The API's address (default https://api.linkedin.com)."
    )
    oauth_base_url: HttpBaseUrl = Field(
        DEFAULT_OAUTH,
        description="Where tokens are refreshed and introspected "
        "(default https://www.linkedin.com).",
    )
    api_version: ApiVersion = Field(
        DEFAULT_VERSION, description="The LinkedIn-Version header, YYYYMM."
    )
    timeout: PositiveDuration = Field(
        timedelta(seconds=30), description="Give up on a request after this long."
    )

    def secret_env_vars(self) -> dict[str, str]:
        optional = {
            "refresh_token": self.refresh_token_env,
            "client_id": self.client_id_env,
            "client_secret": self.client_secret_env,
        }
        return {
            "access_token": self.access_token_env,
            **{key: env for key, env in optional.items() if env},
        }

    def destination(self) -> str:
        return f"linkedin as {self.author}"


class LinkedInChannel(GraphChannel):
    """Posts as `author` (a person or organization URN) with an access token."""

    renew_how = (
        "authorize the app again for a new access token and put it in the "
        "channel's access_token_env"
    )

    def __init__(
        self,
        name: str,
        *,
        author: str,
        access_token: str,
        refresh_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_base_url: str = DEFAULT_API,
        oauth_base_url: str = DEFAULT_OAUTH,
        api_version: str = DEFAULT_VERSION,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(
            name,
            token=access_token,
            client=GraphClient(
                platform="LinkedIn",
                base_url=api_base_url,
                timeout=timeout,
                hint=_HINT,
                headers={"LinkedIn-Version": api_version, "X-Restli-Protocol-Version": "2.0.0"},
            ),
        )
        register_secrets(refresh_token, client_secret)
        self.author = author
        self.timeout = timeout
        self._refresh_token = refresh_token
        self._client_id = client_id
        self._client_secret = client_secret
        self.oauth = GraphClient(
            platform="LinkedIn", base_url=oauth_base_url, timeout=timeout, hint=_HINT
        )

    def __repr__(self) -> str:  # never show the tokens
        return f"LinkedInChannel({self.name!r}, author={self.author!r})"

    async def send(self, post: OutgoingPost) -> Delivery:
        if post.reply_to is not None:
            raise RejectedError("this LinkedIn channel does not post threads")
        key = delivery_key(post)
        token = await self.tokens.value()
        maybe_out = await self.pending(key) is not None
        body = await self._post_body(token, post)
        await self.note_pending(key, {"since": iso(self.clock())})
        try:
            answer = await self.client.call(
                "POST", "rest/posts", token=token, json=body, sending=True
            )
        except AmbiguousError:
            raise  # the note stays: LinkedIn's duplicate refusal will settle it
        except RejectedError as exc:
            await self.note_pending(key, None)
            said = str(exc)
            if "duplicate" not in said.lower():
                raise
            urn = _DUPLICATE_OF.search(said)
            if maybe_out and urn is not None:  # the earlier, ambiguous try went out
                log_event(
                    "linkedin.duplicate_settled",
                    channel=self.name,
                    post=post.id,
                    remote_id=urn.group(),
                )
                return Delivery(urn.group(), POST_URL.format(urn=urn.group()))
            raise DuplicateError(said) from exc
        except ChannelError:
            await self.note_pending(key, None)
            raise
        await self.note_pending(key, None)
        urn = answer.headers.get("x-restli-id") or body_of(answer).get("id")
        if not urn:
            return Delivery(remote_id=None)
        return Delivery(remote_id=str(urn), remote_url=POST_URL.format(urn=urn))

    async def check(self) -> str:
        token = await self.tokens.value()
        kind, _, ident = self.author.removeprefix("urn:li:").partition(":")
        name = await self._name(token, kind, ident)
        who = "organization" if kind == "organization" else "member"
        return f"posts as {name} ({who}); {await self.expiry_words()}"

    async def aclose(self) -> None:
        await super().aclose()
        await self.oauth.aclose()

    # --- tokens ------------------------------------------------------------------------------

    async def learn_expiry(self, token: StoredToken) -> StoredToken:
        if self._client_id and self._client_secret:
            answer = body_of(
                await self.oauth.call(
                    "POST",
                    "oauth/v2/introspectToken",
                    data={
                        "token": token.value,
                        "client_id": self._client_id,
                        "client_secret": self._client_secret,
                    },
                )
            )
            expires = answer.get("expires_at")
            if answer.get("active") and isinstance(expires, int | float) and expires > 0:
                return await self.tokens.learnt(expires_at=datetime.fromtimestamp(expires, UTC))
            if answer.get("active") is False:
                raise AuthError(f"LinkedIn says the access token is no longer active ({_HINT})")
        # Without introspection: 60 days from when the token was first seen.
        return await self.tokens.learnt(expires_at=token.age_start + TOKEN_LIFETIME)

    def can_refresh(self, token: StoredToken, now: datetime) -> bool:
        return bool(
            (token.refresh or self._refresh_token) and self._client_id and self._client_secret
        )

    def refresh_due(self, token: StoredToken, now: datetime) -> bool:
        return token.expiry is not None and token.expiry - now < REFRESH_WHEN

    async def refresh(self, token: StoredToken) -> StoredToken:
        answer = body_of(
            await self.oauth.call(
                "POST",
                "oauth/v2/accessToken",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": token.refresh or self._refresh_token,
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                },
            )
        )
        value, lasts = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(value, str) or not value:
            raise NotDeliveredError("LinkedIn answered the refresh without a token")
        expires = (
            self.clock() + timedelta(seconds=lasts)
            if isinstance(lasts, int | float) and lasts > 0
            else None
        )
        return await self.tokens.refreshed(
            value, expires_at=expires, refresh=answer.get("refresh_token")
        )

    # --- one post ----------------------------------------------------------------------------

    async def _post_body(self, token: str, post: OutgoingPost) -> dict[str, Any]:
        body: dict[str, Any] = {
            "author": self.author,
            "commentary": post.text,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        card = post.card or {}
        source = card.get("uri") or post.url
        if source:
            article: dict[str, Any] = {"source": source, "title": card.get("title") or source}
            if card.get("description"):
                article["description"] = card["description"]
            image = card.get("image")
            thumbnail = await self._thumbnail(token, image, post) if image else None
            if thumbnail:
                article["thumbnail"] = thumbnail
            body["content"] = {"article": article}
        return body

    async def _thumbnail(self, token: str, image: str, post: OutgoingPost) -> str | None:
        """The article's image uploaded through the Images API: its URN, or None (logged)
        when it cannot be had (the post goes without it)."""
        from bot.sources.fetch import fetch

        try:
            fetched = await in_thread(
                fetch, image, timeout=self.timeout, max_bytes=MAX_THUMB_BYTES, accept=THUMB_TYPES
            )
            started = (
                body_of(
                    await self.client.call(
                        "POST",
                        "rest/images",
                        token=token,
                        params={"action": "initializeUpload"},
                        json={"initializeUploadRequest": {"owner": self.author}},
                    )
                ).get("value")
                or {}
            )
            upload, urn = started.get("uploadUrl"), started.get("image")
            if not (upload and urn):
                raise NotDeliveredError("LinkedIn gave no upload address for the image")
            await self.client.call(
                "PUT",
                str(upload),
                token=token,
                content=fetched.body,
                headers={"Content-Type": fetched.content_type or "image/jpeg"},
            )
        except (AuthError, RateLimitedError):
            raise
        except (FetchError, ChannelError) as exc:
            log_event(
                "linkedin.thumb_skipped",
                level=logging.INFO,
                channel=self.name,
                post=post.id,
                image=image,
                reason=getattr(exc, "problem", str(exc)),
            )
            return None
        return str(urn)

    async def _name(self, token: str, kind: str, ident: str) -> str:
        """The author's name as LinkedIn shows it; the URN when it cannot be read."""
        try:
            if kind == "organization":
                found = body_of(
                    await self.client.call("GET", f"rest/organizations/{ident}", token=token)
                )
                return str(found.get("localizedName") or self.author)
            found = body_of(await self.client.call("GET", "v2/userinfo", token=token))
            return str(found.get("name") or self.author)
        except AuthError as exc:
            if "(401" in str(exc):
                raise
            return self.author  # the token works, but may not read the profile
        except RejectedError:
            return self.author


def connect(settings: LinkedInSettings, secrets: Mapping[str, str]) -> LinkedInChannel:
    def secret(key: str) -> str | None:
        value = secrets.get(key)
        return value.strip() if value else None

    return LinkedInChannel(
        settings.name,
        author=settings.author,
        access_token=secret("access_token") or "",
        refresh_token=secret("refresh_token"),
        client_id=secret("client_id"),
        client_secret=secret("client_secret"),
        api_base_url=settings.api_base_url,
        oauth_base_url=settings.oauth_base_url,
        api_version=settings.api_version,
        timeout=settings.timeout.total_seconds(),
    )


PLATFORM = Platform(
    name="linkedin",
    settings=LinkedInSettings,
    connect=connect,
    profile="linkedin",
    summary="a member or an organization, with an OAuth access token (Posts API, httpx)",
    capabilities=Capabilities(proves_duplicates=True, link_cards=True),
    quotas=Quotas(
        limits=(
            Quota(
                150,
                timedelta(days=1),
                "posts a day per member (as third parties document "
                "it: LinkedIn publishes no standard limits; the app's Analytics tab shows its "
                "own)",
                "https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits",
            ),
        ),
        note="application: 100,000 calls a day (429 when used up, until midnight UTC)",
    ),
    literal_secrets={
        "access_token": "access_token_env",
        "token": "access_token_env",
        "refresh_token": "refresh_token_env",
        "client_secret": "client_secret_env",
    },
    example="""\
# LinkedIn: an app with "Share on LinkedIn" (w_member_social) or the Community Management
# API (w_organization_social), its access token exported as LINKEDIN_ACCESS_TOKEN.
# [channels.li]
# platform = "linkedin"
# author = "urn:li:organization:1234567"
# schedule = { every = "1d" }
""",
)
