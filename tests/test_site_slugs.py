"""URL slug policy of ``kb build`` (``[site] slugs``): ``unicode`` (the default, unchanged) and
``translit`` (Russian → Latin by iuliia's Moscow Metro scheme, lower-cased), with collisions
resolved deterministically and heading anchors following the same policy. See the docstring of
kbtools/site/pages.py and README.md (``kb build``, URLs)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kbtools.config import ConfigError
from kbtools.load import load_vault
from kbtools.site import build
from kbtools.site.pages import SLUG_POLICIES, Plan, anchor_slug, slug, transliterate
from site_crawl import crawl

ROOT = Path(__file__).resolve().parent.parent

# -- the transliteration table: one case per letter (Moscow Metro, 2017) ---------------------
LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}


def test_the_table_covers_the_russian_alphabet():
    assert "".join(LETTERS) == "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"


@pytest.mark.parametrize("letter, latin", sorted(LETTERS.items()))
def test_letter(letter, latin):
    # between consonants ("б…д"), so no context rule applies
    assert transliterate(f"б{letter}д") == f"b{latin}d"
    assert transliterate(f"Б{letter.upper()}Д") == f"b{latin}d"  # lower-cased


@pytest.mark.parametrize("word, latin", [
    ("подъезд", "podyezd"),    # ъ before a vowel → y
    ("ильич", "ilyich"),       # ь before a vowel → y
    ("вьюга", "vyuga"),
    ("новый", "novy"),         # final -ый → -y
    ("синий", "siny"),         # final -ий → -y
    ("братцево", "bratsevo"),  # тц → ts (not tts)
    ("мать", "mat"),           # ь dropped
    ("объём", "obyom"),        # ъё → yo
    ("щука", "schuka"),
    ("йогурт", "yogurt"),
])
def test_context_rules(word, latin):
    assert transliterate(word) == latin


@pytest.mark.parametrize("text, expected", [
    ("Развитие партнерств", "razvitie-partnerstv"),
    ("Развитие партнёрств", "razvitie-partnerstv"),
    ("Этап 1: Идентификация", "etap-1-identifikatsiya"),
    ("Что? Где: когда #1", "chto-gde-kogda-1"),
    ("ООО «Агрокомплекс Заречье»", "ooo-agrokompleks-zarechye"),
    ("Café — Москва…", "cafe-moskva"),
    ("№ 5", "no-5"),
    ("snake_case and CamelCase", "snake_case-and-camelcase"),
    ("東京 и Київ", "東京-i-kiїv"),  # other scripts are kept (Ukrainian ї is not Russian)
    ("«»", "-"),
])
def test_translit_slug(text, expected):
    assert slug(text, policy="translit") == expected
    assert slug(text, lower=True, policy="translit") == expected


def test_unicode_slugs_are_unchanged():
    assert SLUG_POLICIES[0] == "unicode"
    assert slug("Развитие партнерств") == "Развитие-партнерств"
    assert slug("Развитие партнерств", policy="unicode") == "Развитие-партнерств"
    assert anchor_slug("Этап 1: Идентификация") == "этап-1-идентификация"
    assert anchor_slug("Этап 1: Идентификация", "translit") == "etap-1-identifikatsiya"
    assert anchor_slug("**Этап** [[Лидерство|лидерства]]", "translit") == "etap-liderstva"


# -- a fixture vault built with slugs = "translit" ---------------------------------------------
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d4944415478da63f8cfc0f01f0005000201a5f0d6d80000000049454e44ae426082")

NOTES = {
    "Развитие партнерств.md": (
        "---\naliases: [Альфа]\ntags: [Партнёрство/Этапы]\n---\n"
        "# Развитие партнерств\n\n"
        "См. [[Ёлка]], [[Елка]], [[ЕЛКА]], [[Ёж/Заметка]], [[Еж/Заметка]], [[tags]], [[Café]],\n"
        "[[Папка/Вложенная заметка#Этап 1 Идентификация]] и "
        "[[Папка/Вложенная заметка#^blok-1]].\n\n"
        "![[Схема.png]]\n\n"
        "## Этап 1 Идентификация\n\nТекст.\n\n## Этап 1 Идентификация\n\nЕщё раз.\n\n"
        "## Шаг [[Ёлка|ёлки]] и **щит**\n\nСсылка на [[#Этап 1 Идентификация]].\n\n"
        "## Щит и меч\n\nКонец.\n"),
    "Ёлка.md": "# Ёлка\n\nК [[Развитие партнерств#Этап 1 Идентификация]].\n",
    "Елка.md": "# Елка\n\nК [[Развитие партнерств]]. #партнёрство\n",
    "ЕЛКА.md": "# ЕЛКА\n\nК [[Ёлка]].\n",
    "Ёж/Заметка.md": "# Заметка о еже\n\nК [[Ёлка]].\n",
    "Еж/Заметка.md": "# Заметка о ёже\n\nК [[Елка]].\n",
    "tags.md": "# Теги как заметка\n\nК [[Развитие партнерств]].\n",
    "Café.md": "# Café\n\nК [[Развитие партнерств]].\n",
    "Папка/Вложенная заметка.md": (
        "# Вложенная заметка\n\n## Этап 1 Идентификация\n\nАбзац с блоком. ^blok-1\n\n"
        "К [[Развитие партнерств#Щит и меч]].\n"),
}


def make_vault(root: Path, config: str | None = None) -> Path:
    vault = root / "vault"
    for name, text in NOTES.items():
        path = vault / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (vault / "Схема.png").write_bytes(PNG)
    if config is not None:
        (vault / "kbtools.toml").write_text(config, encoding="utf-8")
    return vault


@pytest.fixture(scope="module")
def translit_site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("translit")
    vault = make_vault(tmp, '[site]\nslugs = "translit"\nhome = "Развитие партнерств"\n'
                            'search = false\n')
    out = tmp / "out"
    build(load_vault(vault, cache=False), out)
    return out


def page(out: Path, url: str) -> str:
    return (out / url / "index.html").read_text(encoding="utf-8")


def test_translit_site_crawls_clean(translit_site):
    assert crawl(translit_site) == []


def test_translit_urls_are_ascii(translit_site):
    files = [p.relative_to(translit_site).as_posix() for p in translit_site.rglob("*")
             if p.is_file()]
    assert files and all(f.isascii() for f in files), [f for f in files if not f.isascii()]


def test_translit_urls(translit_site):
    for url in ("elka", "elka-2", "elka-3", "ezh/zametka", "ezh-2/zametka", "tags-", "cafe",
                "papka/vlozhennaya-zametka", "alfa", "tags/partnerstvo", "tags/partnerstvo/etapy",
                "notes", "graph"):
        assert (translit_site / url / "index.html").is_file(), url
    assert (translit_site / "files" / "skhema.png").read_bytes() == PNG
    home = page(translit_site, "")
    # collisions: vault paths in code-point order (Ё < Е; upper case first), then -2, -3
    assert all(f'href="{u}/"' in home for u in ("elka", "elka-2", "elka-3", "cafe", "tags-"))
    assert ">Ёлка<" in page(translit_site, "elka")
    assert ">ЕЛКА<" in page(translit_site, "elka-2") and ">Елка<" in page(translit_site, "elka-3")
    assert "о еже" in page(translit_site, "ezh/zametka")
    assert "о ёже" in page(translit_site, "ezh-2/zametka")
    assert 'src="files/skhema.png"' in home
    # the alias redirect and the folder pages
    assert 'url=../' in page(translit_site, "alfa")
    assert "Ёж" in page(translit_site, "ezh") and "Еж" in page(translit_site, "ezh-2")


def test_translit_anchors(translit_site):
    home = page(translit_site, "")
    ids = re.findall(r' id="([^"]+)"', home)
    assert "etap-1-identifikatsiya" in ids and "etap-1-identifikatsiya-1" in ids
    assert "shag-elki-i-schit" in ids  # markup and the link's target left out, label kept
    assert 'href="#etap-1-identifikatsiya"' in home  # [[#Этап 1 Идентификация]]
    assert 'href="papka/vlozhennaya-zametka/#etap-1-identifikatsiya"' in home
    assert 'href="papka/vlozhennaya-zametka/#block-blok-1"' in home
    nested = page(translit_site, "papka/vlozhennaya-zametka")
    assert 'href="../../#schit-i-mech"' in nested
    assert 'href="../#etap-1-identifikatsiya"' in page(translit_site, "elka")


def test_translit_breadcrumbs_and_sitemap(translit_site):
    nested = page(translit_site, "ezh-2/zametka")
    crumbs = nested.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert 'href="../../">' in crumbs and 'href="../">Еж<' in crumbs
    sitemap = (translit_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>ezh-2/zametka/</loc>" in sitemap and "<loc>elka-3/</loc>" in sitemap


def test_collisions_do_not_depend_on_the_order_notes_are_read(tmp_path):
    vault = load_vault(make_vault(tmp_path), cache=False)
    forward = Plan(vault.notes, slugs="translit")
    backward = Plan(dict(reversed(list(vault.notes.items()))), slugs="translit")
    assert {p: n.url for p, n in forward.notes.items()} == \
        {p: n.url for p, n in backward.notes.items()}
    assert forward.url("Ёлка.md") == "elka/" and forward.url("ЕЛКА.md") == "elka-2/"
    assert forward.folder_url("Ёж") == "ezh/" and forward.folder_url("Еж") == "ezh-2/"


def test_default_is_unicode_and_unchanged(tmp_path):
    vault = make_vault(tmp_path)
    out = tmp_path / "out"
    build(load_vault(vault, cache=False), out, search=False)
    # a case-only collision: ЕЛКА.md comes before Елка.md in code-point order
    for url in ("Развитие-партнерств", "Ёлка", "ЕЛКА", "Елка-2", "Ёж/Заметка", "Еж/Заметка",
                "tags-", "Café", "Папка/Вложенная-заметка", "Альфа", "tags/партнёрство"):
        assert (out / url / "index.html").is_file(), url
    assert (out / "files" / "Схема.png").is_file()
    assert 'id="этап-1-идентификация"' in page(out, "Развитие-партнерств")
    assert crawl(out) == []


def test_bad_setting_is_a_config_error(tmp_path):
    vault = make_vault(tmp_path, '[site]\nslugs = "ascii"\n')
    with pytest.raises(ConfigError, match="slugs must be one of unicode, translit"):
        build(load_vault(vault, cache=False), tmp_path / "out")
    with pytest.raises(ValueError):
        Plan({}, slugs="ascii")


def test_translit_sample_vault(tmp_path):
    """The sample vault: «Развитие партнерств» at razvitie-partnerstv/, a clean crawl."""
    vault = tmp_path / "vault"
    shutil.copytree(ROOT / "vault", vault, ignore=shutil.ignore_patterns(".kbcache"))
    out = tmp_path / "out"
    build(load_vault(vault, cache=False), out, search=False, slugs="translit")
    assert crawl(out) == []
    note = out / "razvitie-partnerstv" / "index.html"
    html = note.read_text(encoding="utf-8") if note.is_file() else page(out, "")
    assert 'id="etap-1-identifikatsiya-potentsialnykh-partnerov"' in html
    assert all(p.relative_to(out).as_posix().isascii() for p in out.rglob("*.html"))


def test_attachments_with_the_same_slug_keep_their_extension():
    from kbtools.site.pages import Plan
    plan = Plan({})
    assert plan.file_url("img/a b.png") == "files/img/a-b.png"
    assert plan.file_url("img/a-b.png") == "files/img/a-b-2.png"
    assert plan.file_url("img/A B.PNG") == "files/img/A-B-3.png"
    assert plan.file_url("img/a b.png") == "files/img/a-b.png", "the same file, the same URL"


def test_notes_of_a_tag_with_equal_titles_are_in_path_order():
    """Sorting by title alone left such notes in hash order, which changed between builds."""
    from kbtools.model import Note
    from kbtools.site.pages import Plan
    for order in (["Б/Итоги.md", "А/Итоги.md", "В/итоги.md"], ["В/итоги.md", "А/Итоги.md", "Б/Итоги.md"]):
        plan = Plan({p: Note(path=p, tags=("встречи",)) for p in order})
        assert plan.tags["встречи"].notes == ["А/Итоги.md", "Б/Итоги.md", "В/итоги.md"]


def test_no_alias_redirect_for_the_name_of_another_note():
    """An alias equal to another note's name (KB008) gets no redirect: [[Name]] means the note."""
    from kbtools.model import Note
    from kbtools.site.pages import Plan
    plan = Plan({"Справка.md": Note(path="Справка.md", aliases=("Документация", "Помощь")),
                 "Понятия/Документация.md": Note(path="Понятия/Документация.md")})
    assert plan.aliases == {"Помощь/": "Справка.md"}
