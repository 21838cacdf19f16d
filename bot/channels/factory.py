"""Building a channel from its configuration: the one place that knows every platform."""

from __future__ import annotations

import sys
from collections.abc import Mapping

from bot.channels.base import Channel
from bot.channels.console import ConsoleChannel
from bot.config import Channel as ChannelConfig
from bot.config import resolve_secrets
from bot.errors import ConfigError
from bot.logs import register_secrets


def build_channel(config: ChannelConfig, environ: Mapping[str, str]) -> Channel:
    """The channel `config` describes, with its secrets read from `environ` (and redacted)."""
    secrets = resolve_secrets(config, environ)
    register_secrets(*secrets.values())
    if config.platform == "console":
        echo = sys.stdout if sys.stdout.isatty() else None
        return ConsoleChannel(config.name, render_as=config.render_as, outbox=config.outbox,
                              echo=echo)
    if config.platform == "telegram":
        from bot.channels.telegram import TelegramChannel

        return TelegramChannel(
            config.name, token=secrets["token"], chat_id=config.chat_id,
            api_base_url=config.api_base_url, link_preview=config.link_preview,
            disable_notification=config.disable_notification,
            timeout=config.timeout.total_seconds(),
        )
    if config.platform == "x":
        from bot.channels.x import XChannel

        return XChannel(config.name, **secrets, api_base_url=config.api_base_url,
                        timeout=config.timeout.total_seconds())
    raise ConfigError(  # the config accepts only the platforms above; a guard for new ones
        f"channels.{config.name}.platform: {config.platform!r} channels cannot post yet"
    )
