"""Hashtags: from the article's tags, or from its keywords."""

from __future__ import annotations

import pytest

from bot.article import Article
from bot.render import hashtag_from_tag, hashtags_for, keywords


def article(*paragraphs: str, title: str = "Notes", tags: tuple[str, ...] = (), **more) -> Article:
    return Article(id="a1", title=title, paragraphs=paragraphs, source="test", tags=tags, **more)


@pytest.mark.parametrize(
    ("tag", "hashtag"),
    [
        ("immune health", "#ImmuneHealth"),
        ("Immune-Health", "#ImmuneHealth"),
        ("T cells", "#TCells"),
        ("COVID-19", "#COVID19"),
        ("iPhone", "#iPhone"),
        ("cytokines!", "#cytokines"),
        ("免疫", "#免疫"),
        ("Cafe\u0301 culture", "#CaféCulture"),
        ("snake_case", "#snake_case"),
        ("2024", None),
        ("!!!", None),
        ("", None),
        ("x" * 65, None),
        ("Https", None),  # a piece of a link some blogs' tags hold
        ("www", None),
        ("open source web apps", None),  # a phrase, not a subject people follow
        ("I apparently give writing advice now", None),
    ],
)
def test_hashtag_from_tag(tag, hashtag):
    assert hashtag_from_tag(tag) == hashtag


def test_hashtags_from_tags_dedupe_case_insensitively_and_keep_order():
    tags = ("immune health", "2024", "Immune-Health", "cytokines", "CYTOKINES", "T cells", "more")
    assert hashtags_for(article(tags=tags)) == ["#ImmuneHealth", "#cytokines", "#TCells"]
    assert hashtags_for(article(tags=tags), max_tags=1) == ["#ImmuneHealth"]
    assert hashtags_for(article(tags=tags), max_tags=0) == []


def test_hashtags_from_keywords_when_there_are_no_tags():
    a = article(
        "Cytokines are small proteins. The immune system uses cytokines to signal.",
        "Cells release cytokines when the immune system meets a pathogen.",
        "Some proteins matter more than others.",
        title="Cytokines and the Immune System",
    )
    # cytokines: 3 (title) + 3 (body); immune: 3 + 2; system: 3 + 2; proteins: 2.
    assert hashtags_for(a) == ["#Cytokines", "#Immune", "#System"]
    # Each keyword in its most common spelling; "Cytokines" is as common and seen first.
    assert keywords(a)[:4] == ["Cytokines", "immune", "system", "proteins"]


def test_keywords_skip_stopwords_short_words_and_one_off_body_words():
    a = article("These were about what they would have done. Wombat.", title="The End")
    assert keywords(a) == []  # "wombat" once in the body; the rest stopwords or short
    assert hashtags_for(a) == []


def test_tags_that_all_vanish_fall_back_to_keywords():
    a = article("Macrophages eat. Macrophages clean.", title="Gut", tags=("2024", "!!"))
    assert hashtags_for(a) == ["#Macrophages"]


def test_keyword_order_is_deterministic_first_seen_breaks_ties():
    a = article("zebra zebra apple apple mango mango", title="Fruit")
    assert keywords(a) == ["Fruit", "zebra", "apple", "mango"]


def test_keywords_of_an_article_in_another_language_are_not_its_common_words():
    body = (
        "Para todos los jardineros, la poda de los manzanos es todo un arte. "
        "Para podar bien los manzanos hay que conocer todos sus brotes y todas sus yemas. "
        "Los manzanos jóvenes piden una poda ligera, y todos los años la misma paciencia."
    )
    tags = hashtags_for(article(body, title="Poda de manzanos"))
    assert tags[:1] == ["#Manzanos"]
    assert not {"#Para", "#Todos", "#Todas"} & set(tags)


def test_a_keyword_and_its_inflected_form_give_one_hashtag():
    """ "Перемены", "Перемен": one word, in two of its forms; "Очень", "Много" are common."""
    body = (
        "Перемены пугают. Очень много людей боятся перемен, и много людей ждут перемен. "
        "Перемены приходят сами. Очень хорошо, когда перемены приходят вовремя. "
        "Эмиграция была для нас большой переменой. Эмиграция изменила всё."
    )
    tags = hashtags_for(article(body, title="Перемены: за и против"))
    assert tags[0] == "#Перемены"
    assert not {"#Перемен", "#Очень", "#Много", "#Против"} & set(tags)
