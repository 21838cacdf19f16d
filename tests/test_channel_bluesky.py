"""The Bluesky channel against the fake PDS, through the real atproto client: what the
record holds (facets on the right bytes, language, link card and its thumbnail), how the
session is kept and renewed, `check`, and that no password or token reaches a log line,
stdout or stderr, even with every library at DEBUG."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from bot.errors import AuthError
from bot.logs import QUIET_LOGGERS, setup_logging
from bot.platforms import PLATFORMS, OutgoingPost
from bot.platforms.base import DictMemory
from bot.platforms.bluesky import BlueskyChannel
from bot.store import Store
from tests.dispatch_support import T0
from tests.fakes.bluesky_api import (
    APP_PASSWORD,
    HANDLE,
    FakeBlueskyPds,
    bluesky_api_fixture,  # noqa: F401  (the fixture `bluesky_api`)
    dropped,
    rate_limited,
    server_error,
)

pytestmark = pytest.mark.timeout(30)

URL = "https://blog.example.org/ünïcode/?utm_source=bot"
TEXT = f"Fièvre 🌡️ et cytokines — « ça chauffe ».\n\n{URL}\n#immunology #santé"


def channel(
    pds: FakeBlueskyPds, *, memory=None, password: str = APP_PASSWORD, **kwargs
) -> BlueskyChannel:
    sky = BlueskyChannel(
        "sky", handle=HANDLE, app_password=password, api_base_url=pds.url, timeout=2.0, **kwargs
    )
    if memory is not None:
        sky.memory = memory
    return sky


def outgoing(
    key: str = "3lbcdefghij22",
    *,
    facets=(),
    card=None,
    text: str = TEXT,
    language: str | None = "fr",
) -> OutgoingPost:
    return OutgoingPost(
        id=1,
        channel="sky",
        text=text,
        parse_mode=None,
        url=URL,
        article_id="a1",
        excerpt_id="e1",
        facets=facets,
        language=language,
        card=card,
        key=key,
    )


def run(sky: BlueskyChannel, *coroutines):
    async def go():
        try:
            return [await c() for c in coroutines]
        finally:
            await sky.aclose()

    return asyncio.run(go())


def facet_texts(value: dict) -> list[str]:
    data = value["text"].encode("utf-8")
    return [data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in value["facets"]]


def test_facets_that_miss_their_text_are_computed_again_from_it(bluesky_api):
    wrong = (
        {
            "index": {"byteStart": 0, "byteEnd": 10},  # character offsets, not bytes
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": URL}],
        },
    )
    sky = channel(bluesky_api)
    [delivery] = run(sky, lambda: sky.send(outgoing(facets=wrong)))
    [record] = bluesky_api.records.values()
    assert facet_texts(record["value"]) == [URL, "#immunology", "#santé"]
    assert record["value"]["langs"] == ["fr"]
    assert delivery.remote_id == record["uri"]
    assert bluesky_api.invalid == []


def test_no_facets_from_the_renderer_are_computed_here(bluesky_api):
    sky = channel(bluesky_api)
    run(sky, lambda: sky.send(outgoing(language=None)))
    [record] = bluesky_api.records.values()
    assert facet_texts(record["value"]) == [URL, "#immunology", "#santé"]
    assert "langs" not in record["value"]


def test_a_link_card_gets_its_thumbnail_uploaded(bluesky_api):
    card = {
        "uri": URL,
        "title": "Cytokines",
        "description": "Small proteins.",
        "image": f"{bluesky_api.url}/img/small.png",
    }
    sky = channel(bluesky_api)
    run(sky, lambda: sky.send(outgoing(card=card)))
    [record] = bluesky_api.records.values()
    external = record["value"]["embed"]["external"]
    assert (external["uri"], external["title"], external["description"]) == (
        URL,
        "Cytokines",
        "Small proteins.",
    )
    assert external["thumb"]["ref"]["$link"] in bluesky_api.blobs
    assert external["thumb"]["mimeType"] == "image/png"


def test_an_image_over_a_megabyte_is_skipped_with_a_log_line(bluesky_api, caplog):
    card = {
        "uri": URL,
        "title": "Cytokines",
        "description": "",
        "image": f"{bluesky_api.url}/img/huge.png",
    }
    sky = channel(bluesky_api)
    with caplog.at_level(logging.INFO, logger="excerpt_bot"):
        run(sky, lambda: sky.send(outgoing(card=card)))
    [record] = bluesky_api.records.values()
    assert "thumb" not in record["value"]["embed"]["external"]
    assert bluesky_api.calls("uploadBlob") == 0
    [skipped] = [r for r in caplog.records if r.getMessage() == "bluesky.thumb_skipped"]
    assert "too large" in skipped.fields["reason"]


def test_link_card_false_posts_no_card(bluesky_api):
    sky = channel(bluesky_api, link_card=False)
    run(sky, lambda: sky.send(outgoing(card={"uri": URL, "title": "T", "description": "D"})))
    [record] = bluesky_api.records.values()
    assert "embed" not in record["value"]


def test_the_session_is_remembered_and_reused_by_the_next_channel(bluesky_api):
    memory = DictMemory()
    first = channel(bluesky_api, memory=memory)
    run(first, lambda: first.send(outgoing("3lbcdefghij22")))
    session = json.loads(memory.values["session"])
    assert session["refresh"] == bluesky_api.refresh_token
    second = channel(bluesky_api, memory=memory)  # a restart: a new channel, same memory
    run(second, lambda: second.send(outgoing("3lbcdefghij23")))
    assert bluesky_api.calls("createSession") == 1 and len(bluesky_api.records) == 2


def test_a_token_about_to_expire_is_refreshed_first_and_the_new_one_remembered():
    pds = FakeBlueskyPds(access_lifetime=18 * 60)  # within the channel's 20 minutes
    pds.start()
    try:
        memory = DictMemory()
        sky = channel(pds, memory=memory)
        run(
            sky,
            lambda: sky.send(outgoing("3lbcdefghij22")),
            lambda: sky.send(outgoing("3lbcdefghij23")),
        )
        assert pds.calls("createSession") == 1
        assert pds.calls("refreshSession") == 2  # one before each post, no ExpiredToken met
        assert json.loads(memory.values["session"])["refresh"] == pds.refresh_token
        assert len(pds.records) == 2
    finally:
        pds.stop()


def test_check_says_who_posts(bluesky_api):
    sky = channel(bluesky_api)
    assert run(sky, sky.check) == [f"posts as @{HANDLE}"]


def test_check_with_a_wrong_password_says_so_in_one_line(bluesky_api):
    sky = channel(bluesky_api, password="nope-nope-nope-nope")
    with pytest.raises(AuthError) as refused:
        run(sky, sky.check)
    message = str(refused.value)
    assert "\n" not in message and "refused the login of @example.bsky.social" in message
    assert "nope-nope" not in message


def test_the_settings_take_a_handle_and_default_to_bsky_social():
    settings = PLATFORMS["bluesky"].settings
    model = settings.model_validate(
        {"platform": "bluesky", "handle": "@Example.bsky.social", "schedule": {"every": "1h"}}
    )
    assert (model.handle, model.api_base_url, model.link_card) == (
        "example.bsky.social",
        "https://bsky.social",
        True,
    )
    assert model.secret_env_vars() == {"app_password": "BLUESKY_APP_PASSWORD"}
    with pytest.raises(ValueError, match="not a Bluesky handle"):
        settings.model_validate(
            {"platform": "bluesky", "handle": "not a handle", "schedule": {"every": "1h"}}
        )


# --- secrets ---------------------------------------------------------------------------------

LIBRARY_LOGGERS = ("httpx", "httpcore", "atproto", "atproto_client", "asyncio")


@pytest.fixture
def restore_logging():
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


def test_no_password_or_token_reaches_logs_stdout_stderr_or_the_history(
    bluesky_api, tmp_path, capfd, restore_logging
):
    from tests.dispatch_support import Clock, make_dispatcher, run_slots
    from tests.test_channel_bluesky_dispatch import article, render

    log_file = tmp_path / "log" / "bot.log"
    setup_logging(level="debug", fmt="json", file=log_file)
    for name in LIBRARY_LOGGERS:  # as someone debugging the libraries would: all at DEBUG
        logging.getLogger(name).setLevel(logging.DEBUG)
    wrong = "wrng-pass-word-leak"
    with Store.open(tmp_path / "bot.sqlite3") as store:
        from bot.excerpt import excerpt_article

        store.upsert_article(
            article(), excerpt_article(article(), max_length=200), channels=[("sky", False)], now=T0
        )
        sky = channel(bluesky_api)
        d = make_dispatcher(store, sky, Clock(), render, idempotent=True)
        bluesky_api.script(
            rate_limited(30, method="createRecord"), server_error(500), dropped(handle=True)
        )
        run_slots(d, "sky", 1)
        bluesky_api.expire_access_tokens()
        bluesky_api.revoke_refresh_tokens()
        run_slots(d, "sky", 1)  # refresh refused: a new login
        bad = channel(bluesky_api, password=wrong)
        run_slots(make_dispatcher(store, bad, Clock(), render, idempotent=True), "sky", 1)
        history = repr(store.history())
        state = store.channel_state("sky")
        stored_errors = " ".join(
            str(a.error) for p in store.history() for a in store.attempts(p.id)
        )

    out, err = capfd.readouterr()
    logged = log_file.read_text(encoding="utf-8")
    everything = logged + out + err + history + str(state.paused_reason) + stored_errors
    assert "HTTP Request: POST" in logged  # httpx's lines did go through
    for event in ("post.retry", "post.sent", "channel.paused", "bluesky.refresh_refused"):
        assert event in logged
    assert bluesky_api.calls("createSession") == 3 and len(bluesky_api.issued) >= 4
    for secret in (APP_PASSWORD, wrong, *bluesky_api.issued):
        assert secret not in everything
    # nor any part of a token long enough to mean something (a JWT's signature)
    for token in bluesky_api.issued:
        assert token.rsplit(".", 1)[-1] not in everything
