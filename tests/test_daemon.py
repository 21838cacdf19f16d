"""The daemon end to end: the real daemon in this process on a stepped clock (what it posts,
when, what the store and the log say); and as a real process for what only a process shows
(signals, SIGKILL, the single-instance lock, exit codes)."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from bot.cli import cli
from bot.config import load_config
from bot.schedule.slots import next_slots
from bot.store import Store
from tests.daemon_support import (
    ORCHARD,
    T0,
    events,
    hours,
    in_process,
    log_events,
    outbox_lines,
    restored_logging,
    start,
    stop,
    wait_for,
    write_config,
)

CONSOLE = """
[channels.console]
platform = "console"
schedule = {{ every = "{every}" }}
outbox = "var/outbox.jsonl"
{extra}
"""


def console(every: str = "1s", extra: str = "") -> str:
    return CONSOLE.format(every=every, extra=extra)


def sent_times(tmp_path, channel: str = "console") -> list:
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        return sorted(p.sent_at for p in store.history(channel=channel, status="sent"))


def set_last_slot(tmp_path, at) -> None:
    """As if the daemon last fired a slot of `console` at `at`, then went down."""
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        store.set_last_slot("console", at)


# In process, on a stepped clock.


def test_posts_one_post_at_each_slot_never_a_duplicate(tmp_path):
    config = write_config(tmp_path, console("1h"))
    in_process(config, until=T0 + hours(3.5))
    posts = outbox_lines(tmp_path / "var/outbox.jsonl")
    texts = [p["text"] for p in posts]
    assert len(texts) == len(set(texts)) == 4  # 09:00, 10:00, 11:00, 12:00; never twice
    assert all("realfarmerjay.com" in t for t in texts)
    assert sent_times(tmp_path) == [T0 + hours(h) for h in range(4)]
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert [p.text for p in store.history(channel="console", status="sent")][::-1] == texts
    names = [e["event"] for e in log_events(tmp_path / "var/bot.log")]
    assert names.count("post.sent") == 4 and "article.ingested" in names
    assert names[-1] == "daemon.stopped"


def test_once_posts_one_slot_per_channel_and_exits(tmp_path):
    config = write_config(
        tmp_path,
        console()
        + console().replace("console]", "second]").replace("outbox.jsonl", "second.jsonl"),
    )
    with restored_logging():
        result = CliRunner().invoke(cli, ["run", "--config", str(config), "--once"])
    assert result.exit_code == 0, result.output
    assert len(outbox_lines(tmp_path / "var/outbox.jsonl")) == 1
    assert len(outbox_lines(tmp_path / "var/second.jsonl")) == 1


def test_a_reload_applies_a_new_schedule_and_an_invalid_config_keeps_the_old_one(tmp_path):
    config = write_config(tmp_path, console("1h"))
    log, good = tmp_path / "var/bot.log", config.read_text(encoding="utf-8")

    async def scenario(daemon):
        await daemon.run_until(T0 + hours(1.25))  # 09:00, 10:00
        config.write_text(good.replace('every = "1h"', 'every = "1x"'), encoding="utf-8")
        daemon.reload()
        await daemon.run_until(T0 + hours(2.25))  # 11:00: still hourly
        config.write_text(good.replace('every = "1h"', 'every = "30m"'), encoding="utf-8")
        daemon.reload()
        await daemon.run_until(T0 + hours(3.25))  # 11:30 and 12:00: every 30 minutes

    in_process(config, scenario)
    assert sent_times(tmp_path) == [T0 + hours(h) for h in (0, 1, 2, 2.5, 3)]
    [invalid] = events(log, "config.invalid")
    assert "1x" in invalid["error"] and invalid["action"] == "kept the running config"
    [reloaded] = events(log, "config.reloaded")
    assert reloaded["channels"] == ["console"]


def test_a_channel_added_by_a_reload_gets_the_library_and_the_others_keep_their_queue(tmp_path):
    config = write_config(tmp_path, console("1h"))
    added = (
        '\n[channels.news]\nplatform = "console"\nrender_as = "telegram"\n'
        'schedule = { every = "1h" }\n'
    )
    waiting: dict[str, list] = {}

    async def scenario(daemon):
        await daemon.run_until(T0 + hours(0.5))  # 09:00: one post out on console
        waiting["before"] = [(p.id, p.excerpt_id) for p in daemon.store.queued("console")]
        config.write_text(config.read_text(encoding="utf-8") + added, encoding="utf-8")
        daemon.reload()
        await daemon.run_until(T0 + hours(0.75))  # the reload's scan, off the event loop
        waiting["after"] = [(p.id, p.excerpt_id) for p in daemon.store.queued("console")]
        waiting["news"] = [p.excerpt_text for p in daemon.store.queued("news")]

    in_process(config, scenario)
    assert waiting["after"] == waiting["before"] and waiting["before"]
    assert waiting["news"]  # the example article, cut for Telegram's room
    assert max(map(len, waiting["news"])) > 280


def test_missed_slots_are_skipped_by_default_and_logged(tmp_path):
    config = write_config(tmp_path, console("1h", 'grace = "2h"'))  # 08:00, 09:00 in grace
    set_last_slot(tmp_path, T0 - hours(4.5))  # down from 04:30; started again at 09:30
    in_process(config, until=T0 + hours(1) - timedelta(microseconds=1), start=T0 + hours(0.5))
    [missed] = events(tmp_path / "var/bot.log", "slot.missed")
    assert (missed["missed"], missed["action"]) == (5, "skip")  # 05:00 … 09:00
    assert missed["latest"] == T0.isoformat()
    # Info: the gap is the downtime the operator saw, not a fault to warn about.
    assert missed["level"] == "info" and missed["stopped_since"] == (T0 - hours(4.5)).isoformat()
    assert outbox_lines(tmp_path / "var/outbox.jsonl") == []  # no burst after downtime
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.channel_state("console").last_slot_at == T0 - hours(4.5)


def test_after_missed_slots_the_next_slot_posts_on_time(tmp_path):
    config = write_config(tmp_path, console("1h"))
    set_last_slot(tmp_path, T0 - hours(4.5))
    in_process(config, until=T0 + hours(1), start=T0 + hours(0.5))
    assert sent_times(tmp_path) == [T0 + hours(1)]


def test_catch_up_posts_once_within_grace_never_a_burst(tmp_path):
    config = write_config(tmp_path, console("1h", 'missed = "catch_up"\ngrace = "2h"'))
    set_last_slot(tmp_path, T0 - hours(4.5))
    in_process(config, until=T0 + hours(1), start=T0 + hours(0.5))
    [missed] = events(tmp_path / "var/bot.log", "slot.missed")
    assert (missed["missed"], missed["action"]) == (5, "catch_up")
    # One post at start-up for the five slots missed, then the 10:00 slot as usual.
    assert sent_times(tmp_path) == [T0 + hours(0.5), T0 + hours(1)]


def test_catch_up_skips_slots_older_than_the_grace(tmp_path):
    config = write_config(tmp_path, console("1h", 'missed = "catch_up"\ngrace = "20m"'))
    set_last_slot(tmp_path, T0 - hours(4.5))
    in_process(config, until=T0 + hours(0.9), start=T0 + hours(0.5))  # 09:00 is 30 min old
    [missed] = events(tmp_path / "var/bot.log", "slot.missed")
    assert missed["action"] == "skip"
    assert sent_times(tmp_path) == []


def test_a_long_downtime_of_a_frequent_schedule_still_catches_up_once(tmp_path):
    config = write_config(tmp_path, console("1m", 'missed = "catch_up"\ngrace = "2m"'))
    set_last_slot(tmp_path, T0 - hours(48))
    started = T0 + timedelta(seconds=30)
    in_process(config, until=T0 + timedelta(minutes=2), start=started)
    [missed] = events(tmp_path / "var/bot.log", "slot.missed")
    assert missed["missed"] == "1000+" and missed["action"] == "catch_up"
    assert missed["latest"] == T0.isoformat()
    assert sent_times(tmp_path) == [started, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]


def test_the_daemon_fires_the_slots_plan_shows_jitter_and_dst_included(tmp_path):
    config = write_config(
        tmp_path,
        """
[channels.console]
platform = "console"
outbox = "var/outbox.jsonl"
schedule = { slots = ["mon-fri 08:30", "sun 02:30"], timezone = "Europe/Berlin", jitter = "20m" }
""",
        bot='log_level = "debug"\nscan_interval = "1d"',  # a week: no need of 2,016 scans
        articles=(ORCHARD,),  # a post for each of the week's six slots
    )
    start = datetime(2027, 3, 22, tzinfo=UTC)  # a week with the spring-forward Sunday
    in_process(config, until=start + timedelta(days=7), start=start)
    channel = load_config(config).channels["console"]
    planned = next_slots(channel, start, 6)
    assert planned[-1] < start + timedelta(days=7)
    fired = [
        datetime.fromisoformat(e["scheduled"])
        for e in events(tmp_path / "var/bot.log", "slot.fired")
    ]
    assert fired == planned
    assert sent_times(tmp_path) == planned  # each on time to the microsecond
    assert datetime(2027, 3, 28, 1, 0, tzinfo=UTC) <= planned[-1]  # 02:30 → 03:00 CEST


def test_metrics_and_healthz(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_config(tmp_path, console("1h"), bot=f"metrics_port = {port}")
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> tuple[int, bytes]:
        with urllib.request.urlopen(f"{base}{path}", timeout=5) as r:
            return r.status, r.read()

    async def scenario(daemon):
        await daemon.run_until(T0 + hours(1))
        return await asyncio.gather(
            asyncio.to_thread(get, "/healthz"), asyncio.to_thread(get, "/metrics")
        )

    (health, ok), (status, body) = in_process(config, scenario)
    assert (health, ok) == (200, b"ok\n") and status == 200
    text = body.decode()
    sent = next(
        line
        for line in text.splitlines()
        if line.startswith('excerpt_bot_posts{channel="console",status="sent"}')
    )
    assert float(sent.split()[-1]) == 2
    assert 'excerpt_bot_queue_depth{channel="console"}' in text
    assert "excerpt_bot_last_success_timestamp_seconds" in text


# As a process, on the real clock.


def test_sighup_reloads_and_sigterm_stops_cleanly(tmp_path):
    config = write_config(tmp_path, console("1s"))
    log = tmp_path / "var/bot.log"
    process = start(config)
    try:
        wait_for(lambda: outbox_lines(tmp_path / "var/outbox.jsonl"))
        process.send_signal(signal.SIGHUP)
        wait_for(lambda: events(log, "config.reloaded"))
    finally:
        stopping = time.monotonic()
        code, _, err = stop(process)
    assert code == 0, err
    assert time.monotonic() - stopping < 10
    assert [e["event"] for e in log_events(log)][-1] == "daemon.stopped"
    texts = [p["text"] for p in outbox_lines(tmp_path / "var/outbox.jsonl")]
    assert len(texts) == len(set(texts))
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert {p.text for p in store.history(channel="console", status="sent")} == set(texts)


def test_a_second_daemon_on_the_same_database_refuses_to_start(tmp_path):
    config = write_config(tmp_path, console("1h"))
    first = start(config)
    try:
        wait_for(lambda: events(tmp_path / "var/bot.log", "daemon.started"))
        second = start(config)
        _, err = second.communicate(timeout=30)
        assert second.returncode == 2
        assert len(err.strip().splitlines()) == 1 and "already running" in err
    finally:
        assert stop(first)[0] == 0


def test_sigkill_mid_run_never_delivers_a_post_twice(tmp_path):
    config = write_config(tmp_path, console("1s"))
    outbox = tmp_path / "var/outbox.jsonl"
    for round_ in range(3):
        process = start(config)
        wait_for(lambda n=round_: len(outbox_lines(outbox)) > n, timeout=20)
        time.sleep(0.3 * round_)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)
    process = start(config)  # a restart turns anything left in `sending` into `unknown`
    wait_for(lambda: len(events(tmp_path / "var/bot.log", "daemon.started")) == 4)
    assert stop(process)[0] == 0
    texts = [p["text"] for p in outbox_lines(outbox)]  # the restart may post too
    assert len(texts) == len(set(texts))
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.history(status="sending") == []
        sent = {p.text for p in store.history(status="sent")}
        assert sent <= set(texts)


# Runs the daemon as `excerpt-bot run` does, with a second Ctrl-C arriving at the moment it
# closes its database (an impatient user; the first one asked it to stop).
SECOND_CTRL_C = """
import asyncio, os, signal, sys
from pathlib import Path
from bot.daemon import Daemon
from bot.store import Store

close, stop, stopping = Store.close, Daemon.stop, []
def close_under_ctrl_c(self):
    if stopping:  # the daemon's own store, as it stops
        os.kill(os.getpid(), signal.SIGINT)
    close(self)
def noted_stop(self):
    stopping.append(True)
    stop(self)
begin = Daemon._begin
async def begun_then_ctrl_c(self, scheduler):  # the first Ctrl-C, once it runs
    await begin(self, scheduler)
    os.kill(os.getpid(), signal.SIGINT)
Store.close, Daemon.stop, Daemon._begin = close_under_ctrl_c, noted_stop, begun_then_ctrl_c

asyncio.run(Daemon(Path(sys.argv[1]), environ={}).run())
"""


def test_a_second_ctrl_c_while_the_daemon_closes_is_no_error(tmp_path):
    config = write_config(tmp_path, console("1h"))
    done = subprocess.run(
        [sys.executable, "-c", SECOND_CTRL_C, str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    logged = log_events(tmp_path / "var/bot.log")
    assert logged[-1]["event"] == "daemon.stopped"
    assert not [e for e in logged if e["level"] == "error"]
