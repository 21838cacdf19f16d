"""Approvals in the admin chat, against the fake Telegram server with python-telegram-bot's
real requests, the daemon in this process on a stepped clock."""

from __future__ import annotations

from datetime import timedelta

from bot.config import load_config
from bot.ingest import load_article
from bot.render.channel import channel_posts
from bot.store import Store
from tests.admin_support import (
    DATABASE,
    SECRETS,
    answered,
    approval_config,
    questions,
)
from tests.daemon_support import T0, events, hours, in_process
from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import telegram_api_fixture  # noqa: F401


def expected_posts(config) -> list[str]:
    """The visible text of each post the channel would send from the example article."""
    loaded = load_config(config)
    [path] = loaded.bot.posts_dir.iterdir()
    article = load_article(path.resolve(), id_path=path.name)
    return [
        tg.parse_html(rendered.text)[0]
        for _, rendered in channel_posts(loaded.channels["news"], article)
    ]


def test_each_pending_post_is_asked_about_once_with_its_channel_slot_and_exact_text(
    tmp_path, telegram_api
):
    config = approval_config(tmp_path, telegram_api)

    async def scenario(daemon):
        await daemon.run_until(T0 + timedelta(minutes=5))
        await daemon.admin.idle()

    in_process(config, scenario, environ=SECRETS)
    asked = questions(telegram_api)
    with Store.open(tmp_path / DATABASE) as store:
        pending = store.history(status="pending_approval")
    assert sorted(asked) == sorted(p.id for p in pending) and len(pending) >= 3
    texts = expected_posts(config)
    for post in pending:
        message = asked[post.id]
        shown = message["text"]
        assert shown.startswith(
            f"🕊 Approval needed: post {post.id} on news (telegram)\n"
            "Next slot: Mon 30 Nov 10:00 (UTC)\n"
        )
        assert sum(text in shown for text in texts) == 1  # its exact text, as the channel shows it
        assert message["reply_markup"] == {
            "inline_keyboard": [
                [
                    {"text": "✅ Approve", "callback_data": f"approve:{post.id}"},
                    {"text": "⏭ Skip", "callback_data": f"skip:{post.id}"},
                ]
            ]
        }
    assert telegram_api.messages_in(tg.CHANNEL) == []  # nothing goes out unapproved

    # A restart asks about nothing again.
    in_process(
        config, until=T0 + timedelta(minutes=10), start=T0 + timedelta(minutes=6), environ=SECRETS
    )
    assert len(telegram_api.messages_in(tg.ADMIN_GROUP)) == len(asked)


def test_an_allowed_user_approves_and_the_daemon_sends_that_post(tmp_path, telegram_api):
    config = approval_config(tmp_path, telegram_api)

    async def scenario(daemon):
        await daemon.run_until(T0 + timedelta(minutes=1))
        await daemon.admin.idle()
        post_id, question = sorted(questions(telegram_api).items())[1]
        answer = await answered(
            telegram_api, telegram_api.press(question["message_id"], f"approve:{post_id}"), daemon
        )
        await daemon.run_until(T0 + hours(1))
        await daemon.admin.idle()
        return post_id, question, answer

    post_id, question, answer = in_process(config, scenario, environ=SECRETS)
    assert answer == "approved"
    # The question now says who decided, and has no buttons left.
    edited = next(
        m
        for m in telegram_api.messages_in(tg.ADMIN_GROUP)
        if m["message_id"] == question["message_id"]
    )
    assert edited["text"].endswith("\n\n✅ Approved by Ann Admin (@ann), Mon 30 Nov 09:01")
    assert "reply_markup" not in edited
    # At the next slot, that post (and only it) went out, exactly as asked about.
    [sent] = telegram_api.messages_in(tg.CHANNEL)
    assert sent["text"] in question["text"]
    with Store.open(tmp_path / DATABASE) as store:
        post = store.get_post(post_id)
        assert post.status == "sent" and post.sent_at == T0 + hours(1)
        assert len(store.history(status="pending_approval")) == len(questions(telegram_api)) - 1
    [approved] = events(tmp_path / "var/bot.log", "post.approved")
    assert approved["post"] == post_id and approved["by"] == "Ann Admin (@ann)"


def test_a_second_press_and_a_press_after_a_decision_elsewhere_change_nothing(
    tmp_path, telegram_api
):
    config = approval_config(tmp_path, telegram_api)

    async def scenario(daemon):
        await daemon.run_until(T0 + timedelta(minutes=1))
        await daemon.admin.idle()
        (first, q1), (second, q2), *_ = sorted(questions(telegram_api).items())
        answers = [
            await answered(telegram_api, telegram_api.press(q1["message_id"], data), daemon)
            for data in (f"skip:{first}", f"skip:{first}", f"approve:{first}")
        ]
        # The second post is approved on the command line's library call meanwhile.
        await daemon.db.call(Store.approve, [second], now=daemon.clock())
        answers.append(
            await answered(
                telegram_api, telegram_api.press(q2["message_id"], f"skip:{second}"), daemon
            )
        )
        return first, second, answers

    first, second, answers = in_process(config, scenario, environ=SECRETS)
    assert answers == ["skipped", "already skipped", "already skipped", "already approved"]
    with Store.open(tmp_path / DATABASE) as store:
        assert store.get_post(first).status == "skipped"
        assert store.get_post(second).status == "queued"  # the late Skip changed nothing
    edited = {m["message_id"]: m["text"] for m in telegram_api.messages_in(tg.ADMIN_GROUP)}
    q = questions(telegram_api)
    assert edited[q[first]["message_id"]].endswith(
        "⏭ Skipped by Ann Admin (@ann), Mon 30 Nov 09:01"
    )
    assert edited[q[second]["message_id"]].endswith("✅ Approved elsewhere, Mon 30 Nov 09:01")
    assert len(telegram_api.edits) == 2  # each question rewritten once


def test_a_press_by_a_stranger_is_refused_logged_and_changes_nothing(tmp_path, telegram_api):
    config = approval_config(tmp_path, telegram_api)

    async def scenario(daemon):
        await daemon.run_until(T0 + timedelta(minutes=1))
        await daemon.admin.idle()
        post_id, question = sorted(questions(telegram_api).items())[0]
        answer = await answered(
            telegram_api,
            telegram_api.press(question["message_id"], f"approve:{post_id}", user=tg.STRANGER),
            daemon,
        )
        await daemon.run_until(T0 + hours(1))
        return post_id, answer

    post_id, answer = in_process(config, scenario, environ=SECRETS)
    assert answer == "not allowed"
    assert telegram_api.edits == [] and telegram_api.messages_in(tg.CHANNEL) == []
    with Store.open(tmp_path / DATABASE) as store:
        assert store.get_post(post_id).status == "pending_approval"
    [refused] = events(tmp_path / "var/bot.log", "admin.press_refused")
    assert refused["user"] == tg.STRANGER["id"] and refused["button"] == f"approve:{post_id}"
    assert refused["level"] == "warning"
