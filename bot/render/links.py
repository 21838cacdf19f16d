"""The link a post carries: the article's URL with UTM parameters, if configured."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit


@dataclass(frozen=True, slots=True)
class UtmParams:
    """UTM tags to add to every link of a channel; a field left None is not added."""

    source: str | None = None
    medium: str | None = None
    campaign: str | None = None

    def apply(self, url: str) -> str:
        """`url` with these tags added (see `add_utm`)."""
        return add_utm(url, source=self.source, medium=self.medium, campaign=self.campaign)


def add_utm(
    url: str,
    *,
    source: str | None = None,
    medium: str | None = None,
    campaign: str | None = None,
) -> str:
    """`url` with utm_source, utm_medium and utm_campaign set to the given values.

    Existing query parameters keep their order and their exact spelling, and the fragment is
    kept; an existing utm_* of the same name is replaced in place. With nothing configured,
    `url` comes back unchanged.
    """
    wanted = {
        name: value
        for name, value in (
            ("utm_source", source),
            ("utm_medium", medium),
            ("utm_campaign", campaign),
        )
        if value
    }
    if not wanted:
        return url
    parts = urlsplit(url)
    pending = dict(wanted)
    query: list[str] = []
    for pair in parts.query.split("&") if parts.query else []:
        name = unquote_plus(pair.partition("=")[0])
        if name not in wanted:
            query.append(pair)
        elif name in pending:
            query.append(urlencode({name: pending.pop(name)}))
        # A repeated utm_* we set is dropped: one value per name.
    query.extend(urlencode({name: value}) for name, value in pending.items())
    return urlunsplit(parts._replace(query="&".join(query)))
