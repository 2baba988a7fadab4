"""Obsidian Flavored Markdown, defined once: the markdown-it-py parser every stage uses.

The checker, the graph and the renderer all read notes through :func:`markdown`, so they can
never disagree about what is a link. Token types added to CommonMark:

===========================  ===============================================================
``wikilink``                 ``[[…]]``/``![[…]]``; ``meta``: path, subpath, label, embed, empty
``obsidian_tag``             ``#tag``; ``meta['name']``
``obsidian_comment``         inline ``%%…%%``; ``obsidian_comment_block`` for multi-line ones
``block_id``                 ``^id`` cut from the end of a paragraph; ``meta``: id, alone
``math_inline``/``math_block``  ``$…$``/``$$…$$`` (mdit-py-plugins dollarmath)
``footnote_*``               footnotes (mdit-py-plugins footnote)
``mark_open``/``mark_close``    ``==highlight==`` (:mod:`kbtools.syntax.highlights`)
===========================  ===============================================================

``blockquote_open.meta['callout']`` marks callouts; ``link_open``/``image``/``wikilink``/
``obsidian_tag`` carry ``meta['start']``/``meta['end']`` offsets into their inline content,
which :mod:`kbtools.parse` turns into exact file positions.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from .tags import TAG_BODY, is_tag_name
from .wikilinks import LinkText, split_linktext

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

__all__ = ["markdown", "obsidian_plugin", "split_linktext", "LinkText", "is_tag_name", "TAG_BODY"]


def obsidian_plugin(md: "MarkdownIt") -> None:
    """Add Obsidian's syntax to a CommonMark parser."""
    from markdown_it.rules_inline import image as _image
    from markdown_it.rules_inline import link as _link

    from .blockids import block_id_rule
    from .callouts import callout_rule
    from .comments import comment_block_rule, comment_inline_rule
    from .highlights import highlight_post, highlight_rule
    from .positions import with_span
    from .tags import tag_rule
    from .wikilinks import wikilink_rule

    md.inline.ruler.before("link", "wikilink", wikilink_rule)
    md.inline.ruler.at("link", with_span(_link, "link_open"))
    md.inline.ruler.at("image", with_span(_image, "image"))
    md.inline.ruler.before("link", "obsidian_comment", comment_inline_rule)
    md.inline.ruler.push("obsidian_tag", tag_rule)
    md.inline.ruler.after("strikethrough", "highlight", highlight_rule)
    md.inline.ruler2.after("strikethrough", "highlight", highlight_post)
    md.block.ruler.before("paragraph", "obsidian_comment", comment_block_rule,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.core.ruler.after("inline", "block_id", block_id_rule)
    md.core.ruler.after("block_id", "callout", callout_rule)


@functools.cache
def markdown() -> "MarkdownIt":
    """The shared parser: CommonMark + tables + strikethrough + math + footnotes + Obsidian.

    Cached per process; markdown-it parsers are not mutated after construction. Imported on
    first use, so reading notes the line scanner handles never loads markdown-it.
    """
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    md.use(footnote_plugin)
    md.use(obsidian_plugin)
    return md
