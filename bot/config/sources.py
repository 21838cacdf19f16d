"""`[[sources]]`: the feeds the daemon polls, each with its interval, filters and channels.

`check_sources` runs once the channels are known: every channel a source names must be one
of them ("did you mean"), and each feed is listed once. Its problems carry their own key
paths (`sources[0].channels[1]`), like every other problem in the file.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, WithJsonSchema
from pydantic_core import InitErrorDetails, PydanticCustomError

from bot.article import canonical_url
from bot.config.channels import FrozenModel
from bot.config.types import ChannelName, PositiveDuration, StrictBool, StrictInt, StrictStr

__all__ = ["FeedUrl", "Source", "check_sources"]


def _feed_url(value: str) -> str:
    # Never quote the value: a private feed's URL may carry a token.
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError('must be an http:// or https:// URL such as "https://example.org/feed/"')
    if parts.username or parts.password:
        raise ValueError(
            "must not contain a user name or password (secrets are not read from the config file)"
        )
    return value.strip()


FeedUrl = Annotated[
    StrictStr,
    AfterValidator(_feed_url),
    WithJsonSchema(
        {
            "type": "string",
            "format": "uri",
            "pattern": "^https?://",
            "examples": ["https://example.org/feed/"],
        }
    ),
]


def _string_list(value: object) -> object:
    """A single string is a list of one; an empty string is a mistake."""
    items = [value] if isinstance(value, str) else value
    if isinstance(items, list | tuple):
        if any(isinstance(i, str) and not i.strip() for i in items):
            raise ValueError('has an empty name (write e.g. ["news", "science"])')
        return tuple(items)
    return items


Names = Annotated[
    tuple[StrictStr, ...], BeforeValidator(_string_list, json_schema_input_type=str | list[str])
]
ChannelNames = Annotated[
    tuple[ChannelName, ...],
    BeforeValidator(_string_list, json_schema_input_type=str | list[str]),
]


class Source(FrozenModel):
    """One `[[sources]]` table: a feed whose new entries are excerpted and queued."""

    feed: FeedUrl = Field(description="The RSS or Atom feed's URL (http or https).")
    poll: PositiveDuration = Field(
        timedelta(minutes=30), description="How often the feed is fetched (conditional GET)."
    )
    include_tags: Names = Field(
        (), description="Only entries with one of these tags or categories (any case)."
    )
    exclude_tags: Names = Field(
        (), description="Never entries with one of these tags or categories (any case)."
    )
    channels: ChannelNames | None = Field(
        None, description="The channels its articles go to (default: every channel)."
    )
    first_sync: Annotated[StrictInt, Field(ge=0)] = Field(
        1, description="On the feed's first poll, queue only this many of its newest entries."
    )
    backlog: Literal["skip", "evergreen"] = Field(
        "skip", description="The older entries at first poll: only seen, or evergreen pool."
    )
    fetch_pages: StrictBool = Field(
        True, description="Fetch an entry's page when the feed carries only a summary."
    )

    def takes(self, tags: Collection[str]) -> bool:
        """Whether an entry with these tags passes include_tags and exclude_tags."""
        have = {t.casefold() for t in tags}
        if self.include_tags and not have & {t.casefold() for t in self.include_tags}:
            return False
        return not have & {t.casefold() for t in self.exclude_tags}


def check_sources(sources: Sequence[Source], channels: Collection[str]) -> None:
    """Raise a ValidationError (key paths relative to `sources`) for unknown channel names
    and feeds listed twice."""
    problems: list[InitErrorDetails] = []
    first_of: dict[str, int] = {}
    for i, source in enumerate(sources):
        for j, name in enumerate(source.channels or ()):
            if name not in channels:
                problems.append(
                    _problem(
                        (i, "channels", j), name, f'no channel "{name}" ({_hint(name, channels)})'
                    )
                )
        key = canonical_url(source.feed)
        if key in first_of:
            problems.append(
                _problem(
                    (i, "feed"),
                    source.feed,
                    f"the same feed as sources[{first_of[key]}] (list each "
                    "feed once; merge their channels)",
                )
            )
        first_of.setdefault(key, i)
    if problems:
        raise ValidationError.from_exception_data("sources", problems)


def _problem(loc: tuple[int | str, ...], value: object, message: str) -> InitErrorDetails:
    return InitErrorDetails(
        type=PydanticCustomError("value_error", message, {"error": message}), loc=loc, input=value
    )


def _hint(name: str, channels: Collection[str]) -> str:
    close = difflib.get_close_matches(name, sorted(channels), n=1, cutoff=0.6)
    if close:
        return f'did you mean "{close[0]}"?'
    return f"the channels are {', '.join(sorted(channels))}"
