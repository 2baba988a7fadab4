"""Every output format of kbtools.report, on hand-built diagnostics.

The fixtures use Cyrillic paths and messages with ``%``, ``,``, ``:`` and newlines,
the characters each format must escape differently.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from kbtools.diagnostics import Diagnostic, Severity
from kbtools.report import FORMATTERS, render, step_summary
from kbtools.report.github import escape_data, escape_property
from kbtools.rules import BY_CODE, RULES

jsonschema = pytest.importorskip("jsonschema")

SARIF_MIN_SCHEMA = Path(__file__).parent / "data" / "sarif-min.schema.json"

NOTE = "Папка/Заметка.md"
ODD = "Работа/a,b:c%.md"

DIAGS = [
    # deliberately unsorted
    Diagnostic("KB005", "ambiguous-link", Severity.WARNING, ODD, 10, 2,
               "Link [[План]] is ambiguous: 2 candidates, 50% chance", hint="write [[Работа/План]]"),
    Diagnostic("KB007", "invalid-frontmatter", Severity.ERROR, NOTE, 1, 1,
               "YAML error:\nmapping values are not allowed here"),
    Diagnostic("KB001", "broken-note", Severity.ERROR, NOTE, 3, 5,
               "No note named «План, 100%: итог»", hint="did you mean [[Планы]]?", end_column=11),
    Diagnostic("KB010", "orphan-note", Severity.INFO, "Корень.md", 1, 1, "Nothing links here | here"),
]
CHECKED = 42


def out(fmt: str, diags=DIAGS, files_checked: int = CHECKED, **kw) -> str:
    return render(diags, fmt, files_checked=files_checked, **kw)


def test_registry_and_unknown_format():
    assert list(FORMATTERS) == ["text", "json", "github", "sarif", "junit"]
    with pytest.raises(ValueError, match="unknown format"):
        out("xml")


# ---------------------------------------------------------------- text

def test_text_rows_carry_path_line_col_and_group_by_file():
    text = out("text")
    lines = text.splitlines()
    assert f"{NOTE}:3:5" in text and f"{ODD}:10:2" in text and "Корень.md:1:1" in text
    # each finding row greps as `path:line:col CODE severity slug message`
    row = re.compile(r"^  (\S+):(\d+):(\d+) (KB\d{3}) +(error|warning|info) +([a-z-]+) +(.*)$")
    rows = [m.groups() for line in lines if (m := row.match(line))]
    assert [(r[0], int(r[1]), int(r[2]), r[3]) for r in rows] == [
        (d.path, d.line, d.column, d.code) for d in sorted(DIAGS, key=lambda d: d.sort_key)
    ]
    # file header precedes its rows; hint on the next indented line; continuation indented
    i = lines.index(NOTE)
    assert lines[i + 1].startswith(f"  {NOTE}:1:1 ") and lines[i + 2] == "    mapping values are not allowed here"
    assert lines[i + 3].startswith(f"  {NOTE}:3:5 ") and lines[i + 4] == "    hint: did you mean [[Планы]]?"
    assert lines[-1] == "✖ 2 errors, 1 warning, 1 info in 3 files (42 files checked)"
    assert "\x1b[" not in text


def test_text_summary_variants_and_color():
    assert out("text", []) == "✔ No problems (42 files checked)"
    assert out("text", [], files_checked=1) == "✔ No problems (1 file checked)"
    assert out("text", DIAGS[3:]).splitlines()[-1] == "ℹ 1 info in 1 file (42 files checked)"
    colored = out("text", color=True)
    assert "\x1b[" in colored
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == out("text")


# ---------------------------------------------------------------- json

def test_json_round_trips():
    doc = json.loads(out("json"))
    assert doc["version"] == 1 and doc["files_checked"] == CHECKED
    assert doc["summary"] == {"errors": 2, "warnings": 1, "infos": 1}
    keys = ["code", "slug", "severity", "path", "line", "column", "end_column", "message", "hint"]
    assert all(list(d) == keys for d in doc["diagnostics"])
    back = [Diagnostic(**{**d, "severity": Severity.parse(d["severity"])}) for d in doc["diagnostics"]]
    assert back == sorted(DIAGS, key=lambda d: d.sort_key)
    assert NOTE in out("json")  # ensure_ascii=False


# ---------------------------------------------------------------- github

_CMD = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def _unescape(s: str) -> str:
    for raw, esc in ((",", "%2C"), (":", "%3A"), ("\n", "%0A"), ("\r", "%0D"), ("%", "%25")):
        s = s.replace(esc, raw)
    return s


def test_github_commands_parse_and_escape():
    lines = out("github").splitlines()
    assert len(lines) == len(DIAGS)  # no raw newline leaked
    parsed = []
    for line in lines:
        m = _CMD.match(line)
        assert m, line
        props = dict(p.split("=", 1) for p in m.group(2).split(","))
        parsed.append((m.group(1), {k: _unescape(v) for k, v in props.items()}, _unescape(m.group(3))))
    kinds = [p[0] for p in parsed]
    assert kinds == ["notice", "error", "error", "warning"]  # sorted by path: Корень < Папка < Работа
    _, props, msg = parsed[2]
    assert props == {"file": NOTE, "line": "3", "col": "5", "endColumn": "11", "title": "KB001 broken-note"}
    assert msg == "No note named «План, 100%: итог» — did you mean [[Планы]]?"
    assert "endColumn" not in parsed[1][1]
    # escaping exactly as GitHub's toolkit does
    assert f"file={escape_property(ODD)}," in lines[3] and "file=Работа/a%2Cb%3Ac%25.md," in lines[3]
    assert lines[3].endswith("::Link [[План]] is ambiguous: 2 candidates, 50%25 chance — write [[Работа/План]]")
    assert lines[1].endswith("::YAML error:%0Amapping values are not allowed here")
    assert escape_data("a\r\nb%") == "a%0D%0Ab%25"


def test_step_summary():
    md = step_summary(DIAGS, CHECKED)
    assert md.startswith("### kbtools check\n\n✖ 2 errors, 1 warning, 1 info in 3 files (42 files checked)")
    assert "| KB001 broken-note | error | 1 |" in md
    assert f"| {NOTE}:3:5 | KB001 | No note named «План, 100%: итог»<br>hint: did you mean \\[\\[Планы\\]\\]? |" in md
    assert "Nothing links here \\| here" in md  # a pipe does not split the cell
    assert md.endswith("\n")
    many = [Diagnostic("KB009", "empty-link", Severity.WARNING, f"n{i:03}.md", 1, 1, "x") for i in range(250)]
    big = step_summary(many, 250)
    assert "| KB009 empty-link | warning | 250 |" in big
    assert sum(line.startswith("| n") for line in big.splitlines()) == 200
    assert "…and 50 more not shown." in big
    assert step_summary([], 7) == "### kbtools check\n\n✔ No problems (7 files checked)\n"


# ---------------------------------------------------------------- sarif

def _validator():
    schema = json.loads(SARIF_MIN_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_sarif_validates_and_maps_rules():
    log = json.loads(out("sarif", tool_version="9.9.9"))
    _validator().validate(log)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json" and log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "kbtools" and driver["version"] == "9.9.9"
    assert [r["id"] for r in driver["rules"]] == [r.code for r in RULES]
    assert driver["rules"][RULES.index(BY_CODE["KB010"])]["defaultConfiguration"]["level"] == "none"
    assert "%SRCROOT%" in run["originalUriBaseIds"]
    results = run["results"]
    assert [r["level"] for r in results] == ["note", "error", "error", "warning"]
    for res, d in zip(results, sorted(DIAGS, key=lambda d: d.sort_key)):
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"] == d.code
        loc = res["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert uri.isascii() and not urlsplit(uri).scheme and unquote(uri) == d.path
        assert loc["region"]["startLine"] == d.line and loc["region"]["startColumn"] == d.column
    assert results[2]["message"]["text"] == "No note named «План, 100%: итог»\nHint: did you mean [[Планы]]?"
    assert results[2]["locations"][0]["physicalLocation"]["region"]["endColumn"] == 11
    assert results[3]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "%D0%A0%D0%B0%D0%B1%D0%BE%D1%82%D0%B0/a%2Cb%3Ac%25.md"
    )
    _validator().validate(json.loads(out("sarif", [])))


def test_sarif_schema_is_not_vacuous():
    log = json.loads(out("sarif"))
    bad = json.loads(json.dumps(log))
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(bad)
    for mutate in (
        lambda l: l.update(version="2.0.0"),
        lambda l: l["runs"][0]["results"][0]["message"].pop("text"),
        lambda l: l["runs"][0]["results"][0].update(level="fatal"),
        lambda l: l["runs"][0]["tool"]["driver"].pop("name"),
    ):
        bad = json.loads(json.dumps(log))
        mutate(bad)
        with pytest.raises(jsonschema.ValidationError):
            _validator().validate(bad)


# ---------------------------------------------------------------- junit

def test_junit_counts_and_escaping():
    with_nul = DIAGS + [Diagnostic("KB011", "unreadable-file", Severity.ERROR, "bin<&>.md", 1, 1, "NUL \x00 byte")]
    root = ET.fromstring(out("junit", with_nul))
    (suite,) = root.findall("testsuite")
    assert root.tag == "testsuites" and suite.get("name") == "kbtools check"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["bin<&>.md", "Корень.md", NOTE, ODD]
    assert cases[2].get("classname") == f"kbtools.{NOTE}"
    failing = [c for c in cases if c.find("failure") is not None]
    for el in (root, suite):
        assert el.get("tests") == str(len(cases)) == "4"
        assert el.get("failures") == str(len(failing)) == "3"
    failures = cases[2].findall("failure")
    assert [f.get("type") for f in failures] == ["KB007", "KB001"]
    assert failures[0].get("message") == "YAML error:\nmapping values are not allowed here"
    assert failures[1].text == f"{NOTE}:3:5 error KB001 broken-note: No note named «План, 100%: итог» (hint: did you mean [[Планы]]?)"
    assert "Nothing links here" in cases[1].find("system-out").text  # info: reported, not failed
    assert cases[0].find("failure").get("message") == "NUL \ufffd byte"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["files_checked"] == "42" and props["findings"] == "5"


def test_junit_clean_vault():
    root = ET.fromstring(out("junit", []))
    (case,) = root.iter("testcase")
    assert case.get("name") == "vault" and case.find("failure") is None
    assert "42 files checked" in case.find("system-out").text
    assert root.get("tests") == "1" and root.get("failures") == "0"
