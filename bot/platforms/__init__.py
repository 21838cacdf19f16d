"""The platforms: one module each, found here, so nothing else lists them.

    PLATFORMS                 {name: Platform}, every module of this package with a PLATFORM
    platform(name)            one of them (KeyError when there is none)
    build_channel(settings, environ)   the channel a channel's settings describe, its secrets
                              read from the environment (and registered for redaction)
    Channel, Delivery, OutgoingPost, Platform, Capabilities, Quota(s)   (bot.platforms.base)

Modules are imported in name order; a module whose name starts with "_" and `base` are
not platforms.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.platforms.base import (
    Capabilities,
    Channel,
    Delivery,
    OutgoingPost,
    Platform,
    Quota,
    Quotas,
)

if TYPE_CHECKING:
    from bot.config.channels import ChannelSettings

__all__ = [
    "PLATFORMS",
    "Capabilities",
    "Channel",
    "Delivery",
    "OutgoingPost",
    "Platform",
    "Quota",
    "Quotas",
    "build_channel",
    "platform",
]


def _discover() -> dict[str, Platform]:
    found: dict[str, Platform] = {}
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name.startswith("_") or module.name == "base":
            continue
        declared = getattr(importlib.import_module(f"{__name__}.{module.name}"), "PLATFORM", None)
        if isinstance(declared, Platform):
            found[declared.name] = declared
    return found


PLATFORMS: dict[str, Platform] = _discover()


def platform(name: str) -> Platform:
    """The platform called `name`."""
    return PLATFORMS[name]


def build_channel(settings: ChannelSettings, environ: Mapping[str, str]) -> Channel:
    """The channel `settings` describe, with its secrets read from `environ` (and redacted).

    Raises `ConfigProblems` naming every secret variable that is unset or empty.
    """
    from bot.config.load import resolve_secrets
    from bot.logs import register_secrets

    secrets = resolve_secrets(settings, environ)
    register_secrets(*secrets.values())
    return PLATFORMS[settings.platform].connect(settings, secrets)
