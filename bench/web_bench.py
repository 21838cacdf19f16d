"""How long each web console page takes to answer, on a store of 10 channels and 10,000
queued posts, served by `excerpt-bot web`.

    PYTHONPATH=. .venv/bin/python bench/web_bench.py [--posts 10000] [--channels 10]
                                                      [--every 1h] [--runs 10]

The store and config are bench/daemon_bench.py's (console channels, every hour). The
console is started as a process with a token; the bench logs in once (httpx, following
the forms) and then times each page with hyperfine running curl with the session cookie
(one warm-up, `--runs` runs). The calendar renders every shown slot's exact text: with
hourly channels that is 100 slots a channel (the rest counted as "N more").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from bench.daemon_bench import build_store, write_config

PAGES = ("/", "/calendar", "/calendar?view=list", "/decisions", "/history", "/articles")
TOKEN = "bench-token-0123456789abcdef"


def log_in(url: str) -> str:
    """The session cookie of a fresh login."""
    with httpx.Client(base_url=url, timeout=60) as client:
        form = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        answer = client.post("/login", data={"csrf": csrf, "token": TOKEN})
        assert answer.status_code == 303, answer.text
        return f"excerpt_bot_session={client.cookies['excerpt_bot_session']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--every", default="1h")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("hyperfine") is None or shutil.which("curl") is None:
        sys.exit("web_bench needs hyperfine and curl (apt-get install hyperfine curl)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = build_store(folder, channels=args.channels, posts=args.posts)
        config = write_config(folder, database, channels=args.channels, every=args.every)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "web",
                "--config",
                str(config),
                "--listen",
                "127.0.0.1:0",
            ],
            env={**os.environ, "EXCERPT_BOT_WEB_TOKEN": TOKEN},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            url = re.match(r"web console on (\S+)/ ", server.stdout.readline()).group(1)
            cookie = log_in(url)
            export = folder / "times.json"
            subprocess.run(
                [
                    "hyperfine",
                    "--shell=none",
                    "--warmup",
                    "1",
                    "--runs",
                    str(args.runs),
                    "--export-json",
                    str(export),
                    *(f"curl -sf -o /dev/null -b {cookie} {url}{page}" for page in PAGES),
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            results = json.loads(export.read_text())["results"]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    print(f"{args.channels} channels, {args.posts:,} queued posts, every {args.every}:")
    for page, result in zip(PAGES, results, strict=True):
        print(
            f"  {page:22} mean {result['mean'] * 1000:7.1f} ms  "
            f"(min {result['min'] * 1000:.1f}, max {result['max'] * 1000:.1f})"
        )


if __name__ == "__main__":
    main()
