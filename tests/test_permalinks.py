"""A post's URL from [site] base_url + permalink, its place in the folder and its front matter,
as Jekyll and Hugo make it (`bot.sources.permalinks`): tables of cases, each as the
generator's documentation has it."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from bot.ingest.metadata import Metadata
from bot.sources.permalinks import PermalinkError, check_permalink, post_url

BASE = "https://example.org/"
SITE = PurePosixPath("/srv/site")


def page(**fields) -> Metadata:
    fields.setdefault("title", "My Post")
    fields["categories"] = tuple(fields.get("categories", ()))
    return Metadata(**fields)


JEKYLL = [
    # (permalink, file under /srv/site, posts_dir under it, front matter, expected path)
    # The example: Jekyll's default, whether posts_dir is the site or _posts.
    (
        "jekyll",
        "_posts/2024-03-05-my-post.md",
        "_posts",
        {"categories": ["garden"]},
        "/garden/2024/03/05/my-post.html",
    ),
    (
        "jekyll",
        "_posts/2024-03-05-my-post.md",
        "",
        {"categories": ["garden"]},
        "/garden/2024/03/05/my-post.html",
    ),
    ("date", "_posts/2024-03-05-my-post.md", "", {}, "/2024/03/05/my-post.html"),
    # Folders above _posts are categories; folders inside it are not.
    ("jekyll", "garden/_posts/2024-03-05-my-post.md", "", {}, "/garden/2024/03/05/my-post.html"),
    (
        "jekyll",
        "garden/_posts/2024-03-05-my-post.md",
        "",
        {"categories": ["Soil", "garden"]},
        "/garden/soil/2024/03/05/my-post.html",
    ),
    ("jekyll", "_posts/garden/2024-03-05-my-post.md", "", {}, "/2024/03/05/my-post.html"),
    # The front matter's date wins over the file name's.
    (
        "pretty",
        "_posts/2024-03-05-my-post.md",
        "",
        {"date": "2024-03-07T23:10:00-05:00"},
        "/2024/03/07/my-post/",
    ),
    ("ordinal", "_posts/2024-03-05-my-post.md", "", {}, "/2024/065/my-post.html"),
    (
        "none",
        "_posts/2024-03-05-my-post.md",
        "",
        {"categories": ["garden"]},
        "/garden/my-post.html",
    ),
    # :title is the file name's slug (case kept), or the front matter's slug; :slug lowers it.
    ("/:title/", "_posts/2012-12-01-References-and-HTML.md", "_posts", {}, "/References-and-HTML/"),
    ("/:slug/", "_posts/2012-12-01-References-and-HTML.md", "_posts", {}, "/references-and-html/"),
    ("/:title/", "_posts/2024-03-05-my-post.md", "_posts", {"slug": "Other post"}, "/Other-post/"),
    (
        "/blog/:year/:i_month/:i_day/:title:output_ext",
        "_posts/2024-03-05-my-post.md",
        "",
        {},
        "/blog/2024/3/5/my-post.html",
    ),
]

HUGO = [
    # The examples: Hugo's default is the file's path in content/.
    ("hugo", "content/posts/my-post.md", "content", {}, "/posts/my-post/"),
    ("hugo", "content/posts/my-post.md", "content/posts", {}, "/posts/my-post/"),
    ("hugo", "content/posts/my-post.md", "content", {"slug": "other"}, "/posts/other/"),
    (None, "content/posts/my-post.md", "content", {}, "/posts/my-post/"),
    # Page bundles take their folder's name; a section's _index.md is the section.
    (
        "hugo",
        "content/posts/009-down_the_coffee_spiral/index.md",
        "content",
        {},
        "/posts/009-down_the_coffee_spiral/",
    ),
    ("hugo", "content/posts/_index.md", "content", {}, "/posts/"),
    ("hugo", "content/Posts/My Post.md", "content", {}, "/posts/my-post/"),
    ("hugo", "content/remark/2026/06/heavy-rain.md", "content", {}, "/remark/2026/06/heavy-rain/"),
    # A folder of posts that is not in a content folder: paths from posts_dir.
    ("hugo", "posts/my-post.txt", "posts", {}, "/my-post/"),
    # Hugo's :title is the title, urlized; :slug the slug, else the title.
    (
        "/:year/:month/:title/",
        "content/posts/009-down_the_coffee_spiral/index.md",
        "content",
        {"title": "down the coffee spiral", "date": "2023-05-12T08:41:39+02:00"},
        "/2023/05/down-the-coffee-spiral/",
    ),
    (
        "/:section/:slug/",
        "content/posts/a.md",
        "content",
        {"title": "C++ & Go: a tour"},
        "/posts/c++-go-a-tour/",
    ),
    ("/:sections/:filename/", "content/docs/guide/a.md", "content", {}, "/docs/guide/a/"),
    (
        "/:categories/:slug/",
        "content/posts/a.md",
        "content",
        {"title": "A b", "categories": ["Cloud Native"]},
        "/cloud-native/a-b/",
    ),
    # Hugo reads publishdate when date is missing (its [frontmatter] order).
    (
        "/:year/:slugorfilename/",
        "content/posts/a.md",
        "content",
        {"date": "2025-01-04"},
        "/2025/a/",
    ),
]

WINNERS = [
    # A front-matter url or permalink always wins.
    (
        "jekyll",
        "_posts/2024-03-05-my-post.md",
        "",
        {"url": "https://elsewhere.org/x/"},
        "https://elsewhere.org/x/",
    ),
    (
        "hugo",
        "content/posts/my-post.md",
        "content",
        {"url": "/about/"},
        "https://example.org/about/",
    ),
    (
        "jekyll",
        "_posts/2024-03-05-my-post.md",
        "",
        {"permalink": "/special/:title/"},
        "https://example.org/special/my-post/",
    ),
]


@pytest.mark.parametrize(("permalink", "file", "posts_dir", "front", "expected"), JEKYLL + HUGO)
def test_post_url(permalink, file, posts_dir, front, expected) -> None:
    url = post_url(BASE, permalink, SITE / file, page(**front), posts_dir=SITE / posts_dir)
    assert url == "https://example.org" + expected


@pytest.mark.parametrize(("permalink", "file", "posts_dir", "front", "expected"), WINNERS)
def test_the_front_matter_wins(permalink, file, posts_dir, front, expected) -> None:
    assert (
        post_url(BASE, permalink, SITE / file, page(**front), posts_dir=SITE / posts_dir)
        == expected
    )


def test_a_base_url_with_a_path_keeps_it_and_odd_characters_are_escaped() -> None:
    url = post_url(
        "https://example.org/blog",
        "/:title/",
        SITE / "content/a.md",
        page(title="大雨？ 豪雨？"),
        posts_dir=SITE / "content",
    )
    assert url == "https://example.org/blog/%E5%A4%A7%E9%9B%A8-%E8%B1%AA%E9%9B%A8/"


def test_a_pattern_needing_a_date_the_post_lacks_says_how_to_give_it() -> None:
    with pytest.raises(PermalinkError, match="add `date: YYYY-MM-DD`"):
        post_url(
            BASE, "/:year/:slug/", SITE / "content/posts/a.md", page(), posts_dir=SITE / "content"
        )


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("jekyll", None),
        ("hugo", None),
        ("/:year/:month/:slug/", None),
        ("/:categories/:title:output_ext", None),
        (":year/:slug", "must be a preset"),
        ("wordpress", "must be a preset"),
        ("/:year/:postname/", "unknown token :postname"),
    ],
)
def test_check_permalink(written, problem) -> None:
    if problem is None:
        assert check_permalink(written) == written
    else:
        with pytest.raises(ValueError, match=problem):
            check_permalink(written)
