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

_ANYWHERE = shutil.ignore_patterns(
    ".git", ".venv*", "venv", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".kbcache", ".benchmarks", "node_modules")
_TOP_LEVEL = {"build", "site", "_site", "out"}  # output folders; kbtools/site/ is source


def _NOT_SOURCES(folder: str, names: list[str]) -> set[str]:
    ignored = set(_ANYWHERE(folder, names))
    if Path(folder).resolve() == ROOT:
        ignored |= _TOP_LEVEL & set(names)
    return ignored


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


SAMPLE_DAY = "2026-11-27"
"""The sample partner notes are dated around this day; the CRM date rules (stale partners,
overdue reviews and steps) count from it so the sample vault stays clean as time passes."""


def test_kb_check_sample_vault_is_clean(installed, tmp_path):
    result = _run([installed / f"kb{EXE}", "check", VAULT, "--today", SAMPLE_DAY], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No problems" in result.stdout
    assert result.stderr == ""


def test_kb_stats_sample_vault(installed, tmp_path):
    result = _run([installed / f"kb{EXE}", "stats", VAULT], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    notes = sum(1 for p in VAULT.rglob("*.md") if ".kbcache" not in p.parts)
    assert notes >= 6
    assert re.search(rf"^notes +{notes}$", result.stdout, re.M), result.stdout
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


def test_installed_templates_kb_new_and_export(installed, vault_copy, tmp_path):
    """The note templates ship inside the wheel (kbtools.templates), not only in the checkout."""
    kb = installed / f"kb{EXE}"
    made = _run([kb, "new", "partner", "ООО Тест", "--vault", vault_copy], cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    created = Path(made.stdout.strip())
    created = created if created.is_absolute() else tmp_path / created
    assert created.is_file() and created.parent.name == "Партнёры"
    check = _run([kb, "check", vault_copy, "--no-cache", "--today", SAMPLE_DAY], cwd=tmp_path)
    assert check.returncode == 0 and "No problems" in check.stdout, check.stdout + check.stderr
    listing = _run([kb, "new", "--list"], cwd=tmp_path)
    assert "package:kbtools.templates/notes/partner.md.j2" in listing.stdout, listing.stdout
    exported = _run([kb, "templates", "export", tmp_path / "Шаблоны"], cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "{{title}}" in (tmp_path / "Шаблоны" / "Партнер.md").read_text(encoding="utf-8")


def test_installed_kb_build_ships_the_theme(installed, vault_copy, tmp_path):
    """The site templates (top-level templates/site/) are inside the installed package."""
    out = tmp_path / "site"
    result = _run([installed / f"kb{EXE}", "build", vault_copy, "-o", out], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "Развитие-партнерств" / "index.html").is_file()
    # the Babel catalogues (kbtools/locale/*.po) ship too: the interface is in Russian
    assert "Обратные ссылки" in (out / "Развитие-партнерств" / "index.html").read_text(
        encoding="utf-8")
    assert ".callout" in (out / "assets" / "site.css").read_text(encoding="utf-8")
    assert '<html lang="ru">' in (out / "index.html").read_text(encoding="utf-8")
    # search works from the installed package: pagefind's binary ships inside its wheel
    assert (out / "pagefind" / "pagefind-entry.json").is_file()
    assert (out / "assets" / "search.js").is_file() and (out / "search" / "index.html").is_file()
    assert (out / "graph" / "index.html").is_file()
