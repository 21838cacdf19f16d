"""The package's metadata in its current form: the licence as an SPDX expression with its
file (PEP 639), which the installer takes without a deprecation warning; and `make install`
quiet (progress lines, not the installer's notices)."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_licence_is_an_spdx_expression_with_its_file():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"  # a string: the `{text = ...}` table is deprecated
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")
    assert not [c for c in project.get("classifiers", []) if c.startswith("License ::")]


def test_the_installed_metadata_names_the_licence_as_pep_639_has_it():
    metadata = importlib.metadata.metadata("excerpt-bot")
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata.get("License") is None


def test_make_install_is_quiet():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    pip = re.search(r"^PIP := (.+)$", makefile, re.MULTILINE)
    assert pip is not None
    assert "-qq" in pip[1] and "--disable-pip-version-check" in pip[1]
    assert "PYTHONWARNINGS=ignore" in pip[1]
    recipe = makefile.split("$(STAMP): pyproject.toml\n", 1)[1].split("\n\n", 1)[0]
    assert all(line.startswith("\t@") for line in recipe.splitlines())  # no command echoed
