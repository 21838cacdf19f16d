"""Turning pydantic's validation errors into the lines a user reads.

Each line is `FILE: KEY.PATH: what is wrong (how to fix)`. Key paths are written the way the
TOML file is (`channels.news.schedule.every`, `channels.news.schedule[1].cron`), errors in
keys a channel took from `[defaults]` are reported once at `defaults.KEY`, and no value is
ever quoted for a key whose name suggests a secret.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from bot.config.models import (
    PLATFORMS,
    BotSettings,
    ChannelDefaults,
    Config,
    Schedule,
    Source,
    Utm,
)
from bot.config.types import quote
from bot.errors import ConfigError

__all__ = ["ConfigProblems", "describe_errors", "format_key_path", "is_secret_key"]

# Keys that hold a secret: never read from the file, never echoed.
_SECRET_KEY = re.compile(
    r"(^|_)(token|secret|password|passwd|bearer_token|api_key|key|credentials?)$", re.IGNORECASE
)
# Keys whose value is not quoted in a message: secrets, and the names that point at them.
_SECRETISH_KEY = re.compile(r"token|secret|password|passwd|key|bearer|credential", re.IGNORECASE)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")

_MISSING_EXAMPLES = {
    "schedule": 'schedule = { every = "1h" }',
    "chat_id": 'chat_id = "@my_channel"',
    "feed": 'feed = "https://example.org/feed/"',
    "channels": (
        'a [channels.console] table with platform = "console" and schedule = { every = "1h" }'
    ),
}
# What a value should have been, and how to write one.
_TYPE_NAMES = {
    "bool": ("true or false", "write true or false, without quotes"),
    "int": ("a whole number", "write the number without quotes"),
    "string": ("a string", 'put it in double quotes, e.g. "text"'),
    "dict": ("a table", "write [section] or key = { ... }"),
    "model": ("a table", "write [section] or key = { ... }"),
    "model_attributes": ("a table", "write [section] or key = { ... }"),
    "list": ("a list", 'write e.g. ["a", "b"]'),
    "tuple": ("a list", 'write e.g. ["a", "b"]'),
    "path": ("a path", 'put it in double quotes, e.g. "var/excerpt-bot.log"'),
}


class ConfigProblems(ConfigError):
    """Every problem found in one config file, one line each (also in `problems`)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(dict.fromkeys(problems))
        super().__init__("\n".join(self.problems))


def is_secret_key(key: str) -> bool:
    """Whether a key's name says it holds a secret (`token`, `api_key`, ... but not `*_env`)."""
    return not key.lower().endswith("_env") and bool(_SECRET_KEY.search(key))


def format_key_path(parts: Sequence[str | int]) -> str:
    """`("channels", "my news", "schedule", 0)` -> `channels."my news".schedule[0]`."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            key = part if _BARE_KEY.fullmatch(part) else quote(part)
            text += f".{key}" if text else key
    return text


def describe_errors(error: ValidationError, raw: dict[str, Any]) -> list[str]:
    """One "KEY.PATH: what is wrong (how to fix)" line per problem, in file order, no repeats."""
    described = []
    for err in error.errors(include_url=False):
        path = _display_path(tuple(err["loc"]), raw)
        described.append((_file_order(path, raw), _describe(err, path, raw)))
    described.sort(key=lambda item: item[0])
    return list(dict.fromkeys(line for _, line in described))


def _describe(err: Any, path: list[str | int], raw: dict[str, Any]) -> str:
    loc = tuple(err["loc"])
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    where = format_key_path(path) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"{where}: {_unknown_key(loc, key, _get(raw, *path), raw)}"
    if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return f"{format_key_path((*path, 'platform'))}: {_bad_platform(err)}"
    return f"{where}: {_what_is_wrong(err, key)}"


def _file_order(path: list[str | int], raw: dict[str, Any]) -> tuple[int, ...]:
    """Where a key path sits in the file (tomllib keeps keys in file order); missing keys last."""
    order, node = [], raw
    for part in path:
        if isinstance(node, dict) and part in node:
            order.append(list(node).index(part))
        elif isinstance(node, list) and isinstance(part, int):
            order.append(part)
        else:
            order.append(1_000_000)
        node = _get(node, part)
    return tuple(order)


# --- where: from pydantic's location to the key path the user wrote --------------------------


def _display_path(loc: tuple[str | int, ...], raw: dict[str, Any]) -> list[str | int]:
    parts = [p for p in loc if p != "[key]"]  # pydantic's marker for "the key itself"
    # Errors inside a channel carry the platform (the union's tag) as a location step.
    if len(parts) >= 3 and parts[0] == "channels" and parts[2] in PLATFORMS:
        del parts[2]
    if len(parts) >= 3 and parts[0] == "channels":
        channel = _get(raw, "channels", parts[1])
        defaults = raw.get("defaults")
        if (
            isinstance(channel, dict)
            and parts[2] not in channel
            and isinstance(defaults, dict)
            and parts[2] in defaults
        ):
            parts = ["defaults", *parts[2:]]
    # A single schedule table was validated as a list of one: drop the index it never had.
    shown: list[str | int] = []
    node: Any = raw
    for part in parts:
        if isinstance(part, int) and not isinstance(node, list):
            continue
        shown.append(part)
        node = _get(node, part)
    return shown


def _get(node: Any, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(node, dict) and isinstance(key, str):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return None
    return node


# --- what: one clause and a fix for each kind of error ---------------------------------------


def _valid_keys(loc: tuple[str | int, ...]) -> tuple[list[str], str | None]:
    """The keys allowed where `loc` points, and the channel's platform if inside a channel."""
    section = [p for p in loc[:-1] if isinstance(p, str)]
    platform = _platform_at(loc)
    inner = section[3:] if platform else section[1:]
    if "schedule" in inner:
        return list(Schedule.model_fields), platform
    if "utm" in inner:
        return list(Utm.model_fields), platform
    if section == ["bot"]:
        return list(BotSettings.model_fields), None
    if section == ["sources"]:
        return list(Source.model_fields), None
    if section == ["defaults"]:
        return list(ChannelDefaults.model_fields), None
    if section == ["admin"]:
        from bot.config.admin import AdminSettings

        return list(AdminSettings.model_fields), None
    if platform in PLATFORMS:
        return list(PLATFORMS[platform].settings.model_fields), platform
    return list(Config.model_fields), None


def _unknown_key(loc: tuple[str | int, ...], key: str, value: object, raw: dict[str, Any]) -> str:
    platform = _platform_at(loc)
    declared = platform is not None and key.lower() in PLATFORMS[platform].literal_secrets
    if is_secret_key(key) or declared:  # a webhook's `url` is a secret on its platform only
        return _literal_secret(loc, key, raw)
    valid, platform = _valid_keys(loc)
    what = "unknown table" if isinstance(value, dict) else "unknown key"
    if platform is not None:
        owners = [p for p, declared in PLATFORMS.items() if key in declared.settings.model_fields]
        if owners:
            kinds = _either(owners, "and")
            return f'"{platform}" channels do not take this key (only {kinds} channels do)'
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    if close:
        return f'{what} (did you mean "{close[0]}"?)'
    return f"{what} (remove it; the keys here are {', '.join(valid)})"


def _literal_secret(loc: tuple[str | int, ...], key: str, raw: dict[str, Any]) -> str:
    platform = _platform_at(loc)
    in_defaults = loc[0] == "defaults"
    owners = [PLATFORMS[platform]] if platform else list(PLATFORMS.values()) if in_defaults else []
    hint = next(
        ((p, p.literal_secrets[key.lower()]) for p in owners if key.lower() in p.literal_secrets),
        None,
    )
    if hint is None and loc[0] == "admin":
        return (
            "secrets are not read from the config file (set token_env = "
            '"TELEGRAM_BOT_TOKEN" and export it)'
        )
    if hint is None:
        where = "in an environment variable and name that variable in the channel's *_env key"
        fix = (
            f"put it {where}"
            if loc[0] in ("channels", "defaults")
            else "remove it; excerpt-bot reads secrets only from environment variables"
        )
        return f"secrets are not read from the config file ({fix})"
    owner, env_key = hint
    env_name = owner.settings.model_fields[env_key].default or (
        f"{owner.name}_{env_key.removesuffix('_env')}".upper()
    )
    written = _get(raw, *loc[:2], env_key) if platform else None
    if isinstance(written, str) and re.fullmatch(r"[A-Z_][A-Z0-9_]*", written):
        env_name = written
    return f'secrets are not read from the config file (set {env_key} = "{env_name}" and export it)'


def _platform_at(loc: tuple[str | int, ...]) -> str | None:
    """The platform of the channel an error is inside (pydantic puts it in the location)."""
    inside_channel = len(loc) >= 4 and loc[0] == "channels" and loc[2] in PLATFORMS
    return str(loc[2]) if inside_channel else None


def _either(words: Sequence[str], conjunction: str = "or") -> str:
    quoted = [f'"{w}"' for w in words]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {conjunction} {quoted[-1]}"


def _bad_platform(err: Any) -> str:
    choices = _either(tuple(PLATFORMS))
    if err["type"] == "union_tag_not_found":
        return f"required key is missing (add platform = {choices})"
    tag = err.get("ctx", {}).get("tag", "")
    if tag in _rendered_only():
        return (
            f"{quote(tag)} is not supported yet (use {choices}; a console channel with "
            f'render_as = "{tag}" shows how its posts would look)'
        )
    close = difflib.get_close_matches(tag, tuple(PLATFORMS), n=1, cutoff=0.5)
    hint = f'did you mean "{close[0]}"?' if close else f"write {choices}"
    return f"{quote(tag)} is not a platform ({hint})"


def _rendered_only() -> set[str]:
    """Platforms posts can be rendered for (console's `render_as`) but not sent to yet."""
    from bot.render import PROFILES

    return {p.name for p in PROFILES.values()} - set(PLATFORMS) - {"telegram_caption"}


def _what_is_wrong(err: Any, key: str) -> str:
    kind, ctx = err["type"], err.get("ctx", {})
    shown = "" if _SECRETISH_KEY.search(key) else f", got {quote(err['input'])}"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", err["msg"]))
    if key == "channels" and kind in ("missing", "too_short"):
        return f"no channels (add {_MISSING_EXAMPLES['channels']})"
    if kind == "missing":
        example = _MISSING_EXAMPLES.get(key)
        if key == "platform":
            example = f"platform = {_either(tuple(PLATFORMS))}"
        return f"required key is missing (add {example or key + ' = ...'})"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", '"')
        value = "this value" if not shown else quote(err["input"])
        return f"{value} is not allowed (write {expected})"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return _out_of_range(kind, ctx, shown, key)
    if kind == "too_short" and ctx.get("actual_length") == 0:
        return "is empty (add at least one)"
    type_name = kind.removesuffix("_type").removesuffix("_parsing").removesuffix("_from_float")
    if type_name == "int" and isinstance(err["input"], float):
        return f"expected a whole number{shown} (drop the fraction)"
    if type_name in _TYPE_NAMES:
        what, fix = _TYPE_NAMES[type_name]
        return f"expected {what}{shown} ({fix})"
    return f"{err['msg']}{shown}"


def _out_of_range(kind: str, ctx: dict[str, Any], shown: str, key: str) -> str:
    words = {
        "greater_than_equal": "at least",
        "greater_than": "more than",
        "less_than_equal": "at most",
        "less_than": "less than",
    }
    limit = next(iter(ctx.values()), "")
    fix = " (leave it out for no daily limit)" if key == "max_per_day" else ""
    return f"must be {words[kind]} {limit}{shown}{fix}"
