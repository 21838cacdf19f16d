"""`excerpt-bot preview --channel NAME`: the posts the daemon sends to a configured channel,
byte for byte and in its order (template, UTM tags, hashtags, thread mode), compared with
what the daemon really sent there.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from twitter_text import parse_tweet

from bot.config import load_config
from bot.dispatch import Dispatcher
from bot.platforms import build_channel
from bot.policy import ChannelPolicy
from bot.render.channel import render_for
from bot.store import Store
from tests.daemon_support import EXAMPLE, outbox_lines, start, write_config
from tests.fakes import x_api as xf
from tests.fakes.x_api import FakeXApi, x_api_fixture  # noqa: F401  (the fixture `x_api`)
from tests.test_cli_operate_support import error_lines, invoke, ok

pytestmark = pytest.mark.timeout(90)

ARTICLE = f"posts/{EXAMPLE.name}"
LINK = "https://realfarmerjay.com/2023/07/15/unveiling-cytokines-their-dual-role-in-immune-health/"
BLOG = """
[channels.blog]
platform = "console"
render_as = "{render_as}"
schedule = {{ every = "1h" }}
outbox = "var/outbox.jsonl"
template = "{{excerpt}}\\n\\n— {{title}}, {{site}}\\n{{url}}\\n{{hashtags}}"
hashtags = 2
utm = {{ source = "excerpt-bot", medium = "social", campaign = "autumn & winter" }}
"""
X_SECRETS = {
    "X_API_KEY": xf.API_KEY,
    "X_API_SECRET": xf.API_SECRET,
    "X_ACCESS_TOKEN": xf.ACCESS_TOKEN,
    "X_ACCESS_TOKEN_SECRET": xf.ACCESS_TOKEN_SECRET,
}


def blog(tmp_path: Path, render_as: str = "x", extra: str = "") -> Path:
    return write_config(tmp_path, BLOG.format(render_as=render_as) + extra)


def preview_json(config: Path, *args: str) -> list[dict]:
    result = ok("preview", config.parent / ARTICLE, "--config", config, "--json", *args)
    return json.loads(result.stdout)


def drain(config: Path, name: str) -> list[str]:
    """Queue the article with `add`, then send every post of channel `name` through the
    daemon's own dispatcher, policy, renderer and platform channel, until nothing is left;
    the texts that went out, in order."""
    ok("add", "--config", config, config.parent / ARTICLE)
    loaded = load_config(config)
    channel = loaded.channels[name]
    store = Store.open(loaded.bot.database)
    dispatcher = Dispatcher(
        store,
        {name: build_channel(channel, {})},
        {name: ChannelPolicy.of(channel)},
        lambda _, article, excerpt: render_for(channel, article, excerpt),
        clock=lambda: datetime.now(UTC),
    )

    async def slots() -> list[str]:
        outcomes = []
        while not outcomes or outcomes[-1] == "sent":
            outcomes.append(await dispatcher.dispatch(name))
        return outcomes

    try:
        outcomes = asyncio.run(slots())
    finally:
        dispatcher.db.close()
        store.close()
    assert outcomes[-1] == "empty" and len(outcomes) > 2, outcomes
    return [line["text"] for line in outbox_lines(config.parent / "var/outbox.jsonl")]


def test_the_first_post_is_what_the_daemon_sends_to_the_channel(tmp_path: Path):
    config = blog(tmp_path)
    [first, *_] = preview_json(config, "--channel", "blog")
    process = start(config, "--once")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    [sent] = outbox_lines(tmp_path / "var/outbox.jsonl")
    assert first["text"] == sent["text"]
    # The channel's own setup, not the bare platform's: UTM tags, its template, 2 hashtags.
    url = f"{LINK}?utm_source=excerpt-bot&utm_medium=social&utm_campaign=autumn+%26+winter"
    assert first["url"] == url and f"\n{url}\n" in first["text"]
    assert first["text"].endswith("\n#immunology #cytokines")
    assert (
        "\n\n— Unveiling Cytokines: Their Dual Role in Immune Health, realfarmerjay.com\n"
        in first["text"]
    )
    assert (first["length"], first["limit"]) == (parse_tweet(first["text"]).weightedLength, 280)
    assert first["excerpt"] in EXAMPLE.read_text(encoding="utf-8")
    assert first["text"].startswith(first["excerpt"])
    bare = json.loads(ok("preview", EXAMPLE, "--platform", "x", "--json").stdout)
    assert first["text"] not in {post["text"] for post in bare}


@pytest.mark.parametrize("render_as", ["x", "telegram"])
def test_every_post_in_the_order_the_daemon_sends_them(tmp_path: Path, render_as: str):
    config = blog(tmp_path, render_as)
    shown = preview_json(config, "--channel", "blog")
    assert [post["text"] for post in shown] == drain(config, "blog")
    assert all(post["length"] <= post["limit"] for post in shown)
    if render_as == "telegram":  # HTML: the link's "&" escaped in the text, not in `url`
        assert all(
            post["parse_mode"] == "HTML"
            and "&amp;utm_medium" in post["text"]
            and "&utm_medium" in post["url"]
            for post in shown
        )
    assert [post["text"] for post in preview_json(config, "--channel", "blog", "--limit", "2")] == [
        post["text"] for post in shown[:2]
    ]


def test_a_thread_channel_shows_the_thread_the_daemon_posts(tmp_path: Path, x_api: FakeXApi):
    config = write_config(
        tmp_path,
        f"""
[channels.x]
platform = "x"
api_base_url = "{x_api.url}"
schedule = {{ every = "1h" }}
thread = true
thread_length = 3
template = "{{excerpt}}\\n{{url}}"
utm = {{ campaign = "threads" }}
""",
    )
    [thread] = preview_json(config, "--channel", "x")
    process = start(config, "--once", env=X_SECRETS)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert len(thread["parts"]) == 3
    assert thread["parts"] == x_api.texts
    assert thread["text"] == "\n\n".join(thread["parts"])
    assert thread["lengths"] == [parse_tweet(t).weightedLength for t in x_api.texts]
    assert thread["length"] == max(thread["lengths"]) and thread["limit"] == 280
    url = f"{LINK}?utm_source=excerpt-bot&utm_medium=social&utm_campaign=threads"
    assert thread["url"] == url and thread["parts"][-1].endswith(f"\n{url}")
    assert thread["excerpt"] == thread["parts"][1]  # it opens on the best excerpt
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        [post] = store.history(channel="x")
    assert list(post.parts) == thread["parts"]


def test_the_readable_view_names_the_channel_and_shows_each_post_whole(tmp_path: Path):
    config = blog(tmp_path)
    shown = preview_json(config, "--channel", "blog")
    result = ok("preview", tmp_path / ARTICLE, "--config", config, "--channel", "blog")
    assert f"{len(shown)} posts for channel blog" in result.stdout
    assert all(post["text"] in result.stdout for post in shown)
    assert f"1 · {shown[0]['length']}/280" in result.stdout


def test_a_disabled_channel_is_previewed_as_it_would_send(tmp_path: Path):
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    enabled = preview_json(blog(tmp_path / "on"), "--channel", "blog")
    disabled = preview_json(blog(tmp_path / "off", extra="enabled = false\n"), "--channel", "blog")
    assert disabled == enabled


@pytest.mark.parametrize("render_as", ["telegram", "bluesky"])
def test_without_channel_keys_a_channel_previews_as_its_platform_does(
    tmp_path: Path, render_as: str
):
    config = write_config(
        tmp_path,
        f"""
[channels.plain]
platform = "console"
render_as = "{render_as}"
schedule = {{ every = "1h" }}

[channels.thread]
platform = "x"
schedule = {{ every = "1h" }}
thread = true
thread_length = 3
""",
    )
    platform = json.loads(ok("preview", EXAMPLE, "--platform", render_as, "--json").stdout)
    assert preview_json(config, "--channel", "plain") == platform
    parts = json.loads(ok("preview", EXAMPLE, "--thread", "3", "--json").stdout)
    [thread] = preview_json(config, "--channel", "thread")
    assert thread["parts"] == [part["text"] for part in parts]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--channel", "blog", "--platform", "telegram"), ("--channel", "--platform")),
        (("--channel", "blog", "--thread", "3"), ("--thread", "--channel", "thread_length")),
        (("--channel", "blgo"), ('no channel "blgo"', 'did you mean "blog"?')),
    ],
)
def test_misuse_is_one_line_and_exit_2(tmp_path: Path, args, words):
    config = blog(tmp_path)
    [line] = error_lines(invoke("preview", tmp_path / ARTICLE, "--config", config, *args))
    assert all(word in line for word in words), line


def test_config_without_channel_is_refused(tmp_path: Path):
    config = blog(tmp_path)
    [line] = error_lines(invoke("preview", tmp_path / ARTICLE, "--config", config))
    assert "--config" in line and "--channel" in line
