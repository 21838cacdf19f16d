"""The one TOML config file: read with tomllib, validated by pydantic into a frozen `Config`.

    load_config(path)            -> Config, or ConfigProblems listing every problem
    Config                       .bot (BotSettings), .defaults, .channels {name: channel}
      channel settings           one model per platform (`bot.platforms.<name>`), chosen by
                                 `platform`, each a `ChannelSettings` with .schedule
      Schedule                   one of cron / every / slots, with timezone and jitter
      .sources                   [[sources]]: Source (a feed, its poll interval, filters)
      .web                       [web]: WebSettings (the web console's address, its token)
    resolve_secrets(channel, environ)    the channel's secrets from environment variables
    default_config_path(environ, cwd)    $EXCERPT_BOT_CONFIG, else ./excerpt-bot.toml
    config_json_schema()         the JSON Schema, for editors
    render_init_config()         the commented starter config `excerpt-bot init` writes

`ConfigProblems` is a `bot.errors.ConfigError` whose message has one line per problem,
`FILE: KEY.PATH: what is wrong (how to fix)`; the same lines are in `.problems`.

The names are imported on first use: the platform modules build their settings on
`bot.config.channels`, and the whole config is built from the platform modules.
"""

from __future__ import annotations

from bot.lazy import lazy_exports

_EXPORTS = {
    "CONFIG_ENV_VAR": "bot.config.load",
    "DEFAULT_CONFIG_NAME": "bot.config.load",
    "config_json_schema": "bot.config.load",
    "default_config_path": "bot.config.load",
    "load_config": "bot.config.load",
    "parse_config": "bot.config.load",
    "render_init_config": "bot.config.load",
    "resolve_secrets": "bot.config.load",
    "secret_env_vars": "bot.config.load",
    "BotSettings": "bot.config.models",
    "Channel": "bot.config.models",
    "ChannelDefaults": "bot.config.models",
    "Config": "bot.config.models",
    "ChannelSettings": "bot.config.channels",
    "Schedule": "bot.config.channels",
    "Utm": "bot.config.channels",
    "Source": "bot.config.sources",
    "SiteSettings": "bot.config.site",
    "WebSettings": "bot.config.web",
    "ConfigProblems": "bot.config.problems",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
