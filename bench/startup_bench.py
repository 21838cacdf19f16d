"""The commands a user runs often, timed in pairs with `--version`: `--help`, and `add` of
one unchanged file and of an unchanged folder.

    PYTHONPATH=. .venv/bin/python bench/startup_bench.py [--articles 200] [--channels 10]
                                     [--rounds 3] [--runs 3] [--before REV]

In a temporary folder, bench.corpus's ~600-word Markdown articles are written as
posts/NNNN.md beside a config with `--channels` console channels (bench/add_bench.py's
backlog), and added once (not timed): what follows finds every file unchanged. Each
command runs as a whole process, `python -P -m bot ...` with this work tree first on
PYTHONPATH, and is timed with hyperfine in rounds (no shell, one warm-up, `--runs` runs of
every command back to back, `--rounds` invocations), so that a burst of load on the
machine falls on every command alike; without hyperfine the commands are alternated run
by run with time.perf_counter around each process. The figures are the means of all runs,
and each command's ratio to `--version` (the floor every command pays: the interpreter and
click). Target: `--help` under 3× `--version`.

With `--before REV` the same commands of that commit (its tree from `git archive`, first on
PYTHONPATH) are timed in the same rounds, on their own copy of the library and database
(added once by that commit's code), for a before/after comparison.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.add_bench import machine, write_backlog
from bench.status_bench import with_hyperfine, with_perf_counter

ROOT = Path(__file__).resolve().parent.parent
HELP_TARGET = 3.0


def source_tree(rev: str, folder: Path) -> Path:
    """The commit's tree, unpacked into `folder`/src."""
    source = folder / "src"
    source.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    return source


def library(folder: Path, *, articles: int, channels: int, code: Path) -> Path:
    """A backlog in `folder`, added once by the code at `code`; the config's path."""
    folder.mkdir()
    config = write_backlog(folder, articles=articles, channels=channels)
    done = subprocess.run(
        bot_command(code, "add", "--config", str(config), "posts"),
        cwd=folder,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"the first add failed:\n{done.stdout}{done.stderr}")
    return config


def bot_command(code: Path, *args: str) -> list[str]:
    """`python -m bot ARGS` with the tree at `code` first on PYTHONPATH (-P: the current
    folder, the work tree when run from there, is not put before it)."""
    return ["env", f"PYTHONPATH={code}", sys.executable, "-P", "-m", "bot", *args]


def commands(code: Path, config: Path, label: str) -> dict[str, list[str]]:
    one = str(config.parent / "posts" / "0000.md")
    folder = str(config.parent / "posts")
    return {
        f"--version{label}": bot_command(code, "--version"),
        f"--help{label}": bot_command(code, "--help"),
        f"add one unchanged file{label}": bot_command(code, "add", "--config", str(config), one),
        f"add the unchanged folder{label}": bot_command(
            code, "add", "--config", str(config), folder
        ),
    }


def report(timed: list[dict[str, list[float]]], label: str) -> list[str]:
    def runs(name: str) -> list[float]:
        return [s for round_ in timed for s in round_[f"{name}{label}"]]

    version = statistics.mean(runs("--version"))
    lines = [
        f"--version{label}: {version * 1000:.0f} ms ± "
        f"{statistics.pstdev(runs('--version')) * 1000:.0f}"
    ]
    for name in ("--help", "add one unchanged file", "add the unchanged folder"):
        seconds = runs(name)
        mean = statistics.mean(seconds)
        line = (
            f"{name}{label}: {mean * 1000:.0f} ms ± {statistics.pstdev(seconds) * 1000:.0f}"
            f", {mean / version:.2f}× --version"
        )
        if name == "--help":
            verdict = "met" if mean / version < HELP_TARGET else "MISSED"
            line += f" (target < {HELP_TARGET:g}×: {verdict})"
        lines.append(line)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of paired timings")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per command a round")
    parser.add_argument("--before", metavar="REV", help="also time this commit's commands")
    args = parser.parse_args()

    print(f"machine: {machine()}; load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        named = commands(
            ROOT,
            library(folder / "now", articles=args.articles, channels=args.channels, code=ROOT),
            "",
        )
        labels = [""]
        if args.before:
            code = source_tree(args.before, folder)
            config = library(
                folder / "before", articles=args.articles, channels=args.channels, code=code
            )
            labels.append(f" ({args.before})")
            named |= commands(code, config, labels[-1])
        print(
            f"library: {args.articles:,} articles, {args.channels} channels, added in "
            f"{time.perf_counter() - start:.1f} s"
        )
        for name, argv in named.items():  # what each add says (it finds nothing to do)
            if name.startswith("add"):
                said = subprocess.run(argv, capture_output=True, text=True).stdout.strip()
                print(f"{name}: {said}")
        hyperfine = shutil.which("hyperfine")
        if hyperfine:
            tool = "hyperfine"
            timed = with_hyperfine(hyperfine, named, rounds=args.rounds, runs=args.runs, out=folder)
        else:
            tool = "time.perf_counter"
            timed = with_perf_counter(named, rounds=args.rounds, runs=args.runs)
    print(
        f"timed with {tool}: {args.rounds} rounds of {args.runs} runs; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    for label in labels:
        for line in report(timed, label):
            print(line)


if __name__ == "__main__":
    main()
