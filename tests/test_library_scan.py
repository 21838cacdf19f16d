"""Library scans: unchanged files are not read again; a broken file is reported once."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from bot.config import load_config
from bot.library import scan_library
from bot.slots import enabled_channels
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
    config.write_text('[bot]\ndatabase = "bot.sqlite3"\nposts_dir = "posts"\n'
                      '[channels.console]\nplatform = "console"\nschedule = { every = "1h" }\n',
                      encoding="utf-8")
    channels = enabled_channels(load_config(config))
    stamps: dict[str, tuple[int, int]] = {}
    with Store.open(tmp_path / "bot.sqlite3") as store:
        def scan():
            return scan_library(store, [posts], channels=channels, now=NOW, root=posts,
                                prune=True, stamps=stamps)

        first = scan()
        assert (first.new, len(first.failed)) == (1, 1)
        second = scan()
        assert (second.new, second.unchanged, second.failed, second.removed) == (0, 2, [], 0)
        broken.write_bytes(b"\x00\x02still binary")  # changed: read (and reported) again
        os.utime(broken, ns=(1, 1))
        assert len(scan().failed) == 1
        assert store.queue_depths()["console"] >= 8  # the good article's posts stay queued
