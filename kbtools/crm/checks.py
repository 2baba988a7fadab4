"""``kb check`` rules for partner notes (KB015–KB021), appended to the default checks.

Every finding points at the frontmatter line of the offending property (the ``type`` line when
the property is missing). The date rules (KB019–KB021) read today's date from
:func:`kbtools.crm.today`, so ``[crm] today`` / ``--today`` make them reproducible.
"""

from __future__ import annotations

from typing import Iterator

from ..checks import diagnostic, emits
from ..diagnostics import Diagnostic
from ..model import Note
from ..resolve import MISSING_NOTE
from ..vault import Vault
from . import today
from .data import collect, crm_type, partner_links, review_due
from .schemas import parse_step, schema_of, validate


def _has_crm_notes(vault: Vault) -> bool:
    """Cheap guard: most vaults have no partner notes, and then no link needs a look."""
    return vault.config.crm.enabled and any(
        schema_of(n.properties) is not None for n in vault.notes.values() if n.properties)


def _line(note: Note, key: str) -> int:
    return note.property_lines.get(key) or note.property_lines.get("type") or 1


def _width(note: Note, key: str) -> int | None:
    return len(key) if key in note.property_lines else None


@emits("KB015", "KB016", "KB017", "KB018")
def check_crm_fields(vault: Vault) -> Iterator[Diagnostic]:
    """Each CRM note's properties against its schema: values, required fields, dates."""
    if not vault.config.crm.enabled:
        return
    for path in sorted(vault.notes):
        note = vault.notes[path]
        schema = schema_of(note.properties)
        if schema is None:
            continue
        for issue in validate(schema, note.properties):
            yield diagnostic(issue.code, path, _line(note, issue.key), 1, issue.message,
                             hint=issue.hint, width=_width(note, issue.key))


@emits("KB018")
def check_crm_partner_links(vault: Vault) -> Iterator[Diagnostic]:
    """A record's ``partner`` link must lead to a partner note (a missing note is KB001)."""
    if not _has_crm_notes(vault):
        return
    for path, rl in sorted(partner_links(vault).items()):
        note = vault.notes.get(path)
        if note is None or crm_type(note) not in ("interaction", "agreement", "review"):
            continue
        res = rl.resolution
        if res.status == MISSING_NOTE or res.target is None:
            continue  # KB001 reports it, with a suggestion
        target = vault.notes.get(res.target)
        if target is None or crm_type(target) != "partner":
            yield diagnostic("KB018", path, rl.link.line, rl.link.column,
                             f"{rl.link.raw}: «{res.target}» is not a partner note "
                             "(it has no 'type: partner')",
                             hint="link the partner's note, or add 'type: partner' to it",
                             width=len(rl.link.raw))


@emits("KB019", "KB020", "KB021")
def check_crm_dates(vault: Vault) -> Iterator[Diagnostic]:
    """Stale partners, overdue reviews and overdue next steps, as of today."""
    crm = vault.config.crm
    if not _has_crm_notes(vault):
        return
    now = today(vault.config)
    for path, partner in collect(vault).items():
        note = partner.note
        since, kind = partner.silent_since
        what = "last interaction" if kind == "interaction" else "start"
        if partner.is_stale(now, crm.stale_days):
            yield diagnostic("KB019", path, _line(note, "stage"), 1,
                             f"no interaction with «{note.name}» for {(now - since).days} days "
                             f"({what} {since.isoformat()}; threshold {crm.stale_days})",
                             hint="record the next contact with kb new interaction")
    for path in sorted(vault.notes):
        note = vault.notes[path]
        kind = crm_type(note)
        if kind in ("partner", "agreement"):
            due = review_due(note)  # expired or terminated agreements are not reviewed
            if due is not None and due < now:
                yield diagnostic("KB020", path, _line(note, "next_review"), 1,
                                 f"review of «{note.name}» was due {due.isoformat()} "
                                 f"({(now - due).days} days ago)",
                                 hint="hold the review (kb new review) and set next_review",
                                 width=_width(note, "next_review"))
        elif kind == "interaction":
            steps = note.properties.get("next_steps")
            for item in steps if isinstance(steps, list) else []:
                step = parse_step(item)
                if step and not step[0] and step[1] is not None and step[1] < now:
                    yield diagnostic("KB021", path, _line(note, "next_steps"), 1,
                                     f"next step «{step[2]}» was due {step[1].isoformat()} "
                                     f"({(now - step[1]).days} days ago)",
                                     hint="do it and mark it [x], or give it a new date")


CRM_CHECKS = (check_crm_fields, check_crm_partner_links, check_crm_dates)
"""Appended, in this order, to :data:`kbtools.checks.CHECKS`."""
