"""The daemon end to end: a real process, real time, short intervals, real signals."""

from __future__ import annotations

import signal
import time

from bot.store import Store
from tests.daemon_support import log_events, outbox_lines, start, stop, wait_for, write_config

CONSOLE = """
[channels.console]
platform = "console"
schedule = {{ every = "{every}" }}
outbox = "var/outbox.jsonl"
{extra}
"""


def console(every: str = "1s", extra: str = "") -> str:
    return CONSOLE.format(every=every, extra=extra)


def test_posts_every_slot_and_stops_cleanly_on_sigterm(tmp_path):
    config = write_config(tmp_path, console())
    process = start(config)
    posts = wait_for(lambda: len(outbox_lines(tmp_path / "var/outbox.jsonl")) >= 3 and
                     outbox_lines(tmp_path / "var/outbox.jsonl"))
    started = time.monotonic()
    code, _, err = stop(process)
    assert code == 0, err
    assert time.monotonic() - started < 10
    texts = [p["text"] for p in posts]
    assert len(set(texts)) == len(texts)  # never a duplicate
    assert all("realfarmerjay.com" in t for t in texts)
    events = [e["event"] for e in log_events(tmp_path / "var/bot.log")]
    assert "article.ingested" in events and "post.sent" in events
    assert events[-1] == "daemon.stopped"
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        sent = store.history(channel="console", status="sent")
        assert len(sent) >= 3
        assert {p.text for p in sent} >= set(texts)


def test_once_posts_one_slot_per_channel_and_exits(tmp_path):
    config = write_config(tmp_path, console() + console().replace("console]", "second]")
                          .replace("outbox.jsonl", "second.jsonl"))
    process = start(config, "--once")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert len(outbox_lines(tmp_path / "var/outbox.jsonl")) == 1
    assert len(outbox_lines(tmp_path / "var/second.jsonl")) == 1


def test_a_second_daemon_on_the_same_database_refuses_to_start(tmp_path):
    config = write_config(tmp_path, console("1h"))
    first = start(config)
    try:
        wait_for(lambda: any(e["event"] == "daemon.started"
                             for e in log_events(tmp_path / "var/bot.log")))
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
    wait_for(lambda: started_count(tmp_path) == 4)
    assert stop(process)[0] == 0
    texts = [p["text"] for p in outbox_lines(outbox)]  # the restart may post too
    assert len(texts) == len(set(texts))
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.history(status="sending") == []
        sent = {p.text for p in store.history(status="sent")}
        assert sent <= set(texts)


def test_sighup_reloads_and_an_invalid_config_keeps_the_old_one(tmp_path):
    config = write_config(tmp_path, console("1s"))
    log = tmp_path / "var/bot.log"
    process = start(config)
    try:
        wait_for(lambda: len(outbox_lines(tmp_path / "var/outbox.jsonl")) >= 1)
        good = config.read_text(encoding="utf-8")
        config.write_text(good.replace('every = "1s"', 'every = "1x"'), encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        invalid = wait_for(lambda: [e for e in log_events(log) if e["event"] == "config.invalid"])
        assert "1x" in invalid[0]["error"]
        before = len(outbox_lines(tmp_path / "var/outbox.jsonl"))
        wait_for(lambda: len(outbox_lines(tmp_path / "var/outbox.jsonl")) > before)
        config.write_text(good, encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        wait_for(lambda: any(e["event"] == "config.reloaded" for e in log_events(log)))
    finally:
        assert stop(process)[0] == 0


def test_missed_slots_are_skipped_by_default_and_logged(tmp_path):
    config = write_config(tmp_path, console("1h"))
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        store.set_last_slot("console", store_time(hours_ago=5))
    process = start(config)
    try:
        missed = wait_for(lambda: [e for e in log_events(tmp_path / "var/bot.log")
                                   if e["event"] == "slot.missed"])
        assert missed[0]["action"] == "skip" and missed[0]["missed"] >= 4
        time.sleep(0.5)
        assert outbox_lines(tmp_path / "var/outbox.jsonl") == []  # no burst after downtime
    finally:
        assert stop(process)[0] == 0


def test_catch_up_posts_once_within_grace_never_a_burst(tmp_path):
    config = write_config(tmp_path, console("1h", 'missed = "catch_up"\ngrace = "2h"'))
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        store.set_last_slot("console", store_time(hours_ago=5))
    process = start(config)
    try:
        wait_for(lambda: len(outbox_lines(tmp_path / "var/outbox.jsonl")) == 1)
        time.sleep(1.0)
        assert len(outbox_lines(tmp_path / "var/outbox.jsonl")) == 1
    finally:
        assert stop(process)[0] == 0


def started_count(tmp_path) -> int:
    return sum(e["event"] == "daemon.started" for e in log_events(tmp_path / "var/bot.log"))


def store_time(*, hours_ago: float):
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(hours=hours_ago)


def test_metrics_and_healthz(tmp_path):
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_config(tmp_path, console("1s"), bot=f"metrics_port = {port}")
    process = start(config)
    try:
        wait_for(lambda: len(outbox_lines(tmp_path / "var/outbox.jsonl")) >= 2)
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
            assert r.status == 200 and r.read() == b"ok\n"
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as r:
            text = r.read().decode()
        sent = next(line for line in text.splitlines()
                    if line.startswith('excerpt_bot_posts{channel="console",status="sent"}'))
        assert float(sent.split()[-1]) >= 2
        assert 'excerpt_bot_queue_depth{channel="console"}' in text
        assert "excerpt_bot_last_success_timestamp_seconds" in text
    finally:
        assert stop(process)[0] == 0


def test_a_long_downtime_of_a_frequent_schedule_still_catches_up_once(tmp_path):
    config = write_config(tmp_path, console("1m", 'missed = "catch_up"\ngrace = "2m"'))
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        store.set_last_slot("console", store_time(hours_ago=48))
    process = start(config)
    try:
        missed = wait_for(lambda: [e for e in log_events(tmp_path / "var/bot.log")
                                   if e["event"] == "slot.missed"])
        assert missed[0]["missed"] == "1000+" and missed[0]["action"] == "catch_up"
        wait_for(lambda: len(outbox_lines(tmp_path / "var/outbox.jsonl")) == 1)
    finally:
        assert stop(process)[0] == 0
