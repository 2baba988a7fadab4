"""Configuration: ``kbtools.toml`` or ``[tool.kbtools]`` in ``pyproject.toml``.

Looked up in the vault folder, then in each parent up to the repository root (a folder with
``.git``); the first file that has settings wins. CLI flags override it (:meth:`Config.merged`).

.. code-block:: toml

    ignore = ["Шаблоны/**", "*.excalidraw.md"]   # paths that are not part of the vault
    resolve_aliases = false                        # Quartz-style [[Alias]] resolution
    tie_break = "fewest-folders"                   # or "shortest-path"
    cache = true                                   # .kbcache/ in the vault

    [rules]                                        # per-rule severity: off|info|warning|error
    KB005 = "error"
    orphan-note = "warning"

    [per-path-ignores]                             # glob -> rule codes/slugs (or "*")
    "Входящие/**" = ["KB001", "orphan-note"]

    [crm]                                          # partner notes (see kbtools.crm)
    folder = "Партнёры"
    stale_days = 60
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Severity
from .rules import RULES, lookup

CONFIG_FILE = "kbtools.toml"


class ConfigError(ValueError):
    """A configuration file or value that cannot be used (exit code 2)."""


@dataclass(frozen=True)
class CrmConfig:
    """The ``[crm]`` table: partner notes (:mod:`kbtools.crm`)."""

    enabled: bool = True
    """Validate notes whose ``type`` is a CRM template (partner, interaction, agreement, review)."""
    folder: str = "Партнёры"
    """Vault folder of partner notes (``kb new partner``)."""
    layout: str = "by-partner"
    """Where interactions, agreements and reviews go: ``by-partner`` (``<folder>/<partner>/<date>
    <title>.md``) or ``flat`` (``<folder>/<date> <partner> — <title>.md``)."""
    templates: str | None = None
    """Folder of the user's own templates (relative to the vault); default ``../templates/notes``."""
    hub: str | None = "Развитие партнерств"
    """The note new CRM notes link back to (left out when the vault has no such note)."""
    stale_days: int = 60
    """KB019: a partner with no interaction for more days than this is stale."""
    review_days: int = 90
    """``kb new``: default ``next_review`` of a new partner, in days from today."""
    today: str | None = None
    """The clock of the date rules (ISO date); ``None`` means the system date. For tests and
    reproducible CI runs (``--today`` on the command line)."""


_CRM_KEYS = {f.name for f in dataclasses.fields(CrmConfig)}


def _crm_from_mapping(data: Any, source: str | None) -> CrmConfig:
    where = f"{source or 'config'} [crm]"
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a table")
    data = {k.replace("-", "_"): v for k, v in data.items()}
    unknown = set(data) - _CRM_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    types = {"enabled": bool, "folder": str, "layout": str, "templates": str, "hub": str,
             "stale_days": int, "review_days": int, "today": str}
    for key, value in data.items():
        if not isinstance(value, types[key]) or (types[key] is int and isinstance(value, bool)):
            raise ConfigError(f"{where}: {key} must be a {types[key].__name__}, not {value!r}")
    if data.get("layout", "by-partner") not in ("by-partner", "flat"):
        raise ConfigError(f"{where}: layout must be 'by-partner' or 'flat'")
    for key in ("stale_days", "review_days"):
        if data.get(key, 1) < 1:
            raise ConfigError(f"{where}: {key} must be at least 1")
    if "today" in data:
        import datetime
        try:
            datetime.date.fromisoformat(data["today"])
        except ValueError:
            raise ConfigError(f"{where}: today must be an ISO date (YYYY-MM-DD)") from None
    if data.get("hub") == "":
        data["hub"] = None
    return CrmConfig(**data)


@dataclass(frozen=True)
class Config:
    """Every setting, with its default."""

    ignore: tuple[str, ...] = ()
    """Glob patterns (``**`` spans folders) of vault paths to leave out."""
    severity: dict[str, Severity] = field(default_factory=dict)
    """Rule code → severity, overriding the rule's default."""
    per_path_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Glob → rule codes silenced in matching files (``*`` for all)."""
    resolve_aliases: bool = False
    """Let ``[[Alias]]`` resolve to the note declaring it (Quartz/Publish style; not Obsidian)."""
    tie_break: str = "fewest-folders"
    """How a bare name shared by files in other folders is settled: ``fewest-folders`` or
    ``shortest-path``."""
    cache: bool = True
    """Keep parse results in ``.kbcache/`` under the vault."""
    crm: CrmConfig = field(default_factory=CrmConfig)
    """Partner notes: folders, thresholds, clock (the ``[crm]`` table)."""
    source: str | None = None
    """The file these settings came from, if any."""
    site: dict[str, Any] = field(default_factory=dict)
    """The ``[site]`` table for ``kb build`` (validated by :mod:`kbtools.site.config`)."""

    def rule_severity(self, code: str) -> Severity:
        if code in self.severity:
            return self.severity[code]
        return lookup(code).severity

    def merged(self, **overrides: Any) -> "Config":
        """A copy with the given non-``None`` fields replaced (CLI flags)."""
        changes = {k: v for k, v in overrides.items() if v is not None}
        if "severity" in changes:
            changes["severity"] = {**self.severity, **changes["severity"]}
        return dataclasses.replace(self, **changes)


def from_mapping(data: dict[str, Any], source: str | None = None) -> Config:
    """Build a :class:`Config` from a TOML table, validating every key."""
    known = {"ignore", "rules", "per-path-ignores", "per_path_ignores", "resolve_aliases",
             "resolve-aliases", "tie_break", "tie-break", "cache", "crm", "site"}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{source or 'config'}: unknown setting(s) {', '.join(sorted(unknown))}")
    try:
        severity = {lookup(k).code: Severity.parse(v) for k, v in data.get("rules", {}).items()}
        ppi_raw = data.get("per-path-ignores", data.get("per_path_ignores", {}))
        ppi = {glob: tuple("*" if c == "*" else lookup(c).code for c in ([codes] if isinstance(codes, str) else codes))
               for glob, codes in ppi_raw.items()}
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"{source or 'config'}: {exc}") from None
    tie = data.get("tie_break", data.get("tie-break", "fewest-folders"))
    if tie not in ("fewest-folders", "shortest-path"):
        raise ConfigError(f"{source or 'config'}: tie_break must be 'fewest-folders' or 'shortest-path'")
    ignore = data.get("ignore", [])
    if isinstance(ignore, str):
        ignore = [ignore]
    return Config(ignore=tuple(ignore), severity=severity, per_path_ignores=ppi,
                  resolve_aliases=bool(data.get("resolve_aliases", data.get("resolve-aliases", False))),
                  tie_break=tie, cache=bool(data.get("cache", True)),
                  crm=_crm_from_mapping(data.get("crm", {}), source), source=source,
                  site=dict(data.get("site", {})))


def find_config(vault: Path) -> Config:
    """The configuration for a vault folder (defaults when there is no file)."""
    folder = vault.resolve()
    for candidate in (folder, *folder.parents):
        toml_file = candidate / CONFIG_FILE
        if toml_file.is_file():
            return from_mapping(_read_toml(toml_file), str(toml_file))
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            section = _read_toml(pyproject).get("tool", {}).get("kbtools")
            if section is not None:
                return from_mapping(section, f"{pyproject} [tool.kbtools]")
        if (candidate / ".git").exists():
            break
    return Config()


def read_config(path: Path) -> Config:
    """Settings from an explicit file: ``kbtools.toml``, or ``pyproject.toml``'s [tool.kbtools]."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("kbtools", {})
    return from_mapping(data, str(path))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile a vault glob: ``**`` spans folders, ``*``/``?`` stay within one; a pattern also
    matches everything under a folder it names."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out).rstrip("/") + "(?:/.*)?", re.IGNORECASE)


def matcher(patterns: tuple[str, ...] | list[str]):
    """A predicate ``path -> bool`` for a list of globs."""
    regexes = [glob_regex(p.strip("/")) for p in patterns if p.strip("/")]
    if not regexes:
        return lambda path: False
    return lambda path: any(r.fullmatch(path) for r in regexes)


ALL_CODES = tuple(r.code for r in RULES)
