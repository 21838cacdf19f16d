"""The `excerpt-bot` command line: thin commands over the library, one module each.

Each command's module is imported only when that command runs; `excerpt-bot --help` lists
them from SUMMARIES (the first line of each command's help, kept equal to it by a test)
and imports none.
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
    "spend": "bot.cli.spend:spend",
    "pause": "bot.cli.operate:pause",
    "resume": "bot.cli.operate:resume",
    "retry": "bot.cli.operate:retry",
    "skip": "bot.cli.operate:skip",
    "resolve": "bot.cli.operate:resolve",
    "approve": "bot.cli.operate:approve",
    "pin": "bot.cli.operate:pin",
    "send-now": "bot.cli.send_now:send_now",
    "compose": "bot.cli.compose:compose",
    "web": "bot.cli.web:web",
    "migrate-store": "bot.cli.migrate_store:migrate_store",
}
SUMMARIES = {
    "init": "Write a commented starter config.",
    "check": "Check the config and the secrets it names.",
    "config-schema": "Print the config file's JSON Schema.",
    "add": "Ingest article files, folders and web pages now.",
    "preview": "Show the posts an article would give, best first.",
    "poll": "Poll the [[sources]] feeds now.",
    "plan": "Show the coming slots and what would go out in each.",
    "queue": "List queued posts and posts waiting for approval.",
    "run": "Run the daemon: post on every channel's schedule until SIGTERM or Ctrl-C.",
    "migrate-store": "Copy the SQLite store into an empty PostgreSQL database.",
    "status": "Show each channel's state, and each feed's.",
    "history": "List posts, newest first.",
    "spend": "Show what posting cost, per channel and per day.",
    "pause": "Stop posting on a channel.",
    "resume": "Post on a channel again.",
    "retry": "Queue a post again.",
    "skip": "Never send a post.",
    "resolve": "Settle a post whose send was interrupted.",
    "approve": "Let posts waiting for approval go out.",
    "pin": "Make a post the next to go out on its channel.",
    "send-now": "Send a queued post at once.",
    "compose": "Queue a post of your own words on a channel.",
    "web": "Serve the web console until Ctrl-C or SIGTERM.",
}
cli.lazy.update(COMMANDS)
cli.summaries.update(SUMMARIES)

__all__ = ["COMMANDS", "SUMMARIES", "cli", "main"]
