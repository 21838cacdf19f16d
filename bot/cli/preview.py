"""`excerpt-bot preview`: the posts an article (a file or a web page) would give, exactly as
they would be sent."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from bot.errors import UserError
from bot.ingest import load_article
from bot.pipeline import posts_for, thread_for
from bot.render import PROFILES, RenderedPost

PLATFORMS = ("x", "telegram", "mastodon", "bluesky")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


@click.command()
@click.argument("source", metavar="PATH_OR_URL")
@click.option("--platform", type=click.Choice(PLATFORMS), default="x", show_default=True,
              help="Render and count length as this platform does.")
@click.option("--url", help="The article's link, for files that carry none.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per post.")
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many posts.")
@click.option("--thread", "thread_length", type=click.IntRange(min=2, max=10), default=None,
              metavar="N", help="Show the article as one thread of N posts instead.")
def preview(source: str, platform: str, url: str | None, as_json: bool,
            limit: int | None, thread_length: int | None) -> None:
    """Show the posts an article would give, best first.

    PATH_OR_URL is a .txt, .md or .html file, or a web page (an http or https URL), fetched
    and extracted like an .html file. Needs no config file. Each post is shown with its
    length as the platform counts it. With --thread N, the article as one thread (a hook,
    excerpts, the link last), as an X channel with `thread = true` posts it.
    """
    path = Path(source)
    if _URL.match(source):
        from bot.pages import fetch_article  # httpx: only when a page is fetched

        article = fetch_article(source)
    else:
        article = load_article(path, url=url)
    if not (url or article.url):
        raise UserError(f"{path}: the article carries no link: pass --url URL, "
                        "or add `url:` to its front matter")
    if thread_length:
        posts = thread_for(article, PROFILES[platform], url=url, parts=thread_length)
    else:
        posts = posts_for(article, PROFILES[platform], url=url, limit=limit)
    if as_json:
        click.echo(json.dumps([p.to_json() for p in posts], ensure_ascii=False, indent=2))
        return
    _show(Console(highlight=False), article.title, platform, posts)


def _show(console: Console, title: str, platform: str, posts: list[RenderedPost]) -> None:
    profile = PROFILES[platform]
    header = f"{title} — {len(posts)} posts for {platform} (limit {profile.limit})"
    console.print(Text(header, style="bold"), soft_wrap=True)
    for number, post in enumerate(posts, 1):
        console.print(Rule(f"{number} · {post.length}/{post.limit}", align="left"))
        console.print(Text(post.text), soft_wrap=True)  # never break the link
    if not posts:
        console.print("No excerpt of this article stands alone within the limit.")
