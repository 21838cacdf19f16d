"""Whether a passage stands alone: its whole opening read, not only its first word.

`dependence(parts, title, language)` names why a passage needs the text before it, or
returns None when it reads alone. A post is read without the article around it, so the
passage must not lean on anything the reader has not seen:

- a discourse opener ("However,", "Anyway,", "Yes,", "Still,", "Enter …", "Presumably,"),
  a short reaction that answers the sentence before ("Uncool.", "Pretty neat, huh?"), or
  an answer whose verb the question before supplies ("I really don't know.");
- a comparison with, or an addition to, what came before ("go one step further", "A
  similar mistake…", "The study also found…");
- a pronoun before any named subject ("If it's large enough, …", "You can see his …"), or
  "he"/"she" after plural nouns only ("I ask a few questions, meanwhile he…");
- a definite or demonstrative noun phrase whose noun the passage and the title do not
  introduce ("The company said…", "The next year, …", "Speaking of that video, …"), unless
  the phrase carries its own description ("The idea behind code coverage is…");
- a reference to a figure or chart it does not show ("The following chart…", "(red)"), or
  to the text above ("the guys above", "we've already established", in any sentence);
- a quotation with no speaker.

The noun-phrase rules need to know which words can be nouns and what a word's lemma is:
that comes from lemminflect's English lexicon (`bot.excerpt.lexicon`). They, the pronoun
and the figure rules are English; openers, "also" and demonstratives are listed for the
languages below, so any other language is held to the language-neutral rules only (see
`debris`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.excerpt.lexicon import kinds as _kinds
from bot.excerpt.lexicon import lemma as _lemma
from bot.excerpt.lexicon import lemmas as _lemmas
from bot.excerpt.openers import ALSO, BACK_POINTERS, FORWARD_WORDS, POINTING, POINTING_WORDS
from bot.excerpt.openers import OPENERS as _OPENERS
from bot.excerpt.openers import UNSPACED as _UNSPACED

_LEAD = "\"'“‘«„([¿¡ "
_TOKEN = re.compile(r"[^\W_](?:[\w'’.-]*[^\W_])?|[,;:—–()\"“”]|\S", re.UNICODE)


# English: third-person pronouns that need a named subject before them.
_PRONOUNS = frozenset(
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
_DEMONSTRATIVES = frozenset({"this", "these", "those"})
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
_TIME_NOUNS = frozenset(
    "year years month months week weeks morning afternoon evening night day days time "
    "century decade season summer winter spring autumn fall moment weekend post article "
    "blog essay site page way".split()
)
# Phrases that point back at what the article said before.
_BACK_REFERENCE = re.compile(
    r"\b(?:since then|by then|until then|as (?:i|we) (?:said|mentioned|noted|discussed)|"
    r"as (?:i|we) saw (?:earlier|above|before|previously)|"
    r"(?:we|you) (?:saw|have seen|'ve seen|discussed) (?:that|how|earlier|above|before)|"
    r"(?:mentioned|described|discussed|explained|shown|noted|pointed out|covered|introduced|"
    r"defined) (?:above|earlier|before|"
    r"previously)|the above|see above|in question|(?:i|we) (?:mentioned|said|wrote) "
    r"(?:earlier|before|above|that)|where (?:i|we) (?:mentioned|said)|"
    r"already (?:mention(?:ed|'d|’d)|said|noted|described|explained|discussed|established|"
    r"seen|covered|shown|talked about|looked at)|"
    # "From the example in the previous section", "as in the last step".
    r"(?:the|this|that) (?:previous|preceding|earlier|last|above) (?:section|chapter|"
    r"paragraph|example|step|part|point|figure|list|snippet)s?|"
    # "All three of the guys above have…", "the ones below."
    r"(?:the|these|those)(?:\s+[a-z]+){1,3}\s+(?:above|below)(?=\s*[,.;:!?)]|\s+(?:have|has|had|"
    r"is|are|was|were|will|would|can|could|do|does|did|show|shows|showed|know|knew|say|said|"
    r"agree|agreed|wrote|write)\b))(?!\w)",
    re.IGNORECASE,
)
# "…go one step further", "A similar absurdity…": further than, or like, what the text
# before described.
_COMPARED = {
    "en": re.compile(
        r"\b(?:go|goes|went|going|take|takes|took|taking)\s+(?:it\s+|this\s+|that\s+)?"
        r"(?:(?:one|a)\s+)+steps?\s+further\b(?!\s+than)|^(?:a|an)\s+similar\s+[a-z]+\b(?!\s+to\b)"
        # "There are other great things…": others than those the text before named.
        r"|^there\s+(?:are|were|is|was)\s+(?:(?:many|some|a\s+few|several|plenty\s+of|lots\s+of)\s+)?"
        r"other\b",
        re.IGNORECASE,
    ),
    "es": re.compile(
        r"^(?:un|una|unos|unas)\s+\w+\s+similar(?:es)?\b|\b(?:algo|de forma|de manera|de modo) "
        r"similar\b|\bdel mismo modo\b",
        re.IGNORECASE,
    ),
}
# "I really don't know.", "Of course they aren't.": a short answer whose verb is left for
# the question before to supply; not "That's just who we are." (a clause of its own).
_ELLIPTICAL = re.compile(
    r"(?<!\bwho )(?<!\bwhat )(?<!\bwhere )(?<!\bhow )(?<!\bwhy )(?<!\bwhen )(?<!\bif )"
    r"(?<!\bas )(?<!\bthan )(?<!\bthat )(?<!\bwhether )"
    r"\b(?:i|you|we|they|he|she|it)\s+(?:[a-z]+ly\s+|really\s+|just\s+|still\s+)?"
    r"(?:(?:do|does|did|is|are|was|were|can|could|will|would|should|have|has|had)"
    r"(?:n't|\s+not)?|won't|can't)(?:\s+know)?\s*[.!?]+$",
    re.IGNORECASE,
)
_ELLIPTICAL_WORDS = 8
# "Just type one of these.": the passage ends by pointing at what it does not show.
_FORWARD = re.compile(
    r"\b(?:this|these|the following|below|as follows|like so|here)\s*[.:]['\")]*$",
    re.IGNORECASE,
)
# "The most pressing issue, however, was…", "I had that feeling too.": tied to what came
# before even when not at the start.
_INSERTED_CONNECTIVE = re.compile(
    r",\s*(?:however|though|therefore|instead|in turn|nevertheless|nonetheless|then|also|"
    r"moreover|again|as well|too|in fact|of course),"
    r"|\s(?:too|as well)[.!?]?['\")]*$",
    re.IGNORECASE,
)
# "Whilst the world is thus dual": a conclusion drawn from what came before.
_CONCLUDING = frozenset({"thus", "hence", "therefore"})
_AUXILIARIES = frozenset(
    "is are was were do does did has have had can will would should could may might must".split()
)
_SUBORDINATORS = frozenset(
    "when if after before since while once because although though until unless whenever as".split()
)
_FIGURE = re.compile(
    r"\((?:red|blue|green|orange|yellow|purple|pink|grey|gray|black|white|left|right|top|"
    r"bottom|above|below|pictured|see (?:above|below|figure|fig\.?|chart|table|image)[^)]*)\)"
    r"|\b(?:the|this|these) (?:following|above|below|next) (?:chart|graph|figure|table|"
    r"diagram|image|picture|photo|screenshot|illustration|plot|map|example|snippet|code|"
    r"list|output|video)s?\b"
    r"|\b(?:in|on|from) (?:the|this|that) (?:chart|graph|figure|table|diagram|image|"
    r"picture|photo|screenshot|illustration|plot|map|video)\b"
    r"|\bas (?:you can see|can be seen|seen|shown|illustrated|pictured)\b"
    r"|\b(?:shown|pictured|illustrated|listed) (?:above|below|here)\b",
    re.IGNORECASE,
)
_FIGURE_END = re.compile(r"\b(?:shown|pictured|illustrated|listed|seen|below|above)[:.]?$", re.I)
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|writes|wrote|asked|asks|told|tells|according to|recalls|recalled|"
    r"explains|explained|argued|argues|notes|noted|replied|answered|added|declared|"
    r"put it)\b|[—–―]\s*[A-Z]",
)
_QUOTE_OPEN = "\"“„«‘'"


def dependence(parts: tuple[str, ...], title: str, language: str | None) -> str | None:
    """Why the passage made of the sentences `parts` needs the text before it, or None."""
    first = parts[0].lstrip()
    lang = language or "en"
    if lang == "en" and (any(map(_shows_figure, parts)) or _FIGURE_END.search(parts[-1])):
        return "figure reference"
    reason = _first_sentence(first, title, lang)
    if reason:
        return reason
    if len(parts) > 1 and _is_reaction(first):
        return "reaction"
    if lang == "en" and any(map(_refers_back, parts[1:])):
        return "refers back"
    if first.lstrip("([ ")[:1] in _QUOTE_OPEN and not any(map(_attributed, parts)):
        return "quotation without a speaker"
    if lang == "en" and _points_forward(parts[-1]):
        return "points at what follows"
    if lang == "en":
        for k in range(1, len(parts)):
            reason = _labelling_demonstrative(parts[k], _lemmas(" ".join((title, *parts[:k]))))
            if reason:
                return reason
    return None


@lru_cache(maxsize=16384)
def _labelling_demonstrative(part: str, known: frozenset[str]) -> str | None:
    """ "It has been taught by this colossal symbol…" after a sentence that names no symbol:
    a demonstrative, an adjective and a noun re-label what came before the passage."""
    words = [t.lower() for t in _TOKEN.findall(part)]
    for i, word in enumerate(words[:-2]):
        adjective, noun = words[i + 1], words[i + 2]
        if (
            word in _DEMONSTRATIVES
            and _kinds(adjective) & {"ADJ", "NOUN"} == {"ADJ"}
            and "NOUN" in _kinds(noun)
            and _lemma(noun) not in known
        ):
            return f"'{word} {adjective} {noun}' not introduced"
    return None


# Remembered per sentence: a sentence opens up to MAX_RUN candidate passages.
@lru_cache(maxsize=16384)
def _first_sentence(first: str, title: str, lang: str) -> str | None:
    reason = _opener(first, lang) or _compared_or_added(first, lang)
    if reason:
        return reason
    if lang != "en":
        return _pointing_word(first, lang) or _back_pointer(first, lang)
    words = [t.lower() for t in _TOKEN.findall(first.lstrip(_LEAD))]
    clause = words[: words.index(",")] if "," in words else words
    if "also" in clause[:12]:  # "Some of the people in the community also knew…"
        return "'also': an addition to what came before"
    for i, word in enumerate(words):
        if word in _CONCLUDING and (i == 0 or words[i - 1] not in ("and", "or", ",")):
            return f"{word!r}: a conclusion from what came before"
    if "," in words[:8]:  # "Thanks to DRM, it comes with…": the subject is a pronoun
        after = words.index(",") + 1
        if after < len(words) and words[after] in _PRONOUNS | _DEMONSTRATIVES and not (
            _expletive(words, after)
        ):
            return f"{words[after]!r} before any named subject"
    if _BACK_REFERENCE.search(first) or _INSERTED_CONNECTIVE.search(first):
        return "refers back"
    if _elliptical(first):
        return "an answer whose verb is left out"
    if "still" in first.lower().split()[1:4]:
        return "'still': a continuation"
    # The sentences after the first may lean on it: "Acme builds rockets. The company said…"
    return _english_sentence(first, _lemmas(title))


def _compared_or_added(first: str, lang: str) -> str | None:
    """ "A similar absurdity…", "The study also found…": like, or more than, what the text
    before said."""
    compared = _COMPARED.get(lang)
    if compared and compared.search(first.lstrip(_LEAD)):
        return "compares with what came before"
    also = ALSO.get(lang)
    if also and also in first.lower().split()[:4]:
        return f"{also!r}: an addition to what came before"
    return None


def _elliptical(first: str) -> bool:
    plain = first.replace("’", "'")
    return len(plain.split()) <= _ELLIPTICAL_WORDS and bool(_ELLIPTICAL.search(plain))


@lru_cache(maxsize=16384)
def _refers_back(part: str) -> bool:
    return bool(_BACK_REFERENCE.search(part))


@lru_cache(maxsize=16384)
def _attributed(part: str) -> bool:
    return bool(_ATTRIBUTION.search(part))


@lru_cache(maxsize=16384)
def _points_forward(part: str) -> bool:
    return bool(_FORWARD.search(part))


@lru_cache(maxsize=16384)
def _shows_figure(part: str) -> bool:
    return bool(_FIGURE.search(part))


@lru_cache(maxsize=8192)
def _opener(sentence: str, language: str) -> str | None:
    text = sentence.lstrip(_LEAD).lower()
    if language in _UNSPACED:
        for opener in _OPENERS.get(language, ()):
            if text.startswith(opener):
                return f"opens with {opener!r}"
        return None
    pattern = _opener_pattern(language)
    if pattern is None:
        return None
    match = pattern.match(text)
    return f"opens with {match[0]!r}" if match else None


@lru_cache(maxsize=32)
def _opener_pattern(language: str) -> re.Pattern[str] | None:
    openers = _OPENERS.get(language)
    return re.compile(rf"(?:{_any_of(openers)})(?![\w-])", re.UNICODE) if openers else None


def _any_of(words: tuple[str, ...]) -> str:
    """A regular expression matching any of `words`, the longest first."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _pointing_word(sentence: str, language: str) -> str | None:
    """A demonstrative in the first sentence: anywhere in a Chinese, Japanese or Korean
    one, as a whole word in a language with spaces."""
    for word in POINTING.get(language, ()):
        if word in sentence:
            return f"{word!r} pointing back"
    spaced = POINTING_WORDS.get(language)
    if spaced:
        tokens = _TOKEN.findall(sentence)
        noun, clause = FORWARD_WORDS.get(language, ("", ""))
        for i, token in enumerate(tokens):
            if token.lower() not in spaced:
                continue
            if tokens[i + 1 : i + 2] == [noun] and clause in tokens[i + 2 :]:
                continue
            return f"{token!r} pointing back"
    return None


def _back_pointer(sentence: str, language: str) -> str | None:
    """ "先に挙げたような…", "lo mencionado anteriormente": a pointer at the text before."""
    pattern = _back_pointer_pattern(language)
    match = pattern.search(sentence.lower()) if pattern else None
    return f"{match[0]!r} refers back" if match else None


@lru_cache(maxsize=32)
def _back_pointer_pattern(language: str) -> re.Pattern[str] | None:
    words = BACK_POINTERS.get(language)
    if not words:
        return None
    if language in _UNSPACED:
        return re.compile(_any_of(words))
    return re.compile(rf"(?<!\w)(?:{_any_of(words)})(?!\w)")


def _is_reaction(sentence: str) -> bool:
    """ "Uncool.", "Yessir!", "Pretty neat, huh?": a few words answering what came before."""
    words = sentence.split()
    return len(words) <= 3 and sentence.rstrip("\"'”’)")[-1:] in ".!?"


@lru_cache(maxsize=8192)
def _english_sentence(sentence: str, known: frozenset[str]) -> str | None:
    tokens = _TOKEN.findall(sentence.lstrip(_LEAD))
    if not tokens:
        return None
    words = [t.lower() for t in tokens]
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
    plural_only = False
    for i, word in enumerate(words):
        if word in _PRONOUNS and not _expletive(words, i) and not _cataphora(words, i):
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


def _plural(noun: str) -> bool:
    return noun.endswith("s") and _lemma(noun) != noun and noun not in _COLLECTIVE


def _opening_noun(word: str) -> bool:
    kinds = _kinds(word)
    return word not in _FUNCTION | _PRONOUNS and ("NOUN" in kinds or not kinds)


def _cataphora(words: list[str], i: int) -> bool:
    """A possessive in a leading phrase, the subject after its comma: "Despite their role,
    cytokines…"."""
    if words[i] not in _POSSESSIVES or "," not in words[i:8]:
        return False
    after = words[words.index(",", i) + 1 : words.index(",", i) + 2]
    return bool(after) and after[0][:1].isalpha() and after[0] not in _PRONOUNS | _FUNCTION


def _expletive(words: list[str], i: int) -> bool:
    if words[i] not in ("it", "it's"):
        return False
    after = words[i + 1 : i + 10]
    if not after or after[0] not in _EXPLETIVE_VERBS:
        return False
    for word in after[1:]:
        if word in _EXPLETIVE_TARGETS:
            return True
        if word in _CLAUSE_BREAKS:  # "it was exciting because …": "it" is something
            return False
    return False


# After these, "that" and a verb is a pronoun, not "that" introducing a clause.
_THAT_AS_SUBJECT = frozenset("when if because unless until once whenever and but".split())
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
            word in _DEMONSTRATIVES
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
        if reason is None and word == "that" and i and words[i - 1] in _THAT_AS_SUBJECT and (
            _kinds(after) & {"VERB", "AUX"} and "NOUN" not in _kinds(after)
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
    """ "The company said…": a definite subject whose noun the reader has not met."""
    start = _subject_start(words)
    if start is None:
        return None
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
        more, end = _noun_phrase(tokens, words, end + 1)  # "The nature and soul of things"
        phrase += more
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
    in a leading subordinate clause ("When I first read the question, …"), or after a short
    leading phrase and comma."""
    if words[0] == "the":
        return 0
    if words[0] in _AUXILIARIES and words[1:2] == ["the"]:
        return 1
    if words[0] in _SUBORDINATORS and "the" in words[:7]:
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
