"""The partners dashboard (``partners/``) and the partner-page block of ``kb build`` (issue 4):
funnel counts in the hub note's stage order, cards that link to real pages, overdue reviews and
stale partners as of a fixed ``[crm] today``, interaction timelines newest first, a clean crawl,
and a golden of the dashboard for the small fixture tests/fixtures/crm/records/.

After a deliberate change to the dashboard, run
``python -m pytest tests/test_crm_site.py --update-goldens`` and review the diff of
tests/fixtures/crm/golden/.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import date
from html import unescape
from pathlib import Path

import pytest

from kbtools.config import find_config
from kbtools import load_vault as load_kb_vault
from kbtools.crm.schemas import CHANNELS, PARTNERSHIP_TYPES, QUANTITIES, SCHEMAS
from kbtools.crm.site import amount, sparkline
from kbtools.frontmatter import read_frontmatter
from kbtools.load import load_vault
from kbtools.site import build
from site_crawl import crawl, target_file

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "vault"
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = FIXTURES / "crm" / "golden"
DAY = "2026-11-27"
LATE = "2027-02-01"
STAGES = ["identification", "contact", "development", "implementation", "scaling"]


def load(path: Path, today: str, **crm):
    config = find_config(path)
    config = dataclasses.replace(config, crm=dataclasses.replace(config.crm, today=today, **crm))
    return load_vault(path, config, cache=False)


def site_of(tmp_path_factory, path: Path, today: str, name: str, **overrides) -> Path:
    out = tmp_path_factory.mktemp(name) / "site"
    build(load(path, today), out, **overrides)
    return out


def props(path: Path) -> dict:
    return read_frontmatter(path.read_text(encoding="utf-8").split("\n")).properties


def notes_of(kind: str) -> dict[Path, dict]:
    return {p: fm for p in sorted(SAMPLE.rglob("*.md")) if (fm := props(p)).get("type") == kind}


def main(html: str) -> str:
    return html.split('<main id="content" class="main">', 1)[1].split("</main>", 1)[0]


def section(html: str, cls: str) -> str:
    m = re.search(rf'<section class="[^"]*\b{cls}\b[^"]*".*?</section>', html, re.S)
    assert m, f"no section .{cls}"
    return m.group(0)


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return site_of(tmp_path_factory, SAMPLE, DAY, "crm-sample")


@pytest.fixture(scope="module")
def sample_late(tmp_path_factory) -> Path:
    return site_of(tmp_path_factory, SAMPLE, LATE, "crm-late")


def dashboard(out: Path) -> str:
    return (out / "partners" / "index.html").read_text(encoding="utf-8")


# -- the dashboard ----------------------------------------------------------------------------
def test_dashboard_funnel_counts_in_stage_order(sample):
    html = dashboard(sample)
    funnel = section(html, "funnel-section")
    got = re.findall(r'data-stage="(\w+)">.*?<span class="funnel-count">(\d+)</span>', funnel)
    expected = {s: 0 for s in STAGES}
    for fm in notes_of("partner").values():
        expected[fm["stage"]] += 1
    assert [stage for stage, _ in got] == STAGES  # the hub note's five-stage order
    assert {stage: int(n) for stage, n in got} == expected
    assert "Идентификация" in funnel and "Масштабирование и оптимизация" in funnel
    for stage in STAGES:  # one card per partner, under its stage
        block = re.search(rf'<section class="stage" id="stage-{stage}".*?</section>', html, re.S)
        assert block and block.group(0).count('class="partner-card"') == expected[stage]


def test_every_card_links_to_an_existing_partner_page(sample):
    html = dashboard(sample)
    page = sample / "partners" / "index.html"
    cards = re.findall(r'<h4 class="partner-name"><a class="internal" href="([^"]+)">([^<]+)</a>',
                       html)
    partners = {p.stem for p in notes_of("partner")}
    assert sorted(unescape(name) for _, name in cards) == sorted(partners)
    for href, name in cards:
        target = target_file(page, href)
        assert target.is_file(), href
        assert f'<h1 class="note-title">{name}</h1>' in target.read_text(encoding="utf-8")
    for name in partners:  # type and next review on the card, with the schema's labels
        card = re.search(rf'<li class="partner-card">(?:(?!</li>).)*?{re.escape(name)}.*?</li>',
                         unescape(html), re.S).group(0)
        fm = next(fm for p, fm in notes_of("partner").items() if p.stem == name)
        assert f'datetime="{fm["next_review"]}"' in card
        assert PARTNERSHIP_TYPES[fm["partnership_type"]] in card


def test_site_crawls_clean_and_links_the_dashboard(sample):
    assert crawl(sample) == []
    home = (sample / "index.html").read_text(encoding="utf-8")
    assert '<a href="partners/">Панель партнеров</a>' in home
    note = (sample / "Лидерство" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../partners/">Панель партнеров</a>' in note
    assert 'aria-current="page">Панель партнеров</a>' in dashboard(sample)
    assert "partners/</loc>" in (sample / "sitemap.xml").read_text(encoding="utf-8")
    assert (sample / "assets" / "partners.css").is_file()
    assert "<script" not in main(dashboard(sample))  # server-rendered, no JavaScript


def test_overdue_and_stale_as_of_a_fixed_today(sample, sample_late):
    calm = dashboard(sample)
    assert "Просроченных пересмотров нет." in section(calm, "overdue-reviews")
    assert "Все партнеры на связи." in section(calm, "stale-partners")
    assert "На 27 ноября 2026" in calm

    late = dashboard(sample_late)
    rows = re.findall(r"<tr>(.*?)</tr>", section(late, "overdue-reviews"), re.S)
    overdue = [text(r) for r in rows[1:]]
    assert overdue == [
        "АО «ТехноСфера» Соглашение Меморандум о совместной разработке 20 декабря 2026 43",
        "АО «ТехноСфера» Профиль партнера 12 января 2027 20",
        "ООО «Северный ветер» Профиль партнера 20 января 2027 12",
        "Издательство «Книжный мост» Профиль партнера 30 января 2027 2",
    ]
    stale = section(late, "stale-partners")
    assert "Нет контакта больше 60 дней." in stale
    days = dict(re.findall(r'>([^<>]+)</a></td><td>.*?</td><td class="num">(\d+)</td>', unescape(stale)))
    assert days == {"АО «ТехноСфера»": "96", "ООО «Северный ветер»": "88",
                    "Фонд «Городские инициативы»": "83", "ООО «Агрокомплекс Заречье»": "75",
                    "Издательство «Книжный мост»": "73"}
    assert "с начала партнерства" in stale  # the foundation has no interaction yet
    cards = late.split('<section class="stages"', 1)[1].split('<section class="overdue-reviews"')[0]
    assert cards.count("<strong>просрочено</strong>") == 3


def test_stale_threshold_comes_from_crm_config(tmp_path):
    out = tmp_path / "site"
    build(load(SAMPLE, LATE, stale_days=80), out)
    stale = section(dashboard(out), "stale-partners")
    assert "Нет контакта больше 80 дней." in stale
    assert re.findall(r'class="num">(\d+)<', stale) == ["96", "88", "83"]


def test_metric_averages_and_trends(sample):
    html = dashboard(sample)
    averages = section(html, "metric-averages")
    partners = list(notes_of("partner"))
    reviews = notes_of("review")
    trust = []
    for p in partners:  # the latest review's score, else the partner note's
        own = [fm for fm in reviews.values() if fm["partner"] == f"[[{p.stem}]]"]
        source = max(own, key=lambda fm: fm["date"]) if own else props(p)
        if isinstance(source.get("trust"), int):
            trust.append(source["trust"])
    mean = f"{sum(trust) / len(trust):.1f}".replace(".", ",")
    row = re.search(r'<tr data-metric="trust">.*?</tr>', averages).group(0)
    assert f'<span class="metric-mean">{mean}</span>' in row
    assert f'<td class="num">{len(trust)}</td>' in row
    assert "Уровень доверия" in row
    # Заречье has two reviews: a line with two points, its numbers in <title> and aria-label
    card = re.search(r"Агрокомплекс Заречье.*?</li>", html, re.S).group(0)
    svg = re.search(r"<svg .*?</svg>", card, re.S).group(0)
    assert 'role="img"' in svg and "<polyline" in svg and svg.count("<circle") == 2
    label = "Средний балл качественных метрик (1–5) по оценкам: 25 января 2026 — 4,2; " \
            "20 октября 2026 — 4,6"
    assert f'aria-label="{label}"' in svg and f">{label}</title>" in svg
    assert "оценок пока нет" in re.search(r"Книжный мост.*?</li>", html, re.S).group(0)


def test_sparkline_scales_scores():
    svg = sparkline([("a", 1.0, "1"), ("b", 5.0, "5")], "x < y", "t", width=110, height=30)
    assert 'points="5.0,25.0 105.0,5.0"' in svg and "x &lt; y" in svg
    single = sparkline([("a", 3.0, "3")], "one", "t1")
    assert "<polyline" not in single and single.count("<circle") == 1


def ru(value: float, unit: str = "") -> str:
    """Russian number format, written out independently of the code under test."""
    whole, _, frac = f"{value:.2f}".partition(".")
    frac = frac.rstrip("0")
    groups = []
    while len(whole) > 3:
        whole, tail = whole[:-3], whole[-3:]
        groups.insert(0, tail)
    text = "\u00a0".join([whole, *groups]) + ("," + frac if frac else "")
    return f"{text}\u00a0{unit}" if unit else text


def reviews_by_partner() -> dict[str, list[dict]]:
    """Partner name → its review notes' frontmatter, newest first (read with load_vault)."""
    vault = load_kb_vault(SAMPLE, cache=False)
    out: dict[str, list[dict]] = {}
    for note in vault.notes.values():
        if note.properties.get("type") == "review":
            out.setdefault(note.properties["partner"].strip("[]"), []).append(note.properties)
    for own in out.values():
        own.sort(key=lambda fm: str(fm["date"]), reverse=True)
    return out


def test_quantities_aggregate_as_the_schema_says():
    review = SCHEMAS["review"]
    assert [f.key for f in QUANTITIES] == ["financial_return", "revenue_growth",
                                           "cost_reduction", "market_expansion", "innovations"]
    assert {f.key: f.aggregate for f in QUANTITIES} == {
        "financial_return": "sum", "revenue_growth": "mean", "cost_reduction": "mean",
        "market_expansion": "sum", "innovations": "sum"}  # roubles and counts add up, % do not
    for f in QUANTITIES:
        assert f is review.field(f.key) and f.kind in ("number", "count")
        assert (f.aggregate == "mean") == (f.unit == "%")
    assert review.field("financial_return").unit == "₽" and review.field("innovations").unit == ""


def test_amount_formats_numbers_the_russian_way():
    assert amount(1200000, "₽") == "1\u00a0200\u00a0000\u00a0₽"
    assert amount(12, "%") == "12\u00a0%" and amount(11.5, "%") == "11,5\u00a0%"
    assert amount(999) == "999" and amount(-2500.25, "₽") == "-2\u00a0500,25\u00a0₽"
    assert amount(1200000, "₽", lang="en") == "1,200,000\u00a0₽" and amount(12, "%", "en") == "12%"


def test_dashboard_quantitative_results(sample):
    html = dashboard(sample)
    block = section(html, "quantitative-results")
    assert "<h2" in block and "Количественные результаты" in block
    latest = [own[0] for own in reviews_by_partner().values()]
    assert len(latest) >= 2  # Заречье's latest review counts, not its older one
    for f in QUANTITIES:
        values = [fm[f.key] for fm in latest if isinstance(fm.get(f.key), (int, float))]
        expected = sum(values) if f.aggregate == "sum" else sum(values) / len(values)
        row = re.search(rf'<tr data-metric="{f.key}" data-aggregate="{f.aggregate}">.*?</tr>',
                        block).group(0)
        assert f"<th scope=\"row\">{f.label}</th>" in row
        assert f"<td>{'Сумма' if f.aggregate == 'sum' else 'Среднее'}</td>" in row
        shown = ru(round(expected, 1 if f.aggregate == "mean" else 2), f.unit)
        assert f'<span class="quantity">{shown}</span>' in row, (f.key, shown, row)
        assert row.endswith(f'<td class="num">{len(values)}</td></tr>')
    # the sums and means of the sample, spelled out once as a sanity check of the helper
    assert ru(7350000, "₽") in block and ru(11.5, "%") in block


def test_dashboard_financial_return_trend(sample):
    html = dashboard(sample)
    own = reviews_by_partner()["ООО «Агрокомплекс Заречье»"][::-1]  # oldest first
    card = re.search(r"Агрокомплекс Заречье.*?</li>", html, re.S).group(0)
    svgs = re.findall(r"<svg .*?</svg>", card, re.S)
    assert len(svgs) == 2 and 'class="sparkline"' in svgs[0]  # the score trend stays first
    money = svgs[1]
    assert 'class="sparkline-return"' in money and 'role="img"' in money
    months = {1: "января", 10: "октября", 11: "ноября"}
    values = "; ".join(f"{d.day} {months[d.month]} {d.year} — {ru(fm['financial_return'], '₽')}"
                       for fm in own if (d := date.fromisoformat(str(fm["date"]))))
    label = f"Финансовая отдача по оценкам: {values}"
    assert f'aria-label="{label}"' in money and f">{label}</title>" in money
    assert money.count("<circle") == len(own) and "<polyline" in money
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # every chart has its own title id
    book = re.search(r"Книжный мост.*?</li>", html, re.S).group(0)
    assert "<svg" not in book and "оценок пока нет" in book


def test_sparkline_scales_any_range():
    svg = sparkline([("a", 0.0, "0"), ("b", 200.0, "200")], "r", "t", width=110, height=30,
                    low=0, high=200, cls="sparkline-return")
    assert 'points="5.0,25.0 105.0,5.0"' in svg and 'class="sparkline-return"' in svg


# -- partner pages ----------------------------------------------------------------------------
def test_partner_reviews_table_shows_quantitative_metrics(sample):
    reviews = reviews_by_partner()
    for partner in notes_of("partner"):
        page = sample / "Партнёры" / re.sub(r"[\s«»]+", "-", partner.stem).strip("-") / "index.html"
        html = page.read_text(encoding="utf-8")
        own = reviews.get(partner.stem, [])
        if not own:
            assert "crm-reviews" not in html
            continue
        table = section(html, "crm-reviews").split("<table>", 1)[1]
        head = re.findall(r'<th scope="col">([^<]+)</th>', table)
        assert head[2:2 + len(QUANTITIES)] == [f.label for f in QUANTITIES]
        rows = re.findall(r"<tr><td>.*?</tr>", table, re.S)
        assert len(rows) == len(own)
        for row, fm in zip(rows, own):  # newest first, like the notes
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
            assert f'datetime="{fm["date"]}"' in cells[0]
            expected = [ru(fm[f.key], f.unit) if isinstance(fm.get(f.key), (int, float)) else "—"
                        for f in QUANTITIES]
            assert cells[2:2 + len(QUANTITIES)] == expected, partner.stem



def test_each_partner_page_lists_its_interactions_newest_first(sample):
    interactions = notes_of("interaction")
    for partner in notes_of("partner"):
        page = sample / "Партнёры" / re.sub(r"[\s«»]+", "-", partner.stem).strip("-") / "index.html"
        html = page.read_text(encoding="utf-8")
        timeline = section(html, "crm-timeline")
        own = sorted(((fm["date"], p) for p, fm in interactions.items()
                      if fm["partner"] == f"[[{partner.stem}]]"), reverse=True)
        dates = re.findall(r'<time datetime="([\d-]+)">', timeline)
        assert dates == [d for d, _ in own], partner.stem
        if not own:
            assert "Взаимодействий пока нет." in timeline
        links = re.findall(r'<a class="internal" href="([^"]+)">([^<]+)</a>', timeline)
        assert [unescape(t) for _, t in links] == [p.stem for _, p in own]
        for href, _ in links:
            assert target_file(page, href).is_file()
        for date, p in own:  # channel label and summary
            fm = interactions[p]
            item = re.search(rf'<time datetime="{date}">.*?</li>', timeline, re.S).group(0)
            assert CHANNELS[fm["channel"]] in item
            assert unescape(item).count(fm["summary"]) == 1
        assert '<p class="crm-dashboard-link"><a href="../../partners/">' in html


def test_partner_page_shows_agreements_and_reviews(sample):
    page = sample / "Партнёры" / "ООО-Агрокомплекс-Заречье" / "index.html"
    html = page.read_text(encoding="utf-8")
    agreements = section(html, "crm-agreements")
    assert "2024-05-20 Соглашение о стратегическом партнерстве" in agreements
    assert "Действует" in agreements
    reviews = section(html, "crm-reviews")
    assert re.findall(r'<time datetime="([\d-]+)">', reviews.split("<table>", 1)[1]) == [
        "2026-10-20", "2026-01-25"]
    assert "<svg" in reviews and "4,6" in reviews
    # other notes get no block
    assert "crm-partner" not in (sample / "Лидерство" / "index.html").read_text(encoding="utf-8")


# -- when and where ---------------------------------------------------------------------------
def test_no_partners_no_dashboard(tmp_path):
    vault = tmp_path / "basic"
    shutil.copytree(FIXTURES / "site" / "basic", vault)
    out = tmp_path / "site"
    build(load_vault(vault, cache=False), out)
    assert not (out / "partners").exists() and not (out / "assets" / "partners.css").exists()
    assert "partners/" not in (out / "notes" / "index.html").read_text(encoding="utf-8")


def test_unpublished_records_and_taken_url(tmp_path):
    vault = tmp_path / "records"
    shutil.copytree(FIXTURES / "crm" / "records", vault)
    call = vault / "Партнёры" / "Альфа" / "2026-11-15 Звонок.md"
    call.write_text(call.read_text(encoding="utf-8").replace("channel: call\n",
                                                             "channel: call\npublish: false\n"),
                    encoding="utf-8")
    (vault / "partners.md").write_text("# partners\n\nA note that has the URL first.\n",
                                       encoding="utf-8")
    out = tmp_path / "site"
    build(load(vault, DAY), out)
    assert (out / "partners-2" / "index.html").is_file()
    assert "A note that has the URL first" in (out / "partners" / "index.html").read_text(
        encoding="utf-8")
    alpha = (out / "Альфа" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<time datetime="([\d-]+)">', section(alpha, "crm-timeline")) == [
        "2026-10-01"]  # the unpublished call is left out
    assert crawl(out) == []


def test_english_ui(tmp_path):
    out = tmp_path / "site"
    build(load(SAMPLE, DAY), out, lang="en")
    html = dashboard(out)
    assert "<h1>Partners</h1>" in html and "Overdue reviews" in html
    assert "As of 27 November 2026" in html and "5 partners" in html


# -- golden -----------------------------------------------------------------------------------
@pytest.mark.parametrize("page", ["partners/index.html", "Альфа/index.html"])
def test_golden_dashboard(tmp_path, page, update_goldens):
    vault = tmp_path / "records"
    shutil.copytree(FIXTURES / "crm" / "records", vault)
    out = tmp_path / "site"
    build(load(vault, DAY), out)
    html = main((out / page).read_text(encoding="utf-8"))
    if page != "partners/index.html":  # the partner block only: the note around it is not ours
        html = html[html.index('<section class="crm-partner'):html.index('<section class="backlinks"')]
    golden = GOLDEN / (page.replace("/", "__"))
    if update_goldens:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text(html, encoding="utf-8")
        return
    assert golden.is_file(), f"no golden file {golden}: run with --update-goldens"
    assert html == golden.read_text(encoding="utf-8"), (
        f"{page} differs from {golden.name}; if the change is intended, rerun with --update-goldens")


def test_invalid_values_do_not_break_the_dashboard(tmp_path):
    vault = tmp_path / "invalid"
    shutil.copytree(FIXTURES / "crm" / "invalid", vault)
    out = tmp_path / "site"
    build(load(vault, DAY), out)
    html = dashboard(out)
    unstaged = re.search(r'<section class="stage" id="stage-none">.*?</section>', html, re.S)
    assert unstaged and "Неизвестный этап" in unstaged.group(0)  # stage: unknown
    counts = re.findall(r'<span class="funnel-count">(\d+)</span>', html)
    assert sum(map(int, counts)) == len(list((vault / "Партнёры").glob("*.md"))) - 1
    assert crawl(out) == []


def test_kb_build_today_flag(tmp_path):
    from click.testing import CliRunner
    from kbtools.cli import main as kb
    out = tmp_path / "site"
    result = CliRunner().invoke(kb, ["build", str(SAMPLE), "-o", str(out), "--no-cache",
                                     "--today", LATE], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    html = dashboard(out)
    assert "На 1 февраля 2027" in html
    assert len(re.findall(r"<tr>", section(html, "overdue-reviews"))) == 1 + 4
