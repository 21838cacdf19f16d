"""Helpers the store tests share: articles, excerpts, fixed times, a plain renderer.

(Named test_store_* to live beside them; it holds no tests itself.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.article import Article
from bot.excerpt import Excerpt, excerpt_id
from bot.policy import ChannelPolicy
from bot.store import NoClaim

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
REPEAT = timedelta(days=90)

X = [("x", False)]
X_TG = [("x", False), ("tg", False)]


def at(hours: float) -> datetime:
    """T0 plus `hours`."""
    return T0 + timedelta(hours=hours)


def make_article(
    article_id: str,
    *passages: str,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
) -> Article:
    return Article(
        id=article_id,
        title=title or f"Article {article_id}",
        paragraphs=tuple(passages),
        source=source or f"posts/{article_id}.md",
        url=url or f"https://blog.example/{article_id}",
        tags=("science",),
    )


def make_excerpts(article: Article, passages: list[str] | None = None) -> list[Excerpt]:
    """One excerpt per passage (default: per paragraph), ranked in the order given."""
    texts = passages if passages is not None else list(article.paragraphs)
    return [
        Excerpt(
            id=excerpt_id(article.id, text),
            article_id=article.id,
            text=text,
            rank=rank,
            score=round(2.0 - rank / 10, 3),
            paragraph=rank,
            first_sentence=0,
            sentence_count=1,
            shortened=False,
        )
        for rank, text in enumerate(texts)
    ]


def add(store, article_id: str, *passages: str, channels=X, now=T0, **article_fields):
    """Ingest an article whose excerpts are its passages; return (article, excerpts, result)."""
    article = make_article(article_id, *passages, **article_fields)
    excerpts = make_excerpts(article)
    result = store.upsert_article(article, excerpts, channels=channels, now=now)
    return article, excerpts, result


def plain(article: Article, excerpt: Excerpt) -> tuple[str, str | None]:
    """A renderer: the excerpt, then the link."""
    return f"{excerpt.text} {article.url}", None


def claim(
    store,
    channel: str = "x",
    *,
    now=T0,
    repeat_after=REPEAT,
    per_article=False,
    render=plain,
    **rules,
):
    """Claim the channel's next post under a policy of `rules`; None when there is none."""
    policy = ChannelPolicy(
        channel, repeat_after=repeat_after, posts_per_thread=4 if per_article else None, **rules
    )
    claimed = store.claim_next_post(policy, now=now, render=render)
    return None if isinstance(claimed, NoClaim) else claimed


def send(store, channel: str = "x", *, now=T0, **kwargs):
    """Claim the next post and mark it sent at `now`; return the claim."""
    claimed = claim(store, channel, now=now, **kwargs)
    assert claimed is not None, f"nothing to send on {channel}"
    store.mark_sent(
        claimed.id,
        remote_id=f"r{claimed.id}",
        remote_url=f"https://{channel}.example/{claimed.id}",
        now=now,
    )
    return claimed


def engine_for(database: str):
    """A plain SQLAlchemy engine on the `database` fixture's database (a path or a URL)."""
    from sqlalchemy import create_engine

    if "://" not in database:
        return create_engine(f"sqlite:///{database}")
    return create_engine(database.replace("postgresql://", "postgresql+psycopg://", 1))
