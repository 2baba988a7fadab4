"""kb build's fast paths give the bytes of the plain ones.

* note pages rendered by worker processes (:mod:`kbtools.site.workers`) = the sequential loop,
  also when attachments slug alike (their URLs depend on the order of the claims) and raw HTML
  points at an attachment another page claims;
* local graphs laid out in batches (:func:`kbtools.site.graphs._spring_batch`) and one by one
  (:func:`~kbtools.site.graphs._spring`) = :func:`networkx.spring_layout`, to the last bit;
* ``href`` and ``plain`` = their former character-by-character / regex-chain versions;
* the one reusable nh3 cleaner = ``nh3.clean`` with the same rules.
"""

from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path

import networkx as nx
import nh3
import numpy as np
import pytest

from kbtools.load import load_vault
from kbtools.site import build, graphs, sanitize, workers
from kbtools.site.pages import href, plain

ROOT = Path(__file__).resolve().parent.parent
BASIC = ROOT / "tests" / "fixtures" / "site" / "basic"
FIXED_TIME = 1_767_225_600


def _vault(tmp: Path) -> Path:
    """The basic fixture plus 40 notes linking each other, two attachments whose names slug
    alike (``a b.png``, ``a-b.png``: the second one claimed gets ``-2``) claimed from different
    chunks, and raw HTML pointing at them before and after they are claimed."""
    vault = tmp / "vault"
    shutil.copytree(BASIC, vault, ignore=shutil.ignore_patterns(".kbcache"))
    png = (BASIC / "img" / "схема.png").read_bytes()
    (vault / "a b.png").write_bytes(png)
    (vault / "a-b.png").write_bytes(png)
    for i in range(40):
        links = " ".join(f"[[Заметка {j:02d}]]" for j in (i * 7 % 40, i * 11 % 40, (i + 1) % 40))
        extra = ""
        if i == 5:
            extra = '\n\n<img src="../files/a-b.png" alt="raw"> <img src="../files/a-b-2.png">\n'
        if i == 9:
            extra = "\n\n![[a-b.png]]\n"
        if i == 30:
            extra = "\n\n![[a b.png]]\n\n$x^2$ and a [[Нет такой]] link\n"
        if i == 35:
            extra = '\n\n<img src="../files/a-b.png"> <img src="../files/a-b-2.png">\n'
        (vault / f"Заметка {i:02d}.md").write_text(
            f"---\ntags: [t{i % 3}]\n---\n# Заметка {i:02d}\n\nText {links}.{extra}\n",
            encoding="utf-8")
    for path in vault.rglob("*"):
        os.utime(path, (FIXED_TIME, FIXED_TIME))
    return vault


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != ".kbsite"}


def test_worker_processes_write_the_sequential_site(tmp_path, monkeypatch):
    vault = _vault(tmp_path)
    monkeypatch.setattr(workers, "MIN_PAGES", 10**9)
    seq = tmp_path / "seq"
    expected = build(load_vault(vault, cache=False), seq, search=False)
    monkeypatch.setattr(workers, "MIN_PAGES", 0)
    monkeypatch.setattr(workers, "CHUNK", 3)
    monkeypatch.setattr(workers, "cpus", lambda: 2)
    calls = []
    real = workers._replay
    monkeypatch.setattr(workers, "_replay", lambda *a: calls.append((a[2], real(*a))) or calls[-1][1])
    par = tmp_path / "par"
    report = build(load_vault(vault, cache=False), par, search=False)
    assert calls, "the pages were not rendered by workers"
    a, b = _files(seq), _files(par)
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []
    assert report.pages == expected.pages and report.files == expected.files == 4
    assert "files/a-b.png" in a and "files/a-b-2.png" in a
    # (a page is rendered again here only when its worker had not seen another worker's claim)
    assert len([path for path, accepted in calls if not accepted]) < len(calls), calls


def test_a_page_whose_worker_saw_other_claims_is_rendered_again(tmp_path, monkeypatch):
    """``_replay`` with the records of a worker that claimed ``a b.png`` before any other page
    (so it got ``files/a-b.png``, which the sequential build gives to ``a-b.png``)."""
    import importlib
    from kbtools.site import emit as E
    vault = _vault(tmp_path)
    site_of = importlib.import_module("kbtools.site.build").Site
    from kbtools.site.config import SiteConfig
    v = load_vault(vault, cache=False)

    def fresh(out: str):
        (tmp_path / out).mkdir()
        return site_of(v, SiteConfig.from_config(v.config, v.root), tmp_path / out)
    seq = fresh("seq")
    for path in seq.plan.notes:
        E.emit_note(seq, path)
    site = fresh("replayed")
    rendered = []
    for path in site.plan.notes:
        if path == "Заметка 30.md":  # the worker's view: nothing claimed before
            records = [("claim", "a b.png", "files/a-b.png")]
            emit = lambda s, p: rendered.append(p) or E.emit_note(s, p)  # noqa: E731
            assert workers._replay(site, emit, path, 1, records) is False
        else:
            E.emit_note(site, path)
    assert rendered == ["Заметка 30.md"]
    assert site.plan.files == seq.plan.files and site.plan.file_urls == seq.plan.file_urls
    assert site.plan._file_used == seq.plan._file_used
    assert _files(tmp_path / "replayed") == _files(tmp_path / "seq")


def test_workers_fall_back_to_the_loop_for_small_sites(tmp_path, monkeypatch):
    vault = _vault(tmp_path)
    called = []
    monkeypatch.setattr(workers, "_render", lambda i: called.append(i))
    build(load_vault(vault, cache=False), tmp_path / "out", search=False)
    assert called == []  # fewer pages than MIN_PAGES: no pool


def _random_graphs(rng: random.Random, n: int, count: int) -> list[list[tuple[int, int]]]:
    out = []
    for _ in range(count):
        p = rng.choice([0.0, 0.1, 0.3, 0.7, 1.0])
        out.append([(0, j) for j in range(1, n)] +
                   [(i, j) for i in range(1, n) for j in range(i + 1, n) if rng.random() < p])
    return out


@pytest.mark.parametrize("n", [3, 4, 7, 12, 21])
def test_local_layouts_are_networkx_spring_layout_to_the_bit(n):
    rng = random.Random(n)
    edge_lists = _random_graphs(rng, n, 30)
    start = graphs._circle(n - 1)
    batch = graphs._spring_batch(n, edge_lists, start, graphs.LOCAL_ITERATIONS)
    for edges, laid in zip(edge_lists, batch):
        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from(edges)
        want = nx.spring_layout(g, pos=dict(enumerate(start)), fixed=[0], iterations=15,
                                center=(0, 0), seed=np.random.RandomState(7))
        want = np.array([want[i] for i in range(n)])
        assert np.array_equal(graphs._spring(n, edges, start, 15), want)
        assert np.array_equal(laid, want)


def _href_before(url: str) -> str:
    keep = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]")
    return "".join(c if (not c.isascii() and c.isprintable() and not c.isspace())
                   or keep.match(c) else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
                   for c in url)


def _plain_before(text: str) -> str:
    from kbtools.site.pages import _MDLINK, _WIKI
    markup = re.compile(r"[*`]+|==|~~|(?<!\w)_+|_+(?!\w)|<[^>]+>")
    text = _WIKI.sub(lambda m: m.group(3) or (m.group(1) + (" › " + m.group(2) if m.group(2) else ""))
                     if not m.group(0).startswith("!") else "", text)
    text = _MDLINK.sub(lambda m: m.group(1), text)
    text = re.sub(r"%%.*?%%", "", text)
    text = re.sub(r"(?:^|\s)\^[A-Za-z0-9-]+\s*$", "", text)
    return re.sub(r"\s+", " ", markup.sub("", text)).strip()


def test_href_and_plain_are_unchanged():
    rng = random.Random(1)
    atoms = ["[[", "]]", "|", "#", "![[", "[", "](", ")", "%%", "^", "^ab-1", " ", "\t", "\n",
             "\u00a0", "\x1c", "\u2003", "\u3000", "\x85", "\u200b", "*", "`", "==", "~~", "_",
             "<", ">", "<b>", "a", "б", "ё", "x_y", "9", "-", "%", "?", "/", "\U0001F600", "\x7f"]
    for _ in range(20000):
        text = "".join(rng.choice(atoms) for _ in range(rng.randint(0, 12)))
        assert href(text) == _href_before(text), text
        assert plain(text) == _plain_before(text), text


def test_one_cleaner_cleans_as_nh3_clean():
    def before(html: str, url_ok) -> str:
        def attribute_filter(tag: str, attr: str, value: str) -> str | None:
            if tag == "iframe" and attr == "src" and (sanitize._has_scheme(value) or url_ok is None):
                return None
            if attr in sanitize.URL_ATTRS and url_ok is not None and not sanitize._has_scheme(value):
                return value if url_ok(value) else None
            if attr == "type" and tag == "input" and value != "checkbox":
                return None
            return value
        return nh3.clean(html, tags=sanitize.TAGS, attributes=sanitize.ATTRIBUTES,
                         attribute_filter=attribute_filter, url_schemes=sanitize.SCHEMES,
                         filter_style_properties={"text-align"}, link_rel=None,
                         strip_comments=True)
    ok = lambda u: u.startswith("../ok")  # noqa: E731
    html = ('<p onclick="x()">a <a href="../ok/">ok</a> <a href="../no/">no</a> '
            '<a href="https://e.org/" rel="noopener">e</a> <img src="../ok.png" onerror="x">'
            '<iframe src="../ok.pdf"></iframe><iframe src="https://e.org/"></iframe>'
            '<input type="text"><input type="checkbox" checked><script>alert(1)</script>'
            '<td style="text-align: right; color: red">c</td><!-- c --><math><mi>x</mi></math>')
    for url_ok in (ok, None):
        assert sanitize.clean(html, url_ok) == before(html, url_ok)
