"""kb serve: the preview server rebuilds when a note changes and the open page reloads."""

from __future__ import annotations

import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

import browser

from kbtools.site.serve import RELOAD_SCRIPT, VERSION_PATH, Server

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "site"
NOTE = "Папка/Вложенная заметка.md"
PAGE = quote("Папка/Вложенная-заметка/")

try:
    import watchfiles  # noqa: F401
    WATCHERS = ["poll", "watchfiles"]
except ImportError:
    WATCHERS = ["poll"]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def wait_for(predicate, timeout: float = 15.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def server(tmp_path, request):
    shutil.copytree(FIXTURES / "basic", tmp_path / "vault")
    logs: list[str] = []
    srv = Server(tmp_path / "vault", tmp_path / "out", port=0, watch=request.param,
                 poll_interval=0.2, log=logs.append, build_kwargs={"search": False})
    srv.start()
    srv.logs = logs  # type: ignore[attr-defined]
    yield srv
    srv.stop()


@pytest.mark.parametrize("server", WATCHERS, indirect=True)
def test_edit_a_note_and_the_page_changes(server):
    status, html = get(server.url + PAGE)
    assert status == 200 and "Вложенная заметка" in html
    assert VERSION_PATH in html  # the live-reload script is served...
    on_disk = (server.out / "Папка" / "Вложенная-заметка" / "index.html").read_text(encoding="utf-8")
    assert VERSION_PATH not in on_disk  # ...but never written into the site
    assert get(server.url + VERSION_PATH) == (200, "1")

    note = server.vault / NOTE
    note.write_text(note.read_text(encoding="utf-8") + "\nСовершенно новый абзац из теста.\n",
                    encoding="utf-8")
    assert wait_for(lambda: "Совершенно новый абзац" in get(server.url + PAGE)[1]), server.logs
    assert int(get(server.url + VERSION_PATH)[1]) >= 2

    # a new note gets a page; the site's own 404 page is served for unknown URLs
    (server.vault / "Новая.md").write_text("# Новая\n\nСм. [[index]].\n", encoding="utf-8")
    assert wait_for(lambda: get(server.url + quote("Новая/"))[0] == 200), server.logs
    status, html = get(server.url + "no-such-page/")
    assert status == 404 and "<html" in html


@pytest.mark.parametrize("server", ["poll"], indirect=True)
def test_a_failed_rebuild_keeps_serving_the_previous_site(server):
    version = server.version
    (server.vault / "kbtools.toml").write_text('[site]\nlang = "xx"\n', encoding="utf-8")
    assert wait_for(lambda: server.last_error is not None), server.logs
    assert "lang" in server.last_error and server.version == version
    assert get(server.url + PAGE)[0] == 200
    (server.vault / "kbtools.toml").write_text('[site]\nlang = "en"\n', encoding="utf-8")
    assert wait_for(lambda: server.version > version and server.last_error is None), server.logs
    assert '<html lang="en">' in get(server.url + PAGE)[1]


@pytest.mark.parametrize("server", ["poll"], indirect=True)
def test_an_edit_rebuilds_only_what_it_touches_and_bumps_the_version(server):
    assert server.version == 1 and server.last_update.kind == "full"
    untouched = server.out / "404.html"
    before = untouched.stat().st_mtime_ns
    note = server.vault / NOTE
    note.write_text(note.read_text(encoding="utf-8") + "\nИнкрементальный абзац.\n",
                    encoding="utf-8")
    assert wait_for(lambda: server.version >= 2), server.logs
    assert server.last_update.kind == "local", server.last_update
    assert "Папка/Вложенная-заметка/" in server.last_update.written
    assert "Инкрементальный абзац" in get(server.url + PAGE)[1]
    assert get(server.url + VERSION_PATH) == (200, str(server.version))
    assert untouched.stat().st_mtime_ns == before  # not rewritten
    assert any("local" in line for line in server.logs)

    # a note added: pages that link to it are redrawn too, and a deleted one disappears
    (server.vault / "Нет такой заметки.md").write_text("Теперь есть.\n", encoding="utf-8")
    assert wait_for(lambda: get(server.url + quote("Нет-такой-заметки/"))[0] == 200), server.logs
    assert server.last_update.kind == "wide"
    assert 'title="Нет заметки «Нет такой заметки»"' not in get(server.url)[1]
    version = server.version
    (server.vault / "Нет такой заметки.md").unlink()
    assert wait_for(lambda: server.version > version), server.logs
    assert get(server.url + quote("Нет-такой-заметки/"))[0] == 404


def test_full_rebuilds_on_request(tmp_path):
    shutil.copytree(FIXTURES / "basic", tmp_path / "vault")
    logs: list[str] = []
    srv = Server(tmp_path / "vault", tmp_path / "out", port=0, watch="poll", poll_interval=0.2,
                 log=logs.append, build_kwargs={"search": False}, incremental=False)
    srv.start()
    try:
        note = srv.vault / NOTE
        note.write_text(note.read_text(encoding="utf-8") + "\nЕщё.\n", encoding="utf-8")
        assert wait_for(lambda: srv.version >= 2), logs
        assert srv.last_update.kind == "full"
    finally:
        srv.stop()


def test_reload_script_is_small():
    assert len(RELOAD_SCRIPT) < 400


@pytest.mark.skipif(not browser.CHROMIUM.exists(), reason="needs /usr/bin/chromium")
@pytest.mark.parametrize("server", ["poll"], indirect=True)
def test_open_tab_reloads_after_an_edit(server):
    sync_api = pytest.importorskip("playwright.sync_api")
    with browser.launched(sync_api) as chromium, \
            browser.open_page(chromium, "serve-live-reload") as page:
        page.goto(server.url + PAGE)
        page.wait_for_timeout(1000)  # the reload script has read the current build number
        note = server.vault / NOTE
        note.write_text(note.read_text(encoding="utf-8") + "\nАбзац для живой перезагрузки.\n",
                        encoding="utf-8")
        sync_api.expect(page.locator(".note-content")).to_contain_text(
            "Абзац для живой перезагрузки", timeout=15_000)


def test_cli_serve_help():
    from click.testing import CliRunner

    from kbtools.cli import main
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "--port" in result.output and "127.0.0.1" in result.output
