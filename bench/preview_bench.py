"""`excerpt-bot preview` of a 10,000-word essay, the whole command, timed.

    PYTHONPATH=. .venv/bin/python bench/preview_bench.py [--runs 10] [--article PATH]

The article is Emerson's "Self-Reliance" from the reference corpus
(`../shared/reference/articles/txt-gutenberg/emerson-self-reliance.txt`, 10,134 words of
body; skipped with a line when absent). The command is the venv's `excerpt-bot preview
ARTICLE --url URL --json` as a user runs it: with hyperfine when it is installed (its mean
and standard deviation, `--warmup 1`), else timed around the process with
time.perf_counter (the median of `--runs`) and once through `/usr/bin/time -v` for the
peak RSS. `excerpt-bot --version` is timed the same way: the floor every command pays.
Target: under 1 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.quality import CORPUS

ROOT = Path(__file__).resolve().parent.parent
ESSAY = CORPUS / "txt-gutenberg" / "emerson-self-reliance.txt"
URL = "https://www.gutenberg.org/ebooks/2944"


def command(article: Path) -> list[str]:
    exe = Path(sys.executable).with_name("excerpt-bot")
    return [str(exe), "preview", str(article), "--url", URL, "--json"]


def with_hyperfine(cmd: list[str], runs: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "h.json"
        subprocess.run(
            [
                "hyperfine",
                "--warmup",
                "1",
                "--runs",
                str(runs),
                "--export-json",
                str(out),
                " ".join(cmd),
            ],
            check=True,
            capture_output=True,
        )
        result = json.loads(out.read_text())["results"][0]
    return result["mean"], result["stddev"]


def with_perf_counter(cmd: list[str], runs: int) -> tuple[float, float]:
    subprocess.run(cmd, check=True, capture_output=True)  # warm the disk cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), statistics.pstdev(times)


def peak_rss_mb(cmd: list[str]) -> float | None:
    if not Path("/usr/bin/time").exists():
        return None
    done = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    for line in done.stderr.splitlines():
        if "Maximum resident set size" in line:
            return int(line.split(":")[1]) / 1024
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--article", type=Path, default=ESSAY)
    args = parser.parse_args()
    if not args.article.is_file():
        print(f"article not available at {args.article}: nothing to measure")
        return 0
    cmd = command(args.article)
    posts = json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)
    timer = with_hyperfine if shutil.which("hyperfine") else with_perf_counter
    tool = "hyperfine (mean ± sd)" if timer is with_hyperfine else "perf_counter (median, sd)"
    mean, spread = timer(cmd, args.runs)
    floor, floor_spread = timer([cmd[0], "--version"], args.runs)
    rss = peak_rss_mb(cmd)
    memory = f"; peak RSS {rss:.0f} MB" if rss else ""
    print(
        f"preview {args.article.name}: {len(posts)} posts, {mean * 1000:.0f} ms ± "
        f"{spread * 1000:.0f} ({tool}, {args.runs} runs){memory}"
    )
    print(f"excerpt-bot --version: {floor * 1000:.0f} ms ± {floor_spread * 1000:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
