"""Who is logged in to the console: sessions in memory, each with its CSRF token.

A visitor gets a session before logging in (its CSRF token protects the login form); a
right token replaces it with a new, logged-in one (a session id seen before login is
never the one that is logged in). The cookie holds a random session id, never the login
token. Sessions live in this process only: a restart logs everyone out. Their number is
bounded (the oldest go first), and each ends after `LIFETIME` without use.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

LIFETIME = 12 * 3600.0  # seconds a session lasts without a request
MAX_SESSIONS = 1000
MIN_TOKEN_LENGTH = 16


@dataclass
class Session:
    id: str
    csrf: str
    logged_in: bool
    seen: float
    flash: list[tuple[str, str]] = field(default_factory=list)  # (kind, message) to show once

    def say(self, kind: str, message: str) -> None:
        """A message for the next page this session sees ("ok" or "error")."""
        self.flash.append((kind, message))

    def take_flash(self) -> list[tuple[str, str]]:
        shown, self.flash = self.flash, []
        return shown

    def csrf_matches(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.csrf.encode())


class Sessions:
    """The live sessions by id, least recently used first."""

    def __init__(self, *, lifetime: float = LIFETIME, limit: int = MAX_SESSIONS) -> None:
        self.lifetime = lifetime
        self.limit = limit
        self._live: OrderedDict[str, Session] = OrderedDict()

    def new(self, *, logged_in: bool) -> Session:
        while len(self._live) >= self.limit:
            self._live.popitem(last=False)
        session = Session(
            secrets.token_urlsafe(32), secrets.token_urlsafe(32), logged_in, time.monotonic()
        )
        self._live[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id (its use noted), else None."""
        session = self._live.get(session_id) if session_id else None
        if session is None:
            return None
        now = time.monotonic()
        if now - session.seen > self.lifetime:
            del self._live[session.id]
            return None
        session.seen = now
        self._live.move_to_end(session.id)
        return session

    def end(self, session: Session) -> None:
        self._live.pop(session.id, None)


def token_matches(given: str, token: str) -> bool:
    """In constant time, whatever `given` is."""
    return hmac.compare_digest(given.encode(), token.encode())


def check_token(token: str | None, env_var: str) -> str:
    """The login token from `env_var`; a ValueError saying how to set one otherwise."""
    how = (
        f"set {env_var} (the [web] token_env) to a login token of at least "
        f"{MIN_TOKEN_LENGTH} characters, e.g. the output of "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe())'`"
    )
    if not token or not token.strip():
        raise ValueError(f"the web console needs a login token: {how}")
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(f"the web console's login token in {env_var} is too short: {how}")
    return token
