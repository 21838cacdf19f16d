"""One channel's rules, as one value: built once from its settings, read by everything that
decides what a channel may post and when (pure).

    ChannelPolicy.of(settings)     the claim (store), dispatch, the planner, `plan`,
                                   `status`, `check`'s warnings and the evergreen recycler
    policy.has_room(out_in_24h)    the daily cap, counting every part of a thread
    policy.fits(at, out_times)     the same, for a slot to come (`plan`, the planner)
    policy.takes(path_or_url)      the channel's `articles` filter
    policy.price(text, parts)      what a post costs (micros; None where posts are free)

Whether a channel is paused is the store's to say (the operator and the dispatcher change
it while the daemon runs); everything else a channel may or may not do is here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatch
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config.channels import ChannelSettings
    from bot.pricing import Budget, Prices

DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ChannelPolicy:
    """What a channel may post, when, and what to do when a send goes wrong.

    `max_per_day` caps posts in any rolling 24 hours, each part of a thread counted;
    `posts_per_slot` is what one slot spends of it (a thread's parts, or 1). A
    `per_article` channel (threads) gets one post per article and recycles whole
    articles. `require_approval`: every post, a repeat included, waits for `approve`.
    `proves_duplicates`: the platform refuses an exact duplicate, which settles an
    ambiguous send (a capability of the platform, not of its name). `idempotent`: each
    post goes out under a key chosen before its first try (`OutgoingPost.key`), so an
    ambiguous try is retried under the same key, never guessed at; a key that holds
    forever (`idempotency_window` None) lets the post wait for its next slot too.
    `prices`: what a post costs (None: nothing we know of); `budget`: at most this much
    per calendar month or day in `spend_zone` (`[bot] timezone`).
    """

    name: str
    max_per_day: int | None = None
    repeat_after: timedelta = timedelta(days=90)
    require_approval: bool = False
    grace: timedelta = timedelta(minutes=10)
    missed: str = "skip"  # or "catch_up": one post for slots missed while down
    on_unknown: str = "mark"  # or "retry": prefer a rare duplicate to a rare gap
    posts_per_thread: int | None = None  # None: one post per slot
    articles: tuple[str, ...] | None = None  # globs over paths (or URLs); None: every one
    proves_duplicates: bool = False
    idempotent: bool = False  # sent under a key: an ambiguous try may be retried with it
    idempotency_window: timedelta | None = None  # None: the key holds forever
    prices: Prices | None = None
    budget: Budget | None = None
    spend_zone: str = "UTC"

    def uncapped(self) -> ChannelPolicy:
        """This policy with the user's caps lifted (`send-now --force`)."""
        return dataclasses.replace(self, max_per_day=None)

    @classmethod
    def of(cls, settings: ChannelSettings) -> ChannelPolicy:
        """The policy of a configured channel."""
        from bot.platforms import PLATFORMS

        capabilities = PLATFORMS[settings.platform].capabilities
        return cls(
            name=settings.name,
            max_per_day=settings.max_per_day,
            repeat_after=settings.repeat_after,
            require_approval=settings.require_approval,
            grace=settings.grace,
            missed=settings.missed,
            on_unknown=settings.on_unknown,
            posts_per_thread=settings.posts_per_thread,
            articles=tuple(settings.articles) if settings.articles else None,
            proves_duplicates=capabilities.proves_duplicates,
            idempotent=capabilities.idempotency_keys,
            idempotency_window=capabilities.idempotency_window,
            prices=settings.prices,
            budget=settings.budget,
            spend_zone=settings.spend_zone,
        )

    @property
    def posts_per_slot(self) -> int:
        """What one slot spends of `max_per_day`: a whole thread, or one post."""
        return self.posts_per_thread or 1

    @property
    def per_article(self) -> bool:
        """One post per article (a thread), rather than one per excerpt."""
        return self.posts_per_thread is not None

    def has_room(self, out_in_last_day: int) -> bool:
        """Whether one more slot fits the daily cap, given the posts out in the last 24 h."""
        return self.max_per_day is None or out_in_last_day + self.posts_per_slot <= self.max_per_day

    def fits(self, at: datetime, out_times: Iterable[datetime]) -> bool:
        """Whether a slot at `at` fits the daily cap, given when posts went out (one time
        per post or thread part, as the store's `sent_times_since` gives them)."""
        if self.max_per_day is None:
            return True
        return self.has_room(sum(1 for t in out_times if at - DAY <= t <= at))

    def slots_per_day(self) -> int | None:
        """How many slots the daily cap lets through in 24 hours (None: no cap)."""
        return None if self.max_per_day is None else self.max_per_day // self.posts_per_slot

    def price(self, text: str, parts: tuple[str, ...] | list[str] = ()) -> int | None:
        """What a post of `text` (a thread: its `parts`, each a post) costs, in micros of
        `prices.currency`; None where the channel's posts cost nothing we know of."""
        if self.prices is None:
            return None
        from bot.pricing import payload_price

        return payload_price(text, parts, self.prices)

    def takes(self, where: str) -> bool:
        """Whether an article at `where` (its path under posts_dir, or its URL) is for us."""
        return not self.articles or any(fnmatch(where, glob) for glob in self.articles)
