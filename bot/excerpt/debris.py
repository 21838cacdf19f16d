"""Passages that are not prose worth quoting: markup, markers and broken pieces.

`debris(text)` names what makes a passage debris, or returns None. These rules hold in
every language: they look at markup, punctuation and letter case, not at words.

- template and markup residue: Hugo/Jekyll shortcodes (`{{< … >}}`, `{% … %}`), footnote
  references (`[^1]`), TeX (`$x^2$`, `\\frac{…}`);
- Markdown's emphasis markers left in the text when the parser could not pair them, and a
  hole where a link that was its own address was removed ("my blog: , and");
- footnote and citation markers in the text ("[12]", "[citation needed]") and the lines of
  a reference list ("^ …", "↑ …", "Retrieved 2014-04-05", "Archived from the original",
  "Cruz, M. A. (2018). …");
- a piece that cannot open a sentence (", and then…", a lower-case common word in a script
  with letter case) or does not end one (no final punctuation, or a colon that announces
  what the post does not show).

A Chinese narrative line that ends on a bare verb of speech ("…，说。") announces what
someone says in the paragraph after it.

Some rules read English words: a call to action or a contact line ("If you'd like to help,
sign up…", "drop me a line"), a question to the reader that the text after it answers
("Need to tag some mp3s?"), a passage that ends by counting what the text after it lists
("…comes in four parts."). A sentence that opens with a gerund and has no finite verb
of its own ("Allowing participants to use the space to discuss whatever is on their mind.")
is a phrase left without its clause (`headless_gerund`); a sentence that is one
conjunction ("But.", "BUT.") is a cliff-hanger whose other half is in the text after; and
lines of verse run into one sentence ("manly blood The surging sea outweighs") lost the
line breaks that made them verse.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from bot.excerpt.lexicon import lemma_as
from bot.excerpt.shorten import CLAUSE_OPENERS

_MARKUP = re.compile(
    r"\{\{[<%]|[>%]\}\}|\{%|%\}|\{\{\s*[\w.]+\s*\}\}|\]\((?:#|https?:|/)|\[\^[^\]]*\]|\\(?:frac|sum|int|mathrm|leq|geq|cdot|alpha|beta|"
    r"sqrt|left|right|text|times)\b|\$[^$\s][^$]*[\\^_{}][^$]*\$"
)
_MARKERS = re.compile(
    r"\[(?:\d{1,3}(?:[-–,]\d{1,3})*|citation needed|clarification needed|"
    r"when\?|who\?|according to whom\?|by whom\?|dubious[^\]]*|better source needed|"
    r"note \d+|nb \d+)\]",
    re.IGNORECASE,
)
_REFERENCE_LINE = re.compile(
    r"^(?:\^|↑|\[\d+\])\s|\b(?:Retrieved|[Aa]ccessed) (?:on )?(?:\d{4}-\d\d-\d\d|\d{1,2} \w+ "
    r"\d{4}|\w+ \d{1,2}, \d{4})|\bArchived from the original\b|\bdoi:\s*10\."
    r"|\bISBN[- ](?:1[03])?[:\s]"
)
_PROMOTION = re.compile(
    r"^\(?(?:read more|see more|read also|related|subscribe|sign up|follow us)\b"
    r"|^(?:p\.\s?s\.|ps:)",  # a postscript, in any language
    re.IGNORECASE,
)
# An entry of a bibliography: "Cruz Saco, M. A., Seminario, B. (2018). La desestructuración…"
# (authors' surnames and initials, then the year in brackets).
_CITATION = re.compile(
    r"^[^\W\d_][\w'’-]*(?: [^\W\d_][\w'’-]*){0,3}, (?:[A-Z]\.[ -]?){1,3}[^()]{0,300}"
    r"\((?:1[6-9]|20)\d\d[a-z]?\)"
)
# "…直看了一眼晶晶妈，说。": a Chinese narrative line that announces what someone says (in
# the next paragraph) with a bare verb of speech; not "…，不知道。" ("don't know").
_SPEECH_FOLLOWS = re.compile(
    r"[，,][^，,。！？]{0,3}(?<![知味难听小据虽再传学演])[说道问答喊][。.]?$"
)
# Emphasis markers the Markdown parser could not pair ("**分享即提高。**很庆幸…").
_EMPHASIS_LEFT = re.compile(r"\*\*")
# A link whose words were its address, removed: "my own blog: , and then…".
_HOLE = re.compile(r"[:：;；]\s*[,，.。;；]|(?<!\w)[(（]\s*[)）]|[,，]\s*[,，]")
_BAD_START = re.compile(r"^[,;:.)\]}…|/\\]")
# A word in lower case, letters only: a sentence of a cased script never opens with one
# (an identifier such as "iPhone", "clone()" or "_start" may).
_LOWER_WORD = re.compile(r"^[\"'“‘(]*[a-zà-öø-ÿ\u0430-\u045f]+(?:[\s,;:]|$)")
# Where a sentence (or a shortened one) may end, before closing quotes and brackets.
_ENDS = ".!?…。！？｡।॥۔؟"
_CLOSERS = "\"'”’»)]）」』】〉》"


def debris(text: str, *, shortened: bool = False, language: str | None = None) -> str | None:
    """Why `text` is debris rather than a quotable passage, or None."""
    return debris_of((text.strip(),), shortened=shortened, language=language)


def debris_of(
    parts: tuple[str, ...], *, shortened: bool = False, language: str | None = None
) -> str | None:
    """`debris` of the passage made of the sentences `parts` (each looked at once)."""
    for part in parts:
        reason = _inside(part) or (_english(part) if language == "en" else None)
        if reason:
            return reason
    first, last = parts[0].lstrip(), parts[-1].rstrip()
    reason = _start(first)
    if reason:
        return reason
    if first.startswith("(") and last.rstrip(_ENDS + "…")[-1:] == ")":
        return "an aside in parentheses"
    end = last.rstrip(_CLOSERS)[-1:]
    if last.endswith((":", ":--", ":—", "—", "--")) or end in ":：":
        return "announces what follows"
    if _SPEECH_FOLLOWS.search(last):
        return "announces what someone says after it"
    if not shortened and (end not in _ENDS or _ABBREVIATION_END.search(last)):
        return "no sentence end"  # "…par le mal", i.e."
    if language == "en":
        reason = _english_passage(last)
        if reason:
            return reason
    if language == "ko" and _COUNTED_KO.search(last):
        return "counts what the text after it lists"
    if shortened:
        return _cut_short(first, last, language)
    return None


# An abbreviation that announces more: a sentence cannot end on it.
_ABBREVIATION_END = re.compile(r"\b(?:i\.\s?e|e\.\s?g|cf|viz|z\.\s?B|d\.\s?h|p\.\s?ex)\.$")
# "…the politician must negotiate about (1) …; (2) …; and (3)…": the item left out.
_ENUMERATION_CUT = re.compile(r"(?:\(\w{1,3}\)|(?<![\w(])\w{1,2}\)|(?<!\w)\d{1,2}\.)\s*…$")
# Brackets and quotation marks a cut may leave open (German opens with „ and closes with “).
_PAIRS = (("(", ")"), ("[", "]"), ("（", "）"), ("«", "»"), ("「", "」"))
_QUOTES = (("„", "“"), ("“", "”"))
# Languages whose em dashes come in pairs around an aside (Spanish and Portuguese "incisos").
_PAIRED_DASHES = frozenset({"es", "pt"})
# A sentence opening with one of these puts its main clause after the subordinate one.
_SUBORDINATE = {
    # The words that open an English clause (`shorten`) but "where", which opens questions
    # too, and the phrases that open one.
    "en": "|".join(
        sorted(
            CLAUSE_OPENERS - {"where", "wherever"}
            | {"despite", "even though", "given", "instead of", "without"}
        )
    ),
    "de": "als|bevor|da|damit|dass|falls|nachdem|ob|obwohl|seit|sobald|solange|während|weil|"
    "wenn|wie",
    "es": "aunque|antes de que|como|cuando|dado que|después de que|mientras|para que|porque|"
    "puesto que|si|ya que",
    "fr": "alors que|après que|avant que|bien que|comme|lorsque|parce que|pendant que|"
    "pour que|puisque|quand|si",
    "pt": "antes que|como|depois que|embora|enquanto|já que|para que|porque|quando|se|uma vez que",
}
_SUBORDINATE_START = {
    language: re.compile(f"(?:{words})\\b", re.IGNORECASE)
    for language, words in _SUBORDINATE.items()
}


def _cut_short(first: str, last: str, language: str | None) -> str | None:
    """Why a shortened passage is debris: its cut falls inside brackets or a quotation, or
    before the main clause of a sentence that opens with a subordinate one ("If you…, more
    often than not…", "Dass …, …")."""
    if _left_open(last, language):
        return "cut inside brackets or a quotation"
    if _ENUMERATION_CUT.search(last):
        return "cut right after a list's number"
    start = _SUBORDINATE_START.get(language or "")
    if start is not None and start.match(first.lstrip("\"'“‘„«(")):
        return "cut before its main clause"
    return None


def _left_open(text: str, language: str | None = None) -> bool:
    if text.count('"') % 2:
        return True
    if language in _PAIRED_DASHES and text.count("—") % 2:
        return True  # "…por gente que no tiene idea —al igual que quien escribe…"
    quotes = _QUOTES[:1] if "„" in text else _QUOTES[1:]
    return any(text.count(left) > text.count(right) for left, right in _PAIRS + quotes)


@lru_cache(maxsize=16384)
def _inside(part: str) -> str | None:
    if _MARKUP.search(part) or _EMPHASIS_LEFT.search(part):
        return "markup"
    if _HOLE.search(part):
        return "a word left out (a hole between two punctuation marks)"
    if _REFERENCE_LINE.search(part) or _CITATION.match(part):
        return "reference list"
    if _MARKERS.search(part):
        return "footnote marker"
    return None


@lru_cache(maxsize=16384)
def _start(first: str) -> str | None:
    if _PROMOTION.match(first):
        return "promotion"
    if _BAD_START.match(first) or _LOWER_WORD.match(first):
        return "not a sentence start"
    return None


# Finite forms that need the lexicon's help least, and words after which a finite verb
# belongs to a clause inside the sentence ("whatever is at the top of their mind").
_FINITE = frozenset(
    "is are was were am 's 're 'm has have had do does did can could will would shall "
    "should may might must".split()
)
_RELATIVE = frozenset(
    "what whatever which whichever who whoever whom that where wherever when whenever how "
    "why if whether".split()
)
_ENGLISH_WORD = re.compile(r"[A-Za-z]+(?:['’][a-z]+)?|\S")


_LONE_CONJUNCTION = re.compile(r"(?:but|and|so|or|yet|however)[.!?…]+", re.IGNORECASE)


# A capitalised small word right after a word, no punctuation between ("blood The surging
# sea", "kindliness Like daily sunrise"): where a line of verse began.
_LINE_START = re.compile(
    r"(?<=[a-z,;]) (?:The|And|But|Or|Like|A|An|In|On|Of|To|With|From|As|Is|Was|Are|Were|"
    r"Be|Thy|Thou|My|His|Her|Its|Our|Their|That|This|When|Where|While|Which|Who|Than|So)"
    r"(?= [a-z])"
)


# A call to action or a contact line: "If you'd like to help, sign up on the mailing list",
# "drop me a line", "Then, contribute!", "Postscript: …".
_CALL_TO_ACTION = re.compile(
    r"^postscript:"
    r"|\b(?:drop|shoot|send) (?:me|us) an? (?:line|note|message|mail|e-?mail)\b"
    r"|\bget in touch\b|\b(?:contact|e-?mail) (?:me|us)\b|^let (?:me|us) know\b"
    r"|\bsubscrib(?:e|ing) to (?:our|my)\b|\b(?:hear|read|learn|see) more from (?:me|us)\b"
    r"|^(?:then,? |so,? )?(?:please )?(?:sign up|subscribe|donate|contribute|join us|"
    r"follow (?:me|us))\b|^if you(?:'d|’d| would| are| want| wish| have| like)\b[^,]*,.*"
    r"\b(?:sign up|subscribe|join (?:us|our)|donate|contribute|check out|head (?:over )?to)\b",
    re.IGNORECASE,
)
# "Want to write an app for it?", "Need to tag some mp3s?": a question to the reader that the
# text after it answers (or sells).
_READER_QUESTION = re.compile(
    r"(?:want|need|interested|looking|ready|curious)\b[^.!?]*\?['\"”’)]*", re.IGNORECASE
)
# "The basic iteration comes in four parts.": the end of a passage that counts what the text
# after it lists.
_COUNTED = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|several|a few|a couple of|\d{1,2})\s+"
    r"(?:[a-z-]+\s+)?(?:parts|steps|things|reasons|ways|types|kinds|components|stages|"
    r"categories|questions|points|rules|principles|lessons|tips|pillars|phases|elements|"
    r"factors|options|approaches|areas|pieces|goals|problems|issues|ideas|jobs|roles|groups|"
    r"levels|sections|aspects|features|strategies|methods|takeaways|camps|buckets|layers|"
    r"dimensions)\s*[.:]?['\"”’)]*$",
    re.IGNORECASE,
)


# "…주로 두 가지에서 생긴다.", "한 가지 문제가 있다.": "two things", "one problem" the text after
# it goes through.
_COUNTED_KO = re.compile(r"(?:한|두|세|네|다섯|여섯|일곱|여러|몇)\s?가지")


@lru_cache(maxsize=16384)
def _english_passage(last: str) -> str | None:
    if _READER_QUESTION.fullmatch(last.strip()):
        return "a question to the reader that the text after it answers"
    if _COUNTED.search(last):
        return "counts what the text after it lists"
    return None


@lru_cache(maxsize=16384)
def _english(part: str) -> str | None:
    if _LONE_CONJUNCTION.fullmatch(part.strip().strip("\"'“”‘’*_")):
        return "a conjunction alone"
    if _CALL_TO_ACTION.search(part.strip().lstrip("\"'“‘(")):
        return "a call to action"
    if len(_LINE_START.findall(part)) >= 2:
        return "lines of verse run together"
    return headless_gerund(part)


@lru_cache(maxsize=16384)
def headless_gerund(sentence: str) -> str | None:
    """ "Allowing participants to use the space." : a gerund's phrase with no finite verb
    after it; "Being wrong is fine." and "Following the talk, we left." have one."""
    words = _ENGLISH_WORD.findall(sentence.lstrip("\"'“‘( "))
    if not words or not words[0].endswith("ing") or not words[0][:1].isupper():
        return None
    if lemma_as(words[0], "VERB") in (None, words[0].lower()):
        return None
    for before, word in pairwise(words):
        if before.lower() not in _RELATIVE and _finite(word.lower()):
            return None
    return "a gerund's phrase without a verb"


def _finite(word: str) -> bool:
    if word in _FINITE:
        return True
    base = lemma_as(word, "VERB")
    return base is not None and base != word and not word.endswith("ing")
