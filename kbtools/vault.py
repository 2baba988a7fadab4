"""The vault as the stages after loading see it: notes, attachments, resolved links."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config
from .model import Attachment, Note, Problem
from .resolve import Index, ResolvedLink

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class Vault:
    """A loaded vault (build one with :func:`kbtools.load_vault`)."""

    root: Path
    """The vault folder."""
    config: Config
    index: Index
    """Name and path lookups; ``index.notes`` maps vault path → :class:`Note`."""
    attachments: tuple[Attachment, ...]
    links: tuple[ResolvedLink, ...]
    """Every link occurrence of every note with its resolution, by path then position."""
    skipped: tuple[tuple[str, Problem], ...] = ()
    """Entries discovery left out (symlinks out of the vault, unreadable folders)."""

    @property
    def notes(self) -> dict[str, Note]:
        return self.index.notes

    @functools.cached_property
    def graph(self) -> "nx.MultiDiGraph":
        """The link graph (built on first use; see :func:`kbtools.graph.build_graph`)."""
        from .graph import build_graph
        return build_graph(self)
