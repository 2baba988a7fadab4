"""Partner notes in the static site (``kb build``): the partners dashboard page and the block
each partner page gets (interaction timeline, agreements, reviews).

Both read the CRM through :func:`kbtools.crm.data.collect` (the one way partner data is read) and
count days from :func:`kbtools.crm.today` (``[crm] today`` / the system date), with the stale
threshold of ``[crm] stale_days`` — the same rules as ``kb check`` (KB019, KB020) and
``kb partners``. The site builder only knows two hooks: :func:`emit_partners` is an emitter in
:data:`kbtools.site.emit.EMITTERS` and :func:`partner_page` a page extra in
:data:`kbtools.site.emit.PAGE_EXTRAS`. Templates: ``partners.html`` (the dashboard) and
``_partner.html`` (the block), UI strings through the site's Babel catalogues
(:mod:`kbtools.site.i18n`, ``kbtools/locale/``); stage, type, channel and metric names are the
schemas' Russian labels. Quantitative review metrics (financial return, growth, …) are shown with
the unit of their label in Russian number format and totalled on the dashboard as their schema
field's ``aggregate`` says (sum or mean). Charts are inline SVG drawn here, no JavaScript, each
with a ``<title>`` and ``aria-label`` that say its numbers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from ..site.pages import href, plain, relative
from . import today as crm_today
from .data import Partner, collect, metric, quantity, review_due
from .schemas import (AGREEMENT_STATUSES, CHANNELS, METRIC_MAX, METRIC_MIN, METRICS,
                      PARTNERSHIP_TYPES, QUANTITIES, STAGES, Field, parse_date)

if TYPE_CHECKING:
    from ..site.build import Site

DASHBOARD_URL = "partners/"
STYLESHEET = "assets/partners.css"


# -- what the pages show -----------------------------------------------------------------------

@dataclass
class CrmSite:
    """The CRM as published: partners with a page, their published records, the dashboard URL."""

    today: datetime.date
    stale_days: int
    partners: dict[str, Partner] = field(default_factory=dict)
    url: str | None = None
    """The dashboard's site URL (``None``: the site has no published partner)."""


def crm_of(site: "Site") -> CrmSite:
    """The published CRM of ``site``, computed once per build."""
    got = getattr(site, "_crm", None)
    if got is not None:
        return got
    config = site.vault.config
    state = CrmSite(crm_today(config), config.crm.stale_days)
    if config.crm.enabled:
        published = site.plan.notes
        for path, p in collect(site.vault).items():
            if path not in published:
                continue
            for records in (p.interactions, p.agreements, p.reviews):
                records[:] = [n for n in records if n.path in published]
            state.partners[path] = p
    if state.partners:
        taken = {u.lower() for u in site.site_urls}
        url, n = DASHBOARD_URL, 1
        while url.lower() in taken:  # a note already has the URL: partners-2/, …
            n += 1
            url = f"{DASHBOARD_URL[:-1]}-{n}/"
        state.url = url
    site._crm = state  # type: ignore[attr-defined]
    return state


def _number(site: "Site", value: float) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if site.cfg.lang == "ru" else text


NBSP = "\u00a0"


def amount(value: float, unit: str = "", lang: str = "ru", digits: int = 2) -> str:
    """A quantity as people read it: at most ``digits`` decimals, thousands grouped and the
    unit after a space — Russian ``1 250 000 ₽``, ``12,5 %`` (no-break spaces, decimal comma),
    English ``1,250,000 ₽``, ``12.5%``."""
    text = f"{round(value, digits):,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    if lang == "ru":
        text = text.replace(",", NBSP).replace(".", ",")
        return f"{text}{NBSP}{unit}" if unit else text
    return f"{text}{unit}" if unit == "%" else f"{text}{NBSP}{unit}" if unit else text


def _amount(site: "Site", f: Field, value: float | None, digits: int = 2) -> str | None:
    return amount(value, f.unit, site.cfg.lang, digits) if value is not None else None


def _day(site: "Site", when: datetime.date | None) -> dict[str, str] | None:
    return {"text": site.tr.date(when), "iso": when.isoformat()} if when else None


def _mean(scores: dict[str, int | None]) -> float | None:
    values = [v for v in scores.values() if v is not None]
    return sum(values) / len(values) if values else None


def sparkline(points: list[tuple[str, float, str]], label: str, ident: str,
              width: int = 132, height: int = 36, low: float = METRIC_MIN,
              high: float = METRIC_MAX, cls: str = "sparkline") -> Markup:
    """A small line chart, oldest left, of 1–5 scores (or of values from ``low`` to ``high``):
    inline SVG with ``<title>`` and ``aria-label`` (``label``, which should say the numbers);
    ``points`` are (x label, value, value as shown)."""
    pad = 5
    span = (high - low) or 1

    def xy(i: int, value: float) -> tuple[float, float]:
        x = pad + (width - 2 * pad) * (i / (len(points) - 1) if len(points) > 1 else 0.5)
        y = pad + (height - 2 * pad) * (high - value) / span
        return round(x, 1), round(y, 1)
    coords = [xy(i, v) for i, (_, v, _) in enumerate(points)]
    parts = [f'<svg class="{cls}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
             f'{height}" width="{width}" height="{height}" role="img" aria-labelledby="{ident}" '
             f'aria-label="{escape(label)}"><title id="{ident}">{escape(label)}</title>']
    for level in (low, high):  # the guides: 1 and 5 for scores
        y = xy(0, level)[1]
        parts.append(f'<line class="guide" x1="{pad}" y1="{y}" x2="{width - pad}" y2="{y}"/>')
    if len(coords) > 1:
        parts.append('<polyline fill="none" points="' +
                     " ".join(f"{x},{y}" for x, y in coords) + '"/>')
    for (x, y), (when, _, shown) in zip(coords, points):
        parts.append(f'<circle cx="{x}" cy="{y}" r="2.5"><title>{escape(when)}: '
                     f'{escape(shown)}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _trend(site: "Site", p: Partner, ident: str) -> Markup | None:
    points = [(site.tr.date(when), round(mean, 1), _number(site, mean))
              for when, scores in p.trend() if (mean := _mean(scores)) is not None]
    if not points:
        return None
    label = site.tr.gettext("Mean score (1–5) by review: %(values)s") % {
        "values": "; ".join(f"{when} — {shown}" for when, _, shown in points)}
    return sparkline(points, label, ident)


RETURN = next(f for f in QUANTITIES if f.key == "financial_return")


def _return_trend(site: "Site", p: Partner, ident: str) -> Markup | None:
    """The financial return of each review, from 0 (or the lowest loss) to the highest."""
    values = p.quantity_trend(RETURN.key)
    if not values:
        return None
    points = [(site.tr.date(when), float(v), _amount(site, RETURN, v) or "") for when, v in values]
    label = site.tr.gettext("Financial return by review: %(values)s") % {
        "values": "; ".join(f"{when} — {shown}" for when, _, shown in points)}
    low = min(0.0, *(v for _, v, _ in points))
    high = max(0.0, *(v for _, v, _ in points))
    return sparkline(points, label, ident, low=low, high=high, cls="sparkline-return")


def _card(site: "Site", state: CrmSite, path: str, p: Partner, page: str, n: int) -> dict[str, Any]:
    props = p.note.properties
    kind = props.get("partnership_type")
    stage = props.get("stage")
    due = p.next_review
    return {
        "title": site.plan.notes[path].title,
        "href": href(relative(page, site.plan.notes[path].url)),
        "type": PARTNERSHIP_TYPES.get(kind) if isinstance(kind, str) else None,
        "stage": STAGES.get(stage) if isinstance(stage, str) else None,
        "owner": props.get("owner") if isinstance(props.get("owner"), str) else None,
        "next_review": _day(site, due),
        "overdue": p.review_overdue(state.today),
        "last_interaction": _day(site, p.last_interaction),
        "interactions": len(p.interactions),
        "trend": _trend(site, p, f"trend-{n}"),
        "return_trend": _return_trend(site, p, f"return-{n}"),
    }


def dashboard(site: "Site", state: CrmSite) -> dict[str, Any]:
    """The dashboard's template context."""
    page = state.url or DASHBOARD_URL
    order = sorted(state.partners.items(),
                   key=lambda kv: (site.plan.notes[kv[0]].title.casefold(), kv[0]))
    cards = {path: _card(site, state, path, p, page, n) for n, (path, p) in enumerate(order, 1)}
    total = len(state.partners)
    funnel = []
    for key, label in STAGES.items():
        members = [cards[path] for path, p in order if p.note.properties.get("stage") == key]
        funnel.append({"key": key, "label": label, "count": len(members), "cards": members,
                       "share": round(100 * len(members) / total) if total else 0})
    unstaged = [cards[path] for path, p in order if p.note.properties.get("stage") not in STAGES]

    overdue = []
    for path, p in order:
        for note in [p.note, *p.agreements]:
            due = review_due(note)
            if due is None or due >= state.today:
                continue
            overdue.append({
                "partner": cards[path],
                "what": site.plan.notes[note.path].title if note is not p.note else None,
                "href": href(relative(page, site.plan.notes[note.path].url)),
                "due": _day(site, due), "days": (state.today - due).days})
    overdue.sort(key=lambda r: (-r["days"], r["partner"]["title"].casefold()))

    stale = []
    for path, p in order:
        if p.is_stale(state.today, state.stale_days):
            since, kind = p.silent_since
            stale.append({"partner": cards[path], "since": _day(site, since),
                          "from_start": kind == "start", "days": p.days_silent(state.today)})
    stale.sort(key=lambda r: (-r["days"], r["partner"]["title"].casefold()))

    averages = []
    for key, label in METRICS.items():
        values = [v for p in state.partners.values() if (v := p.metrics[key]) is not None]
        mean = sum(values) / len(values) if values else None
        averages.append({"key": key, "label": label, "count": len(values),
                         "mean": _number(site, mean) if mean is not None else None,
                         "share": round(100 * mean / METRIC_MAX) if mean is not None else 0})
    quantities = []
    for f in QUANTITIES:  # summed or averaged as the schema says (Field.aggregate)
        values = [v for p in state.partners.values() if (v := p.quantities[f.key]) is not None]
        if not values:
            value = None
        elif f.aggregate == "sum":
            value = sum(values)
        else:
            value = sum(values) / len(values)
        quantities.append({"key": f.key, "label": f.label, "aggregate": f.aggregate,
                           "count": len(values),
                           "value": _amount(site, f, value, 2 if f.aggregate == "sum" else 1)})
    return {"today": _day(site, state.today), "total": total, "funnel": funnel,
            "unstaged": unstaged, "overdue": overdue, "stale": stale,
            "stale_days": state.stale_days, "averages": averages, "quantities": quantities,
            "cards": [cards[path] for path, _ in order]}


# -- the hooks the site builder calls ----------------------------------------------------------

def emit_partners(site: "Site") -> None:
    """``partners/``: the dashboard, when the site has published partner notes; it joins the
    header (``site.nav``) before the other pages are written."""
    state = crm_of(site)
    if state.url is None:
        return
    title = site.tr.gettext("Partners")
    site.nav.append({"title": title, "url": state.url})
    site.stylesheets.append(STYLESHEET)
    site.write(STYLESHEET, site.source(STYLESHEET))
    site.page("partners.html", state.url, title=title,
              crumbs=[{"title": site.tr.gettext("Home"), "href": href(relative(state.url, ""))}],
              **dashboard(site, state))


def partner_page(site: "Site", path: str, url: str) -> str:
    """The block of a partner's page: interactions (newest first), agreements, reviews."""
    state = crm_of(site)
    p = state.partners.get(path)
    if p is None:
        return ""

    def link(note_path: str) -> str:
        return href(relative(url, site.plan.notes[note_path].url))

    interactions = []
    for note in p.interactions:
        props = note.properties
        channel = props.get("channel")
        summary = props.get("summary")
        interactions.append({
            "title": site.plan.notes[note.path].title, "href": link(note.path),
            "date": _day(site, parse_date(props.get("date"))),
            "channel": CHANNELS.get(channel) if isinstance(channel, str) else None,
            "summary": plain(str(summary)) if isinstance(summary, (str, int, float)) else ""})
    agreements = []
    for note in p.agreements:
        props = note.properties
        status = props.get("status")
        agreements.append({
            "title": site.plan.notes[note.path].title, "href": link(note.path),
            "status": AGREEMENT_STATUSES.get(status) if isinstance(status, str) else None,
            "signed": _day(site, parse_date(props.get("signed"))),
            "valid_until": _day(site, parse_date(props.get("valid_until"))),
            "next_review": _day(site, review_due(note)),
            "overdue": (due := review_due(note)) is not None and due < state.today})
    reviews = []
    for note in p.reviews:
        props = note.properties
        scores = {k: metric(props.get(k)) for k in METRICS}
        mean = _mean(scores)
        reviews.append({
            "title": site.plan.notes[note.path].title, "href": link(note.path),
            "date": _day(site, parse_date(props.get("date"))),
            "period": str(props["period"]) if isinstance(props.get("period"), (str, int)) else None,
            "quantities": [_amount(site, f, quantity(f, props.get(f.key))) for f in QUANTITIES],
            "scores": [scores[k] for k in METRICS],
            "mean": _number(site, mean) if mean is not None else None})
    template = site.templates.get_template("_partner.html")
    return template.render(
        url=lambda target: href(relative(url, target)), page_url=url, dashboard=state.url,
        interactions=interactions, agreements=agreements, reviews=reviews,
        metrics=list(METRICS.values()), quantities=[f.label for f in QUANTITIES], trend=_trend(site, p, "trend-partner"))
