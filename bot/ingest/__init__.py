"""Turning article sources into `Article`s. Pure: bytes in, `bot.article.Article` out.

    read_source(path) -> bytes                  a file, within MAX_ARTICLE_BYTES
    parse_article(data, source=, kind=, ...)    bytes of a .txt / .md / .html article
    load_article(path, url=, id_path=)          both, the kind taken from the suffix

Every error is an `ArticleError` whose message is one line naming the source.

Modules, in the order the data flows through them:

    read                  files: size limit, suffix -> kind
    parse                 parse_article: the steps below, then the Article and its id
    text                  decoding checks (empty, binary, UTF-8), inline clean-up
    from_text             .txt           -> metadata + blocks (paragraphs, headings)
    from_markdown         .md/.markdown  -> metadata + blocks
    from_html             .html/.htm     -> metadata + blocks (trafilatura)
    page_text             what an HTML page shows; extracted text held to it
    metadata              the shapes of titles, URLs, authors, dates, tags
    boilerplate           body vs disclaimers, AI notes, comment prompts, share buttons
    boilerplate_phrases   the English labels and phrases that mark boilerplate
"""

from __future__ import annotations

from bot.lazy import lazy_exports

# Imported on first use: a command that finds every file unchanged (a second `add`) never
# loads the parsers (markdown-it, the boilerplate rules, trafilatura).
_EXPORTS = {
    "parse_article": "bot.ingest.parse",
    "MAX_ARTICLE_BYTES": "bot.ingest.read",
    "SUFFIX_KINDS": "bot.ingest.read",
    "load_article": "bot.ingest.read",
    "read_source": "bot.ingest.read",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
