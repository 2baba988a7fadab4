"""The data the stages hand to each other: one frozen dataclass per concept.

Every position is 1-based: ``line`` counts physical lines of the file as written (frontmatter
included), ``column`` counts Unicode code points of that line (a UTF-8 BOM is not counted).
Every path is vault-relative, uses ``/`` and is NFC-normalised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a file."""

    line: int
    """1-based physical line, frontmatter included."""
    column: int = 1
    """1-based column in code points."""


@dataclass(frozen=True, slots=True)
class Heading:
    """An ATX or setext heading of a note."""

    level: int
    """1 to 6."""
    text: str
    """The heading's source text (markup kept, closing ``#`` removed), as Obsidian matches it."""
    line: int
    """1-based physical line of the heading."""


@dataclass(frozen=True, slots=True)
class Block:
    """A block identifier ``^id``."""

    id: str
    """The identifier without the caret (``[A-Za-z0-9-]+``)."""
    line: int
    """Line of the ``^id`` marker itself."""
    start: int
    """First line of the block it names (the paragraph, or the list/quote/table before a lone id)."""
    end: int
    """Last line of the block it names."""


@dataclass(frozen=True, slots=True)
class Link:
    """One link occurrence in a note, exactly as written."""

    raw: str
    """The exact source text, with ``!`` for embeds (``![[a#b|c]]``, ``[x](a.md)``)."""
    line: int
    """1-based physical line where ``raw`` starts."""
    column: int
    """1-based column (code points) where ``raw`` starts."""
    path: str
    """The target path as written, un-escaped and percent-decoded (``""`` for same-note links)."""
    subpath: str = ""
    """Everything after the first ``#`` (``Heading``, ``A#B``, ``^block``), ``""`` when absent."""
    label: str | None = None
    """Display text after ``|`` (or a Markdown link's text); ``None`` when absent."""
    embed: bool = False
    """``![[…]]`` or ``![…](…)``."""
    style: str = "wiki"
    """``wiki`` for ``[[…]]``, ``markdown`` for ``[…](…)``."""
    in_property: str | None = None
    """The frontmatter key when the link is a quoted ``"[[…]]"`` property value, else ``None``."""

    @property
    def kind(self) -> str:
        """``embed``, ``wikilink`` or ``markdown`` (the ``kind`` of ``kb links``)."""
        if self.embed:
            return "embed"
        return "wikilink" if self.style == "wiki" else "markdown"

    @property
    def heading(self) -> str | None:
        """The heading path of the subpath (``A#B``), or ``None`` for block or no subpath."""
        return self.subpath if self.subpath and not self.subpath.startswith("^") else None

    @property
    def block(self) -> str | None:
        """The block id of a ``#^id`` subpath, or ``None``."""
        return self.subpath[1:] if self.subpath.startswith("^") else None


@dataclass(frozen=True, slots=True)
class Tag:
    """An inline ``#tag`` occurrence (frontmatter tags live in :attr:`Note.tags`)."""

    name: str
    """The tag as written, without ``#`` (``inbox/to-read``)."""
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Comment:
    """A ``%%comment%%`` (inline or block); checks read suppressions from them."""

    text: str
    """Text between the ``%%`` markers, stripped."""
    line: int
    """First line of the comment."""
    end: int
    """Last line of the comment."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the reader found wrong in a file, before any rule is applied."""

    kind: str
    """``encoding``, ``yaml``, ``frontmatter-type``, ``duplicate-key``, ``unreadable``, ``empty``…"""
    message: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True, slots=True)
class Note:
    """A parsed Markdown note. Immutable: stages derive new data, never edit a note."""

    path: str
    """Vault-relative path with extension, ``/``-separated, NFC (``Папка/Заметка.md``)."""
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    """Frontmatter properties (empty when absent or invalid). Dates stay strings, as Obsidian keeps them."""
    aliases: tuple[str, ...] = ()
    """From the ``aliases`` property (list or string)."""
    tags: tuple[str, ...] = ()
    """All tags, frontmatter then inline, without ``#``, first spelling kept, case-insensitively unique."""
    headings: tuple[Heading, ...] = ()
    blocks: tuple[Block, ...] = ()
    links: tuple[Link, ...] = ()
    """Internal links and embeds in source order (property links first). External URLs are not links."""
    inline_tags: tuple[Tag, ...] = ()
    comments: tuple[Comment, ...] = ()
    problems: tuple[Problem, ...] = ()
    body_line: int = 1
    """First line after the frontmatter (1 when there is none)."""
    property_lines: dict[str, int] = field(default_factory=dict, hash=False, compare=False)
    """Physical line of each top-level frontmatter key (for diagnostics about a property)."""

    @property
    def name(self) -> str:
        """File name without ``.md``: what links target."""
        base = self.path.rsplit("/", 1)[-1]
        return base[:-3] if base.lower().endswith(".md") else base

    @property
    def folder(self) -> str:
        """Containing folder (``""`` at the vault root)."""
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A non-Markdown file of the vault (image, PDF, canvas…)."""

    path: str
    """Vault-relative path with extension."""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""
