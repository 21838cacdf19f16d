"""`excerpt-bot init`, `check`, `config-schema` and `add`: what an operator setting up sees."""

from __future__ import annotations

import json

from bot.config import render_init_config
from tests.test_cli_operate_support import (
    ARTICLES,
    error_lines,
    invoke,
    ok,
    open_store,
    write_bot,
)

TELEGRAM = """\
[bot]
database = "bot.sqlite3"
posts_dir = "posts"

[channels.console]
platform = "console"
schedule = { every = "1h" }

[channels.news]
platform = "telegram"
chat_id = "@my_channel"
token_env = "EXCERPT_TEST_TOKEN"
schedule = { every = "1h" }
"""
TOKEN = "123456:SECRET-test-token-value"


# --- init --------------------------------------------------------------------------------


def test_init_writes_a_starter_config_that_check_accepts(tmp_path):
    path = tmp_path / "bot.toml"
    assert ok("init", path).stdout.startswith(f"wrote {path}; put articles in {tmp_path}/posts")
    assert path.read_text(encoding="utf-8") == render_init_config()
    assert (tmp_path / "posts").is_dir()  # the folder it configures, so check does not warn
    result = ok("check", "--config", path)
    assert f"config: {path}" in result.stdout
    assert "console: console as x" in result.stdout
    assert result.stderr == ""


def test_init_refuses_to_overwrite_without_force(tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text("# mine\n", encoding="utf-8")
    [line] = error_lines(invoke("init", path))
    assert line == f"{path}: already exists (pass --force to overwrite it)"
    assert path.read_text(encoding="utf-8") == "# mine\n"
    ok("init", path, "--force")
    assert path.read_text(encoding="utf-8") == render_init_config()


def test_init_defaults_to_the_config_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EXCERPT_BOT_CONFIG", raising=False)
    ok("init")
    assert (tmp_path / "excerpt-bot.toml").read_text(encoding="utf-8") == render_init_config()
    ok("init", "--config", "other/named.toml")
    assert (tmp_path / "other" / "named.toml").is_file()


# --- check -------------------------------------------------------------------------------


def test_check_prints_one_line_per_problem_and_exits_2(tmp_path):
    path = write_bot(
        tmp_path,
        config="""\
[bot]
databse = "x.sqlite3"

[channels.console]
platform = "console"
schedule = { every = "soon" }
""",
    )
    result = invoke("check", "--config", path)
    lines = error_lines(result)
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{path}: bot.databse: unknown key")
    assert 'did you mean "database"' in lines[0]
    assert lines[1].startswith(f"{path}: channels.console.schedule.every:")
    assert result.stdout == ""


def test_check_of_a_missing_file_says_how_to_make_one(tmp_path):
    [line] = error_lines(invoke("check", "--config", tmp_path / "none.toml"))
    assert "no such file" in line and "excerpt-bot init" in line


def test_check_names_missing_secrets_but_never_prints_them(tmp_path):
    path = write_bot(tmp_path, config=TELEGRAM)
    [line] = error_lines(invoke("check", "--config", path, env={"EXCERPT_TEST_TOKEN": ""}))
    assert "channels.news" in line and "EXCERPT_TEST_TOKEN is empty" in line
    result = invoke("check", "--config", path, env={"EXCERPT_TEST_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    assert "news: telegram to @my_channel" in result.stdout
    assert TOKEN not in result.output


def test_check_online_checks_each_channel(tmp_path):
    path = write_bot(tmp_path, config=TELEGRAM)
    result = invoke("check", "--config", path, "--online", env={"EXCERPT_TEST_TOKEN": TOKEN})
    # The console channel answers; telegram cannot post in this version: one line for it.
    assert "console: writes x-style posts to the log" in result.stdout
    [line] = error_lines(result)
    assert line.startswith("news: ")
    assert TOKEN not in result.output


def test_check_warns_without_failing(tmp_path):
    path = write_bot(tmp_path)
    (tmp_path / "posts" / "compost.md").unlink()
    (tmp_path / "posts" / "bees.md").unlink()
    (tmp_path / "posts").rmdir()
    result = ok("check", "--config", path)
    assert "channels: 2 (2 enabled)" in result.stdout
    warnings = result.stderr.splitlines()
    assert any(w.startswith("warning: ") and "posts_dir" in w for w in warnings), warnings
    # max_per_day = 1 with two slots a day asks for more than it may send.
    assert any("max_per_day is 1" in w for w in warnings), warnings


def test_config_schema_is_json_schema(tmp_path):
    schema = json.loads(ok("config-schema").stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"bot", "channels"} <= set(schema["properties"])


# --- add ---------------------------------------------------------------------------------


def _articles(path):
    with open_store(path) as store:
        return {post.article_title for post in store.history()}


def test_add_ingests_a_folder_and_queues_every_enabled_channel(tmp_path):
    path = write_bot(tmp_path)
    result = ok("add", "--config", path, tmp_path / "posts")
    assert result.stdout.startswith("2 files: 2 new, 0 changed, 0 unchanged, 0 failed;")
    with open_store(path) as store:
        queued = store.queued()
        depths = store.queue_depths()
    assert {p.article_title for p in queued} == {
        "Compost in Small Gardens",
        "Keeping Bees Through Winter",
    }
    assert set(depths) == {"console", "fast"} and depths["console"] == depths["fast"] > 0
    assert f"{sum(depths.values())} posts queued" in result.stdout
    # Again, and one file named inside posts_dir: the same articles, nothing new.
    again = ok("add", "--config", path, tmp_path / "posts", tmp_path / "posts" / "bees.md")
    assert again.stdout.startswith("3 files: 0 new, 0 changed, 3 unchanged, 0 failed; 0 posts")


def test_add_takes_files_outside_posts_dir_and_changed_files(tmp_path):
    path = write_bot(tmp_path)
    elsewhere = tmp_path / "drafts" / "bees.md"
    elsewhere.parent.mkdir()
    elsewhere.write_text(ARTICLES["bees.md"], encoding="utf-8")
    assert ok("add", "--config", path, elsewhere).stdout.startswith("1 file: 1 new")
    assert _articles(path) == {"Keeping Bees Through Winter"}
    elsewhere.write_text(ARTICLES["bees.md"].replace("twenty", "twenty-five"), encoding="utf-8")
    assert ok("add", "--config", path, elsewhere).stdout.startswith("1 file: 0 new, 1 changed")


def test_add_reports_each_failure_on_one_line_and_adds_the_rest(tmp_path):
    path = write_bot(tmp_path)
    (tmp_path / "posts" / "nolink.md").write_text(
        "---\ntitle: No Link\n---\n\nA paragraph with no link anywhere in sight.\n",
        encoding="utf-8",
    )
    missing = tmp_path / "missing.md"
    result = invoke("add", "--config", path, tmp_path / "posts", missing)
    lines = error_lines(result)
    assert len(lines) == 2, lines
    assert any("nolink.md" in line and "url:" in line for line in lines)
    assert any(line.startswith(str(missing)) and "no such file" in line for line in lines)
    assert result.stdout.startswith("4 files: 2 new, 0 changed, 0 unchanged, 2 failed;")
    assert _articles(path) == {"Compost in Small Gardens", "Keeping Bees Through Winter"}


def test_add_works_while_the_daemon_holds_its_lock(tmp_path):
    path = write_bot(tmp_path)
    with open_store(path) as store, store.daemon_lock():
        assert ok("add", "--config", path, tmp_path / "posts").stdout.startswith("2 files: 2 new")
        assert len(store.queue_depths()) == 2
