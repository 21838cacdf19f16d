"""Several daemon processes on one real PostgreSQL database (`tests.postgres_support`),
on the real clock: 3 daemons started together on an empty database, 30 console channels
posting every 5 seconds for about a minute; one daemon SIGKILLed, another stopped with
SIGTERM. Every delivery is a line in the console channels' shared outbox file.

Expected: no post delivered twice; no slot fired twice; every slot fired but those of
the killed daemon's channels between the kill and their takeover, which comes within
lease_ttl plus one heartbeat; no post lost (none left `sending`: each sent, queued or
`unknown`). And the three migrated the empty database once (none failed to start).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import load_config
from bot.schedule.slots import next_slots
from bot.store import Store
from tests.daemon_support import EXAMPLE, events, outbox_lines, stop, wait_for
from tests.postgres_support import free_port

CHANNELS = 30
EVERY = 5  # seconds between slots
TTL = 6  # lease_ttl, seconds; a heartbeat every 2 s
BEAT = TTL / 3
NAMES = ("d1", "d2", "d3")

pytestmark = pytest.mark.timeout(150)


def write_configs(tmp_path, url: str, metrics_port: int | None = None) -> dict[str, object]:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / EXAMPLE.name).write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    channels = "".join(
        f'[channels.c{i:02}]\nplatform = "console"\noutbox = "var/outbox.jsonl"\n'
        f'schedule = {{ every = "{EVERY}s" }}\n\n'
        for i in range(CHANNELS)
    )
    configs = {}
    for name in NAMES:
        config = tmp_path / f"{name}.toml"
        config.write_text(
            f'[bot]\ndatabase = "{url}"\nposts_dir = "posts"\ninstance = "{name}"\n'
            f'lease_ttl = "{TTL}s"\nlog_file = "var/{name}.log"\nlog_format = "json"\n'
            'log_level = "debug"\n'
            + (f"metrics_port = {metrics_port}\n" if metrics_port and name == "d3" else "")
            # An excerpt may come back a second after it went: every slot has a post.
            + f'\n[defaults]\nrepeat_after = "1s"\n\n{channels}',
            encoding="utf-8",
        )
        configs[name] = config
    return configs


def launch(config) -> subprocess.Popen:
    """`excerpt-bot run` on `config`, its output to a file beside it (30 channels' log
    lines would fill a pipe nobody reads, and block the daemon)."""
    with open(config.with_suffix(".out"), "w", encoding="utf-8") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            cwd=config.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )


def owners(url: str) -> dict[str, str]:
    """Each channel's daemon now, from the leases table."""
    with Store.open(url) as store:
        from bot.store.leases import ownership

        return store.read_with(ownership, now=datetime.now(UTC)).owners


def test_three_daemons_share_thirty_channels_and_survive_a_kill_and_a_stop(postgres, tmp_path):
    url = postgres.new_database()
    port = free_port()
    configs = write_configs(tmp_path, url, metrics_port=port)
    outbox = tmp_path / "var/outbox.jsonl"
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name in NAMES:  # together, on an empty database
            processes[name] = launch(configs[name])
        spread = wait_for(lambda: _even(owners(url)), timeout=30)
        began = datetime.now(UTC)
        shown = json.loads(
            subprocess.run(
                [sys.executable, "-m", "bot", "status", "--json", "--config", str(configs["d3"])],
                capture_output=True,
                text=True,
                check=True,
                cwd=tmp_path,
            ).stdout
        )
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read()

        time.sleep(12)
        victim = "d1"
        killed = {ch for ch, owner in owners(url).items() if owner == victim}
        processes[victim].send_signal(signal.SIGKILL)
        processes[victim].communicate(timeout=10)
        kill_at = datetime.now(UTC)
        wait_for(
            lambda: not set(owners(url).values()) & {victim} and len(owners(url)) == CHANNELS,
            timeout=TTL + BEAT + 5,
            interval=0.2,
        )
        taken_over = datetime.now(UTC)

        time.sleep(8)
        stopped = "d2"
        handed = {ch for ch, owner in owners(url).items() if owner == stopped}
        code, _, err = stop(processes[stopped], timeout=20)
        assert code == 0, err
        wait_for(
            lambda: set(owners(url).values()) == {"d3"} and len(owners(url)) == CHANNELS,
            timeout=BEAT + 5,
            interval=0.2,
        )

        time.sleep(12)
        code, _, err = stop(processes["d3"], timeout=20)
        assert code == 0, err
        ended = datetime.now(UTC)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=10)

    assert len(spread) == CHANNELS and sorted(Counter(spread.values()).values()) == [10] * 3
    # status names each channel's daemon, and each daemon with its channels; /metrics the
    # leases each holds (its channels, and the library for one of them).
    assert {name: entry["owner"] for name, entry in shown["channels"].items()} == spread
    assert {
        name: len(entry["channels"]) for name, entry in shown["instances"].items()
    } == dict.fromkeys(NAMES, 10)
    assert all(entry["last_seen"] for entry in shown["instances"].values())
    held = {
        name: float(count)
        for name, count in re.findall(
            r'excerpt_bot_leases_held\{instance="(d\d)"\} (\d+)', metrics.decode()
        )
    }
    assert sorted(held.values()) == [10, 10, 11] and set(held) == set(NAMES)
    assert len(killed) == 10 and len(handed) >= 10
    assert (taken_over - kill_at).total_seconds() <= TTL + BEAT + 1

    deliveries = outbox_lines(outbox)
    posts = [line["post"] for line in deliveries]
    assert len(posts) == len(set(posts)), "a post was delivered twice"

    # Each daemon logs a slot it fired once the database noted it (`slot.fired`, debug):
    # whichever daemon fired it, a slot is noted once. (Deliveries are not matched to
    # slots by their time: on a loaded machine a send can go out after the next slot.)
    config = load_config(configs["d3"])
    fired = Counter(
        (event["channel"], datetime.fromisoformat(event["scheduled"]))
        for name in NAMES
        for event in _complete_events(tmp_path / f"var/{name}.log", "slot.fired")
    )
    assert max(fired.values()) == 1, "a slot fired twice"
    assert len(posts) <= len(fired)

    failover = (kill_at - timedelta(seconds=EVERY), taken_over + timedelta(seconds=1))
    missing = []
    for channel in config.channels:
        for slot in next_slots(config.channels[channel], began, 100):
            if slot > ended - timedelta(seconds=2):
                break
            if channel in killed and failover[0] <= slot <= failover[1]:
                continue  # the killed daemon's slots until the takeover follow `missed`
            if (channel, slot) not in fired:
                missing.append((channel, slot.isoformat()))
    assert missing == [], f"{len(missing)} slots never fired: {missing[:5]}"

    with Store.open(url) as store:
        statuses = Counter(post.status for post in store.history())
        assert store.history(status="sending") == []
        sent = {post.id for post in store.history(status="sent")}
        unknown = store.history(status="unknown")
    assert set(statuses) <= {"sent", "queued", "unknown"}
    # Unknown: only the killed daemon's sends in flight (one per channel at most; all its
    # channels fire together), never a live daemon's.
    assert {post.channel for post in unknown} <= killed
    assert len({post.channel for post in unknown}) == len(unknown)
    # Every post recorded sent went out, and every one that went out is recorded sent,
    # or unknown (out, but the kill came before it was recorded).
    assert sent <= set(posts) <= sent | {post.id for post in unknown}
    # Each daemon started once, none failed on the migration of the empty database.
    for name in NAMES:
        assert len(events(tmp_path / f"var/{name}.log", "daemon.started")) == 1


def _complete_events(path, name: str) -> list[dict]:
    """The log's `name` events; a line the SIGKILL cut short is not one."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if event.get("event") == name:
            found.append(event)
    return found


def _even(found: dict[str, str]) -> dict[str, str] | None:
    counts = Counter(found.values())
    if len(found) == CHANNELS and sorted(counts.values()) == [10, 10, 10]:
        return found
    return None
