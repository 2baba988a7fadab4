"""A large site's search index is built in parts and merged (:mod:`kbtools.site.search_merge`):
the merged index must be the one pagefind writes for the whole site — every word with its pages,
positions, weights, meta-field positions and ё/diacritic variants, every page with its length,
the meta fields — and search must give the same results with the same scores.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kbtools.load import load_vault
from kbtools.site import build, search
from kbtools.site.search_merge import _decode, read

pytestmark = pytest.mark.skipif(not search.available(), reason="pagefind is not installed")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "vault"
WORDS = ("партнёрство лидерство ёлка сообщество встреча договор оценка метрика проект идея "
         "Café naïve résumé north south alpha beta gamma").split()


def _site(root: Path, pages: int = 14, extra: str = "") -> Path:
    """Note-like pages: Russian with ё, some with an image (a meta field only they have)."""
    for i in range(pages):
        words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(40 + i))
        image = f'<img src="/img{i}.png" alt="рисунок {i}">' if i < 3 else ""
        folder = root / f"Заметка-{i:02d}"
        folder.mkdir(parents=True)
        (folder / "index.html").write_text(
            f'<!doctype html><html lang="ru"><head><title>Заметка {i}</title></head><body>'
            f'<nav>меню навигация</nav><article data-pagefind-body{extra}><h1>Заметка {i} '
            f'{WORDS[i % len(WORDS)]}</h1>{image}<p data-pagefind-weight="5">{WORDS[i]}</p>'
            f"<p>{words}</p><h2 id=\"r{i}\">Раздел {i}</h2><p>ещё текст {i}</p></article>"
            "</body></html>", encoding="utf-8")
    (root / "list").mkdir()
    (root / "list" / "index.html").write_text("<html lang=\"ru\"><body>список</body></html>",
                                              encoding="utf-8")
    return root


def canon(bundle: Path) -> dict:
    """An index as data independent of page numbers, chunking and file names."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    out = {}
    for lang, info in entry["languages"].items():
        version, pages, chunks, filters, sorts, fields = _decode(
            read(bundle / f"pagefind.{info['hash']}.pf_meta"))[0]
        urls = [json.loads(read(bundle / "fragment" / f"{f}.pf_fragment"))["url"] for f, _ in pages]

        def convert(page_list: list) -> list:
            got, number = [], 0
            for delta, locs, meta_locs in page_list:
                number += delta
                got.append((urls[number], tuple(locs),
                            tuple(fields[-x - 1] if x < 0 else x for x in meta_locs)))
            return sorted(got)
        words = {}
        for _from, _to, name in chunks:
            for word, page_list, variants in _decode(read(bundle / "index" / f"{name}.pf_index"))[0][0]:
                assert word not in words
                words[word] = (convert(page_list), {f: convert(p) for f, p in variants})
        out[lang] = dict(version=version, fields=fields, filters=filters, sorts=sorts,
                         count=info["page_count"], words=words,
                         pages={u: n for u, (_, n) in zip(urls, pages)},
                         chunks=[(f, t) for f, t, _ in chunks])
    return out


def _index(site: Path, dest: Path, part_pages: int, monkeypatch) -> int:
    monkeypatch.setattr(search, "PART_PAGES", part_pages)
    return search.index_site(site, "ru", dest=dest)


def test_a_merged_index_is_the_whole_index(tmp_path, monkeypatch):
    site = _site(tmp_path / "site")
    assert _index(site, tmp_path / "whole", 10**9, monkeypatch) == 14
    assert _index(site, tmp_path / "parts", 4, monkeypatch) == 14  # 4 parts, 3 without images
    whole, parts = canon(tmp_path / "whole"), canon(tmp_path / "parts")
    assert whole == parts
    ru = whole["ru"]
    assert ru["count"] == 14 and "list/" not in str(ru["pages"])  # only data-pagefind-body pages
    assert "image" in ru["fields"] and "title" in ru["fields"]
    assert any(variants for _, variants in ru["words"].values())  # ё / diacritics kept as variants
    assert not [p for p in site.iterdir() if p.name.startswith(".pagefind")]


def test_a_site_pagefind_cannot_merge_is_indexed_in_one_go(tmp_path, monkeypatch):
    site = _site(tmp_path / "site", extra=' data-pagefind-filter="kind:note"')
    assert _index(site, tmp_path / "whole", 10**9, monkeypatch) == 14
    assert _index(site, tmp_path / "parts", 4, monkeypatch) == 14  # filters: no merge
    whole, parts = canon(tmp_path / "whole"), canon(tmp_path / "parts")
    assert parts["ru"]["filters"] and whole["ru"]["words"] == parts["ru"]["words"]


# -- the same search in a browser --------------------------------------------------------------

QUERIES = ["партнёрства", "партнеры", "всё", "лидерства", "сообществ", "оценка эффективности",
           "ёлка", "zzzz", "пар"]
SEARCH = """async ([queries]) => {
  const pf = await import(new URL('pagefind/pagefind.js', location.href).href);
  await pf.options({baseUrl: '/'});
  const out = {};
  for (const q of queries) {
    const r = await pf.search(q);
    const rows = [];
    for (const x of r.results) rows.push([(await x.data()).url, Math.round(x.score * 1e6)]);
    out[q] = rows.sort();
  }
  return out;
}"""


def test_search_gives_the_same_results_and_scores(tmp_path, monkeypatch):
    from browser import launched, require, served
    sync_api = require()
    vault = tmp_path / "vault"
    shutil.copytree(SAMPLE, vault)
    sites = {}
    for name, size in (("whole", 10**9), ("parts", 5)):
        monkeypatch.setattr(search, "PART_PAGES", size)
        sites[name] = tmp_path / name
        build(load_vault(vault, cache=False), sites[name])
    assert canon(sites["whole"] / "pagefind") == canon(sites["parts"] / "pagefind")
    found = {}
    with launched(sync_api) as browser:
        for name, site in sites.items():
            with served(site) as root:
                page = browser.new_page()
                page.goto(root + "/")
                found[name] = page.evaluate(SEARCH, [QUERIES])
                page.close()
    assert found["whole"] == found["parts"]
    assert found["parts"]["партнёрства"] and found["parts"]["лидерства"][0]


def test_kb_serve_reindexes_only_the_parts_with_changed_pages(tmp_path, monkeypatch):
    """``PartedIndex`` (kb serve's background refresh) re-indexes the parts whose pages were
    edited, deleted or added, and its merged index is the index of the site as it is now."""
    site = _site(tmp_path / "site")
    monkeypatch.setattr(search, "PART_PAGES", 4)  # parts: 00-03, 04-07, 08-11, 12-13
    parted = search.PartedIndex(site, "ru")
    assert parted.refresh(tmp_path / "first") == 14 and parted.last_reindexed == 4
    assert canon(tmp_path / "first") == canon(_whole(site, tmp_path / "first-whole"))

    assert parted.refresh(tmp_path / "same") == 14 and parted.last_reindexed == 0
    page = site / "Заметка-05" / "index.html"
    page.write_text(page.read_text("utf-8").replace("ещё текст 5", "ещё текст 5 новоеслово"),
                    encoding="utf-8")
    shutil.rmtree(site / "Заметка-13")
    (site / "Заметка-99").mkdir()
    (site / "Заметка-99" / "index.html").write_text(
        (site / "Заметка-00" / "index.html").read_text("utf-8").replace("Заметка 0", "Заметка 99"),
        encoding="utf-8")
    assert parted.refresh(tmp_path / "second") == 14
    assert parted.last_reindexed == 2, "the edited page's part and the last (one deleted, one new)"
    got = canon(tmp_path / "second")
    assert got == canon(_whole(site, tmp_path / "second-whole"))
    assert any(w.startswith("новоеслов") for w in got["ru"]["words"])  # (stemmed)
    work = parted.work
    assert work is not None and work.parent == site.parent and work.is_dir()
    parted.close()
    assert not work.exists()


def _whole(site: Path, dest: Path) -> Path:
    """The index of the site in one go (no parts)."""
    search._run(search._index(site, dest, "ru"))
    return dest
