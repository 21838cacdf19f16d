"""The console's pages and actions, each a few lines over `bot.web.pages` and the store.

The actions are the store's operator calls that `excerpt-bot approve`, `skip`, `retry`,
`resolve`, `pin`, `pause` and `resume` make, and `send-now`'s pin and send, with the same
checks (a post in the wrong state is the store's one-line explanation) and the same
confirmations; each answers with a redirect to the page it came from, which shows the
result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.errors import UserError
from bot.logs import log_event
from bot.store import Store
from bot.web import pages

if TYPE_CHECKING:
    from bot.web.server import WebConsole

CALENDAR_DAYS = {"week": 7, "list": 30}
OVERVIEW_REFRESH = 5  # seconds between the overview's reloads


def see_other(location: str) -> web.Response:
    """A 303 to a path of this console (after a POST: the page shows the result)."""
    return web.Response(status=303, headers={"Location": location})


def _post_action(action: str) -> Callable[[Store, int, datetime], str] | None:
    """What an action button does to post `id`, and the line that confirms it."""

    def approve(store: Store, post_id: int, now: datetime) -> str:
        store.approve([post_id], now=now)
        return f"approved post {post_id}"

    def skip(store: Store, post_id: int, now: datetime) -> str:
        store.skip(post_id, now=now)
        return f"post {post_id} skipped"

    def retry(store: Store, post_id: int, now: datetime) -> str:
        store.retry(post_id, now=now)
        return f"post {post_id} is queued again on {store.get_post(post_id).channel}"

    def resolve_sent(store: Store, post_id: int, now: datetime) -> str:
        store.resolve(post_id, sent=True, now=now)
        return f"post {post_id} marked sent"

    def resolve_requeue(store: Store, post_id: int, now: datetime) -> str:
        store.resolve(post_id, sent=False, now=now)
        return f"post {post_id} is queued again"

    def pin(store: Store, post_id: int, now: datetime) -> str:
        store.pin(post_id, now=now)
        post = store.get_post(post_id)
        once = " once approved" if post.status == "pending_approval" else ""
        return f"post {post_id} is the next to go out on {post.channel}{once}"

    return {
        "approve": approve,
        "skip": skip,
        "retry": retry,
        "resolve-sent": resolve_sent,
        "resolve-requeue": resolve_requeue,
        "pin": pin,
    }.get(action)


def _approve_all(store: Store, channel: str, now: datetime) -> str:
    approved = store.approve(None, channel=channel, now=now)
    if not approved:
        return f"no posts were waiting for approval on {channel}"
    ids = ", ".join(map(str, approved))
    return f"approved {len(approved)} post{'s' if len(approved) != 1 else ''} on {channel}: {ids}"


def _pause(store: Store, channel: str, now: datetime) -> str:
    store.pause_channel(channel, reason="paused in the web console", now=now)
    return f"paused {channel}; its posts stay queued"


def _resume(store: Store, channel: str, now: datetime) -> str:
    was = store.channel_state(channel)
    store.resume_channel(channel, now=now)
    return f"resumed {channel}" if was.paused else f"{channel} was not paused"


_CHANNEL_ACTIONS = {"approve-all": _approve_all, "pause": _pause, "resume": _resume}


class Routes:
    def __init__(self, console: WebConsole) -> None:
        self.console = console

    def table(self) -> list[web.RouteDef]:
        return [
            web.get("/", self.overview),
            web.get("/calendar", self.calendar),
            web.get("/decisions", self.decisions),
            web.get("/history", self.history),
            web.get("/articles", self.articles),
            web.get("/articles/{article_id}", self.article),
            web.post(r"/posts/{post_id:\d+}/{action}", self.post_action),
            web.post("/channels/{channel}/{action}", self.channel_action),
        ]

    async def _read(self, read: Callable[..., Any], *args, **kwargs) -> Any:
        return await self.console.db.call(read, *args, **kwargs)

    # --- pages ------------------------------------------------------------------------------

    async def overview(self, request: web.Request) -> web.Response:
        config = self.console.config()
        values = await self._read(pages.overview, config, self.console.clock())
        return self.console.page(request, "overview.html", refresh=OVERVIEW_REFRESH, **values)

    async def calendar(self, request: web.Request) -> web.Response:
        view = request.query.get("view", "week")
        days = CALENDAR_DAYS.get(view, 7)
        config, now = self.console.config(), self.console.clock()
        plans = await self._read(pages.calendar, config, now, days=days)
        zone = ZoneInfo(config.bot.timezone)
        start = now.astimezone(zone).date()
        return self.console.page(
            request,
            "calendar.html",
            view="list" if view == "list" else "week",
            days=days,
            plans=plans,
            dates=[start.fromordinal(start.toordinal() + n) for n in range(days)],
            by_day=pages.by_day(plans),
            more_label=pages.more_label,
        )

    async def decisions(self, request: web.Request) -> web.Response:
        values = await self._read(pages.decisions, self.console.config())
        return self.console.page(request, "decisions.html", **values)

    async def history(self, request: web.Request) -> web.Response:
        query = request.query
        status = query.get("status") or None
        notes = []
        if status is not None and status not in pages.STATUSES:
            notes.append(("error", f'no status "{status}": showing every status'))
            status = None
        chosen = {
            "channel": query.get("channel") or None,
            "status": status,
            "article": query.get("article") or None,
        }
        values = await self._read(pages.history, **chosen)
        return self.console.page(
            request, "history.html", chosen=chosen, statuses=pages.STATUSES, notes=notes, **values
        )

    async def articles(self, request: web.Request) -> web.Response:
        values = await self._read(pages.articles)
        return self.console.page(request, "articles.html", **values)

    async def article(self, request: web.Request) -> web.Response:
        try:
            values = await self._read(pages.article, request.match_info["article_id"])
        except UserError as exc:
            return self.console.page(request, "missing.html", status=404, message=str(exc))
        return self.console.page(request, "article.html", **values)

    # --- actions ----------------------------------------------------------------------------

    async def post_action(self, request: web.Request) -> web.Response:
        post_id, action = int(request.match_info["post_id"]), request.match_info["action"]
        if action == "send-now":
            return await self._send_now(request, post_id)
        operation = _post_action(action)
        if operation is None:
            raise web.HTTPNotFound()
        return await self._act(request, action, operation, post_id, post=post_id)

    async def channel_action(self, request: web.Request) -> web.Response:
        channel, action = request.match_info["channel"], request.match_info["action"]
        operation = _CHANNEL_ACTIONS.get(action)
        if operation is None:
            raise web.HTTPNotFound()
        if channel not in self.console.config().channels:
            return await self._done(
                request, action, error=f'no channel "{channel}" in the config', channel=channel
            )
        return await self._act(request, action, operation, channel, channel=channel)

    async def _send_now(self, request: web.Request, post_id: int) -> web.Response:
        """`excerpt-bot send-now ID`: pinned, then sent through the daemon's dispatch (the
        daemon's own when it serves the console)."""
        from bot.cli.send_now import send_post_now

        console = self.console
        try:
            result = await send_post_now(
                console.db,
                console.config(),
                post_id,
                now=console.clock(),
                dispatch=console.dispatch,
            )
        except UserError as exc:
            return await self._done(request, "send-now", error=str(exc), post=post_id)
        return await self._done(request, "send-now", result=result, post=post_id)

    async def _act(
        self, request: web.Request, action: str, operation, target, **ids
    ) -> web.Response:
        try:
            result = await self._read(operation, target, self.console.clock())
        except UserError as exc:
            return await self._done(request, action, error=str(exc), **ids)
        return await self._done(request, action, result=result, **ids)

    async def _done(
        self,
        request: web.Request,
        action: str,
        *,
        result: str | None = None,
        error: str | None = None,
        **ids,
    ) -> web.Response:
        session = self.console.session_of(request)
        if error is not None:
            session.say("error", error)
            log_event("web.action", level=logging.WARNING, action=action, error=error, **ids)
        else:
            session.say("ok", result or "done")
            log_event("web.action", action=action, result=result, **ids)
        return see_other(_back(await request.post()))


def _back(form) -> str:
    """Where the form came from: a path of this console, never another site."""
    target = form.get("next")
    if (
        isinstance(target, str)
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return "/"
