"""The wide path of ``kb serve``'s incremental rebuilds (:mod:`kbtools.site.live`): a note or
attachment was added, removed or renamed, or an edit changed what other pages see, so a new
:class:`~kbtools.site.build.Site` is computed from the notes in memory and compared with the
previous one.

The steps, in the order :meth:`kbtools.site.live.LiveSite._wide` runs them:

1. :func:`site_in_memory` — the new site (only changed files are parsed);
2. :func:`moved` — what must not move (else a full rebuild);
3. :func:`carry_over` — what the new site keeps of the old one (texts read, attachment URLs,
   listing rows: :func:`keep_rows`);
4. the pages whose inputs differ: :func:`relinked` (links, linkers, embedders),
   :func:`backlink_pages`, :func:`local_graph_pages`;
5. :func:`emit_listings` — the listing pages and alias redirects whose inputs differ.

Pages are named by the vault path of their note.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..crm.site import crm_of
from ..discover import Discovery
from ..load import read_note
from ..model import Attachment, Note
from ..resolve import build_index, resolve_all
from ..vault import Vault
from . import emit as E
from .build import Site
from .depends import by_source, embedders, linkers, listing_urls, listings, local_sig
from .graphs import note_graph


def site_in_memory(old: Site, config: Config, found: Discovery, parsed: dict[str, Note],
                   out: Path) -> Site:
    """The site of the vault as ``found`` now: the notes ``parsed`` anew, the others from
    ``old`` (read only if new); the index, every link resolution and the graph recomputed."""
    v0 = old.vault
    notes = []
    for f in found.files:
        if f.is_note:
            notes.append(parsed.get(f.path) or v0.notes.get(f.path) or
                         read_note(f.path, f.abspath))
    files = tuple(Attachment(f.path) for f in found.files if not f.is_note)
    index = build_index(notes, files, config.tie_break, config.resolve_aliases)
    vault = Vault(root=v0.root, config=config, index=index, attachments=files,
                  links=resolve_all(index), skipped=found.problems)
    return Site(vault, old.cfg, out)


def moved(old: Site, new: Site) -> str | None:
    """Why ``new`` cannot replace ``old`` incrementally — the home page, the URL of a page in
    both, the partners dashboard appearing or going away — else ``None``."""
    p0, p1 = old.plan, new.plan
    if p0.home != p1.home:
        return "the home page changed"
    for path in p0.notes.keys() & p1.notes.keys():
        if p0.notes[path].url != p1.notes[path].url:
            return f"the URL of {path} changed"
    for key in p0.tags.keys() & p1.tags.keys():
        if p0.tags[key].url != p1.tags[key].url:
            return f"the URL of tag {key} changed"
    if crm_of(new).url != crm_of(old).url:
        return "the partners dashboard appeared or went away"
    return None


def carry_over(old: Site, new: Site, changed: set[str]) -> None:
    """Give ``new`` what it keeps of ``old``: the texts read of unchanged notes, the URLs
    given to attachments; empty rows for its listing pages (filled by :func:`keep_rows`)."""
    new.entries = {url: {} for url in listing_urls(new)}  # type: ignore[attr-defined]
    new._texts.update((p, lines) for p, lines in old._texts.items()
                      if p not in changed and p in new.vault.index.notes)
    p0, p1 = old.plan, new.plan
    p1._files, p1.file_urls = dict(p0._files), set(p0.file_urls)
    p1._file_used = dict(p0._file_used)


def relinked(old: Site, new: Site, parsed: dict[str, Note], changed: set[str]) -> set[str]:
    """The edited notes' pages; pages whose links now resolve differently (a new note, a
    deleted one, an ambiguity…); pages linking to a changed note whose URL, anchors or
    published state changed; and the pages embedding any of these or a changed note."""
    v0, v1 = old.vault, new.vault
    p0, p1 = old.plan, new.plan
    pages: set[str] = {p for p in parsed if p in p1.notes}
    by0, by1 = by_source(v0.links), by_source(v1.links)
    for src in p1.notes:
        if src not in pages and by0.get(src) != by1.get(src):
            pages.add(src)
    for x in changed:
        u0, u1 = p0.url(x), p1.url(x)
        a0 = p0.anchors(x) if u0 is not None else {}
        a1 = p1.anchors(x) if u1 is not None else {}
        if u0 != u1:
            pages |= linkers(v0.graph, x) | linkers(v1.graph, x)
        elif list(a0.values()) != list(a1.values()):
            pages |= linkers(v0.graph, x, headings=True) | linkers(v1.graph, x, headings=True)
    pages &= set(p1.notes)
    return pages | embedders(v1.graph, pages | (changed & set(p1.notes)), p1.notes)


def retitled(old: Site, new: Site) -> set[str]:
    """Published notes in both sites whose title or URL changed."""
    p0, p1 = old.plan, new.plan
    return {p for p in p1.notes if p in p0.notes and
            (p0.notes[p].title, p0.notes[p].url) != (p1.notes[p].title, p1.notes[p].url)}


def keep_rows(old: Site, new: Site, titled: set[str]) -> None:
    """Copy the kept listing rows of ``old`` into ``new``, but for the notes in ``titled``
    and those whose date changed."""
    for url, rows in new.entries.items():  # type: ignore[attr-defined]
        kept = old.entries.get(url, {})  # type: ignore[attr-defined]
        rows.update((p, row) for p, row in kept.items()
                    if p not in titled and p in new.dates and new.dates[p] == old.dates.get(p))


def backlink_pages(old: Site, new: Site, changed: set[str], renamed: set[str]) -> set[str]:
    """Pages whose backlinks differ: other entries, or an entry from a note ``renamed``
    (:func:`retitled`) or from a changed note whose quoted sentence differs (or is unknown)."""
    pages: set[str] = set()
    for t in new.plan.notes:
        b0, b1 = old.backlinks.get(t), new.backlinks.get(t)
        if b0 != b1:
            pages.add(t)
            continue
        for src, line in b1 or ():
            if src in renamed or (src in changed and (
                    src not in old._texts or old.snippet(src, line) != new.snippet(src, line))):
                pages.add(t)
                break
    return pages


def local_graph_pages(old: Site, new: Site, titled: set[str]) -> set[str]:
    """Pages whose local graph differs: around the notes whose neighbours changed or that
    are in ``titled`` (their title or URL may be drawn)."""
    ng0, ng1 = note_graph(old), note_graph(new)
    shifted = {n for n in set(ng0) | set(ng1)
               if set(ng0.adj.get(n, ())) != set(ng1.adj.get(n, ()))} | titled
    candidates = set(shifted)
    for n in shifted:
        candidates.update(ng0.adj.get(n, ()))
        candidates.update(ng1.adj.get(n, ()))
    return {c for c in candidates & set(new.plan.notes) if local_sig(old, c) != local_sig(new, c)}


def emit_listings(old: Site, new: Site) -> None:
    """Re-render the listing pages and alias redirects of ``new`` whose inputs
    (:func:`~kbtools.site.depends.listings`) differ from those of ``old``."""
    p1 = new.plan
    lists0, lists1 = listings(old), listings(new)
    for url, sig in lists1.items():
        if lists0.get(url) != sig:
            kind, item = sig[0], sig[1]
            if kind == "tag":
                E.emit_tag(new, p1.tags[item])
            elif kind == "folder":
                E.emit_folder(new, p1.folders[url])
            elif kind == "alias":
                E.emit_alias(new, url, item)
            elif kind == "tags":
                E.emit_tag_index(new)
            elif kind == "notes":
                E.emit_all_notes(new)
            elif kind == "home":
                E.emit_home(new)
