"""Dispatch: at a slot, claim a channel's next post, send it, and record what happened.

The post is committed as `sending` before the network call and as `sent` after, so a crash
in between leaves `sending`, which start-up turns into `unknown` for the operator: never a
silent repost. What happens on failure depends only on the error's class:

- NotDeliveredError / RateLimitedError: certainly not delivered; retried with exponential
  backoff and jitter (or after the platform's `retry_after`) while the slot's grace lasts,
  then put back in the queue;
- AmbiguousError: may be out; marked `unknown` — unless the channel can prove the outcome
  by retrying once (X refuses an exact duplicate, so a duplicate answer means it went out)
  or the channel is set to `on_unknown = "retry"`;
- RejectedError: `failed` with the platform's reason (DuplicateError: `skipped`);
- AuthError: put back in the queue, and the channel is paused with one clear log line.

One channel's failure never touches another's posts.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.channels import Channel, Delivery, OutgoingPost
from bot.errors import (
    AmbiguousError,
    AuthError,
    ChannelError,
    DuplicateError,
    RejectedError,
)
from bot.logs import log_event, redact

BACKOFF_BASE = 2.0  # seconds before the first retry
BACKOFF_CAP = 300.0  # never wait longer than this between two tries, unless told to
DAY = timedelta(days=1)


@dataclass(frozen=True)
class ChannelPolicy:
    """What dispatch needs to know of one channel's settings."""

    max_per_day: int | None
    repeat_after: timedelta
    grace: timedelta
    on_unknown: str = "mark"  # or "retry": prefer a rare duplicate to a rare gap
    proves_duplicates: bool = False  # the platform refuses exact duplicates (X)


class ThreadedStore:
    """The store's methods as coroutines run on one worker thread: a slot never blocks the
    event loop on disk I/O, so twenty channels firing at once all start on time. One thread
    because SQLite serialises writes anyway, and one connection keeps one page cache."""

    def __init__(self, store) -> None:
        self._store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")

    def __getattr__(self, name: str):
        method = getattr(self._store, name)

        async def call(*args, **kwargs):
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, partial(method, *args, **kwargs))

        return call

    def close(self) -> None:
        self._executor.shutdown(wait=True)


class Dispatcher:
    """Sends one post per slot for each channel. The clock and the sleep are passed in."""

    def __init__(
        self,
        store,
        channels: dict[str, Channel],
        policies: dict[str, ChannelPolicy],
        render: Callable,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.db = store if isinstance(store, ThreadedStore) else ThreadedStore(store)
        self.channels = channels
        self.policies = policies
        self.render = render
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.waiting: set[asyncio.Task] = set()  # dispatches sleeping before a retry

    async def dispatch(self, channel: str, *, slot: datetime | None = None) -> str:
        """Post the next post of `channel` for the slot at `slot`; return what happened."""
        now = self.clock()
        policy = self.policies[channel]
        state = await self.db.channel_state(channel)
        if state is not None and state.paused:
            log_event("slot.skipped", channel=channel, reason="paused")
            return "paused"
        if policy.max_per_day is not None:
            sent = await self.db.sent_count_since(channel, now - DAY)
            if sent >= policy.max_per_day:
                log_event("slot.skipped", channel=channel, reason="max_per_day",
                          max_per_day=policy.max_per_day)
                return "capped"
        claimed = await self.db.claim_next_post(
            channel, now=now, repeat_after=policy.repeat_after,
            render=lambda article, excerpt: self.render(channel, article, excerpt),
        )
        if claimed is None:
            log_event("slot.empty", channel=channel)
            return "empty"
        deadline = (slot or now) + policy.grace
        return await self._deliver(channel, claimed, policy, deadline)

    async def _deliver(self, channel: str, claimed, policy: ChannelPolicy, deadline) -> str:
        post = OutgoingPost(
            id=claimed.id, channel=channel, text=claimed.text, parse_mode=claimed.parse_mode,
            url=claimed.url, article_id=claimed.article_id, excerpt_id=claimed.excerpt_id,
            attempt=claimed.attempts,
        )
        tries = 0
        ambiguous_before = False
        while True:
            tries += 1
            started, t0 = self.clock(), time.monotonic()
            try:
                delivery = await self.channels[channel].send(post)
            except asyncio.CancelledError:
                # Stopped while the request was in flight: it may have gone out.
                await self._finish(post, started, t0, "unknown", "interrupted by shutdown")
                await self.db.mark_unknown(post.id, error="interrupted by shutdown mid-send",
                                        now=self.clock())
                raise
            except ChannelError as exc:
                outcome = await self._on_error(post, exc, policy, deadline, tries,
                                               ambiguous_before, started, t0)
                if outcome == "retry":
                    ambiguous_before = ambiguous_before or isinstance(exc, AmbiguousError)
                    continue
                return outcome
            except Exception as exc:  # a bug in an adapter must not stop the daemon
                message = redact(f"{type(exc).__name__}: {exc}")
                await self._finish(post, started, t0, "unknown", message)
                await self.db.mark_unknown(post.id, error=message, now=self.clock())
                log_event("post.unknown", level=logging.ERROR, channel=channel, post=post.id,
                          article=post.article_id, error=message)
                return "unknown"
            await self._finish(post, started, t0, "sent", None)
            return await self._sent(post, delivery, t0)

    async def _sent(self, post: OutgoingPost, delivery: Delivery, t0: float) -> str:
        await self.db.mark_sent(post.id, remote_id=delivery.remote_id,
                             remote_url=delivery.remote_url, now=self.clock())
        log_event("post.sent", channel=post.channel, post=post.id, article=post.article_id,
                  excerpt=post.excerpt_id, remote_id=delivery.remote_id,
                  remote_url=delivery.remote_url, ms=round((time.monotonic() - t0) * 1000))
        return "sent"

    async def _on_error(self, post, exc, policy, deadline, tries, ambiguous_before, started, t0):
        reason = redact(str(exc)) or type(exc).__name__
        await self._finish(post, started, t0, type(exc).__name__, reason)
        fields = {"channel": post.channel, "post": post.id, "article": post.article_id}
        if isinstance(exc, DuplicateError):
            if ambiguous_before and policy.proves_duplicates:
                # The earlier, ambiguous attempt went out: the platform now has this text.
                return await self._sent(post, Delivery(remote_id=None), t0)
            await self.db.mark_skipped(post.id, reason=f"duplicate: {reason}", now=self.clock())
            log_event("post.skipped", level=logging.WARNING, **fields, reason=reason)
            return "skipped"
        if isinstance(exc, RejectedError):
            await self.db.mark_failed(post.id, error=reason, now=self.clock())
            log_event("post.failed", level=logging.WARNING, **fields, error=reason)
            return "failed"
        if isinstance(exc, AuthError):
            await self.db.requeue(post.id, now=self.clock())
            await self.db.pause_channel(post.channel, reason=reason, now=self.clock())
            log_event("channel.paused", level=logging.ERROR, channel=post.channel, reason=reason,
                      hint=f"fix the credentials, then `excerpt-bot resume {post.channel}`")
            return "paused"
        if isinstance(exc, AmbiguousError):
            retry_once = policy.proves_duplicates and not ambiguous_before
            if not (retry_once or policy.on_unknown == "retry"):
                await self.db.mark_unknown(post.id, error=reason, now=self.clock())
                log_event("post.unknown", level=logging.WARNING, **fields, error=reason,
                          hint=f"check {post.channel}, then `excerpt-bot resolve {post.id} "
                          "--sent` or `--requeue`")
                return "unknown"
        return await self._wait_to_retry(post, exc, deadline, tries, reason, fields)

    async def _wait_to_retry(self, post, exc, deadline, tries, reason, fields) -> str:
        delay = getattr(exc, "retry_after", None)
        if delay is None:
            delay = self.rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (tries - 1)))
        if self.clock() + timedelta(seconds=delay) > deadline:
            await self.db.requeue(post.id, now=self.clock())
            log_event("post.requeued", level=logging.WARNING, **fields, error=reason,
                      reason="the slot's grace ran out before a retry could go")
            return "requeued"
        log_event("post.retry", **fields, error=reason, attempt=tries,
                  wait_s=round(delay, 3))
        task = asyncio.current_task()
        if task is not None:
            self.waiting.add(task)
        try:
            await self.sleep(delay)
        except asyncio.CancelledError:
            # Told to stop while waiting: the post was not sent, so it goes back to the queue.
            await self.db.requeue(post.id, now=self.clock())
            log_event("post.requeued", **fields, reason="shutdown during a retry wait")
            raise
        finally:
            self.waiting.discard(task)
        return "retry"

    async def _finish(self, post, started, t0, outcome: str, error: str | None) -> None:
        await self.db.record_attempt(
            post.id, started_at=started, finished_at=self.clock(), outcome=outcome, error=error,
        )
        if error is not None:
            await self.db.record_channel_error(post.channel, error=error, now=self.clock())
