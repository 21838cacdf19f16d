"""A composed post: the operator's own words (an announcement), not a quote of an article.

It is the text as written, then its link (when there is one) on a line of its own,
escaped for the platform's parse mode and measured as the platform counts. It is never
cut: a text that does not fit is refused with its length, so the user can shorten it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.errors import RenderError
from bot.render.facets import checked_facets
from bot.render.links import UtmParams
from bot.render.platforms import Profile
from bot.store.records import Rendered


def render_composed(
    text: str,
    profile: Profile,
    *,
    link: str | None = None,
    utm: UtmParams | None = None,
    language: str | None = None,
) -> Rendered:
    """The exact payload of a composed post on `profile`'s platform; RenderError (one line)
    when the text is empty, the link is not http(s), or it does not fit."""
    words = text.strip()
    if not words:
        raise RenderError("nothing to post: the text is empty")
    payload = profile.escape(words)
    if link:
        parts = urlsplit(link.strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise RenderError(f"link {link!r} is not an http(s) URL")
        link = utm.apply(link.strip()) if utm else link.strip()
        payload += "\n\n" + profile.escape_link(link)
    if profile.length_if_fits(payload) is None:
        raise RenderError(
            f"the post does not fit on {profile.name}: it takes {profile.measure(payload)} of "
            f"{profile.limit} {profile.unit}; shorten the text"
        )
    facets = tuple(checked_facets(payload, ())) if profile.link_facets else ()
    return Rendered(
        payload, profile.parse_mode, link=link or None, facets=facets, language=language
    )
