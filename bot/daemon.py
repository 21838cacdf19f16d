"""The daemon: the store, the library scan (`bot.sources.scans`), one APScheduler trigger
per channel schedule, one polling job per feed source (`bot.sources.feeds.jobs`), and the
operator surfaces asked for (`bot.surfaces`, the admin chat).

`Daemon(config_path).run()` runs until SIGTERM or SIGINT: it finishes the send in flight,
puts a post waiting for a retry back in the queue, and returns. SIGHUP reloads the config
(an invalid one keeps the old one running), re-creates the jobs (feed sources included)
and rescans the library. The queue lives in the
store, never in the scheduler: memory does not grow with it.

If the database file is deleted, moved or replaced while the daemon runs, the first write
that notices (`bot.store.engine.FileWatch`: a claim, before any send) stops the daemon:
one `database.gone` line, and `run` ends with that error (exit status 2), so nothing goes
out that the database cannot record.

Several daemons on one PostgreSQL database share the work through leases
(`bot.leaseholder`): every daemon schedules every channel, and a slot, a scan, a feed
poll or the admin chat runs only on the daemon holding its lease. What comes to a daemon
from elsewhere — a previous run's unfinished sends, missed slots, the leases a heartbeat
takes over — is `bot.takeover`'s. SIGTERM hands every lease back once the sends in
flight end. On an SQLite file one daemon does everything, under `bot.store.lock`.

On a `bot.stepped.SteppedClock`, `async with daemon.stepped():` starts the same daemon
in-process, and `await daemon.run_until(t)` runs its jobs due up to `t`, each at its own
instant on that clock, and returns without sleeping (a burst mode, for tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Config, load_config
from bot.dispatch import Dispatcher
from bot.errors import DatabaseGone, UserError
from bot.leaseholder import ADMIN, CHANNEL, FEED, LIBRARY, LeaseHolder, default_instance
from bot.logs import log_event, redact, register_url_secrets, setup_logging
from bot.offloop import AsyncStore, StoredMemory
from bot.platforms import Channel, build_channel
from bot.policy import ChannelPolicy
from bot.render.channel import remembered, render_for
from bot.schedule.slots import channel_triggers
from bot.sources.feeds.jobs import FeedJobs
from bot.sources.scans import LibraryScans
from bot.stepped import SteppedClock, SteppedScheduler
from bot.store import Store
from bot.surfaces import start_metrics, start_web
from bot.takeover import Takeover

if TYPE_CHECKING:
    from bot.admin.chat import AdminChat

SHUTDOWN_GRACE = 8.0  # seconds a send in flight may take to finish after SIGTERM


def utc_now() -> datetime:
    return datetime.now(UTC)


class Daemon:
    """Constructing stores the settings; `run()` does the work."""

    def __init__(
        self, config_path: Path, *, environ: dict[str, str], clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.config_path = config_path
        self.environ = environ
        self.clock = clock
        # Retry waits: on a stepped clock they wait for the clock, never for the wall clock.
        self.sleep = clock.sleep if isinstance(clock, SteppedClock) else asyncio.sleep
        self.config: Config | None = None
        self.store: Store | None = None
        self.db: AsyncStore | None = None  # the store, for code on the event loop
        self.channels: dict[str, Channel] = {}
        self.dispatcher: Dispatcher | None = None
        self.policies: dict[str, ChannelPolicy] = {}
        self.feeds = FeedJobs(clock=clock)
        self.scheduler: AsyncIOScheduler | SteppedScheduler | None = None
        self.metrics = None  # a bot.metrics.MetricsServer when metrics_port is set
        self.admin: AdminChat | None = None  # the Telegram admin chat, with [admin]
        self.web = None  # a bot.web.server.WebConsole when [web] listen is set
        self._fire_times: dict[str, datetime] = {}  # job id -> the slot it was submitted for
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._background: set[asyncio.Future] = set()  # rescans and closes after a reload
        self.library = LibraryScans(clock=clock, should_stop=self._stop.is_set)
        self.failure: UserError | None = None  # why the daemon stopped itself, if it did
        self.leases: LeaseHolder | None = None  # what of the work is this daemon's
        self._running_slots: set[str] = set()  # channels with a slot under way
        self.takeover = Takeover(self)

    async def run(self, *, once: bool = False) -> None:
        """Run until told to stop (or, with `once`, send one slot per channel and return).

        SIGTERM and SIGINT ask it to stop until it has closed its channels and its store:
        a second Ctrl-C while it closes changes nothing (it stops all the same), rather
        than interrupt the store's close with a traceback."""
        loop = asyncio.get_running_loop()
        try:
            async with self._opened():
                await self._start(once=once)
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        if self.failure is not None:
            raise self.failure

    @asynccontextmanager
    async def stepped(self) -> AsyncIterator[Daemon]:
        """The daemon started in-process on its SteppedClock, as `run` starts it (the lock,
        recovery, the first scan, missed slots, the jobs) but with no signal handlers and
        nothing fired until `run_until`. Leaving stops it as SIGTERM does."""
        if not isinstance(self.clock, SteppedClock):
            raise TypeError("Daemon.stepped needs Daemon(clock=SteppedClock(...))")
        async with self._opened():
            self._recover_and_scan()
            await self._begin(SteppedScheduler(self.clock))
            try:
                yield self
            finally:
                await self.scheduler.settle(also=self._work_in_flight)
                await self._shutdown()
        if self.failure is not None:
            raise self.failure

    async def run_until(self, until: datetime) -> None:
        """Inside `stepped()`: move the clock to each instant something is due, up to
        `until` — a slot, a scan, a feed poll, the end of a retry wait — and run what is due
        then through the same jobs as the scheduler, each instant's work done before the
        next. Returns with the clock at `until` and nothing due by then left to run."""
        if not isinstance(self.scheduler, SteppedScheduler):
            raise RuntimeError("run_until runs inside `async with daemon.stepped():`")
        await self.scheduler.run_until(until, also=self._work_in_flight)

    def _work_in_flight(self) -> list[asyncio.Future]:
        """Work not started by a job: catch-up slots, a reload's rescan and closes."""
        return [*self._tasks, *self._background]

    @asynccontextmanager
    async def _opened(self) -> AsyncIterator[None]:
        """Config, logging, channels and the store, under the single-instance lock."""
        config = load_config(self.config_path)
        setup_logging(
            level=config.bot.log_level, fmt=config.bot.log_format, file=config.bot.log_file
        )
        channels = _build_channels(config, self.environ)
        admin = _admin_chat(config, self.environ, self.clock, self.sleep)
        store = Store.open(config.bot.database, password=config.bot.database_password(self.environ))
        loop = asyncio.get_running_loop()

        def gone(error: UserError) -> None:  # from the thread whose write noticed
            with contextlib.suppress(RuntimeError):  # the loop is closed: already stopped
                loop.call_soon_threadsafe(self._database_gone, error)

        store.on_database_gone(gone)
        self.leases = LeaseHolder(
            None,
            config.bot.instance or default_instance(),
            shared=store.postgresql,
            ttl=config.bot.lease_ttl,
            clock=self.clock,
        )
        # One daemon on an SQLite file (its lock); on PostgreSQL, leases.
        alone = contextlib.nullcontext() if store.postgresql else store.daemon_lock()
        try:
            with alone:
                self.store = store
                self.db = AsyncStore(store)
                self.leases.db = self.db
                self.leases.register(store)
                if admin is not None:  # it hears the start-up's events (recovery) too
                    self.admin = admin
                    admin.listen(self.db, lambda: self.config)
                await self._start_channels(channels)
                self._apply(config, channels)
                yield
        finally:
            if self.admin is not None:
                await self.admin.stop()
            if self.db is not None and self.failure is None:
                with contextlib.suppress(UserError):  # the database is out of reach
                    await self.leases.release_all()
            await self._close_channels()
            if self.db is not None:
                self.db.close()
            store.close()

    async def _start(self, *, once: bool) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        try:
            self._recover_and_scan()
            if once:
                await self._run_once()
                return
            await self._begin(AsyncIOScheduler(timezone=UTC))
            await self._stop.wait()
            await self._shutdown()
        finally:
            loop.remove_signal_handler(signal.SIGHUP)  # no reload while stopping

    def _recover_and_scan(self) -> None:
        self.takeover.recover()
        self.library.scan()

    async def _heartbeat(self) -> None:
        """Renew this daemon's leases, take its share (`bot.takeover`); fire the missed
        slots of the channels it took, scan if the library came with them."""
        if self._stop.is_set():
            return
        busy = [
            *(CHANNEL + name for name in self._running_slots),
            *(FEED + url for url in self.feeds.polling),
        ]
        if self.library.scanning:
            busy.append(LIBRARY)
        taken = await self.takeover.heartbeat(busy)
        self._catch_up(taken.catch_up)
        if taken.library:
            self._background_work(
                asyncio.get_running_loop().create_task(self.library.scan_off_loop())
            )

    async def _begin(self, scheduler: AsyncIOScheduler | SteppedScheduler) -> None:
        """Missed slots settled, the jobs on `scheduler`, metrics served: the daemon is up."""
        assert self.store is not None
        # First: a console that cannot start stops the daemon here.
        self.web = await start_web(self, send_now=self._send_now)
        self._catch_up(self.takeover.missed_at_start())
        self.scheduler = scheduler
        scheduler.add_listener(self._note_fire_time, EVENT_JOB_SUBMITTED)
        self._add_jobs()
        scheduler.start()
        self.metrics = await start_metrics(self)
        if self.admin is not None:
            await self.admin.start(active=self.leases.holds(ADMIN))
        log_event(
            "daemon.started",
            channels=sorted(self.channels),
            database=self.store.where,
            config=str(self.config_path),
            **(
                {"instance": self.leases.name, "holds": self.leases.channels()}
                if self.leases.shared
                else {}
            ),
        )

    async def _run_once(self) -> None:
        """Every feed polled and one slot on every channel, then return — or stop early, as
        SIGTERM asks."""
        slots = asyncio.ensure_future(self._poll_then_post())
        stop = asyncio.get_running_loop().create_task(self._stop.wait())
        done, _ = await asyncio.wait({slots, stop}, return_when=asyncio.FIRST_COMPLETED)
        if slots not in done:
            await self._shutdown()
        stop.cancel()
        await asyncio.gather(slots, return_exceptions=True)

    async def _poll_then_post(self) -> None:
        await self.feeds.poll_all()
        await asyncio.gather(*(self._spawn(self._slot(name)) for name in self.channels))

    async def _send_now(self, name: str) -> str:
        """The console's Send now: `name`'s next post (just pinned) through the daemon's
        own dispatcher, as a task of the daemon (a stop gives it its grace to finish)."""
        assert self.dispatcher is not None
        if self._stop.is_set():
            return "stopping"
        return await asyncio.shield(self._spawn(self.dispatcher.dispatch(name)))

    def stop(self) -> None:
        """Ask the daemon to stop (what SIGTERM and SIGINT do)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _database_gone(self, error: UserError) -> None:
        """The database file went away under us: stop at once, and say why once."""
        if self.failure is None:
            self.failure = error
            log_event("database.gone", level=logging.ERROR, error=str(error))
        self.stop()

    def reload(self) -> None:
        """Reload the config and rescan (what SIGHUP does); a bad config keeps the old one."""
        try:
            config = load_config(self.config_path)
            channels = _build_channels(config, self.environ)
        except UserError as exc:
            log_event(
                "config.invalid",
                level=logging.ERROR,
                config=str(self.config_path),
                error=str(exc),
                action="kept the running config",
            )
            return
        old = self.channels
        self._apply(config, channels)
        self.library.reread_all()  # channels or templates may have changed
        loop = asyncio.get_running_loop()
        # What the new channels learn goes to their memory: rendering uses it from the next
        # start or reload on (until then, what they learned before).
        self._background_work(loop.create_task(self._start_channels(channels)))
        for channel in old.values():
            self._background_work(loop.create_task(channel.aclose()))
        if self.scheduler is not None:
            self.scheduler.remove_all_jobs()
            self._add_jobs()
        self._background_work(loop.create_task(self.library.scan_off_loop()))
        log_event("config.reloaded", config=str(self.config_path), channels=sorted(channels))

    async def _start_channels(self, channels: dict[str, Channel]) -> None:
        """Each channel learns what it needs from its platform (a server's limits) into
        its memory, before the first scan queues for it."""
        self._give_memory(channels)
        results = await asyncio.gather(
            *(channel.start() for channel in channels.values()), return_exceptions=True
        )
        for name, result in zip(channels, results, strict=True):
            if isinstance(result, Exception):  # a bug in an adapter: it posts all the same
                log_event(
                    "channel.start_failed",
                    level=logging.ERROR,
                    channel=name,
                    error=redact(f"{type(result).__name__}: {result}"),
                )

    async def _maintain_channels(self) -> None:
        """Daily: each channel keeps its credentials fresh (`Channel.maintain`)."""
        mine = {
            name: channel
            for name, channel in self.channels.items()
            if self.leases.holds(CHANNEL + name)
        }
        results = await asyncio.gather(
            *(c.maintain() for c in mine.values()), return_exceptions=True
        )
        for name, result in zip(mine, results, strict=True):
            if isinstance(result, Exception):
                log_event(
                    "channel.maintain_failed",
                    level=logging.ERROR,
                    channel=name,
                    error=redact(f"{type(result).__name__}: {result}"),
                )

    def _give_memory(self, channels: dict[str, Channel]) -> None:
        assert self.db is not None
        for name, channel in channels.items():
            channel.memory = StoredMemory(self.db, name, self.clock)
            channel.clock = self.clock

    def _apply(self, config: Config, channels: dict[str, Channel]) -> None:
        """Run `config` and `channels`: its channels' settings as their memory completes
        them (`bot.render.channel.remembered`), so queueing and rendering use what they learned."""
        assert self.store is not None and self.db is not None
        self._give_memory(channels)
        config = remembered(config, self.store.recall)
        self.config = config
        self.channels = channels
        enabled = config.enabled_channels()
        self.policies = {name: ChannelPolicy.of(c) for name, c in enabled.items()}
        self.dispatcher = Dispatcher(
            self.db,
            channels,
            self.policies,
            lambda name, article, excerpt: render_for(enabled[name], article, excerpt),
            clock=self.clock,
            sleep=self.sleep,
        )
        self.library.configure(config, self.store)
        self.library.may_scan = lambda: self.leases.holds(LIBRARY)
        register_url_secrets(*(source.feed for source in config.sources))
        self.feeds.configure(config, self.store)
        self.feeds.may_poll = lambda url: self.leases.holds(FEED + url)

    def _add_jobs(self) -> None:
        assert self.scheduler is not None and self.config is not None
        for name, channel in self.config.enabled_channels().items():
            for i, trigger in enumerate(channel_triggers(channel)):
                self.scheduler.add_job(
                    self._slot,
                    trigger,
                    args=(name, f"{name}#{i}"),
                    id=f"{name}#{i}",
                    name=f"{name}#{i}",
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=max(1, int(channel.grace.total_seconds())),
                )
        self.scheduler.add_job(
            self.library.scan_off_loop,
            self._every(self.config.bot.scan_interval),
            id="scan",
            name="scan",
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.add_job(
            self._maintain_channels,
            self._every(timedelta(days=1)),
            id="maintain",
            name="maintain",
            max_instances=1,
            coalesce=True,
        )
        for url, source in self.feeds.sources.items():  # the first poll at once
            self.scheduler.add_job(
                self.feeds.poll,
                self._every(source.poll),
                args=(url,),
                id=f"feed {url}",
                name=f"feed {url}",
                max_instances=1,
                coalesce=True,
                next_run_time=self.clock(),
            )

        if self.admin is not None:
            self.admin.add_jobs(self.scheduler, self._every)
        if self.leases is not None and self.leases.shared:
            self.scheduler.add_job(
                self._heartbeat,
                self._every(self.leases.every),
                id="heartbeat",
                name="heartbeat",
                max_instances=1,
                coalesce=True,
            )

    def _every(self, interval: timedelta) -> IntervalTrigger:
        """Every `interval` from now on the daemon's clock (APScheduler's own default start
        reads the wall clock)."""
        return IntervalTrigger(
            seconds=interval.total_seconds(), start_date=self.clock() + interval, timezone=UTC
        )

    def _catch_up(self, slots: tuple[tuple[str, datetime], ...]) -> None:
        """A missed slot caught up now on each channel: (channel, the slot's time)."""
        for name, slot in slots:
            self._spawn(self._slot(name, slot=slot))

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _background_work(self, future: asyncio.Future) -> None:
        self._background.add(future)
        future.add_done_callback(self._background.discard)

    def _note_fire_time(self, event: JobSubmissionEvent) -> None:
        self._fire_times[event.job_id] = event.scheduled_run_times[-1]

    async def _slot(
        self, name: str, job_id: str | None = None, *, slot: datetime | None = None
    ) -> None:
        """One slot of one channel (the job's fire time, else `slot`, else now): post its
        next post. Never raises into the scheduler."""
        assert self.dispatcher is not None and self.store is not None
        if self._stop.is_set() or not self.leases.holds(CHANNEL + name):
            return  # another daemon's channel (several on one database)
        self._running_slots.add(name)
        try:
            await self._fire(name, job_id, slot)
        finally:
            self._running_slots.discard(name)

    async def _fire(self, name: str, job_id: str | None, slot: datetime | None) -> None:
        now = self.clock()
        scheduled = self._fire_times.pop(job_id, None) if job_id else None
        noted = scheduled or slot or now
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            if not await self.db.call(self.leases.begin_slot, name, noted, now):
                return  # the channel went to another daemon just now, or the slot fired
            # Logged once the slot is noted: one event a slot, whichever daemon fired it.
            log_event(
                "slot.fired",
                level=logging.DEBUG,
                channel=name,
                job=job_id,
                scheduled=noted.isoformat(),
                **(
                    {"late_ms": round((now - scheduled).total_seconds() * 1000, 3)}
                    if scheduled is not None
                    else {"catch_up": slot is not None}
                ),
            )
            await self.dispatcher.dispatch(name, slot=now)
        except asyncio.CancelledError:
            if not self._stop.is_set():
                raise
            # Cut short by the shutdown (a retry wait, a send past its grace), which the
            # dispatcher logged: a normal end for the scheduler, not a job's failure.
            if task is not None:
                task.uncancel()
        except DatabaseGone:
            pass  # said once, by _database_gone; the daemon is stopping
        except Exception as exc:  # one channel's trouble never stops the daemon
            log_event(
                "slot.error",
                level=logging.ERROR,
                channel=name,
                error=f"{type(exc).__name__}: {exc}",
                exc_info=exc,
            )
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def _shutdown(self) -> None:
        self.feeds.stop()
        if self.scheduler is not None:
            # No new slots; but not shutdown() yet: APScheduler's asyncio executor cancels
            # the jobs still running, which would cut a send in flight.
            self.scheduler.pause()
        if self.metrics is not None:
            await self.metrics.stop()
        if self.web is not None:
            await self.web.stop()
        pending = [t for t in self._tasks if not t.done()]
        if self.dispatcher is not None:
            for task in list(self.dispatcher.waiting):  # a retry wait is cut short at once
                task.cancel()
        still: set[asyncio.Task] = set()
        if pending:
            # Sends in flight get a few seconds; a retry wait is cut short (the post goes
            # back to the queue): shutdown never waits out a rate-limit pause.
            _, still = await asyncio.wait(pending, timeout=SHUTDOWN_GRACE)
            for task in still:
                task.cancel()
            await asyncio.gather(*still, return_exceptions=True)
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        log_event("daemon.stopped", interrupted=len(still))

    async def _close_channels(self) -> None:
        for channel in self.channels.values():
            await channel.aclose()


def _admin_chat(config: Config, environ: dict[str, str], clock, sleep) -> AdminChat | None:
    if config.admin is None:
        return None
    from bot.admin.chat import AdminChat  # its client and outbox: only with [admin]

    return AdminChat.configured(config, environ, clock=clock, sleep=sleep)


def _build_channels(config: Config, environ: dict[str, str]) -> dict[str, Channel]:
    return {name: build_channel(ch, environ) for name, ch in config.enabled_channels().items()}
