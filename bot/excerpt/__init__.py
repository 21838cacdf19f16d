"""Cutting an article into short, self-contained excerpts (pure functions).

`excerpt_article` turns an `Article` into ranked excerpts: verbatim passages of one or a few
consecutive sentences of one paragraph that fit a length budget, open without needing the
sentence before them, carry the article's subject, and do not repeat one another.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.article import Article, Excerpt, excerpt_id
from bot.excerpt.candidates import Candidate, generate_candidates
from bot.excerpt.dedupe import is_near_duplicate, shingles
from bot.excerpt.sentences import sentence_spans, split_sentences
from bot.excerpt.shorten import ELLIPSIS, shorten_to_fit
from bot.excerpt.standalone import key_terms, needs_context, standalone_score

__all__ = [
    "ELLIPSIS",
    "Excerpt",
    "excerpt_article",
    "sentence_spans",
    "shorten_to_fit",
    "split_sentences",
]

# Passages shorter than this many words make thin posts.
MIN_WORDS = 6
# Below this score a passage is not worth posting.
MIN_SCORE = 0.8
# The article's opening sentence is usually written as a hook.
LEAD_BONUS = 0.2
# Passages filling at least this share of the budget fit it well.
GOOD_FILL = 0.4


def excerpt_article(
    article: Article,
    *,
    max_length: int,
    measure: Callable[[str], int] = len,
    limit: int | None = None,
) -> list[Excerpt]:
    """The article's best distinct excerpts, best first, each `measure`d at most `max_length`.

    No two excerpts share a sentence or say nearly the same thing; none opens with a word
    that needs the sentence before it.
    """
    terms = key_terms(article.title, article.paragraphs)
    scored = []
    candidates = generate_candidates(article.paragraphs, max_length=max_length, measure=measure)
    for candidate in candidates:
        score = _score(candidate, terms, max_length=max_length)
        if score is not None:
            scored.append((score, candidate))
    scored.sort(key=lambda sc: (-sc[0], sc[1].paragraph, sc[1].first, -sc[1].count))
    return _select(article.id, scored, limit)


def _score(
    candidate: Candidate,
    terms: dict[str, float],
    *,
    max_length: int,
) -> float | None:
    if needs_context(candidate.opening) or len(candidate.text.split()) < MIN_WORDS:
        return None
    score = standalone_score(candidate.text, terms, candidate.parts)
    fill = candidate.length / max_length
    score += 0.6 * min(fill / GOOD_FILL, 1.0)
    if candidate.shortened:
        score -= 0.5
    if candidate.paragraph == 0 and candidate.first == 0:
        score += LEAD_BONUS
    return score if score >= MIN_SCORE else None


def _select(
    article_id: str, scored: list[tuple[float, Candidate]], limit: int | None
) -> list[Excerpt]:
    chosen: list[Excerpt] = []
    used: set[tuple[int, int]] = set()
    seen: list[frozenset[tuple[str, ...]]] = []
    for score, c in scored:
        if limit is not None and len(chosen) >= limit:
            break
        if used & c.sentences:
            continue
        grams = shingles(c.text)
        if any(is_near_duplicate(grams, other) for other in seen):
            continue
        used |= c.sentences
        seen.append(grams)
        chosen.append(
            Excerpt(
                id=excerpt_id(article_id, c.text),
                article_id=article_id,
                text=c.text,
                rank=len(chosen),
                score=round(score, 3),
                paragraph=c.paragraph,
                first_sentence=c.first,
                sentence_count=c.count,
                shortened=c.shortened,
            )
        )
    return chosen
