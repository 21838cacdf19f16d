"""The steps that upgrade a database from schema version N to N + 1 (`STEPS[N]`), each
written against its tables as they were at N + 1 (frozen here, not `bot.store.schema`), so
an old database still upgrades correctly after later changes. `bot.store.migrations`
runs them.

Version 1: articles, excerpts, posts, channel_state, meta.
Version 2: the `attempts` table; `posts.attempts` (claims so far) and `posts.updated_at`
(last change of status, filled from the post's own times for existing rows).
Version 3: the `feeds`, `feed_entries` and `recycle_pool` tables (new; nothing to fill).
Version 4: `posts.parts` (a thread's rendered parts; NULL for the posts there were) and the
`thread_parts` table (new; nothing to fill).
Version 5: `posts.payload` (what the renderer computed; NULL for the posts there were) and
`posts.delivery_key` (NULL until a post's next claim); the `channel_memory` table (new); the
`cut_excerpts` and `channel_cuts` tables, filled with one cut named "legacy" per article
(its excerpts as they were, cut for the tightest channel) that every channel with a post
or a pool entry there posts from until the article is next ingested; a unique index on
waiting posts per (channel, excerpt), after cancelling any duplicate (the oldest stays).
Version 6: `posts.pinned_at` (NULL for the posts there were: none is pinned).
Version 7: the `admin_messages` and `admin_state` tables of the admin chat (new; nothing
to fill).
Version 8: the `source_files` table, each article file as last read (new; nothing to fill:
every file is read once more, then stamped).
Version 9 (spend): `posts.cost_micros` and `posts.currency`, `thread_parts.cost_micros`
(NULL for what went out before: its cost was not recorded) and
`channel_state.budget_reached_until` (NULL: no budget reached).
Version 10 (leases): `posts.claimed_by` (NULL for the posts there were) and the
`instances` and `leases` tables of several daemons on one database (new; nothing to fill).
Version 11: `channel_cuts.made_with` (NULL for the pointers there were: each is looked at
once more).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    column,
    exists,
    func,
    insert,
    literal,
    select,
    table,
    text,
    union,
    update,
)
from sqlalchemy.schema import CreateColumn

from bot.store.schema import UtcDateTime


def add_column(conn: Connection, target: Table, name: str) -> None:
    """ALTER TABLE ... ADD COLUMN for `target.c[name]`, its DDL compiled for this dialect.

    SQLAlchemy Core has no ALTER construct; the column clause is still Core's, so the
    statement is right for SQLite and PostgreSQL alike.
    """
    preparer = conn.dialect.identifier_preparer
    clause = CreateColumn(target.c[name]).compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE {preparer.format_table(target)} ADD COLUMN {clause}")


# --- version 1 -> 2 -------------------------------------------------------------------------

_v2 = MetaData()
_v2_posts = Table(
    "posts",
    _v2,
    Column("id", Integer, primary_key=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("updated_at", UtcDateTime),
)
_v2_attempts = Table(
    "attempts",
    _v2,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", Integer, ForeignKey("posts.id"), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=False),
    Column("outcome", String(64), nullable=False),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_attempts_post", "post_id"),
)


def _upgrade_1_to_2(conn: Connection) -> None:
    add_column(conn, _v2_posts, "attempts")
    add_column(conn, _v2_posts, "updated_at")
    old = table(
        "posts",
        column("updated_at"),
        column("sent_at"),
        column("claimed_at"),
        column("created_at"),
        column("status"),
        column("attempts"),
    )
    conn.execute(
        update(old).values(
            updated_at=func.coalesce(old.c.sent_at, old.c.claimed_at, old.c.created_at)
        )
    )
    # Version 1 did not count claims; a post that got as far as a claim had at least one.
    conn.execute(update(old).where(old.c.claimed_at.is_not(None)).values(attempts=1))
    _v2_attempts.create(conn)


# --- version 2 -> 3 -------------------------------------------------------------------------

_v3 = MetaData()
_v3_articles = Table("articles", _v3, Column("id", String(64), primary_key=True))  # FK target
_v3_feeds = Table(
    "feeds",
    _v3,
    Column("url", String(2000), primary_key=True),
    Column("title", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_polled_at", UtcDateTime),
    Column("last_success_at", UtcDateTime),
    Column("last_error", Text),
    Column("last_error_at", UtcDateTime),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("next_poll_at", UtcDateTime),
)
_v3_feed_entries = Table(
    "feed_entries",
    _v3,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feed", String(2000), ForeignKey("feeds.url"), nullable=False),
    Column("guid", Text, nullable=False),
    Column("link", Text),
    Column("entry_hash", String(64), nullable=False),
    Column("content_hash", String(64)),
    Column("article_id", String(64), ForeignKey("articles.id")),
    Column("kind", String(20), nullable=False),
    Column("first_seen_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_feed_entries_guid", "feed", "guid", unique=True),
    Index("ix_feed_entries_link", "feed", "link"),
    Index("ix_feed_entries_content", "feed", "content_hash"),
    Index("ix_feed_entries_article", "article_id"),
)
_v3_recycle_pool = Table(
    "recycle_pool",
    _v3,
    Column("channel", String(200), primary_key=True),
    Column("article_id", String(64), ForeignKey("articles.id"), primary_key=True),
    Column("added_at", UtcDateTime, nullable=False),
)


def _upgrade_2_to_3(conn: Connection) -> None:
    for new in (_v3_feeds, _v3_feed_entries, _v3_recycle_pool):
        new.create(conn)


# --- version 3 -> 4 -------------------------------------------------------------------------

_v4 = MetaData()
_v4_posts = Table(
    "posts",
    _v4,
    Column("id", Integer, primary_key=True),
    Column("parts", JSON(none_as_null=True)),
)
_v4_thread_parts = Table(
    "thread_parts",
    _v4,
    Column("post_id", Integer, ForeignKey("posts.id"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("remote_id", Text),
    Column("remote_url", Text),
    Column("sent_at", UtcDateTime, nullable=False),
)


def _upgrade_3_to_4(conn: Connection) -> None:
    add_column(conn, _v4_posts, "parts")
    _v4_thread_parts.create(conn)


# --- version 4 -> 5 -------------------------------------------------------------------------

LEGACY_CUT = "legacy"
_V5_WAITING = "status IN ('queued', 'pending_approval')"

_v5 = MetaData()
_v5_articles = Table("articles", _v5, Column("id", String(64), primary_key=True))
_v5_excerpts = Table(
    "excerpts",
    _v5,
    Column("id", String(64), primary_key=True),
    Column("article_id", String(64)),
    Column("rank", Integer),
    Column("score", Float),
    Column("active", Boolean),
)
_v5_posts = Table(
    "posts",
    _v5,
    Column("id", Integer, primary_key=True),
    Column("channel", String(200)),
    Column("article_id", String(64)),
    Column("excerpt_id", String(64)),
    Column("status", String(20)),
    Column("error", Text),
    Column("payload", JSON(none_as_null=True)),
    Column("delivery_key", String(64)),
    Index(
        "ux_posts_waiting",
        "channel",
        "excerpt_id",
        unique=True,
        sqlite_where=text(_V5_WAITING),
        postgresql_where=text(_V5_WAITING),
    ),
)
_v5_pool = Table(
    "recycle_pool", _v5, Column("channel", String(200)), Column("article_id", String(64))
)
_v5_cut_excerpts = Table(
    "cut_excerpts",
    _v5,
    Column("article_id", String(64), ForeignKey("articles.id"), primary_key=True),
    Column("cut", String(200), primary_key=True),
    Column("excerpt_id", String(64), ForeignKey("excerpts.id"), primary_key=True),
    Column("rank", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("active", Boolean, nullable=False),
)
_v5_channel_memory = Table(
    "channel_memory",
    _v5,
    Column("channel", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
_v5_channel_cuts = Table(
    "channel_cuts",
    _v5,
    Column("channel", String(200), primary_key=True),
    Column("article_id", String(64), ForeignKey("articles.id"), primary_key=True),
    Column("cut", String(200), nullable=False),
    Index("ix_channel_cuts_article", "article_id"),
)


def _upgrade_4_to_5(conn: Connection) -> None:
    add_column(conn, _v5_posts, "payload")
    add_column(conn, _v5_posts, "delivery_key")
    _v5_channel_memory.create(conn)
    _v5_cut_excerpts.create(conn)
    _v5_channel_cuts.create(conn)
    ex, posts, pool = _v5_excerpts, _v5_posts, _v5_pool
    conn.execute(
        insert(_v5_cut_excerpts).from_select(
            ["article_id", "cut", "excerpt_id", "rank", "score", "active"],
            select(
                ex.c.article_id, literal(LEGACY_CUT), ex.c.id, ex.c.rank, ex.c.score, ex.c.active
            ),
        )
    )
    users = union(
        select(posts.c.channel, posts.c.article_id), select(pool.c.channel, pool.c.article_id)
    ).subquery()
    conn.execute(
        insert(_v5_channel_cuts).from_select(
            ["channel", "article_id", "cut"],
            select(users.c.channel, users.c.article_id, literal(LEGACY_CUT)),
        )
    )
    waiting = posts.c.status.in_(("queued", "pending_approval"))
    older = posts.alias("older")
    duplicate = exists().where(
        older.c.channel == posts.c.channel,
        older.c.excerpt_id == posts.c.excerpt_id,
        older.c.status.in_(("queued", "pending_approval")),
        older.c.id < posts.c.id,
    )
    conn.execute(
        update(posts)
        .where(waiting, duplicate)
        .values(status="cancelled", error="a duplicate of an older waiting post")
    )
    for index in posts.indexes:
        index.create(conn)


# --- version 5 -> 6 -------------------------------------------------------------------------

_v6 = MetaData()
_v6_posts = Table(
    "posts", _v6, Column("id", Integer, primary_key=True), Column("pinned_at", UtcDateTime)
)


def _upgrade_5_to_6(conn: Connection) -> None:
    add_column(conn, _v6_posts, "pinned_at")


# --- version 6 -> 7 -------------------------------------------------------------------------

_v7 = MetaData()
_v7_posts = Table("posts", _v7, Column("id", Integer, primary_key=True))  # FK target
_v7_admin_messages = Table(
    "admin_messages",
    _v7,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False),
    Column("action", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("post_id", Integer, ForeignKey("posts.id")),
    Column("text", Text, nullable=False),
    Column("buttons", JSON(none_as_null=True)),
    Column("edits", String(300)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("tries", Integer, nullable=False, server_default="0"),
    Column("next_try_at", UtcDateTime),
    Column("error", Text),
    Column("sent_at", UtcDateTime),
    Column("chat_id", String(100)),
    Column("message_id", Integer),
    Index("ux_admin_messages_key", "key", unique=True),
    Index("ix_admin_messages_status", "status", "id"),
    Index("ix_admin_messages_post", "post_id"),
)
_v7_admin_state = Table(
    "admin_state",
    _v7,
    Column("key", String(300), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)


def _upgrade_6_to_7(conn: Connection) -> None:
    _v7_admin_messages.create(conn)
    _v7_admin_state.create(conn)


# --- version 7 -> 8 -------------------------------------------------------------------------

_v8 = MetaData()
_v8_source_files = Table(
    "source_files",
    _v8,
    Column("path", String(4096), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("reader", String(64), nullable=False),
    Column("checked_ns", BigInteger, nullable=False),
)


def _upgrade_7_to_8(conn: Connection) -> None:
    _v8_source_files.create(conn)


# --- version 8 -> 9: what posts cost, and budgets reached -------------------------------------

_v9 = MetaData()
_v9_posts = Table(
    "posts",
    _v9,
    Column("id", Integer, primary_key=True),
    Column("cost_micros", Integer),
    Column("currency", String(3)),
)
_v9_thread_parts = Table(
    "thread_parts",
    _v9,
    Column("post_id", Integer, primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("cost_micros", Integer),
)
_v9_channel_state = Table(
    "channel_state",
    _v9,
    Column("channel", String(200), primary_key=True),
    Column("budget_reached_until", UtcDateTime),
)


def _upgrade_8_to_9_spend(conn: Connection) -> None:
    add_column(conn, _v9_posts, "cost_micros")
    add_column(conn, _v9_posts, "currency")
    add_column(conn, _v9_thread_parts, "cost_micros")
    add_column(conn, _v9_channel_state, "budget_reached_until")


# --- version 9 -> 10: several daemons on one database (leases) -----------------------------

_v10 = MetaData()
_v10_posts = Table(
    "posts", _v10, Column("id", Integer, primary_key=True), Column("claimed_by", String(200))
)
_v10_instances = Table(
    "instances",
    _v10,
    Column("name", String(200), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
    Column("stopped_at", UtcDateTime),
)
_v10_leases = Table(
    "leases",
    _v10,
    Column("name", String(2100), primary_key=True),
    Column("owner", String(200)),
    Column("acquired_at", UtcDateTime),
    Column("expires_at", UtcDateTime),
    Index("ix_leases_owner", "owner"),
)


def _upgrade_9_to_10_leases(conn: Connection) -> None:
    add_column(conn, _v10_posts, "claimed_by")
    _v10_instances.create(conn)
    _v10_leases.create(conn)


# --- version 10 -> 11: the settings each channel's cut was chosen with ---------------------

_v11 = MetaData()
_v11_channel_cuts = Table("channel_cuts", _v11, Column("made_with", String(64)))


def _upgrade_10_to_11(conn: Connection) -> None:
    add_column(conn, _v11_channel_cuts, "made_with")


STEPS: dict[int, Callable[[Connection], None]] = {
    1: _upgrade_1_to_2,
    2: _upgrade_2_to_3,
    3: _upgrade_3_to_4,
    4: _upgrade_4_to_5,
    5: _upgrade_5_to_6,
    6: _upgrade_6_to_7,
    7: _upgrade_7_to_8,
    8: _upgrade_8_to_9_spend,
    9: _upgrade_9_to_10_leases,
    10: _upgrade_10_to_11,
}
