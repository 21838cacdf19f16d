"""Real blog folders: with [site] set, every post of a Jekyll or Hugo folder gets the URL the
site generator gives it, in scans, `add`, `check` and `preview`.

The real folders are those of ../shared/reference/articles (each blog's base URL and
permalink setting as its SOURCES.md gives them); skipped cleanly where that data is absent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import load_config
from bot.config.site import SiteSettings
from bot.ingest import load_article
from bot.sources.cutting import load_site_article
from bot.sources.library import scan_library
from bot.store import Store
from tests.conftest import SHARED, reference_json
from tests.test_cli_operate_support import error_lines, invoke, ok

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
BODY = (
    "Compost turns kitchen scraps and fallen leaves into food for the soil within a single "
    "season. A small heap in a shady corner is enough for most gardens, and it needs no "
    "more than a fork and some patience.\n"
)

# Each reference blog: its base URL, its permalink setting and the posts_dir a user of it
# would write (from ../shared/reference/articles/SOURCES.md).
REFERENCE_SITES = {
    "hugo-cedricziel": ("https://blog.cedric-ziel.com/", "hugo", "content"),
    "hugo-baldanders": ("https://text.baldanders.info/", "hugo", "content"),
    "hugo-kaeruct": ("https://kaeruct.github.io", "hugo", "content/posts"),
    "hugo-istvnurbn": ("https://istvnurbn.me/", "/:year/:month/:title/", "content"),
    "hugo-opentelemetry": ("https://opentelemetry.io", "hugo", "content"),
    "hugo-cncf-glossary": ("https://glossary.cncf.io/", None, "content"),
    "jekyll-brianbuccola": ("http://brianbuccola.com", "/:title/", "_posts"),
    "jekyll-18f": ("https://18f.gsa.gov", "pretty", ""),
}


def reference_posts() -> list[dict]:
    manifest = reference_json("articles/manifest.json")
    posts = [f for f in manifest["files"] if f["path"].split("/")[0] in REFERENCE_SITES]
    assert len(posts) >= 20
    return posts


def test_every_real_hugo_and_jekyll_post_gets_its_live_url() -> None:
    root = SHARED / "reference" / "articles"
    derived = {}
    for post in reference_posts():
        path = root / post["path"]
        assert load_article(path).url is None  # none names its URL: without [site], refused
        folder = post["path"].split("/")[0]
        base_url, permalink, posts_dir = REFERENCE_SITES[folder]
        site = SiteSettings(base_url=base_url, permalink=permalink)
        article = load_site_article(path, site=site, posts_dir=root / folder / posts_dir)
        derived[post["path"]] = (article.url, post["url"])
    assert {p: d for p, (d, live) in derived.items() if d != live} == {}


def write_jekyll_site(folder: Path) -> None:
    posts = folder / "blog" / "_posts"
    posts.mkdir(parents=True)
    (posts / "2024-03-05-my-post.md").write_text(
        f"---\ntitle: My post\ncategories: [garden]\n---\n\n{BODY}", encoding="utf-8"
    )
    (posts / "2024-04-01-notes.txt").write_text(f"Notes on soil\n\n{BODY}", encoding="utf-8")
    (posts / "2024-04-02-own.md").write_text(
        f"---\ntitle: Own\nurl: https://elsewhere.example/own/\n---\n\n{BODY}", encoding="utf-8"
    )


def bot_config(folder: Path, site: str) -> Path:
    path = folder / "bot.toml"
    path.write_text(
        f'[bot]\ndatabase = "bot.sqlite3"\nposts_dir = "blog"\n{site}\n'
        '[channels.console]\nplatform = "console"\nschedule = { every = "1h" }\n',
        encoding="utf-8",
    )
    return path


SITE = '[site]\nbase_url = "https://example.org/"\nname = "Garden Notes"\npermalink = "jekyll"\n'


def test_a_jekyll_folder_posts_with_the_links_the_site_has(tmp_path: Path) -> None:
    write_jekyll_site(tmp_path)
    for site, failed in (("", 2), (SITE, 0)):
        config = load_config(bot_config(tmp_path, site))
        posts = config.bot.posts_dir
        with Store.open(tmp_path / f"bot{len(site)}.sqlite3") as store:
            report = scan_library(
                store,
                [posts],
                channels=config.enabled_channels(),
                now=NOW,
                root=posts,
                site=config.site,
            )
            articles = store.get_articles(a for a, _, _ in store.live_articles()).values()
            depth = store.queue_depths().get("console", 0)
        assert len(report.failed) == failed
        if failed:  # without [site]: refused, one line each that says what to set
            assert all("set the site's base_url" in line for line in report.failed)
            continue
        assert {(a.title, a.url, a.site) for a in articles} == {
            ("My post", "https://example.org/garden/2024/03/05/my-post.html", "Garden Notes"),
            ("Notes on soil", "https://example.org/2024/04/01/notes.html", "Garden Notes"),
            ("Own", "https://elsewhere.example/own/", "Garden Notes"),
        }
        assert depth >= 3


def test_a_post_whose_link_cannot_be_made_is_refused_in_one_line(tmp_path: Path) -> None:
    posts = tmp_path / "blog"
    posts.mkdir()
    (posts / "undated.md").write_text(f"---\ntitle: Undated\n---\n\n{BODY}", encoding="utf-8")
    config = load_config(bot_config(tmp_path, SITE.replace('"jekyll"', '"/:year/:slug/"')))
    with Store.open(tmp_path / "bot.sqlite3") as store:
        report = scan_library(
            store,
            [posts],
            channels=config.enabled_channels(),
            now=NOW,
            root=posts,
            site=config.site,
        )
    assert report.failed == [
        f"{posts / 'undated.md'}: the permalink needs the post's date: add "
        "`date: YYYY-MM-DD` to its front matter, or start its file name "
        "with one (2024-03-05-my-post.md)"
    ]


def test_check_shows_two_links_it_made_and_the_site(tmp_path: Path) -> None:
    write_jekyll_site(tmp_path)
    out = ok("check", "--config", bot_config(tmp_path, SITE)).stdout
    assert (
        'site: https://example.org/ (Garden Notes), permalink "jekyll" '
        "(/:categories/:year/:month/:day/:title:output_ext)"
    ) in out
    assert out.endswith(
        "links made by [site], e.g.:\n"
        "  _posts/2024-03-05-my-post.md -> https://example.org/garden/2024/03/05/my-post.html\n"
        "  _posts/2024-04-01-notes.txt -> https://example.org/2024/04/01/notes.html\n"
    )


@pytest.mark.parametrize(
    ("site", "problem"),
    [
        ('[site]\nbase_url = "example.org"\n', "site.base_url: must be the site's address"),
        (
            '[site]\nbase_url = "https://example.org/"\npermalink = "/:year/:postname/"\n',
            "site.permalink: unknown token :postname",
        ),
        ('[site]\npermalink = "hugo"\n', "site.base_url"),
    ],
)
def test_a_bad_site_table_is_one_line_naming_the_key(tmp_path: Path, site, problem) -> None:
    result = invoke("check", "--config", bot_config(tmp_path, site))
    assert result.exit_code == 2
    assert any(problem in line for line in error_lines(result))


def test_preview_makes_the_link_from_base_url(tmp_path: Path) -> None:
    write_jekyll_site(tmp_path)
    post = tmp_path / "blog" / "_posts" / "2024-03-05-my-post.md"
    shown = json.loads(
        ok("preview", post, "--base-url", "https://example.org/blog/", "--json").stdout
    )
    assert {p["url"] for p in shown} == {"https://example.org/blog/garden/2024/03/05/my-post.html"}
    pretty = json.loads(
        ok(
            "preview", post, "--base-url", "https://example.org", "--permalink", "pretty", "--json"
        ).stdout
    )
    assert {p["url"] for p in pretty} == {"https://example.org/garden/2024/03/05/my-post/"}
    refused = invoke("preview", post)
    assert refused.exit_code == 2 and "--base-url" in refused.stderr
    bad = invoke("preview", post, "--base-url", "https://example.org", "--permalink", "x/y")
    assert bad.exit_code == 2 and bad.stderr.startswith("excerpt-bot: error: --permalink: must")


def test_preview_with_a_channel_uses_the_configs_site(tmp_path: Path) -> None:
    write_jekyll_site(tmp_path)
    config = bot_config(tmp_path, SITE)
    post = tmp_path / "blog" / "_posts" / "2024-04-01-notes.txt"
    shown = json.loads(
        ok("preview", post, "--channel", "console", "--config", config, "--json").stdout
    )
    assert shown and all("https://example.org/2024/04/01/notes.html" in p["text"] for p in shown)
    assert all("Garden Notes" in p["text"] for p in shown)


@pytest.mark.parametrize(
    ("name", "front", "permalink", "expected"),
    [
        # Hugo's TOML front matter, its slug and date read.
        (
            "content/posts/a.md",
            '+++\ntitle = "A"\nslug = "other"\ndate = 2024-03-05T10:00:00Z\n+++\n',
            "/:year/:slug/",
            "/2024/other/",
        ),
        (
            "content/posts/a.md",
            '+++\ntitle = "A"\npublishdate = "2025-01-04"\n+++\n',
            "/:year/:month/:slugorfilename/",
            "/2025/01/a/",
        ),
        # Jekyll's `category` is one name, `categories` a list or names separated by spaces.
        (
            "_posts/2024-03-05-a.md",
            "---\ntitle: A\ncategory: Home Garden\n---\n",
            "jekyll",
            "/home%20garden/2024/03/05/a.html",
        ),
        (
            "_posts/2024-03-05-a.md",
            "---\ntitle: A\ncategories: soil compost\n---\n",
            "jekyll",
            "/soil/compost/2024/03/05/a.html",
        ),
        # A relative front-matter url is a path under base_url.
        ("_posts/2024-03-05-a.md", "---\ntitle: A\nurl: /about/\n---\n", "jekyll", "/about/"),
    ],
)
def test_front_matter_read_for_links(tmp_path: Path, name, front, permalink, expected) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True)
    path.write_text(f"{front}\n{BODY}", encoding="utf-8")
    site = SiteSettings(base_url="https://example.org", permalink=permalink)
    assert load_site_article(path, site=site).url == "https://example.org" + expected


def test_a_jekyll_post_without_a_title_takes_it_from_its_name_without_the_date(
    tmp_path: Path,
) -> None:
    path = tmp_path / "_posts" / "2024-03-05-my-post.md"
    path.parent.mkdir()
    path.write_text(f"---\ncategories: garden\n---\n\n{BODY}", encoding="utf-8")
    article = load_site_article(path, site=SiteSettings(base_url="https://example.org"))
    assert (article.title, article.url) == (
        "My post",
        "https://example.org/garden/2024/03/05/my-post.html",
    )
