"""`excerpt-bot add` of a 2,000-article backlog for 10 channels vs pySBD alone.

    PYTHONPATH=. .venv/bin/python bench/add_bench.py [--articles 2000] [--channels 10]
                                                      [--runs 3] [--pysbd-runs 1]

In a temporary folder, bench.corpus's deterministic ~600-word Markdown articles are written
as posts/NNNN.md beside a config with `--channels` console channels (all rendered as X,
every hour). The figure is the whole command as a user runs it: the venv's `excerpt-bot add
--config CONFIG posts` as a subprocess, a fresh database each run, timed with
time.perf_counter around the process; the median of `--runs` runs. Each run goes through
`/usr/bin/time -v` when it exists, for the peak RSS; the posts queued come from the
command's summary line. Then the same `add` once more on the last run's database: the
re-add of an unchanged backlog (every file read and cut again, nothing queued).

The baseline is pySBD 0.3.4 alone (`pip install pysbd==0.3.4`, in the `bench` extra) in a
fresh Python process: `pysbd.Segmenter(language="en", clean=False)` segmenting the same
articles paragraph by paragraph (the blank-line blocks of the Markdown after the front
matter, heading lines skipped), timed around the loop only: no imports, no corpus
generation. Target: add / pySBD ≤ 0.5.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import generate

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TIME = Path("/usr/bin/time")
TARGET = 0.5
# `add` runs as a user runs it, without the `PYTHONPATH=.` this script needs for `bench.*`.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

# Runs in a fresh interpreter: argv = articles, runs; prints one JSON object.
PYSBD_SCRIPT = """
import json, sys, time
import pysbd
from bench.add_bench import body_paragraphs
from bench.corpus import generate

articles, runs = int(sys.argv[1]), int(sys.argv[2])
paragraphs = [p for data in generate(articles) for p in body_paragraphs(data.decode())]
segmenter = pysbd.Segmenter(language="en", clean=False)
seconds = []
for _ in range(runs):
    start = time.perf_counter()
    sentences = 0
    for paragraph in paragraphs:
        sentences += len(segmenter.segment(paragraph))
    seconds.append(time.perf_counter() - start)
print(json.dumps({"seconds": seconds, "paragraphs": len(paragraphs), "sentences": sentences,
                  "version": pysbd.__version__}))
"""


def body_paragraphs(markdown: str) -> list[str]:
    """The paragraphs of a Markdown article: the blank-line blocks after its front matter,
    heading lines (starting with '#') left out."""
    body = markdown
    if markdown.startswith("---\n"):
        body = markdown.split("\n---\n", 1)[1]
    paragraphs = []
    for block in body.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        text = "\n".join(lines).strip()
        if text:
            paragraphs.append(text)
    return paragraphs


def write_backlog(folder: Path, *, articles: int, channels: int) -> Path:
    """posts/NNNN.md and bench.toml in `folder`; the config's path."""
    posts = folder / "posts"
    posts.mkdir()
    for i, data in enumerate(generate(articles)):
        (posts / f"{i:04d}.md").write_bytes(data)
    lines = ["[bot]", 'database = "var/bench.sqlite3"', 'posts_dir = "posts"', ""]
    for i in range(channels):
        lines += [
            f"[channels.c{i:02d}]",
            'platform = "console"',
            'render_as = "x"',
            'schedule = { every = "1h" }',
            "",
        ]
    config = folder / "bench.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


def run_add(config: Path, *, fresh: bool = True) -> tuple[float, int, float | None, str]:
    """One `excerpt-bot add` (on a fresh database unless not `fresh`): seconds, posts
    queued, peak RSS in MB, and the command's summary line."""
    folder = config.parent
    if fresh:
        shutil.rmtree(folder / "var", ignore_errors=True)
    report = folder / "time.txt"
    command = [str(BIN / "excerpt-bot"), "add", "--config", str(config), "posts"]
    if TIME.exists():
        command = [str(TIME), "-v", "-o", str(report), *command]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=ENV, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"excerpt-bot add failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    queued = re.search(r"(\d+) posts queued", done.stdout)
    if queued is None:
        sys.exit(f"no summary line in excerpt-bot add's output:\n{done.stdout}")
    rss = None
    if TIME.exists():
        kb = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read_text())
        rss = int(kb.group(1)) / 1024
    return seconds, int(queued.group(1)), rss, done.stdout.strip()


def run_pysbd(articles: int, runs: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", PYSBD_SCRIPT, str(articles), str(runs)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"the pySBD baseline failed:\n{done.stderr}")
    return json.loads(done.stdout)


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    model = "unknown CPU"
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = found.group(1).strip() if found else model
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{cores} cores ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="add runs (median)")
    parser.add_argument("--pysbd-runs", type=int, default=1, help="pySBD loops (median)")
    args = parser.parse_args()
    if importlib.util.find_spec("pysbd") is None:
        sys.exit(f"pySBD is missing: {sys.executable} -m pip install pysbd==0.3.4")

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        config = write_backlog(Path(tmp), articles=args.articles, channels=args.channels)
        runs = [run_add(config) for _ in range(args.runs)]
        again, _, _, summary = run_add(config, fresh=False)
    seconds = [s for s, *_ in runs]
    add = statistics.median(seconds)
    queued = {q for _, q, *_ in runs}
    rss = [r for _, _, r, _ in runs if r is not None]
    rss_text = f"peak RSS {max(rss):.1f} MB" if rss else "peak RSS n/a (no /usr/bin/time)"
    print(
        f"excerpt-bot add, {args.articles:,} articles, {args.channels} channels: "
        f"{add:.2f} s median of {len(seconds)} ({', '.join(f'{s:.2f}' for s in seconds)}); "
        f"{', '.join(f'{q:,}' for q in sorted(queued))} posts queued; {rss_text}"
    )
    print(f"re-add of the same backlog: {again:.2f} s ({summary})")

    baseline = run_pysbd(args.articles, args.pysbd_runs)
    sbd = statistics.median(baseline["seconds"])
    print(
        f"pySBD {baseline['version']} alone, same articles: {sbd:.2f} s "
        f"({baseline['paragraphs']:,} paragraphs, {baseline['sentences']:,} sentences; "
        f"median of {len(baseline['seconds'])})"
    )
    ratio = add / sbd
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"add / pySBD: {ratio:.2f} (target ≤ {TARGET}: {verdict})")


if __name__ == "__main__":
    main()
