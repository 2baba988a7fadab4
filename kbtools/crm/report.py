"""``kb partners``: one row per partner note, with what its records say."""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any

from ..vault import Vault
from .data import collect
from .schemas import PARTNERSHIP_TYPES, STAGES

COLUMNS = ("partner", "type", "stage", "last_interaction", "days_since", "next_review",
           "overdue", "trust", "satisfaction")


def partner_rows(vault: Vault, today: datetime.date) -> list[dict[str, Any]]:
    """Every partner, by stage (pipeline order) then name.

    ``last_interaction`` is the newest ``date`` of the interaction notes whose ``partner``
    links the partner; trust and satisfaction come from the latest review, or from the partner
    note itself when it has no review."""
    rows = []
    order = {s: i for i, s in enumerate(STAGES)}
    for path, p in collect(vault).items():
        props = p.note.properties
        last = p.last_interaction
        review_due = p.next_review
        scores = p.metrics
        stage = props.get("stage")
        kind = props.get("partnership_type")
        rows.append({
            "partner": p.note.name,
            "path": path,
            "type": kind if kind in PARTNERSHIP_TYPES else None,
            "type_label": PARTNERSHIP_TYPES.get(kind) if isinstance(kind, str) else None,
            "stage": stage if stage in STAGES else None,
            "stage_label": STAGES.get(stage) if isinstance(stage, str) else None,
            "last_interaction": last.isoformat() if last else None,
            "days_since": (today - last).days if last else None,
            "interactions": len(p.interactions),
            "agreements": len(p.agreements),
            "reviews": len(p.reviews),
            "next_review": review_due.isoformat() if review_due else None,
            "overdue": p.review_overdue(today),
            "trust": scores["trust"],
            "satisfaction": scores["satisfaction"],
        })
    rows.sort(key=lambda r: (order.get(r["stage"], len(order)), r["partner"].casefold()))
    return rows


def to_json(rows: list[dict[str, Any]], today: datetime.date) -> str:
    return json.dumps({"version": 1, "today": today.isoformat(), "partners": rows},
                      ensure_ascii=False, indent=1)


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    keys = list(rows[0]) if rows else ["partner", "path", *COLUMNS[1:]]
    writer = csv.DictWriter(out, fieldnames=keys, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().rstrip("\n")


def to_table(rows: list[dict[str, Any]], color: bool = False) -> str:
    import click
    head = ("Партнер", "Тип", "Этап", "Посл. контакт", "Дней", "Пересмотр", "Доверие",
            "Удовл.")
    body = []
    for r in rows:
        review = r["next_review"] or "—"
        if r["overdue"]:
            review += " !"
        body.append((r["partner"], r["type_label"] or "—", r["stage_label"] or "—",
                     r["last_interaction"] or "—",
                     "—" if r["days_since"] is None else str(r["days_since"]), review,
                     "—" if r["trust"] is None else str(r["trust"]),
                     "—" if r["satisfaction"] is None else str(r["satisfaction"])))
    widths = [max(len(row[i]) for row in (head, *body)) for i in range(len(head))]
    numeric = {4, 6, 7}

    def line(row, overdue=False):
        cells = [c.rjust(w) if i in numeric else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        if overdue and color:
            cells[5] = click.style(cells[5], fg="red", bold=True)
        return "  ".join(cells).rstrip()
    lines = [line(head), "  ".join("-" * w for w in widths)]
    lines += [line(row, r["overdue"]) for row, r in zip(body, rows)]
    overdue = sum(r["overdue"] for r in rows)
    lines.append(f"\n{len(rows)} partner{'s' if len(rows) != 1 else ''}"
                 + (f", {overdue} with an overdue review (!)" if overdue else ""))
    return "\n".join(lines)
