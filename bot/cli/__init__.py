"""The `excerpt-bot` command line: thin commands over the library, one module each."""

from bot.cli.app import cli, main
from bot.cli.preview import preview
from bot.cli.run import run

for command in (preview, run):
    cli.add_command(command)

__all__ = ["cli", "main"]
