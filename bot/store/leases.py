"""Several daemons on one database: who is alive (`instances`) and who does which work
(`leases`: "channel:NAME", "library", "feed:URL", "admin"), each for a time.

A daemon registers under its name, then renews on a heartbeat: its `last_seen`, and the
leases it holds (each until now + ttl). In the same transaction it takes its share of the
work, ceil(units / live daemons): a daemon holding more hands the rest back at once (a
new daemon came), one holding fewer takes free or expired leases (a daemon stopped or
died). A lease is taken by an UPDATE guarded by its state (free, or expired) whose row
count is checked; on PostgreSQL the candidates are read `FOR UPDATE SKIP LOCKED`, so
daemons taking leases at once never wait for nor take the same one.

Why a lease table rather than PostgreSQL's advisory locks on a dedicated connection: a
lease has a time, so a daemon that lost the database knows when to stop acting (its lease
ran out) while a session lock lasts until the server notices the dead connection (TCP
keep-alive: minutes); leases are rows, so `status` shows who holds what; and the same
code runs on SQLite, where the store suite tests it too.

The clock is the caller's (`now`): the machines keep their clocks in time (NTP), as a
scheduler needs anyway.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, insert, or_, select, text, update

from bot.errors import UserError
from bot.store.channels import set_last_slot
from bot.store.schema import SENDING, UNKNOWN, channel_state, instances, leases, posts
from bot.store.transitions import INTERRUPTED

CHANNEL = "channel:"
LIBRARY = "library"
FEED = "feed:"
ADMIN = "admin"
FORGET_AFTER = timedelta(days=7)  # an instance not seen for this long is forgotten


@dataclass(frozen=True, slots=True)
class Acquired:
    """A lease just taken: from whom. `previous` None and `handed_back` true: its owner
    gave it back (a clean stop, a rebalance); `previous` set: its owner's lease ran out
    (it died); neither: nobody held it before."""

    name: str
    previous: str | None
    handed_back: bool


@dataclass(frozen=True, slots=True)
class Beat:
    """What one heartbeat found and did."""

    held: frozenset[str]
    acquired: tuple[Acquired, ...]
    released: tuple[str, ...]
    live: tuple[str, ...]  # the live instances, this one included


def register(
    conn: Connection,
    name: str,
    *,
    host: str,
    pid: int,
    now: datetime,
    ttl: timedelta,
    predecessor_gone,
) -> None:
    """Note instance `name` starting; refuse when a live instance of that name runs
    elsewhere (`predecessor_gone(host, pid)` says whether the one found is this machine's
    dead process). Leases a previous life of `name` held expire now: they are taken again
    as after a crash (missed slots, its `sending` posts settled)."""
    row = conn.execute(select(instances).where(instances.c.name == name)).one_or_none()
    if (
        row is not None
        and row.stopped_at is None
        and row.last_seen >= now - ttl
        and (row.host, row.pid) != (host, pid)
        and not predecessor_gone(row.host, row.pid)
    ):
        seen = round((now - row.last_seen).total_seconds())
        raise UserError(
            f'another excerpt-bot named "{name}" is running on {row.host} (pid {row.pid}, '
            f"last seen {seen} s ago); give this one another [bot] instance, or stop that one"
        )
    values = {"host": host, "pid": pid, "started_at": now, "last_seen": now, "stopped_at": None}
    if row is None:
        conn.execute(insert(instances).values(name=name, **values))
    else:
        conn.execute(update(instances).where(instances.c.name == name).values(**values))
    conn.execute(
        update(leases)
        .where(leases.c.owner == name)
        .values(expires_at=now - timedelta(microseconds=1))
    )
    conn.execute(delete(instances).where(instances.c.last_seen < now - FORGET_AFTER))


def heartbeat(
    conn: Connection,
    name: str,
    *,
    wanted: Iterable[str],
    busy: Iterable[str] = (),
    now: datetime,
    ttl: timedelta,
) -> Beat:
    """Renew `name`'s leases and take or hand back its share of `wanted` (never one of
    `busy`: work under way keeps its lease)."""
    wanted, busy = sorted(set(wanted)), set(busy)
    conn.execute(
        update(instances).where(instances.c.name == name).values(last_seen=now, stopped_at=None)
    )
    until = now + ttl
    conn.execute(
        update(leases)
        .where(leases.c.owner == name, leases.c.expires_at >= now)
        .values(expires_at=until)
    )
    _create_missing(conn, wanted)
    live = tuple(
        conn.scalars(
            select(instances.c.name)
            .where(instances.c.last_seen >= now - ttl, instances.c.stopped_at.is_(None))
            .order_by(instances.c.name)
        )
    )
    held_now = set(
        conn.scalars(
            select(leases.c.name).where(
                leases.c.owner == name, leases.c.expires_at >= now, leases.c.name.in_(wanted)
            )
        )
    )
    held: set[str] = set()
    released: list[str] = []
    acquired: list[Acquired] = []
    # Channels are shared out on their own, so that they spread evenly; then the rest.
    for group in (
        [w for w in wanted if w.startswith(CHANNEL)],
        [w for w in wanted if not w.startswith(CHANNEL)],
    ):
        mine = held_now & set(group)
        share = math.ceil(len(group) / max(1, len(live)))
        if len(mine) > share:
            spare = sorted(mine - busy, reverse=True)[: len(mine) - share]
            released += _hand_back(conn, name, spare, now)
            mine -= set(spare)
        if len(mine) < share:
            taken = _take(conn, name, group, share - len(mine), now=now, until=until)
            acquired += taken
            mine |= {a.name for a in taken}
        held |= mine
    return Beat(frozenset(held), tuple(acquired), tuple(released), live)


def _create_missing(conn: Connection, names: list[str]) -> None:
    known = set(conn.scalars(select(leases.c.name).where(leases.c.name.in_(names))))
    missing = [{"name": n} for n in names if n not in known]
    if not missing:
        return
    if conn.dialect.name == "postgresql":  # another daemon may create them at this moment
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(leases).on_conflict_do_nothing(), missing)
    else:  # SQLite: BEGIN IMMEDIATE, nobody else writes meanwhile
        conn.execute(insert(leases), missing)


def _free(now: datetime):
    return or_(leases.c.owner.is_(None), leases.c.expires_at < now)


def _take(
    conn: Connection, name: str, wanted: list[str], count: int, *, now: datetime, until: datetime
) -> list[Acquired]:
    query = (
        select(leases.c.name, leases.c.owner, leases.c.expires_at)
        .where(leases.c.name.in_(wanted), _free(now))
        .order_by(leases.c.name)
        .limit(count)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    taken: list[Acquired] = []
    for row in conn.execute(query).all():
        done = conn.execute(
            update(leases)
            .where(leases.c.name == row.name, _free(now))
            .values(owner=name, acquired_at=now, expires_at=until)
        )
        if done.rowcount == 1:
            taken.append(
                Acquired(row.name, row.owner, row.owner is None and row.expires_at is not None)
            )
    return taken


def _hand_back(conn: Connection, name: str, names: list[str], now: datetime) -> list[str]:
    if not names:
        return []
    conn.execute(
        update(leases)
        .where(leases.c.owner == name, leases.c.name.in_(names))
        .values(owner=None, expires_at=now)
    )
    return names


def release_all(conn: Connection, name: str, *, now: datetime) -> list[str]:
    """A clean stop: every lease of `name` handed back at once, the instance stopped."""
    held = sorted(conn.scalars(select(leases.c.name).where(leases.c.owner == name)))
    _hand_back(conn, name, held, now)
    conn.execute(
        update(instances).where(instances.c.name == name).values(stopped_at=now, last_seen=now)
    )
    return held


def holds(conn: Connection, name: str, lease: str, *, now: datetime) -> bool:
    """Whether instance `name` holds `lease` now. On PostgreSQL the row stays locked (FOR
    SHARE) until the caller's transaction ends: nobody takes the lease meanwhile."""
    query = select(leases.c.name).where(
        leases.c.name == lease, leases.c.owner == name, leases.c.expires_at >= now
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return conn.scalar(query) is not None


def begin_slot(
    conn: Connection, name: str, channel: str, *, slot: datetime, now: datetime, fenced: bool
) -> bool:
    """The slot at `slot` of `channel` fires on instance `name` at `now`: note it
    (`last_slot_at`), only while `name` holds the channel when `fenced`, and only once:
    a slot no later than the last one noted has fired already (the scheduler's run and a
    catch-up of the same slot after a takeover, say). Whether it may go on."""
    lock_channel(conn, channel)
    if fenced and not holds(conn, name, CHANNEL + channel, now=now):
        return False
    last = conn.scalar(
        select(channel_state.c.last_slot_at).where(channel_state.c.channel == channel)
    )
    if last is not None and last >= slot:
        return False
    set_last_slot(conn, channel, slot)
    return True


def lock_channel(conn: Connection, channel: str) -> None:
    """On PostgreSQL, claims on one channel one at a time (a lock held until the caller's
    transaction ends); SQLite's BEGIN IMMEDIATE already serialises every writer."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
            {"name": CHANNEL + channel},
        )


def settle_orphans(
    conn: Connection,
    channels: Iterable[str],
    *,
    keyed: Iterable[str] = (),
    now: datetime,
    ttl: timedelta,
) -> tuple[list[int], list[int]]:
    """The posts left `sending` on `channels` by a daemon no longer alive (or by none that
    says so: claimed before schema 8): on `keyed` channels back to the queue (their key
    settles them), elsewhere `unknown`. A live daemon's send in flight is left alone.
    Returns (ids made unknown, ids requeued)."""
    alive = select(instances.c.name).where(
        instances.c.last_seen >= now - ttl, instances.c.stopped_at.is_(None)
    )
    orphan = and_(
        posts.c.status == SENDING,
        posts.c.channel.in_(list(channels)),
        or_(posts.c.claimed_by.is_(None), posts.c.claimed_by.not_in(alive)),
    )
    keyed = list(keyed)
    rows = conn.execute(
        select(posts.c.id, posts.c.channel).where(orphan).order_by(posts.c.id)
    ).all()
    unknown = [r.id for r in rows if r.channel not in keyed]
    requeued = [r.id for r in rows if r.channel in keyed]
    for post_id in unknown:
        conn.execute(
            update(posts)
            .where(posts.c.id == post_id, posts.c.status == SENDING)
            .values(status=UNKNOWN, error=INTERRUPTED.format(id=post_id), updated_at=now)
        )
    if requeued:
        conn.execute(
            update(posts)
            .where(posts.c.id.in_(requeued), posts.c.status == SENDING)
            .values(
                status="queued",
                not_before=None,
                updated_at=now,
                error="interrupted while sending; its next try settles it by its key",
            )
        )
    return unknown, requeued


def recover_own(
    conn: Connection, name: str, *, channels: Iterable[str] | None = None, now: datetime
) -> list[int]:
    """At start: the posts a previous life of instance `name` left `sending` (nothing of
    this one is in flight yet) become `unknown`; on `channels` only, when given."""
    query = select(posts.c.id).where(posts.c.status == SENDING, posts.c.claimed_by == name)
    if channels is not None:
        query = query.where(posts.c.channel.in_(list(channels)))
    ids = list(conn.scalars(query.order_by(posts.c.id)))
    for post_id in ids:
        conn.execute(
            update(posts)
            .where(posts.c.id == post_id, posts.c.status == SENDING)
            .values(status=UNKNOWN, error=INTERRUPTED.format(id=post_id), updated_at=now)
        )
    return ids


@dataclass(frozen=True, slots=True)
class Ownership:
    """Who does what, for `status` and /metrics: each instance seen lately (last seen,
    stopped or not, the channels it holds) and each channel's owner."""

    instances: dict[str, tuple[datetime, datetime | None, list[str]]]
    owners: dict[str, str]
    leases_held: dict[str, int]


def ownership(conn: Connection, *, now: datetime) -> Ownership:
    rows = conn.execute(
        select(leases.c.name, leases.c.owner)
        .where(leases.c.owner.is_not(None), leases.c.expires_at >= now)
        .order_by(leases.c.name)
    ).all()
    owners = {r.name.removeprefix(CHANNEL): r.owner for r in rows if r.name.startswith(CHANNEL)}
    held: dict[str, int] = {}
    for r in rows:
        held[r.owner] = held.get(r.owner, 0) + 1
    found = {}
    for row in conn.execute(select(instances).order_by(instances.c.name)):
        mine = sorted(channel for channel, owner in owners.items() if owner == row.name)
        found[row.name] = (row.last_seen, row.stopped_at, mine)
    return Ownership(found, owners, {n: held.get(n, 0) for n in found})
