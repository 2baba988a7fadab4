"""Full-text search: a pagefind index of the note pages, built after they are written.

* The index is made by the ``pagefind`` package's Python API (the pagefind binary ships inside
  the wheel; nothing is downloaded at build time) over the output folder, into ``pagefind/``.
  Only note pages are indexed: ``note.html`` marks the note (``data-pagefind-body``: title,
  aliases, tags, properties, headings and text) and leaves out breadcrumbs, the modified date,
  backlinks and the local graph (``data-pagefind-ignore``). Aliases carry a higher weight.
  pagefind is handed only those pages (hard links in a folder of their own,
  :func:`pages_to_index`), so it does not parse the thousands of list, tag and redirect pages
  it would skip anyway. A large site is indexed :data:`PART_PAGES` pages at a time and the parts
  are merged into the one index pagefind would have written (:mod:`kbtools.site.search_merge`),
  so pagefind's memory stays that of one part.
* Language: pagefind reads ``<html lang>`` (the site's ``lang``) and stems with Snowball; the
  Russian stemmer folds ``ё`` into ``е`` on both the indexed words and the query, so
  «партнёрства» finds «партнерство» and «все» finds «всё» without rewriting the text (excerpts
  keep the original spelling). On an English site Russian words are indexed unstemmed.
* The UI is pagefind's default UI on ``search/``; ``assets/search.js`` points it at the site's
  root found from the page's own URL, so it works under any sub-path. Without JavaScript the
  header's search link leads to the all-notes page and ``search/`` says so.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .build import Site

BUNDLE = "pagefind"
"""The folder (under the site root) that holds the index and pagefind's UI."""
MARKER = b"data-pagefind-body"
PART_PAGES = 2500
"""A larger site is indexed this many pages at a time and the parts merged into one index
(:mod:`kbtools.site.search_merge`): pagefind holds a whole index in memory while writing it, about
130 KB per note page (1.3 GB for 10,000), so its peak stays at one part's (~330 MB)."""


def available() -> bool:
    try:
        import pagefind.index  # noqa: F401
    except ImportError:
        return False
    return True


def pages_to_index(out: Path) -> list[str]:
    """The HTML files of the site in ``out`` that pagefind indexes (relative paths, sorted): those
    that mark their text with ``data-pagefind-body`` (note pages), or every page when none does
    (a theme without the marker) — pagefind's own rule, applied before it reads anything, so
    that it parses only these."""
    found, marked = [], []
    for dirpath, dirs, names in os.walk(out):
        rel = os.path.relpath(dirpath, out)
        if rel == ".":
            dirs[:] = [d for d in dirs if d != BUNDLE and not d.startswith(".")]
        for name in names:
            if not name.endswith(".html"):
                continue
            path = name if rel == "." else f"{rel}/{name}".replace(os.sep, "/")
            found.append(path)
            with open(os.path.join(dirpath, name), "rb") as fh:
                if MARKER in fh.read():
                    marked.append(path)
    return sorted(marked or found)


def _stage(out: Path, pages: list[str], folder: Path) -> None:
    """``pages`` at their own relative paths under ``folder`` (hard links, else copies), so that
    pagefind gives them their real URLs."""
    folder.mkdir(parents=True, exist_ok=True)
    for rel in pages:
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(out / rel, target)
        except OSError:
            shutil.copyfile(out / rel, target)


async def _index(source: Path, dest: Path, lang: str) -> int:
    from pagefind.index import PagefindIndex

    async with PagefindIndex({"output_path": str(dest)}) as index:
        result = await index.add_directory(str(source), glob="**/*.html")
        # an empty site still gets a (valid, empty) bundle so the search page loads
        if not result.get("page_count"):
            await index.add_custom_record(url="/", content="", language=lang, meta={"title": ""})
    return int(result.get("page_count") or 0)


def index_site(out: Path, lang: str, dest: Path | None = None) -> int:
    """Index the pages of the site in ``out`` (:func:`pages_to_index`) into the bundle ``dest``
    (default ``out/pagefind``; ``kb serve`` re-indexes into a folder outside the site and swaps
    it in); the number of pages indexed. More than :data:`PART_PAGES` pages are indexed in parts
    and merged into one index; when merging is not possible (another pagefind version, pagefind
    filters or sort keys in a theme) the pages are indexed in one go."""
    from .search_merge import CannotMerge, merge

    out = Path(out)
    dest = Path(dest) if dest is not None else out / BUNDLE
    pages = pages_to_index(out)
    work = Path(tempfile.mkdtemp(prefix=".pagefind-", dir=dest.parent))
    try:
        parts = [pages[at:at + PART_PAGES] for at in range(0, len(pages), PART_PAGES)]
        if len(parts) > 1:
            bundles = [work / f"part-{k}" for k in range(len(parts))]
            for part, bundle in zip(parts, bundles):
                _index_pages(out, part, bundle, lang, work / "pages")
            try:
                return merge(bundles, dest)
            except CannotMerge:
                shutil.rmtree(dest, ignore_errors=True)
        return _index_pages(out, pages, dest, lang, work / "pages")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _index_pages(out: Path, pages: list[str], bundle: Path, lang: str, staged: Path) -> int:
    """Index ``pages`` of the site in ``out`` into ``bundle``, staged in the folder ``staged``
    (removed afterwards)."""
    shutil.rmtree(staged, ignore_errors=True)
    try:
        _stage(out, pages, staged)
        return _run(_index(staged, bundle, lang))
    finally:
        shutil.rmtree(staged, ignore_errors=True)


class PartedIndex:
    """``kb serve``'s search index, kept as parts between refreshes: a refresh re-indexes only
    the parts that hold a page written, added or deleted since the last one, and merges.

    Pages are assigned to parts of :data:`PART_PAGES` on the first refresh (in
    :func:`pages_to_index` order); a new page joins the last part (a new part when that one is
    full), a deleted page leaves its part. Which pages changed is read from the files themselves
    (size and mtime; ``kb serve`` rewrites a page only when its bytes change). The merged index
    holds the same pages, words and weights as :func:`index_site` would write, so search answers
    the same; only the order of pages inside the bundle may differ. Parts live in :attr:`work`,
    a folder made next to ``out`` when a site first needs parts; :meth:`close` removes it.
    """

    def __init__(self, out: Path, lang: str):
        self.out, self.lang = Path(out), lang
        self.work: Path | None = None
        """Where the parts' bundles are kept (``None`` until the site needs parts)."""
        self.parts: list[list[str]] = []
        """The pages of each part, in order."""
        self.stamps: dict[str, tuple[int, int]] = {}
        """Page → (size, mtime_ns) when its part was last indexed."""
        self.last_reindexed = 0
        """How many parts the last :meth:`refresh` re-indexed."""

    def _stamp(self, page: str) -> tuple[int, int]:
        st = os.stat(self.out / page)
        return (st.st_size, st.st_mtime_ns)

    def refresh(self, dest: Path) -> int:
        """Write the merged index to the bundle ``dest`` (which must not exist); the number of
        pages indexed. A site of one part, or one whose bundles cannot be merged, is indexed
        whole with :func:`index_site`."""
        from .search_merge import CannotMerge, merge

        pages = pages_to_index(self.out)
        if len(pages) <= PART_PAGES:
            self.parts, self.stamps = [], {}
            return index_site(self.out, self.lang, dest)
        stamps = {page: self._stamp(page) for page in pages}
        if not self.parts:
            self.parts = [pages[at:at + PART_PAGES] for at in range(0, len(pages), PART_PAGES)]
            stale = set(range(len(self.parts)))
        else:
            present = set(pages)
            known = {page for part in self.parts for page in part}
            stale = {k for k, part in enumerate(self.parts)
                     if any(page not in present or stamps[page] != self.stamps.get(page)
                            for page in part)}
            self.parts = [[page for page in part if page in present] for part in self.parts]
            for page in pages:
                if page not in known:
                    if len(self.parts[-1]) >= PART_PAGES:
                        self.parts.append([])
                    self.parts[-1].append(page)
                    stale.add(len(self.parts) - 1)
        if self.work is None:
            self.work = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.search-parts-",
                                              dir=self.out.parent))
        for k in sorted(stale):
            bundle = self.work / f"part-{k}"
            shutil.rmtree(bundle, ignore_errors=True)
            if self.parts[k]:  # (a part whose pages were all deleted stays empty, unindexed)
                _index_pages(self.out, self.parts[k], bundle, self.lang, self.work / "pages")
        self.stamps = stamps
        self.last_reindexed = len(stale)
        work = self.work
        try:
            return merge([work / f"part-{k}" for k, part in enumerate(self.parts) if part], dest)
        except CannotMerge:
            shutil.rmtree(dest, ignore_errors=True)
            self.parts, self.stamps = [], {}
            return index_site(self.out, self.lang, dest)

    def close(self) -> None:
        """Remove the parts (a later :meth:`refresh` indexes everything again)."""
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)
        self.work, self.parts, self.stamps = None, [], {}


def _run(coro: Any) -> Any:
    """``asyncio.run`` — in a thread of its own when called from async code."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop here
        run()
    else:  # called from async code: asyncio.run needs a thread of its own
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def emit_search_page(site: "Site") -> None:
    """``search/``: pagefind's UI (the index itself is written last, by :func:`emit_search_index`)."""
    if site.cfg.search:
        site.page("search.html", "search/", title=site.tr.gettext("Search"))


def emit_search_index(site: "Site") -> None:
    """Index the finished pages (run after every page is written)."""
    if not site.cfg.search:
        return
    if not available():
        from .build import BuildError
        raise BuildError("search needs the pagefind package (pip install 'pagefind[extended]'), "
                         "or set [site] search = false")
    index_site(site.out, site.cfg.lang)
