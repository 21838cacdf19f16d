"""What goes out next on a channel, and what would go out at each coming slot (pure).

The store gathers a channel's candidates as `QueuedItem`s and asks `choose_next`; the
`plan` command asks `simulate` for the coming slots. The rules, in order:

1. never the same article as the last one sent on the channel, while another is available;
2. fresh articles (nothing sent on this channel yet) before started ones;
3. among fresh articles the newest first; among started ones the one sent least, then
   the oldest;
4. within an article, the best-ranked excerpt first (rank 0 is the best), then the post
   queued first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.policy import DAY

if TYPE_CHECKING:
    from bot.policy import ChannelPolicy

__all__ = ["DAY", "QueuedItem", "choose_next", "simulate"]


@dataclass(frozen=True, slots=True)
class QueuedItem:
    """A post that could go out on one channel, with what the rules look at.

    `post_id` is None for an evergreen candidate that has no post yet.
    `article_sent_count` counts the article's posts already out on this channel.
    `pending` marks a post waiting for approval: `plan` shows where it would go.
    """

    post_id: int | None
    article_id: str
    excerpt_id: str
    article_added_at: datetime
    excerpt_rank: int
    article_sent_count: int
    created_at: datetime
    pending: bool = False  # waits for approval (only `plan` looks at such posts)
    pinned_at: datetime | None = None  # put first by the operator (`pin`): the latest first


def _priority(item: QueuedItem) -> tuple:
    """Smaller is sooner."""
    added = item.article_added_at.timestamp()
    if item.article_sent_count == 0:
        article_key: tuple = (0, 0, -added)  # fresh: newest first
    else:
        article_key = (1, item.article_sent_count, added)  # started: least sent, then oldest
    return (
        *article_key,
        item.article_id,
        item.excerpt_rank,
        item.created_at.timestamp(),
        item.post_id if item.post_id is not None else -1,
    )


def choose_next(
    queued: Sequence[QueuedItem], *, last_article_id: str | None
) -> QueuedItem | None:
    """The item to send next, or None when `queued` is empty: the one pinned last, else the
    planner's choice."""
    pinned = [item for item in queued if item.pinned_at is not None]
    if pinned:
        return max(pinned, key=lambda item: item.pinned_at)
    others = [item for item in queued if item.article_id != last_article_id]
    pool = others or queued
    return min(pool, key=_priority, default=None)


def simulate(
    queued: Sequence[QueuedItem],
    *,
    last_article_id: str | None,
    slots: Sequence[datetime],
    policy: ChannelPolicy,
    already_sent_times: Sequence[datetime] = (),
    evergreen: Sequence[tuple[QueuedItem, datetime | None]] = (),
) -> list[tuple[datetime, QueuedItem | None]]:
    """What would go out at each of `slots` (in order) on the channel of `policy`, None
    where nothing would.

    A slot stays empty when the policy's daily cap has no room left for it (a thread's
    every part counted) in the 24 hours before it (`already_sent_times` are the channel's
    posts out so far, one per post). When the queue runs dry, evergreen recycling is
    foreseen as the daemon does it: an `evergreen` excerpt (with when it was last touched)
    comes back once the policy's `repeat_after` has passed since then — as does every
    post sent in the plan itself.
    """
    remaining = list(queued)
    touched: dict[str, tuple[QueuedItem, datetime | None]] = {
        item.excerpt_id: (item, last) for item, last in evergreen
    }
    sent_times = list(already_sent_times)
    last = last_article_id
    plan: list[tuple[datetime, QueuedItem | None]] = []
    for slot in sorted(slots):
        if not policy.fits(slot, sent_times):
            plan.append((slot, None))
            continue
        choice = choose_next(remaining, last_article_id=last)
        if choice is None:
            due = [item for item, at in touched.values()
                   if at is None or at + policy.repeat_after <= slot]
            choice = choose_next(due, last_article_id=last)
        plan.append((slot, choice))
        if choice is None:
            continue
        if choice in remaining:
            remaining.remove(choice)
        touched[choice.excerpt_id] = (dataclasses.replace(choice, post_id=None), slot)
        remaining = _one_more_sent(remaining, choice.article_id)
        touched = {key: (_one_more_sent([item], choice.article_id)[0], at)
                   for key, (item, at) in touched.items()}
        sent_times += [slot] * policy.posts_per_slot
        last = choice.article_id
    return plan


def _one_more_sent(items: list[QueuedItem], article_id: str) -> list[QueuedItem]:
    return [
        dataclasses.replace(item, article_sent_count=item.article_sent_count + 1)
        if item.article_id == article_id
        else item
        for item in items
    ]
