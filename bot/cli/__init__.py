"""The `excerpt-bot` command line: thin commands over the library, one module each."""

from bot.cli.add import add
from bot.cli.app import cli, main
from bot.cli.listing import history, queue
from bot.cli.operate import approve, pause, resolve, resume, retry, skip
from bot.cli.plan import plan
from bot.cli.preview import preview
from bot.cli.run import run
from bot.cli.setup import check, config_schema, init
from bot.cli.status import status

for command in (
    init, check, config_schema, add, preview, plan, queue, run, status, history,
    pause, resume, retry, skip, resolve, approve,
):
    cli.add_command(command)

__all__ = ["cli", "main"]
