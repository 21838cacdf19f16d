"""Nothing silent: an article that gives no post says why (once), `add` says why nothing
was queued, `check` refuses a template that leaves no room, and two files with one URL
are reported once, the first staying the article."""

from __future__ import annotations

import logging
import os

import pytest

from bot.store import Store
from tests.daemon_support import T0, events, hours, in_process, write_config
from tests.fakes.web import web_fixture  # noqa: F401  (the fixture `web`)
from tests.feed_support import make_bot_fixture  # noqa: F401  (the fixture `make_bot`)
from tests.test_cli_operate_support import error_lines, invoke, write_bot

CONSOLE = """\
[bot]
database = "var/bot.sqlite3"
posts_dir = "posts"

[channels.console]
platform = "console"
schedule = { every = "1h" }
"""
SHORT = "---\ntitle: Short\nurl: https://example.org/short/\n---\n\nToo short.\n"
NEEDS_CONTEXT = (
    "---\ntitle: Context\nurl: https://example.org/context/\n---\n\n"
    "This is why it matters so much to everyone.\n\n"
    "But it was not what they wanted at all then.\n\n"
    "He said it again and again to them.\n"
)
NO_ROOM = 'template = "{title}: ' + "x" * 250 + ' {excerpt} {url}"\n'


# Articles in scripts excerpt-bot does not cut yet (Thai marks no sentence end, Ethiopic's
# full stop is not one the segmenter knows, Devanagari's vowel signs split its words):
# each gives no post, and must say it is the language, not "too short" or "no sentence
# stands alone", which would send the user to edit a text that is fine.
UNSUPPORTED = {
    "th": (
        "Thai",
        "วันนี้ผมอยากเล่าเรื่องการปลูกผักในบ้านให้ทุกคนฟัง "
        "การปลูกผักเองช่วยให้เราได้กินอาหารที่สะอาดและปลอดภัย\n\n"
        "ผักที่ปลูกง่ายที่สุดคือผักบุ้งและกะเพรา เพราะโตเร็วและไม่ต้องดูแลมาก "
        "เพียงรดน้ำวันละสองครั้งและให้ได้รับแสงแดดอย่างเพียงพอ\n",
    ),
    "hi": (
        "Devanagari",
        "घर पर सब्ज़ियाँ उगाना एक बहुत अच्छा शौक है। इससे हमें ताज़ा और साफ़ "
        "भोजन मिलता है। साथ ही हर महीने काफ़ी पैसे भी बचते हैं।\n\n"
        "सबसे आसान सब्ज़ियाँ पालक और धनिया हैं क्योंकि वे जल्दी उगती हैं। "
        "उन्हें रोज़ दो बार पानी और अच्छी धूप चाहिए।\n",
    ),
    "am": (
        "Ethiopic",
        "በቤት ውስጥ አትክልት ማብቀል በጣም ጥሩ ልማድ ነው። ንጹህና ትኩስ ምግብ እንድናገኝ "
        "ይረዳናል። በየወሩም ብዙ ገንዘብ እንድንቆጥብ ያደርገናል።\n\n"
        "በጣም ቀላሉ አትክልቶች ቆስጣና ጎመን ናቸው ምክንያቱም በፍጥነት ያድጋሉ። በቀን "
        "ሁለት ጊዜ ውሃና በቂ የፀሐይ ብርሃን ያስፈልጋቸዋል።\n",
    ),
}
NOT_SUPPORTED = (
    "gives no post: the language is not supported: its text ({language}) is in "
    "{script} script, which excerpt-bot cannot cut into excerpts yet (it cuts "
    "Latin, Greek, Cyrillic, Arabic, Hebrew and Georgian script, Chinese, "
    "Japanese and Korean)"
)


def unsupported_article(language: str) -> str:
    return (
        f"---\ntitle: Garden {language}\nurl: https://example.org/{language}/\n---\n\n"
        + UNSUPPORTED[language][1]
    )


def warnings(result) -> list[str]:
    return [
        line.removeprefix("warning: ")
        for line in result.stderr.splitlines()
        if line.startswith("warning: ")
    ]


def test_add_says_why_an_article_gives_no_post_once(tmp_path):
    path = write_bot(tmp_path, CONSOLE)
    posts = tmp_path / "posts"
    (posts / "short.md").write_text(SHORT, encoding="utf-8")
    (posts / "context.md").write_text(NEEDS_CONTEXT, encoding="utf-8")
    result = invoke("add", "--config", path, posts)
    assert result.exit_code == 0
    said = warnings(result)
    assert f"{posts / 'short.md'}: gives no post: too short: 2 words of body text" in said[1]
    assert said[0].startswith(f"{posts / 'context.md'}: gives no post: no sentence stands alone")
    assert len(said) == 2  # the garden articles give posts, and say nothing
    again = invoke("add", "--config", path, posts)
    assert warnings(again) == []  # unchanged: said once


@pytest.mark.parametrize("language", sorted(UNSUPPORTED))
def test_add_says_when_the_language_is_not_supported(tmp_path, language):
    path = write_bot(tmp_path, CONSOLE)
    article = tmp_path / "posts" / f"{language}.md"
    article.write_text(unsupported_article(language), encoding="utf-8")
    result = invoke("add", "--config", path, article)
    assert result.exit_code == 0
    assert warnings(result) == [
        f"{article}: " + NOT_SUPPORTED.format(language=language, script=UNSUPPORTED[language][0])
    ]
    assert warnings(invoke("add", "--config", path, article)) == []  # said once


def test_the_daemon_warns_once_that_a_language_is_not_supported(tmp_path):
    config = write_config(
        tmp_path, '[channels.console]\nplatform = "console"\nschedule = { every = "1h" }\n'
    )
    (tmp_path / "posts" / "th.md").write_text(unsupported_article("th"), encoding="utf-8")
    in_process(config, until=T0 + hours(0.5))  # six scans (every 5 minutes)
    [said] = events(tmp_path / "var/bot.log", "article.no_posts")
    assert said["level"] == "warning" and said["path"].endswith("th.md")
    assert said["reason"] == NOT_SUPPORTED.format(language="th", script="Thai").removeprefix(
        "gives no post: "
    )


def test_add_says_when_no_channel_takes_an_article(tmp_path):
    path = write_bot(tmp_path, CONSOLE + 'articles = ["health/*.md"]\n')
    result = invoke("add", "--config", path, tmp_path / "posts" / "bees.md")
    [line] = warnings(result)
    assert line.startswith(
        f"{tmp_path / 'posts' / 'bees.md'}: gives no post: no channel "
        "takes it: its path matches no channel's `articles` globs"
    )


def test_a_template_that_leaves_no_room_is_said_by_add_and_refused_by_check(tmp_path):
    path = write_bot(tmp_path, CONSOLE + NO_ROOM)
    result = invoke("add", "--config", path, tmp_path / "posts" / "bees.md")
    [line] = warnings(result)
    assert "gives no post: the template leaves no room for an excerpt" in line
    [problem] = error_lines(invoke("check", "--config", path))
    assert problem.startswith(f"{path}: channels.console.template: leaves ")
    assert "characters for the excerpt in a post of at most 280" in problem


def test_add_says_why_nothing_was_queued(tmp_path):
    path = write_bot(tmp_path, CONSOLE)
    empty = tmp_path / "empty"
    empty.mkdir()
    [line] = warnings(invoke("add", "--config", path, empty))
    assert line.startswith(f"no article files in {empty} (looked for .txt, .md")
    disabled = write_bot(tmp_path, CONSOLE + "enabled = false\n")
    [line] = warnings(invoke("add", "--config", disabled, tmp_path / "posts"))
    assert line.startswith(f"no channel is enabled in {disabled}, so nothing is queued")


def test_the_daemon_warns_once_about_an_article_that_gives_no_post(tmp_path):
    config = write_config(
        tmp_path, '[channels.console]\nplatform = "console"\nschedule = { every = "1h" }\n'
    )
    (tmp_path / "posts" / "short.md").write_text(SHORT, encoding="utf-8")
    in_process(config, until=T0 + hours(0.5))  # six scans (every 5 minutes)
    log = tmp_path / "var/bot.log"
    [said] = events(log, "article.no_posts")
    assert said["level"] == "warning" and said["path"].endswith("short.md")
    assert said["reason"].startswith("too short")


def test_two_files_with_one_url_are_reported_once_and_the_first_stays(tmp_path):
    config = write_config(
        tmp_path, '[channels.console]\nplatform = "console"\nschedule = { every = "1h" }\n'
    )
    posts = tmp_path / "posts"
    [first] = list(posts.iterdir())
    second = posts / "zz-copy.md"
    second.write_text(
        first.read_text(encoding="utf-8").replace("Cytokines", "Copy"), encoding="utf-8"
    )
    log = tmp_path / "var/bot.log"

    async def scenario(daemon):
        await daemon.run_until(T0 + hours(0.5))  # scans every 5 minutes
        os.utime(second, (second.stat().st_atime, second.stat().st_mtime + 10))
        await daemon.run_until(T0 + hours(1))  # it changed: said again, once

    in_process(config, scenario)
    said = events(log, "article.duplicate")
    assert len(said) == 2
    assert said[0]["path"] == str(second) and said[0]["first"] == str(first.resolve())
    scans = events(log, "library.scanned")
    assert all(scan["changed"] == 0 for scan in scans)  # never "2 changed" at every scan
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        [(_, source, _)] = store.live_articles()
    assert source == str(first.resolve())


def test_add_of_a_url_says_why_its_page_gives_no_post(tmp_path, web):
    path = write_bot(tmp_path, CONSOLE)
    web.serve(
        "/short/",
        "<html><head><title>Short</title></head><body><article><p>Too short."
        "</p></article></body></html>",
        content_type="text/html",
    )
    url = web.url("/short/")
    result = invoke("add", "--config", path, url)
    assert result.exit_code == 0, result.output
    [line] = warnings(result)
    assert line.startswith(f"{url}: gives no post: too short")


def test_a_feed_entry_that_gives_no_post_says_why(make_bot, caplog):
    bot = make_bot(poll="10m")
    bot.publish(
        "<?xml version='1.0'?><rss version='2.0' xmlns:content="
        "'http://purl.org/rss/1.0/modules/content/'><channel><title>Blog</title>"
        "<item><title>Short</title><link>https://example.org/short/</link>"
        "<content:encoded><![CDATA[<p>Too short.</p>]]></content:encoded></item>"
        "</channel></rss>"
    )
    with caplog.at_level(logging.INFO, logger="excerpt_bot"):
        report = bot.poll()
    assert report.new == 1 and report.queued == 0
    [said] = [r for r in caplog.records if r.getMessage() == "article.no_posts"]
    assert said.levelno == logging.WARNING
    assert said.fields["url"] == "https://example.org/short/"
    assert said.fields["reason"].startswith("too short")


def test_check_names_the_articles_that_give_no_post_and_why(tmp_path):
    path = write_bot(tmp_path, CONSOLE)
    posts = tmp_path / "posts"
    short, thai = posts / "short.md", posts / "th.md"
    short.write_text(SHORT, encoding="utf-8")
    thai.write_text(unsupported_article("th"), encoding="utf-8")
    before = invoke("check", "--config", path)
    assert before.exit_code == 0 and warnings(before) == []  # nothing added yet: nothing known
    assert not (tmp_path / "var").exists()  # and check created no database
    added = warnings(invoke("add", "--config", path, posts))
    result = invoke("check", "--config", path)
    assert result.exit_code == 0, result.output
    assert (
        warnings(result)
        == sorted(added)
        == [
            f"{short}: gives no post: too short: 2 words of body text (an excerpt needs at least "
            "6 words in one sentence)",
            f"{thai}: " + NOT_SUPPORTED.format(language="th", script="Thai"),
        ]
    )
    # Fixed and added again, the short article gives posts: check names it no more.
    short.write_text(
        SHORT.replace(
            "Too short.",
            "A heap of leaves turns into dark and crumbly soil in a single year of rain.",
        ),
        encoding="utf-8",
    )
    invoke("add", "--config", path, short)
    assert warnings(invoke("check", "--config", path)) == [
        f"{thai}: " + NOT_SUPPORTED.format(language="th", script="Thai")
    ]


def test_check_names_ten_articles_that_give_no_post_and_counts_the_rest(tmp_path):
    path = write_bot(tmp_path, CONSOLE)
    posts = tmp_path / "posts"
    for n in range(13):
        (posts / f"short-{n:02}.md").write_text(
            SHORT.replace("/short/", f"/short-{n}/"), encoding="utf-8"
        )
    invoke("add", "--config", path, posts)
    said = warnings(invoke("check", "--config", path))
    assert [line.partition(":")[0] for line in said[:10]] == [
        str(posts / f"short-{n:02}.md") for n in range(10)
    ]
    assert said[10:] == ["and 3 more articles give no post"]
