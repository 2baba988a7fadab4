"""YAML frontmatter as Obsidian reads it (python-frontmatter's YAML handler, stricter loader).

* Frontmatter exists only when line 1 is ``---``; it ends at the next ``---`` line. An opening
  fence with no closing one is reported and the whole file is read as body.
* Values keep Obsidian's types: dates stay strings (``2025-02-31`` is text, not a crash).
* Duplicate keys, invalid YAML and a non-mapping document are :class:`~kbtools.model.Problem`\\ s
  with the physical line; the note then has no properties, and its body is still read.
* ``aliases``/``tags`` may be a list or a string (a string of tags is split on commas and
  spaces, as Obsidian's legacy reader and Quartz do); other types are problems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from .model import Problem

try:
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Base = yaml.SafeLoader  # type: ignore[misc]


_BOOL = "tag:yaml.org,2002:bool"


class ObsidianLoader(_Base):  # type: ignore[misc,valid-type]
    """Safe YAML loader reading values as Obsidian (YAML 1.2) does: no implicit timestamps
    (dates stay text), only ``true``/``false`` are booleans (``yes``/``no``/``on``/``off`` are
    text), duplicate keys are errors."""

    yaml_implicit_resolvers = {
        ch: [(tag, rx) for tag, rx in resolvers
             if tag not in ("tag:yaml.org,2002:timestamp", _BOOL)]
        for ch, resolvers in _Base.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found an unhashable key", key_node.start_mark) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    f"found duplicate key {key!r}", key_node.start_mark)
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


ObsidianLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

_HANDLER = YAMLHandler()
_FENCE = re.compile(r"---[ \t]*")
DEPRECATED_KEYS = {"tag": "tags", "alias": "aliases", "cssclass": "cssclasses"}


@dataclass(frozen=True, slots=True)
class Frontmatter:
    """What the frontmatter block of a file holds."""

    properties: dict[str, Any]
    """Top-level properties; ``{}`` when absent or unreadable."""
    lines: int
    """Physical lines the block takes, fences included (0 when there is none)."""
    yaml_lines: tuple[str, ...]
    """The YAML source lines between the fences (for locating property links)."""
    problems: tuple[Problem, ...]

    def key_lines(self) -> dict[str, int]:
        """Physical line of each top-level property (first spelling of the key)."""
        out: dict[str, int] = {}
        for i, text in enumerate(self.yaml_lines):
            if not text or text[0] in " \t#-[{":
                continue
            m = _TOP_KEY.match(text)
            if m is not None:
                key = next(g for g in m.groups() if g is not None).strip()
                if key in self.properties:
                    out.setdefault(key, i + 2)
        return out


_TOP_KEY = re.compile(r"""^(?:"([^"]*)"|'([^']*)'|([^:#'"][^:]*?))\s*:(?:\s|$)""")
NONE = Frontmatter({}, 0, (), ())


def read_frontmatter(lines: list[str]) -> Frontmatter:
    """Find and load the frontmatter at the top of a note given as lines (no line ends)."""
    if not lines or not _FENCE.fullmatch(lines[0]):
        return NONE
    for end in range(1, len(lines)):
        if _FENCE.fullmatch(lines[end]):
            break
    else:
        problem = Problem("frontmatter", "frontmatter opened on line 1 is never closed with "
                          "'---'; the whole file is read as body text", 1, 1)
        return Frontmatter({}, 0, (), (problem,))
    yaml_lines = tuple(lines[1:end])
    problems: list[Problem] = []
    try:
        data = _HANDLER.load("\n".join(yaml_lines), Loader=ObsidianLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and (mark is None or mark.line >= len(yaml_lines)):
            mark = exc.context_mark  # found at the end: point at what was left open
        line = (mark.line + 2) if mark else 1
        column = (mark.column + 1) if mark else 1
        what = (exc.problem or str(exc)).strip()
        problems.append(Problem("yaml", f"invalid YAML frontmatter: {what}", line, column))
        data = None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        problems.append(Problem("yaml", f"invalid YAML frontmatter: {exc}", 2, 1))
        data = None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(Problem("yaml", "frontmatter must be a mapping of properties, not a "
                                f"{type(data).__name__}", 2, 1))
        data = {}
    properties = {str(k): v for k, v in data.items()}
    for key in properties:
        if key in DEPRECATED_KEYS:
            problems.append(Problem("deprecated", f"property '{key}' is deprecated since "
                                    f"Obsidian 1.4 and ignored since 1.9; use "
                                    f"'{DEPRECATED_KEYS[key]}'", _key_line(yaml_lines, key), 1))
    return Frontmatter(properties, end + 1, yaml_lines, tuple(problems))


def _key_line(yaml_lines: tuple[str, ...], key: str) -> int:
    """Physical line of a top-level key (2 when not found)."""
    prefix = re.compile(rf"""^(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*:""")
    for i, text in enumerate(yaml_lines):
        if prefix.match(text):
            return i + 2
    return 2


def string_list(properties: dict[str, Any], key: str, yaml_lines: tuple[str, ...],
                split: bool) -> tuple[tuple[str, ...], tuple[Problem, ...]]:
    """``aliases``/``tags`` as a tuple of strings, with a problem when the type is wrong.

    ``split``: a string value is split on commas (and, for tags, whitespace).
    """
    value = properties.get(key)
    if value is None:
        return (), ()
    items: list[Any]
    if isinstance(value, str):
        items = re.split(r"[,\s]+", value) if split else [value]
    elif isinstance(value, list):
        items = value
    else:
        line = _key_line(yaml_lines, key)
        return (), (Problem("frontmatter-type", f"'{key}' must be a list of strings, not "
                            f"{type(value).__name__} {value!r}", line, 1),)
    out: list[str] = []
    problems: list[Problem] = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, (dict, list)):
            problems.append(Problem("frontmatter-type", f"'{key}' entries must be strings, got "
                                    f"{item!r}", _key_line(yaml_lines, key), 1))
            continue
        text = str(item).strip()
        if key == "tags":
            text = text.lstrip("#")
        if text:
            out.append(text)
    return tuple(out), tuple(problems)
