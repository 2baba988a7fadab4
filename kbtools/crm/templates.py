"""Note templates: where they come from, how they are rendered, how they are exported.

Built-in templates ship in the package (``kbtools/templates/notes/*.md.j2``, the repository's
top-level ``templates/notes/``). A user's own folder — ``[crm] templates``, by default
``templates/notes/`` next to the vault (``VAULT/../templates/notes``) — overrides them file by
file.

Rendering uses Jinja2's :class:`~jinja2.sandbox.SandboxedEnvironment` (a template cannot reach
Python internals) with :class:`~jinja2.StrictUndefined` (a misspelt variable is an error, not an
empty string). Context: ``title``, ``today``, ``hub`` (the hub note's name or ``None``),
``hub_link(heading, label)`` (a link to a section of the hub, or to the hub when it lacks one),
``partner_name``, ``fm`` (every schema property, ``None`` when empty), ``labels`` (property →
machine value → Russian label) and ``schema``; filter ``yaml`` writes a value as a YAML scalar
or flow list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from ..resources import builtin_templates
from ..config import Config
from .schemas import ISO_DATE, SCHEMAS, Schema

SUFFIX = ".md.j2"
DEFAULT_USER_DIR = "../templates/notes"


class TemplateProblem(Exception):
    """A template that cannot be found or rendered (exit code 2)."""


def builtin_dir() -> Path:
    """The packaged note templates folder."""
    return builtin_templates("notes")


def user_dir(vault: Path, config: Config) -> Path:
    return (vault / (config.crm.templates or DEFAULT_USER_DIR)).resolve()


@dataclass(frozen=True)
class Template:
    name: str
    schema: Schema
    source: str
    origin: str
    """Where the text came from (a path, or ``package:…``)."""


def load_template(name: str, vault: Path, config: Config) -> Template:
    schema = SCHEMAS.get(name)
    if schema is None:
        raise TemplateProblem(f"unknown template {name!r} (templates: {', '.join(SCHEMAS)})")
    own = user_dir(vault, config) / f"{name}{SUFFIX}"
    if own.is_file():
        return Template(name, schema, own.read_text(encoding="utf-8"), str(own))
    packaged = builtin_dir() / f"{name}{SUFFIX}"
    try:
        text = packaged.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateProblem(f"template {name!r} is missing from the package ({exc})") from None
    return Template(name, schema, text, f"package:kbtools.templates/notes/{name}{SUFFIX}")


def to_yaml(value: Any) -> str:
    """A frontmatter value: ``""`` for none, bare ISO dates and plain words, quoted otherwise."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[" + ", ".join(to_yaml(v) or '""' for v in value) + "]"
    text = str(value)
    if ISO_DATE.match(text):
        return text
    dumped = yaml.safe_dump(text, allow_unicode=True, default_flow_style=True, width=10**9)
    dumped = dumped.removesuffix("\n").removesuffix("\n...").removesuffix("\n")
    if dumped.startswith("'") or "\n" in dumped:  # quoted: the way Obsidian writes it
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string
    return dumped


def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                               keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["yaml"] = to_yaml
    return env


def context(schema: Schema, title: str, today: str, values: dict[str, Any], hub: str | None,
            partner_name: str | None, hub_headings: set[str] | None = None) -> dict[str, Any]:
    """What a template sees. ``hub_headings``: the hub note's headings (lower-case), so
    ``hub_link(heading)`` links a section only when the hub has it (``None``: assume it does)."""
    fm = {f.key: values.get(f.key) for f in schema.fields}

    def hub_link(heading: str = "", label: str | None = None) -> str:
        if not hub:
            return ""
        known = hub_headings is None or heading.lower() in hub_headings
        target = f"{hub}#{heading}" if heading and known else hub
        return f"[[{target}|{label or hub}]]"
    labels = {f.key: dict(f.choices) for f in schema.fields if f.choices}
    fields = [{"key": f.key, "label": f.label, "kind": f.kind, "required": f.required,
               "choices": dict(f.choices)} for f in schema.fields]
    return {"title": title, "today": today, "hub": hub, "hub_link": hub_link,
            "partner_name": partner_name, "fm": fm,
            "labels": labels, "schema": {"name": schema.name, "label": schema.label,
                                         "fields": fields}}


def render(template: Template, ctx: dict[str, Any]) -> str:
    try:
        text = environment().from_string(template.source).render(ctx)
    except TemplateError as exc:
        where = f" line {exc.lineno}" if getattr(exc, "lineno", None) else ""
        raise TemplateProblem(f"{template.origin}{where}: {type(exc).__name__}: {exc}") from None
    return text if text.endswith("\n") else text + "\n"


# -- export for Obsidian's core Templates plugin ---------------------------------------------------

_TITLE, _DATE = "KBTITLEPLACEHOLDER", "2000-01-01"


def export_text(template: Template, hub: str | None) -> str:
    """The template rendered for Obsidian's core Templates plugin: ``{{title}}`` and
    ``{{date:YYYY-MM-DD}}`` where ``kb new`` would put the title and today's date, defaults
    elsewhere, required values left empty."""
    values = {f.key: _DATE if f.default in ("today", "today+review") else f.default
              for f in template.schema.fields}
    text = render(template, context(template.schema, _TITLE, _DATE, values, hub, None))
    head, body = "", text
    m = re.match(r"---\n.*?\n---[ \t]*\n", text, re.S)
    if m:  # in YAML the placeholders are quoted, so the template file is valid YAML itself
        head, body = m.group(0), text[m.end():]
        head = re.sub(r"(?<![\w\"'])" + _TITLE + r"(?![\w\"'])", '"{{title}}"', head)
        head = re.sub(r"(?<![\w\"'])" + _DATE + r"(?![\w\"'])", '"{{date:YYYY-MM-DD}}"', head)
    out = head + body
    return out.replace(_TITLE, "{{title}}").replace(_DATE, "{{date:YYYY-MM-DD}}")


EXPORT_NAMES = {"partner": "Партнер", "interaction": "Взаимодействие", "agreement": "Соглашение",
                "review": "Оценка эффективности"}
