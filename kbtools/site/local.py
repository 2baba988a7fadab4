"""The local path of ``kb serve``'s incremental rebuilds (:mod:`kbtools.site.live`): notes were
edited and what other pages see of them did not change, so the loaded site is patched in place.

The steps, in the order :meth:`kbtools.site.live.LiveSite._local` runs them:

1. :func:`snapshot` — what the edited notes showed before the edit (:class:`Before`);
2. :func:`patch_vault` — the index, the resolved links, the link graph and the dates;
3. :func:`patch_backlinks` — the backlinks of the notes they link to; the pages whose backlinks
   changed;
4. :func:`patch_note_graph` — the graph of published notes; the pages whose local graph changed,
   and whether ``graph/`` must be redrawn;
5. :func:`emit_dated_listings` — the listings showing a note whose date changed;
6. :func:`reclaim` — the attachments the edited pages started or stopped using.

Pages are named by the vault path of their note.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from ..crm.data import crm_type
from ..graph import link_edge
from ..model import Note
from ..resolve import ResolvedLink, resolve
from ..vault import Vault
from . import emit as E
from .build import Site
from .depends import (
    backlink_view,
    backlinks_of,
    claims_of,
    global_sig,
    link_targets,
    local_sig,
    tag_keys,
)
from .graphs import note_graph


@dataclass
class Before:
    """What the edited notes showed before the edit."""

    dates: dict[str, dt.datetime | None]
    """Their dates (``None``: unpublished)."""
    targets: dict[str, tuple[str, ...]]
    """The published notes each linked to (:func:`~kbtools.site.depends.link_targets`)."""
    claims: dict[str, set[str]]
    """The attachments each page used."""
    unread: set[str]
    """Those whose old text was never read (their old backlink snippets are unknown)."""
    views: dict[str, tuple]
    """Target → its backlinks as they showed (:func:`~kbtools.site.depends.backlink_view`)."""
    crm: bool
    """A partner note (or a record of one) is among them, before or after the edit."""


def snapshot(site: Site, new: dict[str, Note]) -> Before:
    """What the notes ``new`` replaces showed, taken before the site is patched."""
    vault, published = site.vault, site.plan.notes
    paths = sorted(new)
    crm = any(crm_type(vault.notes[p]) for p in paths) or any(crm_type(n) for n in new.values())
    targets = {p: link_targets(vault.graph, p, published) for p in paths}
    was = Before(dates={p: site.dates.get(p) for p in paths}, targets=targets,
                 claims={p: claims_of(site, p) for p in paths},
                 unread={p for p in paths if p not in site._texts}, views={}, crm=crm)
    # what the backlinks of the notes these link to showed, with the old text
    for p in paths:
        for t in targets[p]:
            if t not in was.views:
                was.views[t] = backlink_view(site, t, new)
    return was


def patch_vault(site: Site, new: dict[str, Note]) -> dict[str, tuple[str, ...]]:
    """Put the edited notes into the vault, the plan and the site's caches; re-resolve their
    links, replace their edges in the link graph, re-date them. The published notes each now
    links to."""
    vault, plan = site.vault, site.plan
    index, graph, published = vault.index, vault.graph, plan.notes
    paths = sorted(new)
    for p in paths:
        index.notes[p] = new[p]  # type: ignore[index]  # the loader's dict
        index._headings.pop(p, None)
        index._blocks.pop(p, None)
        site._texts.pop(p, None)
        if p in published:
            published[p].note = new[p]
            plan._anchors.pop(p, None)
    links = {p: [ResolvedLink(p, link, resolve(index, p, link)) for link in new[p].links]
             for p in paths}
    splice_links(vault, links)
    for p in paths:
        regraph(graph, p, new[p], links[p])
        if p in published:
            site.dates[p] = site._modified(p)
    return {p: link_targets(graph, p, published) for p in paths}


def splice_links(vault: Vault, links: dict[str, list[ResolvedLink]]) -> None:
    """Replace the resolved links of some notes in ``vault.links`` (sorted by source)."""
    current = vault.links
    out: list[ResolvedLink] = []
    pos = 0
    for path in sorted(links):
        lo = bisect_left(current, path, lo=pos, key=lambda rl: rl.source)
        hi = bisect_right(current, path, lo=lo, key=lambda rl: rl.source)
        out.extend(current[pos:lo])
        out.extend(links[path])
        pos = hi
    out.extend(current[pos:])
    object.__setattr__(vault, "links", tuple(out))


def regraph(graph, path: str, note: Note, links: list[ResolvedLink]) -> None:
    """Replace the out-edges of ``path`` in the link graph (as
    :func:`kbtools.graph.build_graph` makes them)."""
    old = list(graph.out_edges(path, keys=True))
    stale = {v for _, v, _ in old if graph.nodes[v].get("kind") == "unresolved"}
    graph.remove_edges_from(old)
    graph.nodes[path].update(kind="note", name=note.name, tags=list(note.tags))
    graph.add_edges_from([link_edge(graph, rl) for rl in links])
    for v in stale:
        if graph.in_degree(v) == 0:
            graph.remove_node(v)


def patch_backlinks(site: Site, new: dict[str, Note], was: Before,
                    targets: dict[str, tuple[str, ...]], dated: set[str],
                    themed: bool) -> set[str]:
    """Recompute the backlinks of every note the edited notes link to, before or after the
    edit; the pages whose backlinks changed: an entry added or removed, a snippet quoted from
    an edited note, an entry from a note whose old text is unknown, or (``themed``: a theme
    may show a backlink's date) an entry from a note whose date changed."""
    pages: set[str] = set()
    before = was.views
    for t in sorted(set().union(*was.targets.values(), *targets.values())):
        if t not in before:  # a new target: its backlinks before, with the new text
            before[t] = backlink_view(site, t, new)
        entries = backlinks_of(site, t)
        if entries:
            site.backlinks[t] = entries
        else:
            site.backlinks.pop(t, None)
        after = backlink_view(site, t, new)
        sources = {src for src, _ in entries or ()}
        if before[t] != after or sources & was.unread or (themed and sources & dated):
            pages.add(t)
    return pages


def patch_note_graph(site: Site, paths: list[str], old_targets: dict[str, tuple[str, ...]],
                     new_targets: dict[str, tuple[str, ...]],
                     shown: tuple | None) -> tuple[set[str], bool]:
    """Patch the published notes' undirected graph. Returns the pages whose local graph
    changed, and whether ``graph/`` must be redrawn: what it shows (``shown``, the
    :func:`~kbtools.site.depends.global_sig` it was drawn from) changed, or the order of a
    shown note's links (the edge order in its SVG)."""
    ng = note_graph(site)
    published = site.plan.notes
    graph = site.vault.graph
    added: set[tuple[str, str]] = set()
    dropped: set[tuple[str, str]] = set()
    for p in paths:
        if p not in published:
            continue
        before = set(ng.adj[p])
        after = {s for s in graph.pred[p] if s != p and s in published} | set(new_targets[p])
        dropped |= {(p, x) for x in before - after}
        added |= {(p, x) for x in after - before}
    moved = {n for edge in added | dropped for n in edge}
    reordered = {p for p in paths if old_targets[p] != new_targets[p]}
    if not moved and not reordered:
        return set(), False
    shown_before = shown[0] if shown is not None else ()
    candidates = set(moved)
    for n in moved:
        candidates.update(ng.adj[n])
    sig_before = {c: local_sig(site, c) for c in candidates}
    ng.remove_edges_from(dropped)
    ng.add_edges_from(added)
    for n in moved:
        candidates.update(ng.adj[n])
    pages = {c for c in candidates
             if c in published and local_sig(site, c) != sig_before.get(c)}
    sig = global_sig(site)
    redraw = sig != shown or bool(reordered & (set(shown_before) | set(sig[0])))
    return pages, redraw


def emit_dated_listings(site: Site, notes: dict[str, Note], dated: set[str],
                        old_dates: dict[str, dt.datetime | None]) -> None:
    """Re-render the listings showing a published note whose date changed (an entry shows
    its title, folder and date): its tag pages and their parents, its folder, ``notes/``, the
    generated home page; ``sitemap.xml`` when a day changed. Their kept rows for those notes
    are dropped first."""
    if not dated:
        return
    plan = site.plan
    for rows in site.entries.values():  # type: ignore[attr-defined]
        for p in dated:
            rows.pop(p, None)
    for p in sorted(dated):
        note = notes[p]
        for key in tag_keys(note.tags):
            tag = plan.tags.get(key)
            if tag is not None:
                E.emit_tag(site, tag)
        if note.folder:
            folder = plan.folders.get(plan.folder_url(note.folder))
            if folder is not None and folder.note is None:
                E.emit_folder(site, folder)
    E.emit_all_notes(site)
    E.emit_home(site)
    if any(old_dates[p] is None or site.dates[p].date() != old_dates[p].date()
           for p in dated):
        E.emit_sitemap(site)


def reclaim(site: Site, claims: dict[str, set[str]], paths: list[str],
            old: dict[str, set[str]]) -> tuple[set[str], set[str]]:
    """Update ``claims`` (attachment → the pages using it) for the edited notes ``paths``,
    whose pages used ``old`` before; the attachments gained (now used, by no page before)
    and lost (used by no page any more)."""
    gained: set[str] = set()
    lost: set[str] = set()
    for p in paths:
        now = claims_of(site, p)
        for att in now - old[p]:
            users = claims.setdefault(att, set())
            if not users:
                gained.add(att)
            users.add(p)
        for att in old[p] - now:
            users = claims.get(att, set())
            users.discard(p)
            if not users:
                claims.pop(att, None)
                lost.add(att)
    return gained, lost
