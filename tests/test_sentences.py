"""Sentence boundaries: the English Golden Rules and cases an article really has."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.excerpt import sentence_spans, split_sentences
from tests.conftest import SHARED, reference_json


def _golden_ids():
    path = SHARED / "reference" / "golden_rules_en.json"
    if not path.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason="golden rules not available"))]
    cases = json.loads(path.read_text(encoding="utf-8"))
    return [pytest.param(c["rule"], id=f"rule{c['rule']:02d}") for c in cases]


@pytest.mark.parametrize("rule", _golden_ids())
def test_golden_rule(rule):
    case = next(c for c in reference_json("golden_rules_en.json") if c["rule"] == rule)
    assert split_sentences(case["text"]) == case["sentences"], case["rule_name"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Dr. Watson met Mrs. Hudson at 10 a.m. on Baker St. They talked.",
            ["Dr. Watson met Mrs. Hudson at 10 a.m. on Baker St.", "They talked."],
        ),
        (
            "The U.S. spent $4.5 billion, i.e. 3.2% of it. That was in 2019.",
            ["The U.S. spent $4.5 billion, i.e. 3.2% of it.", "That was in 2019."],
        ),
        (
            "Cytokines (e.g. IL-6) rise fast. Why? Nobody knows… yet.",
            ["Cytokines (e.g. IL-6) rise fast.", "Why?", "Nobody knows… yet."],
        ),
        ("She said, “It works.” Then she left.", ["She said, “It works.”", "Then she left."]),
        ("Step 1. Mix it. Step 2. Bake it.", ["Step 1.", "Mix it.", "Step 2.", "Bake it."]),
        ("Do this: 1. Mix the flour 2. Bake it", ["Do this:", "1. Mix the flour", "2. Bake it"]),
        ("細胞が増える。免疫が働く。", ["細胞が増える。", "免疫が働く。"]),
        # No cut inside a URL, even where a script without spaces runs on after it.
        (
            "项目https://github.com/996icu/996.ICU，很多人支持。第二句。",
            ["项目https://github.com/996icu/996.ICU，很多人支持。", "第二句。"],
        ),
        (
            "See https://example.com/a.b for more. Go.",
            ["See https://example.com/a.b for more.", "Go."],
        ),
        ("", []),
        ("   ", []),
    ],
)
def test_sentences_of_article_prose(text, expected):
    assert split_sentences(text) == expected


def test_seed_paragraph_keeps_abbreviation_free_sentences_whole(seed_text):
    intro = seed_text.split("\n\n")[1]
    sentences = split_sentences(intro)
    assert len(sentences) == 5
    assert sentences[2].startswith("Cytokines, small proteins secreted by certain cells")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_sentences_are_verbatim_slices_in_order(text):
    spans = sentence_spans(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip()
        previous_end = end
    # Nothing but whitespace is left between and around the sentences.
    rest = "".join(
        text[a:b]
        for a, b in zip(
            [0] + [e for _, e in spans], [s for s, _ in spans] + [len(text)], strict=True
        )
    )
    assert rest.strip() == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Ich bilde mir im 60. Lebensjahr nichts ein. Am 3. Oktober war es so weit.",
            ["Ich bilde mir im 60. Lebensjahr nichts ein.", "Am 3. Oktober war es so weit."],
        ),
        ("Ich bin jetzt 60. Das Leben ist schön.", ["Ich bin jetzt 60.", "Das Leben ist schön."]),
        (
            'Beim "Nazis raus!"-Rufen komme ich mir albern vor. Gut so.',
            ['Beim "Nazis raus!"-Rufen komme ich mir albern vor.', "Gut so."],
        ),
    ],
)
def test_german_ordinals_and_compounds_end_no_sentence(text, expected):
    assert split_sentences(text, "de") == expected
