"""Diagnostics are data: what a check found, where, and how to fix it.

Formatting lives in :mod:`kbtools.report`; the exit code derives from severities
(:func:`exit_code`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable


class Severity(enum.IntEnum):
    """How bad a finding is; ``OFF`` disables a rule."""

    OFF = 0
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, value: str | "Severity") -> "Severity":
        if isinstance(value, Severity):
            return value
        key = str(value).strip().lower()
        aliases = {"warn": "warning", "err": "error", "none": "off", "ignore": "off", "note": "info"}
        try:
            return cls[aliases.get(key, key).upper()]
        except KeyError:
            raise ValueError(f"unknown severity {value!r} (use off, info, warning or error)") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding of one rule at one place."""

    code: str
    """Stable rule code, ``KB001``…"""
    slug: str
    """Stable rule name, ``broken-note``…"""
    severity: Severity
    path: str
    """Vault-relative path of the file the finding is in."""
    line: int
    """1-based physical line."""
    column: int
    """1-based column in code points."""
    message: str
    hint: str | None = None
    """How to fix it (``did you mean [[…]]?``), when known."""
    end_column: int | None = None
    """1-based column just past the offending text, when it has one."""

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code, self.message)


def exit_code(diagnostics: Iterable[Diagnostic], strict: bool = False) -> int:
    """0 when nothing fails; 1 when an error was found (or a warning, with ``strict``)."""
    worst = max((d.severity for d in diagnostics), default=Severity.OFF)
    if worst >= Severity.ERROR or (strict and worst >= Severity.WARNING):
        return 1
    return 0


def counts(diagnostics: Iterable[Diagnostic]) -> dict[Severity, int]:
    """How many findings of each severity."""
    out = {Severity.ERROR: 0, Severity.WARNING: 0, Severity.INFO: 0}
    for d in diagnostics:
        out[d.severity] = out.get(d.severity, 0) + 1
    return out


@dataclass(frozen=True, slots=True)
class Tally:
    """What a report's summary needs of a set of findings, without the findings themselves."""

    errors: int = 0
    warnings: int = 0
    infos: int = 0
    files: int = 0
    """How many files have at least one finding."""

    @classmethod
    def of(cls, diagnostics: Iterable[Diagnostic]) -> "Tally":
        diagnostics = list(diagnostics)
        n = counts(diagnostics)
        return cls(n[Severity.ERROR], n[Severity.WARNING], n[Severity.INFO],
                   len({d.path for d in diagnostics}))

    @property
    def counts(self) -> dict[Severity, int]:
        """As :func:`counts` gives them."""
        return {Severity.ERROR: self.errors, Severity.WARNING: self.warnings,
                Severity.INFO: self.infos}

    def exit_code(self, strict: bool = False) -> int:
        """As :func:`exit_code` gives it."""
        return 1 if self.errors or (strict and self.warnings) else 0
