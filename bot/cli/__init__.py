"""The `excerpt-bot` command line: thin commands over the library, one module each."""

from bot.cli.app import cli, main
from bot.cli.preview import preview

cli.add_command(preview)

__all__ = ["cli", "main"]
