"""The Telegram platform: its settings, and a channel that posts through python-telegram-bot's
`Bot` (no `Application`).

A `telegram.Bot` is built on first use, with one `HTTPXRequest` whose timeouts come from
the channel's `timeout`. `Bot.initialize()` is never called: it only caches `getMe` (one
more request per start) and, when the token is refused, raises `InvalidToken` with the
token in its message. `send_message` needs neither, so the bot's HTTP client is used as
built and closed by `aclose()` (`Bot.shutdown()` would skip it, since it was never
initialised).

python-telegram-bot's errors are translated in one place, `channel_error`:

    RetryAfter                      RateLimitedError(retry_after=…)   wait, then retry
    Forbidden                       AuthError                         pause the channel
    InvalidToken (401, 404)         AuthError                         pause the channel
    ChatMigrated                    AuthError (names the new chat id) pause the channel
    BadRequest                      RejectedError (Telegram's reason) the post failed
    TimedOut   ← httpx connect/pool timeout          NotDeliveredError  retry with backoff
    NetworkError ← httpx.ConnectError                NotDeliveredError  retry with backoff
    TimedOut, NetworkError (5xx, dropped connection),
    any other TelegramError                          AmbiguousError     post `unknown`

Order matters: `BadRequest` and `TimedOut` are subclasses of `NetworkError`. Telegram gives
a bot no way to ask whether a message went out, so anything after the request may have
left is ambiguous; only a connection that was never made is certainly not delivered.

The bot token is in every request URL (`…/bot<token>/sendMessage`): it is registered with
the log redactor here, and scrubbed from every message this module raises.
"""

from __future__ import annotations

import asyncio
import importlib
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from bot.config.channels import ChannelSettings
from bot.config.types import ChatId, EnvVarName, HttpBaseUrl, PositiveDuration, StrictBool
from bot.errors import (
    AmbiguousError,
    AuthError,
    ChannelError,
    NotDeliveredError,
    RateLimitedError,
    RejectedError,
)
from bot.logs import redact, register_secrets
from bot.offloop import in_thread
from bot.platforms.base import (
    Capabilities,
    Channel,
    Delivery,
    OutgoingPost,
    Platform,
    Quota,
    Quotas,
)

if TYPE_CHECKING:  # python-telegram-bot is imported when a channel first talks to Telegram
    from telegram import Bot, LinkPreviewOptions
    from telegram.error import TelegramError
    from telegram.request import HTTPXRequest

LINK_PREVIEWS = ("above", "below", "none")
PUBLIC_LINK = "https://t.me/{username}/{message_id}"
_POSTING_MEMBERS = ("creator", "administrator")


class TelegramSettings(ChannelSettings):
    """A Telegram channel or group, through a bot added to it as an admin."""

    platform: Literal["telegram"] = Field(description="Posts go to Telegram.")
    chat_id: ChatId = Field(description='"@channel_name" or a numeric chat id.')
    token_env: EnvVarName = Field(
        "TELEGRAM_BOT_TOKEN", description="The environment variable holding the bot token."
    )
    api_base_url: HttpBaseUrl | None = Field(
        None, description="A self-hosted Bot API server, e.g. http://127.0.0.1:8081."
    )
    link_preview: Literal["above", "below", "none"] = Field(
        "below", description="Show the article's link preview above or below the text, or not."
    )
    disable_notification: StrictBool = Field(
        False, description="Post silently (subscribers get no sound)."
    )
    timeout: PositiveDuration = Field(
        timedelta(seconds=30), description="Give up on a request after this long."
    )

    def secret_env_vars(self) -> dict[str, str]:
        return {"token": self.token_env}

    def destination(self) -> str:
        return f"telegram to {self.chat_id}"


class TelegramChannel(Channel):
    """A Telegram channel or group, posted to by a bot that is a member (an admin for channels).

    `chat_id` is "@channel_name" or a numeric id; `api_base_url` a self-hosted Bot API
    server (`http://host:port`; requests go to `<api_base_url>/bot<token>/<method>`);
    `link_preview` shows the article's preview "above" or "below" the text, or "none";
    `timeout` bounds each request (connect, write, read and pool) in seconds.
    """

    def __init__(
        self,
        name: str,
        *,
        token: str,
        chat_id: int | str,
        api_base_url: str | None = None,
        link_preview: str = "below",
        disable_notification: bool = False,
        timeout: float | timedelta = 30.0,
    ) -> None:
        if link_preview not in LINK_PREVIEWS:
            raise ValueError(f"link_preview must be one of {LINK_PREVIEWS}, not {link_preview!r}")
        register_secrets(token)
        self.name = name
        self.chat_id = chat_id
        self.api_base_url = api_base_url.rstrip("/") if api_base_url else None
        self.link_preview = link_preview
        self.disable_notification = disable_notification
        self.timeout = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
        self._token = token
        self._bot: Bot | None = None
        self._request: HTTPXRequest | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:  # never show the token
        return f"TelegramChannel({self.name!r}, chat_id={self.chat_id!r})"

    async def start(self) -> None:
        await in_thread(load_library)  # not on the event loop: half a second of imports

    async def send(self, post: OutgoingPost) -> Delivery:
        with self._translated_errors():
            message = await self._client().send_message(
                chat_id=self.chat_id,
                text=post.text,
                parse_mode=post.parse_mode or None,
                link_preview_options=self._preview_options(post.url),
                disable_notification=self.disable_notification,
            )
        username = message.chat.username or _public_username(self.chat_id)
        url = PUBLIC_LINK.format(username=username, message_id=message.message_id)
        return Delivery(remote_id=str(message.message_id), remote_url=url if username else None)

    async def check(self) -> str:
        """Who the bot is, where it posts, and whether it may: getMe, getChat, getChatMember."""
        with self._translated_errors():
            bot = self._client()
            me = await bot.get_me()
            chat = await bot.get_chat(self.chat_id)
            member = await bot.get_chat_member(chat.id, me.id)
        where = f"@{chat.username}" if chat.username else f"chat {chat.id}"
        title = chat.title or chat.full_name or chat.first_name or ""
        who = f"@{me.username}"
        problem = _posting_problem(chat.type, member)
        if problem:
            raise AuthError(
                f"{who} {problem} {where}: add the bot to {where} as an "
                "administrator allowed to post messages"
            )
        return f"posts as {who} ({me.full_name}) to {where} ({title}, {chat.type})"

    async def aclose(self) -> None:
        request, self._request, self._bot = self._request, None, None
        if request is not None and self._loop is asyncio.get_running_loop():
            await request.shutdown()  # (a client of a finished loop has nothing left to close)

    # --- internals -------------------------------------------------------------------------

    def _client(self) -> Bot:
        from telegram import Bot
        from telegram.request import HTTPXRequest

        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # httpx connections belong to the loop that opened them: a client left open by
            # an earlier `asyncio.run` would fail ("Event loop is closed") and look ambiguous.
            self._bot, self._request, self._loop = None, None, loop
        if self._bot is None:
            seconds = self.timeout
            self._request = HTTPXRequest(
                connect_timeout=seconds,
                read_timeout=seconds,
                write_timeout=seconds,
                pool_timeout=seconds,
            )
            base = self.api_base_url or "https://api.telegram.org"
            # Callables, so that nothing in the URL is read as a `{token}` insertion.
            self._bot = Bot(
                self._token,
                base_url=lambda token: f"{base}/bot{token}",
                base_file_url=lambda token: f"{base}/file/bot{token}",
                request=self._request,
                get_updates_request=self._request,  # never used: no second client
            )
        return self._bot

    def _preview_options(self, url: str | None) -> LinkPreviewOptions | None:
        from telegram import LinkPreviewOptions

        if self.link_preview == "none":
            return LinkPreviewOptions(is_disabled=True)
        above = self.link_preview == "above"
        if url is None and not above:
            return None  # Telegram's default: the first link, below the text
        return LinkPreviewOptions(url=url, show_above_text=True if above else None)

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        from telegram.error import TelegramError

        try:
            yield
        except TelegramError as exc:
            raise channel_error(exc, self._token) from exc


def load_library() -> None:
    """Import python-telegram-bot (about half a second): from a thread of its own, so that
    the event loop's slots never wait on it (the modules' later imports are look-ups)."""
    for module in ("httpx", "telegram", "telegram.error", "telegram.request", "telegram.warnings"):
        importlib.import_module(module)


def channel_error(exc: TelegramError, token: str = "") -> ChannelError:
    """The ChannelError that says what `exc` means for the post (see the module docstring)."""
    import httpx
    from telegram.error import (
        BadRequest,
        ChatMigrated,
        Forbidden,
        InvalidToken,
        NetworkError,
        RetryAfter,
        TimedOut,
    )

    # httpx errors raised before a request could leave: the post certainly did not go out.
    not_sent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
    reason = _scrub(str(exc) or type(exc).__name__, token)
    if isinstance(exc, RetryAfter):
        seconds = _retry_after_seconds(exc)
        return RateLimitedError(
            f"Telegram flood control: retry in {seconds:g}s", retry_after=seconds
        )
    if isinstance(exc, Forbidden):
        return AuthError(f"bot was removed from the channel or lacks rights to post: {reason}")
    if isinstance(exc, InvalidToken):
        # PTB may put the token itself in this message: never repeat it unredacted.
        return AuthError(
            f"Telegram rejected the bot token ({reason}): get a valid token "
            "from @BotFather and set it in the channel's token variable"
        )
    if isinstance(exc, ChatMigrated):
        return AuthError(f"the group became a supergroup: set chat_id = {exc.new_chat_id}")
    if isinstance(exc, BadRequest):
        # PTB strips Telegram's "Bad Request: " prefix; put it back for a recognisable line.
        return RejectedError(f"Bad Request: {reason}")
    if isinstance(exc, NetworkError) and isinstance(exc.__cause__, not_sent):
        return NotDeliveredError(f"could not connect to Telegram: {reason}")
    if isinstance(exc, TimedOut):
        return AmbiguousError(f"no answer from Telegram in time ({reason}): it may have gone out")
    return AmbiguousError(
        f"Telegram request failed after it was sent ({reason}): it may have gone out"
    )


def _retry_after_seconds(exc) -> float:
    from telegram.warnings import PTBDeprecationWarning

    # PTB 22 gives an int (deprecated) or a timedelta (with PTB_TIMEDELTA=true).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _scrub(text: str, token: str) -> str:
    text = redact(text)
    return text.replace(token, "***") if token else text


def _public_username(chat_id: int | str) -> str | None:
    if isinstance(chat_id, str) and chat_id.startswith("@"):
        return chat_id[1:]
    return None


def _posting_problem(chat_type: str, member) -> str | None:
    """Why the bot may not post in the chat, in a few words (None when it may)."""
    if member.status in ("left", "kicked"):
        return "is not a member of"
    if chat_type != "channel":  # in groups, members post unless restricted
        restricted = getattr(member, "can_send_messages", True) is False
        return "may not send messages in" if restricted else None
    if member.status not in _POSTING_MEMBERS:
        return "is not an administrator of"
    if member.status == "administrator" and member.can_post_messages is False:
        return "may not post messages in"
    return None


def connect(settings: TelegramSettings, secrets: Mapping[str, str]) -> TelegramChannel:
    return TelegramChannel(
        settings.name,
        token=secrets["token"],
        chat_id=settings.chat_id,
        api_base_url=settings.api_base_url,
        link_preview=settings.link_preview,
        disable_notification=settings.disable_notification,
        timeout=settings.timeout.total_seconds(),
    )


PLATFORM = Platform(
    name="telegram",
    settings=TelegramSettings,
    connect=connect,
    profile="telegram",
    summary="a channel or group, through a bot (python-telegram-bot)",
    capabilities=Capabilities(link_cards=True),
    quotas=Quotas(
        limits=(
            Quota(
                20,
                timedelta(minutes=1),
                "messages to one group or channel",
                "https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this",
                scope="destination",
            ),
        ),
        note="about 30 messages a second in all; 429s say how long to wait",
    ),
    literal_secrets={"token": "token_env", "bot_token": "token_env"},
    example="""\
# A Telegram channel: create a bot with @BotFather, add it to the channel as an admin,
# then `export TELEGRAM_BOT_TOKEN=...` before `excerpt-bot run`.
# [channels.news]
# platform = "telegram"
# chat_id = "@my_channel"                # or a numeric id such as -1001234567890
# token_env = "TELEGRAM_BOT_TOKEN"
# max_per_day = 3
# [channels.news.schedule]
# slots = ["mon-fri 08:30", "mon-fri 18:00", "sat 10:00"]
# timezone = "Europe/Berlin"
# jitter = "10m"                         # shift each post by up to 10 minutes
""",
)
