"""Ingest of each article format, from fixture files, as a caller of `bot.ingest` sees it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.article import article_id
from bot.errors import ArticleError
from bot.ingest import load_article, parse_article
from tests.conftest import SHARED

ARTICLES = Path(__file__).parent / "data" / "articles"
ROOT = Path(__file__).parent.parent
SEED = SHARED / "seed" / "unveiling-cytokines.txt"
POST = ROOT / "posts" / "unveiling-cytokines.md"

SEED_TITLE = "Unveiling Cytokines: Their Dual Role in Immune Health"
SEED_HEADINGS = (
    "Exploring the Complex Role of Cytokines in Immune Health",
    "The Paradox of Cytokines: Protectors and Potential Threats",
)
SEED_BOILERPLATE_OPENINGS = ("Disclaimer:", "Citation Note:", "Why we use AI", "Leave a Reply")


def all_text(article) -> str:
    """Everything an excerpt could be cut from."""
    return "\n".join((article.title, *article.headings, *article.paragraphs))


# --- plain text -------------------------------------------------------------------------


def test_text_article_title_headings_and_joined_paragraphs():
    article = load_article(ARTICLES / "winter-beekeeping.txt")

    assert article.title == "Keeping Bees Through the Winter"
    assert article.headings == ("How the cluster keeps warm", "What to check before the cold")
    assert len(article.paragraphs) == 4
    assert article.paragraphs[0] == (
        "Most new beekeepers worry about the summer, when the hive is loud and busy. "
        "The real test comes in January, when the colony clusters in silence and lives "
        "on the honey it stored months before."
    )
    assert article.url is None and article.site is None and article.author is None


def test_text_article_keeps_body_that_mentions_ai_and_advice():
    article = load_article(ARTICLES / "winter-beekeeping.txt")

    assert article.paragraphs[2].startswith("Some beekeepers now ask AI chatbots")
    assert article.ai_label is None and article.disclaimer is None


def test_text_article_tail_of_share_related_and_comments_is_boilerplate():
    article = load_article(ARTICLES / "winter-beekeeping.txt")

    for chrome in (
        "Share this:",
        "Twitter",
        "Like this:",
        "Spring inspections",
        "Posted in",
        "thoughts on",
        "I lost two colonies",
        "Leave a Reply",
    ):
        assert chrome not in all_text(article)
        assert any(chrome in b for b in article.boilerplate)


def test_text_article_drops_raw_urls_but_keeps_the_sentence():
    article = load_article(ARTICLES / "winter-beekeeping.txt")

    assert "https://" not in all_text(article)
    assert article.paragraphs[3].endswith("Our checklist is at.")


# --- Markdown ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def soil_notes():
    return load_article(ARTICLES / "soil-notes.md")


def test_markdown_yaml_front_matter(soil_notes):
    assert soil_notes.title == "Notes on Building Living Soil"
    assert soil_notes.url == "https://notes.example/soil/living-soil/#top"  # from `link`
    assert soil_notes.site == "notes.example"
    assert soil_notes.author == "Ana Ruiz, Tom Berg"
    assert soil_notes.date == "2024-02-10"
    # tags (comma string) and categories (list) merged, duplicates ignoring case dropped
    assert soil_notes.tags == ("soil", "compost", "Gardening")


def test_markdown_h1_repeating_the_title_is_dropped(soil_notes):
    assert soil_notes.headings == ("What to add", "Patience")


def test_markdown_body_is_plain_text(soil_notes):
    assert soil_notes.paragraphs[0] == (
        "Living soil is built, not bought. A handful of compost spread every autumn does more "
        "for a bed than any bottle of feed, and you can read why in our compost guide. "
        "See or for the numbers."
    )
    text = all_text(soil_notes)
    for absent in (
        "http",
        "notes.example",
        "*",
        "![",
        "wheelbarrow",
        "def mix",
        "greens /",
        "newsletter",
        "alert",
        "tracking",
        "|",
        "Browns",
        "<",
        ">",
    ):
        assert absent not in text, absent


def test_markdown_lists_quotes_inline_code_and_breaks(soil_notes):
    assert soil_notes.paragraphs[1:4] == (
        "Shredded leaves, which feed fungi through the winter.",
        "Grass clippings in thin layers, so they do not turn to slime.",
        "Kitchen scraps, chopped small.",
    )
    # inline code keeps its text; <br> and a hard break become a space
    assert soil_notes.paragraphs[4] == (
        "Run soil-test --ph once a year and write the result down. A hard break joins lines too."
    )
    assert soil_notes.paragraphs[5] == "Feed the soil, not the plant."
    assert len(soil_notes.paragraphs) == 7


def test_markdown_ai_note_and_tags_line_are_boilerplate(soil_notes):
    assert soil_notes.ai_label == (
        "This post was written with the help of AI and checked by a human gardener."
    )
    assert soil_notes.boilerplate == (
        "Sign up for our newsletter to get more soil tips!",  # an HTML block, read and set apart
        "This post was written with the help of AI and checked by a human gardener.",
        "Tagged: soil, compost",
    )
    assert soil_notes.paragraphs[-1].startswith("It takes two or three seasons")


def test_markdown_toml_front_matter():
    article = load_article(ARTICLES / "cover-crops.md")

    assert article.title == "Cover Crops for Small Gardens"
    assert article.url == "https://notes.example/soil/cover-crops/"
    assert article.date == "2024-09-01"
    assert article.tags == ("cover crops", "clover")
    # an H1 that is not the title is a section heading
    assert article.headings == ("Sowing in September",)
    assert article.paragraphs[0].startswith("Clover, winter rye and field beans")


def test_markdown_without_front_matter_takes_the_first_h1_as_title():
    data = b"Intro line before the title.\n\n# The Real Title\n\n## Part one\n\nBody text here.\n"

    article = parse_article(data, source="notes/x.md", kind="markdown")

    assert article.title == "The Real Title"
    assert article.headings == ("Part one",)
    assert article.paragraphs == ("Intro line before the title.", "Body text here.")


def test_markdown_without_any_title_is_named_after_its_file():
    article = parse_article(b"Just one paragraph.\n", source="posts/my-first_post.md", kind="md")

    assert article.title == "My first post"


# --- HTML --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def garden_page():
    return load_article(ARTICLES / "garden-blog.html")


def test_html_metadata_from_the_page(garden_page):
    assert garden_page.title == "Why Soil Health Matters More Than Fertiliser"
    # <link rel=canonical>, not og:url with its tracking parameter
    assert garden_page.url == "https://greenacres.example/2024/03/02/why-soil-health-matters/"
    assert garden_page.site == "Green Acres Journal"
    assert garden_page.author == "Maria Lopez"
    assert garden_page.date == "2024-03-02"
    assert garden_page.tags == ("soil", "composting", "regenerative farming")


def test_html_headings_and_paragraphs(garden_page):
    assert garden_page.headings == ("What lives beneath our feet", "Starting small")
    assert garden_page.paragraphs[0].startswith("Every spring, gardeners rush to the shop")
    assert garden_page.paragraphs[-2:] == (
        "Keep the soil covered all year round, with plants or with mulch.",
        "Disturb it as little as possible: fork, do not rotovate.",
    )
    assert len(garden_page.paragraphs) == 6


def test_html_page_chrome_is_not_body(garden_page):
    text = all_text(garden_page)
    for chrome in (
        "Home",
        "About the Editors",
        "Share on",
        "Related posts",
        "cover crops for",
        "Great article",
        "clay soil",
        "Leave a Reply",
        "©",
        "Privacy",
        "Tracking",
        "dataLayer",
        "compost_ratio",
        "font-family",
        "Posted on",
    ):
        assert chrome not in text, chrome


def test_html_disclaimer_is_kept_apart(garden_page):
    assert garden_page.disclaimer == (
        "This article is for informational purposes only and is not a substitute for advice "
        "from a qualified agronomist about your own land."
    )
    assert not any("Disclaimer" in p for p in garden_page.paragraphs)


def test_html_without_canonical_link_uses_og_url_and_host_as_site():
    page = b"""<html><head><title>Pruning Apple Trees</title>
    <meta property="og:url" content="https://www.orchard.example/pruning/"></head>
    <body><article><h1>Pruning Apple Trees</h1>
    <p>Prune apple trees in late winter, while they are dormant and the wood is easy to see.
    Take out dead, diseased and crossing branches first, then open the centre to the light.</p>
    </article></body></html>"""

    article = parse_article(page, source="pruning.html", kind="htm")

    assert article.url == "https://www.orchard.example/pruning/"
    assert article.site == "orchard.example"
    assert article.title == "Pruning Apple Trees"
    assert article.headings == ()
    assert article.paragraphs[0].startswith("Prune apple trees in late winter")


def test_html_fragment_is_read_as_a_page():
    fragment = b"<h1>Mulch Basics</h1><p>Mulch keeps the soil covered and moist.</p>"

    article = parse_article(fragment, source="saved/mulch.html", kind="html")

    assert article.title == "Mulch Basics"
    assert article.paragraphs == ("Mulch keeps the soil covered and moist.",)


def test_html_extraction_does_not_log_warnings(caplog):
    page = b"just some words"  # trafilatura logs an error about this one

    with caplog.at_level(logging.DEBUG), pytest.raises(ArticleError):
        parse_article(page, source="empty.html", kind="html")

    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


# --- the example article -----------------------------------------------------------------


def seed_article():
    if not SEED.is_file():
        pytest.skip(f"seed article not present at {SEED}")
    return parse_article(SEED.read_bytes(), source=str(SEED), kind="txt")


@pytest.fixture(params=["seed txt", "posts md"])
def cytokines(request):
    if request.param == "seed txt":
        return seed_article()
    return load_article(POST)


def test_example_article_structure(cytokines):
    assert cytokines.title == SEED_TITLE
    assert cytokines.headings == SEED_HEADINGS
    assert len(cytokines.paragraphs) == 4
    assert cytokines.paragraphs[0].startswith("As we delve into the intricate world of immunology")
    assert cytokines.paragraphs[-1].startswith("In conclusion, cytokines play")


def test_example_article_boilerplate_kept_apart(cytokines):
    assert cytokines.disclaimer == (
        "This blog post is for informational purposes only and should not be taken as medical "
        "advice. Always consult with a healthcare professional before starting any new "
        "supplement or treatment."
    )
    assert cytokines.ai_label.startswith(
        "This post was wholly and completely generated by artificial intelligence (AI)"
    )
    assert len(cytokines.boilerplate) == len(SEED_BOILERPLATE_OPENINGS)
    for block, opening in zip(cytokines.boilerplate, SEED_BOILERPLATE_OPENINGS, strict=True):
        assert block.startswith(opening)
    for paragraph in cytokines.paragraphs:
        for marker in (
            "Disclaimer",
            "informational purposes",
            "ChatGPT",
            "generated",
            "Maximum Value",
            "Leave a Reply",
        ):
            assert marker not in paragraph


def test_example_post_metadata_and_verbatim_text():
    post = load_article(POST)
    seed = seed_article()

    assert post.url == (
        "https://realfarmerjay.com/2023/07/15/unveiling-cytokines-their-dual-role-in-immune-health/"
    )
    assert post.site == "realfarmerjay.com"
    assert post.author == "Farmer Jay"
    assert post.date == "2023-07-15"
    assert post.tags == ("immunology", "cytokines", "immune health", "inflammation")
    assert post.id == article_id(url=post.url, path=None)
    assert (post.paragraphs, post.headings, post.boilerplate) == (
        seed.paragraphs,
        seed.headings,
        seed.boilerplate,
    )
    assert (post.disclaimer, post.ai_label) == (seed.disclaimer, seed.ai_label)


# --- URL precedence and ids --------------------------------------------------------------


def test_given_url_is_used_when_the_file_has_none():
    article = load_article(ARTICLES / "winter-beekeeping.txt", url="https://bees.example/winter")

    assert article.url == "https://bees.example/winter"
    assert article.site == "bees.example"
    assert article.id == article_id(url="https://bees.example/winter", path=None)


def test_the_files_own_url_wins_over_the_given_one():
    article = load_article(ARTICLES / "cover-crops.md", url="https://elsewhere.example/x")

    assert article.url == "https://notes.example/soil/cover-crops/"


@pytest.mark.parametrize(
    "url",
    [
        "https://notes.example/soil/cover-crops",
        "https://notes.example/soil/cover-crops/",
        "https://NOTES.example/soil/cover-crops/#comments",
    ],
)
def test_same_url_gives_the_same_id(url):
    data = f"---\ntitle: T\nurl: {url}\n---\n\nSome body text.\n".encode()

    article = parse_article(data, source="a.md", kind="md")

    assert article.id == load_article(ARTICLES / "cover-crops.md").id


def test_without_url_the_id_comes_from_the_path():
    data = b"Title\n\nBody text.\n"

    one = parse_article(data, source="/srv/bot/posts/a.txt", kind="txt", id_path="posts/a.txt")
    two = parse_article(
        data + b"\nMore.\n", source="./posts/a.txt", kind="txt", id_path="posts/a.txt"
    )
    other = parse_article(data, source="posts/b.txt", kind="txt")

    assert one.id == two.id == article_id(url=None, path="posts/a.txt")
    assert other.id == article_id(url=None, path="posts/b.txt") != one.id


def test_a_jekyll_post_written_in_html_takes_its_front_matter() -> None:
    """Jekyll lets a post be HTML with front matter: its title, date, categories and link
    come from there, and the front matter is no text of the body."""
    data = (
        b'---\nlayout: post\ntitle: "Hello from an HTML post"\ncategories: [notes]\n'
        b"date: 2020-01-05\n---\n<p>Jekyll lets a post be written in HTML with front "
        b"matter at the top, as many older blogs did.</p>\n<p>The title comes from the "
        b"front matter rather than from a title element.</p>\n"
    )
    article = parse_article(
        data,
        source="_posts/2020-01-05-hello.html",
        kind="html",
        url="https://example.org/notes/2020/01/05/hello.html",
    )
    assert article.title == "Hello from an HTML post"
    assert article.date == "2020-01-05"
    assert article.paragraphs == (
        "Jekyll lets a post be written in HTML with front matter at the top, as many older "
        "blogs did.",
        "The title comes from the front matter rather than from a title element.",
    )
    assert not any("layout" in p for p in article.paragraphs)
