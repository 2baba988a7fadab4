"""kb build on a vault of the Obsidian Hub's class (thousands of notes written by many people, with
broken frontmatter, odd encodings and torture files): the site is built, and the notes it had to
work around are reported, instead of the build refusing.

Small scale here: ``gen_vault.py --torture`` (``../shared/bench/gen_vault.py``; the module is
skipped without it) plus ``tests/fixtures/site/bad-frontmatter/`` (17 notes with invalid
frontmatter). ``benchmarks/bench_build.py --hub`` builds the same class at 6,571 notes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kbtools.cli import main
from kbtools.load import load_vault
from kbtools.site import build

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT.parent / "shared" / "bench" / "gen_vault.py"
BAD = ROOT / "tests" / "fixtures" / "site" / "bad-frontmatter"

pytestmark = pytest.mark.skipif(not GEN.is_file(), reason=f"no vault generator at {GEN}")


@pytest.fixture(scope="module")
def vault(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("hub")
    vault = tmp / "vault"
    subprocess.run([sys.executable, str(GEN), str(vault), "--notes", "150", "--seed", "3",
                    "--torture", "--huge-mb", "1"], check=True, capture_output=True)
    shutil.copytree(BAD, vault / "Сообщество" / "bad")
    return vault


def test_a_hub_class_vault_builds_and_reports_its_bad_notes(vault, tmp_path):
    out = tmp_path / "site"
    report = build(load_vault(vault, cache=False), out, search=False)
    assert (out / "index.html").is_file() and report.notes > 150
    found = {(d.path, d.code) for d in report.problems}
    bad = sorted(p.stem for p in BAD.glob("*.md") if p.stem != "Bad frontmatter index")
    assert len(bad) >= 15
    assert {path for path, code in found if code == "KB007" and "/bad/" in path} == \
        {f"Сообщество/bad/{name}.md" for name in bad}
    assert ("_torture/bad-yaml.md", "KB007") in found and ("_torture/cp1251.md", "KB011") in found
    # every bad note still has its page (title from the file name), linked from the index note
    index = (out / "Сообщество" / "bad" / "Bad-frontmatter-index" / "index.html").read_text(
        encoding="utf-8")
    for name in bad:
        page = out / "Сообщество" / "bad" / name.replace(" ", "-") / "index.html"
        assert page.is_file(), name
        assert f'href="../{name.replace(" ", "-")}/"' in index, name


def test_kb_build_prints_the_findings_and_succeeds(vault, tmp_path):
    result = CliRunner().invoke(main, ["build", str(vault), "-o", str(tmp_path / "site"),
                                       "--no-cache", "--config", str(_no_search(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "✔" in result.stdout
    lines = result.stderr.splitlines()
    assert re.match(r"kb build: \d+ files built as far as they could be read", lines[0])
    listed = [line for line in lines[1:] if line.startswith("  ")]
    assert all(re.match(r"  \S.*:\d+:\d+ KB0(07|11|13) ", x) for x in listed[:-1]), listed
    assert len(listed) == 21 and re.fullmatch(r"  … and \d+ more", listed[-1])  # at most 20


def _no_search(tmp: Path) -> Path:
    cfg = tmp / "kbtools.toml"
    cfg.write_text("[site]\nsearch = false\n", encoding="utf-8")
    return cfg
