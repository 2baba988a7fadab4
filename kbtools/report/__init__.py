"""Every output format of ``kb check``, and nothing else formats diagnostics.

Each format is one module with one pure function
``(diagnostics, *, files_checked, color, tool_version) -> str``; :data:`FORMATTERS`
lists them in the order the CLI offers them. Output never ends with a newline
(the CLI's ``click.echo`` adds it). Each formatter sorts findings by
:attr:`Diagnostic.sort_key` itself, so every format is deterministic.
"""

from __future__ import annotations

from typing import Callable, Iterable

from ..diagnostics import Diagnostic
from . import github, json, junit, sarif, text
from .github import step_summary

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

__all__ = ["FORMATTERS", "Formatter", "render", "step_summary"]


def render(
    diagnostics: Iterable[Diagnostic],
    fmt: str,
    *,
    files_checked: int,
    color: bool = False,
    tool_version: str = "0.1.0",
) -> str:
    """Format ``diagnostics`` as ``fmt`` (a key of :data:`FORMATTERS`)."""
    try:
        formatter = FORMATTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (use {', '.join(FORMATTERS)})") from None
    return formatter(
        list(diagnostics), files_checked=files_checked, color=color, tool_version=tool_version
    )
