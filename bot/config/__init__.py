"""The one TOML config file: read with tomllib, validated by pydantic into a frozen `Config`.

    load_config(path)            -> Config, or ConfigProblems listing every problem
    Config                       .bot (BotSettings), .defaults, .channels {name: channel}
      ConsoleChannel | TelegramChannel | XChannel   (by `platform`), each with .schedule
      Schedule                   one of cron / every / slots, with timezone and jitter
      .sources                   [[sources]]: Source (a feed, its poll interval, filters)
    resolve_secrets(channel, environ)    the channel's secrets from environment variables
    default_config_path(environ, cwd)    $EXCERPT_BOT_CONFIG, else ./excerpt-bot.toml
    config_json_schema()         the JSON Schema, for editors
    render_init_config()         the commented starter config `excerpt-bot init` writes

`ConfigProblems` is a `bot.errors.ConfigError` whose message has one line per problem,
`FILE: KEY.PATH: what is wrong (how to fix)`; the same lines are in `.problems`.
"""

from bot.config.load import (
    CONFIG_ENV_VAR,
    DEFAULT_CONFIG_NAME,
    config_json_schema,
    default_config_path,
    load_config,
    parse_config,
    render_init_config,
    resolve_secrets,
    secret_env_vars,
)
from bot.config.models import (
    PLATFORMS,
    BotSettings,
    Channel,
    ChannelBase,
    ChannelDefaults,
    Config,
    ConsoleChannel,
    Schedule,
    Source,
    TelegramChannel,
    Utm,
    XChannel,
)
from bot.config.problems import ConfigProblems

__all__ = [
    "CONFIG_ENV_VAR",
    "DEFAULT_CONFIG_NAME",
    "PLATFORMS",
    "BotSettings",
    "Channel",
    "ChannelBase",
    "ChannelDefaults",
    "Config",
    "ConfigProblems",
    "ConsoleChannel",
    "Schedule",
    "Source",
    "TelegramChannel",
    "Utm",
    "XChannel",
    "config_json_schema",
    "default_config_path",
    "load_config",
    "parse_config",
    "render_init_config",
    "resolve_secrets",
    "secret_env_vars",
]
