"""The link graph and the questions the library answers about it."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from kbtools import load_vault
from kbtools import graph as graphs
from kbtools.stats import summarize

REPO = Path(__file__).resolve().parents[1]


def make(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def small(tmp_path: Path):
    root = make(tmp_path, {
        "Хаб.md": "# Хаб\n\n[[Москва]] [[Москва#История]] ![[схема.png]] [[Нет такой]]\n",
        "Города/Москва.md": "# Москва\n\n## История\n\n[[Хаб]] [[#История]]\n",
        "Сирота.md": "# Сирота\n\n[[Хаб]] [[Нет такой]]\n",
        "Один.md": "nothing links here, and it links nowhere\n",
        "схема.png": "",
    })
    return load_vault(root, cache=False)


def test_nodes_and_edges(tmp_path):
    g = small(tmp_path).graph
    assert isinstance(g, nx.MultiDiGraph)
    assert g.nodes["Хаб.md"]["kind"] == "note"
    assert g.nodes["схема.png"]["kind"] == "attachment"
    assert g.nodes["?Нет такой"]["kind"] == "unresolved"
    # one edge per occurrence: two links from the hub to Moscow
    assert g.number_of_edges("Хаб.md", "Города/Москва.md") == 2
    kinds = {d["kind"] for _, _, d in g.out_edges("Хаб.md", data=True)}
    assert kinds == {"wikilink", "embed"}
    heading_edge = [d for _, v, d in g.out_edges("Хаб.md", data=True) if d["heading"]]
    assert heading_edge[0]["heading"] == "История" and heading_edge[0]["line"] == 3


def test_questions(tmp_path):
    g = small(tmp_path).graph
    assert graphs.backlinks(g, "Хаб.md") == ["Города/Москва.md", "Сирота.md"]
    assert graphs.backlinks(g, "Города/Москва.md") == ["Хаб.md"]  # the self-link is not a backlink
    assert graphs.orphans(g) == ["Один.md", "Сирота.md"]
    assert graphs.dangling(g) == {"Нет такой": 2}
    comps = graphs.components(g)
    assert comps[0] == {"Хаб.md", "Города/Москва.md", "Сирота.md", "схема.png"}
    assert {"Один.md"} in comps
    assert graphs.most_linked(g, 2) == [("Хаб.md", 2), ("Города/Москва.md", 1)]


def test_link_cycles_are_fine(tmp_path):
    root = make(tmp_path, {"A.md": "[[B]] ![[B]]", "B.md": "[[C]]", "C.md": "[[A]] ![[C]]"})
    g = load_vault(root, cache=False).graph
    assert list(nx.simple_cycles(nx.DiGraph(g)))
    assert graphs.orphans(g) == []


def test_sample_vault_stats():
    s = summarize(load_vault(REPO / "vault", cache=False))
    assert s["notes"] >= 6 and s["broken"] == 0 and s["components"] == 1
    assert s["hubs"][0]["backlinks"] >= 4
