"""The ``kb`` command line, end to end in-process (click's CliRunner).

Every test builds its own small vault under ``tmp_path``: ``<tmp>/repo/.git`` marks a repository
root (so configuration lookup never climbs out of it) and the vault is ``<tmp>/repo/vault``.
Notes are Russian, like the sample vault.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from kbtools.cli import main
from kbtools.links import KEYS

LINK_KEYS = ["source", "line", "column", "raw", "kind", "target", "heading", "block", "status"]
FORMATS = ["text", "json", "github", "sarif", "junit"]

HUB = "Развитие партнерств.md"
CLEAN = {
    HUB: ("---\naliases: [Стратегические альянсы]\ntags: [networking]\n---\n"
          "# Развитие партнерств\n\nСм. [[Лидерство]] и [[Лидерство#Управление конфликтами]].\n"),
    "Лидерство.md": ("# Лидерство\n\n## Управление конфликтами\n\nОснова — доверие. ^trust\n\n"
                     "Назад к [[Развитие партнерств]].\n"),
}
BROKEN_LINE = "Ещё [[Построение отношений]] тут.\n"
"""Line 2 of ``Сломано.md``; the link starts at column 5 (code points, not bytes)."""


# -- helpers -------------------------------------------------------------------------------------

def make_vault(tmp_path: Path, files: dict[str, str | bytes], vault: str = "vault") -> Path:
    """Write ``files`` (vault-relative path → text or bytes) into ``<tmp>/repo/<vault>``."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True, exist_ok=True)
    root = repo / vault
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


def broken_vault(tmp_path: Path, **extra: str | bytes) -> Path:
    return make_vault(tmp_path, {**CLEAN, "Сломано.md": "# Сломано\n" + BROKEN_LINE, **extra})


def kb(*args, env: dict[str, str | None] | None = None):
    """Run ``kb`` in-process; never let an exception other than SystemExit pass silently.

    GitHub's variables are unset unless given, so running the tests inside GitHub Actions does
    not write to the job's real step summary.
    """
    env = {"GITHUB_STEP_SUMMARY": None, "GITHUB_WORKSPACE": None, **(env or {})}
    # run from inside the vault, as `kb check` usually is, so reports name vault-relative paths
    cwd = args[1] if len(args) > 1 and Path(str(args[1])).is_dir() else os.getcwd()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    finally:
        os.chdir(old)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"kb {' '.join(map(str, args))} raised "
                             f"{result.exception!r}\n{result.output}") from result.exception
    assert "Traceback" not in result.output
    return result


def codes(result) -> set[str]:
    return set(re.findall(r"\bKB\d{3}\b", result.output))


def check_json(*args, env=None) -> tuple[int, dict]:
    result = kb("check", *args, "--format", "json", env=env)
    return result.exit_code, json.loads(result.stdout)


def tree_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` except the cache."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".kbcache" not in p.parts}


# -- exit codes and text output ------------------------------------------------------------------

def test_clean_vault_exits_0(tmp_path):
    vault = make_vault(tmp_path, CLEAN)
    result = kb("check", vault)
    assert result.exit_code == 0, result.output
    assert "No problems" in result.output
    assert "2 files checked" in result.output


def test_broken_link_exits_1_with_path_line_col_code(tmp_path):
    vault = broken_vault(tmp_path)
    result = kb("check", vault)
    assert result.exit_code == 1, result.output
    assert re.search(r"^\s*Сломано\.md:2:5 KB001 ", result.output, re.M), result.output
    assert "1 error" in result.output


def test_broken_link_hint_suggests_closest_name(tmp_path):
    vault = broken_vault(tmp_path, **{"Построение-отношений.md": "# Построение отношений\n"})
    result = kb("check", vault)
    assert result.exit_code == 1
    assert "did you mean [[Построение-отношений]]?" in result.output


def test_default_vault_is_current_folder(tmp_path, monkeypatch):
    vault = broken_vault(tmp_path)
    monkeypatch.chdir(vault)
    result = kb("check")
    assert result.exit_code == 1
    assert "Сломано.md:2:5 KB001" in result.output


@pytest.mark.parametrize("args", [
    ["check", "{tmp}/does-not-exist"],
    ["check", "{vault}/Лидерство.md"],          # a file, not a folder
    ["check", "{vault}", "--format", "xml"],
    ["check", "{vault}", "--no-such-option"],
    ["check", "{vault}", "--severity", "KB005=bogus"],
    ["check", "{vault}", "--severity", "KB999=error"],
    ["check", "{vault}", "--severity", "no-such-rule=off"],
    ["check", "{vault}", "--severity", "KB005"],
    ["links", "{tmp}/does-not-exist"],
    ["graph", "{vault}", "--format", "png"],
    ["stats", "{vault}", "--top", "0"],
], ids=lambda a: " ".join(a).replace("{vault}", "V").replace("{tmp}", "T"))
def test_usage_errors_exit_2(tmp_path, args):
    vault = broken_vault(tmp_path)
    result = kb(*(a.format(tmp=tmp_path, vault=vault) for a in args))
    assert result.exit_code == 2, result.output
    assert "Error" in result.output or "kb:" in result.output


@pytest.mark.parametrize("name,content", [
    ("kbtools.toml", "ignore = [\n"),                                   # invalid TOML
    ("kbtools.toml", "no_such_setting = 1\n"),
    ("kbtools.toml", '[rules]\nKB999 = "error"\n'),
    ("kbtools.toml", '[rules]\nbroken-note = "loud"\n'),
    ("kbtools.toml", 'tie_break = "random"\n'),
    ("kbtools.toml", '[per-path-ignores]\n"x/**" = ["nope"]\n'),
    ("pyproject.toml", '[tool.kbtools]\nunknown = true\n'),
])
@pytest.mark.parametrize("where", ["vault", "repo"])
def test_bad_config_file_exits_2(tmp_path, name, content, where):
    vault = broken_vault(tmp_path)
    folder = vault if where == "vault" else vault.parent
    (folder / name).write_bytes(content.encode("utf-8"))
    result = kb("check", vault)
    assert result.exit_code == 2, result.output
    assert f"kb: {folder / name}" in result.output


def test_bad_config_file_given_with_option_exits_2(tmp_path):
    vault = broken_vault(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("ignore = [\n", encoding="utf-8")
    result = kb("check", vault, "--config", bad)
    assert result.exit_code == 2, result.output
    missing = kb("check", vault, "--config", tmp_path / "missing.toml")
    assert missing.exit_code == 2


def test_bad_config_option_is_reported_as_config_error(tmp_path):
    vault = broken_vault(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("ignore = [\n", encoding="utf-8")
    result = kb("check", vault, "--config", bad)
    assert result.exit_code == 2
    assert "internal error" not in result.output
    assert str(bad) in result.output


def test_unknown_rule_message_is_quoted(tmp_path):
    vault = make_vault(tmp_path, CLEAN)
    result = kb("check", vault, "--severity", "nope=off")
    assert result.exit_code == 2
    assert "unknown rule 'nope'" in result.output


def test_output_option_writes_report_file(tmp_path):
    vault = broken_vault(tmp_path)
    out = tmp_path / "report.json"
    result = kb("check", vault, "--format", "json", "--output", out)
    assert result.exit_code == 1
    assert result.stdout.strip() == ""
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [d["code"] for d in doc["diagnostics"]] == ["KB001"]


# -- severities, strict --------------------------------------------------------------------------

AMBIGUOUS = {
    "Работа/План.md": "# План работы\n",
    "Личное/План.md": "# Личный план\n",
    "Главная.md": "См. [[План]].\n",
}


def test_warnings_exit_0_and_strict_exits_1(tmp_path):
    vault = make_vault(tmp_path, AMBIGUOUS)
    result = kb("check", vault)
    assert result.exit_code == 0, result.output
    assert "Главная.md:1:5 KB005 warning" in result.output
    assert kb("check", vault, "--strict").exit_code == 1


def test_strict_without_findings_exits_0(tmp_path):
    assert kb("check", make_vault(tmp_path, CLEAN), "--strict").exit_code == 0


def test_severity_code_to_error(tmp_path):
    vault = make_vault(tmp_path, AMBIGUOUS)
    code, doc = check_json(vault, "--severity", "KB005=error")
    assert code == 1
    assert [(d["code"], d["severity"]) for d in doc["diagnostics"]] == [("KB005", "error")]


def test_severity_slug_off(tmp_path):
    vault = broken_vault(tmp_path)
    result = kb("check", vault, "--severity", "broken-note=off")
    assert result.exit_code == 0, result.output
    assert "KB001" not in result.output


def test_severity_info_is_not_a_failure_even_when_strict(tmp_path):
    vault = broken_vault(tmp_path)
    code, doc = check_json(vault, "--severity", "kb001=info", "--strict")
    assert code == 0
    assert doc["summary"] == {"errors": 0, "warnings": 0, "infos": 1}
    github = kb("check", vault, "--severity", "KB001=info", "--format", "github")
    assert github.stdout.startswith("::notice file=")


def test_off_by_default_rule_can_be_enabled(tmp_path):
    vault = make_vault(tmp_path, {**CLEAN, "Одинокая.md": "Никто сюда не ссылается.\n"})
    assert "KB010" not in kb("check", vault).output
    result = kb("check", vault, "--severity", "orphan-note=warning", "--strict")
    assert result.exit_code == 1
    assert "Одинокая.md:1:1 KB010" in result.output


# -- configuration discovery ---------------------------------------------------------------------

@pytest.mark.parametrize("where", ["vault", "repo"])
def test_kbtools_toml_is_found(tmp_path, where):
    vault = broken_vault(tmp_path)
    folder = vault if where == "vault" else vault.parent
    (folder / "kbtools.toml").write_text('[rules]\nbroken-note = "warning"\n', encoding="utf-8")
    code, doc = check_json(vault)
    assert code == 0
    assert [(d["code"], d["severity"]) for d in doc["diagnostics"]] == [("KB001", "warning")]


@pytest.mark.parametrize("where", ["vault", "repo"])
def test_pyproject_tool_kbtools_is_found(tmp_path, where):
    vault = broken_vault(tmp_path)
    folder = vault if where == "vault" else vault.parent
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.kbtools.rules]\nKB001 = "off"\n', encoding="utf-8")
    assert kb("check", vault).exit_code == 0


def test_pyproject_without_section_is_skipped(tmp_path):
    vault = broken_vault(tmp_path)
    (vault / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    (vault.parent / "kbtools.toml").write_text('[rules]\nKB001 = "off"\n', encoding="utf-8")
    assert kb("check", vault).exit_code == 0


def test_nearest_config_wins(tmp_path):
    vault = broken_vault(tmp_path)
    (vault / "kbtools.toml").write_text('[rules]\nKB001 = "error"\n', encoding="utf-8")
    (vault.parent / "kbtools.toml").write_text('[rules]\nKB001 = "off"\n', encoding="utf-8")
    assert kb("check", vault).exit_code == 1


def test_config_above_repository_root_is_ignored(tmp_path):
    vault = broken_vault(tmp_path)
    (tmp_path / "kbtools.toml").write_text('[rules]\nKB001 = "off"\n', encoding="utf-8")
    assert kb("check", vault).exit_code == 1


def test_config_option_names_the_file(tmp_path):
    vault = broken_vault(tmp_path)
    other = tmp_path / "elsewhere.toml"
    other.write_text('[rules]\nKB001 = "off"\n', encoding="utf-8")
    assert kb("check", vault, "--config", other).exit_code == 0
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.kbtools.rules]\nKB001 = "off"\n', encoding="utf-8")
    assert kb("check", vault, "--config", pyproject).exit_code == 0


def test_cli_flags_override_config(tmp_path):
    vault = broken_vault(tmp_path)
    (vault.parent / "kbtools.toml").write_text(
        'resolve_aliases = true\n[rules]\nKB001 = "off"\n', encoding="utf-8")
    assert kb("check", vault).exit_code == 0
    assert kb("check", vault, "--severity", "KB001=error").exit_code == 1


def test_per_path_ignores(tmp_path):
    vault = broken_vault(tmp_path, **{"Входящие/Черновик.md": "[[Нет такой заметки]]\n"})
    code, doc = check_json(vault)
    assert code == 1
    assert {d["path"] for d in doc["diagnostics"]} == {"Сломано.md", "Входящие/Черновик.md"}
    (vault.parent / "kbtools.toml").write_text(
        '[per-path-ignores]\n"Входящие/**" = ["KB001"]\n"Сломано.md" = ["empty-note"]\n',
        encoding="utf-8")
    code, doc = check_json(vault)
    assert {d["path"] for d in doc["diagnostics"]} == {"Сломано.md"}
    (vault.parent / "kbtools.toml").write_text(
        '[per-path-ignores]\n"Входящие" = "*"\n"Сломано.md" = ["broken-note"]\n', encoding="utf-8")
    code, doc = check_json(vault)
    assert code == 0 and doc["diagnostics"] == []


def test_ignore_option_glob(tmp_path):
    vault = broken_vault(tmp_path, **{"Шаблоны/Шаблон встречи.md": "[[{{title}}]]\n"})
    code, doc = check_json(vault)
    assert "Шаблоны/Шаблон встречи.md" in {d["path"] for d in doc["diagnostics"]}
    files_before = doc["files_checked"]
    code, doc = check_json(vault, "--ignore", "Шаблоны/**")
    assert {d["path"] for d in doc["diagnostics"]} == {"Сломано.md"}
    assert doc["files_checked"] == files_before - 1
    code, doc = check_json(vault, "--ignore", "Шаблоны/**", "--ignore", "Сломано.md")
    assert code == 0 and doc["diagnostics"] == []


def test_ignore_in_config_and_option_add_up(tmp_path):
    vault = broken_vault(tmp_path, **{"Шаблоны/Шаблон.md": "[[Нет]]\n"})
    (vault.parent / "kbtools.toml").write_text('ignore = ["Шаблоны/**"]\n', encoding="utf-8")
    code, doc = check_json(vault)
    assert {d["path"] for d in doc["diagnostics"]} == {"Сломано.md"}
    code, doc = check_json(vault, "--ignore", "*.md")
    assert code == 0 and doc["files_checked"] == 0


# -- inline suppressions ---------------------------------------------------------------------------

def test_kb_ignore_comment_silences_the_next_line_only(tmp_path):
    note = ("Первая [[Нет-1]]\n"
            "%% kb-ignore KB001 %%\n"
            "Вторая [[Нет-2]]\n"
            "Третья [[Нет-3]]\n")
    vault = make_vault(tmp_path, {**CLEAN, "Заметка.md": note})
    code, doc = check_json(vault)
    assert code == 1
    assert [(d["line"], d["code"]) for d in doc["diagnostics"]] == [(1, "KB001"), (4, "KB001")]


def test_kb_ignore_comment_is_per_rule(tmp_path):
    note = "%% kb-ignore KB002 %%\n[[Нет]] [[Лидерство#Нет такого]]\n"
    vault = make_vault(tmp_path, {**CLEAN, "Заметка.md": note})
    code, doc = check_json(vault)
    assert [d["code"] for d in doc["diagnostics"]] == ["KB001"]
    (vault / "Заметка.md").write_text("%% kb-ignore broken-note, KB002 %%\n"
                                      "[[Нет]] [[Лидерство#Нет такого]]\n", encoding="utf-8")
    code, doc = check_json(vault)
    assert code == 0 and doc["diagnostics"] == []


def test_kb_ignore_file(tmp_path):
    note = "# Черновик\n\n[[Нет-1]]\n\n%% kb-ignore-file %%\n\n[[Нет-2]]\n"
    vault = make_vault(tmp_path, {**CLEAN, "Черновик.md": note})
    assert kb("check", vault).exit_code == 0


def test_kb_ignore_file_with_code(tmp_path):
    note = "%% kb-ignore-file KB010 %%\nНикто сюда не ссылается. [[Нет]]\n"
    vault = make_vault(tmp_path, {**CLEAN, "Одинокая.md": note,
                                  "Тоже одинокая.md": "Без ссылок.\n"})
    code, doc = check_json(vault, "--severity", "KB010=error")
    found = sorted((d["path"], d["code"]) for d in doc["diagnostics"])
    assert found == [("Одинокая.md", "KB001"), ("Тоже одинокая.md", "KB010")]


# -- aliases -------------------------------------------------------------------------------------

def test_resolve_aliases(tmp_path):
    vault = make_vault(tmp_path, {**CLEAN, "Союзы.md": "См. [[Стратегические альянсы]].\n"})
    result = kb("check", vault)
    assert result.exit_code == 1
    assert "Союзы.md:1:5 KB006" in result.output
    assert "[[Развитие партнерств|Стратегические альянсы]]" in result.output
    assert kb("check", vault, "--resolve-aliases").exit_code == 0
    (vault.parent / "kbtools.toml").write_text("resolve_aliases = true\n", encoding="utf-8")
    assert kb("check", vault).exit_code == 0
    assert kb("check", vault, "--no-resolve-aliases").exit_code == 1


# -- bad input -------------------------------------------------------------------------------------

BAD_INPUT = {
    "Плохой YAML.md": "---\ntitle: [незакрыто\n---\nТекст [[Лидерство]]\n",
    "cp1251.md": "Привет, [[Лидерство]]\n".encode("cp1251"),
    "Пустая.md": b"",
    "BOM и CRLF.md": ("\ufeff---\r\ntags: [нетворкинг]\r\n---\r\n# Заголовок\r\n"
                      "См. [[Нет такой]]\r\n").encode("utf-8"),
    "NUL.md": b"abc\x00def [[\xd0\x9b\xd0\xb8\xd0\xb4\xd0\xb5\xd1\x80\xd1\x81\xd1\x82\xd0\xb2\xd0\xbe]]\n",
    "Типы.md": "---\naliases: 5\n---\nТекст\n",
}


@pytest.fixture
def bad_vault(tmp_path) -> Path:
    return make_vault(tmp_path, {**CLEAN, **BAD_INPUT})


def test_bad_input_is_reported_not_crashed(bad_vault):
    result = kb("check", bad_vault)
    assert result.exit_code == 1, result.output
    assert {"KB007", "KB011", "KB014", "KB001"} <= codes(result)
    code, doc = check_json(bad_vault)
    found = {(d["path"], d["code"]) for d in doc["diagnostics"]}
    assert ("Плохой YAML.md", "KB007") in found
    assert ("Типы.md", "KB007") in found
    assert ("cp1251.md", "KB011") in found
    assert ("NUL.md", "KB011") in found
    assert ("Пустая.md", "KB014") in found
    # BOM and CRLF: the frontmatter is read, positions count lines and code points
    assert ("BOM и CRLF.md", "KB007") not in found
    bom = [d for d in doc["diagnostics"] if d["path"] == "BOM и CRLF.md"]
    assert [(d["code"], d["line"], d["column"]) for d in bom] == [("KB001", 5, 5)]
    assert doc["files_checked"] == len(CLEAN) + len(BAD_INPUT)


def test_bad_input_in_every_format_and_command(bad_vault):
    for fmt in FORMATS:
        assert kb("check", bad_vault, "--format", fmt).exit_code == 1, fmt
    assert kb("links", bad_vault).exit_code == 0
    for fmt in ("json", "graphml", "gexf", "dot"):
        assert kb("graph", bad_vault, "--format", fmt).exit_code == 0, fmt
    stats = json.loads(kb("stats", bad_vault, "--format", "json").stdout)
    assert stats["notes"] == len(CLEAN) + len(BAD_INPUT)
    assert {t["tag"] for t in stats["tags"]} >= {"networking", "нетворкинг"}


def test_frontmatter_only_note_is_empty_per_rule_table(tmp_path):
    vault = make_vault(tmp_path, {**CLEAN, "Свойства.md": "---\nstatus: черновик\n---\n"})
    code, doc = check_json(vault)
    assert ("Свойства.md", "KB014") in {(d["path"], d["code"]) for d in doc["diagnostics"]}


# -- report formats ------------------------------------------------------------------------------

@pytest.fixture
def vault_with_findings(tmp_path) -> Path:
    return broken_vault(tmp_path, **AMBIGUOUS)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("clean", [False, True], ids=["findings", "clean"])
def test_every_format_parses(tmp_path, fmt, clean):
    vault = make_vault(tmp_path, CLEAN) if clean else broken_vault(tmp_path, **AMBIGUOUS)
    result = kb("check", vault, "--format", fmt)
    assert result.exit_code == (0 if clean else 1), result.output
    out = result.stdout
    if fmt == "text":
        if not clean:
            assert re.search(r"^\s*Сломано\.md:2:5 KB001 error", out, re.M)
            assert re.search(r"^\s*Главная\.md:1:5 KB005 warning", out, re.M)
    elif fmt == "json":
        doc = json.loads(out)
        assert doc["version"] == 1
        assert doc["summary"] == ({"errors": 0, "warnings": 0, "infos": 0} if clean
                                  else {"errors": 1, "warnings": 1, "infos": 0})
        if not clean:
            first = doc["diagnostics"][0]
            assert set(first) == {"code", "slug", "severity", "path", "line", "column",
                                  "end_column", "message", "hint"}
    elif fmt == "github":
        lines = [line for line in out.splitlines() if line]
        assert all(re.match(r"^::(error|warning|notice) file=", line) for line in lines), out
        if not clean:
            assert any(line.startswith("::error file=Сломано.md,line=2,col=5,")
                       and "title=KB001 broken-note::" in line for line in lines)
            assert any(line.startswith("::warning file=Главная.md,") for line in lines)
        else:
            assert lines == []
    elif fmt == "sarif":
        log = json.loads(out)
        assert log["version"] == "2.1.0"
        run = log["runs"][0]
        assert run["tool"]["driver"]["name"] == "kbtools"
        results = run["results"]
        assert isinstance(results, list)
        if clean:
            assert results == []
        else:
            assert {(r["ruleId"], r["level"]) for r in results} == {("KB001", "error"),
                                                                   ("KB005", "warning")}
            loc = next(r for r in results if r["ruleId"] == "KB001")["locations"][0]
            assert loc["physicalLocation"]["region"]["startLine"] == 2
    elif fmt == "junit":
        root = ET.fromstring(out.encode("utf-8"))
        assert root.tag == "testsuites"
        suite = root.find("testsuite")
        assert suite is not None
        assert int(root.get("failures")) == (0 if clean else 2)
        if not clean:
            types = {f.get("type") for f in root.iter("failure")}
            assert types == {"KB001", "KB005"}


def test_github_step_summary_is_appended(vault_with_findings, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("# Earlier step\n", encoding="utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    result = kb("check", vault_with_findings, "--format", "github", env=env)
    assert result.exit_code == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# Earlier step\n")
    assert "### kbtools check" in text
    assert "KB001" in text and "KB005" in text
    # the annotations still go to stdout, the summary does not
    assert "### kbtools check" not in result.stdout
    kb("check", vault_with_findings, "--format", "github", env=env)
    assert summary.read_text(encoding="utf-8").count("### kbtools check") == 2


def test_github_step_summary_only_for_github_format(vault_with_findings, tmp_path):
    summary = tmp_path / "summary.md"
    for fmt in ("text", "json", "sarif", "junit"):
        kb("check", vault_with_findings, "--format", fmt, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert not summary.exists()


def test_github_annotations_are_relative_to_the_workspace(tmp_path):
    vault = broken_vault(tmp_path)
    env = {"GITHUB_WORKSPACE": str(vault.parent), "GITHUB_ACTIONS": "true"}
    result = kb("check", vault, "--format", "github", env=env)
    assert "::error file=vault/Сломано.md,line=2,col=5," in result.stdout


# -- links, graph, stats ----------------------------------------------------------------------------

def test_links_json_keys_exactly(tmp_path):
    vault = broken_vault(tmp_path)
    result = kb("links", vault, "--format", "json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert records, "no links"
    for record in records:
        assert list(record) == LINK_KEYS
    assert list(KEYS) == LINK_KEYS
    broken = [r for r in records if r["status"] != "ok"]
    assert broken == [{
        "source": "Сломано.md", "line": 2, "column": 5, "raw": "[[Построение отношений]]",
        "kind": "wikilink", "target": None, "heading": None, "block": None,
        "status": "missing-note"}]
    heading = next(r for r in records if r["heading"])
    assert heading["heading"] == "Управление конфликтами"
    assert heading["target"] == "Лидерство.md" and heading["status"] == "ok"
    # default format is json, and --status filters
    default = json.loads(kb("links", vault).stdout)
    assert default == records
    only = json.loads(kb("links", vault, "--status", "missing-note").stdout)
    assert only == broken


def test_links_text_format(tmp_path):
    vault = broken_vault(tmp_path)
    result = kb("links", vault, "--format", "text")
    assert result.exit_code == 0
    assert re.search(r"^Сломано\.md:2:5 missing-note +\[\[Построение отношений\]\]$",
                     result.stdout, re.M)


@pytest.mark.parametrize("fmt", ["json", "graphml", "gexf", "dot"])
def test_graph_formats_parse(tmp_path, fmt):
    vault = broken_vault(tmp_path)
    result = kb("graph", vault, "--format", fmt)
    assert result.exit_code == 0, result.output
    out = result.stdout
    if fmt == "json":
        data = json.loads(out)
        ids = {n["id"] for n in data["nodes"]}
        assert {HUB, "Лидерство.md", "Сломано.md", "?Построение отношений"} <= ids
        assert len(data["links"]) == 4
    elif fmt in ("graphml", "gexf"):
        root = ET.fromstring(out.encode("utf-8"))
        assert root.tag.endswith("}graphml" if fmt == "graphml" else "}gexf")
        ids = {el.get("id") for el in root.iter() if el.tag.endswith("}node")}
        assert {HUB, "Лидерство.md", "Сломано.md", "?Построение отношений"} <= ids
        assert sum(1 for el in root.iter() if el.tag.endswith("}edge")) == 4
    else:
        assert out.startswith("digraph")
        assert out.rstrip().endswith("}")
        assert f'"Сломано.md" -> "?Построение отношений"' in out


def test_graph_output_file(tmp_path):
    vault = make_vault(tmp_path, CLEAN)
    out = tmp_path / "graph.graphml"
    assert kb("graph", vault, "--format", "graphml", "-o", out).exit_code == 0
    ET.parse(out)


def test_stats_json_counts(tmp_path):
    vault = broken_vault(tmp_path, **{"схема.png": b"\x89PNG\r\n\x1a\n"})
    result = kb("stats", vault, "--format", "json")
    assert result.exit_code == 0
    s = json.loads(result.stdout)
    assert s["notes"] == 3
    assert s["attachments"] == 1
    assert s["links"] == 4
    assert s["links_by_kind"] == {"wikilink": 4}
    assert s["links_by_status"] == {"missing-note": 1, "ok": 3}
    assert s["broken"] == 1
    assert s["orphans"] == ["Сломано.md"]
    assert s["dangling"] == {"Построение отношений": 1}
    assert s["tags"] == [{"tag": "networking", "notes": 1}] and s["tag_count"] == 1
    assert {h["path"] for h in s["hubs"]} == {HUB, "Лидерство.md"}
    text = kb("stats", vault)
    assert text.exit_code == 0
    assert re.search(r"^notes +3$", text.stdout, re.M)
    assert re.search(r"^broken +1 ", text.stdout, re.M)


# -- side effects ----------------------------------------------------------------------------------

def test_check_never_modifies_vault_files(tmp_path):
    vault = make_vault(tmp_path, {**CLEAN, **BAD_INPUT, **AMBIGUOUS, "Сломано.md": BROKEN_LINE})
    (vault.parent / "kbtools.toml").write_text('[rules]\nKB010 = "warning"\n', encoding="utf-8")
    before = tree_hashes(vault.parent)
    first = kb("check", vault, "--format", "json").stdout
    for fmt in FORMATS:
        kb("check", vault, "--format", fmt)
    kb("check", vault, "--no-cache")
    kb("links", vault)
    kb("graph", vault)
    kb("stats", vault)
    assert tree_hashes(vault.parent) == before
    # the second run reads the cache and reports the same
    assert kb("check", vault, "--format", "json").stdout == first


def test_cache_folder_has_its_own_gitignore(tmp_path):
    vault = make_vault(tmp_path, CLEAN)
    assert kb("check", vault, "--no-cache").exit_code == 0
    assert not (vault / ".kbcache").exists()
    assert kb("check", vault).exit_code == 0
    cache = vault / ".kbcache"
    assert cache.is_dir()
    ignore = (cache / ".gitignore").read_text(encoding="utf-8")
    assert "*" in ignore.splitlines()
    # the cache is not part of the vault
    code, doc = check_json(vault)
    assert doc["files_checked"] == len(CLEAN)


def test_cache_notices_edits(tmp_path):
    vault = make_vault(tmp_path, CLEAN)
    assert kb("check", vault).exit_code == 0
    note = vault / "Лидерство.md"
    note.write_text(note.read_text(encoding="utf-8") + BROKEN_LINE, encoding="utf-8")
    result = kb("check", vault)
    assert result.exit_code == 1
    assert "Лидерство.md:8:5 KB001" in result.output


def test_version():
    result = kb("--version")
    assert result.exit_code == 0
    assert re.search(r"\d+\.\d+\.\d+", result.output)


def test_reports_name_paths_from_the_working_directory(tmp_path, monkeypatch):
    vault = broken_vault(tmp_path)
    monkeypatch.chdir(vault.parent)
    result = CliRunner().invoke(main, ["check", vault.name], env={"GITHUB_WORKSPACE": None})
    assert result.exit_code == 1
    assert re.search(r"^\s*vault/Сломано\.md:2:5 KB001 ", result.output, re.M), result.output
