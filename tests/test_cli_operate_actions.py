"""`excerpt-bot retry`, `skip`, `resolve`, `approve`: each moves a post along one allowed
edge, says so in one line, and refuses a post in the wrong state in one line (exit 2).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.test_cli_operate_support import (
    CONFIG,
    claim,
    error_lines,
    invoke,
    ok,
    open_store,
    write_bot,
)

APPROVAL = CONFIG.replace(
    'render_as = "telegram"\n', 'render_as = "telegram"\nrequire_approval = true\n'
)


@pytest.fixture
def bot(tmp_path):
    """Channel `console` queues posts; channel `fast` keeps them pending approval."""
    path = write_bot(tmp_path, config=APPROVAL)
    ok("add", "--config", path, tmp_path / "posts")
    return path


def status_of(path, post_id: int) -> str:
    with open_store(path) as store:
        return store.get_post(post_id).status


def unknown_post(path) -> int:
    """A post whose send was interrupted: claimed, then marked unknown."""
    with open_store(path) as store:
        claimed = claim(store, "console")
        store.mark_unknown(claimed.id, error="read timeout", now=datetime.now(UTC))
    return claimed.id


def test_skip_then_retry(bot):
    with open_store(bot) as store:
        post_id = store.queued("console")[0].id
    assert ok("skip", str(post_id), "--config", bot).stdout.strip() == f"post {post_id} skipped"
    assert status_of(bot, post_id) == "skipped"
    [line] = error_lines(invoke("skip", str(post_id), "--config", bot))
    assert line == (
        f"post {post_id} is skipped: only queued, pending approval, failed or "
        "unknown posts can be skipped"
    )
    assert ok("retry", str(post_id), "--config", bot).stdout.strip() == (
        f"post {post_id} is queued again on console"
    )
    assert status_of(bot, post_id) == "queued"
    [line] = error_lines(invoke("retry", str(post_id), "--config", bot))
    assert line.startswith(f"post {post_id} is queued: only failed, unknown")


def test_retry_of_a_failed_post(bot):
    with open_store(bot) as store:
        claimed = claim(store, "console")
        store.mark_failed(claimed.id, error="rejected: too long", now=datetime.now(UTC))
    ok("retry", str(claimed.id), "--config", bot)
    with open_store(bot) as store:
        post = store.get_post(claimed.id)
    assert post.status == "queued" and post.error is None


def test_resolve_sent_and_requeue(bot):
    first = unknown_post(bot)
    assert ok("resolve", str(first), "--sent", "--config", bot).stdout.strip() == (
        f"post {first} marked sent"
    )
    with open_store(bot) as store:
        post = store.get_post(first)
        assert post.status == "sent" and post.sent_at == post.claimed_at
        assert store.status_summary()["console"].last_sent_post_id == first
    second = unknown_post(bot)
    ok("resolve", str(second), "--requeue", "--config", bot)
    assert status_of(bot, second) == "queued"
    [line] = error_lines(invoke("resolve", str(second), "--sent", "--config", bot))
    assert line == f"post {second} is queued: only unknown posts can be resolved"


@pytest.mark.parametrize("flags", [(), ("--sent", "--requeue")])
def test_resolve_needs_exactly_one_outcome(bot, flags):
    post_id = unknown_post(bot)
    [line] = error_lines(invoke("resolve", str(post_id), *flags, "--config", bot))
    assert line == "resolve: pass exactly one of --sent or --requeue"
    assert status_of(bot, post_id) == "unknown"


def test_a_post_that_does_not_exist(bot):
    [line] = error_lines(invoke("retry", "9999", "--config", bot))
    assert line == "no post 9999 in the database"


def test_approve_given_posts(bot):
    with open_store(bot) as store:
        pending = [p.id for p in store.queued("fast") if p.status == "pending_approval"]
    assert len(pending) >= 4
    assert ok("approve", str(pending[0]), str(pending[1]), "--config", bot).stdout.strip() == (
        f"approved 2 posts: {pending[0]}, {pending[1]}"
    )
    assert [status_of(bot, i) for i in pending[:3]] == ["queued", "queued", "pending_approval"]
    assert ok("approve", str(pending[3]), "--config", bot).stdout.strip() == (
        f"approved 1 post: {pending[3]}"
    )
    # One in the wrong state: nothing is approved.
    [line] = error_lines(invoke("approve", str(pending[2]), str(pending[0]), "--config", bot))
    assert line == (f"post {pending[0]} is queued: only pending approval posts can be approved")
    assert status_of(bot, pending[2]) == "pending_approval"


def test_approve_a_channel_or_all(bot):
    with open_store(bot) as store:
        pending = [p.id for p in store.queued("fast") if p.status == "pending_approval"]
    assert ok("approve", "--channel", "console", "--config", bot).stdout.strip() == (
        "no posts were waiting for approval on console"
    )
    result = ok("approve", "--channel", "fast", "--config", bot)
    assert result.stdout.startswith(f"approved {len(pending)} posts: ")
    with open_store(bot) as store:
        assert store.status_summary()["fast"].pending_approval == 0
        assert store.queue_depths()["fast"] == len(pending)
    assert ok("approve", "--all", "--config", bot).stdout.strip() == (
        "no posts were waiting for approval"
    )


@pytest.mark.parametrize("args", [(), ("1", "--all"), ("--channel", "fast", "--all")])
def test_approve_needs_exactly_one_selection(bot, args):
    [line] = error_lines(invoke("approve", *args, "--config", bot))
    assert line == "approve: give post IDs, or --channel NAME, or --all (exactly one)"
    with open_store(bot) as store:
        assert store.status_summary()["fast"].queue_depth == 0


def test_approve_of_an_unknown_channel(bot):
    [line] = error_lines(invoke("approve", "--channel", "fats", "--config", bot))
    assert 'did you mean "fast"?' in line


def test_plan_shows_posts_waiting_for_approval_where_they_would_go_marked(bot):
    with open_store(bot) as store:
        pending = {p.id for p in store.queued("fast") if p.status == "pending_approval"}
    report = as_json_plan(bot)
    filled = [slot for slot in report["channels"]["fast"]["slots"] if slot["post_id"]]
    assert filled and all(slot["awaiting_approval"] for slot in filled)
    assert {slot["post_id"] for slot in filled} == pending
    assert not any(s["awaiting_approval"] for s in report["channels"]["console"]["slots"])
    table = ok("plan", "--config", bot, "--channel", "fast", "--limit", "3").stdout
    assert "(awaits approval)" in table and "nothing queued" not in table
    assert "3 posts above await approval: `excerpt-bot approve --channel fast`" in table
    ok("approve", "--channel", "fast", "--config", bot)
    filled = [s for s in as_json_plan(bot)["channels"]["fast"]["slots"] if s["post_id"]]
    assert {slot["post_id"] for slot in filled} == pending
    assert not any(slot["awaiting_approval"] for slot in filled)


def as_json_plan(bot):
    return json.loads(ok("plan", "--config", bot, "--days", "1", "--json").stdout)
