"""The static HTML guide: ``kb build`` (issue 3).

===============  ==========================================================================
module           what it does
===============  ==========================================================================
``config``       the ``[site]`` settings (:class:`SiteConfig`)
``pages``        which pages exist and their URLs: the slug (``unicode``/``translit``), anchor
                 and relative-URL policy
``render``       renderer rules for the Obsidian tokens (shared parser, shared resolver)
``sanitize``     nh3 sanitising of note HTML
``emit``         the ordered emitters: notes, home, tags, all notes, 404, files, graph,
                 search page, assets, sitemap.xml, feed.xml, search index (last)
``build``        :func:`build`: plan, emit into a temporary folder, swap in atomically
``i18n``         UI strings from the Babel catalogues in ``kbtools/locale/`` (ru, en; CLDR
                 plural forms), for Jinja2's i18n extension; dates
``graphs``       the global graph page and the per-note local graph (networkx layout → SVG)
``search``       the pagefind full-text index (``pagefind/``) and the ``search/`` page
``serve``        ``kb serve``: build, serve on 127.0.0.1, rebuild on change, live reload
``live``         ``kb serve``'s incremental rebuilds: :class:`LiveSite` keeps the built site in
                 memory and takes, per change, the local, the wide or the full way
``local``        the local way (edits others cannot see): steps patching the site in place
``wide``         the wide way (files added/removed, titles, headings…): a new site state from
                 the notes in memory, steps comparing it with the old one
``depends``      what depends on what (pure): embedders, linkers, backlinks, local and global
                 graph signatures, attachment claims, listings
``writes``       atomic in-place writes, deletes and attachment copies into the served folder
``background``   after an update: ``graph/`` redrawn, the search index rebuilt (debounced, in
                 a thread), memory settled
``progress``     the build progress bar (on a terminal only)
===============  ==========================================================================

Templates are in the top-level ``templates/site/`` (installed as ``kbtools.templates``); a
``templates/site/`` folder next to the vault (or ``[site] templates``) overrides them file by
file.
"""

from .build import BuildError, BuildReport, build
from .config import SiteConfig

__all__ = ["build", "BuildError", "BuildReport", "SiteConfig"]
