"""Several daemons on one PostgreSQL database, measured from outside (README "Several daemons").

    PYTHONPATH=. python bench/several_daemons_bench.py lateness   # 300 channels: slot
        # lateness p50/p99 and claims a second, 1 daemon on SQLite, 1 and 3 on PostgreSQL
    PYTHONPATH=. python bench/several_daemons_bench.py takeover   # 3 daemons, 300 channels,
        # one SIGKILLed: the time until the others hold all its channels, per lease_ttl

A real PostgreSQL server is started for the run as the tests start theirs
(`tests.postgres_support`: the distribution's initdb and pg_ctl, a cluster in a temporary
folder, fsync off). Each run fills its store with `excerpt-bot add` of bench.corpus's
articles (written outside posts_dir, so the daemons' scans leave them alone: 80 posts a
channel, more than a run sends), starts the real `excerpt-bot run` processes, each with a
config of its own (`instance`, its own JSON log), and reads the figures from their logs
and the leases table:

- lateness: the daemons' `slot.fired` events (`late_ms`: when the slot's job ran against
  its scheduled instant) for the slots scheduled in a MEASURE-second window that opens
  once the channels have settled (on PostgreSQL: spread evenly over the daemons, from
  the leases table); claims a second are the `post.sent` events in that window (each is
  one claim that went through) divided by its length; and how long after its slot the
  post of each slot in the window went out (watched for DRAIN seconds after the window);
  and the daemon processes' CPU time (/proc/PID/stat) in the window, per post sent.
  Every channel has a slot every `--every` seconds, all at the same instants (the worst
  case): by default one run at 60 s (a burst of 300 slots a minute, within what a daemon
  does) and one at 4 s (75 slots a second, more than the daemons do on 2 cores: their
  claims a second are what they can do).
- takeover: once the three hold 100 channels each, one is SIGKILLed; the leases table is
  read every 0.1 s until no channel is the dead daemon's and all 300 are held: the time
  from the kill to that moment (and to the first of its channels taken). The bound is
  `lease_ttl` plus one heartbeat (a third of `lease_ttl`).

`make bench` runs both.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.corpus import generate
from bench.daemon_bench import BIN
from bot.store import Store
from bot.store.leases import ownership
from tests.postgres_support import PostgresServer, postgres_bin

CHANNELS = 300
MEASURE = float(os.environ.get("BENCH_MEASURE", 60))  # seconds of slots measured
ARTICLES = 10  # ~8 posts a channel each
SETTLE_TIMEOUT = 120.0  # seconds the daemons may take to start and share the channels
DRAIN = 20.0  # seconds after the window for the posts of its last slots to go out
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # where interval schedules start (timezone UTC)


def write_configs(
    folder: Path, database: str | Path, *, names: list[str], every: str, lease_ttl: str = "30s"
) -> dict[str, Path]:
    """One config per daemon: the same channels and database, its own instance and log."""
    (folder / "posts").mkdir(exist_ok=True)
    channels = "".join(f'[channels.c{i:03d}]\nplatform = "console"\n\n' for i in range(CHANNELS))
    configs = {}
    for name in names:
        config = folder / f"{name}.toml"
        config.write_text(
            f'[bot]\ndatabase = "{database}"\nposts_dir = "posts"\ninstance = "{name}"\n'
            f'lease_ttl = "{lease_ttl}"\nlog_level = "debug"\nlog_format = "json"\n'
            f'log_file = "{folder / name}.log"\n\n'
            f'[defaults]\nschedule = {{ every = "{every}" }}\nrepeat_after = "90d"\n\n' + channels,
            encoding="utf-8",
        )
        configs[name] = config
    return configs


def fill_store(folder: Path, config: Path, articles: int = ARTICLES) -> None:
    """The library's articles queued on every channel, by `excerpt-bot add`."""
    library = folder / "library"
    library.mkdir()
    for i, text in enumerate(generate(articles)):
        (library / f"article-{i:03d}.md").write_bytes(text)
    subprocess.run(
        [str(BIN / "excerpt-bot"), "add", "--config", str(config), str(library)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def launch(config: Path) -> subprocess.Popen:
    """`excerpt-bot run`; its output to its log file only (a full pipe would stall it)."""
    return subprocess.Popen(
        [str(BIN / "excerpt-bot"), "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_all(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def owners(database: str) -> dict[str, str]:
    """Each channel's daemon now, from the leases table."""
    with Store.open(database) as store:
        return store.read_with(ownership, now=datetime.now(UTC)).owners


def events(log: Path, name: str) -> list[dict]:
    if not log.exists():
        return []
    with log.open(encoding="utf-8") as lines:
        return [e for e in map(json.loads, lines) if e.get("event") == name]


def wait_for(predicate, timeout: float = SETTLE_TIMEOUT, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def spread(database: str | Path, names: list[str]) -> list[int]:
    """How many channels each daemon holds (on PostgreSQL)."""
    counts = Counter(owners(str(database)).values())
    return [counts[name] for name in names]


def settled(folder: Path, database: str | Path, names: list[str]) -> bool:
    """Every daemon started; on PostgreSQL, the channels spread evenly over them."""
    if not all(events(folder / f"{name}.log", "daemon.started") for name in names):
        return False
    return not str(database).startswith("postgresql") or spread(database, names) == [
        CHANNELS // len(names)
    ] * len(names)


def cpu_seconds(process: subprocess.Popen) -> float:
    """The CPU time (user and system) a process has used so far."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    return values[max(0, int(len(values) * share) - 1)]


def start_daemons(
    folder: Path, database: str | Path, *, daemons: int, every: int, lease_ttl: int = 30
) -> dict[str, subprocess.Popen]:
    """The store filled, `daemons` daemons started and settled; their processes by name.

    Daemons busy beyond what they can do never settle evenly (a channel with a slot
    under way is not handed over): after SETTLE_TIMEOUT they run as they have shared."""
    names = [f"d{i}" for i in range(1, daemons + 1)]
    configs = write_configs(
        folder, database, names=names, every=f"{every}s", lease_ttl=f"{lease_ttl}s"
    )
    fill_store(folder, configs[names[0]])
    processes = {}
    try:
        for name in names:
            processes[name] = launch(configs[name])
        wait_for(lambda: settled(folder, database, names))
        if not all(events(folder / f"{name}.log", "daemon.started") for name in names):
            sys.exit(f"the daemons did not start within {SETTLE_TIMEOUT:.0f} s")
    except BaseException:
        stop_all(processes)
        raise
    return processes


def run_lateness(
    label: str, database: str | Path, folder: Path, *, daemons: int, every: int
) -> str:
    processes = start_daemons(folder, database, daemons=daemons, every=every)
    try:
        # The window opens just before a slot instant (every channel's slots fall on the
        # multiples of `every` since 2000-01-01 UTC): whole bursts inside it.
        now = (datetime.now(UTC) - EPOCH).total_seconds() + 2
        opens = EPOCH + timedelta(seconds=(now // every + 1) * every - 0.5)
        closes = opens + timedelta(seconds=MEASURE)
        time.sleep(max(0.0, (opens - datetime.now(UTC)).total_seconds()))
        cpu = -sum(map(cpu_seconds, processes.values()))
        if daemons > 1:
            label += f" (holding {'/'.join(map(str, spread(database, list(processes))))})"
        time.sleep(max(0.0, (closes - datetime.now(UTC)).total_seconds()))
        cpu += sum(map(cpu_seconds, processes.values()))
        time.sleep(DRAIN)
    finally:
        stop_all(processes)
    late, delays, sent = [], [], 0
    for name in processes:
        log = folder / f"{name}.log"
        fired: dict[str, list[datetime]] = {}
        for event in events(log, "slot.fired"):
            scheduled = datetime.fromisoformat(event["scheduled"])
            fired.setdefault(event["channel"], []).append(scheduled)
            if opens <= scheduled < closes and "late_ms" in event:  # not a catch-up
                late.append(event["late_ms"])
        for event in events(log, "post.sent"):
            at = datetime.fromisoformat(event["ts"])
            slots = fired.get(event["channel"], [])
            slot = slots[bisect.bisect_right(slots, at) - 1] if slots else None
            sent += opens <= at < closes
            if slot is not None and opens <= slot < closes:
                delays.append((at - slot).total_seconds())
    due = CHANNELS * MEASURE / every
    if not late or not delays or not sent:
        return f"{label}: nothing fired or sent in the window"
    late.sort()
    delays.sort()
    return (
        f"{label}: {len(late):,} slots fired of {due:,.0f} due ({len(late) / due:.0%}), "
        f"late p50 {statistics.median(late):.1f} ms, p99 {percentile(late, 0.99):.1f} "
        f"ms; {sent / MEASURE:.1f} claims a second ({sent:,} posts sent, "
        f"{cpu / sent * 1000:.0f} ms of the daemons' CPU each); a slot's post "
        f"sent p50 {statistics.median(delays):.2f} s, p99 {percentile(delays, 0.99):.2f} s "
        f"after it ({len(delays):,} posts)"
    )


def start_postgres() -> PostgresServer:
    found = postgres_bin()
    if found is None:
        sys.exit("no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql")
    server = PostgresServer(found)
    server.start()
    return server


def bench_lateness(rates: list[int]) -> None:
    server = start_postgres()
    try:
        for every in rates:
            print(
                f"{CHANNELS} console channels, each every {every} s ({CHANNELS / every:.0f} "
                f"slots a second due), {MEASURE:.0f} s measured:",
                flush=True,
            )
            runs = [
                ("1 daemon, SQLite", False, 1),
                ("1 daemon, PostgreSQL", True, 1),
                ("3 daemons, PostgreSQL", True, 3),
            ]
            for label, shared, daemons in runs:
                with tempfile.TemporaryDirectory() as tmp:
                    folder = Path(tmp)
                    database = server.new_database() if shared else folder / "bot.sqlite3"
                    print(
                        "  " + run_lateness(label, database, folder, daemons=daemons, every=every),
                        flush=True,
                    )
    finally:
        server.stop()


def run_takeover(database: str, folder: Path, *, lease_ttl: int) -> str:
    processes = start_daemons(folder, database, daemons=3, every=60, lease_ttl=lease_ttl)
    try:
        time.sleep(lease_ttl / 3 + 1)  # a heartbeat or so at rest
        victim = "d1"
        killed = {ch for ch, owner in owners(database).items() if owner == victim}
        processes[victim].send_signal(signal.SIGKILL)
        processes[victim].wait()
        kill = time.monotonic()
        first = None
        while time.monotonic() - kill < 3 * lease_ttl + 30:
            now = owners(database)
            theirs = sum(1 for ch in killed if now.get(ch) not in (None, victim))
            if theirs and first is None:
                first = time.monotonic() - kill
            if theirs == len(killed):
                break
            time.sleep(0.1)
        else:
            return f"lease_ttl {lease_ttl} s: its channels were not taken over"
        done = time.monotonic() - kill
    finally:
        stop_all(processes)
    return (
        f"lease_ttl {lease_ttl} s: the {len(killed)} channels of the SIGKILLed daemon: "
        f"the first taken over after {first:.1f} s, all after {done:.1f} s (bound: "
        f"lease_ttl plus a heartbeat, {lease_ttl * 4 / 3:.0f} s)"
    )


def bench_takeover(ttls: list[int]) -> None:
    server = start_postgres()
    try:
        print(f"3 daemons, {CHANNELS} console channels each every 60 s, one SIGKILLed:")
        for ttl in ttls:
            with tempfile.TemporaryDirectory() as tmp:
                print(
                    "  " + run_takeover(server.new_database(), Path(tmp), lease_ttl=ttl), flush=True
                )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", nargs="*", help="lateness, takeover (default: both)")
    parser.add_argument(
        "--every",
        default="60,4",
        help="each channel's schedule: seconds between slots, one run each (default 60,4)",
    )
    parser.add_argument(
        "--ttl", default="30,10", help="lease_ttl values for takeover, in seconds (default 30,10)"
    )
    args = parser.parse_args()
    unknown = set(args.bench) - {"lateness", "takeover"}
    if unknown:
        parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
    print(
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the start, Python "
        f"{sys.version.split()[0]}, PostgreSQL from {postgres_bin()}",
        flush=True,
    )
    for name in args.bench or ["lateness", "takeover"]:
        if name == "lateness":
            bench_lateness([int(t) for t in args.every.split(",")])
        else:
            bench_takeover([int(t) for t in args.ttl.split(",")])


if __name__ == "__main__":
    main()
