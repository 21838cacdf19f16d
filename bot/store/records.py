"""What the store hands back: small frozen dataclasses, never database rows.

`to_dict()` gives JSON-ready values (datetimes as ISO-8601 UTC text) for `--json` output.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any, NamedTuple

from bot.article import Article, Excerpt
from bot.pricing import Budget


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


class _Record:
    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values."""
        return {
            f.name: _jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if f.repr
        }


class Rendered(NamedTuple):
    """What the renderer computed for a post, stored with it as its payload and handed to
    the channel intact: the text, its parse mode and, for a thread, its parts in order
    (then `text` is the parts joined by a blank line, for people to read); the link as it
    appears in the post (UTM tags included), Bluesky-style `facets` (UTF-8 byte ranges),
    the article's `language`, and the link `card` (uri, title, description) where the
    platform shows one. A plain `(text, parse_mode)` pair is one too."""

    text: str
    parse_mode: str | None = None
    parts: tuple[str, ...] = ()
    link: str | None = None
    facets: tuple[dict, ...] = ()
    language: str | None = None
    card: Mapping[str, str | None] | None = None

    def to_payload(self) -> dict[str, Any]:
        """The JSON the store keeps (`posts.payload`)."""
        return {
            "text": self.text,
            "parse_mode": self.parse_mode,
            "parts": list(self.parts),
            "link": self.link,
            "facets": list(self.facets),
            "language": self.language,
            "card": dict(self.card) if self.card is not None else None,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Rendered:
        return cls(
            text=payload["text"],
            parse_mode=payload.get("parse_mode"),
            parts=tuple(payload.get("parts") or ()),
            link=payload.get("link"),
            facets=tuple(payload.get("facets") or ()),
            language=payload.get("language"),
            card=payload.get("card"),
        )


class ArticleCuts(NamedTuple):
    """An article to store (`Store.upsert_articles`): its cuts by name (or one list), the
    channels to queue it on, the cut each channel posts from, and the settings each
    channel's cut was chosen with (see `bot.store.ingest.upsert_article`)."""

    article: Article
    cuts: Sequence[Excerpt] | Mapping[str, Sequence[Excerpt]]
    channels: Sequence[Any]  # ChannelPolicy values, or (name, require_approval) pairs
    cut_of: Mapping[str, str] | None = None
    made_with: Mapping[str, str] | None = None  # channel -> its cut_signature


class FileStamp(NamedTuple):
    """An article file as it was when last read (`bot.sources.stamps`): its size, its
    modification time, a digest of its bytes, the reader that read it (the code, posts_dir
    and [site]: `reader_key`), and when the stamp was taken (wall-clock nanoseconds)."""

    size: int
    mtime_ns: int
    digest: str
    reader: str
    checked_ns: int


class IngestStatus(StrEnum):
    NEW = "new"  # first seen: inserted, posts queued
    CHANGED = "changed"  # text, metadata or excerpts differ: updated, posts reconciled
    RESTORED = "restored"  # had been removed and came back
    UNCHANGED = "unchanged"  # nothing to do


@dataclass(frozen=True, slots=True)
class IngestResult(_Record):
    """What `upsert_article` did: posts queued and cancelled, excerpts added and retired."""

    article_id: str
    status: IngestStatus
    queued: int = 0
    cancelled: int = 0
    excerpts_added: int = 0
    excerpts_retired: int = 0
    queued_on: Mapping[str, int] = dataclasses.field(
        default_factory=dict, repr=False, compare=False
    )  # by channel


@dataclass(frozen=True, slots=True)
class ThreadPart(_Record):
    """A part of a thread that went out: its place (0 first), where it is, and when.

    `remote_id` is None when the platform took the part but gave no id for it.
    """

    index: int
    remote_id: str | None
    remote_url: str | None
    sent_at: datetime


class NoClaim(StrEnum):
    """Why a claim found nothing to send."""

    PAUSED = "paused"  # the channel is paused
    CAPPED = "capped"  # max_per_day has no room for this slot
    EMPTY = "empty"  # nothing queued is due, and no excerpt is due to come back
    AWAITING_APPROVAL = "awaiting_approval"  # a repeat came due: pending until approved
    NOT_HELD = "not_held"  # another daemon holds the channel now (several on one database)


@dataclass(frozen=True, slots=True)
class BudgetHeld(_Record):
    """A claim the channel's budget held back: `spent` (micros) so far in the budget's
    period and the next post's `cost` would go past `budget`; posts wait until `until`,
    when the period rolls over. `first`: the first claim held back this period (the one
    that says so in the log)."""

    channel: str
    until: datetime
    spent: int
    cost: int
    budget: Budget = dataclasses.field(repr=False)
    first: bool = True


@dataclass(frozen=True, slots=True)
class ClaimedPost(_Record):
    """A post now `sending`, committed: send exactly `text`, then mark it sent or otherwise.

    `attempts` counts claims of this post, this one included. `recycled` is true for an
    evergreen repeat of an excerpt sent before. A thread has its `parts` (empty for a single
    post) and the parts already out, in order, in `sent_parts`: send from the next one.
    """

    id: int
    channel: str
    article_id: str
    excerpt_id: str
    text: str
    parse_mode: str | None
    url: str | None
    attempts: int
    claimed_at: datetime
    recycled: bool
    article: Article = dataclasses.field(repr=False)
    excerpt: Excerpt = dataclasses.field(repr=False)
    parts: tuple[str, ...] = ()
    sent_parts: tuple[ThreadPart, ...] = ()
    payload: Rendered | None = dataclasses.field(default=None, repr=False)  # all of it
    delivery_key: str | None = None  # the key it goes out under, the same for every retry


@dataclass(frozen=True, slots=True)
class PostRecord(_Record):
    """One post as `history`, `queued` and `get_post` list it. A thread has its `parts` and
    the parts out so far in `sent_parts` (both empty for a single post)."""

    id: int
    channel: str
    article_id: str
    excerpt_id: str
    status: str
    text: str | None
    parse_mode: str | None
    remote_id: str | None
    remote_url: str | None
    error: str | None
    attempts: int
    created_at: datetime
    not_before: datetime | None
    claimed_at: datetime | None
    sent_at: datetime | None
    updated_at: datetime | None
    excerpt_text: str
    excerpt_rank: int
    article_title: str
    parts: tuple[str, ...] = ()
    sent_parts: tuple[ThreadPart, ...] = ()
    payload: dict[str, Any] | None = None  # what the renderer computed; None before a claim
    kind: str = "excerpt"  # or "composed": the operator's own words (`excerpt-bot compose`)
    cost: float | None = None  # what it cost, or may have (unknown), in `currency`; None:
    #                            nothing (not out, or its platform does not bill posts)
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleSummary(_Record):
    """An article as the web console lists it: where it is from, and its posts by state."""

    id: str
    title: str
    url: str | None
    source: str
    added_at: datetime
    updated_at: datetime
    removed_at: datetime | None
    sent: int  # posts out
    waiting: int  # queued or pending approval


@dataclass(frozen=True, slots=True)
class AttemptRecord(_Record):
    """One try at delivering a post: when, how long, and what came of it."""

    id: int
    post_id: int
    started_at: datetime
    finished_at: datetime
    outcome: str
    error: str | None
    duration_ms: int


@dataclass(frozen=True, slots=True)
class ChannelState(_Record):
    """A channel's own state; a channel never seen has the defaults."""

    channel: str
    paused: bool = False
    paused_reason: str | None = None
    paused_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_sent_at: datetime | None = None
    last_slot_at: datetime | None = None
    budget_reached_until: datetime | None = None  # its budget holds posts back until then


@dataclass(frozen=True, slots=True)
class ChannelSummary(_Record):
    """One channel in `status`: its queue, its last post out, its last error, paused or not.

    `counts` has every post status as a key (0 when none).
    """

    channel: str
    queue_depth: int
    pending_approval: int
    paused: bool
    paused_reason: str | None
    last_sent_at: datetime | None
    last_sent_post_id: int | None
    last_sent_remote_url: str | None
    last_error: str | None
    last_error_at: datetime | None
    last_slot_at: datetime | None
    counts: Mapping[str, int]
    token_expires_at: str | None = None  # the channel's token: ISO 8601, "never", or unknown
    budget_reached_until: datetime | None = None  # as the channel's state keeps it
    charges: tuple = dataclasses.field(default=(), repr=False, compare=False)  # spend.Charge
    #                                   values in the window asked for (none when not asked)


@dataclass(frozen=True, slots=True)
class FeedState(_Record):
    """A feed's polling state; a feed never polled has the defaults.

    `failures` counts failed polls in a row (0 after a success); `next_poll_at` is when
    the next poll is due (later than the poll interval while backing off).
    """

    url: str
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0
    next_poll_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedSummary(_Record):
    """A feed in `status`: its state and how many of its entries became what (by kind)."""

    state: FeedState
    entries: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class FeedEntry(_Record):
    """An entry seen in a feed: its identity (GUID, canonical link, content hash), its
    article (None when only recorded as seen), and what became of it (`kind`)."""

    feed: str
    guid: str
    link: str | None
    entry_hash: str
    kind: str
    content_hash: str | None = None
    article_id: str | None = None
    id: int | None = None  # None until stored
    first_seen_at: datetime | None = None
    updated_at: datetime | None = None


def article_data(article: Article) -> dict[str, Any]:
    """The whole article as JSON-ready data (tuples become lists), as stored."""
    return json.loads(json.dumps(dataclasses.asdict(article)))


def article_from_data(data: Mapping[str, Any]) -> Article:
    """The article back from its stored data; keys this version does not know are ignored."""
    names = {f.name for f in dataclasses.fields(Article)}
    return Article(
        **{
            key: tuple(value) if isinstance(value, list) else value
            for key, value in data.items()
            if key in names
        }
    )


def excerpt_from_row(row: Any) -> Excerpt:
    """An `Excerpt` from a row with the excerpts table's columns (id as `excerpt_id`)."""
    return Excerpt(
        id=row.excerpt_id,
        article_id=row.article_id,
        text=row.excerpt_text,
        rank=row.excerpt_rank,
        score=row.score,
        paragraph=row.paragraph,
        first_sentence=row.first_sentence,
        sentence_count=row.sentence_count,
        shortened=bool(row.shortened),
    )
