"""The admin chat's Telegram client: python-telegram-bot's `Bot`, as the Telegram channels
use it (`bot.platforms.telegram`), its errors translated by the same `channel_error`.

Two HTTP clients: one for the long poll (`getUpdates` holds its connection for up to
POLL_SECONDS) and one for everything else, so that a message never waits for the poll.

    send(text, buttons)          -> the message id       (sendMessage, HTML, inline keyboard)
    edit(chat, message, text)    rewrites a message and drops its buttons (editMessageText)
    answer(press, text)          the little notice a press shows (answerCallbackQuery)
    presses(offset)              button presses since `offset` (getUpdates, long polling)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.logs import register_secrets
from bot.platforms.telegram import channel_error

if TYPE_CHECKING:
    from telegram import Bot, InlineKeyboardMarkup
    from telegram.request import HTTPXRequest

    from bot.store.admin import Buttons

POLL_SECONDS = 50  # a long poll's wait for an update (Telegram allows up to 50 s)


@dataclass(frozen=True, slots=True)
class Press:
    """A button pressed in a message of the bot: who, which button, on which message."""

    update_id: int
    query_id: str
    user_id: int
    user_name: str  # "Ann (@ann)", as the edit names who decided
    data: str
    chat_id: int | None
    message_id: int | None


class AdminClient:
    """The bot that talks in the admin chat."""

    def __init__(
        self, *, token: str, chat_id: int | str, api_base_url: str | None, timeout: float
    ) -> None:
        register_secrets(token)
        self.chat_id = chat_id
        self._token = token
        self._base = (api_base_url or "https://api.telegram.org").rstrip("/")
        self._timeout = timeout
        self._bot: Bot | None = None
        self._requests: tuple[HTTPXRequest, HTTPXRequest] | None = None

    def __repr__(self) -> str:  # never show the token
        return f"AdminClient(chat_id={self.chat_id!r})"

    async def send(self, text: str, buttons: Buttons | None) -> int:
        with self._translated_errors():
            message = await self._client().send_message(
                chat_id=self.chat_id,
                text=text,
                parse_mode="HTML",
                reply_markup=_keyboard(buttons),
                link_preview_options=_no_preview(),
            )
        return message.message_id

    async def edit(
        self, chat_id: int | str, message_id: int, text: str, buttons: Buttons | None = None
    ) -> None:
        with self._translated_errors():
            await self._client().edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode="HTML",
                reply_markup=_keyboard(buttons),
                link_preview_options=_no_preview(),
            )

    async def answer(self, press: Press, text: str) -> None:
        with self._translated_errors():
            await self._client().answer_callback_query(press.query_id, text=text)

    async def presses(
        self, offset: int | None, *, wait: int = POLL_SECONDS
    ) -> tuple[int | None, list[Press]]:
        """The button presses from update `offset` on (the earlier updates are confirmed:
        Telegram forgets them), waiting up to `wait` seconds for one; and the offset to ask
        from next."""
        with self._translated_errors():
            updates = await self._client().get_updates(
                offset=offset, timeout=wait, allowed_updates=["callback_query"]
            )
        if updates:
            offset = max(update.update_id for update in updates) + 1
        return offset, [press for press in map(_press, updates) if press is not None]

    async def aclose(self) -> None:
        requests, self._requests, self._bot = self._requests, None, None
        for request in requests or ():
            await request.shutdown()

    def _client(self) -> Bot:
        from telegram import Bot
        from telegram.request import HTTPXRequest

        if self._bot is None:
            seconds = self._timeout
            self._requests = tuple(
                HTTPXRequest(
                    connect_timeout=seconds,
                    read_timeout=seconds,
                    write_timeout=seconds,
                    pool_timeout=seconds,
                )
                for _ in range(2)
            )
            base = self._base
            self._bot = Bot(
                self._token,
                base_url=lambda token: f"{base}/bot{token}",
                base_file_url=lambda token: f"{base}/file/bot{token}",
                request=self._requests[0],
                get_updates_request=self._requests[1],
            )
        return self._bot

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        from telegram.error import TelegramError

        try:
            yield
        except TelegramError as exc:
            raise channel_error(exc, self._token) from exc


def _keyboard(buttons: Buttons | None) -> InlineKeyboardMarkup | None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in buttons
        ]
    )


def _no_preview():
    from telegram import LinkPreviewOptions

    return LinkPreviewOptions(is_disabled=True)


def _press(update) -> Press | None:
    query = update.callback_query
    if query is None or query.data is None:
        return None
    user = query.from_user
    name = user.full_name + (f" (@{user.username})" if user.username else "")
    message = query.message
    return Press(
        update.update_id,
        query.id,
        user.id,
        name,
        str(query.data),
        message.chat.id if message else None,
        message.message_id if message else None,
    )
