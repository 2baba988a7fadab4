"""The emitters: one function per kind of output, run in the order of :data:`EMITTERS`.

Each takes the :class:`~kbtools.site.build.Site` and writes into its (temporary) output folder.
Note pages come first: rendering them claims the attachments that :func:`emit_files` copies.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from typing import TYPE_CHECKING, Any, Callable
from xml.sax.saxutils import escape as xml_escape

from pygments.formatters import HtmlFormatter

from .pages import href, plain, relative
from .render import Env
from .sanitize import clean

if TYPE_CHECKING:
    from .build import Site
    from .pages import FolderPage, TagPage

HIDDEN_PROPERTIES = {"tags", "tag", "title", "publish", "draft", "cssclasses", "cssclass"}


def _entry(site: "Site", path: str, page: str) -> dict[str, Any]:
    """A note as lists show it. ``kb serve`` keeps the rows of its listing pages between
    rebuilds in ``site.entries`` (page URL → note path → row; see :mod:`kbtools.site.live`)."""
    memo = getattr(site, "entries", None)
    rows = memo.get(page) if memo is not None else None
    if rows is not None and path in rows:
        return rows[path]
    np = site.plan.notes[path]
    when = site.dates[path]
    row = {"title": np.title, "href": href(relative(page, np.url)), "folder": np.note.folder,
           "date": site.tr.date(when), "iso": when.isoformat()}
    if rows is not None:
        rows[path] = row
    return row


def emit_notes(site: "Site") -> None:
    """One page per published note (the home note at the root); on a large vault in worker
    processes, with the same output (:mod:`kbtools.site.workers`)."""
    from .workers import emit_pages
    prepare_graphs(site)  # every local graph laid out at once, shared by the workers
    emit_pages(site, list(site.plan.notes), emit_note)


def emit_note(site: "Site", path: str) -> None:
    """The page of one published note (``kb serve`` re-renders single pages with it)."""
    plan = site.plan
    np = plan.notes[path]
    note, url = np.note, np.url
    body = site.renderer.render_note(path, url, title=np.title)
    ok = site.url_ok(url)
    content = clean(body, ok)
    anchors = plan.anchors(path)
    toc = [{"level": h.level, "text": plain(h.text), "anchor": anchors[h.line]}
           for k, h in enumerate(note.headings)
           if not (k == 0 and h.level == 1 and plain(h.text).lower() == plain(np.title).lower())]
    if len(toc) < 2:
        toc = []
    tags = [{"name": t, "href": href(relative(url, plan.tag_url(t)))} for t in note.tags
            if plan.tag_url(t)]
    crumbs = [{"title": site.tr.gettext("Home"), "href": href(relative(url, ""))}] \
        if url else []
    if note.folder and url:
        parts = note.folder.split("/")
        for depth in range(1, len(parts) + 1):
            furl = site.plan.folder_url("/".join(parts[:depth]))
            crumbs.append({"title": parts[depth - 1],
                           "href": href(relative(url, furl)) if furl != url else None})
    props = _properties(site, path, url, ok) if site.cfg.properties else []
    backlinks = [{**_entry(site, src, url), "snippet": site.snippet(src, line)}
                 for src, line in site.backlinks.get(path, ())]
    when = site.dates[path]
    extras = [block for extra in PAGE_EXTRAS if (block := extra(site, path, url))]
    site.page("note.html", url, title=np.title, content=content, toc=toc, tags=tags,
              crumbs=crumbs, properties=props, backlinks=backlinks, aliases=note.aliases,
              modified=site.tr.date(when), modified_iso=when.isoformat(), is_home=url == "",
              extras=extras, local_graph=local_graph(site, path, url))


def _properties(site: "Site", path: str, url: str, ok: Callable[[str], bool]) -> list[dict[str, str]]:
    rows = []
    note = site.vault.notes[path]
    for key, value in note.properties.items():
        key = str(key)
        if key.lower() in HIDDEN_PROPERTIES or value is None or value == "" or value == []:
            continue
        values = value if isinstance(value, list) else [value]
        parts = []
        for item in values:
            if isinstance(item, bool):
                text = "✓" if item else "✗"
            elif isinstance(item, (dict, list)):
                text = json.dumps(item, ensure_ascii=False, default=str)
            else:
                text = str(item)
            parts.append(clean(site.renderer.render_inline(text, Env(url, path, path)), ok))
        rows.append({"key": key, "html": ", ".join(parts)})
    return rows


def emit_home(site: "Site") -> None:
    """The home page: the home note was written by :func:`emit_notes`; else a generated index."""
    if site.plan.home is not None:
        return
    recent = sorted(site.plan.notes, key=lambda p: (-site.dates[p].timestamp(), p))[:10]
    top = [t for t in site.plan.tags.values() if "/" not in t.key]
    site.page("home.html", "", title=site.cfg.title, recent=[_entry(site, p, "") for p in recent],
              count=len(site.plan.notes),
              tags=[{"name": t.name, "href": href(t.url), "count": len(t.notes)} for t in top])


def emit_tags(site: "Site") -> None:
    """``tags/`` (every tag, nested) and one page per tag (its notes and those of its subtags)."""
    emit_tag_index(site)
    for tag in site.plan.tags.values():
        emit_tag(site, tag)


def _tag_tree(site: "Site", keys: list[str], page: str) -> list[dict[str, Any]]:
    out = []
    for key in sorted(keys):
        t = site.plan.tags[key]
        out.append({"name": t.name.rsplit("/", 1)[-1], "full": t.name,
                    "href": href(relative(page, t.url)), "count": len(t.notes),
                    "children": _tag_tree(site, t.children, page)})
    return out


def emit_tag_index(site: "Site") -> None:
    """``tags/``: every tag, nested, with its count."""
    top = [k for k in site.plan.tags if "/" not in k]
    site.page("tags.html", "tags/", title=site.tr.gettext("Tags"),
              tags=_tag_tree(site, top, "tags/"), count=len(site.plan.tags))


def emit_tag(site: "Site", tag: "TagPage") -> None:
    """One tag's page: its notes and those of its subtags."""
    plan = site.plan
    crumbs = [{"title": site.tr.gettext("Tags"), "href": href(relative(tag.url, "tags/"))}]
    parts = tag.name.split("/")
    for i in range(1, len(parts)):
        parent = plan.tags["/".join(parts[:i]).lower()]
        crumbs.append({"title": "#" + parent.name, "href": href(relative(tag.url, parent.url))})
    site.page("list.html", tag.url, title="#" + tag.name, crumbs=crumbs,
              notes=[_entry(site, p, tag.url) for p in tag.notes],
              subtags=_tag_tree(site, tag.children, tag.url))


def emit_all_notes(site: "Site") -> None:
    """``notes/``: every published note, by title."""
    paths = sorted(site.plan.notes, key=lambda p: (site.plan.notes[p].title.lower(), p))
    site.page("list.html", "notes/", title=site.tr.gettext("All notes"), crumbs=[],
              notes=[_entry(site, p, "notes/") for p in paths], subtags=[])


def emit_folders(site: "Site") -> None:
    """A listing per folder (notes and subfolders), unless a note already is the folder's page."""
    for folder in site.plan.folders.values():
        if folder.note is None:
            emit_folder(site, folder)


def emit_folder(site: "Site", folder: "FolderPage") -> None:
    """One folder's generated listing."""
    plan = site.plan
    crumbs = [{"title": site.tr.gettext("Home"), "href": href(relative(folder.url, ""))}]
    parts = folder.path.split("/")
    for depth in range(1, len(parts)):
        crumbs.append({"title": parts[depth - 1],
                       "href": href(relative(folder.url,
                                             plan.folder_url("/".join(parts[:depth]))))})
    subfolders = [{"title": plan.folders[u].name, "href": href(relative(folder.url, u))}
                  for u in sorted(folder.children, key=str.lower)]
    site.page("list.html", folder.url, title=folder.name, crumbs=crumbs,
              notes=[_entry(site, p, folder.url) for p in folder.notes], subtags=[],
              subfolders=subfolders)


def emit_aliases(site: "Site") -> None:
    """A tiny redirect page per alias (``Альфа/`` → the note), where the alias's URL is free."""
    for url, path in site.plan.aliases.items():
        emit_alias(site, url, path)


def emit_alias(site: "Site", url: str, path: str) -> None:
    np = site.plan.notes[path]
    site.page("redirect.html", url, title=np.title, target=href(relative(url, np.url)),
              count_page=False)


def emit_404(site: "Site") -> None:
    site.page("404.html", "404.html", title=site.tr.gettext("Page not found"))


def emit_files(site: "Site") -> None:
    """Copy each attachment a published page uses, once; never a file outside the vault."""
    root = os.path.realpath(site.vault.root)
    for path, url in site.plan.files.items():
        src = os.path.realpath(site.vault.root / path)
        if not src.startswith(root + os.sep) or not os.path.isfile(src):
            continue
        dst = site.out / url
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)


def emit_assets(site: "Site") -> None:
    """The one stylesheet (theme + code colours) and the one script every page shares."""
    light = HtmlFormatter(style="default").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs(':root[data-theme="dark"] .highlight')
    dark_auto = HtmlFormatter(style="monokai").get_style_defs(':root:not([data-theme="light"]) .highlight')
    css = (site.source("assets/site.css") + "\n/* code (Pygments) */\n" + light + "\n" + dark +
           "\n@media (prefers-color-scheme: dark) {\n" + dark_auto + "\n}\n")
    site.write("assets/site.css", css)
    site.write("assets/site.js", site.source("assets/site.js"))
    if site.cfg.search:
        site.write("assets/search.js", site.source("assets/search.js"))


def _absolute(site: "Site", url: str) -> str:
    return site.cfg.base_url + href(url) if site.cfg.base_url else href(url) or "./"


def emit_sitemap(site: "Site") -> None:
    """``sitemap.xml`` (absolute URLs when ``base_url`` is set; relative otherwise)."""
    rows = []
    for path, np in sorted(site.plan.notes.items(), key=lambda kv: kv[1].url):
        rows.append(f"  <url><loc>{xml_escape(_absolute(site, np.url))}</loc>"
                    f"<lastmod>{site.dates[path].date().isoformat()}</lastmod></url>")
    folders = sorted(f.url for f in site.plan.folders.values() if f.note is None)
    extra = [n["url"] for n in site.nav]
    for url in ["notes/", "tags/"] + extra + folders + sorted(t.url for t in site.plan.tags.values()):
        rows.append(f"  <url><loc>{xml_escape(_absolute(site, url))}</loc></url>")
    if site.plan.home is None:
        rows.insert(0, f"  <url><loc>{xml_escape(_absolute(site, ''))}</loc></url>")
    site.write("sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
               + "\n".join(rows) + "\n</urlset>\n")


def emit_feed(site: "Site") -> None:
    """``feed.xml``: an Atom feed of the most recently changed notes."""
    paths = sorted(site.plan.notes, key=lambda p: (-site.dates[p].timestamp(), p))[:site.cfg.feed_size]
    newest = site.dates[paths[0]] if paths else dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    base = site.cfg.base_url

    def ident(url: str) -> str:
        return base + href(url) if base else "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "kb:" + url))
    entries = []
    for p in paths:
        np = site.plan.notes[p]
        summary = _summary(site, p)
        entries.append(
            "  <entry>\n"
            f"    <title>{xml_escape(np.title)}</title>\n"
            f'    <link href="{xml_escape(_absolute(site, np.url), {chr(34): "&quot;"})}"/>\n'
            f"    <id>{xml_escape(ident(np.url))}</id>\n"
            f"    <updated>{site.dates[p].isoformat()}</updated>\n"
            + (f"    <summary>{xml_escape(summary)}</summary>\n" if summary else "") +
            "  </entry>")
    xml_base = f' xml:base="{xml_escape(base)}"' if base else ""
    site.write("feed.xml", '<?xml version="1.0" encoding="utf-8"?>\n'
               f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{site.cfg.lang}"{xml_base}>\n'
               f"  <title>{xml_escape(site.cfg.title)}</title>\n"
               f'  <link href="{xml_escape(_absolute(site, ""))}"/>\n'
               f'  <link rel="self" href="{xml_escape(_absolute(site, "feed.xml"))}"/>\n'
               f"  <id>{xml_escape(ident(''))}</id>\n"
               f"  <updated>{newest.isoformat()}</updated>\n"
               f"  <author><name>{xml_escape(site.cfg.title)}</name></author>\n"
               + "\n".join(entries) + "\n</feed>\n")


def _summary(site: "Site", path: str) -> str:
    note = site.vault.notes[path]
    desc = note.properties.get("description")
    if isinstance(desc, str) and desc.strip():
        return desc.strip()
    for line in site.text(path)[note.body_line - 1:]:
        text = line.strip()
        if text and not text.startswith(("#", ">", "|", "```", "~~~", "%%", "!", "-", "*")):
            text = plain(text)
            return text if len(text) <= 280 else text[:279].rstrip() + "…"
    return ""


from ..crm.site import emit_partners, partner_page  # noqa: E402  (CRM pages; kbtools.crm.site)
from .graphs import emit_graph, local_graph  # noqa: E402  (graph/ and the local graph)
from .graphs import prepare as prepare_graphs  # noqa: E402
from .search import emit_search_index, emit_search_page  # noqa: E402  (pagefind; last)

EMITTERS: list[Callable[["Site"], None]] = [
    emit_partners, emit_notes, emit_home, emit_folders, emit_tags, emit_all_notes, emit_aliases,
    emit_404, emit_files, emit_graph, emit_search_page, emit_assets, emit_sitemap, emit_feed,
    emit_search_index,
]
"""The build, in order; add an emitter here to add a kind of output. Emitters of extra pages
that the header links (``site.nav``) run before the note pages."""

PAGE_EXTRAS: list[Callable[["Site", str, str], str]] = [partner_page]
"""Blocks added to note pages: ``(site, note path, page URL) → HTML`` (trusted, rendered from a
template) shown after the note's content, or ``""`` for none; e.g. a partner's timeline."""
