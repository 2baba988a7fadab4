"""Full-text search: a pagefind index of the note pages, built after they are written.

* The index is made by the ``pagefind`` package's Python API (the pagefind binary ships inside
  the wheel; nothing is downloaded at build time) over the output folder, into ``pagefind/``.
  Only note pages are indexed: ``note.html`` marks the note (``data-pagefind-body``: title,
  aliases, tags, properties, headings and text) and leaves out breadcrumbs, the modified date,
  backlinks and the local graph (``data-pagefind-ignore``). Aliases carry a higher weight.
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
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .build import Site

BUNDLE = "pagefind"
"""The folder (under the site root) that holds the index and pagefind's UI."""


def available() -> bool:
    try:
        import pagefind.index  # noqa: F401
    except ImportError:
        return False
    return True


async def _index(out: Path, lang: str) -> int:
    from pagefind.index import PagefindIndex

    async with PagefindIndex({"output_path": str(out / BUNDLE)}) as index:
        result = await index.add_directory(str(out), glob="**/*.html")
        # an empty site still gets a (valid, empty) bundle so the search page loads
        if not result.get("page_count"):
            await index.add_custom_record(url="/", content="", language=lang, meta={"title": ""})
    return int(result.get("page_count") or 0)


def index_site(out: Path, lang: str) -> int:
    """Index the HTML under ``out`` into ``out/pagefind``; the number of pages indexed."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["n"] = asyncio.run(_index(out, lang))
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
    return box["n"]


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
