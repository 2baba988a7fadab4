"""The CRM read from a loaded vault: partner notes and the records (interactions, agreements,
reviews) that link them through their ``partner`` property."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from ..model import Note
from ..vault import Vault
from .schemas import parse_date, schema_of


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
