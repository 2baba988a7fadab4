"""The CRM read from a loaded vault: partner notes and the records (interactions, agreements,
reviews) that link them through their ``partner`` property."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from ..model import Note
from ..vault import Vault
from .schemas import (METRIC_MAX, METRIC_MIN, METRICS, QUANTITIES, Field, parse_date, schema_of,
                      valid)


@dataclass
class Partner:
    """A partner note with its records, newest first."""

    note: Note
    interactions: list[Note] = field(default_factory=list)
    agreements: list[Note] = field(default_factory=list)
    reviews: list[Note] = field(default_factory=list)

    @property
    def last_interaction(self) -> datetime.date | None:
        dates = [d for n in self.interactions if (d := parse_date(n.properties.get("date")))]
        return max(dates, default=None)

    @property
    def latest_review(self) -> Note | None:
        return self.reviews[0] if self.reviews else None

    @property
    def silent_since(self) -> tuple[datetime.date | None, str]:
        """The date silence is counted from (KB019, the dashboard's stale list): the last
        interaction (``"interaction"``), else the ``started`` date (``"start"``)."""
        last = self.last_interaction
        if last is not None:
            return last, "interaction"
        return parse_date(self.note.properties.get("started")), "start"

    def days_silent(self, today: datetime.date) -> int | None:
        since = self.silent_since[0]
        return (today - since).days if since is not None else None

    def is_stale(self, today: datetime.date, stale_days: int) -> bool:
        """No interaction for more than ``stale_days`` days (``[crm] stale_days``)."""
        days = self.days_silent(today)
        return days is not None and days > stale_days

    @property
    def next_review(self) -> datetime.date | None:
        return parse_date(self.note.properties.get("next_review"))

    def review_overdue(self, today: datetime.date) -> bool:
        due = self.next_review
        return due is not None and due < today

    @property
    def metrics(self) -> dict[str, int | None]:
        """The qualitative metrics (1–5) as they stand: from the latest review, else from the
        partner note itself; ``None`` where not scored (or not a valid score)."""
        source = self.latest_review.properties if self.latest_review else self.note.properties
        return {key: metric(source.get(key)) for key in METRICS}

    @property
    def quantities(self) -> dict[str, int | float | None]:
        """The quantitative metrics (financial return, growth, …) of the latest review; ``None``
        where it has no valid value, everywhere when the partner has no review."""
        source = self.latest_review.properties if self.latest_review else {}
        return {f.key: quantity(f, source.get(f.key)) for f in QUANTITIES}

    def quantity_trend(self, key: str) -> list[tuple[datetime.date, int | float]]:
        """``(date, value)`` of each dated review with a valid ``key`` quantity, oldest first."""
        f = next(f for f in QUANTITIES if f.key == key)
        out = []
        for review in reversed(self.reviews):
            when = parse_date(review.properties.get("date"))
            value = quantity(f, review.properties.get(key))
            if when is not None and value is not None:
                out.append((when, value))
        return out

    def trend(self) -> list[tuple[datetime.date, dict[str, int | None]]]:
        """Each dated review, oldest first: ``(date, {metric: score or None})``."""
        out = []
        for review in reversed(self.reviews):
            when = parse_date(review.properties.get("date"))
            if when is not None:
                out.append((when, {k: metric(review.properties.get(k)) for k in METRICS}))
        return out


def metric(value: object) -> int | None:
    """A valid 1–5 score, else ``None``."""
    return value if isinstance(value, int) and not isinstance(value, bool) and \
        METRIC_MIN <= value <= METRIC_MAX else None


def quantity(f: Field, value: object) -> int | float | None:
    """A valid value of the quantitative metric ``f``, else ``None``."""
    if not valid(f, value) or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value  # type: ignore[return-value]


def review_due(note: Note) -> datetime.date | None:
    """When a partner or agreement note is next reviewed; ``None`` when it has no valid date
    or (agreements) is no longer draft or active, so it is not reviewed."""
    if crm_type(note) == "agreement" and note.properties.get("status") not in ("draft", "active"):
        return None
    return parse_date(note.properties.get("next_review"))


def crm_type(note: Note) -> str | None:
    """``partner``, ``interaction``, ``agreement``, ``review`` or ``None``."""
    schema = schema_of(note.properties)
    return schema.name if schema else None


def partner_links(vault: Vault) -> dict[str, object]:
    """Record path → the resolved link of its ``partner`` property (the first one)."""
    out: dict[str, object] = {}
    for rl in vault.links:
        if rl.link.in_property == "partner" and rl.source not in out:
            out[rl.source] = rl
    return out


def collect(vault: Vault) -> dict[str, Partner]:
    """Partner path → :class:`Partner`, records attached through resolved ``partner`` links."""
    partners = {path: Partner(note) for path, note in sorted(vault.notes.items())
                if crm_type(note) == "partner"}
    for path, rl in partner_links(vault).items():
        note = vault.notes.get(path)
        target = rl.resolution.target
        if note is None or target not in partners:
            continue
        kind = crm_type(note)
        if kind in ("interaction", "agreement", "review"):
            getattr(partners[target], kind + "s").append(note)
    for p in partners.values():
        for records in (p.interactions, p.agreements, p.reviews):
            records.sort(key=lambda n: (str(n.properties.get("date") or n.properties.get("signed")
                                            or ""), n.path), reverse=True)
    return partners
