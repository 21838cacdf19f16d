"""How well a passage reads as a post: pure scoring functions.

A passage should carry the article's subject matter rather than filler and end on a
complete thought. Whether it stands alone at all is `bot.excerpt.dependence`'s judgement
(`needs_context` here is its one-sentence form). The words counted are the language's:
English drops its stopwords; other spaced languages keep words of four letters or more;
scripts without spaces count two-character sequences of their letters, so a Japanese or
Thai passage has subject words like any other.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from bot.language import units

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each even
    ever every few for from further had has have having he her here hers herself him himself
    his how however i if in into is it its itself just like may might more most much must my
    myself no nor not now of off on once one only or other our ours ourselves out over own
    same shall she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up upon us very was we were what when
    where which while who whom whose why will with within without would yet you your yours
    yourself yourselves many often well way ways make makes made use used using get gets""".split()
)

# A demonstrative soon after a preposition: "Among these elements", "Of those".
_DEMONSTRATIVE_LEAD = re.compile(
    r"^(?:among|of|in|with|from|by|for|to|like|beyond|besides|despite|given|after|before)"
    r"\s+(?:this|these|that|those|such|them|it)\b",
    re.IGNORECASE,
)
_BACK_REFERENCE = re.compile(
    r"\b(?:as (?:mentioned|discussed|noted|described|shown|explained) (?:above|earlier|before)"
    r"|the above|see above|mentioned earlier|discussed earlier)\b",
    re.IGNORECASE,
)
# "Understanding this paradox…": a demonstrative early on that still points back.
_EARLY_DEMONSTRATIVE = re.compile(r"^(?:\S+\s+){1,4}(?:this|these|those|such)\s+\w", re.IGNORECASE)
_SUMMARY_OPENING = re.compile(
    r"^(?:in conclusion|in summary|to sum up|to summarize|in short|overall|all in all),",
    re.IGNORECASE,
)
# Words of filler prose that make a post generic rather than informative.
_FILLER = re.compile(
    r"\b(?:delve|delves|delving|myriad|tapestry|intricate world|realm|journey|"
    r"fast-paced world|in today's world|ever-evolving|look forward to|it is important to note|"
    r"it's important to note|in this (?:article|post|blog post|piece)|we will (?:explore|discuss|"
    r"look at)|let's|let us)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?", re.UNICODE)
_SPACELESS = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1000-\u109f"
    r"\u1780-\u17ff]"
)
_NUMBER = re.compile(r"\d")
_STEM_LENGTH = 5


@lru_cache(maxsize=4096)
def needs_context(sentence: str, title: str = "", language: str | None = "en") -> bool:
    """True when `sentence`, as a post of its own, leans on text the reader has not seen."""
    from bot.excerpt.dependence import dependence

    s = sentence.lstrip()
    if (language or "en") == "en" and (_DEMONSTRATIVE_LEAD.match(s) or _BACK_REFERENCE.search(s)):
        return True
    return dependence((s,), title, language) is not None


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude stem, enough to match "cytokine"/"cytokines" and "immune"/"immunology"."""
    word = word.lower().removesuffix("'s").removesuffix("’s")
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:_STEM_LENGTH]


@lru_cache(maxsize=4096)
def sentence_words(sentence: str, language: str | None = "en") -> tuple[str, ...]:
    """`content_words` of one sentence, remembered: runs of sentences share them."""
    return tuple(content_words(sentence, language))


def content_words(text: str, language: str | None = "en") -> list[str]:
    """The stems of the words of `text` that carry meaning (no stopwords, no short words);
    in scripts without spaces, the two-letter sequences of their runs of letters."""
    words = []
    for w in _WORD.findall(text.lower()):
        if _SPACELESS.match(w):
            words += _letter_pairs(w)
        elif (language or "en") == "en":
            if len(w) > 2 and w not in STOPWORDS:
                words.append(stem(w))
        elif len(w) > 3:
            words.append(stem(w))
    return words


def _letter_pairs(run: str) -> list[str]:
    letters = [c for c in run if _SPACELESS.match(c)]
    return ["".join(letters[i : i + 2]) for i in range(len(letters) - 1)] or letters


def key_terms(
    title: str, paragraphs: Iterable[str], *, count: int = 12, language: str | None = "en"
) -> dict[str, float]:
    """The article's subject words with a weight in (0, 1]: frequent body words, title words."""
    freq = Counter(content_words(" ".join(paragraphs), language))
    for word in content_words(title, language):
        freq[word] += 3
    top = freq.most_common(count)
    if not top:
        return {}
    best = top[0][1]
    title_stems = set(content_words(title, language))
    return {word: n / best for word, n in top if n > 1 or word in title_stems}


def standalone_score(
    text: str,
    terms: dict[str, float],
    parts: Iterable[str] | None = None,
    language: str | None = "en",
) -> float:
    """How well `text` (one or more sentences) reads alone, about 0 (poor) to 2 (excellent).

    The opening is scored separately by `needs_context`; this weighs informativeness
    (subject words, concrete figures), filler, and how the passage ends.
    """
    parts = tuple(parts) if parts else ()
    if parts:
        words = [w for part in parts for w in sentence_words(part, language)]
    else:
        words = content_words(text, language)
    if not words:
        return 0.0
    # In first-seen order: summed in a set's order, the score's last bits (and so its
    # rounding) would change with the interpreter's hash seed, from one run to the next.
    subject = sum(terms.get(w, 0.0) for w in dict.fromkeys(words))
    score = min(subject, 2.0) / 2.0  # up to 1 for covering the article's subject
    size = sum(map(units, parts)) if parts else units(text)
    score += 0.5 * min(len(words) / max(size, 1.0), 1.0)  # density of meaningful words
    if _NUMBER.search(text):
        score += 0.15  # figures, years and doses make a concrete post
    score -= min(0.25 * len(_FILLER.findall(text)), 0.5)
    if _EARLY_DEMONSTRATIVE.match(text):
        score -= 0.4
    if _SUMMARY_OPENING.match(text):
        score -= 0.15
    end = text.rstrip("\"'”’)]）」』")[-1:]
    if end == ":":
        score -= 0.8  # introduces something the post does not show
    elif end not in ".!?…。！？۔؟।":
        score -= 0.2
    return score
