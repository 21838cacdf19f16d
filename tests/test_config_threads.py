"""Thread mode as configured: the keys, their limits, what `check` warns, how a thread
channel renders, queues and plans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.excerpt import excerpt_article
from bot.ingest import load_article
from bot.planner import QueuedItem, simulate
from bot.platforms import build_channel
from bot.platforms.x import XChannel as XSender
from bot.platforms.x import XSettings
from bot.policy import ChannelPolicy
from bot.render import x_length
from bot.render.channel import channel_excerpts, render_for
from bot.render.thread import THREAD_MARK
from tests.daemon_support import EXAMPLE
from tests.test_config import load_text, problems_of


def x_config(**keys) -> XSettings:
    return XSettings(platform="x", schedule={"every": "1h"}, **keys)


def test_a_thread_channel_loads_with_four_posts_a_thread_and_is_built(tmp_path: Path):
    config = load_text(
        tmp_path,
        """
[channels.x]
platform = "x"
schedule = { every = "6h" }
thread = true
""",
    )
    channel = config.channels["x"]
    assert (channel.thread, channel.thread_length, channel.posts_per_slot) == (True, 4, 4)
    assert "  x: x as threads of 4 posts; every 6h; at most 24 a day" in "\n".join(config.summary())
    keys = ("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
    environ = {key: f"thread-test-{key.lower()}-5e0c" for key in keys}
    assert isinstance(build_channel(channel, environ), XSender)  # no longer refused
    policy = ChannelPolicy.of(channel)
    assert (policy.per_article, policy.posts_per_slot, policy.slots_per_day()) == (True, 4, 6)
    assert not ChannelPolicy.of(x_config()).per_article


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ("thread_length = 1", "channels.x.thread_length: must be at least 2, got 1"),
        ("thread_length = 11", "channels.x.thread_length: must be at most 10, got 11"),
        (
            "max_per_day = 3",
            "channels.x: max_per_day 3 cannot hold one thread of 4 posts "
            "(max_per_day counts every post of a thread: raise it or lower "
            "thread_length)",
        ),
    ],
)
def test_thread_keys_out_of_range_are_one_clear_line(tmp_path: Path, keys: str, problem: str):
    text = f'[channels.x]\nplatform = "x"\nschedule = {{ every = "6h" }}\nthread = true\n{keys}\n'
    assert problems_of(tmp_path, text) == [f"{tmp_path / 'excerpt-bot.toml'}: {problem}"]


def test_check_warns_when_the_threads_asked_for_do_not_fit_max_per_day(tmp_path: Path):
    (tmp_path / "posts").mkdir()
    config = load_text(
        tmp_path,
        """
[channels.x]
platform = "x"
schedule = { cron = "0 8,10,12,14,16,18,20 * * *" }
thread = true

[channels.fits]
platform = "x"
schedule = { cron = "0 8,14,20 * * *" }
thread = true
thread_length = 5
""",
    )
    assert config.warnings() == [
        f"{tmp_path / 'excerpt-bot.toml'}: channels.x.schedule: asks for up to 7 threads in "
        "24 hours but max_per_day 24 holds 6 threads of 4 posts (the extra slots are "
        "skipped; post less often or raise max_per_day)"
    ]


def test_a_thread_opens_on_the_claimed_excerpt_and_links_the_article_last():
    article = load_article(EXAMPLE)
    excerpts = excerpt_article(article, max_length=200)
    anchor = excerpts[0]
    rendered = render_for(x_config(thread=True), article, anchor)
    parts = rendered.parts
    assert len(parts) == 4 and rendered.text == "\n\n".join(parts)
    assert parts[0].startswith(article.title) and THREAD_MARK in parts[0]
    assert parts[1] == anchor.text
    assert len(set(parts)) == 4 and not any(anchor.text in p for p in parts[2:])
    assert article.url in parts[3] and all(article.url not in p for p in parts[:3])
    assert all(x_length(p) <= 280 for p in parts)
    short = render_for(x_config(thread=True, thread_length=2), article, excerpts[3])
    assert len(short.parts) == 2 and short.parts[1].startswith(excerpts[3].text)
    plain = channel_excerpts(x_config(), article)[0]  # cut for a single post's room
    single = render_for(x_config(), article, plain)
    assert single.parts == () and plain.text in single.text


def test_plan_leaves_a_slot_empty_when_a_whole_thread_does_not_fit():
    t0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    queued = [
        QueuedItem(
            post_id=n,
            article_id=f"a{n}",
            excerpt_id=f"e{n}",
            article_added_at=t0,
            excerpt_rank=0,
            article_sent_count=0,
            created_at=t0,
        )
        for n in range(3)
    ]
    slots = [t0 + timedelta(hours=h) for h in (1, 2, 3)]
    plan = simulate(
        queued,
        last_article_id=None,
        slots=slots,
        policy=ChannelPolicy("x", max_per_day=10, posts_per_thread=4),
        already_sent_times=[t0],
    )
    assert [item is not None for _, item in plan] == [True, True, False]  # 1 + 4 + 4, then 13
