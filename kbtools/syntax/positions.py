"""Exact source spans for CommonMark links and images.

markdown-it's ``link``/``image`` rules do not record where a link starts and ends; these
wrappers call the original rule and store ``meta['start']``/``meta['end']`` (offsets into the
inline content) on the ``link_open``/``image`` token it pushed; a ``link_open`` also gets
``meta['label']``, the source text between its brackets (an ``image`` has it as ``content``).
"""

from __future__ import annotations

from typing import Callable

from markdown_it.helpers import parseLinkLabel
from markdown_it.rules_inline import StateInline

InlineRule = Callable[[StateInline, bool], bool]


def with_span(rule: InlineRule, token_type: str) -> InlineRule:
    def spanned(state: StateInline, silent: bool) -> bool:
        start, first = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent:
            for token in state.tokens[first:]:
                if token.type == token_type:
                    token.meta = {**(token.meta or {}), "start": start, "end": state.pos}
                    if token_type == "link_open":
                        label_end = parseLinkLabel(state, start, True)
                        if label_end > start:
                            token.meta["label"] = state.src[start + 1:label_end]
                    break
        return True

    spanned.__name__ = getattr(rule, "__name__", token_type)
    return spanned
