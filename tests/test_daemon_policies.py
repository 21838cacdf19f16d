"""A channel's policy as the running daemon applies it, slot after slot: the daily cap,
approval, and recycling once the queue runs dry. The real daemon in this process on a
stepped clock: days of slots in well under a second."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner

from bot.cli import cli
from bot.store import Store
from tests.daemon_support import T0, events, hours, in_process, write_config

CONSOLE = """
[channels.console]
platform = "console"
schedule = {{ {schedule} }}
outbox = "var/outbox.jsonl"
{extra}
"""


def console(tmp_path, extra: str, schedule: str = 'every = "1h"'):
    # Days of slots: posts_dir rescanned hourly, not every 5 minutes (288 times a day).
    return write_config(
        tmp_path, CONSOLE.format(schedule=schedule, extra=extra), bot='scan_interval = "1h"'
    )


def sent(tmp_path) -> list:
    """The console's sent posts, oldest first."""
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        return sorted(store.history(channel="console", status="sent"), key=lambda p: p.sent_at)


def test_a_daily_cap_holds_slots_until_the_rolling_day_has_room(tmp_path):
    console_config = console(tmp_path, "max_per_day = 2")
    in_process(console_config, until=T0 + hours(26.5))
    # 09:00 and 10:00; then nothing until 24 hours after the first post have passed.
    assert [p.sent_at for p in sent(tmp_path)] == [
        T0,
        T0 + hours(1),
        T0 + hours(25),
        T0 + hours(26),
    ]
    skipped = events(tmp_path / "var/bot.log", "slot.skipped")
    assert len(skipped) == 23  # 11:00 … 09:00 the next day
    assert {(e["reason"], e["max_per_day"]) for e in skipped} == {("max_per_day", 2)}


def test_posts_wait_for_approval_and_only_the_approved_go_out(tmp_path):
    config = console(tmp_path, "require_approval = true")
    approved = []

    async def scenario(daemon):
        await daemon.run_until(T0 + hours(2.5))  # three slots: nothing may go out
        assert daemon.store.history(channel="console", status="sent") == []
        pending = daemon.store.history(channel="console", status="pending_approval")
        assert len(pending) >= 3
        approved.extend(sorted(p.id for p in pending)[:2])
        result = CliRunner().invoke(cli, ["approve", "--config", str(config), *map(str, approved)])
        assert result.exit_code == 0, result.output
        await daemon.run_until(T0 + hours(6.5))

    in_process(config, scenario)
    posts = sent(tmp_path)
    assert [p.id for p in posts] == approved
    assert [p.sent_at for p in posts] == [T0 + hours(3), T0 + hours(4)]
    assert len(events(tmp_path / "var/bot.log", "slot.empty")) == 3 + 2  # before, and after


def test_once_the_queue_runs_dry_the_best_excerpts_come_back_after_repeat_after(tmp_path):
    config = console(tmp_path, 'repeat_after = "3d"', schedule='slots = ["09:00"]')
    in_process(config, until=T0 + timedelta(days=14))
    posts = sent(tmp_path)
    assert [p.sent_at for p in posts] == [T0 + timedelta(days=d) for d in range(15)]
    excerpts = [p.excerpt_id for p in posts]
    fresh = len(set(excerpts))
    assert fresh >= 5 and len(set(excerpts[:fresh])) == fresh  # every excerpt once, first
    last_seen: dict[str, int] = {}
    for day, excerpt in enumerate(excerpts):
        if excerpt in last_seen:  # a repeat: never sooner than repeat_after
            assert day - last_seen[excerpt] >= 3
        last_seen[excerpt] = day
    assert excerpts[fresh] == excerpts[0]  # the first repeat: the best excerpt
