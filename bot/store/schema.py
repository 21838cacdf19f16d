"""The store's tables (SQLAlchemy Core), its post states and its UTC datetime column type.

`SCHEMA_VERSION` is the version these tables describe; `bot.store.migrations` upgrades an
older database to it step by step. Change a table here only together with a new migration
step there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.types import TypeDecorator

SCHEMA_VERSION = 11

# Fixed width, so that text order is time order (comparisons happen in SQL).
_UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@lru_cache(maxsize=64)
def _utc_text(value: datetime) -> str:
    """A UTC datetime as stored, remembered: a batch of inserts stamps thousands of rows
    with the same `now`. (UTC only: in a zone with DST, datetimes that differ only in
    `fold` compare equal while an hour apart.)"""
    return value.strftime(_UTC_FORMAT)


class UtcDateTime(TypeDecorator):
    """A timezone-aware datetime stored as fixed-width ISO-8601 UTC text; read back aware.

    Naive datetimes are refused: every time the store sees comes from a clock that knows
    its zone, and guessing one here would shift posts by hours.
    """

    impl = String(27)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"the store needs timezone-aware datetimes, got {value!r}")
        if value.tzinfo is UTC:
            return _utc_text(value)
        return value.astimezone(UTC).strftime(_UTC_FORMAT)

    def process_result_value(self, value: str | None, dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.strptime(value, _UTC_FORMAT).replace(tzinfo=UTC)


class PostStatus(StrEnum):
    """Where a post is in its life. Stored as the value string."""

    QUEUED = "queued"
    PENDING_APPROVAL = "pending_approval"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


QUEUED = PostStatus.QUEUED.value
PENDING_APPROVAL = PostStatus.PENDING_APPROVAL.value
SENDING = PostStatus.SENDING.value
SENT = PostStatus.SENT.value
FAILED = PostStatus.FAILED.value
UNKNOWN = PostStatus.UNKNOWN.value
SKIPPED = PostStatus.SKIPPED.value
CANCELLED = PostStatus.CANCELLED.value


class EntryKind(StrEnum):
    """What became of a feed entry. Stored as the value string."""

    INGESTED = "ingested"  # its article was stored and queued on the source's channels
    EVERGREEN = "evergreen"  # first-sync backlog: stored, in the channels' recycling pool
    SKIPPED = "skipped"  # first-sync backlog: recorded as seen, nothing else
    FILTERED = "filtered"  # left out by the source's include_tags / exclude_tags
    LIBRARY = "library"  # its article was already in the library (a file, an added URL)


# Entries whose articles the feed owns: queued by the feed for its channels only.
FEED_OWNED = (EntryKind.INGESTED.value, EntryKind.EVERGREEN.value)

# Not yet out, and nothing has been tried: what an edit or a removal may still cancel.
NOT_YET_SENT = (QUEUED, PENDING_APPROVAL)
WAITING_SQL = "status IN ('queued', 'pending_approval')"
# Went out, or may have: what counts against `max_per_day` and against repeating an article.
SENT_OR_MAYBE = (SENT, SENDING, UNKNOWN)

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("source", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("url", Text),
    Column("data", JSON, nullable=False),  # the whole Article, to render without the file
    Column("content_hash", String(64), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("removed_at", UtcDateTime),
    Index("ix_articles_source", "source"),
)

excerpts = Table(
    "excerpts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("article_id", String(64), ForeignKey("articles.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("paragraph", Integer, nullable=False),
    Column("first_sentence", Integer, nullable=False),
    Column("sentence_count", Integer, nullable=False),
    Column("shortened", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),  # false once a re-excerpt no longer has it
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_excerpts_article", "article_id"),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(200), nullable=False),
    Column("article_id", String(64), ForeignKey("articles.id"), nullable=False),
    Column("excerpt_id", String(64), ForeignKey("excerpts.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("text", Text),  # the exact payload, filled when claimed
    Column("parse_mode", String(20)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("not_before", UtcDateTime),
    Column("claimed_at", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Column("remote_id", Text),
    Column("remote_url", Text),
    Column("error", Text),
    # Added in schema version 2:
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("updated_at", UtcDateTime),  # the last change of status
    # Added in schema version 4: a thread's rendered parts (a JSON list); NULL for one post.
    Column("parts", JSON(none_as_null=True)),
    # Added in schema version 5: everything the renderer computed for the post (text, parse
    # mode, link, link card, facets, language, parts), as the channel gets it; NULL before.
    Column("payload", JSON(none_as_null=True)),
    # Added in schema version 5: the key this post is delivered under, chosen at its first
    # claim and kept across its retries and restarts (a record key, an idempotency key).
    Column("delivery_key", String(64)),
    # Added in schema version 6: when the operator put this post first in its channel's
    # queue (`pin`, `send-now`); the latest pin goes first. NULL: in the planner's order.
    Column("pinned_at", UtcDateTime),
    # Added in schema version 9: what the post cost where its platform bills posts, or may
    # have cost (sending, unknown), in millionths of `currency`; a thread's whole price,
    # its parts out when it stopped midway. NULL: it cost nothing (not out, or free).
    Column("cost_micros", Integer),
    Column("currency", String(3)),
    # Added in schema version 10: the daemon (`instances.name`) that claimed it last; a post
    # left `sending` by a daemon that died is settled by the one taking its channel over.
    Column("claimed_by", String(200)),
    Index("ix_posts_channel_status", "channel", "status"),
    Index("ix_posts_channel_sent_at", "channel", "sent_at"),
    Index("ix_posts_channel_claimed_at", "channel", "claimed_at"),
    Index("ix_posts_excerpt_channel", "excerpt_id", "channel"),
    Index("ix_posts_article_status", "article_id", "status"),
    # Added in schema version 5: at most one post waiting per (channel, excerpt).
    Index(
        "ux_posts_waiting",
        "channel",
        "excerpt_id",
        unique=True,
        sqlite_where=text(WAITING_SQL),
        postgresql_where=text(WAITING_SQL),
    ),
)

# Added in schema version 2: one row per try at delivering a post.
attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", Integer, ForeignKey("posts.id"), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=False),
    Column("outcome", String(64), nullable=False),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_attempts_post", "post_id"),
)

channel_state = Table(
    "channel_state",
    metadata,
    Column("channel", String(200), primary_key=True),
    Column("paused", Boolean, nullable=False, default=False),
    Column("paused_reason", Text),
    Column("paused_at", UtcDateTime),
    Column("last_error", Text),
    Column("last_error_at", UtcDateTime),
    Column("last_sent_at", UtcDateTime),
    Column("last_slot_at", UtcDateTime),
    # Added in schema version 9: the channel's budget held its posts back until then (set
    # when a claim first finds it reached; cleared when a post goes out again).
    Column("budget_reached_until", UtcDateTime),
)

# Added in schema version 3: the feeds polled, with their HTTP validators and health.
feeds = Table(
    "feeds",
    metadata,
    Column("url", String(2000), primary_key=True),
    Column("title", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_polled_at", UtcDateTime),
    Column("last_success_at", UtcDateTime),
    Column("last_error", Text),
    Column("last_error_at", UtcDateTime),
    Column("failures", Integer, nullable=False, server_default="0"),  # in a row
    Column("next_poll_at", UtcDateTime),
)

# Added in schema version 3: every entry seen in a feed, and what became of it. An entry
# is recognised again by its GUID, its link (canonical URL) or its article's content hash.
feed_entries = Table(
    "feed_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feed", String(2000), ForeignKey("feeds.url"), nullable=False),
    Column("guid", Text, nullable=False),
    Column("link", Text),
    Column("entry_hash", String(64), nullable=False),  # the entry as the feed carries it
    Column("content_hash", String(64)),  # its article's, once ingested
    Column("article_id", String(64), ForeignKey("articles.id")),
    Column("kind", String(20), nullable=False),
    Column("first_seen_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_feed_entries_guid", "feed", "guid", unique=True),
    Index("ix_feed_entries_link", "feed", "link"),
    Index("ix_feed_entries_content", "feed", "content_hash"),
    Index("ix_feed_entries_article", "article_id"),
)

# Added in schema version 3: articles in a channel's evergreen recycling pool without having
# been queued there (a feed's first-sync backlog with backlog = "evergreen").
recycle_pool = Table(
    "recycle_pool",
    metadata,
    Column("channel", String(200), primary_key=True),
    Column("article_id", String(64), ForeignKey("articles.id"), primary_key=True),
    Column("added_at", UtcDateTime, nullable=False),
)

# Added in schema version 4: each part of a thread that went out, committed as it goes, so
# that a thread broken midway continues from the next part and never starts over.
thread_parts = Table(
    "thread_parts",
    metadata,
    Column("post_id", Integer, ForeignKey("posts.id"), primary_key=True),
    Column("idx", Integer, primary_key=True),  # 0 for the thread's first part
    Column("remote_id", Text),  # None: it went out, but the platform gave no id
    Column("remote_url", Text),
    Column("sent_at", UtcDateTime, nullable=False),
    # Added in schema version 9: what this part cost (millionths of its post's currency).
    Column("cost_micros", Integer),
)

# Added in schema version 5: the excerpts of an article cut for one room (a "cut": the
# platform's profile and the room its posts leave for the excerpt, say "x:241"), ranked
# within it. Channels whose posts leave the same room share a cut.
cut_excerpts = Table(
    "cut_excerpts",
    metadata,
    Column("article_id", String(64), ForeignKey("articles.id"), primary_key=True),
    Column("cut", String(200), primary_key=True),
    Column("excerpt_id", String(64), ForeignKey("excerpts.id"), primary_key=True),
    Column("rank", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("active", Boolean, nullable=False),  # false once a re-cut no longer has it
)

# Added in schema version 5: which cut of each article a channel posts from.
channel_cuts = Table(
    "channel_cuts",
    metadata,
    Column("channel", String(200), primary_key=True),
    Column("article_id", String(64), ForeignKey("articles.id"), primary_key=True),
    Column("cut", String(200), nullable=False),
    # Added in schema version 11: the channel's settings the pointer was made with (its
    # `bot.sources.stamps.cut_signature`), so that a channel whose settings did not change
    # since needs no look at the article; NULL when not known (it is looked at).
    Column("made_with", String(64)),
    Index("ix_channel_cuts_article", "article_id"),
)

# Added in schema version 5: what a channel keeps between runs (a platform's session, the
# limits its server reported), by key. Values may be secrets: never logged or shown.
channel_memory = Table(
    "channel_memory",
    metadata,
    Column("channel", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Added in schema version 7: the admin chat's outbox (`bot.admin`): every message for the
# admin chat, kept until Telegram took it. `key` names what it is about ("approval:12",
# "alert:…", "digest:2026-12-01:1"): a message is queued once per key, whatever restarts.
# An "edit" rewrites the message whose key is in `edits`.
admin_messages = Table(
    "admin_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False),
    Column("action", String(10), nullable=False),  # "send" or "edit"
    Column("status", String(10), nullable=False),  # "queued", "sent" or "refused"
    Column("post_id", Integer, ForeignKey("posts.id")),  # the post an approval asks about
    Column("text", Text, nullable=False),  # HTML, as sent
    Column("buttons", JSON(none_as_null=True)),  # inline keyboard rows: [[[label, data]]]
    Column("edits", String(300)),  # an edit's target: that message's key
    Column("created_at", UtcDateTime, nullable=False),
    Column("tries", Integer, nullable=False, server_default="0"),
    Column("next_try_at", UtcDateTime),
    Column("error", Text),  # the last failure
    Column("sent_at", UtcDateTime),
    Column("chat_id", String(100)),  # where it went, and Telegram's id for it there
    Column("message_id", Integer),
    Index("ux_admin_messages_key", "key", unique=True),
    Index("ix_admin_messages_status", "status", "id"),
    Index("ix_admin_messages_post", "post_id"),
)

# Added in schema version 7: what the admin chat remembers between runs (the daemon running,
# since when a feed fails), by key.
admin_state = Table(
    "admin_state",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Added in schema version 8: each article file as last read (`bot.sources.stamps`), so that
# a file unchanged since is not read and cut again: its size and modification time, a
# digest of its bytes, the reader it was read by (the code, posts_dir and [site]), and when
# it was stamped (nanoseconds on the wall clock, as file times are).
source_files = Table(
    "source_files",
    metadata,
    Column("path", String(4096), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("reader", String(64), nullable=False),
    Column("checked_ns", BigInteger, nullable=False),
)

# Added in schema version 10: the daemons working on this database (`bot.store.leases`),
# each renewing `last_seen` on its heartbeat; `stopped_at` once it stopped cleanly.
instances = Table(
    "instances",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
    Column("stopped_at", UtcDateTime),
)

# Added in schema version 10: who does which work ("channel:NAME", "library", "feed:URL",
# "admin"), until when. `owner` None: free — never held (`expires_at` None) or handed back
# at `expires_at`; an owner whose `expires_at` passed lost it (it died, or lost the database).
leases = Table(
    "leases",
    metadata,
    Column("name", String(2100), primary_key=True),
    Column("owner", String(200)),
    Column("acquired_at", UtcDateTime),
    Column("expires_at", UtcDateTime),
    Index("ix_leases_owner", "owner"),
)
