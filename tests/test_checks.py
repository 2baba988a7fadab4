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


def test_a_broken_link_is_a_missing_file_only_when_it_ends_in_an_extension(tmp_path: Path):
    """``[[v1.2 Release]]`` or ``[[2021.07.17]]`` name notes (Obsidian creates ``v1.2
    Release.md`` on a click): broken-note, not broken-embed, whatever the dots in the name."""
    (tmp_path / "A.md").write_text(
        "[[v1.2 Release]] [[2021.07.17]] [[<% tp.date.now(\"YYYY.MM\") %>]] [[Note.md]]\n"
        "[[отчёт.pdf]] [[Схема.canvas]] ![[нет.png]] ![[Нет такой заметки]]\n", encoding="utf-8")
    got = {(d.line, d.code) + (("file" if "no file" in d.message else "note"),)
           for d in check(load_vault(tmp_path, cache=False))}
    assert got == {(1, "KB001", "note"), (2, "KB004", "file"), (2, "KB004", "note")}
    by_col = {(d.line, d.column): d.code for d in check(load_vault(tmp_path, cache=False))}
    assert [by_col[(1, c)] for c in (1, 18, 33, 66)] == ["KB001"] * 4
    assert [by_col[(2, c)] for c in (1, 15, 32, 45)] == ["KB004"] * 4


def test_did_you_mean_never_offers_the_linking_note_or_a_note_for_a_file(tmp_path: Path):
    (tmp_path / "Подсказки для заметок.md").write_text(
        "![[Подсказки-для-заметок.gif]] and [[Подсказки для заметк]]\n", encoding="utf-8")
    (tmp_path / "Другая.md").write_text("[[Подсказки для заметк]]\n", encoding="utf-8")
    hints = {(d.path, d.column): d.hint for d in check(load_vault(tmp_path, cache=False))}
    assert hints[("Подсказки для заметок.md", 1)] == \
        "links to files other than notes need the exact file name with its extension"
    assert hints[("Подсказки для заметок.md", 36)] is None  # not a link to itself
    assert hints[("Другая.md", 1)] == "did you mean [[Подсказки для заметок]]?"
