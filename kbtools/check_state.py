"""What the incremental check remembers between runs: ``.kbcache/check.marshal`` and its journal.

The state holds the key it is valid for (tool version, configuration, file set), one entry per
note (see :data:`SIZE` … :data:`COUNTS`), the findings that belong to no single note's text
(``global_``), the lookup tables of the vault's index, and the rendered report pieces of the
last format asked for (:mod:`kbtools.report.pieces`).

At 10,000 notes the state is about 13 MB; rewriting it after every edit would cost more than the
edit's re-check. So a run that re-checked a few notes writes only what changed to a small
journal, ``check.journal.marshal``, stamped with the state it extends. The journal is folded
into the state when it grows past :data:`JOURNAL_LIMIT` entries, when the report format
changes, and on every full check. A lost, damaged or foreign journal costs nothing but time:
its notes look changed (their size and mtime differ from the state's) and are checked again.
Both files are written atomically; either may be deleted at any time.
"""

from __future__ import annotations

import marshal
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, Severity
from .discover import SourceFile
from .load import _save_atomic

STATE_FILE = "check.marshal"
JOURNAL_FILE = "check.journal.marshal"
FORMAT = 6
"""Bump when the layout changes (an older state is then ignored)."""
JOURNAL_LIMIT = 500
"""Journal entries (notes plus report pieces) beyond which the state is rewritten whole."""

SIZE, MTIME, SUMMARY, FINDINGS, COUNTS = range(5)
"""A note's entry: file size and mtime (to notice a change), its
summary (what other notes' links see of it, :func:`kbtools.incremental.summary`) and its
findings (both marshalled to bytes, decoded only when needed), and how many of its findings
are errors, warnings and infos."""


def encode(d: Diagnostic) -> tuple:
    return (d.code, d.slug, int(d.severity), d.path, d.line, d.column, d.message, d.hint,
            d.end_column)


def decode(t: tuple) -> Diagnostic:
    return Diagnostic(t[0], t[1], Severity(t[2]), *t[3:])


def entry(f: SourceFile, summary: tuple, findings: tuple[tuple, ...]) -> tuple:
    """A note's entry (``findings``: encoded, from its own text)."""
    severities = [t[2] for t in findings]
    return (f.size, f.mtime_ns, marshal.dumps(summary),
            marshal.dumps(findings) if findings else b"",
            (severities.count(Severity.ERROR), severities.count(Severity.WARNING),
             severities.count(Severity.INFO)))


@dataclass
class State:
    """A loaded (or new) state; ``notes`` and ``pieces`` include the journal's changes."""

    key: str
    notes: dict[str, tuple]
    global_: tuple[tuple, ...]
    crm: bool
    """Whether the vault had partner notes (their findings need the full check)."""
    index: bytes
    """The index's lookup tables (:func:`kbtools.resolve.index_tables`), marshalled."""
    pieces: tuple | None = None
    """``(report key, {path: piece})``: the rendered pieces of the last piecewise report."""
    stamp: str = ""
    """Identifies the state file on disk (its journal carries the same stamp); ``""`` for a
    state not read from disk."""
    base: tuple = (None, None)
    """The state file's own notes and pieces, before the journal (what a journal extends)."""


def load(folder: Path) -> State | None:
    """The state in ``folder`` with its journal applied; ``None`` if there is none (or it is
    damaged, from another version or another Python)."""
    data = _read(folder / STATE_FILE)
    if data is None:
        return None
    try:
        state = State(data["key"], dict(data["notes"]), data["global"], data["crm"],
                      data["index"], data["pieces"], data["stamp"],
                      base=(data["notes"], data["pieces"]))
    except (KeyError, TypeError):
        return None
    journal = _read(folder / JOURNAL_FILE)
    if journal is None or journal.get("stamp") != state.stamp:
        return state
    try:
        notes = {**state.notes, **journal["notes"]}
        pieces = state.pieces
        if pieces is not None and journal["pieces"]:
            merged = dict(pieces[1])
            for path, piece in journal["pieces"].items():
                if piece is None:
                    merged.pop(path, None)
                else:
                    merged[path] = piece
            pieces = (pieces[0], merged)
    except (KeyError, TypeError, AttributeError, IndexError):
        return state  # a damaged journal: its notes will simply be checked again
    state.notes, state.pieces = notes, pieces
    return state


def save(folder: Path, state: State) -> None:
    """Record ``state`` in ``folder``: as a journal over the state file when that state is the
    one ``state`` was loaded from, has the same kind of report pieces and the changes are few;
    else whole."""
    base_notes, base_pieces = state.base
    if state.stamp and base_notes is not None and \
            (base_pieces and base_pieces[0]) == (state.pieces and state.pieces[0]):
        notes = {p: e for p, e in state.notes.items() if e is not base_notes.get(p)}
        pieces: dict[str, str | None] = {}
        if state.pieces is not None:
            before, now = base_pieces[1], state.pieces[1]
            pieces = {p: s for p, s in now.items() if s is not before.get(p)}
            pieces.update((p, None) for p in before if p not in now)
        if len(notes) + len(pieces) <= JOURNAL_LIMIT:
            _save_atomic(folder / JOURNAL_FILE, marshal.dumps(
                {"format": FORMAT, "stamp": state.stamp, "notes": notes, "pieces": pieces}))
            return
    _save_atomic(folder / STATE_FILE, marshal.dumps(
        {"format": FORMAT, "key": state.key, "notes": state.notes, "global": state.global_,
         "crm": state.crm, "index": state.index, "pieces": state.pieces,
         "stamp": uuid.uuid4().hex}))
    try:
        os.unlink(folder / JOURNAL_FILE)
    except OSError:
        pass


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = marshal.loads(path.read_bytes())
    except Exception:  # missing, damaged or from another Python: start afresh
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    return data
