"""Whether a passage leans on what the article said just before it (English).

`dependence` reads a passage alone; this reads it where it sits. Two signs that a definite
noun phrase is a thing the reader was shown before the passage, not one they know:

- the text just before brought it in with an indefinite article: "the parking lot" after
  "Hold a space … Having a parking lot allows…", "Since the topic broached is relevant"
  after "an important thought, idea or topic". The same modifier and noun count anywhere
  in the passage; a lone noun only near its start (`EARLY`), where the passage's topic
  stands: later on, "during the workshop" after "a workshop" reads as a kind.
- in a first-person narrative, the paragraphs just before named its noun — and the passage
  itself and the title do not: "I had the drive on hand. But I wanted to see the movie as
  soon as possible" after a paragraph about a film on a disc.

An acronym the article coins ("the boring front-end developer, BFED if you will", "Ego
Driven Development (EDD)") is the article's own word: a passage after the definition that
uses it without spelling it out (`uses_coined`) reads as jargon to anyone who has not read
the article. An acronym the article uses bare from the first ("HTML") is taken as known.

The first person matters to the second: an essay's or a manual's generic definites ("the
soul", "the workshop", "the tools used by your colleagues") name a kind, not a thing met
before; on the labelled reference corpus (bench/quality.py) the rule without it removed
two usable passages for every dangling one, with it five dangling and none usable. The
first rule, on the same corpus, removes two dangling passages and nothing usable.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.excerpt.lexicon import kinds, lemma, lemma_as

# How many paragraphs before the passage's own count as "just before".
WINDOW = 2
# A definite noun phrase starting within this many words of the passage is its topic.
EARLY = 5
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


def recent_introductions(paragraphs: tuple[str, ...] | list[str]) -> list[frozenset[str]]:
    """For each paragraph, the nouns the WINDOW paragraphs before it `introduce`."""
    own = [introduces(p) for p in paragraphs]
    return [frozenset().union(*own[max(0, i - WINDOW) : i]) for i in range(len(paragraphs))]


@lru_cache(maxsize=16384)
def introduces(text: str) -> frozenset[str]:
    """What `text` brings in with an indefinite article: each noun's lemma ("a parking lot":
    "lot"; "an important thought, idea or topic": "thought", "idea", "topic") and each
    phrase of a modifier and a noun, noun as lemma ("parking lot", "important thought")."""
    words = _words(text)
    found: set[str] = set()
    for i, word in enumerate(words):
        if word not in ("a", "an"):
            continue
        start = j = i + 1
        while j < len(words) and j < i + 10:
            w = words[j]
            if w in (",", "or", "and"):
                start = j = j + 1
                continue
            if not w[:1].isalpha() or w in _STOP:
                break
            found_kinds = kinds(w)
            if "NOUN" in found_kinds:
                found.add(lemma(w))
                if j > start:
                    found.add(" ".join((*words[start:j], lemma(w))))
            elif not ("ADJ" in found_kinds or w.endswith(("ing", "ed"))):
                break
            j += 1
    return frozenset(found)


@lru_cache(maxsize=16384)
def words_lemmas(text: str) -> frozenset[str]:
    """The lemmas of `text`'s words of three letters or more."""
    return frozenset(lemma(w) for w in _words(text) if w[:1].isalpha() and len(w) > 2)


def recalls(
    text: str,
    before: frozenset[str],
    title: frozenset[str],
    introduced: frozenset[str] = frozenset(),
) -> str | None:
    """The definite noun phrase of the passage `text` that names something the text before
    it brought in (`introduced`, from `introduces`) or, in a first-person passage, named
    (`before`, as lemmas); or None.

    A phrase counts when its noun is not named earlier in the passage (nor, for the second
    sign, in `title`: a thing brought in just before is that thing whatever the title
    says), nothing after it says which ("the code for the button" is still the code of
    before; "the nature of the soul" says which: not counted), and "of" does not come
    before it ("fragments of the soul": a kind).
    """
    words = _words(text)
    narrates = _narrates(words)
    if not narrates and not introduced:
        return None
    tokens = _WORD.findall(text)
    for i, word in enumerate(words):
        if word != "the" or (i and words[i - 1] == "of"):
            continue
        head, end = _head(tokens, words, i + 1)
        if head is None or (end < len(words) and words[end] == "of"):
            continue
        noun = lemma(head)
        if head in _UNIQUE or noun in _UNIQUE or noun in {lemma(w) for w in words[:i]}:
            continue
        at = max(k for k in range(i + 1, end) if words[k] == head)
        phrase = " ".join((*words[i + 1 : at], noun))
        if (at > i + 1 and phrase in introduced) or (i < EARLY and noun in introduced):
            return f"'the {' '.join(words[i + 1 : at + 1])}' brought in just before the passage"
        if narrates and noun in before and noun not in title:
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
        if "NOUN" in found and not (
            i == start
            and "ADJ" in found
            and head is None
            and (i + 1 >= len(words) or "NOUN" not in kinds(words[i + 1]))
        ):
            head = word
        elif not ("ADJ" in found or word.endswith(("ing", "ed"))):
            break
        i += 1
    return head, i


_ACRONYM = re.compile(r"\b([A-Z][A-Z0-9]{1,5})s?\b")
_SPELLED = re.compile(r"[^\W_]+", re.UNICODE)
# Words an acronym's letters skip: "Bureau of Labor Statistics (BLS)".
_SKIPPED = frozenset("of the and for to in on a an with by at".split())


def coined_terms(paragraphs: tuple[str, ...] | list[str]) -> dict[str, tuple[int, int]]:
    """The acronyms the article defines where it first uses them, each with where: (the
    paragraph, the offset in it)."""
    seen: set[str] = set()
    coined: dict[str, tuple[int, int]] = {}
    for index, paragraph in enumerate(paragraphs):
        for match in _ACRONYM.finditer(paragraph):
            acronym = match[1]
            if acronym in seen:
                continue
            seen.add(acronym)
            if _spelled_before(acronym, paragraph[max(0, match.start() - 160) : match.start()]):
                coined[acronym] = (index, match.start())
    return coined


def uses_coined(
    text: str, coined: dict[str, tuple[int, int]], where: tuple[int, int], title: str
) -> str | None:
    """The acronym of `coined` that the passage `text`, which starts at `where` (paragraph,
    offset), uses after its definition without spelling it out (nor does the title name it)."""
    for match in _ACRONYM.finditer(text):
        acronym = match[1]
        defined = coined.get(acronym)
        if defined is None or defined >= where or re.search(rf"\b{acronym}\b", title):
            continue
        if not _spelled_before(acronym, text[: match.start()]):
            return f"{acronym!r}: the article's own term, spelled out before the passage"
    return None


def _spelled_before(acronym: str, text: str) -> bool:
    """Whether the words that end `text` are what `acronym` stands for (its letters their
    initials; "front-end" two words), a few small words skipped."""
    words = [w.lower() for w in _SPELLED.findall(text)][-(2 * len(acronym) + 2) :]
    letters = acronym.lower()
    for start in range(len(words)):
        initials = "".join(w[0] for w in words[start:] if w not in _SKIPPED)
        if initials == letters and words[start] not in _SKIPPED:
            return True
    return False
