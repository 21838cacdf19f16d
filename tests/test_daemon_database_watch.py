"""The daemon's database is watched: deleted, moved or replaced under a running daemon, it
stops at once (one line, exit status 2) and sends nothing it cannot record; restarted on
the file put back, it never posts the same excerpt twice."""

from __future__ import annotations

import os
import sqlite3

import pytest

from bot.errors import DatabaseGone
from bot.store import Store
from tests.daemon_support import (
    T0,
    events,
    hours,
    in_process,
    outbox_lines,
    start,
    wait_for,
    write_config,
)

CONSOLE = """
[channels.console]
platform = "console"
schedule = { every = "EVERY" }
outbox = "var/outbox.jsonl"
"""


def console(every: str) -> str:
    return CONSOLE.replace("EVERY", every)


def texts(tmp_path) -> list[str]:
    return [p["text"] for p in outbox_lines(tmp_path / "var/outbox.jsonl")]


def delete_keeping_a_copy(db, backup) -> None:
    """`rm` the database, as a cleanup script would; `backup` keeps its content (a hard
    link: the daemon's writes up to the deletion are in it)."""
    os.link(db, backup)
    os.unlink(db)


def replace_with_a_copy(db) -> None:
    """Put a copy of the database in its place (a restore from a fresh backup)."""
    copy = db.with_name("restored.sqlite3")
    source, target = sqlite3.connect(db), sqlite3.connect(copy)
    with target:
        source.backup(target)
    source.close()
    target.close()
    os.replace(copy, db)


@pytest.mark.parametrize("change", ["delete", "move", "replace"])
def test_a_database_gone_mid_run_stops_the_daemon_and_nothing_is_posted_twice(tmp_path, change):
    config = write_config(tmp_path, console("1h"))
    db, log = tmp_path / "var/bot.sqlite3", tmp_path / "var/bot.log"
    backup = tmp_path / "var/backup.sqlite3"

    async def scenario(daemon):
        await daemon.run_until(T0 + hours(1.5))  # 09:00 and 10:00 go out
        if change == "delete":
            delete_keeping_a_copy(db, backup)
        elif change == "move":
            os.rename(db, backup)
        else:
            replace_with_a_copy(db)
        await daemon.run_until(T0 + hours(4.5))  # 11:00 finds it gone: nothing after

    with pytest.raises(DatabaseGone) as stopped:
        in_process(config, scenario)
    assert len(texts(tmp_path)) == 2
    assert str(db) in str(stopped.value)
    expected = "replaced" if change == "replace" else "deleted or moved"
    assert expected in str(stopped.value)
    [gone] = events(log, "database.gone")
    assert expected in gone["error"]
    assert not [e for e in events(log, "slot.error")]

    if change != "replace":
        os.replace(backup, db)  # put it back
    in_process(config, start=T0 + hours(5), until=T0 + hours(7.5))
    after = texts(tmp_path)
    assert len(after) == 2 + 3  # the restart's 14:00, 15:00, 16:00
    assert len(set(after)) == len(after)  # never the same excerpt twice


def test_the_stopped_daemon_writes_nothing_more_even_if_the_file_comes_back(tmp_path):
    config = write_config(tmp_path, console("1h"))
    db, backup = tmp_path / "var/bot.sqlite3", tmp_path / "var/backup.sqlite3"

    async def scenario(daemon):
        await daemon.run_until(T0 + hours(0.5))
        os.rename(db, backup)
        await daemon.run_until(T0 + hours(1.5))  # 10:00: noticed
        os.rename(backup, db)  # back, but too late for this process
        await daemon.run_until(T0 + hours(3.5))

    with pytest.raises(DatabaseGone):
        in_process(config, scenario)
    assert len(texts(tmp_path)) == 1
    with Store.open(db) as store:
        assert len(store.history(status="sent")) == 1


def test_a_store_refuses_every_write_once_its_file_is_deleted(tmp_path):
    db = tmp_path / "bot.sqlite3"
    with Store.open(db) as store:
        heard: list[str] = []
        store.on_database_gone(lambda error: heard.append(str(error)))
        store.set_last_slot("console", T0)
        os.unlink(db)
        with pytest.raises(DatabaseGone, match="deleted or moved"):
            store.set_last_slot("console", T0 + hours(1))
        with pytest.raises(DatabaseGone):
            store.set_last_slot("console", T0 + hours(2))
        assert len(heard) == 1  # said once
        assert store.channel_state("console").last_slot_at == T0  # reads still work


def test_the_real_daemon_exits_with_one_line_when_its_database_is_deleted(tmp_path):
    config = write_config(tmp_path, console("1s"))
    db, backup = tmp_path / "var/bot.sqlite3", tmp_path / "var/backup.sqlite3"
    process = start(config)
    try:
        wait_for(lambda: texts(tmp_path))
        delete_keeping_a_copy(db, backup)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 2
    lines = err.strip().splitlines()
    assert lines[-1].startswith("excerpt-bot: error: database ")
    assert "deleted or moved" in lines[-1] and "Traceback" not in err
    assert len(events(tmp_path / "var/bot.log", "database.gone")) == 1

    os.replace(backup, db)
    before = texts(tmp_path)
    restarted = start(config, "--once")
    _, err = restarted.communicate(timeout=30)
    assert restarted.returncode == 0, err
    after = texts(tmp_path)
    assert len(after) == len(before) + 1 and len(set(after)) == len(after)
