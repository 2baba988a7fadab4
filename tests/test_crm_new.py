"""kb new, the templates (package, user override, sandbox) and kb templates export."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kbtools.resources import builtin_templates
from kbtools import Config, check, load_vault
from kbtools.cli import main
from kbtools.config import CrmConfig
from kbtools.crm.new import build, safe_filename
from kbtools.crm.schemas import SCHEMAS, validate
from kbtools.crm.templates import load_template
from kbtools.frontmatter import read_frontmatter

REPO = Path(__file__).resolve().parent.parent
DAY = "2026-11-27"


@pytest.fixture
def vault(tmp_path) -> Path:
    """A temporary copy of the sample vault (with its partners), in a folder of its own."""
    dest = tmp_path / "kb" / "vault"
    shutil.copytree(REPO / "vault", dest, ignore=shutil.ignore_patterns(".kbcache"))
    for path in dest.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)
    return dest


def kb(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def clean(vault: Path) -> list:
    config = Config(crm=CrmConfig(today=DAY))
    return check(load_vault(vault, config, cache=False), config)


def test_new_partner_passes_check_and_is_never_overwritten(vault):
    before = {p for p in vault.rglob("*") if p.is_file()}
    result = kb("new", "partner", "ООО Тест", "--vault", vault, "--today", DAY)
    assert result.exit_code == 0, result.output
    created = Path(result.output.strip())
    assert created == vault / "Партнёры" / "ООО Тест.md"
    assert {p for p in vault.rglob("*") if p.is_file() and ".kbcache" not in p.parts} \
        == {p for p in before if ".kbcache" not in p.parts} | {created}
    text = created.read_bytes()
    assert b"type: partner" in text and b"stage: identification" in text
    assert b"[[\xd0\xa0\xd0\xb0\xd0\xb7\xd0\xb2\xd0\xb8\xd1\x82\xd0\xb8\xd0\xb5 " in text  # [[Развитие …
    assert clean(vault) == []
    cli_check = kb("check", vault, "--no-cache", "--today", DAY)
    assert cli_check.exit_code == 0 and "No problems" in cli_check.output

    again = CliRunner().invoke(main, ["new", "partner", "ООО Тест", "--vault", str(vault),
                                      "--set", "stage=scaling"])
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert created.read_bytes() == text
    assert not [p for p in created.parent.iterdir() if p.name.startswith(".kbnew-")]


def test_new_interaction_goes_to_the_partners_folder(vault):
    result = kb("new", "interaction", "Обсуждение: сроки/бюджет?", "--vault", vault, "--today", DAY,
                "--set", "partner=Северный ветер", "--set", "channel=Звонок",
                "--set", "participants=Анна, Олег",
                "--set", "next_steps=[ ] 2026-12-01 Отправить смету; [x] 2026-11-27 Созвониться")
    assert result.exit_code == 0, result.output
    created = Path(result.output.strip())
    assert created.parent == vault / "Партнёры" / "ООО «Северный ветер»"
    assert created.name == f"{DAY} Обсуждение- сроки-бюджет-.md"
    text = created.read_text(encoding="utf-8")
    assert 'partner: "[[ООО «Северный ветер»]]"' in text and "channel: call" in text
    assert "# Обсуждение: сроки/бюджет?" in text
    assert "participants: [Анна, Олег]" in text
    assert clean(vault) == []
    rows = kb("partners", vault, "--format", "json", "--today", DAY)
    assert '"last_interaction": "2026-11-27"' in rows.output


def test_missing_required_value_fails_clearly_without_a_terminal(vault):
    before = sorted(vault.rglob("*.md"))
    result = CliRunner().invoke(main, ["new", "interaction", "Звонок", "--vault", str(vault)])
    assert result.exit_code == 2
    assert "partner" in result.output and "--set partner=" in result.output
    assert sorted(vault.rglob("*.md")) == before


@pytest.mark.parametrize("args, message", [
    (["--set", "stage=unknown"], "is not one of"),
    (["--set", "trust=9"], "not a score"),
    (["--set", "next_review=31.02.2025"], "not a day of the calendar"),
    (["--set", "colour=red"], "has no property 'colour'"),
    (["--set", "stage"], "key=value"),
])
def test_bad_values_are_usage_errors(vault, args, message):
    result = CliRunner().invoke(main, ["new", "partner", "ООО Плохо", "--vault", str(vault), *args])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (vault / "Партнёры" / "ООО Плохо.md").exists()


def test_unknown_partner_and_unknown_template(vault):
    result = CliRunner().invoke(main, ["new", "review", "Оценка", "--vault", str(vault),
                                       "--set", "partner=Нет такого"])
    assert result.exit_code == 2 and "no partner note named" in result.output
    result = CliRunner().invoke(main, ["new", "invoice", "Счёт", "--vault", str(vault)])
    assert result.exit_code == 2 and "unknown template" in result.output


def test_labels_are_accepted_and_prompts_fill_missing_values(vault):
    """On a terminal kb new asks; here the prompt is a function (what a TTY user would type)."""
    config = Config(crm=CrmConfig(today=DAY))
    notes = load_vault(vault, config, cache=False).notes
    asked = []

    def prompt(field, default):
        asked.append(field.key)
        answers = {"partner": "[[ООО «Агрокомплекс Заречье»]]", "trust": 5,
                   "interaction_quality": 4, "mutual_benefit": 4, "satisfaction": 5,
                   "stability": 4, "period": "IV квартал 2026"}
        return answers.get(field.key, default)
    template = load_template("review", vault, config)
    path, text = build(template, "Оценка за IV квартал", {}, notes, config,
                       datetime.date(2026, 11, 27), prompt)
    assert asked[0] == "partner" and {"trust", "satisfaction", "period"} <= set(asked)
    assert path == "Партнёры/ООО «Агрокомплекс Заречье»/2026-11-27 Оценка за IV квартал.md"
    props = read_frontmatter(text.split("\n")).properties
    assert props["trust"] == 5 and props["next_review"] == "2027-02-25"
    assert list(validate(SCHEMAS["review"], props)) == []


def test_safe_filename():
    assert safe_filename('A*B"C\\D/E<F>G:H|I?J#K^L[M]N') == "A-B-C-D-E-F-G-H-I-J-K-L-M-N"
    assert safe_filename("  ..скрытый.  ") == "скрытый"
    assert safe_filename("???") == "-"
    assert safe_filename("") == "Без названия"
    assert safe_filename("CON") == "CON_"
    assert len(safe_filename("я" * 500)) == 120


def test_list_shows_templates_and_variables(vault):
    result = kb("new", "--list", "--vault", vault)
    assert result.exit_code == 0
    for name in SCHEMAS:
        assert result.output.count(f"{name} — ") == 1
    assert "stage" in result.output and "identification (Идентификация)" in result.output
    assert "integer 1–5" in result.output and "date YYYY-MM-DD" in result.output


def test_every_schema_has_a_builtin_template():
    # that the folder ships in the wheel is proven by tests/test_e2e.py on a real install
    folder = builtin_templates("notes")
    assert {f"{name}.md.j2" for name in SCHEMAS} <= {p.name for p in folder.iterdir()}


def test_user_templates_override_file_by_file(vault):
    own = vault.parent / "templates" / "notes"
    own.mkdir(parents=True)
    (own / "partner.md.j2").write_text(
        "---\ntype: partner\nstage: {{ fm.stage | yaml }}\n---\n\n# {{ title }}\n\nСвой шаблон.\n",
        encoding="utf-8")
    result = kb("new", "partner", "ООО Своё", "--vault", vault)
    assert result.exit_code == 0, result.output
    assert "Свой шаблон." in Path(result.output.strip()).read_text(encoding="utf-8")
    listing = kb("new", "--list", "--vault", vault).output
    assert str(own / "partner.md.j2") in listing
    assert "package:kbtools.templates/notes/review.md.j2" in listing  # the others: built in


@pytest.mark.parametrize("body, error", [
    ("{{ title.__class__.__mro__[1].__subclasses__() }}", "SecurityError"),
    ("{{ fm.__class__.__init__.__globals__ }}", "SecurityError"),
    ("{{ no_such_variable }}", "UndefinedError"),
])
def test_templates_are_sandboxed_and_strict(vault, body, error):
    own = vault.parent / "templates" / "notes"
    own.mkdir(parents=True)
    (own / "partner.md.j2").write_text(f"---\ntype: partner\nstage: contact\n---\n\n{body}\n",
                                       encoding="utf-8")
    result = CliRunner().invoke(main, ["new", "partner", "ООО Взлом", "--vault", str(vault)])
    assert result.exit_code == 2 and error in result.output, result.output
    assert "Traceback" not in result.output
    assert not (vault / "Партнёры" / "ООО Взлом.md").exists()


def test_a_template_that_renders_an_invalid_note_writes_nothing(vault):
    own = vault.parent / "templates" / "notes"
    own.mkdir(parents=True)
    (own / "partner.md.j2").write_text("---\ntype: partner\nstage: [oops\n---\n# {{ title }}\n",
                                       encoding="utf-8")
    result = CliRunner().invoke(main, ["new", "partner", "ООО Сломано", "--vault", str(vault)])
    assert result.exit_code == 2 and "renders an invalid note" in result.output
    assert not (vault / "Партнёры" / "ООО Сломано.md").exists()


def test_configured_folder_and_flat_layout(vault):
    (vault / "kbtools.toml").write_text('[crm]\nfolder = "CRM"\nlayout = "flat"\n', encoding="utf-8")
    result = kb("new", "agreement", "Договор", "--vault", vault, "--today", DAY,
                "--set", "partner=ТехноСфера", "--set", "status=active", "--set", "signed=2026-11-01")
    assert result.exit_code == 0, result.output
    assert Path(result.output.strip()) == vault / "CRM" / "2026-11-01 АО «ТехноСфера» — Договор.md"
    (vault / "kbtools.toml").unlink()  # not a note: keep kb check's file count simple
    assert clean(vault) == []


def test_templates_export_for_obsidian(tmp_path, vault):
    dest = tmp_path / "Шаблоны"
    result = kb("templates", "export", dest, "--vault", vault)
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in dest.iterdir())
    assert files == ["Взаимодействие.md", "Оценка эффективности.md", "Партнер.md", "Соглашение.md"]
    for path in dest.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "# {{title}}" in text
        fm = read_frontmatter(text.split("\n"))
        assert fm.problems == () and fm.properties["type"] in SCHEMAS  # valid YAML as a file
        # what Obsidian's core Templates plugin inserts: {{title}} and {{date:…}} replaced
        inserted = text.replace("{{title}}", "ООО Вставка").replace("{{date:YYYY-MM-DD}}", DAY)
        props = read_frontmatter(inserted.split("\n")).properties
        schema = SCHEMAS[props["type"]]
        missing = {i.key for i in validate(schema, props)}
        assert missing <= {f.key for f in schema.fields if f.required and f.default is None}
    partner = (dest / "Партнер.md").read_text(encoding="utf-8")
    assert 'started: "{{date:YYYY-MM-DD}}"' in partner and "stage: identification" in partner
    again = CliRunner().invoke(main, ["templates", "export", str(dest), "--vault", str(vault)])
    assert again.exit_code == 1
    assert kb("templates", "export", dest, "--vault", vault, "--force").exit_code == 0


@pytest.mark.parametrize("hub_text, expected", [
    (None, None),                                         # no hub note: no link at all
    ("# Развитие партнерств\n\nБез разделов.\n", "[[Развитие партнерств|Развитие партнерств]]"),
])
def test_hub_link_adapts_to_the_vault(tmp_path, hub_text, expected):
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "Другое.md").write_text("# Другое\n\nТекст.\n", encoding="utf-8")
    if hub_text:
        (vault / "Развитие партнерств.md").write_text(hub_text, encoding="utf-8")
    result = kb("new", "partner", "ООО Ноль", "--vault", vault)
    assert result.exit_code == 0, result.output
    text = Path(result.output.strip()).read_text(encoding="utf-8")
    if expected is None:
        assert "[[Развитие" not in text
    else:
        assert expected in text and "#Этапы" not in text
    assert clean(vault) == []
