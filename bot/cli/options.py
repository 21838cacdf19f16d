"""Options shared by the commands that work on a configured bot."""

from __future__ import annotations

import os
from pathlib import Path

import click

from bot.config import Config, default_config_path, load_config


def config_option(command):
    """`--config FILE` (default: $EXCERPT_BOT_CONFIG, else ./excerpt-bot.toml)."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        metavar="FILE",
        help="The config file (default: $EXCERPT_BOT_CONFIG, else ./excerpt-bot.toml).",
    )(command)


def resolve_config_path(config_path: Path | None) -> Path:
    return config_path or default_config_path(os.environ, Path.cwd())


def load(config_path: Path | None) -> Config:
    """The validated config; a bad one raises ConfigError (one line per problem)."""
    return load_config(resolve_config_path(config_path))
