"""Excerpts per channel: each channel gets the library cut for its own room, a channel added
later gets the library's articles, and adding, changing or removing one channel leaves the
other channels' queues as they were. Driven through `excerpt-bot add`, as a user does."""

from __future__ import annotations

from pathlib import Path

from bot.config import load_config
from bot.ingest import load_article
from bot.render import x_length
from bot.render.channel import channel_excerpts, cut_key, cut_keys
from bot.store import Store
from tests.daemon_support import EXAMPLE, write_config
from tests.test_cli_operate_support import ok

TELEGRAM = """
[channels.news]
platform = "console"
render_as = "telegram"
schedule = { every = "1h" }
"""
X = """
[channels.x]
platform = "console"
render_as = "x"
schedule = { every = "1h" }
"""


def queue_of(config: Path, channel: str) -> list[tuple[int, str, str]]:
    with Store.open(load_config(config).bot.database) as store:
        return [(p.id, p.status, p.excerpt_text) for p in store.queued(channel)]


def test_adding_an_x_channel_leaves_the_telegram_queue_untouched(tmp_path):
    config = write_config(tmp_path, TELEGRAM)
    ok("add", tmp_path / "posts", "--config", config)
    before = queue_of(config, "news")
    assert before

    config.write_text(config.read_text() + X)
    result = ok("add", tmp_path / "posts", "--config", config)
    assert "0 cancelled" not in result.output and "cancelled" not in result.output
    assert queue_of(config, "news") == before  # same posts, same order, nothing re-cut
    x_queue = queue_of(config, "x")
    assert x_queue and all(x_length(text) <= 280 for _, _, text in x_queue)
    # Telegram keeps quotes longer than X could carry, where the article has them.
    assert max(len(text) for _, _, text in before) > 280
    assert {text for *_, text in before} != {text for *_, text in x_queue}


def test_a_channel_added_later_gets_the_librarys_articles_cut_for_its_room(tmp_path):
    config = write_config(tmp_path, TELEGRAM)
    ok("add", tmp_path / "posts", "--config", config)
    config.write_text(config.read_text() + X)
    # `add` of nothing new still queues the library on the new channel.
    (tmp_path / "other").mkdir()
    ok("add", tmp_path / "other", "--config", config)
    loaded = load_config(config)
    article = load_article((tmp_path / "posts" / EXAMPLE.name).resolve(), id_path=EXAMPLE.name)
    expected = [e.text for e in channel_excerpts(loaded.channels["x"], article)]
    assert sorted(text for *_, text in queue_of(config, "x")) == sorted(expected)
    with Store.open(loaded.bot.database) as store:
        assert set(store.channel_cuts("x").values()) == {cut_key(loaded.channels["x"], article)}


def test_channels_with_the_same_room_share_one_cut(tmp_path):
    channels = "".join(X.replace("channels.x", f"channels.x{n}") for n in range(10))
    config = write_config(tmp_path, channels)
    ok("add", tmp_path / "posts", "--config", config)
    with Store.open(load_config(config).bot.database) as store:
        cuts = [store.channel_cuts(f"x{n}") for n in range(10)]
        depths = store.queue_depths()
    assert len({cut for by_article in cuts for cut in by_article.values()}) == 1
    assert len(set(depths.values())) == 1 and len(depths) == 10


def test_changing_one_channels_template_recuts_only_that_channel(tmp_path):
    config = write_config(tmp_path, TELEGRAM + X)
    ok("add", tmp_path / "posts", "--config", config)
    news = queue_of(config, "news")
    x_before = queue_of(config, "x")
    long_template = r"{excerpt}\n\nRead the whole of “{title}” on our blog: {url}"
    config.write_text(
        config.read_text().replace(
            'render_as = "x"\n', f'render_as = "x"\ntemplate = "{long_template}"\n'
        )
    )
    (tmp_path / "other").mkdir(exist_ok=True)
    result = ok("add", tmp_path / "other", "--config", config)
    x_after = queue_of(config, "x")
    assert queue_of(config, "news") == news
    assert x_after != x_before and "cancelled" in result.output
    loaded = load_config(config)
    with Store.open(loaded.bot.database) as store:
        article = store.get_article(store.queued("x")[0].article_id)
    assert {text for *_, text in x_after} == {
        e.text for e in channel_excerpts(loaded.channels["x"], article)
    }


def test_a_removed_channel_keeps_its_posts_and_the_others_are_untouched(tmp_path):
    config = write_config(tmp_path, TELEGRAM + X)
    ok("add", tmp_path / "posts", "--config", config)
    news = queue_of(config, "news")
    config.write_text(config.read_text().replace(X, ""))
    (tmp_path / "other").mkdir()
    ok("add", tmp_path / "other", "--config", config)
    assert queue_of(config, "news") == news
    assert queue_of(config, "x")  # left as it was, for when the channel comes back


def test_the_cut_keys_of_many_channels_are_each_ones_cut_key(tmp_path):
    # Channels that render alike share one measure of the room; each still gets its own.
    template = r"{excerpt}\n\nRead the whole of “{title}” on our blog: {url}"
    channels = (
        X
        + X.replace("channels.x", "channels.x2")
        + TELEGRAM
        + X.replace("channels.x", "channels.x_long").replace(
            'render_as = "x"\n', f'render_as = "x"\ntemplate = "{template}"\n'
        )
        + X.replace("channels.x", "channels.x_utm").replace(
            'render_as = "x"\n', 'render_as = "x"\nutm = { campaign = "spring" }\n'
        )
    )
    loaded = load_config(write_config(tmp_path, channels))
    article = load_article((tmp_path / "posts" / EXAMPLE.name).resolve(), id_path=EXAMPLE.name)
    keys = cut_keys(loaded.channels.values(), article)
    assert keys == {name: cut_key(channel, article) for name, channel in loaded.channels.items()}
    assert keys["x"] == keys["x2"] != keys["x_long"]
    assert len(set(keys.values())) >= 3


def test_a_channel_disabled_while_an_article_was_edited_gets_it_cut_anew_when_back(tmp_path):
    config = write_config(tmp_path, TELEGRAM + X)
    ok("add", tmp_path / "posts", "--config", config)
    config.write_text(
        config.read_text().replace('render_as = "x"\n', 'render_as = "x"\nenabled = false\n')
    )
    article = tmp_path / "posts" / EXAMPLE.name
    text = article.read_text(encoding="utf-8")
    article.write_text(
        text.replace(
            "\n\n",
            "\n\nCytokines also guide wound healing, as "
            "researchers showed in a study of skin repair.\n\n",
            1,
        ),
        encoding="utf-8",
    )
    ok("add", tmp_path / "posts", "--config", config)  # edited while x was off
    config.write_text(config.read_text().replace("enabled = false\n", ""))
    (tmp_path / "other").mkdir()
    ok("add", tmp_path / "other", "--config", config)  # x is back
    loaded = load_config(config)
    edited = load_article(article.resolve(), id_path=EXAMPLE.name)
    expected = {e.text for e in channel_excerpts(loaded.channels["x"], edited)}
    with Store.open(loaded.bot.database) as store:
        assert set(store.channel_cuts("x").values()) == {cut_key(loaded.channels["x"], edited)}
    # Every excerpt of the article as it is now waits on x (nothing went out there yet).
    assert expected <= {text for *_, text in queue_of(config, "x")}
