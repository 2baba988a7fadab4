"""``kb new``: a note from a template, with values from ``--set``, defaults and prompts.

Never overwrites: the note is written to a temporary file in the target folder and hard-linked
into place (atomic, fails when the name exists), so a second ``kb new`` with the same title
leaves the first file byte for byte as it was.
"""

from __future__ import annotations

import datetime
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..config import Config
from ..model import Note
from ..parse import parse_note
from .schemas import Field, Schema, coerce, empty, validate
from .templates import Template, TemplateProblem, context, render

FORBIDDEN = re.compile(r'[*"\\/<>:|?#^\[\]\x00-\x1f]')
"""Characters Obsidian does not allow in file names (or that break links)."""
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.I)


class NewNoteError(Exception):
    """A usage problem (missing or invalid values, unknown partner): exit code 2."""


class NoteExists(Exception):
    """The target file exists; nothing was written (exit code 1)."""

    def __init__(self, path: Path):
        super().__init__(f"{path} already exists; not overwritten")
        self.path = path


def safe_filename(title: str, limit: int = 120) -> str:
    """``title`` as a file name Obsidian accepts on every platform (without ``.md``)."""
    name = FORBIDDEN.sub("-", title)
    name = re.sub(r"\s+", " ", name).strip().strip(".").strip()
    name = re.sub(r"-{2,}", "-", name)
    if len(name) > limit:
        name = name[:limit].rstrip(" .")
    if not name:
        name = "Без названия"
    if _WINDOWS_RESERVED.match(name):
        name += "_"
    return name


@dataclass(frozen=True)
class PartnerRef:
    note: Note
    link: str
    """How to link it: ``[[Name]]``, or ``[[Folder/Name]]`` when the name is not unique."""


def find_partner(notes: dict[str, Note], written: str) -> PartnerRef:
    """The partner note a ``--set partner=…`` value means (name, alias, path or ``[[link]]``)."""
    from .schemas import link_target
    wanted = (link_target(written) or written).strip()
    key = wanted.removesuffix(".md").casefold()
    partners = [n for n in notes.values() if n.properties.get("type") == "partner"]
    found = [n for n in partners if n.path.removesuffix(".md").casefold() == key
             or n.name.casefold() == key or any(a.casefold() == key for a in n.aliases)]
    if not found:
        known = ", ".join(sorted(n.name for n in partners)) or "none yet: kb new partner NAME"
        raise NewNoteError(f"no partner note named «{wanted}» (partners: {known})")
    if len(found) > 1:
        raise NewNoteError(f"«{wanted}» matches several partners: "
                           f"{', '.join(n.path for n in found)}; give the path")
    note = found[0]
    same_name = [n for n in notes.values() if n.name.casefold() == note.name.casefold()]
    target = note.path.removesuffix(".md") if len(same_name) > 1 else note.name
    return PartnerRef(note, f"[[{target}]]")


def parse_sets(schema: Schema, items: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``key=value`` pairs → property values (``ValueError`` naming the bad one)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep:
            raise NewNoteError(f"--set expects key=value, got {item!r}")
        f = schema.field(key)
        if f is None:
            raise NewNoteError(f"{schema.name} has no property {key!r} "
                               f"(properties: {', '.join(x.key for x in schema.fields)})")
        try:
            out[key] = coerce(f, raw)
        except ValueError as exc:
            raise NewNoteError(str(exc)) from None
    return out


def default_value(f: Field, today: datetime.date, config: Config) -> Any:
    if f.default == "today":
        return today.isoformat()
    if f.default == "today+review":
        return (today + datetime.timedelta(days=config.crm.review_days)).isoformat()
    return list(f.default) if isinstance(f.default, list) else f.default


Prompt = Callable[[Field, Any], Any]


def fill_values(schema: Schema, given: dict[str, Any], today: datetime.date, config: Config,
                prompt: Prompt | None) -> dict[str, Any]:
    """Given values, then prompts (``prompt`` is ``None`` without a terminal), then defaults.

    Without a terminal a required property with no value and no default is an error that says
    which ``--set`` to add."""
    values: dict[str, Any] = {}
    missing: list[Field] = []
    for f in schema.fields:
        if f.key in given:
            values[f.key] = given[f.key]
            continue
        default = default_value(f, today, config)
        if prompt is not None and f.ask:
            values[f.key] = prompt(f, default)
        else:
            values[f.key] = default
        if f.required and empty(values[f.key]):
            missing.append(f)
    if missing:
        names = ", ".join(f"{f.key} ({f.label})" for f in missing)
        sets = " ".join(f"--set {f.key}=…" for f in missing)
        raise NewNoteError(f"missing required value(s) for {schema.name}: {names}; "
                           f"not on a terminal, so nothing is asked: pass {sets}")
    return values


def target_path(schema: Schema, title: str, values: dict[str, Any], config: Config,
                partner: PartnerRef | None) -> str:
    """The new note's vault path."""
    folder = config.crm.folder.strip("/")
    name = safe_filename(title)
    if not schema.record:
        rel = f"{name}.md"
        return f"{folder}/{rel}" if folder else rel
    assert partner is not None
    day = values.get("date") or values.get("signed") or ""
    stem = f"{day} {name}".strip()
    if config.crm.layout == "by-partner":
        base = partner.note.folder
        return "/".join(p for p in (base, safe_filename(partner.note.name), f"{stem}.md") if p)
    stem = safe_filename(f"{day} {partner.note.name} — {title}".strip())
    return f"{folder}/{stem}.md" if folder else f"{stem}.md"


def build(template: Template, title: str, given: dict[str, Any], notes: dict[str, Note],
          config: Config, today: datetime.date, prompt: Prompt | None) -> tuple[str, str]:
    """``(vault path, text)`` of the new note, validated against its schema."""
    schema = template.schema
    if not title.strip():
        raise NewNoteError("the title is empty")
    partner = None
    if schema.record:
        if "partner" not in given and prompt is not None:
            given = {**given, "partner": prompt(schema.field("partner"), None)}
        if not empty(given.get("partner")):
            partner = find_partner(notes, str(given["partner"]))
            given = {**given, "partner": partner.link}
    values = fill_values(schema, given, today, config, prompt)
    if schema.record and partner is None:  # filled by a prompt after all
        partner = find_partner(notes, str(values["partner"]))
        values["partner"] = partner.link
    hub, hub_headings = config.crm.hub, None
    hub_note = next((n for n in notes.values() if hub and n.name.casefold() == hub.casefold()), None)
    if hub_note is None:
        hub = None  # the vault has no such note: do not write a broken link
    else:
        hub, hub_headings = hub_note.name, {h.text.lower() for h in hub_note.headings}
    path = target_path(schema, title, values, config, partner)
    text = render(template, context(schema, title.strip(), today.isoformat(), values, hub,
                                    partner.note.name if partner else None, hub_headings))
    note = parse_note(path, text)
    problems = [p.message for p in note.problems if p.kind not in ("empty",)]
    problems += [i.message for i in validate(schema, note.properties)]
    if note.properties.get("type") != schema.name:
        problems.append(f"the note's 'type' is {note.properties.get('type')!r}, not {schema.name!r}")
    if problems:
        raise TemplateProblem(f"{template.origin} renders an invalid note: " + "; ".join(problems))
    return path, text


def write_new(path: Path, text: str) -> None:
    """Write ``text`` to a new file atomically; :class:`NoteExists` if ``path`` exists."""
    if path.exists():
        raise NoteExists(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kbnew-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        try:
            os.link(tmp, path)  # atomic, and never replaces an existing file
        except FileExistsError:
            raise NoteExists(path) from None
        except OSError:  # no hard links here (some network/FAT drives)
            if path.exists():
                raise NoteExists(path) from None
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
