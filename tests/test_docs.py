"""The README cannot drift from the code: rule table, rule codes, set-up commands, CI files."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kbtools.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SCRIPT = ROOT / "scripts" / "rules_table.py"
CI_RUN = ROOT / ".ci" / "run"
HOOKS = ROOT / ".pre-commit-hooks.yaml"

TEST_COMMAND = "python -m pytest -q"
SETUP_RUN = ("python3 -m venv .venv && . .venv/bin/activate && pip install . "
             "&& kb check vault && kb stats vault")
SETUP_TEST = ('python3 -m venv .venv && . .venv/bin/activate && pip install ".[test]" '
              f"&& {TEST_COMMAND}")


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rules_table():
    spec = importlib.util.spec_from_file_location("rules_table", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_prints_the_table():
    out = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                         encoding="utf-8", check=True).stdout
    lines = out.rstrip("\n").splitlines()
    assert lines[0] == "| Code | Slug | Default | Summary | Example | Fix |"
    assert len(lines) == 2 + len(RULES)
    for line, rule in zip(lines[2:], RULES):
        assert line.startswith(f"| {rule.code} | `{rule.slug}` | {rule.severity} | ")
        # unescaped pipes would add cells
        assert len(re.split(r"(?<!\\)\|", line)) == 8, line


def test_readme_contains_exactly_the_generated_table(readme, rules_table):
    block = rules_table.readme_block(readme)
    assert block is not None, "rule table markers missing from README.md"
    assert block == rules_table.block(), (
        "README.md rule table is out of date: run python scripts/rules_table.py --write")
    assert readme.count(rules_table.START) == 1 and readme.count(rules_table.END) == 1


def test_script_check_mode_agrees(rules_table):
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True,
                            text=True, encoding="utf-8")
    assert result.returncode == 0, result.stderr


def test_every_rule_is_documented(readme):
    for rule in RULES:
        assert rule.code in readme, rule.code
        assert rule.slug in readme, rule.slug


def test_readme_sections_and_commands(readme):
    for command in ("kb check", "kb links", "kb graph", "kb stats"):
        assert f"### `{command}" in readme, command
    for fmt in ("text", "json", "github", "sarif", "junit", "graphml", "gexf", "dot"):
        assert f"`{fmt}`" in readme or f"--format {fmt}" in readme, fmt
    assert SETUP_RUN in readme
    assert SETUP_TEST in readme
    assert "kbtools.toml" in readme and "[tool.kbtools]" in readme
    assert "%% kb-ignore KB001 %%" in readme and "%% kb-ignore-file" in readme
    assert "--format github" in readme and "upload-sarif" in readme
    assert ".pre-commit-hooks.yaml" in readme and "id: kb-check" in readme


def test_ci_runs_the_readme_test_command():
    script = CI_RUN.read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash\n") or script.startswith("#!/bin/bash\n")
    assert "set -euo pipefail" in script
    assert f'TEST_COMMAND="{TEST_COMMAND}"' in script
    assert 'pip install --quiet ".[test]"' in script
    assert "pip install -e" not in script and "--editable" not in script


def test_pre_commit_hook():
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    hook = next(h for h in hooks if h["id"] == "kb-check")
    assert hook["entry"] == "kb check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is True
