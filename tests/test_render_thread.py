"""Threads: a hook, excerpts verbatim, the link in the last post; every part fits."""

from __future__ import annotations

import pytest

from bot.article import Article
from bot.errors import RenderError
from bot.render import PROFILES
from bot.render.platforms import x_length
from bot.render.thread import THREAD_MARK, render_thread

LINK = "https://blog.example.org/cytokines/"
EXCERPTS = [
    "Cytokines are small proteins that carry messages between immune cells.",
    "Interleukin-6 rises within hours of an infection and drives the fever response.",
    "Chronic inflammation keeps cytokine levels high for months in some patients.",
    "Regulatory T cells calm an immune response once an infection has been cleared.",
]


def article(title: str = "Cytokines, explained", tags=("immunology",)) -> Article:
    return Article(
        id="a",
        title=title,
        paragraphs=tuple(EXCERPTS),
        source="a.md",
        url=LINK,
        site="blog.example.org",
        tags=tuple(tags),
    )


def test_hook_then_excerpts_then_the_link_last():
    parts = render_thread(article(), EXCERPTS, PROFILES["x"], parts=4)
    assert len(parts) == 4
    assert parts[0] == f"Cytokines, explained {THREAD_MARK}\n#immunology"
    assert parts[1:3] == tuple(EXCERPTS[:2])
    assert parts[3].startswith(EXCERPTS[2]) and parts[3].endswith(LINK)
    assert all(LINK not in p for p in parts[:3])
    assert all(x_length(p) <= 280 for p in parts)


def test_a_short_article_makes_a_short_thread():
    parts = render_thread(article(), EXCERPTS[:1], PROFILES["x"])
    assert len(parts) == 2 and parts[1].endswith(LINK)


def test_long_parts_are_cut_to_fit_and_stay_verbatim_prefixes():
    long = "Cytokines " + "coordinate many immune cells across tissues, " * 12 + "in the end."
    parts = render_thread(article(), [long, long + " Again."], PROFILES["x"])
    assert all(PROFILES["x"].fits(p) for p in parts)
    assert parts[1].endswith("…") and long.startswith(parts[1].removesuffix("…"))
    assert parts[2].endswith(LINK)


def test_telegram_parts_are_escaped_html():
    parts = render_thread(
        article(title="R&D <notes>"), ["A & B < C are all cells here."], PROFILES["telegram"]
    )
    assert parts[0].startswith("R&amp;D &lt;notes&gt;")


def test_no_excerpt_is_a_render_error():
    with pytest.raises(RenderError):
        render_thread(article(), [], PROFILES["x"])
