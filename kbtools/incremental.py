"""Incremental ``kb check``: re-check only the notes that changed since the last run.

A note's link diagnostics depend on its own text and on the vault's *environment*: which files
exist, and every note's aliases, headings (level and text) and block ids. The last run's
findings are kept per note in ``.kbcache/check.marshal`` together with each note's environment
summary. When the file set, the configuration and every changed note's summary are as before,
the other notes' findings are still true: only the changed notes are parsed, resolved (against
an index of summaries) and checked. Anything else — a new, deleted or renamed file, a changed
heading, block id or alias, another configuration, rules that look at the whole graph (orphans)
— runs the full check, which then records a fresh state. So does any vault with partner notes
(``type: partner``, ``interaction``… see :mod:`kbtools.crm`) while the CRM rules are on: their
findings depend on other notes and on today's date. ``tests/test_incremental.py`` proves
the two paths give the same findings.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterator

from . import __version__
from .checks import check, check_links, check_unpublished_links, emits, note_problems
from .config import Config
from .diagnostics import Diagnostic, Severity
from .discover import SourceFile, discover
from .load import CACHE_DIR, _save_atomic, load_vault, no_gc, read_note
from .model import Attachment, Block, Heading, Note
from .publish import PublishRules, is_published
from .resolve import ResolvedLink, build_index_from, resolve
from .vault import Vault
from .crm.schemas import schema_of

STATE_FILE = "check.marshal"
FORMAT = 2
"""Bump when the state's layout changes (an older state is then ignored)."""
MAX_CHANGED = 200
"""Beyond this many changed notes the full check is as quick."""


def summary(note: Note, rules: PublishRules = PublishRules()) -> tuple:
    """What other notes' links can see of a note: aliases, headings, block ids, publication."""
    return (note.aliases, tuple((h.level, h.text) for h in note.headings),
            tuple(b.id for b in note.blocks), is_published(note, rules))


def _encode(d: Diagnostic) -> tuple:
    return (d.code, d.slug, int(d.severity), d.path, d.line, d.column, d.message, d.hint,
            d.end_column)


def _decode(t: tuple) -> Diagnostic:
    return Diagnostic(t[0], t[1], Severity(t[2]), *t[3:])


def _key(config: Config, files: list[SourceFile]) -> str:
    """Changes whenever the configuration or the set of files changes."""
    h = hashlib.sha256(f"{__version__}\0{config!r}".encode())
    for f in files:
        h.update(f.path.encode() + b"\0")
    return h.hexdigest()


def check_vault(root: Path, config: Config, *, cache: bool = True,
                jobs: int | None = None) -> tuple[list[Diagnostic], int]:
    """``(findings, files checked)`` for a vault, incrementally when a state is cached."""
    if not cache:
        vault = load_vault(root, config, cache=False, jobs=jobs)
        return check(vault), len(vault.notes) + len(vault.attachments)
    with no_gc():
        found = discover(root, config.ignore)
        state_path = root / CACHE_DIR / STATE_FILE
        key = _key(config, list(found.files))
        state = _load_state(state_path)
        if state is not None and state["key"] == key and not found.problems:
            result = _incremental(root, config, found.files, state)
            if result is not None:
                diagnostics, notes_state, changed = result
                if changed:
                    _save_state(state_path, key, notes_state, state["global"],
                                state.get("crm", True))
                return diagnostics, len(found.files)
        vault = load_vault(root, config, cache=True, jobs=jobs)
        diagnostics = check(vault)
        _save_state(state_path, key, *_state_of(vault, found.files, diagnostics))
        return diagnostics, len(vault.notes) + len(vault.attachments)


def _state_of(vault: Vault, files: tuple[SourceFile, ...], diagnostics: list[Diagnostic]):
    rules = PublishRules.from_config(vault.config)
    per_note: dict[str, list[tuple]] = {}
    global_: list[tuple] = []
    crm = any(schema_of(n.properties) is not None for n in vault.notes.values())
    for d in diagnostics:
        if d.path in vault.notes and d.code not in _GLOBAL_CODES:
            per_note.setdefault(d.path, []).append(_encode(d))
        else:
            global_.append(_encode(d))
    notes_state = {f.path: (f.size, f.mtime_ns, summary(vault.notes[f.path], rules),
                            tuple(per_note.get(f.path, ())))
                   for f in files if f.is_note and f.path in vault.notes}
    return notes_state, tuple(global_), crm


_GLOBAL_CODES = frozenset({"KB008", "KB010", "KB018", "KB019", "KB020", "KB021"})
"""Rules whose findings depend on the whole vault (or the date) rather than one note's text."""
_CRM_CODES = ("KB015", "KB016", "KB017", "KB018", "KB019", "KB020", "KB021")


def _incremental(root: Path, config: Config, files: tuple[SourceFile, ...], state: dict):
    rules = PublishRules.from_config(config)
    if config.rule_severity("KB010") > Severity.OFF:
        return None  # orphans depend on every link of the vault
    crm_on = config.crm.enabled and any(config.rule_severity(c) > Severity.OFF for c in _CRM_CODES)
    if crm_on and state.get("crm", True):
        return None  # partner notes: findings depend on other notes and on today's date
    notes_state: dict[str, tuple] = dict(state["notes"])
    changed = [f for f in files if f.is_note and (
        f.path not in notes_state or notes_state[f.path][0] != f.size
        or notes_state[f.path][1] != f.mtime_ns)]
    if len(changed) > MAX_CHANGED:
        return None
    fresh = {f.path: read_note(f.path, f.abspath) for f in changed}
    for path, note in fresh.items():
        if path not in notes_state or summary(note, rules) != notes_state[path][2]:
            return None  # what other notes see of it changed: everything is re-resolved
        if crm_on and schema_of(note.properties) is not None:
            return None  # a new partner note: from now on the vault is checked as a whole
    notes = _Notes(notes_state, fresh)
    attachments = tuple(Attachment(f.path) for f in files if not f.is_note)
    index = build_index_from(((path, entry[2][0]) for path, entry in notes_state.items()), notes,
                             attachments, config.tie_break, config.resolve_aliases,
                             one_lookup=False)
    links = tuple(ResolvedLink(path, link, resolve(index, path, link))
                  for path in sorted(fresh) for link in fresh[path].links)
    partial = Vault(root=root, config=config, index=index, attachments=attachments, links=links)

    @emits("KB007", "KB009", "KB011", "KB012", "KB014")
    def fresh_problems(_: Vault):
        return note_problems(fresh.values())

    new = check(partial, config, checks=(fresh_problems, check_links, check_unpublished_links))
    by_note: dict[str, list[tuple]] = {path: [] for path in fresh}
    for d in new:
        by_note.setdefault(d.path, []).append(_encode(d))
    out: list[Diagnostic] = []
    for f in files:
        if not f.is_note:
            continue
        if f.path in fresh:
            notes_state[f.path] = (f.size, f.mtime_ns, summary(fresh[f.path], rules),
                                   tuple(by_note[f.path]))
        out.extend(_decode(t) for t in notes_state[f.path][3])
    out.extend(_decode(t) for t in state["global"])
    out.sort(key=lambda d: d.sort_key)
    return out, notes_state, bool(fresh)


class _Notes(Mapping):
    """Vault path → note: the changed notes as parsed, the others rebuilt from their summary
    on first access (only the targets of re-checked links are ever touched)."""

    def __init__(self, state: dict[str, tuple], fresh: dict[str, Note]):
        self._state = state
        self._made = dict(fresh)

    def __getitem__(self, path: str) -> Note:
        note = self._made.get(path)
        if note is None:
            aliases, heads, ids, published = self._state[path][2]  # KeyError if unknown
            note = self._made[path] = Note(
                path=path, aliases=aliases, properties={} if published else {"publish": False},
                headings=tuple(Heading(level, text, 0) for level, text in heads),
                blocks=tuple(Block(i, 0, 0, 0) for i in ids))
        return note

    def __iter__(self) -> Iterator[str]:
        return iter(self._state)

    def __len__(self) -> int:
        return len(self._state)


def _load_state(path: Path) -> dict[str, Any] | None:
    try:
        data = marshal.loads(path.read_bytes())
    except Exception:  # missing, damaged or from another Python: start afresh
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    return data


def _save_state(path: Path, key: str, notes: dict[str, tuple], global_: tuple,
                crm: bool) -> None:
    _save_atomic(path, marshal.dumps({"format": FORMAT, "key": key, "notes": notes,
                                      "global": global_, "crm": crm}))
