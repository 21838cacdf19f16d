"""From raw bytes to clean text: decoding checks and the inline clean-up every format shares.

`decode_article` turns the bytes of an article into `str` or raises `ArticleError` with one
line that says what is wrong (empty, binary, UTF-16, invalid UTF-8 at which byte offset);
text that went through a wrong encoding once ("Ã©" for "é") is repaired (`repair_mojibake`).
`clean_inline` normalises one paragraph of text: raw URLs out (a post carries its own
link), whitespace collapsed to single spaces. `strip_footnote_markers` takes out "[6]"
markers; `mark_formulas` and `without_formulas` drop the sentences that hold TeX math.
"""

from __future__ import annotations

import functools
import re

from bot.errors import ArticleError

UTF8_BOM = b"\xef\xbb\xbf"
# Bytes that never occur in text besides NUL: C0 controls other than tab, newline,
# vertical tab, form feed, carriage return; plus DEL.
_CONTROL_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D} | {0x7F}
# Share of control bytes (in the sample) above which data is taken to be binary.
_MAX_CONTROL_SHARE = 0.02
_SAMPLE_BYTES = 64 * 1024

# A URL written out in the text: scheme or www., up to whitespace; trailing sentence
# punctuation and closing brackets are left in the text.
# A URL written out: it may follow a letter of a script without spaces ("项目https://…"),
# and ends before one (CJK text goes on right after it).
_NOT_URL = '\\s<>"“”\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef'
_RAW_URL = (
    f"(?:(?<![A-Za-z0-9])(?:https?|ftp)://|(?<![A-Za-z0-9.])www\\.)[^{_NOT_URL}]*"
    f"[^{_NOT_URL}.,;:!?'’)\\]}}]"
)
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]|<\s*>")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])")
_WHITESPACE = re.compile(r"\s+")
_FOOTNOTE_MARKER = re.compile(
    r"(?:^\s*|(?<=[^\W_])|(?<=[.,;:!?)\]\"'’”。、」]))\[[1-9]\d{0,2}\](?=[\s.,;:!?)\[]|$)"
)
# Where a formula was (a character never found in articles: Unicode's object replacement).
FORMULA = "\ufffc"
_TEX_FORMULA = re.compile(r"\$\$.+?\$\$|\\\(.+?\\\)|\\\[.+?\\\]", re.DOTALL)
# The end of a sentence: its closing punctuation (and quotes), then a space or the end.
_SENTENCE_END = re.compile(r"[.!?。！？][\"'’”)\]]*(?:\s+|$)")


def decode_article(data: bytes, source: str) -> str:
    """The text of an article source, with a UTF-8 BOM (if any) removed.

    Raises ArticleError for empty or whitespace-only data, binary data, UTF-16 and
    invalid UTF-8 (naming the byte offset and line of the first bad byte).
    """
    if not data:
        raise ArticleError(source, "the file is empty; write the article text into it")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ArticleError(source, "the file is UTF-16 encoded; save it as UTF-8")
    if _looks_binary(data):
        raise ArticleError(
            source, "the file is binary, not text; give a .txt, .md or .html article"
        )
    start = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        line = data.count(b"\n", 0, offset) + 1
        raise ArticleError(
            source,
            f"not valid UTF-8: byte 0x{data[offset]:02x} at offset {offset} (line {line}); "
            "save the file as UTF-8",
        ) from None
    if not text.strip():
        raise ArticleError(source, "the file contains only whitespace; write the article into it")
    return repair_mojibake(text)


# What UTF-8 read as Latin-1 or Windows-1252 leaves behind: "Ã©" for "é", "Â " for a
# no-break space, "â€™" for "’". Only where one shows is the text given to ftfy.
# What is left of a no-break space's mojibake ("Â\u00a0") once the space was written as an
# entity or a plain space: no word is one "Â" before a space.
_ORPHAN_A = re.compile("(?<=\\S)Â(?=&(?:nbsp|#160|#xa0);|[\u00a0 ])")
_MOJIBAKE = re.compile("[ÂÃ][\u0080-\u00bf\u0152-\u0178\u02c6-\u203a\u20ac\u2122]|â€")


def repair_mojibake(text: str) -> str:
    """`text` with its mojibake repaired: a post saved through a wrong encoding once (an
    old blog's export) reads as its author wrote it; the words are the author's, only their
    encoding is undone. ftfy decides, and leaves text that is not mojibake as it is."""
    if "Â" in text:
        text = _ORPHAN_A.sub("", text)
    if not _MOJIBAKE.search(text):
        return text
    from ftfy import fix_text  # ~0.1 s to import: only for a text that needs it

    return fix_text(text, _encoding_only())


@functools.cache
def _encoding_only():
    """ftfy's fixes of encoding only: quotes, widths, ligatures, line breaks and HTML
    entities stay as written."""
    from ftfy import TextFixerConfig

    return TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_surrogates=False,
        remove_control_chars=False,
        normalization=None,
        explain=False,
    )


def _looks_binary(data: bytes) -> bool:
    sample = data[:_SAMPLE_BYTES]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte in _CONTROL_BYTES)
    return controls > _MAX_CONTROL_SHARE * len(sample)


@functools.cache
def _raw_url() -> re.Pattern[str]:
    """`_RAW_URL`, compiled the first time a text has a URL (20 ms: its character sets)."""
    return re.compile(_RAW_URL, re.IGNORECASE)


def strip_raw_urls(text: str) -> str:
    """`text` without URLs written out in it, and without the "()" they leave behind."""
    if "://" not in text and "www." not in text.lower():
        return text
    text = _raw_url().sub("", text)
    return _SPACE_BEFORE_PUNCT.sub(r"\1", _EMPTY_BRACKETS.sub("", text))


def strip_footnote_markers(text: str) -> str:
    """`text` without footnote and citation markers ("word.[6] Next", "[6] As a result"):
    a bracketed number from 1 to 999 at the start, or right after a letter, digit or
    punctuation and before a space, punctuation or the end. Code is not passed here
    (`items[1] = 0`)."""
    if "[" not in text:
        return text
    return _SPACE_BEFORE_PUNCT.sub(r"\1", _FOOTNOTE_MARKER.sub("", text))


def mark_formulas(text: str) -> str:
    """`text` with each TeX formula (`$$...$$`, `\\(...\\)`, `\\[...\\]`) replaced by FORMULA."""
    if "\\" not in text and "$$" not in text:
        return text
    return _TEX_FORMULA.sub(FORMULA, text)


def without_formulas(text: str) -> list[str]:
    """The runs of `text` between its sentences that hold a formula (FORMULA): each such
    sentence is dropped and the paragraph split there, so that no excerpt joins the
    sentences on either side as if they were written next to each other."""
    runs: list[str] = []
    while FORMULA in text:
        at = text.index(FORMULA)
        ends = list(_SENTENCE_END.finditer(text, 0, at))
        start = ends[-1].end() if ends else 0
        after = _SENTENCE_END.search(text, at)
        runs.append(text[:start])
        text = text[after.end() :] if after else ""
    runs.append(text)
    return [run for r in runs if (run := r.strip())]


def clean_inline(text: str) -> str:
    """One paragraph as body text: raw URLs removed, runs of whitespace made one space; a
    line's end between two Chinese or Japanese characters joins them (those scripts put no
    space between words, and a writer who wraps lines means none: "読んでたら、\nふと")."""
    text = join_wrapped_cjk(strip_raw_urls(text))
    return _WHITESPACE.sub(" ", text).strip()


def join_wrapped_cjk(text: str) -> str:
    """`text` with each line's end between two Chinese or Japanese characters removed."""
    return _WRAPPED_CJK.sub("", text)


# Han, kana and their punctuation and full-width forms (not Hangul: Korean spaces its words).
_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_WRAPPED_CJK = re.compile(f"(?<=[{_CJK}])[^\\S\n]*\n\\s*(?=[{_CJK}])")


def word_count(text: str) -> int:
    """Number of whitespace-separated words in `text`."""
    return len(text.split())
