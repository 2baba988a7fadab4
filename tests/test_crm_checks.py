"""kb check on partner notes: schema rules KB015–KB018 at the key's line, date rules KB019–KB021
with an injected clock, the [crm] configuration, and the incremental check."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from kbtools import Config, check, load_vault
from kbtools.cli import main
from kbtools.config import ConfigError, CrmConfig, from_mapping
from kbtools.crm.schemas import SCHEMAS, json_schema, validate
from kbtools.diagnostics import Severity

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "crm"
REPO = HERE.parent
SAMPLE_DAY = "2026-11-27"


def at(day: str, **crm) -> Config:
    return Config(crm=CrmConfig(today=day, **crm))


def found(root: Path, config: Config) -> list[tuple[str, int, str]]:
    return [(d.path, d.line, d.code) for d in check(load_vault(root, config, cache=False), config)]


def key_line(path: Path, key: str) -> int:
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text.startswith(f"{key}:"):
            return number
    raise AssertionError(f"{key} not in {path}")


@pytest.mark.parametrize("name, key, code", [
    ("Неизвестный этап", "stage", "KB015"),
    ("Метрика 9", "satisfaction", "KB015"),
    ("Плохая дата", "next_review", "KB017"),
])
def test_one_diagnostic_per_wrong_property_at_its_line(name, key, code):
    rel = f"Партнёры/{name}.md"
    got = [d for d in found(FIXTURES / "invalid", at(SAMPLE_DAY)) if d[0] == rel]
    assert got == [(rel, key_line(FIXTURES / "invalid" / rel, key), code)]


def test_valid_partner_has_no_findings():
    assert [d for d in found(FIXTURES / "invalid", at(SAMPLE_DAY)) if "Всё верно" in d[0]] == []


def test_cli_reports_path_line(tmp_path):
    vault = tmp_path / "vault"
    shutil.copytree(FIXTURES / "invalid", vault)
    result = CliRunner().invoke(main, ["check", str(vault), "--no-cache", "--today", SAMPLE_DAY,
                                       "--format", "text", "--no-color"])
    assert result.exit_code == 1
    for name, key, code in [("Неизвестный этап", "stage", "KB015"),
                            ("Метрика 9", "satisfaction", "KB015"),
                            ("Плохая дата", "next_review", "KB017")]:
        line = key_line(vault / "Партнёры" / f"{name}.md", key)
        assert result.output.count(f"Партнёры/{name}.md:{line}:1 {code}") == 1, result.output
    assert "31.02.2025 is not a day of the calendar" in result.output


def test_records_vault_findings():
    got = set(found(FIXTURES / "records", at(SAMPLE_DAY)))
    assert got == {
        ("Альфа.md", 6, "KB020"),                                   # next_review 2026-11-01
        ("Бета.md", 3, "KB019"),                                    # no contact since 2026-07-01
        ("Партнёры/Альфа/2026-10-01 Встреча.md", 6, "KB021"),      # step due 2026-11-20
        ("Партнёры/Альфа/Соглашение.md", 6, "KB020"),              # agreement review passed
        ("Без партнера.md", 2, "KB016"),                            # no partner: the type line
        ("Не партнер.md", 3, "KB018"),                              # links a plain note
        ("Нет такого.md", 3, "KB001"),                              # broken: KB001, not KB018 too
        ("Текст.md", 3, "KB018"),                                   # partner is not a link
        ("Текст.md", 4, "KB015"),                                   # status: signed
    }


def test_date_rules_follow_the_injected_clock_and_thresholds():
    early = set(found(FIXTURES / "records", at("2026-08-01")))
    assert not {c for _, _, c in early} & {"KB019", "KB020", "KB021"}
    lenient = set(found(FIXTURES / "records", at(SAMPLE_DAY, stale_days=365)))
    assert ("Бета.md", 3, "KB019") not in lenient and ("Альфа.md", 6, "KB020") in lenient
    late = set(found(FIXTURES / "records", at("2027-06-01")))
    assert ("Альфа.md", 4, "KB019") in late  # last interaction 2026-11-15 is now stale


def test_rules_can_be_switched_off_and_crm_disabled():
    config = dataclasses.replace(at(SAMPLE_DAY), severity={"KB019": Severity.OFF,
                                                           "KB015": Severity.WARNING})
    diags = check(load_vault(FIXTURES / "records", config, cache=False), config)
    assert "KB019" not in {d.code for d in diags}
    assert {d.severity for d in diags if d.code == "KB015"} == {Severity.WARNING}
    off = at(SAMPLE_DAY, enabled=False)
    assert {c for _, _, c in found(FIXTURES / "records", off)} == {"KB001"}


def test_sample_vault_is_clean_on_its_day_and_ages():
    assert found(REPO / "vault", at(SAMPLE_DAY)) == []
    later = {c for _, _, c in found(REPO / "vault", at("2027-12-31"))}
    assert {"KB019", "KB020", "KB021"} <= later  # nothing recorded for a year: all date rules


def test_crm_config_table():
    config = from_mapping({"crm": {"folder": "CRM", "stale-days": 30, "today": "2026-01-02",
                                   "layout": "flat", "hub": ""}})
    assert config.crm == CrmConfig(folder="CRM", stale_days=30, today="2026-01-02", layout="flat",
                                   hub=None)
    for bad in ({"unknown": 1}, {"layout": "nested"}, {"stale_days": "ten"}, {"stale_days": 0},
                {"today": "31.02.2025"}, {"enabled": "yes"}):
        with pytest.raises(ConfigError):
            from_mapping({"crm": bad})
    with pytest.raises(ConfigError, match="unknown setting"):
        from_mapping({"crmm": {}})


def test_crm_config_from_file_and_cli(tmp_path):
    vault = tmp_path / "vault"
    shutil.copytree(FIXTURES / "records", vault)
    (vault / "kbtools.toml").write_text('[crm]\ntoday = "2026-08-01"\n', encoding="utf-8")
    quiet = CliRunner().invoke(main, ["check", str(vault), "--no-cache", "--format", "json"])
    codes = {d["code"] for d in json.loads(quiet.output)["diagnostics"]}
    assert not codes & {"KB019", "KB020", "KB021"}
    loud = CliRunner().invoke(main, ["check", str(vault), "--no-cache", "--format", "json",
                                     "--today", SAMPLE_DAY])
    assert {"KB019", "KB020", "KB021"} <= {d["code"] for d in json.loads(loud.output)["diagnostics"]}
    (vault / "kbtools.toml").write_text('[crm]\nstale = 3\n', encoding="utf-8")
    broken = CliRunner().invoke(main, ["check", str(vault), "--no-cache"])
    assert broken.exit_code == 2 and "unknown setting" in broken.output


def test_json_schema_agrees_with_the_validator():
    """The JSON Schema export accepts every sample note and rejects the invalid fixtures."""
    vault = load_vault(REPO / "vault", cache=False)
    seen = 0
    for note in vault.notes.values():
        schema = SCHEMAS.get(note.properties.get("type"))
        if schema is None:
            continue
        seen += 1
        assert list(validate(schema, note.properties)) == []
        jsonschema.validate(note.properties, json_schema(schema))
    assert seen >= 10
    bad = load_vault(FIXTURES / "invalid", cache=False)
    for path, note in bad.notes.items():
        errors = list(jsonschema.Draft202012Validator(json_schema(SCHEMAS["partner"]))
                      .iter_errors(note.properties))
        assert bool(errors) == ("Всё верно" not in path), path
