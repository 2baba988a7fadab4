"""Graphs of the published notes, laid out at build time and drawn as inline SVG.

* The **global graph** lives on its own page, ``graph/`` (one copy of site-wide data, never
  repeated per page). Nodes are the published notes (the :data:`GLOBAL_LIMIT` most linked ones
  on a larger vault, with the count of the rest stated), edges the links between them in either
  direction. Layout: :func:`networkx.spring_layout` with a fixed seed, so a build is
  reproducible.
* The **local graph** on each note page: the note, its neighbours (notes it links to and notes
  linking to it; at most :data:`LOCAL_LIMIT`, the most linked first) and the links among them,
  the note pinned in the centre. A few hundred bytes to a few KB per page.
* Both work with JavaScript off: every node is an ``<a href>`` to its page (relative URL) with a
  ``<title>`` tooltip; the most linked nodes are named, the others' names show on hover/focus
  (CSS). ``assets/site.js`` only adds hover highlighting (a node's links and
  neighbours) to the shared markup.

Unpublished notes never appear (the graph is built from the plan's published notes only).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

import networkx as nx
import numpy as np

from .pages import href, relative

if TYPE_CHECKING:
    from .build import Site

SEED = 7
GLOBAL_LIMIT = 500
LOCAL_LIMIT = 20
LOCAL_LABELS = 8
"""Neighbours named on the local graph (the most linked); the others on hover/focus."""
GLOBAL_LABELS = 60
_MAX_LABEL = 28
_UNUSED_RANDOM = np.random.RandomState(SEED)
_RADIUS = [round(3.5 + 1.6 * math.sqrt(d), 1) for d in range(100)]


def note_graph(site: "Site") -> nx.Graph:
    """Undirected simple graph of the published notes (built once per build, cached on the site)."""
    got = getattr(site, "_note_graph", None)
    if got is None:
        published = site.plan.notes
        got = nx.Graph()
        got.add_nodes_from(sorted(published))
        for src, dst in site.vault.graph.edges():
            if src != dst and src in published and dst in published:
                got.add_edge(src, dst)
        site._note_graph = got  # type: ignore[attr-defined]
    return got


def _induced(full: nx.Graph, nodes: list[str]) -> nx.Graph:
    """The subgraph on ``nodes``, in that order (``Graph.subgraph`` iterates a set: its order,
    and so the layout, would change with the string hash seed)."""
    sub = nx.Graph()
    sub.add_nodes_from(nodes)
    if len(nodes) <= 64:  # a local graph: pairs, not the (large) neighbourhoods of hubs
        adj = full.adj
        sub.add_edges_from((a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:]
                           if b in adj[a])
    else:
        keep = set(nodes)
        sub.add_edges_from((a, b) for a, b in full.edges(nodes) if b in keep)
    return sub


def _node_info(site: "Site") -> tuple[dict[str, str], dict[str, tuple[str, str, str]]]:
    """Computed once per build: page URL → its encoded form, and per note its encoded URL and
    escaped title and label. ``href`` only percent-encodes characters and keeps ``/`` and ``.``,
    so ``relative(href(a), href(b)) == href(relative(a, b))``: each page pays for one
    ``relative`` per node, not for encoding."""
    got = getattr(site, "_graph_node_info", None)
    if got is None:
        pages: dict[str, str] = {"graph/": "graph/"}
        nodes: dict[str, tuple[str, str, str]] = {}
        for path, np_ in site.plan.notes.items():
            pages[np_.url] = href(np_.url)
            nodes[path] = (pages[np_.url], escape(np_.title, {'"': "&quot;"}),
                           escape(_label(np_.title)))
        got = site._graph_node_info = (pages, nodes)  # type: ignore[attr-defined]
    return got


def _label(text: str) -> str:
    return text if len(text) <= _MAX_LABEL else text[:_MAX_LABEL - 1].rstrip() + "…"


def _svg(site: "Site", page: str, graph: nx.Graph, pos: dict, *, width: int, height: int,
         centre: str | None, labels: set[str], css: str, title: str) -> str:
    """The SVG markup: edges first, then one link per node."""
    pad = 28
    if pos:
        lo = np.min(np.array(list(pos.values()), dtype=float), axis=0).tolist()
        hi = np.max(np.array(list(pos.values()), dtype=float), axis=0).tolist()
    else:
        lo, hi = [0.0, 0.0], [0.0, 0.0]
    x0, y0, x1, y1 = lo[0], lo[1], hi[0], hi[1]
    sx = (width - 2 * pad) / (x1 - x0) if x1 > x0 else 0
    sy = (height - 2 * pad) / (y1 - y0) if y1 > y0 else 0
    scale = min(sx, sy) if sx and sy else (sx or sy)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2

    names = list(pos)
    xy = np.array([pos[n] for n in names], dtype=float).reshape(-1, 2)
    xy = np.round(np.column_stack([width / 2 + (xy[:, 0] - cx) * scale,
                                   height / 2 + (xy[:, 1] - cy) * scale]), 1).tolist()
    placed = dict(zip(names, map(tuple, xy)))

    def at(node: str) -> tuple[float, float]:
        return placed[node]

    info = _node_info(site)
    here = info[0].get(page) or href(page)
    order = {node: k for k, node in enumerate(graph.nodes)}
    degree = dict(graph.degree())
    out = [f'<svg class="graph {css}" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(title, {chr(34): "&quot;"})}" xmlns="http://www.w3.org/2000/svg">',
           '<g class="edges">']
    for a, b in graph.edges():
        (ax, ay), (bx, by) = at(a), at(b)
        out.append(f'<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}" '
                   f'data-a="{order[a]}" data-b="{order[b]}"/>')
    out.append('</g><g class="nodes">')
    for node in graph.nodes:
        url, name, short = info[1][node]
        x, y = at(node)
        r = 9 if node == centre else _RADIUS[min(degree[node], 99)]
        cls = "node current" if node == centre else "node"
        link = relative(here, url).replace('"', "%22")
        minor = "" if node in labels else ' class="minor"'  # shown on hover / focus only
        out.append(f'<a class="{cls}" href="{link}" data-n="{order[node]}"'
                   f' aria-label="{name}"><title>{name}</title>'
                   f'<circle cx="{x}" cy="{y}" r="{r}"/>'
                   f'<text x="{x}" y="{round(y - r - 4, 1)}" text-anchor="middle"{minor}>'
                   f"{short}</text></a>")
    out.append("</g></svg>")
    return "".join(out)


def local_graph(site: "Site", path: str, url: str) -> dict | None:
    """The local graph of one note page: ``{"svg", "nodes", "edges"}``, or ``None`` if alone."""
    if not site.cfg.graph:
        return None
    full = note_graph(site)
    neighbours = list(full.neighbors(path)) if path in full else []
    if not neighbours:
        return None
    titles = site.plan.notes
    neighbours.sort(key=lambda n: (-full.degree(n), titles[n].title.lower(), n))
    keep = [path] + neighbours[:LOCAL_LIMIT]
    sub = _induced(full, keep)
    # start from a circle round the pinned centre: a stable, quick spring layout
    k = len(keep) - 1
    start = {path: (0.0, 0.0)}
    for i, node in enumerate(keep[1:]):
        angle = 2 * math.pi * i / k
        start[node] = (math.cos(angle), math.sin(angle))
    # every node has a start position, so the random start spring_layout draws is overwritten
    # and the result does not depend on it: one shared RandomState (a new one per page costs
    # more than the layout) keeps pages independent of each other and of the build order
    pos = nx.spring_layout(sub, pos=start, fixed=[path], seed=_UNUSED_RANDOM, iterations=15,
                           center=(0, 0)) if k > 1 else start
    labels = set(keep) if k <= LOCAL_LABELS else set(keep[:LOCAL_LABELS + 1])
    svg = _svg(site, url, sub, pos, width=480, height=320, centre=path, labels=labels,
               css="graph-local", title=site.tr.gettext("Local graph"))
    return {"svg": svg, "neighbours": len(neighbours), "nodes": sub.number_of_nodes(),
            "edges": sub.number_of_edges()}


def emit_graph(site: "Site") -> None:
    """``graph/``: the global graph of the published notes."""
    if not site.cfg.graph:
        return
    full = note_graph(site)
    nodes = sorted(full.nodes, key=lambda n: (-full.degree(n), n))
    shown = nodes[:GLOBAL_LIMIT]
    graph = _induced(full, shown) if len(shown) < len(nodes) else full
    pos = nx.spring_layout(graph, seed=SEED, iterations=50) if graph.number_of_nodes() > 1 \
        else {n: (0.0, 0.0) for n in graph.nodes}
    size = 900 if graph.number_of_nodes() <= 150 else 1600
    labels = set(shown[:GLOBAL_LABELS])
    title = site.tr.gettext("Graph of notes")
    svg = _svg(site, "graph/", graph, pos, width=size, height=round(size * 0.7), centre=None,
               labels=labels, css="graph-global", title=title)
    site.page("graph.html", "graph/", title=title, svg=svg, nodes=graph.number_of_nodes(),
              edges=graph.number_of_edges(), hidden=len(nodes) - len(shown))
