"""`excerpt-bot queue` and `excerpt-bot history`: the store's posts, as tables or JSON.

With `--json` every matching post is printed (unless `--limit`); a table shows the first
TABLE_ROWS unless `--limit` says otherwise, and says when there are more.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from bot.cli.configured import (
    channel_filter,
    channel_option,
    json_option,
    limit_option,
    load_config_or_fail,
    opened_store,
)
from bot.cli.options import config_option
from bot.cli.output import add_row, local_time, make_table, print_json, print_table, shorten
from bot.store import PostRecord, PostStatus

TABLE_ROWS = 50
STATUSES = [status.value for status in PostStatus]


@click.command()
@config_option
@channel_option
@limit_option("Show at most N posts (a table shows 50 unless told).")
@json_option
def queue(
    config_path: Path | None, channel_name: str | None, limit: int | None, as_json: bool
) -> None:
    """List queued posts and posts waiting for approval.

    By channel, oldest first.

    `--json` prints a JSON array of posts (all of them unless --limit).
    """
    _list(
        config_path,
        as_json,
        limit,
        channel_name,
        title="queue",
        read=lambda store, channel, n: store.queued(channel, n),
        columns=("id!", "channel!", "status!", "queued at", "not before"),
        cells=lambda post, zone: (
            post.id,
            post.channel,
            post.status,
            local_time(post.created_at, zone),
            local_time(post.not_before, zone),
        ),
    )


@click.command()
@config_option
@channel_option
@click.option(
    "--status",
    "status_name",
    type=click.Choice(STATUSES),
    metavar="STATUS",
    help=f"Only posts in this state: {', '.join(STATUSES)}.",
)
@limit_option("Show at most the N newest posts (a table shows 50 unless told).")
@json_option
def history(
    config_path: Path | None,
    channel_name: str | None,
    status_name: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """List posts, newest first.

    On every channel, by the time of each post's last change of state (queued, sent,
    failed, skipped…): that time, its state, its article and excerpt.

    `--json` prints a JSON array with every post (unless --limit, --channel or --status),
    each with id, channel, article_id, excerpt_id, status, kind ("excerpt", or "composed"
    for a post of your own words), text, remote_id, remote_url, sent_at, error, cost (what
    it cost where the platform bills posts, or may have if unknown; else null), currency
    and more; a thread also with its parts and the parts out so far (sent_parts: index,
    remote_id, remote_url, sent_at).
    """
    _list(
        config_path,
        as_json,
        limit,
        channel_name,
        title="history",
        read=lambda store, channel, n: store.history(channel=channel, status=status_name, limit=n),
        columns=("id!", "channel!", "status!", "changed at"),
        cells=lambda post, zone: (
            post.id,
            post.channel,
            post.status,
            local_time(post.updated_at or post.created_at, zone),
        ),
    )


def _list(
    config_path: Path | None,
    as_json: bool,
    limit: int | None,
    channel_name: str | None,
    *,
    title: str,
    read: Callable,
    columns: tuple[str, ...],
    cells: Callable[[PostRecord, ZoneInfo], tuple],
) -> None:
    config = load_config_or_fail(config_path)
    shown = limit if (limit is not None or as_json) else TABLE_ROWS
    with opened_store(config, read_only=True) as store:
        channel = channel_filter(config, store, channel_name)
        posts: list[PostRecord] = read(store, channel, shown + 1 if shown else None)
    if as_json:
        print_json([post.to_dict() for post in posts[:shown]])
        return
    zone = ZoneInfo(config.bot.timezone)
    table = make_table(*columns, "article", "excerpt", title=title)
    for post in posts[:shown]:
        add_row(
            table,
            (*cells(post, zone), shorten(post.article_title, 40), shorten(post.excerpt_text, 70)),
        )
    footer = []
    if not posts:
        footer.append("no posts")
    elif shown is not None and len(posts) > shown:
        footer.append(
            f"… more not shown (--limit N to see more, --json for all); times in {zone.key}"
        )
    else:
        footer.append(f"times in {zone.key}")
    print_table(table, footer)
