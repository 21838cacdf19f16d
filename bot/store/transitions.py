"""Moving a post from one state to the next, only along the allowed edges.

Each change is one UPDATE guarded by the states it may start from, so it is atomic
whatever else runs; when no row changes, the post's current state is read back to say,
in one line, why not.

    queued ──claim──> sending ──> sent | failed | unknown | skipped | queued (requeue)
    pending_approval ──approve──> queued
    unknown ──resolve──> sent | queued            (the operator checked the channel)
    sending ──record_thread_part──> sending       (one part of a thread went out)
    failed, unknown, skipped, cancelled ──retry──> queued
    queued, pending_approval, failed, unknown ──skip──> skipped

What a post cost (`cost_micros`, set at its claim) stays while it is out or may be (sent,
sending, unknown); a post that certainly did not go out (back in the queue, failed,
skipped) keeps only what its thread parts out cost, or nothing (`_UNBILLED`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, case, func, insert, literal, select, update

from bot.errors import UserError
from bot.store.channels import note_sent
from bot.store.schema import (
    CANCELLED,
    FAILED,
    PENDING_APPROVAL,
    QUEUED,
    SENDING,
    SENT,
    SKIPPED,
    UNKNOWN,
    UtcDateTime,
    attempts,
    posts,
    thread_parts,
)


class Place(NamedTuple):
    """Where a waiting post stands in its channel's queue, apart from its rank."""

    pinned_at: datetime | None
    not_before: datetime | None


INTERRUPTED = (
    "interrupted while sending: check the channel, then "
    "`excerpt-bot resolve {id} --sent` or `excerpt-bot resolve {id} --requeue`"
)


# What a post that did not go out cost: its thread's parts out, else nothing (NULL).
_UNBILLED = (
    select(func.sum(thread_parts.c.cost_micros))
    .where(thread_parts.c.post_id == posts.c.id)
    .scalar_subquery()
)
# What a post out cost: a thread, the sum of its parts (each recorded as it went); a single
# post, what its claim priced it at.
_BILLED = case(
    (posts.c.parts.is_(None), posts.c.cost_micros),
    else_=func.coalesce(_UNBILLED, posts.c.cost_micros),
)


def _human(states: Iterable[str]) -> str:
    names = [state.replace("_", " ") for state in states]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def transition(
    conn: Connection, post_id: int, *, allowed: tuple[str, ...], action: str, **values
) -> None:
    """Set `values` on the post if its state is one of `allowed`; else a one-line UserError."""
    result = conn.execute(
        update(posts).where(posts.c.id == post_id, posts.c.status.in_(allowed)).values(**values)
    )
    if result.rowcount:
        return
    status = conn.scalar(select(posts.c.status).where(posts.c.id == post_id))
    if status is None:
        raise UserError(f"no post {post_id} in the database")
    raise UserError(
        f"post {post_id} is {_human([status])}: only {_human(allowed)} posts can be {action}"
    )


def _channel_of(conn: Connection, post_id: int) -> str:
    return conn.scalar(select(posts.c.channel).where(posts.c.id == post_id))


def mark_sent(
    conn: Connection, post_id: int, *, remote_id: str | None, remote_url: str | None, now: datetime
) -> None:
    transition(
        conn,
        post_id,
        allowed=(SENDING, UNKNOWN),
        action="marked sent",
        status=SENT,
        sent_at=now,
        remote_id=remote_id,
        remote_url=remote_url,
        error=None,
        updated_at=now,
        cost_micros=_BILLED,
    )
    note_sent(conn, _channel_of(conn, post_id), at=now)


def mark_failed(conn: Connection, post_id: int, *, error: str, now: datetime) -> None:
    transition(
        conn,
        post_id,
        allowed=(SENDING, UNKNOWN),
        action="marked failed",
        status=FAILED,
        error=error,
        updated_at=now,
        cost_micros=_UNBILLED,
    )


def mark_unknown(conn: Connection, post_id: int, *, error: str, now: datetime) -> None:
    transition(
        conn,
        post_id,
        allowed=(SENDING,),
        action="marked unknown",
        status=UNKNOWN,
        error=error,
        updated_at=now,
    )


def mark_skipped(conn: Connection, post_id: int, *, reason: str, now: datetime) -> None:
    transition(
        conn,
        post_id,
        allowed=(QUEUED, PENDING_APPROVAL, SENDING),
        action="marked skipped",
        status=SKIPPED,
        error=reason,
        updated_at=now,
        cost_micros=_UNBILLED,
    )


def pin(conn: Connection, post_id: int, *, now: datetime) -> Place:
    """Pin the post; return where it was (`unpin` puts it back there)."""
    before = conn.execute(
        select(posts.c.pinned_at, posts.c.not_before).where(posts.c.id == post_id)
    ).first()
    transition(
        conn,
        post_id,
        allowed=(QUEUED, PENDING_APPROVAL),
        action="pinned",
        pinned_at=now,
        not_before=None,
    )
    return Place(*before)


def unpin(conn: Connection, post_id: int, place: Place) -> bool:
    """Put a pinned post back where it was, if it still waits; whether it did."""
    return bool(
        conn.execute(
            update(posts)
            .where(posts.c.id == post_id, posts.c.status.in_((QUEUED, PENDING_APPROVAL)))
            .values(pinned_at=place.pinned_at, not_before=place.not_before)
        ).rowcount
    )


def requeue(
    conn: Connection, post_id: int, *, now: datetime, not_before: datetime | None = None
) -> None:
    transition(
        conn,
        post_id,
        allowed=(SENDING,),
        action="put back in the queue",
        status=QUEUED,
        not_before=not_before,
        updated_at=now,
        cost_micros=_UNBILLED,
    )


def record_thread_part(
    conn: Connection,
    post_id: int,
    *,
    index: int,
    remote_id: str | None,
    remote_url: str | None,
    now: datetime,
    cost_micros: int | None = None,
) -> None:
    """Part `index` (0 first) of the thread `post_id`, being sent, went out (costing
    `cost_micros`, where the platform bills posts)."""
    transition(conn, post_id, allowed=(SENDING,), action="given a part out", updated_at=now)
    conn.execute(
        insert(thread_parts).values(
            post_id=post_id,
            idx=index,
            remote_id=remote_id,
            remote_url=remote_url,
            sent_at=now,
            cost_micros=cost_micros,
        )
    )


def resolve(conn: Connection, post_id: int, *, sent: bool, now: datetime) -> None:
    """(A requeued thread continues after its parts out; one resolved sent is known by the
    id and address of its first part, when X gave them.)"""
    if not sent:
        transition(
            conn,
            post_id,
            allowed=(UNKNOWN,),
            action="resolved",
            status=QUEUED,
            error=None,
            not_before=None,
            updated_at=now,
            cost_micros=_UNBILLED,
        )
        return
    # It went out when it was claimed, not when the operator noticed.
    sent_at = func.coalesce(posts.c.claimed_at, literal(now, UtcDateTime))
    first = select(thread_parts.c.remote_id, thread_parts.c.remote_url).where(
        thread_parts.c.post_id == post_id, thread_parts.c.idx == 0
    )
    transition(
        conn,
        post_id,
        allowed=(UNKNOWN,),
        action="resolved",
        status=SENT,
        sent_at=sent_at,
        error=None,
        updated_at=now,
        remote_id=func.coalesce(
            posts.c.remote_id, first.with_only_columns(thread_parts.c.remote_id).scalar_subquery()
        ),
        remote_url=func.coalesce(
            posts.c.remote_url, first.with_only_columns(thread_parts.c.remote_url).scalar_subquery()
        ),
    )
    row = conn.execute(select(posts.c.channel, posts.c.sent_at).where(posts.c.id == post_id)).one()
    note_sent(conn, row.channel, at=row.sent_at)


def retry(conn: Connection, post_id: int, *, now: datetime) -> None:
    transition(
        conn,
        post_id,
        allowed=(FAILED, UNKNOWN, SKIPPED, CANCELLED),
        action="retried",
        status=QUEUED,
        error=None,
        not_before=None,
        updated_at=now,
        cost_micros=_UNBILLED,
    )


def skip(conn: Connection, post_id: int, *, now: datetime, pending_only: bool = False) -> None:
    allowed = (PENDING_APPROVAL,) if pending_only else (QUEUED, PENDING_APPROVAL, FAILED, UNKNOWN)
    transition(
        conn,
        post_id,
        allowed=allowed,
        action="skipped",
        status=SKIPPED,
        error="skipped by the operator",
        updated_at=now,
        cost_micros=_UNBILLED,
    )


def approve(
    conn: Connection, *, post_ids: Iterable[int] | None, channel: str | None, now: datetime
) -> list[int]:
    """Approve the given posts, or every pending post (of `channel`, when given)."""
    if post_ids is not None:
        ids = list(post_ids)
        for post_id in ids:
            transition(
                conn,
                post_id,
                allowed=(PENDING_APPROVAL,),
                action="approved",
                status=QUEUED,
                updated_at=now,
            )
        return ids
    pending = [posts.c.status == PENDING_APPROVAL]
    if channel is not None:
        pending.append(posts.c.channel == channel)
    ids = list(conn.scalars(select(posts.c.id).where(*pending).order_by(posts.c.id)))
    conn.execute(update(posts).where(*pending).values(status=QUEUED, updated_at=now))
    return ids


def recover_interrupted(
    conn: Connection, *, channels: Iterable[str] | None = None, now: datetime
) -> list[int]:
    """Turn the posts left `sending` on `channels` (None: on any) into `unknown`; return
    their ids. A daemon passes its own channels: another daemon's send in flight on a
    shared database is left alone."""
    query = select(posts.c.id).where(posts.c.status == SENDING).order_by(posts.c.id)
    if channels is not None:
        query = query.where(posts.c.channel.in_(list(channels)))
    ids = list(conn.scalars(query))
    for post_id in ids:
        transition(
            conn,
            post_id,
            allowed=(SENDING,),
            action="marked unknown",
            status=UNKNOWN,
            error=INTERRUPTED.format(id=post_id),
            updated_at=now,
        )
    return ids


def requeue_interrupted(conn: Connection, *, channels: Iterable[str], now: datetime) -> list[int]:
    """Put the posts left `sending` on `channels` back in the queue; return their ids. For
    channels whose posts go out under a key the platform holds forever (a record key): the
    next try settles whether the interrupted one went out, so nothing is guessed."""
    ids = list(
        conn.scalars(
            select(posts.c.id)
            .where(posts.c.status == SENDING, posts.c.channel.in_(list(channels)))
            .order_by(posts.c.id)
        )
    )
    for post_id in ids:
        transition(
            conn,
            post_id,
            allowed=(SENDING,),
            action="put back in the queue",
            status=QUEUED,
            not_before=None,
            updated_at=now,
            cost_micros=_UNBILLED,
            error="interrupted while sending; its next try settles it by its key",
        )
    return ids


def record_attempt(
    conn: Connection,
    post_id: int,
    *,
    started_at: datetime,
    finished_at: datetime,
    outcome: str,
    error: str | None,
) -> int:
    """Log one try at delivering a post; return the attempt's id."""
    duration_ms = max(0, round((finished_at - started_at).total_seconds() * 1000))
    result = conn.execute(
        insert(attempts).values(
            post_id=post_id,
            started_at=started_at,
            finished_at=finished_at,
            outcome=outcome,
            error=error,
            duration_ms=duration_ms,
        )
    )
    return result.inserted_primary_key[0]
