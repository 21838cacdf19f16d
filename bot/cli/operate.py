"""The operator's levers: pause and resume a channel; retry, skip, resolve, approve and pin
posts.

Each prints one confirmation line. A post in the wrong state for the action ends in the
store's one-line explanation and exit status 2. All of them work while the daemon runs:
it reads a channel's state and the queue afresh at every slot.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.configured import (
    channel_option,
    configured_channel,
    load_config_or_fail,
    opened_store,
    utc_now,
)
from bot.cli.options import config_option
from bot.cli.output import count
from bot.errors import UserError

post_id_argument = click.argument("post_id", metavar="ID", type=click.IntRange(min=1))


@click.command()
@config_option
@click.argument("channel")
@click.option(
    "--reason",
    default="paused by the operator",
    show_default=True,
    help="Why, as status will show it.",
)
def pause(config_path: Path | None, channel: str, reason: str) -> None:
    """Stop posting on a channel.

    Until `excerpt-bot resume CHANNEL`; its queue is kept. A channel already paused stays
    paused for its first reason.
    """
    config = load_config_or_fail(config_path)
    configured_channel(config, channel)
    with opened_store(config) as store:
        was = store.channel_state(channel)
        if not was.paused:
            store.pause_channel(channel, reason=reason, now=utc_now())
    if was.paused:
        click.echo(f"{channel} was already paused ({was.paused_reason}); nothing changed")
    else:
        click.echo(f"paused {channel} ({reason}); its posts stay queued")


@click.command()
@config_option
@click.argument("channel")
def resume(config_path: Path | None, channel: str) -> None:
    """Post on a channel again.

    From its next slot: after a pause, or after an authentication error once the
    credentials are fixed.
    """
    config = load_config_or_fail(config_path)
    configured_channel(config, channel)
    with opened_store(config) as store:
        was = store.channel_state(channel)
        store.resume_channel(channel, now=utc_now())
    click.echo(f"resumed {channel}" if was.paused else f"{channel} was not paused; nothing changed")


@click.command()
@config_option
@post_id_argument
def retry(config_path: Path | None, post_id: int) -> None:
    """Queue a post again.

    For a failed, unknown, skipped or cancelled post.
    """
    config = load_config_or_fail(config_path)
    with opened_store(config) as store:
        store.retry(post_id, now=utc_now())
        post = store.get_post(post_id)
    click.echo(f"post {post_id} is queued again on {post.channel}")


@click.command()
@config_option
@post_id_argument
def skip(config_path: Path | None, post_id: int) -> None:
    """Never send a post.

    For a queued, pending, failed or unknown post; `retry` undoes it.
    """
    config = load_config_or_fail(config_path)
    with opened_store(config) as store:
        store.skip(post_id, now=utc_now())
    click.echo(f"post {post_id} skipped")


@click.command()
@config_option
@post_id_argument
@click.option("--sent", is_flag=True, help="It did go out (you found it on the channel).")
@click.option("--requeue", is_flag=True, help="It did not go out: queue it again.")
def resolve(config_path: Path | None, post_id: int, sent: bool, requeue: bool) -> None:
    """Settle a post whose send was interrupted.

    Post ID is `unknown`: look on the channel, then say --sent or --requeue (exactly one).
    A thread requeued goes on from its first part not recorded as out (`history --json`
    lists its parts and those out), never from the start.
    """
    if sent == requeue:
        raise UserError("resolve: pass exactly one of --sent or --requeue")
    config = load_config_or_fail(config_path)
    with opened_store(config) as store:
        store.resolve(post_id, sent=sent, now=utc_now())
    click.echo(f"post {post_id} marked sent" if sent else f"post {post_id} is queued again")


@click.command()
@config_option
@click.argument("post_ids", metavar="[ID]...", nargs=-1, type=click.IntRange(min=1))
@channel_option
@click.option("--all", "approve_all", is_flag=True, help="Every post waiting for approval.")
def approve(
    config_path: Path | None, post_ids: tuple[int, ...], channel_name: str | None, approve_all: bool
) -> None:
    """Let posts waiting for approval go out.

    Approves the posts ID..., or every pending post of --channel NAME, or --all of them.
    """
    chosen = sum((bool(post_ids), channel_name is not None, approve_all))
    if chosen != 1:
        raise UserError("approve: give post IDs, or --channel NAME, or --all (exactly one)")
    config = load_config_or_fail(config_path)
    if channel_name is not None:
        configured_channel(config, channel_name)
    with opened_store(config) as store:
        approved = store.approve(post_ids or None, channel=channel_name, now=utc_now())
    if not approved:
        where = f" on {channel_name}" if channel_name else ""
        click.echo(f"no posts were waiting for approval{where}")
        return
    ids = ", ".join(map(str, approved))
    click.echo(f"approved {count(len(approved), 'post')}: {ids}")


@click.command()
@config_option
@post_id_argument
def pin(config_path: Path | None, post_id: int) -> None:
    """Make a post the next to go out on its channel.

    For a queued post (or one waiting for approval: next once approved). The post pinned
    last goes first; the channel's schedule and caps still apply (`send-now` sends at once).
    """
    config = load_config_or_fail(config_path)
    with opened_store(config) as store:
        store.pin(post_id, now=utc_now())
        post = store.get_post(post_id)
    when = " once approved" if post.status == "pending_approval" else ""
    click.echo(f"post {post_id} goes next on {post.channel}{when}")
