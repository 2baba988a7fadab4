"""Stage 2, parse: a note's text → a :class:`~kbtools.model.Note`, through the token stream.

This is the reference reading of a note: frontmatter with python-frontmatter's YAML handler, the
body with the shared markdown-it-py parser (:func:`kbtools.syntax.markdown`). Nothing here reads
files; :mod:`kbtools.load` hands in decoded text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterator
from urllib.parse import unquote

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.token import Token

from .frontmatter import read_frontmatter, string_list
from .model import Block, Comment, Heading, Link, Note, Problem, Tag
from .syntax import markdown, split_linktext
from .syntax.wikilinks import find_close

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")  # two letters at least: not a drive letter


def normalize_text(text: str) -> str:
    """Text as every stage sees it: no BOM, ``\\n`` line ends, NFC."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def parse_note(path: str, text: str, problems: tuple[Problem, ...] = (), *,
               fast: bool = True) -> Note:
    """Parse normalised text (see :func:`normalize_text`) of the note at vault path ``path``.

    ``fast``: try the line scanner (:mod:`kbtools.scan`) first; it gives up, and the token
    stream is used, whenever the note has Markdown the scanner does not model.
    """
    lines = text.split("\n")
    fm = read_frontmatter(lines)
    all_problems = list(problems) + list(fm.problems)
    aliases, p1 = string_list(fm.properties, "aliases", fm.yaml_lines, split=False)
    fm_tags, p2 = string_list(fm.properties, "tags", fm.yaml_lines, split=True)
    all_problems += p1 + p2
    links = list(_property_links(fm.properties, fm.yaml_lines))
    body = read_body(lines, fm.lines, fast)
    links += body.links
    all_problems += body.problems
    if not any(line.strip() for line in lines[fm.lines:]):
        what = "has only frontmatter" if fm.lines else "is empty"
        all_problems.append(Problem("empty", f"the note {what}", 1, 1))
    return Note(
        path=path,
        properties=fm.properties,
        aliases=aliases,
        tags=merge_tags(fm_tags, (t.name for t in body.tags)),
        headings=tuple(body.headings),
        blocks=tuple(body.blocks),
        links=tuple(links),
        inline_tags=tuple(body.tags),
        comments=tuple(body.comments),
        problems=tuple(all_problems),
        body_line=fm.lines + 1,
        property_lines=fm.key_lines() if fm.properties else {},
    )


def read_body(lines: list[str], first: int, fast: bool = True):
    """Headings, blocks, links, tags, comments and problems of lines ``first``… of a note.

    The result has those six list attributes; the scanner's and the token reader's agree.
    """
    if fast:
        from .scan import scan_body
        result = scan_body(lines, first)
        if result is not None:
            return result
    body = "\n" * first + "\n".join(lines[first:]) if first else "\n".join(lines)
    reader = _TokenReader(lines)
    reader.read(markdown().parse(body))
    return reader


def merge_tags(*groups: Any) -> tuple[str, ...]:
    """Tags in order, case-insensitively unique, first spelling kept."""
    seen: dict[str, str] = {}
    for group in groups:
        for tag in group:
            seen.setdefault(tag.lower(), tag)
    return tuple(seen.values())


def is_external(href: str) -> bool:
    """True for URLs with a scheme (``https:``, ``mailto:``, ``obsidian:``…) or ``//host``."""
    return bool(_SCHEME.match(href)) or href.startswith("//")


def split_destination(href: str) -> tuple[str, str]:
    """A Markdown link destination → (decoded path, decoded subpath)."""
    path, _, subpath = href.partition("#")
    return unquote(path).strip(), unquote(subpath).strip()


def _property_links(properties: dict[str, Any], yaml_lines: tuple[str, ...]) -> Iterator[Link]:
    """Quoted ``"[[…]]"`` values of top-level text and list properties."""
    cursor = (0, 0)
    for key, value in properties.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if not isinstance(item, str) or "[[" not in item:
                continue
            pos = 0
            while (start := item.find("[[", pos)) >= 0:
                end = find_close(item, start + 2, len(item))
                if end < 0:
                    break
                raw = item[start:end + 2]
                parts = split_linktext(raw[2:-2])
                line, col, cursor = _find_in_lines(yaml_lines, raw, cursor)
                if not parts.empty:
                    yield Link(raw=raw, line=line + 1, column=col, path=parts.path,
                               subpath=parts.subpath, label=parts.label, in_property=key)
                pos = end + 2


def _find_in_lines(lines: tuple[str, ...], raw: str, cursor: tuple[int, int]
                   ) -> tuple[int, int, tuple[int, int]]:
    """Find ``raw`` at or after ``cursor`` (line index, column); 1-based physical result."""
    row, col = cursor
    for i in range(row, len(lines)):
        found = lines[i].find(raw, col if i == row else 0)
        if found >= 0:
            return i + 1, found + 1, (i, found + len(raw))
    return 1, 1, cursor


class _TokenReader:
    """Collects headings, blocks, links, tags and comments from one note's token stream."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.headings: list[Heading] = []
        self.blocks: list[Block] = []
        self.links: list[Link] = []
        self.tags: list[Tag] = []
        self.comments: list[Comment] = []
        self.problems: list[Problem] = []

    def read(self, tokens: list[Token]) -> None:
        last_block: dict[int, list[int]] = {}  # nesting level -> map of the last finished block
        open_maps: list[list[int] | None] = []
        row_line, cell_cursor = -1, 0
        heading_level = 0
        hosts: list[list] = []  # [content, locate, cursor] of inline tokens holding '^['
        for i, tok in enumerate(tokens):
            if tok.nesting == 1:
                open_maps.append(tok.map)
            elif tok.nesting == -1:
                closed = open_maps.pop() if open_maps else None
                if closed is not None:
                    last_block[tok.level] = closed
            elif tok.block and tok.map is not None and tok.type != "inline":
                last_block[tok.level] = tok.map
            if tok.type == "heading_open":
                heading_level = int(tok.tag[1:])
            elif tok.type == "tr_open" and tok.map:
                row_line, cell_cursor = tok.map[0], 0
            elif tok.type == "obsidian_comment_block" and tok.map:
                self.comments.append(Comment(tok.content.strip(), tok.map[0] + 1, tok.map[1]))
            elif tok.type == "inline" and tok.map is not None:
                parent = tokens[i - 1] if i else None
                if parent is not None and parent.type in ("td_open", "th_open") and row_line >= 0:
                    locate, cell_cursor = self._cell_locator(tok.content, row_line, cell_cursor)
                else:
                    locate = self._locator(tok.content, tok.map[0])
                if heading_level:
                    self.headings.append(Heading(heading_level, tok.content.strip(), tok.map[0] + 1))
                    heading_level = 0
                alone_block = None
                if parent is not None and parent.type == "paragraph_open":
                    alone_block = last_block.get(parent.level)
                self._read_inline(tok, locate, parent, alone_block)
                if "^[" in tok.content:
                    hosts.append([tok.content, locate, 0])
            elif tok.type == "inline" and tok.content:
                # an inline footnote ^[…]: markdown-it moves its text to the footnote list
                locate = self._footnote_locator(tok.content, hosts)
                if locate is not None:
                    self._read_inline(tok, locate, None, None)
        self.sort()

    @staticmethod
    def _footnote_locator(content: str, hosts: list[list]):
        """Locate the text of an inline footnote inside the paragraph that wrote it."""
        needle = "^[" + content + "]"
        for host in hosts:
            at = host[0].find(needle, host[2])
            if at >= 0:
                host[2] = at + len(needle)
                base, host_locate = at + 2, host[1]
                return lambda pos: host_locate(base + pos)
        return None

    def sort(self) -> None:
        """Source order: markdown-it emits footnote bodies after the rest of the document."""
        self.links.sort(key=lambda x: (x.line, x.column))
        self.tags.sort(key=lambda x: (x.line, x.column))
        self.headings.sort(key=lambda x: x.line)
        self.blocks.sort(key=lambda x: x.line)
        self.comments.sort(key=lambda x: x.line)
        self.problems.sort(key=lambda x: (x.line, x.column))

    # -- positions ---------------------------------------------------------------------------
    def _locator(self, content: str, first: int):
        """Map an offset of inline ``content`` (source lines from ``first``) to (line, col)."""
        starts: list[int] = []
        bases: list[int] = []
        offset = 0
        for k, cline in enumerate(content.split("\n")):
            src = self.lines[first + k] if first + k < len(self.lines) else ""
            idx = src.rfind(cline) if cline else len(src.rstrip())
            if idx < 0:
                stripped = cline.lstrip()
                idx = src.rfind(stripped) - (len(cline) - len(stripped)) if stripped else 0
            starts.append(offset)
            bases.append(max(idx, 0))
            offset += len(cline) + 1

        def locate(pos: int) -> tuple[int, int]:
            k = 0
            while k + 1 < len(starts) and starts[k + 1] <= pos:
                k += 1
            return first + k + 1, bases[k] + pos - starts[k] + 1
        return locate

    def _cell_locator(self, content: str, row: int, cursor: int):
        """Like :meth:`_locator` for a table cell, whose ``\\|`` became ``|``."""
        src = self.lines[row] if row < len(self.lines) else ""
        escaped = content.replace("|", "\\|")
        base = src.find(escaped, cursor) if escaped else cursor
        if base < 0:
            base = cursor

        def locate(pos: int) -> tuple[int, int]:
            return row + 1, base + pos + content.count("|", 0, pos) + 1
        return locate, base + len(escaped)

    # -- inline content ----------------------------------------------------------------------
    def _read_inline(self, tok: Token, locate, parent: Token | None, alone_block) -> None:
        for child in tok.children or ():
            kind = child.type
            if kind == "wikilink":
                meta = child.meta
                line, col = locate(meta["start"])
                raw = self._raw(line, col, meta, child.content)
                if meta["empty"]:
                    self.problems.append(Problem("empty-link", f"empty link {raw}", line, col))
                    continue
                self.links.append(Link(raw=raw, line=line, column=col, path=meta["path"],
                                       subpath=meta["subpath"], label=meta["label"],
                                       embed=meta["embed"]))
            elif kind in ("link_open", "image") and "start" in (child.meta or {}):
                href = child.attrGet("src" if kind == "image" else "href") or ""
                if is_external(href):
                    continue
                line, col = locate(child.meta["start"])
                raw = self._raw(line, col, child.meta, None)
                if not href:
                    self.problems.append(Problem("empty-link", f"empty link {raw}", line, col))
                    continue
                path, subpath = split_destination(href)
                label = child.content if kind == "image" else child.meta.get("label")
                self.links.append(Link(raw=raw, line=line, column=col, path=path,
                                       subpath=subpath, label=label, embed=kind == "image",
                                       style="markdown"))
            elif kind == "obsidian_tag":
                line, col = locate(child.meta["start"])
                self.tags.append(Tag(child.meta["name"], line, col))
            elif kind == "obsidian_comment":
                line, _ = locate(child.meta["start"])
                end_line, _ = locate(child.meta["end"] - 1)
                self.comments.append(Comment(child.content.strip(), line, end_line))
            elif kind == "block_id":
                line, _ = locate(child.meta["start"])
                if parent is None or parent.map is None:
                    continue  # no block ids inside inline footnotes
                if child.meta["alone"] and alone_block is not None:
                    start, end = alone_block[0] + 1, alone_block[1]
                    while end > start and not self.lines[end - 1].strip():
                        end -= 1  # markdown-it's list map takes the blank line after it
                else:
                    start, end = parent.map[0] + 1, parent.map[1]
                self.blocks.append(Block(child.meta["id"], line, start, end))

    def _raw(self, line: int, col: int, meta: dict, fallback: str | None) -> str:
        """The exact source text of a span, read from the file's lines."""
        width = meta["end"] - meta["start"]
        src = self.lines[line - 1]
        raw = src[col - 1:col - 1 + width]
        if fallback is not None and raw != fallback:
            # a table cell: the source has '\|' where the content has '|'
            extra = fallback.count("|")
            raw = src[col - 1:col - 1 + width + extra]
        return raw
