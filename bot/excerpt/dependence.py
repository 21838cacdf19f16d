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
- a quotation with no speaker (its own words aside), a line of dialogue (opened by a dash),
  or a story's dialogue (said by "she", to "me", "…”小李又道。");
- capital letters that stand for what the article defined ("if A and B hold, C…"), and
  "in this case" in the first sentence.

The pronoun and noun-phrase rules of an English first sentence are in `bot.excerpt.english`
(with lemminflect's lexicon: which words can be nouns, and their lemmas). They and the
figure rules are English; openers, "also" and demonstratives are listed for the
languages below, so any other language is held to the language-neutral rules only (see
`debris`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.excerpt.english import (
    DEMONSTRATIVES,
    LEAD,
    PRONOUNS,
    TOKEN,
    english_sentence,
    expletive,
)
from bot.excerpt.lexicon import kinds as _kinds
from bot.excerpt.lexicon import lemma as _lemma
from bot.excerpt.lexicon import lemmas as _lemmas
from bot.excerpt.openers import ALSO, BACK_POINTERS, FORWARD_WORDS, POINTING, POINTING_WORDS
from bot.excerpt.openers import OPENERS as _OPENERS
from bot.excerpt.openers import UNSPACED as _UNSPACED

# Phrases that point back at what the article said before.
_BACK_REFERENCE = re.compile(
    r"\b(?:since then|by then|until then|as (?:i|we) (?:said|mentioned|noted|discussed)|"
    r"as (?:i|we) saw (?:earlier|above|before|previously)|"
    r"(?:we|you) (?:saw|have seen|'ve seen|discussed) (?:that|how|earlier|above|before)|"
    r"(?:mentioned|described|discussed|explained|shown|noted|pointed out|covered|introduced|"
    r"defined) (?:above|earlier|before|"
    r"previously)|the above|see above|in question|(?:as|like) (?:i|we) (?:pointed out|noted)|"
    r"(?:i|we) (?:mentioned|said|wrote) "
    r"(?:earlier|before|above|that)|where (?:i|we) (?:mentioned|said)|"
    # "But this time we took the train" (not "at this time", "this time of year"); "Time
    # for a quick aside".
    r"(?<!at )this time(?! of\b)|(?:a|an|one) (?:(?:quick|short|brief|small|little) )?aside\b|"
    # "I've got to say it again".
    r"(?:say|said|saying|do|did|doing|happen|happened|happens) (?:it |this |that |so )?again|"
    r"already (?:mention(?:ed|'d|’d)|said|noted|described|explained|discussed|established|"
    r"seen|covered|shown|talked about|looked at)|"
    # "From the example in the previous section", "as in the last step".
    r"(?:the|this|that|my) (?:previous|preceding|earlier|last|above) (?:section|chapter|"
    r"paragraph|example|step|part|point|figure|list|snippet|post|article|entry|episode)s?|"
    # "All three of the guys above have…", "the ones below."
    r"(?:the|these|those)(?:\s+[a-z]+){1,3}\s+(?:above|below)(?=\s*[,.;:!?)]|\s+(?:have|has|had|"
    r"is|are|was|were|will|would|can|could|do|does|did|show|shows|showed|know|knew|say|said|"
    r"agree|agreed|wrote|write)\b))(?!\w)",
    re.IGNORECASE,
)
# In a first sentence (a later one may lean on the passage's own first): "What is a
# successful analysis in this case?", "I felt the natural next step was…", "Advocates call
# my suggestions unrealistic", "I'm not talking about…", "For my second painting, …".
_FIRST_LEANS = re.compile(
    r"\bin (?:this|that|such an?|either|which) (?:case|situation|scenario)\b"
    r"|\bnext step\b"
    r"|\bmy (?:suggestions?|proposals?|arguments?|points?|answers?|reaction|solution|"
    r"recommendations?|claims?|thesis|conclusions?)\b(?!\s+(?:is|are|was|were|"
    r"for|on|about|of)\b)"
    r"|\b(?:i'm|i’m|i am) not (?:talking about|saying|suggesting|arguing)\b"
    r"|\b(?:my|our|his|her|their|your) (?:second|third|fourth|fifth|sixth|seventh|eighth|"
    r"ninth|tenth|final|remaining) (?!(?:year|years|month|week|day|time|grade|language|"
    r"child|son|daughter|book|novel|album|marriage|wife|husband)\b)[a-z]+",
    re.IGNORECASE,
)
# Russian and Ukrainian personal pronouns early in a first sentence ("Если объединить его с
# работой…"): someone or something the text before named.
_EARLY_PRONOUNS = {
    "ru": frozenset("он она оно они его её ее их ему ей им него неё нее них нему ней".split()),
    "uk": frozenset("він вона воно вони його її їх йому їй їм нього неї них ньому ній".split()),
}
_EARLY = 4
# "…go one step further", "A similar absurdity…", "I wonder if a similar process…": further
# than, or like, what the text before described.
_COMPARED = {
    "en": re.compile(
        r"\b(?:go|goes|went|going|take|takes|took|taking)\s+(?:it\s+|this\s+|that\s+)?"
        r"(?:(?:one|a)\s+)+steps?\s+further\b(?!\s+than)"
        r"|\b(?:a|an)\s+similar\s+[a-z]+\b(?!\s+to\b)"
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
# "Después vino…", "Depois fomos…": afterwards, after what came before; not "Después de
# años…" ("after years…"), a clause of its own.
_AFTERWARDS = {
    "es": re.compile(r"después(?![\w-])(?!\s+de\b)", re.IGNORECASE),
    "pt": re.compile(r"depois(?![\w-])(?!\s+d[aeo]s?\b)", re.IGNORECASE),
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
    # "Containers on the other hand are not…"
    r"|\bon the other hand\b"
    r"|\s(?:too|as well)[.!?]?['\")]*$"
    # "We met Kevin though, he…" (not "even though", "as though").
    r"|(?<!even)(?<!\bas)\s(?:tho|though),",
    re.IGNORECASE,
)
# "We then headed to the lake", "I then have two more documents": the next step of a
# story or a list the text before began.
_THEN = re.compile(r"(?:i|we|he|she|they|you)\s+then\b", re.IGNORECASE)
# A line of dialogue ("– Mas não é possível."): a dash opens it in Portuguese, Spanish,
# Italian, French or Russian prose; out of its scene, nobody is speaking.
_DIALOGUE = "–—―"
# "Whilst the world is thus dual": a conclusion drawn from what came before.
_CONCLUDING = frozenset({"thus", "hence", "therefore"})
_FIGURE = re.compile(
    r"\((?:red|blue|green|orange|yellow|purple|pink|grey|gray|black|white|left|right|top|"
    r"bottom|above|below|pictured|see (?:above|below|figure|fig\.?|chart|table|image)[^)]*)\)"
    r"|\b(?:the|this|these) (?:following|above|below|next) (?:chart|graph|figure|table|"
    r"diagram|image|picture|photo|screenshot|illustration|plot|map|example|snippet|code|"
    r"list|output|video)s?\b"
    r"|\b(?:in|on|from) (?:the|this|that) (?:chart|graph|figure|table|diagram|image|"
    r"picture|photo|screenshot|illustration|plot|map|video)\b"
    r"|\bas (?:you can see|can be seen|seen|shown|illustrated|pictured)\b"
    r"|\b(?:shown|pictured|illustrated|listed) (?:above|below|here)\b"
    r"|\b(?:below|above|here) (?:is|are) (?:a|an|the|some) (?:chart|graph|figure|table|"
    r"diagram|image|picture|photo|screenshot|illustration|plot|map|video)",
    re.IGNORECASE,
)
_FIGURE_END = re.compile(r"\b(?:shown|pictured|illustrated|listed|seen|below|above)[:.]?$", re.I)
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|writes|wrote|asked|asks|told|tells|according to|recalls|recalled|"
    r"explains|explained|argued|argues|notes|noted|replied|answered|added|declared|"
    r"put it)\b|[—–―]\s*[A-Z]",
)
_QUOTE_OPEN = "\"“„«‘'"
# "精通者：有整体的思维…": a list's item, opened by its short label and a colon.
_CJK_LABEL = re.compile(r"[^\s，。：:、「」“”]{1,6}[：:]")
# Who said a quotation, in Chinese and Japanese: "…”鲁迅说。", "…」と語った。".
_CJK_ATTRIBUTION = re.compile(r"说|道|问|答|称|写|表示|指出|认为|曰|と言|と語|と述べ|と書|と話")
# A quotation's own words, left out when looking for who said it ("“I always say…”" names
# no speaker).
_QUOTED = re.compile(r"[\"“„«「『][^\"”“»」』]*[\"”“»」』]")
# Who says a line of dialogue in a story: "…,” she said.", "「…」阿虎对我说。".
_STORY_SPEAKER = {
    "en": re.compile(r"\b(?:he|she|they|him|her|me|us)\b", re.IGNORECASE),
    "zh": re.compile(r"[我他她]"),
    "ja": re.compile(r"(?:私|僕|俺|彼|彼女)"),
}
_SENTENCE_END = re.compile(r"[.!?。！？]")
# "…”晶晶妈又道。": fiction's verb for speech (not "知道", "to know").
_NARRATED = re.compile(r"(?<![知味难])道|说完")
# "is X correlated with Y?", "components A, B, and C": capital letters standing for what the
# article defined before. Not "Plan B", "vitamins C and D", "from A to Z", "A/B", "C++".
_LETTER = re.compile(r"(?<![\w./+#&'’-])[A-HJ-Z](?![\w./+#&'’-])")
_LETTERED = frozenset(
    "plan plans vitamin vitamins type types part parts appendix exhibit grade grades class "
    "classes section sections row rows column columns option options model size category "
    "hepatitis channel gate terminal wing block building point points group groups team "
    "level tier series".split()
)
_DEFINED_LETTER = re.compile(r"\b(?i:let|suppose|say|call|called|denote|denoted|where)\s+[A-Z]\b")
_FROM_TO = re.compile(r"\bfrom [A-Z] to [A-Z]\b")


# "Luckily, that was…": "that" as the subject.
_THAT_VERBS = (["was"], ["is"], ["'s"], ["would"], ["will"], ["has"], ["had"], ["seems"])
# German "Die kann…", "Die beiden haben…": an article that no noun follows (German nouns
# are capitalised; an adjective would be followed by one) stands for something named before.
_GERMAN_PRONOUN = re.compile(r"(?:Der|Die|Das|Dem|Den|Deren|Dessen)\s+[a-zäöüß]+\s+[^\sA-ZÄÖÜ]")


def dependence(parts: tuple[str, ...], title: str, language: str | None) -> str | None:
    """Why the passage made of the sentences `parts` needs the text before it, or None."""
    first = parts[0].lstrip()
    lang = language or "en"
    reason = _line_kind(first, lang)
    if reason:
        return reason
    if lang == "en" and (any(map(_shows_figure, parts)) or _FIGURE_END.search(parts[-1])):
        return "figure reference"
    reason = _first_sentence(first, title, lang)
    if reason:
        return reason
    if len(parts) > 1 and _is_reaction(first):
        return "reaction"
    if lang == "en" and any(map(_refers_back, parts[1:])):
        return "refers back"
    reason = _quotation(parts, lang)
    if reason:
        return reason
    if _placeholders(parts):
        return "letters that stand for what was defined before"
    if lang == "en" and _points_forward(parts[-1]):
        return "points at what follows"
    if lang == "en":
        for k in range(1, len(parts)):
            reason = _labelling_demonstrative(parts[k], _lemmas(" ".join((title, *parts[:k]))))
            if reason:
                return reason
    return None


def _line_kind(first: str, lang: str) -> str | None:
    """A line of dialogue, or an item of a list, by how it opens."""
    if first[:1] in _DIALOGUE:
        return "a line of dialogue"
    if lang in _UNSPACED and _CJK_LABEL.match(first):
        return "an item of a list, by its label"
    return None


def _quotation(parts: tuple[str, ...], lang: str) -> str | None:
    """A passage that opens with a quotation: who says it, and to whom."""
    if parts[0].lstrip("([ ")[:1] not in _QUOTE_OPEN + "「『":
        return None
    if not any(_attributed(part, lang) for part in parts):
        return "quotation without a speaker"
    if _story_dialogue(parts, lang):
        return "a line of dialogue in a story"
    return None


@lru_cache(maxsize=16384)
def _labelling_demonstrative(part: str, known: frozenset[str]) -> str | None:
    """ "It has been taught by this colossal symbol…" after a sentence that names no symbol:
    a demonstrative, an adjective and a noun re-label what came before the passage."""
    words = [t.lower() for t in TOKEN.findall(part)]
    for i, word in enumerate(words[:-2]):
        adjective, noun = words[i + 1], words[i + 2]
        if (
            word in DEMONSTRATIVES
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
    if lang == "de" and _GERMAN_PRONOUN.match(first.lstrip(LEAD)):
        return "a demonstrative pronoun pointing back"
    if lang != "en":
        return (
            _pointing_word(first, lang) or _back_pointer(first, lang) or _early_pronoun(first, lang)
        )
    words = [t.lower().replace("’", "'") for t in TOKEN.findall(first.lstrip(LEAD))]
    clause = words[: words.index(",")] if "," in words else words
    reason = _next_step_or_addition(first, clause)
    if reason:
        return reason
    for i, word in enumerate(words):
        if word in _CONCLUDING and (i == 0 or words[i - 1] not in ("and", "or", ",")):
            return f"{word!r}: a conclusion from what came before"
    if "," in words[:8]:  # "Thanks to DRM, it comes with…": the subject is a pronoun
        after = words.index(",") + 1
        if (
            after < len(words)
            and (
                words[after] in PRONOUNS | DEMONSTRATIVES
                or (words[after] == "that" and words[after + 1 : after + 2] in _THAT_VERBS)
            )
            and not (expletive(words, after))
        ):
            return f"{words[after]!r} before any named subject"
    if (
        _BACK_REFERENCE.search(first)
        or _INSERTED_CONNECTIVE.search(first)
        or _FIRST_LEANS.search(first)
    ):
        return "refers back"
    if _elliptical(first):
        return "an answer whose verb is left out"
    if "still" in first.lower().split()[1:4]:
        return "'still': a continuation"
    # The sentences after the first may lean on it: "Acme builds rockets. The company said…"
    return english_sentence(first, _lemmas(title))


def _next_step_or_addition(first: str, clause: list[str]) -> str | None:
    """ "We then headed to…", "Some of the people in the community also knew…"."""
    if _THEN.match(first.lstrip(LEAD)):
        return "'then': the next step of what came before"
    if "also" in clause[:12]:
        return "'also': an addition to what came before"
    return None


def _compared_or_added(first: str, lang: str) -> str | None:
    """ "A similar absurdity…", "The study also found…", "Después vino…": like, more than,
    or after what the text before said."""
    compared = _COMPARED.get(lang)
    if compared and compared.search(first.lstrip(LEAD)):
        return "compares with what came before"
    afterwards = _AFTERWARDS.get(lang)
    if afterwards and afterwards.match(first.lstrip(LEAD)):
        return "'afterwards': after what came before"
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
def _attributed(part: str, language: str) -> bool:
    attribution = _CJK_ATTRIBUTION if language in _UNSPACED else _ATTRIBUTION
    return bool(attribution.search(_QUOTED.sub(" ", part)))


def _story_dialogue(parts: tuple[str, ...], lang: str) -> bool:
    """A quotation said by "she", said to "me", or (in Chinese) "道": a story's dialogue,
    between people the story introduced."""
    speaker = _STORY_SPEAKER.get(lang)
    if speaker is None:
        return False
    said = _QUOTED.sub(" ", " ".join(parts)).strip()
    said = _SENTENCE_END.split(said, maxsplit=1)[0]  # the quotation's own attribution
    return bool(speaker.search(said) or (lang == "zh" and _NARRATED.search(said)))


def _names_a_kind(after: list[str]) -> bool:
    """A noun after the letter makes it part of a name ("B cells", "X chromosome"); not a
    verb's third person ("X causes Y")."""
    word = after[0].rstrip(",;:.!?)'’\"”") if after else ""
    if not word.isalpha() or not word.islower():
        return False
    kinds = _kinds(word)
    return "NOUN" in kinds and not (word.endswith("s") and "VERB" in kinds)


def _placeholders(parts: tuple[str, ...]) -> bool:
    """Two or more capital letters used as names ("if A and B hold, C follows")."""
    letters = set()
    for part in parts:
        if _DEFINED_LETTER.search(part):
            return False
        part = _FROM_TO.sub(" ", part)
        for match in _LETTER.finditer(part):
            before = part[: match.start()].rstrip()
            if not before or before[-1] in '.!?:;"“‘([{—–':
                continue  # a sentence's "A", an initial
            if before.split()[-1].lower().strip(",") in _LETTERED:
                continue
            if _names_a_kind(part[match.end() :].split()[:1]):
                continue  # "T cells", "the C language"
            letters.add(match[0])
    return len(letters) >= 2


@lru_cache(maxsize=16384)
def _points_forward(part: str) -> bool:
    return bool(_FORWARD.search(part))


@lru_cache(maxsize=16384)
def _shows_figure(part: str) -> bool:
    return bool(_FIGURE.search(part))


@lru_cache(maxsize=8192)
def _opener(sentence: str, language: str) -> str | None:
    text = sentence.lstrip(LEAD).lower()
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
        tokens = TOKEN.findall(sentence)
        noun, clause = FORWARD_WORDS.get(language, ("", ""))
        for i, token in enumerate(tokens):
            if token.lower() not in spaced:
                continue
            if tokens[i + 1 : i + 2] == [noun] and clause in tokens[i + 2 :]:
                continue
            return f"{token!r} pointing back"
    return None


def _early_pronoun(sentence: str, language: str) -> str | None:
    pronouns = _EARLY_PRONOUNS.get(language)
    if not pronouns:
        return None
    for token in TOKEN.findall(sentence)[:_EARLY]:
        if token.lower() in pronouns:
            return f"{token!r} before any named subject"
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
