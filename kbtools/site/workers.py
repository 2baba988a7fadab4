"""Note pages rendered by worker processes on a large vault, with the bytes of a sequential build.

Rendering a note page (Markdown, sanitising, the template, the local graph) is independent of the
other pages except for one shared piece of state: the attachments it *claims*
(:meth:`~kbtools.site.pages.Plan.file_url`). A claim gives an attachment its URL — unique in the
order of the claims, so when two attachments' names slug alike the second one claimed gets
``-2`` — and adds it to ``plan.file_urls``, which the sanitiser asks whether a raw
``<img src="../files/…">`` leads to a file of the site.

So :func:`emit_pages` forks ``jobs`` workers (``fork``: they share the loaded vault, the plan,
the templates and the graph layouts with this process) that render and write chunks of pages in
the order of ``paths``, each recording, per page, the claims it made (the path and the URL it got)
and the questions it asked ``plan.file_urls`` (and the answer). This process replays the records
page by page in the sequential order: its claims become the claims of the build, exactly as a
sequential build would make them, and a page is accepted only if every URL and every answer its
worker used is what the sequential build would have used at that point; otherwise (rare: two
attachments slugging alike, or raw HTML pointing at an attachment another worker claimed) its
claims are undone and the page is rendered again here, in order, overwriting the worker's file.

Small vaults (fewer than :data:`MIN_PAGES` pages), one CPU or ``jobs=1`` (``kb build -j 1``,
``site.jobs``), a platform without ``fork``, or a site whose ``write``/``file_url`` were replaced
(``kb serve`` records what it writes) are rendered sequentially in this process. Workers are
forked, so they must not need a lock another thread of this process held at that moment: they
only render and write files (an error travels back to this process, which raises it).
"""

from __future__ import annotations

import multiprocessing
import os
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .build import Site

MIN_PAGES = 300
"""Below this many pages a pool costs more than it saves."""
CHUNK = 24
"""Pages per task."""

Emit = Callable[["Site", str], None]

# what a forked worker renders with (set in this process just before forking)
_SITE: "Site | None" = None
_EMIT: Emit | None = None
_WORK: list[list[str]] = []
_LOG: list[tuple] = []


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _can_fork(site: "Site") -> bool:
    from .build import Site
    from .pages import Plan

    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    plan = site.plan
    return (getattr(site.write, "__func__", None) is Site.write
            and getattr(plan.file_url, "__func__", None) is Plan.file_url
            and type(plan.file_urls) is set
            and all(hasattr(plan, a) for a in ("_files", "_file_used")))


def emit_pages(site: "Site", paths: list[str], emit: Emit, jobs: int | None = None) -> None:
    """``emit(site, path)`` for every path, in worker processes when it pays (see the module
    docstring); the result is the same as the plain loop, byte for byte."""
    jobs = min(jobs or getattr(site, "jobs", None) or cpus(), max(1, len(paths) // CHUNK))
    if jobs <= 1 or len(paths) < MIN_PAGES or not _can_fork(site):
        for path in paths:
            emit(site, path)
        return
    global _SITE, _EMIT, _WORK
    _SITE, _EMIT = site, emit
    _WORK = [paths[at:at + CHUNK] for at in range(0, len(paths), CHUNK)]
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(jobs, initializer=_start) as pool:
            for results in pool.imap(_render, range(len(_WORK))):
                for path, pages, records in results:
                    _replay(site, emit, path, pages, records)
    finally:
        _SITE, _EMIT, _WORK = None, None, []


class _RecordedSet(set):
    """``plan.file_urls`` in a worker: membership questions are recorded with their answers."""

    def __contains__(self, item: object) -> bool:
        found = set.__contains__(self, item)
        _LOG.append(("ask", item, found))
        return found


def _start() -> None:
    """Worker initialiser: record claims and questions (the worker's own copy of the plan)."""
    site = _SITE
    assert site is not None
    plan = site.plan
    claim = plan.file_url

    def recorded(path: str) -> str:
        url = claim(path)
        _LOG.append(("claim", path, url))
        return url
    plan.file_url = recorded  # type: ignore[method-assign]
    plan.file_urls = _RecordedSet(plan.file_urls)


def _render(index: int) -> list[tuple[str, int, list[tuple]]]:
    site, emit = _SITE, _EMIT
    assert site is not None and emit is not None
    out = []
    for path in _WORK[index]:
        _LOG.clear()
        before = site.pages_written
        emit(site, path)
        out.append((path, site.pages_written - before, list(_LOG)))
    _LOG.clear()
    return out


def _replay(site: "Site", emit: Emit, path: str, pages: int, records: list[tuple]) -> bool:
    """Apply a worker's page in the sequential order: its claims, checked; or render it here
    (then ``False``)."""
    plan = site.plan
    files, used, urls = plan._files, plan._file_used, plan.file_urls
    n_files, n_used = len(files), len(used)
    ok = True
    for kind, what, answer in records:
        if kind == "claim":
            ok = plan.file_url(what) == answer and ok
        else:
            ok = ((what in urls) == answer) and ok
    if ok:
        site.pages_written += pages
        return True
    while len(files) > n_files:  # undo this page's claims (dicts keep their insertion order)
        _, url = files.popitem()
        urls.discard(url)
    while len(used) > n_used:
        used.popitem()
    emit(site, path)
    return False
