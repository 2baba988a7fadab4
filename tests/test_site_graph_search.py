"""kb build: the graphs (graph/ page, local graph per note) and the pagefind search index.
What a browser does with them is in tests/test_site_browser.py."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from kbtools.load import load_vault
from kbtools.site import build
from kbtools.site.search import available
from site_crawl import crawl

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "site"


@pytest.fixture(scope="module")
def basic(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("gs")
    shutil.copytree(FIXTURES / "basic", tmp / "basic")
    out = tmp / "out"
    build(load_vault(tmp / "basic", cache=False), out)
    return out


def read(out: Path, url: str) -> str:
    path = out / url
    return (path / "index.html" if path.is_dir() else path).read_text(encoding="utf-8")


def nodes(svg_html: str) -> list[str]:
    return re.findall(r'<a class="node[^"]*" href="[^"]*" data-n="\d+" aria-label="([^"]*)"', svg_html)


def test_global_graph_page(basic):
    html = read(basic, "graph/")
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    names = nodes(svg)
    published = re.findall(r'<a class="internal" href="[^"]*">([^<]*)</a>', read(basic, "notes/"))
    assert sorted(names) == sorted(published)  # every published note, nothing else
    assert "Черновик" not in svg and "Скрытая" not in svg
    assert "<line " in svg
    assert "<script" not in html.split('<main', 1)[1]  # works without JavaScript
    assert crawl(basic) == []  # every node links to a page


def test_local_graph_is_small_and_per_note(basic):
    html = read(basic, "Папка/Вложенная-заметка/")
    section = html.split('<section class="local-graph"', 1)[1].split("</section>", 1)[0]
    names = nodes(section)
    assert "Вложенная заметка" in names and "Главная страница" in names
    assert "Скрытая" not in names  # it links here, but is not published
    assert 'class="node current"' in section
    assert len(section) < 10_000
    # the global graph is not copied into note pages
    assert "graph-global" not in html


def test_graphs_are_deterministic(tmp_path):
    shutil.copytree(FIXTURES / "basic", tmp_path / "v")
    outs = []
    for name in ("a", "b"):
        build(load_vault(tmp_path / "v", cache=False), tmp_path / name, search=False)
        outs.append(read(tmp_path / name, "graph/") + read(tmp_path / name, "Папка/Вложенная-заметка/"))
    assert outs[0] == outs[1]


def test_an_unlinked_note_has_no_local_graph(tmp_path):
    vault = tmp_path / "v"
    vault.mkdir()
    (vault / "Одна.md").write_text("# Одна\n\nбез ссылок\n", encoding="utf-8")
    build(load_vault(vault, cache=False), tmp_path / "out", search=False)
    assert "local-graph" not in read(tmp_path / "out", "Одна/")
    assert 'aria-label="Одна"' in read(tmp_path / "out", "graph/")


@pytest.mark.skipif(not available(), reason="pagefind is not installed")
def test_search_index_covers_published_notes_only(basic):
    entry = json.loads((basic / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    published = len(re.findall(r'<a class="internal"', read(basic, "notes/")))
    assert entry["languages"]["ru"]["page_count"] == published  # no drafts, no list pages
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css", "wasm.ru.pagefind"):
        assert (basic / "pagefind" / name).is_file(), name
    page = read(basic, "Папка/Вложенная-заметка/")
    assert "<article class=\"note\" data-pagefind-body>" in page
    assert '<section class="backlinks" data-pagefind-ignore' in page
    search = read(basic, "search/")
    assert 'src="../pagefind/pagefind-ui.js"' in search and 'src="../assets/search.js"' in search
    assert "<noscript>" in search and 'href="../notes/"' in search
    # without JavaScript the header's search link is the list of notes
    assert '<a class="search-link" href="../../notes/" data-search="../../search/">' in page


def test_search_and_graph_can_be_turned_off(tmp_path):
    shutil.copytree(FIXTURES / "basic", tmp_path / "v")
    (tmp_path / "v" / "kbtools.toml").write_text("[site]\nsearch = false\ngraph = false\n",
                                                encoding="utf-8")
    out = tmp_path / "out"
    build(load_vault(tmp_path / "v", cache=False), out)
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    assert not (out / "graph").exists()
    html = read(out, "")
    assert "search-link" not in html and 'href="graph/"' not in html and "local-graph" not in html
    assert crawl(out) == []
