"""The web console: an overview of every channel, a calendar of what goes out when, the
posts that need a decision (approve, skip, retry, resolve), the history and the articles,
in a browser, behind a login.

`console_for(...)` builds it from the config (`[web]`); the daemon serves it on its own
event loop when `[web] listen` is set, and `excerpt-bot web` serves it alone. Modules:
`server` (HTTP, login, CSRF), `sessions`, `routes` (pages and actions), `pages` (what
each page reads), `render` (Jinja2 templates in templates/, a stylesheet in static/).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from bot.errors import UserError

if TYPE_CHECKING:
    from bot.config import Config
    from bot.offloop import AsyncStore
    from bot.web.server import WebConsole


def console_for(
    config: Callable[[], Config],
    db: AsyncStore,
    clock: Callable[[], datetime],
    environ: Mapping[str, str],
    *,
    listen: str | None = None,
    dispatch: Callable[[str], Awaitable[str]] | None = None,
) -> WebConsole:
    """The console of `config()`'s [web] settings (or on `listen`), its token read from the
    environment; a one-line UserError when there is no usable token or address. `dispatch`
    sends a channel's next post (the daemon's dispatcher; by default a channel built for
    the one send)."""
    from bot.config.web import DEFAULT_LISTEN, split_listen
    from bot.web.server import WebConsole
    from bot.web.sessions import check_token

    settings = config().web
    address = listen or settings.listen or DEFAULT_LISTEN
    try:
        host, port = split_listen(address)
        token = check_token(environ.get(settings.token_env), settings.token_env)
    except ValueError as exc:
        raise UserError(f"web: {exc}") from None
    return WebConsole(db, config, clock, token=token, host=host, port=port, dispatch=dispatch)
