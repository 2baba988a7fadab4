"""``kb build``: the whole site, rendered into a temporary folder and swapped in atomically.

:func:`build` loads the vault (or takes a loaded one), plans every URL
(:class:`~kbtools.site.pages.Plan`), runs the emitters of :data:`kbtools.site.emit.EMITTERS` in
order into ``.OUT.new-*`` next to ``OUT``, and only then replaces ``OUT``: a failed build leaves
the previous site untouched, and pages of deleted notes disappear with the old folder.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import posixpath
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote

import jinja2

from ..resources import builtin_templates
from ..config import Config
from ..diagnostics import Diagnostic
from ..load import load_vault
from ..parse import normalize_text
from ..vault import Vault
from .config import SiteConfig
from .i18n import Translations
from .pages import Plan, href, output_file, plain, relative
from .render import Context, NoteRenderer

MARKER = ".kbsite"
"""A file every built site has: ``kb build`` only ever replaces a folder that has it (or none)."""


class BuildError(Exception):
    """The site cannot be built to that place (exit code 2)."""


@dataclass(frozen=True)
class BuildReport:
    out: Path
    pages: int
    notes: int
    tags: int
    files: int
    seconds: float
    problems: tuple[Diagnostic, ...] = ()
    """Notes the build worked around (:data:`BUILD_PROBLEMS`: invalid frontmatter — built without
    its properties, so its ``publish``/``draft``/``title`` are not read either —, unreadable
    bytes, skipped symlinks), as ``kb check`` reports them; ``kb build`` prints them."""


BUILD_PROBLEMS = ("KB007", "KB011", "KB013")
"""The findings of ``kb check`` about files that a build reports (see :attr:`BuildReport.problems`)."""


def file_problems(vault: Vault) -> tuple[Diagnostic, ...]:
    """The :data:`BUILD_PROBLEMS` findings of ``vault`` (configuration and suppressions apply)."""
    from ..checks import check, check_files
    return tuple(d for d in check(vault, checks=(check_files,)) if d.code in BUILD_PROBLEMS)


def build(vault: Vault | str | os.PathLike[str], out: str | os.PathLike[str],
          config: Config | None = None, *,
          progress: Callable[["Site", str], None] | None = None, jobs: int | None = None,
          **site_overrides: Any) -> BuildReport:
    """Build the static site of ``vault`` into ``out`` (see the module docstring).

    ``progress(site, stage)`` is called before each emitter with the emitter's name (a progress
    bar reads ``site.pages_written``; ``kb serve`` keeps the :class:`Site` for its incremental
    rebuilds). ``jobs``: processes rendering note pages (default: the CPUs; 1 = this process
    only; :mod:`kbtools.site.workers`)."""
    started = time.perf_counter()
    if not isinstance(vault, Vault):
        vault = load_vault(vault, config)
    cfg = SiteConfig.from_config(config or vault.config, vault.root, **site_overrides)
    out = Path(out).absolute()
    _check_target(out, vault.root)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        os.chmod(tmp, 0o755)
        site = Site(vault, cfg, tmp)
        site.jobs = jobs
        from .emit import EMITTERS
        for emit in EMITTERS:
            if progress is not None:
                progress(site, emit.__name__)
            emit(site)
        (tmp / MARKER).write_text("built by kb build; this folder is replaced on every build\n",
                                  encoding="utf-8")
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildReport(out, site.pages_written, len(site.plan.notes), len(site.plan.tags),
                       len(site.plan.files), time.perf_counter() - started, file_problems(vault))


def _check_target(out: Path, root: Path) -> None:
    real_out, real_root = out.resolve(), root.resolve()
    if real_out == real_root or real_out in real_root.parents:
        raise BuildError(f"{out}: the output folder would contain the vault; choose another")
    if real_root in real_out.parents:
        raise BuildError(f"{out}: the output folder is inside the vault; choose one outside it")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise BuildError(f"{out}: exists and is not a site built by kb build; refusing to replace it")


def _swap(new: Path, out: Path) -> None:
    if not out.exists():
        os.replace(new, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)
    os.replace(out, old)
    try:
        os.replace(new, out)
    except BaseException:
        os.replace(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


class Site:
    """Everything the emitters share: the vault, the plan, the renderer and the templates."""

    def __init__(self, vault: Vault, cfg: SiteConfig, out: Path):
        self.vault = vault
        self.cfg = cfg
        self.out = out
        self.plan = Plan(vault.notes, home=cfg.home, exclude=cfg.exclude,
                         exclude_tags=cfg.exclude_tags, slugs=cfg.slugs)
        self.tr = Translations(cfg.lang)
        # lists and backlinks show the same few dates thousands of times: format each once
        self.tr.date = functools.lru_cache(maxsize=None)(self.tr.date)  # type: ignore[method-assign]
        self._texts: dict[str, list[str]] = {}
        self._snippets: dict[tuple[str, int, int], tuple[list[str], str]] = {}
        self.renderer = NoteRenderer(Context(vault.index, self.plan, self.text, self.tr))
        self.nav: list[dict[str, str]] = []
        """Extra pages for the header and the home page: ``{"title", "url"}`` (site URLs),
        added by emitters that run before the pages (the partners dashboard)."""
        self.stylesheets: list[str] = []
        """Extra stylesheets (site URLs) every page links after ``assets/site.css``."""
        self.templates = self._environment()
        self.dates = {p: self._modified(p) for p in self.plan.notes}
        self.backlinks = self._backlinks()
        self.pages_written = 0
        self.jobs: int | None = None
        """Processes rendering note pages (``None``: one per CPU; :mod:`kbtools.site.workers`)."""
        self.site_urls: set[str] = {"", "notes/", "tags/", "404.html", "feed.xml",
                                    "sitemap.xml", "assets/site.css", "assets/site.js"}
        self.site_urls.update(p.url for p in self.plan.notes.values())
        self.site_urls.update(t.url for t in self.plan.tags.values())
        self.site_urls.update(self.plan.folders)
        self.site_urls.update(self.plan.aliases)
        self._known = {posixpath.normpath(u) if u else "." for u in self.site_urls}

    # -- sources -----------------------------------------------------------------------------
    def text(self, path: str) -> list[str]:
        """A note's lines as the parser saw them (read once per build)."""
        lines = self._texts.get(path)
        if lines is None:
            try:
                data = (self.vault.root / path).read_bytes().decode("utf-8", "replace")
            except OSError:
                data = ""
            lines = self._texts[path] = normalize_text(data.replace("\x00", "\ufffd")).split("\n")
        return lines

    def _modified(self, path: str) -> dt.datetime:
        note = self.vault.notes[path]
        for key in ("updated", "modified", "date_modified", "date"):
            value = note.properties.get(key)
            when = _as_datetime(value)
            if when is not None:
                return when
        try:
            mtime = (self.vault.root / path).stat().st_mtime
        except OSError:
            mtime = 0
        return dt.datetime.fromtimestamp(mtime, dt.timezone.utc).replace(microsecond=0)

    def _backlinks(self) -> dict[str, list[tuple[str, int]]]:
        """Target → [(source, line of its first link)], from the graph, once per build."""
        published = self.plan.notes
        found: dict[str, dict[str, int]] = {}
        for src, dst, line in self.vault.graph.edges(data="line"):
            if src != dst and src in published and dst in published:
                lines = found.setdefault(dst, {})
                line = backlink_rank(self.vault, src, line)
                lines[src] = min(lines.get(src, line), line)
        return {dst: backlink_entries(published, srcs) for dst, srcs in found.items()}

    def snippet(self, source: str, line: int, width: int = 220) -> str:
        lines = self.text(source)
        key = (source, line, width)  # a line linking to several notes is quoted on each page
        got = self._snippets.get(key)
        if got is not None and got[0] is lines:  # (the text may have been re-read since)
            return got[1]
        text = plain(lines[line - 1]) if 0 < line <= len(lines) else ""
        text = text.lstrip("-*+>#0123456789. ").strip()
        text = text if len(text) <= width else text[:width - 1].rstrip() + "…"
        self._snippets[key] = (lines, text)
        return text

    # -- output ------------------------------------------------------------------------------
    def _environment(self) -> jinja2.Environment:
        loaders: list[jinja2.BaseLoader] = []
        for folder in (self.cfg.templates, self.vault.root.parent / "templates" / "site"):
            if folder is not None and folder.is_dir():
                loaders.append(jinja2.FileSystemLoader(str(folder)))
        loaders.append(jinja2.FileSystemLoader(str(builtin_templates("site"))))
        env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), extensions=["jinja2.ext.i18n"],
                                 autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                 keep_trailing_newline=True)
        env.install_gettext_callables(self.tr.gettext, self.tr.ngettext, newstyle=True)  # type: ignore[attr-defined]
        env.globals.update(site=self.cfg, date=self.tr.date, nav=self.nav,
                           stylesheets=self.stylesheets)
        return env

    def source(self, name: str) -> str:
        """A theme file's text (``assets/site.css``), with user overrides applied."""
        loader = self.templates.loader
        assert loader is not None
        return loader.get_source(self.templates, name)[0]

    def url_ok(self, page: str):
        """A predicate: does a relative URL written in ``page`` lead to a page or file of the site?"""
        base = page if page.endswith("/") or not page else posixpath.dirname(page) + "/"

        def ok(value: str) -> bool:
            path = unquote(value.split("#", 1)[0].split("?", 1)[0])
            if not path:
                return True
            if path.startswith("/"):
                return False
            target = posixpath.normpath(posixpath.join(base, path))
            if target == ".." or target.startswith("../"):
                return False
            return target in self._known or target in self.plan.file_urls
        return ok

    def write(self, url: str, data: str | bytes) -> None:
        path = self.out / output_file(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)

    def page(self, template: str, url: str, **context: Any) -> None:
        """Render a template as the page at site URL ``url``."""
        from .sanitize import defang

        def link(target: str) -> str:
            return href(relative(url, target))
        count = context.pop("count_page", True)
        html = self.templates.get_template(template).render(url=link, page_url=url, **context)
        self.write(url, defang(html))
        self.pages_written += count


_FRONTMATTER_RANK = 1_000_000_000


def backlink_rank(vault: Vault, source: str, line: int) -> int:
    """How a link's line ranks for the backlink snippet (the smallest is quoted): a line of the
    text before any frontmatter line."""
    return line + _FRONTMATTER_RANK if line < vault.notes[source].body_line else line


def backlink_entries(published: dict[str, Any], ranks: dict[str, int]) -> list[tuple[str, int]]:
    """``[(source, line quoted)]`` by the sources' titles, from source → best rank."""
    return sorted(((src, rank % _FRONTMATTER_RANK) for src, rank in ranks.items()),
                  key=lambda kv: (published[kv[0]].title.lower(), kv[0]))


def _as_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    if isinstance(value, str):
        try:
            return _as_datetime(dt.datetime.fromisoformat(value.strip()))
        except ValueError:
            return None
    return None
