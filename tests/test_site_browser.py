"""kb build in a real browser (issue 3 acceptance): the sample vault's site, served from a local
http.server under a sub-path (``/kb/``) to prove every URL is relative, driven by Debian's
``chromium`` through Playwright (``executable_path``; ``playwright install`` is never needed).

Skipped only when ``/usr/bin/chromium`` is missing (``.ci/run`` installs it). Screenshots go to
``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from browser import ARTIFACTS, launched, open_page, require, served
from kbtools.load import load_vault
from kbtools.site import build

sync_api = require()
expect = sync_api.expect

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "vault"
PREFIX = "/kb/"


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    """The sample vault built into ``<tmp>/kb`` and served at ``http://127.0.0.1:PORT/kb/``."""
    tmp = tmp_path_factory.mktemp("browser")
    vault = tmp / "vault"
    shutil.copytree(SAMPLE, vault)
    build(load_vault(vault, cache=False), tmp / "www" / PREFIX.strip("/"))
    with served(tmp / "www") as root:
        yield root + PREFIX


@pytest.fixture(scope="module")
def browser():
    with launched(sync_api) as b:
        yield b


@pytest.fixture
def page(browser, request):
    with open_page(browser, request.node.name) as pg:
        yield pg


def path_of(url: str) -> str:
    return unquote(urlsplit(url).path)


def test_home_page_under_a_sub_path(page, site_url):
    resp = page.goto(site_url)
    assert resp is not None and resp.ok
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("h1").first.inner_text().strip()
    # the stylesheet loaded through a relative URL (the theme's variables are set)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.get_by_role("link", name="Все заметки").first.click()
    page.wait_for_url("**/notes/")
    assert path_of(page.url) == PREFIX + "notes/"
    expect(page.locator("h1")).to_have_text("Все заметки")
    assert page.locator("ul.note-list li").count() >= 20


def test_wiki_link_to_a_heading_lands_on_it(page, site_url):
    page.goto(site_url)
    page.locator("main a.internal", has_text="Измерение эффективности").first.click()
    page.wait_for_url(lambda u: path_of(u) == PREFIX + "Измерение-эффективности/")
    assert path_of(page.url) == PREFIX + "Измерение-эффективности/"
    link = page.locator('.note-content a[href="../Развитие-партнерств/#количественные-метрики"]').first
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_url(lambda u: bool(urlsplit(u).fragment))
    page.wait_for_load_state()
    assert path_of(page.url) == PREFIX + "Развитие-партнерств/"
    assert unquote(urlsplit(page.url).fragment) == "количественные-метрики"
    heading = '[id="количественные-метрики"]'
    assert page.locator(heading).evaluate("el => /^H[1-6]$/.test(el.tagName)")
    expect(page.locator(heading)).to_be_in_viewport()
    # scrolled down to it: the page's own title is above the fold
    assert page.evaluate("window.scrollY") > 0


def test_backlinks_with_context(page, site_url):
    page.goto(site_url + "Развитие-партнерств/")
    section = page.locator("section.backlinks")
    assert section.locator("li").count() >= 3
    assert section.locator("p.snippet").first.inner_text().strip()
    section.locator("a.internal").first.click()
    page.wait_for_load_state()
    expect(page.locator(".note-content")).to_be_visible()
    # the linking note really links back
    assert page.locator('.note-content a[href*="Развитие-партнерств/"]').count() >= 1


def test_dark_mode_toggle_persists_across_navigation(page, site_url):
    page.goto(site_url)
    toggle = page.locator("button.theme-toggle")
    assert toggle.is_visible()
    light_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert page.evaluate("document.documentElement.dataset.theme || ''") in ("", "light")
    toggle.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert toggle.get_attribute("aria-pressed") == "true"
    dark_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark_bg != light_bg
    page.screenshot(path=str(ARTIFACTS / "dark-home.png"))
    page.goto(site_url + "Развитие-партнерств/")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == dark_bg
    page.locator("button.theme-toggle").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "light"


def test_keyboard_navigation_reaches_the_main_links(page, site_url):
    page.goto(site_url + "Развитие-партнерств/")
    focused: list[str] = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused.append(page.evaluate(
            "(document.activeElement.className || '') + '|' + (document.activeElement.textContent || '').trim()"))
    assert focused[0].startswith("skip-link|")
    texts = [f.split("|", 1)[1] for f in focused]
    for name in ("Все заметки", "Теги"):
        assert name in texts, (name, focused)
    assert any(f.startswith("theme-toggle") for f in focused), focused
    # the skip link moves the focus into the main content
    page.goto(site_url + "Развитие-партнерств/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert urlsplit(page.url).fragment == "content"
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")
    # a visible focus indicator on links
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_local_graph_on_a_note(page, site_url):
    page.goto(site_url + "Построение-отношений/")
    graph = page.locator("section.local-graph svg.graph")
    graph.scroll_into_view_if_needed()
    expect(graph).to_be_visible()
    nodes = graph.locator("a.node")
    assert nodes.count() >= 3
    assert graph.locator("a.node.current").count() == 1
    # hover highlighting (site.js): the hovered node's links light up, the rest dims
    other = graph.locator("a.node:not(.current) circle").first
    other.hover()
    assert "dim" in graph.get_attribute("class")
    assert graph.locator(".edges line.hl").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "local-graph-hover.png"))
    target = graph.locator("a.node:not(.current)").first.evaluate(
        "a => new URL(a.getAttribute('href'), location.href).href")
    other.click()
    page.wait_for_url(target)
    expect(page.locator("h1.note-title")).to_be_visible()


def test_global_graph_page(page, site_url):
    page.goto(site_url)
    page.locator(".site-nav a", has_text="Граф").click()
    page.wait_for_url(lambda u: path_of(u) == PREFIX + "graph/")
    graph = page.locator("svg.graph-global")
    expect(graph).to_be_visible()
    assert graph.locator("a.node").count() == 24  # every published note of the sample vault
    hub = graph.locator('a.node[aria-label="Развитие партнерств"] circle')
    hub.click()
    page.wait_for_url(lambda u: path_of(u) == PREFIX + "Развитие-партнерств/")


@pytest.mark.parametrize("query", ["партнёрства", "партнерству", "лидерства"])
def test_search_a_russian_word_in_another_inflection(page, site_url, query):
    page.goto(site_url)
    page.locator(".site-nav a.search-link").click()
    page.wait_for_url(lambda u: path_of(u) == PREFIX + "search/")
    box = page.locator(".pagefind-ui__search-input")
    expect(box).to_be_focused()
    box.fill(query)
    results = page.locator(".pagefind-ui__result-link")
    expect(results.first).to_be_visible(timeout=10_000)
    wanted = {"партнёрства": "Развитие партнерств", "партнерству": "Развитие партнерств",
              "лидерства": "Лидерство"}[query]
    hit = results.filter(has_text=wanted).first
    expect(hit).to_be_visible()
    hit.click()
    page.wait_for_load_state()
    expect(page.locator("h1.note-title")).to_have_text(wanted)


def test_search_yo_and_ye_are_one_letter(page, site_url):
    """ё/е: «партнеры» (е) finds notes written with «Партнёры» and «всё» finds «все»."""
    counts = []
    for query in ("партнеры", "партнёры", "все", "всё"):
        page.goto(site_url + "search/?q=" + query)
        message = page.locator(".pagefind-ui__message")
        # "N результатов по запросу: q" (not "Поиск q…" while it is still searching)
        expect(message).to_have_text(re.compile(r"^\s*\d+\D.*" + query), timeout=10_000)
        counts.append(int(message.inner_text().split()[0]))
    assert counts[0] == counts[1] >= 5 and counts[2] == counts[3] >= 1, counts


def test_without_javascript(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto(site_url)
        link = pg.locator(".site-nav a.search-link")
        assert link.get_attribute("href") == "notes/"  # search degrades to the list of notes
        pg.goto(site_url + "search/")
        expect(pg.locator("#search p")).to_contain_text("JavaScript")
        pg.goto(site_url + "graph/")
        pg.locator('svg.graph-global a.node[aria-label="Лидерство"] circle').click()
        pg.wait_for_url(lambda u: path_of(u) == PREFIX + "Лидерство/")
        assert pg.locator("section.local-graph svg a.node").count() >= 2
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "no-js-note.png"), full_page=True)
    finally:
        context.close()
