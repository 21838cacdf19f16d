"""The daemon against fake X and Telegram servers: each excerpt exactly once, no leaks.

The daemon uses the real tweepy and python-telegram-bot clients; the fake platform servers
run in this test process on 127.0.0.1. It runs in this process on a stepped clock, or as a
real subprocess where a signal or SIGKILL is what is tested.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from bot.config import load_config
from bot.ingest import load_article
from bot.render.channel import channel_excerpts
from bot.store import Store
from tests.daemon_support import (
    T0,
    events,
    hours,
    in_process,
    log_events,
    start,
    stop,
    wait_for,
    write_config,
)
from tests.fakes import telegram_api as tg
from tests.fakes import x_api as xf
from tests.fakes.telegram_api import telegram_api_fixture  # noqa: F401
from tests.fakes.x_api import x_api_fixture  # noqa: F401

SECRETS = {
    "TELEGRAM_BOT_TOKEN": tg.TOKEN,
    "X_API_KEY": xf.API_KEY,
    "X_API_SECRET": xf.API_SECRET,
    "X_ACCESS_TOKEN": xf.ACCESS_TOKEN,
    "X_ACCESS_TOKEN_SECRET": xf.ACCESS_TOKEN_SECRET,
}


def channel_cuts(config) -> dict[str, list]:
    """The excerpts each configured channel posts from the article in posts_dir."""
    loaded = load_config(config)
    [path] = loaded.bot.posts_dir.iterdir()
    article = load_article(path.resolve(), id_path=path.name)
    return {name: channel_excerpts(channel, article) for name, channel in loaded.channels.items()}


def platforms_config(tmp_path, x_api, telegram_api, *, every: str = "1h"):
    return write_config(
        tmp_path,
        f"""
[channels.x]
platform = "x"
api_base_url = "{x_api.url}"
schedule = {{ every = "{every}" }}
max_per_day = 50

[channels.news]
platform = "telegram"
chat_id = "@my_channel"
api_base_url = "{telegram_api.base_url}"
schedule = {{ every = "{every}" }}
""",
        bot='log_level = "debug"',
    )


def telegram_only(tmp_path, telegram_api, *, every: str):
    """A config with one Telegram channel, posting to the fake, every `every`."""
    return write_config(
        tmp_path,
        f"""
[channels.news]
platform = "telegram"
chat_id = "@my_channel"
api_base_url = "{telegram_api.base_url}"
schedule = {{ every = "{every}" }}
""",
    )


def test_both_platforms_get_every_excerpt_exactly_once_and_no_secret_leaks(
    tmp_path, x_api, telegram_api, capfd
):
    config = platforms_config(tmp_path, x_api, telegram_api)
    # Each channel gets the example article cut for its own room: Telegram's are longer.
    counts = {name: len(excerpts) for name, excerpts in channel_cuts(config).items()}
    assert counts["x"] >= 4 and counts["news"] >= 4
    # An hourly slot each, for a day: the queues run dry well before, and nothing repeats.
    in_process(config, until=T0 + hours(24), environ=SECRETS)
    out, err = capfd.readouterr()
    assert len(x_api.texts) == len(set(x_api.texts)) == counts["x"]
    telegram_texts = [m["params"]["text"] for m in telegram_api.messages]
    assert len(telegram_texts) == len(set(telegram_texts)) == counts["news"]
    assert all(m["params"]["parse_mode"] == "HTML" for m in telegram_api.messages)
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        x_sent = store.history(channel="x", status="sent")
        tg_sent = store.history(channel="news", status="sent")
    assert {p.text for p in x_sent} == set(x_api.texts)
    assert all(p.remote_url and p.remote_id for p in x_sent + tg_sent)
    assert {p.remote_url for p in tg_sent} <= {f"https://t.me/my_channel/{i}" for i in range(1, 20)}
    assert sorted(p.sent_at for p in x_sent) == [T0 + hours(h) for h in range(counts["x"])]
    assert len(events(tmp_path / "var/bot.log", "slot.empty")) == 2 * 25 - len(x_sent + tg_sent)

    log = (tmp_path / "var/bot.log").read_text(encoding="utf-8")
    for name, secret in SECRETS.items():
        for where, text in (("log file", log), ("stdout", out), ("stderr", err)):
            assert secret not in text, f"{name} leaked into the {where}"
    assert any(e["level"] == "debug" for e in map(json.loads, log.splitlines()))


def test_check_online_says_who_posts_where(tmp_path, x_api, telegram_api):
    config = platforms_config(tmp_path, x_api, telegram_api)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--online", "--config", str(config)],
        env={**os.environ, **SECRETS},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "x: posts as @testbot" in result.stdout
    assert "news: posts as @my_bot" in result.stdout and "@my_channel" in result.stdout
    for secret in SECRETS.values():
        assert secret not in result.stdout + result.stderr


def test_a_revoked_token_pauses_only_that_channel(tmp_path, x_api, telegram_api, capfd):
    config = platforms_config(tmp_path, x_api, telegram_api)
    in_process(
        config,
        until=T0 + hours(2),
        environ={**SECRETS, "TELEGRAM_BOT_TOKEN": "999:REVOKED-TOKEN-xyz"},
    )
    out, err = capfd.readouterr()
    [paused] = events(tmp_path / "var/bot.log", "channel.paused")
    assert paused["channel"] == "news" and "resume news" in paused["hint"]
    assert telegram_api.messages == []
    assert len(x_api.texts) == 3  # 09:00, 10:00, 11:00: the other channel goes on
    skipped = events(tmp_path / "var/bot.log", "slot.skipped")
    assert [(e["channel"], e["reason"]) for e in skipped] == [("news", "paused")] * 2
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.history(channel="news", status="sent") == []
    assert "REVOKED-TOKEN" not in (tmp_path / "var/bot.log").read_text() + out + err


def test_sigkill_during_a_send_never_delivers_twice(tmp_path, x_api, telegram_api):
    config = telegram_only(tmp_path, telegram_api, every="1s")
    # The first send is delivered, but its answer comes late: the daemon dies waiting for it.
    telegram_api.script(tg.slow(3.0, method="sendMessage"))
    process = start(config, env=SECRETS)
    wait_for(lambda: len(telegram_api.messages) == 1, timeout=20)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        [in_flight] = store.history(channel="news", status="sending")
    # The restart, in this process on a stepped clock from now: three slots in two seconds.
    restarted = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    in_process(config, until=restarted + timedelta(seconds=2), start=restarted, environ=SECRETS)
    assert len(telegram_api.messages) == 4
    texts = [m["params"]["text"] for m in telegram_api.messages]
    assert len(texts) == len(set(texts))  # the interrupted post was not sent again
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        post = store.get_post(in_flight.id)
        assert post.status == "unknown" and "resolve" in post.error
        assert store.history(status="sending") == []
    unknown = [e for e in log_events(tmp_path / "var/bot.log") if e["event"] == "post.unknown"]
    assert unknown and unknown[0]["post"] == in_flight.id


def test_sigterm_during_a_rate_limit_pause_requeues_without_waiting(tmp_path, x_api, telegram_api):
    import time

    config = telegram_only(tmp_path, telegram_api, every="1h")
    telegram_api.script(tg.flood(120, method="sendMessage"))
    process = start(config, "--once", env=SECRETS)
    wait_for(lambda: any(e["event"] == "post.retry" for e in log_events(tmp_path / "var/bot.log")))
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=10)
    assert time.monotonic() - started < 5  # never waits out the 120 s pause
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.history(channel="news", status="sending") == []
        queued = next(
            e["queued"]
            for e in log_events(tmp_path / "var/bot.log")
            if e["event"] == "article.ingested"
        )
        assert store.queue_depths()["news"] == queued  # the post went back to the queue
    assert telegram_api.messages == []


def thread_config(tmp_path, x_api):
    return write_config(
        tmp_path,
        f"""
[channels.x]
platform = "x"
api_base_url = "{x_api.url}"
schedule = {{ every = "1h" }}
thread = true
thread_length = 4
""",
    )


def test_a_thread_channel_posts_the_example_article_as_one_thread(tmp_path, x_api, telegram_api):
    config = thread_config(tmp_path, x_api)
    in_process(config, until=T0 + hours(2), environ=SECRETS)
    tweets = x_api.tweets
    assert len(tweets) == 4  # one thread: one post per article, all its parts in one slot
    assert tweets[0]["in_reply_to"] is None and "🧵" in tweets[0]["text"]
    assert [t["in_reply_to"] for t in tweets[1:]] == [t["id"] for t in tweets[:-1]]
    link = "https://"
    assert link in tweets[-1]["text"] and all(link not in t["text"] for t in tweets[:-1])
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        [post] = store.history(channel="x")
    assert (post.status, post.remote_id) == ("sent", tweets[0]["id"])
    assert list(post.parts) == [t["text"] for t in tweets]
    assert post.text == "\n\n".join(post.parts)
    names = [e["event"] for e in log_events(tmp_path / "var/bot.log")]
    assert names.count("post.part_sent") == 4 and names.count("post.sent") == 1
    assert post.sent_at == T0  # the later slots find no other article: nothing more
    assert names.count("slot.empty") == 2


def test_a_thread_broken_midway_continues_at_the_next_slot_from_its_next_part(
    tmp_path, x_api, telegram_api
):
    config = thread_config(tmp_path, x_api)
    # Parts 1 and 2 go out; part 3 meets a rate limit that outlasts the slot's grace.
    x_api.script(xf.Answer(handle=True), xf.Answer(handle=True), xf.rate_limited(3600))
    in_process(config, until=T0 + hours(1), environ=SECRETS)
    tweets = x_api.tweets
    assert len(tweets) == 4 and len({t["text"] for t in tweets}) == 4  # no part twice
    assert [t["in_reply_to"] for t in tweets] == [None] + [t["id"] for t in tweets[:-1]]
    log = tmp_path / "var/bot.log"
    [requeued] = events(log, "post.requeued")
    assert (requeued["part"], requeued["parts"]) == (3, 4)
    [sent] = events(log, "post.sent")
    assert sent["parts"] == 4 and sent["remote_id"] == tweets[0]["id"]
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        [post] = store.history(channel="x")
    assert (post.status, post.sent_at) == ("sent", T0 + hours(1))
    assert list(post.parts) == [t["text"] for t in tweets]


def test_a_rate_limit_wait_ends_on_the_clock_and_the_post_goes_out(tmp_path, x_api, telegram_api):
    config = telegram_only(tmp_path, telegram_api, every="1h")
    telegram_api.script(tg.flood(30, method="sendMessage"))
    in_process(config, until=T0 + timedelta(minutes=5), environ=SECRETS)
    [retry] = events(tmp_path / "var/bot.log", "post.retry")
    assert retry["wait_s"] == 30
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        [post] = store.history(channel="news", status="sent")
        assert [a.outcome for a in store.attempts(post.id)] == ["RateLimitedError", "sent"]
    assert post.sent_at == T0 + timedelta(seconds=30)  # waited on the clock, not the wall
    assert post.text == telegram_api.messages[0]["params"]["text"]


def test_a_stop_during_a_rate_limit_wait_puts_the_post_back_in_the_queue(
    tmp_path, x_api, telegram_api
):
    config = telegram_only(tmp_path, telegram_api, every="1h")
    telegram_api.script(tg.flood(120, method="sendMessage"))
    in_process(config, until=T0 + timedelta(minutes=1), environ=SECRETS)  # then stopped
    log = tmp_path / "var/bot.log"
    [requeued] = events(log, "post.requeued")
    assert requeued["reason"] == "shutdown during a retry wait"
    [ingested] = events(log, "article.ingested")
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.history(channel="news", status="sending") == []
        assert store.queue_depths()["news"] == ingested["queued"]
    assert telegram_api.messages == []


def test_sigterm_lets_the_send_in_flight_finish(tmp_path, x_api, telegram_api):
    config = telegram_only(tmp_path, telegram_api, every="1s")
    telegram_api.script(tg.slow(2.0, method="sendMessage"))  # the answer takes 2 s
    process = start(config, env=SECRETS)
    wait_for(lambda: len(telegram_api.messages) == 1, timeout=20)
    code, _, err = stop(process)  # SIGTERM while the daemon waits for Telegram's answer
    assert code == 0, err
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        [post] = store.history(channel="news", status="sent")
        assert store.history(channel="news", status="unknown") == []
    assert post.text == telegram_api.messages[0]["params"]["text"]
    assert post.remote_url == "https://t.me/my_channel/1"
