"""Browser-test plumbing shared by the site's browser tests: a local HTTP server for a built
site, Debian's Chromium driven by Playwright (``executable_path``; ``playwright install`` is
never needed), and pages that fail the test on JavaScript errors and leave a screenshot in
``tests/artifacts/`` (git-ignored).

A test module calls :func:`require` first: it skips the module, with the reason, when
``/usr/bin/chromium`` or the ``playwright`` package is missing (``.ci/run`` installs both).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def require():
    """The ``playwright.sync_api`` module, or skip the calling test module."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium "
                    "(apt-get install chromium; .ci/run does it)", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api",
                               reason="pip install playwright (the test extra)")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port); yields ``http://127.0.0.1:PORT``."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def launched(sync_api) -> Iterator[object]:
    """A headless Chromium browser."""
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def open_page(browser, name: str, *, height: int = 800, full_page: bool = False):
    """A fresh light-mode page; on exit a screenshot ``<name>.png`` is saved and JavaScript
    errors fail the test."""
    context = browser.new_context(color_scheme="light", viewport={"width": 1280, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
    finally:
        context.close()
    assert errors == [], f"JavaScript errors: {errors}"
