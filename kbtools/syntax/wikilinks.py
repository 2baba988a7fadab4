"""``[[wiki-links]]`` and ``![[embeds]]``: one inline rule and the link-text grammar.

Grammar (docs/syntax.md): ``[[path#subpath|label]]`` on one line. The label starts at the first
``|`` (``\\|`` in tables), the subpath at the first ``#`` of what precedes it. ``[[]]`` and
``[[|x]]`` are *empty links*: tokens marked ``empty`` so the checker can report them and the
renderer can print them as text. A ``[[`` with no ``]]`` on its line, or with another ``[[``
before its ``]]``, is plain text.
"""

from __future__ import annotations

from typing import NamedTuple

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the parser loads only when a note needs the token stream
    from markdown_it.rules_inline import StateInline


class LinkText(NamedTuple):
    """The parts of a wiki-link's inner text (a named tuple: made 130,000 times per vault)."""

    path: str
    """Trimmed target path ('' for same-note links)."""
    subpath: str
    """After the first ``#``, trimmed ('' when absent)."""
    label: str | None
    """After the first ``|`` (``None`` when absent)."""

    @property
    def empty(self) -> bool:
        return not self.path and not self.subpath


def split_linktext(inner: str) -> LinkText:
    """Split the text between ``[[`` and ``]]`` as Obsidian does."""
    label = None
    bar = inner.find("|")
    if bar >= 0:
        label = inner[bar + 1:]
        inner = inner[:bar]
        if inner.endswith("\\"):  # '\|' in a table cell: the backslash only escapes the pipe
            inner = inner[:-1]
    hash_ = inner.find("#")
    if hash_ >= 0:
        path, subpath = inner[:hash_], inner[hash_ + 1:]
    else:
        path, subpath = inner, ""
    return LinkText(path.strip(), subpath.strip(), label)


def find_close(src: str, start: int, limit: int, memo: list[int] | None = None) -> int:
    """Index of the ``]]`` closing a ``[[`` whose inner text starts at ``start``, or -1.

    ``memo`` (``[searched_from, found]``) keeps a line of 20,000 ``[[`` linear: the first
    ``]]`` after a later start is the same one, or there is none.
    """
    if memo is not None and memo[0] <= start and (memo[1] < 0 or memo[1] >= start):
        end = memo[1]
    else:
        end = src.find("]]", start, limit)
        if memo is not None:
            memo[0], memo[1] = start, end
    if end < 0:
        return -1
    newline = src.find("\n", start, end)
    if newline >= 0 or src.find("[[", start, end) >= 0:
        return -1
    return end


def wikilink_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: ``[[…]]`` / ``![[…]]`` → a ``wikilink`` token with ``meta`` parts."""
    pos, src = state.pos, state.src
    embed = src.startswith("![[", pos)
    if not embed and not src.startswith("[[", pos):
        return False
    inner_start = pos + (3 if embed else 2)
    memo = getattr(state, "_kb_close", None)
    if memo is None:
        memo = state._kb_close = [len(src) + 1, -1]  # type: ignore[attr-defined]
    end = find_close(src, inner_start, state.posMax, memo)
    if end < 0:
        return False
    if not silent:
        parts = split_linktext(src[inner_start:end])
        token = state.push("wikilink", "", 0)
        token.content = src[pos:end + 2]
        token.meta = {"path": parts.path, "subpath": parts.subpath, "label": parts.label,
                      "embed": embed, "empty": parts.empty, "start": pos, "end": end + 2}
    state.pos = end + 2
    return True
