"""The two ways off the event loop, and the only two.

db = AsyncStore(store); await db.call(Store.mark_sent, post_id, ...)
    a store operation, on the store's one worker thread: a slot never blocks the loop
    on disk I/O, and one thread keeps SQLite's writes in one line and one page cache.
await in_thread(function, *args)
    blocking work that is not a store call: a client library's request (tweepy), a
    feed poll, a library scan. It runs in a daemon thread of its own, so a request
    that hangs never holds up the daemon's exit (asyncio.to_thread's threads are
    joined when the loop closes).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

if TYPE_CHECKING:
    from bot.store import Store

P = ParamSpec("P")
T = TypeVar("T")


class AsyncStore:
    """The store for code on the event loop: `await db.call(Store.method, *args)` runs
    `store.method(*args)` on the store's worker thread (typed: the arguments are checked
    against the method's). The daemon, the dispatcher and the reload path use it, never
    the store's methods directly."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")

    async def call(
        self, operation: Callable[Concatenate[Store, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, partial(operation, self.store, *args, **kwargs)
        )

    def close(self) -> None:
        """Wait for the calls under way, then stop the worker thread."""
        self._executor.shutdown(wait=True)


class StoredMemory:
    """A channel's `Memory` in the store (`Store.recall` / `Store.remember`), off the loop."""

    def __init__(self, db: AsyncStore, channel: str, clock: Callable[[], datetime]) -> None:
        self.db, self.channel, self.clock = db, channel, clock

    async def recall(self, key: str) -> str | None:
        from bot.store import Store

        return await self.db.call(Store.recall, self.channel, key)

    async def remember(self, key: str, value: str | None) -> None:
        from bot.store import Store

        await self.db.call(Store.remember, self.channel, key, value, now=self.clock())


async def in_thread(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)` in a new daemon thread, awaited without blocking the loop."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result, error) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def work() -> None:
        try:
            outcome = (function(*args, **kwargs), None)
        except BaseException as exc:  # handed to the awaiting coroutine, never lost
            outcome = (None, exc)
        with contextlib.suppress(RuntimeError):  # the loop is closed: the daemon stopped
            loop.call_soon_threadsafe(settle, *outcome)

    name = getattr(function, "__qualname__", "work")
    threading.Thread(target=work, name=f"off-loop {name}", daemon=True).start()
    return await future
