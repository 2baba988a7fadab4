"""Callouts ``> [!type]+ Title``: a core rule marking blockquotes.

Sets ``meta['callout'] = {"type", "fold", "title"}`` on the ``blockquote_open`` token (type
lower-cased; fold ``+``, ``-`` or ``""``) and removes the marker from the first line's text.
"""

from __future__ import annotations

import re

from markdown_it.rules_core import StateCore

CALLOUT = re.compile(r"^\[!([^\]\s]+)\]([+-]?)[ \t]*([^\n]*)")


def callout_rule(state: StateCore) -> None:
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "blockquote_open" or i + 2 >= len(tokens):
            continue
        para, inline = tokens[i + 1], tokens[i + 2]
        if para.type != "paragraph_open" or inline.type != "inline":
            continue
        m = CALLOUT.match(inline.content)
        if m is None:
            continue
        tok.meta = {**(tok.meta or {}), "callout": {
            "type": m.group(1).lower(), "fold": m.group(2), "title": m.group(3).strip()}}
