"""PostgreSQL as the store, on a real server (`tests.postgres_support`): the password
never in the URL nor in a message, the three ways of giving it, the commands on a
`postgresql://` database, and migrations under a database-wide lock.

(The store's own suite runs on both databases: the `database` fixture.)
"""

from __future__ import annotations

import json
import threading

import psycopg
import pytest

from bot.errors import UserError
from bot.store import Store
from bot.store.schema import SCHEMA_VERSION
from tests.postgres_support import PASSWORD_OF_USER, PASSWORD_USER
from tests.test_cli_operate_support import CONFIG, invoke, write_bot


@pytest.fixture
def pg_url(postgres) -> str:
    return postgres.new_database()


def secret_url(postgres) -> str:
    """A database owned by the user who must give a password, and its URL (no password)."""
    url = postgres.new_database(owner=PASSWORD_USER)
    return url.replace("//excerpt@", f"//{PASSWORD_USER}@")


def test_a_url_with_a_password_is_refused_without_echoing_it(postgres, pg_url, tmp_path):
    with_password = pg_url.replace("//excerpt@", "//excerpt:hunter2-Secret@")
    with pytest.raises(UserError) as caught:
        Store.open(with_password)
    assert "hunter2-Secret" not in str(caught.value)
    assert "the URL holds a password" in str(caught.value)
    assert "PGPASSWORD" in str(caught.value) and "\n" not in str(caught.value)
    # In the config file too: one line, exit 2, the password nowhere.
    config = write_bot(tmp_path, CONFIG.replace('"var/bot.sqlite3"', f'"{with_password}"'))
    result = invoke("status", "--config", config)
    assert result.exit_code == 2
    assert "hunter2-Secret" not in result.output + result.stderr
    assert "holds a password" in result.stderr


def test_the_password_from_pgpassword_pgpass_or_database_password_env(
    postgres, tmp_path, monkeypatch
):
    url = secret_url(postgres)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-such-pgpass"))
    with pytest.raises(UserError) as caught:
        Store.open(url)  # no password anywhere: one line saying where to put it
    assert "refused the login" in str(caught.value) and "PGPASSWORD" in str(caught.value)
    assert "\n" not in str(caught.value)

    monkeypatch.setenv("PGPASSWORD", PASSWORD_OF_USER)
    with Store.open(url) as store:
        assert store.postgresql and store.queue_depths() == {}
    monkeypatch.delenv("PGPASSWORD")

    pgpass = tmp_path / "pgpass"
    pgpass.write_text(
        f"127.0.0.1:{postgres.port}:*:{PASSWORD_USER}:{PASSWORD_OF_USER}\n", encoding="utf-8"
    )
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    with Store.open(url) as store:
        assert store.found_version == SCHEMA_VERSION
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-such-pgpass"))

    bot = CONFIG.replace(
        'database = "var/bot.sqlite3"',
        f'database = "{url}"\ndatabase_password_env = "BOT_DB_PASSWORD"',
    )
    config = write_bot(tmp_path, bot)
    missing = invoke("status", "--config", config)
    assert missing.exit_code == 2
    assert "BOT_DB_PASSWORD is not set" in missing.stderr
    wrong = invoke("status", "--config", config, env={"BOT_DB_PASSWORD": "not-it-at-all"})
    assert wrong.exit_code == 2 and "not-it-at-all" not in wrong.output + wrong.stderr
    assert "refused the login" in wrong.stderr
    right = invoke(
        "add", "--config", config, tmp_path / "posts", env={"BOT_DB_PASSWORD": PASSWORD_OF_USER}
    )
    assert right.exit_code == 0, right.stderr
    shown = invoke(
        "status", "--config", config, "--json", env={"BOT_DB_PASSWORD": PASSWORD_OF_USER}
    )
    report = json.loads(shown.stdout)
    assert report["channels"]["console"]["queue_depth"] > 0
    assert PASSWORD_OF_USER not in shown.stdout
    assert report["database"] == url


def test_a_server_that_does_not_answer_is_one_line(postgres):
    from tests.postgres_support import free_port

    with pytest.raises(UserError) as caught:
        Store.open(f"postgresql://excerpt@127.0.0.1:{free_port()}/nothing")
    assert "cannot connect" in str(caught.value) and "\n" not in str(caught.value)


def test_the_commands_work_on_a_postgresql_database(pg_url, tmp_path):
    config = write_bot(tmp_path, CONFIG.replace('"var/bot.sqlite3"', f'"{pg_url}"'))
    assert invoke("add", "--config", config, tmp_path / "posts").exit_code == 0
    queued = json.loads(invoke("queue", "--config", config, "--json").stdout)
    assert {post["channel"] for post in queued} == {"console", "fast"}
    first = queued[0]["id"]
    assert invoke("skip", "--config", config, str(first)).exit_code == 0
    history = json.loads(invoke("history", "--config", config, "--json").stdout)
    assert [post["status"] for post in history if post["id"] == first] == ["skipped"]
    assert invoke("pause", "--config", config, "fast").exit_code == 0
    status = json.loads(invoke("status", "--config", config, "--json").stdout)
    assert status["channels"]["fast"]["paused"] is True
    plan = invoke("plan", "--config", config, "--days", "1")
    assert plan.exit_code == 0 and "console" in plan.stdout


def test_stores_opening_an_empty_database_together_migrate_it_once(pg_url):
    barrier = threading.Barrier(4)
    found: list[int | None] = []
    errors: list[BaseException] = []

    def open_it() -> None:
        barrier.wait()
        try:
            with Store.open(pg_url) as store:
                found.append(store.found_version)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(found, key=str) == [SCHEMA_VERSION] * 3 + [None]  # created once


def test_a_database_newer_than_the_code_is_refused_in_one_line(pg_url):
    Store.open(pg_url).close()
    with psycopg.connect(
        pg_url.replace("postgresql://", "postgresql://", 1), autocommit=True
    ) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(UserError) as caught:
        Store.open(pg_url)
    assert str(caught.value).startswith(
        f"database schema version 99 is newer than this excerpt-bot understands "
        f"({SCHEMA_VERSION}); upgrade excerpt-bot"
    )
    assert "\n" not in str(caught.value)
