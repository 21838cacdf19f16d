"""The `excerpt-bot` command line: thin commands over the library, one module each.

Each command's module is imported only when that command runs.
"""

from bot.cli.app import cli, main

COMMANDS = {
    "init": "bot.cli.setup:init",
    "check": "bot.cli.setup:check",
    "config-schema": "bot.cli.setup:config_schema",
    "add": "bot.cli.add:add",
    "preview": "bot.cli.preview:preview",
    "poll": "bot.cli.poll:poll",
    "plan": "bot.cli.plan:plan",
    "queue": "bot.cli.listing:queue",
    "run": "bot.cli.run:run",
    "status": "bot.cli.status:status",
    "history": "bot.cli.listing:history",
    "pause": "bot.cli.operate:pause",
    "resume": "bot.cli.operate:resume",
    "retry": "bot.cli.operate:retry",
    "skip": "bot.cli.operate:skip",
    "resolve": "bot.cli.operate:resolve",
    "approve": "bot.cli.operate:approve",
}
cli.lazy.update(COMMANDS)

__all__ = ["COMMANDS", "cli", "main"]
