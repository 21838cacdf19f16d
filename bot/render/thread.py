"""An article as a short thread: a hook, a few excerpts, the link in the last post (pure).

Each part fits the platform on its own: the hook is the article's title (with its
hashtags), each middle part one excerpt verbatim, and the last part a regular post —
the last excerpt with the channel's template, so the attribution and the link close the
thread. Excerpts that cannot fit are cut as `render_post` cuts them.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.article import Article
from bot.errors import RenderError
from bot.excerpt.shorten import shorten_to_fit
from bot.render.hashtags import hashtags_for
from bot.render.links import UtmParams
from bot.render.platforms import Profile
from bot.render.post import render_post

THREAD_MARK = "🧵"
DEFAULT_PARTS = 4  # hook + 2 excerpts + the last post with the link


def render_thread(
    article: Article,
    excerpts: Sequence[str],
    profile: Profile,
    *,
    template: str | None = None,
    utm: UtmParams | None = None,
    max_hashtags: int = 3,
    url: str | None = None,
    parts: int = DEFAULT_PARTS,
) -> tuple[str, ...]:
    """The thread's posts in order; each fits `profile`. Needs at least one excerpt."""
    if not excerpts:
        raise RenderError(f"{article.source}: no excerpt to make a thread of")
    chosen = list(excerpts[: max(parts - 1, 1)])
    hook = _hook(article, profile, max_hashtags)
    middle = [_alone(text, profile) for text in chosen[:-1]]
    last = render_post(
        chosen[-1], article, profile, template=template, utm=utm, max_hashtags=0, url=url
    ).text
    return tuple(part for part in (hook, *middle, last) if part)


def _hook(article: Article, profile: Profile, max_hashtags: int) -> str:
    tags = hashtags_for(article, max_tags=max_hashtags)
    title = " ".join(article.title.split())
    for count in range(len(tags), -1, -1):
        text = "\n".join(filter(None, (f"{title} {THREAD_MARK}", " ".join(tags[:count]))))
        if profile.fits(profile.escape(text)):
            return profile.escape(text)
    cut = shorten_to_fit(title, lambda t: profile.fits(profile.escape(f"{t} {THREAD_MARK}")))
    return profile.escape(f"{cut} {THREAD_MARK}") if cut else ""


def _alone(excerpt: str, profile: Profile) -> str:
    text = profile.escape(excerpt)
    if profile.fits(text):
        return text
    cut = shorten_to_fit(excerpt, lambda t: profile.fits(profile.escape(t)))
    return profile.escape(cut) if cut else ""
