"""The database file itself: versions and upgrades, privacy, one daemon, bad files, scale."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, inspect

from bot.errors import UserError
from bot.store import SCHEMA_VERSION, FeedEntry, PostStatus, Store, lock_path
from bot.store.leases import settle_orphans
from bot.store.schema import UtcDateTime
from tests.store_support import HOUR, T0, X, add, at, claim, engine_for

TIME = UtcDateTime()


def iso(dt) -> str:
    """A time as the store writes it."""
    return TIME.process_bind_param(dt, None)


# The first schema, as version 1 of excerpt-bot created it.
V1_SCHEMA = """
CREATE TABLE meta (key VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    id VARCHAR(64) NOT NULL PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, url TEXT,
    data JSON NOT NULL, content_hash VARCHAR(64) NOT NULL, added_at VARCHAR(27) NOT NULL,
    updated_at VARCHAR(27) NOT NULL, removed_at VARCHAR(27));
CREATE INDEX ix_articles_source ON articles (source);
CREATE TABLE excerpts (
    id VARCHAR(64) NOT NULL PRIMARY KEY, article_id VARCHAR(64) NOT NULL REFERENCES articles(id),
    text TEXT NOT NULL, rank INTEGER NOT NULL, score FLOAT NOT NULL,
    paragraph INTEGER NOT NULL, first_sentence INTEGER NOT NULL,
    sentence_count INTEGER NOT NULL, shortened BOOLEAN NOT NULL, active BOOLEAN NOT NULL,
    created_at VARCHAR(27) NOT NULL);
CREATE INDEX ix_excerpts_article ON excerpts (article_id);
CREATE TABLE posts (
    id INTEGER NOT NULL PRIMARY KEY, channel VARCHAR(200) NOT NULL,
    article_id VARCHAR(64) NOT NULL REFERENCES articles(id),
    excerpt_id VARCHAR(64) NOT NULL REFERENCES excerpts(id),
    status VARCHAR(20) NOT NULL, text TEXT, parse_mode VARCHAR(20),
    created_at VARCHAR(27) NOT NULL, not_before VARCHAR(27), claimed_at VARCHAR(27),
    sent_at VARCHAR(27), remote_id TEXT, remote_url TEXT, error TEXT);
CREATE INDEX ix_posts_channel_status ON posts (channel, status);
CREATE INDEX ix_posts_channel_sent_at ON posts (channel, sent_at);
CREATE INDEX ix_posts_channel_claimed_at ON posts (channel, claimed_at);
CREATE INDEX ix_posts_excerpt_channel ON posts (excerpt_id, channel);
CREATE INDEX ix_posts_article_status ON posts (article_id, status);
CREATE TABLE channel_state (
    channel VARCHAR(200) NOT NULL PRIMARY KEY, paused BOOLEAN NOT NULL, paused_reason TEXT,
    paused_at VARCHAR(27), last_error TEXT, last_error_at VARCHAR(27),
    last_sent_at VARCHAR(27), last_slot_at VARCHAR(27));
"""

ARTICLE = {
    "id": "a",
    "title": "Cytokines",
    "paragraphs": ["One.", "Two."],
    "source": "posts/a.md",
    "url": "https://blog.example/a",
    "tags": ["science"],
}


def build_v1(path) -> None:
    db = sqlite3.connect(path)
    with db:
        db.executescript(V1_SCHEMA)
        db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        db.execute(
            "INSERT INTO articles VALUES ('a', 'posts/a.md', 'Cytokines', "
            "'https://blog.example/a', ?, 'h1', ?, ?, NULL)",
            (json.dumps(ARTICLE), iso(T0), iso(T0)),
        )
        for rank, text in enumerate(["One.", "Two."]):
            db.execute(
                "INSERT INTO excerpts VALUES (?, 'a', ?, ?, 1.5, ?, 0, 1, 0, 1, ?)",
                (f"e{rank}", text, rank, rank, iso(T0)),
            )
        db.execute(
            "INSERT INTO posts VALUES (1, 'x', 'a', 'e0', 'sent', 'One. https://blog.example/a',"
            " NULL, ?, NULL, ?, ?, '42', 'https://x.example/42', NULL)",
            (iso(T0), iso(at(1)), iso(at(1))),
        )
        db.execute(
            "INSERT INTO posts (id, channel, article_id, excerpt_id, status, created_at)"
            " VALUES (2, 'x', 'a', 'e1', 'queued', ?)",
            (iso(T0),),
        )
        db.execute(
            "INSERT INTO channel_state (channel, paused, last_sent_at) VALUES ('x', 0, ?)",
            (iso(at(1)),),
        )
    db.close()


def structure(path) -> dict[str, tuple[set[str], set[str]]]:
    """Per table: its column names and index names."""
    engine = create_engine(f"sqlite:///{path}")
    inspector = inspect(engine)
    shape = {
        name: (
            {c["name"] for c in inspector.get_columns(name)},
            {i["name"] for i in inspector.get_indexes(name)},
        )
        for name in inspector.get_table_names()
    }
    engine.dispose()
    return shape


def test_a_version_1_database_is_upgraded_in_place_without_loss(tmp_path):
    old = tmp_path / "old.sqlite3"
    build_v1(old)
    with Store.open(old) as store:
        assert store.found_version == 1
        sent = store.get_post(1)
        assert (sent.status, sent.text, sent.remote_url, sent.sent_at) == (
            "sent",
            "One. https://blog.example/a",
            "https://x.example/42",
            at(1),
        )
        assert (sent.attempts, sent.updated_at) == (1, at(1))  # filled by the upgrade
        queued = store.get_post(2)
        assert (queued.status, queued.attempts, queued.updated_at) == ("queued", 0, T0)
        assert store.get_article("a").paragraphs == ("One.", "Two.")
        assert store.channel_state("x").last_sent_at == at(1)
        # The new structure works: attempts are recorded against the old posts.
        store.record_attempt(1, started_at=at(1), finished_at=at(1), outcome="sent", error=None)
        assert len(store.attempts(1)) == 1
        assert claim(store, now=at(2)).id == 2
    with Store.open(old) as again:
        assert again.found_version == SCHEMA_VERSION
    fresh = tmp_path / "fresh.sqlite3"
    Store.open(fresh).close()
    assert structure(old) == structure(fresh)


# The second schema: version 1, plus claims counted per post and one row per attempt.
V2_SCHEMA = (
    V1_SCHEMA
    + """
ALTER TABLE posts ADD COLUMN attempts INTEGER DEFAULT '0' NOT NULL;
ALTER TABLE posts ADD COLUMN updated_at VARCHAR(27);
CREATE TABLE attempts (
    id INTEGER NOT NULL PRIMARY KEY, post_id INTEGER NOT NULL REFERENCES posts(id),
    started_at VARCHAR(27) NOT NULL, finished_at VARCHAR(27) NOT NULL,
    outcome VARCHAR(64) NOT NULL, error TEXT, duration_ms INTEGER NOT NULL);
CREATE INDEX ix_attempts_post ON attempts (post_id);
"""
)


def build_v2(path) -> None:
    db = sqlite3.connect(path)
    with db:
        db.executescript(V2_SCHEMA)
        db.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        db.execute(
            "INSERT INTO articles VALUES ('a', 'posts/a.md', 'Cytokines', "
            "'https://blog.example/a', ?, 'h1', ?, ?, NULL)",
            (json.dumps(ARTICLE), iso(T0), iso(T0)),
        )
        for rank, text in enumerate(["One.", "Two."]):
            db.execute(
                "INSERT INTO excerpts VALUES (?, 'a', ?, ?, 1.5, ?, 0, 1, 0, 1, ?)",
                (f"e{rank}", text, rank, rank, iso(T0)),
            )
        db.execute(
            "INSERT INTO posts VALUES (1, 'x', 'a', 'e0', 'sent', 'One. https://blog.example/a',"
            " NULL, ?, NULL, ?, ?, '42', 'https://x.example/42', NULL, 1, ?)",
            (iso(T0), iso(at(1)), iso(at(1)), iso(at(1))),
        )
        db.execute(
            "INSERT INTO posts (id, channel, article_id, excerpt_id, status, created_at,"
            " updated_at) VALUES (2, 'x', 'a', 'e1', 'queued', ?, ?)",
            (iso(T0), iso(T0)),
        )
        db.execute(
            "INSERT INTO attempts VALUES (1, 1, ?, ?, 'sent', NULL, 120)", (iso(at(1)), iso(at(1)))
        )
        db.execute(
            "INSERT INTO channel_state (channel, paused, last_sent_at) VALUES ('x', 0, ?)",
            (iso(at(1)),),
        )
    db.close()


def test_a_version_2_database_is_upgraded_for_feeds_in_place_without_loss(tmp_path):
    old = tmp_path / "v2.sqlite3"
    build_v2(old)
    feed = "https://blog.example/feed/"
    with Store.open(old) as store:
        assert store.found_version == 2
        sent = store.get_post(1)
        assert (sent.status, sent.remote_url, sent.attempts, sent.updated_at) == (
            "sent",
            "https://x.example/42",
            1,
            at(1),
        )
        assert [a.duration_ms for a in store.attempts(1)] == [120]
        assert store.get_article("a").paragraphs == ("One.", "Two.")
        # The new tables work beside the old rows.
        assert store.feed_state(feed).last_success_at is None
        store.record_feed_poll(feed, now=at(2), next_poll_at=at(3), etag='"v1"', title="Blog")
        assert (store.feed_state(feed).etag, store.feed_state(feed).failures) == ('"v1"', 0)
        entry = FeedEntry(
            feed=feed, guid="g1", link="https://blog.example/b", entry_hash="h", kind="ingested"
        )
        article, excerpts, _ = add(store, "b", "Three.", channels=[], now=at(2))
        store.ingest_feed_entry(entry, article, excerpts, channels=X, now=at(2))
        assert store.find_feed_entry(feed, guid="g1").article_id == "b"
        assert store.feed_summaries()[feed].entries == {"ingested": 1}
        assert claim(store, now=at(4)).article_id in {"a", "b"}
    with Store.open(old) as again:
        assert again.found_version == SCHEMA_VERSION
    fresh = tmp_path / "fresh.sqlite3"
    Store.open(fresh).close()
    assert structure(old) == structure(fresh)


def test_a_newer_database_is_refused_untouched(tmp_path):
    path = tmp_path / "bot.sqlite3"
    Store.open(path).close()
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    with pytest.raises(UserError) as caught:
        Store.open(path)
    assert str(caught.value).startswith(
        f"database schema version 99 is newer than this excerpt-bot understands "
        f"({SCHEMA_VERSION}); upgrade excerpt-bot"
    )
    assert "\n" not in str(caught.value)


def test_a_database_of_another_program_is_refused(tmp_path):
    path = tmp_path / "other.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (body TEXT)")
    db.close()
    with pytest.raises(UserError, match="is not an excerpt-bot database"):
        Store.open(path)


def test_a_file_that_is_not_a_database_is_one_clear_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are my notes, not a database\n" * 50)
    with pytest.raises(
        UserError,
        match=r"notes.txt: not an SQLite database \(file is not a "
        r"database\); point `database` at",
    ):
        Store.open(path)


def test_files_are_private_and_the_folder_is_created(tmp_path):
    path = tmp_path / "var" / "state" / "bot.sqlite3"
    old_umask = os.umask(0o000)  # the least careful setting: still private
    try:
        with Store.open(path) as store:
            add(store, "a", "a zero")
            files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
            modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
    finally:
        os.umask(old_umask)
    assert modes == {f.name: 0o600 for f in files}


def test_a_url_is_used_as_is(tmp_path):
    path = tmp_path / "by-url.sqlite3"
    with Store.open(f"sqlite:///{path}") as store:
        add(store, "a", "a zero")
        assert store.path == path
    assert path.exists()


def test_a_second_daemon_on_the_same_database_is_refused(tmp_path):
    db = tmp_path / "bot.sqlite3"
    with Store.acquire_daemon_lock(db) as lock:
        assert lock == lock_path(db) == tmp_path / "bot.sqlite3.lock"
        assert lock.read_text().strip() == str(os.getpid())
        pattern = rf"already running on .*bot.sqlite3 \(pid {os.getpid()}\)"
        with pytest.raises(UserError, match=pattern), Store.acquire_daemon_lock(db):
            pass
    with Store.acquire_daemon_lock(db):  # free again once released
        pass


def test_the_lock_is_held_by_another_process_until_it_exits(tmp_path):
    db = tmp_path / "bot.sqlite3"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nfrom bot.store import Store\n"
            f"with Store.acquire_daemon_lock({str(db)!r}):\n"
            "    print('locked', flush=True)\n    sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with (
            pytest.raises(UserError, match=rf"\(pid {holder.pid}\)"),
            Store.acquire_daemon_lock(db),
        ):
            pass
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    with Store.acquire_daemon_lock(db):
        pass
    assert stat.S_IMODE(lock_path(db).stat().st_mode) == 0o600


def test_status_summary_counts_on_a_100000_post_store(tmp_path):
    path = tmp_path / "big.sqlite3"
    with Store.open(path) as store:
        for a in range(100):
            add(store, f"art{a}", *(f"passage {a}.{e}" for e in range(200)), channels=[])
    excerpt_rows = (
        sqlite3.connect(path).execute("SELECT id, article_id FROM excerpts ORDER BY id").fetchall()
    )
    channels = [f"ch{c}" for c in range(5)]
    states = [s.value for s in PostStatus]
    rows = []
    expected: Counter = Counter()
    last_sent: dict[str, int] = {}
    for i in range(100_000):
        channel, status = channels[i % 5], states[(i // 5 + i // 7) % len(states)]
        # each (channel, excerpt) once: a channel holds one waiting post per excerpt
        excerpt, article = excerpt_rows[i // 5 % len(excerpt_rows)]
        sent = iso(T0 + timedelta(seconds=i)) if status == "sent" else None
        rows.append((i + 1, channel, article, excerpt, status, iso(T0), sent, sent))
        expected[channel, status] += 1
        if status == "sent":
            last_sent[channel] = i + 1
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO posts (id, channel, article_id, excerpt_id, status, created_at, "
            "claimed_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    db.close()

    with Store.open(path) as store:
        summary = store.status_summary()
        depths = store.queue_depths()
        newest = store.history(limit=3)
    assert sorted(summary) == channels
    for channel in channels:
        assert summary[channel].counts == {s: expected[channel, s] for s in states}
        assert summary[channel].queue_depth == expected[channel, "queued"] == depths[channel]
        assert summary[channel].last_sent_post_id == last_sent[channel]
    assert sum(sum(s.counts.values()) for s in summary.values()) == 100_000
    assert newest[0].id == max(last_sent.values())


def test_add_to_a_store_with_no_channels_queues_nothing(tmp_path):
    with Store.open(tmp_path / "bot.sqlite3") as store:
        _, _, result = add(store, "a", "a zero", channels=[])
        assert result.queued == 0
        assert store.queued() == []
        assert store.live_articles() == [("a", "posts/a.md", False)]


def test_a_version_5_database_is_upgraded_for_pins_in_place_without_loss(tmp_path):
    old = tmp_path / "v5.sqlite3"
    with Store.open(old) as store:
        add(store, "a", "One.", "Two.", "Three.")
        queued = [p.id for p in store.queued("x")]
    db = sqlite3.connect(old)
    with db:  # back to version 5: posts without pinned_at, none of the later tables
        db.execute("ALTER TABLE posts DROP COLUMN pinned_at")
        drop_spend_columns(db)
        drop_lease_tables(db)
        drop_cut_settings(db)
        db.execute("DROP TABLE admin_messages")
        db.execute("DROP TABLE admin_state")
        db.execute("DROP TABLE source_files")
        db.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    db.close()
    with Store.open(old) as store:
        assert store.found_version == 5
        assert [p.id for p in store.queued("x")] == queued  # every post kept, none pinned
        store.pin(queued[-1], now=at(1))
        assert claim(store, now=at(2)).id == queued[-1]
    fresh = tmp_path / "fresh.sqlite3"
    Store.open(fresh).close()
    assert structure(old) == structure(fresh)


def test_a_version_7_database_gains_file_stamps_and_cut_settings_without_loss(tmp_path):
    old = tmp_path / "v7.sqlite3"
    with Store.open(old) as store:
        add(store, "a", "One.", "Two.", "Three.")
        queued = [p.id for p in store.queued("x")]
    db = sqlite3.connect(old)
    with db:  # back to version 7: no file stamps, no costs, no leases, no cut settings
        db.execute("DROP TABLE source_files")
        drop_spend_columns(db)
        drop_lease_tables(db)
        drop_cut_settings(db)
        db.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    db.close()
    with Store.open(old) as store:
        assert store.found_version == 7
        assert [p.id for p in store.queued("x")] == queued
        assert store.file_stamps("any reader") == {}  # every file is read once more
    fresh = tmp_path / "fresh.sqlite3"
    Store.open(fresh).close()
    assert structure(old) == structure(fresh)


def drop_spend_columns(db: sqlite3.Connection) -> None:
    """Back from version 9: no costs, no budgets reached."""
    db.execute("ALTER TABLE posts DROP COLUMN cost_micros")
    db.execute("ALTER TABLE posts DROP COLUMN currency")
    db.execute("ALTER TABLE thread_parts DROP COLUMN cost_micros")
    db.execute("ALTER TABLE channel_state DROP COLUMN budget_reached_until")


def test_a_version_8_database_is_upgraded_for_spend_in_place_without_loss(tmp_path):
    old = tmp_path / "v8.sqlite3"
    with Store.open(old) as store:
        add(store, "a", "One.", "Two.", "Three.")
        sent = claim(store, now=at(1))
        store.mark_sent(sent.id, remote_id="1", remote_url=None, now=at(1))
        queued = [p.id for p in store.queued("x")]
    db = sqlite3.connect(old)
    with db:
        drop_spend_columns(db)
        drop_lease_tables(db)
        drop_cut_settings(db)
        db.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
    db.close()
    with Store.open(old) as store:
        assert store.found_version == 8
        assert [p.id for p in store.queued("x")] == queued
        [before] = store.history(status="sent")
        assert (before.id, before.cost, before.currency) == (sent.id, None, None)
    fresh = tmp_path / "fresh.sqlite3"
    Store.open(fresh).close()
    assert structure(old) == structure(fresh)


def drop_cut_settings(db: sqlite3.Connection) -> None:
    """Back from version 11: no settings kept with the cuts."""
    db.execute("ALTER TABLE channel_cuts DROP COLUMN made_with")


def drop_lease_tables(db: sqlite3.Connection) -> None:
    """Back from version 10: no claimed_by, no instances, no leases."""
    db.execute("ALTER TABLE posts DROP COLUMN claimed_by")
    db.execute("DROP TABLE instances")
    db.execute("DROP TABLE leases")


def test_a_version_9_database_is_upgraded_for_leases_in_place_without_loss(database):
    with Store.open(database) as store:
        add(store, "a", "One.", "Two.", "Three.")
        sent = claim(store, now=at(1))
        queued = [p.id for p in store.queued("x")]
    engine = engine_for(database)
    with engine.begin() as conn:  # back to version 9: no claimed_by, no instances, no leases
        conn.exec_driver_sql("ALTER TABLE posts DROP COLUMN claimed_by")
        conn.exec_driver_sql("DROP TABLE instances")
        conn.exec_driver_sql("DROP TABLE leases")
        conn.exec_driver_sql("ALTER TABLE channel_cuts DROP COLUMN made_with")
        conn.exec_driver_sql("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    engine.dispose()
    with Store.open(database) as store:
        assert store.found_version == 9
        assert [p.id for p in store.queued("x")] == queued
        assert store.get_post(sent.id).status == "sending"
        # A post claimed before the upgrade was claimed by no daemon that says so: the one
        # taking its channel over settles it.
        assert store.write_with(settle_orphans, ["x"], now=at(2), ttl=HOUR) == ([sent.id], [])
        assert store.get_post(sent.id).status == "unknown"
    engine = engine_for(database)
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("posts")}
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert "claimed_by" in columns and {"instances", "leases"} <= tables
