"""The data the flow passes along: the `Article` ingest makes, the `Excerpt`s cut from it.

Plain frozen dataclasses with no behaviour beyond identity, so the store and the CLI can
use them without loading the excerpt engine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

# The `source` of a composed post's article: the operator's own words (`excerpt-bot compose`),
# kept outside the library (never queued on other channels, never recycled).
COMPOSED_SOURCE = "composed"


@dataclass(frozen=True, slots=True)
class Article:
    """One article, reduced to what excerpting and rendering need.

    `paragraphs` is the body only: boilerplate (disclaimers, AI-generation notes, comment
    prompts, share buttons, copyright lines) is never in it. The disclaimer and the
    AI-generation note are kept in their own fields so templates can quote them.
    """

    id: str
    title: str
    paragraphs: tuple[str, ...]
    source: str
    url: str | None = None
    site: str | None = None
    author: str | None = None
    date: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None  # BCP 47 ("en", "pt-BR"), when the source says
    headings: tuple[str, ...] = ()
    disclaimer: str | None = None
    ai_label: str | None = None
    boilerplate: tuple[str, ...] = field(default=(), repr=False)
    image: str | None = None  # the article's image, an absolute URL (front matter, og:image)
    # Indexes of `paragraphs` that quote someone (a blockquote): context for the text around
    # them, never an excerpt of the article's own words.
    quoted: tuple[int, ...] = ()
    # Indexes of `paragraphs` that go on from the one before them, as the format shows: the
    # items of a list that a lead-in ending in a colon announced, or of a list nested in
    # another list's item. Not a new start, so no excerpt opens them.
    continued: tuple[int, ...] = ()

    @property
    def content_hash(self) -> str:
        """A digest of the body, title and metadata that change what gets excerpted."""
        h = hashlib.sha256()
        for part in (self.title, *self.paragraphs):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        if self.quoted:
            h.update(("quoted:" + ",".join(map(str, self.quoted))).encode())
        if self.continued:
            h.update(("continued:" + ",".join(map(str, self.continued))).encode())
        return h.hexdigest()[:16]


def canonical_url(url: str) -> str:
    """Normalise a URL for identity: lower-case scheme and host, no fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def article_id(*, url: str | None, path: str | None) -> str:
    """A stable id: from the canonical URL when there is one, else from the file path.

    The same article keeps its id across runs, edits of its text and machines (for a URL).
    """
    key = f"url:{canonical_url(url)}" if url else f"path:{path}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Excerpt:
    """One excerpt of an article, ready to render. `rank` 0 is the best."""

    id: str
    article_id: str
    text: str
    rank: int
    score: float
    paragraph: int
    first_sentence: int
    sentence_count: int
    shortened: bool


def excerpt_id(article_id: str, text: str) -> str:
    """A stable id: the same passage of the same article always gets the same id."""
    return hashlib.sha256(f"{article_id}\x00{text}".encode()).hexdigest()[:16]
