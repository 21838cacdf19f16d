"""The language of a text, and measures of text that hold in any script.

`detect_language` names the language of a body that does not say its own: the script
decides where it can (kana is Japanese, hangul Korean, Thai script Thai), a common-word
test recognises English without loading a model, and py3langid (a small model shipped
inside its package, never downloaded) decides the rest.

Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer,
Burmese) have no "words" to count by splitting at spaces: `units` counts their characters
at two to a word, so a length or a density means the same in every language.

`main_script` names the script a text is written in: excerpts are cut from text in the
`EXCERPTED_SCRIPTS` only.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Letters of the scripts written without spaces between words.
_SPACELESS = re.compile(
    r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kana, Han
    r"\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff]"  # Thai, Lao, Burmese, Khmer
)
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?", re.UNICODE)
# Characters of a spaceless script that make one word, on average.
CHARS_PER_WORD = 2
# A body sample this long is enough to tell its language.
_SAMPLE = 2000
# English words so common that a fifth of any English text is made of them.
_ENGLISH_COMMON = frozenset(
    "the of and to a in is that it for was on are as with be this by at not or from have "
    "an but they which you he his we i has their my were all can there been one".split()
)
_ENGLISH_SHARE = 0.2


# The scripts whose text is cut into excerpts, as Unicode names them (the first word of a
# letter's name). In others the sentences or the words are not found yet (Thai and Burmese
# mark no sentence end the segmenter knows; Indic scripts' vowel signs split their words),
# so an article in one of them gives no post: the language is not supported.
EXCERPTED_SCRIPTS = frozenset(
    "LATIN GREEK CYRILLIC ARABIC HEBREW GEORGIAN CJK HIRAGANA KATAKANA HANGUL".split()
)
# Words that qualify a script in letters' names rather than name it.
_WIDTHS = ("HALFWIDTH ", "FULLWIDTH ")


# A paragraph ending in one of these is unfinished: it announces the one after it ("A few
# examples:") or runs on into it ("비유하자면,", an item of an enumeration ending in ";").
_RUNS_ON = (":", "：", ",", "，", "、", ";", "；")


def announces(paragraph: str) -> bool:
    """Whether `paragraph` ends where the one after it goes on (a colon, a comma, a
    semicolon)."""
    return paragraph.rstrip().endswith(_RUNS_ON)


def main_script(text: str) -> str | None:
    """The script most letters of `text` (its first 2,000 characters) are written in, as
    Unicode names it ("LATIN", "THAI", "DEVANAGARI"); None when it has no letters."""
    import unicodedata  # here: only an article that gives no post needs it

    counts: dict[str, int] = {}
    for letter in _LETTER.findall(text[:_SAMPLE]):
        name = unicodedata.name(letter, "")
        for width in _WIDTHS:
            name = name.removeprefix(width)
        script = name.partition(" ")[0]
        if script:
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def base_language(tag: str | None) -> str | None:
    """The primary subtag of a BCP 47 tag, lower case: "pt-BR" -> "pt", "zh_Hant" -> "zh"."""
    if not tag:
        return None
    primary = re.split(r"[-_]", tag.strip(), maxsplit=1)[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def spaceless_share(text: str) -> float:
    """The share of the letters of `text` in scripts written without spaces."""
    letters = len(_LETTER.findall(text))
    return len(_SPACELESS.findall(text)) / letters if letters else 0.0


@lru_cache(maxsize=65536)
def units(text: str) -> float:
    """How many words `text` holds: its words, and its spaceless letters two to a word."""
    spaceless = len(_SPACELESS.findall(text))
    if not spaceless:
        return float(len(_WORD.findall(text)))
    spaced = len(_WORD.findall(_SPACELESS.sub(" ", text)))
    return spaced + spaceless / CHARS_PER_WORD


def detect_language(text: str) -> str | None:
    """The language of `text` as a two-letter code, or None when there is no text to tell."""
    sample = text[:_SAMPLE]
    letters = len(_LETTER.findall(sample))
    if letters < 20:
        return None
    if len(_KANA.findall(sample)) > 0.05 * letters:
        return "ja"
    if len(_HANGUL.findall(sample)) > 0.3 * letters:
        return "ko"
    if len(_THAI.findall(sample)) > 0.3 * letters:
        return "th"
    if len(_HAN.findall(sample)) > 0.3 * letters:
        return "zh"
    words = [w.lower() for w in _WORD.findall(sample)]
    if words and sum(w in _ENGLISH_COMMON for w in words) / len(words) >= _ENGLISH_SHARE:
        return "en"
    return _classify(sample)


def _classify(sample: str) -> str | None:
    try:
        import py3langid  # loads its model (~1 s) only when a text needs it
    except ImportError:  # pragma: no cover - a dependency; the script rules still hold
        return None
    language, _score = py3langid.classify(sample)
    return str(language)
