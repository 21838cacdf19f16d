"""Articles in: ingesting, re-ingesting, removing articles (`bot.store.queueing` queues and
cancels their posts).

Every function runs inside the caller's transaction. History is never deleted: a passage
that vanished from an edited article becomes inactive and only its not-yet-sent posts are
cancelled; a removed article keeps its row (`removed_at`) and its sent posts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, exists, insert, select, update

from bot.article import Article, Excerpt
from bot.errors import UserError
from bot.store.files import forget_files
from bot.store.queueing import (
    NOT_STARTED,
    ChannelList,
    cancel_posts,
    chunks,
    queue_cuts,
    targets_of,
)
from bot.store.records import ArticleCuts, IngestResult, IngestStatus, article_data
from bot.store.schema import articles, channel_cuts, cut_excerpts, excerpts, posts

Cuts = Sequence[Excerpt] | Mapping[str, Sequence[Excerpt]]

ONE_CUT = "all"  # the name of the cut when a caller gives one list of excerpts

# Built once: an ingest runs these for every article, and building a statement costs more
# than SQLite takes to run one of them.
_ARTICLE = select(articles.c.content_hash, articles.c.data, articles.c.removed_at).where(
    articles.c.id == bindparam("article_id")
)
_PASSAGES = select(excerpts.c.id, excerpts.c.rank, excerpts.c.score, excerpts.c.active).where(
    excerpts.c.article_id == bindparam("article_id")
)
_MEMBERS = select(
    cut_excerpts.c.cut,
    cut_excerpts.c.excerpt_id,
    cut_excerpts.c.rank,
    cut_excerpts.c.score,
    cut_excerpts.c.active,
).where(cut_excerpts.c.article_id == bindparam("article_id"))
_POINTERS = select(channel_cuts.c.channel, channel_cuts.c.cut, channel_cuts.c.made_with).where(
    channel_cuts.c.article_id == bindparam("article_id")
)


def upsert_articles(
    conn: Connection, batch: Iterable[ArticleCuts], *, now: datetime
) -> list[IngestResult]:
    """`upsert_article` for each article of `batch`, in order."""
    return [
        upsert_article(
            conn,
            item.article,
            item.cuts,
            channels=item.channels,
            now=now,
            cut_of=item.cut_of,
            made_with=item.made_with,
        )
        for item in batch
    ]


def upsert_article(
    conn: Connection,
    article: Article,
    article_excerpts: Cuts,
    *,
    channels: ChannelList,
    now: datetime,
    cut_of: Mapping[str, str] | None = None,
    made_with: Mapping[str, str] | None = None,
) -> IngestResult:
    """Insert a new article or reconcile a known one with its current text and cuts.

    `article_excerpts` are its cuts by name (or one list: one cut for every channel), and
    `cut_of` says which cut each channel posts from (by default, the only one). Every
    channel of `cut_of` is pointed at its cut (and `made_with` says with which of its
    settings it was chosen: kept with the pointer); each of `channels` gets the posts of its
    cut it lacks, and its posts not yet started on passages outside that cut are
    cancelled. Nothing else on another channel changes, unless the article's text did:
    then posts not yet started on passages it no longer has are cancelled everywhere.
    """
    cuts = _named_cuts(article_excerpts)
    targets = targets_of(channels)
    if cut_of is None:
        if len(cuts) > 1:
            raise ValueError("several cuts: say which one each channel posts from (cut_of)")
        cut_of = {target.name: next(iter(cuts), ONE_CUT) for target in targets}
    for target in targets:
        if cut_of.get(target.name) not in cuts:
            raise ValueError(f"no cut {cut_of.get(target.name)!r} for channel {target.name}")
    passages = _passages(article, cuts)
    data = article_data(article)
    row = conn.execute(_ARTICLE, {"article_id": article.id}).first()
    if row is None:
        conn.execute(
            insert(articles),
            {"id": article.id, "added_at": now, **_article_values(article, data, now)},
        )
        status = IngestStatus.NEW
    elif row.removed_at is not None:
        status = IngestStatus.RESTORED
    elif data != row.data or article.content_hash != row.content_hash:
        status = IngestStatus.CHANGED
    else:
        status = IngestStatus.UNCHANGED
    edited = status in (IngestStatus.CHANGED, IngestStatus.RESTORED)
    if status is not IngestStatus.NEW and status is not IngestStatus.UNCHANGED:
        conn.execute(
            update(articles)
            .where(articles.c.id == article.id)
            .values(removed_at=None, **_article_values(article, data, now))
        )
    # A new article has nothing stored under its id yet (foreign keys): nothing to read.
    new = status is IngestStatus.NEW
    added, touched = _store_passages(conn, article.id, passages, now, new=new)
    touched |= _store_cuts(conn, article.id, cuts, replace_all=edited, new=new)
    retired: list[str] = []
    cancelled = 0
    if edited:
        retired = _retire_passages(conn, article.id, set(passages))
        cancelled += _cancel_on(
            conn, retired, now, "the passage is no longer in the edited article"
        )
    touched |= _point_channels(conn, article.id, cut_of, made_with or {}, new=new)
    queued_on, recut = queue_cuts(
        conn,
        article.id,
        targets,
        {t.name: cuts[cut_of[t.name]] for t in targets},
        now,
        new_article=new,
    )
    cancelled += recut
    queued = sum(queued_on.values())
    if status is IngestStatus.UNCHANGED and (touched or queued or cancelled or added):
        status = IngestStatus.CHANGED
    return IngestResult(
        article.id,
        status,
        queued=queued,
        cancelled=cancelled,
        excerpts_added=len(added),
        excerpts_retired=len(retired),
        queued_on=queued_on,
    )


def _named_cuts(article_excerpts: Cuts) -> dict[str, list[Excerpt]]:
    if isinstance(article_excerpts, Mapping):
        return {key: list(cut) for key, cut in article_excerpts.items()}
    return {ONE_CUT: list(article_excerpts)}


def _passages(article: Article, cuts: Mapping[str, Sequence[Excerpt]]) -> dict[str, Excerpt]:
    """Every passage of every cut, once, with its best rank over the cuts."""
    passages: dict[str, Excerpt] = {}
    for cut in cuts.values():
        for excerpt in cut:
            if excerpt.article_id != article.id:
                raise ValueError(
                    f"excerpt {excerpt.id} belongs to {excerpt.article_id}, "
                    f"not to article {article.id}"
                )
            known = passages.get(excerpt.id)
            if known is None or (excerpt.rank, -excerpt.score) < (known.rank, -known.score):
                passages[excerpt.id] = excerpt
    return passages


def _store_passages(
    conn: Connection, article_id: str, passages: Mapping[str, Excerpt], now: datetime, *, new: bool
) -> tuple[list[Excerpt], bool]:
    """Insert new passages, refresh known ones; return (those added, whether any changed)."""
    known = {r.id: r for r in _rows(conn, _PASSAGES, article_id, new)}
    added = [e for e in passages.values() if e.id not in known]
    kept = [
        e
        for e in passages.values()
        if e.id in known
        and (not known[e.id].active or (known[e.id].rank, known[e.id].score) != (e.rank, e.score))
    ]
    _insert_excerpts(conn, added, now)
    for e in kept:
        conn.execute(
            update(excerpts).where(excerpts.c.id == e.id).values(active=True, **_excerpt_values(e))
        )
    return added, bool(kept)


def _store_cuts(
    conn: Connection,
    article_id: str,
    cuts: Mapping[str, Sequence[Excerpt]],
    *,
    replace_all: bool,
    new: bool,
) -> bool:
    """Bring the article's stored cuts to `cuts` (with `replace_all`, the cuts not given are
    retired too: the text they were cut from is gone); return whether anything changed."""
    members: dict[tuple[str, str], tuple] = {
        (r.cut, r.excerpt_id): (r.rank, r.score, r.active)
        for r in _rows(conn, _MEMBERS, article_id, new)
    }
    wanted = {(key, e.id): e for key, cut in cuts.items() for e in cut}
    new = [
        {
            "article_id": article_id,
            "cut": key,
            "excerpt_id": e.id,
            "rank": e.rank,
            "score": e.score,
            "active": True,
        }
        for (key, _), e in wanted.items()
        if (key, e.id) not in members
    ]
    if new:
        conn.execute(insert(cut_excerpts), new)
    changed = bool(new)
    for (key, excerpt_id), e in wanted.items():
        stored = members.get((key, excerpt_id))
        if stored is not None and stored != (e.rank, e.score, True):
            conn.execute(
                update(cut_excerpts)
                .where(*_member(article_id, key, excerpt_id))
                .values(rank=e.rank, score=e.score, active=True)
            )
            changed = True
    for (key, excerpt_id), (_, _, active) in members.items():
        if active and (key, excerpt_id) not in wanted and (replace_all or key in cuts):
            conn.execute(
                update(cut_excerpts)
                .where(*_member(article_id, key, excerpt_id))
                .values(active=False)
            )
            changed = True
    return changed


def _rows(conn: Connection, query, article_id: str, new: bool) -> list:
    """The article's rows `query` reads; none for a new article."""
    return [] if new else conn.execute(query, {"article_id": article_id}).all()


def _member(article_id: str, cut: str, excerpt_id: str):
    return (
        cut_excerpts.c.article_id == article_id,
        cut_excerpts.c.cut == cut,
        cut_excerpts.c.excerpt_id == excerpt_id,
    )


def _retire_passages(conn: Connection, article_id: str, present: set[str]) -> list[str]:
    """Mark inactive the article's passages that are in none of its cuts now."""
    active = conn.scalars(
        select(excerpts.c.id).where(
            excerpts.c.article_id == article_id, excerpts.c.active.is_(True)
        )
    )
    retired = sorted(set(active) - present)
    for chunk in chunks(retired):
        conn.execute(update(excerpts).where(excerpts.c.id.in_(chunk)).values(active=False))
    return retired


def _cancel_on(conn: Connection, excerpt_ids: Sequence[str], now: datetime, reason: str) -> int:
    return sum(
        cancel_posts(conn, and_(posts.c.excerpt_id.in_(chunk), NOT_STARTED), now=now, reason=reason)
        for chunk in chunks(excerpt_ids)
    )


def _point_channels(
    conn: Connection,
    article_id: str,
    cut_of: Mapping[str, str],
    made_with: Mapping[str, str],
    *,
    new: bool,
) -> bool:
    """Record which cut of the article each channel posts from, and the settings it was
    chosen with (kept when not given and the cut stays); whether any cut changed."""
    if not cut_of:
        return False
    stored = {r.channel: (r.cut, r.made_with) for r in _rows(conn, _POINTERS, article_id, new)}
    new = [
        {
            "channel": channel,
            "article_id": article_id,
            "cut": cut,
            "made_with": made_with.get(channel),
        }
        for channel, cut in cut_of.items()
        if channel not in stored
    ]
    if new:
        conn.execute(insert(channel_cuts), new)
    moved = False
    for channel, cut in cut_of.items():
        if channel not in stored:
            continue
        was_cut, was_made_with = stored[channel]
        made = made_with.get(channel, was_made_with if was_cut == cut else None)
        if (was_cut, was_made_with) != (cut, made):
            conn.execute(
                update(channel_cuts)
                .where(channel_cuts.c.channel == channel, channel_cuts.c.article_id == article_id)
                .values(cut=cut, made_with=made)
            )
            moved |= was_cut != cut
    return bool(new or moved)


def channel_pointers(
    conn: Connection,
    channels: Sequence[str],
) -> dict[str, dict[str, tuple[str, str | None]]]:
    """`channel_cut_keys` of each of `channels` in one read, each cut with the settings it
    was chosen with (`made_with`)."""
    found: dict[str, dict[str, tuple[str, str | None]]] = {name: {} for name in channels}
    rows = conn.execute(
        select(
            channel_cuts.c.channel,
            channel_cuts.c.article_id,
            channel_cuts.c.cut,
            channel_cuts.c.made_with,
        ).where(channel_cuts.c.channel.in_(list(channels)), _live_cut())
    )
    for channel, article_id, cut, made_with in rows:
        found[channel][article_id] = (cut, made_with)
    return found


def sign_cuts(conn: Connection, channel: str, article_ids: Sequence[str], made_with: str) -> None:
    for chunk in chunks(article_ids):
        conn.execute(
            update(channel_cuts)
            .where(channel_cuts.c.channel == channel, channel_cuts.c.article_id.in_(chunk))
            .values(made_with=made_with)
        )


def _live_cut():
    return exists().where(
        cut_excerpts.c.article_id == channel_cuts.c.article_id,
        cut_excerpts.c.cut == channel_cuts.c.cut,
        cut_excerpts.c.active.is_(True),
    )


def channel_cut_keys(conn: Connection, channel: str) -> dict[str, str]:
    """Which cut each article's posts on `channel` come from, by article id; an article
    whose cut was retired meanwhile (its text edited while the channel was disabled, say)
    is left out: it is to be cut again for the channel."""
    return dict(
        conn.execute(
            select(channel_cuts.c.article_id, channel_cuts.c.cut).where(
                channel_cuts.c.channel == channel, _live_cut()
            )
        ).all()
    )


def _article_values(article: Article, data: dict, now: datetime) -> dict:
    return {
        "source": article.source,
        "title": article.title,
        "url": article.url,
        "data": data,
        "content_hash": article.content_hash,
        "updated_at": now,
    }


def _excerpt_values(excerpt: Excerpt) -> dict:
    return {
        "rank": excerpt.rank,
        "score": excerpt.score,
        "paragraph": excerpt.paragraph,
        "first_sentence": excerpt.first_sentence,
        "sentence_count": excerpt.sentence_count,
        "shortened": excerpt.shortened,
    }


def _insert_excerpts(conn: Connection, new: Sequence[Excerpt], now: datetime) -> None:
    if not new:
        return
    conn.execute(
        insert(excerpts),
        [
            {
                "id": e.id,
                "article_id": e.article_id,
                "text": e.text,
                "active": True,
                "created_at": now,
                **_excerpt_values(e),
            }
            for e in new
        ],
    )


def remove_article(conn: Connection, article_id: str, *, now: datetime) -> int:
    """Mark the article removed and cancel its not-yet-sent posts; return how many."""
    row = conn.execute(select(articles.c.removed_at).where(articles.c.id == article_id)).first()
    if row is None:
        raise UserError(f"no article {article_id} in the database")
    if row.removed_at is None:
        conn.execute(
            update(articles)
            .where(articles.c.id == article_id)
            .values(removed_at=now, updated_at=now)
        )
    return cancel_posts(
        conn, posts.c.article_id == article_id, now=now, reason="the article was removed"
    )


def sync_sources(
    conn: Connection, present: Iterable[str], *, now: datetime, under: str | None = None
) -> list[str]:
    """Remove every article whose source is no longer among `present`; return their ids.

    With `under`, only articles whose source starts with it are considered (say, the
    posts folder), so articles from URLs or feeds are left alone.
    """
    present = set(present)
    query = select(articles.c.id, articles.c.source).where(articles.c.removed_at.is_(None))
    if under is not None:
        query = query.where(articles.c.source.startswith(under, autoescape=True))
    rows = [r for r in conn.execute(query) if r.source not in present]
    forget_files(conn, (r.source for r in rows))  # read again if they come back
    gone = sorted(r.id for r in rows)
    for chunk in chunks(gone):
        conn.execute(
            update(articles).where(articles.c.id.in_(chunk)).values(removed_at=now, updated_at=now)
        )
        cancel_posts(
            conn, posts.c.article_id.in_(chunk), now=now, reason="the article's source is gone"
        )
    return gone
