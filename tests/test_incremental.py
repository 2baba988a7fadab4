"""The incremental check must report exactly what a full check from scratch reports."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kbtools.incremental as incremental
from kbtools import Config, check, load_vault
from kbtools.incremental import check_vault

HERE = Path(__file__).resolve().parent
GEN = HERE.parent.parent / "shared" / "bench" / "gen_vault.py"


@pytest.fixture()
def vault(tmp_path) -> Path:
    out = tmp_path / "vault"
    if GEN.exists():
        subprocess.run([sys.executable, str(GEN), str(out), "--notes", "150", "--seed", "3"],
                       check=True, capture_output=True)
    else:  # the sample vault's notes (its partner notes always get the full check)
        shutil.copytree(HERE.parent / "vault", out, ignore=shutil.ignore_patterns("Партнёры"))
    return out


@pytest.fixture()
def full_runs(monkeypatch) -> list[int]:
    """Counts how often the incremental check falls back to loading the whole vault."""
    calls: list[int] = []
    real = incremental.load_vault

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(incremental, "load_vault", counting)
    return calls


def from_scratch(root: Path, config: Config = Config()) -> list:
    return check(load_vault(root, config, cache=False))


def edit(path: Path, text: str, *, append: bool = True) -> None:
    old = path.read_text(encoding="utf-8")
    path.write_text(old + text if append else text, encoding="utf-8")


def notes(root: Path) -> list[Path]:
    return sorted(root.rglob("*.md"))


def test_unchanged_vault_reuses_everything(vault, full_runs):
    first, files = check_vault(vault, Config())
    assert full_runs == [1] and first == from_scratch(vault)
    again, files_again = check_vault(vault, Config())
    assert full_runs == [1], "an unchanged vault must not be loaded again"
    assert again == first and files_again == files


@pytest.mark.parametrize("change", [
    "\nA new broken link: [[Совсем новая заметка]] and [[Note that is not here#x]].\n",
    "\nNow fine: [[{other}]] and a heading link [[{other}#Not a heading]].\n",
    "\n%% kb-ignore-file %%\n",
    "\n[[]] and [x]() are empty\n",
])
def test_edited_note_is_rechecked_alone(vault, full_runs, change):
    check_vault(vault, Config())
    files = notes(vault)
    target, other = files[5 % len(files)], files[9 % len(files)]
    edit(target, change.format(other=other.stem))
    got, _ = check_vault(vault, Config())
    assert full_runs == [1], "an edit that leaves names, headings and ids alone is incremental"
    assert got == from_scratch(vault)


@pytest.mark.parametrize("what", ["heading", "alias", "new-note", "delete", "bad-yaml", "config"])
def test_changes_others_can_see_fall_back_to_full(vault, full_runs, what):
    config = Config()
    check_vault(vault, config)
    target = notes(vault)[3]
    if what == "heading":
        edit(target, "\n## A heading others may link to\n")
    elif what == "alias":
        edit(target, "---\naliases: [Совсем новый псевдоним]\n---\n" + target.read_text("utf-8"),
             append=False)
    elif what == "new-note":
        (vault / "Новая.md").write_text("[[Нет такой]]\n", encoding="utf-8")
    elif what == "delete":
        target.unlink()
    elif what == "bad-yaml":
        edit(target, "---\ntags: [unclosed\n---\n" + target.read_text("utf-8"), append=False)
    elif what == "config":
        config = Config(severity={"KB005": incremental.Severity.ERROR})
    got, _ = check_vault(vault, config)
    assert got == from_scratch(vault, config)
    if what != "bad-yaml":  # bad YAML drops the note's aliases: that too is a visible change
        assert len(full_runs) == 2


def test_orphan_rule_always_checks_the_whole_vault(vault, full_runs):
    config = Config(severity={"KB010": incremental.Severity.WARNING})
    check_vault(vault, config)
    edit(notes(vault)[0], "\nplain text\n")
    got, _ = check_vault(vault, config)
    assert len(full_runs) == 2 and got == from_scratch(vault, config)


def test_damaged_state_is_rebuilt(vault, full_runs):
    check_vault(vault, Config())
    (vault / ".kbcache" / incremental.STATE_FILE).write_bytes(b"\x00garbage")
    got, _ = check_vault(vault, Config())
    assert len(full_runs) == 2 and got == from_scratch(vault)


CRM_RECORDS = HERE / "fixtures" / "crm" / "records"


def test_partner_notes_are_checked_as_a_whole(vault, full_runs):
    """CRM findings depend on other notes (interactions of a partner) and on the date."""
    from kbtools.config import CrmConfig
    shutil.copytree(CRM_RECORDS, vault / "CRM")
    config = Config(crm=CrmConfig(today="2026-11-27"))
    first, _ = check_vault(vault, config)
    assert first == from_scratch(vault, config) and any(d.code == "KB019" for d in first)
    # an interaction with «Бета» makes it fresh again: a finding in another note goes away
    (vault / "CRM" / "Встреча с Бетой.md").write_text(
        '---\ntype: interaction\npartner: "[[Бета]]"\ndate: 2026-11-20\nchannel: call\n---\n'
        "Созвонились.\n", encoding="utf-8")
    got, _ = check_vault(vault, config)
    assert got == from_scratch(vault, config)
    assert not any(d.code == "KB019" and d.path == "CRM/Бета.md" for d in got)
    edit(notes(vault)[0], "\nplain text\n")
    got, _ = check_vault(vault, config)
    assert len(full_runs) == 3 and got == from_scratch(vault, config)
    later = Config(crm=CrmConfig(today="2027-06-01"))
    assert check_vault(vault, later)[0] == from_scratch(vault, later) != got


def test_a_note_becoming_a_partner_note_falls_back_to_full(vault, full_runs):
    check_vault(vault, Config())
    target = notes(vault)[4]
    text = target.read_text("utf-8")
    fields = "type: partner\nstage: bogus\n"  # aliases, headings and ids stay as they were
    edit(target, "---\n" + fields + text[4:] if text.startswith("---\n")
         else "---\n" + fields + "---\n" + text, append=False)
    got, _ = check_vault(vault, Config())
    assert len(full_runs) == 2 and got == from_scratch(vault)
    assert any(d.code == "KB015" for d in got)
