"""What a platform module declares, and the one interface its channels implement.

A platform module (`bot/platforms/<name>.py`) holds everything about one platform:

    class <Name>Settings(ChannelSettings)   its config keys (pydantic), secrets' env names
    class <Name>Channel(Channel)            `send(post)` and `check()` over its client library
    PLATFORM = Platform(...)                name, settings, render profile, capabilities,
                                            quotas, how to build a channel, config hints

The registry (`bot.platforms`) finds the modules; config loading, error messages, `check`,
`init`, `config-schema` and the channel factory all read it, so adding a platform is its
module, its tests and its README section. A platform module imports its client library
only when a channel is built or an error is translated, never at import: reading the
config (as `status` does) must not pay for every platform's client.

A channel knows how to deliver an already-rendered post and nothing else: no store, no
schedule, no retry policy. It reports failures only as `bot.errors.ChannelError`
subclasses, translated from its library's errors in one place, so dispatch can decide
(retry, mark unknown, fail, pause) from the error's class and the platform's declared
capabilities, never from its name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from bot.config.channels import ChannelSettings
    from bot.pricing import Prices


@dataclass(frozen=True, slots=True)
class OutgoingPost:
    """A post claimed for sending: its exact payload and where it comes from.

    `url` is the link as the post carries it (UTM tags included). For a thread part,
    `text` is the part; `facets` describe the single post (a thread's parts have none yet).
    """

    id: int
    channel: str
    text: str
    parse_mode: str | None
    url: str | None
    article_id: str
    excerpt_id: str
    attempt: int = 1
    reply_to: str | None = None  # the remote id this post answers (a thread's previous part)
    facets: tuple[dict, ...] = ()  # rich-text ranges (UTF-8 bytes) where the platform has them
    language: str | None = None  # the article's language (BCP 47), when known
    card: Mapping[str, str | None] | None = None  # link card: uri, title, description
    key: str | None = None  # chosen before the first try, the same for every retry: a
    #                          record key (Bluesky rkey) or an Idempotency-Key (Mastodon)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the platform answered: the post's id and address there, where it says."""

    remote_id: str | None
    remote_url: str | None = None


class Memory(Protocol):
    """What a channel keeps between runs, by key (a session, the limits its server
    reported): in the store when the daemon runs the channel (`bot.offloop.StoredMemory`),
    in a dict otherwise. Values may be secrets: never log them."""

    async def recall(self, key: str) -> str | None: ...

    async def remember(self, key: str, value: str | None) -> None: ...


class DictMemory:
    """A `Memory` that lasts as long as the channel (`check`, `preview`, tests)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    async def recall(self, key: str) -> str | None:
        return self.values.get(key)

    async def remember(self, key: str, value: str | None) -> None:
        if value is None:
            self.values.pop(key, None)
        else:
            self.values[key] = value


class Channel(ABC):
    """A place posts go to. Constructors only store settings; I/O starts in the methods.

    `memory` is where it keeps what must outlive the process (the daemon gives it the
    store's; until then a dict); `clock` tells the time its tokens are reckoned by (the
    daemon gives it its own, stepped in tests; until then the wall clock).
    """

    name: str
    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))

    @property
    def memory(self) -> Memory:
        if "_memory" not in self.__dict__:
            self._memory: Memory = DictMemory()
        return self._memory

    @memory.setter
    def memory(self, memory: Memory) -> None:
        self._memory = memory

    @abstractmethod
    async def send(self, post: OutgoingPost) -> Delivery:
        """Deliver `post`; raise a `ChannelError` subclass when it did not (certainly) go."""

    @abstractmethod
    async def check(self) -> str:
        """Verify credentials and destination; return who posts where, in a few words."""

    async def start(self) -> None:  # noqa: B027  (optional hook; most channels learn nothing)
        """Learn what sending needs from the platform before the first slot (a server's
        limits) and keep it in `memory`; never raises (what it cannot learn, it logs)."""

    async def maintain(self) -> None:  # noqa: B027  (optional hook; most keep nothing fresh)
        """Keep credentials fresh (refresh a token before it lapses, warn when it cannot
        be): the daemon calls it daily; never raises (what goes wrong, it logs)."""

    async def aclose(self) -> None:  # noqa: B027  (optional hook; most channels hold nothing)
        """Release connections. The default holds nothing to release."""


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform can do, as dispatch and rendering need to know it."""

    threads: bool = False  # a post may answer another (reply chains: `thread = true`)
    proves_duplicates: bool = False  # refuses an exact duplicate: settles an ambiguous send
    idempotency_keys: bool = False  # takes a key chosen in advance: a retry cannot duplicate
    idempotency_window: timedelta | None = None  # how long the platform honours a key
    #                                              (None: forever, as a record key)
    link_cards: bool = False  # shows a card for the article's link
    media: bool = False  # takes images
    edits: bool = False  # a post can be edited after it went out


@dataclass(frozen=True, slots=True)
class Quota:
    """A volume the platform allows: at most `posts` posts in any `per` (a rolling window),
    as documented at `source`. `scope` is what it is counted over: "account" — every
    channel posting with the same credentials (they are one account); "destination" —
    those posting with the same credentials to one place (Telegram counts per chat)."""

    posts: int
    per: timedelta
    what: str  # "posts published through the API", in words
    source: str  # where the platform says so
    scope: Literal["account", "destination"] = "account"


@dataclass(frozen=True, slots=True)
class Quotas:
    """What the platform allows one account, as far as it documents it: the post volumes
    `check` and `plan` hold schedules against (`limits`), and what else it limits, in
    words (`note`: requests, calls)."""

    limits: tuple[Quota, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Platform:
    """One platform's declaration (see the module docstring).

    `profile` names the render profile posts are counted and marked up with
    (`bot.render.PROFILES`), for settings that do not choose one themselves; `connect`
    builds a channel from validated settings and the secrets `settings.secret_env_vars()`
    named, read from the environment; `literal_secrets` maps a secret's key, when a user
    writes it into the file, to the `*_env` key that should name its variable instead.
    `example` is a commented TOML block for the starter config `excerpt-bot init` writes.
    """

    name: str
    settings: type[ChannelSettings]
    connect: Callable[[ChannelSettings, Mapping[str, str]], Channel]
    profile: str
    summary: str
    capabilities: Capabilities = field(default_factory=Capabilities)
    quotas: Quotas = field(default_factory=Quotas)
    prices: Prices | None = None  # what a post costs, where the platform bills posts
    literal_secrets: Mapping[str, str] = field(default_factory=dict)
    example: str = ""
