"""Pan, zoom and neighbour highlighting of the global graph (``graph/``) in Debian's Chromium.

``assets/site.js`` (shared by every page) shows the +/−/⟲ controls of ``graph.html`` and
changes the SVG's ``viewBox`` on wheel, drag, buttons and keys; hovering a node highlights it,
its links and its neighbours. Without JavaScript the controls stay hidden and the SVG is the
plain picture of links. Skipped, with the reason, when ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from browser import launched, open_page, require, served
from kbtools.load import load_vault
from kbtools.site import build

sync_api = require()
expect = sync_api.expect

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("zoom")
    vault = tmp / "vault"
    shutil.copytree(ROOT / "vault", vault, ignore=shutil.ignore_patterns(".kbcache"))
    build(load_vault(vault, cache=False), tmp / "www" / "kb", search=False)
    with served(tmp / "www") as root:
        yield root + "/kb/"


@pytest.fixture(scope="module")
def browser():
    with launched(sync_api) as b:
        yield b


@pytest.fixture
def page(browser, request, site_url):
    with open_page(browser, request.node.name) as pg:
        pg.goto(site_url + "graph/")
        yield pg


def view(page) -> list[float]:
    return [float(v) for v in page.locator("svg.graph-global").get_attribute("viewBox").split()]


def svg_point(page, x: float, y: float) -> list[float]:
    """The drawing's coordinates under the screen point (x, y), through the current viewBox."""
    return page.evaluate("""([x, y]) => {
        const svg = document.querySelector('svg.graph-global');
        const p = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM().inverse());
        return [p.x, p.y];
    }""", [x, y])


def test_buttons_zoom_and_reset(page):
    graph = page.locator("svg.graph-global")
    home = view(page)
    controls = page.locator(".graph-controls")
    expect(controls).to_be_visible()
    assert "zoomable" in graph.get_attribute("class")
    controls.locator('button[data-zoom="in"]').click()
    zoomed = view(page)
    assert zoomed[2] == pytest.approx(home[2] / 1.5, rel=1e-3)
    assert zoomed[3] == pytest.approx(home[3] / 1.5, rel=1e-3)
    # the centre stays where it was
    assert zoomed[0] + zoomed[2] / 2 == pytest.approx(home[0] + home[2] / 2, abs=0.1)
    assert graph.get_attribute("data-scale") == "1.50"
    controls.locator('button[data-zoom="in"]').click()
    assert "zoomed" in graph.get_attribute("class")  # scale ≥ 2: every node is named
    controls.locator('button[data-zoom="out"]').click()
    assert view(page)[2] == pytest.approx(zoomed[2], rel=1e-3)
    controls.locator('button[data-zoom="reset"]').click()
    assert view(page) == home
    controls.locator('button[data-zoom="out"]').click()  # never smaller than the whole graph
    assert view(page) == home


def test_wheel_zooms_around_the_pointer(page):
    graph = page.locator("svg.graph-global")
    graph.scroll_into_view_if_needed()
    box = graph.bounding_box()
    x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4
    home = view(page)
    before = svg_point(page, x, y)
    scroll = page.evaluate("scrollY")
    page.mouse.move(x, y)
    page.mouse.wheel(0, -300)
    page.wait_for_function("document.querySelector('svg.graph-global').dataset.scale > '1.00'")
    after = view(page)
    assert after[2] < home[2] and after != home
    assert svg_point(page, x, y) == pytest.approx(before, abs=1.0)  # the point stays put
    assert page.evaluate("scrollY") == scroll  # the wheel zoomed, it did not scroll the page
    page.mouse.wheel(0, 600)
    page.wait_for_function("document.querySelector('svg.graph-global').dataset.scale === '1.00'")
    assert view(page) == home


def test_drag_pans_without_following_a_link(page, site_url):
    page.locator('.graph-controls button[data-zoom="in"]').click()
    page.locator('.graph-controls button[data-zoom="in"]').click()
    start = view(page)
    hub = page.locator('svg.graph-global a.node[aria-label="Развитие партнерств"] circle')
    hub.scroll_into_view_if_needed()
    box = hub.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 60, y - 40, steps=6)
    page.mouse.up()
    moved = view(page)
    assert moved[2:] == start[2:]  # same zoom
    assert moved[0] > start[0] and moved[1] > start[1]  # dragged left/up: the view moves right/down
    page.wait_for_timeout(200)
    assert unquote(urlsplit(page.url).path).endswith("/kb/graph/")  # the drag did not navigate
    hub.click()  # a plain click still follows the node's link
    page.wait_for_url(lambda u: unquote(urlsplit(u).path).endswith("/Развитие-партнерств/"))


def test_keyboard(page):
    home = view(page)
    zoom_in = page.locator('.graph-controls button[data-zoom="in"]')
    zoom_in.focus()
    page.keyboard.press("Enter")
    assert view(page)[2] == pytest.approx(home[2] / 1.5, rel=1e-3)
    page.keyboard.press("+")
    page.keyboard.press("=")
    level = view(page)
    assert level[2] == pytest.approx(home[2] / 1.5 ** 3, rel=1e-3)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    panned = view(page)
    assert panned[0] > level[0] and panned[1] > level[1]
    page.keyboard.press("-")
    assert view(page)[2] == pytest.approx(home[2] / 1.5 ** 2, rel=1e-3)
    page.keyboard.press("0")
    assert view(page) == home
    # Tab order: the controls, then the nodes; a node reached by Tab is brought into view
    cx, cy = page.evaluate("""() => {
        const c = document.querySelector('svg.graph-global a.node circle');
        return [c.cx.baseVal.value, c.cy.baseVal.value]; }""")

    def shown() -> bool:
        x0, y0, w, h = view(page)
        return x0 <= cx <= x0 + w and y0 <= cy <= y0 + h
    for _ in range(4):
        page.keyboard.press("+")
    for _ in range(10):  # move the view away from the first node
        page.keyboard.press("ArrowLeft" if cx > home[2] / 2 else "ArrowRight")
        page.keyboard.press("ArrowUp" if cy > home[3] / 2 else "ArrowDown")
    assert not shown()
    for _ in range(3):  # − and ⟲, then the first node
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('svg.graph-global a.node')")
    assert shown()
    svg = page.locator("svg.graph-global")
    assert "dim" in svg.get_attribute("class")  # focus highlights like hover


def test_hover_highlights_the_neighbours(page):
    svg = page.locator("svg.graph-global")
    # the neighbours from the drawn edges; take the node with most links that is not linked
    # to every other node (the hub is), so that some nodes must stay dim
    n, expected = page.evaluate("""() => {
        const near = {};
        document.querySelectorAll('svg.graph-global .edges line').forEach(l => {
            const a = l.dataset.a, b = l.dataset.b;
            (near[a] = near[a] || new Set([a])).add(b);
            (near[b] = near[b] || new Set([b])).add(a);
        });
        const all = document.querySelectorAll('svg.graph-global a.node').length;
        const [n] = Object.keys(near).filter(k => near[k].size < all)
            .sort((x, y) => near[y].size - near[x].size);
        return [n, [[...near[n]].sort(), near[n].size - 1]];
    }""")
    assert expected[1] >= 3
    node = svg.locator(f'a.node[data-n="{n}"]')
    node.locator("circle").hover()
    assert "dim" in svg.get_attribute("class")
    lit = sorted(svg.locator("a.node.hl").evaluate_all("els => els.map(e => e.dataset.n)"))
    assert lit == expected[0]
    assert svg.locator(".edges line.hl").count() == expected[1]
    # a dimmed node is drawn faint, a highlighted one is not
    faint = svg.locator("a.node:not(.hl)").first.evaluate("e => getComputedStyle(e).opacity")
    assert float(faint) < 0.5
    assert float(node.evaluate("e => getComputedStyle(e).opacity")) == 1
    page.mouse.move(2, 2)  # away from the graph
    assert "dim" not in svg.get_attribute("class")
    assert svg.locator(".hl").count() == 0


def test_local_graph_has_hover_but_no_zoom(browser, site_url):
    with open_page(browser, "test_local_graph_has_hover_but_no_zoom") as pg:
        pg.goto(site_url + "Построение-отношений/")
        graph = pg.locator("section.local-graph svg.graph")
        graph.scroll_into_view_if_needed()
        assert "zoomable" not in graph.get_attribute("class")
        assert pg.locator(".graph-controls").count() == 0
        graph.locator("a.node:not(.current) circle").first.hover()
        assert "dim" in graph.get_attribute("class")


def test_without_javascript_the_graph_is_a_plain_picture(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto(site_url + "graph/")
        graph = pg.locator("svg.graph-global")
        expect(graph).to_be_visible()
        expect(pg.locator(".graph-controls")).to_be_hidden()
        expect(pg.locator(".graph-hint")).to_be_hidden()
        assert graph.get_attribute("viewBox").startswith("0 0 ")
        assert "zoomable" not in graph.get_attribute("class")
        pg.locator('svg.graph-global a.node[aria-label="Лидерство"] circle').click()
        pg.wait_for_url(lambda u: unquote(urlsplit(u).path).endswith("/Лидерство/"))
    finally:
        context.close()
