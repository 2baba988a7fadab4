"""The static HTML guide: ``kb build`` (issue 3).

===============  ==========================================================================
module           what it does
===============  ==========================================================================
``config``       the ``[site]`` settings (:class:`SiteConfig`)
``pages``        which pages exist and their URLs: the slug, anchor and relative-URL policy
``render``       renderer rules for the Obsidian tokens (shared parser, shared resolver)
``sanitize``     nh3 sanitising of note HTML
``emit``         the ordered emitters: notes, home, tags, all notes, 404, files, graph,
                 search page, assets, sitemap.xml, feed.xml, search index (last)
``build``        :func:`build`: plan, emit into a temporary folder, swap in atomically
``i18n``         UI strings (ru, en) with plural forms, for Jinja2's i18n extension
``graphs``       the global graph page and the per-note local graph (networkx layout → SVG)
``search``       the pagefind full-text index (``pagefind/``) and the ``search/`` page
``serve``        ``kb serve``: build, serve on 127.0.0.1, rebuild on change, live reload
===============  ==========================================================================

Templates are in the top-level ``templates/site/`` (installed as ``kbtools.templates``); a
``templates/site/`` folder next to the vault (or ``[site] templates``) overrides them file by
file.
"""

from .build import BuildError, BuildReport, build
from .config import SiteConfig

__all__ = ["build", "BuildError", "BuildReport", "SiteConfig"]
