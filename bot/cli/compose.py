"""`excerpt-bot compose`: a one-off post in the operator's own words (an announcement).

It is rendered and length-checked for its channel at once, like any post, then queued
first on that channel (at its next slot, or its first slot from --at) and sent by the
daemon through the same claim and dispatch. `history` marks it `composed`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from bot.article import COMPOSED_SOURCE, Article, Excerpt, excerpt_id
from bot.cli.configured import configured_channel, load_config_or_fail, opened_store, utc_now
from bot.cli.options import config_option
from bot.cli.output import local_time
from bot.errors import RenderError, UserError
from bot.render.channel import remembered, render_for

AT_FORMATS = "YYYY-MM-DD HH:MM (in [bot] timezone) or ISO 8601 with an offset"


@click.command()
@config_option
@click.option(
    "--channel", "channel_name", required=True, metavar="NAME", help="The channel to post on."
)
@click.option(
    "--at",
    "at_text",
    metavar="TIME",
    help=f"Not before this time: {AT_FORMATS}. Default: the next slot.",
)
@click.option("--url", help="A link to put under the text (optional).")
@click.argument("text")
def compose(
    config_path: Path | None, channel_name: str, at_text: str | None, url: str | None, text: str
) -> None:
    """Queue a post of your own words on a channel.

    TEXT (and the --url link under it) is checked against the channel's limit now and goes
    out first at the channel's next slot, or its first slot from --at TIME.
    """
    config = load_config_or_fail(config_path)
    configured_channel(config, channel_name, enabled=True)
    zone = ZoneInfo(config.bot.timezone)
    now = utc_now()
    at = _parse_at(at_text, zone, now) if at_text is not None else None
    article_id = f"composed-{uuid.uuid4().hex[:12]}"
    article = Article(
        id=article_id,
        title="(composed)",
        paragraphs=(text.strip(),),
        source=COMPOSED_SOURCE,
        url=url.strip() if url else None,
    )
    excerpt = Excerpt(
        id=excerpt_id(article_id, text.strip()),
        article_id=article_id,
        text=text.strip(),
        rank=0,
        score=0.0,
        paragraph=0,
        first_sentence=0,
        sentence_count=1,
        shortened=False,
    )
    with opened_store(config) as store:
        settings = remembered(config, store.recall).channels[channel_name]
        try:
            render_for(settings, article, excerpt)
        except RenderError as exc:
            raise UserError(f"compose for {channel_name}: {exc}") from None
        post_id = store.add_composed(channel_name, article, excerpt, not_before=at, now=now)
    when = (
        f"at its first slot from {local_time(at, zone)}" if at is not None else "at its next slot"
    )
    click.echo(f"post {post_id} queued first on {channel_name}: it goes out {when}")


def _parse_at(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"--at {text!r}: not a time ({AT_FORMATS})") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone)
    if at < now:
        raise UserError(f"--at {text!r}: that time has passed")
    return at
