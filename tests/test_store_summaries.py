"""What `status` reads: the same summaries from an SQLite file through sqlite3 alone as
through the store, and the store's own path (and its messages) for anything else."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from bot.errors import UserError
from bot.store import SCHEMA_VERSION, FeedEntry, PostStatus, Store, summaries
from bot.store.engine import QUICK_BUSY_TIMEOUT_MS
from bot.store.summaries import read_status
from tests.store_support import X_TG, add, at, claim, send

FEED = "https://blog.example/feed/"
GONE = "https://old.example/feed/"


def test_the_schema_facts_restated_match_the_schema():
    assert summaries.READS_VERSION == SCHEMA_VERSION
    assert tuple(status.value for status in PostStatus) == summaries.POST_STATUSES
    assert summaries.BUSY_TIMEOUT_S * 1000 == QUICK_BUSY_TIMEOUT_MS


@pytest.fixture
def busy_store(tmp_path):
    """Posts in several states on x and tg, two sent at the same instant on x, a paused
    channel with an error, a feed polled with entries and one that failed."""
    path = tmp_path / "bot.sqlite3"
    with Store.open(path) as store:
        add(store, "a", "a zero", "a one", "a two", "a three", channels=X_TG)
        add(store, "b", "b zero", channels=[("tg", True)])
        send(store, "x", now=at(1))
        send(store, "x", now=at(2))
        send(store, "x", now=at(2))  # the same instant: the higher id is the last one out
        failed = claim(store, "x", now=at(3))
        store.mark_failed(failed.id, error="rejected", now=at(3))
        store.record_channel_error("x", error="rejected", now=at(3))
        store.pause_channel("tg", reason="401 from Telegram", now=at(4))
        store.set_last_slot("tg", at(4))
        store.record_feed_poll(FEED, now=at(5), next_poll_at=at(6), title="The blog")
        store.record_feed_poll(GONE, now=at(5), next_poll_at=at(7), error="HTTP 500")
        for n, kind in enumerate(["ingested", "ingested", "skipped"]):
            store.record_feed_entry(
                FeedEntry(feed=FEED, guid=f"g{n}", link=None, entry_hash=f"h{n}", kind=kind),
                now=at(5),
            )
    return path


def test_sqlite_reads_what_the_store_reads(busy_store):
    channels, feeds = ["x", "tg", "mastodon"], [FEED, "https://new.example/feed/"]
    report = read_status(busy_store, channels=channels, feeds=feeds)
    with Store.open(busy_store) as store:
        assert report.channels == store.status_summary(channels)
        assert report.feeds == store.feed_summaries(feeds)
        assert report.where == store.where == str(busy_store)
        last_out = max(p.id for p in store.history(channel="x", status="sent"))
    assert list(report.channels) == ["mastodon", "tg", "x"]
    x, tg = report.channels["x"], report.channels["tg"]
    assert (x.last_sent_at, x.last_sent_post_id) == (at(2), last_out)
    assert x.counts == {s.value: 0 for s in PostStatus} | {"queued": 0, "sent": 3, "failed": 1}
    assert (tg.paused, tg.paused_reason, tg.last_slot_at, tg.pending_approval) == (
        True,
        "401 from Telegram",
        at(4),
        1,
    )
    assert list(report.feeds) == [FEED, "https://new.example/feed/", GONE]
    assert report.feeds[FEED].entries == {"ingested": 2, "skipped": 1}
    assert report.feeds[GONE].state.failures == 1


def test_a_missing_file_is_created_by_the_store(tmp_path):
    path = tmp_path / "var" / "new.sqlite3"
    report = read_status(path, channels=["x"])
    assert path.exists() and report.where == str(path)
    assert report.channels["x"].queue_depth == 0 and report.feeds == {}


def test_a_url_goes_through_the_store(busy_store):
    report = read_status(f"sqlite:///{busy_store}", channels=["x"])
    assert report.where == f"sqlite:///{busy_store}"
    assert report.channels == read_status(busy_store, channels=["x"]).channels


def test_a_database_it_cannot_read_gets_the_stores_message(tmp_path, busy_store):
    with sqlite3.connect(busy_store) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(UserError, match="schema version 99 is newer than this excerpt-bot"):
        read_status(busy_store)
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("not a database\n" * 100, encoding="utf-8")
    with pytest.raises(UserError, match=f"database {not_sqlite}: not an SQLite database"):
        read_status(not_sqlite)


# Each costs `status` more than its own work: SQLAlchemy about four times `--version`, and
# twitter-text (pkg_resources with it) more than all the rest.
HEAVY = (
    "sqlalchemy",
    "telegram",
    "tweepy",
    "requests",
    "atproto",
    "mastodon",
    "httpx",
    "feedparser",
    "trafilatura",
    "twitter_text",
    "pkg_resources",
)


def test_status_on_an_sqlite_store_imports_no_sqlalchemy_and_no_client_library(
    tmp_path, busy_store
):
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[bot]\ndatabase = "{busy_store}"\n\n[channels.x]\n'
        'platform = "console"\nschedule = { every = "1h" }\n',
        encoding="utf-8",
    )
    argv = ["status", "--json", "--config", str(config)]
    script = (
        "import sys\nfrom bot.cli import cli\n"
        f"cli.main({argv!r}, standalone_mode=False)\n"
        "packages = {name.split('.')[0] for name in sys.modules}\n"
        f"print('loaded:', sorted(packages & {set(HEAVY)!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert '"paused_reason": "401 from Telegram"' in done.stdout  # tg: the database's
    assert "loaded: []" in done.stdout
