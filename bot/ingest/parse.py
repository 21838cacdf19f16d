"""`parse_article`: the bytes of one article and its kind in, an `Article` out. Pure.

Steps: decode (UTF-8, BOM accepted) -> the format's parser (metadata and blocks) ->
boilerplate separated from the body -> headings and paragraphs -> the `Article`, with its id
from the canonical URL when there is one, else from `id_path` (default: `source`).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin

from bot.article import Article, article_id
from bot.errors import ArticleError
from bot.ingest.boilerplate import separate_boilerplate
from bot.ingest.from_markdown import parse_markdown
from bot.ingest.from_text import parse_text
from bot.ingest.metadata import Metadata, Parsed, host_of, is_web_url, title_from_source
from bot.ingest.text import decode_article
from bot.language import detect_language


def parse_html(text: str, source: str) -> Parsed:
    """HTML through trafilatura, imported on first use: it and lxml cost ~15 MB resident,
    which a daemon that only ever reads Markdown should not carry."""
    from bot.ingest.from_html import parse_html as parse

    return parse(text, source)


# Every accepted spelling of a kind, and the parser it names.
_PARSERS: dict[str, Callable[[str, str], Parsed]] = {
    "txt": lambda text, _source: parse_text(text),
    "text": lambda text, _source: parse_text(text),
    "md": parse_markdown,
    "markdown": parse_markdown,
    "html": parse_html,
    "htm": parse_html,
}
KINDS = tuple(_PARSERS)


def parse_article(
    data: bytes,
    *,
    source: str,
    kind: str,
    url: str | None = None,
    id_path: str | None = None,
    link: Callable[[Metadata], str] | None = None,
    site_name: str | None = None,
) -> Article:
    """The `Article` in `data`, an article of `kind` ("txt", "md" or "html"; also "text",
    "markdown", "htm") read from `source` (a path or URL, named in every error).

    `url` is the article's public URL, used when the article names none itself (front
    matter `url`, a page's canonical link). `id_path` is the path the id is made from when
    there is no URL (default: `source`), so that an article keeps its id wherever the
    daemon's working directory is.

    `link` makes the URL of an article that names no absolute one itself and was given no
    `url`, from its metadata (a site's permalinks: `bot.sources.permalinks`); it raises
    ValueError when it cannot. `site_name` is the site's name for an article that names none.

    Raises ArticleError (one line, naming `source`) for an unknown kind, empty, binary or
    non-UTF-8 data, broken front matter, a `url` that is not an absolute http(s) URL, and
    an article with no body text left once boilerplate is removed.
    """
    parser = _PARSERS.get(kind.lower().lstrip("."))
    if parser is None:
        raise ArticleError(source, f"unknown article kind {kind!r}; use one of: {', '.join(KINDS)}")
    if url is not None and not is_web_url(url):
        raise ArticleError(source, f"url {url!r} is not an absolute http(s) URL")
    parsed = parser(decode_article(data, source), source)
    meta = parsed.meta
    article_url = _article_url(meta, url, link, source)
    separated = separate_boilerplate(parsed.blocks)
    prose = [b for b in separated.body if not b.heading]
    paragraphs = tuple(b.text for b in prose)
    if not paragraphs:
        raise ArticleError(source, _no_body_problem(len(separated.boilerplate)))
    return Article(
        id=article_id(url=article_url, path=id_path or source),
        title=meta.title or title_from_source(source),
        paragraphs=paragraphs,
        source=source,
        url=article_url,
        site=meta.site or site_name or host_of(article_url),
        author=meta.author,
        date=meta.date,
        tags=meta.tags,
        # The source's own tag; else the body's, so platforms that take one get it too.
        language=meta.language or detect_language(" ".join(paragraphs)),
        headings=tuple(b.text for b in separated.body if b.heading),
        disclaimer=separated.disclaimer,
        ai_label=separated.ai_label,
        boilerplate=separated.boilerplate,
        image=_image_url(meta.image, article_url),
        quoted=tuple(i for i, b in enumerate(prose) if b.quoted),
        continued=tuple(i for i, b in enumerate(prose) if b.continued),
    )


def _article_url(
    meta: Metadata, url: str | None, link: Callable[[Metadata], str] | None, source: str
) -> str | None:
    """The article's own absolute URL, else `url`, else the one `link` makes."""
    if meta.url is not None and is_web_url(meta.url):
        return meta.url
    if url is not None:
        return url
    if link is not None:
        try:
            return link(meta)
        except ValueError as exc:
            raise ArticleError(source, str(exc)) from None
    if meta.url is not None:
        raise ArticleError(
            source,
            f"url {meta.url!r} is not an absolute http(s) URL; write it as https://..., or "
            "set the site's base_url in [site] for paths",
        )
    return None


def _image_url(image: str | None, article_url: str | None) -> str | None:
    """The image as an absolute http(s) URL (resolved against the article's), or None."""
    if not image:
        return None
    resolved = urljoin(article_url, image) if article_url else image
    return resolved if is_web_url(resolved) else None


def _no_body_problem(boilerplate_blocks: int) -> str:
    if boilerplate_blocks:
        plural = "s" if boilerplate_blocks != 1 else ""
        return (
            f"no body text left after removing boilerplate ({boilerplate_blocks} paragraph"
            f"{plural} of disclaimers, AI notes, comment prompts and the like); "
            "add the article's own paragraphs"
        )
    return "no body text found; an article needs at least one paragraph besides its title"
