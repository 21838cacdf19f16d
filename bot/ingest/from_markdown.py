"""Markdown articles (.md, .markdown): front matter plus CommonMark turned into plain text.

Front matter is YAML between `---` lines or TOML between `+++` lines (read with
python-frontmatter's splitting, TOML with the standard library's tomllib). Keys read:
`title`, `url` (or `link`, `canonical_url`), `site`, `author`, `date` (else `publishdate`,
`pubdate`, `published`; a YAML/TOML date becomes an ISO string), `tags` (list or comma
string; `categories` and `keywords` are merged in), `lang`/`language`, `image`, and what a
site generator makes the URL of: `slug`, `permalink`, `category`/`categories`. Other keys
are ignored.

The body is parsed with markdown-it-py (CommonMark, plus tables and strikethrough so that
they are recognised and handled) and its token stream is walked:

- paragraphs and list items become paragraphs; a blockquote's paragraphs are marked as
  quoted: someone else's words (or the author's, quoted from elsewhere), which the text
  around them may answer but no post quotes as the article's own (a notice such as
  "> **Note:** ..." stays one); the items of a list announced by the paragraph before it
  ("To create an app we:") or nested in another list's item are marked as continued: they
  go on from what came before them;
- headings become headings; when the front matter has no title, the first level-1 heading
  (`# Title` or a setext `===` one) is the title; when it has one, the first level-1
  heading equal to it is dropped as a repeat;
- link text is kept and its URL dropped; autolinks (`<https://...>`) and URLs written out
  in the text are dropped, as are images, code blocks, tables and inline HTML tags (with
  the content of inline `<script>`/`<style>`); an HTML block's paragraphs and headings are
  read as the page would show them (`bot.ingest.markdown_html`: a post migrated from
  WordPress keeps its `<p>…</p>`), its code, tables and embeds are not;
- inline code keeps its text (`pip install` reads as part of the sentence), emphasis
  markers go, hard and soft line breaks become a space;
- a label in bold that opens a paragraph or list item and ends with punctuation
  (`- **Picking the model**. To reach...`, `***Update:*** Since...`) becomes a heading of
  its own (level `LABEL_LEVEL`), so that it never reads as a sentence of the text after it;
- footnotes (markdown-it's footnote plugin: `[^1]` and their `[^1]: ...` text; footnotes
  written in HTML, `<a class="fn">`) are left out, as are citation markers such as `[6]`;
- math (`$...$`, `$$...$$` by the dollarmath plugin, `\\(...\\)`, `\\[...\\]`) is dropped
  with the sentence that holds it, and the paragraph split there.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import BaseHandler, YAMLHandler
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

from bot.errors import ArticleError
from bot.ingest.boilerplate import CONTINUED, QUOTED, Block
from bot.ingest.boilerplate_phrases import (
    AI_LABELS,
    DISCLAIMER_LABELS,
    DISCLOSURE_LABELS,
    GENERIC_LABEL,
)
from bot.ingest.markdown_html import html_blocks
from bot.ingest.metadata import (
    Metadata,
    Parsed,
    author_value,
    language_value,
    tag_values,
    take_title,
    text_value,
)
from bot.ingest.text import (
    FORMULA,
    clean_inline,
    mark_formulas,
    strip_footnote_markers,
    without_formulas,
)
from bot.language import announces

_MARKDOWN = (
    MarkdownIt("commonmark")
    .enable(["table", "strikethrough"])
    .use(footnote_plugin)
    .use(dollarmath_plugin, allow_digits=False)  # "$5 and $10" stays text
)
_FOOTNOTE_HTML = re.compile(r"<a\b[^>]*\b(?:class|id)=[\"']?(?:fn|footnote)", re.IGNORECASE)
# A paragraph's label ends with one of these, inside its bold or just after it.
LABEL_ENDS = frozenset(".:：?!？！—–")
LABEL_MAX_WORDS = 10
_LABEL_MAX_CHARS = 80
LABEL_LEVEL = 6  # the heading level a paragraph's label is given
# What a label in bold opens with: its emphasis, and a link it may be the text of.
_LABEL_OPENERS = ("strong_open", "em_open", "link_open")
CHROME = -1  # the "level" of a paragraph that is no prose: one link and nothing else
_BREAKS = frozenset({"softbreak", "hardbreak"})
_CAPTION_WORDS = 12
# Site generators' template tags (see `_without_template_tags`).
_LIQUID_CODE = re.compile(r"\{%-?\s*highlight\b.*?\{%-?\s*endhighlight\s*-?%\}", re.DOTALL)
_TAG_IN_LINK = re.compile(r"(\]\([^)\s]*?)(?:\{\{.*?\}\}|\{%.*?%\})")
_SHORTCODE = re.compile(r"\{\{[<%].*?[%>]\}\}", re.DOTALL)
_LIQUID = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
# kramdown's attribute lists and extensions: `{: .tldr}`, `{:toc}`, `{::comment}`; not a
# Ruby hash in inline code (`{:a => 1}`).
_KRAMDOWN = re.compile(
    r"\{:(?:/[\w-]*|:[^{}\n]*|\s*(?:[.#][\w-]+|[\w-]+=\S+|toc|nomarkdown)"
    r"(?:\s+(?:[.#][\w-]+|[\w-]+=\S+))*\s*)\}"
)
# "A) ", "b) ", "1) ", "1、" opening each line of a paragraph written as a list by hand.
_ENUMERATOR = re.compile(r"^\s*(?:(?:[A-Za-z]|\d{1,2})[).]\s+|\d{1,2}、\s*)(?=\S)")
_MARKER_LINK_TEXT = re.compile(r"\[?\d{1,3}\]?|[*†‡]")
_INVISIBLE_HTML = re.compile(r"^<(script|style|template|noscript)\b", re.IGNORECASE)
_LINE_BREAK_HTML = re.compile(r"^</?(br|p|div|li|hr)\b", re.IGNORECASE)
_BREAK_HTML = re.compile(r"^<br\b", re.IGNORECASE)
_URL_KEYS = ("url", "link", "canonical_url")
_TAG_KEYS = ("tags", "categories", "keywords")
_DATE_KEYS = ("date", "publishdate", "pubdate", "published")  # Hugo's order
_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


class _TOMLHandler(BaseHandler):
    """TOML front matter between `+++` lines, read with tomllib (python-frontmatter's own
    TOML handler needs the unmaintained `toml` package)."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        return tomllib.loads(fm)


_HANDLERS: tuple[BaseHandler, ...] = (YAMLHandler(), _TOMLHandler())


def parse_markdown(text: str, source: str) -> Parsed:
    """The metadata and blocks of a Markdown article (see the module docstring)."""
    fields, body = split_front_matter(text, source)
    body = _without_template_tags(body)
    title, blocks = take_title(_scalar(fields, "title", source), list(_blocks(body)))
    meta = front_matter_metadata(fields, source, title=title)
    return Parsed(
        meta=meta,
        blocks=tuple(
            Block(
                text,
                heading=level > 0,
                chrome=level == CHROME,
                quoted=level == QUOTED,
                continued=level == CONTINUED,
            )
            for level, text in blocks
        ),
    )


def front_matter_metadata(
    fields: dict[str, Any], source: str, *, title: str | None = None
) -> Metadata:
    """What the front matter `fields` say of the article; `title` when already settled (the
    body's first heading may be it), else the front matter's."""
    url = next((u for k in _URL_KEYS if (u := _scalar(fields, k, source))), None)
    return Metadata(
        title=title if title is not None else _scalar(fields, "title", source),
        url=url,
        site=_scalar(fields, "site", source),
        author=author_value(fields.get("author")),
        date=next((d for k in _DATE_KEYS if (d := _scalar(fields, k, source))), None),
        tags=tag_values(*(fields.get(k) for k in _TAG_KEYS)),
        language=next(
            (
                lang
                for k in ("lang", "language", "locale")
                if (lang := language_value(fields.get(k)))
            ),
            None,
        ),
        image=_image(fields.get("image")),
        slug=_scalar(fields, "slug", source),
        permalink=_scalar(fields, "permalink", source),
        categories=_categories(fields),
    )


# Where themes keep the picture of a post given as a table ("image: {feature: a.jpg}").
_IMAGE_KEYS = ("path", "url", "src", "feature", "teaser", "thumbnail", "thumb", "og")


def _image(value: object) -> str | None:
    """The post's picture: `image` as a value, the first of a list, or the picture a theme's
    table names (So Simple's `feature`, an `url` or `path`); None when it names none (`image:
    {feature: null}` is a theme's setting, not an error that should lose the post)."""
    if isinstance(value, list | tuple):
        return next((v for item in value if (v := _image(item))), None)
    if isinstance(value, dict):
        return next((v for k in _IMAGE_KEYS if (v := _image(value.get(k)))), None)
    return text_value(value)


def _categories(fields: dict[str, Any]) -> tuple[str, ...]:
    """`category`, else `categories` (a list, or names separated by spaces), as Jekyll reads
    them."""
    value = fields.get("category")
    if value in (None, "", []):
        value = fields.get("categories")
        value = value.split() if isinstance(value, str) else value
    if not isinstance(value, list | tuple):
        value = [value] if value is not None and not isinstance(value, dict) else []
    return tuple(t for v in value if (t := text_value(v)))


def _without_template_tags(markdown: str) -> str:
    """The Markdown without its site generator's template tags, which are not the author's
    prose: Liquid code blocks (`{% highlight %}...{% endhighlight %}`) go whole; a tag in a
    link's address goes (`[18F]({{ site.baseurl }}/)`); Hugo shortcodes go, their content
    stays (`{{< fig-quote >}}...{{< /fig-quote >}}`); and the sentence around a Liquid tag
    left in the prose (`Visit {{ site.url }} today.`) is dropped, as a formula's is;
    kramdown's attribute lists (`{: .tldr}`) go."""
    markdown = _LIQUID_CODE.sub("", markdown)
    while True:
        cleaned = _TAG_IN_LINK.sub(r"\1", markdown)
        if cleaned == markdown:
            break
        markdown = cleaned
    return _LIQUID.sub(FORMULA, _SHORTCODE.sub("", _KRAMDOWN.sub("", markdown)))


def split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str]:
    """The front matter fields and the text after them ({} and all of it without one)."""
    stripped = text.lstrip()
    skipped_lines = text[: len(text) - len(stripped)].count("\n")
    handler = frontmatter.detect_format(stripped, _HANDLERS)
    if handler is None:
        return {}, text
    delimiter = handler.START_DELIMITER
    try:
        raw, body = handler.split(stripped)
    except ValueError:
        raise ArticleError(
            source,
            f"front matter opened with {delimiter!r} on line {skipped_lines + 1} is never "
            f"closed; add a line with {delimiter!r} after it",
        ) from None
    # Line number in the file of the first line of `raw` (which starts on the opening line).
    first_line = skipped_lines + stripped.count("\n", 0, stripped.index(raw)) + 1
    try:
        fields = handler.load(raw)
    except yaml.YAMLError as exc:
        raise ArticleError(source, _yaml_problem(exc, first_line)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ArticleError(source, _toml_problem(exc, first_line)) from None
    if fields is None:
        return {}, body
    if not isinstance(fields, dict):
        raise ArticleError(
            source,
            f"front matter must be key: value pairs, not a {type(fields).__name__}; "
            "write e.g. 'title: My post'",
        )
    return fields, body


def _yaml_problem(exc: yaml.YAMLError, first_line: int) -> str:
    """One line about a YAML error, with its line number in the file."""
    what = "front matter is not valid YAML"
    if not isinstance(exc, yaml.MarkedYAMLError):
        return f"{what}: {' '.join(str(exc).split())}; fix the YAML"
    problem = "; ".join(filter(None, (exc.context, exc.problem)))
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return f"{what}: {problem}; fix the YAML"
    where = f"line {first_line + mark.line}, column {mark.column + 1}"
    fix = "put the value in quotes" if "mapping values" in problem else "fix the YAML"
    return f"{what} ({where}): {problem}; {fix}"


def _toml_problem(exc: tomllib.TOMLDecodeError, first_line: int) -> str:
    """One line about a TOML error, with its line number in the file."""
    problem = " ".join(str(exc).split())
    found = _TOML_WHERE.search(problem)
    if found:
        where = f"line {first_line + int(found[1]) - 1}, column {found[2]}"
        problem = f"({where}): {problem[: found.start()].strip()}"
    else:
        problem = f": {problem}"
    return f"front matter is not valid TOML {problem}; fix the TOML".replace(" :", ":")


def _scalar(fields: dict[str, Any], key: str, source: str) -> str | None:
    value = fields.get(key)
    if isinstance(value, list | dict):
        raise ArticleError(
            source,
            f"front matter {key!r} must be a single value, not a {type(value).__name__}",
        )
    return text_value(value)


def _blocks(markdown: str) -> Iterator[tuple[int, str]]:
    """(heading level, text) of each heading and paragraph, level 0 for a paragraph
    (list items and quotes included; `QUOTED` in a quote, `CONTINUED` for an item of a list
    announced by a lead-in ending in a colon or nested in another item); a paragraph's
    leading label is a heading of its own, footnotes are left out, and sentences with
    formulas dropped (see the module docstring)."""
    tokens = _MARKDOWN.parse(markdown)
    in_footnotes = in_quote = 0
    # Per open list, whether its items go on from what came before it (`CONTINUED`).
    lists: list[bool] = []
    last = (1, "")  # the block yielded last
    for opener, token in itertools.pairwise([Token("start", "", 0), *tokens]):
        if opener.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(bool(lists) or (last[0] == 0 and announces(last[1])))
        elif opener.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif opener.type == "footnote_block_open":
            in_footnotes += 1
        elif opener.type == "footnote_block_close":
            in_footnotes -= 1
        elif opener.type in ("blockquote_open", "blockquote_close"):
            in_quote += 1 if opener.type == "blockquote_open" else -1
        if not in_footnotes and token.type == "html_block":
            # `<p>…</p>` kept in the Markdown (a post migrated from another engine)
            found = html_blocks(token.content)
            yield from (_quoted(found) if in_quote else found)
            continue
        if in_footnotes or token.type != "inline":
            continue
        for level, text in _inline_blocks(opener, token, quoted=bool(in_quote)):
            last = level, text
            yield (CONTINUED if level == 0 and lists and lists[-1] else level), text


def _inline_blocks(opener: Token, token: Token, *, quoted: bool) -> Iterable[tuple[int, str]]:
    """The blocks of a heading's or a paragraph's inline content (`token`)."""
    if opener.type == "heading_open":
        text = clean_inline(_inline_text(token.children or []).replace(FORMULA, ""))
        return [(int(opener.tag[1:]), text)] if text else []
    if opener.type == "paragraph_open":
        found = _paragraph(token.children or [])
        return _quoted(found) if quoted else found
    return []


def _quoted(blocks: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """A quoted paragraph's blocks: someone else's words, or the author's quoted from
    elsewhere, never to be posted as the article's own (`QUOTED`); a notice in a quote
    ("> **Note:** ...") stays a notice."""
    notice = False
    for level, text in blocks:
        if level == LABEL_LEVEL:
            notice = is_notice_label(text)
            yield level, text
        else:
            yield (level if notice else QUOTED), text


def _paragraph(children: Sequence[Token]) -> Iterator[tuple[int, str]]:
    """A paragraph's label (as a heading, `LABEL_LEVEL`) and its text without formulas."""
    first = next((c for c in children if c.type != "text" or c.content.strip()), None)
    if first is not None and first.type == "html_inline" and _FOOTNOTE_HTML.match(first.content):
        return  # a footnote written in HTML (`<a class="fn" ...>`)
    if _one_link(children) or _caption(children):
        # "[Learn more about X](url)"; "![A mantis](m.jpg)\n*A mantis beside a coin.*"
        yield CHROME, clean_inline(_inline_text(children))
        return
    label, rest = _label(children)
    # Lines that each open with "A) " or "1、": a list written by hand, an item a paragraph;
    # its lines are those the author broke (<br>), else those of the source.
    for soft_breaks in (False, True):
        lines = _inline_text(rest, line_breaks=True, soft_breaks=soft_breaks).split("\n")
        if len(lines) > 1 and all(_ENUMERATOR.match(line) for line in lines if line.strip()):
            paragraphs = [clean_inline(_ENUMERATOR.sub("", line)) for line in lines]
            break
    else:
        paragraphs = [clean_inline("\n".join(lines))]  # CJK lines join with no space
    if label and any(paragraphs):
        yield LABEL_LEVEL, label
    for text in paragraphs:
        for run in without_formulas(text):
            yield 0, run


def _caption(children: Sequence[Token]) -> bool:
    """An image, a line break, and the image's caption: in emphasis, or a few words."""
    shown = [c for c in children if c.type != "text" or c.content.strip()]
    if len(shown) < 3 or shown[0].type != "image" or shown[1].type not in _BREAKS:
        return False
    rest = shown[2:]
    emphasized = rest[0].type in ("em_open", "strong_open") and rest[-1].type in (
        "em_close",
        "strong_close",
    )
    return emphasized or len(_inline_text(rest).split()) <= _CAPTION_WORDS


def _one_link(children: Sequence[Token]) -> bool:
    """Whether a paragraph is one link and nothing else (a "Learn more" line)."""
    shown = [c for c in children if c.type != "text" or c.content.strip()]
    return (
        len(shown) >= 3
        and shown[0].type == "link_open"
        and shown[-1].type == "link_close"
        and shown[0].markup != "autolink"
        and not any(c.type == "link_open" for c in shown[1:])
    )


def _is_marker_link(opener: Token, rest: Sequence[Token]) -> bool:
    href = str(opener.attrs.get("href", ""))
    text = rest[0].content if rest and rest[0].type == "text" else ""
    return href.startswith("#") and bool(_MARKER_LINK_TEXT.fullmatch(text.strip()))


def _label(children: Sequence[Token]) -> tuple[str | None, Sequence[Token]]:
    """A paragraph's leading label in bold ("**Picking the model**. To reach...",
    "***Update:*** Since...", "**核心信号**：定义...", "[**Files slow**](url): Saving...")
    and the tokens after it; else None and all of them."""
    children = [c for c in children if c.type != "text" or c.content]
    opened = 0
    while opened < len(children) and children[opened].type in _LABEL_OPENERS:
        opened += 1
    if not any(c.type == "strong_open" for c in children[:opened]):
        return None, children
    close = opened
    while close < len(children) and children[close].type in ("text", "code_inline", "softbreak"):
        close += 1
    closers = children[close : close + opened]
    if len(closers) < opened or any(not c.type.endswith("_close") for c in closers):
        return None, children
    label = clean_inline(
        "".join("\n" if c.type == "softbreak" else c.content for c in children[opened:close])
    )
    rest = list(children[close + opened :])
    first = rest[0].content if rest and rest[0].type == "text" else ""
    ends = label[-1:] in LABEL_ENDS
    lead = first.lstrip()
    if not ends and lead[:1] in LABEL_ENDS:
        rest[0] = Token("text", "", 0, content=lead[1:])
        ends = True
    words = len(label.split())
    if not ends or not label or words > LABEL_MAX_WORDS or len(label) > _LABEL_MAX_CHARS:
        return None, children
    if not clean_inline(_inline_text(rest)) or is_notice_label(label.rstrip(":：")):
        return None, children
    return label.rstrip(":：").strip(), rest


def is_notice_label(label: str) -> bool:
    """Whether a label opens a notice ("Disclaimer:", "Note:", "AI disclosure:"), which
    `bot.ingest.boilerplate` reads together with its text."""
    return any(
        p.search(label) for p in (AI_LABELS, DISCLAIMER_LABELS, DISCLOSURE_LABELS, GENERIC_LABEL)
    )


def _inline_text(
    children: Sequence[Token], *, line_breaks: bool = False, soft_breaks: bool = False
) -> str:
    """The visible words of an inline token stream (see the module docstring); with
    `line_breaks`, a hard line break (or `<br>`) is a newline, with `soft_breaks` too a
    soft one (the end of a line in the source)."""
    parts: list[str] = []
    skip_until: str | None = None
    for index, child in enumerate(children):
        if skip_until is not None:
            if child.type == skip_until:
                skip_until = None
        elif (skip_until := _hidden_until(child, children[index + 1 :])) is not None:
            pass
        elif line_breaks and (
            child.type == "hardbreak"
            or (soft_breaks and child.type == "softbreak")
            or (child.type == "html_inline" and _BREAK_HTML.match(child.content))
        ):
            parts.append("\n")
        elif child.type == "text":
            parts.append(strip_footnote_markers(mark_formulas(child.content)))
        elif child.type == "code_inline":
            parts.append(child.content)
        elif child.type in ("math_inline", "math_inline_double"):
            parts.append(FORMULA)
        elif child.type == "softbreak" and not line_breaks:
            parts.append("\n")  # a line's end in the source: `clean_inline` joins it
        elif child.type in ("softbreak", "hardbreak") or (
            child.type == "html_inline" and _LINE_BREAK_HTML.match(child.content)
        ):
            parts.append(" ")
    return "".join(parts)


def _hidden_until(child: Token, rest: Sequence[Token]) -> str | None:
    """The token type that ends what `child` opens and the reader never sees as prose (an
    autolink, an inline `<script>`, a footnote marker link), or None."""
    if child.type == "link_open" and (child.markup == "autolink" or _is_marker_link(child, rest)):
        return "link_close"  # "ugly.[2](#fn:ugly)": a footnote marker
    if child.type == "html_inline" and _INVISIBLE_HTML.match(child.content):
        return "html_inline"  # its closing tag
    return None
