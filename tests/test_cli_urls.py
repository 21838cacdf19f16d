"""`excerpt-bot add URL` and `preview URL`: web pages fetched and extracted like .html files."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime

import pytest

from bot.config import load_config
from bot.sources.library import scan_library
from tests.fakes.web import MIB, web_fixture  # noqa: F401  (the fixture `web`)
from tests.feed_support import Post
from tests.test_cli_operate_support import error_lines, invoke, ok, open_store, write_bot

CONFIG = """\
[bot]
database = "var/bot.sqlite3"
posts_dir = "posts"
fetch_timeout = "1s"

[channels.console]
platform = "console"
schedule = { every = "1h" }
"""


def test_add_url_ingests_the_page_under_its_canonical_url(tmp_path, web):
    post = Post(1, web.url("").rstrip("/"))
    canonical = "https://garden.example/posts/1/"
    web.serve(post.path, post.page(canonical=canonical))
    config = write_bot(tmp_path, CONFIG)
    result = ok("add", "--config", config, post.link)
    assert result.stdout.startswith("1 article: 1 new, 0 changed, 0 unchanged, 0 failed;")
    with open_store(config) as store:
        [queued] = {p.article_id for p in store.queued("console")}
        article = store.get_article(queued)
        assert (article.url, article.source, article.title) == (canonical, post.link, post.title)
        assert article.paragraphs == tuple(post.paragraphs)  # no navigation, no footer
        # The daemon's scans of posts_dir never touch an article that came from a URL.
        posts = tmp_path / "posts"
        scan_library(
            store,
            [posts],
            channels=load_config(config).enabled_channels(),
            now=datetime.now(UTC),
            root=posts,
            prune=True,
        )
        assert store.get_article(queued).url == canonical
        assert {p.article_id for p in store.queued("console")} >= {queued}
    again = ok("add", "--config", config, post.link)
    assert again.stdout.startswith("1 article: 0 new, 0 changed, 1 unchanged")


def test_add_mixes_files_and_urls_and_reports_each_failure(tmp_path, web):
    post = Post(2, web.url("").rstrip("/"))
    web.serve(post.path, post.page())
    config = write_bot(tmp_path, CONFIG)
    missing = web.url("/gone/")
    result = invoke("add", "--config", config, tmp_path / "posts", post.link, missing)
    assert result.stdout.startswith("4 articles: 3 new, 0 changed, 0 unchanged, 1 failed;")
    assert error_lines(result) == [f"{missing}: HTTP 404 Not Found (no page there: check the URL)"]


def test_preview_url_shows_the_posts_of_the_page(web):
    post = Post(3, web.url("").rstrip("/"))
    web.serve(post.path, post.page())
    result = ok("preview", post.link, "--json")
    posts = json.loads(result.stdout)
    assert len(posts) >= 3
    assert all(p["url"] == post.link and post.link in p["text"] for p in posts)
    assert all(p["length"] <= 280 for p in posts)


def _refused_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/post/"


def _failing(web, kind: str) -> tuple[str, str]:
    """A URL that fails in the way `kind` says, and what its one line says."""
    if kind == "404":
        return web.url("/missing/"), "HTTP 404 Not Found"
    if kind == "500":
        return web.serve("/broken/", "oops", status=500), "HTTP 500 Internal Server Error"
    if kind == "not html":
        return web.serve(
            "/data.json", "{}", content_type="application/json"
        ), "not an HTML page: the server sent application/json"
    if kind == "too large":
        return web.huge("/huge/", 2048 * MIB), "too large (over the 5.0 MiB limit)"
    if kind == "redirect loop":
        web.redirect("/loop/", "/loop/")
        return web.url("/loop/"), "redirect loop"
    if kind == "refused":
        return _refused_url(), "connection refused"
    if kind == "no article":
        page = "<html><head><title>Empty</title></head><body><nav>Home</nav></body></html>"
        return web.serve("/empty/", page), "no body text found"
    if kind == "slow":
        return web.serve("/slow/", Post(4, "http://x").page(), delay=3.0), "timed out after 1s"
    assert kind == "not http"
    return "ftp://127.0.0.1/post/", "not an http:// or https:// URL"


FAILURES = [
    "404",
    "500",
    "not html",
    "too large",
    "redirect loop",
    "refused",
    "no article",
    "slow",
    "not http",
]


@pytest.mark.parametrize("kind", FAILURES)
def test_add_url_failures_end_in_one_line_naming_the_url(tmp_path, web, kind):
    url, reason = _failing(web, kind)
    config = write_bot(tmp_path, CONFIG)
    result = invoke("add", "--config", config, url)
    [line] = error_lines(result)
    assert line.startswith(f"{url}: ") and reason.split(" (")[0] in line, line
    with open_store(config) as store:
        assert store.queued() == []


@pytest.mark.parametrize("kind", [k for k in FAILURES if k != "slow"])
def test_preview_url_failures_end_in_one_line_naming_the_url(web, kind):
    url, reason = _failing(web, kind)
    [line] = error_lines(invoke("preview", url))
    assert line.startswith(f"{url}: ") and reason.split(" (")[0] in line, line
