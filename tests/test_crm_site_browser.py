"""The partners dashboard and a partner page in a real browser (issue 4 acceptance): the sample
vault built with a fixed ``[crm] today``, served by http.server on 127.0.0.1 under a sub-path,
opened in Debian's chromium through Playwright (``executable_path``; never ``playwright
install``). Screenshots go to ``tests/artifacts/`` (git-ignored).

Skipped when ``/usr/bin/chromium`` is missing (``.ci/run`` installs it) or Playwright is not
installed.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from browser import ARTIFACTS, launched, open_page, require, served
from kbtools.config import find_config
from kbtools.load import load_vault
from kbtools.site import build

sync_api = require()
expect = sync_api.expect

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "vault"
PREFIX = "/kb/"
TODAY = "2027-02-01"  # some reviews are overdue and every partner is stale by then


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crm-browser")
    vault = tmp / "vault"
    shutil.copytree(SAMPLE, vault, ignore=shutil.ignore_patterns(".kbcache"))
    config = find_config(vault)
    config = dataclasses.replace(config, crm=dataclasses.replace(config.crm, today=TODAY))
    build(load_vault(vault, config, cache=False), tmp / "www" / PREFIX.strip("/"))
    with served(tmp / "www") as root:
        yield root + PREFIX


@pytest.fixture(scope="module")
def browser():
    with launched(sync_api) as b:
        yield b


@pytest.fixture
def page(browser, request):
    with open_page(browser, request.node.name, height=900, full_page=True) as pg:
        yield pg



def path_of(url: str) -> str:
    return unquote(urlsplit(url).path)


def test_dashboard_funnel_and_sections_are_visible(page, site_url):
    page.goto(site_url)
    page.locator(".site-nav").get_by_role("link", name="Панель партнеров").click()
    page.wait_for_url("**/partners/")
    assert path_of(page.url) == PREFIX + "partners/"
    expect(page.locator("h1")).to_have_text("Панель партнеров")
    # the partners stylesheet applies (cards are laid out as a grid)
    assert page.locator("ul.partner-cards").first.evaluate(
        "el => getComputedStyle(el).display") == "grid"
    stages = page.locator("ol.funnel li.funnel-stage")
    expect(stages).to_have_count(5)
    labels = [stages.nth(i).locator(".funnel-label").inner_text() for i in range(5)]
    assert labels == ["Идентификация", "Установление контакта", "Разработка партнерства",
                      "Реализация и развитие", "Масштабирование и оптимизация"]
    for i in range(5):
        expect(stages.nth(i)).to_be_visible()
        expect(stages.nth(i).locator(".funnel-count")).to_have_text("1")
        bar = stages.nth(i).locator(".funnel-bar > span")
        assert bar.bounding_box()["width"] > 0
    expect(page.locator("li.partner-card")).to_have_count(5)
    expect(page.locator("section.overdue-reviews tbody tr")).to_have_count(4)
    expect(page.locator("section.stale-partners tbody tr")).to_have_count(5)
    expect(page.locator("section.metric-averages tbody tr")).to_have_count(5)
    card = page.locator("li.partner-card", has_text="ООО «Агрокомплекс Заречье»")
    chart = card.locator("svg.sparkline")
    expect(chart).to_be_visible()
    assert chart.get_attribute("aria-label").endswith("4,2; 20 октября 2026 — 4,6")
    expect(chart.locator("circle")).to_have_count(2)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "crm-dashboard.png"), full_page=True)
    # a card leads to the partner's page
    page.locator("li.partner-card a", has_text="ООО «Агрокомплекс Заречье»").click()
    page.wait_for_load_state()
    assert path_of(page.url) == PREFIX + "Партнёры/ООО-Агрокомплекс-Заречье/"


def test_partner_page_timeline_is_visible_newest_first(page, site_url):
    page.goto(site_url + "Партнёры/ООО-Агрокомплекс-Заречье/")
    timeline = page.locator("section.crm-timeline")
    timeline.scroll_into_view_if_needed()
    expect(timeline).to_be_visible()
    items = timeline.locator("li.timeline-item")
    expect(items).to_have_count(2)
    dates = [items.nth(i).locator("time").get_attribute("datetime") for i in range(2)]
    assert dates == ["2026-11-18", "2026-09-15"]
    expect(items.first).to_contain_text("Видеозвонок")
    expect(page.locator("section.crm-agreements")).to_be_visible()
    expect(page.locator("section.crm-reviews svg.sparkline")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "crm-partner-page.png"), full_page=True)
    items.first.locator("a.internal").click()
    page.wait_for_load_state()
    assert path_of(page.url) == PREFIX + "Партнёры/ООО-Агрокомплекс-Заречье/2026-11-18-Планирование-сезона-2027/"
    expect(page.locator("h1.note-title")).to_have_text("2026-11-18 Планирование сезона 2027")
