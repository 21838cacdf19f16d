"""The shipped systemd unit: hardened, secrets from an EnvironmentFile, reload is SIGHUP."""

from __future__ import annotations

import configparser

from tests.conftest import PROJECT


def test_unit_is_hardened_and_reads_secrets_from_an_environment_file():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(PROJECT / "config" / "excerpt-bot.service")
    service = unit["Service"]
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["StateDirectory"] == "excerpt-bot"
    assert service["EnvironmentFile"].startswith("/etc/excerpt-bot/")
    assert service["ExecReload"].endswith("-HUP $MAINPID")
    assert "run" in service["ExecStart"].split()
    assert service["RestartPreventExitStatus"] == "2"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
