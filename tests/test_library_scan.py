"""Library scans: unchanged files are not read again; a broken file is reported once; a
backlog cut in worker processes is stored as if cut in this one."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from bot.config import load_config
from bot.sources import library
from bot.sources.cutting import CuttingPool
from bot.sources.library import scan_library
from bot.store import Store
from tests.daemon_support import EXAMPLE

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_stamps_skip_unchanged_files_and_report_a_broken_one_once(tmp_path: Path):
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "good.md").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    broken = posts / "broken.md"
    broken.write_bytes(b"\x00\x01binary")
    config = tmp_path / "bot.toml"
    config.write_text(
        '[bot]\ndatabase = "bot.sqlite3"\nposts_dir = "posts"\n'
        '[channels.console]\nplatform = "console"\nschedule = { every = "1h" }\n',
        encoding="utf-8",
    )
    channels = load_config(config).enabled_channels()
    stamps: dict[str, tuple[int, int]] = {}
    with Store.open(tmp_path / "bot.sqlite3") as store:

        def scan():
            return scan_library(
                store, [posts], channels=channels, now=NOW, root=posts, prune=True, stamps=stamps
            )

        first = scan()
        assert (first.new, len(first.failed)) == (1, 1)
        second = scan()
        assert (second.new, second.unchanged, second.failed, second.removed) == (0, 2, [], 0)
        broken.write_bytes(b"\x00\x02still binary")  # changed: read (and reported) again
        os.utime(broken, ns=(1, 1))
        assert len(scan().failed) == 1
        assert store.queue_depths()["console"] >= 5  # the good article's posts stay queued


def test_a_backlog_cut_in_worker_processes_is_stored_as_if_cut_here(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(library, "BATCH", 3)  # several transactions, one of them short
    posts = tmp_path / "posts"
    posts.mkdir()
    text = EXAMPLE.read_text(encoding="utf-8")
    for i in range(7):
        (posts / f"{i}.md").write_text(
            text.replace("/unveiling-", f"/{i}-unveiling-"), encoding="utf-8"
        )
    for name in ("3-broken.md", "5-broken.md"):
        (posts / name).write_bytes(b"\x00\x01binary")
    config = tmp_path / "bot.toml"
    config.write_text(
        '[bot]\ndatabase = "bot.sqlite3"\nposts_dir = "posts"\n'
        '[channels.x]\nplatform = "console"\nschedule = { every = "1h" }\n'
        '[channels.tg]\nplatform = "console"\nrender_as = "telegram"\n'
        'schedule = { every = "1h" }\n',
        encoding="utf-8",
    )
    channels = load_config(config).enabled_channels()

    def scan(database: Path, pool: CuttingPool | None):
        with Store.open(database) as store:
            report = scan_library(store, [posts], channels=channels, now=NOW, root=posts, pool=pool)
            return report, {
                name: [(p.article_id, p.excerpt_text, p.status) for p in store.queued(name)]
                for name in channels
            }

    with CuttingPool(2) as pool:
        in_workers = scan(tmp_path / "workers.sqlite3", pool)
    here = scan(tmp_path / "here.sqlite3", None)
    assert in_workers == here
    report, queues = here
    assert (report.new, report.queued) == (7, sum(len(q) for q in queues.values()))
    assert [line.split(":")[0] for line in report.failed] == [
        str(posts / "3-broken.md"),
        str(posts / "5-broken.md"),
    ]
    assert len({article for article, _, _ in queues["x"]}) == 7
