"""Block identifiers ``^id``: a core rule over the token stream.

``text ^id`` at the end of a paragraph names that paragraph (list items included: their
paragraph). A paragraph that is only ``^id`` names the block before it (list, quote, callout,
table). Ids are ``[A-Za-z0-9-]+``. The id is cut from the text token and becomes a ``block_id``
token, so renderers can turn it into an anchor.
"""

from __future__ import annotations

import re

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

BLOCK_ID_AT_END = re.compile(r"(?:^|(?<=\s))\^([A-Za-z0-9-]+)[ \t]*$")


def block_id_rule(state: StateCore) -> None:
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "inline" or i == 0 or tokens[i - 1].type != "paragraph_open":
            continue
        children = tok.children or []
        if not children or children[-1].type != "text":
            continue
        last = children[-1]
        m = BLOCK_ID_AT_END.search(last.content)
        if m is None:
            continue
        marker = "^" + m.group(1)
        alone = len(children) == 1 and not last.content[:m.start()].strip()
        id_token = Token("block_id", "", 0)
        id_token.content = marker
        id_token.meta = {"id": m.group(1), "alone": alone,
                         "start": len(tok.content.rstrip()) - len(marker)}
        last.content = last.content[:m.start()].rstrip(" \t\n")
        if not last.content:
            children.pop()
        children.append(id_token)
        tokens[i - 1].meta = {**(tokens[i - 1].meta or {}), "block_id": m.group(1), "alone": alone}
