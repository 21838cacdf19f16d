"""`excerpt-bot migrate-store --to postgresql://…`: an SQLite store copied into an empty
PostgreSQL database (a real server), history and all; a non-empty target refused."""

from __future__ import annotations

import json

from tests.test_cli_operate_support import (
    CONFIG,
    claim,
    error_lines,
    invoke,
    ok,
    open_store,
    send,
    write_bot,
)


def test_an_sqlite_store_is_copied_whole_and_a_non_empty_target_refused(postgres, tmp_path):
    config = write_bot(tmp_path)
    ok("add", "--config", config, tmp_path / "posts")
    with open_store(config) as store:
        sent = send(store, "console")
        left = claim(store, "fast")  # a daemon died mid-send: it stays `sending`
        store.mark_unknown(left.id, error="interrupted", now=sent.claimed_at)
        before = [p.to_dict() for p in store.history()]
        queued = [p.id for p in store.queued()]
    url = postgres.new_database()
    done = ok("migrate-store", "--config", config, "--to", url)
    assert "copied" in done.stdout and "posts" in done.stdout

    moved = tmp_path / "pg"
    moved.mkdir()
    pg_config = write_bot(moved, CONFIG.replace('"var/bot.sqlite3"', f'"{url}"'))
    history = json.loads(ok("history", "--config", pg_config, "--json").stdout)
    assert [p["id"] for p in history] == [p["id"] for p in before]
    assert {p["id"]: (p["status"], p["text"], p["remote_url"]) for p in history} == {
        p["id"]: (p["status"], p["text"], p["remote_url"]) for p in before
    }
    assert [
        p["id"] for p in json.loads(ok("queue", "--config", pg_config, "--json").stdout)
    ] == queued
    # New rows continue after the copied ids.
    composed = ok(
        "compose",
        "--config",
        pg_config,
        "--channel",
        "console",
        "Hello there, this is an announcement of our own words for the channel.",
    )
    assert composed.exit_code == 0
    with open_store(pg_config) as store:
        newest = max(p.id for p in store.history())
    assert newest > max(p["id"] for p in before)

    again = invoke("migrate-store", "--config", config, "--to", url)
    assert again.exit_code == 2
    assert len(error_lines(again)) == 1
    assert f"database {url} is not empty" in again.stderr and "rows in" in again.stderr
