"""The web console in a real headless Chromium (tests.browser_support), served by the real
daemon in this process on a stepped clock, with three channels: `news` (console, rendered
as Telegram, approval required), `team` (Discord, on the fake webhook) and `sky` (console,
rendered as Bluesky, in New York time).

An operator logs in, reads the overview and the calendar (the same slots and texts as
`plan` and `preview --channel`), approves a post and sees the daemon send it, retries a
failed post, resolves an unknown one, filters the history and logs out. And: no page
without login, a wrong token refused, a POST without the CSRF token refused, the token in
no page, URL, cookie or log line.

EXCERPT_BOT_SCREENSHOT_DIR=docs makes the first test save the README's picture of the
calendar there (docs/console-calendar.png).
"""

from __future__ import annotations

import json
import os
import re

import httpx
from click.testing import CliRunner

from bot.cli import cli
from bot.store import Store
from tests.browser_support import LiveDaemon, browser_fixture  # noqa: F401  (`browser`)
from tests.daemon_support import EXAMPLE, T0, events, hours, write_config
from tests.fakes import discord_api as dc
from tests.fakes.discord_api import discord_api_fixture  # noqa: F401  (`discord_api`)
from tests.fakes.webhook import dropped

TOKEN = "console-token-6f1d2a9b8c7e"
CHANNELS = """
[web]
listen = "127.0.0.1:0"

[channels.news]
platform = "console"
render_as = "telegram"
schedule = { slots = ["mon-fri 09:00", "mon-fri 13:00", "mon-fri 17:00"] }
require_approval = true

[channels.team]
platform = "discord"
webhook_url_env = "TEAM_DISCORD_HOOK"
schedule = { slots = ["09:00", "10:00", "16:00"] }

[channels.sky]
platform = "console"
render_as = "bluesky"
schedule = { cron = "0 12 * * *", timezone = "America/New_York" }
"""
PAGES = ("/", "/calendar", "/calendar?view=list", "/decisions", "/history", "/articles")


def environ(discord_api) -> dict[str, str]:
    return {"TEAM_DISCORD_HOOK": discord_api.url, "EXCERPT_BOT_WEB_TOKEN": TOKEN}


def cli_json(*args, env: dict[str, str]):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def log_in(page, url: str, token: str = TOKEN) -> None:
    page.goto(f"{url}/login")
    page.fill("#token", token)
    page.click("form.login button")


def flash(page) -> str:
    return page.inner_text(".flash")


class Seen:
    """Every URL the browser asked for and every page it showed, to look for the token."""

    def __init__(self, page) -> None:
        self.urls: list[str] = []
        self.pages: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("load", lambda loaded: self.pages.append(loaded.content()))


def test_an_operator_runs_the_bot_from_the_browser(tmp_path, browser, discord_api, capfd):
    config = write_config(tmp_path, CHANNELS, bot='scan_interval = "1d"')
    env = environ(discord_api)
    # The team channel's first post is refused by Discord, its second cut off mid-answer.
    discord_api.script(dc.invalid_form_body(), dropped(deliver=True))
    previewed = cli_json(
        "preview",
        tmp_path / "posts" / EXAMPLE.name,
        "--config",
        config,
        "--channel",
        "sky",
        "--json",
        env=env,
    )

    with LiveDaemon(config, environ=env) as live:
        live.run_until(T0 + hours(1.5))  # slots at 09:00 and 10:00
        with Store.open(tmp_path / "var/bot.sqlite3") as store:
            (failed,) = store.history(channel="team", status="failed")
            (unknown,) = store.history(channel="team", status="unknown")
            pending = sorted(p.id for p in store.history(channel="news", status="pending_approval"))
            team_error = store.status_summary()["team"].last_error
            team_queued = store.status_summary()["team"].queue_depth
        assert len(pending) >= 3

        context = browser.new_context()
        page = context.new_page()
        seen = Seen(page)
        log_in(page, live.url)

        # The overview: one card per channel, with its state and its trouble.
        assert page.url == f"{live.url}/"
        cards = {name: page.inner_text(f"#channel-{name}") for name in ("news", "team", "sky")}
        assert "console" in cards["news"] and f"{len(pending)} to approve" in cards["news"]
        assert "discord" in cards["team"] and "active" in cards["team"]
        assert team_error and team_error in cards["team"]  # the latest: the cut-off answer
        assert "12:00 EST" in cards["sky"]  # the next slot, in the channel's own zone

        # On a phone, no page is wider than the screen (the week scrolls inside itself).
        phone = context.new_page()
        phone.set_viewport_size({"width": 390, "height": 844})
        for path in PAGES:
            phone.goto(f"{live.url}{path}")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
        phone.close()

        # The calendar: every channel, and the sky channel's first slot carries the exact
        # text preview --channel shows for its best excerpt.
        page.click("text=Calendar")
        rows = page.locator("table.week tbody tr")
        assert [
            rows.nth(i).locator("th").inner_text().split("\n")[0] for i in range(rows.count())
        ] == ["news", "team", "sky"]
        sky_texts = page.locator("table.week tbody tr:has(th:text-is('sky')) .slot .text")
        assert sky_texts.first.inner_text() == previewed[0]["text"]
        if os.environ.get("EXCERPT_BOT_SCREENSHOT_DIR"):  # the README's picture
            page.set_viewport_size({"width": 1440, "height": 900})
            page.screenshot(
                path=os.path.join(os.environ["EXCERPT_BOT_SCREENSHOT_DIR"], "console-calendar.png"),
                full_page=True,
            )
        page.click("text=Next 30 days, as a list")
        assert page.locator("ul.slots li:has-text('sky')").count() == 30
        team = page.locator("ul.slots li:not(.gap):has(.channel:text-is('team'))")
        assert team.count() == team_queued  # every queued post once, then empty slots
        assert page.locator("ul.slots li.gap:has(.channel:text-is('team'))").count() >= 1

        # Approve one pending post: the daemon sends it at the next slot.
        page.click("text=Needs a decision")
        chosen = pending[1]
        decision = page.locator(f"#post-{chosen}")
        assert "news" in decision.inner_text()
        decision.locator("button:text-is('Approve')").click()
        assert flash(page) == f"approved post {chosen}"
        assert page.locator(f"#post-{chosen}").count() == 0
        live.run_until(T0 + hours(4.5))  # the 13:00 slot
        page.goto(f"{live.url}/history?channel=news&status=sent")
        assert page.locator("table.history tbody tr").count() == 1
        assert page.locator("table.history tbody tr td").first.inner_text() == str(chosen)

        # Retry the failed post; resolve the unknown one as sent.
        page.goto(f"{live.url}/decisions")
        failed_card = page.locator(f"#post-{failed.id}")
        assert "Invalid Form Body" in failed_card.inner_text()
        failed_card.locator("button:text-is('Retry')").click()
        assert flash(page) == f"post {failed.id} is queued again on team"
        page.locator(f"#post-{unknown.id}").locator(
            "button:text-is('It went out (resolve as sent)')"
        ).click()
        assert flash(page) == f"post {unknown.id} marked sent"
        assert "No post is unknown." in page.inner_text("main")
        assert "No post failed." in page.inner_text("main")
        live.run_until(T0 + hours(72))  # the retried post goes out again, once
        with Store.open(tmp_path / "var/bot.sqlite3") as store:
            assert store.get_post(failed.id).status == "sent"
            assert store.get_post(unknown.id).status == "sent"
            retried = store.get_post(failed.id)

        # History filters: by channel and status, then by article; links to the posts.
        page.goto(f"{live.url}/history")
        page.select_option("select[name=channel]", "team")
        page.select_option("select[name=status]", "sent")
        page.click("form.filters button")
        assert "channel=team" in page.url and "status=sent" in page.url
        rows = page.locator("table.history tbody tr")
        assert rows.count() >= 3
        for i in range(rows.count()):
            cells = rows.nth(i).locator("td")
            assert cells.nth(1).inner_text() == "team" and cells.nth(2).inner_text() == "sent"
        link = page.locator(f"table.history a[href='{retried.remote_url}']")
        assert link.count() == 1
        page.click("table.history tbody tr >> nth=0 >> td >> nth=4 >> a")
        assert page.url.startswith(f"{live.url}/articles/")
        assert "Excerpt 1" in page.inner_text("main")
        page.click("text=its posts in the history")
        assert "article=" in page.url
        assert page.locator("table.history tbody tr").count() >= 3

        # Log out: the pages are closed again.
        page.click("header form.logout button")
        assert page.url == f"{live.url}/login?bye"
        assert "You are logged out." in flash(page)
        page.goto(f"{live.url}/decisions")
        assert page.url == f"{live.url}/login"
        context.close()

    out, err = capfd.readouterr()
    log = (tmp_path / "var/bot.log").read_text(encoding="utf-8")
    actions = [(e["action"], e.get("post")) for e in events(tmp_path / "var/bot.log", "web.action")]
    assert actions == [("approve", chosen), ("retry", failed.id), ("resolve-sent", unknown.id)]
    assert seen.pages and seen.urls
    for where, texts in (
        ("page", seen.pages),
        ("URL", seen.urls),
        ("log, stdout or stderr", [log, out, err]),
    ):
        assert not any(TOKEN in text for text in texts), f"the token in a {where}"


def test_nothing_without_login_and_no_action_without_the_csrf_token(
    tmp_path, browser, discord_api, capfd
):
    config = write_config(tmp_path, CHANNELS, bot='scan_interval = "1d"')
    with LiveDaemon(config, environ=environ(discord_api)) as live:
        live.run_until(T0 + hours(0.5))
        with Store.open(tmp_path / "var/bot.sqlite3") as store:
            pending = store.history(channel="news", status="pending_approval")[0]

        # No page without login: each one sends the browser to the login form.
        context = browser.new_context()
        page = context.new_page()
        seen = Seen(page)
        for path in (*PAGES, f"/articles/{pending.article_id}"):
            page.goto(f"{live.url}{path}")
            assert page.url == f"{live.url}/login", path
            assert "news" not in page.inner_text("body")
        with httpx.Client(base_url=live.url) as anonymous:
            refused = anonymous.post(f"/posts/{pending.id}/approve", data={"csrf": "x"})
            assert refused.status_code == 403

        # A wrong token: refused, still the login form, nothing shown.
        log_in(page, live.url, token=TOKEN[:-1] + "X")
        assert page.url == f"{live.url}/login"
        assert flash(page) == "Wrong token."
        assert "news" not in page.inner_text("body")

        # The right one: a session cookie that is HttpOnly, SameSite=Strict, not the token.
        log_in(page, live.url)
        assert page.url == f"{live.url}/"
        (cookie,) = context.cookies()
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert TOKEN not in cookie["value"]

        # The session alone is not enough to act: a POST without (or with a wrong) CSRF
        # token is refused and changes nothing.
        with httpx.Client(base_url=live.url, cookies={cookie["name"]: cookie["value"]}) as client:
            assert client.get("/decisions").status_code == 200  # the session is good
            for data in ({}, {"csrf": "not-the-token"}):
                answer = client.post(f"/posts/{pending.id}/approve", data=data)
                assert answer.status_code == 403
                assert "CSRF" in answer.text
            answer = client.post("/channels/news/approve-all", data={})
            assert answer.status_code == 403
        page.goto(f"{live.url}/decisions")
        assert page.locator(f"#post-{pending.id}").count() == 1
        for path in PAGES:
            page.goto(f"{live.url}{path}")
            assert re.search(r'name="csrf" value="[^"]+"', page.content())
        context.close()

    with Store.open(tmp_path / "var/bot.sqlite3") as store:
        assert store.get_post(pending.id).status == "pending_approval"
    refused = events(tmp_path / "var/bot.log", "web.login_refused")
    assert len(refused) == 1 and len(events(tmp_path / "var/bot.log", "web.csrf_refused")) == 3
    out, err = capfd.readouterr()
    log = (tmp_path / "var/bot.log").read_text(encoding="utf-8")
    for text in (*seen.pages, *seen.urls, log, out, err):
        assert TOKEN not in text


def test_every_lever_from_the_browser_and_the_overview_follows_the_cli(
    tmp_path, browser, discord_api
):
    from playwright.sync_api import expect

    config = write_config(tmp_path, CHANNELS, bot='scan_interval = "1d"')
    env = environ(discord_api)
    discord_api.script(dropped(deliver=True))  # the team channel's first send: cut off
    with LiveDaemon(config, environ=env) as live:
        live.run_until(T0 + hours(0.5))
        with Store.open(tmp_path / "var/bot.sqlite3") as store:
            (unknown,) = store.history(channel="team", status="unknown")
            pending = sorted(p.id for p in store.history(channel="news", status="pending_approval"))
            *_, last_team = sorted(p.id for p in store.history(channel="team", status="queued"))
        page = browser.new_context().new_page()
        log_in(page, live.url)

        # The overview reloads itself: a channel paused on the command line shows as
        # paused without a click; resumed with the card's button.
        assert "active" in page.inner_text("#channel-team .state")
        result = CliRunner().invoke(cli, ["pause", "team", "--config", str(config)], env=env)
        assert result.exit_code == 0, result.output
        expect(page.locator("#channel-team .state")).to_contain_text("paused", timeout=15_000)
        assert page.url == f"{live.url}/"
        page.locator("#channel-team").locator("button:text-is('Resume')").click()
        assert flash(page) == "resumed team"
        assert "active" in page.inner_text("#channel-team .state")
        page.locator("#channel-sky").locator("button:text-is('Pause')").click()
        assert flash(page) == "paused sky; its posts stay queued"
        assert "paused in the web console" in page.inner_text("#channel-sky .state")
        page.locator("#channel-sky").locator("button:text-is('Resume')").click()

        # Skip one post waiting for approval, approve all the others of the channel.
        page.click("text=Needs a decision")
        page.locator(f"#post-{pending[0]}").locator("button:text-is('Skip')").click()
        assert flash(page) == f"post {pending[0]} skipped"
        page.click("button:text-is('Approve all on news')")
        rest = pending[1:]
        assert flash(page) == (f"approved {len(rest)} posts on news: {', '.join(map(str, rest))}")
        assert "Nothing waits for approval." in page.inner_text("main")
        # The unknown post did not go out after all: back in the queue.
        page.locator(f"#post-{unknown.id}").locator(
            "button:text-is('It did not (requeue)')"
        ).click()
        assert flash(page) == f"post {unknown.id} is queued again"

        # In the calendar: the team channel's last post made next, then sent at once
        # through the daemon's own dispatcher, to Discord.
        page.click("text=Calendar")
        team_row = page.locator("table.week tbody tr:has(th:text-is('team'))")
        team_row.locator(f".slot:has(.tag:text-is('post {last_team}'))").locator(
            "button:text-is('Make it next')"
        ).click()
        assert flash(page) == f"post {last_team} is the next to go out on team"
        first = page.locator("table.week tbody tr:has(th:text-is('team')) .slot .tag").first
        assert first.inner_text() == f"post {last_team}"
        before = len(discord_api.posts())
        page.locator("table.week tbody tr:has(th:text-is('team')) .slot").first.locator(
            "button:text-is('Send now')"
        ).click()
        with Store.open(tmp_path / "var/bot.sqlite3") as store:
            sent = store.get_post(last_team)
        assert sent.status == "sent" and sent.sent_at == T0 + hours(0.5)
        assert flash(page) == f"post {last_team} sent on team: {sent.remote_url}"
        assert len(discord_api.posts()) == before + 1

    actions = [
        (e["action"], e.get("post") or e.get("channel"))
        for e in events(tmp_path / "var/bot.log", "web.action")
    ]
    assert actions == [
        ("resume", "team"),
        ("pause", "sky"),
        ("resume", "sky"),
        ("skip", pending[0]),
        ("approve-all", "news"),
        ("resolve-requeue", unknown.id),
        ("pin", last_team),
        ("send-now", last_team),
    ]
