"""`excerpt-bot send-now ID`: send a queued post at once, the daemon's way.

The post is pinned first in its channel's queue, then claimed and sent through the same
claim and dispatch as a slot of the daemon (payload, delivery key, retries, recording
before and after the network call), so it goes out exactly once even while the daemon
runs. The channel's caps hold unless --force; its budget always holds. A post that is not
sent (a paused, capped or spent channel) is put back where it stood in the queue, its --at
time kept.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import click

from bot.cli.configured import load_config_or_fail, opened_store, utc_now
from bot.cli.operate import post_id_argument
from bot.cli.options import config_option
from bot.config import Config
from bot.dispatch import Dispatcher
from bot.errors import UserError
from bot.offloop import AsyncStore, StoredMemory
from bot.platforms import build_channel
from bot.policy import ChannelPolicy
from bot.render.channel import remembered, render_for
from bot.store import Store

WAITING = ("queued", "pending_approval")
# What dispatch says, as the operator reads it.
OUTCOMES = {
    "paused": "its channel is paused: `excerpt-bot resume {channel}` first",
    "capped": "{channel} has reached its max_per_day (pass --force to send anyway)",
    "awaiting_approval": "it waits for approval: `excerpt-bot approve {id}` first",
    "empty": "it is not due on {channel}",
    "budget": (
        "it would take {channel} past its budget (it waits in the queue until the "
        "budget's period rolls over; raise `budget` to send it sooner)"
    ),
}


@click.command("send-now")
@config_option
@post_id_argument
@click.option("--force", is_flag=True, help="Send even past the channel's max_per_day.")
def send_now(config_path: Path | None, post_id: int, force: bool) -> None:
    """Send a queued post at once.

    Post ID (queued, or approved) goes out now on its channel, through the daemon's own
    claim and dispatch, whether or not the daemon runs; max_per_day holds unless --force,
    the channel's budget always.
    """
    config = load_config_or_fail(config_path)
    with opened_store(config) as store:
        db = AsyncStore(store)
        try:
            line = asyncio.run(
                send_post_now(
                    db,
                    config,
                    post_id,
                    now=utc_now(),
                    dispatch=lambda name: dispatch_alone(config, db, name, force=force),
                )
            )
        finally:
            db.close()
    click.echo(line)


async def send_post_now(
    db: AsyncStore,
    config: Config,
    post_id: int,
    *,
    now: datetime,
    dispatch: Callable[[str], Awaitable[str]],
) -> str:
    """Pin post `post_id` first in its channel's queue and `dispatch` that channel at once
    (as a slot does): the line saying where it went out, else a UserError saying why not
    (a post not sent goes back where it stood in the queue). The CLI's `send-now` and the
    web console's button."""
    post = await db.call(Store.get_post, post_id)
    if post.status == "pending_approval":
        raise UserError(f"post {post_id} waits for approval: `excerpt-bot approve {post_id}` first")
    if post.channel not in config.enabled_channels():
        raise UserError(
            f"post {post_id} is for channel {post.channel}, which is not enabled in the config"
        )
    if (await db.call(Store.channel_state, post.channel)).paused:
        raise UserError(
            f"post {post_id} not sent: "
            + OUTCOMES["paused"].format(channel=post.channel, id=post_id)
        )
    place = await db.call(Store.pin, post_id, now=now)
    outcome = await dispatch(post.channel)
    after = await db.call(Store.get_post, post_id)
    if after.status in WAITING:  # refused: back where it stood, its time kept
        await db.call(Store.unpin, post_id, place)
    if after.status == "sent":
        return f"post {post_id} sent on {post.channel}" + (
            f": {after.remote_url}" if after.remote_url else ""
        )
    if outcome in OUTCOMES:
        raise UserError(
            f"post {post_id} not sent: "
            + OUTCOMES[outcome].format(channel=post.channel, id=post_id)
        )
    reason = f" ({after.error})" if after.error else ""
    raise UserError(f"post {post_id} not sent: it is {after.status.replace('_', ' ')}{reason}")


async def dispatch_alone(config: Config, db: AsyncStore, name: str, *, force: bool) -> str:
    """Dispatch `name`'s next post (the one just pinned) as a slot of the daemon would,
    with a channel built for it alone (the daemon's own runs elsewhere, or not at all)."""
    channel = build_channel(config.enabled_channels()[name], dict(os.environ))
    channel.memory = StoredMemory(db, name, utc_now)
    try:
        await channel.start()
        settings = (await db.call(_remembered, config)).enabled_channels()[name]
        policy = ChannelPolicy.of(settings)
        dispatcher = Dispatcher(
            db,
            {name: channel},
            {name: policy.uncapped() if force else policy},
            lambda _, article, excerpt: render_for(settings, article, excerpt),
            clock=utc_now,
        )
        return await dispatcher.dispatch(name)
    finally:
        await channel.aclose()


def _remembered(store: Store, config: Config) -> Config:
    return remembered(config, store.recall)
