"""What the operator CLI tests share: a bot folder (config and posts), the CLI runner, and
the store behind it. It holds no tests itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner, Result

from bot.article import Article
from bot.cli import cli
from bot.config import load_config
from bot.excerpt import Excerpt
from bot.policy import ChannelPolicy
from bot.store import NoClaim, Store

CONFIG = """\
[bot]
database = "var/bot.sqlite3"
posts_dir = "posts"
timezone = "Europe/Berlin"

[channels.console]
platform = "console"
schedule = { slots = ["09:00", "18:00"], timezone = "Europe/Berlin" }
max_per_day = 1

[channels.fast]
platform = "console"
render_as = "telegram"
schedule = { every = "10s" }
"""

ARTICLES = {
    "compost.md": """\
---
title: Compost in Small Gardens
url: https://garden.example/compost/
---

Compost turns kitchen scraps and fallen leaves into food for the soil within a single
season. A small heap in a shady corner is enough for most gardens, and it needs no more
than a fork and some patience.

Turning the heap once a month lets air reach the middle, where the microbes work fastest.
A heap that smells sour is too wet, so add dry leaves or shredded cardboard to it.
""",
    "bees.md": """\
---
title: Keeping Bees Through Winter
url: https://garden.example/bees/
---

Honeybees survive the winter by clustering around their queen and shivering to keep warm.
A strong colony needs about twenty kilograms of honey stored before the first frost.

Beekeepers leave the hive closed on cold days, because every opening lets precious heat
escape. A quick look on a sunny afternoon in late winter tells whether the colony lived.
""",
}


def write_bot(folder: Path, config: str = CONFIG) -> Path:
    """A config file, a posts folder with two articles, and the config's path."""
    posts = folder / "posts"
    posts.mkdir(parents=True, exist_ok=True)
    for name, text in ARTICLES.items():
        (posts / name).write_text(text, encoding="utf-8")
    path = folder / "excerpt-bot.toml"
    path.write_text(config, encoding="utf-8")
    return path


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    """Run `excerpt-bot ARGS` (exceptions propagate; stdout and stderr kept apart), tables
    drawn 200 columns wide so that no cell wraps."""
    return CliRunner().invoke(
        cli, [str(a) for a in args], env={"COLUMNS": "200", **(env or {})}, catch_exceptions=False
    )


def ok(*args: str | Path) -> Result:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return result


def error_lines(result: Result) -> list[str]:
    """The stderr lines of a failed command, each checked to be one `error:` line."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("excerpt-bot: error: ") for line in lines), lines
    return [line.removeprefix("excerpt-bot: error: ") for line in lines]


def open_store(config_path: Path) -> Store:
    return Store.open(load_config(config_path).bot.database)


def plain(article: Article, excerpt: Excerpt) -> tuple[str, str | None]:
    """A renderer for claims driven from the tests: the excerpt, then the link."""
    return f"{excerpt.text} {article.url}", None


def claim(store: Store, channel: str, now: datetime | None = None):
    """Claim the channel's next post (now `sending`), as the daemon would."""
    claimed = store.claim_next_post(
        ChannelPolicy(channel), now=now or datetime.now(UTC), render=plain
    )
    assert not isinstance(claimed, NoClaim), f"nothing to claim on {channel}: {claimed}"
    return claimed


def send(store: Store, channel: str, now: datetime | None = None):
    """Claim the channel's next post and mark it sent, as the daemon would."""
    now = now or datetime.now(UTC)
    claimed = claim(store, channel, now)
    store.mark_sent(
        claimed.id,
        remote_id=f"r{claimed.id}",
        remote_url=f"https://{channel}.example/{claimed.id}",
        now=now,
    )
    return claimed
