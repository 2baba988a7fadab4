"""GitHub Actions output: workflow-command annotations and a job step summary.

One line per finding, e.g.::

    ::error file=Папка/Заметка.md,line=3,col=5,endColumn=11,title=KB001 broken-note::No note named «План» — did you mean [[Планы]]?

``warning`` becomes ``::warning``, ``info`` (and ``off``) ``::notice``. Values are
escaped as GitHub's toolkit does (``escapeData``/``escapeProperty`` in
``@actions/core``): ``%``, CR and LF in the message; additionally ``:`` and
``,`` in properties.

:func:`step_summary` is Markdown for ``$GITHUB_STEP_SUMMARY`` (the CLI appends it
when that variable is set).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ..diagnostics import Diagnostic, Severity, Tally
from .pieces import Pieces, assemble
from .text import summary_line

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning"}
HINT_SEPARATOR = " — "
MAX_SUMMARY_ROWS = 200
"""Findings listed in the step summary; the rest are counted, not shown."""


def escape_data(s: str) -> str:
    """Escape a workflow-command message."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    """Escape a workflow-command property value."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic) -> str:
    """The workflow command that annotates ``d``."""
    props = {"file": d.path, "line": d.line, "col": d.column}
    if d.end_column is not None:
        props["endColumn"] = d.end_column
    props["title"] = f"{d.code} {d.slug}"
    message = d.message + (HINT_SEPARATOR + d.hint if d.hint else "")
    joined = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items())
    return f"::{_COMMANDS.get(d.severity, 'notice')} {joined}::{escape_data(message)}"


def github_piece(rows: Sequence[Diagnostic], color: bool = False) -> str:
    """One file's annotations."""
    return "\n".join(annotation(d) for d in rows)


def github_document(pieces: Sequence[str], tally: Tally, *, files_checked: int,
                    color: bool = False, tool_version: str = "0.1.0") -> str:
    """The annotations, nothing else."""
    return "\n".join(pieces)


def format_github(
    diagnostics: Sequence[Diagnostic],
    *,
    files_checked: int,
    color: bool = False,
    tool_version: str = "0.1.0",
) -> str:
    """``--format github``: one annotation per finding, nothing else."""
    return assemble(GITHUB, diagnostics, files_checked=files_checked)


GITHUB = Pieces(github_piece, github_document)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def _cell(s: str) -> str:
    """Text safe inside a Markdown table cell (backslash escapes, ``<br>`` for newlines)."""
    return "<br>".join(_MD_SPECIAL.sub(r"\\\1", line) for line in s.splitlines())


def step_summary(diagnostics: Sequence[Diagnostic], files_checked: int) -> str:
    """Markdown job summary: headline, counts per rule, then up to 200 findings.

    Ends with a newline, so appending it to ``$GITHUB_STEP_SUMMARY`` keeps steps apart.
    """
    ordered = sorted(diagnostics, key=lambda d: d.sort_key)
    out = ["### kbtools check", "", summary_line(ordered, files_checked)]
    if not ordered:
        return "\n".join(out) + "\n"

    per_rule = Counter((d.code, d.slug) for d in ordered)
    worst: dict[str, Severity] = {}
    for d in ordered:
        worst[d.code] = max(worst.get(d.code, d.severity), d.severity)
    out += ["", "| Rule | Severity | Count |", "| --- | --- | ---: |"]
    out += [
        f"| {code} {_cell(slug)} | {worst[code]} | {n} |"
        for (code, slug), n in sorted(per_rule.items())
    ]

    out += ["", "| Location | Rule | Message |", "| --- | --- | --- |"]
    for d in ordered[:MAX_SUMMARY_ROWS]:
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        out.append(f"| {_cell(f'{d.path}:{d.line}:{d.column}')} | {d.code} | {_cell(message)} |")
    if len(ordered) > MAX_SUMMARY_ROWS:
        out += ["", f"…and {len(ordered) - MAX_SUMMARY_ROWS} more not shown."]
    return "\n".join(out) + "\n"
