"""A corpus of bad inputs — configs, articles, URLs, feeds, databases, signals — each ending
in a result or one clear line with exit status 2, never an "unexpected" error (exit 1),
in bounded time (pytest-timeout). The corpus lives in tests/data/bad/ (and the bad configs
in tests/data/configs/); grow it when a new kind of bad input turns up."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.config import load_config
from bot.errors import UserError
from bot.store import Store
from tests.daemon_support import events, log_events, start, stop, wait_for, write_config
from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import telegram_api_fixture  # noqa: F401
from tests.fakes.web import web_fixture  # noqa: F401  (the fixture `web`)
from tests.feed_support import make_bot_fixture  # noqa: F401  (the fixture `make_bot`)
from tests.test_cli_operate_support import error_lines, invoke, write_bot

BAD = Path(__file__).parent / "data" / "bad"
CONFIGS = sorted((Path(__file__).parent / "data" / "configs").glob("*.toml"))
URLS = [
    line
    for line in (BAD / "urls.txt").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
]
ARTICLES = sorted((BAD / "articles").iterdir())
FEEDS = sorted((BAD / "feeds").iterdir())
BOUNDED_S = 60  # pytest-timeout per case; each takes well under a second unloaded

CONSOLE = """\
[bot]
database = "var/bot.sqlite3"
posts_dir = "posts"

[channels.console]
platform = "console"
schedule = { every = "1h" }
"""
READING = (["status"], ["queue"], ["history"], ["plan"])


def no_unexpected(result) -> None:
    """A result, or one `error:` line per problem and exit status 2."""
    assert "unexpected" not in result.output and "Traceback" not in result.output, result.output
    if result.exit_code != 0:
        error_lines(result)


# --- configs -------------------------------------------------------------------------------


@pytest.mark.timeout(BOUNDED_S)
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_no_bad_config_gives_an_unexpected_error(path):
    for command in (["check"], ["plan"], ["status"], ["run", "--once"]):
        result = invoke(*command, "--config", path)
        assert result.exit_code == 2
        no_unexpected(result)


def test_a_config_with_a_byte_order_mark_is_accepted(tmp_path):
    path = write_bot(tmp_path, CONSOLE)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_config(path).channels["console"].platform == "console"
    assert invoke("check", "--config", path).exit_code == 0


def test_a_log_file_whose_folder_is_a_file_is_one_line(tmp_path):
    (tmp_path / "var").write_text("not a folder", encoding="utf-8")
    path = write_bot(
        tmp_path,
        CONSOLE.replace(
            'database = "var/bot.sqlite3"', 'database = "bot.sqlite3"\nlog_file = "var/bot.log"'
        ),
    )
    result = invoke("run", "--once", "--config", path)
    [line] = error_lines(result)
    assert line == (
        f"bot.log_file: cannot write {tmp_path / 'var/bot.log'} ({tmp_path / 'var'} "
        "is a file, not a folder); set log_file to a file in a folder you may "
        "write, or leave it out"
    )


# --- articles and URLs ---------------------------------------------------------------------


@pytest.mark.timeout(BOUNDED_S)
@pytest.mark.parametrize("url", URLS)
def test_a_bad_url_is_refused_in_one_line_naming_it(tmp_path, url):
    path = write_bot(tmp_path, CONSOLE)
    [line] = error_lines(invoke("add", "--config", path, url))
    if "://" in url:  # else it is taken for a path, and named as one
        assert line.startswith(f"{url}: ")


@pytest.mark.timeout(BOUNDED_S)
@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.name)
def test_no_bad_article_gives_an_unexpected_error(tmp_path, article):
    path = write_bot(tmp_path, CONSOLE)
    result = invoke("add", "--config", path, article)
    no_unexpected(result)


@pytest.mark.timeout(BOUNDED_S)
def test_a_huge_single_paragraph_is_cut_in_bounded_time(tmp_path):
    path = write_bot(tmp_path, CONSOLE)
    article = tmp_path / "huge.md"
    article.write_text(
        "---\ntitle: One long line\nurl: https://example.org/long/\n---\n\n" + "word " * 200_000,
        encoding="utf-8",
    )
    no_unexpected(invoke("add", "--config", path, article))


def test_an_article_with_a_malformed_url_names_the_file_and_the_url(tmp_path):
    path = write_bot(tmp_path, CONSOLE)
    [line] = error_lines(invoke("add", "--config", path, BAD / "articles" / "bad-url.md"))
    assert line.startswith(f"{BAD / 'articles' / 'bad-url.md'}: url 'http://[::1/post'")


# --- feeds ---------------------------------------------------------------------------------


@pytest.mark.timeout(BOUNDED_S)
@pytest.mark.parametrize("feed", FEEDS, ids=lambda p: p.name)
def test_no_bad_feed_gives_an_unexpected_error(make_bot, feed):
    bot = make_bot(poll="10m")
    bot.publish(feed.read_text(encoding="utf-8"))
    report = bot.poll()  # never raises
    assert report.error is None or "\n" not in report.error


def test_a_truncated_feed_is_reported_as_truncated_and_its_whole_entries_are_read(make_bot, caplog):
    bot = make_bot(poll="10m", fetch_pages=False)
    bot.publish((BAD / "feeds" / "truncated.xml").read_text(encoding="utf-8"))
    with caplog.at_level(logging.INFO, logger="excerpt_bot"):
        report = bot.poll()
    assert report.error is None and report.failed == []  # no "entry without a link"
    assert report.new == 1
    [polled] = [r for r in caplog.records if r.getMessage() == "feed.polled"]
    assert polled.levelno == logging.WARNING
    assert polled.fields["problem"].startswith("truncated: the XML ends mid-way")


# --- databases -----------------------------------------------------------------------------


def _bot_with_posts(tmp_path: Path) -> tuple[Path, Path]:
    path = write_bot(tmp_path, CONSOLE)
    assert invoke("add", "--config", path, tmp_path / "posts").exit_code == 0
    return path, tmp_path / "var" / "bot.sqlite3"


def _damage(db: Path) -> None:
    """Overwrite the middle of every other page: an index or a table page breaks."""
    size = db.stat().st_size
    with db.open("r+b") as file:
        for offset in range(4096, size, 8192):
            file.seek(offset + 100)
            file.write(bytes(range(256)) * 8)


def _foreign(db: Path) -> None:
    for name in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        name.unlink(missing_ok=True)
    connection = sqlite3.connect(db)
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    connection.commit()
    connection.close()


DATABASES = {
    "damaged pages": _damage,
    "half a file": lambda db: db.write_bytes(db.read_bytes()[: db.stat().st_size // 2]),
    "a text file": lambda db: db.write_text("not a database\n" * 500, encoding="utf-8"),
    "another application's": _foreign,
}


@pytest.mark.timeout(BOUNDED_S)
@pytest.mark.parametrize("damage", DATABASES, ids=list(DATABASES))
def test_no_bad_database_gives_an_unexpected_error(tmp_path, damage):
    path, db = _bot_with_posts(tmp_path)
    for side in ("-wal", "-shm"):
        Path(f"{db}{side}").unlink(missing_ok=True)
    DATABASES[damage](db)
    for command in (*READING, ["add", tmp_path / "posts"], ["pause", "console"], ["run", "--once"]):
        result = invoke(*command, "--config", path)
        no_unexpected(result)


def test_a_damaged_database_says_so(tmp_path):
    path, db = _bot_with_posts(tmp_path)
    for side in ("-wal", "-shm"):
        Path(f"{db}{side}").unlink(missing_ok=True)
    _damage(db)
    [line] = error_lines(invoke("history", "--config", path))
    assert line.startswith(f"database {db} is damaged (")


def test_another_applications_file_is_refused_as_it_was_found(tmp_path):
    path, db = _bot_with_posts(tmp_path)
    _foreign(db)
    before = db.read_bytes()
    for command in (*READING, ["add", tmp_path / "posts"]):
        [line] = error_lines(invoke(*command, "--config", path))
        assert "is not an excerpt-bot database" in line
    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # not WAL
    connection.close()
    assert db.read_bytes() == before


@pytest.mark.timeout(BOUNDED_S)
def test_a_locked_database_gives_one_clear_line_without_waiting_long(tmp_path):
    path, db = _bot_with_posts(tmp_path)
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:  # an SQLite shell holding an exclusive transaction
        connection = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA locking_mode=EXCLUSIVE")
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("UPDATE meta SET value = value")
        locked.set()
        release.wait(BOUNDED_S)
        connection.execute("ROLLBACK")
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(BOUNDED_S)
        for command in (["status"], ["history"], ["add", tmp_path / "posts"]):
            [line] = error_lines(invoke(*command, "--config", path))
            assert line.startswith(f"database {db} is locked by another process"), line
            assert "check the path" not in line
    finally:
        release.set()
        holder.join()


def test_reading_commands_open_the_database_read_only_and_never_write(tmp_path, monkeypatch):
    path, db = _bot_with_posts(tmp_path)
    opened: list[str] = []
    connect = sqlite3.connect

    def recording(database, *args, **kwargs):  # every way in: sqlite3 and SQLAlchemy's
        opened.append(str(database))
        return connect(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", recording)
    monkeypatch.setattr(sqlite3.dbapi2, "connect", recording)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for command in READING:
        opened.clear()
        result = invoke(*command, "--config", path)
        assert result.exit_code == 0, result.output
        assert opened and all("mode=ro" in name for name in opened), (command, opened)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_a_read_only_store_refuses_writes_in_one_line(tmp_path):
    _, db = _bot_with_posts(tmp_path)
    with Store.open(db, read_only=True) as store:
        assert store.queue_depths()["console"] > 0
        with pytest.raises(UserError, match="cannot be written"):
            store.pause_channel("console", reason="testing", now=store_now())


def store_now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


# --- signals -------------------------------------------------------------------------------


@pytest.mark.timeout(BOUNDED_S)
def test_sigterm_during_a_retry_wait_stops_cleanly_without_an_error_line(tmp_path, telegram_api):
    config = write_config(
        tmp_path,
        f"""
[channels.news]
platform = "telegram"
chat_id = "@my_channel"
api_base_url = "{telegram_api.base_url}"
schedule = {{ every = "1s" }}
""",
    )
    telegram_api.script(tg.flood(120, method="sendMessage"))
    process = start(config, env={"TELEGRAM_BOT_TOKEN": tg.TOKEN})
    log = tmp_path / "var/bot.log"
    try:
        wait_for(lambda: events(log, "post.retry"))
    finally:
        code, _, err = stop(process, timeout=BOUNDED_S / 2)
    assert code == 0, err
    assert "CancelledError" not in err and "Traceback" not in err
    assert [e for e in log_events(log) if e["level"] == "error"] == []
    [requeued] = events(log, "post.requeued")
    assert requeued["reason"] == "shutdown during a retry wait"


def test_the_corpus_is_there():
    assert len(URLS) >= 10 and len(ARTICLES) >= 6 and len(FEEDS) >= 4
