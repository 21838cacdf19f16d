"""`render_post`: one excerpt of one article → the exact payload for one platform.

When the post is too long, hashtags go first (the last one first), then the excerpt is cut
at a clause or word boundary with "…"; the link and the attribution are never cut. A post
that cannot fit even so is a `RenderError`, never an over-long payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.article import Article
from bot.errors import RenderError
from bot.excerpt.shorten import shorten_to_fit
from bot.render.facets import bluesky_facets
from bot.render.hashtags import hashtags_for
from bot.render.links import UtmParams
from bot.render.platforms import Profile
from bot.render.telegram_html import visible_text
from bot.render.template import PLACEHOLDERS, Filled, Template, parse_template

# Measuring a post around this one-unit excerpt tells what the rest of the post takes.
_PROBE = "x"


@dataclass(frozen=True, slots=True)
class RenderedPost:
    """The exact payload for one platform, and what went into it.

    `excerpt` is the excerpt as used (cut and ending in "…" when it had to be), `url` the
    final link, `length` the post's length as the platform counts it (at most `limit`).
    `facets` are Bluesky's link and tag facets (empty elsewhere); `hashtags` those that fit.
    """

    text: str
    parse_mode: str | None
    excerpt: str
    url: str
    length: int
    limit: int
    platform: str
    facets: tuple[dict, ...] = ()
    hashtags: tuple[str, ...] = ()

    def to_json(self) -> dict:
        """The payload as JSON: text, parse_mode, excerpt, url, length, limit (+ facets)."""
        data = {
            "text": self.text,
            "parse_mode": self.parse_mode,
            "excerpt": self.excerpt,
            "url": self.url,
            "length": self.length,
            "limit": self.limit,
        }
        if self.facets:
            data["facets"] = [dict(facet) for facet in self.facets]
        return data


def _one_line(value: str | None) -> str:
    return " ".join(value.split()) if value else ""


def final_link(article: Article, url: str | None, utm: UtmParams | None) -> str:
    """The link a post carries: `url`, else the article's, UTM-tagged when asked."""
    link = (url or article.url or "").strip()
    if not link:
        raise RenderError(
            f"{article.source}: no link for the post: the article has no URL and none was "
            "given; add one to the article (e.g. `url:` in its front matter) or pass a URL"
        )
    parts = urlsplit(link)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise RenderError(f"{article.source}: link {link!r} is not an http(s) URL")
    return utm.apply(link) if utm else link


def _checked_template(template: str | None, profile: Profile) -> Template:
    compiled = parse_template(profile.template if template is None else template)
    if profile.parse_mode == "HTML":
        sample = compiled.fill(dict.fromkeys(PLACEHOLDERS, "x"))
        try:
            visible_text(sample.text)
        except RenderError as exc:
            raise RenderError(f"template for {profile.name}: {exc}") from None
    return compiled


@dataclass(frozen=True, slots=True)
class _Draft:
    """Everything of a post but its excerpt and hashtags."""

    profile: Profile
    template: Template
    link: str
    values: dict[str, str]

    @classmethod
    def of(
        cls,
        article: Article,
        profile: Profile,
        *,
        template: str | None,
        utm: UtmParams | None,
        url: str | None,
    ) -> _Draft:
        link = final_link(article, url, utm)
        plain = {
            "title": _one_line(article.title),
            "site": _one_line(article.site),
            "author": _one_line(article.author),
            "disclaimer": _one_line(article.disclaimer),
            "ai_label": _one_line(article.ai_label),
            "url": link,
        }
        values = {name: profile.escape(value) for name, value in plain.items()}
        values["url"] = profile.escape_link(link)
        return cls(profile, _checked_template(template, profile), link, values)

    def fill(self, excerpt: str, hashtags: list[str]) -> Filled:
        escape = self.profile.escape
        return self.template.fill(
            {**self.values, "excerpt": escape(excerpt), "hashtags": self.profile.hashtags(hashtags)}
        )

    def fits(self, excerpt: str) -> bool:
        return self.profile.fits(self.fill(excerpt, []).text)

    def post(self, excerpt: str, hashtags: list[str]) -> RenderedPost | None:
        """The post, or None when it would not fit."""
        filled = self.fill(excerpt, hashtags)
        profile = self.profile
        length = profile.length_if_fits(filled.text)
        if length is None:
            return None
        return RenderedPost(
            text=filled.text,
            parse_mode=profile.parse_mode,
            excerpt=excerpt,
            url=self.link,
            length=length,
            limit=profile.limit,
            platform=profile.name,
            facets=bluesky_facets(filled.text, filled.spans) if profile.link_facets else (),
            hashtags=tuple(hashtags),
        )


def render_post(
    excerpt: str,
    article: Article,
    profile: Profile,
    *,
    template: str | None = None,
    utm: UtmParams | None = None,
    max_hashtags: int = 3,
    url: str | None = None,
) -> RenderedPost:
    """The exact post for `profile`: `excerpt` with `article`'s attribution, link and hashtags.

    `template` defaults to the profile's; `url` overrides the article's URL; `utm` tags the
    link. Never longer than the platform's limit: hashtags are dropped (last first), then
    the excerpt is cut. RenderError (one line) when no template, link or fit is possible.
    """
    draft = _Draft.of(article, profile, template=template, utm=utm, url=url)
    text = excerpt.strip()
    if not text:
        raise RenderError(f"{article.source}: nothing to post on {profile.name}: empty excerpt")
    tags = []
    if "hashtags" in draft.template.names:
        tags = hashtags_for(article, max_tags=max_hashtags)
    for count in range(len(tags), -1, -1):
        post = draft.post(text, tags[:count])
        if post is not None:
            return post
    cut = shorten_to_fit(text, draft.fits)
    if cut is None:
        rest = profile.measure(draft.fill("", []).text)
        raise RenderError(
            f"{article.source}: post does not fit on {profile.name}: not even the excerpt's "
            f"first word fits in {profile.limit} {profile.unit} beside the title and link "
            f"(which take {rest}); shorten the title or the template"
        )
    post = draft.post(cut, [])
    assert post is not None  # `cut` was chosen because it fits
    return post


def excerpt_budget(
    article: Article,
    profile: Profile,
    *,
    template: str | None = None,
    utm: UtmParams | None = None,
    url: str | None = None,
) -> int:
    """How much room a post leaves for the excerpt, without hashtags, in the units of
    `profile.measure_excerpt`; capped at `profile.excerpt_max`. An estimate for choosing
    excerpts: `render_post` has the last word."""
    draft = _Draft.of(article, profile, template=template, utm=utm, url=url)
    taken = profile.measure(draft.fill(_PROBE, []).text) - profile.measure_excerpt(_PROBE)
    budget = profile.limit - taken
    if profile.excerpt_max is not None:
        budget = min(budget, profile.excerpt_max)
    return max(budget, 0)
