"""Graphs of the published notes, laid out at build time and drawn as inline SVG.

* The **global graph** lives on its own page, ``graph/`` (one copy of site-wide data, never
  repeated per page). Nodes are the published notes (the :data:`GLOBAL_LIMIT` most linked ones
  on a larger vault, with the count of the rest stated), edges the links between them in either
  direction. Layout: :func:`networkx.spring_layout` with a fixed seed, so a build is
  reproducible.
* The **local graph** on each note page: the note, its neighbours (notes it links to and notes
  linking to it; at most :data:`LOCAL_LIMIT`, the most linked first) and the links among them,
  the note pinned in the centre. A few hundred bytes to a few KB per page. Layout: the same
  spring layout (networkx's Fruchterman-Reingold, 15 iterations from a circle), computed for
  every page at once before the pages are rendered (:func:`prepare`, :func:`_spring_batch`:
  numpy arrays over all graphs of one size, bit for bit networkx's result, ~15× cheaper than a
  ``spring_layout`` call per page).
* Both work with JavaScript off: every node is an ``<a href>`` to its page (relative URL) with a
  ``<title>`` tooltip; the most linked nodes are named, the others' names show on hover/focus
  (CSS). ``assets/site.js`` adds, on the shared markup, hover/focus highlighting (a node's
  links and neighbours) on both, and pan (drag) and zoom (wheel, the +/−/⟲ buttons of
  ``graph.html``, keys + − 0 and arrows) on the global graph, by changing the SVG's
  ``viewBox``; the drawing itself is never changed.

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
LOCAL_ITERATIONS = 15
_BATCH = 256
"""Local graphs laid out together (:func:`_spring_batch`)."""
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


def prepare(site: "Site") -> None:
    """Lay out every note's local graph now, in batches (:func:`_spring_batch`), before the note
    pages are rendered (maybe by worker processes, which then share the result); without it each
    page lays out its own graph. A layout is used only while the page's graph is still the one it
    was computed for (``kb serve`` patches the graph in place between rebuilds)."""
    if not site.cfg.graph:
        return
    _node_info(site)
    shapes = {path: _local_shape(site, path) for path in site.plan.notes}
    by_size: dict[int, list[str]] = {}
    for path, shape in shapes.items():
        if shape is not None and len(shape[0]) > 2:
            by_size.setdefault(len(shape[0]), []).append(path)
    layouts: dict[str, tuple[list[str], list[tuple[int, int]], "np.ndarray"]] = {}
    for n, paths in by_size.items():
        for at in range(0, len(paths), _BATCH):
            chunk = paths[at:at + _BATCH]
            laid = _spring_batch(n, [shapes[p][1] for p in chunk], _circle(n - 1),
                                 LOCAL_ITERATIONS)
            for path, pos in zip(chunk, laid):
                layouts[path] = (*shapes[path], pos)  # type: ignore[assignment]
    site._graph_layouts = layouts  # type: ignore[attr-defined]


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
    """The SVG markup of a networkx graph and its layout (the global graph)."""
    nodes = list(graph.nodes)
    order = {node: k for k, node in enumerate(nodes)}
    edges = [(order[a], order[b]) for a, b in graph.edges()]
    degree = dict(graph.degree())
    return _draw(site, page, nodes, edges, [degree[n] for n in nodes], [pos[n] for n in nodes],
                 width=width, height=height, centre=centre, labels=labels, css=css, title=title)


def _draw(site: "Site", page: str, nodes: list[str], edges: list[tuple[int, int]],
          degrees: list[int], xy, *, width: int, height: int, centre: str | None,
          labels: set[str], css: str, title: str) -> str:
    """The SVG markup: edges first (node indices into ``nodes``), then one link per node;
    ``xy`` holds the layout's position of each node, in the order of ``nodes``."""
    pad = 28
    xy = np.array(xy, dtype=float).reshape(-1, 2)
    if len(nodes):
        lo = np.min(xy, axis=0).tolist()
        hi = np.max(xy, axis=0).tolist()
    else:
        lo, hi = [0.0, 0.0], [0.0, 0.0]
    x0, y0, x1, y1 = lo[0], lo[1], hi[0], hi[1]
    sx = (width - 2 * pad) / (x1 - x0) if x1 > x0 else 0
    sy = (height - 2 * pad) / (y1 - y0) if y1 > y0 else 0
    scale = min(sx, sy) if sx and sy else (sx or sy)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    placed = np.round(np.column_stack([width / 2 + (xy[:, 0] - cx) * scale,
                                       height / 2 + (xy[:, 1] - cy) * scale]), 1).tolist()

    pages, info = _node_info(site)
    here = pages.get(page) or href(page)
    out = [f'<svg class="graph {css}" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(title, {chr(34): "&quot;"})}" xmlns="http://www.w3.org/2000/svg">',
           '<g class="edges">']
    for a, b in edges:
        (ax, ay), (bx, by) = placed[a], placed[b]
        out.append(f'<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}" data-a="{a}" data-b="{b}"/>')
    out.append('</g><g class="nodes">')
    for k, node in enumerate(nodes):
        url, name, short = info[node]
        x, y = placed[k]
        r = 9 if node == centre else _RADIUS[min(degrees[k], 99)]
        cls = "node current" if node == centre else "node"
        link = relative(here, url).replace('"', "%22")
        minor = "" if node in labels else ' class="minor"'  # shown on hover / focus only
        out.append(f'<a class="{cls}" href="{link}" data-n="{k}"'
                   f' aria-label="{name}"><title>{name}</title>'
                   f'<circle cx="{x}" cy="{y}" r="{r}"/>'
                   f'<text x="{x}" y="{round(y - r - 4, 1)}" text-anchor="middle"{minor}>'
                   f"{short}</text></a>")
    out.append("</g></svg>")
    return "".join(out)


def _spring(n: int, edges: list[tuple[int, int]], start: list[tuple[float, float]],
            iterations: int) -> "np.ndarray":
    """:func:`networkx.spring_layout` of a small graph with node 0 fixed and every node given a
    start position — the same floating-point operations in the same order (so the same result,
    to the last bit), without building a networkx graph, its adjacency matrix and the
    decorators' bookkeeping for each of thousands of tiny graphs.

    ``spring_layout(G, pos=start, fixed=[node 0], iterations=…)`` runs
    ``_fruchterman_reingold`` on ``to_numpy_array(G)`` with ``k = dom_size / sqrt(n)``, where
    ``dom_size`` is the largest start coordinate; with fixed nodes the result is not rescaled."""
    adjacency = np.zeros((n, n))
    for i, j in edges:
        adjacency[i, j] = adjacency[j, i] = 1.0
    dom_size = max(coord for xy in start for coord in xy)
    if dom_size == 0:
        dom_size = 1
    pos = np.array(start, dtype=float)
    k = dom_size / np.sqrt(n)
    t = max(max(pos.T[0]) - min(pos.T[0]), max(pos.T[1]) - min(pos.T[1])) * 0.1
    dt = t / (iterations + 1)
    fixed = np.asarray([0])
    sqrt, add, clip, einsum = np.sqrt, np.add, np.clip, np.einsum
    for _ in range(iterations):
        delta = pos[:, np.newaxis, :] - pos[np.newaxis, :, :]
        distance = sqrt(add.reduce(delta * delta, axis=(-1,)))  # np.linalg.norm(…, axis=-1)
        clip(distance, 0.01, None, out=distance)
        displacement = einsum("ijk,ij->ik", delta,
                              (k * k / distance**2 - adjacency * distance / k))
        length = sqrt(add.reduce(displacement * displacement, axis=(-1,)))
        length = clip(length, a_min=0.01, a_max=None)
        delta_pos = einsum("ij,i->ij", displacement, t / length)
        delta_pos[fixed] = 0.0
        pos += delta_pos
        t -= dt
        if (np.linalg.norm(delta_pos) / n) < 1e-4:
            break
    return pos


def _spring_batch(n: int, edge_lists: list[list[tuple[int, int]]],
                  start: list[tuple[float, float]], iterations: int) -> "np.ndarray":
    """:func:`_spring` of many graphs of ``n`` nodes at once, with exactly its results (shape
    ``(graphs, n, 2)``).

    Arrays are indexed ``[other node j, node i, graph]`` and x and y are kept apart, so every
    step is an elementwise operation on contiguous arrays — the same IEEE operations as
    :func:`_spring`, giving the same bits — except two sums: ``x² + y²`` (``norm`` adds the two
    squares, as here) and the force on node ``i``, summed over ``j`` from 0 up, which is the order
    of :func:`numpy.einsum` in :func:`_spring` and of ``add.reduce`` over the outer axis here. A
    graph stops moving at the iteration where :func:`_spring` would stop it."""
    count = len(edge_lists)
    adjacency = np.zeros((n, n, count))
    for b, edges in enumerate(edge_lists):
        for i, j in edges:
            adjacency[i, j, b] = adjacency[j, i, b] = 1.0
    dom_size = max(coord for xy in start for coord in xy)
    if dom_size == 0:
        dom_size = 1
    first = np.array(start, dtype=float)
    out_x = np.repeat(first[:, 0:1], count, axis=1)  # [node, graph]
    out_y = np.repeat(first[:, 1:2], count, axis=1)
    k = dom_size / np.sqrt(n)
    t = max(max(first.T[0]) - min(first.T[0]), max(first.T[1]) - min(first.T[1])) * 0.1
    dt = t / (iterations + 1)
    kk = k * k
    sqrt, clip, reduce = np.sqrt, np.clip, np.add.reduce
    active = np.arange(count)
    x, y, adj = out_x, out_y, adjacency
    for _ in range(iterations):
        dx = x[np.newaxis, :, :] - x[:, np.newaxis, :]  # [j, i, b] = pos[i] - pos[j]
        dy = y[np.newaxis, :, :] - y[:, np.newaxis, :]
        distance = sqrt(dx * dx + dy * dy)
        clip(distance, 0.01, None, out=distance)
        force = kk / distance**2 - adj * distance / k
        disp_x = reduce(dx * force, axis=0)
        disp_y = reduce(dy * force, axis=0)
        length = sqrt(disp_x * disp_x + disp_y * disp_y)
        length = clip(length, a_min=0.01, a_max=None)
        factor = t / length
        step_x = disp_x * factor
        step_y = disp_y * factor
        step_x[0] = 0.0  # the centre is pinned
        step_y[0] = 0.0
        x += step_x
        y += step_y
        t -= dt
        # _spring stops a graph once ||delta_pos|| / n < 1e-4 (np.linalg.norm, a BLAS dot):
        # a sum in another order can differ in the last bits, so borderline graphs use that
        norms = sqrt(reduce(step_x * step_x + step_y * step_y, axis=0)) / n
        stop = norms < 1e-4
        for b in np.flatnonzero(np.abs(norms - 1e-4) < 1e-10):
            stop[b] = (np.linalg.norm(np.column_stack([step_x[:, b], step_y[:, b]])) / n) < 1e-4
        if stop.any():
            out_x[:, active], out_y[:, active] = x, y
            active = active[~stop]
            if not len(active):
                break
            x, y, adj = out_x[:, active], out_y[:, active], adjacency[:, :, active]
    if len(active) and x is not out_x:
        out_x[:, active], out_y[:, active] = x, y
    return np.stack([out_x.T, out_y.T], axis=-1)


def _local_shape(site: "Site", path: str) -> tuple[list[str], list[tuple[int, int]]] | None:
    """The nodes of a note's local graph (the note, then its neighbours, the most linked first)
    and the links among them as index pairs, in the order networkx's subgraph lists them."""
    adj = note_graph(site).adj
    if path not in adj or not adj[path]:
        return None
    titles = site.plan.notes
    neighbours = sorted(adj[path], key=lambda n: (-len(adj[n]), titles[n].title.lower(), n))
    keep = [path] + neighbours[:LOCAL_LIMIT]
    edges = [(i, j) for i, a in enumerate(keep) for j in range(i + 1, len(keep))
             if keep[j] in adj[a]]
    return keep, edges


def _circle(k: int) -> list[tuple[float, float]]:
    """Start positions: the centre, then ``k`` nodes on the unit circle."""
    start = [(0.0, 0.0)]
    for i in range(k):
        angle = 2 * math.pi * i / k
        start.append((math.cos(angle), math.sin(angle)))
    return start


def local_graph(site: "Site", path: str, url: str) -> dict | None:
    """The local graph of one note page: ``{"svg", "nodes", "edges"}``, or ``None`` if alone."""
    if not site.cfg.graph:
        return None
    shape = _local_shape(site, path)
    if shape is None:
        return None
    keep, edges = shape
    degrees = [0] * len(keep)
    for i, j in edges:
        degrees[i] += 1
        degrees[j] += 1
    # start from a circle round the pinned centre: a stable, quick spring layout
    k = len(keep) - 1
    start = _circle(k)
    if k > 1:
        laid = getattr(site, "_graph_layouts", {}).get(path)
        pos = laid[2] if laid is not None and laid[0] == keep and laid[1] == edges else \
            _spring(len(keep), edges, start, LOCAL_ITERATIONS)
    else:
        pos = start
    labels = set(keep) if k <= LOCAL_LABELS else set(keep[:LOCAL_LABELS + 1])
    svg = _draw(site, url, keep, edges, degrees, pos, width=480, height=320, centre=path,
                labels=labels, css="graph-local", title=site.tr.gettext("Local graph"))
    return {"svg": svg, "neighbours": len(note_graph(site).adj[path]), "nodes": len(keep),
            "edges": len(edges)}


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
