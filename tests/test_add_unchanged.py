"""A file unchanged since it was last read is not read (parsed, cut) again: a second `add`
of a folder, the daemon's first scan after a restart. What changes a file's article (its
bytes, the [site] its link comes from) reads it again, and so does a file that was edited
so soon after its stamp that its size and time could not tell."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

import bot.ingest.parse
import bot.ingest.read
from bot.config import load_config
from bot.render.channel import cut_key
from bot.sources.library import scan_library
from bot.store import Store
from tests.daemon_support import EXAMPLE, T0, events, hours, in_process, write_config
from tests.test_cli_operate_support import invoke, ok, write_bot

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HOUR_NS = 3600 * 10**9


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The sources parsed from now on (the real parser runs; each call is noted)."""
    calls: list[str] = []
    real = bot.ingest.parse.parse_article

    def noting(data, *, source, **kwargs):
        calls.append(source)
        return real(data, source=source, **kwargs)

    monkeypatch.setattr(bot.ingest.parse, "parse_article", noting)
    if hasattr(bot.ingest.read, "parse_article"):  # a reader that imported it by name
        monkeypatch.setattr(bot.ingest.read, "parse_article", noting)
    return calls


def summary(result) -> str:
    return result.stdout.strip().splitlines()[-1]


def age(path: Path, hours_ago: float = 1) -> None:
    """Date the file back, as a file last edited a while ago is."""
    ns = path.stat().st_mtime_ns - int(hours_ago * HOUR_NS)
    os.utime(path, ns=(ns, ns))


def test_a_second_add_of_an_unchanged_folder_parses_nothing(tmp_path, parsed):
    config = write_bot(tmp_path)
    posts = tmp_path / "posts"
    first = ok("add", "--config", config, posts)
    assert summary(first).startswith("2 files: 2 new, 0 changed, 0 unchanged, 0 failed; ")
    assert len(parsed) == 2
    parsed.clear()
    again = ok("add", "--config", config, posts)
    assert summary(again) == "2 files: 0 new, 0 changed, 2 unchanged, 0 failed; 0 posts queued"
    assert parsed == []
    one = ok("add", "--config", config, posts / "bees.md")
    assert summary(one) == "1 file: 0 new, 0 changed, 1 unchanged, 0 failed; 0 posts queued"
    assert parsed == []


def test_a_touched_file_is_not_parsed_again_and_an_edited_one_is(tmp_path, parsed):
    config = write_bot(tmp_path)
    posts = tmp_path / "posts"
    bees = posts / "bees.md"
    ok("add", "--config", config, posts)
    parsed.clear()
    os.utime(bees)  # a touch, a checkout: its time moved, its bytes did not
    assert summary(ok("add", "--config", config, posts)).startswith("2 files: 0 new, 0 changed")
    assert parsed == []
    bees.write_text(
        bees.read_text(encoding="utf-8").replace(
            "about twenty kilograms", "about eighteen kilograms"
        ),
        encoding="utf-8",
    )
    result = ok("add", "--config", config, posts)
    assert summary(result).startswith("2 files: 0 new, 1 changed, 1 unchanged")
    assert parsed == [str(bees.resolve())]


def test_an_edit_that_keeps_size_and_time_is_read_when_the_stamp_cannot_tell(tmp_path, parsed):
    config = write_bot(tmp_path)
    compost = tmp_path / "posts" / "compost.md"
    ok("add", "--config", config, compost)  # stamped just now: within a tick of its time
    kept = compost.stat().st_mtime_ns
    compost.write_text(
        compost.read_text(encoding="utf-8").replace("fork", "rake"), encoding="utf-8"
    )  # same size
    os.utime(compost, ns=(kept, kept))  # and the same time, as a coarse clock would give
    parsed.clear()
    result = ok("add", "--config", config, compost)
    assert summary(result).startswith("1 file: 0 new, 1 changed")
    assert parsed == [str(compost.resolve())]


def test_a_file_is_read_again_when_the_site_its_link_comes_from_changed(tmp_path, parsed):
    config = write_bot(tmp_path)
    posts = tmp_path / "posts"
    notes = posts / "notes.txt"
    notes.write_text(
        "Notes on Seeds\n\nSeeds saved from open-pollinated plants grow true to "
        "their parents the next year.\n",
        encoding="utf-8",
    )
    age(notes)
    site = '\n[site]\nbase_url = "https://garden.example/"\nname = "{name}"\n'
    text = config.read_text(encoding="utf-8")
    config.write_text(text + site.format(name="Garden Notes"), encoding="utf-8")
    ok("add", "--config", config, notes)
    parsed.clear()
    ok("add", "--config", config, notes)
    assert parsed == []
    config.write_text(text + site.format(name="Seed Notes"), encoding="utf-8")
    ok("add", "--config", config, notes)
    assert parsed == [str(notes.resolve())]
    with Store.open(tmp_path / "var" / "bot.sqlite3") as store:
        [article] = [
            a
            for a in store.get_articles(i for i, *_ in store.live_articles()).values()
            if a.source == str(notes.resolve())
        ]
    assert article.site == "Seed Notes"


def test_a_file_removed_and_put_back_unchanged_is_read_again(tmp_path, parsed):
    posts = tmp_path / "posts"
    posts.mkdir()
    article = posts / EXAMPLE.name
    shutil.copy2(EXAMPLE, article)
    age(article)
    config = tmp_path / "bot.toml"
    config.write_text(
        '[bot]\ndatabase = "bot.sqlite3"\nposts_dir = "posts"\n'
        '[channels.console]\nplatform = "console"\nschedule = { every = "1h" }\n',
        encoding="utf-8",
    )
    channels = load_config(config).enabled_channels()
    with Store.open(tmp_path / "bot.sqlite3") as store:

        def scan():
            return scan_library(
                store, [posts], channels=channels, now=NOW, root=posts, prune=True, remember=True
            )

        assert scan().new == 1
        aside = tmp_path / EXAMPLE.name
        article.rename(aside)  # moved away (its time kept), then back
        assert scan().removed == 1
        aside.rename(article)
        parsed.clear()
        back = scan()
        assert parsed == [str(article.resolve())]  # read: its posts were cancelled
        assert back.changed == 1 and back.queued > 0
        assert scan().unchanged == 1


def test_the_daemon_reads_no_unchanged_file_after_a_restart(tmp_path, parsed):
    config = write_config(
        tmp_path, '[channels.console]\nplatform = "console"\nschedule = { every = "1h" }\n'
    )
    age(tmp_path / "posts" / EXAMPLE.name)
    in_process(config, until=T0 + hours(0.1))
    assert len(parsed) == 1
    parsed.clear()
    in_process(config, until=T0 + hours(0.2), start=T0 + hours(0.15))  # a restart
    assert parsed == []
    first_scan = events(tmp_path / "var/bot.log", "library.scanned")[-1]
    assert (first_scan["new"], first_scan["changed"], first_scan["unchanged"]) == (0, 0, 1)


def test_a_broken_file_is_reported_at_every_add(tmp_path):
    config = write_bot(tmp_path)
    broken = tmp_path / "posts" / "broken.md"
    broken.write_bytes(b"\x00\x01binary")
    for _ in range(2):
        result = invoke("add", "--config", config, broken)
        assert result.exit_code == 2 and str(broken) in result.stderr


@pytest.fixture
def looked_up(monkeypatch) -> list[str]:
    """The ids of the stored articles read from now on (the real store answers)."""
    calls: list[str] = []
    real = Store.get_articles

    def noting(self, article_ids):
        article_ids = list(article_ids)
        calls.extend(article_ids)
        return real(self, article_ids)

    monkeypatch.setattr(Store, "get_articles", noting)
    return calls


def test_an_add_with_no_channel_changed_reads_no_stored_article(tmp_path, parsed, looked_up):
    config = write_bot(tmp_path)
    posts = tmp_path / "posts"
    ok("add", "--config", config, posts)
    looked_up.clear()
    parsed.clear()
    ok("add", "--config", config, posts / "bees.md")
    assert looked_up == []  # the channels' cuts were chosen with the settings they have
    # A template changed: the library is looked at again for that channel, and re-cut.
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "max_per_day = 1\n", 'max_per_day = 1\ntemplate = "{excerpt} {url}"\n', 1
        ),
        encoding="utf-8",
    )
    ok("add", "--config", config, posts / "bees.md")
    assert len(set(looked_up)) == 2 and parsed == []
    console = load_config(config).channels["console"]
    with Store.open(tmp_path / "var" / "bot.sqlite3") as store:
        cuts = store.channel_cuts("console")
        articles = store.get_articles(cuts)
    assert cuts == {i: cut_key(console, article) for i, article in articles.items()}
    looked_up.clear()
    ok("add", "--config", config, posts / "bees.md")
    assert looked_up == []
