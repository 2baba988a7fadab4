"""SARIF 2.1.0 log, for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` is the whole rule table (:data:`kbtools.rules.RULES`),
so ``ruleIndex`` is a rule's position there. Paths are vault-relative URI
references (percent-encoded, ``/``-separated) against the ``%SRCROOT%`` base,
whose absolute location is left to the consumer (the vault root). Columns count
Unicode code points, declared with ``run.columnKind``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from ..diagnostics import Diagnostic, Severity
from ..rules import RULES, Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/kbtools/kbtools"
SRCROOT = "%SRCROOT%"

_LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.OFF: "none",
}
_RULE_INDEX = {r.code: i for i, r in enumerate(RULES)}


def _rule(r: Rule) -> dict[str, Any]:
    return {
        "id": r.code,
        "name": r.slug,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": f"{r.summary} {r.fix}"},
        "help": {"text": f"Example:\n{r.example}\n\nFix: {r.fix}"},
        "defaultConfiguration": {"level": _LEVELS[r.severity]},
    }


def _result(d: Diagnostic) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": d.line, "startColumn": d.column}
    if d.end_column is not None:
        region["endColumn"] = d.end_column
    result: dict[str, Any] = {"ruleId": d.code}
    if d.code in _RULE_INDEX:
        result["ruleIndex"] = _RULE_INDEX[d.code]
    result["level"] = _LEVELS[d.severity]
    result["message"] = {"text": d.message + (f"\nHint: {d.hint}" if d.hint else "")}
    result["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": quote(d.path), "uriBaseId": SRCROOT},
                "region": region,
            }
        }
    ]
    return result


def format_sarif(
    diagnostics: Sequence[Diagnostic],
    *,
    files_checked: int,
    color: bool = False,
    tool_version: str = "0.1.0",
) -> str:
    """The ``--format sarif`` log (``color`` is unused; ``files_checked`` goes in run properties)."""
    ordered = sorted(diagnostics, key=lambda d: d.sort_key)
    run = {
        "tool": {
            "driver": {
                "name": "kbtools",
                "informationUri": INFORMATION_URI,
                "version": tool_version,
                "rules": [_rule(r) for r in RULES],
            }
        },
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": "The root folder of the checked vault."}}
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(d) for d in ordered],
        "properties": {"filesChecked": files_checked},
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, ensure_ascii=False, indent=2)
