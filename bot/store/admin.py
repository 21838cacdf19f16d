"""The admin chat's outbox and memory (`bot.admin`), and what it reads about posts.

    queue_messages(conn, messages, now)   each new key queued once; a key seen before is
                                          left as it is (sent, queued or refused)
    next_message(conn, now)               the oldest queued message, if it may go now
    mark_sent / mark_retry / mark_refused what became of a try
    unannounced_pending(conn, limit)      posts awaiting approval not yet asked about
    failing_feeds(conn, urls, now)        the feeds failing now, each since when
    sent_between / troubled_between       what the digest lists

Messages go out strictly in the order they were queued (an edit after the message it
edits); one that must wait for a retry holds up the rest, which would fail alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, insert, select, text, update

from bot.article import Article, Excerpt
from bot.store.records import article_from_data, excerpt_from_row
from bot.store.schema import (
    FAILED,
    PENDING_APPROVAL,
    SENT,
    UNKNOWN,
    admin_messages,
    admin_state,
    articles,
    excerpts,
    feeds,
    posts,
)

SEND, EDIT = "send", "edit"
QUEUED, SENT_STATUS, REFUSED = "queued", "sent", "refused"

# Inline keyboard rows, each button a (label, callback data) pair.
Buttons = Sequence[Sequence[tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to queue: `key` says what it is about (queued once per key)."""

    key: str
    text: str
    buttons: Buttons | None = None
    post_id: int | None = None
    edits: str | None = None  # an edit: the key of the message it rewrites


@dataclass(frozen=True, slots=True)
class AdminMessage:
    """A message of the outbox; for an edit, `target` is the message it edits (its chat
    and message id once sent)."""

    id: int
    key: str
    action: str
    text: str
    buttons: list[list[tuple[str, str]]] | None
    tries: int
    post_id: int | None
    target_chat_id: str | None = None
    target_message_id: int | None = None
    target_status: str | None = None


@dataclass(frozen=True, slots=True)
class PendingPost:
    """A post waiting for approval, with what rendering it needs."""

    id: int
    channel: str
    article: Article
    excerpt: Excerpt
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FailingFeed:
    """A feed whose polls fail, since the first failure seen of this spell."""

    url: str
    since: datetime
    failures: int  # in a row
    error: str | None


@dataclass(frozen=True, slots=True)
class PostLine:
    """A post as the digest lists it."""

    id: int
    channel: str
    status: str
    title: str
    at: datetime | None
    remote_url: str | None
    error: str | None


def queue_messages(conn: Connection, messages: Iterable[NewMessage], *, now: datetime) -> list[str]:
    """Queue each message whose key is new; return the keys queued.

    On PostgreSQL, daemons sharing the database queue one at a time (a lock held until the
    caller's transaction ends), so two queuing one key never both insert it; SQLite's
    BEGIN IMMEDIATE already serialises every writer."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('admin_messages', 0))"))
    queued = []
    for message in messages:
        known = conn.scalar(select(admin_messages.c.id).where(admin_messages.c.key == message.key))
        if known is not None:
            continue
        buttons = (
            [[list(button) for button in row] for row in message.buttons]
            if message.buttons
            else None
        )
        conn.execute(
            insert(admin_messages).values(
                key=message.key,
                action=EDIT if message.edits else SEND,
                status=QUEUED,
                post_id=message.post_id,
                text=message.text,
                buttons=buttons,
                edits=message.edits,
                created_at=now,
                tries=0,
            )
        )
        queued.append(message.key)
    return queued


def next_message(conn: Connection, now: datetime) -> AdminMessage | datetime | None:
    """The oldest queued message if it may go at `now`; else when it may (a datetime), or
    None when nothing is queued."""
    target = admin_messages.alias("target")
    row = conn.execute(
        select(
            admin_messages,
            target.c.chat_id.label("target_chat_id"),
            target.c.message_id.label("target_message_id"),
            target.c.status.label("target_status"),
        )
        .select_from(admin_messages.outerjoin(target, target.c.key == admin_messages.c.edits))
        .where(admin_messages.c.status == QUEUED)
        .order_by(admin_messages.c.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    if row.next_try_at is not None and row.next_try_at > now:
        return row.next_try_at
    buttons = [[(label, data) for label, data in r] for r in row.buttons] if row.buttons else None
    return AdminMessage(
        row.id,
        row.key,
        row.action,
        row.text,
        buttons,
        row.tries,
        row.post_id,
        row.target_chat_id,
        row.target_message_id,
        row.target_status,
    )


def mark_sent(
    conn: Connection,
    message_id: int,
    *,
    chat_id: str | None,
    telegram_id: int | None,
    now: datetime,
) -> None:
    conn.execute(
        update(admin_messages)
        .where(admin_messages.c.id == message_id)
        .values(
            status=SENT_STATUS,
            sent_at=now,
            chat_id=chat_id,
            message_id=telegram_id,
            tries=admin_messages.c.tries + 1,
            error=None,
            next_try_at=None,
        )
    )


def mark_retry(conn: Connection, message_id: int, *, error: str, at: datetime) -> None:
    conn.execute(
        update(admin_messages)
        .where(admin_messages.c.id == message_id)
        .values(tries=admin_messages.c.tries + 1, error=error, next_try_at=at)
    )


def mark_refused(conn: Connection, message_id: int, *, error: str, now: datetime) -> None:
    conn.execute(
        update(admin_messages)
        .where(admin_messages.c.id == message_id)
        .values(status=REFUSED, tries=admin_messages.c.tries + 1, error=error, next_try_at=None)
    )


def rewrite_queued(conn: Connection, key: str, *, text: str, buttons: Buttons | None) -> bool:
    """Change a message still queued (an edit that came before it went); False if it went."""
    values: dict[str, Any] = {
        "text": text,
        "buttons": [[list(b) for b in row] for row in buttons] if buttons else None,
    }
    result = conn.execute(
        update(admin_messages)
        .where(admin_messages.c.key == key, admin_messages.c.status == QUEUED)
        .values(**values)
    )
    return bool(result.rowcount)


def message_text(conn: Connection, key: str) -> str | None:
    return conn.scalar(select(admin_messages.c.text).where(admin_messages.c.key == key))


def has_message(conn: Connection, key: str) -> bool:
    return bool(conn.scalar(select(exists().where(admin_messages.c.key == key))))


def queued_count(conn: Connection) -> int:
    return conn.scalar(
        select(func.count()).select_from(admin_messages).where(admin_messages.c.status == QUEUED)
    )


# --- memory ---------------------------------------------------------------------------------


def recall(conn: Connection, key: str) -> str | None:
    return conn.scalar(select(admin_state.c.value).where(admin_state.c.key == key))


def remember(conn: Connection, key: str, value: str | None, *, now: datetime) -> None:
    conn.execute(delete(admin_state).where(admin_state.c.key == key))
    if value is not None:
        conn.execute(insert(admin_state).values(key=key, value=value, updated_at=now))


def recall_prefixed(conn: Connection, prefix: str) -> dict[str, str]:
    """Every remembered key starting with `prefix`, with its value."""
    rows = conn.execute(
        select(admin_state.c.key, admin_state.c.value).where(
            admin_state.c.key.startswith(prefix, autoescape=True)
        )
    )
    return {row.key: row.value for row in rows}


FAILING_PREFIX = "feed.failing:"


def failing_feeds(conn: Connection, urls: Collection[str], *, now: datetime) -> list[FailingFeed]:
    """The feeds among `urls` that fail now, each with the start of its spell of failures:
    remembered from the first look that saw it failing (its last error then, which is the
    spell's first when it had failed once); a feed that succeeded since is forgotten."""
    remembered = recall_prefixed(conn, FAILING_PREFIX)
    rows = conn.execute(
        select(feeds.c.url, feeds.c.failures, feeds.c.last_error, feeds.c.last_error_at).where(
            feeds.c.url.in_(list(urls))
        )
    )
    failing = []
    for row in rows:
        key = FAILING_PREFIX + hashlib.sha256(row.url.encode()).hexdigest()
        if not row.failures or row.last_error_at is None:
            if key in remembered:
                remember(conn, key, None, now=now)
            continue
        since = remembered.get(key)
        if since is None:
            since = row.last_error_at.isoformat()
            remember(conn, key, since, now=now)
        failing.append(
            FailingFeed(row.url, datetime.fromisoformat(since), row.failures, row.last_error)
        )
    return failing


# --- posts ----------------------------------------------------------------------------------


def unannounced_pending(conn: Connection, limit: int) -> list[PendingPost]:
    """Posts awaiting approval with no approval message yet, oldest first."""
    asked = exists().where(admin_messages.c.post_id == posts.c.id, admin_messages.c.action == SEND)
    rows = conn.execute(
        select(
            posts.c.id,
            posts.c.channel,
            posts.c.created_at,
            articles.c.data,
            excerpts.c.id.label("excerpt_id"),
            excerpts.c.article_id,
            excerpts.c.text.label("excerpt_text"),
            excerpts.c.rank.label("excerpt_rank"),
            excerpts.c.score,
            excerpts.c.paragraph,
            excerpts.c.first_sentence,
            excerpts.c.sentence_count,
            excerpts.c.shortened,
        )
        .select_from(
            posts.join(excerpts, excerpts.c.id == posts.c.excerpt_id).join(
                articles, articles.c.id == posts.c.article_id
            )
        )
        .where(posts.c.status == PENDING_APPROVAL, ~asked)
        .order_by(posts.c.id)
        .limit(limit)
    )
    return [
        PendingPost(
            row.id, row.channel, article_from_data(row.data), excerpt_from_row(row), row.created_at
        )
        for row in rows
    ]


def post_status(conn: Connection, post_id: int) -> str | None:
    return conn.scalar(select(posts.c.status).where(posts.c.id == post_id))


def decided_approvals(conn: Connection) -> list[tuple[int, str]]:
    """(post id, status) of the posts asked about whose approval message went out and is
    not yet edited, that are no longer waiting for approval (decided elsewhere)."""
    edit = admin_messages.alias("edit")
    edited = exists().where(edit.c.edits == admin_messages.c.key)
    rows = conn.execute(
        select(posts.c.id, posts.c.status)
        .select_from(admin_messages.join(posts, posts.c.id == admin_messages.c.post_id))
        .where(
            admin_messages.c.action == SEND,
            admin_messages.c.status == SENT_STATUS,
            posts.c.status != PENDING_APPROVAL,
            ~edited,
        )
        .order_by(posts.c.id)
    )
    return [(row.id, row.status) for row in rows]


def _lines(conn: Connection, *where) -> list[PostLine]:
    rows = conn.execute(
        select(
            posts.c.id,
            posts.c.channel,
            posts.c.status,
            articles.c.title,
            posts.c.sent_at,
            posts.c.updated_at,
            posts.c.remote_url,
            posts.c.error,
        )
        .select_from(posts.join(articles, articles.c.id == posts.c.article_id))
        .where(*where)
        .order_by(posts.c.channel, posts.c.id)
    )
    return [
        PostLine(
            row.id,
            row.channel,
            row.status,
            row.title,
            row.sent_at or row.updated_at,
            row.remote_url,
            row.error,
        )
        for row in rows
    ]


def sent_between(conn: Connection, since: datetime, until: datetime) -> list[PostLine]:
    """Posts sent in [since, until), by channel then id."""
    return _lines(conn, posts.c.status == SENT, posts.c.sent_at >= since, posts.c.sent_at < until)


def troubled_between(conn: Connection, since: datetime, until: datetime) -> list[PostLine]:
    """Posts that became failed or unknown in [since, until) and still are."""
    return _lines(
        conn,
        posts.c.status.in_((FAILED, UNKNOWN)),
        and_(posts.c.updated_at >= since, posts.c.updated_at < until),
    )
