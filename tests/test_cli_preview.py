"""`excerpt-bot preview`: what a user sees for good and bad articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.render import PROFILES
from bot.render.platforms import grapheme_length, utf16_length, visible_text, x_length
from tests.conftest import PROJECT

EXAMPLE = PROJECT / "posts" / "unveiling-cytokines.md"
ARTICLES = PROJECT / "tests" / "data" / "articles"
LINK = "https://realfarmerjay.com/2023/07/15/unveiling-cytokines-their-dual-role-in-immune-health/"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def preview_json(*args: str) -> list[dict]:
    result = run("preview", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_example_article_gives_its_best_five_distinct_x_posts():
    posts = preview_json(str(EXAMPLE), "--platform", "x")
    assert 5 <= len(posts) <= 8  # a short article: all that read well alone
    assert len({p["excerpt"] for p in posts}) == len(posts)
    body = EXAMPLE.read_text(encoding="utf-8")
    for post in posts:
        assert set(post) == {"text", "parse_mode", "excerpt", "url", "length", "limit"}
        assert post["limit"] == 280 and post["parse_mode"] is None
        assert post["length"] == x_length(post["text"]) <= 280
        assert post["url"] == LINK and LINK in post["text"]
        assert "Unveiling Cytokines" in post["text"] and "realfarmerjay.com" in post["text"]
        assert post["excerpt"].removesuffix("…") in body
        for boilerplate in ("informational purposes", "artificial intelligence", "Leave a Reply"):
            assert boilerplate not in post["text"]


@pytest.mark.parametrize("platform", ["x", "telegram", "mastodon", "bluesky"])
def test_every_platform_counts_its_own_way(platform):
    posts = preview_json(str(EXAMPLE), "--platform", platform)
    assert len(posts) >= 4  # about one per 150 words of its 592; longer quotes, fewer posts
    limit = PROFILES[platform].limit
    for post in posts:
        assert post["limit"] == limit and post["length"] <= limit
        text = post["text"]
        counted = {
            "x": x_length,
            "telegram": lambda t: utf16_length(visible_text(t)),
            "mastodon": lambda t: len(t) - len(LINK) + 23,
            "bluesky": grapheme_length,
        }[platform]
        assert post["length"] == counted(text)
        assert LINK in text
    if platform == "telegram":
        assert all(p["parse_mode"] == "HTML" for p in posts)
    if platform == "bluesky":
        facet = posts[0]["facets"][0]
        raw = posts[0]["text"].encode("utf-8")
        index = facet["index"]
        assert raw[index["byteStart"] : index["byteEnd"]].decode() == LINK


@pytest.mark.parametrize("name", ["winter-beekeeping.txt", "soil-notes.md", "garden-blog.html"])
def test_txt_md_and_html_articles_preview(name):
    posts = preview_json(str(ARTICLES / name), "--url", "https://blog.example.org/a-post/")
    assert posts
    assert all(p["length"] <= 280 for p in posts)


def test_url_option_supplies_the_link_for_files_without_one(tmp_path: Path):
    article = tmp_path / "notes.txt"
    article.write_text(
        "Notes on compost\n\nCompost piles heat up to 60 degrees Celsius within a week "
        "when the mix of green and brown material is right.\n",
        encoding="utf-8",
    )
    posts = preview_json(str(article), "--url", "https://example.org/compost")
    assert posts[0]["url"] == "https://example.org/compost"
    result = run("preview", str(article))
    assert result.exit_code == 2
    assert "--url URL" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_readable_view_shows_each_post_with_its_length():
    result = run("preview", str(EXAMPLE))
    assert result.exit_code == 0
    assert "/280" in result.stdout
    assert LINK in result.stdout  # never wrapped inside the link


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("missing.md", None, "no such file"),
        ("empty.md", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02\x00binary", "binary"),
        ("latin1.txt", "Caf\xe9 au lait\n\nBody text here.".encode("latin-1"), "UTF-8"),
        ("notes.docx", b"PK\x03\x04", ".md"),
        ("broken.md", b"---\ntitle: [unclosed\n---\nBody.\n", "front matter"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, name, content, fragment):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run("preview", str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0] and fragment.lower() in lines[0].lower()
    assert "Traceback" not in result.output


def test_a_50_mb_article_is_refused_without_reading_it(tmp_path: Path):
    path = tmp_path / "huge.md"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    result = run("preview", str(path))
    assert result.exit_code == 2
    assert "huge.md" in result.stderr and "MiB" in result.stderr


def test_thread_preview_shows_a_hook_excerpts_and_the_link_last():
    parts = preview_json(str(EXAMPLE), "--thread", "4")
    assert len(parts) == 4
    assert parts[0]["text"].startswith("Unveiling Cytokines: Their Dual Role in Immune Health 🧵")
    assert all(LINK not in p["text"] for p in parts[:3]) and parts[3]["text"].endswith(LINK)
    assert all(p["length"] == x_length(p["text"]) <= 280 for p in parts)
    body = EXAMPLE.read_text(encoding="utf-8")
    assert all(p["text"] in body for p in parts[1:3])  # the middle parts are verbatim
