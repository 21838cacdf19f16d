"""`excerpt-bot status` on a 100,000-post store vs `excerpt-bot --version`, timed in pairs.

    PYTHONPATH=. .venv/bin/python bench/status_bench.py [--posts 100000] [--channels 10]
                                                         [--rounds 5] [--runs 4] [--no-regular]

The store is built with bench/daemon_bench.py's build_store and write_config (10 console
channels, every hour); then every other post is marked sent, a second apart, with its
remote URL, so that `status` finds a history to read the last post out of, as on a bot
that has been running. `--version` is the floor every command pays (the interpreter, click,
the console script); `status` adds the config, the store and its queries. Each command runs
as a whole process, from a regular (non-editable) install built in a temporary venv, and
from the dev venv (`make install`, editable: an import hook that costs every process).

The commands are timed in pairs: each of `--rounds` rounds is one hyperfine invocation
(no shell, one warm-up, `--runs` runs of every command, back to back), so a burst of load
on the machine falls on both sides of the ratio. The figures are the means of all runs of
all rounds; the ratio is status / --version of those means, per install (target ≤ 6), with
the lowest and highest ratio of a single round beside it. Without hyperfine the commands
are alternated one run at a time with time.perf_counter around each process.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.daemon_bench import BIN, build_store, write_config

ROOT = Path(__file__).resolve().parent.parent
TARGET = 6.0
# The commands run as a user runs them: `PYTHONPATH=.` (for `bench.*`) would put the work
# tree's bot/ ahead of the regular install's.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def add_history(database: Path) -> int:
    """Mark every other post sent (a second apart, the newest now); how many were."""
    with sqlite3.connect(database) as db:
        done = db.execute(
            "UPDATE posts SET status = 'sent', remote_id = 'r' || id, "
            "remote_url = 'https://console.example/' || id, attempts = 1, "
            "sent_at = strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', "
            "  '-' || ((SELECT max(id) FROM posts) - id) || ' seconds'), "
            "claimed_at = sent_at, updated_at = sent_at WHERE id % 2 = 0"
        ).rowcount
    return done


def regular_install(folder: Path) -> Path:
    """A venv with the project installed as a service user would (not editable); its bin.

    pip builds from a copy of the sources, so nothing is written into the work tree.
    """
    source = folder / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "bot", source / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin/pip"), "install", "--quiet", str(source)]
    done = subprocess.run(pip, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"the regular install failed:\n{done.stdout}{done.stderr}")
    return venv / "bin"


def commands(installs: dict[str, Path], config: Path) -> dict[str, list[str]]:
    """`status`, `status --json` and `--version` per install, keyed by a display name."""
    named = {}
    for install, bin_dir in installs.items():
        script = str(bin_dir / "excerpt-bot")
        named[f"status ({install})"] = [script, "status", "--config", str(config)]
        named[f"status --json ({install})"] = [script, "status", "--json", "--config", str(config)]
        named[f"version ({install})"] = [script, "--version"]
    return named


def with_hyperfine(
    hyperfine: str, named: dict[str, list[str]], *, rounds: int, runs: int, out: Path
) -> list[dict[str, list[float]]]:
    """Per round, the seconds of each run by name: one hyperfine invocation a round."""
    export = out / "hyperfine.json"
    command = [hyperfine, "-N", "--warmup", "1", "--runs", str(runs), "--style", "none"]
    command += ["--output", "null", "--export-json", str(export)]
    for name, argv in named.items():
        command += [f"--command-name={name}", shlex.join(argv)]
    timed = []
    for _ in range(rounds):
        done = subprocess.run(command, capture_output=True, text=True, env=ENV)
        if done.returncode != 0:  # its warnings (outliers on a busy machine) only then
            sys.exit(f"hyperfine failed:\n{done.stdout}{done.stderr}")
        results = json.loads(export.read_text())["results"]
        timed.append({r["command"]: r["times"] for r in results})
    return timed


def with_perf_counter(
    named: dict[str, list[str]], *, rounds: int, runs: int
) -> list[dict[str, list[float]]]:
    """Per round, the seconds of each run by name: the commands alternated run by run."""
    timed = []
    for _ in range(rounds):
        seconds: dict[str, list[float]] = {name: [] for name in named}
        for run in range(1 + runs):
            for name, argv in named.items():
                start = time.perf_counter()
                subprocess.run(argv, stdout=subprocess.DEVNULL, check=True, env=ENV)
                if run:  # the first run of a round warms up
                    seconds[name].append(time.perf_counter() - start)
        timed.append(seconds)
    return timed


def report(install: str, timed: list[dict[str, list[float]]]) -> str:
    """One line: the means and deviations of all runs, and the ratio to --version."""

    def runs(name: str) -> list[float]:
        return [s for round_ in timed for s in round_[f"{name} ({install})"]]

    version = statistics.mean(runs("version"))
    parts = []
    for name in ("status", "status --json"):
        seconds = runs(name)
        ratios = [
            statistics.mean(r[f"{name} ({install})"]) / statistics.mean(r[f"version ({install})"])
            for r in timed
        ]
        mean = statistics.mean(seconds)
        ratio = mean / version
        verdict = "met" if ratio <= TARGET else "MISSED"
        parts.append(
            f"{name} {mean * 1000:.0f} ms ± {statistics.pstdev(seconds) * 1000:.0f}, "
            f"{ratio:.2f}× (rounds {min(ratios):.2f}–{max(ratios):.2f}; "
            f"target ≤ {TARGET:g}: {verdict})"
        )
    floor = runs("version")
    return (
        f"{install}: --version {version * 1000:.0f} ms ± "
        f"{statistics.pstdev(floor) * 1000:.0f}; " + "; ".join(parts)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of paired timings")
    parser.add_argument("--runs", type=int, default=4, help="timed runs per command a round")
    parser.add_argument("--no-regular", action="store_true", help="time the dev venv only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        database = build_store(folder, channels=args.channels, posts=args.posts)
        sent = add_history(database)
        built = time.perf_counter() - start
        config = write_config(folder, database, channels=args.channels, every="1h")
        print(
            f"store: {args.posts:,} posts ({sent:,} of them sent) on {args.channels} "
            f"channels, built in {built:.1f} s"
        )
        installs = {} if args.no_regular else {"regular install": regular_install(folder)}
        installs["dev venv, editable"] = BIN
        named = commands(installs, config)
        hyperfine = shutil.which("hyperfine")
        if hyperfine:
            tool = "hyperfine"
            timed = with_hyperfine(hyperfine, named, rounds=args.rounds, runs=args.runs, out=folder)
        else:
            tool = "no hyperfine: time.perf_counter, alternated"
            timed = with_perf_counter(named, rounds=args.rounds, runs=args.runs)

    print(f"timed with {tool}: {args.rounds} rounds of {args.runs} runs a command, means")
    for install in installs:
        print(report(install, timed))


if __name__ == "__main__":
    main()
