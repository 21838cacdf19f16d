"""The Bluesky platform: its settings, and a channel that posts `app.bsky.feed.post` records
through the atproto SDK's `AsyncClient`, as an account with an app password.

Sessions. The channel logs in once (`createSession`) and keeps the session (both tokens)
in `Channel.memory`, so a restart reuses it. An access token about to expire is refreshed
(`refreshSession`) before the post is sent, and the session remembered again (the refresh
token rotates); an access token the server calls expired (400/401 ExpiredToken) is
refreshed once and the call repeated. Only a refused refresh logs in again; a refused
login pauses the channel. The SDK's own early refresh inside a call never fires, since
the session is made fresh before each call.

Exactly once. Each post is created under its delivery key as the record key (`rkey`):
a key the PDS holds forever. After an ambiguous create (timeout, dropped connection, 5xx)
the key is noted in memory, and the next try looks the record up (`getRecord`) before
creating again; a create refused because the record exists is proof of delivery too.

Errors: `bot.platforms._atproto` turns the SDK's and httpx's into ours.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, Field

from bot.config.channels import ChannelSettings
from bot.config.types import EnvVarName, HttpBaseUrl, PositiveDuration, StrictBool, StrictStr
from bot.errors import (
    AmbiguousError,
    AuthError,
    FetchError,
    NotDeliveredError,
    RateLimitedError,
    RejectedError,
)
from bot.logs import log_event, register_secrets
from bot.offloop import in_thread
from bot.platforms._atproto import ExpiredSession, call
from bot.platforms.base import (
    Capabilities,
    Channel,
    Delivery,
    OutgoingPost,
    Platform,
    Quota,
    Quotas,
)

if TYPE_CHECKING:  # atproto is imported when a channel first talks to Bluesky
    from atproto import AsyncClient

__all__ = ["BlueskyChannel", "BlueskySettings"]

POST = "app.bsky.feed.post"
POST_URL = "https://bsky.app/profile/{handle}/post/{rkey}"
DEFAULT_PDS = "https://bsky.social"
MAX_THUMB_BYTES = 1_000_000  # Bluesky's limit for an external embed's thumbnail
THUMB_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
# Refresh an access token this long before it expires: before the SDK would (15 minutes),
# so that a refresh never happens inside the call that creates a post.
REFRESH_BEFORE = timedelta(minutes=20)
SESSION_KEY = "session"
UNSETTLED = "unsettled:{rkey}"  # a create under this key may have gone out

_HANDLE = re.compile(
    r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*", re.IGNORECASE
)

T = TypeVar("T")


def _handle(value: str) -> str:
    handle = value.removeprefix("@").strip().lower()
    if not _HANDLE.fullmatch(handle):
        raise ValueError(f"{value!r} is not a Bluesky handle: write it as example.bsky.social")
    return handle


class BlueskySettings(ChannelSettings):
    """A Bluesky account, through an app password (Settings → Privacy and security →
    App passwords)."""

    platform: Literal["bluesky"] = Field(description="Posts go to Bluesky.")
    handle: Annotated[StrictStr, AfterValidator(_handle)] = Field(
        description="The account's handle, e.g. example.bsky.social."
    )
    app_password_env: EnvVarName = Field(
        "BLUESKY_APP_PASSWORD", description="Variable with an app password of the account."
    )
    api_base_url: HttpBaseUrl = Field(
        DEFAULT_PDS, description="The account's PDS or entryway (default https://bsky.social)."
    )
    link_card: StrictBool = Field(
        True, description="Show a card for the article's link (title, description, image)."
    )
    timeout: PositiveDuration = Field(
        timedelta(seconds=30), description="Give up on a request after this long."
    )

    def secret_env_vars(self) -> dict[str, str]:
        return {"app_password": self.app_password_env}

    def destination(self) -> str:
        return f"bluesky as @{self.handle}"


class BlueskyChannel(Channel):
    """Posts to a Bluesky account: `handle` and an `app_password` for it; `api_base_url`
    is its PDS (or the bsky.social entryway); `timeout` bounds each request, in seconds."""

    def __init__(
        self,
        name: str,
        *,
        handle: str,
        app_password: str,
        api_base_url: str = DEFAULT_PDS,
        link_card: bool = True,
        timeout: float = 30.0,
    ) -> None:
        register_secrets(app_password)
        self.name = name
        self.handle = handle.removeprefix("@")
        self.api_base_url = api_base_url.rstrip("/")
        self.link_card = link_card
        self.timeout = timeout
        self._password = app_password
        self._client: AsyncClient | None = None
        self._session: dict[str, str] | None = None

    def __repr__(self) -> str:  # never show the password or the tokens
        return f"BlueskyChannel({self.name!r}, handle={self.handle!r})"

    async def send(self, post: OutgoingPost) -> Delivery:
        if post.reply_to is not None:
            raise RejectedError("this Bluesky channel does not post threads")
        rkey = post.key or _new_rkey()
        return await self._authorized(lambda client: self._deliver(client, post, rkey))

    async def check(self) -> str:
        session = await self._authorized(
            lambda client: call(client.com.atproto.server.get_session())
        )
        return f"posts as @{session.handle}"

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.request.close()
            self._client = None
            self._session = None  # recalled from memory with the next client

    # --- one post ----------------------------------------------------------------------------

    async def _deliver(self, client: AsyncClient, post: OutgoingPost, rkey: str) -> Delivery:
        """Create the record under `rkey`, unless an earlier, ambiguous try already did."""
        from atproto import models

        unsettled = UNSETTLED.format(rkey=rkey)
        maybe_out = bool(await self.memory.recall(unsettled))
        if maybe_out:
            found = await self._existing(client, rkey)
            if found is not None:
                await self.memory.remember(unsettled, None)
                return found
        record = await self._record(client, post)
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=self._session["did"], collection=POST, rkey=rkey, record=record
        )
        try:
            created = await call(client.com.atproto.repo.create_record(data), sending=True)
        except RejectedError as exc:
            if "already exist" not in str(exc).lower():
                raise
            found = await self._existing(client, rkey)  # proof: this key is taken, by us
            if found is None:
                raise AmbiguousError(f"{exc} (yet no record {rkey} is found)") from exc
            await self.memory.remember(unsettled, None)
            return found
        except AmbiguousError:
            await self.memory.remember(unsettled, "1")
            raise
        if maybe_out:
            await self.memory.remember(unsettled, None)
        return Delivery(remote_id=created.uri, remote_url=self._post_url(rkey))

    async def _existing(self, client: AsyncClient, rkey: str) -> Delivery | None:
        """The post under `rkey`, when the PDS has it."""
        from atproto import models

        params = models.ComAtprotoRepoGetRecord.Params(
            repo=self._session["did"], collection=POST, rkey=rkey
        )
        try:
            found = await call(client.com.atproto.repo.get_record(params))
        except RejectedError as exc:
            if "RecordNotFound" in str(exc) or "not found" in str(exc).lower():
                return None
            raise AmbiguousError(f"could not look up record {rkey}: {exc}") from exc
        log_event("bluesky.record_found", channel=self.name, rkey=rkey, uri=found.uri)
        return Delivery(remote_id=found.uri, remote_url=self._post_url(rkey))

    async def _record(self, client: AsyncClient, post: OutgoingPost) -> dict[str, Any]:
        record: dict[str, Any] = {
            "$type": POST,
            "text": post.text,
            "createdAt": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }
        from bot.render.facets import checked_facets

        facets = checked_facets(post.text, post.facets)
        if facets:
            record["facets"] = facets
        if post.language:
            record["langs"] = [post.language]
        card = post.card if self.link_card else None
        if card and card.get("uri"):
            external = {
                "uri": card["uri"],
                "title": card.get("title") or "",
                "description": card.get("description") or "",
            }
            image = card.get("image")
            thumb = await self._thumbnail(client, image, post) if image else None
            if thumb is not None:
                external["thumb"] = thumb
            record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
        return record

    async def _thumbnail(
        self, client: AsyncClient, image: str, post: OutgoingPost
    ) -> dict[str, Any] | None:
        """The card's image uploaded as a blob; None (logged) when it cannot be had."""
        from bot.sources.fetch import fetch

        try:
            fetched = await in_thread(
                fetch, image, timeout=self.timeout, max_bytes=MAX_THUMB_BYTES, accept=THUMB_TYPES
            )
        except FetchError as exc:
            log_event(
                "bluesky.thumb_skipped",
                channel=self.name,
                post=post.id,
                reason=exc.problem,
                image=image,
            )
            return None
        mime = fetched.content_type or "image/jpeg"
        try:
            uploaded = await call(
                client.com.atproto.repo.upload_blob(fetched.body, headers={"Content-Type": mime})
            )
        except (RejectedError, NotDeliveredError, AmbiguousError) as exc:
            if isinstance(exc, RateLimitedError):
                raise
            log_event(
                "bluesky.thumb_skipped",
                channel=self.name,
                post=post.id,
                reason=str(exc),
                image=image,
            )
            return None
        return json.loads(uploaded.blob.model_dump_json(by_alias=True, exclude_none=True))

    def _post_url(self, rkey: str) -> str:
        return POST_URL.format(handle=self.handle, rkey=rkey)

    # --- the session -------------------------------------------------------------------------

    async def _authorized(self, call: Callable[[AsyncClient], Awaitable[T]]) -> T:
        """`call` with a fresh session; once more after a refresh if the server says it
        expired meanwhile (it refused the token: nothing was done)."""
        client = await self._fresh_client()
        try:
            return await call(client)
        except ExpiredSession:
            await self._refresh(client)
            try:
                return await call(client)
            except ExpiredSession:
                raise AuthError(
                    f"Bluesky refused a fresh session of @{self.handle} "
                    f"({self.api_base_url}); resume the channel to log in "
                    "again"
                ) from None

    async def _fresh_client(self) -> AsyncClient:
        """A client whose session is valid for a while: remembered, refreshed or new."""
        client = self._atproto_client()
        if self._session is None:
            remembered = await self.memory.recall(SESSION_KEY)
            session = _parse_session(remembered, self.handle, self.api_base_url)
            if session is None:
                await self._login(client)
            else:
                await self._use(client, session, remember=False)
        if _expires_soon(self._session["access"]):
            await self._refresh(client)
        return client

    async def _login(self, client: AsyncClient) -> None:
        from atproto import models

        data = models.ComAtprotoServerCreateSession.Data(
            identifier=self.handle, password=self._password
        )
        try:
            answer = await call(
                client.com.atproto.server.create_session(data, ignore_session_check=True),
                login=True,
            )
        except AuthError as exc:
            raise AuthError(
                f"Bluesky refused the login of @{self.handle} ({exc}): check the handle and "
                "the app password (Settings → Privacy and security → App passwords), then "
                f"`excerpt-bot resume {self.name}`"
            ) from exc
        log_event("bluesky.login", channel=self.name, handle=self.handle)
        await self._use(client, _session_of(answer, self.api_base_url))

    async def _refresh(self, client: AsyncClient) -> None:
        """A new session from the refresh token; a new login when that is refused."""
        headers = {"Authorization": f"Bearer {self._session['refresh']}"}
        try:
            answer = await call(
                client.com.atproto.server.refresh_session(
                    headers=headers, ignore_session_check=True
                ),
                login=True,
            )
        except (AuthError, RejectedError):
            log_event("bluesky.refresh_refused", channel=self.name, handle=self.handle)
            self._session = None
            await self.memory.remember(SESSION_KEY, None)
            await self._login(client)
            return
        log_event("bluesky.session_refreshed", channel=self.name, handle=self.handle)
        await self._use(client, _session_of(answer, self.api_base_url))

    async def _use(
        self, client: AsyncClient, session: dict[str, str], *, remember: bool = True
    ) -> None:
        """Send with `session` from now on (and keep it, tokens rotate)."""
        from atproto_client.client.session import Session

        register_secrets(session["access"], session["refresh"])
        self._session = session
        client._session_dispatcher.set_session(
            Session(
                handle=session["handle"],
                did=session["did"],
                access_jwt=session["access"],
                refresh_jwt=session["refresh"],
                pds_endpoint=session["pds"],
            )
        )
        client.update_base_url(session["pds"])
        if remember:
            await self.memory.remember(SESSION_KEY, json.dumps(session))

    def _atproto_client(self) -> AsyncClient:
        if self._client is None:
            import httpx
            from atproto import AsyncClient
            from atproto_client.request import AsyncRequest

            request = AsyncRequest(timeout=httpx.Timeout(self.timeout))
            self._client = AsyncClient(base_url=self.api_base_url, request=request)
            self._client.on_session_change(self._sdk_session_changed)
        return self._client

    async def _sdk_session_changed(self, event: Any, session: Any) -> None:
        """Should the SDK refresh the session itself after all, keep what it got."""
        if self._session is None or session.refresh_jwt == self._session["refresh"]:
            return
        await self._use(
            self._client,
            {
                "handle": session.handle,
                "did": session.did,
                "access": session.access_jwt,
                "refresh": session.refresh_jwt,
                "pds": self._session["pds"],
                "base": self.api_base_url,
            },
        )


def _new_rkey() -> str:
    from bot.store.claim import new_delivery_key

    return new_delivery_key()


# --- the session's data ----------------------------------------------------------------------


def _session_of(answer: Any, base_url: str) -> dict[str, str]:
    """What to keep of a createSession/refreshSession answer; `pds` is where the account
    lives (its DID document's service, when the answer has one), else `base_url`."""
    from atproto_client.client.session import get_session_pds_endpoint

    return {
        "handle": answer.handle,
        "did": answer.did,
        "access": answer.access_jwt,
        "refresh": answer.refresh_jwt,
        "pds": (get_session_pds_endpoint(answer) or base_url).rstrip("/"),
        "base": base_url,
    }


def _parse_session(value: str | None, handle: str, base_url: str) -> dict[str, str] | None:
    """A remembered session, if it is one for this account at this server."""
    try:
        session = json.loads(value) if value else None
    except ValueError:
        return None
    keys = {"handle", "did", "access", "refresh", "pds", "base"}
    if not isinstance(session, dict) or not keys <= session.keys():
        return None
    if session["base"] != base_url or session["handle"].lower() != handle.lower():
        return None
    return session


def _expires_soon(jwt: str, *, now: float | None = None) -> bool:
    """True when the access token's `exp` is near (or unreadable): refresh first."""
    import base64

    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        expires = float(claims["exp"])
    except (IndexError, ValueError, KeyError, TypeError):
        return True
    now = time.time() if now is None else now
    return expires - now < REFRESH_BEFORE.total_seconds()


def connect(settings: BlueskySettings, secrets: Mapping[str, str]) -> BlueskyChannel:
    return BlueskyChannel(
        settings.name,
        handle=settings.handle,
        app_password=secrets["app_password"],
        api_base_url=settings.api_base_url,
        link_card=settings.link_card,
        timeout=settings.timeout.total_seconds(),
    )


PLATFORM = Platform(
    name="bluesky",
    settings=BlueskySettings,
    connect=connect,
    profile="bluesky",
    summary="an account, with an app password (atproto)",
    capabilities=Capabilities(idempotency_keys=True, idempotency_window=None, link_cards=True),
    # A post is one record (3 points); so is each part of a thread.
    quotas=Quotas(
        limits=(
            Quota(
                1_666,
                timedelta(hours=1),
                "records created (5,000 points an hour, 3 a post)",
                "https://docs.bsky.app/docs/advanced-guides/rate-limits",
            ),
            Quota(
                11_666,
                timedelta(days=1),
                "records created (35,000 points a day, 3 a post)",
                "https://docs.bsky.app/docs/advanced-guides/rate-limits",
            ),
        ),
        note="30 logins in 5 minutes, 300 a day (a session is kept to spare them)",
    ),
    literal_secrets={"app_password": "app_password_env", "password": "app_password_env"},
    example="""\
# A Bluesky account: an app password (Settings → Privacy and security → App passwords)
# exported as BLUESKY_APP_PASSWORD.
# [channels.sky]
# platform = "bluesky"
# handle = "example.bsky.social"
# schedule = { every = "3h" }
# link_card = true                       # a card for the article's link
""",
)
