"""Machine-readable report, stable schema ``version: 1``.

::

    {"version": 1, "files_checked": 42,
     "summary": {"errors": 1, "warnings": 0, "infos": 0},
     "diagnostics": [{"code": "KB001", "slug": "broken-note", "severity": "error",
                      "path": "Папка/Заметка.md", "line": 3, "column": 5,
                      "end_column": 11, "message": "…", "hint": null}]}

Non-ASCII is written as is (UTF-8), not as ``\\u`` escapes. Each diagnostic takes one line:
readable, diff-friendly, and written by the C encoder (an indented dump of 12,000 findings goes
through the pure-Python encoder and takes 0.4 s).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..diagnostics import Diagnostic, Tally
from .pieces import Pieces, assemble

SCHEMA_VERSION = 1
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ": "))


def as_dict(d: Diagnostic) -> dict[str, Any]:
    """One diagnostic as a JSON object (keys in schema order)."""
    return {
        "code": d.code,
        "slug": d.slug,
        "severity": d.severity.name.lower(),
        "path": d.path,
        "line": d.line,
        "column": d.column,
        "end_column": d.end_column,
        "message": d.message,
        "hint": d.hint,
    }


def json_piece(rows: Sequence[Diagnostic], color: bool = False) -> str:
    """One file's findings: one JSON object per line."""
    # one encoder call for all rows, then a line break between objects: `},{"code"` cannot
    # occur inside a JSON string (its quotes are escaped), only between two diagnostics
    return _ENCODER.encode([as_dict(d) for d in rows])[1:-1].replace('},{"code"', _BETWEEN)


def json_document(pieces: Sequence[str], tally: Tally, *, files_checked: int,
                  color: bool = False, tool_version: str = "0.1.0") -> str:
    """The document around the pieces."""
    doc = {
        "version": SCHEMA_VERSION,
        "files_checked": files_checked,
        "summary": {"errors": tally.errors, "warnings": tally.warnings, "infos": tally.infos},
    }
    head = json.dumps(doc, ensure_ascii=False, indent=2)[:-2]  # all but the closing newline + brace
    if not pieces:
        return head + ',\n  "diagnostics": []\n}'
    # one join, no copies of the (megabytes of) rows on the way
    parts = list(pieces)
    parts[0] = head + ',\n  "diagnostics": [\n    ' + parts[0]
    parts[-1] += "\n  ]\n}"
    return ",\n    ".join(parts)


def format_json(
    diagnostics: Sequence[Diagnostic],
    *,
    files_checked: int,
    color: bool = False,
    tool_version: str = "0.1.0",
) -> str:
    """The ``--format json`` document (``color`` and ``tool_version`` are unused)."""
    return assemble(JSON, diagnostics, files_checked=files_checked)


_BETWEEN = '},\n    {"code"'
JSON = Pieces(json_piece, json_document)
