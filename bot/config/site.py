"""`[site]`: the site whose posts posts_dir holds, so that every file gets its public URL the
way the site's generator makes it (`bot.sources.permalinks`)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, WithJsonSchema

from bot.config.channels import FrozenModel
from bot.config.types import StrictStr
from bot.sources.permalinks import PRESETS, check_permalink

__all__ = ["SiteSettings"]


def _base_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError('must be the site\'s address, such as "https://example.org/"')
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError('must be only the site\'s address, such as "https://example.org/blog/"')
    return value.strip()


SiteBaseUrl = Annotated[
    StrictStr,
    AfterValidator(_base_url),
    WithJsonSchema(
        {
            "type": "string",
            "format": "uri",
            "pattern": "^https?://",
            "examples": ["https://example.org/"],
        }
    ),
]
Permalink = Annotated[
    StrictStr,
    AfterValidator(check_permalink),
    WithJsonSchema({"type": "string", "examples": [*PRESETS, "/:year/:month/:slug/"]}),
]


class SiteSettings(FrozenModel):
    """`[site]`: the site the posts are published on."""

    base_url: SiteBaseUrl = Field(
        description="The site's address; each post's URL is made under it."
    )
    name: StrictStr | None = Field(
        None, description="The site's name ({site} in templates) for posts that name none."
    )
    permalink: Permalink | None = Field(
        None, description='"jekyll", "hugo", "pretty", ... or a pattern like "/:year/:slug/".'
    )
