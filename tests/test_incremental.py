"""The incremental check must report exactly what a full check from scratch reports."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kbtools.check_state as check_state
import kbtools.incremental as incremental
from kbtools import Config, check, load_vault
from kbtools.diagnostics import Tally
from kbtools.incremental import check_vault
from kbtools.report import Report

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
    _r = check_vault(vault, Config())
    first, files = _r.diagnostics, _r.files_checked
    assert full_runs == [1] and first == from_scratch(vault)
    _r = check_vault(vault, Config())
    again, files_again = _r.diagnostics, _r.files_checked
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
    got = check_vault(vault, Config()).diagnostics
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
    got = check_vault(vault, config).diagnostics
    assert got == from_scratch(vault, config)
    if what != "bad-yaml":  # bad YAML drops the note's aliases: that too is a visible change
        assert len(full_runs) == 2


def test_orphan_rule_always_checks_the_whole_vault(vault, full_runs):
    config = Config(severity={"KB010": incremental.Severity.WARNING})
    check_vault(vault, config)
    edit(notes(vault)[0], "\nplain text\n")
    got = check_vault(vault, config).diagnostics
    assert len(full_runs) == 2 and got == from_scratch(vault, config)


def test_damaged_state_is_rebuilt(vault, full_runs):
    check_vault(vault, Config())
    (vault / ".kbcache" / check_state.STATE_FILE).write_bytes(b"\x00garbage")
    got = check_vault(vault, Config()).diagnostics
    assert len(full_runs) == 2 and got == from_scratch(vault)


CRM_RECORDS = HERE / "fixtures" / "crm" / "records"


def test_partner_notes_are_checked_as_a_whole(vault, full_runs):
    """CRM findings depend on other notes (interactions of a partner) and on the date."""
    from kbtools.config import CrmConfig
    shutil.copytree(CRM_RECORDS, vault / "CRM")
    config = Config(crm=CrmConfig(today="2026-11-27"))
    first = check_vault(vault, config).diagnostics
    assert first == from_scratch(vault, config) and any(d.code == "KB019" for d in first)
    # an interaction with «Бета» makes it fresh again: a finding in another note goes away
    (vault / "CRM" / "Встреча с Бетой.md").write_text(
        '---\ntype: interaction\npartner: "[[Бета]]"\ndate: 2026-11-20\nchannel: call\n---\n'
        "Созвонились.\n", encoding="utf-8")
    got = check_vault(vault, config).diagnostics
    assert got == from_scratch(vault, config)
    assert not any(d.code == "KB019" and d.path == "CRM/Бета.md" for d in got)
    edit(notes(vault)[0], "\nplain text\n")
    got = check_vault(vault, config).diagnostics
    assert len(full_runs) == 3 and got == from_scratch(vault, config)
    later = Config(crm=CrmConfig(today="2027-06-01"))
    assert check_vault(vault, later).diagnostics == from_scratch(vault, later) != got


def test_a_note_becoming_a_partner_note_falls_back_to_full(vault, full_runs):
    check_vault(vault, Config())
    target = notes(vault)[4]
    text = target.read_text("utf-8")
    fields = "type: partner\nstage: bogus\n"  # aliases, headings and ids stay as they were
    edit(target, "---\n" + fields + text[4:] if text.startswith("---\n")
         else "---\n" + fields + "---\n" + text, append=False)
    got = check_vault(vault, Config()).diagnostics
    assert len(full_runs) == 2 and got == from_scratch(vault)
    assert any(d.code == "KB015" for d in got)


# -- the report and the state's journal --------------------------------------------------------

REPORTS = [Report("json"), Report("text"), Report("text", color=True), Report("github", base="vault"),
           Report("sarif", base="kb"), None, Report("junit")]
"""None: a library call that asks for findings only."""


def fresh_report(root: Path, report: Report) -> str:
    vault = load_vault(root, Config(), cache=False)
    return report.render(check(vault), len(vault.notes) + len(vault.attachments))


def test_reports_from_cached_pieces_equal_a_fresh_render(vault, full_runs):
    """Each report is the same text as one rendered from a check from scratch, whatever the
    previous run's format was and whichever notes changed in between."""
    files = notes(vault)
    for step, report in enumerate(REPORTS + REPORTS[::-1]):
        if step % 2:
            edit(files[step % len(files)], f"\nEdit {step}: [[Нет такой {step}]] [[{files[0].stem}]]\n")
        if step == 5:  # a note whose findings all go away: its piece must go too
            text = files[1].read_text("utf-8")
            files[1].write_text(text.replace("[[", "[").replace("]]", "]"), encoding="utf-8")
        got = check_vault(vault, Config(), report=report)
        if report is not None:
            assert got.report == fresh_report(vault, report), f"step {step}: {report}"
        assert got.tally == Tally.of(from_scratch(vault))
        assert got.diagnostics == from_scratch(vault)
    assert full_runs == [1], "edits that leave names alone never need the full check"


def test_an_edit_writes_a_small_journal_not_the_whole_state(vault, full_runs):
    state_file = vault / ".kbcache" / check_state.STATE_FILE
    journal = vault / ".kbcache" / check_state.JOURNAL_FILE
    check_vault(vault, Config(), report=Report("json"))
    before = state_file.read_bytes()
    for n, target in enumerate(notes(vault)[:3]):
        edit(target, f"\n[[Пропавшая {n}]]\n")
        got = check_vault(vault, Config(), report=Report("json"))
        assert got.report == fresh_report(vault, Report("json"))
    assert state_file.read_bytes() == before, "the state itself is not rewritten for an edit"
    assert 0 < journal.stat().st_size < len(before)
    assert full_runs == [1]


@pytest.mark.parametrize("damage", ["lost", "garbage", "foreign"])
def test_a_lost_or_damaged_journal_only_costs_time(vault, full_runs, damage):
    journal = vault / ".kbcache" / check_state.JOURNAL_FILE
    check_vault(vault, Config(), report=Report("text"))
    edit(notes(vault)[2], "\n[[Пропавшая]] and [[Другая пропавшая#x]]\n")
    check_vault(vault, Config(), report=Report("text"))
    if damage == "lost":
        journal.unlink()
    elif damage == "garbage":
        journal.write_bytes(b"\x00garbage")
    else:  # a journal of another state (say, copied from elsewhere)
        import marshal
        data = marshal.loads(journal.read_bytes())
        journal.write_bytes(marshal.dumps({**data, "stamp": "another"}))
    got = check_vault(vault, Config(), report=Report("text"))
    assert got.report == fresh_report(vault, Report("text"))
    assert got.diagnostics == from_scratch(vault)
    assert full_runs == [1], "the notes of a lost journal are simply checked again"


def test_a_long_journal_is_folded_into_the_state(tmp_path, full_runs, monkeypatch):
    monkeypatch.setattr(check_state, "JOURNAL_LIMIT", 2)
    vault = tmp_path / "v"
    vault.mkdir()
    for name in "ABCDE":
        (vault / f"{name}.md").write_text(f"# {name}\n\nSee [[A]] and [[Нет {name}]].\n",
                                          encoding="utf-8")
    state_file = vault / ".kbcache" / check_state.STATE_FILE
    journal = vault / ".kbcache" / check_state.JOURNAL_FILE
    check_vault(vault, Config(), report=Report("json"))
    states = [state_file.read_bytes()]
    for name in "BCD":
        edit(vault / f"{name}.md", f"\n[[Пропавшая {name}]]\n")
        check_vault(vault, Config(), report=Report("json"))
        states.append(state_file.read_bytes())
    assert states[1] == states[0], "one edit (an entry and a piece) fits the journal"
    assert states[2] != states[1], "the second edit's journal is too long: folded"
    assert states[3] == states[2] and journal.exists(), "and the next edit starts a new one"
    assert check_vault(vault, Config(), report=Report("json")).report == \
        fresh_report(vault, Report("json"))
    assert full_runs == [1]
