"""Incremental rebuilds for ``kb serve``: keep the built site in memory, re-render what a change
touches, write each changed file in place atomically.

:class:`LiveSite` builds the site once exactly as ``kb build`` does (:func:`kbtools.site.build`)
and keeps the loaded vault and the :class:`~kbtools.site.build.Site` (plan, backlinks, graph,
renderer, templates). :meth:`LiveSite.update` lists the vault again (``discover``: path, size,
mtime of every file; ~0.07 s for 10,000 notes), compares with what the site was built from and
takes one of three ways:

**local** — notes were edited, no file was added, removed or renamed, and what *other* pages can
see of each edited note is unchanged: its title, published state, aliases, tags, headings
(level and text) and block ids. Only the edited notes are re-parsed and their links re-resolved;
the index, the link graph, the backlinks and the graph of published notes (local graphs) are
patched in place. Then re-rendered:

* the note's own page;
* pages that embed it, transitively (they show its text);
* pages it links to (before or after the edit) whose backlinks list changed — a link added or
  removed, or the sentence quoted as the backlink snippet;
* when its links changed: the pages whose local graph changed (the note, the notes it gained or
  lost as neighbours, and their neighbours whose top-20 picture differs);
* when its date changed (the ``updated``/``modified``/``date`` property, else the file's time):
  its tag pages (and parent tags), its folder's listing, ``notes/``, the generated home page,
  ``sitemap.xml``; ``feed.xml`` always;
* partner notes (``type: partner`` and their records): the dashboard and every partner's page;
* attachments it starts or stops using are copied under ``files/`` or deleted.

**wide** — a note or attachment was added, removed or renamed, or an edit changed what other
pages see (a title, heading, block id, alias, tag, ``publish``/``draft``). The index, every link
resolution, the graph and a new :class:`Site` are computed from the notes in memory (only changed
files are parsed; ~5 s at 10,000 notes) and compared with the previous ones: pages whose links
now resolve differently, pages linking to a note whose URL, anchors or published state changed,
embedders, backlinks, local graphs, tag/folder/all-notes/home listings, alias redirects, the
dashboard — each re-rendered only if its inputs differ; pages that no longer exist (deleted or
unpublished notes, empty tags and folders, freed aliases) are deleted.

**full** — the configuration (``kbtools.toml``), a template override, the home note or the URL of
a page that did not change, the header's links, or more than :data:`MAX_CHANGED` files: the whole
site is rebuilt and swapped in as by ``kb build``. So is anything after an error in the
incremental path, which keeps the served site consistent.

Every file is written in place with a temporary file and :func:`os.replace` (a reader never sees
half a page; :mod:`kbtools.site.writes`) and only when its bytes change. The rows of the listing
pages are kept between rebuilds (``site.entries``, read by :func:`kbtools.site.emit._entry`;
dropped for the notes whose date changed), so rewriting ``notes/`` of a 10,000-note vault costs
its template, not 10,000 URLs and dates. Two site-wide outputs are refreshed afterwards, in the
background (:class:`~kbtools.site.background.Deferred`, debounced): ``graph/`` (its layout costs
~1 s on 10,000 notes; redrawn only when the 500 nodes it shows, their links or titles changed)
and the pagefind search index (pagefind cannot patch an index: it is kept in parts of 2,500
pages, :class:`~kbtools.site.search.PartedIndex`; the parts with changed pages are re-indexed
and all are merged into a folder next to the output that is swapped in for ``pagefind/``; ~7 s
after an edit on 10,000 notes, ~20 s the first time). The result
is byte-for-byte the site ``kb build`` makes from the same vault
(``tests/test_site_incremental.py``), the search index aside.

Where the code is: this module holds :class:`LiveSite` (the state, and the order of the steps)
and :class:`Update`; the steps of the two incremental paths are functions in
:mod:`kbtools.site.local` and :mod:`kbtools.site.wide`; the questions they ask of a site ("which
pages show this?") are pure functions in :mod:`kbtools.site.depends`; writing is
:mod:`kbtools.site.writes`; the background half is :mod:`kbtools.site.background`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config, find_config
from ..crm.site import crm_of, emit_partners
from ..discover import Discovery, discover
from ..load import load_vault, read_note
from ..model import Note
from . import depends, local, wide
from . import emit as E
from .background import refresh_graph, refresh_search
from .build import Site, build
from .search import PartedIndex
from .writes import Writer

MAX_CHANGED = 200
"""More changed files than this: a full rebuild (as quick, and simpler)."""


class NeedFull(Exception):
    """The change cannot be applied incrementally; the message says why."""


@dataclass
class Update:
    """What one rebuild did."""

    kind: str
    """``none`` (nothing changed), ``local``, ``wide`` or ``full``."""
    reason: str = ""
    """Why a full (or wide) rebuild was needed."""
    changed: tuple[str, ...] = ()
    """Vault paths that changed (added, edited or removed)."""
    written: list[str] = field(default_factory=list)
    """Site URLs written (pages, feeds, attachments)."""
    deleted: list[str] = field(default_factory=list)
    """Site URLs deleted."""
    seconds: float = 0.0
    pages: int = 0
    """Full builds: the pages written."""
    notes: int = 0
    """Full builds: the published notes."""

    @property
    def modified(self) -> bool:
        """Did the served site change (so open pages should reload)?"""
        return self.kind == "full" or bool(self.written or self.deleted)

    def describe(self) -> str:
        if self.kind == "full":
            why = f" ({self.reason})" if self.reason else ""
            return f"{self.pages} pages ({self.notes} notes) in {self.seconds:.2f} s{why}"
        files = f"{len(self.changed)} file{'s' if len(self.changed) != 1 else ''}"
        out = (f"{files} changed → {len(self.written)} written, {len(self.deleted)} deleted "
               f"in {self.seconds:.2f} s ({self.kind}")
        return out + (f": {self.reason})" if self.reason and self.kind == "wide" else ")")


def mtimes(*tops: Path, skip: Path | None = None) -> dict[str, int]:
    """Path → mtime of every file under the folders ``tops`` (dot-files, dot-folders and the
    folder ``skip`` left out): what ``kb serve`` compares to notice a change."""
    out: dict[str, int] = {}
    for folder, dirs, files in (entry for top in tops for entry in os.walk(top)):
        dirs[:] = [d for d in dirs if not d.startswith(".")
                   and (skip is None or Path(folder, d).resolve() != skip)]
        for name in files:
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            try:
                out[path] = os.stat(path).st_mtime_ns
            except OSError:
                pass
    return out


def _is_note(path: str) -> bool:
    return path.lower().endswith(".md")


class LiveSite:
    """A built site kept in memory and updated in place (see the module docstring).

    ``build_kwargs`` are ``[site]`` overrides as for :func:`kbtools.site.build` (``lang``,
    ``search``…). The methods that read or change the site hold :attr:`lock`."""

    def __init__(self, root: str | os.PathLike[str], out: str | os.PathLike[str], *,
                 build_kwargs: dict[str, Any] | None = None,
                 log: Callable[[str], None] = print):
        self.root = Path(root).absolute()
        self.out = Path(out).absolute()
        self.build_kwargs = dict(build_kwargs or {})
        self.log = log
        self.lock = threading.RLock()
        self.site: Site | None = None
        self.config: Config | None = None
        self.generation = 0
        """Bumped by every full build (background work started before one is dropped)."""
        self.needs_full = False
        self.files: dict[str, tuple[int, int]] = {}
        self.theme: dict[str, int] = {}
        self.claims: dict[str, set[str]] = {}
        """Attachment → the published notes whose pages use it."""
        self.claims_exact = True
        self.raw: set[str] = set()
        """Published notes with raw HTML carrying a URL (:data:`~.depends.RAW_URL`)."""
        self.nav: tuple[list, list] = ([], [])
        self.global_sig: Any = None
        """What ``graph/`` was drawn from (:func:`~kbtools.site.depends.global_sig`)."""
        self.pending_graph = False
        """``graph/`` must be redrawn (done by :meth:`refresh_graph`, in the background)."""
        self.writer = Writer(self.root, self.out)
        """Writes the served folder in place; what the current update wrote and deleted."""
        self.search: PartedIndex | None = None
        """The search index in parts (made by the first background refresh, :meth:`close`
        removes it): a refresh re-indexes only the parts with changed pages."""

    def close(self) -> None:
        """Remove what the server kept outside the served folder (the search index parts)."""
        if self.search is not None:
            self.search.close()
            self.search = None

    # -- full builds ------------------------------------------------------------------------
    def full(self, reason: str = "", progress: Any = None) -> Update:
        """Build everything (as ``kb build``) and keep the state; ``progress`` is a
        :class:`~kbtools.site.progress.BuildProgress` or ``None``."""
        with self.lock:
            started = time.perf_counter()
            self.needs_full = True
            config = find_config(self.root)
            if progress is not None:
                progress.stage("loading the vault")
            theme = self._theme_snapshot()
            found = discover(self.root, config.ignore)  # listed before reading: a change made
            vault = load_vault(self.root, config)       # meanwhile shows up in the next update
            box: dict[str, Site] = {}

            def hook(site: Site, stage: str) -> None:
                if "site" not in box:
                    box["site"] = site
                    urls = depends.listing_urls(site)
                    site.entries = {url: {} for url in urls}  # type: ignore[attr-defined]
                if progress is not None:
                    progress(site, stage)
            report = build(vault, self.out, progress=hook, **self.build_kwargs)
            site = box["site"]
            site.out = self.out
            self._adopt(site, config, found)
            self.theme = theme
            self.global_sig = depends.global_sig(site) if site.cfg.graph else None
            self.pending_graph = False
            self.generation += 1
            return Update("full", reason, pages=report.pages, notes=report.notes,
                          seconds=time.perf_counter() - started)

    def _adopt(self, site: Site, config: Config, found: Discovery) -> None:
        site.write = self.writer.write  # type: ignore[method-assign]  # atomic, only if changed
        self.site = site
        self.config = config
        self.files = {f.path: (f.size, f.mtime_ns) for f in found.files}
        self.claims = depends.claims(site)
        self.claims_exact = set(self.claims) == set(site.plan.files)
        self.raw = {p for p in site.plan.notes if depends.has_raw_url(site, p)}
        self.nav = ([dict(n) for n in site.nav], list(site.stylesheets))
        self.needs_full = False

    def _theme_snapshot(self) -> dict[str, int]:
        """Files of the template override folders (``[site] templates``, ``templates/site/``
        next to the vault) → mtime: a change there means a full rebuild."""
        return mtimes(*self.theme_folders())

    def theme_folders(self) -> list[Path]:
        """Template override folders that exist (the server watches them too)."""
        folders = [self.root.parent / "templates" / "site"]
        site = (self.config.site if self.config is not None else {}) or {}
        if site.get("templates"):
            folders.insert(0, self.root / site["templates"])
        return [f for f in folders if f.is_dir()]

    # -- updates ----------------------------------------------------------------------------
    def update(self) -> Update:
        """Bring the site up to date with the vault (see the module docstring)."""
        with self.lock:
            if self.site is None:
                return self.full("first build")
            if self.needs_full:
                return self.full("the previous rebuild did not finish")
            started = time.perf_counter()
            config = find_config(self.root)
            if config != self.config:
                return self.full("the configuration changed")
            if self._theme_snapshot() != self.theme:
                return self.full("a template changed")
            found = discover(self.root, config.ignore)
            now = {f.path: (f.size, f.mtime_ns) for f in found.files}
            changed = sorted(p for p, st in now.items() if self.files.get(p) != st)
            removed = sorted(p for p in self.files if p not in now)
            if not changed and not removed:
                return Update("none", seconds=time.perf_counter() - started)
            self.writer.reset()
            try:
                kind, reason = self._apply(found, changed, removed)
            except NeedFull as exc:
                return self.full(str(exc))
            except Exception as exc:  # noqa: BLE001  # keep the site consistent: rebuild it all
                self.needs_full = True
                return self.full(f"the incremental rebuild failed: {type(exc).__name__}: {exc}")
            self.files = now
            return Update(kind, reason, tuple(changed + removed), self.writer.written,
                          self.writer.deleted, time.perf_counter() - started)

    def _apply(self, found: Discovery, changed: list[str], removed: list[str]) -> tuple[str, str]:
        """The local or the wide path (the kind taken, and why it was wide)."""
        if len(changed) + len(removed) > MAX_CHANGED:
            raise NeedFull(f"{len(changed) + len(removed)} files changed")
        assert self.site is not None
        self.needs_full = True  # until this update is through
        added = [p for p in changed if p not in self.files]
        abspath = {f.path: f.abspath for f in found.files}
        parsed = {p: read_note(p, abspath[p]) for p in changed if _is_note(p)}
        attachments = [p for p in changed if not _is_note(p)]
        reason = ""
        if added or removed:
            reason = "files added or removed"
        else:
            moved = depends.facts_changed(self.site, parsed)
            if moved:
                reason = f"{moved[0]}: {moved[1]} changed"
        if not reason:
            self._local(parsed, attachments)
            kind = "local"
        else:
            self._wide(found, parsed, removed, attachments)
            kind = "wide"
        self.needs_full = False
        return kind, reason

    def _local(self, new: dict[str, Note], attachments: list[str]) -> None:
        """The local path (:mod:`kbtools.site.local`): patch the site for the edited notes
        ``new`` and the changed ``attachments``; re-render what that touches."""
        site = self.site
        assert site is not None
        plan, published = site.plan, site.plan.notes
        paths = sorted(new)
        was = local.snapshot(site, new)
        targets = local.patch_vault(site, new)
        pages: set[str] = {p for p in paths if p in published}
        pages |= depends.embedders(site.vault.graph, pages, published)
        dated = {p for p in paths if site.dates.get(p) != was.dates[p]}
        pages |= local.patch_backlinks(site, new, was, targets, dated, themed=bool(self.theme))
        if site.cfg.graph:
            redrawn, redraw = local.patch_note_graph(site, paths, was.targets, targets,
                                                     self.global_sig)
            pages |= redrawn
            if redraw:
                self.pending_graph = True
        local.emit_dated_listings(site, new, dated & set(published), was.dates)
        if any(p in published for p in paths):
            E.emit_feed(site)
        if was.crm:
            pages |= self._partners(site)
        gained, lost = local.reclaim(site, self.claims, paths, was.claims)
        self._claim(site, gained, lost)
        for att in attachments:
            if att in plan.files and att not in gained:
                self.writer.copy(att, plan.files[att])
        for p in paths:
            if p in published and depends.has_raw_url(site, p):
                self.raw.add(p)
            else:
                self.raw.discard(p)
        if gained or lost:
            pages |= self.raw & set(published)
        for p in sorted(pages):
            if p in published:
                E.emit_note(site, p)

    def _wide(self, found: Discovery, parsed: dict[str, Note], removed: list[str],
              attachments: list[str]) -> None:
        """The wide path (:mod:`kbtools.site.wide`): a new site from the notes in memory,
        compared with the old one; re-render what differs, delete what is gone."""
        old = self.site
        assert old is not None and self.config is not None
        new = wide.site_in_memory(old, self.config, found, parsed, self.out)
        p1 = new.plan
        changed = set(parsed) | {p for p in removed if _is_note(p)}
        why = wide.moved(old, new)
        if why is not None:
            raise NeedFull(why)
        new.write = self.writer.write  # type: ignore[method-assign]
        wide.carry_over(old, new, changed)
        pages = wide.relinked(old, new, parsed, changed)
        retitled = wide.retitled(old, new)
        wide.keep_rows(old, new, retitled | changed)
        pages |= wide.backlink_pages(old, new, changed, retitled)
        if new.cfg.graph:
            pages |= wide.local_graph_pages(old, new, retitled | changed)
            if depends.global_sig(new) != self.global_sig:
                self.pending_graph = True
        # partner pages, raw HTML whose links may now (not) lead somewhere
        state = crm_of(new)
        if state.url is not None:
            emit_partners(new)
            pages |= set(state.partners)
        else:
            new.nav[:], new.stylesheets[:] = self.nav
        claims = depends.claims(new)
        gained, lost = set(claims) - set(self.claims), set(self.claims) - set(claims)
        raw = {p for p in self.raw if p in p1.notes and p not in changed}
        raw |= {p for p in changed & set(p1.notes) if depends.has_raw_url(new, p)}
        if gained or lost or old._known != new._known:
            pages |= raw

        # delete what is gone, then write
        gone = depends.page_urls(old) - depends.page_urls(new)
        for url in sorted(gone, key=lambda u: -u.count("/")):  # pages before their folders
            self.writer.delete(url)
        self.site, self.claims, self.raw = new, claims, raw
        self._claim(new, gained, lost)
        for att in attachments:
            if att in p1.files and att not in gained:
                self.writer.copy(att, p1.files[att])
        wide.emit_listings(old, new)
        for path in sorted(pages):
            E.emit_note(new, path)
        E.emit_sitemap(new)
        E.emit_feed(new)

    # -- shared by both paths ---------------------------------------------------------------
    def _partners(self, site: Site) -> set[str]:
        """Redraw the dashboard; the partners' pages (to re-render)."""
        site.nav[:] = []
        site.stylesheets[:] = []
        site.__dict__.pop("_crm", None)
        emit_partners(site)
        if (site.nav, site.stylesheets) != self.nav:
            raise NeedFull("the partners dashboard appeared or went away")
        return set(crm_of(site).partners)

    def _claim(self, site: Site, gained: set[str], lost: set[str]) -> None:
        """Attachments newly used by a page get their ``files/`` URL (as the first page using
        them would) and are copied; unused ones are deleted."""
        if not (gained or lost):
            return
        plan = site.plan
        if not self.claims_exact or any(k != v.lower() for k, v in plan._file_used.items()):
            raise NeedFull("attachment URLs depend on the order pages use them")
        for att in sorted(lost):
            url = plan._files.pop(att, None)
            if url is not None:
                plan.file_urls.discard(url)
                plan._file_used.pop(url[len("files/"):].lower(), None)
                self.writer.delete(url)
        for att in sorted(gained):
            url = plan.file_url(att)
            if plan._file_used.get(url[len("files/"):].lower()) is None or \
                    any(k != v.lower() for k, v in plan._file_used.items()):
                raise NeedFull("two attachments share a URL")
            self.writer.copy(att, url)

    # -- the background half (kbtools.site.background) --------------------------------------
    def refresh_graph(self) -> bool:
        """Redraw ``graph/`` if flagged; whether it changed (:func:`.background.refresh_graph`)."""
        return refresh_graph(self)

    def refresh_search(self) -> float | None:
        """Re-index the site for search (:func:`.background.refresh_search`)."""
        return refresh_search(self)
