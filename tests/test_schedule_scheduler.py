"""The triggers inside a real APScheduler 3.x AsyncIOScheduler, the way the daemon uses them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.schedule import build_trigger, combine, next_fire_times

KOLKATA = ZoneInfo("Asia/Kolkata")


def test_a_paused_scheduler_plans_the_listed_fire_time():
    trigger = build_trigger(
        slots=["mon-fri 08:30", "sat 10:00"], jitter=timedelta(minutes=15), timezone=KOLKATA
    )

    async def add_job():
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.start(paused=True)
        try:
            before = datetime.now(UTC)
            job = scheduler.add_job(lambda: None, trigger=trigger, id="channel-x")
            return before, job.next_run_time, str(job)
        finally:
            scheduler.shutdown(wait=False)

    before, next_run_time, described = asyncio.run(add_job())
    # The first listed fire, or the one after it should a slot fall between the two reads.
    assert next_run_time in next_fire_times(trigger, before - timedelta(seconds=1), 2)
    assert "slots[mon-fri 08:30; sat 10:00] Asia/Kolkata, jitter up to 0:15:00" in described


def test_a_running_scheduler_fires_on_the_grid():
    interval = timedelta(milliseconds=200)
    start = datetime.now(UTC).replace(microsecond=0)
    union = combine([build_trigger(every=interval, start=start, timezone=KOLKATA)])

    async def run() -> list[datetime]:
        scheduled: list[datetime] = []
        three_runs = asyncio.Event()

        def record(event: JobExecutionEvent) -> None:
            scheduled.append(event.scheduled_run_time)
            if len(scheduled) >= 3:
                three_runs.set()

        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_listener(record, EVENT_JOB_EXECUTED)
        scheduler.add_job(lambda: None, trigger=union, misfire_grace_time=None)
        scheduler.start()
        try:
            await asyncio.wait_for(three_runs.wait(), timeout=1.5)
        finally:
            scheduler.shutdown(wait=False)
        return scheduled

    scheduled = asyncio.run(run())
    assert len(scheduled) >= 3
    assert all((moment - start) % interval == timedelta(0) for moment in scheduled)
    assert scheduled == sorted(set(scheduled))
