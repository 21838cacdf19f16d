"""Pages and feeds for the fetch, URL and feed tests: blog posts as HTML, RSS 2.0 and Atom;
and `Bot` (fixture `make_bot`), a config with one feed source, its store and its poller.

Each post has its own paragraphs of whole sentences, so every one gives several excerpts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest

from bot.config import Config, parse_config
from bot.sources.feeds.poll import FeedPoller, PollReport
from bot.sources.library import queue_existing
from bot.sources.pages import FetchLimits
from bot.store import Store

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)  # when a `Bot` polls, unless told otherwise
FEED = "/feed.xml"
RSS = "application/rss+xml"

_TOPICS = [
    "compost",
    "mulch",
    "clover",
    "earthworms",
    "rainwater",
    "seedlings",
    "pollinators",
    "hedgerows",
    "fungi",
    "crop rotation",
]


def paragraphs(n: int, *, variant: str = "") -> list[str]:
    """Three paragraphs of plain sentences about post `n` (`variant` makes an edit)."""
    topic = _TOPICS[n % len(_TOPICS)]
    number = f"number {n}"
    return [
        f"Gardeners who care for {topic} in plot {number} notice the change within a season. "
        f"The soil holds more water, and the beds need less digging every spring{variant}.",
        f"Our field notes on {topic} for plot {number} cover three years of careful records. "
        "Each record lists the weather, the work done and what grew well afterwards.",
        f"Starting small with {topic} is the best advice we can give for plot {number}. "
        "A single bed, watched closely for a year, teaches more than any book on the shelf.",
    ]


@dataclass(frozen=True)
class Post:
    """One blog post, as a page and as a feed entry."""

    n: int
    base: str  # the blog's address, e.g. web.url("")
    guid: str | None = None
    variant: str = ""
    tags: tuple[str, ...] = ("garden",)
    published: datetime | None = None
    body: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Post {self.n}: {_TOPICS[self.n % len(_TOPICS)].title()} in plot {self.n}"

    @property
    def path(self) -> str:
        return f"/posts/{self.n}/"

    @property
    def link(self) -> str:
        return f"{self.base}{self.path}"

    @property
    def paragraphs(self) -> list[str]:
        return self.body or paragraphs(self.n, variant=self.variant)

    @property
    def when(self) -> datetime:
        return self.published or T0 + timedelta(days=self.n)

    def content_html(self) -> str:
        return "".join(f"<p>{escape(p)}</p>" for p in self.paragraphs)

    def page(self, *, canonical: str | None = None) -> str:
        """The post's web page: navigation and footer around the article."""
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{escape(self.title)} – Test Garden Blog</title>"
            f"<link rel='canonical' href='{escape(canonical or self.link)}'>"
            "<meta property='og:site_name' content='Test Garden Blog'></head><body>"
            "<nav><a href='/'>Home</a> <a href='/about/'>About</a></nav>"
            f"<main><article><h1>{escape(self.title)}</h1>{self.content_html()}</article></main>"
            "<footer><p>Copyright Test Garden Blog. All rights reserved.</p></footer>"
            "</body></html>"
        )

    def edited(self, variant: str = ", as we saw again this year") -> Post:
        return replace(self, variant=variant)


def rss(posts: list[Post], *, full: bool = True, title: str = "Test Garden Blog") -> str:
    """An RSS 2.0 feed; with `full`, each item carries content:encoded, else a summary."""
    items = []
    for post in posts:
        content = (
            f"<content:encoded><![CDATA[{post.content_html()}]]></content:encoded>" if full else ""
        )
        categories = "".join(f"<category>{escape(t)}</category>" for t in post.tags)
        guid = post.guid or post.link
        items.append(
            f"<item><title>{escape(post.title)}</title><link>{escape(post.link)}</link>"
            f"<guid isPermaLink='false'>{escape(guid)}</guid>"
            f"<pubDate>{post.when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
            f"{categories}<description>{escape(post.paragraphs[0][:80])}…</description>"
            f"{content}</item>"
        )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
        f"<channel><title>{escape(title)}</title><link>{escape(posts[0].base if posts else '')}"
        f"/</link><description>Notes</description>{''.join(items)}</channel></rss>"
    )


def atom(posts: list[Post], *, full: bool = True, title: str = "Test Garden Blog") -> str:
    """An Atom feed; with `full`, each entry carries <content type="html">."""
    entries = []
    for post in posts:
        content = (
            f"<content type='html'>{escape(post.content_html())}</content>"
            if full
            else f"<summary>{escape(post.paragraphs[0][:80])}…</summary>"
        )
        categories = "".join(f"<category term='{escape(t)}'/>" for t in post.tags)
        entries.append(
            f"<entry><title>{escape(post.title)}</title><id>{escape(post.guid or post.link)}"
            f"</id><link rel='alternate' href='{escape(post.link)}'/>"
            f"<updated>{post.when.isoformat()}</updated>{categories}{content}</entry>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>{escape(title)}</title><id>urn:test:blog</id>"
        f"<updated>{T0.isoformat()}</updated>{''.join(entries)}</feed>"
    )


class Bot:
    """A config with console channels `a` and `b`, its store, and a poller for its feeds."""

    def __init__(self, tmp_path: Path, web, **source) -> None:
        self.web = web
        self.base = web.url("").rstrip("/")
        raw = {
            "channels": {
                name: {"platform": "console", "schedule": {"every": "1h"}} for name in ("a", "b")
            },
            "sources": [{"feed": web.url(FEED), **source}],
        }
        self.config: Config = parse_config(raw, tmp_path / "excerpt-bot.toml")
        self.source = self.config.sources[0]
        self.store = Store.open(tmp_path / "bot.sqlite3")
        self.poller = FeedPoller(
            self.store, self.config.enabled_channels(), limits=FetchLimits(timeout=1.0)
        )

    def posts(self, *numbers: int, **fields) -> list[Post]:
        return [Post(n, self.base, **fields) for n in numbers]

    def publish(self, body: str, **kwargs) -> None:
        self.web.serve(FEED, body, content_type=kwargs.pop("content_type", RSS), **kwargs)

    def poll(self, now: datetime = NOW, **kwargs) -> PollReport:
        return self.poller.poll(self.source, now=now, **kwargs)

    def restart(self) -> None:
        """What the daemon does with the library at start: queue it on channels new to it."""
        queue_existing(self.store, self.config.enabled_channels(), now=NOW)

    def queued_titles(self, channel: str = "a") -> set[str]:
        return {p.article_title for p in self.store.queued(channel)}

    def article_count(self) -> int:
        return sum(self.store.feed_summaries()[self.source.feed].entries.values())

    def entry_kinds(self) -> dict[str, int]:
        return dict(self.store.feed_summaries()[self.source.feed].entries)


@pytest.fixture(name="make_bot")
def make_bot_fixture(tmp_path, web):
    """`make_bot(**source)`: a `Bot` whose one source has these keys (needs the `web` fixture:
    import `web_fixture` too)."""
    bots = []

    def make(**source) -> Bot:
        bot = Bot(tmp_path / str(len(bots)), web, **source)
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        bot.store.close()
