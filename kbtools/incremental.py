"""Incremental ``kb check``: re-check only the notes that changed since the last run.

A note's link diagnostics depend on its own text and on the vault's *environment*: which files
exist, and every note's aliases, headings (level and text) and block ids. The last run's
findings are kept per note in ``.kbcache/`` (:mod:`kbtools.check_state`) together with each
note's environment summary. When the file set, the configuration and every changed note's summary are as before,
the other notes' findings are still true: only the changed notes are parsed, resolved (against
an index of summaries) and checked. Anything else — a new, deleted or renamed file, a changed
heading, block id or alias, another configuration, rules that look at the whole graph (orphans)
— runs the full check, which then records a fresh state. So does any vault with partner notes
(``type: partner``, ``interaction``… see :mod:`kbtools.crm`) while the CRM rules are on: their
findings depend on other notes and on today's date. ``tests/test_incremental.py`` proves
the two paths give the same findings.

The report is incremental too: for the piecewise formats (:data:`kbtools.report.PIECEWISE`:
text, json, github) the state keeps each file's rendered piece for the last format asked for,
and a run re-renders only the files it re-checked; findings are decoded only when a caller asks
for :attr:`CheckResult.diagnostics`.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
from collections.abc import Mapping
from pathlib import Path
from typing import Callable, Iterator

from . import __version__
from . import check_state
from .check_state import COUNTS, FINDINGS, MTIME, SIZE, SUMMARY, State, decode, encode
from .checks import check, check_links, check_unpublished_links, emits, note_problems
from .config import Config
from .diagnostics import Diagnostic, Severity, Tally
from .discover import SourceFile, discover
from .load import CACHE_DIR, load_vault, no_gc, read_note
from .model import Attachment, Block, Heading, Note
from .publish import PublishRules, is_published
from .report import Report
from .resolve import ResolvedLink, index_from_tables, index_tables, resolve
from .vault import Vault
from .crm.schemas import schema_of

MAX_CHANGED = 200
"""Beyond this many changed notes the full check is as quick."""

_GLOBAL_CODES = frozenset({"KB008", "KB010", "KB018", "KB019", "KB020", "KB021"})
"""Rules whose findings depend on the whole vault (or the date) rather than one note's text."""
_CRM_CODES = ("KB015", "KB016", "KB017", "KB018", "KB019", "KB020", "KB021")


def summary(note: Note, rules: PublishRules = PublishRules()) -> tuple:
    """What other notes' links can see of a note: aliases, headings, block ids, publication."""
    return (note.aliases, tuple((h.level, h.text) for h in note.headings),
            tuple(b.id for b in note.blocks), is_published(note, rules))


def _key(config: Config, files: list[SourceFile]) -> str:
    """Changes whenever the configuration or the set of files changes."""
    h = hashlib.sha256(f"{__version__}\0{config!r}".encode())
    for f in files:
        h.update(f.path.encode() + b"\0")
    return h.hexdigest()


class CheckResult:
    """What a check found: ``files_checked``, the ``tally`` of findings, the rendered ``report``
    (when one was asked for) and the findings themselves, ``diagnostics`` (sorted; decoded from
    the state only when used)."""

    def __init__(self, files_checked: int, tally: Tally, report: str | None,
                 diagnostics: Callable[[], list[Diagnostic]]):
        self.files_checked = files_checked
        self.tally = tally
        self.report = report
        self._diagnostics = diagnostics

    @functools.cached_property
    def diagnostics(self) -> list[Diagnostic]:
        return self._diagnostics()


def check_vault(root: Path, config: Config, *, cache: bool = True, jobs: int | None = None,
                report: Report | None = None) -> CheckResult:
    """Check a vault, incrementally when a state is cached; render ``report`` if given."""
    if not cache:
        vault = load_vault(root, config, cache=False, jobs=jobs)
        found = check(vault)
        files = len(vault.notes) + len(vault.attachments)
        return CheckResult(files, Tally.of(found),
                           report.render(found, files) if report else None, lambda: found)
    with no_gc():
        listing = discover(root, config.ignore)
        folder = root / CACHE_DIR
        key = _key(config, list(listing.files))
        state = check_state.load(folder)
        rechecked = None
        if state is not None and state.key == key and not listing.problems:
            rechecked = _incremental(root, config, listing.files, state)
        if rechecked is not None:
            assert state is not None
            files, dirty = len(listing.files), bool(rechecked)
        else:  # the full check
            vault = load_vault(root, config, cache=True, jobs=jobs)
            state = _state_of(vault, key, listing.files, check(vault))
            files, dirty = len(vault.notes) + len(vault.attachments), True
        findings = _Findings(state)
        text = None
        if report is not None and report.pieces is not None:
            text, pieces = _assemble(report, findings, files, state.pieces, rechecked)
            dirty = dirty or pieces is not state.pieces
            state.pieces = pieces
        else:
            if report is not None:
                text = report.render(findings.decoded(), files)
            if rechecked and state.pieces is not None:  # those pieces are out of date now
                kept = {p: s for p, s in state.pieces[1].items() if p not in rechecked}
                state.pieces = (state.pieces[0], kept)
        if dirty:
            check_state.save(folder, state)
        return CheckResult(files, findings.tally(), text, findings.decoded)


def _assemble(report: Report, findings: "_Findings", files: int, old: tuple | None,
              rechecked: set[str] | None) -> tuple[str, tuple]:
    """The report from per-file pieces: the last run's where the file was not re-checked, new
    ones for the rest. Returns the text and the pieces to keep (``old`` itself if all reused)."""
    wanted = (report.fmt, report.color, report.base, report.tool_version)
    cached: dict[str, str] = old[1] if old is not None and old[0] == wanted else {}
    pieces: dict[str, str] = {}
    made = 0
    for path in findings.paths:
        piece = cached.get(path) if rechecked is not None and path not in rechecked else None
        if piece is None:
            piece = report.piece(findings.of(path))
            made += 1
        pieces[path] = piece
    text = report.assemble(list(pieces.values()), findings.tally(), files)
    if old is not None and not made and len(pieces) == len(cached):
        return text, old
    return text, (wanted, pieces)


class _Findings:
    """The findings of a state, decoded per file only when a file's findings are needed."""

    def __init__(self, state: State):
        self.notes = state.notes
        self.global_: dict[str, list[tuple]] = {}
        for t in state.global_:
            self.global_.setdefault(t[3], []).append(t)

    @functools.cached_property
    def paths(self) -> list[str]:
        """Every file with findings, in path order."""
        return sorted({p for p, e in self.notes.items() if e[FINDINGS]}.union(self.global_))

    def of(self, path: str) -> list[Diagnostic]:
        """One file's findings, sorted."""
        entry = self.notes.get(path)
        rows = list(marshal.loads(entry[FINDINGS])) if entry and entry[FINDINGS] else []
        rows += self.global_.get(path, ())
        return sorted(map(decode, rows), key=lambda d: d.sort_key)

    def decoded(self) -> list[Diagnostic]:
        """Every finding, sorted."""
        return [d for path in self.paths for d in self.of(path)]

    def tally(self) -> Tally:
        errors = warnings = infos = 0
        for entry in self.notes.values():
            if entry[FINDINGS]:
                e, w, i = entry[COUNTS]
                errors, warnings, infos = errors + e, warnings + w, infos + i
        for rows in self.global_.values():
            for t in rows:
                errors += t[2] == Severity.ERROR
                warnings += t[2] == Severity.WARNING
                infos += t[2] == Severity.INFO
        return Tally(errors, warnings, infos, files=len(self.paths))


def _state_of(vault: Vault, key: str, files: tuple[SourceFile, ...],
              diagnostics: list[Diagnostic]) -> State:
    """The state after a full check."""
    rules = PublishRules.from_config(vault.config)
    per_note: dict[str, list[tuple]] = {}
    global_: list[tuple] = []
    crm = any(schema_of(n.properties) is not None for n in vault.notes.values())
    for d in diagnostics:
        if d.path in vault.notes and d.code not in _GLOBAL_CODES:
            per_note.setdefault(d.path, []).append(encode(d))
        else:
            global_.append(encode(d))
    notes = {f.path: check_state.entry(f, summary(vault.notes[f.path], rules),
                                       tuple(per_note.get(f.path, ())))
             for f in files if f.is_note and f.path in vault.notes}
    return State(key, notes, tuple(global_), crm, marshal.dumps(index_tables(vault.index)))


def _incremental(root: Path, config: Config, files: tuple[SourceFile, ...],
                 state: State) -> set[str] | None:
    """Re-check the changed notes, updating ``state``; the notes re-checked, or ``None`` (and
    ``state`` untouched) when the full check must run."""
    rules = PublishRules.from_config(config)
    if config.rule_severity("KB010") > Severity.OFF:
        return None  # orphans depend on every link of the vault
    crm_on = config.crm.enabled and any(config.rule_severity(c) > Severity.OFF for c in _CRM_CODES)
    if crm_on and state.crm:
        return None  # partner notes: findings depend on other notes and on today's date
    entries = state.notes
    changed = [f for f in files if f.is_note and (
        f.path not in entries or entries[f.path][SIZE] != f.size
        or entries[f.path][MTIME] != f.mtime_ns)]
    if len(changed) > MAX_CHANGED:
        return None
    fresh = {f.path: read_note(f.path, f.abspath) for f in changed}
    for path, note in fresh.items():
        if path not in entries or summary(note, rules) != marshal.loads(entries[path][SUMMARY]):
            return None  # what other notes see of it changed: everything is re-resolved
        if crm_on and schema_of(note.properties) is not None:
            return None  # a new partner note: from now on the vault is checked as a whole
    if not fresh:
        return set()
    # the file set and every alias are as when the index was recorded: its tables still hold
    index = index_from_tables(marshal.loads(state.index), _Notes(entries, fresh),
                              config.tie_break, config.resolve_aliases)
    attachments = tuple(Attachment(f.path) for f in files if not f.is_note)
    links = tuple(ResolvedLink(path, link, resolve(index, path, link))
                  for path in sorted(fresh) for link in fresh[path].links)
    partial = Vault(root=root, config=config, index=index, attachments=attachments, links=links)

    @emits("KB007", "KB009", "KB011", "KB012", "KB014")
    def fresh_problems(_: Vault):
        return note_problems(fresh.values())

    new = check(partial, config, checks=(fresh_problems, check_links, check_unpublished_links))
    by_note: dict[str, list[tuple]] = {path: [] for path in fresh}
    for d in new:
        by_note.setdefault(d.path, []).append(encode(d))
    for f in changed:  # the summary is as before (else the full check ran)
        entries[f.path] = check_state.entry(f, summary(fresh[f.path], rules),
                                            tuple(by_note[f.path]))
    return set(fresh)


class _Notes(Mapping):
    """Vault path → note: the changed notes as parsed, the others rebuilt from their summary
    on first access (only the targets of re-checked links are ever touched)."""

    def __init__(self, entries: dict[str, tuple], fresh: dict[str, Note]):
        self._entries = entries
        self._made = dict(fresh)

    def __getitem__(self, path: str) -> Note:
        note = self._made.get(path)
        if note is None:
            entry = self._entries[path]  # KeyError if unknown
            aliases, heads, ids, published = marshal.loads(entry[SUMMARY])
            note = self._made[path] = Note(
                path=path, aliases=aliases, properties={} if published else {"publish": False},
                headings=tuple(Heading(level, text, 0) for level, text in heads),
                blocks=tuple(Block(i, 0, 0, 0) for i in ids))
        return note

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
