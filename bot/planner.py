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
import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.policy import DAY

if TYPE_CHECKING:
    from bot.policy import ChannelPolicy


class Spending(Protocol):
    """What `simulate` asks of a channel's budget (`bot.spend.PlannedSpend`)."""

    def holds(self, slot: datetime) -> bool:
        """Whether the budget still holds every post back at `slot`."""

    def admit(self, slot: datetime, item: QueuedItem) -> bool:
        """Whether `item` may go at `slot` within the budget (and count it if so)."""


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
    return (*_article_order(item, item.article_sent_count), *_within_article(item))


def _article_order(item: QueuedItem, sent_count: int) -> tuple:
    """Where `item`'s article comes, its posts out on the channel being `sent_count`."""
    added = item.article_added_at.timestamp()
    if sent_count == 0:
        return (0, 0, -added, item.article_id)  # fresh: newest first
    return (1, sent_count, added, item.article_id)  # started: least sent, then oldest


def _within_article(item: QueuedItem) -> tuple:
    return (
        item.excerpt_rank,
        item.created_at.timestamp(),
        item.post_id if item.post_id is not None else -1,
    )


def choose_next(queued: Sequence[QueuedItem], *, last_article_id: str | None) -> QueuedItem | None:
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
    spending: Spending | None = None,
) -> list[tuple[datetime, QueuedItem | None]]:
    """What would go out at each of `slots` (in order) on the channel of `policy`, None
    where nothing would.

    A slot stays empty when the policy's daily cap has no room left for it (a thread's
    every part counted) in the 24 hours before it (`already_sent_times` are the channel's
    posts out so far, one per post). When the queue runs dry, evergreen recycling is
    foreseen as the daemon does it: an `evergreen` excerpt (with when it was last touched)
    comes back once the policy's `repeat_after` has passed since then — as does every
    post sent in the plan itself. With `spending`, a slot stays empty where the budget
    holds its post back, as the claim would (the post waits for a later slot).
    """
    queue = _Queue(queued)
    # Evergreen candidates: each with when it was last touched, and the article's sends in
    # the plan by then (its sent count grows by the sends after).
    touched: dict[str, tuple[QueuedItem, datetime | None, int]] = {
        item.excerpt_id: (item, last, 0) for item, last in evergreen
    }
    sent_times = sorted(already_sent_times)  # stays in order: slots come in order
    last = last_article_id
    plan: list[tuple[datetime, QueuedItem | None]] = []
    for slot in sorted(slots):
        out_in_day = bisect_right(sent_times, slot) - bisect_left(sent_times, slot - DAY)
        if not policy.has_room(out_in_day) or (spending is not None and spending.holds(slot)):
            plan.append((slot, None))
            continue
        choice = queue.choose(last)
        if choice is None:
            due = [
                queue.counted(item, since)
                for item, at, since in touched.values()
                if at is None or at + policy.repeat_after <= slot
            ]
            choice = choose_next(due, last_article_id=last)
        if choice is not None and spending is not None and not spending.admit(slot, choice):
            choice = None
        plan.append((slot, choice))
        if choice is None:
            continue
        queue.take(choice)
        touched[choice.excerpt_id] = (
            dataclasses.replace(choice, post_id=None),
            slot,
            queue.sends(choice.article_id),
        )
        queue.one_more_sent(choice.article_id)
        sent_times += [slot] * policy.posts_per_slot
        last = choice.article_id
    return plan


class _Queue:
    """The queued items as `simulate` takes them, in `choose_next`'s order, without weighing
    every item again at every slot: each article's items best first, and the articles in a
    heap by their key — which changes only for the article just sent. (Items that differ in
    their sent count or added time within one article form groups of their own.)"""

    def __init__(self, items: Sequence[QueuedItem]) -> None:
        self.pinned = [item for item in items if item.pinned_at is not None]
        self.groups: dict[tuple, list[QueuedItem]] = {}
        self.of_article: dict[str, list[tuple]] = {}
        for item in items:
            group = (item.article_id, item.article_sent_count, item.article_added_at)
            if group not in self.groups:
                self.groups[group] = []
                self.of_article.setdefault(item.article_id, []).append(group)
            self.groups[group].append(item)
        for members in self.groups.values():
            members.sort(key=_within_article, reverse=True)  # the best last: popped first
        self.extra: dict[str, int] = {}  # sends in the plan, per article
        self.heap = [(self._key(group), group) for group in self.groups]
        heapq.heapify(self.heap)

    def _key(self, group: tuple) -> tuple:
        item = self.groups[group][-1]
        return _article_order(item, item.article_sent_count + self.extra.get(group[0], 0))

    def _head(self, group: tuple) -> QueuedItem:
        return self.counted(self.groups[group][-1], 0)

    def counted(self, item: QueuedItem, since: int) -> QueuedItem:
        """`item` with the sends of its article in the plan after `since` counted."""
        more = self.extra.get(item.article_id, 0) - since
        return (
            dataclasses.replace(item, article_sent_count=item.article_sent_count + more)
            if more
            else item
        )

    def sends(self, article_id: str) -> int:
        return self.extra.get(article_id, 0)

    def choose(self, last_article_id: str | None) -> QueuedItem | None:
        """`choose_next` over the items not yet taken."""
        if self.pinned:
            return self.counted(max(self.pinned, key=lambda item: item.pinned_at), 0)
        passed, found = [], None
        while self.heap:
            key, group = self.heap[0]
            if not self.groups.get(group) or key != self._key(group):
                heapq.heappop(self.heap)  # emptied, or its article was sent since
                continue
            if group[0] != last_article_id:
                found = self._head(group)
                break
            passed.append(heapq.heappop(self.heap))
        for entry in passed:
            heapq.heappush(self.heap, entry)
        if found is None and passed:
            found = self._head(passed[0][1])  # only the last article has items left
        return found

    def take(self, item: QueuedItem) -> None:
        """`item` goes out: it leaves the queue (an evergreen repeat was never in it)."""
        if item.post_id is None:
            return
        for group in self.of_article.get(item.article_id, ()):
            members = self.groups[group]
            if members and members[-1].post_id == item.post_id:
                members.pop()  # the article's best: what `choose` gives
            elif any(m.post_id == item.post_id for m in members):  # a pinned one
                members[:] = [m for m in members if m.post_id != item.post_id]
            else:
                continue
            if members:
                heapq.heappush(self.heap, (self._key(group), group))
            break
        if self.pinned:
            self.pinned = [m for m in self.pinned if m.post_id != item.post_id]

    def one_more_sent(self, article_id: str) -> None:
        self.extra[article_id] = self.extra.get(article_id, 0) + 1
        for group in self.of_article.get(article_id, ()):
            if self.groups[group]:
                heapq.heappush(self.heap, (self._key(group), group))
