"""``%%comments%%``: hidden text; nothing inside is a link, tag or block id.

Inline: ``%%…%%`` within one paragraph (may span its lines). Block: a line starting with ``%%``
opens a comment closed by the next ``%%`` on a later line, across blank lines. An unclosed
``%%`` is plain text (documented choice: its links keep counting).
"""

from __future__ import annotations

from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline


def comment_inline_rule(state: StateInline, silent: bool) -> bool:
    pos, src = state.pos, state.src
    if not src.startswith("%%", pos):
        return False
    memo = getattr(state, "_kb_comment", None)  # (searched_from, found): keeps '%%%%…' linear
    if memo is not None and memo[0] <= pos + 2 and (memo[1] < 0 or memo[1] >= pos + 2):
        end = memo[1]
    else:
        end = src.find("%%", pos + 2, state.posMax)
        state._kb_comment = (pos + 2, end)  # type: ignore[attr-defined]
    if end < 0:
        return False
    if not silent:
        token = state.push("obsidian_comment", "", 0)
        token.content = src[pos + 2:end]
        token.meta = {"start": pos, "end": end + 2}
    state.pos = end + 2
    return True


def comment_block_rule(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    if state.sCount[startLine] - state.blkIndent >= 4:
        return False
    start = state.bMarks[startLine] + state.tShift[startLine]
    line_end = state.eMarks[startLine]
    if not state.src.startswith("%%", start) or state.src.find("%%", start + 2, line_end) >= 0:
        return False  # '%% … %%' on one line is an inline comment
    line = startLine + 1
    while line < endLine:
        if state.src.find("%%", state.bMarks[line], state.eMarks[line]) >= 0:
            break
        line += 1
    else:
        return False
    if silent:
        return True
    close = state.src.find("%%", state.bMarks[line], state.eMarks[line])
    token = state.push("obsidian_comment_block", "", 0)
    token.content = state.src[start + 2:close]
    token.map = [startLine, line + 1]
    token.block = True
    state.line = line + 1
    return True
