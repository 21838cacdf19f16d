"""`excerpt-bot compose`: a one-off post of the operator's own words, checked for its
channel, queued first, sent like any post and marked `composed` in history."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.test_cli_operate_support import (
    claim,
    error_lines,
    invoke,
    ok,
    open_store,
    write_bot,
)
from tests.test_cli_send_now import OUTBOX, outbox


@pytest.fixture
def bot(tmp_path):
    path = write_bot(tmp_path, config=OUTBOX)
    ok("add", "--config", path, tmp_path / "posts")
    return path


def composed_id(result) -> int:
    return int(result.stdout.split()[1])


def test_a_composed_post_goes_first_exactly_as_written_with_its_link(bot):
    text = "Seeds & cuttings swap: Saturday <10:00> at the allotment."
    result = ok(
        "compose",
        "--channel",
        "fast",
        "--url",
        "https://garden.example/swap",
        text,
        "--config",
        bot,
    )
    post_id = composed_id(result)
    assert result.stdout.strip() == (
        f"post {post_id} queued first on fast: it goes out at its next slot"
    )
    ok("send-now", str(post_id), "--config", bot)
    [out] = outbox(bot)
    # Rendered as Telegram takes it (the channel renders as telegram): HTML-escaped, the
    # link on its own line, no attribution or hashtags added to the operator's words.
    assert out["text"] == (
        "Seeds &amp; cuttings swap: Saturday &lt;10:00&gt; at the "
        "allotment.\n\nhttps://garden.example/swap"
    )
    history = json.loads(ok("history", "--config", bot, "--json").stdout)
    kinds = {post["id"]: post["kind"] for post in history}
    assert kinds[post_id] == "composed"
    assert set(kinds.values()) == {"composed", "excerpt"}


def test_the_next_slot_takes_the_composed_post_before_the_queue(bot):
    post_id = composed_id(ok("compose", "--channel", "fast", "Hello readers.", "--config", bot))
    with open_store(bot) as store:
        claimed = claim(store, "fast")
    assert claimed.id == post_id


def test_a_text_too_long_for_the_channel_is_refused_and_nothing_is_queued(bot):
    with open_store(bot) as store:
        before = len(store.queued())
    [line] = error_lines(invoke("compose", "--channel", "console", "word " * 70, "--config", bot))
    assert line.startswith("compose for console: the post does not fit on x: it takes ")
    assert line.endswith("of 280 weighted characters; shorten the text")
    with open_store(bot) as store:
        assert len(store.queued()) == before


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (
            "yesterday",
            "--at 'yesterday': not a time (YYYY-MM-DD HH:MM (in [bot] timezone) or "
            "ISO 8601 with an offset)",
        ),
        ("2001-01-01 09:00", "--at '2001-01-01 09:00': that time has passed"),
    ],
)
def test_a_bad_time_is_one_line(bot, at, expected):
    assert error_lines(
        invoke("compose", "--channel", "fast", "Hi.", "--at", at, "--config", bot)
    ) == [expected]


def test_a_composed_post_waits_for_its_time(bot):
    at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    post_id = composed_id(
        ok("compose", "--channel", "fast", "Later.", "--at", at.isoformat(), "--config", bot)
    )
    with open_store(bot) as store:
        assert store.get_post(post_id).not_before == at
    with open_store(bot) as store:
        assert claim(store, "fast").id != post_id  # not before its time


def test_a_composed_post_stays_on_its_channel(bot, tmp_path):
    composed_id(ok("compose", "--channel", "fast", "Only here.", "--config", bot))
    ok("add", "--config", bot, tmp_path / "posts")  # queues the library on every channel
    with open_store(bot) as store:
        assert not [p for p in store.queued("console") if p.excerpt_text == "Only here."]
