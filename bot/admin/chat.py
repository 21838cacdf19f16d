"""The admin chat in the daemon: approvals asked and decided, alerts, the daily digest.

    chat = AdminChat.configured(config, environ, clock=…, sleep=…)   None without [admin]
    chat.listen(db, current_config)  from the daemon's opening: log events are collected
    await chat.start()               the outbox pump and the long poll start
    chat.add_jobs(scheduler, every)  the periodic look (approvals, feeds) and the digest
    await chat.stop()                (the outbox keeps what is not out, for the next start)

Several daemons on one database run one chat: the one holding the "admin" lease (one bot
token has one long poll: Telegram answers a second getUpdates with 409 Conflict). The
others `start(active=False)`: their log events still become alerts in the shared outbox,
which the active daemon's pump sends (at its next look at the latest); `take_over()` and
`stand_down()` follow the lease as it moves.
    await chat.idle()                for tests: what can go is out, the rest waits on the clock

Everything said in the chat goes through the outbox in the store (`bot.store.admin`),
queued once per key ("approval:12", "alert:…", "digest:2026-12-01") and sent in order by
the outbox pump (`bot.admin.pump`: 20 a minute, retried with backoff). The pump, the
long poll and the taking in of log events are tasks of their own: a slow or unreachable
Telegram never holds up a slot, and a message not out at a stop goes at the next start.
python-telegram-bot is imported off the event loop, at start.

Alerts (`bot.admin.alerts`) come from the daemon's log events, which a logging handler
hands over; a feed failing for FEED_FAILING is found by the periodic look. The digest
(`bot.admin.digest`) is a cron job at `digest_at` in [bot] timezone.

A press is decided by the store's own `approve` / `skip` (pending only): a second press,
or one after a decision elsewhere, changes nothing and is answered with what became of
the post; a press from a user not in `allowed_users` is answered "not allowed" and logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.admin import alerts
from bot.admin.client import AdminClient, Press
from bot.admin.digest import digest_facts, digest_key, digest_text
from bot.admin.pump import BACKOFF_CAP, OutboxPump
from bot.admin.texts import APPROVE, SKIP, already, approval_request, decided, decided_elsewhere
from bot.errors import ChannelError, RenderError, UserError
from bot.logs import LOGGER_NAME, REDACTOR, log_event, redact
from bot.offloop import in_thread
from bot.platforms.telegram import load_library
from bot.store import Store
from bot.store import admin as outbox
from bot.store.admin import NewMessage

if TYPE_CHECKING:
    from bot.config import Config
    from bot.config.admin import AdminSettings
    from bot.offloop import AsyncStore

LOOK_EVERY = timedelta(minutes=1)  # posts waiting for approval are looked for at least this often
APPROVALS_PER_LOOK = 100
RUNNING_KEY = "daemon.running"  # remembered while the daemon runs: found at start = unclean stop
DIGEST_GRACE = 3600  # seconds late the digest may still go (a busy or suspended machine)
STOP_GRACE = 5.0  # seconds a stop waits for the last events to be queued
FEED_FAILING = timedelta(hours=6)  # a feed failing this long is an alert


class AdminChat:
    """The daemon's side of the admin chat. Constructing stores settings; `start` runs it."""

    def __init__(
        self,
        settings: AdminSettings,
        client: AdminClient,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Any],
    ) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self.sleep = sleep
        self.db: AsyncStore | None = None
        self._config: Callable[[], Config] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._tap: _EventTap | None = None
        self._events: list[tuple[str, dict[str, Any], datetime]] = []
        self._intake: asyncio.Task | None = None
        self._pump: OutboxPump | None = None
        self._poll: asyncio.Task | None = None
        self._looking = asyncio.Lock()
        self._started = False
        self._stopping = False
        self._running_noted = False  # RUNNING_KEY is this daemon's to clear at the stop

    @classmethod
    def configured(
        cls,
        config: Config,
        environ: Mapping[str, str],
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Any],
    ) -> AdminChat | None:
        """The admin chat `config` asks for (None without `[admin]`); its token read from
        `environ` (ConfigProblems when it is not there)."""
        from bot.config.problems import ConfigProblems

        settings = config.admin
        if settings is None:
            return None
        token = environ.get(settings.token_env, "")
        if not token.strip():
            state = "is empty" if settings.token_env in environ else "is not set"
            prefix = f"{config.source}: " if config.source else ""
            raise ConfigProblems(
                [
                    f"{prefix}admin.token_env: environment variable {settings.token_env} {state} "
                    "(export it, or add it to the service's EnvironmentFile)"
                ]
            )
        client = AdminClient(
            token=token,
            chat_id=settings.telegram_chat_id,
            api_base_url=settings.api_base_url,
            timeout=settings.timeout.total_seconds(),
        )
        return cls(settings, client, clock=clock, sleep=sleep)

    # --- lifecycle ----------------------------------------------------------------------

    def listen(self, db: AsyncStore, current_config: Callable[[], Config]) -> None:
        """Collect the daemon's log events from now on (they are taken in at `start`)."""
        self.db, self._config = db, current_config
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._tap = _EventTap(self)
        logging.getLogger(LOGGER_NAME).addHandler(self._tap)

    @property
    def active(self) -> bool:
        """Whether this daemon runs the chat (sends, polls, looks, digests)."""
        return self._poll is not None

    async def start(self, *, active: bool = True) -> None:
        """Take in the daemon's log events from now on; and, `active`, run the chat
        (`take_over`)."""
        assert self.db is not None
        await in_thread(load_library)  # python-telegram-bot, off the event loop
        self._started = True
        self._take_in()
        if active:
            await self.take_over()

    async def take_over(self) -> None:
        """Run the chat from this daemon: note it running (an unclean stop of the one that
        ran it before is an alert), send what the outbox holds, listen for presses."""
        assert self.db is not None
        if self.active or self._stopping:
            return
        previous = await self.db.call(Store.read_with, outbox.recall, RUNNING_KEY)
        now = self.clock()
        if previous is not None:
            log_event("daemon.unclean_stop", level=logging.WARNING, last_started=previous)
        await self.db.call(Store.write_with, outbox.remember, RUNNING_KEY, now.isoformat(), now=now)
        self._running_noted = True
        self._pump = OutboxPump(self.db, self.client, clock=self.clock, sleep=self.sleep)
        self._kick()
        self._poll = asyncio.get_running_loop().create_task(self._poll_presses())
        log_event(
            "admin.started",
            chat=str(self.settings.telegram_chat_id),
            allowed_users=list(self.settings.allowed_users),
        )

    async def stand_down(self) -> None:
        """Stop sending and polling (the admin lease is no longer this daemon's); what is
        not out stays in the outbox for the daemon that takes the chat over. Log events
        are still taken in."""
        pump, poll = self._pump, self._poll
        self._pump = self._poll = None
        self._running_noted = False  # the next daemon's now: never cleared from here
        if pump is not None:
            await pump.stop()
        if poll is not None:
            poll.cancel()
            await asyncio.gather(poll, return_exceptions=True)
        log_event("admin.stood_down", chat=str(self.settings.telegram_chat_id))

    def add_jobs(self, scheduler, every: Callable[[timedelta], Any]) -> None:
        """The periodic look, and the daily digest at `digest_at` in [bot] timezone, on
        the daemon's scheduler."""
        scheduler.add_job(
            self.look,
            every(LOOK_EVERY),
            id="admin look",
            name="admin look",
            max_instances=1,
            coalesce=True,
        )
        at = self.settings.digest_at
        if at is not None and self._config is not None:
            zone = ZoneInfo(self._config().bot.timezone)
            scheduler.add_job(
                self.digest,
                CronTrigger(hour=at.hour, minute=at.minute, timezone=zone),
                id="admin digest",
                name="admin digest",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=DIGEST_GRACE,
            )

    async def digest(self) -> None:
        """Queue the daily digest (once a local day), when this daemon runs the chat."""
        assert self.db is not None and self._config is not None
        if not self.active:
            return
        config, now = self._config(), self.clock()
        zone = config.bot.timezone
        facts = await self.db.call(digest_facts, config, now)
        message = NewMessage(digest_key(now, zone), digest_text(facts, zone))
        queued = await self.db.call(Store.write_with, outbox.queue_messages, [message], now=now)
        if queued:
            log_event(
                "admin.digest",
                sent=len(facts.sent),
                troubled=len(facts.troubled),
                due=sum(len(entry.slots) for entry in facts.due),
            )
            self._kick()

    async def stop(self) -> None:
        """Stop listening and sending; what is not out stays in the outbox. The events
        heard last (a post cut short by the stop) are queued first, for the next start."""
        if self._tap is not None:
            logging.getLogger(LOGGER_NAME).removeHandler(self._tap)
            self._tap = None
        if self._pump is not None:
            self._pump.close()  # nothing new is sent from here on
        if self._started:
            self._take_in()
            if self._intake is not None and not self._intake.done():
                with contextlib.suppress(Exception):  # logged; the stop goes on
                    await asyncio.wait_for(asyncio.shield(self._intake), STOP_GRACE)
        self._stopping = True
        if self._pump is not None:
            await self._pump.stop()
        tasks = [t for t in (self._poll, self._intake) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._running_noted and self.db is not None:
            await self.db.call(
                Store.write_with, outbox.remember, RUNNING_KEY, None, now=self.clock()
            )
            self._running_noted = False
        self._started = False
        await self.client.aclose()

    async def idle(self, timeout: float = 30.0) -> None:
        """Wait until the events are taken in and every message that may go is out (or
        waits on a SteppedClock); fail after `timeout` wall-clock seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            sleeping = getattr(self.clock, "sleeping", set())
            busy = [
                t
                for t in (self._intake, self._pump.task if self._pump else None)
                if t is not None and not t.done() and t not in sleeping
            ]
            if not busy and not self._events:
                return
            if loop.time() > deadline:
                raise RuntimeError(f"the admin chat is still busy after {timeout:.0f} s")
            waits = [*busy]
            fell_asleep = getattr(self.clock, "fell_asleep", None)
            if fell_asleep is not None:
                waits.append(fell_asleep())
            await asyncio.wait(
                waits or [asyncio.ensure_future(asyncio.sleep(0))],
                timeout=max(0.0, deadline - loop.time()),
                return_when=asyncio.FIRST_COMPLETED,
            )
            for waiter in waits[len(busy) :]:
                waiter.cancel()

    # --- log events in ------------------------------------------------------------------

    def note(self, event: str, fields: dict[str, Any]) -> None:
        """A log event (from any thread): taken in on the event loop."""
        when = self.clock()
        if threading.get_ident() == self._loop_thread:
            self._noted(event, fields, when)
        elif self._loop is not None:
            with contextlib.suppress(RuntimeError):  # a closed loop: the daemon is gone
                self._loop.call_soon_threadsafe(self._noted, event, fields, when)

    def _noted(self, event: str, fields: dict[str, Any], when: datetime) -> None:
        if self._stopping:
            return
        self._events.append((event, fields, when))
        if self._started:
            self._take_in()

    def _take_in(self) -> None:
        if self._events and (self._intake is None or self._intake.done()):
            self._intake = asyncio.get_running_loop().create_task(self._take_events())

    async def _take_events(self) -> None:
        """Queue the alerts the collected events call for; look for posts to approve
        when the events say some may have come."""
        assert self.db is not None
        while self._events:
            events, self._events = self._events, []
            zone = self._config().bot.timezone if self._config is not None else "UTC"
            messages = [m for m in (alerts.alert_for(*e, zone) for e in events) if m is not None]
            if messages:
                await self.db.call(
                    Store.write_with, outbox.queue_messages, messages, now=self.clock()
                )
                self._kick()
            if self.active and any(
                alerts.may_bring_approvals(event, fields) for event, fields, _ in events
            ):
                await self.look()

    # --- approvals ----------------------------------------------------------------------

    async def look(self) -> None:
        """Ask about every post waiting for approval not yet asked about; note those
        decided elsewhere on their question; tell of feeds failing for FEED_FAILING; send
        what other daemons queued. (The scheduler's periodic job, too.) Only on the daemon
        that runs the chat."""
        if not self.active:
            return
        await self._look_at_approvals()
        await self._look_at_feeds()
        self._kick()

    async def _look_at_feeds(self) -> None:
        """A feed that has failed for more than FEED_FAILING: `feed.failing`, once a spell."""
        assert self.db is not None and self._config is not None
        now = self.clock()
        urls = [source.feed for source in self._config().sources if source.feed]
        if not urls:
            return
        for feed in await self.db.call(Store.write_with, outbox.failing_feeds, urls, now=now):
            if now - feed.since <= FEED_FAILING:
                continue
            # Redacted here as the log redacts it: the alert's key is the same either way.
            fields = {
                "feed": redact(feed.url),
                "since": feed.since.isoformat(),
                "failures": feed.failures,
                "error": feed.error,
            }
            key = alerts.alert_key("feed.failing", fields, now)
            if await self.db.call(Store.read_with, outbox.has_message, key):
                continue
            log_event("feed.failing", level=logging.WARNING, **fields)

    async def _look_at_approvals(self) -> None:
        assert self.db is not None and self._config is not None
        async with self._looking:
            while True:
                pending = await self.db.call(
                    Store.read_with, outbox.unannounced_pending, APPROVALS_PER_LOOK
                )
                if not pending:
                    break
                config = self._config()
                messages = [self._question(post, config) for post in pending]
                await self.db.call(
                    Store.write_with, outbox.queue_messages, messages, now=self.clock()
                )
                self._kick()
                if len(pending) < APPROVALS_PER_LOOK:
                    break
            for post_id, status in await self.db.call(Store.read_with, outbox.decided_approvals):
                await self._note_decision(post_id, status=status, press=None)

    def _question(self, post: outbox.PendingPost, config: Config) -> NewMessage:
        from bot.render.channel import render_for
        from bot.schedule.slots import next_slots

        channel = config.enabled_channels().get(post.channel)
        zone = config.bot.timezone
        if channel is None:
            text, parse_mode, platform, slot = (
                f"{post.excerpt.text}\n\n(the channel is not enabled in the config: "
                "nothing goes out there until it is)",
                None,
                "not enabled",
                None,
            )
        else:
            platform = channel.platform
            slots = next_slots(channel, self.clock(), 1)
            slot = slots[0] if slots else None
            try:
                rendered = render_for(channel, post.article, post.excerpt)
                text, parse_mode = rendered.text, rendered.parse_mode
            except RenderError as exc:
                text, parse_mode = f"{post.excerpt.text}\n\n(cannot be rendered: {exc})", None
        question, buttons = approval_request(
            post_id=post.id,
            channel=post.channel,
            platform=platform,
            slot=slot,
            zone=zone,
            title=post.article.title,
            text=text,
            parse_mode=parse_mode,
        )
        return NewMessage(f"approval:{post.id}", question, buttons, post_id=post.id)

    async def _on_press(self, press: Press) -> None:
        if press.user_id not in self.settings.allowed_users:
            log_event(
                "admin.press_refused",
                level=logging.WARNING,
                user=press.user_id,
                name=press.user_name,
                button=press.data,
                hint="only the users in [admin] allowed_users may decide",
            )
            await self._answer(press, "not allowed")
            return
        action, _, number = press.data.partition(":")
        if action not in (APPROVE, SKIP) or not number.isdigit():
            await self._answer(press, "this button is not excerpt-bot's")
            return
        post_id, now = int(number), self.clock()
        assert self.db is not None
        try:
            if action == APPROVE:
                await self.db.call(Store.approve, [post_id], now=now)
            else:
                await self.db.call(Store.skip, post_id, now=now, pending_only=True)
        except UserError:
            status = await self.db.call(Store.read_with, outbox.post_status, post_id)
            await self._note_decision(post_id, status=status, press=None)
            await self._answer(press, already(status))
            return
        log_event(
            "post.approved" if action == APPROVE else "post.skipped",
            post=post_id,
            by=press.user_name,
            user=press.user_id,
            via="admin chat",
        )
        await self._note_decision(post_id, status=action, press=press)
        await self._answer(press, "approved" if action == APPROVE else "skipped")

    async def _note_decision(
        self, post_id: int, *, status: str | None, press: Press | None
    ) -> None:
        """Rewrite the question about `post_id` with its answer (once)."""
        assert self.db is not None and self._config is not None
        key = f"approval:{post_id}"
        question = await self.db.call(Store.read_with, outbox.message_text, key)
        if question is None or status is None:
            return
        now, zone = self.clock(), self._config().bot.timezone
        if press is not None:
            text = decided(question, action=status, by=press.user_name, at=now, zone=zone)
        else:
            text = decided_elsewhere(question, status=status, at=now, zone=zone)
        edit = NewMessage(f"decision:{post_id}", text, post_id=post_id, edits=key)
        await self.db.call(Store.write_with, outbox.queue_messages, [edit], now=now)
        self._kick()

    def _kick(self) -> None:
        """Have the pump send what was just queued (once started)."""
        if self._started and self._pump is not None:
            self._pump.kick()

    async def _answer(self, press: Press, text: str) -> None:
        try:
            await self.client.answer(press, text)
        except ChannelError as exc:  # a press answered late: Telegram has forgotten it
            log_event("admin.answer_failed", level=logging.DEBUG, error=redact(str(exc)))

    async def _poll_presses(self) -> None:
        """Long polling for presses, for as long as the daemon runs; never raises."""
        offset, failures = None, 0
        while not self._stopping:
            try:
                offset, presses = await self.client.presses(offset)
                failures = 0
            except ChannelError as exc:
                failures += 1
                delay = min(BACKOFF_CAP, 2.0**failures)
                log_event(
                    "admin.poll_failed",
                    level=logging.WARNING,
                    error=redact(str(exc)),
                    retry_in_s=delay,
                    failures=failures,
                )
                await self.sleep(delay)
                continue
            except Exception as exc:  # a bug here must not stop the daemon
                log_event(
                    "admin.poll_failed",
                    level=logging.ERROR,
                    error=redact(f"{type(exc).__name__}: {exc}"),
                    exc_info=exc,
                )
                await self.sleep(BACKOFF_CAP)
                continue
            for press in presses:
                try:
                    await self._on_press(press)
                except Exception as exc:  # one press's trouble never stops the others
                    log_event(
                        "admin.press_failed",
                        level=logging.ERROR,
                        error=redact(f"{type(exc).__name__}: {exc}"),
                        exc_info=exc,
                    )


class _EventTap(logging.Handler):
    """Hands the daemon's log events the admin chat cares about to it (secrets redacted)."""

    def __init__(self, chat: AdminChat) -> None:
        super().__init__(level=logging.DEBUG)
        self.chat = chat
        self.addFilter(REDACTOR)

    def emit(self, record: logging.LogRecord) -> None:
        event = record.getMessage()
        if event in alerts.WATCHED:
            self.chat.note(event, dict(getattr(record, "fields", None) or {}))
