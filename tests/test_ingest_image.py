"""An article's image, for link cards: front matter `image`, a page's og:image or
twitter:image; made absolute against the article's URL, dropped when not http(s)."""

from __future__ import annotations

import pytest

from bot.ingest import parse_article

BODY = "Cytokines are small proteins that carry messages between immune cells in the body."


def markdown(image: str) -> bytes:
    return (
        f"---\ntitle: Cytokines\nurl: https://blog.example.org/posts/cytokines/\n"
        f"image: {image}\n---\n\n{BODY}\n"
    ).encode()


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("https://cdn.example.org/cover.jpg", "https://cdn.example.org/cover.jpg"),
        ("/img/cover.png", "https://blog.example.org/img/cover.png"),
        ("cover.webp", "https://blog.example.org/posts/cytokines/cover.webp"),
        ("ftp://example.org/cover.png", None),
    ],
)
def test_front_matter_image_becomes_an_absolute_url(image, expected):
    assert parse_article(markdown(image), source="a.md", kind="md").image == expected


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        # Themes keep the picture in a table (So Simple, Minimal Mistakes) or a list.
        (
            "{feature: /img/cover.png, thumb: /img/small.png}",
            "https://blog.example.org/img/cover.png",
        ),
        ("{url: https://cdn.example.org/c.jpg}", "https://cdn.example.org/c.jpg"),
        ("[/img/a.png, /img/b.png]", "https://blog.example.org/img/a.png"),
        # A theme's setting that names no picture: no image, and the post is read.
        ("{feature: null}", None),
        ("{credit: Jane Doe}", None),
    ],
)
def test_an_image_given_as_a_table_or_a_list(image, expected):
    article = parse_article(markdown(image), source="a.md", kind="md")
    assert article.image == expected
    assert article.paragraphs == (BODY,)


def test_no_image_is_none():
    assert parse_article(f"{BODY}\n".encode(), source="a.md", kind="md").image is None


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        (
            '<meta property="og:image" content="/og.png">'
            '<meta name="twitter:image" content="/tw.png">',
            "https://blog.example.org/og.png",
        ),
        (
            '<meta name="twitter:image" content="https://cdn.example.org/tw.png">',
            "https://cdn.example.org/tw.png",
        ),
        ("", None),
    ],
)
def test_a_page_image_is_og_image_else_twitter_image(meta, expected):
    page = (
        f'<html lang="en"><head><title>Cytokines</title>'
        f'<link rel="canonical" href="https://blog.example.org/cytokines/">{meta}</head>'
        f"<body><article><h1>Cytokines</h1><p>{BODY}</p><p>{BODY} Again.</p>"
        f"</article></body></html>"
    ).encode()
    assert parse_article(page, source="c.html", kind="html").image == expected
