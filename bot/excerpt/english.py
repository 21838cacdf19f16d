"""English passages that lean on the text before them: a pronoun before any named
subject, a definite or demonstrative noun phrase the reader was not given, a place ("there")
never named. `english_sentence(sentence, known)` names why, or returns None; `known` is the
lemmas of what the reader has (the title's words).

Which words can be nouns, and their lemmas, come from lemminflect's English lexicon
(`bot.excerpt.lexicon`, the data inside the package).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.excerpt.lexicon import kinds as _kinds
from bot.excerpt.lexicon import lemma as _lemma
from bot.excerpt.lexicon import lemma_as

LEAD = "\"'“‘«„([¿¡ "
TOKEN = re.compile(r"[^\W_](?:[\w'’.-]*[^\W_])?|[,;:—–()\"“”]|\S", re.UNICODE)
# English: third-person pronouns that need a named subject before them.
PRONOUNS = frozenset(
    "he him his she her hers they them their theirs it it's its itself himself herself "
    "themselves".split()
)
# Pronouns of one person: a plural noun before them is not what they stand for.
_PERSONAL = frozenset("he him his she her hers himself herself".split())
# Plural nouns that name people: "the developers … he" may still mean one of them.
_COLLECTIVE = frozenset("people folks developers members colleagues friends users".split())
# Possessives may point forward, to the subject after a leading phrase: "Despite their
# vital role, cytokines can harm".
_POSSESSIVES = frozenset("his her its their".split())
DEMONSTRATIVES = frozenset({"this", "these", "those"})
# "it is … to/that …", "it seems that": "it" points at nothing.
_EXPLETIVE_VERBS = frozenset(
    "is was 's seems seemed appears appeared takes took remains follows happens would will "
    "may might can could has had becomes became must should".split()
)
_EXPLETIVE_TARGETS = frozenset("to that for whether how what when if why who".split())
_CLAUSE_BREAKS = frozenset("because since and but , ; so although though while as".split())
# Words that introduce what follows them: the noun after them is new to the reader.
_INTRODUCING = frozenset(
    "a an some any every each many most all several few one two three four five "
    "someone anyone everyone somebody anybody everybody nobody people".split()
)
# After a definite noun phrase, these begin a description that makes it self-contained.
_POSTMODIFIERS = frozenset(
    "of in on for behind between about to toward towards with from that which who whose "
    "where among against within across by under over at beyond around near like "
    "without".split()
)
# Referents unique in the reader's world: "the world", "the web" need no introduction.
_UNIQUE = frozenset(
    "world earth sun moon sky sea web internet future past present public government "
    "universe economy weather truth body mind".split()
)
# Words too common to be the noun a phrase is about.
_FUNCTION = frozenset(
    "a an the and or but if then so as at by for from in into of on to with without is are "
    "was were be been being has have had do does did not no this that these those it its "
    "he she they we you i me my our your his her their them us which who whom whose what "
    "when where why how all any each every some such than too very can could may might "
    "must shall should will would also just only even still yet there here".split()
)
_ORDINALS = frozenset("first second third fourth last next other latter former".split())
# "The fourth command", "the remaining steps": the others came before.
_SERIES = frozenset(
    "second third fourth fifth sixth seventh eighth ninth tenth final remaining latter former "
    "aforementioned".split()
)
_TIME_NOUNS = frozenset(
    "year years month months week weeks morning afternoon evening night day days time "
    "century decade season summer winter spring autumn fall moment weekend post article "
    "blog essay site page way".split()
)

_AUXILIARIES = frozenset(
    "is are was were do does did has have had can will would should could may might must".split()
)
_IN_ORDER_TO = ["in", "order", "to"]
# The object pronouns an imperative takes ("Try it out").
_OBJECTS = frozenset("it them him her".split())
_SUBORDINATORS = frozenset(
    "when if after before since while once because although though until unless whenever as".split()
)


@lru_cache(maxsize=8192)
def english_sentence(sentence: str, known: frozenset[str]) -> str | None:
    tokens = TOKEN.findall(sentence.lstrip(LEAD))
    if not tokens:
        return None
    words = [t.lower().replace("’", "'") for t in tokens]  # "it’s" is "it's"
    reason = _pronoun_before_subject(tokens, words) or _deictic_adverb(words)
    if reason:
        return reason
    reason = _demonstrative(words, known)
    if reason:
        return reason
    return _definite_subject(tokens, words, known)


def _pronoun_before_subject(tokens: list[str], words: list[str]) -> str | None:
    """A third-person pronoun with nothing before it that it could stand for; "he" or "she"
    with only plural nouns before it ("I ask a few questions, meanwhile he…") has none."""
    if (
        len(words) > 1
        and words[1] in _OBJECTS
        and lemma_as(words[0], "VERB") == words[0]
        and words[0] not in _AUXILIARIES
    ):
        return f"{tokens[1]!r} before any named subject"  # "Try it out", "Put them away"
    plural_only = False
    for i, word in enumerate(words):
        if word in PRONOUNS and not expletive(words, i) and not _cataphora(words, i):
            if not plural_only or word in _PERSONAL:
                return f"{tokens[i]!r} before any named subject"
            return None
        if tokens[i][:1].isupper() and word != "i" and (i or _opening_noun(word)):
            return None  # a name, or the noun the sentence opens with: "Macrophages … they"
        if (word in _INTRODUCING or word in ("the", "my", "our", "your")) and (
            i + 1 < len(words) and words[i + 1][:1].isalpha() and words[i + 1] != "of"
        ):
            noun = _first_noun(words, i + 1)
            if noun is None or not _plural(noun):
                return None  # "a friend", "the code": a noun the pronoun may refer to
            plural_only = True  # "a few normal questions": not for "he" or "she"
    return None


def _first_noun(words: list[str], i: int) -> str | None:
    """The noun that ends the phrase from `i` on ("few normal questions": "questions")."""
    noun = None
    for word in words[i : i + 4]:
        kinds = _kinds(word)
        if not word[:1].isalpha() or word in _FUNCTION or not kinds & {"NOUN", "ADJ"}:
            break
        if "NOUN" in kinds:
            noun = word
    return noun


def _third_person(word: str) -> bool:
    """ "comes", "works": a verb's third person (a noun would not follow "that")."""
    return word.endswith("s") and lemma_as(word, "VERB") not in (None, word)


def _plural(noun: str) -> bool:
    return noun.endswith("s") and _lemma(noun) != noun and noun not in _COLLECTIVE


def _opening_noun(word: str) -> bool:
    kinds = _kinds(word)
    return word not in _FUNCTION | PRONOUNS and ("NOUN" in kinds or not kinds)


def _cataphora(words: list[str], i: int) -> bool:
    """A possessive in a leading phrase, the subject after its comma: "Despite their role,
    cytokines…"."""
    if words[i] not in _POSSESSIVES or "," not in words[i:8]:
        return False
    after = words[words.index(",", i) + 1 : words.index(",", i) + 2]
    return bool(after) and after[0][:1].isalpha() and after[0] not in PRONOUNS | _FUNCTION


def expletive(words: list[str], i: int) -> bool:
    if words[i] not in ("it", "it's"):
        return False
    after = words[i + 1 : i + 10]
    if i and words[i - 1] in _OBJECT_EXPLETIVE_VERBS and {"to", "that"} & set(after[1:4]):
        return True  # "Shared offices make it hard to…", "I found it odd that…"
    if not after or after[0] not in _EXPLETIVE_VERBS:
        return False
    for word in after[1:]:
        if word in _EXPLETIVE_TARGETS:
            return True
        if word in _CLAUSE_BREAKS:  # "it was exciting because …": "it" is something
            return False
    return False


# "make it hard to…", "found it odd that…": "it" stands for the clause that follows.
_OBJECT_EXPLETIVE_VERBS = frozenset(
    "make makes made making find finds found finding consider considers considered keep "
    "keeps kept think thinks thought".split()
)
# After these, "that" and a verb is a pronoun, not "that" introducing a clause.
_THAT_AS_SUBJECT = frozenset(
    "when if because unless until once whenever while after before since though although "
    "and but how why whether".split()
)
# "there is", "there may": existential "there" points at no place.
_THERE_VERBS = frozenset(
    "is are was were 's seems seem may might must will can could should would has have had "
    "exist exists remain remains comes came lies".split()
)


def _deictic_adverb(words: list[str]) -> str | None:
    """ "I felt at home there", "help here": a place the reader was not shown."""
    for i, word in enumerate(words[:-1]):
        if word in ("there", "here") and i:
            follower = words[i + 1]
            if word == "there" and follower in _THERE_VERBS:
                continue
            if word == "here" and i == 0 and follower in ("is", "are", "'s"):
                continue
            return f"{word!r} without a place named"
    return None


def _demonstrative(words: list[str], known: frozenset[str]) -> str | None:
    """ "this ritual", "these facts", "of that video", "the whole thing", "the first one":
    something that was not introduced."""
    for i, word in enumerate(words):
        after = words[i + 1] if i + 1 < len(words) else ""
        reason = _after_the(words, i, after, known) if "the" in words[max(0, i - 2) : i] else None
        if reason is None and word in ("that's", "this's", "that’s"):
            reason = f"{word!r} pointing back"
        if reason is None and (
            word in DEMONSTRATIVES
            or (
                word == "that"
                and (
                    i == 0
                    or words[i - 1] in _POSTMODIFIERS | {"speaking", ",", "as", "than"}
                    or (words[i - 1] in _AUXILIARIES and words[-1] == "?")  # "How is that…?"
                )
            )
        ):
            reason = _demonstrated(word, i, after, known)
        if (
            reason is None
            and word == "that"
            and i
            and words[i - 1] in _THAT_AS_SUBJECT
            and _kinds(after) & {"VERB", "AUX"}
            # "that comes": a verb; "that process fails": a noun ("that" takes no plural)
            and ("NOUN" not in _kinds(after) or _third_person(after))
        ):
            reason = "'that' pointing back"  # "when that happens", "if that fails"
        if reason:
            return reason
    return None


def _after_the(words: list[str], i: int, after: str, known: frozenset[str]) -> str | None:
    """ "the whole thing", "the first one", "the same" without "as": pointing back."""
    word = words[i]
    if word in ("whole", "entire", "rest"):
        new = after[:1].isalpha() and after not in _FUNCTION | _UNIQUE
        return (
            f"'the {word} {after}' not introduced" if new and _lemma(after) not in known else None
        )
    if word == "one" and i > 1 and words[i - 2] == "the" and words[i - 1] in _ORDINALS:
        return f"'{words[i - 1]} one' pointing back"
    if (
        word == "same"
        and after not in _TIME_NOUNS
        and not {"as", "that"} & set(words[i + 1 : i + 6])
    ):
        return "'the same' without what it is the same as"
    return None


def _demonstrated(word: str, i: int, after: str, known: frozenset[str]) -> str | None:
    """The noun after a demonstrative, unless introduced; or the demonstrative as a pronoun."""
    if not after[:1].isalpha() or after in _FUNCTION:
        # "than this.", "all of this is…", "of that,"; but "that is" / "so that the"
        return (
            f"{word!r} pointing back"
            if word != "that" or i == 0 or not after[:1].isalpha()
            else None
        )
    # The title names a subject: "this interview" may be it, "that interview" is one the
    # text told of before.
    if (word in ("this", "these") and _lemma(after) in known) or (
        after in _TIME_NOUNS and (word in ("this", "that") or after == "days")
    ):
        return None  # "this year", "these days"; but "during these months" points back
    if "NOUN" not in _kinds(after) and "ADJ" not in _kinds(after):
        return f"{word!r} pointing back" if word != "that" else None  # "this means"
    return f"'{word} {after}' not introduced"


def _definite_subject(tokens: list[str], words: list[str], known: frozenset[str]) -> str | None:
    """ "The company said…": a definite subject whose noun the reader has not met; "The
    fourth command…", "The final thread…": one of a series the text before went through."""
    start = _subject_start(words)
    if start is None:
        return None
    if words[start + 1 : start + 2] and words[start + 1] in _SERIES:
        after = words[start + 2 : start + 3]
        if after and after[0] not in _TIME_NOUNS and after[0][:1].isalpha():
            return f"'the {words[start + 1]} {after[0]}': one of a series named before"
    phrase, end = _noun_phrase(tokens, words, start + 1)
    if not phrase:
        return None
    if any(_names(tokens[j]) is not False for j in phrase) and not (
        _names(tokens[phrase[-1]]) is False  # "The HTML test file": still a file, unnamed
        and "NOUN" in _kinds(tokens[phrase[-1]])
        and all(_names(tokens[j]) is not True for j in phrase)
    ):
        return None  # "The Request interface", "The 18F model": named things
    if end + 1 < len(words) and words[end] in ("and", "or"):
        more, more_end = _noun_phrase(tokens, words, end + 1)  # "The nature and soul of…"
        if more:
            phrase, end = phrase + more, more_end
    nouns = [words[j] for j in phrase]
    if any(_lemma(n) in known or n in _UNIQUE for n in nouns):
        return None
    if end < len(words) and (words[end] in _POSTMODIFIERS or _participle_by(words, end)):
        return None  # "The idea behind code coverage…": it says which
    return f"'the {' '.join(nouns)}' not introduced"


def _names(token: str) -> bool | None:
    """True for a name ("Request", "18F"), None for an acronym ("HTML": a name, or a kind of
    thing when a common noun follows it), False for a common word."""
    if any(c.isdigit() for c in token):
        return True
    if len(token) > 1 and token.isupper():
        return None
    return token[:1].isupper()


def _subject_start(words: list[str]) -> int | None:
    """Where "the" opens the subject: first word, after an auxiliary ("Is the data…?"),
    in a leading subordinate or purpose clause ("When I first read the question, …", "To
    run the script, …"), or after a short leading phrase and comma."""
    if words[0] == "the":
        return 0
    if words[0] in _AUXILIARIES and words[1:2] == ["the"]:
        return 1
    leading = words[0] in _SUBORDINATORS or words[0] == "to" or words[:3] == _IN_ORDER_TO
    if leading and "the" in words[:7]:  # "In order to run the script automatically, …"
        the = words.index("the")
        if "," not in words[:the]:
            return the
    if "," in words[:7]:
        comma = words.index(",")
        if comma + 1 < len(words) and words[comma + 1] == "the":
            return comma + 1
    return None


def _noun_phrase(tokens: list[str], words: list[str], i: int) -> tuple[list[int], int]:
    """Indexes of the adjectives and nouns from `i` on ("next year", "corresponding
    footnote"), and the index where the phrase ends."""
    phrase: list[int] = []
    while i < len(words) and len(phrase) < 4:
        word = words[i]
        if not word[:1].isalpha() or word in _FUNCTION or word in _POSTMODIFIERS:
            break
        kinds = _kinds(tokens[i])
        modifier = (  # "the corresponding footnote", "the third sentence"
            (not phrase or word.endswith(("ing", "ed")))
            and i + 1 < len(words)
            and ("NOUN" in _kinds(tokens[i + 1]))
        )
        if not ({"NOUN", "ADJ", "PROPN"} & kinds or modifier or not kinds):
            break
        if (
            phrase
            and "VERB" in kinds
            and "NOUN" in kinds
            and words[i - 1] != "and"
            and (
                word.endswith("s")
                or (i + 1 < len(words) and words[i + 1] in _FUNCTION - _POSTMODIFIERS)
            )
        ):
            break  # "The study shows", "The mob is": a verb, after the noun
        phrase.append(i)
        i += 1
    return phrase, i


def _participle_by(words: list[str], i: int) -> bool:
    return words[i].endswith("ed") and i + 1 < len(words) and words[i + 1] == "by"
