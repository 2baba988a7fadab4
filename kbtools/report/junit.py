"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure…).

One ``<testsuite name="kbtools check">``; one ``<testcase>`` per file with
findings, holding one ``<failure>`` per error or warning (infos go to the
testcase's ``<system-out>`` and do not fail it). With no findings at all, a single
passing testcase ``vault`` records how many files were checked.

``tests`` counts testcases and ``failures`` counts failing testcases (so
``failures <= tests`` as JUnit consumers expect); the number of individual
findings is in the ``findings`` property. Built with ElementTree, so XML
escaping is right; characters XML 1.0 cannot hold are replaced by U+FFFD.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from itertools import groupby

from ..diagnostics import Diagnostic, Severity

SUITE_NAME = "kbtools check"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(s: str) -> str:
    """``s`` without characters XML 1.0 forbids (NUL, other C0 controls, lone surrogates)."""
    return _NOT_XML.sub("\ufffd", s)


def _line(d: Diagnostic) -> str:
    hint = f" (hint: {d.hint})" if d.hint else ""
    return f"{d.path}:{d.line}:{d.column} {d.severity} {d.code} {d.slug}: {d.message}{hint}"


def format_junit(
    diagnostics: Sequence[Diagnostic],
    *,
    files_checked: int,
    color: bool = False,
    tool_version: str = "0.1.0",
) -> str:
    """The ``--format junit`` document (``color`` is unused)."""
    ordered = sorted(diagnostics, key=lambda d: d.sort_key)
    suites = ET.Element("testsuites", name="kbtools")
    suite = ET.SubElement(suites, "testsuite", name=SUITE_NAME)
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("tool_version", tool_version),
        ("files_checked", files_checked),
        ("findings", len(ordered)),
    ):
        ET.SubElement(props, "property", name=name, value=str(value))

    tests = failures = 0
    for path, group in groupby(ordered, key=lambda d: d.path):
        rows = list(group)
        case = ET.SubElement(suite, "testcase", classname=_x(f"kbtools.{path}"), name=_x(path))
        failing = [d for d in rows if d.severity >= Severity.WARNING]
        for d in failing:
            failure = ET.SubElement(case, "failure", type=d.code, message=_x(d.message))
            failure.text = _x(_line(d))
        if quiet := [d for d in rows if d.severity < Severity.WARNING]:
            ET.SubElement(case, "system-out").text = _x("\n".join(map(_line, quiet)))
        tests += 1
        failures += bool(failing)
    if not ordered:
        case = ET.SubElement(suite, "testcase", classname="kbtools", name="vault")
        ET.SubElement(case, "system-out").text = f"{files_checked} files checked, no problems"
        tests = 1

    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", "0")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")
