"""Daemon benchmarks, measured from outside with public tools.

    python bench/daemon_bench.py rss        # /usr/bin/time -v: peak RSS, 10 channels,
                                            #   1,000 vs 100,000 queued posts
    python bench/daemon_bench.py lateness   # slot lateness p50/p99, 20 channels every second

Each builds its own store in a temporary folder (synthetic articles whose sources lie
outside posts_dir, so the daemon's scan leaves them alone), runs the real `excerpt-bot run`
as a subprocess, stops it with SIGTERM and reads the figures. `make bench` runs both.
`excerpt-bot status` on such a store is bench/status_bench.py's (against `--version`).
"""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.article import Article
from bot.excerpt import Excerpt, excerpt_id
from bot.store import Store

EXCERPTS_PER_ARTICLE = 10
BIN = Path(sys.executable).parent


def build_store(folder: Path, *, channels: int, posts: int) -> Path:
    """A store with `posts` queued posts spread over `channels` channels."""
    database = folder / "bench.sqlite3"
    names = [(f"c{i:02d}", False) for i in range(channels)]
    articles = max(1, posts // (channels * EXCERPTS_PER_ARTICLE))
    now = datetime.now(UTC)
    with Store.open(database) as store:
        for a in range(articles):
            article = Article(
                id=f"bench{a:06d}",
                title=f"Article {a}",
                source=f"bench:{a}",
                paragraphs=(f"Paragraph of article {a}.",),
                url=f"https://blog.example.org/{a}/",
            )
            excerpts = [
                Excerpt(
                    id=excerpt_id(article.id, f"{a}-{e}"),
                    article_id=article.id,
                    text=f"Excerpt {e} of article {a}: cytokines carry messages.",
                    rank=e,
                    score=1.0,
                    paragraph=0,
                    first_sentence=e,
                    sentence_count=1,
                    shortened=False,
                )
                for e in range(EXCERPTS_PER_ARTICLE)
            ]
            store.upsert_article(article, excerpts, channels=names, now=now)
    return database


def write_config(
    folder: Path, database: Path, *, channels: int, every: str, level: str = "info"
) -> Path:
    (folder / "posts").mkdir(exist_ok=True)
    lines = [
        "[bot]",
        f'database = "{database}"',
        'posts_dir = "posts"',
        f'log_level = "{level}"',
        'log_format = "json"',
        f'log_file = "{folder / "bot.log"}"',
        "",
        "[defaults]",
        f'schedule = {{ every = "{every}" }}',
        'repeat_after = "90d"',
        "",
    ]
    for i in range(channels):
        lines += [f"[channels.c{i:02d}]", 'platform = "console"', ""]
    config = folder / "bench.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


def run_daemon(config: Path, seconds: float, *, timed: bool = False) -> str:
    """Run the daemon for `seconds`, stop it with SIGTERM; /usr/bin/time -v's report if timed.

    The daemon's own output goes to its log file; nothing is piped back (a full pipe would
    stall it).
    """
    report = config.parent / "time.txt"
    command = [str(BIN / "excerpt-bot"), "run", "--config", str(config)]
    if timed:
        command = ["/usr/bin/time", "-v", "-o", str(report), *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    # Under /usr/bin/time the daemon is time's child: signal the daemon itself.
    pid = process.pid
    if timed:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pid = int(children[0])
    os.kill(pid, signal.SIGTERM)
    process.wait(timeout=30)
    return report.read_text() if timed else ""


def peak_rss_mb(time_report: str) -> float:
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_report).group(1))
    return kb / 1024


def bench_rss() -> None:
    results = {}
    for posts in (1_000, 100_000):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            database = build_store(folder, channels=10, posts=posts)
            config = write_config(folder, database, channels=10, every="1s")
            results[posts] = peak_rss_mb(run_daemon(config, 30, timed=True))
    a, b = results[1_000], results[100_000]
    print(
        f"peak RSS, 10 channels posting every second for 30 s: 1,000 queued posts {a:.1f} MB, "
        f"100,000 queued posts {b:.1f} MB ({(b / a - 1) * 100:+.1f}%)"
    )


def bench_lateness() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = build_store(folder, channels=20, posts=20_000)
        config = write_config(folder, database, channels=20, every="1s", level="debug")
        run_daemon(config, 62)
        late = [
            e["late_ms"]
            for e in map(json.loads, (folder / "bot.log").open())
            if e.get("event") == "slot.fired" and "late_ms" in e  # not a catch-up
        ]
        sent = sum(
            1 for e in map(json.loads, (folder / "bot.log").open()) if e.get("event") == "post.sent"
        )
    late.sort()
    p99 = late[int(len(late) * 0.99) - 1]
    print(
        f"slot lateness, 20 channels every second for 60 s: {len(late)} slots, {sent} posts; "
        f"p50 {statistics.median(late):.1f} ms, p99 {p99:.1f} ms, max {late[-1]:.1f} ms"
    )


if __name__ == "__main__":
    benches = {"rss": bench_rss, "lateness": bench_lateness}
    for name in sys.argv[1:] or benches:
        benches[name]()
