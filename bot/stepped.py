"""Time that moves only when told: the daemon's burst mode (`Daemon.stepped`, `run_until`).

    clock = SteppedClock(start)      clock() is the time; `await clock.sleep(s)` waits for
                                     the clock to pass now + s, never for the wall clock
    scheduler = SteppedScheduler(clock)   the part of APScheduler's AsyncIOScheduler the
                                     daemon uses (add_job, listeners, pause, shutdown)
    await scheduler.run_until(t)     the clock moved from one due instant to the next up
                                     to t, the jobs due at each run to completion (or to a
                                     sleep on the clock) before the next

Nothing here sleeps on the wall clock. The scheduler follows APScheduler 3.x where the
daemon relies on it: a job's next run from its trigger; every run time passed coalesced
into the last; a run time older than the job's misfire grace is missed; a job whose last
run is still going is not started again (max_instances = 1); a coroutine job runs as a
task, any other in the default executor.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.triggers.base import BaseTrigger

_log = logging.getLogger("apscheduler.scheduler")  # what APScheduler itself would log
SETTLE_TIMEOUT = 60.0  # wall-clock seconds the work of one instant may take


class SteppedClock:
    """A clock standing at `now` until `advance` moves it; its `sleep` ends when it does."""

    def __init__(self, now: datetime) -> None:
        if now.utcoffset() is None:
            raise ValueError(f"a SteppedClock needs an aware datetime; got {now!r}")
        self.now = now
        self.sleeping: set[asyncio.Task] = set()  # tasks waiting in `sleep`, not yet woken
        self._wakes: list[tuple[datetime, int, asyncio.Future, asyncio.Task | None]] = []
        self._order = itertools.count()
        self._watchers: list[asyncio.Future] = []

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Wait until the clock reaches now + `seconds` (a retry wait, on this clock)."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        wake = asyncio.get_running_loop().create_future()
        task = asyncio.current_task()
        heapq.heappush(
            self._wakes, (self.now + timedelta(seconds=seconds), next(self._order), wake, task)
        )
        if task is not None:
            self.sleeping.add(task)
        for watcher in self._watchers:
            if not watcher.done():
                watcher.set_result(None)
        self._watchers.clear()
        try:
            await wake
        finally:
            wake.cancel()  # a cancelled sleeper leaves no live wake behind
            self.sleeping.discard(task)

    def fell_asleep(self) -> asyncio.Future:
        """A future done when some task next starts to `sleep`."""
        watcher = asyncio.get_running_loop().create_future()
        self._watchers = [w for w in self._watchers if not w.done()]  # none given up on
        self._watchers.append(watcher)
        return watcher

    def next_wake(self) -> datetime | None:
        """When the earliest sleeper wakes, or None when nobody sleeps."""
        while self._wakes and self._wakes[0][2].done():
            heapq.heappop(self._wakes)
        return self._wakes[0][0] if self._wakes else None

    def advance(self, to: datetime) -> None:
        """Move the clock on to `to` (never back) and wake every sleeper due by then (each
        is busy again from here on, though it runs only at the event loop's next turn)."""
        self.now = max(self.now, to)
        while self._wakes and self._wakes[0][0] <= self.now:
            _, _, wake, task = heapq.heappop(self._wakes)
            if not wake.done():
                wake.set_result(None)
                self.sleeping.discard(task)


@dataclass
class SteppedJob:
    """One job as APScheduler keeps it: what to call, its trigger, when it runs next."""

    id: str
    func: Callable
    trigger: BaseTrigger
    args: tuple
    misfire_grace_time: int | None
    coalesce: bool
    next_run_time: datetime | None
    name: str = ""

    def __str__(self) -> str:
        return (
            f"{self.name or self.id} (trigger: {self.trigger}, next run at: {self.next_run_time})"
        )


class SteppedScheduler:
    """The daemon's jobs on a SteppedClock; `fire_due()` starts the jobs due at its time."""

    def __init__(self, clock: SteppedClock) -> None:
        self.clock = clock
        self.jobs: dict[str, SteppedJob] = {}
        self.running_jobs: dict[str, asyncio.Future] = {}  # job id -> its latest run
        self.running = False
        self._paused = False
        self._listeners: list[Callable[[JobSubmissionEvent], Any]] = []

    def add_listener(self, callback: Callable[[JobSubmissionEvent], Any], mask: int) -> None:
        if mask & EVENT_JOB_SUBMITTED:
            self._listeners.append(callback)

    def add_job(
        self,
        func: Callable,
        trigger: BaseTrigger,
        *,
        args: tuple = (),
        id: str,
        name: str = "",
        max_instances: int = 1,
        coalesce: bool = True,
        misfire_grace_time: int | None = 1,
        next_run_time: datetime | None = None,
    ) -> SteppedJob:
        if max_instances != 1:
            raise ValueError("a SteppedScheduler runs one instance of a job at a time")
        first = next_run_time or trigger.get_next_fire_time(None, self.clock())
        job = SteppedJob(id, func, trigger, tuple(args), misfire_grace_time, coalesce, first, name)
        self.jobs[id] = job
        return job

    def remove_all_jobs(self) -> None:
        self.jobs.clear()  # runs in progress go on, and still count as running instances

    def start(self) -> None:
        self.running = True

    def pause(self) -> None:
        self._paused = True

    def shutdown(self, wait: bool = True) -> None:
        self.running = False
        self.jobs.clear()

    def next_due(self) -> datetime | None:
        """The earliest next run of any job, or None (paused, stopped or no job)."""
        if self._paused or not self.running:
            return None
        return min((j.next_run_time for j in self.jobs.values() if j.next_run_time), default=None)

    async def run_until(
        self, until: datetime, *, also: Callable[[], Iterable[asyncio.Future]] = list
    ) -> None:
        """Move the clock to each instant a job is due or a sleeper wakes, up to `until`,
        and run what is due then, each instant's work (and `also()`'s) settled before the
        next. Returns with the clock at `until`."""
        while True:
            await self.settle(also=also)
            due = [t for t in (self.next_due(), self.clock.next_wake()) if t is not None]
            if not due or min(due) > until:
                break
            self.clock.advance(min(due))
            self.fire_due()
        self.clock.advance(until)

    async def settle(self, *, also: Callable[[], Iterable[asyncio.Future]] = list) -> None:
        """Wait until every job run (and every future of `also()`) is done or asleep on the
        clock; fail after SETTLE_TIMEOUT wall-clock seconds without progress."""
        while True:
            busy = [
                work
                for work in (*self.running_jobs.values(), *also())
                if not work.done() and work not in self.clock.sleeping
            ]
            if not busy:
                return
            fell_asleep = self.clock.fell_asleep()
            done, _ = await asyncio.wait(
                [*busy, fell_asleep], timeout=SETTLE_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
            fell_asleep.cancel()
            if not done:
                raise RuntimeError(
                    f"work at {self.clock().isoformat()} still running after "
                    f"{SETTLE_TIMEOUT:.0f} s: {busy}"
                )

    def fire_due(self) -> None:
        """Start every job due by the clock's time, as APScheduler's wake-up would."""
        if self._paused or not self.running:
            return
        now = self.clock()
        for job in list(self.jobs.values()):
            run_times = self._run_times(job, now)
            if not run_times:
                continue
            if job.coalesce:
                run_times = run_times[-1:]
            running = self.running_jobs.get(job.id)
            if running is not None and not running.done():
                _log.warning(
                    'Execution of job "%s" skipped: maximum number of running '
                    "instances reached (%d)",
                    job,
                    1,
                )
            else:
                self._submit(job, run_times)
            job.next_run_time = job.trigger.get_next_fire_time(run_times[-1], now)
            if job.next_run_time is None:
                del self.jobs[job.id]

    @staticmethod
    def _run_times(job: SteppedJob, now: datetime) -> list[datetime]:
        run_times, when = [], job.next_run_time
        while when is not None and when <= now:
            run_times.append(when)
            when = job.trigger.get_next_fire_time(when, now)
        return run_times

    def _submit(self, job: SteppedJob, run_times: list[datetime]) -> None:
        event = JobSubmissionEvent(EVENT_JOB_SUBMITTED, job.id, "default", run_times)
        for listener in self._listeners:
            listener(event)
        self.running_jobs[job.id] = asyncio.ensure_future(self._run(job, run_times))

    async def _run(self, job: SteppedJob, run_times: list[datetime]) -> None:
        for run_time in run_times:
            late = self.clock() - run_time
            grace = job.misfire_grace_time
            if grace is not None and late > timedelta(seconds=grace):
                _log.warning('Run time of job "%s" was missed by %s', job, late)
                continue
            try:
                if inspect.iscoroutinefunction(job.func):
                    await job.func(*job.args)
                else:
                    await asyncio.get_running_loop().run_in_executor(None, job.func, *job.args)
            except Exception:
                _log.exception('Job "%s" raised an exception', job)
