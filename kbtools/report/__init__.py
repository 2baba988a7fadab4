"""Every output format of ``kb check``, and nothing else formats diagnostics.

Each format is one module with one pure function
``(diagnostics, *, files_checked, color, tool_version) -> str``; :data:`FORMATTERS`
lists them in the order the CLI offers them. Output never ends with a newline
(the CLI's ``click.echo`` adds it). Each formatter sorts findings by
:attr:`Diagnostic.sort_key` itself, so every format is deterministic.

The formats of :data:`PIECEWISE` are made of one piece per file (:mod:`.pieces`);
:class:`Report` renders them from cached pieces too, which is how a warm ``kb check`` re-renders
only the files that changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from ..diagnostics import Diagnostic, Tally
from . import github, json, junit, sarif, text
from .github import step_summary as _step_summary
from .pieces import Pieces

Formatter = Callable[..., str]
"""``f(diagnostics, *, files_checked: int, color: bool, tool_version: str) -> str``."""

FORMATTERS: dict[str, Formatter] = {
    "text": text.format_text,
    "json": json.format_json,
    "github": github.format_github,
    "sarif": sarif.format_sarif,
    "junit": junit.format_junit,
}
"""Format name -> formatter, in the order ``--format`` lists them. Read-only by convention."""

PIECEWISE: dict[str, Pieces] = {"text": text.TEXT, "json": json.JSON, "github": github.GITHUB}
"""The formats that can be assembled from per-file pieces (their formatter does just that)."""

__all__ = ["FORMATTERS", "Formatter", "PIECEWISE", "Report", "render", "rebase", "step_summary"]


@dataclass(frozen=True)
class Report:
    """How a report is wanted: format, colour, path prefix (``base``), tool version."""

    fmt: str = "text"
    color: bool = False
    base: str = ""
    tool_version: str = "0.1.0"

    def render(self, diagnostics: Iterable[Diagnostic], files_checked: int) -> str:
        """The report of these findings (see :func:`render`)."""
        return render(diagnostics, self.fmt, files_checked=files_checked, color=self.color,
                      tool_version=self.tool_version, base=self.base)

    @property
    def pieces(self) -> Pieces | None:
        """The format's pieces, if it is piecewise."""
        return PIECEWISE.get(self.fmt)

    def piece(self, rows: Sequence[Diagnostic]) -> str:
        """One file's piece (``rows``: its findings, sorted; vault-relative paths)."""
        assert self.pieces is not None
        return self.pieces.piece(rebase(rows, self.base), self.color)

    def assemble(self, pieces: Sequence[str], tally: Tally, files_checked: int) -> str:
        """The report from the pieces of every file with findings, in path order."""
        assert self.pieces is not None
        return self.pieces.document(pieces, tally, files_checked=files_checked,
                                    color=self.color, tool_version=self.tool_version)


def render(
    diagnostics: Iterable[Diagnostic],
    fmt: str,
    *,
    files_checked: int,
    color: bool = False,
    tool_version: str = "0.1.0",
    base: str = "",
) -> str:
    """Format ``diagnostics`` as ``fmt`` (a key of :data:`FORMATTERS`).

    ``base``: folder prefixed to every vault-relative path, so a report made from a repository
    root names ``vault/Note.md`` (what editors and CI annotations need).
    """
    try:
        formatter = FORMATTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (use {', '.join(FORMATTERS)})") from None
    return formatter(
        rebase(diagnostics, base), files_checked=files_checked, color=color,
        tool_version=tool_version)


def step_summary(diagnostics: Sequence[Diagnostic], files_checked: int, base: str = "") -> str:
    """The Markdown job summary for ``$GITHUB_STEP_SUMMARY`` (see :mod:`.github`)."""
    return _step_summary(rebase(diagnostics, base), files_checked)


def rebase(diagnostics: Iterable[Diagnostic], base: str) -> list[Diagnostic]:
    """Diagnostics with ``base/`` prefixed to their paths."""
    base = base.rstrip("/")
    if not base:
        return list(diagnostics)
    return [Diagnostic(d.code, d.slug, d.severity, f"{base}/{d.path}", d.line, d.column,
                       d.message, d.hint, d.end_column) for d in diagnostics]
