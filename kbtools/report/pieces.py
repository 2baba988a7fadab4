"""Formats assembled from one piece per file, so a report can reuse the pieces of unchanged files.

A piecewise format is two functions: ``piece(rows, color)`` renders the findings of **one** file
(all with the same path, in :attr:`~kbtools.diagnostics.Diagnostic.sort_key` order), and
``document(pieces, tally, files_checked=, color=, tool_version=)`` wraps the pieces, in path
order, into the report. The format's own ``format_*`` function is :func:`assemble` over them, so
a report put together from cached pieces (:mod:`kbtools.incremental`) is the same text by
construction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import groupby
from typing import NamedTuple

from ..diagnostics import Diagnostic, Tally


class Pieces(NamedTuple):
    piece: Callable[..., str]
    """``(rows of one file, color) -> str``."""
    document: Callable[..., str]
    """``(pieces in path order, tally, *, files_checked, color, tool_version) -> str``."""


def by_file(diagnostics: Iterable[Diagnostic]) -> list[list[Diagnostic]]:
    """The findings grouped per file: groups in path order, each sorted."""
    ordered = sorted(diagnostics, key=lambda d: d.sort_key)
    return [list(rows) for _, rows in groupby(ordered, key=lambda d: d.path)]


def assemble(fmt: Pieces, diagnostics: Sequence[Diagnostic], *, files_checked: int,
             color: bool = False, tool_version: str = "0.1.0") -> str:
    """The whole report, piece by piece."""
    groups = by_file(diagnostics)
    return fmt.document([fmt.piece(rows, color) for rows in groups], Tally.of(diagnostics),
                        files_checked=files_checked, color=color, tool_version=tool_version)
