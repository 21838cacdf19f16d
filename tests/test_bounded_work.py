"""Bounded work on any number: every numeric key of the config schema (integers and
durations), set to an absurd value in the reference config, and every numeric option of the
CLI, end in a result or one clear line — never minutes of CPU or gigabytes of memory.

The cases are generated from the config's JSON Schema, so a key added later is covered
without touching this file. Each case runs under pytest-timeout: a command that simulates
to the cap instead of bounding its work fails by timing out.
"""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from bot.config import config_json_schema, load_config, secret_env_vars
from tests.conftest import PROJECT
from tests.test_cli_operate_support import invoke, write_bot

REFERENCE = PROJECT / "config" / "reference.toml"
EXAMPLE = PROJECT / "posts" / "unveiling-cytokines.md"
ABSURD_INTEGERS = (10**20,)  # beyond SQLite's integers and any count
ABSURD_DURATIONS = ("1s", "5200w")  # the shortest there is, and 100 years
# pytest-timeout per case: bounded work takes well under a second (a loaded machine: more)
BOUNDED_S = 60


def _defs() -> dict[str, Any]:
    return config_json_schema()["$defs"]


def _kind(node: dict[str, Any]) -> str | None:
    """ "integer", "duration" or None for a property's schema."""
    for option in node.get("anyOf", [node]):
        if option.get("type") in ("integer", "number"):
            return "integer"
        if option.get("type") == "string" and "\\d+\\s*w" in option.get("pattern", ""):
            return "duration"
    return None


def _platform_models() -> dict[str, str]:
    mapping = config_json_schema()["properties"]["channels"]["additionalProperties"]
    return {
        platform: ref.rsplit("/", 1)[-1]
        for platform, ref in mapping["discriminator"]["mapping"].items()
    }


def numeric_keys() -> Iterator[tuple[str, str, str]]:
    """(section, key, kind): section is "bot", "sources", "schedule" or "channels" (a key
    of any platform's channels; `[defaults]` takes the same keys)."""
    defs = _defs()
    sections = {
        "bot": ["BotSettings"],
        "sources": ["Source"],
        "schedule": ["Schedule"],
        "channels": list(_platform_models().values()),
    }
    for section, names in sections.items():
        found = {
            key: _kind(node) for name in names for key, node in defs[name]["properties"].items()
        }
        yield from ((section, key, kind) for key, kind in found.items() if kind is not None)


def cases() -> list[tuple[str, str, object]]:
    out = []
    for section, key, kind in numeric_keys():
        values = ABSURD_INTEGERS if kind == "integer" else ABSURD_DURATIONS
        out += [(section, key, value) for value in values]
    return out


def absurd_config(section: str, key: str, value: object) -> dict[str, Any]:
    """The reference config with `key` set to `value` wherever `section` has it."""
    raw = tomllib.loads(REFERENCE.read_text(encoding="utf-8"))
    raw["bot"].pop("metrics_port", None)
    raw["bot"].pop("log_file", None)
    defs, models = _defs(), _platform_models()
    if section == "bot":
        raw["bot"][key] = value
    elif section == "sources":
        for source in raw["sources"]:
            source[key] = value
    for channel in raw["channels"].values():
        if section == "schedule":
            schedules = channel["schedule"]
            for schedule in schedules if isinstance(schedules, list) else [schedules]:
                if key == "jitter":
                    schedule.clear()
                    schedule["every"] = "1h" if value == "1s" else "5201w"
                schedule[key] = value
                if key == "every":
                    for other in ("cron", "slots"):
                        schedule.pop(other, None)
        elif section == "channels" and key in defs[models[channel["platform"]]]["properties"]:
            channel[key] = value
    return raw


def every_secret(path: Path) -> dict[str, str]:
    """A value for every secret the config names, so that `check` goes past them."""
    try:
        config = load_config(path)
    except Exception:
        return {}
    env = {}
    for channel in config.channels.values():
        for variable in secret_env_vars(channel).values():
            env[variable] = "x" * 40
    return env


def test_the_generated_cases_cover_the_known_numeric_keys():
    keys = {(section, key) for section, key, _ in numeric_keys()}
    assert {
        ("channels", "max_per_day"),
        ("channels", "hashtags"),
        ("channels", "grace"),
        ("channels", "max_characters"),
        ("channels", "chat_id"),
        ("sources", "first_sync"),
        ("bot", "scan_interval"),
        ("schedule", "every"),
        ("schedule", "jitter"),
    } <= keys


def assert_one_line_or_success(result) -> None:
    assert result.exit_code in (0, 2), (result.exit_code, result.output)
    assert "unexpected" not in result.output and "Traceback" not in result.output
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert lines and all(
            line.startswith(("excerpt-bot: error: ", "  ", "/")) for line in lines
        ), result.stderr


@pytest.mark.timeout(BOUNDED_S)
@pytest.mark.parametrize(("section", "key", "value"), cases(), ids=lambda v: str(v)[:12])
def test_an_absurd_value_of_any_numeric_key_ends_promptly(tmp_path, section, key, value):
    path = tmp_path / "excerpt-bot.toml"
    (tmp_path / "posts").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "posts" / EXAMPLE.name)
    path.write_text(tomli_w.dumps(absurd_config(section, key, value)), encoding="utf-8")
    env = every_secret(path)
    for command in (["check"], ["plan"], ["add", tmp_path / "posts"]):
        result = invoke(*command, "--config", path, env=env)
        assert_one_line_or_success(result)


@pytest.mark.timeout(BOUNDED_S)
@pytest.mark.parametrize("every", ["1s", "10s"])
@pytest.mark.parametrize("max_per_day", [1_000_000, 10**20])
def test_check_warns_about_a_cap_no_platform_takes_instead_of_simulating_it(
    tmp_path, every, max_per_day
):
    path = write_bot(
        tmp_path,
        f'[bot]\ndatabase = "bot.sqlite3"\nposts_dir = "posts"\n'
        f'[channels.console]\nplatform = "console"\n'
        f'schedule = {{ every = "{every}" }}\nmax_per_day = {max_per_day}\n',
    )
    result = invoke("check", "--config", path)
    assert result.exit_code == 0
    assert (
        f"channels.console.max_per_day: {max_per_day:,} is more than any platform takes in a day"
    ) in result.stderr


@pytest.mark.timeout(BOUNDED_S)
def test_check_counts_a_dense_schedule_under_a_large_cap_without_listing_it(tmp_path):
    config = (
        '[bot]\ndatabase = "bot.sqlite3"\nposts_dir = "posts"\n'
        '[channels.console]\nplatform = "console"\nschedule = [{ every = "1s" }, '
        '{ cron = "* * * * *" }]\nmax_per_day = 86400\n'
    )
    result = invoke("check", "--config", write_bot(tmp_path, config))
    assert result.exit_code == 0
    assert "channels.console.schedule: asks for more than 86400 posts in 24 hours" in result.stderr
    alone = config.replace(', { cron = "* * * * *" }', "")
    result = invoke("check", "--config", write_bot(tmp_path, alone))
    assert "channels.console.schedule" not in result.stderr  # exactly 86,400 a day fits


@pytest.mark.timeout(BOUNDED_S)
@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--days", str(10**20)],
        ["plan", "--limit", str(10**20)],
        ["plan", "--limit", str(2**63)],
        ["history", "--limit", str(10**20)],
        ["history", "--limit", str(2**63 - 1)],
        ["queue", "--limit", str(10**20)],
        ["plan", "--days", "-1"],
        ["history", "--limit", "0"],
    ],
)
def test_an_absurd_numeric_option_ends_promptly_in_one_line(tmp_path, args):
    path = write_bot(
        tmp_path,
        '[bot]\ndatabase = "bot.sqlite3"\nposts_dir = "posts"\n'
        '[channels.console]\nplatform = "console"\n'
        'schedule = { every = "1s" }\n',
    )
    invoke("add", "--config", path, tmp_path / "posts")
    result = invoke(*args, "--config", path)
    assert result.exit_code in (0, 2), result.output
    assert "unexpected" not in result.output and "Traceback" not in result.output
