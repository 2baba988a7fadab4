"""``kb serve``: build the site, serve it on 127.0.0.1, rebuild what a change touches, reload
the open tab.

* The first build is exactly ``kb build`` (into ``-o OUT``, else a temporary folder removed on
  exit), with a progress bar on a terminal; the site is served by :mod:`http.server` from a
  thread.
* Changes to the vault (Markdown, attachments, ``kbtools.toml``) and to template override
  folders are noticed with ``watchfiles`` when it is installed, else by polling modification
  times twice a second; dot-folders (``.obsidian``, ``.kbcache``, ``.git``) are ignored.
* Each change is applied by :class:`kbtools.site.live.LiveSite`, which keeps the loaded vault
  and the site's state in memory and rewrites only the files the change touches, each
  atomically (temporary file + ``os.replace``), deleting pages that no longer exist:

  ======================================  ==================================================
  change                                  rebuilt
  ======================================  ==================================================
  a note's text (same title, headings,    its page; pages embedding it; pages it links to
  block ids, aliases, tags, publishing)   whose backlinks changed; local graphs around links
                                          it gained or lost; when its date changed (the
                                          file's time, unless ``updated:``…): its tag and
                                          folder listings, ``notes/``, the generated home,
                                          ``sitemap.xml``; ``feed.xml``
  a partner note (CRM) or its records     also the partners dashboard and partner pages
  an attachment's content                 its copy under ``files/`` (if a page uses it)
  a title, heading, block id, alias,      the index, every link and a new site state are
  tag, ``publish``/``draft``; a note or   computed in memory (~5 s at 10,000 notes) and
  attachment added, removed or renamed    compared: only pages whose inputs differ are
                                          re-rendered (linkers, embedders, backlinks, local
                                          graphs, listings, aliases); gone pages deleted
  ``kbtools.toml``, a template, the home  a full rebuild, swapped in atomically as by
  note, a page's URL, > 200 files         ``kb build``
  ======================================  ==================================================

  ``graph/`` (when what it shows changed) and the pagefind search index are refreshed in a
  background thread a second after the last change (the search index is kept in parts of 2,500
  pages and only the parts with changed pages are re-indexed, then merged: ~7 s after an edit
  at 10,000 notes; until then search finds the previous text). ``incremental=False`` (``kb serve
  --full``) rebuilds the whole site on every change instead. A failed rebuild prints the error
  and keeps serving the previous site.
* Live reload: HTML pages are served with a small script added on the fly (never written into the
  built files) that polls ``/__kb/version`` and reloads the page when the build number changes;
  it changes after every rebuild that changed a file of the site.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .background import Deferred, settle_memory
from .live import LiveSite, Update, mtimes

VERSION_PATH = "/__kb/version"
RELOAD_SCRIPT = (
    "<script>/* kb serve: live reload */(function(){var v=null;function t(){fetch('%s',"
    "{cache:'no-store'}).then(function(r){return r.text()}).then(function(n){if(v!==null&&n!==v)"
    "location.reload();v=n}).catch(function(){}).finally(function(){setTimeout(t,%d)})}t()})();"
    "</script>"
)


@dataclass
class Server:
    """A running preview: ``url``, the build number ``version``, ``stop()``."""

    vault: Path
    out: Path
    host: str = "127.0.0.1"
    port: int = 8000
    watch: str = "auto"
    """``"auto"`` (watchfiles if installed, else polling), ``"watchfiles"`` or ``"poll"``."""
    poll_interval: float = 0.5
    reload_ms: int = 700
    log: Callable[[str], None] = print
    build_kwargs: dict = field(default_factory=dict)
    version: int = 0
    last_error: str | None = None
    incremental: bool = True
    """Rebuild only what a change touches (``False``: the whole site on every change)."""
    search_delay: float = 1.0
    """Seconds after the last change before ``graph/`` and the search index are refreshed."""
    progress: bool | None = None
    """A progress bar on stderr for full builds (``None``: when stderr is a terminal)."""
    last_update: Update | None = None

    def __post_init__(self) -> None:
        self.vault = Path(self.vault).absolute()
        self.out = Path(self.out).absolute()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._httpd: http.server.ThreadingHTTPServer | None = None
        self._baseline: dict[str, float] = {}
        self.live = LiveSite(self.vault, self.out, build_kwargs=self.build_kwargs,
                             log=lambda text: self.log(text))
        self.deferred = Deferred(self.live, self.search_delay, on_change=self._bump,
                                 log=lambda text: self.log(text))

    # -- building ----------------------------------------------------------------------------
    def rebuild(self) -> bool:
        """Apply the changes since the last build; ``False`` (and :attr:`last_error`) when it
        failed and the previous site is still served."""
        from .progress import BuildProgress
        with self._lock:
            try:
                if self.incremental and self.live.site is not None:
                    update = self.live.update()
                else:
                    with BuildProgress(enabled=self.progress, label="kb serve") as bar:
                        update = self.live.full("" if self.live.site is None else "a change",
                                                progress=bar)
            except Exception as exc:  # keep serving the previous site
                self.last_error = f"{type(exc).__name__}: {exc}"
                self.log(f"✘ rebuild failed, still serving the previous site: {self.last_error}")
                return False
            self.last_error = None
            self.last_update = update
            if update.modified:
                self.version += 1
                self.log(f"✔ {update.describe()}")
            if update.kind == "full":
                settle_memory()
            elif update.kind in ("local", "wide"):
                pages = any(u == "" or u.endswith(("/", ".html")) for u in update.written)
                if self.live.pending_graph or pages or update.kind == "wide":
                    self.deferred.request(search=pages, settle=update.kind == "wide")
            return True

    def _bump(self) -> None:
        """Background work changed a page (``graph/``): reload open pages."""
        with self._lock:
            self.version += 1

    # -- watching ----------------------------------------------------------------------------
    def _watch_poll(self) -> None:
        skip = self.out.resolve()
        before = self._baseline
        while not self._stop.wait(self.poll_interval):
            now = mtimes(self.vault, *self.live.theme_folders(), skip=skip)
            if now != before:
                before = now
                self.rebuild()

    def _watch_watchfiles(self) -> None:
        import watchfiles

        skip = str(self.out.resolve())
        themes = self.live.theme_folders()

        def wanted(change, path: str) -> bool:
            if any(Path(path).is_relative_to(folder) for folder in themes):
                return True
            rel = os.path.relpath(path, self.vault)
            return not path.startswith(skip) and not any(
                part.startswith(".") for part in Path(rel).parts)
        # a change between the first build and the watcher's start still counts
        if mtimes(self.vault, *themes, skip=self.out.resolve()) != self._baseline:
            self.rebuild()
        for _changes in watchfiles.watch(self.vault, *themes, watch_filter=wanted,
                                         stop_event=self._stop,
                                         debounce=200, step=50, yield_on_timeout=False,
                                         raise_interrupt=False):
            if self._stop.is_set():
                break
            self.rebuild()

    def _watcher(self) -> Callable[[], None]:
        if self.watch == "poll":
            return self._watch_poll
        try:
            import watchfiles  # noqa: F401
        except ImportError:
            if self.watch == "watchfiles":
                raise
            return self._watch_poll
        return self._watch_watchfiles

    # -- serving -----------------------------------------------------------------------------
    def _handler(self):
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path.split("?", 1)[0] == VERSION_PATH:
                    body = str(server.version).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Cache-Control", "no-store")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                path = self.translate_path(self.path)
                if os.path.isdir(path) and self.path.split("?", 1)[0].endswith("/"):
                    path = os.path.join(path, "index.html")
                if path.endswith(".html") and os.path.isfile(path):
                    with open(path, "rb") as fh:
                        body = fh.read()
                    script = (RELOAD_SCRIPT % (VERSION_PATH, server.reload_ms)).encode()
                    head, tag, tail = body.rpartition(b"</body>")
                    body = head + script + tag + tail if tag else body + script
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Cache-Control", "no-store")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().do_GET()

            def send_error(self, code, message=None, explain=None):  # the site's own 404 page
                page = os.path.join(str(server.out), "404.html")
                if code == 404 and os.path.isfile(page):
                    with open(page, "rb") as fh:
                        body = fh.read()
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().send_error(code, message, explain)

        return functools.partial(Handler, directory=str(self.out))

    def start(self) -> "Server":
        self._baseline = mtimes(self.vault, skip=self.out.resolve())  # before the first build
        if not self.rebuild():
            raise RuntimeError(self.last_error or "the first build failed")
        self._httpd = http.server.ThreadingHTTPServer((self.host, self.port), self._handler())
        self.port = self._httpd.server_address[1]
        for target in (self._httpd.serve_forever, self._watcher()):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def stop(self) -> None:
        self._stop.set()
        self.deferred.stop()
        self.live.close()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


def serve(vault: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *,
          host: str = "127.0.0.1", port: int = 8000, **kwargs) -> None:
    """Run ``kb serve`` until Ctrl-C."""
    tmp = None
    if out is None:
        tmp = Path(tempfile.mkdtemp(prefix="kb-serve-"))
        out = tmp / "site"
    server = Server(Path(vault), Path(out), host=host, port=port, **kwargs)
    done = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: done.set())  # Ctrl-C: stop cleanly
    try:
        server.start()
        server.log(f"serving {server.url} (Ctrl-C to stop)")
        while not done.wait(0.5):
            pass
    finally:
        signal.signal(signal.SIGINT, previous)
        server.stop()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        sys.stdout.flush()
