"""The fast path of stage 2: a line scanner that finds exactly what the token stream finds.

The reference reading of a note is :class:`kbtools.parse._TokenReader` over the markdown-it-py
token stream. Parsing every note of a 10,000-note vault that way takes ~10 s; this scanner
handles the common subset of Markdown (paragraphs, ATX headings, lists, quotes and callouts,
pipe tables, fences, thematic breaks) with the same inline rules as markdown-it (code spans,
escapes, wiki-links, comments, links and images, tags, block ids) at a fraction of the cost.

Anything outside that subset (HTML, indented code, math, footnotes, reference definitions,
setext headings, tabs in indentation, block comments, blocks nested inside list items…) makes
:func:`scan_body` return ``None`` and the caller falls back to the token stream. The
differential test ``tests/test_scan_differential.py`` proves, on every fixture and on generated
vaults, that whenever the scanner answers, its answer equals the token stream's.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from .model import Block, Comment, Heading, Link, Problem, Tag
from .syntax.tags import TAG_BODY, _ALL_DIGITS
from .syntax.wikilinks import split_linktext


class Unsupported(Exception):
    """The note uses Markdown the scanner does not model: use the token stream."""


# -- block level -------------------------------------------------------------------------------

_FENCE = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)")
_HR = re.compile(r" {0,3}([*_-])(?:[ \t]*\1){2,}[ \t]*")
_BULLET = re.compile(r"( {0,3})([*+-])( {1,4}(?=\S)|[ \t]*$)")
_ORDERED = re.compile(r"( {0,3})(\d{1,9})([.)])( {1,4}(?=\S)|[ \t]*$)")
_LOOSE_ITEM = re.compile(r" {0,3}(?:[*+-]|\d{1,9}[.)])[ \t]")
_ATX = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_QUOTE = re.compile(r" {0,3}>")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*")
_DELIM_CHARS = re.compile(r"[-:|][-:|\s]*")
_ALIGN = re.compile(r"^:?-+:?$")
_REFDEF = re.compile(r" {0,3}\[[^\]]*\]:")
_NOT_MODELLED = re.compile(r"\$|<[A-Za-z/!?]|\[\^|\^\[")
_INDENT = re.compile(r"[ \t]*")
_ID_END = re.compile(r"\^([A-Za-z0-9-]+)[ \t]*$")


@dataclass
class _Para:
    """Inline content being collected: its source lines and where each starts."""

    kind: str  # paragraph | heading | cell
    lines: list[tuple[int, int, str]] = field(default_factory=list)  # (line index, col, text)
    level: int = 0  # heading level
    container: str = ""  # "" | list | quote


@dataclass
class _Result:
    headings: list[Heading] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def scan_body(lines: list[str], first: int):
    """Scan lines ``first``… of a note (the body). ``None`` when the note needs the token path."""
    try:
        return _Scanner(lines, first).run()
    except Unsupported:
        return None


class _Scanner:
    def __init__(self, lines: list[str], first: int):
        self.lines = lines
        self.first = first
        self.out = _Result()
        self.last_block: tuple[int, int] | None = None  # top-level (start, end) lines, 0-based
        self.para: _Para | None = None
        self.list_indent = -1  # content indent of the current list item, -1 outside lists
        self.list_start = -1
        self.top_marker = ""  # bullet character or ordered delimiter of the top-level list
        self.top_content = 0  # content indent of the current top-level item
        self.quote_start = -1
        self.after_blank = False

    # -- driver -------------------------------------------------------------------------------
    def run(self) -> _Result:
        lines, i, n = self.lines, self.first, len(self.lines)
        while i < n:
            line = lines[i]
            if not line.strip():
                self._blank(i)
                i += 1
                continue
            indent = _INDENT.match(line).end()
            if "\t" in line[:indent] or _NOT_MODELLED.search(line) or _REFDEF.match(line):
                raise Unsupported
            if indent >= 4:
                rest = line[indent:]
                if self.para is None or self.after_blank or _block_start(rest):
                    raise Unsupported  # indented code, or a block nested in a list item
                self._text(i, indent)  # a paragraph's continuation line
                i += 1
                continue
            if line.lstrip().startswith("%%") and line.find("%%", indent + 2) < 0:
                raise Unsupported  # a multi-line %% comment block
            lead = line[indent]
            if lead.isalpha() or lead in "(\"'«„":
                # cannot open a fence, quote, heading or list, or be a setext underline
                if not self._table_start(i):
                    self._text(i, indent)
                    i += 1
                    continue
            fence = _FENCE.match(line)
            if fence and (fence.group(2)[0] == "~" or "`" not in fence.group(3)):
                if self._in_item(indent):
                    raise Unsupported
                self._end_all(i)
                i = self._fence(i, fence)
                continue
            if _QUOTE.match(line):
                if self._in_item(indent):
                    raise Unsupported
                i = self._quote(i)
                continue
            if self.quote_start >= 0:
                raise Unsupported  # lazy continuation of a quote
            if self._table_start(i):
                if self._in_item(indent) or (self.list_indent >= 0 and not self.after_blank):
                    raise Unsupported
                self._end_all(i)
                i = self._table(i)
                continue
            if _HR.fullmatch(line):
                if (self.para is not None and line.strip()[0] == "-") or self._in_item(indent):
                    raise Unsupported  # a setext underline, or a break inside a list item
                self._end_all(i)
                self._set_block(i, i)
                i += 1
                continue
            if self.para is not None and self.para.kind == "paragraph" and _SETEXT.fullmatch(line):
                raise Unsupported
            if _ATX.match(line):
                if self._in_item(indent):
                    raise Unsupported
                self._end_all(i)
                self._heading(i)
                self._set_block(i, i)
                i += 1
                continue
            item = _BULLET.match(line) or _ORDERED.match(line)
            if item is None and _LOOSE_ITEM.match(line):
                raise Unsupported  # a marker followed by 5+ spaces: an item with indented code
            if item is not None and self._starts_item(item, indent):
                self._item(i, item)
                i += 1
                continue
            self._text(i, indent)
            i += 1
        self._end_all(n)
        return self.out

    def _blank(self, i: int) -> None:
        self._flush()
        if self.quote_start >= 0:
            self._end_quote(i)
        self.after_blank = True

    def _end_all(self, i: int) -> None:
        self._flush()
        if self.quote_start >= 0:
            self._end_quote(i)
        if self.list_indent >= 0:
            self._set_block(self.list_start, self._last_nonblank(i - 1))
            self.list_indent = self.list_start = -1
        self.after_blank = False

    def _in_item(self, indent: int) -> bool:
        """A block starting at this indentation would sit inside the current list item."""
        return self.list_indent >= 0 and indent >= self.top_content

    def _last_nonblank(self, i: int) -> int:
        while i > 0 and not self.lines[i].strip():
            i -= 1
        return i

    def _set_block(self, start: int, end: int) -> None:
        self.last_block = (start, end)

    # -- containers ---------------------------------------------------------------------------
    def _starts_item(self, item: re.Match, indent: int) -> bool:
        """Whether a list-marker line starts an item here (markdown-it's interruption rules)."""
        empty = not item.group(item.lastindex).strip() and not item.string[item.end():].strip()
        ordered = item.re is _ORDERED
        if self.list_indent >= 0:
            if indent >= self.list_indent:  # a nested list
                if empty or (ordered and int(item.group(2)) != 1 and self.para is not None):
                    raise Unsupported
            elif empty:
                raise Unsupported
            return True
        if self.para is not None and self.para.kind == "paragraph":
            # a paragraph is interrupted only by a non-empty bullet or an ordered list at 1
            if empty or (ordered and int(item.group(2)) != 1):
                return False
        elif empty:
            raise Unsupported
        return True

    def _item(self, i: int, item: re.Match) -> None:
        line = self.lines[i]
        marker = item.group(3) if item.re is _ORDERED else item.group(2)
        indent = len(item.group(1))
        if self.list_indent >= 0 and indent < self.top_content and marker != self.top_marker:
            self._end_all(i)  # another bullet character or delimiter starts another list
        if self.list_indent < 0:
            self._end_all(i)
            self.list_start = i
            self.top_marker = marker
        self._flush()
        content_col = item.end()
        if indent < self.top_content or self.list_start == i:
            self.top_content = content_col
        if content_col >= len(line) or not line[content_col:].strip():
            raise Unsupported
        rest = line[content_col:]
        if _block_start(rest):
            raise Unsupported  # a block nested on the marker line
        self.list_indent = content_col
        self.after_blank = False
        self.para = _Para("paragraph", [(i, content_col, rest)], container="list")

    def _text(self, i: int, indent: int) -> None:
        line = self.lines[i]
        if self.list_indent >= 0 and self.after_blank:
            if indent >= 2:
                raise Unsupported  # a second paragraph inside an item
            self._end_all(i)
        if self.para is None:
            self._end_all(i)
            self.para = _Para("paragraph")
        self.after_blank = False
        if self.para.lines:
            # continuation lines keep their indentation beyond the container's (markdown-it's
            # getLines); only the paragraph's start is stripped
            keep = min(indent, self.list_indent) if self.list_indent >= 0 else 0
            self.para.lines.append((i, keep, line[keep:]))
        else:
            self.para.lines.append((i, indent, line[indent:]))

    def _quote(self, i: int) -> int:
        lines, n = self.lines, len(self.lines)
        if self.quote_start < 0:
            self._end_all(i)
            self.quote_start = i
        while i < n and _QUOTE.match(lines[i]):
            line = lines[i]
            col = line.index(">") + 1
            if col < len(line) and line[col] == " ":
                col += 1
            elif col < len(line) and line[col] == "\t":
                raise Unsupported
            content = line[col:]
            if not content.strip():
                self._flush()
            else:
                if (_block_start(content) or content.startswith(" ")
                        or _NOT_MODELLED.search(content) or _REFDEF.match(content)):
                    raise Unsupported  # only paragraphs are modelled inside quotes
                if self.para is None:
                    self.para = _Para("paragraph", container="quote")
                self.para.lines.append((i, col, content))
            i += 1
        return i

    def _end_quote(self, i: int) -> None:
        self._flush()
        self._set_block(self.quote_start, self._last_nonblank(i - 1))
        self.quote_start = -1

    # -- leaf blocks --------------------------------------------------------------------------
    def _fence(self, i: int, m: re.Match) -> int:
        marker = m.group(2)
        lines, n = self.lines, len(self.lines)
        close = re.compile(r" {0,3}" + re.escape(marker[0]) + "{" + str(len(marker)) + r",}[ \t]*")
        j = i + 1
        while j < n and not close.fullmatch(lines[j]):
            j += 1
        end = min(j, n - 1)
        self._set_block(i, end)
        return j + 1

    def _heading(self, i: int) -> None:
        line = self.lines[i]
        pos = line.index("#")
        level = 0
        while pos < len(line) and line[pos] == "#":
            level += 1
            pos += 1
        end = len(line.rstrip(" \t"))
        tmp = end
        while tmp > pos and line[tmp - 1] == "#":
            tmp -= 1
        if tmp < end and tmp > pos and line[tmp - 1] in " \t":
            end = tmp
        raw = line[pos:end]
        text = raw.strip()
        col = pos + (len(raw) - len(raw.lstrip())) if text else pos
        self.out.headings.append(Heading(level, text, i + 1))
        para = _Para("heading", [(i, col, text)], level=level)
        self._inline(para)

    def _table_start(self, i: int) -> bool:
        """markdown-it's table rule: header row i, delimiter row i+1."""
        if i + 1 >= len(self.lines):
            return False
        delim = self.lines[i + 1]
        d_indent = _INDENT.match(delim).end()
        if d_indent >= 4 or not _DELIM_CHARS.fullmatch(delim[d_indent:].rstrip()) and not \
                _DELIM_CHARS.fullmatch(delim[d_indent:]):
            return False
        text = delim[d_indent:]
        if len(text) < 2 or (text[0] == "-" and text[1] in " \t"):
            return False
        aligns = 0
        cols = text.strip().split("|")
        for k, col in enumerate(cols):
            t = col.strip()
            if not t:
                if k == 0 or k == len(cols) - 1:
                    continue
                return False
            if not _ALIGN.match(t):
                return False
            aligns += 1
        header = self.lines[i].strip()
        if "|" not in header or _INDENT.match(self.lines[i]).end() >= 4:
            return False
        cells = _split_row(self.lines[i])
        return len(cells) == aligns and aligns > 0

    def _table(self, i: int) -> int:
        self._flush()
        lines, n = self.lines, len(self.lines)
        count = len(_split_row(lines[i]))
        self._cells(i, count)
        j = i + 2
        while j < n and lines[j].strip():
            if not lines[j].lstrip().startswith("|") or _INDENT.match(lines[j]).end() >= 4:
                raise Unsupported  # markdown-it's other row terminators are not modelled
            self._cells(j, count)
            j += 1
        self._set_block(i, j - 1)
        self.after_blank = False
        return j

    def _cells(self, i: int, count: int) -> None:
        for k, (col, content) in enumerate(_split_row(self.lines[i])):
            if k >= count:
                break
            self._inline(_Para("cell", [(i, col, content)]))

    # -- inline content -------------------------------------------------------------------------
    def _flush(self) -> None:
        para, self.para = self.para, None
        if para is None or not para.lines:
            return
        # markdown-it strips the paragraph: trailing whitespace of the last line goes
        i, col, text = para.lines[-1]
        para.lines[-1] = (i, col, text.rstrip())
        start, end = para.lines[0][0], para.lines[-1][0]
        block = self._inline(para)
        if para.container == "":
            if block is not None and block[1] and self.last_block is not None:
                self.out.blocks.append(Block(block[0], block[2] + 1, self.last_block[0] + 1,
                                             self.last_block[1] + 1))
            elif block is not None:
                self.out.blocks.append(Block(block[0], block[2] + 1, start + 1, end + 1))
            self._set_block(start, end)
        elif block is not None:
            if block[1]:
                raise Unsupported  # a lone id inside a list item or quote
            self.out.blocks.append(Block(block[0], block[2] + 1, start + 1, end + 1))

    def _inline(self, para: _Para):
        """Scan one inline content; returns (block id, alone, line index) or ``None``."""
        texts = [t for _, _, t in para.lines]
        src = "\n".join(texts)
        starts, acc = [], 0
        for t in texts:
            starts.append(acc)
            acc += len(t) + 1
        cell = para.kind == "cell"

        def locate(pos: int) -> tuple[int, int]:
            k = bisect_right(starts, pos) - 1
            i, col, text = para.lines[k]
            off = pos - starts[k]
            if cell:
                off += text.count("|", 0, off)
            return i + 1, col + off + 1

        scanner = _InlineScanner(src, self, locate, cell)
        last = scanner.scan(0, len(src), record=True)
        if para.kind != "paragraph":
            return None
        newline = src.rfind("\n")
        if newline >= 0:  # the softbreak token ends after the next line's indentation
            after = newline + 1
            while after < len(src) and src[after] == " ":
                after += 1
            last = max(last, after)
        m = _ID_END.search(src)
        if m is None or m.start() < last:
            return None
        caret = m.start()
        if caret > last and not src[caret - 1].isspace():
            raise Unsupported  # where the text token starts depends on emphasis: not modelled
        alone = src.strip() == "^" + m.group(1)
        line, _ = locate(caret)
        return m.group(1), alone, line - 1


def _block_start(text: str) -> bool:
    """Whether ``text`` (indentation removed) would open a block of its own."""
    return bool(_QUOTE.match(text) or _ATX.match(text) or _FENCE.match(text) or _HR.fullmatch(text)
                or _LOOSE_ITEM.match(text) or _BULLET.match(text) or _ORDERED.match(text)
                or _SETEXT.fullmatch(text) or text.startswith(("|", "%%")))


def _split_row(line: str) -> list[tuple[int, str]]:
    """markdown-it's escapedSplit of a table row: (source column, trimmed content) per cell,
    with ``\\|`` turned into ``|``."""
    indent = _INDENT.match(line).end()
    end = len(line.rstrip())
    text_start = indent
    cells: list[tuple[int, str]] = []
    cur, cur_start, pos, escaped = [], text_start, text_start, False
    while pos < end:
        ch = line[pos]
        if ch == "|" and not escaped:
            cells.append((cur_start, "".join(cur)))
            cur, cur_start = [], pos + 1
        elif ch == "|" and escaped:
            cur[-1] = "|"  # drop the backslash
        else:
            cur.append(ch)
        escaped = ch == "\\"
        pos += 1
    cells.append((cur_start, "".join(cur)))
    if cells and cells[0][1] == "":
        cells.pop(0)
    if cells and cells[-1][1] == "":
        cells.pop()
    out = []
    for start, content in cells:
        lead = len(content) - len(content.lstrip(" \t"))
        out.append((start + lead, content.strip(" \t")))
    return out


_SPECIAL = re.compile(r"[\\`%\[#]|!\[")  # where a rule that matters can start
_SKIP_STOP = re.compile(r"[\\`%\[!#\]\n&]")  # markdown-it terminators that matter in a label
_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


class _InlineScanner:
    """markdown-it's inline rules, reduced to what decides links, tags and comments."""

    def __init__(self, src: str, owner: _Scanner, locate, cell: bool):
        self.src = src
        self.owner = owner
        self.out = owner.out
        self.locate = locate
        self.cell = cell
        self.depth = 0
        if src.count("[") > 400:
            raise Unsupported  # pathological bracket runs: leave them to markdown-it's guards

    def scan(self, pos: int, limit: int, record: bool) -> int:
        """Tokenize src[pos:limit]; returns the end of the last non-text token."""
        src = self.src
        last = pos
        while pos < limit:
            m = _SPECIAL.search(src, pos, limit)
            if m is None:
                break
            pos = m.start()
            if src.startswith("[[", pos):  # the common case, first: a wiki-link
                close = src.find("]]", pos + 2, limit)
                if close >= 0 and src.find("\n", pos + 2, close) < 0 and \
                        src.find("[[", pos + 2, close) < 0:
                    if record:
                        self.wikilink(pos, pos + 2, close, False)
                    pos = last = close + 2
                    continue
            end, token = self.rule(pos, limit, record)
            if end is None:
                pos += 1
                continue
            if token:
                last = end
            pos = end
        return last

    def skip(self, pos: int, limit: int) -> tuple[int, bool]:
        """markdown-it's skipToken: where the token at pos ends, and whether a rule matched."""
        src = self.src
        if not _SPECIAL.match(src, pos) and src[pos] not in "]()<>":
            m = _SKIP_STOP.search(src, pos, limit)
            return max(m.start() if m else limit, pos + 1), False
        end, _ = self.rule(pos, limit, False)
        return (pos + 1, False) if end is None else (end, True)

    def rule(self, pos: int, limit: int, record: bool) -> tuple[int | None, bool]:
        """Apply the first matching rule at pos: (end, produced a non-text token) or (None, _)."""
        src = self.src
        ch = src[pos]
        if ch == "\n":
            end = pos + 1
            while end < limit and src[end] == " ":
                end += 1
            return end, True
        if ch == "\\":
            if pos + 1 < limit and (src[pos + 1] in _PUNCT or src[pos + 1] == "\n"):
                return pos + 2, True
            return None, False
        if ch == "`":
            return self.backticks(pos, limit)
        if ch in "*_~&":
            if ch == "&":
                m = _ENTITY.match(src, pos, limit)
                return (m.end(), True) if m else (None, False)
            return None, False  # emphasis never hides link syntax
        if ch == "%":
            if not src.startswith("%%", pos):
                return None, False
            end = src.find("%%", pos + 2, limit)
            if end < 0:
                return None, False
            if record:
                line, _ = self.locate(pos)
                end_line, _ = self.locate(end + 1)
                self.out.comments.append(Comment(src[pos + 2:end].strip(), line, end_line))
            return end + 2, True
        if ch in "[!":
            embed = src.startswith("![[", pos)
            if embed or src.startswith("[[", pos):
                inner = pos + (3 if embed else 2)
                end = src.find("]]", inner, limit)
                if end >= 0 and src.find("\n", inner, end) < 0 and src.find("[[", inner, end) < 0:
                    if record:
                        self.wikilink(pos, inner, end, embed)
                    return end + 2, True
            if ch == "[":
                return self.link(pos, limit, record, image=False)
            if src.startswith("![", pos):
                return self.link(pos + 1, limit, record, image=True)
            return None, False
        if ch == "#":
            if pos > 0 and not src[pos - 1].isspace():
                return None, False
            m = TAG_BODY.match(src, pos + 1, limit)
            if m is None or _ALL_DIGITS.fullmatch(m.group()):
                return None, False
            if record:
                line, col = self.locate(pos)
                self.out.tags.append(Tag(m.group(), line, col))
            return m.end(), True
        return None, False

    def backticks(self, pos: int, limit: int) -> tuple[int, bool]:
        src = self.src
        end = pos
        while end < limit and src[end] == "`":
            end += 1
        run = end - pos
        search = end
        while True:
            start = src.find("`", search, limit)
            if start < 0:
                return end, False  # no closing run: the backticks are text
            close = start
            while close < limit and src[close] == "`":
                close += 1
            if close - start == run:
                return close, True
            search = close

    def wikilink(self, pos: int, inner: int, end: int, embed: bool) -> None:
        src = self.src
        parts = split_linktext(src[inner:end])
        line, col = self.locate(pos)
        raw = self.raw(line, col, src[pos:end + 2]) if self.cell else src[pos:end + 2]
        if parts.empty:
            self.out.problems.append(Problem("empty-link", f"empty link {raw}", line, col))
            return
        self.out.links.append(Link(raw=raw, line=line, column=col, path=parts.path,
                                   subpath=parts.subpath, label=parts.label, embed=embed))

    def raw(self, line: int, col: int, text: str) -> str:
        source = self.owner.lines[line - 1]
        width = len(text) + (text.count("|") if self.cell else 0)
        return source[col - 1:col - 1 + width]

    def label_end(self, start: int, limit: int, nested: bool) -> int:
        """markdown-it's parseLinkLabel from the '[' at ``start``."""
        self.depth += 1
        try:
            if self.depth > 4:
                raise Unsupported  # markdown-it's nesting limit and cache are not modelled
            return self._label_end(start, limit, nested)
        finally:
            self.depth -= 1

    def _label_end(self, start: int, limit: int, nested: bool) -> int:
        level, pos = 1, start + 1
        while pos < limit:
            ch = self.src[pos]
            if ch == "]":
                level -= 1
                if level == 0:
                    return pos
            prev = pos
            pos, _ = self.skip(pos, limit)
            if ch == "[":
                if prev == pos - 1:
                    level += 1
                elif not nested:
                    return -1
        return -1

    def link(self, start: int, limit: int, record: bool, image: bool) -> tuple[int | None, bool]:
        """markdown-it's link/image rule (no reference definitions exist on this path)."""
        src = self.src
        label_end = self.label_end(start, limit, nested=image)
        if label_end < 0:
            return None, False
        pos = label_end + 1
        if pos >= limit or src[pos] != "(":
            return None, False
        pos += 1
        while pos < limit and src[pos] in " \t\n":
            pos += 1
        if pos >= limit:
            return None, False
        # markdown-it's own functions; building the parser itself (markdown()) would cost more
        # than the whole scan (``MarkdownIt.normalizeLink``/``validateLink`` just call these,
        # and test_scan_differential checks the shared parser does not override them)
        from markdown_it.common.normalize_url import normalizeLink, validateLink
        from markdown_it.helpers import parseLinkDestination, parseLinkTitle
        href = ""
        res = parseLinkDestination(src, pos, limit)
        if res.ok:
            href = normalizeLink(res.str)
            if validateLink(href):
                pos = res.pos
            else:
                href = ""
            dest_end = pos
            while pos < limit and src[pos] in " \t\n":
                pos += 1
            title = parseLinkTitle(src, pos, limit)
            if pos < limit and dest_end != pos and title.ok:
                pos = title.pos
                while pos < limit and src[pos] in " \t\n":
                    pos += 1
        if pos >= limit or src[pos] != ")":
            return None, False
        end = pos + 1
        begin = start - 1 if image else start
        if record:
            if not image:
                self.scan(start + 1, label_end, record=True)
            self.md_link(begin, end, href, src[start + 1:label_end], image)
        return end, True

    def md_link(self, begin: int, end: int, href: str, text: str, image: bool) -> None:
        from .parse import is_external, split_destination
        if href and is_external(href):
            return
        line, col = self.locate(begin)
        raw = self.raw(line, col, self.src[begin:end])
        if not href:
            self.out.problems.append(Problem("empty-link", f"empty link {raw}", line, col))
            return
        path, subpath = split_destination(href)
        label = text
        self.out.links.append(Link(raw=raw, line=line, column=col, path=path, subpath=subpath,
                                   label=label, embed=image, style="markdown"))


_ENTITY = re.compile(r"&(?:#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});")
