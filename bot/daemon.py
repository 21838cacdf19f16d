"""The daemon: the store, the library scan, one APScheduler trigger per channel schedule,
one polling job per feed source (`bot.sources.feeds.jobs`).

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
(`bot.leaseholder`): every daemon schedules every channel, and a slot, a scan or a feed
poll runs only on the daemon holding its lease. A heartbeat (every third of `lease_ttl`)
renews them and takes this daemon's share; a channel taken over from a daemon that died
has its missed slots follow its `missed` policy and the posts it left `sending` settled;
one handed back (a clean stop, a newcomer's share) catches up the slot it may have lost
in between, within `grace`. The admin chat runs on the daemon holding the "admin" lease
(the others only queue their alerts), which stays put while that daemon lives. SIGTERM
hands every lease back once the sends in flight end.
On an SQLite file one daemon does everything, under `bot.store.lock`, as before.

On a `bot.stepped.SteppedClock`, `async with daemon.stepped():` starts the same daemon
in-process, and `await daemon.run_until(t)` runs its jobs due up to `t`, each at its own
instant on that clock, and returns without sleeping (a burst mode, for tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
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
from bot.offloop import AsyncStore, StoredMemory, in_thread
from bot.platforms import Channel, build_channel
from bot.policy import ChannelPolicy
from bot.render.channel import remembered, render_for
from bot.schedule.slots import channel_triggers, next_slots
from bot.sources.feeds.jobs import FeedJobs
from bot.sources.library import queue_existing, scan_library
from bot.stepped import SteppedClock, SteppedScheduler
from bot.store import Store

if TYPE_CHECKING:
    from bot.admin.chat import AdminChat

SHUTDOWN_GRACE = 8.0  # seconds a send in flight may take to finish after SIGTERM
MISSED_COUNT_CAP = 1000  # missed slots counted one by one, at most (then "1000+")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Daemon:
    """Constructing stores the settings; `run()` does the work."""

    def __init__(self, config_path: Path, *, environ: dict[str, str],
                 clock: Callable[[], datetime] = utc_now) -> None:
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
        self._scanning = threading.Lock()
        self._stamps: dict[str, tuple[int, int]] = {}  # files as last scanned (mtime, size)
        self._library_stale = True  # channels changed: queue the library on them at the scan
        self._reread = False  # the next scan reads every file, stamped unchanged or not
        self._scan_again = False  # a scan was asked for while one ran
        self.failure: UserError | None = None  # why the daemon stopped itself, if it did
        self.leases: LeaseHolder | None = None  # what of the work is this daemon's
        self._running_slots: set[str] = set()  # channels with a slot under way
        self._handed_over: set[str] = set()  # channels taken from a clean hand-back

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
        setup_logging(level=config.bot.log_level, fmt=config.bot.log_format,
                      file=config.bot.log_file)
        channels = _build_channels(config, self.environ)
        admin = _admin_chat(config, self.environ, self.clock, self.sleep)
        store = Store.open(config.bot.database,
                           password=config.bot.database_password(self.environ))
        loop = asyncio.get_running_loop()

        def gone(error: UserError) -> None:  # from the thread whose write noticed
            with contextlib.suppress(RuntimeError):  # the loop is closed: already stopped
                loop.call_soon_threadsafe(self._database_gone, error)

        store.on_database_gone(gone)
        self.leases = LeaseHolder(None, config.bot.instance or default_instance(),
                                  shared=store.postgresql, ttl=config.bot.lease_ttl,
                                  clock=self.clock)
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

    def _keyed(self) -> list[str]:
        """Channels whose posts go out under a key the platform keeps for ever."""
        return [name for name, policy in self.policies.items()
                if policy.idempotent and policy.idempotency_window is None]

    def _recover_and_scan(self) -> None:
        assert self.store is not None and self.config is not None and self.leases is not None
        if self.leases.shared:
            beat = self.leases.beat_now(self.store, self._lease_names())
            self._settle_taken([a.name for a in beat.acquired])
            self._handed_over |= {a.name.removeprefix(CHANNEL) for a in beat.acquired
                                  if a.handed_back}
            self.scan()
            return
        keyed = self._keyed()
        for post_id in self.store.requeue_interrupted(channels=keyed, now=self.clock()):
            log_event("post.requeued", level=logging.WARNING, post=post_id,
                      reason="interrupted while sending; its key settles it at the next try")
        others = [name for name in self.config.channels if name not in keyed]
        for post_id in self.store.recover_interrupted(channels=others, now=self.clock()):
            log_event("post.unknown", level=logging.WARNING, post=post_id,
                      error="interrupted while sending (the daemon stopped mid-send)",
                      hint=f"check the channel, then `excerpt-bot resolve {post_id} "
                      "--sent` or `--requeue`")
        self.scan()

    def _lease_names(self) -> list[str]:
        """Every piece of work there is a lease for: each channel, the library, each feed."""
        assert self.config is not None
        return [*(CHANNEL + name for name in self.config.enabled_channels()), LIBRARY,
                *(FEED + url for url in self.feeds.sources),
                *([ADMIN] if self.admin is not None else [])]

    def _settle_taken(self, leases: list[str]) -> None:
        """Channels just taken over: the posts a dead daemon left `sending` there are
        settled (unknown, or requeued where their key settles them)."""
        from bot.store.leases import settle_orphans

        assert self.store is not None and self.leases is not None
        channels = [n.removeprefix(CHANNEL) for n in leases if n.startswith(CHANNEL)]
        if not channels:
            return
        unknown, requeued = self.store.write_with(
            settle_orphans, channels, keyed=self._keyed(), now=self.clock(),
            ttl=self.leases.ttl)
        for post_id in requeued:
            log_event("post.requeued", level=logging.WARNING, post=post_id,
                      reason="its daemon died while sending; its key settles it at the next try")
        for post_id in unknown:
            log_event("post.unknown", level=logging.WARNING, post=post_id,
                      error="interrupted while sending (its daemon died mid-send)",
                      hint=f"check the channel, then `excerpt-bot resolve {post_id} "
                      "--sent` or `--requeue`")

    async def _heartbeat(self) -> None:
        """Renew this daemon's leases, take its share; settle what it took over."""
        assert self.leases is not None and self.store is not None
        if self._stop.is_set():
            return
        busy = [*(CHANNEL + name for name in self._running_slots),
                *(FEED + url for url in self.feeds.polling)]
        if self._scanning.locked():
            busy.append(LIBRARY)
        if self.admin is not None and self.admin.active:
            busy.append(ADMIN)  # moving the chat would cut its long poll: it stays put
        try:
            beat = await self.leases.beat(self._lease_names(), busy)
        except (UserError, OSError) as exc:  # the database out of reach: try next time
            log_event("lease.heartbeat_failed", level=logging.ERROR, error=str(exc))
            await self._admin_follows_lease()  # until the lease runs out
            return
        await self._admin_follows_lease()
        if not beat.acquired:
            return
        taken = [a.name for a in beat.acquired]
        await in_thread(self._settle_taken, taken)
        channels = {n.removeprefix(CHANNEL) for n in taken if n.startswith(CHANNEL)}
        handed = {a.name.removeprefix(CHANNEL) for a in beat.acquired if a.handed_back}
        self._handle_missed_slots(channels, handed_over=handed)
        if LIBRARY in taken:
            self._background_work(asyncio.get_running_loop().create_task(in_thread(self.scan)))

    async def _admin_follows_lease(self) -> None:
        """The admin chat runs here while this daemon holds the admin lease."""
        if self.admin is None or self._stop.is_set():
            return
        if self.leases.holds(ADMIN) and not self.admin.active:
            await self.admin.take_over()
        elif not self.leases.holds(ADMIN) and self.admin.active:
            await self.admin.stand_down()

    async def _begin(self, scheduler: AsyncIOScheduler | SteppedScheduler) -> None:
        """Missed slots settled, the jobs on `scheduler`, metrics served: the daemon is up."""
        assert self.store is not None
        await self._start_web()  # first: a console that cannot start stops the daemon here
        self._handle_missed_slots(handed_over=self._handed_over)
        self._handed_over = set()
        self.scheduler = scheduler
        scheduler.add_listener(self._note_fire_time, EVENT_JOB_SUBMITTED)
        self._add_jobs()
        scheduler.start()
        await self._start_metrics()
        if self.admin is not None:
            await self.admin.start(active=self.leases.holds(ADMIN))
        log_event("daemon.started", channels=sorted(self.channels),
                  database=self.store.where, config=str(self.config_path),
                  **({"instance": self.leases.name, "holds": self.leases.channels()}
                     if self.leases.shared else {}))

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

    async def _start_metrics(self) -> None:
        assert self.config is not None and self.store is not None
        port = self.config.bot.metrics_port
        if port is None:
            return
        from bot.metrics import MetricsServer  # prometheus_client costs memory: only when asked

        self.metrics = MetricsServer(
            self.store, lambda: sorted(self.channels),
            lambda: self.scheduler is not None and self.scheduler.running,
            host=self.config.bot.metrics_host, port=port,
            settings=lambda: self.config.channels if self.config is not None else {},
            clock=self.clock,
        )
        try:
            await self.metrics.start()
        except OSError as exc:
            raise UserError(f"bot.metrics_port: cannot listen on "
                            f"{self.config.bot.metrics_host}:{port}: {exc.strerror}") from exc
        log_event("metrics.listening", url=f"http://{self.config.bot.metrics_host}:{port}/metrics")

    async def _start_web(self) -> None:
        """The web console on this event loop, when [web] listen is set."""
        assert self.config is not None and self.db is not None
        if self.config.web.listen is None:
            return
        from bot.web import console_for  # aiohttp and Jinja2: only when asked

        self.web = console_for(lambda: self.config, self.db, self.clock, self.environ,
                               dispatch=self._send_now)
        try:
            await self.web.start()
        except OSError as exc:
            raise UserError(f"web.listen: cannot listen on {self.config.web.listen}: "
                            f"{exc.strerror}") from exc

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
            log_event("config.invalid", level=logging.ERROR, config=str(self.config_path),
                      error=str(exc), action="kept the running config")
            return
        old = self.channels
        self._apply(config, channels)
        self._stamps.clear()  # channels or templates may have changed: read every file again
        self._reread = True  # (the stamps the store keeps included)
        loop = asyncio.get_running_loop()
        # What the new channels learn goes to their memory: rendering uses it from the next
        # start or reload on (until then, what they learned before).
        self._background_work(loop.create_task(self._start_channels(channels)))
        for channel in old.values():
            self._background_work(loop.create_task(channel.aclose()))
        if self.scheduler is not None:
            self.scheduler.remove_all_jobs()
            self._add_jobs()
        # A big library takes a while to scan: off the event loop, so slots stay on time.
        self._background_work(loop.create_task(in_thread(self.scan)))
        log_event("config.reloaded", config=str(self.config_path), channels=sorted(channels))

    def scan(self) -> None:
        """Ingest new and changed articles of posts_dir; cancel posts of removed ones.

        One scan at a time: a scan asked for while another runs (SIGHUP during the periodic
        scan) is not run beside it; the running one scans once more when it is done, with
        the config as it is then. After a reload, the scan first queues the library on the
        channels new to it (or whose room changed).
        """
        if not self.leases.holds(LIBRARY):
            return  # another daemon scans
        self._scan_again = True
        if not self._scanning.acquire(blocking=False):
            return
        try:
            while self._scan_again and not self._stop.is_set():
                self._scan_again = False
                self._scan()
        except DatabaseGone:
            pass  # said once, by _database_gone; the daemon is stopping
        finally:
            self._scanning.release()

    async def _scan_job(self) -> None:
        """The periodic scan, off the event loop."""
        await in_thread(self.scan)

    def _scan(self) -> None:
        assert self.store is not None and self.config is not None
        posts_dir = self.config.bot.posts_dir
        if self._library_stale:
            self._library_stale = False
            queued = queue_existing(self.store, self.config.enabled_channels(), now=self.clock(),
                                    root=posts_dir)
            if queued.queued or queued.cancelled:
                log_event("library.queued", queued=queued.queued, cancelled=queued.cancelled)
        if not posts_dir.is_dir():
            log_event("library.missing", level=logging.WARNING, posts_dir=str(posts_dir))
            return
        reread, self._reread = self._reread, False
        report = scan_library(self.store, [posts_dir], channels=self.config.enabled_channels(),
                              now=self.clock(), root=posts_dir, prune=True,
                              stamps=self._stamps, site=self.config.site, remember=True,
                              reread=reread)
        log_event("library.scanned", posts_dir=str(posts_dir), new=report.new,
                  changed=report.changed, unchanged=report.unchanged, removed=report.removed,
                  failed=len(report.failed), queued=report.queued)

    async def _start_channels(self, channels: dict[str, Channel]) -> None:
        """Each channel learns what it needs from its platform (a server's limits) into
        its memory, before the first scan queues for it."""
        self._give_memory(channels)
        results = await asyncio.gather(*(channel.start() for channel in channels.values()),
                                       return_exceptions=True)
        for name, result in zip(channels, results, strict=True):
            if isinstance(result, Exception):  # a bug in an adapter: it posts all the same
                log_event("channel.start_failed", level=logging.ERROR, channel=name,
                          error=redact(f"{type(result).__name__}: {result}"))

    async def _maintain_channels(self) -> None:
        """Daily: each channel keeps its credentials fresh (`Channel.maintain`)."""
        mine = {name: channel for name, channel in self.channels.items()
                if self.leases.holds(CHANNEL + name)}
        results = await asyncio.gather(*(c.maintain() for c in mine.values()),
                                       return_exceptions=True)
        for name, result in zip(mine, results, strict=True):
            if isinstance(result, Exception):
                log_event("channel.maintain_failed", level=logging.ERROR, channel=name,
                          error=redact(f"{type(result).__name__}: {result}"))

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
            self.db, channels, self.policies,
            lambda name, article, excerpt: render_for(enabled[name], article, excerpt),
            clock=self.clock, sleep=self.sleep,
        )
        self._library_stale = True  # the next scan queues the library on new channels
        register_url_secrets(*(source.feed for source in config.sources))
        self.feeds.configure(config, self.store)
        self.feeds.may_poll = lambda url: self.leases.holds(FEED + url)

    def _add_jobs(self) -> None:
        assert self.scheduler is not None and self.config is not None
        for name, channel in self.config.enabled_channels().items():
            for i, trigger in enumerate(channel_triggers(channel)):
                self.scheduler.add_job(
                    self._slot, trigger, args=(name, f"{name}#{i}"), id=f"{name}#{i}",
                    name=f"{name}#{i}",
                    max_instances=1, coalesce=True,
                    misfire_grace_time=max(1, int(channel.grace.total_seconds())),
                )
        self.scheduler.add_job(
            self._scan_job, self._every(self.config.bot.scan_interval),
            id="scan", name="scan", max_instances=1, coalesce=True,
        )
        self.scheduler.add_job(
            self._maintain_channels, self._every(timedelta(days=1)),
            id="maintain", name="maintain", max_instances=1, coalesce=True,
        )
        for url, source in self.feeds.sources.items():  # the first poll at once
            self.scheduler.add_job(
                self.feeds.poll, self._every(source.poll),
                args=(url,), id=f"feed {url}", name=f"feed {url}", max_instances=1,
                coalesce=True, next_run_time=self.clock(),
            )

        if self.admin is not None:
            self.admin.add_jobs(self.scheduler, self._every)
        if self.leases is not None and self.leases.shared:
            self.scheduler.add_job(self._heartbeat, self._every(self.leases.every),
                                   id="heartbeat", name="heartbeat", max_instances=1,
                                   coalesce=True)

    def _every(self, interval: timedelta) -> IntervalTrigger:
        """Every `interval` from now on the daemon's clock (APScheduler's own default start
        reads the wall clock)."""
        return IntervalTrigger(seconds=interval.total_seconds(),
                               start_date=self.clock() + interval, timezone=UTC)

    def _handle_missed_slots(self, names: set[str] | None = None, *,
                             handed_over: set[str] = frozenset()) -> None:
        """Slots that passed while the daemon was down (or, for `names`, while the channel
        was another daemon's): skip them, or catch up once. A channel in `handed_over`
        came from a daemon that handed it back: its slot within grace is caught up."""
        assert self.store is not None and self.config is not None
        now = self.clock()
        for name, channel in self.config.enabled_channels().items():
            if (names is not None and name not in names) \
                    or not self.leases.holds(CHANNEL + name):
                continue
            last = self.store.channel_state(name).last_slot_at
            if last is None:
                continue
            missed = [t for t in next_slots(channel, last, MISSED_COUNT_CAP) if t < now]
            if not missed:
                continue
            # The latest missed slot, searched from within the grace window so that a long
            # downtime of a frequent schedule (beyond the count cap) still finds it.
            recent = [t for t in next_slots(channel, max(last, now - channel.grace),
                                            MISSED_COUNT_CAP) if t < now]
            catch_up = (channel.missed == "catch_up" or name in handed_over) and bool(recent)
            count = f"{MISSED_COUNT_CAP}+" if len(missed) == MISSED_COUNT_CAP else len(missed)
            # Info, not a warning: the gap is the downtime itself, which the operator saw
            # (a warning at every restart would teach them to ignore warnings).
            log_event("slot.missed", channel=name, missed=count,
                      latest=(recent or missed)[-1].isoformat(), stopped_since=last.isoformat(),
                      action="catch_up" if catch_up else "skip")
            if catch_up:
                self._spawn(self._slot(name, slot=(recent or missed)[-1]))

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

    async def _slot(self, name: str, job_id: str | None = None, *,
                    slot: datetime | None = None) -> None:
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
        if scheduled is not None:
            log_event("slot.fired", level=logging.DEBUG, channel=name, job=job_id,
                      scheduled=scheduled.isoformat(),
                      late_ms=round((now - scheduled).total_seconds() * 1000, 3))
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            if not await self.db.call(self.leases.begin_slot, name, scheduled or slot or now,
                                      now):
                return  # the channel went to another daemon just now, or the slot fired
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
            log_event("slot.error", level=logging.ERROR, channel=name,
                      error=f"{type(exc).__name__}: {exc}", exc_info=exc)
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
