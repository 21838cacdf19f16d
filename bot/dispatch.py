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

A thread goes out part by part as a reply chain, each part answering the one before.
Each part out is committed at once (`record_thread_part`), so a thread broken midway —
requeued, paused, stopped, resolved — continues from its next part, never from the start.
Each part meets the same policy as a single post; the errors then name the part and what
is out. A part X took without giving its id (a duplicate answer to the retry of an
ambiguous send) ends the chain there: the post becomes `unknown`.

One channel's failure never touches another's posts.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.errors import (
    AmbiguousError,
    AuthError,
    ChannelError,
    DuplicateError,
    RejectedError,
)
from bot.logs import log_event, redact
from bot.offloop import AsyncStore
from bot.platforms import Channel, Delivery, OutgoingPost
from bot.policy import ChannelPolicy
from bot.store import BudgetHeld, NoClaim, Rendered, Store

BACKOFF_BASE = 2.0  # seconds before the first retry
BACKOFF_CAP = 300.0  # never wait longer than this between two tries, unless told to


@dataclass(frozen=True)
class Part:
    """Which part of a thread a send is: `index` 0 is the first of `count`."""

    index: int
    count: int

    def say(self, what: str) -> str:
        """`what` about this part, with what of the thread is out."""
        out = (
            "no part is out"
            if self.index == 0
            else "part 1 is out"
            if self.index == 1
            else f"parts 1-{self.index} are out"
        )
        return f"part {self.index + 1} of {self.count}: {what} ({out})"


@dataclass
class _Send:
    """One post (or part) being sent: its policy, the slot's deadline, its tries so far."""

    post: OutgoingPost
    policy: ChannelPolicy
    deadline: datetime
    part: Part | None = None
    tries: int = 0
    ambiguous_before: bool = False
    started: datetime | None = None
    t0: float = field(default_factory=time.monotonic)

    def say(self, what: str) -> str:
        return self.part.say(what) if self.part is not None else what

    @property
    def fields(self) -> dict:
        where = {"part": self.part.index + 1, "parts": self.part.count} if self.part else {}
        return {
            "channel": self.post.channel,
            "post": self.post.id,
            "article": self.post.article_id,
            **where,
        }


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
        self.db = store if isinstance(store, AsyncStore) else AsyncStore(store)
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
        claimed = await self.db.call(
            Store.claim_next_post,
            policy,
            now=now,
            render=lambda article, excerpt: self.render(channel, article, excerpt),
        )
        if isinstance(claimed, NoClaim):
            return self._nothing_claimed(policy, claimed)
        if isinstance(claimed, BudgetHeld):
            return self._budget_reached(policy, claimed)
        deadline = (slot or now) + policy.grace
        if claimed.parts:
            return await self._deliver_thread(claimed, policy, deadline)
        send = _Send(self._outgoing(claimed, claimed.text), policy, deadline)
        delivery = await self._send(send)
        if isinstance(delivery, str):
            return delivery
        return await self._sent(send.post, delivery, send.t0)

    @staticmethod
    def _nothing_claimed(policy: ChannelPolicy, why: NoClaim) -> str:
        if why is NoClaim.PAUSED:
            log_event("slot.skipped", channel=policy.name, reason="paused")
            return "paused"
        if why is NoClaim.CAPPED:
            log_event(
                "slot.skipped",
                channel=policy.name,
                reason="max_per_day",
                max_per_day=policy.max_per_day,
            )
            return "capped"
        if why is NoClaim.AWAITING_APPROVAL:
            log_event(
                "slot.skipped",
                channel=policy.name,
                reason="awaiting_approval",
                hint=f"a repeat came due: `excerpt-bot approve --channel {policy.name}`",
            )
            return "awaiting_approval"
        log_event("slot.empty", channel=policy.name)
        return "empty"

    @staticmethod
    def _budget_reached(policy: ChannelPolicy, held: BudgetHeld) -> str:
        """The post waits in the queue; the first time in the period, the log says so."""
        from zoneinfo import ZoneInfo

        from bot.pricing import format_money

        currency = held.budget.currency
        until = held.until.astimezone(ZoneInfo(policy.spend_zone)).isoformat()
        if held.first:
            log_event(
                "channel.budget_reached",
                level=logging.WARNING,
                channel=policy.name,
                budget=str(held.budget),
                spend=format_money(held.spent, currency),
                cost=format_money(held.cost, currency),
                until=until,
                period=held.budget.period,
                hint=f"posts wait in the queue until {until[:10]}; raise `budget` to "
                "send them sooner",
            )
        log_event("slot.skipped", channel=policy.name, reason="budget", until=until)
        return "budget"

    @staticmethod
    def _outgoing(claimed, text: str, reply_to: str | None = None) -> OutgoingPost:
        payload = claimed.payload or Rendered(claimed.text, claimed.parse_mode)
        single = not claimed.parts
        return OutgoingPost(
            id=claimed.id,
            channel=claimed.channel,
            text=text,
            parse_mode=claimed.parse_mode,
            url=payload.link or claimed.url,
            article_id=claimed.article_id,
            excerpt_id=claimed.excerpt_id,
            attempt=claimed.attempts,
            reply_to=reply_to,
            facets=payload.facets if single else (),
            language=payload.language,
            card=payload.card,
            key=claimed.delivery_key,
        )

    async def _deliver_thread(self, claimed, policy: ChannelPolicy, deadline) -> str:
        """Send the thread's parts from the first not yet out, each replying to the last."""
        count, t0 = len(claimed.parts), time.monotonic()
        out = [(p.remote_id, p.remote_url) for p in claimed.sent_parts]
        for index in range(len(out), count):
            reply_to = out[-1][0] if out else None
            if out and reply_to is None:
                return await self._broken_chain(claimed, Part(index - 1, count))
            send = _Send(
                self._outgoing(claimed, claimed.parts[index], reply_to),
                policy,
                deadline,
                Part(index, count),
            )
            delivery = await self._send(send)
            if isinstance(delivery, str):
                return delivery
            await self.db.call(
                Store.record_thread_part,
                claimed.id,
                index=index,
                remote_id=delivery.remote_id,
                remote_url=delivery.remote_url,
                now=self.clock(),
                cost_micros=policy.price(claimed.parts[index]),
            )
            log_event(
                "post.part_sent",
                **send.fields,
                remote_id=delivery.remote_id,
                remote_url=delivery.remote_url,
            )
            out.append((delivery.remote_id, delivery.remote_url))
        remote_id, remote_url = out[0]
        return await self._sent(
            self._outgoing(claimed, claimed.text), Delivery(remote_id, remote_url), t0, parts=count
        )

    async def _broken_chain(self, claimed, part: Part) -> str:
        """The last part out has no id: the next one cannot reply to it."""
        error = (
            f"part {part.index + 1} of {part.count} went out but {claimed.channel} "
            "returned no id for it; the rest was not posted"
        )
        await self.db.call(Store.mark_unknown, claimed.id, error=error, now=self.clock())
        log_event(
            "post.unknown",
            level=logging.WARNING,
            channel=claimed.channel,
            post=claimed.id,
            article=claimed.article_id,
            error=error,
            hint=f"finish the thread by hand if you wish, then `excerpt-bot resolve "
            f"{claimed.id} --sent`",
        )
        return "unknown"

    async def _send(self, send: _Send) -> Delivery | str:
        """Send until delivered (the Delivery), or settled otherwise (what happened)."""
        post = send.post
        while True:
            send.tries += 1
            send.started, t0 = self.clock(), time.monotonic()
            try:
                delivery = await self.channels[post.channel].send(post)
            except asyncio.CancelledError:
                # Stopped while the request was in flight: it may have gone out.
                await self._finish(post, send.started, t0, "unknown", "interrupted by shutdown")
                error = send.say("interrupted by shutdown mid-send")
                await self.db.call(Store.mark_unknown, post.id, error=error, now=self.clock())
                log_event(
                    "post.unknown",
                    level=logging.WARNING,
                    **send.fields,
                    error=error,
                    hint=f"check {post.channel}, then `excerpt-bot resolve {post.id} "
                    "--sent` or `--requeue`",
                )
                raise
            except ChannelError as exc:
                outcome = await self._on_error(send, exc, t0)
                if outcome == "retry":
                    send.ambiguous_before = send.ambiguous_before or isinstance(exc, AmbiguousError)
                    continue
                return outcome
            except Exception as exc:  # a bug in an adapter must not stop the daemon
                message = redact(f"{type(exc).__name__}: {exc}")
                await self._finish(post, send.started, t0, "unknown", message)
                await self.db.call(
                    Store.mark_unknown, post.id, error=send.say(message), now=self.clock()
                )
                log_event("post.unknown", level=logging.ERROR, **send.fields, error=message)
                return "unknown"
            await self._finish(post, send.started, t0, "sent", None)
            return delivery

    async def _sent(self, post: OutgoingPost, delivery: Delivery, t0: float, **thread) -> str:
        await self.db.call(
            Store.mark_sent,
            post.id,
            remote_id=delivery.remote_id,
            remote_url=delivery.remote_url,
            now=self.clock(),
        )
        log_event(
            "post.sent",
            channel=post.channel,
            post=post.id,
            article=post.article_id,
            excerpt=post.excerpt_id,
            remote_id=delivery.remote_id,
            remote_url=delivery.remote_url,
            ms=round((time.monotonic() - t0) * 1000),
            **thread,
        )
        return "sent"

    async def _on_error(self, send: _Send, exc: ChannelError, t0: float) -> Delivery | str:
        """What an error means for the post: "retry", a Delivery, or what happened."""
        post, policy = send.post, send.policy
        reason = redact(str(exc)) or type(exc).__name__
        await self._finish(post, send.started, t0, type(exc).__name__, send.say(reason))
        if isinstance(exc, DuplicateError):
            if send.ambiguous_before and policy.proves_duplicates:
                # The earlier, ambiguous attempt went out: the platform now has this text.
                return Delivery(remote_id=None)
            if send.part is None or send.part.index == 0:
                await self.db.call(
                    Store.mark_skipped, post.id, reason=f"duplicate: {reason}", now=self.clock()
                )
                log_event("post.skipped", level=logging.WARNING, **send.fields, reason=reason)
                return "skipped"
        if isinstance(exc, RejectedError):
            await self.db.call(Store.mark_failed, post.id, error=send.say(reason), now=self.clock())
            log_event("post.failed", level=logging.WARNING, **send.fields, error=reason)
            return "failed"
        if isinstance(exc, AuthError):
            await self.db.call(Store.requeue, post.id, now=self.clock())
            await self.db.call(Store.pause_channel, post.channel, reason=reason, now=self.clock())
            log_event(
                "channel.paused",
                level=logging.ERROR,
                channel=post.channel,
                reason=reason,
                hint=f"fix the credentials, then `excerpt-bot resume {post.channel}`",
            )
            return "paused"
        if isinstance(exc, AmbiguousError):
            retry_once = policy.proves_duplicates and not send.ambiguous_before
            if not (retry_once or policy.idempotent or policy.on_unknown == "retry"):
                await self.db.call(
                    Store.mark_unknown, post.id, error=send.say(reason), now=self.clock()
                )
                log_event(
                    "post.unknown",
                    level=logging.WARNING,
                    **send.fields,
                    error=reason,
                    hint=f"check {post.channel}, then `excerpt-bot resolve {post.id} "
                    "--sent` or `--requeue`",
                )
                return "unknown"
        return await self._wait_to_retry(send, exc, reason)

    async def _wait_to_retry(self, send: _Send, exc: ChannelError, reason: str) -> str:
        post, fields = send.post, send.fields
        delay = getattr(exc, "retry_after", None)
        if delay is None:
            delay = self.rng.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (send.tries - 1)))
        if self.clock() + timedelta(seconds=delay) > send.deadline:
            policy = send.policy
            key_expires = policy.idempotent and policy.idempotency_window is not None
            maybe_out = send.ambiguous_before or isinstance(exc, AmbiguousError)
            if maybe_out and key_expires and policy.on_unknown != "retry":
                # It may have gone out, and the key will not hold until the next slot.
                await self.db.call(
                    Store.mark_unknown, post.id, error=send.say(reason), now=self.clock()
                )
                log_event(
                    "post.unknown",
                    level=logging.WARNING,
                    **fields,
                    error=reason,
                    hint=f"check {post.channel}, then `excerpt-bot resolve {post.id} "
                    "--sent` or `--requeue`",
                )
                return "unknown"
            await self.db.call(Store.requeue, post.id, now=self.clock())
            log_event(
                "post.requeued",
                level=logging.WARNING,
                **fields,
                error=reason,
                reason="the slot's grace ran out before a retry could go",
            )
            return "requeued"
        log_event("post.retry", **fields, error=reason, attempt=send.tries, wait_s=round(delay, 3))
        task = asyncio.current_task()
        if task is not None:
            self.waiting.add(task)
        try:
            await self.sleep(delay)
        except asyncio.CancelledError:
            # Told to stop while waiting: the post was not sent, so it goes back to the queue.
            await self.db.call(Store.requeue, post.id, now=self.clock())
            log_event("post.requeued", **fields, reason="shutdown during a retry wait")
            raise
        finally:
            self.waiting.discard(task)
        return "retry"

    async def _finish(self, post, started, t0, outcome: str, error: str | None) -> None:
        await self.db.call(
            Store.record_attempt,
            post.id,
            started_at=started,
            finished_at=self.clock(),
            outcome=outcome,
            error=error,
        )
        if error is not None:
            await self.db.call(
                Store.record_channel_error, post.channel, error=error, now=self.clock()
            )
