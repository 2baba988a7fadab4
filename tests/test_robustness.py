"""Bad input never crashes and never loses data: each case gets a finding with a place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kbtools import check, load_vault
from kbtools.links import link_records


def make(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return root


def findings(root: Path) -> list[tuple[str, int, str]]:
    return [(d.path, d.line, d.code) for d in check(load_vault(root, cache=False))]


def test_symlink_out_of_the_vault_is_reported_and_skipped(tmp_path):
    outside = make(tmp_path / "outside", {"Secret.md": "# secret\n"})
    vault = make(tmp_path / "vault", {"Note.md": "[[Secret]]\n"})
    os.symlink(outside / "Secret.md", vault / "Secret.md")
    os.symlink(outside, vault / "Elsewhere")
    got = findings(vault)
    assert ("Secret.md", 1, "KB013") in got and ("Elsewhere", 1, "KB013") in got
    assert ("Note.md", 1, "KB001") in got  # the link does not reach outside either
    assert "Secret.md" not in load_vault(vault, cache=False).notes


def test_symlink_inside_the_vault_and_loops(tmp_path):
    vault = make(tmp_path, {"A/Note.md": "[[Other]]\n", "B/Other.md": "# Other\n"})
    os.symlink(vault / "A", vault / "B" / "again")  # a second way into A
    os.symlink(vault / "B", vault / "B" / "loop")   # a loop
    v = load_vault(vault, cache=False)
    assert {"A/Note.md", "B/Other.md"} <= set(v.notes)
    assert sum(1 for p in v.notes if p.endswith("Note.md")) == 1
    assert [r["status"] for r in link_records(v)] == ["ok"]


@pytest.mark.parametrize("name, data, code, line", [
    ("cp1251.md", "# Заметка\n\n[[Цель]]\n".encode("cp1251"), "KB011", 1),
    ("nul.md", b"text\x00 more\n", "KB011", 1),
    ("bad-yaml.md", "---\ntitle: [unclosed\n---\n[[Цель]]\n", "KB007", 2),
    ("dup-key.md", "---\ntags: [a]\ntags: [b]\n---\n", "KB007", 3),
    ("tab-yaml.md", "---\naliases:\n\t- x\n---\n", "KB007", 3),
    ("empty.md", "", "KB014", 1),
])
def test_bad_files_get_a_finding_with_a_line(tmp_path, name, data, code, line):
    vault = make(tmp_path, {name: data, "Цель.md": "# Цель\n"})
    assert (name, line, code) in findings(vault)


def test_bom_and_crlf_keep_exact_positions(tmp_path):
    vault = make(tmp_path, {"Note.md": "\ufeff---\r\ntags: [x]\r\n---\r\n# Заголовок\r\n\r\nСм. [[Нет]]\r\n",
                            "Other.md": ""})
    (d,) = [d for d in check(load_vault(vault, cache=False)) if d.path == "Note.md"]
    assert (d.line, d.column, d.code) == (6, 5, "KB001")


def test_invalid_yaml_keeps_the_body(tmp_path):
    vault = make(tmp_path, {"Note.md": "---\naliases: [unclosed\n---\n[[Other#H]]\n#tag\n",
                            "Other.md": "## H\n"})
    note = load_vault(vault, cache=False).notes["Note.md"]
    assert note.properties == {} and note.aliases == ()
    assert [link.raw for link in note.links] == ["[[Other#H]]"] and note.tags == ("tag",)


def test_pathological_lines_finish(tmp_path):
    vault = make(tmp_path, {
        "brackets.md": "[[" * 20000 + "\n",
        "backticks.md": "`" * 40000 + "\n",
        "percent.md": "%%" * 20000 + "\n",
        "mixed.md": ("[a](" * 5000) + ("![[" * 5000) + "\n",
        "huge.md": ("Текст [[brackets]] #tag\n\n" * 40000),
    })
    v = load_vault(vault, cache=False)
    assert len(v.notes["huge.md"].links) == 40000
    assert all(r["status"] == "ok" for r in link_records(v) if r["source"] == "huge.md")


def test_hostile_html_is_just_text_to_the_checker(tmp_path):
    vault = make(tmp_path, {"Note.md": '<script>alert("[[x]]")</script>\n\n'
                                        '<img src=x onerror="alert(1)">\n\n[[Note]]\n'})
    v = load_vault(vault, cache=False)
    assert [link.raw for link in v.notes["Note.md"].links] == ["[[Note]]"]
    assert check(v) == []


def test_reading_never_writes_notes(tmp_path):
    vault = make(tmp_path, {"A.md": "[[B]]\n", "B.md": "---\nbad: [\n---\n"})
    before = {p: p.read_bytes() for p in vault.rglob("*.md")}
    stamps = {p: p.stat().st_mtime_ns for p in before}
    check(load_vault(vault))  # with the cache: it may only write .kbcache/
    assert {p: p.read_bytes() for p in before} == before
    assert {p: p.stat().st_mtime_ns for p in before} == stamps
    assert {p.relative_to(vault).parts[0] for p in vault.rglob("*") if p.is_file()} - \
        {"A.md", "B.md"} == {".kbcache"}
