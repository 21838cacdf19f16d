"""`excerpt-bot --help` and `--version` start without importing any command or heavy library."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import COMMANDS, SUMMARIES, cli
from tests.test_cli_operate_support import error_lines

HEAVY = (
    "sqlalchemy",
    "pydantic",
    "rich",
    "apscheduler",
    "trafilatura",
    "httpx",
    "telegram",
    "tweepy",
    "atproto",
    "mastodon",
)

PROBE = """
import json, sys
from bot.cli import cli
try:
    cli.main([{arg!r}], prog_name="excerpt-bot")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("arg", ["--help", "--version"])
def test_help_and_version_import_no_command_and_no_heavy_library(arg):
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(arg=arg)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    commands = {target.partition(":")[0] for target in COMMANDS.values()}
    assert not loaded & commands
    assert not [name for name in loaded if name.split(".")[0] in HEAVY]
    assert "excerpt-bot" in done.stdout


def test_help_lists_every_command_with_its_own_first_line():
    assert set(SUMMARIES) == set(COMMANDS), (
        "every command in bot.cli.COMMANDS needs its help's first line in bot.cli.SUMMARIES"
    )
    for name in COMMANDS:
        command = cli.get_command(None, name)
        assert SUMMARIES[name] == command.get_short_help_str(limit=1_000), name


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["history", "--status", "lost"],
            "invalid value for '--status': 'lost' is not one of 'queued', 'pending_approval', "
            "'sending', 'sent', 'failed', 'unknown', 'skipped', 'cancelled' "
            "(see excerpt-bot history --help)",
        ),
        (["queue", "--bogus"], "no such option '--bogus' (see excerpt-bot queue --help)"),
        (["retry"], "missing argument 'ID' (see excerpt-bot retry --help)"),
        (
            ["retry", "0"],
            "invalid value for 'ID': 0 is not in the range x>=1 (see excerpt-bot retry --help)",
        ),
        (["frobnicate"], "no such command 'frobnicate' (see excerpt-bot --help)"),
        (["--bogus"], "no such option '--bogus' (see excerpt-bot --help)"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2_like_every_other_error(args, expected):
    result = CliRunner().invoke(cli, args, prog_name="excerpt-bot", catch_exceptions=False)
    assert error_lines(result) == [expected]
