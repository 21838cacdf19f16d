"""Cutting an article into short, self-contained excerpts (pure functions).

`excerpt_article` turns an `Article` into its best few excerpts: verbatim passages of one
or a few consecutive sentences of one paragraph that fit a length budget, stand alone
(`dependence`), are prose rather than debris (`debris`), carry the article's subject, and
do not repeat one another. Only those that clear a quality margin are kept, about one per
150 words of body (at least `MIN_EXCERPTS` where that many clear it, at most
`max_excerpts`), spread over the article from start to end, best first. An English
passage must not name as known what the text just before it brought in ("the parking lot"
after "a parking lot"), nor a first-person one what the paragraphs before named ("the
movie" after a paragraph about a film); no passage uses an acronym the article coined
before it ("the BFED") without spelling it out: `recall`. No passage is taken from a
quotation (unless the quotations are most of the body), nor opens a paragraph that goes on
from the one before it (after a colon, an item of a list a lead-in announced).

The article's language (its own tag, else `detect_language` on its body) decides how its
sentences are found, how its words are counted and which openers need the sentence before.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from bot.article import Article, Excerpt, excerpt_id
from bot.excerpt.candidates import Candidate, generate_candidates
from bot.excerpt.debris import debris_of
from bot.excerpt.dedupe import is_near_duplicate, shingles
from bot.excerpt.dependence import dependence
from bot.excerpt.lexicon import lemmas
from bot.excerpt.recall import (
    coined_terms,
    introduces,
    recalls,
    recent_introductions,
    recent_lemmas,
    uses_coined,
    words_lemmas,
)
from bot.excerpt.sentences import sentence_spans, split_sentences
from bot.excerpt.shorten import ELLIPSIS, shorten_to_fit
from bot.excerpt.standalone import key_terms, standalone_score
from bot.language import announces, base_language, detect_language, units

__all__ = [
    "ELLIPSIS",
    "MAX_EXCERPTS",
    "Excerpt",
    "article_language",
    "excerpt_article",
    "sentence_spans",
    "shorten_to_fit",
    "split_sentences",
]

# Passages shorter than this many words (or two letters of a spaceless script each) make
# thin posts.
MIN_WORDS = 6
# Below this score a passage is not worth posting: the quality margin.
MIN_SCORE = 0.9
# The article's opening sentence is usually written as a hook.
LEAD_BONUS = 0.2
# A passage that starts inside a paragraph leans on the sentences before it far more often
# than one that opens its paragraph (on the labelled reference corpus, bench/quality.py:
# 25 % of such candidates dangle, against 9 %; on two audits of blogs the rules were not
# written on, 31 % against 16 %; of the top 8 of three later audits, after their rules,
# 36 % against 12 %), so it needs a clearly better score: 1.0 took those three audits from
# 9.9/17.0/17.5 % dangling to 6.6/16.1/14.9 % (bench/audit.py; 0.8 before). 1.5 did better
# on audits 3 to 7 (dangling 6.2/14.3/14.4/19.5/30.1 % against 6.7/16.1/15.0/25.5/34.1 %)
# but keeps almost no passage from inside a paragraph: an article of a few long paragraphs
# would give about one post a paragraph.
MID_PARAGRAPH = 1.0
# A run that brings along a sentence which could not stand alone ("Acme builds rockets. The
# company said…") is preferred to its first sentence alone, per sentence it brings.
RESCUE_BONUS = 0.3
# A cut that leaves off only the sentence's last word or two leaves off its point ("…that
# requires deep…" for "deep concentration", a German verb's particle): not an excerpt.
CUT_LEAVES = 2
# Passages filling at least this share of the budget fit it well.
GOOD_FILL = 0.4
# One excerpt per this many words of body...
WORDS_PER_EXCERPT = 150
# ...but a short article may still give this many, and none gives more than MAX_EXCERPTS
# (the default of the config's `max_excerpts`).
MIN_EXCERPTS = 8
MAX_EXCERPTS = 12
# Above this share of the body's words, the quoted paragraphs are the body.
QUOTED_BODY = 2 / 3
# Parts of the article (by position) the excerpts are spread over.
MAX_PARTS = 4


def excerpt_article(
    article: Article,
    *,
    max_length: int,
    measure: Callable[[str], int] = len,
    limit: int | None = None,
    max_excerpts: int = MAX_EXCERPTS,
) -> list[Excerpt]:
    """The article's best distinct excerpts, best first, each `measure`d at most `max_length`.

    No two excerpts share a sentence or say nearly the same thing; none needs the text
    before it. `limit` cuts the list shorter still (a preview's `--limit`).
    """
    language = article_language(article)
    terms = key_terms(article.title, article.paragraphs, language=language)
    scored = []
    candidates = generate_candidates(
        article.paragraphs, max_length=max_length, measure=measure, language=language
    )
    # In English, what the paragraphs just before a passage named and brought in (`recall`).
    english = (language or "en") == "en"
    recent = recent_lemmas(article.paragraphs) if english else None
    brought = recent_introductions(article.paragraphs) if english else None
    title = lemmas(article.title)
    coined = coined_terms(article.paragraphs)
    quoted = _set_apart(article)
    announced = _announced(article)
    for candidate in candidates:
        if candidate.paragraph in quoted:
            continue  # someone else's words: context, never the article's own to post
        if candidate.first == 0 and candidate.paragraph in announced:
            continue  # what the paragraph before announced ("A few examples:") or began
        score = _score(candidate, terms, article.title, language, max_length=max_length)
        if score is None:
            continue
        paragraph = article.paragraphs[candidate.paragraph]
        start = max(0, paragraph.find(candidate.opening))
        if coined and uses_coined(
            candidate.text, coined, (candidate.paragraph, start), article.title
        ):
            continue
        if recent is not None:
            earlier = paragraph[:start]
            before = recent[candidate.paragraph] | words_lemmas(earlier)
            introduced = brought[candidate.paragraph] | introduces(earlier)
            if recalls(candidate.text, before, title, introduced):
                continue
        scored.append((score, candidate))
    scored.sort(key=lambda sc: (-sc[0], sc[1].paragraph, sc[1].first, -sc[1].count))
    count = excerpt_count(article, max_excerpts)
    if limit is not None:
        count = min(count, limit)
    return _select(article.id, scored, count, _parts(article.paragraphs, count))


def _set_apart(article: Article) -> frozenset[int]:
    """The quoted paragraphs no excerpt is taken from: none when they are most of the body
    (over `QUOTED_BODY` of its words: a post that is a letter or a speech with a few lines
    around it, where the quotation is what it gives its readers)."""
    if not article.quoted:
        return frozenset()
    quoted = sum(units(article.paragraphs[i]) for i in article.quoted)
    if quoted > QUOTED_BODY * sum(units(p) for p in article.paragraphs):
        return frozenset()
    return frozenset(article.quoted)


def _announced(article: Article) -> frozenset[int]:
    """The paragraphs that go on from the one before them, not a new start: after one ending
    in a colon, a comma or a semicolon ("A few examples:"), and those ingest found so
    (`continued`: the items of a list such a lead-in announced, of a list nested in another
    list's item)."""
    paragraphs = article.paragraphs
    after = (i for i in range(1, len(paragraphs)) if announces(paragraphs[i - 1]))
    return frozenset(after).union(article.continued)


def article_language(article: Article) -> str | None:
    """The article's language: its own tag's primary subtag, else detected from its body."""
    return base_language(article.language) or detect_language(" ".join(article.paragraphs))


def excerpt_count(article: Article, max_excerpts: int = MAX_EXCERPTS) -> int:
    """How many excerpts the article may give: one per WORDS_PER_EXCERPT words of body."""
    words = sum(units(p) for p in article.paragraphs)
    wanted = max(MIN_EXCERPTS, round(words / WORDS_PER_EXCERPT))
    return max(0, min(wanted, max_excerpts))


def _score(
    candidate: Candidate,
    terms: dict[str, float],
    title: str,
    language: str | None,
    *,
    max_length: int,
) -> float | None:
    if sum(map(units, candidate.parts)) < MIN_WORDS:  # each sentence counted once, remembered
        return None
    if debris_of(candidate.parts, shortened=candidate.shortened, language=language or "en"):
        return None
    if candidate.shortened and units(candidate.opening) - units(candidate.text) <= CUT_LEAVES:
        return None
    if dependence(candidate.parts, title, language):
        return None
    score = standalone_score(candidate.text, terms, candidate.parts, language)
    fill = candidate.length / max_length
    score += 0.6 * min(fill / GOOD_FILL, 1.0)
    if candidate.shortened:
        score -= 0.5
    if candidate.paragraph == 0 and candidate.first == 0:
        score += LEAD_BONUS

    score += RESCUE_BONUS * sum(
        dependence((part,), title, language) is not None for part in candidate.parts[1:]
    )
    if candidate.first > 0:
        score -= MID_PARAGRAPH
    return score if score >= MIN_SCORE else None


def _parts(paragraphs: tuple[str, ...], count: int) -> list[int]:
    """For each paragraph, which of up to MAX_PARTS equal stretches of the body it is in."""
    parts = max(1, min(MAX_PARTS, count // 2))
    sizes = [units(p) for p in paragraphs]
    total = sum(sizes) or 1.0
    where, done = [], 0.0
    for size in sizes:
        where.append(min(parts - 1, int(parts * done / total)))
        done += size
    return where


def _select(
    article_id: str, scored: list[tuple[float, Candidate]], count: int, part_of: list[int]
) -> list[Excerpt]:
    """The best `count` distinct candidates, first at most an even share from each part of
    the article, then the best of the rest; best first."""
    if count <= 0:
        return []
    parts = max(part_of, default=0) + 1
    share = math.ceil(count / parts)
    chosen: list[tuple[float, Candidate]] = []
    used: set[tuple[int, int]] = set()
    seen: list[frozenset[tuple[str, ...]]] = []
    per_part = [0] * parts
    for spread in (True, False):
        for score, c in scored:
            if len(chosen) >= count:
                break
            part = part_of[c.paragraph]
            if (spread and per_part[part] >= share) or used & c.sentences:
                continue
            grams = shingles(c.text)
            if any(is_near_duplicate(grams, other) for other in seen):
                continue
            used |= c.sentences
            seen.append(grams)
            per_part[part] += 1
            chosen.append((score, c))
    chosen.sort(key=lambda sc: (-sc[0], sc[1].paragraph, sc[1].first))
    return [
        Excerpt(
            id=excerpt_id(article_id, c.text),
            article_id=article_id,
            text=c.text,
            rank=rank,
            score=round(score, 3),
            paragraph=c.paragraph,
            first_sentence=c.first,
            sentence_count=c.count,
            shortened=c.shortened,
        )
        for rank, (score, c) in enumerate(chosen)
    ]
