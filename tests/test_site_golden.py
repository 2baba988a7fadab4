"""Golden files of rendered HTML for the small fixture vault tests/fixtures/site/basic/.

After a deliberate change to the renderer or the theme, run
``python -m pytest tests/test_site_golden.py --update-goldens`` and review the diff of
tests/fixtures/site/golden/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kbtools.load import load_vault
from kbtools.site import build

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "site" / "basic"
GOLDEN = ROOT / "tests" / "fixtures" / "site" / "golden"
PAGES = ["index.html", "Папка/Вложенная-заметка/index.html", "Цикл/index.html",
         "Опасная/index.html", "tags/index.html", "tags/проект/index.html", "notes/index.html",
         "404.html", "sitemap.xml", "feed.xml"]
FIXED_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z: file dates are part of the output


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("golden")
    vault = tmp / "basic"
    shutil.copytree(FIXTURE, vault)
    for path in vault.rglob("*"):
        os.utime(path, (FIXED_TIME, FIXED_TIME))
    out = tmp / "out"
    build(load_vault(vault, cache=False), out)
    return out


def golden_name(page: str) -> str:
    return page.replace("/", "__")


@pytest.mark.parametrize("page", PAGES)
def test_golden_page(site, page, update_goldens):
    actual = (site / page).read_text(encoding="utf-8")
    golden = GOLDEN / golden_name(page)
    if update_goldens:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        return
    assert golden.is_file(), f"no golden file {golden}: run with --update-goldens"
    assert actual == golden.read_text(encoding="utf-8"), (
        f"{page} differs from {golden.name}; if the change is intended, rerun with --update-goldens")


def test_no_stray_goldens():
    expected = {golden_name(p) for p in PAGES}
    assert {p.name for p in GOLDEN.iterdir()} == expected
