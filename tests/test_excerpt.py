"""Excerpts: verbatim, stand-alone, distinct, within the budget."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.article import Article
from bot.excerpt import ELLIPSIS, excerpt_article, shorten_to_fit
from bot.excerpt.dedupe import is_near_duplicate, shingles
from bot.excerpt.standalone import needs_context


def article(*paragraphs: str, title: str = "Cytokines and the immune response") -> Article:
    return Article(id="a1", title=title, paragraphs=tuple(paragraphs), source="test")


@pytest.fixture
def seed_article(seed_text) -> Article:
    blocks = [b.strip() for b in seed_text.split("\n\n")]
    body = [b for b in blocks[1:7] if len(b) > 200]  # the four body paragraphs
    return article(*body, title=blocks[0])


@pytest.mark.parametrize(
    "opening",
    [
        "However, their role is not always beneficial.",
        "Moreover, abnormal cytokine activity is implicated in disease.",
        "This phenomenon, known as a cytokine storm, is severe.",
        "They serve as messengers between cells.",
        "On the other hand, an overproduction can harm.",
        "Among these elements, cytokines play a role.",
        "“They never stop,” she said.",
        "It is produced in the liver.",
        "As mentioned above, cells divide.",
    ],
)
def test_openings_that_need_the_sentence_before(opening):
    assert needs_context(opening)


@pytest.mark.parametrize(
    "opening",
    [
        "Cytokines are small proteins secreted by cells.",
        "Despite their vital role, cytokines can harm.",
        "Thermal imaging finds inflamed tissue.",  # words that merely begin like "The…"
        "Italy banned the drug in 2019.",
        "Hereditary factors matter.",
        "In conclusion, cytokines play a dual role.",
    ],
)
def test_openings_that_stand_alone(opening):
    assert not needs_context(opening)


def test_seed_yields_its_best_few_distinct_standalone_excerpts(seed_article):
    excerpts = excerpt_article(seed_article, max_length=180)
    words = sum(len(p.split()) for p in seed_article.paragraphs)
    # about one per 150 words of body, but a short article may give up to eight
    assert 3 <= len(excerpts) <= max(8, round(words / 150))
    body = "\n".join(seed_article.paragraphs)
    for e in excerpts:
        assert e.text in body  # verbatim
        assert len(e.text) <= 180
        assert not needs_context(e.text)
    grams = [shingles(e.text) for e in excerpts]
    for i, a in enumerate(grams):
        assert not any(is_near_duplicate(a, b) for b in grams[i + 1 :])
    assert len({e.id for e in excerpts}) == len(excerpts)
    assert [e.rank for e in excerpts] == list(range(len(excerpts)))


def test_larger_budget_joins_consecutive_sentences_of_one_paragraph(seed_article):
    excerpts = excerpt_article(seed_article, max_length=400)
    runs = [e for e in excerpts if e.sentence_count > 1]
    assert runs
    body = "\n".join(seed_article.paragraphs)
    assert all(e.text in body for e in runs)  # never across paragraphs


def test_a_room_that_takes_a_whole_paragraph_gets_it_whole():
    sentences = [
        "Gardeners in cold climates start tomatoes indoors eight weeks before the last frost.",
        "Seedlings need sixteen hours of light a day to grow sturdy stems.",
        "A cheap shop light hung two inches above the trays does the job well.",
        "Hardening off over a week of short outdoor visits prevents transplant shock.",
        "By midsummer those plants outproduce anything bought at a garden centre.",
    ]
    paragraph = " ".join(sentences)
    article = Article(
        id="a1", title="Starting tomatoes from seed", paragraphs=(paragraph,), source="test"
    )
    [whole] = excerpt_article(article, max_length=2000)[:1]
    assert whole.text == paragraph and whole.sentence_count == 5
    # In a small room, runs of at most three sentences, as before.
    assert all(e.sentence_count <= 3 for e in excerpt_article(article, max_length=300))


def test_no_sentence_is_used_twice(seed_article):
    excerpts = excerpt_article(seed_article, max_length=400)
    used = [(e.paragraph, e.first_sentence + k) for e in excerpts for k in range(e.sentence_count)]
    assert len(used) == len(set(used))


def test_repeated_sentence_gives_one_excerpt():
    line = "Vitamin D regulates calcium absorption in the gut and bone health in adults."
    a = article(line + " Sunlight helps.", "Cats sleep most of the day. " + line)
    texts = [e.text for e in excerpt_article(a, max_length=200)]
    assert sum(line in t for t in texts) == 1


def test_long_single_sentence_is_cut_at_a_clause_with_ellipsis():
    sentence = (
        "Cytokines coordinate the immune response across many tissues of the body, "
        "and their overproduction can cause a dangerous inflammatory cascade known as a storm."
    )
    [e] = excerpt_article(article(sentence), max_length=100)
    assert e.shortened and e.text.endswith(ELLIPSIS)
    assert e.text == "Cytokines coordinate the immune response across many tissues of the body…"


def test_stable_ids(seed_article):
    a = [e.id for e in excerpt_article(seed_article, max_length=180)]
    b = [e.id for e in excerpt_article(seed_article, max_length=180)]
    assert a == b


def test_article_without_usable_sentences_gives_no_excerpts():
    assert excerpt_article(article("They did. It was. However, no."), max_length=280) == []


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("one two three", 100, "one two three"),
        ("Visit https://example.com/a/very/long/path today", 30, "Visit…"),
        ("It costs 1,234,567.89 dollars in total", 20, "It costs…"),
        ("Family 👩‍👩‍👧‍👧 photo at the beach", 14, "Family…"),
        ("Supercalifragilisticexpialidocious", 10, None),
    ],
)
def test_shorten_never_cuts_inside_a_token(text, limit, expected):
    assert shorten_to_fit(text, lambda s: len(s) <= limit) == expected


def test_a_cut_does_not_end_on_a_clause_it_only_began():
    text = "Rails makes it a lot to learn initially but once you get going it is a joy to use."
    assert shorten_to_fit(text, lambda s: len(s) <= 56) == (
        "Rails makes it a lot to learn initially…"
    )


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=400), st.integers(min_value=1, max_value=200))
def test_shortened_text_is_a_verbatim_prefix_at_a_token_boundary(text, limit):
    cut = shorten_to_fit(text, lambda s: len(s) <= limit)
    if cut is None:
        return
    assert len(cut) <= limit or cut == text.strip()
    if cut != text.strip():
        prefix = cut.removesuffix(ELLIPSIS)
        source = text.strip()
        assert source.startswith(prefix)
        # the cut ends where a token ended: the next source character is a space or punctuation
        rest = source[len(prefix) :]
        assert rest == "" or not rest[0].isalnum() or not prefix[-1:].isalnum()


_SCORES = """
import sys
from bot.article import Article
from bot.excerpt import excerpt_article
from bot.excerpt.candidates import generate_candidates
from bot.excerpt.standalone import key_terms, standalone_score

blocks = [b.strip() for b in sys.stdin.read().split("\\n\\n")]
a = Article(id="a1", title=blocks[0], paragraphs=tuple(b for b in blocks[1:] if b), source="t")
terms = key_terms(a.title, a.paragraphs)
print([repr(standalone_score(c.text, terms, c.parts))
       for c in generate_candidates(a.paragraphs, max_length=2000)])
print([(e.id, e.rank, e.score) for e in excerpt_article(a, max_length=280)])
"""


def test_scores_and_ranks_do_not_depend_on_the_hash_seed(seed_text):
    # Each run is a new interpreter with its own hash seed: a re-add of an unchanged
    # article must find the same excerpts, ranks and scores, to the last bit.
    runs = {
        subprocess.run(
            [sys.executable, "-c", _SCORES],
            input=seed_text,
            text=True,
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(runs) == 1
