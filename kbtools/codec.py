"""Notes as plain tuples, for the parse cache and for handing notes back from worker processes.

``marshal`` loads plain tuples ~10x faster than ``pickle`` loads objects, so the cache and the
process pool move :func:`encode`\\ d notes and rebuild them with :func:`decode`.
"""

from __future__ import annotations

from typing import Any

from .model import Block, Comment, Heading, Link, Note, Problem, Tag

FORMAT = 2
"""Bump when the tuple layout changes (old caches are then ignored)."""


def encode(n: Note) -> tuple[Any, ...]:
    return (n.path, n.properties, n.aliases, n.tags,
            tuple((h.level, h.text, h.line) for h in n.headings),
            tuple((b.id, b.line, b.start, b.end) for b in n.blocks),
            tuple((k.raw, k.line, k.column, k.path, k.subpath, k.label, k.embed, k.style,
                   k.in_property) for k in n.links),
            tuple((t.name, t.line, t.column) for t in n.inline_tags),
            tuple((c.text, c.line, c.end) for c in n.comments),
            tuple((p.kind, p.message, p.line, p.column) for p in n.problems),
            n.body_line, n.property_lines)


def decode(t: tuple[Any, ...]) -> Note:
    return Note(t[0], t[1], t[2], t[3],
                tuple([Heading(*h) for h in t[4]]),
                tuple([Block(*b) for b in t[5]]),
                tuple([Link(*k) for k in t[6]]),
                tuple([Tag(*x) for x in t[7]]),
                tuple([Comment(*c) for c in t[8]]),
                tuple([Problem(*p) for p in t[9]]),
                t[10], t[11])
