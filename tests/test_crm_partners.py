"""kb partners: every sample partner, with the last interaction computed from interaction notes."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path

from click.testing import CliRunner

from kbtools.cli import main
from kbtools.frontmatter import read_frontmatter

REPO = Path(__file__).resolve().parent.parent
VAULT = REPO / "vault"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "crm"
DAY = "2026-11-27"


def props(path: Path) -> dict:
    return read_frontmatter(path.read_text(encoding="utf-8").split("\n")).properties


def run(*args: str):
    result = CliRunner().invoke(main, ["partners", *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def expected_partners() -> dict[str, str | None]:
    """Partner name → newest interaction date, read straight from the files."""
    notes = {p: props(p) for p in VAULT.rglob("*.md")}
    partners = {p.stem: None for p, fm in notes.items() if fm.get("type") == "partner"}
    for fm in notes.values():
        if fm.get("type") == "interaction":
            name = fm["partner"].strip("[]")
            if partners[name] is None or fm["date"] > partners[name]:
                partners[name] = fm["date"]
    return partners


def test_json_lists_every_sample_partner_with_last_interaction():
    doc = json.loads(run(VAULT, "--format", "json", "--today", DAY))
    assert doc["today"] == DAY
    expected = expected_partners()
    assert 4 <= len(expected) <= 6
    assert {r["partner"]: r["last_interaction"] for r in doc["partners"]} == expected
    stages = [r["stage"] for r in doc["partners"]]
    assert len(set(stages)) == len(stages)  # the samples sit at different stages
    for row in doc["partners"]:
        if row["last_interaction"]:
            last = datetime.date.fromisoformat(row["last_interaction"])
            assert row["days_since"] == (datetime.date(2026, 11, 27) - last).days
    zarechye = next(r for r in doc["partners"] if "Заречье" in r["partner"])
    assert zarechye["trust"] == 5 and zarechye["satisfaction"] == 4  # from the latest review
    assert zarechye["interactions"] == 2 and zarechye["agreements"] == 1 and zarechye["reviews"] == 2
    assert zarechye["type_label"] == "Стратегический альянс"


def test_table_csv_and_filters():
    table = run(VAULT, "--today", DAY, "--no-color")
    assert table.splitlines()[0].split()[:2] == ["Партнер", "Тип"]
    assert "ООО «Северный ветер»" in table and "Реализация и развитие" in table
    rows = list(csv.DictReader(io.StringIO(run(VAULT, "--format", "csv", "--today", DAY))))
    assert len(rows) == len(expected_partners())
    only = json.loads(run(VAULT, "--format", "json", "--stage", "Разработка партнерства",
                          "--stage", "scaling", "--today", DAY))
    assert sorted(r["stage"] for r in only["partners"]) == ["development", "scaling"]
    assert json.loads(run(VAULT, "--format", "json", "--overdue", "--today", DAY))["partners"] == []
    late = json.loads(run(VAULT, "--format", "json", "--overdue", "--today", "2027-02-01"))
    assert {r["partner"] for r in late["partners"]} == {
        "АО «ТехноСфера»", "ООО «Северный ветер»", "Издательство «Книжный мост»"}
    assert all(r["overdue"] for r in late["partners"])
    marked = run(VAULT, "--today", "2027-02-01", "--no-color")
    assert "2027-01-12 !" in marked and "with an overdue review" in marked


def test_fixture_partner_rows():
    doc = json.loads(run(FIXTURES / "records", "--format", "json", "--today", DAY, "--no-cache"))
    rows = {r["partner"]: r for r in doc["partners"]}
    assert rows["Альфа"]["last_interaction"] == "2026-11-15" and rows["Альфа"]["days_since"] == 12
    assert rows["Альфа"]["overdue"] is True and rows["Альфа"]["trust"] == 5  # review beats note
    assert rows["Бета"]["last_interaction"] is None and rows["Бета"]["trust"] is None


def test_bad_stage_filter_is_a_usage_error():
    result = CliRunner().invoke(main, ["partners", str(VAULT), "--stage", "nope"])
    assert result.exit_code == 2 and "is not one of" in result.output
