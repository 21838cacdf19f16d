"""The Threads platform: its settings, and a channel that posts text posts with a link
preview through the Threads API (graph.threads.net) with a long-lived access token, over
httpx (`bot.platforms._graph`).

A post is two steps: a media container (`POST /{user-id}/threads`, `media_type=TEXT`,
`text`, `link_attachment` = the article's link), then its publication
(`POST /{user-id}/threads_publish`, `creation_id`). Creating a container publishes
nothing, so its failures are never ambiguous: a container left behind expires unseen in
24 hours.

Exactly once. The container's id is kept in the channel's memory under the post's key
(`pending:<key>`) before it is published. A publish that may have gone out (a timeout, a
5xx, a dropped connection, the daemon killed) is settled at the next try by the
container's status: PUBLISHED — it is out, and the post is found among the user's
threads (its id and permalink recorded); FINISHED — not out, published now; IN_PROGRESS
— asked again later; EXPIRED — a new container; ERROR — the post fails with the reason.

Tokens. Long-lived tokens last 60 days and may be refreshed once a day old
(`GET /refresh_access_token?grant_type=th_refresh_token`). The channel learns the
token's expiry from `debug_token` (or the refresh's `expires_in`), checks it at start-up
and daily (`maintain`), and refreshes it when fewer than 10 days remain; the new token
is kept in memory and used from then on (`bot.platforms._graph.TokenKeeper`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from bot.config.channels import ChannelSettings
from bot.config.types import (
    EnvVarName,
    HttpBaseUrl,
    PositiveDuration,
    StrictInt,
    StrictStr,
)
from bot.errors import AmbiguousError, ChannelError, NotDeliveredError, RejectedError
from bot.logs import log_event
from bot.platforms._graph import (
    GraphChannel,
    GraphClient,
    StoredToken,
    body_of,
    delivery_key,
)
from bot.platforms.base import Capabilities, Delivery, OutgoingPost, Platform, Quota, Quotas

__all__ = ["ThreadsChannel", "ThreadsSettings"]

DEFAULT_API = "https://graph.threads.net"
VERSION = "v1.0"
REFRESH_WHEN = timedelta(days=10)  # refresh a token with fewer days than this left
REFRESH_AGE = timedelta(days=1)  # Threads refreshes only tokens at least this old
PUBLISH_LIMIT = 250  # posts a profile may publish through the API in 24 hours
IN_PROGRESS_WAIT = 60.0  # seconds: Threads asks to query a container once a minute
RECENT = 25  # the user's newest threads searched for a post published unseen
_HINT = (
    "get a new long-lived token (threads_basic, threads_content_publish) for the "
    "channel's access_token_env variable, then `excerpt-bot resume` the channel"
)

UserId = Annotated[StrictStr, StringConstraints(pattern=r"^(me|[0-9]{1,30})$")]


class ThreadsSettings(ChannelSettings):
    """A Threads profile, through a long-lived access token."""

    platform: Literal["threads"] = Field(description="Posts go to Threads.")
    user_id: UserId = Field(
        "me", description='The Threads user id, or "me" (the token\'s user). Default "me".'
    )
    access_token_env: EnvVarName = Field(
        "THREADS_ACCESS_TOKEN",
        description="Variable with a long-lived access token (threads_content_publish).",
    )
    api_base_url: HttpBaseUrl = Field(
        DEFAULT_API, description="The Threads API's address (default https://graph.threads.net)."
    )
    timeout: PositiveDuration = Field(
        timedelta(seconds=30), description="Give up on a request after this long."
    )
    max_per_day: Annotated[StrictInt, Field(ge=1)] | None = Field(
        PUBLISH_LIMIT,
        description="At most this many posts in any 24 hours (default 250, "
        "Threads' publishing limit).",
    )

    def secret_env_vars(self) -> dict[str, str]:
        return {"access_token": self.access_token_env}

    def destination(self) -> str:
        return f"threads as user {self.user_id}"


class ThreadsChannel(GraphChannel):
    """Posts to the Threads profile of `user_id` ("me": the token's)."""

    renew_how = "get a new long-lived token and put it in the channel's access_token_env"

    def __init__(
        self,
        name: str,
        *,
        access_token: str,
        user_id: str = "me",
        api_base_url: str = DEFAULT_API,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(
            name,
            token=access_token,
            client=GraphClient(
                platform="Threads", base_url=api_base_url, timeout=timeout, hint=_HINT
            ),
        )
        self.user_id = user_id

    def __repr__(self) -> str:  # never show the token
        return f"ThreadsChannel({self.name!r}, user_id={self.user_id!r})"

    async def send(self, post: OutgoingPost) -> Delivery:
        if post.reply_to is not None:
            raise RejectedError("this Threads channel does not post threads of replies")
        key = delivery_key(post)
        token = await self.tokens.value()
        noted = await self.pending(key)
        container = noted.get("container") if noted else None
        if container:
            settled = await self._settle(token, post, key, str(container))
            if isinstance(settled, Delivery):
                return settled
            container = settled
        if not container:
            container = await self._create(token, post)
            await self.note_pending(key, {"container": container})
        return await self._publish(token, key, container)

    async def check(self) -> str:
        token = await self.tokens.value()
        me = body_of(
            await self.client.call(
                "GET", f"{VERSION}/{self.user_id}", token=token, params={"fields": "id,username"}
            )
        )
        who = f"@{me['username']}" if me.get("username") else f"user {me.get('id')}"
        return f"posts as {who}; {await self.expiry_words()}"

    # --- tokens ------------------------------------------------------------------------------

    async def learn_expiry(self, token: StoredToken) -> StoredToken:
        answer = await self.client.call(
            "GET", f"{VERSION}/debug_token", token=token.value, params={"input_token": token.value}
        )
        data = body_of(answer).get("data")
        data = data if isinstance(data, dict) else {}
        expires, issued = data.get("expires_at"), data.get("issued_at")
        if not isinstance(expires, int | float) or expires <= 0:
            return token
        return await self.tokens.learnt(
            expires_at=datetime.fromtimestamp(expires, UTC),
            issued_at=datetime.fromtimestamp(issued, UTC)
            if isinstance(issued, int | float) and issued > 0
            else None,
        )

    def can_refresh(self, token: StoredToken, now: datetime) -> bool:
        return token.expiry is not None and token.expiry > now

    def refresh_due(self, token: StoredToken, now: datetime) -> bool:
        expiry = token.expiry
        return (
            expiry is not None
            and expiry - now < REFRESH_WHEN
            and now - token.age_start >= REFRESH_AGE
        )

    async def refresh(self, token: StoredToken) -> StoredToken:
        answer = body_of(
            await self.client.call(
                "GET",
                "refresh_access_token",
                params={"grant_type": "th_refresh_token", "access_token": token.value},
            )
        )
        value, lasts = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(value, str) or not value:
            raise NotDeliveredError("Threads answered the refresh without a token")
        expires = (
            self.clock() + timedelta(seconds=lasts)
            if isinstance(lasts, int | float) and lasts > 0
            else None
        )
        return await self.tokens.refreshed(value, expires_at=expires)

    # --- one post ----------------------------------------------------------------------------

    async def _create(self, token: str, post: OutgoingPost) -> str:
        """A new media container for the post (publishes nothing: never ambiguous)."""
        fields = {"media_type": "TEXT", "text": post.text}
        if post.url:
            fields["link_attachment"] = post.url
        answer = await self.client.call(
            "POST", f"{VERSION}/{self.user_id}/threads", token=token, data=fields
        )
        container = body_of(answer).get("id")
        if not container:
            raise NotDeliveredError("Threads created no container (its answer had no id)")
        return str(container)

    async def _publish(self, token: str, key: str, container: str) -> Delivery:
        try:
            answer = await self.client.call(
                "POST",
                f"{VERSION}/{self.user_id}/threads_publish",
                token=token,
                data={"creation_id": container},
                sending=True,
            )
        except RejectedError:
            await self.note_pending(key, None)
            raise
        # Otherwise the note stays: an ambiguous publish is settled by the container's
        # status, and a container not published (a rate limit) is published next time.
        media = body_of(answer).get("id")
        await self.note_pending(key, None)
        if not media:
            return Delivery(remote_id=None)
        return Delivery(remote_id=str(media), remote_url=await self._permalink(token, str(media)))

    async def _settle(
        self, token: str, post: OutgoingPost, key: str, container: str
    ) -> Delivery | str | None:
        """What became of an earlier try's container: the Delivery when it is out, the
        container to publish when it is ready, None when a new one is needed."""
        try:
            answer = await self.client.call(
                "GET",
                f"{VERSION}/{container}",
                token=token,
                params={"fields": "id,status,error_message"},
            )
        except RejectedError:  # Threads no longer knows it: it cannot be published
            await self.note_pending(key, None)
            return None
        except NotDeliveredError as exc:
            if type(exc) is not NotDeliveredError:  # a rate limit: wait as it says
                raise
            raise AmbiguousError(
                f"an earlier try may have published it, and the container's "
                f"status could not be read to tell: {exc}"
            ) from exc
        status = str(body_of(answer).get("status") or "")
        log_event(
            "threads.container_status",
            channel=self.name,
            post=post.id,
            container=container,
            status=status,
        )
        if status == "PUBLISHED":
            await self.note_pending(key, None)
            return await self._published(token, post)
        if status == "FINISHED":
            return container
        if status == "IN_PROGRESS":
            raise NotDeliveredError(
                "Threads is still preparing the post", retry_after=IN_PROGRESS_WAIT
            )
        await self.note_pending(key, None)
        if status == "ERROR":
            reason = body_of(answer).get("error_message") or "no reason given"
            raise RejectedError(f"Threads could not prepare the post: {reason}")
        return None  # EXPIRED (or unknown): a new container

    async def _published(self, token: str, post: OutgoingPost) -> Delivery:
        """The post an earlier try published: its id and permalink from the user's
        newest threads (by its text); no id when it is not among them."""
        try:
            answer = await self.client.call(
                "GET",
                f"{VERSION}/{self.user_id}/threads",
                token=token,
                params={"fields": "id,text,permalink,timestamp", "limit": str(RECENT)},
            )
        except ChannelError:
            return Delivery(remote_id=None)
        for item in body_of(answer).get("data") or ():
            if isinstance(item, dict) and item.get("text") == post.text and item.get("id"):
                return Delivery(remote_id=str(item["id"]), remote_url=item.get("permalink"))
        return Delivery(remote_id=None)

    async def _permalink(self, token: str, media: str) -> str | None:
        try:
            answer = await self.client.call(
                "GET", f"{VERSION}/{media}", token=token, params={"fields": "id,permalink"}
            )
        except ChannelError as exc:
            log_event("threads.permalink_unknown", channel=self.name, media=media, error=str(exc))
            return None
        permalink = body_of(answer).get("permalink")
        return str(permalink) if permalink else None


def connect(settings: ThreadsSettings, secrets: Mapping[str, str]) -> ThreadsChannel:
    return ThreadsChannel(
        settings.name,
        access_token=secrets["access_token"].strip(),
        user_id=settings.user_id,
        api_base_url=settings.api_base_url,
        timeout=settings.timeout.total_seconds(),
    )


PLATFORM = Platform(
    name="threads",
    settings=ThreadsSettings,
    connect=connect,
    profile="threads",
    summary="a Threads profile, with a long-lived access token (Threads API, httpx)",
    capabilities=Capabilities(idempotency_keys=True, idempotency_window=None, link_cards=False),
    quotas=Quotas(
        limits=(
            Quota(
                PUBLISH_LIMIT,
                timedelta(days=1),
                "API-published posts per profile",
                "https://developers.facebook.com/docs/threads/overview#rate-limiting",
            ),
        ),
        note="calls: 4,800 × impressions per 24 hours (threads_publishing_limit tells usage)",
    ),
    literal_secrets={"access_token": "access_token_env", "token": "access_token_env"},
    example="""\
# A Threads profile: a long-lived access token (threads_basic, threads_content_publish;
# see the README) exported as THREADS_ACCESS_TOKEN. The bot refreshes it before it lapses.
# [channels.threads]
# platform = "threads"
# schedule = { every = "4h" }
""",
)
