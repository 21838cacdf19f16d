"""Logging: one event per line, readable text or JSON lines, secrets redacted.

Events have stable names (`post.sent`, `post.failed`, `channel.paused`, …) and fields
(channel, article, post ids, timings). `log_event("post.sent", channel="x", post=12)`
emits one. The log file is opened with `WatchedFileHandler`, so logrotate may move it
away at any time: the next line goes to a new file.

Every handler carries a `RedactingFilter`: any registered secret (bot tokens, API keys)
is replaced by `***` in the message, its arguments, the fields and tracebacks, before
anything is written — third-party libraries (httpx logs request URLs, and Telegram puts
the token in the URL) included.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

LOGGER_NAME = "excerpt_bot"
_log = logging.getLogger(LOGGER_NAME)

# Third-party loggers that are chatty at INFO or leak credentials at DEBUG (httpx logs every
# request URL; python-telegram-bot logs its base URL, which contains the token; tweepy and
# requests/urllib3 log headers). They are held at WARNING whatever our level is.
QUIET_LOGGERS = (
    "httpx",
    "httpcore",
    "telegram",
    "telegram.ext",
    "tweepy",
    "requests_oauthlib",
    "oauthlib",
    "urllib3",
    "apscheduler",
    "trafilatura",
    "htmldate",
    "courlan",
)
# The HTML extractors log an error for every odd page, which `ArticleError` already reports
# in one line: held at CRITICAL, as `bot.ingest.from_html` holds them without our logging.
EXTRACTOR_LOGGERS = ("trafilatura", "htmldate", "courlan")
_REDACTED = "***"
_MIN_SECRET_LENGTH = 6


class RedactingFilter(logging.Filter):
    """Replaces every registered secret by *** in a record before any handler writes it."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, *secrets: str | None) -> None:
        for secret in secrets:
            if secret and len(secret) >= _MIN_SECRET_LENGTH:
                self._secrets.add(secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, _REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        record.msg = self.redact(record.getMessage())
        record.args = None
        fields = getattr(record, "fields", None)
        if fields:
            record.fields = {
                k: self.redact(v) if isinstance(v, str) else v for k, v in fields.items()
            }
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


REDACTOR = RedactingFilter()


def register_secrets(*secrets: str | None) -> None:
    """Never let these values reach a log line (call before the first network request)."""
    REDACTOR.add(*secrets)


_SECRET_PARAMETER = re.compile(
    r"token|key|secret|passw|auth|sig|session|credential|code", re.IGNORECASE
)


def register_url_secrets(*urls: str) -> None:
    """Never log the secret-looking query values of these URLs (a feed's `?token=…`)."""
    for url in urls:
        for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=False):
            if _SECRET_PARAMETER.search(name):
                REDACTOR.add(value)


def redact(text: str) -> str:
    """`text` with every registered secret replaced by ***."""
    return REDACTOR.redact(text)


def log_event(event: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Emit one event line: a stable event name and its fields."""
    _log.log(level, event, extra={"fields": fields})


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, event, then the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        if record.name != LOGGER_NAME:
            line["logger"] = record.name
        line.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`2026-11-24T10:00:00.000+00:00 INFO post.sent channel=x post=12 …`, one line."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [_timestamp(record), record.levelname, record.getMessage()]
        for key, value in (getattr(record, "fields", {}) or {}).items():
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            if isinstance(value, str) and (not value or any(c.isspace() for c in value)):
                text = json.dumps(value, ensure_ascii=False)
            parts.append(f"{key}={text}")
        line = " ".join(parts)
        exc = self.formatException(record.exc_info) if record.exc_info else record.exc_text
        if exc:
            line += " exception=" + json.dumps(exc, ensure_ascii=False)
        return line


def setup_logging(*, level: str = "info", fmt: str = "text", file: Path | None = None) -> None:
    """Configure the root logger: stderr always, plus `file` when given."""
    formatter: logging.Formatter = JsonFormatter() if fmt == "json" else TextFormatter()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if file is not None:
        # Imported here, not by every command that only redacts (status).
        from logging.handlers import WatchedFileHandler

        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(WatchedFileHandler(file, encoding="utf-8"))
        except OSError as exc:
            from bot.errors import UserError

            why = (
                f"{exc.filename} is a file, not a folder"
                if isinstance(exc, FileExistsError | NotADirectoryError)
                else f"{exc.strerror}: {exc.filename}"
            )
            raise UserError(
                f"bot.log_file: cannot write {file} ({why}); set log_file to a "
                "file in a folder you may write, or leave it out"
            ) from None
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(REDACTOR)
        root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        floor = logging.CRITICAL if name in EXTRACTOR_LOGGERS else logging.WARNING
        logging.getLogger(name).setLevel(max(floor, root.level))
    logging.captureWarnings(True)
