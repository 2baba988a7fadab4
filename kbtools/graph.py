"""Stage 4, graph: the vault as a ``networkx.MultiDiGraph``, and questions about it.

Nodes are vault paths. Attributes: ``kind`` = ``note``, ``attachment`` or ``unresolved``
(a link target that does not exist; its node id is ``?`` + the path as written), ``name``,
``tags`` (notes). One edge per link occurrence: ``kind`` (wikilink|embed|markdown), ``status``,
``heading``, ``block``, ``line``, ``column``.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import networkx as nx

from .resolve import MISSING_NOTE, ResolvedLink

if TYPE_CHECKING:
    from .vault import Vault

UNRESOLVED_PREFIX = "?"


def build_graph(vault: "Vault") -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for path, note in vault.notes.items():
        g.add_node(path, kind="note", name=note.name, tags=list(note.tags))
    for att in vault.attachments:
        g.add_node(att.path, kind="attachment", name=att.name)
    g.add_edges_from([link_edge(g, rl) for rl in vault.links])
    return g


def link_edge(g: nx.MultiDiGraph, rl: ResolvedLink) -> tuple[str, str, dict]:
    """The edge of one link occurrence, ``(source, target, data)``; adds the node of an
    unresolved target to ``g`` when it is not there yet."""
    link, res = rl.link, rl.resolution
    if res.status == MISSING_NOTE:
        target = UNRESOLVED_PREFIX + link.path
        if target not in g:
            g.add_node(target, kind="unresolved", name=link.path)
    else:
        target = res.target
    return (rl.source, target, {
        "kind": link.kind, "status": res.status, "heading": link.heading or "",
        "block": link.block or "", "line": link.line, "column": link.column})


def _is_real(g: nx.MultiDiGraph, node: str) -> bool:
    return g.nodes[node].get("kind") != "unresolved"


def backlinks(g: nx.MultiDiGraph, path: str) -> list[str]:
    """Notes linking to ``path`` (each once, sorted), self-links excluded."""
    return sorted({src for src, _ in g.in_edges(path) if src != path})


def outlinks(g: nx.MultiDiGraph, path: str) -> list[str]:
    return sorted({dst for _, dst in g.out_edges(path) if dst != path})


def orphans(g: nx.MultiDiGraph) -> list[str]:
    """Notes no other note links to."""
    return sorted(n for n, d in g.nodes(data=True) if d.get("kind") == "note"
                  and not any(src != n for src, _ in g.in_edges(n)))


def dangling(g: nx.MultiDiGraph) -> dict[str, int]:
    """Unresolved targets (as written) → number of links to them."""
    return {d["name"]: g.in_degree(n) for n, d in g.nodes(data=True) if d.get("kind") == "unresolved"}


def components(g: nx.MultiDiGraph) -> list[set[str]]:
    """Weakly connected groups of real files, largest first."""
    real = g.subgraph(n for n in g if _is_real(g, n))
    return sorted(nx.weakly_connected_components(real), key=lambda c: (-len(c), min(c)))


def most_linked(g: nx.MultiDiGraph, n: int = 10) -> list[tuple[str, int]]:
    """Files with the most distinct linking notes."""
    counts = Counter({node: len(backlinks(g, node)) for node in g if _is_real(g, node)})
    return sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0]))[:n]


def export(g: nx.MultiDiGraph, fmt: str) -> str:
    """The graph as ``json`` (node-link), ``graphml``, ``gexf`` or ``dot`` text."""
    clean = nx.MultiDiGraph()
    for node, data in g.nodes(data=True):
        clean.add_node(node, **{k: (",".join(v) if isinstance(v, list) else v) for k, v in data.items()})
    clean.add_edges_from(g.edges(data=True))
    if fmt == "json":
        import json
        data = nx.node_link_data(clean, edges="links")
        return json.dumps(data, ensure_ascii=False, indent=1)
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(clean))
    if fmt == "gexf":
        return "\n".join(nx.generate_gexf(clean))
    if fmt == "dot":
        return _dot(clean)
    raise ValueError(f"unknown graph format {fmt!r}")


def _dot(g: nx.MultiDiGraph) -> str:
    """Graphviz DOT without pydot/pygraphviz."""
    def q(s: object) -> str:
        return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'
    out = ["digraph vault {"]
    for node, data in g.nodes(data=True):
        style = ' style="dashed"' if data.get("kind") == "unresolved" else ""
        out.append(f"  {q(node)} [label={q(data.get('name', node))}{style}];")
    for src, dst, data in g.edges(data=True):
        out.append(f"  {q(src)} -> {q(dst)} [label={q(data['kind'])}];")
    out.append("}")
    return "\n".join(out)
