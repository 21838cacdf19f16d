"""HTML pages: the body is what the page shows, word for word; widgets, promotions,
trailers and footnotes are not body; titles without the site's name repeated.

The real pages of ../shared/reference/articles (with each body's first and last sentence in
manifest.json) are read where present and skipped cleanly where not.
"""

from __future__ import annotations

import pytest

from bench.reference_bodies import ROOMS, body_span, is_verbatim, page_text
from bot.excerpt import excerpt_article
from bot.ingest import load_article, parse_article
from bot.ingest.page_text import shown_as_written
from tests.conftest import SHARED, reference_json

LONG = (
    "The council met for three hours on Monday evening and agreed that the new bus line "
    "will run through the old town from the spring, after years of argument about its "
    "route, its cost and the trees along the river that it would have cut down."
)


@pytest.mark.parametrize(
    ("extracted", "page", "shown"),
    [
        # Found in one block of the page: kept as it is.
        (
            "A first sentence here. A second one.",
            "Menu\nA first sentence here. A second one.",
            ["A first sentence here. A second one."],
        ),
        # The known misquote: the extractor lost a link's text. Repaired from the page.
        (
            "ESPN reported that for his role in the fight. The team said nothing.",
            "ESPN reported that the league will fine him for his role in the fight. The team said "
            "nothing.",
            [
                "ESPN reported that the league will fine him for his role in the fight. "
                "The team said nothing."
            ],
        ),
        # A sentence the page does not show is dropped, and what the page does not show together
        # is not joined.
        (
            "Alpha one two three four. Follow Jane Doe for more updates now. Omega five six seven.",
            "Alpha one two three four.\nOmega five six seven.",
            ["Alpha one two three four.", "Omega five six seven."],
        ),
        (
            "Alpha one two three four. Omega five six seven.",
            "Alpha one two three four. Omega five six seven.",
            ["Alpha one two three four. Omega five six seven."],
        ),
        # Words found only across two blocks are not a sentence the page shows.
        (
            "It was said that the plan works well enough.",
            "It was said that\nthe plan works well enough.",
            [],
        ),
    ],
)
def test_shown_as_written(extracted: str, page: str, shown: list[str]) -> None:
    assert shown_as_written(extracted, page) == shown


def page(body: str, head: str = "<title>Bus line | City News</title>") -> bytes:
    return (
        f"<html><head>{head}</head><body><nav><a href='/'>Home</a> <a href='/a'>About"
        f"</a></nav><article><h1>Bus line</h1>{body}</article>"
        "<footer>© 2026 City News</footer></body></html>"
    ).encode()


def html(body: str, **kwargs):
    return parse_article(
        page(body, **kwargs), source="page.html", kind="html", url="https://news.example/bus/"
    )


def test_a_hover_card_is_not_read_into_the_sentence() -> None:
    article = html(
        f"<p>{LONG}</p><p>The plan was announced by <a class='author'>Jane Doe</a><span "
        "class='author-hovercard'>Jane Doe Follow 1.2k followers</span> on Monday, and the "
        "staff of the city office received it well.</p>"
        "<p>Riders asked about the fares, said <span>Tom Lee</span><span>Tom Lee</span> "
        "of the riders' union. The fares stay as they are for now, the council said.</p>"
        f"<p>{LONG}</p>"
    )
    assert (
        "The plan was announced by Jane Doe on Monday, and the staff of the city office "
        "received it well."
    ) in article.paragraphs
    assert "The fares stay as they are for now, the council said." in article.paragraphs
    assert not any(
        "Follow" in p or "Tom LeeTom Lee" in p or "Tom Lee Tom Lee" in p for p in article.paragraphs
    )


def test_lines_a_page_wraps_in_chinese_or_japanese_join_with_no_space() -> None:
    """As in Markdown: the page's words are checked against its own text, read the same
    way, so the joined sentences are kept; preformatted text keeps its lines."""
    article = html(
        "<p>昨日は図書館で本を読んでいたら、\nふと昔の友人のことを思い出した。彼とは十年以上"
        "会っていないが、\n今でも時々手紙をやりとりしている。</p>"
        "<p>作者在编辑器里写文章的时候，\n习惯按回车换行，但是读者看到的网页上\n并没有空格。</p>"
        "<p>주말에 우리는\n바다에 갔다. 날씨가 아주 좋았고 사람도 많지 않았다.</p>"
        f"<p>{LONG}</p><pre>第一行\n第二行</pre>"
    )
    assert article.paragraphs[:3] == (
        "昨日は図書館で本を読んでいたら、ふと昔の友人のことを思い出した。"
        "彼とは十年以上会っていないが、今でも時々手紙をやりとりしている。",
        "作者在编辑器里写文章的时候，习惯按回车换行，但是读者看到的网页上并没有空格。",
        "주말에 우리는 바다에 갔다. 날씨가 아주 좋았고 사람도 많지 않았다.",
    )


def test_footnotes_and_their_markers_are_not_body() -> None:
    article = html(
        f"<p>{LONG}<sup id='r1'><a href='#fn1'>1</a></sup> The vote was close.<sup "
        "class='reference'><a href='#cite_note-2'>[2]</a></sup></p>"
        f"<p>{LONG}</p><hr/><section class='footnotes'><ol><li id='fn1'><p>The minutes are "
        "public and anyone may read them at the library. <a href='#r1'>↩</a></p></li></ol>"
        "</section>"
    )
    assert article.paragraphs == (f"{LONG} The vote was close.", LONG)


def test_trailing_references_and_edit_links_are_not_body() -> None:
    article = html(
        f"<h2>History<span>[edit]</span></h2><p>{LONG}</p><h2>References[edit]</h2><ul>"
        "<li>Smith, J. (2020). A long account of the bus line, its route and its cost over "
        "the years, published by the city press.</li></ul>"
    )
    assert article.headings == ("History",)
    assert article.paragraphs == (LONG,)


def test_a_bold_label_stays_a_label() -> None:
    article = html(
        f"<p>{LONG}</p><p><strong>Update:</strong> <em>Since this was written, "
        "the council has voted again and the line is now planned for autumn.</em>"
        "</p>"
    )
    assert "Update" in article.headings
    assert article.paragraphs[-1].startswith("Since this was written")


@pytest.mark.parametrize(
    "chrome",
    [
        "About City News: City News is the independent paper of the old town, published every "
        "week since 1921 by a cooperative of its readers and writers, who own it together.",
        "Read more: The old tram line and why it closed",
        "Sign up for our free weekly newsletter to get the city's news every Friday.",
        "Download the City News app for the latest stories.",
        "Jane Doe can be reached at jane@news.example or on Twitter @janedoe.",
        "A post shared by City Buses (@citybuses) on Mar 5, 2026 at 9:14am PST",
        "Transport · Council · Old Town",
    ],
)
def test_chrome_after_the_body_is_not_body(chrome: str) -> None:
    article = html(f"<p>{LONG}</p><p>{LONG} Again.</p><p>{chrome}</p>")
    assert article.paragraphs == (LONG, f"{LONG} Again.")
    assert chrome in article.boilerplate


def test_an_about_the_author_trailer_is_not_body() -> None:
    article = html(
        f"<p>{LONG}</p><h2>About the author</h2><p>Jane Doe writes about the city "
        "and its streets, and has covered the council for ten years.</p>"
    )
    assert article.paragraphs == (LONG,)


@pytest.mark.parametrize(
    ("head", "title"),
    [
        (
            "<title>Best gadgets of 2019 | ZDNet — ZDNet</title>"
            "<meta property='og:site_name' content='ZDNet'>",
            "Best gadgets of 2019",
        ),
        ("<title>Best gadgets of 2019 | ZDNet — ZDNet</title>", "Best gadgets of 2019"),
        (
            "<meta property='og:title' content='Best gadgets of 2019 - zdnet.com'>"
            "<meta property='og:site_name' content='ZDNet'>",
            "Best gadgets of 2019",
        ),
    ],
)
def test_a_title_without_the_site_name(head: str, title: str) -> None:
    article = html(f"<p>{LONG}</p>", head=head)
    assert article.title == title


def reference_pages():
    manifest = reference_json("articles/manifest.json")
    root = SHARED / "reference" / "articles"
    pages = [f for f in manifest["files"] if f["path"].endswith(".html")]
    assert len(pages) >= 7
    for entry in pages:
        text = page_text((root / entry["path"]).read_text(encoding="utf-8"))
        body = body_span(text, entry["body"]["first_sentence"], entry["body"]["last_sentence"])
        assert body is not None, entry["path"]
        yield entry["path"], text, body, load_article(root / entry["path"])


def test_excerpts_of_real_pages_are_their_body_word_for_word() -> None:
    counted = verbatim = 0
    misquotes = []
    for path, text, body, article in reference_pages():
        for length in ROOMS.values():
            for excerpt in excerpt_article(article, max_length=length):
                counted += 1
                verbatim += is_verbatim(excerpt.text, body)
                if not is_verbatim(excerpt.text, text):
                    misquotes.append((path, excerpt.text))
    assert misquotes == []
    # the best few of each page (up to eight of a short one) for each room: 97 in all
    assert counted >= 90 and verbatim / counted >= 0.99


def test_a_quotations_author_line_is_not_read_into_its_last_sentence() -> None:
    article = html(
        f"<p>{LONG}</p><blockquote><p>Cities are built for people, not for cars, "
        "and the best ones never forget it.<br>— Jane Jacobs</p></blockquote>"
        "<p>We need bread for the trip:<br>- rye from the baker<br>- oats</p>"
    )
    assert (
        "Cities are built for people, not for cars, and the best ones never forget it."
        in article.paragraphs
    )
    assert "— Jane Jacobs" in article.paragraphs
    assert "We need bread for the trip: - rye from the baker - oats" in article.paragraphs
