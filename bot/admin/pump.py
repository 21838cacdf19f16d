"""The admin chat's outbox pump: one task that sends the outbox in order, at most
RATE_LIMIT messages a minute (Telegram's limit in a group), each retried with backoff
until Telegram takes it or refuses it for good.

    pump = OutboxPump(db, client, clock=…, sleep=…)
    pump.kick()        something was queued: run (again)
    pump.close()       send nothing new from now on
    await pump.stop()  a message under way may finish (STOP_GRACE), the rest waits in
                       the outbox for the next start

A message is marked sent only once Telegram answered; one cut off mid-request would be
sent again at the next start, so a stop lets a request under way end first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.admin.client import AdminClient
from bot.errors import AuthError, ChannelError, RateLimitedError, RejectedError
from bot.logs import log_event, redact
from bot.store import Store
from bot.store import admin as outbox
from bot.store.admin import AdminMessage

if TYPE_CHECKING:
    from bot.offloop import AsyncStore

RATE_LIMIT = 20  # messages a minute in one group chat, as Telegram allows
RATE_WINDOW = timedelta(minutes=1)
BACKOFF_CAP = 300.0  # seconds between two tries of a message, at most
STOP_GRACE = 5.0  # seconds a stop waits for a request under way


class OutboxPump:
    """Constructing stores what it needs; `kick()` starts its task."""

    def __init__(
        self,
        db: AsyncStore,
        client: AdminClient,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Any],
    ) -> None:
        self.db = db
        self.client = client
        self.clock = clock
        self.sleep = sleep
        self.task: asyncio.Task | None = None
        self._again = False
        self._closing = False
        self._delivering = False
        self._tries: deque[datetime] = deque()  # sends and edits in the last RATE_WINDOW

    def kick(self) -> None:
        """Make sure the pump runs (again) for what was just queued."""
        if self._closing:
            return
        self._again = True
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._send_queued())

    def close(self) -> None:
        self._closing = True

    async def stop(self) -> None:
        self.close()
        task = self.task
        if task is None:
            return
        if self._delivering and not task.done():  # cut off, it might go out twice
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(task), STOP_GRACE)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def _send_queued(self) -> None:
        """Send the outbox in order, within the rate, until it is empty."""
        while not self._closing:
            self._again = False
            item = await self.db.call(Store.read_with, outbox.next_message, self.clock())
            if item is None:
                if self._again:
                    continue
                return
            if isinstance(item, datetime):  # the next one waits for its retry
                await self.sleep(max(0.0, (item - self.clock()).total_seconds()))
                continue
            await self._within_rate()
            if self._closing:
                return
            self._delivering = True
            try:
                await self._deliver(item)
            except Exception as exc:  # a bug here must not stop the daemon's admin chat
                log_event(
                    "admin.send_failed",
                    level=logging.ERROR,
                    message=item.key,
                    error=redact(f"{type(exc).__name__}: {exc}"),
                    exc_info=exc,
                )
                await self._retry(item, f"{type(exc).__name__}: {exc}", BACKOFF_CAP)
            finally:
                self._delivering = False

    async def _within_rate(self) -> None:
        """Wait (on the daemon's clock) until one more message fits in the rate."""
        while True:
            now = self.clock()
            while self._tries and now - self._tries[0] >= RATE_WINDOW:
                self._tries.popleft()
            if len(self._tries) < RATE_LIMIT:
                self._tries.append(now)
                return
            await self.sleep((self._tries[0] + RATE_WINDOW - now).total_seconds())

    async def _deliver(self, item: AdminMessage) -> None:
        chat_id, telegram_id = str(self.client.chat_id), None
        try:
            if item.action == outbox.SEND:
                telegram_id = await self.client.send(item.text, item.buttons)
            elif item.target_message_id is None:
                await self._refuse(item, "the message it edits never went out")
                return
            else:
                chat_id, telegram_id = item.target_chat_id, item.target_message_id
                await self.client.edit(chat_id, telegram_id, item.text, item.buttons)
        except RejectedError as exc:
            if "message is not modified" in str(exc):  # an earlier try did it
                pass
            else:
                await self._refuse(item, redact(str(exc)))
                return
        except RateLimitedError as exc:
            await self._retry(item, redact(str(exc)), exc.retry_after or 1.0)
            return
        except AuthError as exc:
            await self._retry(item, redact(str(exc)), BACKOFF_CAP)
            return
        except ChannelError as exc:
            await self._retry(item, redact(str(exc)), min(BACKOFF_CAP, 5.0 * 2**item.tries))
            return
        await self.db.call(
            Store.write_with,
            outbox.mark_sent,
            item.id,
            chat_id=chat_id,
            telegram_id=telegram_id,
            now=self.clock(),
        )
        log_event("admin.sent", message=item.key, action=item.action)

    async def _retry(self, item: AdminMessage, error: str, seconds: float) -> None:
        at = self.clock() + timedelta(seconds=seconds)
        await self.db.call(Store.write_with, outbox.mark_retry, item.id, error=error, at=at)
        log_event(
            "admin.retry",
            level=logging.WARNING,
            message=item.key,
            error=error,
            retry_in_s=round(seconds, 3),
            tries=item.tries + 1,
        )

    async def _refuse(self, item: AdminMessage, error: str) -> None:
        await self.db.call(
            Store.write_with, outbox.mark_refused, item.id, error=error, now=self.clock()
        )
        log_event("admin.refused", level=logging.WARNING, message=item.key, error=error)
