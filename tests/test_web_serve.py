"""Starting the web console: `excerpt-bot web` serves it on the store without the daemon;
it (and a daemon with `[web] listen`) refuses to start without a usable login token; a
bad `listen` is one config line. Plain HTTP here (httpx, following the forms as a browser
would); the browser itself is in test_web_console.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.errors import UserError
from bot.store import Store
from tests.daemon_support import T0, hours, in_process, write_config

TOKEN = "a-web-token-of-some-length"
CHANNELS = """
[web]
listen = "127.0.0.1:0"

[channels.news]
platform = "console"
schedule = { every = "1h" }
require_approval = true
"""


def run(*args, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env or {}, catch_exceptions=False)


@pytest.mark.parametrize(
    ("token", "says"),
    [
        (None, "the web console needs a login token"),
        ("", "the web console needs a login token"),
        ("short", "the web console's login token in EXCERPT_BOT_WEB_TOKEN is too short"),
    ],
)
def test_the_console_refuses_to_start_without_a_usable_token(tmp_path, token, says):
    config = write_config(tmp_path, CHANNELS)
    env = {"EXCERPT_BOT_WEB_TOKEN": token} if token is not None else {}
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("EXCERPT_BOT_WEB_TOKEN", raising=False)
        result = run("web", "--config", config, env=env)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"excerpt-bot: error: web: {says}")
    assert "set EXCERPT_BOT_WEB_TOKEN (the [web] token_env)" in line


def test_a_daemon_with_a_console_and_no_token_does_not_start(tmp_path):
    config = write_config(tmp_path, CHANNELS.replace("require_approval = true\n", ""))
    with pytest.raises(UserError, match="the web console needs a login token"):
        in_process(config, until=T0 + hours(3), environ={})
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.history(status="sent") == []  # it stopped before its first slot


def test_a_listen_address_without_a_port_is_one_config_line(tmp_path):
    config = write_config(tmp_path, CHANNELS.replace('"127.0.0.1:0"', '"localhost"'))
    result = run("check", "--config", config)
    assert result.exit_code == 2
    assert (
        'web.listen: must be "HOST:PORT" such as "127.0.0.1:8765", got "localhost"' in result.stderr
    )


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_excerpt_bot_web_serves_the_store_without_the_daemon(tmp_path):
    config = write_config(tmp_path, CHANNELS)
    assert run("add", "--config", config, tmp_path / "posts").exit_code == 0
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        pending = [p.id for p in store.history(status="pending_approval")]
    assert pending
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--config", str(config)],
        env={**os.environ, "EXCERPT_BOT_WEB_TOKEN": TOKEN},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        url = re.match(r"web console on (http://127\.0\.0\.1:\d+)/ ", first).group(1)
        # A wrong token is answered after a second, one wrong answer at a time: two
        # guesses sent together take two seconds.
        guessers = [httpx.Client(base_url=url, timeout=10) for _ in range(2)]
        forms = [_csrf(guesser.get("/login").text) for guesser in guessers]
        started = time.monotonic()
        with ThreadPoolExecutor(2) as pool:
            answers = list(
                pool.map(
                    lambda pair: pair[0].post("/login", data={"csrf": pair[1], "token": "guess"}),
                    zip(guessers, forms, strict=True),
                )
            )
        elapsed = time.monotonic() - started
        for guesser in guessers:
            guesser.close()
        assert [a.status_code for a in answers] == [401, 401]
        assert elapsed >= 1.9
        with httpx.Client(base_url=url, timeout=10) as client:
            assert client.get("/decisions").headers["location"] == "/login"
            login = client.get("/login")
            answer = client.post("/login", data={"csrf": _csrf(login.text), "token": TOKEN})
            assert answer.status_code == 303 and answer.headers["location"] == "/"
            decisions = client.get("/decisions")
            assert f'id="post-{pending[0]}"' in decisions.text
            approved = client.post(
                f"/posts/{pending[0]}/approve",
                data={"csrf": _csrf(decisions.text), "next": "/decisions"},
            )
            assert approved.status_code == 303
            assert f"approved post {pending[0]}" in client.get("/decisions").text
            # An hourly channel has 168 slots in a week: the first 50, and "118 more" (as
            # `plan` lists them), each with the approved post or why it stays empty.
            calendar = client.get("/calendar").text
            assert "… 118 more slots" in calendar
            assert f"post {pending[0]}</span>" in calendar
            assert "nothing approved (" in calendar
            # Send now, without the daemon: through a channel built for that one send.
            answer = client.post(
                f"/posts/{pending[0]}/send-now", data={"csrf": _csrf(calendar), "next": "/calendar"}
            )
            assert answer.status_code == 303
            assert f"post {pending[0]} sent on news" in client.get("/calendar").text
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.get_post(pending[0]).status == "sent"
    assert TOKEN not in out + err + (tmp_path / "var/bot.log").read_text(encoding="utf-8")


def test_check_names_a_missing_web_token_and_shows_where_the_console_listens(tmp_path):
    config = write_config(tmp_path, CHANNELS)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("EXCERPT_BOT_WEB_TOKEN", raising=False)
        refused = run("check", "--config", config)
        assert refused.exit_code == 2
        (line,) = refused.stderr.splitlines()
        assert line.startswith(
            f"excerpt-bot: error: {config}: web.token_env: the web console "
            "needs a login token: set EXCERPT_BOT_WEB_TOKEN"
        )
        checked = run("check", "--config", config, env={"EXCERPT_BOT_WEB_TOKEN": TOKEN})
    assert checked.exit_code == 0, checked.output
    assert (
        "web console: http://127.0.0.1:0/ (login token in $EXCERPT_BOT_WEB_TOKEN)"
        in checked.stdout.splitlines()
    )
    assert TOKEN not in checked.output


def test_a_card_shows_the_spend_and_a_budget_reached_where_status_gives_them():
    # The overview's card as `overview` makes it from `status`'s spend entry.
    from datetime import UTC, datetime

    from bot.web.render import Templates

    card = {
        "name": "x",
        "platform": "x",
        "zone": "UTC",
        "in_config": True,
        "enabled": True,
        "paused": False,
        "paused_reason": None,
        "next_slot": None,
        "queue_depth": 3,
        "pending_approval": 0,
        "last_sent_at": None,
        "last_sent_url": None,
        "last_error": None,
        "last_error_at": None,
        "spend": "19.95 USD (133 posts); 0.05 USD left of 20 USD/month",
        "budget_reached_until": "2027-01-01",
    }
    html = Templates().render(
        "overview.html",
        cards=[card, {**card, "name": "y", "spend": None, "budget_reached_until": None}],
        feeds=[],
        refresh=5,
        csrf="c",
        logged_in=True,
        flash=[],
        path="/",
        zone="UTC",
        now=datetime(2026, 12, 1, tzinfo=UTC),
    )
    x, y = html.split('id="channel-x"')[1].split('id="channel-y"')
    assert "budget reached</span> until 2027-01-01" in x

    def spend(card_html: str) -> str:
        return card_html.split("Spend this month</dt>", 1)[1].split("</dd>", 1)[0].strip()

    assert spend(x) == "<dd>19.95 USD (133 posts); 0.05 USD left of 20 USD/month"
    assert "budget reached" not in y and spend(y) == "<dd>—"
