"""Claiming a channel's next post: choose it (a read), render it (no transaction open),
then take it (a short write transaction) — mark it `sending` with its payload.

`Store.claim_next_post` runs the three: `choose` reads what the planner would send next;
`render_choice` renders it with no lock held; `take` checks, inside the write transaction,
that nothing changed meanwhile (the channel not paused, the daily cap not reached, the
post still `queued` — an UPDATE guarded by its state whose row count is checked — or an
evergreen excerpt still due) and otherwise says so, and the claim chooses again. Nothing
relies on the database serialising writers: two daemons claiming on one database never
take the same post, and a unique index keeps one waiting post per (channel, excerpt).

The database hands the planner one candidate per article (its best-ranked post), since
the planner always takes an article's best-ranked post first: the work and the memory
grow with the number of articles, not with the queue.

A thread is rendered into its parts at its first claim; once a part of it is out, a later
claim (after a requeue) keeps the stored payload, so the rest continues the same thread.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, exists, insert, or_, select, update

from bot.article import Article, Excerpt
from bot.errors import RenderError
from bot.logs import log_event
from bot.planner import QueuedItem, choose_next
from bot.policy import DAY, ChannelPolicy
from bot.store.budgets import budget_held, claim_cost
from bot.store.leases import CHANNEL, holds, lock_channel
from bot.store.lineup import (
    evergreen_query,
    has_queued,
    last_sent_article,
    queued_items,
    recycle_items,
    sent_count_since,
)
from bot.store.records import (
    BudgetHeld,
    ClaimedPost,
    NoClaim,
    Rendered,
    ThreadPart,
    article_from_data,
    excerpt_from_row,
)
from bot.store.schema import (
    FAILED,
    PENDING_APPROVAL,
    QUEUED,
    SENDING,
    articles,
    channel_state,
    excerpts,
    posts,
    thread_parts,
)

# Returns a Rendered, or a (text, parse_mode) pair.
Render = Callable[[Article, Excerpt], Rendered | tuple[str, str | None]]

# Posts that fail to render in one claim before it gives up until the next slot.
MAX_RENDER_FAILURES = 10


@dataclass(frozen=True, slots=True)
class Choice:
    """The post a claim chose, read before it is rendered: a queued post (`item.post_id`),
    or an evergreen repeat to create (`recycled`). `stored` is the payload of a thread
    already partly out: it is sent as it is, never rendered again."""

    item: QueuedItem
    recycled: bool
    article: Article
    excerpt: Excerpt
    attempts: int = 0
    stored: Rendered | None = None
    sent_parts: tuple[ThreadPart, ...] = ()
    delivery_key: str | None = None


def choose(conn: Connection, policy: ChannelPolicy, *, now: datetime) -> Choice | NoClaim:
    """The channel's next post, or why there is none (a read: nothing changes)."""
    channel = policy.name
    refused = _refusal(conn, policy, now)
    if refused is not None:
        return refused
    last_article = last_sent_article(conn, channel)
    item = choose_next(
        queued_items(conn, channel, now=now, best_per_article=True), last_article_id=last_article
    )
    if item is not None:
        return _details(conn, item, recycled=False)
    if has_queued(conn, channel):
        return NoClaim.EMPTY  # queued posts wait for their `not_before`: no repeat meanwhile
    item = choose_next(
        recycle_items(
            conn, channel, since=now - policy.repeat_after, per_article=policy.per_article
        ),
        last_article_id=last_article,
    )
    if item is None:
        return NoClaim.EMPTY
    return _details(conn, item, recycled=True)


def take(
    conn: Connection,
    policy: ChannelPolicy,
    choice: Choice,
    rendered: Rendered | RenderError | None,
    *,
    now: datetime,
    claimant: str | None = None,
    fenced: bool = False,
) -> ClaimedPost | NoClaim | BudgetHeld | None:
    """Make `choice` the channel's post out (`sending`, with its payload), inside the
    caller's write transaction, if nothing changed since it was chosen; None when
    something did (another claim took it, say) or it could not be rendered: choose again.

    Every change is guarded by the state it starts from; an evergreen repeat is created
    only while its excerpt is still due. On a `require_approval` channel a repeat is
    created `pending_approval` instead (`rendered` is None then: it is rendered when
    it is claimed after `approve`). A post whose price would take the channel past its
    budget stays as it is (`BudgetHeld`): queued, or not yet created.

    The post records its `claimant` (a daemon's instance name). `fenced` (several daemons
    on one database): only while `claimant` holds the channel's lease, else NOT_HELD — a
    daemon that lost its lease (it was cut off from the database past its lease_ttl)
    claims nothing more there. On PostgreSQL claims on one channel take turns (a
    transaction lock), so the cap, the budget and an evergreen repeat are checked by one at
    a time.
    """
    lock_channel(conn, policy.name)
    if fenced and not holds(conn, claimant or "", CHANNEL + policy.name, now=now):
        return NoClaim.NOT_HELD
    refused = _refusal(conn, policy, now)
    if refused is not None:
        return refused
    channel, item = policy.name, choice.item
    if choice.recycled:
        if not _still_due(conn, policy, item, now):
            return None
        if policy.require_approval:
            # A repeat waits for approval like any post: pending, until `approve`.
            _insert_post(conn, channel, item, PENDING_APPROVAL, now)
            return NoClaim.AWAITING_APPROVAL
    if isinstance(rendered, RenderError):
        _failed_render(conn, channel, choice, rendered, now)
        return None
    assert rendered is not None
    recorded, to_come = claim_cost(conn, policy, choice, rendered)
    held = budget_held(conn, policy, now, cost=to_come)
    if held is not None:
        return held
    cost = None if to_come is None else recorded + to_come
    key = choice.delivery_key or new_delivery_key()
    values = {
        "status": SENDING,
        "text": rendered.text,
        "parse_mode": rendered.parse_mode,
        "delivery_key": key,
        "cost_micros": cost,
        "claimed_by": claimant,
        "currency": policy.prices.currency if policy.prices is not None else None,
        "parts": list(rendered.parts) or None,
        "payload": rendered.to_payload(),
        "claimed_at": now,
        "updated_at": now,
        "sent_at": None,
        "remote_id": None,
        "remote_url": None,
        "error": None,
    }
    if choice.recycled:
        post_id = conn.execute(
            insert(posts).values(
                channel=channel,
                article_id=item.article_id,
                excerpt_id=item.excerpt_id,
                created_at=now,
                attempts=1,
                **values,
            )
        ).inserted_primary_key[0]
    else:
        post_id = item.post_id
        taken = conn.execute(
            update(posts)
            .where(
                posts.c.id == post_id,
                posts.c.status == QUEUED,
                or_(posts.c.not_before.is_(None), posts.c.not_before <= now),
            )
            .values(attempts=posts.c.attempts + 1, **values)
        )
        if taken.rowcount != 1:
            return None  # taken, approved away, cancelled or skipped meanwhile
    conn.execute(
        update(channel_state)
        .where(
            channel_state.c.channel == channel,
            channel_state.c.budget_reached_until.is_not(None),
        )
        .values(budget_reached_until=None)
    )  # posts go out again: no budget holds them back
    return ClaimedPost(
        id=post_id,
        channel=channel,
        article_id=item.article_id,
        excerpt_id=item.excerpt_id,
        text=rendered.text,
        parse_mode=rendered.parse_mode,
        url=choice.article.url,
        attempts=choice.attempts + 1,
        claimed_at=now,
        recycled=choice.recycled,
        article=choice.article,
        excerpt=choice.excerpt,
        parts=tuple(rendered.parts),
        sent_parts=choice.sent_parts,
        payload=rendered,
        delivery_key=key,
    )


def render_choice(choice: Choice, render: Render) -> Rendered | RenderError:
    """The payload of `choice`: the stored one of a thread partly out, else `render`'s."""
    if choice.stored is not None:
        return choice.stored
    try:
        return Rendered(*render(choice.article, choice.excerpt))
    except RenderError as exc:
        return exc


def _refusal(conn: Connection, policy: ChannelPolicy, now: datetime) -> NoClaim | None:
    """Why the channel may send nothing now, whatever its next post. (Its budget is
    weighed in `take`, against the next post's own price, once it is rendered.)"""
    channel = policy.name
    if conn.scalar(select(channel_state.c.paused).where(channel_state.c.channel == channel)):
        return NoClaim.PAUSED
    if not policy.has_room(sent_count_since(conn, channel, now - DAY)):
        return NoClaim.CAPPED
    return None


def _still_due(conn: Connection, policy: ChannelPolicy, item: QueuedItem, now: datetime) -> bool:
    """Whether an evergreen candidate is one still (nothing else claimed or queued it)."""
    query = evergreen_query(
        policy.name, per_article=policy.per_article, since=now - policy.repeat_after
    ).subquery("due")
    return bool(conn.scalar(select(exists().where(query.c.excerpt_id == item.excerpt_id))))


def _details(conn: Connection, item: QueuedItem, *, recycled: bool) -> Choice:
    """What rendering and sending `item` needs: its article, excerpt, and a thread's
    stored payload and parts out."""
    row = conn.execute(
        select(
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
        .select_from(excerpts.join(articles, articles.c.id == excerpts.c.article_id))
        .where(excerpts.c.id == item.excerpt_id)
    ).one()
    choice = Choice(item, recycled, article_from_data(row.data), excerpt_from_row(row))
    if item.post_id is None:
        return choice
    post = conn.execute(
        select(
            posts.c.attempts,
            posts.c.text,
            posts.c.parse_mode,
            posts.c.parts,
            posts.c.payload,
            posts.c.delivery_key,
        ).where(posts.c.id == item.post_id)
    ).one()
    sent_parts = parts_out(conn, item.post_id)
    stored = None
    if post.parts and sent_parts:  # a thread partly out: never rendered again
        stored = (
            Rendered.from_payload(post.payload)
            if post.payload
            else Rendered(post.text, post.parse_mode, tuple(post.parts))
        )
    return dataclasses.replace(
        choice,
        attempts=post.attempts,
        stored=stored,
        sent_parts=sent_parts,
        delivery_key=post.delivery_key,
    )


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32, sortable


def new_delivery_key() -> str:
    """A fresh key to deliver a post under, kept with it across its retries and restarts:
    an AT Protocol TID (13 characters: microseconds since 1970 and a random clock id), a
    valid Bluesky record key and a unique idempotency key alike. From the wall clock, so
    that two posts claimed at one instant of a test's clock still differ."""
    value = (time.time_ns() // 1000) << 10 | secrets.randbits(10)
    return "".join(_TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def _failed_render(
    conn: Connection, channel: str, choice: Choice, exc: RenderError, now: datetime
) -> None:
    """A post that cannot be rendered fails (an evergreen repeat too, recorded failed)."""
    error = f"cannot render: {exc}"
    item = choice.item
    if choice.recycled:
        post_id = _insert_post(conn, channel, item, FAILED, now, error=error)
    else:
        post_id = item.post_id
        conn.execute(
            update(posts)
            .where(posts.c.id == post_id, posts.c.status == QUEUED)
            .values(status=FAILED, error=error, updated_at=now)
        )
    log_event(
        "post.failed",
        level=logging.WARNING,
        channel=channel,
        post=post_id,
        article=item.article_id,
        excerpt=item.excerpt_id,
        error=error,
    )


def _insert_post(
    conn: Connection,
    channel: str,
    item: QueuedItem,
    status: str,
    now: datetime,
    error: str | None = None,
) -> int:
    result = conn.execute(
        insert(posts).values(
            channel=channel,
            article_id=item.article_id,
            excerpt_id=item.excerpt_id,
            status=status,
            created_at=now,
            updated_at=now,
            error=error,
        )
    )
    return result.inserted_primary_key[0]


def parts_out(conn: Connection, post_id: int) -> tuple[ThreadPart, ...]:
    """The parts of the thread `post_id` that went out, in order."""
    rows = conn.execute(
        select(
            thread_parts.c.idx.label("index"),
            thread_parts.c.remote_id,
            thread_parts.c.remote_url,
            thread_parts.c.sent_at,
        )
        .where(thread_parts.c.post_id == post_id)
        .order_by(thread_parts.c.idx)
    )
    return tuple(ThreadPart(**row._mapping) for row in rows)
