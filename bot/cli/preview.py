"""`excerpt-bot preview`: the posts an article (a file or a web page) would give.

With `--channel NAME` they are the posts the daemon sends to that configured channel, byte
for byte and in its order: the same `bot.render.channel` calls make them (its template, UTM tags,
hashtags, thread mode and room). With `--platform` (no config needed) they are what a
channel of that platform would get with its default template, no UTM tags and 3 hashtags.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from bot.cli.output import count
from bot.errors import UserError
from bot.ingest import load_article
from bot.render import PROFILES, RenderedPost
from bot.render.channel import posts_for, thread_for

if TYPE_CHECKING:
    from bot.article import Article
    from bot.config import Channel as ChannelConfig
    from bot.config import Config
    from bot.config.site import SiteSettings

PLATFORMS = tuple(PROFILES)  # every render profile: x, telegram, ..., discord, slack
DEFAULT_PLATFORM = "x"
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


@click.command()
@click.argument("source", metavar="PATH_OR_URL")
@click.option(
    "--channel",
    "channel_name",
    metavar="NAME",
    help="Show the posts exactly as the daemon sends them to this channel of the "
    "config (its template, UTM tags, hashtags, thread mode).",
)
# Not bot.cli.options' config_option: importing it loads the config models, which the
# config-free --platform preview does without.
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help="With --channel: the config file (default: $EXCERPT_BOT_CONFIG, else ./excerpt-bot.toml).",
)
@click.option(
    "--platform",
    type=click.Choice(PLATFORMS),
    default=None,
    help=f"Render and count length as this platform does, with its default "
    f"template (default: {DEFAULT_PLATFORM}). Not with --channel.",
)
@click.option("--url", help="The article's link, for files that carry none.")
@click.option(
    "--base-url",
    metavar="URL",
    help="The site's address: a file that names no link gets the one the site's "
    "permalinks give it (as [site] base_url does; default: the config's "
    "[site] with --channel).",
)
@click.option(
    "--permalink",
    metavar="PATTERN",
    help='With --base-url: "jekyll", "hugo", "pretty", ... or a pattern like '
    "\"/:year/:slug/\" (default: the config's, else the file's generator's).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON array, one object per post (per thread on a thread channel).",
)
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many posts.")
@click.option(
    "--thread",
    "thread_length",
    type=click.IntRange(min=2, max=10),
    default=None,
    metavar="N",
    help="Show the article as one thread of N posts instead. Not with "
    "--channel: a channel's own thread settings decide.",
)
def preview(
    source: str,
    channel_name: str | None,
    config_path: Path | None,
    platform: str | None,
    url: str | None,
    base_url: str | None,
    permalink: str | None,
    as_json: bool,
    limit: int | None,
    thread_length: int | None,
) -> None:
    """Show the posts an article would give, best first.

    PATH_OR_URL is a .txt, .md or .html file, or a web page (an http or https URL), fetched
    and extracted like an .html file. Each post is shown with its length as the platform
    counts it. A file that carries no link takes --url, or the one the site's permalinks
    give it with --base-url (and --permalink), as the daemon does with [site].

    With --channel NAME (and the usual --config), the posts are exactly those the daemon
    sends to that channel from this article, byte for byte and in the order it sends
    them; a thread channel shows its one thread per article, part by part.

    Without --channel no config is needed: --platform shows what a channel of that
    platform would get with no template, utm or hashtags keys of its own (its default
    template, no UTM tags, up to 3 hashtags), and --thread N the article as one thread (a
    hook, excerpts, the link last), as an X channel with `thread = true` posts it.
    """
    config = _config(channel_name, config_path, platform=platform, thread_length=thread_length)
    channel = _channel(config, channel_name)
    article = _article(
        source,
        url,
        site=_site(base_url, permalink, config),
        posts_dir=config.bot.posts_dir if config else None,
    )
    if channel is not None:
        shown = _channel_posts(channel, article, limit)
        if as_json:
            _print_json(shown)
        else:
            _show_channel(Console(highlight=False), article.title, channel, shown)
        return
    platform = platform or DEFAULT_PLATFORM
    if thread_length:
        posts = thread_for(article, PROFILES[platform], url=url, parts=thread_length)
    else:
        posts = posts_for(article, PROFILES[platform], url=url, limit=limit)
    if as_json:
        _print_json([p.to_json() for p in posts])
        return
    _show(Console(highlight=False), article.title, platform, posts)


def _config(
    name: str | None, config_path: Path | None, *, platform: str | None, thread_length: int | None
) -> Config | None:
    """The config of the channel to preview as, or None; a misuse of the options is a
    UserError."""
    if name is None:
        if config_path is not None:
            raise UserError(
                "--config is only read with --channel NAME: name the channel to "
                "preview as, or drop --config"
            )
        return None
    if platform is not None:
        raise UserError(
            "--channel and --platform exclude each other: a channel renders as "
            "its own platform (drop --platform)"
        )
    if thread_length is not None:
        raise UserError(
            f"--thread does not go with --channel: the thread settings of channel "
            f'"{name}" decide (thread, thread_length); drop --thread'
        )
    from bot.cli.configured import load_config_or_fail

    return _as_the_daemon_has_it(load_config_or_fail(config_path))


def _channel(config: Config | None, name: str | None) -> ChannelConfig | None:
    """The configured channel to preview as (with --channel), else None."""
    if config is None or name is None:
        return None
    from bot.cli.configured import configured_channel

    return configured_channel(config, name)


def _site(base_url: str | None, permalink: str | None, config: Config | None):
    """The site a file's link is made under: --base-url (with --permalink, else the
    config's), else the config's [site], else None."""
    configured = config.site if config is not None else None
    if base_url is None:
        if permalink is not None:
            raise UserError("--permalink goes with --base-url: give the site's address too")
        return configured
    from pydantic import ValidationError

    from bot.config.site import SiteSettings

    if permalink is None and configured is not None:
        permalink = configured.permalink
    try:
        return SiteSettings(
            base_url=base_url, permalink=permalink, name=configured.name if configured else None
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        option = "--base-url" if error["loc"][:1] == ("base_url",) else "--permalink"
        raise UserError(f"{option}: {error['msg'].removeprefix('Value error, ')}") from None


def _as_the_daemon_has_it(config):
    """`config` with what its channels learned and keep in the database (a Mastodon
    instance's limits), as the daemon renders with it; as it is when there is no database."""
    database = config.bot.database
    if "://" not in str(database) and not Path(database).exists():
        return config
    from bot.render.channel import remembered
    from bot.store import Store

    with Store.open(
        config.bot.database,
        read_only=True,
        quick=True,
        password=config.bot.database_password(os.environ),
    ) as store:
        return remembered(config, store.recall)


def _article(
    source: str, url: str | None, *, site: SiteSettings | None, posts_dir: Path | None
) -> Article:
    path = Path(source)
    if _URL.match(source):
        from bot.sources.pages import fetch_article  # httpx: only when a page is fetched

        article = fetch_article(source)
    elif site is not None:
        from bot.sources.cutting import load_site_article

        inside = posts_dir is not None and path.resolve().is_relative_to(posts_dir.resolve())
        article = load_site_article(
            path, site=site, posts_dir=posts_dir if inside else None, url=url
        )
    else:
        article = load_article(path, url=url)
    if not (url or article.url):
        raise UserError(
            f"{path}: the article carries no link: pass --url URL or --base-url "
            "URL, or add `url:` to its front matter"
        )
    return article


def _channel_posts(channel: ChannelConfig, article: Article, limit: int | None) -> list[dict]:
    """What the daemon sends to `channel` from `article`, in its order, as preview's JSON
    objects; a thread is one object with its `parts` (and each part's length)."""
    from bot.render.channel import channel_posts, channel_profile

    profile = channel_profile(channel)
    shown = []
    for excerpt, rendered in channel_posts(channel, article)[:limit]:
        parts = rendered.parts or (rendered.text,)
        lengths = [profile.measure(part) for part in parts]
        entry = {
            "text": rendered.text,
            "parse_mode": rendered.parse_mode,
            "excerpt": excerpt.text,
            "url": rendered.link,
            "length": max(lengths),
            "limit": profile.limit,
        }
        if rendered.facets:
            entry["facets"] = [dict(facet) for facet in rendered.facets]
        if rendered.parts:
            entry |= {"parts": list(rendered.parts), "lengths": lengths}
        shown.append(entry)
    return shown


def _print_json(objects: list[dict]) -> None:
    click.echo(json.dumps(objects, ensure_ascii=False, indent=2))


def _show(console: Console, title: str, platform: str, posts: list[RenderedPost]) -> None:
    profile = PROFILES[platform]
    header = f"{title} — {count(len(posts), 'post')} for {platform} (limit {profile.limit})"
    console.print(Text(header, style="bold"), soft_wrap=True)
    for number, post in enumerate(posts, 1):
        console.print(Rule(f"{number} · {post.length}/{post.limit}", align="left"))
        console.print(Text(post.text), soft_wrap=True)  # never break the link
    if not posts:
        console.print("No excerpt of this article stands alone within the limit.")


def _show_channel(console: Console, title: str, channel: ChannelConfig, shown: list[dict]) -> None:
    if channel.posts_per_thread is None:
        what = count(len(shown), "post")
    else:
        what = f"a thread of {count(len(shown[0]['parts']), 'post')}" if shown else "no thread"
    from bot.render.channel import channel_profile

    header = (
        f"{title} — {what} for channel {channel.name} as the daemon sends them "
        f"({channel.profile_name}, limit {channel_profile(channel).limit})"
    )
    console.print(Text(header, style="bold"), soft_wrap=True)
    for number, entry in enumerate(shown, 1):
        if "parts" not in entry:
            console.print(Rule(f"{number} · {entry['length']}/{entry['limit']}", align="left"))
            console.print(Text(entry["text"]), soft_wrap=True)  # never break the link
            continue
        parts = len(entry["parts"])
        for index, (part, length) in enumerate(
            zip(entry["parts"], entry["lengths"], strict=True), 1
        ):
            console.print(Rule(f"{index}/{parts} · {length}/{entry['limit']}", align="left"))
            console.print(Text(part), soft_wrap=True)
    if not shown:
        console.print("No excerpt of this article stands alone within the channel's limit.")
