"""How well a passage stands alone as a post: pure scoring functions.

A post is read without the article around it, so a passage must not open with a word that
points back at text the reader has not seen ("However,", "They", "This phenomenon"), should
carry the article's subject matter rather than filler, and should end on a complete thought.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

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

# Openings that need the sentence before them. Matched case-insensitively at the start.
_CONNECTIVES = (
    "however", "moreover", "furthermore", "additionally", "also", "but", "and", "or", "so",
    "yet", "still", "thus", "hence", "therefore", "consequently", "accordingly", "meanwhile",
    "nevertheless", "nonetheless", "besides", "similarly", "likewise", "conversely", "instead",
    "otherwise", "indeed", "then", "again", "finally", "lastly", "secondly", "thirdly",
    "in addition", "in contrast", "in turn", "in other words", "in that case", "in this case",
    "as a result", "as such", "as well", "for example", "for instance", "on the other hand",
    "on one hand", "on the one hand", "that said", "even so", "after all", "by contrast",
    "at the same time", "because of this", "due to this", "despite this", "for this reason",
    "to do this", "by doing so", "as mentioned", "as discussed", "as noted", "as we saw",
    "as shown", "as a consequence", "not only that", "on top of that", "second", "third",
    "unlike", "compared to", "compared with", "here",
)
_PRONOUNS = (
    "they", "them", "their", "theirs", "it", "its", "it's", "he", "she", "his", "her", "him",
    "this", "these", "that", "those", "such", "both", "either", "neither", "the latter",
    "the former", "the same", "another", "others", "the other", "each of these", "some of these",
    "many of these", "all of these", "one of them", "none of them", "most of them",
)
_DEPENDENT_OPENING = re.compile(
    r"^[\"'“‘(\[]*(?:"
    + "|".join(re.escape(w) for w in sorted(_CONNECTIVES + _PRONOUNS, key=len, reverse=True))
    + r")(?![\w-])",
    re.IGNORECASE,
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
_NUMBER = re.compile(r"\d")
_STEM_LENGTH = 5


@lru_cache(maxsize=4096)
def needs_context(sentence: str) -> bool:
    """True when `sentence` opens with a word that points back at an unseen sentence."""
    s = sentence.lstrip()
    return bool(
        _DEPENDENT_OPENING.match(s) or _DEMONSTRATIVE_LEAD.match(s) or _BACK_REFERENCE.search(s)
    )


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude stem, enough to match "cytokine"/"cytokines" and "immune"/"immunology"."""
    word = word.lower().removesuffix("'s").removesuffix("’s")
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:_STEM_LENGTH]


@lru_cache(maxsize=4096)
def sentence_words(sentence: str) -> tuple[str, ...]:
    """`content_words` of one sentence, remembered: runs of sentences share them."""
    return tuple(content_words(sentence))


def content_words(text: str) -> list[str]:
    """The stems of the words of `text` that carry meaning (no stopwords, no short words)."""
    return [stem(w) for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in STOPWORDS]


def key_terms(title: str, paragraphs: Iterable[str], *, count: int = 12) -> dict[str, float]:
    """The article's subject words with a weight in (0, 1]: frequent body words, title words."""
    freq = Counter(content_words(" ".join(paragraphs)))
    for word in content_words(title):
        freq[word] += 3
    top = freq.most_common(count)
    if not top:
        return {}
    best = top[0][1]
    title_stems = set(content_words(title))
    return {word: n / best for word, n in top if n > 1 or word in title_stems}


def standalone_score(
    text: str, terms: dict[str, float], parts: Iterable[str] | None = None
) -> float:
    """How well `text` (one or more sentences) reads alone, about 0 (poor) to 2 (excellent).

    The opening is scored separately by `needs_context`; this weighs informativeness
    (subject words, concrete figures), filler, and how the passage ends.
    """
    words = [w for part in parts for w in sentence_words(part)] if parts else content_words(text)
    if not words:
        return 0.0
    # In first-seen order: summed in a set's order, the score's last bits (and so its
    # rounding) would change with the interpreter's hash seed, from one run to the next.
    subject = sum(terms.get(w, 0.0) for w in dict.fromkeys(words))
    score = min(subject, 2.0) / 2.0  # up to 1 for covering the article's subject
    score += 0.5 * len(words) / max(len(text.split()), 1)  # density of meaningful words
    if _NUMBER.search(text):
        score += 0.15  # figures, years and doses make a concrete post
    score -= min(0.25 * len(_FILLER.findall(text)), 0.5)
    if _EARLY_DEMONSTRATIVE.match(text):
        score -= 0.4
    if _SUMMARY_OPENING.match(text):
        score -= 0.15
    end = text.rstrip("\"'”’)]")[-1:]
    if end == ":":
        score -= 0.8  # introduces something the post does not show
    elif end not in ".!?…":
        score -= 0.2
    return score
