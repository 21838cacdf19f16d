"""The value types of the config: each validates one kind of value and normalises it once.

Every validator raises ValueError with a one-line message in the form "what is wrong (how to
fix)"; the loader prefixes it with the file and the key path. Messages about values that may
be secrets (URLs, database URLs, environment variable names) never quote the value.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
import string
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BeforeValidator,
    PlainSerializer,
    Strict,
    ValidationInfo,
    WithJsonSchema,
)

from bot.durations import DURATION_HINT, format_duration, parse_duration
from bot.errors import RenderError

__all__ = [
    "CHANNEL_NAME",
    "ENV_VAR_NAME",
    "TEMPLATE_PLACEHOLDERS",
    "ArticleGlobs",
    "ChannelName",
    "ChatId",
    "ConfigPath",
    "CronExpression",
    "DatabaseLocation",
    "Duration",
    "EnvVarName",
    "HttpBaseUrl",
    "PositiveDuration",
    "PostTemplate",
    "SlotList",
    "SlotText",
    "StrictBool",
    "StrictInt",
    "StrictStr",
    "TimeZoneName",
    "config_dir",
    "quote",
    "time_zone",
]

StrictBool = Annotated[bool, Strict()]
StrictInt = Annotated[int, Strict()]
StrictStr = Annotated[str, Strict()]

ENV_VAR_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
CHANNEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
TEMPLATE_PLACEHOLDERS = (
    "excerpt",
    "title",
    "url",
    "site",
    "author",
    "hashtags",
    "disclaimer",
    "ai_label",
)
_TELEGRAM_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")
_TELEGRAM_NUMERIC_ID = re.compile(r"-?[1-9][0-9]{0,18}")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_BOT_TOKEN_IN_URL = re.compile(r"/bot\d+:")


def quote(value: object) -> str:
    """A value as it would be written in TOML, shortened to fit on one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return '"' + shown.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def config_dir(info: ValidationInfo) -> Path:
    """The folder relative paths start from: the config file's, else the current folder."""
    folder = (info.context or {}).get("config_dir")
    return Path(folder) if folder is not None else Path.cwd()


# --- durations -------------------------------------------------------------------------------


def _to_duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f'{value} has no unit (write "{value}s" for seconds, "{value}m" for minutes)'
        )
    if not isinstance(value, str):
        raise ValueError(f"expected a duration in quotes, got {quote(value)} ({DURATION_HINT})")
    return parse_duration(value)


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError('must be longer than 0s (write a duration such as "10m")')
    return value


_DURATION_SCHEMA = {
    "type": "string",
    "pattern": r"^\s*(\d+\s*w\s*)?(\d+\s*d\s*)?(\d+\s*h\s*)?(\d+\s*m\s*)?(\d+\s*s\s*)?$",
    "examples": ["90s", "10m", "2h", "90d", "1h30m"],
}

Duration = Annotated[
    timedelta,
    BeforeValidator(_to_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema(_DURATION_SCHEMA),
]
PositiveDuration = Annotated[Duration, AfterValidator(_positive)]


# --- time zones ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def _zone_hint(name: str) -> str:
    names = _zone_names()
    by_lower = {n.lower(): n for n in names}
    guess = by_lower.get(name.lower())
    if guess is None:
        city = name.rsplit("/", 1)[-1].replace(" ", "_").lower()
        guess = next((n for n in names if n.lower().endswith("/" + city)), None)
    if guess is None:
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.7)
        guess = close[0] if close else None
    if guess is not None:
        return f'did you mean "{guess}"?'
    return 'write an IANA time zone name such as "Europe/Berlin", "America/New_York" or "UTC"'


def time_zone(name: str) -> str:
    """`name` if it is an IANA time zone, else ValueError with a hint."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"{quote(name)} is not a time zone ({_zone_hint(name)})") from None
    return name


TimeZoneName = Annotated[
    StrictStr,
    AfterValidator(time_zone),
    WithJsonSchema({"type": "string", "examples": ["UTC", "Europe/Berlin", "America/New_York"]}),
]


# --- names -----------------------------------------------------------------------------------


def _env_var_name(name: str) -> str:
    # Never quote the value: users paste the secret itself here by mistake.
    if not ENV_VAR_NAME.fullmatch(name):
        raise ValueError(
            "must be the name of an environment variable: capital letters, digits and _, "
            'such as "TELEGRAM_BOT_TOKEN" (put the secret itself in that variable, not here)'
        )
    return name


EnvVarName = Annotated[
    StrictStr,
    AfterValidator(_env_var_name),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z_][A-Z0-9_]*$"}),
]


def _channel_name(name: str) -> str:
    if not CHANNEL_NAME.fullmatch(name):
        fixed = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-_") or "news"
        raise ValueError(
            f'channel names use letters, digits, "-" and "_" (rename it, e.g. to "{fixed}")'
        )
    return name


ChannelName = Annotated[str, AfterValidator(_channel_name)]


# --- paths and URLs --------------------------------------------------------------------------


def _non_empty_path(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        raise ValueError('is empty (write a path such as "var/excerpt-bot.log")')
    if not isinstance(value, str | Path):
        raise ValueError(f"expected a path in quotes, got {quote(value)}")
    return value


def _resolve_path(value: Path, info: ValidationInfo) -> Path:
    path = value.expanduser()
    if not path.is_absolute():
        path = config_dir(info) / path
    return Path(os.path.normpath(path))


ConfigPath = Annotated[
    Path,
    BeforeValidator(_non_empty_path),
    AfterValidator(_resolve_path),
    WithJsonSchema({"type": "string", "description": "relative to the config file's folder"}),
]


def _database(value: str, info: ValidationInfo) -> str:
    # Never quote the value: a database URL may carry a password.
    if not value.strip():
        raise ValueError('is empty (write a path such as "var/excerpt-bot.sqlite3" or a URL)')
    if not _URL_SCHEME.match(value):
        return str(_resolve_path(Path(value), info))
    parts = urlsplit(value)
    if parts.password:
        raise ValueError(
            "the URL holds a password, and secrets are not read from the config file "
            "(leave it out of the URL, and set PGPASSWORD, use ~/.pgpass, or name the "
            "variable holding it with database_password_env)"
        )
    if not parts.scheme.startswith("sqlite"):
        return value
    # sqlite:///relative/file.db is relative; sqlite:////abs/file.db and sqlite:// are not.
    path = value[len(parts.scheme) + len("://") :]
    if not path.startswith("/") or path in ("/", "/:memory:") or path.startswith("//"):
        return value
    file, sep, query = path[1:].partition("?")
    return f"{parts.scheme}:///{_resolve_path(Path(file), info)}{sep}{query}"


DatabaseLocation = Annotated[
    StrictStr,
    AfterValidator(_database),
    WithJsonSchema(
        {
            "type": "string",
            "examples": ["var/excerpt-bot.sqlite3", "postgresql://bot@localhost/excerpt_bot"],
        }
    ),
]


def _http_url(value: str) -> str:
    # Never quote the value: a Bot API URL may carry the bot token.
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError('must be an http:// or https:// URL such as "http://127.0.0.1:8081"')
    if parts.username or parts.password or _BOT_TOKEN_IN_URL.search(parts.path):
        raise ValueError(
            "must not contain credentials, and secrets are not read from the config file "
            "(write only the server's address; the bot adds the token from the environment)"
        )
    if parts.query or parts.fragment:
        raise ValueError('must not have a query or fragment (write e.g. "http://127.0.0.1:8081")')
    return value.rstrip("/")


HttpBaseUrl = Annotated[
    StrictStr,
    AfterValidator(_http_url),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://"}),
]


# --- platform values -------------------------------------------------------------------------


def _chat_id(value: object) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool) and value != 0:
        return value
    if isinstance(value, str):
        text = value.strip()
        if _TELEGRAM_USERNAME.fullmatch(text):
            return text
        if _TELEGRAM_NUMERIC_ID.fullmatch(text):
            return int(text)
    raise ValueError(
        f"{quote(value)} is not a Telegram chat id "
        '(write "@channel_name" or a numeric id such as -1001234567890)'
    )


ChatId = Annotated[
    int | str,
    BeforeValidator(_chat_id),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer"},
                {"type": "string", "pattern": r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-?[1-9][0-9]*)$"},
            ],
            "examples": ["@my_channel", -1001234567890],
        }
    ),
]


def _check_schedule_syntax(kind: Literal["cron", "slot"], text: str) -> bool:
    """Check cron or slot syntax with `bot.schedule`, the module that interprets it.

    True once checked there (its ValueError, one line, propagates); False when `bot.schedule`
    does not expose the parser, and only the shape is checked here. Imported lazily:
    `bot.schedule` is heavier than the config, and may one day import it.
    """
    try:
        schedule = importlib.import_module("bot.schedule")
    except ModuleNotFoundError as exc:
        if exc.name == "bot.schedule":
            return False
        raise
    parse = getattr(schedule, "parse_cron" if kind == "cron" else "parse_slot", None)
    if parse is None:
        return False
    parse(text)
    return True


def _cron(value: str) -> str:
    if _check_schedule_syntax("cron", value):
        return " ".join(value.split())
    fields = value.split()
    if len(fields) != 5:
        raise ValueError(
            f"{quote(value)} has {len(fields)} fields, a cron expression has 5: "
            'minute hour day-of-month month day-of-week (write e.g. "30 8 * * mon-fri")'
        )
    return " ".join(fields)


def _slot(value: str) -> str:
    if not _check_schedule_syntax("slot", value) and not value.strip():
        raise ValueError('is empty (write days then HH:MM, e.g. "mon-fri 08:30")')
    return " ".join(value.split())


CronExpression = Annotated[
    StrictStr,
    AfterValidator(_cron),
    WithJsonSchema({"type": "string", "examples": ["30 8 * * mon-fri", "0 9,13,17 * * *"]}),
]
SlotText = Annotated[
    StrictStr,
    AfterValidator(_slot),
    WithJsonSchema({"type": "string", "examples": ["mon-fri 08:30", "sat 10:00"]}),
]


def _non_empty_list(value: object) -> object:
    if isinstance(value, list | tuple) and not value:
        raise ValueError('is empty (write e.g. ["mon-fri 08:30", "sat 10:00"])')
    return tuple(value) if isinstance(value, list) else value


SlotList = Annotated[
    tuple[SlotText, ...],
    BeforeValidator(_non_empty_list, json_schema_input_type=list[str]),
]


def _template(value: str) -> str:
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(value)
            if name is not None
        ]
    except ValueError as exc:
        raise ValueError(f"{exc} (write {{{{ and }}}} for literal braces)") from None
    for name, spec, conversion in fields:
        if name not in TEMPLATE_PLACEHOLDERS:
            close = difflib.get_close_matches(name, TEMPLATE_PLACEHOLDERS, n=1)
            hint = f'did you mean "{{{close[0]}}}"?' if close else _placeholder_list()
            raise ValueError(f'unknown placeholder "{{{name}}}" ({hint})')
        if spec or conversion:
            raise ValueError(f'"{{{name}}}" takes no "!" or ":" (write just {{{name}}})')
    names = {name for name, _, _ in fields}
    if "excerpt" not in names:
        raise ValueError("has no {excerpt} placeholder (add {excerpt} where the excerpt goes)")
    if "url" not in names:
        raise ValueError("has no {url} placeholder (add {url}: every post links to its article)")
    _check_with_renderer(value)
    return value


def _check_with_renderer(value: str) -> None:
    """Whatever else the renderer refuses, refused here too, so a loaded template renders."""
    try:
        template = importlib.import_module("bot.render.template")
    except ModuleNotFoundError as exc:
        if exc.name in ("bot.render", "bot.render.template"):
            return
        raise
    try:
        template.parse_template(value)
    except RenderError as exc:
        raise ValueError(str(exc)) from None


def _placeholder_list() -> str:
    return "use " + ", ".join("{" + name + "}" for name in TEMPLATE_PLACEHOLDERS)


PostTemplate = Annotated[StrictStr, AfterValidator(_template)]


def _globs(value: object) -> object:
    items = [value] if isinstance(value, str) else value
    if isinstance(items, list | tuple):
        if not items or any(isinstance(i, str) and not i.strip() for i in items):
            raise ValueError('has an empty pattern (write e.g. ["health/*.md"])')
        return tuple(items)
    return items


ArticleGlobs = Annotated[
    tuple[StrictStr, ...],
    BeforeValidator(_globs, json_schema_input_type=str | list[str]),
]
