"""A one-line progress bar for long site builds, shown only on a terminal.

``kb build`` and the first build of ``kb serve`` use :class:`BuildProgress`: a context manager
whose instance is passed as :func:`kbtools.site.build`'s ``progress`` hook. A small thread redraws
one line on stderr a few times a second — the stage (loading, pages, search index…), the pages
written so far against the pages planned, and the elapsed time — and clears it at the end. When
the stream is not a terminal (CI logs, pipes, ``CliRunner``) it draws nothing at all and starts
no thread.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from .build import Site

STAGES = {
    "emit_partners": "partners", "emit_notes": "note pages", "emit_home": "home page",
    "emit_folders": "folders", "emit_tags": "tags", "emit_all_notes": "all notes",
    "emit_aliases": "aliases", "emit_404": "404", "emit_files": "attachments",
    "emit_graph": "graph", "emit_search_page": "search page", "emit_assets": "assets",
    "emit_sitemap": "sitemap", "emit_feed": "feed", "emit_search_index": "search index",
}
"""Emitter name → what the bar says (unknown emitters show their own name)."""


def planned_pages(site: "Site") -> int:
    """The pages a build of ``site`` will count in ``site.pages_written`` (an estimate: the
    partners dashboard and the generated pages are counted from the plan)."""
    from ..crm.site import crm_of  # computed once per site (the dashboard uses the same)

    plan, cfg = site.plan, site.cfg
    generated = sum(1 for f in plan.folders.values() if f.note is None)
    return (len(plan.notes) + len(plan.tags) + generated + 3  # tags/, notes/, 404
            + (plan.home is None) + bool(cfg.graph) + bool(cfg.search)
            + (crm_of(site).url is not None))


class BuildProgress:
    """``with BuildProgress() as bar: build(..., progress=bar)``; ``bar.stage("loading")`` for
    work before the build. ``enabled=None``: only when ``stream`` is a terminal."""

    def __init__(self, stream: IO[str] | None = None, enabled: bool | None = None,
                 label: str = "kb build", interval: float = 0.2):
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.label = label
        self.interval = interval
        self._site: Site | None = None
        self._total = 0
        self._stage = ""
        self._started = time.perf_counter()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False

    # -- the hook ---------------------------------------------------------------------------
    def __call__(self, site: "Site", stage: str) -> None:
        if self._site is not site:
            self._site = site
            self._total = planned_pages(site)
        self._stage = STAGES.get(stage, stage)

    def stage(self, name: str) -> None:
        """Name the work going on before (or after) the emitters run."""
        self._stage = name

    # -- drawing ----------------------------------------------------------------------------
    def line(self, width: int = 80) -> str:
        """The bar as it would be drawn now."""
        elapsed = f"{time.perf_counter() - self._started:.0f} s"
        site = self._site
        if site is None or not self._total:
            return f"{self.label}: {self._stage}… {elapsed}"[:width - 1]
        done = min(site.pages_written, self._total)
        count = f" {done}/{self._total} pages · {self._stage} · {elapsed}"
        room = max(10, min(40, width - len(self.label) - len(count) - 5))
        filled = round(room * done / self._total)
        return f"{self.label} [{'█' * filled}{'░' * (room - filled)}]{count}"[:width - 1]

    def _draw(self) -> None:
        width = shutil.get_terminal_size((80, 20)).columns
        self.stream.write("\r" + self.line(width) + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._draw()
            except Exception:  # a closed or odd stream: stop drawing, never fail the build
                return

    def __enter__(self) -> "BuildProgress":
        self._started = time.perf_counter()
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="kb-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop drawing and clear the line (before printing anything else)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._drawn:
            self._drawn = False
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except Exception:
                pass
