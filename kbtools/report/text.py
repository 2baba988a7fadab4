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
import click

from ..diagnostics import Diagnostic, Severity, Tally
from .pieces import Pieces, assemble

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
_SEVERITY_WIDTH = len("warning")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(diagnostics: Sequence[Diagnostic], files_checked: int) -> str:
    """``✖ 3 errors, 1 warning in 2 files (42 files checked)`` or ``✔ No problems (…)``."""
    return tally_line(Tally.of(diagnostics), files_checked)


def tally_line(tally: Tally, files_checked: int) -> str:
    """:func:`summary_line` from a :class:`~kbtools.diagnostics.Tally`."""
    checked = f"({_plural(files_checked, 'file')} checked)"
    n = tally.counts
    parts = [
        _plural(n[sev], word)
        for sev, word in ((Severity.ERROR, "error"), (Severity.WARNING, "warning"), (Severity.INFO, "info"))
        if n[sev]
    ]
    if not parts:
        return f"✔ No problems {checked}"
    mark = "✖" if n[Severity.ERROR] or n[Severity.WARNING] else "ℹ"
    return f"{mark} {', '.join(parts)} in {_plural(tally.files, 'file')} {checked}"


def text_piece(rows: Sequence[Diagnostic], color: bool = False) -> str:
    """One file's block: its header, then a row per finding (``rows``: one path, sorted)."""

    def style(s: str, **kw: object) -> str:
        return click.style(s, **kw) if color else s  # type: ignore[arg-type]

    locs = [f"{d.path}:{d.line}:{d.column} {d.code}" for d in rows]
    rules = [d.slug for d in rows]
    loc_w, rule_w = max(map(len, locs)), max(map(len, rules))
    out = [style(rows[0].path, bold=True, underline=True)]
    for d, loc, rule in zip(rows, locs, rules):
        sev = style(f"{d.severity!s:<{_SEVERITY_WIDTH}}", fg=_COLORS.get(d.severity), bold=True)
        first, *rest = d.message.splitlines() or [""]
        out.append(f"  {loc:<{loc_w}} {sev}  {style(f'{rule:<{rule_w}}', dim=True)}  {first}")
        out.extend(f"    {line}" for line in rest)
        if d.hint:
            out.append(style(f"    hint: {' '.join(d.hint.splitlines())}", fg="cyan"))
    out.append("")
    return "\n".join(out)


def text_document(pieces: Sequence[str], tally: Tally, *, files_checked: int, color: bool = False,
                  tool_version: str = "0.1.0") -> str:
    """The file blocks, then the summary line."""
    n = tally.counts
    tone = "red" if n[Severity.ERROR] else "yellow" if n[Severity.WARNING] else "green"
    line = tally_line(tally, files_checked)
    return "\n".join([*pieces, click.style(line, fg=tone, bold=True) if color else line])


def format_text(
    diagnostics: Sequence[Diagnostic],
    *,
    files_checked: int,
    color: bool = False,
    tool_version: str = "0.1.0",
) -> str:
    """The default ``kb check`` output (``tool_version`` is unused)."""
    return assemble(TEXT, diagnostics, files_checked=files_checked, color=color,
                    tool_version=tool_version)


TEXT = Pieces(text_piece, text_document)
