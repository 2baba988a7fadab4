"""What depends on what, for ``kb serve``'s incremental rebuilds (:mod:`kbtools.site.live`).

Pure functions over a :class:`~kbtools.site.build.Site`, its link graph and its plan; none
writes anything. Each answers one question the rebuild asks:

* which facts of a note other pages show (:func:`facts`, :func:`facts_changed`);
* who depends on a note: the notes it links to (:func:`link_targets`), the notes embedding it
  (:func:`embedders`) or linking to it (:func:`linkers`);
* what a generated part of a page shows, to compare before and after a change: the backlinks
  (:func:`backlinks_of`, :func:`backlink_view`), a local graph (:func:`local_sig`), ``graph/``
  (:func:`global_sig`), the listing pages (:func:`listings`);
* which attachments the pages use (:func:`claims`, :func:`claims_of`), which pages exist
  (:func:`page_urls`, :func:`listing_urls`), which notes carry raw HTML with a URL
  (:func:`has_raw_url`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from ..model import Note
from ..resolve import ResolvedLink
from ..vault import Vault
from . import emit as E
from .build import Site, backlink_entries, backlink_rank
from .graphs import GLOBAL_LIMIT, _local_shape, note_graph
from .pages import Plan

RAW_URL = re.compile(r"<[A-Za-z][^>]*?\s(?:href|src)\s*=", re.DOTALL)
"""Raw HTML with a URL in a note: the sanitiser keeps it only if it leads to a page or file of the
site, so such pages are re-rendered when the set of pages or files changes."""


def has_raw_url(site: Site, path: str) -> bool:
    """Does the text of ``path`` carry raw HTML with a URL (:data:`RAW_URL`)?"""
    return bool(RAW_URL.search("\n".join(site.text(path))))


# -- the facts of a note other pages see ------------------------------------------------------

FACTS = ("title or published state", "aliases", "tags", "headings", "block ids")
"""The names of the items of a :func:`facts` tuple, for the reason of a wide rebuild."""


def facts(site: Site, notes: dict[str, Note]) -> dict[str, tuple]:
    """What other pages can see of each note (the plan's own rules decide publication and
    the title)."""
    cfg = site.cfg
    mini = Plan(notes, exclude=cfg.exclude, exclude_tags=cfg.exclude_tags)
    out = {}
    for path, note in notes.items():
        page = mini.notes.get(path)
        out[path] = (page.title if page is not None else None, note.aliases, note.tags,
                     tuple((h.level, h.text) for h in note.headings),
                     tuple(b.id for b in note.blocks))
    return out


def facts_changed(site: Site, parsed: dict[str, Note]) -> tuple[str, str] | None:
    """(note, what) for the first edited note whose visible facts changed, else ``None``."""
    before = facts(site, {p: site.vault.notes[p] for p in parsed})
    after = facts(site, parsed)
    for path in sorted(parsed):
        for what, a, b in zip(FACTS, before[path], after[path]):
            if a != b:
                return path, what
    return None


# -- the link graph ---------------------------------------------------------------------------

def link_targets(graph, path: str, published) -> tuple[str, ...]:
    """The published notes ``path`` links to, each once, in the order of its links."""
    seen: dict[str, None] = {}
    if path in graph:
        for target in graph.succ[path]:
            if target != path and target in published:
                seen[target] = None
    return tuple(seen)


def embedders(graph, start: Iterable[str], published) -> set[str]:
    """Published notes embedding any of ``start``, transitively (their pages show its text)."""
    out: set[str] = set()
    todo = list(start)
    seen = set(todo)
    while todo:
        target = todo.pop()
        if target not in graph:
            continue
        for src, _, kind in graph.in_edges(target, data="kind"):
            if kind == "embed" and src not in seen and src in published:
                seen.add(src)
                out.add(src)
                todo.append(src)
    return out


def linkers(graph, target: str, headings: bool = False) -> set[str]:
    """Notes linking to ``target`` (only with a ``#heading`` when ``headings``)."""
    if target not in graph:
        return set()
    return {src for src, _, heading in graph.in_edges(target, data="heading")
            if src != target and (heading or not headings)}


def by_source(links: tuple[ResolvedLink, ...]) -> dict[str, list[tuple]]:
    """Source note → its (link, resolution) pairs, in order."""
    out: dict[str, list[tuple]] = {}
    for rl in links:
        out.setdefault(rl.source, []).append((rl.link, rl.resolution))
    return out


def link_range(vault: Vault, path: str) -> slice:
    """The slice of ``vault.links`` (sorted by source) holding the links of ``path``."""
    links = vault.links
    lo = bisect_left(links, path, key=lambda rl: rl.source)
    return slice(lo, bisect_right(links, path, lo=lo, key=lambda rl: rl.source))


# -- backlinks and graphs ---------------------------------------------------------------------

def backlinks_of(site: Site, target: str) -> list[tuple[str, int]] | None:
    """One entry of :meth:`Site._backlinks`: (source, line of its first link), by title."""
    published = site.plan.notes
    graph = site.vault.graph
    if target not in published or target not in graph:
        return None
    lines: dict[str, int] = {}
    for src, _, line in graph.in_edges(target, data="line"):
        if src != target and src in published:
            line = backlink_rank(site.vault, src, line)
            lines[src] = min(lines.get(src, line), line)
    return backlink_entries(published, lines) if lines else None


def backlink_view(site: Site, target: str, changed: dict[str, Note]) -> tuple:
    """What the backlinks of ``target`` show that an edit of ``changed`` notes can change:
    the entries, and the snippets quoted from those notes."""
    entries = tuple(site.backlinks.get(target, ()))
    return entries, tuple(site.snippet(src, line) for src, line in entries if src in changed)


def local_sig(site: Site, node: str) -> tuple | None:
    """Everything :func:`kbtools.site.graphs.local_graph` draws for ``node`` (its shape: the
    neighbours kept, most linked first, and the links among them; their titles and URLs)."""
    if node not in site.plan.notes:
        return None
    shape = _local_shape(site, node)
    if shape is None:
        return None
    keep, edges = shape
    notes = site.plan.notes
    return (tuple((n, notes[n].title, notes[n].url) for n in keep), tuple(edges),
            len(note_graph(site).adj[node]))


def global_sig(site: Site) -> tuple:
    """What ``graph/`` shows: its nodes (the most linked), their titles and URLs, the links
    among them (as a set: see :func:`kbtools.site.background.refresh_graph` for their order)."""
    ng = note_graph(site)
    notes = site.plan.notes
    nodes = sorted(ng.nodes, key=lambda n: (-ng.degree(n), n))
    shown = nodes[:GLOBAL_LIMIT]
    keep = set(shown)
    edges = frozenset((a, b) for a in shown for b in ng.adj[a] if b in keep and a < b)
    return (tuple(shown), tuple((notes[n].title, notes[n].url) for n in shown), edges,
            len(nodes))


# -- attachments ------------------------------------------------------------------------------

def claims(site: Site) -> dict[str, set[str]]:
    """Attachment → the published notes whose pages use it (link to or embed it; a link in a
    property only when the properties table shows it)."""
    notes, published = site.vault.notes, site.plan.notes
    show, hidden = site.cfg.properties, E.HIDDEN_PROPERTIES
    out: dict[str, set[str]] = {}
    for rl in site.vault.links:
        target = rl.resolution.target
        key = rl.link.in_property
        if target is not None and target not in notes and rl.source in published and (
                key is None or (show and key.lower() not in hidden)):
            out.setdefault(target, set()).add(rl.source)
    return out


def claims_of(site: Site, path: str) -> set[str]:
    """Attachments the page of ``path`` uses (as :func:`claims`)."""
    if path not in site.plan.notes:
        return set()
    notes = site.vault.notes
    hidden = E.HIDDEN_PROPERTIES
    out = set()
    for rl in site.vault.links[link_range(site.vault, path)]:
        target = rl.resolution.target
        key = rl.link.in_property
        if target is not None and target not in notes and (
                key is None or (site.cfg.properties and key.lower() not in hidden)):
            out.add(target)
    return out


# -- pages and listings -----------------------------------------------------------------------

def tag_keys(tags: Iterable[str]) -> list[str]:
    """The tag pages listing a note with these tags (each tag and its parents)."""
    keys: dict[str, None] = {}
    for tag in tags:
        parts = tag.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            keys["/".join(parts[:i]).lower()] = None
    return list(keys)


def listing_urls(site: Site) -> list[str]:
    """The generated pages that list notes (their rows are kept between rebuilds)."""
    plan = site.plan
    urls = ["notes/"] + [t.url for t in plan.tags.values()]
    urls += [f.url for f in plan.folders.values() if f.note is None]
    return urls + ([""] if plan.home is None else [])


def page_urls(site: Site) -> set[str]:
    """Every page URL the site has (notes, listings, aliases, generated pages)."""
    plan = site.plan
    urls = {np.url for np in plan.notes.values()}
    urls |= {t.url for t in plan.tags.values()}
    urls |= {f.url for f in plan.folders.values() if f.note is None}
    urls |= set(plan.aliases)
    urls |= {"tags/", "notes/", "", "404.html"}
    return urls


def listings(site: Site) -> dict[str, tuple]:
    """URL → the inputs of each generated page that lists notes: tags, folders, ``notes/``,
    the generated home page, alias redirects. A page is re-rendered when its tuple changes;
    the tuple's first item says which emitter draws it, the second its subject."""
    plan, dates = site.plan, site.dates

    def entry(path: str) -> tuple:
        np = plan.notes[path]
        return path, np.title, np.url, np.note.folder, dates[path]

    def tree(key: str) -> tuple:
        t = plan.tags[key]
        return (key, t.name, t.url, len(t.notes), tuple(tree(c) for c in sorted(t.children)))

    out: dict[str, tuple] = {}
    out["tags/"] = ("tags", None, tuple(tree(k) for k in plan.tags if "/" not in k))
    for key, t in plan.tags.items():
        parents = tuple((plan.tags[k].name, plan.tags[k].url) for k in tag_keys([t.name])[:-1])
        out[t.url] = ("tag", key, t.name, parents, tuple(entry(p) for p in t.notes),
                      tuple(tree(c) for c in sorted(t.children)))
    for url, f in plan.folders.items():
        if f.note is None:
            out[url] = ("folder", f.path, tuple(entry(p) for p in f.notes),
                        tuple((u, plan.folders[u].name) for u in sorted(f.children, key=str.lower)))
    out["notes/"] = ("notes", None, tuple(entry(p) for p in sorted(plan.notes)))
    if plan.home is None:
        recent = sorted(plan.notes, key=lambda p: (-dates[p].timestamp(), p))[:10]
        top = tuple((t.name, t.url, len(t.notes)) for t in plan.tags.values() if "/" not in t.key)
        out[""] = ("home", None, tuple(entry(p) for p in recent), len(plan.notes), top)
    for url, path in plan.aliases.items():
        out[url] = ("alias", path, plan.notes[path].title, plan.notes[path].url)
    return out
