"""The X channel end to end: the real dispatcher and store, real tweepy, the fake X API.

What a user sees: each post goes out once, an ambiguous send is proven by X's duplicate
check, a rate limit is waited out, revoked credentials pause only this channel — and no
key or token reaches a log line, stdout or stderr, even with every library at DEBUG.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.logs import QUIET_LOGGERS, setup_logging
from bot.platforms.x import XChannel
from tests.dispatch_support import (
    PARAGRAPHS,
    T0,
    URL,
    Clock,
    cytokines,
    make_dispatcher,
    only_post,
    run_slots,
    stored,
)
from tests.fakes.x_api import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_SECRET,
    API_KEY,
    API_SECRET,
    OAUTH2_TOKEN,
    FakeXApi,
    created_then_dropped,
    dropped,
    duplicate,
    rate_limited,
    server_error,
    unauthorized,
    x_api_fixture,  # noqa: F401  (the fixture `x_api`)
)

pytestmark = pytest.mark.timeout(20)

QUEUED = len(PARAGRAPHS)


@pytest.fixture
def store(tmp_path):
    yield from stored(tmp_path, cytokines(), channels=[("x", False), ("tg", False)])


def oauth1_channel(x_api: FakeXApi) -> XChannel:
    return XChannel(
        "x",
        api_key=API_KEY,
        api_secret=API_SECRET,
        access_token=ACCESS_TOKEN,
        access_token_secret=ACCESS_TOKEN_SECRET,
        api_base_url=x_api.url,
        timeout=2.0,
    )


def dispatch(store, channel: XChannel, clock: Clock, times: int = 1) -> list[str]:
    """Run `times` slots of the X channel through the real dispatcher; their outcomes."""
    dispatcher = make_dispatcher(store, channel, clock, max_per_day=17, proves_duplicates=True)
    return run_slots(dispatcher, "x", times)


def outcomes(store, post) -> list[str]:
    return [a.outcome for a in store.attempts(post.id)]


def test_each_post_goes_out_once_with_its_remote_id(store, x_api: FakeXApi):
    assert dispatch(store, oauth1_channel(x_api), Clock(), times=QUEUED) == ["sent"] * QUEUED
    sent = store.history(channel="x", status="sent")
    assert sorted(x_api.texts) == sorted(p.text for p in sent)
    assert {p.remote_id for p in sent} == {t["id"] for t in x_api.tweets}
    assert all(URL in text for text in x_api.texts)
    assert store.queue_depths()["tg"] == QUEUED


def test_created_then_dropped_is_proven_sent_by_the_duplicate_answer(store, x_api: FakeXApi):
    x_api.script(created_then_dropped())
    assert dispatch(store, oauth1_channel(x_api), Clock()) == ["sent"]
    post = only_post(store, "sent")
    assert post.remote_id is None  # X said "duplicate", not which tweet it was
    assert x_api.texts == [post.text]  # exactly one tweet
    assert [r.path for r in x_api.requests] == ["/2/tweets", "/2/tweets"]
    assert outcomes(store, post) == ["AmbiguousError", "DuplicateError"]


def test_dropped_before_x_handled_it_is_sent_by_the_one_retry(store, x_api: FakeXApi):
    x_api.script(dropped())
    assert dispatch(store, oauth1_channel(x_api), Clock()) == ["sent"]
    post = only_post(store, "sent")
    assert x_api.texts == [post.text]
    assert post.remote_id == x_api.tweets[0]["id"]


def test_a_second_ambiguous_answer_leaves_the_post_unknown(store, x_api: FakeXApi):
    x_api.script(server_error(503), server_error(503))
    assert dispatch(store, oauth1_channel(x_api), Clock()) == ["unknown"]
    assert "503" in only_post(store, "unknown").error
    assert len(x_api.requests) == 2


def test_a_duplicate_on_the_first_attempt_is_skipped(store, x_api: FakeXApi):
    x_api.script(duplicate())
    assert dispatch(store, oauth1_channel(x_api), Clock(), times=2) == ["skipped", "sent"]
    assert "duplicate content" in only_post(store, "skipped").error
    assert x_api.texts == [only_post(store, "sent").text]  # the next post still went


def test_a_rate_limit_is_waited_out_then_the_post_goes_once(store, x_api: FakeXApi):
    answer = rate_limited(reset_in=90)
    x_api.script(answer)
    clock = Clock()
    assert dispatch(store, oauth1_channel(x_api), clock) == ["sent"]
    assert timedelta(seconds=88) <= clock.now - T0 <= timedelta(seconds=92)
    post = only_post(store, "sent")
    assert x_api.texts == [post.text]
    assert outcomes(store, post) == ["RateLimitedError", "sent"]


def test_a_rate_limit_past_the_grace_puts_the_post_back(store, x_api: FakeXApi):
    x_api.script(rate_limited(reset_in=3600))
    assert dispatch(store, oauth1_channel(x_api), Clock()) == ["requeued"]
    assert store.queue_depths()["x"] == QUEUED
    assert x_api.tweets == []


def test_revoked_credentials_pause_the_channel_and_keep_its_posts(store, x_api: FakeXApi):
    x_api.script(unauthorized())
    assert dispatch(store, oauth1_channel(x_api), Clock(), times=2) == ["paused", "paused"]
    state = store.channel_state("x")
    assert state.paused and "401" in state.paused_reason
    assert store.queue_depths() == {"x": QUEUED, "tg": QUEUED}
    assert len(x_api.requests) == 1


# --- secrets ---------------------------------------------------------------------------------

LIBRARY_LOGGERS = ("tweepy", "urllib3", "requests_oauthlib", "oauthlib")


@pytest.fixture
def restore_logging():
    """setup_logging configures the process's root logger: undo it after the test."""
    root = logging.getLogger()
    names = (*QUIET_LOGGERS, *LIBRARY_LOGGERS)
    before = set(root.handlers), root.level, {n: logging.getLogger(n).level for n in names}
    yield
    handlers, level, levels = before
    for handler in set(root.handlers) - handlers:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    for name, named_level in levels.items():
        logging.getLogger(name).setLevel(named_level)
    logging.captureWarnings(False)


def test_no_key_or_token_reaches_logs_stdout_or_stderr(
    store, x_api: FakeXApi, tmp_path, capfd, restore_logging
):
    log_file = tmp_path / "log" / "bot.log"
    setup_logging(level="debug", fmt="json", file=log_file)
    for name in LIBRARY_LOGGERS:  # as someone debugging the libraries would: all at DEBUG
        logging.getLogger(name).setLevel(logging.DEBUG)
    wrong_token = "revoked-x-oauth2-token-51c8e0"

    x_api.script(rate_limited(reset_in=30), server_error(500), dropped(), unauthorized())
    dispatch(store, oauth1_channel(x_api), Clock(), times=2)
    store.resume_channel("x", now=T0)
    x_api.script(created_then_dropped())
    dispatch(store, XChannel("x", oauth2_token=OAUTH2_TOKEN, api_base_url=x_api.url), Clock())
    dispatch(store, XChannel("x", oauth2_token=wrong_token, api_base_url=x_api.url), Clock())

    out, err = capfd.readouterr()
    logged = log_file.read_text(encoding="utf-8")
    everything = logged + out + err
    assert "Making API request" in logged  # tweepy's header-dumping lines did go through
    assert "oauth_consumer_key" in everything and "Bearer ***" in everything
    for event in ("post.retry", "post.sent", "channel.paused"):
        assert event in logged
    for secret in (
        API_KEY,
        API_SECRET,
        ACCESS_TOKEN,
        ACCESS_TOKEN_SECRET,
        OAUTH2_TOKEN,
        wrong_token,
    ):
        assert secret not in everything
