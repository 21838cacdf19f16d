"""Clean bodies at ingest: list labels stay labels, footnotes and their markers go, trailing
Notes/References sections are not body, and math is dropped with its sentence."""

from __future__ import annotations

import re

import pytest

from bot.ingest import load_article, parse_article
from tests.conftest import SHARED, reference_json

FILLER = (
    "Gardens need patience more than tools, and a good season starts with the soil "
    "rather than the seeds, as every grower learns sooner or later in the spring."
)


def markdown(text: str):
    return parse_article(f"---\ntitle: T\n---\n\n{text}".encode(), source="a.md", kind="md")


def test_a_list_label_in_bold_stays_a_label() -> None:
    article = markdown(
        "- **Picking the model**. To reach the goal you need a model that fits the data.\n"
        "- **Cleaning the data:** Most of the work is removing the rows nobody checked.\n"
        "- **核心信号**：定义一套核心遥测信号。\n"
        "- **Propositional logic** is the simplest logic of them all.\n\n"
        "***Update:*** *Since I wrote this post, the tools changed a lot.*\n"
    )
    assert article.headings == ("Picking the model", "Cleaning the data", "核心信号", "Update")
    assert article.paragraphs == (
        "To reach the goal you need a model that fits the data.",
        "Most of the work is removing the rows nobody checked.",
        "定义一套核心遥测信号。",
        "Propositional logic is the simplest logic of them all.",  # a subject, not a label
        "Since I wrote this post, the tools changed a lot.",
    )


def test_a_label_in_bold_that_is_a_link_stays_a_label() -> None:
    article = markdown(
        "- [**Files slow**](https://example.org/issues/873):\n"
        "  Saving many small files to disk is slow on this file system.\n"
        "- [**Sharing files between the two\n  systems**](https://example.org/issues/1051):\n"
        "  The drive is mounted as a folder of its own.\n"
        "- [A link](https://example.org) that opens a sentence is no label.\n"
    )
    assert article.headings == ("Files slow", "Sharing files between the two systems")
    assert article.paragraphs == (
        "Saving many small files to disk is slow on this file system.",
        "The drive is mounted as a folder of its own.",
        "A link that opens a sentence is no label.",
    )


def test_kramdown_attribute_lists_are_not_text() -> None:
    article = markdown(
        "{: .tldr}\nI start a new job on Monday, and I am nervous about it.\n\n"
        "* TOC\n{:toc}\n\nThe garden {::comment}draft{:/comment} grows.\n"
    )
    assert article.paragraphs[0] == "I start a new job on Monday, and I am nervous about it."
    assert not any("{:" in p for p in article.paragraphs)
    ruby = markdown("Write the hash as `{:a => 1}` when the keys are symbols, as Ruby 1.8 did.\n")
    assert ruby.paragraphs == (
        "Write the hash as {:a => 1} when the keys are symbols, as Ruby 1.8 did.",
    )


def test_a_blockquote_is_context_never_an_excerpt() -> None:
    """Someone else's words in a blockquote are not the author's: the paragraphs around them
    may answer them, but no post quotes them as the article's own."""
    from bot.excerpt import excerpt_article

    quote = (
        "I cannot understand people who sit in traffic for two hours a day to work in "
        "a loud room with colleagues they barely talk to."
    )
    own = (
        "I prefer the office because I like being with people, and the commute is the "
        "quietest hour of my day."
    )
    article = markdown(f"A friend posted this on Mastodon last week:\n\n> {quote}\n\n{own}\n")
    assert quote in article.paragraphs
    assert article.quoted == (article.paragraphs.index(quote),)
    kept = [e.text for e in excerpt_article(article, max_length=280)]
    assert own in kept and quote not in kept
    page = parse_article(
        f"<html><body><article><p>{own}</p><blockquote><p>{quote}</p>"
        "</blockquote></article></body></html>".encode(),
        source="a.html",
        kind="html",
    )
    assert page.quoted == (page.paragraphs.index(quote),)
    assert quote not in [e.text for e in excerpt_article(page, max_length=280)]


def test_lines_numbered_by_hand_are_items_that_go_on_from_their_lead_in() -> None:
    """ "1、…；" on each line (no list syntax): an item a paragraph, each going on from the
    lead-in and the item before it, so none opens an excerpt."""
    from bot.excerpt import excerpt_article

    article = markdown(
        "我们团队的做法是这样的：\n\n"
        "1、每周例会，每日晨会，保证团队随时能流畅沟通；\n"
        "2、采用GitLab做源代码管理工具，所有代码都要经过评审；\n"
        "3、采用Docker部署应用，每个环境都保持一致。\n"
    )
    assert article.paragraphs[1:] == (
        "每周例会，每日晨会，保证团队随时能流畅沟通；",
        "采用GitLab做源代码管理工具，所有代码都要经过评审；",
        "采用Docker部署应用，每个环境都保持一致。",
    )
    kept = [e.text for e in excerpt_article(article, max_length=280)]
    assert not set(kept) & set(article.paragraphs[1:])


def test_mojibake_is_repaired_and_nothing_else_is_touched() -> None:
    """A post an old blog exported through the wrong encoding reads as its author wrote it;
    text that is not mojibake keeps its quotes, ligatures and symbols."""
    broken = (
        "Today was my last day in Loja.\u00c2\u00a0I had fun with \u00c3\u0081ngel, and "
        "what I\u00c2 think\u00c2&nbsp;matters."
    )
    article = markdown(f"{broken}\n\nCurly “quotes”, a ﬁ ligature and 5 € stay as written.\n")
    assert article.paragraphs == (
        "Today was my last day in Loja. I had fun with Ángel, and what I think matters.",
        "Curly “quotes”, a ﬁ ligature and 5 € stay as written.",
    )


def test_a_post_that_is_mostly_a_quoted_letter_is_excerpted_from_the_letter() -> None:
    """A few lines around a long quotation (a letter, a speech): the quotation is the body."""
    from bot.excerpt import excerpt_article

    letter = [
        "Digital tools are transforming the practice of history in every department we know.",
        "Junior scholars face real risks when their methods are not yet recognised as "
        "rigorous scholarly work.",
        "The merits of digital scholarship demand that the profession asks again what counts.",
    ]
    quoted = "\n>\n".join(f"> {line}" for line in letter)
    article = markdown(f"Here is the full text of the letter we sent in January.\n\n{quoted}\n")
    assert len(article.quoted) == 3
    kept = [e.text for e in excerpt_article(article, max_length=280)]
    assert set(letter) <= set(kept)


def test_a_list_that_goes_on_from_what_came_before_it_gives_no_excerpt() -> None:
    """Items a lead-in announced ("…is:", "…we:") and items nested under another item go on
    from the text before them; a list after a full stop stands on its own."""
    from bot.excerpt import excerpt_article

    announced = "Twenty students are put into small groups to build a web app in five weeks."
    nested = "Has more experience than a junior and finishes the work without help."
    alone = "Raised beds warm up sooner in spring, so the first sowing can come weeks earlier."
    article = markdown(
        f"The program, in short, is:\n\n- {announced}\n- Twelve hours a week of work.\n\n"
        f"{FILLER}\n\n- {alone}\n- Mid-level engineer\n  - {nested}\n"
    )
    paragraphs = article.paragraphs
    assert article.continued == (
        paragraphs.index(announced),
        paragraphs.index("Twelve hours a week of work."),
        paragraphs.index(nested),
    )
    kept = [e.text for e in excerpt_article(article, max_length=280)]
    assert alone in kept
    assert announced not in kept and nested not in kept
    page = parse_article(
        f"<html><body><article><p>{FILLER}</p><p>The program, in short, is:</p><ul>"
        f"<li>{announced}</li></ul><p>{FILLER} Again.</p><ul><li>{alone}</li>"
        f"<li>Mid-level engineer<ul><li>{nested}</li></ul></li></ul></article></body></html>"
        "".encode(),
        source="a.html",
        kind="html",
    )
    assert [page.paragraphs[i] for i in page.continued] == [announced, nested]


def test_a_body_kept_as_html_in_markdown_reads_as_the_page_shows_it() -> None:
    """A post migrated from WordPress keeps `<p>…</p>` in its Markdown: its paragraphs are
    the body (a link's words stay in the sentence), code and tables are not, a quote is
    quoted."""
    article = markdown(
        "<p>I have been in Graz for three weeks, working at the <a href='/tu'>university</a>"
        "&nbsp;on a research project.\n</p>\n\n<h2>The city</h2>\n\n"
        "<div><p>Graz is the second largest city in Austria.<br>It has a clock tower.</p>"
        "<pre><code>print('not prose')</code></pre><table><tr><td>1</td></tr></table></div>"
        "\n\n<blockquote><p>Come back in the spring, when the hills are green.</p>"
        "</blockquote>\n\nA last paragraph written as Markdown, *after* the HTML.\n"
    )
    assert article.paragraphs == (
        "I have been in Graz for three weeks, working at the university on a research project.",
        "Graz is the second largest city in Austria. It has a clock tower.",
        "Come back in the spring, when the hills are green.",
        "A last paragraph written as Markdown, after the HTML.",
    )
    assert article.headings == ("The city",)
    assert article.quoted == (2,)


def test_a_notice_label_stays_with_its_notice() -> None:
    article = markdown(f"{FILLER}\n\n**Disclaimer:** This post is not medical advice.\n")
    assert article.paragraphs == (FILLER,)
    assert article.disclaimer == "This post is not medical advice."


def test_footnotes_and_their_markers_are_not_body() -> None:
    article = markdown(
        "Compost feeds the soil.[^1] It takes a season.[6] Worms help.[12]\n\n"
        "[7] As a result, the heap shrinks. Use `rows[1] = 0` to reset it.\n\n"
        'A kramdown.<a class="ref" href="#fn:kd">[1]</a> Markdown is nice.\n\n'
        "[^1]: A footnote that is not body text.\n\n"
        "---\n"
        '1.  <a class="fn" id="fn:kd" href="#ref:kd">&uarr;</a> Octopress uses rdiscount.\n'
    )
    assert article.paragraphs == (
        "Compost feeds the soil. It takes a season. Worms help.",
        "As a result, the heap shrinks. Use rows[1] = 0 to reset it.",
        "A kramdown. Markdown is nice.",
    )


@pytest.mark.parametrize(
    "heading",
    ["Notes", "References", "Footnotes", "Bibliography", "See also", "参考文献", "Referencias"],
)
def test_a_trailing_notes_section_is_not_body(heading: str) -> None:
    article = markdown(
        f"## Growing\n\n{FILLER}\n\n## {heading}\n\n{FILLER} Again.\n\n"
        "1. Smith, J. (2020). Soil. Garden Press.\n"
    )
    assert article.paragraphs == (FILLER,)
    assert article.headings == ("Growing",)
    assert f"{FILLER} Again." in article.boilerplate


def test_a_notes_section_followed_by_more_article_is_body() -> None:
    article = markdown(f"## Notes\n\n{FILLER}\n\n## Harvest\n\n{FILLER} Again.\n")
    assert article.paragraphs == (FILLER, f"{FILLER} Again.")


def test_math_is_dropped_with_its_sentence_and_the_paragraph_split_there() -> None:
    article = markdown(
        "The heap warms up. Its heat grows as $t^2$ over the days. Then it cools down.\n\n"
        "A bag costs $5 and a fork $10 at most.\n\n"
        "$$\nE = mc^2\n$$\n\n"
        r"MathJax writes \\(x\\) inline, which is dropped too. The end."
        "\n"
    )
    assert article.paragraphs == (
        "The heap warms up.",
        "Then it cools down.",
        "A bag costs $5 and a fork $10 at most.",
        "The end.",
    )


def reference_markdown() -> list:
    manifest = reference_json("articles/manifest.json")
    root = SHARED / "reference" / "articles"
    return [
        load_article(root / f["path"], url=f["url"])
        for f in manifest["files"]
        if f["path"].endswith(".md")
    ]


def test_real_posts_keep_no_footnote_markers_math_or_footnote_text() -> None:
    articles = reference_markdown()
    assert len(articles) == 20
    for article in articles:
        for paragraph in article.paragraphs:
            assert "[^" not in paragraph, article.source
            assert not re.search(r"(?:^|[.\w])\[\d{1,3}\](?:\s|$)", paragraph), article.source
            assert "$" not in paragraph and "\\(" not in paragraph, article.source
            assert not paragraph.startswith("↑"), article.source  # an HTML footnote


def test_template_tags_marker_links_and_link_lines_are_not_prose() -> None:
    article = markdown(
        "[18F]({{ site.baseurl }}/) is a startup within the agency, for digital services.\n\n"
        "First, it's ugly.[2](#fn:ugly)\nSee how ugly that big underlined number looks?\n\n"
        '{{< fig-quote type="markdown" title="x" >}}\nQuoted text from the agency here.\n'
        "{{< /fig-quote >}}\n\n"
        '{{% review-paapi "B0D47FY7Q3" %}} {{% review-paapi "4416723660" %}}\n\n'
        "{% highlight ruby %}\nputs 'code is not prose'\n{% endhighlight %}\n\n"
        "The site is live. Visit {{ site.url }} to see it. It has no ads.\n\n"
        f"{FILLER}\n\n"
        "[Learn more about the agency's inclusion activities.](https://example.org/x)\n"
    )
    assert article.paragraphs == (
        "18F is a startup within the agency, for digital services.",
        "First, it's ugly. See how ugly that big underlined number looks?",
        "Quoted text from the agency here.",
        "The site is live.",
        "It has no ads.",
        FILLER,
    )
    assert "Learn more about the agency's inclusion activities." in article.boilerplate


def test_a_list_written_by_hand_is_one_paragraph_an_item() -> None:
    article = markdown(
        "A) A team of innovators, recruited from everywhere.<br>\n"
        "B) In-house designers, developers, and product people.<br>\n"
        "C) All of the above, and more.\n"
    )
    assert article.paragraphs == (
        "A team of innovators, recruited from everywhere.",
        "In-house designers, developers, and product people.",
        "All of the above, and more.",
    )


def test_lines_wrapped_in_chinese_or_japanese_join_with_no_space() -> None:
    """Those scripts put no space between words: a line's end between two of their
    characters is no word break (Korean and English lines still join with a space)."""
    article = markdown(
        "歴史の本を読んでいたら、\nふと疑問が生じた。\n\n"
        "我们在周末\n去了海边。\n\n"
        "주말에 우리는\n바다에 갔다.\n\n"
        "We went to the sea\non the weekend, and the ファイル\nPython kept running.\n"
    )
    assert article.paragraphs == (
        "歴史の本を読んでいたら、ふと疑問が生じた。",
        "我们在周末去了海边。",
        "주말에 우리는 바다에 갔다.",
        "We went to the sea on the weekend, and the ファイル Python kept running.",
    )


def test_an_images_caption_is_not_body() -> None:
    """The line under a picture describes the picture, which the post does not show."""
    article = markdown(
        "![A mantis](/img/mantis.jpg)\n*A small mantis next to a coin, photographed in the "
        "garden of the house where I wrote most of this post.*\n\n"
        "![Harbour](/img/harbour.jpg)\nThe harbour at dawn.\n\n"
        "![Chart](/img/chart.png)\nThe chart above shows that the queue grew every night of "
        "the week, and that nobody noticed until the disk was full on Friday.\n\n"
        "Money and work had been tangled in my head for years, and it took a move to see it.\n"
    )
    assert article.paragraphs == (
        "The chart above shows that the queue grew every night of the week, and that nobody "
        "noticed until the disk was full on Friday.",
        "Money and work had been tangled in my head for years, and it took a move to see it.",
    )
