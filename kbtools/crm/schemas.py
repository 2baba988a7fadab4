"""The frontmatter schema of each CRM template: the one place that says which properties a
partner, interaction, agreement or review note has, which values they take (machine values in
the file, Russian labels for people) and which are required.

``kb new`` reads it to know what to ask for, to parse ``--set key=value`` and to check what it
is about to write; ``kb check`` (:mod:`kbtools.crm.checks`) validates notes against it;
``kb new --list`` prints it. :func:`json_schema` gives the equivalent JSON Schema.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

# -- value sets (machine value -> Russian label), in the order of the hub note -----------------

PARTNERSHIP_TYPES = {
    "strategic_alliance": "Стратегический альянс",
    "operational": "Операционное партнерство",
    "innovation": "Инновационное партнерство",
    "marketing": "Маркетинговый альянс",
    "resource": "Ресурсное партнерство",
}
DURATIONS = {
    "short_project": "Краткосрочный проект",
    "medium_initiative": "Среднесрочная инициатива",
    "long_union": "Долгосрочный союз",
    "transformational": "Трансформационное партнерство",
    "evolutionary": "Эволюционный союз",
}
STAGES = {
    "identification": "Идентификация",
    "contact": "Установление контакта",
    "development": "Разработка партнерства",
    "implementation": "Реализация и развитие",
    "scaling": "Масштабирование и оптимизация",
}
APPROACHES = {
    "strategic_alliance": "Стратегический альянс",
    "complementarity": "Комплементарность",
    "joint_growth": "Совместный рост",
}
CHANNELS = {
    "meeting": "Встреча",
    "call": "Звонок",
    "video": "Видеозвонок",
    "email": "Электронная почта",
    "messenger": "Мессенджер",
    "event": "Мероприятие",
}
AGREEMENT_STATUSES = {
    "draft": "Проект",
    "active": "Действует",
    "expired": "Истекло",
    "terminated": "Расторгнуто",
}
METRICS = {
    "trust": "Уровень доверия",
    "interaction_quality": "Качество взаимодействия",
    "mutual_benefit": "Взаимовыгодность",
    "satisfaction": "Удовлетворенность",
    "stability": "Стабильность",
}
"""The qualitative metrics of «Измерение эффективности партнерств», scored 1–5."""
METRIC_MIN, METRIC_MAX = 1, 5
UNITS = ("₽", "%")
"""Units a field label may end with after a comma: ``"Финансовая отдача, ₽"``."""
AGGREGATES = ("sum", "mean")

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STEP = re.compile(r"^\[(?P<done>[ xX])\]\s+(?P<due>\S+)\s+(?P<task>\S.*)$")
"""A next step: ``[ ] 2026-12-05 Отправить проект соглашения`` (``[x]`` when done)."""


@dataclass(frozen=True)
class Field:
    """One frontmatter property of a template."""

    key: str
    label: str
    """Russian display label."""
    kind: str
    """``enum``, ``metric`` (1–5), ``date`` (ISO), ``text``, ``list`` (of strings),
    ``link`` (``"[[Partner]]"``), ``number``, ``count`` (integer ≥ 0), ``steps``."""
    required: bool = False
    """``kb check`` reports the note when the property is missing or empty (KB016)."""
    choices: dict[str, str] = field(default_factory=dict)
    """``enum``: machine value → Russian label."""
    default: Any = None
    """Value ``kb new`` uses when none is given: a value, or ``"today"`` / ``"today+review"``
    for dates."""
    ask: bool = False
    """``kb new`` asks for it on a terminal when it was not given with ``--set``."""
    help: str = ""
    aggregate: str | None = None
    """Quantitative review metrics: how the dashboard combines the partners' latest reviews,
    ``"sum"`` (roubles, counts: additive) or ``"mean"`` (percentages); ``None``: not shown."""

    @property
    def unit(self) -> str:
        """The unit the label ends with (``"Рост доходов, %"`` → ``"%"``), else ``""``."""
        head, sep, tail = self.label.rpartition(", ")
        return tail if sep and tail in UNITS else ""

    def describe(self) -> str:
        if self.kind == "enum":
            return ", ".join(f"{k} ({v})" for k, v in self.choices.items())
        return {"metric": f"integer {METRIC_MIN}–{METRIC_MAX}", "date": "date YYYY-MM-DD",
                "text": "text", "list": "list (comma-separated with --set)",
                "link": "link to a partner note, [[Name]] or Name", "number": "number",
                "count": "integer ≥ 0",
                "steps": "list of '[ ] YYYY-MM-DD task' ('[x]' when done)"}[self.kind]


@dataclass(frozen=True)
class Schema:
    """The frontmatter of one template; notes with ``type: <name>`` follow it."""

    name: str
    label: str
    description: str
    fields: tuple[Field, ...]
    record: bool
    """True for notes about a partner (interaction, agreement, review): they need ``partner``
    and live with their partner (``[crm] layout``)."""

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


def _metrics(required: bool, ask: bool) -> tuple[Field, ...]:
    return tuple(Field(k, label, "metric", required=required, ask=ask,
                       help=f"{label}, {METRIC_MIN}–{METRIC_MAX}") for k, label in METRICS.items())


_PARTNER_LINK = Field("partner", "Партнер", "link", required=True, ask=True,
                      help="the partner note this is about")

SCHEMAS: dict[str, Schema] = {s.name: s for s in (
    Schema("partner", "Партнер", "Профиль партнера: тип, срок, этап, подход, метрики", (
        Field("partnership_type", "Тип партнерства", "enum", choices=PARTNERSHIP_TYPES, ask=True),
        Field("duration", "Продолжительность", "enum", choices=DURATIONS, ask=True),
        Field("stage", "Этап", "enum", required=True, choices=STAGES, default="identification",
              ask=True),
        Field("approach", "Подход", "enum", choices=APPROACHES, ask=True),
        Field("owner", "Ответственный", "text", ask=True),
        Field("started", "Начало", "date", default="today"),
        Field("next_review", "Следующий пересмотр", "date", default="today+review"),
        *_metrics(required=False, ask=False),
        Field("tags", "Теги", "list", default=["crm/partner"]),
        Field("aliases", "Псевдонимы", "list"),
    ), record=False),
    Schema("interaction", "Взаимодействие", "Встреча, звонок или письмо: итоги и следующие шаги", (
        _PARTNER_LINK,
        Field("date", "Дата", "date", required=True, default="today"),
        Field("channel", "Канал", "enum", required=True, choices=CHANNELS, default="meeting",
              ask=True),
        Field("participants", "Участники", "list", ask=True),
        Field("summary", "Кратко", "text", ask=True),
        Field("next_steps", "Следующие шаги", "steps"),
        Field("tags", "Теги", "list", default=["crm/interaction"]),
    ), record=True),
    Schema("agreement", "Соглашение", "Цели, роли, правила, управление, выгоды и риски", (
        _PARTNER_LINK,
        Field("status", "Статус", "enum", required=True, choices=AGREEMENT_STATUSES,
              default="draft", ask=True),
        Field("signed", "Подписано", "date"),
        Field("valid_until", "Действует до", "date"),
        Field("next_review", "Пересмотр", "date", default="today+review"),
        Field("tags", "Теги", "list", default=["crm/agreement"]),
    ), record=True),
    Schema("review", "Оценка эффективности", "Периодическая оценка: количественные и "
           "качественные метрики", (
        _PARTNER_LINK,
        Field("date", "Дата", "date", required=True, default="today"),
        Field("period", "Период", "text", ask=True),
        # quantitative metrics; ``aggregate`` says how the dashboard totals them
        Field("financial_return", "Финансовая отдача, ₽", "number", aggregate="sum"),
        Field("revenue_growth", "Рост доходов, %", "number", aggregate="mean"),
        Field("cost_reduction", "Снижение затрат, %", "number", aggregate="mean"),
        Field("market_expansion", "Новые рынки и регионы", "count", aggregate="sum"),
        Field("innovations", "Инновации", "count", aggregate="sum"),
        *_metrics(required=True, ask=True),
        Field("next_review", "Следующая оценка", "date", default="today+review"),
        Field("tags", "Теги", "list", default=["crm/review"]),
    ), record=True),
)}


QUANTITIES: tuple[Field, ...] = tuple(f for f in SCHEMAS["review"].fields if f.aggregate)
"""The quantitative metrics of a review (financial return, growth, …), in schema order."""


def schema_of(properties: dict[str, Any]) -> Schema | None:
    """The schema a note follows, from its ``type`` property (``None``: not a CRM note)."""
    kind = properties.get("type")
    return SCHEMAS.get(kind) if isinstance(kind, str) else None


# -- validation ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Issue:
    """One thing wrong with one property (a diagnostic once it has a place)."""

    code: str
    """KB015 invalid value, KB016 missing field, KB017 bad date."""
    key: str
    message: str
    hint: str | None = None


def empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def parse_date(value: Any) -> datetime.date | None:
    """An ISO ``YYYY-MM-DD`` date, or ``None`` when the value is not one."""
    if not isinstance(value, str) or not ISO_DATE.match(value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def parse_step(item: Any) -> tuple[bool, datetime.date | None, str] | None:
    """``(done, due date or None when not ISO, task)`` of a next step, ``None`` when malformed."""
    m = STEP.match(item.strip()) if isinstance(item, str) else None
    if m is None:
        return None
    return m.group("done") != " ", parse_date(m.group("due")), m.group("task")


def link_target(value: Any) -> str | None:
    """``Name`` of a ``[[Name]]``/``[[Name|label]]`` value, ``None`` when it is not a wikilink."""
    if not isinstance(value, str):
        return None
    m = re.fullmatch(r"\s*\[\[([^\[\]|#]+)(?:#[^\[\]|]*)?(?:\|[^\[\]]*)?\]\]\s*", value)
    return m.group(1).strip() if m else None


def validate(schema: Schema, properties: dict[str, Any]) -> Iterator[Issue]:
    """Every problem of a note's properties against its schema, one per property (one per
    malformed step)."""
    for f in schema.fields:
        value = properties.get(f.key)
        if empty(value):
            if f.required:
                yield Issue("KB016", f.key, f"{schema.name} note has no '{f.key}' ({f.label})",
                            f"add '{f.key}: …' to the frontmatter ({f.describe()})")
            continue
        yield from _validate_value(f, value)


def valid(f: Field, value: Any) -> bool:
    """Whether a present value is a valid value of ``f``."""
    return not empty(value) and next(_validate_value(f, value), None) is None


def _validate_value(f: Field, value: Any) -> Iterator[Issue]:
    shown = repr(value) if not isinstance(value, str) else f"«{value}»"
    if f.kind == "enum":
        if value not in f.choices:
            by_label = {v.lower(): k for k, v in f.choices.items()}
            guess = by_label.get(str(value).strip().lower())
            hint = (f"write the machine value: {f.key}: {guess}" if guess else
                    f"use one of: {f.describe()}")
            yield Issue("KB015", f.key, f"'{f.key}' ({f.label}): {shown} is not a known value", hint)
    elif f.kind == "metric":
        if isinstance(value, bool) or not isinstance(value, int) or not METRIC_MIN <= value <= METRIC_MAX:
            yield Issue("KB015", f.key, f"'{f.key}' ({f.label}): {shown} is not a score from "
                        f"{METRIC_MIN} to {METRIC_MAX}", f"write a whole number {METRIC_MIN}–{METRIC_MAX}")
    elif f.kind == "date":
        if parse_date(value) is None:
            yield Issue("KB017", f.key, f"'{f.key}' ({f.label}): {shown} is not a valid ISO date",
                        _date_hint(value))
    elif f.kind == "text":
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            yield Issue("KB015", f.key, f"'{f.key}' ({f.label}) must be text, not {shown}")
    elif f.kind == "list":
        if not isinstance(value, (list, str)):
            yield Issue("KB015", f.key, f"'{f.key}' ({f.label}) must be a list, not {shown}")
    elif f.kind == "link":
        if link_target(value) is None:
            yield Issue("KB018", f.key, f"'{f.key}' ({f.label}): {shown} is not a link to a note",
                        f'write {f.key}: "[[Название партнера]]"')
    elif f.kind in ("number", "count"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if f.kind == "count":
            ok = ok and isinstance(value, int) and value >= 0
        if not ok:
            yield Issue("KB015", f.key, f"'{f.key}' ({f.label}): {shown} is not "
                        f"{'a whole number ≥ 0' if f.kind == 'count' else 'a number'}")
    elif f.kind == "steps":
        items = value if isinstance(value, list) else [value]
        for item in items:
            step = parse_step(item)
            if step is None:
                yield Issue("KB015", f.key, f"'{f.key}' ({f.label}): {item!r} is not a step",
                            "write steps as '[ ] YYYY-MM-DD what to do' ('[x]' when done)")
            elif step[1] is None:
                due = STEP.match(item.strip()).group("due")
                yield Issue("KB017", f.key, f"'{f.key}' ({f.label}): due date «{due}» of "
                            f"«{step[2]}» is not a valid ISO date", _date_hint(due))


def _date_hint(value: Any) -> str:
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", str(value).strip())
    if m:
        d, mo, y = (int(x) for x in m.groups())
        try:
            return f"write {datetime.date(y, mo, d).isoformat()} (YYYY-MM-DD)"
        except ValueError:
            return f"{value} is not a day of the calendar; write YYYY-MM-DD"
    return "write the date as YYYY-MM-DD (and check that the day exists)"


# -- values given on the command line -------------------------------------------------------------

def coerce(f: Field, raw: str) -> Any:
    """A ``--set`` value (or a prompt answer) as the property value; ``ValueError`` with a
    message when it cannot be one."""
    text = raw.strip()
    if text == "":
        return None
    if f.kind == "enum":
        if text in f.choices:
            return text
        for key, label in f.choices.items():
            if label.lower() == text.lower():
                return key
        raise ValueError(f"{f.key}: «{text}» is not one of {f.describe()}")
    if f.kind in ("metric", "count"):
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{f.key}: «{text}» is not a whole number") from None
        issues = list(_validate_value(f, value))
        if issues:
            raise ValueError(issues[0].message)
        return value
    if f.kind == "number":
        try:
            number = float(text.replace(",", ".").replace(" ", ""))
        except ValueError:
            raise ValueError(f"{f.key}: «{text}» is not a number") from None
        return int(number) if number.is_integer() else number
    if f.kind == "date":
        if parse_date(text) is None:
            raise ValueError(f"{f.key}: «{text}» is not a valid date; {_date_hint(text)}")
        return text
    if f.kind == "list":
        return [item.strip() for item in text.split(",") if item.strip()]
    if f.kind == "steps":
        items = [item.strip() for item in text.split(";") if item.strip()]
        for item in items:
            for issue in _validate_value(f, [item]):
                raise ValueError(issue.message)
        return items
    if f.kind == "link":
        name = link_target(text) or text
        return f"[[{name}]]"
    return text


# -- JSON Schema ----------------------------------------------------------------------------------

def json_schema(schema: Schema) -> dict[str, Any]:
    """The same schema as JSON Schema (draft 2020-12), for other tools."""
    props: dict[str, Any] = {"type": {"const": schema.name}}
    for f in schema.fields:
        p: dict[str, Any] = {"title": f.label}
        if f.kind == "enum":
            p.update(enum=list(f.choices), **{"x-labels": dict(f.choices)})
        elif f.kind == "metric":
            p.update(type="integer", minimum=METRIC_MIN, maximum=METRIC_MAX)
        elif f.kind == "date":
            p.update(type="string", format="date", pattern=ISO_DATE.pattern)
        elif f.kind == "list":
            p.update(type=["array", "string"], items={"type": "string"})
        elif f.kind == "link":
            p.update(type="string", pattern=r"^\[\[[^\[\]]+\]\]$")
        elif f.kind == "number":
            p.update(type="number")
        elif f.kind == "count":
            p.update(type="integer", minimum=0)
        elif f.kind == "steps":
            p.update(type="array", items={"type": "string", "pattern": STEP.pattern})
        else:
            p.update(type=["string", "number"])
        if not f.required:
            p = {"anyOf": [p, {"type": "null"}]} if f.kind != "enum" else {**p, "enum": [*p["enum"], None]}
        props[f.key] = p
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": schema.label,
            "description": schema.description, "type": "object", "properties": props,
            "required": ["type", *(f.key for f in schema.fields if f.required)]}
