"""Inline ``#tags``: ``#tag``, ``#nested/tag``, Cyrillic and emoji included.

A tag starts at the beginning of inline content or after whitespace, runs until whitespace or
ASCII punctuation other than ``_ - /`` (or the Unicode general-punctuation blocks), and must
contain at least one non-digit (``#1984`` is not a tag). ``\\#x`` is not a tag (the escape
rule consumes it first); tags in code, comments, math and HTML are never seen by this rule.
"""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.rules_inline import StateInline

TAG_BODY = re.compile(r"""[^\s!"#$%&'()*+,.:;<=>?@\[\\\]^`{|}~\u2000-\u206F\u2E00-\u2E7F]+""")
_ALL_DIGITS = re.compile(r"[\d/]*")


def is_tag_name(name: str) -> bool:
    """True for a valid tag body (without ``#``)."""
    return bool(name) and TAG_BODY.fullmatch(name) is not None and not _ALL_DIGITS.fullmatch(name)


def tag_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: ``#name`` → an ``obsidian_tag`` token (``meta['name']``)."""
    pos, src = state.pos, state.src
    if src[pos] != "#" or (pos > 0 and not src[pos - 1].isspace()):
        return False
    m = TAG_BODY.match(src, pos + 1, state.posMax)
    if m is None or _ALL_DIGITS.fullmatch(m.group()):
        return False
    if not silent:
        token = state.push("obsidian_tag", "", 0)
        token.content = src[pos:m.end()]
        token.meta = {"name": m.group(), "start": pos, "end": m.end()}
    state.pos = m.end()
    return True
