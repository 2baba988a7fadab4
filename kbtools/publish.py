"""Which notes are published: one predicate for ``kb build`` and ``kb check``.

A note stays off the site when its frontmatter says ``publish: false`` or ``draft: true``, when
its path matches a ``[site] exclude`` glob, or when it has a tag listed in ``[site]
exclude_tags`` (or a tag nested under one). The site builder leaves such notes out of pages,
backlinks, tags, search and feeds; rule KB022 reports published notes that still link to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .config import Config, matcher
from .model import Note


@dataclass(frozen=True)
class PublishRules:
    """What keeps a note unpublished, besides its own ``publish``/``draft`` properties."""

    exclude: tuple[str, ...] = ()
    """Vault path globs never published."""
    exclude_tags: tuple[str, ...] = ()
    """Lower-cased tags (without ``#``) whose notes, and notes of tags nested under them, are
    not published."""

    @classmethod
    def from_config(cls, config: Config) -> "PublishRules":
        site = getattr(config, "site", None) or {}
        listify = lambda v: (v,) if isinstance(v, str) else tuple(v or ())  # noqa: E731
        return cls(tuple(listify(site.get("exclude"))),
                   tuple(t.lstrip("#").lower() for t in listify(site.get("exclude_tags"))))

    def excluded(self) -> Callable[[str], bool]:
        return matcher(self.exclude)


def is_published(note: Note, rules: PublishRules = PublishRules(),
                 excluded: Callable[[str], bool] | None = None) -> bool:
    """Whether the note belongs on the site (``excluded``: a prebuilt path matcher)."""
    props = note.properties
    if falsy(props.get("publish")) or truthy(props.get("draft")):
        return False
    if (excluded or rules.excluded())(note.path):
        return False
    for tag in note.tags:
        t = tag.lower()
        if any(t == x or t.startswith(x + "/") for x in rules.exclude_tags):
            return False
    return True


def falsy(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in ("false", "no", "off", "0"))


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1"))
