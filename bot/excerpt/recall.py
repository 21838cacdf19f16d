"""Whether a passage leans on what the article said just before it (English).

`dependence` reads a passage alone; this reads it where it sits. In a first-person
narrative, a definite noun phrase whose noun the article named in the paragraphs just
before — and the passage itself and the title do not — is that earlier thing: "I had the
drive on hand. But I wanted to see the movie as soon as possible" after a paragraph about
a film on a disc; "will I be able to find the code for the button" after one about a code
base. A reader of the post alone meets "the movie" as if it were known.

The first person matters: an essay's or a manual's generic definites ("the soul", "the
workshop", "the tools used by your colleagues") name a kind, not a thing met before; on
the labelled reference corpus (bench/quality.py) the rule without it removed two usable
passages for every dangling one, with it five dangling and none usable.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.excerpt.lexicon import kinds, lemma, lemma_as

# How many paragraphs before the passage's own count as "just before".
WINDOW = 2
_NARRATOR = frozenset({"i", "we"})
_PRESENT = frozenset({"is", "am", "are", "has", "does", "'m", "'s"})
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?|\S", re.UNICODE)
# Words that end a noun phrase or are too common to be its noun.
_STOP = frozenset(
    "a an the and or but if then so as at by for from in into of on to with without is are "
    "was were be been has have had do does did not no this that these those it its he she "
    "they we you i me my our your his her their them us which who what when where how all "
    "any each every some such than too very can could may might must will would also just "
    "only even still yet there here".split()
)
# Referents unique in the reader's world, or time and place of the telling.
_UNIQUE = frozenset(
    "world earth sun moon sky sea web internet future past present time moment day year "
    "week month morning evening night end beginning way".split()
)


def recent_lemmas(paragraphs: tuple[str, ...] | list[str]) -> list[frozenset[str]]:
    """For each paragraph, the lemmas of the WINDOW paragraphs before it."""
    own = [words_lemmas(p) for p in paragraphs]
    return [frozenset().union(*own[max(0, i - WINDOW) : i]) for i in range(len(paragraphs))]


@lru_cache(maxsize=16384)
def words_lemmas(text: str) -> frozenset[str]:
    """The lemmas of `text`'s words of three letters or more."""
    return frozenset(lemma(w) for w in _words(text) if w[:1].isalpha() and len(w) > 2)


def recalls(text: str, before: frozenset[str], title: frozenset[str]) -> str | None:
    """The definite noun phrase of the first-person passage `text` that names something the
    text `before` it (as lemmas) introduced, or None.

    A phrase counts when its noun is neither named earlier in the passage nor in `title`,
    and nothing after it says which ("the code for the button" is still the code of before;
    "the nature of the soul" says which: not counted), nor does "of" come before it ("fragments
    of the soul": a kind).
    """
    words = _words(text)
    if not _narrates(words):
        return None
    tokens = _WORD.findall(text)
    for i, word in enumerate(words):
        if word != "the" or (i and words[i - 1] == "of"):
            continue
        head, end = _head(tokens, words, i + 1)
        if head is None or (end < len(words) and words[end] == "of"):
            continue
        noun = lemma(head)
        if head in _UNIQUE or noun in _UNIQUE or noun in title:
            continue
        if noun in before and noun not in {lemma(w) for w in words[:i]}:
            return f"'the {head}' named before the passage"
    return None


def _narrates(words: list[str]) -> bool:
    """ "I wanted", "I finally watched", "I would", "I had": the writer telling what they
    did, not an essay's present ("I must feel", "Shall I not be")."""
    for i, word in enumerate(words[:-1]):
        if word not in _NARRATOR:
            continue
        verb = words[i + 1]
        if verb.endswith("ly") or verb in ("then", "first", "finally", "never", "just", "also"):
            verb = words[i + 2] if i + 2 < len(words) else ""
        if _past(verb):
            return True
    return False


def _past(word: str) -> bool:
    base = lemma_as(word, "AUX") or lemma_as(word, "VERB")
    return (
        base is not None
        and base != word
        and word not in _PRESENT
        and not word.endswith("ing")
        and word not in (base + "s", base + "es")
    )


def _words(text: str) -> list[str]:
    return [t.lower() for t in _WORD.findall(text)]


def _head(tokens: list[str], words: list[str], i: int) -> tuple[str | None, int]:
    """The last noun of the adjectives and nouns from `i` on, and where they end; None for
    a name ("the Beatles"), or an adjective standing alone ("the old and the new")."""
    head, start = None, i
    while i < len(words) and i < start + 3:
        word = words[i]
        if not word[:1].isalpha() or word in _STOP or tokens[i][:1].isupper():
            if tokens[i][:1].isupper() and word not in _STOP:
                return None, i
            break
        found = kinds(word)
        if "NOUN" in found and not (i == start and "ADJ" in found and head is None and (
            i + 1 >= len(words) or "NOUN" not in kinds(words[i + 1])
        )):
            head = word
        elif not ("ADJ" in found or word.endswith(("ing", "ed"))):
            break
        i += 1
    return head, i
