"""A post's public URL from the site's base URL, a permalink pattern, the file's place in the
site and its front matter, the way Jekyll and Hugo make it. Pure: names of paths in, a URL out.

    post_url(base_url, permalink, file, page, posts_dir=None)   the URL, or PermalinkError
    check_permalink(permalink)                                   a config value, or ValueError
    generator_of(permalink, file)                                "jekyll" or "hugo"

A front-matter `url` or `permalink` always wins: an absolute `url` is the URL; a relative
one, or a `permalink` (which may hold the tokens below, as Jekyll allows), is a path under
the base URL. Otherwise the site's `permalink` decides: a pattern of `/`-separated text and
tokens, or a preset:

    jekyll, date  /:categories/:year/:month/:day/:title:output_ext   Jekyll's default
    pretty        /:categories/:year/:month/:day/:title/
    ordinal       /:categories/:year/:y_day/:title:output_ext
    none          /:categories/:title:output_ext
    hugo          /:sections/:slugorfilename/                        Hugo's default

With no permalink the file's generator gives its default ("jekyll" or "hugo").

Whose meaning a token takes: a Jekyll preset means Jekyll's, "hugo" Hugo's, and a pattern of
one's own the generator the file's place tells: a file in a `_posts` folder is Jekyll's, any
other Hugo's (each generator documents its own tokens, which differ for `:title`).

    token           Jekyll                                   Hugo
    :year :month :day, :i_month :i_day, :short_year, :y_day
                    the front matter's date (Hugo: date, publishdate, pubdate, published),
                    else the date a Jekyll-style file name starts with (2024-03-05-my-post)
    :title          front-matter slug, else the file name      the title, urlized
                    after its date; slugified, case kept
    :slug           the same, lower-cased, only letters and    front-matter slug, else
                    digits between hyphens                     the title, urlized
    :slugorfilename (as :slug)                                 slug, else the file name
    :filename       the file name after its date, slugified    the file name (a bundle's
                                                                `index.md`: its folder's)
    :categories     the folders above `_posts`, then the       the front matter's categories,
                    front matter's `category`/`categories`,    urlized, joined by /
                    lower-cased, joined by /
    :section        the first folder of the file's path (Hugo's section)
    :sections       every folder of the file's path, joined by / (Hugo's sections)
    :output_ext     .html

"Urlized" is Hugo's urlize: a run of spaces becomes a hyphen, only letters, digits, marks
and `. _ - # + ~ /` stay, lower-cased. A file's path is taken from the Hugo content folder (the
nearest folder named `content` above it) for Hugo, and from posts_dir for Jekyll (so with
posts_dir = "blog", `blog/garden/_posts/...` is in category "garden", as in Jekyll). Empty
segments collapse (`/:categories/x` with no categories is `/x`), and characters a URL path
cannot hold are percent-encoded.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath
from typing import Literal, Protocol
from urllib.parse import quote, urlsplit

Generator = Literal["jekyll", "hugo"]

JEKYLL_PRESETS = {
    "jekyll": "/:categories/:year/:month/:day/:title:output_ext",
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
HUGO_PRESETS = {"hugo": "/:sections/:slugorfilename/"}
PRESETS = JEKYLL_PRESETS | HUGO_PRESETS

_TOKEN = re.compile(r":([a-z_]+)")
_DATED_NAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")
_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")
# Jekyll's slugify modes: "default" keeps letters and digits, "pretty" also `._~!$&'()+,;=@`.
_JEKYLL_DEFAULT = re.compile(r"[\W_]+")
_JEKYLL_PRETTY = re.compile(r"[^\w._~!$&'()+,;=@]+")
_SLASHES = re.compile(r"/{2,}")
_HEX2 = re.compile(r"[0-9A-Fa-f]{2}")
# What stays unescaped in a URL path: RFC 3986 pchar plus "/", and "%" (already escaped).
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


class PermalinkError(ValueError):
    """A post whose URL cannot be made (a date the pattern needs is missing, say)."""


class Page(Protocol):
    """What a post's front matter says (`bot.ingest.metadata.Metadata` is one)."""

    title: str | None
    url: str | None
    date: str | None
    slug: str | None
    permalink: str | None
    categories: tuple[str, ...]


def check_permalink(permalink: str) -> str:
    """`permalink` as the config takes it (a preset or a pattern starting with "/"), or
    ValueError saying what is wrong."""
    value = permalink.strip()
    if value in PRESETS:
        return value
    if not value.startswith("/"):
        raise ValueError(
            f"must be a preset ({', '.join(PRESETS)}) or a pattern starting with '/', "
            'e.g. "/:year/:month/:slug/"'
        )
    unknown = [t for t in _TOKEN.findall(value) if t not in _TOKENS]
    if unknown:
        raise ValueError(
            f"unknown token :{unknown[0]} (known: {', '.join(':' + t for t in _TOKENS)})"
        )
    return value


def generator_of(permalink: str | None, file: PurePath) -> Generator:
    """Whose defaults and token meanings apply to `file` (see the module docstring)."""
    if permalink in JEKYLL_PRESETS:
        return "jekyll"
    if permalink in HUGO_PRESETS:
        return "hugo"
    return "jekyll" if "_posts" in file.parts[:-1] else "hugo"


def post_url(
    base_url: str,
    permalink: str | None,
    file: PurePath,
    page: Page,
    *,
    posts_dir: PurePath | None = None,
) -> str:
    """The public URL of the post in `file` (see the module docstring).

    Raises PermalinkError when the pattern needs a date the post does not have.
    """
    if page.url and _is_absolute(page.url):
        return page.url.strip()
    if page.url:
        return _join(base_url, page.url.strip())
    generator = generator_of(permalink, file)
    pattern = page.permalink or PRESETS.get(permalink or generator, permalink) or ""
    facts = _Facts(generator, site_path(file, posts_dir, generator), page)
    path = _TOKEN.sub(lambda m: facts.value(m[1], m[0]), pattern.strip())
    return _join(base_url, path)


def site_path(file: PurePath, posts_dir: PurePath | None, generator: Generator) -> PurePosixPath:
    """`file`'s path within the site, as its generator sees it: from the nearest folder
    named `content` (Hugo) or from posts_dir (Jekyll; without it, from the folder that holds
    `_posts`); else from posts_dir; else the file name alone."""
    parents = list(file.parents)
    if generator == "hugo":
        root = next((p for p in parents if p.name == "content"), None)
    else:
        inside = posts_dir is not None and posts_dir in parents
        root = (
            posts_dir if inside else next((p.parent for p in parents if p.name == "_posts"), None)
        )
    if root is None and posts_dir is not None and posts_dir in parents:
        root = posts_dir
    relative = file.relative_to(root) if root is not None else PurePath(file.name)
    return PurePosixPath(*relative.parts)


def hugo_urlize(text: str) -> str:
    """Hugo's urlize: letters, digits, marks, `._-#+~/\\` and `%XX` escapes kept, other
    characters dropped, each run of spaces one hyphen (none next to a hyphen, none at the
    ends), lower-cased."""
    kept: list[str] = []
    hyphen_due = was_hyphen = False
    for i, char in enumerate(text):
        allowed = (
            char in "._-#+~/\\"
            or unicodedata.category(char)[0] in "LMN"
            or (char == "%" and _HEX2.fullmatch(text[i + 1 : i + 3]) is not None)
        )
        if allowed:
            was_hyphen = char == "-"
            if hyphen_due and not was_hyphen:
                kept.append("-")
            hyphen_due = False
            kept.append(char)
        elif kept and not was_hyphen and char.isspace():
            hyphen_due = True
    return "".join(kept).lower()


def jekyll_slugify(text: str, *, pretty: bool = False, cased: bool = False) -> str:
    """Jekyll's slugify ("default" mode, or "pretty"): runs of other characters become one
    hyphen, none at the ends; lower-cased unless `cased`."""
    slug = (_JEKYLL_PRETTY if pretty else _JEKYLL_DEFAULT).sub("-", text).strip("-")
    return slug if cased else slug.lower()


class _Facts:
    """The values of the tokens for one post."""

    def __init__(self, generator: Generator, path: PurePosixPath, page: Page) -> None:
        self.generator, self.page = generator, page
        stem = path.stem
        folders = list(path.parts[:-1])
        if generator == "hugo" and stem in ("index", "_index") and folders:
            stem = "" if stem == "_index" else folders.pop()
        dated = _DATED_NAME.match(stem)
        self.name = dated[4] if dated else stem
        self.name_date = (int(dated[1]), int(dated[2]), int(dated[3])) if dated else None
        if "_posts" in folders:
            self.path_categories = folders[: folders.index("_posts")]
            folders = self.path_categories
        else:
            self.path_categories = []
        self.folders = folders

    def value(self, token: str, written: str) -> str:
        produce = _TOKENS.get(token)
        return written if produce is None else produce(self)

    # --- the tokens -------------------------------------------------------------------------

    def title(self) -> str:
        if self.generator == "jekyll":
            return jekyll_slugify(self.page.slug or self.name, pretty=True, cased=True)
        return hugo_urlize(self.page.title or self.name)

    def slug(self) -> str:
        if self.generator == "jekyll":
            return jekyll_slugify(self.page.slug or self.name)
        return hugo_urlize(self.page.slug) if self.page.slug else self.title()

    def slug_or_filename(self) -> str:
        if self.generator == "jekyll":
            return self.slug()
        return hugo_urlize(self.page.slug or self.name)

    def filename(self) -> str:
        if self.generator == "jekyll":
            return jekyll_slugify(self.name)
        return hugo_urlize(self.name)

    def categories(self) -> str:
        if self.generator == "jekyll":
            names = [*self.path_categories, *self.page.categories]
            return "/".join(dict.fromkeys(str(n).lower() for n in names))
        return "/".join(hugo_urlize(str(n)) for n in self.page.categories)

    def section(self) -> str:
        return self._folder(self.folders[0]) if self.folders else ""

    def sections(self) -> str:
        return "/".join(self._folder(f) for f in self.folders)

    def _folder(self, name: str) -> str:
        return hugo_urlize(name) if self.generator == "hugo" else name

    def date(self) -> dt.date:
        found = _DATE.match(self.page.date or "")
        try:
            if found:
                return dt.date(int(found[1]), int(found[2]), int(found[3]))
            if self.name_date:
                return dt.date(*self.name_date)
        except ValueError:
            pass
        raise PermalinkError(
            "the permalink needs the post's date: add `date: YYYY-MM-DD` to its front "
            "matter, or start its file name with one (2024-03-05-my-post.md)"
        )


def _date_part(fmt: Callable[[dt.date], str]) -> Callable[[_Facts], str]:
    return lambda facts: fmt(facts.date())


_TOKENS: dict[str, Callable[[_Facts], str]] = {
    "year": _date_part(lambda d: f"{d.year:04d}"),
    "month": _date_part(lambda d: f"{d.month:02d}"),
    "day": _date_part(lambda d: f"{d.day:02d}"),
    "i_month": _date_part(lambda d: str(d.month)),
    "i_day": _date_part(lambda d: str(d.day)),
    "short_year": _date_part(lambda d: f"{d.year % 100:02d}"),
    "y_day": _date_part(lambda d: f"{d.timetuple().tm_yday:03d}"),
    "title": _Facts.title,
    "slug": _Facts.slug,
    "slugorfilename": _Facts.slug_or_filename,
    "filename": _Facts.filename,
    "categories": _Facts.categories,
    "section": _Facts.section,
    "sections": _Facts.sections,
    "output_ext": lambda _facts: ".html",
}


def _is_absolute(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _join(base_url: str, path: str) -> str:
    path = _SLASHES.sub("/", "/" + path)
    return base_url.rstrip("/") + quote(path, safe=_PATH_SAFE)


@dataclass(frozen=True, slots=True)
class SiteLinks:
    """A site's base URL and permalink setting, applied to the files of its posts_dir."""

    base_url: str
    permalink: str | None = None
    posts_dir: PurePath | None = None

    def url_for(self, file: PurePath, page: Page) -> str:
        """`post_url` of `file` under this site."""
        return post_url(self.base_url, self.permalink, file, page, posts_dir=self.posts_dir)
