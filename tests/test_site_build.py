"""kb build (issue 3, first slice): the sample vault and tests/fixtures/site/ build into sound,
safe, relative-URL sites; publishing rules; atomic output; i18n; slug policy."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kbtools.cli import main
from kbtools.load import load_vault
from kbtools.site import BuildError, build
from kbtools.site.i18n import Translations
from kbtools.site.pages import anchor_slug, relative, slug
from site_crawl import crawl

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "vault"
FIXTURES = ROOT / "tests" / "fixtures" / "site"


def copy_fixture(name: str, tmp_path: Path) -> Path:
    dst = tmp_path / name
    shutil.copytree(FIXTURES / name, dst)
    return dst


@pytest.fixture(scope="module")
def basic_site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("basic")
    vault = tmp / "basic"
    shutil.copytree(FIXTURES / "basic", vault)
    out = tmp / "out"
    build(load_vault(vault, cache=False), out)
    return out


def read(out: Path, url: str) -> str:
    path = out / url
    return (path / "index.html" if path.is_dir() else path).read_text(encoding="utf-8")


def content(html: str) -> str:
    return html.split('<div class="note-content">', 1)[1].split('<section class="backlinks"', 1)[0]


# -- the sample vault and the fixtures: a crawl finds nothing wrong -------------------------
def test_sample_vault_builds_and_crawls_clean(tmp_path):
    out = tmp_path / "site"
    report = build(load_vault(SAMPLE, cache=False), out)
    assert report.notes >= 6
    assert (out / "Развитие-партнерств" / "index.html").is_file()  # Unicode slug kept
    for name in ("index.html", "404.html", "sitemap.xml", "feed.xml", "notes/index.html",
                 "tags/index.html", "assets/site.css", "assets/site.js"):
        assert (out / name).is_file(), name
    assert crawl(out) == []


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir()
                                          if p.is_dir() and p.name != "golden"))
def test_fixture_vaults_crawl_clean(name, tmp_path):
    vault = copy_fixture(name, tmp_path)
    out = tmp_path / "out"
    build(load_vault(vault, cache=False), out)
    assert crawl(out) == []


def test_links_headings_blocks_and_broken(basic_site):
    html = content(read(basic_site, ""))
    assert '<a class="internal" href="Папка/Вложенная-заметка/#этап-1-начало">к этапу</a>' in html
    assert 'href="Папка/Вложенная-заметка/#block-key1"' in html
    assert 'href="Папка/Вложенная-заметка/#итоги">markdown-ссылка</a>' in html
    assert '<span class="broken" title="Нет заметки «Нет такой заметки»">Нет такой заметки</span>' in html
    assert re.search(r'<span class="broken" title="[^"]*нет заголовка «Нет заголовка»', html)
    assert re.search(r'<span class="broken" title="[^"]*нет блока «\^nope»', html)
    target = read(basic_site, "Папка/Вложенная-заметка/")
    assert 'id="этап-1-начало"' in target and 'id="block-key1"' in target
    assert '<ul id="block-spisok">' in target  # a lone ^id names the list before it


def test_obsidian_markup(basic_site):
    html = content(read(basic_site, ""))
    assert '<details class="callout callout-tip" data-callout="tip">' in html
    assert '<summary class="callout-title">Свёрнутая подсказка</summary>' in html
    assert '<div class="callout callout-warning" data-callout="warning">' in html
    assert "[!tip]" not in html and "[!warning]" not in html
    assert "<mark>Выделенный текст</mark>" in html
    assert 'type="checkbox"' in html and 'checked=""' in html
    assert 'class="footnote-ref"' in html and 'class="footnotes"' in html
    assert '<th style="text-align:right">' in html
    assert '<span class="k">def</span>' in html  # pygments
    assert "скрытый комментарий" not in html and "Тайна" not in html
    assert 'width="120"' in html and 'width="100" height="50"' in html
    assert '<a class="tag" href="tags/проект/альфа/">#проект/альфа</a>' in html
    assert '<math display="inline"><mrow><msup><mi>a</mi><mn>2</mn></msup>' in html  # MathML
    assert '<div class="math-block"><math display="block"><mrow><mfrac>' in html
    assert '<iframe class="embed-pdf" src="files/документ.pdf#page=2"' in html


def test_embeds_sections_blocks_and_attachments_once(basic_site):
    html = content(read(basic_site, ""))
    assert '<div class="embed" data-target="Папка/Вложенная заметка.md">' in html
    assert "<h2>Итоги</h2>" in html and "Итоговый текст" in html  # the heading's section
    assert "Первый абзац." in html  # the block embed
    files = sorted(p.relative_to(basic_site).as_posix() for p in (basic_site / "files").rglob("*")
                   if p.is_file())
    assert files == ["files/img/схема.png", "files/документ.pdf"]


def test_self_embed_cycle_renders_a_marked_stop(basic_site):
    html = content(read(basic_site, "Цикл/"))
    assert html.count('class="embed embed-cycle"') == 2  # ![[Цикл]] and Цикл → Цикл-Б → Цикл
    assert "Встраивание остановлено" in html


def test_hostile_note_is_inert(basic_site):
    html = read(basic_site, "Опасная/")
    body = content(html)
    assert "<script" not in body and "alert(&quot;xss&quot;)" not in body
    assert "onerror" not in html and "onclick" not in html
    assert "javascript:" not in re.sub(r"\[md-ссылка\]\(javascript:alert\(3\)\)", "", body)
    assert not re.search(r'href="\s*javascript', html, re.I)
    assert "evil.example" not in html and "etc/passwd" not in html and "/etc/hostname" not in html
    assert 'style="color:red"' not in html
    assert "secret.png" not in "".join(p.name for p in basic_site.rglob("*"))
    # the only scripts on the page are the theme's own
    assert re.findall(r"<script[^>]*>", html) == ['<script src="../assets/site.js">']


def test_unpublished_notes_are_left_out(basic_site):
    assert not (basic_site / "Черновик").exists() and not (basic_site / "Скрытая").exists()
    everything = "\n".join(p.read_text(encoding="utf-8") for p in basic_site.rglob("*")
                           if p.suffix in (".html", ".xml"))
    assert "Черновик/" not in everything and "Скрытая/" not in everything
    assert "черновое" not in everything and "секретный-тег" not in everything  # tags
    assert "Скрытая заметка ссылается" not in everything  # backlink snippets
    home = content(read(basic_site, ""))
    assert '<span class="unpublished">Черновик</span>' in home
    assert '<span class="unpublished">скрытая</span>' in home
    nested = read(basic_site, "Папка/Вложенная-заметка/")
    backlinks = nested.split('<section class="backlinks"', 1)[1]
    assert "Главная страница" in backlinks and "Скрытая" not in backlinks


def test_backlinks_with_snippets(basic_site):
    nested = read(basic_site, "Папка/Вложенная-заметка/")
    backlinks = nested.split('<section class="backlinks"', 1)[1]
    assert '<a class="internal" href="../../">Главная страница</a>' in backlinks
    assert '<p class="snippet">Добро пожаловать. Ссылки: Папка/Вложенная заметка' in backlinks


def test_page_chrome(basic_site):
    html = read(basic_site, "Папка/Вложенная-заметка/")
    assert '<html lang="ru">' in html
    assert '<link rel="stylesheet" href="../../assets/site.css">' in html
    assert '<nav class="breadcrumbs"' in html and '<li><a href="../">Папка</a></li>' in html
    assert '<aside class="toc">' in html and 'href="#итоги"' in html
    assert '<time datetime="' in html
    assert "<style" not in html  # one shared stylesheet, nothing inlined per page
    assert '<a class="tag" href="../../tags/проект/альфа/">#проект/альфа</a>' in html
    tag = read(basic_site, "tags/проект/")  # a parent tag lists notes of its subtags
    assert "Вложенная заметка" in tag and "2 заметки" in tag


def test_no_absolute_urls_so_any_sub_path_works(basic_site):
    for page in basic_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'(?:href|src)="/(?!/)', html), page


def test_sitemap_and_feed(basic_site, tmp_path):
    sitemap = read(basic_site, "sitemap.xml")
    assert "<loc>Папка/Вложенная-заметка/</loc>" in sitemap
    feed = read(basic_site, "feed.xml")
    assert '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ru">' in feed
    assert feed.count("<entry>") == 5
    vault = copy_fixture("basic", tmp_path)
    out = tmp_path / "abs"
    build(load_vault(vault, cache=False), out, base_url="https://example.org/kb")
    assert "<loc>https://example.org/kb/Папка/Вложенная-заметка/</loc>" in read(out, "sitemap.xml")
    assert '<link href="https://example.org/kb/Цикл/"/>' in read(out, "feed.xml")


# -- atomic output ---------------------------------------------------------------------------
def test_failed_build_leaves_previous_site(tmp_path, monkeypatch):
    vault = copy_fixture("basic", tmp_path)
    out = tmp_path / "out"
    build(load_vault(vault, cache=False), out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    from kbtools.site import emit

    def boom(site):
        raise RuntimeError("emitter failed")
    monkeypatch.setattr(emit, "EMITTERS", emit.EMITTERS[:3] + [boom])
    with pytest.raises(RuntimeError):
        build(load_vault(vault, cache=False), out)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["basic", "out"]  # no temp folders left


def test_pages_of_deleted_notes_disappear(tmp_path):
    vault = copy_fixture("basic", tmp_path)
    out = tmp_path / "out"
    build(load_vault(vault, cache=False), out)
    assert (out / "Цикл-Б" / "index.html").is_file()
    (vault / "Цикл-Б.md").unlink()
    build(load_vault(vault, cache=False), out)
    assert not (out / "Цикл-Б").exists()
    assert crawl(out) == []


def test_refuses_to_replace_a_foreign_folder_or_the_vault(tmp_path):
    vault = copy_fixture("basic", tmp_path)
    foreign = tmp_path / "docs"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine", encoding="utf-8")
    loaded = load_vault(vault, cache=False)
    for bad in (foreign, vault, vault / "site", tmp_path):
        with pytest.raises(BuildError):
            build(loaded, bad)
    assert (foreign / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_cli_build(tmp_path):
    vault = copy_fixture("basic", tmp_path)
    out = tmp_path / "public"
    result = CliRunner().invoke(main, ["build", str(vault), "-o", str(out), "--no-cache", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "5 notes" in result.output
    assert '<html lang="en">' in read(out, "")
    assert "Backlinks" in read(out, "Цикл/")
    bad = CliRunner().invoke(main, ["build", str(vault), "-o", str(vault / "x"), "--no-cache"])
    assert bad.exit_code == 2 and "inside the vault" in bad.output


def test_user_templates_override_file_by_file(tmp_path):
    vault = copy_fixture("basic", tmp_path)
    theme = tmp_path / "templates" / "site"  # next to the vault
    theme.mkdir(parents=True)
    (theme / "404.html").write_text('{% extends "base.html" %}{% block main %}<p>Свой 404</p>'
                                    "{% endblock %}", encoding="utf-8")
    out = tmp_path / "out"
    build(load_vault(vault, cache=False), out)
    assert "<p>Свой 404</p>" in read(out, "404.html")
    assert 'class="site-header"' in read(out, "404.html")  # base.html still the package's


def test_home_fallback_is_a_generated_index(tmp_path):
    vault = copy_fixture("basic", tmp_path)
    (vault / "index.md").unlink()
    out = tmp_path / "out"
    build(load_vault(vault, cache=False), out)
    home = read(out, "")
    assert "Недавно изменённые" in home and "4 заметки" in home
    assert crawl(out) == []


# -- policies --------------------------------------------------------------------------------
@pytest.mark.parametrize("n, expected", [(1, "1 заметка"), (2, "2 заметки"), (4, "4 заметки"),
                                         (5, "5 заметок"), (11, "11 заметок"), (21, "21 заметка"),
                                         (22, "22 заметки"), (112, "112 заметок"), (0, "0 заметок")])
def test_russian_plurals(n, expected):
    tr = Translations("ru")
    assert tr.ngettext("%(num)d note", "%(num)d notes", n) % {"num": n} == expected


def test_slug_and_anchor_policy():
    assert slug("Развитие партнерств") == "Развитие-партнерств"
    assert slug("Что? Где: когда #1") == "Что-Где-когда-1"
    assert anchor_slug("Этап 1: Идентификация **потенциальных** партнеров") == \
        "этап-1-идентификация-потенциальных-партнеров"
    assert anchor_slug("См. [[Лидерство|лидерство]]") == "см-лидерство"
    assert relative("a/b/", "c/") == "../../c/"
    assert relative("a/", "a/b/") == "b/"
    assert relative("", "") == "./"


# -- the edge-case fixture ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def edge_site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("edge")
    vault = tmp / "edge"
    shutil.copytree(FIXTURES / "edge", vault)
    out = tmp / "out"
    build(load_vault(vault, cache=False), out)
    return out


def test_edge_cases(edge_site):
    html = content(read(edge_site, "A/"))
    assert 'id="повтор"' in html and 'id="повтор-1"' in html  # repeated headings
    assert '<a class="internal" href="#повтор">Повтор</a>' in html  # same-note link
    assert '<li id="block-blk">пункт с блоком</li>' in html  # block id in a tight list
    assert '<a class="internal" href="../Проект/B/">ссылкой</a>' in html  # link in a callout title
    assert '<details class="callout callout-danger" data-callout="danger" open="">' in html
    assert '<div class="callout-title">Info</div>' in html
    assert "<blockquote>" in html
    assert '<a class="internal embed-link" href="../Проект/B/">B</a> в строке' in html
    assert '<a class="internal" href="../files/документ.pdf">pdf</a>' in html
    assert "&#91;[B]] в html" in html  # wiki syntax inside raw HTML is not a link, and defanged


def test_folder_pages_and_alias_redirects(edge_site):
    folder = read(edge_site, "Проект/")
    assert '<a class="internal" href="B/">B</a>' in folder
    note = read(edge_site, "Проект/B/")
    assert '<li><a href="../">Проект</a></li>' in note  # breadcrumbs link the folder page
    redirect = read(edge_site, "Альфа/")
    assert '<meta http-equiv="refresh" content="0; url=../A/">' in redirect
    assert '<link rel="canonical" href="../A/">' in redirect
    assert "Альфа" not in read(edge_site, "sitemap.xml")


def test_self_section_embed(edge_site):
    html = content(read(edge_site, "A/"))
    # the note may embed its own section once; inside, the section's embed of itself stops
    assert html.count('<div class="embed" data-target="A.md">') == 1
    assert html.count('class="embed embed-cycle"') == 1
    assert "Раздел для встраивания</a>" in html  # the in-text one stays a link


def test_site_settings_from_kbtools_toml(tmp_path):
    vault = copy_fixture("basic", tmp_path)
    (vault / "kbtools.toml").write_text(
        '[site]\ntitle = "Моя база"\nlang = "en"\nhome = "Цикл"\nexclude_tags = ["общий"]\n',
        encoding="utf-8")
    out = tmp_path / "out"
    build(load_vault(vault, cache=False), out)
    home = read(out, "")
    assert '<html lang="en">' in home and "Моя база" in home
    assert '<h1 class="note-title">Цикл</h1>' in home  # the configured home note is the root
    assert not (out / "Цикл").exists()
    assert not (out / "tags" / "общий").exists()  # index.md has #общий: not published
    assert "Главная страница" not in read(out, "notes/")
    assert crawl(out) == []
    (vault / "kbtools.toml").write_text('[site]\ncolour = "red"\n', encoding="utf-8")
    from kbtools.config import ConfigError
    with pytest.raises(ConfigError, match="colour"):
        build(vault, tmp_path / "out2")
