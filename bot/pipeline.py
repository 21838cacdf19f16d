"""From an article to the posts one platform would get: excerpt, then render (pure)."""

from __future__ import annotations

from bot.article import Article
from bot.errors import RenderError
from bot.excerpt import Excerpt, excerpt_article
from bot.render import (
    Profile,
    RenderedPost,
    UtmParams,
    excerpt_budget,
    final_link,
    render_post,
)
from bot.render.thread import DEFAULT_PARTS, render_thread


def excerpts_for(
    article: Article,
    profile: Profile,
    *,
    template: str | None = None,
    utm: UtmParams | None = None,
    url: str | None = None,
    limit: int | None = None,
) -> list[Excerpt]:
    """The article's excerpts that fit `profile`'s posts made with `template`, best first."""
    budget = excerpt_budget(article, profile, template=template, utm=utm, url=url)
    return excerpt_article(
        article, max_length=budget, measure=profile.measure_excerpt, limit=limit
    )


def posts_for(
    article: Article,
    profile: Profile,
    *,
    template: str | None = None,
    utm: UtmParams | None = None,
    url: str | None = None,
    max_hashtags: int = 3,
    limit: int | None = None,
) -> list[RenderedPost]:
    """Every post `profile` would get from `article`, rendered exactly as it would be sent."""
    posts = []
    for excerpt in excerpts_for(article, profile, template=template, utm=utm, url=url, limit=limit):
        try:
            posts.append(
                render_post(
                    excerpt.text, article, profile,
                    template=template, utm=utm, url=url, max_hashtags=max_hashtags,
                )
            )
        except RenderError:
            continue  # this excerpt cannot fit; the others still can
    return posts


def thread_for(
    article: Article,
    profile: Profile,
    *,
    template: str | None = None,
    utm: UtmParams | None = None,
    url: str | None = None,
    max_hashtags: int = 3,
    parts: int = DEFAULT_PARTS,
) -> list[RenderedPost]:
    """The article as one thread for `profile`: one RenderedPost per part, in order.

    Each part's `excerpt` is the part itself; the `url` is the link the last part carries.
    """
    excerpts = [e.text for e in excerpts_for(article, profile, template=template, utm=utm,
                                             url=url)]
    if not excerpts:
        return []
    texts = render_thread(article, excerpts, profile, template=template, utm=utm,
                          max_hashtags=max_hashtags, url=url, parts=parts)
    link = final_link(article, url, utm)
    return [
        RenderedPost(text=text, parse_mode=profile.parse_mode, excerpt=text, url=link,
                     length=profile.measure(text), limit=profile.limit, platform=profile.name)
        for text in texts
    ]
