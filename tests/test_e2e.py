"""A real install: ``pip install`` kbtools (not editable) into a fresh virtual environment and run
the installed ``kb`` on the sample vault, the way the README's set-up command does.

One virtual environment per test session (module-scoped fixture). pip may use the configured
package index to fetch the dependencies. The sources are copied first (without ``.git``, virtual
environments, build output and caches) so the build never writes into the checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
VAULT = ROOT / "vault"
HUB = "Развитие партнерств.md"
BIN = "Scripts" if os.name == "nt" else "bin"
EXE = ".exe" if os.name == "nt" else ""

_NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv*", "venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".kbcache", ".benchmarks", "node_modules", "site", "_site", "out")


def _env() -> dict[str, str]:
    """The environment without anything that would let the tests' own kbtools leak in."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP",
                        "GITHUB_STEP_SUMMARY")}
    env["PYTHONIOENCODING"] = "utf-8"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(args, cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=_env(), capture_output=True,
                          text=True, encoding="utf-8", errors="replace", timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The ``bin`` folder of a fresh venv with kbtools installed from this checkout."""
    base = tmp_path_factory.mktemp("e2e")
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCES, symlinks=True)
    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", venv], cwd=base)
    assert made.returncode == 0, made.stdout + made.stderr
    python = venv / BIN / f"python{EXE}"
    pip = _run([python, "-m", "pip", "install", "--quiet", src], cwd=base, timeout=900)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return venv / BIN


@pytest.fixture
def vault_copy(tmp_path) -> Path:
    dest = tmp_path / "vault"
    shutil.copytree(VAULT, dest, ignore=shutil.ignore_patterns(".kbcache"))
    for path in dest.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)  # a read-only file in the checkout stays writable here
    return dest


def test_installed_not_editable(installed, tmp_path):
    python = installed / f"python{EXE}"
    result = _run([python, "-c", "import kbtools, sys; print(kbtools.__file__)"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    location = Path(result.stdout.strip()).resolve()
    assert installed.parent.resolve() in location.parents, location
    assert ROOT not in location.parents
    pip_list = _run([python, "-m", "pip", "show", "-f", "kbtools"], cwd=tmp_path)
    assert "Editable project location" not in pip_list.stdout


def test_kb_check_sample_vault_is_clean(installed, tmp_path):
    result = _run([installed / f"kb{EXE}", "check", VAULT], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No problems" in result.stdout
    assert result.stderr == ""


def test_kb_stats_sample_vault(installed, tmp_path):
    result = _run([installed / f"kb{EXE}", "stats", VAULT], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^notes +6$", result.stdout, re.M), result.stdout
    assert re.search(r"^broken +0 ", result.stdout, re.M), result.stdout


def test_kb_check_finds_appended_broken_link(installed, vault_copy, tmp_path):
    hub = vault_copy / HUB
    text = hub.read_text(encoding="utf-8")
    line = text.count("\n") + (1 if text.endswith("\n") else 2) + 1
    with hub.open("a", encoding="utf-8", newline="\n") as fh:
        fh.write(("" if text.endswith("\n") else "\n") + "\nСм. также [[Построение отношений]].\n")
    result = _run([installed / f"kb{EXE}", "check", vault_copy], cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    # run from the vault's parent folder: the report names the file as vault/…
    prefix = re.escape(vault_copy.relative_to(tmp_path).as_posix() + "/" + HUB)
    assert re.search(rf"^\s*{prefix}:{line}:11 KB001 ", result.stdout, re.M), result.stdout
    assert "did you mean [[Построение-отношений]]?" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_kb_reports_usage_errors_with_exit_2(installed, tmp_path):
    result = _run([installed / f"kb{EXE}", "check", tmp_path / "нет такой папки"], cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
