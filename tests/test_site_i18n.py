"""UI strings of the site: Babel catalogues (kbtools/locale/), complete and with CLDR plural forms.

The messages are extracted here with Babel's own extractor, as ``babel.cfg`` maps it (Jinja2
templates and Python files), so a string added to a template or to the code fails this module
until it is in both catalogues, translated and not fuzzy: run ``python scripts/catalogues.py``
and translate what it lists (README.md, "Translations of the site").
"""

from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2.ext import extract_from_ast

from kbtools.site import i18n
from kbtools.site.config import LANGS
from kbtools.site.i18n import Translations

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "kbtools" / "locale"
GETTEXT = {"gettext", "ngettext", "_", "N_", "pgettext", "npgettext"}


def po(lang: str) -> Catalog:
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


@pytest.fixture(scope="module")
def extracted() -> dict[str, tuple[str, ...]]:
    """msgid → (msgid, msgid_plural) of every message Babel extracts from the sources."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    out: dict[str, tuple[str, ...]] = {}
    files: set[str] = set()
    for filename, _line, message, _comments, _context in extract_from_dir(ROOT, method_map,
                                                                             options_map):
        forms = message if isinstance(message, tuple) else (message,)
        out[forms[0]] = forms
        files.add(filename.split("/", 1)[0])
    assert files == {"kbtools", "templates"}, files
    return out


def test_extraction_finds_templates_and_python(extracted):
    assert "Backlinks" in extracted                      # templates/site/note.html
    assert "No note «%(name)s»" in extracted             # kbtools/site/render.py
    assert "Financial return by review: %(values)s" in extracted  # kbtools/crm/site.py
    assert extracted["%(num)d note"] == ("%(num)d note", "%(num)d notes")


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_catalogue_translates_every_message(extracted, lang):
    catalog = po(lang)
    problems = []
    for msgid, forms in extracted.items():
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if len(forms) == 2:
            if not message.pluralizable or message.id[1] != forms[1]:
                problems.append(f"plural form differs: {msgid!r}")
            if len(strings) != catalog.num_plurals:
                problems.append(f"{len(strings)} plural forms, not {catalog.num_plurals}: "
                                f"{msgid!r}")
        if not all(strings):
            problems.append(f"untranslated: {msgid!r}")
    assert not problems, "\n".join(problems) + "\nrun python scripts/catalogues.py, then translate"


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_catalogue_is_well_formed(lang):
    catalog = po(lang)
    assert not catalog.fuzzy  # the header: a fuzzy header is ignored by msgfmt
    # placeholders (%(name)s, %(num)d) kept in every translation: Babel's python-format checker
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalog.check()]
    assert errors == []
    assert not catalog.obsolete


def test_template_is_up_to_date(extracted):
    with (LOCALE / "messages.pot").open("rb") as f:
        template = read_po(f)
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id} == set(extracted)


def test_no_compiled_catalogues_in_the_tree():
    assert list(LOCALE.rglob("*.mo")) == []


def test_languages_are_the_catalogues():
    assert i18n.available() == tuple(sorted(LANGS)) == ("en", "ru")


def test_every_message_is_a_literal():
    """The extractor sees only literal messages: no ``gettext(variable)`` in code or templates."""
    bad = []
    for path in sorted((ROOT / "kbtools").rglob("*.py")):
        if path == ROOT / "kbtools" / "site" / "i18n.py":  # the wrappers themselves
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in GETTEXT and node.args:
                literal = [isinstance(a, ast.Constant) and isinstance(a.value, str)
                           for a in node.args[:2 if name == "ngettext" else 1]]
                if not all(literal):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    for path in sorted((ROOT / "templates").rglob("*.html")):
        tree = env.parse(path.read_text(encoding="utf-8"))
        for line, func, strings in extract_from_ast(tree, babel_style=True):
            strings = strings if isinstance(strings, tuple) else (strings,)
            if None in strings[:2 if func == "ngettext" else 1]:  # later ones are arguments
                bad.append(f"{path.relative_to(ROOT)}:{line} {func}")
    assert bad == []


# -- plural forms ----------------------------------------------------------------------------
def test_russian_plural_forms_come_from_the_catalogue_header():
    catalog = po("ru")
    assert catalog.num_plurals == 3
    assert "n % 10 == 1 && n % 100 != 11 ? 0" in catalog.plural_forms
    assert po("en").plural_forms == "nplurals=2; plural=(n != 1);"


RU_NOTES = [(1, "1 заметка"), (2, "2 заметки"), (5, "5 заметок"), (11, "11 заметок"),
            (21, "21 заметка"), (22, "22 заметки"), (25, "25 заметок"), (101, "101 заметка"),
            (111, "111 заметок"), (0, "0 заметок"), (12, "12 заметок"), (14, "14 заметок"),
            (1001, "1001 заметка"), (1012, "1012 заметок")]


@pytest.mark.parametrize("n, expected", RU_NOTES)
def test_russian_plurals_notes(n, expected):
    assert Translations("ru").ngettext("%(num)d note", "%(num)d notes", n) % {"num": n} == expected


@pytest.mark.parametrize("singular, plural, forms", [
    ("%(num)d tag", "%(num)d tags", ("тег", "тега", "тегов")),
    ("%(num)d link", "%(num)d links", ("связь", "связи", "связей")),
    ("%(num)d partner", "%(num)d partners", ("партнер", "партнера", "партнеров")),
])
def test_russian_plurals_other_words(singular, plural, forms):
    tr = Translations("ru")
    for n, form in [(1, 0), (21, 0), (2, 1), (24, 1), (5, 2), (11, 2), (111, 2), (101, 0)]:
        assert tr.ngettext(singular, plural, n) % {"num": n} == f"{n} {forms[form]}"


@pytest.mark.parametrize("n, expected", [(1, "1 note"), (2, "2 notes"), (0, "0 notes"),
                                         (21, "21 notes"), (101, "101 notes")])
def test_english_plurals(n, expected):
    assert Translations("en").ngettext("%(num)d note", "%(num)d notes", n) % {"num": n} == expected


def test_gettext_per_language():
    ru, en = Translations("ru"), Translations("en")
    assert (ru.lang, en.lang) == ("ru", "en")
    assert ru.gettext("Backlinks") == "Обратные ссылки" and en.gettext("Backlinks") == "Backlinks"
    assert ru.gettext("No note «%(name)s»") % {"name": "X"} == "Нет заметки «X»"
    assert ru.gettext("a message no catalogue has") == "a message no catalogue has"
    assert Translations("xx").gettext("Backlinks") == "Backlinks"  # no catalogue: the source


def test_dates_from_cldr():
    when = dt.date(2026, 11, 27)
    assert Translations("ru").date(when) == "27 ноября 2026"
    assert Translations("en").date(when) == "27 November 2026"
    assert Translations("ru").date(dt.datetime(2026, 3, 1, 23, 59)) == "1 марта 2026"
    assert [Translations("ru").date(dt.date(2026, m, 2)).split()[1] for m in range(1, 13)] == [
        "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
        "октября", "ноября", "декабря"]


def test_fuzzy_and_empty_translations_are_not_used():
    catalog = Catalog(locale="ru")
    catalog.add("Tags", "Теги")
    catalog.add("Home", "Главная", flags=("fuzzy",))  # a guess pybabel update made
    catalog.add("Graph", "")
    catalog.add(("%(num)d tag", "%(num)d tags"), ("%(num)d тег", "%(num)d тега", "%(num)d тегов"))
    tr = i18n.compile_catalog(catalog)
    assert [tr.gettext(m) for m in ("Tags", "Home", "Graph")] == ["Теги", "Home", "Graph"]
    assert [tr.ngettext("%(num)d tag", "%(num)d tags", n) % {"num": n} for n in (1, 3, 7)] == \
        ["1 тег", "3 тега", "7 тегов"]


def test_plural_index():
    assert [i18n.plural_index("ru", n) for n in (1, 2, 5, 11, 21, 22, 25, 101, 111)] == \
        [0, 1, 2, 2, 0, 1, 2, 0, 2]
    assert [i18n.plural_index("en", n) for n in (0, 1, 2, 21)] == [1, 0, 1, 1]


def test_catalogue_is_read_once_per_process():
    assert i18n.translations("ru") is i18n.translations("ru")
    assert i18n.catalog("ru") is i18n.catalog("ru")


def test_script_check_mode_agrees():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "catalogues.py"), "--check"],
                            capture_output=True, text=True, encoding="utf-8", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
