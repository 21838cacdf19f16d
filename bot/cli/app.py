"""The command group, and how errors leave it.

Errors a user can cause (`bot.errors.UserError`, and click's usage errors: a bad option
or argument) end as one line on stderr and exit status 2; anything unexpected ends as one
line and exit status 1 (set EXCERPT_BOT_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import gc
import importlib
import os
import sys

import click

from bot import __version__
from bot.errors import UserError

USER_ERROR = 2
UNEXPECTED = 1


class CommandError(click.ClickException):
    """A one-line failure with its exit status, printed as `excerpt-bot: error: …`."""

    def __init__(self, message: str, exit_code: int = USER_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        for line in self.format_message().splitlines() or [""]:  # one line per problem
            click.echo(f"excerpt-bot: error: {line}", file=file or sys.stderr)


class UsageLine(click.UsageError):
    """click's usage error (a bad option, a missing argument) as one line, like every other."""

    def show(self, file=None) -> None:
        message = " ".join(self.format_message().split()).rstrip(".")
        message = message[:1].lower() + message[1:]
        command = self.ctx.command_path if self.ctx is not None else "excerpt-bot"
        click.echo(f"excerpt-bot: error: {message} (see {command} --help)", file=file or sys.stderr)


def _one_line(exc: click.UsageError) -> UsageLine:
    if isinstance(exc, UsageLine):
        return exc
    line = UsageLine(exc.format_message(), exc.ctx)
    line.exit_code = exc.exit_code
    return line


class ExcerptBotGroup(click.Group):
    """A click group that turns library errors into one line and an exit status.

    Commands are imported only when invoked (`lazy` maps a name to "module:attribute"), so
    `excerpt-bot status` does not pay for the HTML extractor or the scheduler, and
    `excerpt-bot --help` lists them from `summaries` (name to the first line of the
    command's help) without importing any.
    """

    def __init__(
        self,
        *args,
        lazy: dict[str, str] | None = None,
        summaries: dict[str, str] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})
        self.summaries = dict(summaries or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
            _keep_loaded_modules()
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(map(len, names))
        rows = []
        for name in names:
            if name in self.summaries and name not in self.commands:
                rows.append(
                    (name, click.utils.make_default_short_help(self.summaries[name], limit))
                )
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _one_line(exc) from exc

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _one_line(exc) from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except UserError as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:
            if os.environ.get("EXCERPT_BOT_DEBUG"):
                raise
            message = " ".join(str(exc).split()) or type(exc).__name__
            raise CommandError(
                f"unexpected {type(exc).__name__}: {message} "
                "(set EXCERPT_BOT_DEBUG=1 for the traceback)",
                UNEXPECTED,
            ) from exc


@click.group(cls=ExcerptBotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="excerpt-bot")
def cli() -> None:
    """Cut articles into short, self-contained excerpts and post them on schedules."""


def main() -> None:
    """Console-script entry point."""
    gc.disable()  # while the command's modules load: see _keep_loaded_modules
    cli.main(prog_name="excerpt-bot")


def _keep_loaded_modules() -> None:
    """Freeze what the command's modules built, and collect garbage again from here on.

    `main` turns the cyclic garbage collector off while a command's modules load: what they
    build (click, pydantic's models and validators, rich, the schedule code) lives until
    the process ends, so walking it for garbage, over and over while it loads and once
    more at exit, finds nothing and costs `excerpt-bot status` about a fifth of its time.
    Frozen, it is never walked again; what the command makes afterwards (the daemon's
    whole life) is collected as usual. Under a test's CliRunner the collector was never
    turned off, and nothing changes.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
