"""The background half of ``kb serve``'s incremental rebuilds (:mod:`kbtools.site.live`): the
two site-wide outputs refreshed after an update, and the memory settled after a big one.

* :func:`refresh_graph` redraws ``graph/`` when an update flagged it (its layout costs ~1 s on
  10,000 notes);
* :func:`refresh_search` re-indexes the served pages into a new pagefind bundle and swaps it in
  for ``pagefind/`` (pagefind cannot patch an index; ~20 s on 10,000 notes);
* :class:`Deferred` runs both in a thread, debounced (edits in a row cost one re-index);
* :func:`settle_memory` frees the previous site after a full or wide rebuild.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import emit as E
from .depends import global_sig
from .search import BUNDLE, PartedIndex

if TYPE_CHECKING:
    from .live import LiveSite


def refresh_graph(live: LiveSite) -> bool:
    """Redraw ``graph/`` if flagged (with a freshly built graph, so its SVG lists edges in
    the order a full build does); whether the page changed."""
    with live.lock:
        site = live.site
        if not live.pending_graph or site is None or not site.cfg.graph:
            live.pending_graph = False
            return False
        live.writer.reset()
        site.__dict__.pop("_note_graph", None)
        site.__dict__.pop("_graph_node_info", None)
        E.emit_graph(site)
        live.global_sig = global_sig(site)
        live.pending_graph = False
        return bool(live.writer.written)


def refresh_search(live: LiveSite) -> float | None:
    """Re-index the served pages into a new pagefind bundle next to the output folder and
    swap it in for ``pagefind/`` (:class:`~kbtools.site.search.PartedIndex`: only the parts of
    2,500 pages that hold a changed page are indexed again, then all are merged); the seconds it took, ``None`` if search is off or a full
    build (which indexes by itself) happened meanwhile."""
    with live.lock:
        site = live.site
        if site is None or not site.cfg.search:
            return None
        generation, lang = live.generation, site.cfg.lang
    started = time.perf_counter()
    out = live.out
    if live.search is None or live.search.lang != lang:
        live.close()
        live.search = PartedIndex(out, lang)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{BUNDLE}-", dir=out.parent))
    try:
        live.search.refresh(tmp / BUNDLE)  # only the parts with changed pages are re-indexed
        with live.lock:
            if generation != live.generation:
                return None
            bundle = out / BUNDLE
            old = tmp / "old"
            if bundle.exists():
                os.replace(bundle, old)
            os.replace(tmp / BUNDLE, bundle)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return time.perf_counter() - started


def settle_memory() -> float:
    """After a full or wide rebuild: free the previous site (the site and its renderer refer to
    each other, so only the cyclic collector frees them), then move everything left into the
    collector's permanent generation (:func:`gc.freeze`) and keep the collector on: later
    collections only scan what updates create, so a local rebuild never pays for walking the
    millions of objects of a loaded vault. ``kb`` runs with the collector off (a short-lived
    process); a server lives long enough to need it. Returns the seconds it took."""
    started = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    gc.enable()
    return time.perf_counter() - started


class Deferred:
    """The background half of an update: ``graph/`` and the search index, ``delay`` seconds
    after the last request (edits in a row cost one re-index), one at a time, in a thread.
    ``on_change`` is called when ``graph/`` was rewritten (to reload open pages)."""

    def __init__(self, live: LiveSite, delay: float = 1.0,
                 on_change: Callable[[], None] | None = None,
                 log: Callable[[str], None] | None = None):
        self.live = live
        self.delay = delay
        self.on_change = on_change
        self.log = log or live.log
        self._cond = threading.Condition()
        self._due: float | None = None
        self._search = False
        self._settle = False
        self._stopped = False
        self._busy = False
        self._thread: threading.Thread | None = None
        self.last_search_seconds: float | None = None

    def request(self, search: bool = True, settle: bool = False) -> None:
        with self._cond:
            self._search |= search
            self._settle |= settle
            self._due = time.monotonic() + self.delay
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kb-deferred", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (self._due is None or time.monotonic() < self._due):
                    self._cond.wait(None if self._due is None else
                                    max(0.0, self._due - time.monotonic()))
                if self._stopped:
                    return
                search, self._search, self._due = self._search, False, None
                settle, self._settle = self._settle, False
                self._busy = True
            try:
                self.work(search, settle)
            except Exception as exc:  # noqa: BLE001  # background work never stops the server
                self.log(f"✘ background refresh failed: {type(exc).__name__}: {exc}")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def work(self, search: bool, settle: bool = False) -> None:
        if settle:
            with self.live.lock:
                settle_memory()
        started = time.perf_counter()
        if self.live.refresh_graph():
            self.log(f"✔ graph/ redrawn in {time.perf_counter() - started:.2f} s")
            if self.on_change is not None:
                self.on_change()
        if search:
            seconds = self.live.refresh_search()
            if seconds is not None:
                self.last_search_seconds = seconds
                self.log(f"✔ search index refreshed in {seconds:.1f} s")

    def flush(self, search: bool = True) -> None:
        """Run what is pending now, in this thread (tests, benchmarks); with ``search=False`` a
        pending re-index stays pending."""
        with self._cond:
            while self._busy:
                self._cond.wait()
            pending = self._search and search
            settle, self._settle = self._settle, False
            if search or not self._search:
                self._search, self._due = False, None
        self.work(pending, settle)

    def idle(self) -> bool:
        with self._cond:
            return self._due is None and not self._busy

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=60)
