"""What the dispatch tests share: a fake clock, a store holding one article, a dispatcher.

clock = Clock()                          its retry waits advance `clock.now`, from T0
yield from stored(tmp_path, article, channels=...)   in a `store` fixture
d = make_dispatcher(store, channel, clock, render, max_per_day=17)   with overrides
run_slots(d, "x", times=3)               outcomes of that many slots, channel closed
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.article import Article
from bot.dispatch import Dispatcher
from bot.excerpt import Excerpt, excerpt_article
from bot.platforms import Channel
from bot.policy import ChannelPolicy
from bot.store import Store

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
URL = "https://blog.example.org/cytokines/"
PARAGRAPHS = (
    "Cytokines are small proteins that carry messages between immune cells in the body.",
    "Interleukin-6 rises within hours of an infection and drives the fever response.",
    "Chronic inflammation keeps cytokine levels high for months in some patients.",
)


class Clock:
    """The dispatcher's clock; its retry waits advance it instead of sleeping.

    `on_sleep`, when set, is called at each wait: the world may change meanwhile.
    """

    def __init__(self) -> None:
        self.now = T0
        self.on_sleep: Callable[[], object] | None = None

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        if self.on_sleep is not None:
            self.on_sleep()
        await asyncio.sleep(0)


def cytokines(paragraphs: tuple[str, ...] = PARAGRAPHS) -> Article:
    """The article the dispatch tests queue (id a1, at URL)."""
    return Article(id="a1", title="Cytokines", paragraphs=paragraphs, source="a.md", url=URL)


def stored(
    tmp_path: Path, article: Article, *, channels: list, excerpts: list[Excerpt] | None = None
) -> Iterator[Store]:
    """For a `store` fixture: a store in tmp_path with `article` queued at T0, closed after."""
    store = Store.open(tmp_path / "bot.sqlite3")
    if excerpts is None:
        excerpts = excerpt_article(article, max_length=200)
    store.upsert_article(article, excerpts, channels=channels, now=T0)
    try:
        yield store
    finally:
        store.close()


def link_last(channel: str, article: Article, excerpt: Excerpt) -> tuple[str, None]:
    """A renderer: the excerpt, then the article's link."""
    return f"{excerpt.text} {article.url}", None


def policy(name: str = "x", **overrides) -> ChannelPolicy:
    """No daily cap, repeats after 90 days, a slot's grace of 10 minutes, unless overridden."""
    settings = {
        "max_per_day": None,
        "repeat_after": timedelta(days=90),
        "grace": timedelta(minutes=10),
        **overrides,
    }
    return ChannelPolicy(name, **settings)


def make_dispatcher(
    store, channel: Channel, clock: Clock, render: Callable = link_last, **overrides
) -> Dispatcher:
    """The real dispatcher for one channel, on `clock`, with `policy(**overrides)`."""
    policies = {channel.name: policy(channel.name, **overrides)}
    return Dispatcher(
        store, {channel.name: channel}, policies, render, clock=clock, sleep=clock.sleep
    )


def run_slots(d: Dispatcher, channel: str, times: int = 1) -> list[str]:
    """Run `times` slots of `channel` in one event loop, then close it; their outcomes."""

    async def go() -> list[str]:
        try:
            return [await d.dispatch(channel) for _ in range(times)]
        finally:
            await d.channels[channel].aclose()

    return asyncio.run(go())


def only_post(store, status: str, channel: str = "x"):
    [post] = store.history(channel=channel, status=status)
    return post
