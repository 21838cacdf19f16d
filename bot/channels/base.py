"""The one interface every platform sits behind: `send(post)` and `check()`.

A channel knows how to deliver an already-rendered post and nothing else: no store, no
schedule, no retry policy. It reports failures only as `bot.errors.ChannelError`
subclasses, translated from its library's errors in one place, so dispatch can decide
(retry, mark unknown, fail, pause) without knowing the platform.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OutgoingPost:
    """A post claimed for sending: its exact payload and where it comes from."""

    id: int
    channel: str
    text: str
    parse_mode: str | None
    url: str | None
    article_id: str
    excerpt_id: str
    attempt: int = 1
    reply_to: str | None = None  # the remote id this post answers (a thread's previous part)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the platform answered: the post's id and address there, where it says."""

    remote_id: str | None
    remote_url: str | None = None


class Channel(ABC):
    """A place posts go to. Constructors only store settings; I/O starts in the methods."""

    name: str

    @abstractmethod
    async def send(self, post: OutgoingPost) -> Delivery:
        """Deliver `post`; raise a `ChannelError` subclass when it did not (certainly) go."""

    @abstractmethod
    async def check(self) -> str:
        """Verify credentials and destination; return who posts where, in a few words."""

    async def aclose(self) -> None:  # noqa: B027  (optional hook; most channels hold nothing)
        """Release connections. The default holds nothing to release."""
