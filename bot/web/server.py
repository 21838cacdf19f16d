"""The web console's HTTP server: aiohttp on the event loop it is started in (the daemon's,
or `excerpt-bot web`'s), Jinja2 pages, login and CSRF checks in one middleware.

    console = WebConsole(db, lambda: config, clock, token=..., host=..., port=...)
    await console.start(); ...; await console.stop()

Every page needs a logged-in session, except the login page and the stylesheet. Every
POST carries the session's CSRF token (the login form too). A wrong login token is
answered after `login_delay` seconds, one wrong answer at a time, so guesses cannot run
in parallel. The token is only ever compared: it is in no page, no cookie, no URL and no
log line (it is registered with the log redaction besides).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from aiohttp import web

from bot.config import Config
from bot.logs import log_event, register_secrets
from bot.offloop import AsyncStore
from bot.web.render import Templates
from bot.web.routes import Routes, see_other
from bot.web.sessions import Session, Sessions, token_matches

COOKIE = "excerpt_bot_session"
LOGIN_DELAY = 1.0  # seconds before a wrong token is answered
STATIC = Path(__file__).parent / "static"
_OPEN = ("/login", "/static/console.css")  # the only paths served without a login
_SESSION = web.AppKey("session", Session)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebConsole:
    """Constructing stores the settings; `start()` listens, `stop()` closes."""

    def __init__(
        self,
        db: AsyncStore,
        config: Callable[[], Config],
        clock: Callable[[], datetime],
        *,
        token: str,
        host: str,
        port: int,
        login_delay: float = LOGIN_DELAY,
        dispatch: Callable[[str], Awaitable[str]] | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        # How Send now sends a channel's next post: the daemon's dispatcher when it serves
        # the console, else a channel built for that one send (as `excerpt-bot send-now`).
        self.dispatch = dispatch or self._dispatch_alone
        self.host, self.port = host, port
        self.login_delay = login_delay
        self._token = token
        register_secrets(token)
        self.sessions = Sessions()
        self.templates = Templates()
        self._wrong_tokens = asyncio.Lock()
        self._runner: web.AppRunner | None = None
        self.url: str | None = None  # once listening

    async def _dispatch_alone(self, channel: str) -> str:
        from bot.cli.send_now import dispatch_alone

        return await dispatch_alone(self.config(), self.db, channel, force=False)

    # --- serving ----------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=64 * 1024)
        app.add_routes(
            [
                web.get("/login", self._login_page),
                web.post("/login", self._login),
                web.post("/logout", self._logout),
                web.get("/static/console.css", self._stylesheet),
                *Routes(self).table(),
            ]
        )
        return app

    async def start(self) -> None:
        # No access log: aiohttp's would be a second log format beside the daemon's events.
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        host, port = self._runner.addresses[0][:2]
        self.port = port
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
        log_event("web.listening", url=self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- login, sessions and CSRF ---------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        session = self.sessions.get(request.cookies.get(COOKIE))
        if request.path not in _OPEN and (session is None or not session.logged_in):
            if request.method == "GET":
                response = see_other("/login")
                _harden(response)
                return response
            return self._refused(403, "Log in first.")
        if request.method == "POST":
            form = await request.post()
            given = form.get("csrf")
            if session is None or not session.csrf_matches(
                given if isinstance(given, str) else None
            ):
                log_event(
                    "web.csrf_refused",
                    level=logging.WARNING,
                    path=request.path,
                    remote=request.remote,
                )
                return self._refused(
                    403,
                    "The form was stale or not from this console "
                    "(no valid CSRF token): reload the page and try again.",
                )
        if session is not None:
            request[_SESSION] = session
        response = await handler(request)
        _harden(response)
        return response

    def _refused(self, status: int, message: str) -> web.Response:
        response = web.Response(status=status, text=message)
        _harden(response)
        return response

    def _session(self, request: web.Request) -> Session:
        """The request's session; a new anonymous one (and its cookie) if it has none."""
        session = request.get(_SESSION)
        if session is None:
            session = self.sessions.new(logged_in=False)
            request[_SESSION] = session
        return session

    async def _login_page(self, request: web.Request) -> web.StreamResponse:
        session = self._session(request)
        if session.logged_in:
            return see_other("/")
        notes = [("ok", "You are logged out.")] if "bye" in request.query else []
        return self._with_cookie(request, self.page(request, "login.html", notes=notes))

    async def _login(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        given = form.get("token")
        old = self._session(request)
        if not isinstance(given, str) or not token_matches(given, self._token):
            async with self._wrong_tokens:  # one wrong answer at a time
                await asyncio.sleep(self.login_delay)
            log_event("web.login_refused", level=logging.WARNING, remote=request.remote)
            response = self.page(
                request, "login.html", status=401, notes=[("error", "Wrong token.")]
            )
            return self._with_cookie(request, response)
        self.sessions.end(old)
        request[_SESSION] = self.sessions.new(logged_in=True)  # never the id seen before
        log_event("web.login", remote=request.remote)
        return self._with_cookie(request, see_other("/"))

    async def _logout(self, request: web.Request) -> web.StreamResponse:
        self.sessions.end(request[_SESSION])
        log_event("web.logout", remote=request.remote)
        response = see_other("/login?bye")
        response.del_cookie(COOKIE, path="/")
        return response

    def _with_cookie(self, request: web.Request, response: web.StreamResponse):
        session = request[_SESSION]
        if request.cookies.get(COOKIE) != session.id:
            response.set_cookie(
                COOKIE,
                session.id,
                httponly=True,
                samesite="Strict",
                secure=request.secure,
                path="/",
            )
        return response

    async def _stylesheet(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "console.css")

    # --- pages ------------------------------------------------------------------------------

    def page(
        self,
        request: web.Request,
        template: str,
        *,
        status: int = 200,
        notes: list[tuple[str, str]] | None = None,
        **values,
    ) -> web.Response:
        """`template` rendered for the request's session, with its messages shown once."""
        session = request.get(_SESSION)
        flash = (session.take_flash() if session is not None else []) + (notes or [])
        config = self.config()
        html = self.templates.render(
            template,
            csrf=session.csrf if session is not None else "",
            logged_in=session is not None and session.logged_in,
            flash=flash,
            path=request.path_qs,
            zone=config.bot.timezone,
            now=self.clock(),
            **values,
        )
        return web.Response(text=html, status=status, content_type="text/html")

    def session_of(self, request: web.Request) -> Session:
        return request[_SESSION]


def _harden(response: web.StreamResponse) -> None:
    """No framing, no scripts but our own (there are none), no referrer to the platforms'
    sites, no page kept in a shared cache."""
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cache-Control", "no-store")
