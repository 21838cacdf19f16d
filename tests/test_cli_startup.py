"""`excerpt-bot --help` and `--version` start without importing any command or heavy library."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.cli import COMMANDS, SUMMARIES, cli

HEAVY = ("sqlalchemy", "pydantic", "rich", "apscheduler", "trafilatura", "httpx", "telegram",
         "tweepy", "atproto", "mastodon")

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
    done = subprocess.run([sys.executable, "-c", PROBE.format(arg=arg)], capture_output=True,
                          text=True, timeout=60, check=True)
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    commands = {target.partition(":")[0] for target in COMMANDS.values()}
    assert not loaded & commands
    assert not [name for name in loaded if name.split(".")[0] in HEAVY]
    assert "excerpt-bot" in done.stdout


def test_help_lists_every_command_with_its_own_first_line():
    assert set(SUMMARIES) == set(COMMANDS), (
        "every command in bot.cli.COMMANDS needs its help's first line in bot.cli.SUMMARIES")
    for name in COMMANDS:
        command = cli.get_command(None, name)
        assert SUMMARIES[name] == command.get_short_help_str(limit=1_000), name
