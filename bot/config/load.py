"""Reading the config file, and the few things the CLI asks of it: where it is, its secrets,
its JSON Schema, and the commented starter config `excerpt-bot init` writes.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import time, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Field, ValidationError, create_model
from pydantic.json_schema import GenerateJsonSchema

from bot.config.channels import ChannelSettings
from bot.config.models import Config
from bot.config.problems import ConfigProblems, describe_errors, format_key_path
from bot.config.template import init_config
from bot.config.types import ChannelName
from bot.durations import format_duration
from bot.platforms import PLATFORMS

__all__ = [
    "CONFIG_ENV_VAR",
    "DEFAULT_CONFIG_NAME",
    "config_json_schema",
    "default_config_path",
    "load_config",
    "parse_config",
    "render_init_config",
    "resolve_secrets",
    "secret_env_vars",
]

CONFIG_ENV_VAR = "EXCERPT_BOT_CONFIG"
DEFAULT_CONFIG_NAME = "excerpt-bot.toml"

_TOML_POSITION = re.compile(r"\s*\(at (line (\d+), column (\d+)|end of document)\)$")
_TOML_HINTS = {
    "Invalid value": 'strings need double quotes, e.g. every = "10m"',
    "Unescaped '\\' in a string": "write paths in 'single quotes' or double each backslash",
    "Cannot declare": "each table may appear only once",
    "Cannot overwrite a value": "each key may appear only once per table",
    "Expected newline or end of document": 'one key = value per line; quote strings, "10m"',
}


def load_config(path: Path) -> Config:
    """Read and validate the config file at `path`.

    Raises `ConfigProblems` (a `ConfigError`) listing every problem, one per line, each
    `FILE: KEY.PATH: what is wrong (how to fix)`.
    """
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigProblems(
            [f'{name}: no such file (run "excerpt-bot init" to write one, or pass --config FILE)']
        ) from None
    except IsADirectoryError:
        raise ConfigProblems([f"{name}: is a folder (pass the config file inside it)"]) from None
    except OSError as exc:
        raise ConfigProblems(
            [f"{name}: cannot be read: {exc.strerror} (check the file's permissions)"]
        ) from None
    try:
        # A byte-order mark (Windows editors write one) is not part of the TOML.
        raw = tomllib.loads(data.decode("utf-8").removeprefix("\ufeff"))
    except UnicodeDecodeError as exc:
        raise ConfigProblems(
            [f"{name}: not UTF-8 text (byte {exc.start}; save the file as UTF-8)"]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigProblems([f"{name}: {_describe_toml_error(exc)}"]) from None
    return parse_config(raw, source=path)


def parse_config(raw: dict[str, Any], source: Path) -> Config:
    """Validate an already-parsed TOML document; `source` names it and anchors relative paths."""
    try:
        config = _validate(raw, context={"config_dir": source.absolute().parent})
    except ValidationError as exc:
        lines = describe_errors(exc, raw)
        raise ConfigProblems([f"{source}: {line}" for line in lines]) from None
    config.attach_source(source.absolute())
    return config


def _validate(raw: dict[str, Any], *, context: dict[str, Any]) -> Config:
    """`raw` as a `Config`, building only the settings models of the platforms it names.

    When every channel names a known platform (itself, or in `[defaults]`), the channels
    are validated against those platforms' settings alone: each channel meets its own
    platform's model either way, so the errors are the same, and a config of console
    channels does not build the other platforms' models. Otherwise every platform is a
    choice, so that an unknown or missing platform is reported with all of them.
    """
    platforms = _platforms_named(raw)
    if platforms is None:
        return Config.model_validate(raw, context=context)
    narrowed = _config_of(platforms).model_validate(raw, context=context)
    return Config.model_construct(narrowed.model_fields_set, **dict(narrowed))


def _platforms_named(raw: dict[str, Any]) -> tuple[str, ...] | None:
    """The platforms `raw`'s channels name, in registry order; None when a channel names
    none or one that is not a platform (or there is no table of channels)."""
    channels, defaults = raw.get("channels"), raw.get("defaults")
    if not isinstance(channels, dict) or not channels:
        return None
    default = defaults.get("platform") if isinstance(defaults, dict) else None
    named = set()
    for channel in channels.values():
        platform = channel.get("platform", default) if isinstance(channel, dict) else None
        if not isinstance(platform, str) or platform not in PLATFORMS:
            return None
        named.add(platform)
    return tuple(name for name in PLATFORMS if name in named)


@cache
def _config_of(platforms: tuple[str, ...]) -> type[Config]:
    """`Config` whose channels take these platforms' settings only (validation only: what
    `parse_config` returns is a `Config`)."""
    settings = tuple(PLATFORMS[name].settings for name in platforms)
    channel = Annotated[Union[settings], Field(discriminator="platform")]  # noqa: UP007
    field = Config.model_fields["channels"]
    return create_model(
        "Config",
        __base__=Config,
        __module__=Config.__module__,
        channels=(dict[ChannelName, channel], Field(min_length=1, description=field.description)),
    )


def _describe_toml_error(exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    match = _TOML_POSITION.search(message)
    what = message[: match.start()] if match else message
    where = f"line {match.group(2)}, column {match.group(3)}: " if match and match.group(2) else ""
    if match and not match.group(2):
        where = "at the end of the file: "
    hint = next((h for prefix, h in _TOML_HINTS.items() if what.startswith(prefix)), None)
    return f"{where}invalid TOML: {what} ({hint or 'fix the syntax there'})"


def default_config_path(environ: Mapping[str, str], cwd: Path) -> Path:
    """$EXCERPT_BOT_CONFIG if set (relative to `cwd`), else `cwd`/excerpt-bot.toml."""
    value = environ.get(CONFIG_ENV_VAR, "").strip()
    return Path(cwd) / (Path(value).expanduser() if value else DEFAULT_CONFIG_NAME)


def secret_env_vars(channel: ChannelSettings) -> dict[str, str]:
    """The secrets a channel needs, each mapped to the environment variable that holds it
    (the platform's settings say which: see `ChannelSettings.secret_env_vars`)."""
    return channel.secret_env_vars()


def resolve_secrets(channel: ChannelSettings, environ: Mapping[str, str]) -> dict[str, str]:
    """The channel's secrets read from `environ`, keyed as in `secret_env_vars`.

    Raises `ConfigProblems` naming every variable that is unset or empty (names only).
    """
    secrets, missing = {}, []
    for secret, variable in secret_env_vars(channel).items():
        value = environ.get(variable, "")
        if value.strip():
            secrets[secret] = value
            continue
        where = format_key_path(("channels", channel.name, f"{secret}_env"))
        state = "is empty" if variable in environ else "is not set"
        prefix = f"{channel.source}: " if channel.source else ""
        missing.append(
            f"{prefix}{where}: environment variable {variable} {state} "
            "(export it, or add it to the service's EnvironmentFile)"
        )
    if missing:
        raise ConfigProblems(missing)
    return secrets


class _ConfigSchemaGenerator(GenerateJsonSchema):
    """Writes duration defaults the way users write them ("90d", not "P90D")."""

    def encode_default(self, dft: Any) -> Any:
        if isinstance(dft, timedelta):
            return format_duration(dft)
        if isinstance(dft, time):
            return f"{dft:%H:%M}"
        return super().encode_default(dft)


def config_json_schema() -> dict[str, Any]:
    """The JSON Schema of the config file, for editors (e.g. Taplo / Even Better TOML)."""
    schema = Config.model_json_schema(schema_generator=_ConfigSchemaGenerator)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "excerpt-bot configuration",
    }


def render_init_config() -> str:
    """The commented starter config that `excerpt-bot init` writes."""
    return init_config()
