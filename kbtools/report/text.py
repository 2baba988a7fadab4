"""Human-readable report: findings grouped under a file header, then a summary.

::

    Папка/Заметка.md
      Папка/Заметка.md:3:5 KB001 error    broken-note  No note named «План»
        hint: did you mean [[Планы]]?

    ✖ 1 error in 1 file (42 files checked)

Every row starts with ``path:line:col CODE`` so editors can jump to it and CI logs can be
grepped; the header only groups visually. Colour (``click.style``) only with
``color=True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

import click

from ..diagnostics import Diagnostic, Severity, counts

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
_SEVERITY_WIDTH = len("warning")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(diagnostics: Sequence[Diagnostic], files_checked: int) -> str:
    """``✖ 3 errors, 1 warning in 2 files (42 files checked)`` or ``✔ No problems (…)``."""
    checked = f"({_plural(files_checked, 'file')} checked)"
    n = counts(diagnostics)
    parts = [
        _plural(n[sev], word)
        for sev, word in ((Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "info"))
        if n[sev]
    ]
    if not parts:
        return f"✔ No problems {checked}"
    mark = "✖" if n[Severity.ERROR] or n[Severity.WARNING] else "ℹ"
    files = len({d.path for d in diagnostics})
    return f"{mark} {', '.join(parts)} in {_plural(files, 'file')} {checked}"


def format_text(
    diagnostics: Sequence[Diagnostic],
    *,
    files_checked: int,
    color: bool = False,
    tool_version: str = "0.1.0",
) -> str:
    """The default ``kb check`` output (``tool_version`` is unused)."""

    def style(s: str, **kw: object) -> str:
        return click.style(s, **kw) if color else s  # type: ignore[arg-type]

    ordered = sorted(diagnostics, key=lambda d: d.sort_key)
    out: list[str] = []
    for path, group in groupby(ordered, key=lambda d: d.path):
        rows = list(group)
        locs = [f"{d.path}:{d.line}:{d.column} {d.code}" for d in rows]
        rules = [d.slug for d in rows]
        loc_w, rule_w = max(map(len, locs)), max(map(len, rules))
        out.append(style(path, bold=True, underline=True))
        for d, loc, rule in zip(rows, locs, rules):
            sev = style(f"{d.severity!s:<{_SEVERITY_WIDTH}}", fg=_COLORS.get(d.severity), bold=True)
            first, *rest = d.message.splitlines() or [""]
            out.append(f"  {loc:<{loc_w}} {sev}  {style(f'{rule:<{rule_w}}', dim=True)}  {first}")
            out.extend(f"    {line}" for line in rest)
            if d.hint:
                out.append(style(f"    hint: {' '.join(d.hint.splitlines())}", fg="cyan"))
        out.append("")
    n = counts(ordered)
    tone = "red" if n[Severity.ERROR] else "yellow" if n[Severity.WARNING] else "green"
    out.append(style(summary_line(ordered, files_checked), fg=tone, bold=True))
    return "\n".join(out)
