"""Check functions that are not about links: duplicate aliases and their places."""

from __future__ import annotations

from pathlib import Path

from kbtools import check, load_vault


def test_duplicate_alias_is_reported_on_each_aliases_line(tmp_path: Path):
    (tmp_path / "A.md").write_text("---\ntitle: x\naliases: [CRM]\n---\n# A\n", encoding="utf-8")
    (tmp_path / "B.md").write_text("---\naliases:\n  - crm\n---\n", encoding="utf-8")
    (tmp_path / "Crm.md").write_text("# Crm\n", encoding="utf-8")
    got = [(d.path, d.line, d.message) for d in check(load_vault(tmp_path, cache=False))
           if d.code == "KB008"]
    assert ("A.md", 3, "alias «CRM» is also declared by B.md") in got
    assert ("B.md", 2, "alias «crm» is also declared by A.md") in got
    # an alias equal to another note's name: [[CRM]] always means that note
    assert any(path == "A.md" and "name of another note (Crm.md)" in msg for path, _, msg in got)
