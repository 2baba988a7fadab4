"""Make a note's rendered HTML safe to publish (nh3, the Rust ``ammonia`` sanitiser).

The whole rendered body of a note goes through :func:`clean`, so raw HTML written in a note
cannot inject scripts: ``<script>``/``<style>`` vanish with their content, event handler
attributes (``onerror=``…) and ``style`` (except ``text-align``) are dropped, and only
``http``, ``https``, ``mailto`` and ``tel`` URLs survive (no ``javascript:`` or ``data:``).
Relative URLs must lead to a page or file of the site itself (``url_ok``): a raw
``<img src="../../etc/passwd">`` or ``/absolute/path`` loses its ``src``, so nothing outside
the vault is ever embedded; an ``<iframe>`` keeps only such a relative ``src`` (PDF embeds).
MathML (from ``$…$``/``$$…$$``, see :func:`kbtools.site.render.mathml`) is allowed.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Callable
from urllib.parse import unquote

import nh3

TAGS = {
    "a", "abbr", "aside", "audio", "b", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "samp", "section", "small", "source", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
    "video",
}
ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir", "role", "aria-label", "aria-hidden",
          "data-callout", "data-task", "data-fold", "data-target"},
    "a": {"href", "hreflang", "rel"},
    "img": {"src", "alt", "width", "height", "loading"},
    "input": {"type", "checked", "disabled"},
    "details": {"open"},
    "ol": {"start", "reversed", "type"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style", "scope"},
    "audio": {"src", "controls"},
    "video": {"src", "controls", "width", "height"},
    "source": {"src", "type"},
}
MATHML = {
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup",
    "msub", "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable",
    "mtr", "mtd", "mstyle", "menclose", "mpadded", "mphantom", "merror", "mfenced",
    "mmultiscripts", "mprescripts", "none",
}
MATHML_ATTRIBUTES = {
    "display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "accent",
    "accentunder", "columnalign", "rowalign", "columnspacing", "rowspacing", "linethickness",
    "displaystyle", "scriptlevel", "width", "height", "depth", "notation", "open", "close",
    "separators", "movablelimits", "largeop", "symmetric", "minsize", "maxsize", "form",
    "encoding",
}
TAGS |= MATHML | {"iframe"}
ATTRIBUTES.update({tag: MATHML_ATTRIBUTES for tag in MATHML})
ATTRIBUTES["iframe"] = {"src", "loading"}
SCHEMES = {"http", "https", "mailto", "tel"}
URL_ATTRS = {"href", "src"}


def clean(html: str, url_ok: Callable[[str], bool] | None = None) -> str:
    """Sanitised ``html``; relative ``href``/``src`` values are kept only if ``url_ok`` says so."""
    state = _STATE
    outer = getattr(state, "url_ok", _UNSET)
    state.url_ok = url_ok
    try:
        return _cleaner().clean(html)
    finally:
        if outer is _UNSET:
            del state.url_ok
        else:
            state.url_ok = outer


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    url_ok = _STATE.url_ok
    if tag == "iframe" and attr == "src" and (_has_scheme(value) or url_ok is None):
        return None  # frames only ever show a file of the site (a PDF attachment)
    if attr in URL_ATTRS and url_ok is not None and not _has_scheme(value):
        return value if url_ok(value) else None
    if attr == "type" and tag == "input" and value != "checkbox":
        return None
    return value


_STATE = threading.local()
"""The ``url_ok`` of the :func:`clean` call running in this thread (the one cleaner's
``attribute_filter`` reads it)."""
_UNSET = object()


_OPTIONS = dict(tags=TAGS, attributes=ATTRIBUTES, attribute_filter=_attribute_filter,
                url_schemes=SCHEMES, filter_style_properties={"text-align"}, link_rel=None,
                strip_comments=True)


@functools.cache
def _cleaner():
    """One sanitiser for the process (``nh3.Cleaner``): building ammonia's rules (the tag and
    attribute sets) costs twice as much as cleaning a typical note, so it is done once, not per
    call. An nh3 without ``Cleaner`` (before 0.2.18) builds them per call."""
    if hasattr(nh3, "Cleaner"):
        return nh3.Cleaner(**_OPTIONS)
    return _PerCall()


class _PerCall:
    def clean(self, html: str) -> str:
        return nh3.clean(html, **_OPTIONS)


def _has_scheme(value: str) -> bool:
    head = unquote(value.strip()).split("/", 1)[0].split("#", 1)[0]
    return ":" in head or value.strip().startswith("//")


_CODE = re.compile(r"(<pre[\s>].*?</pre>|<code[\s>].*?</code>)", re.S)


def defang(page: str) -> str:
    """Write a literal ``[[`` outside ``<pre>``/``<code>`` as ``&#91;[`` (same text for the
    reader): the published HTML never shows wiki-link syntax that looks unprocessed."""
    if "[[" not in page:
        return page
    parts = _CODE.split(page)
    return "".join(p if k % 2 else p.replace("[[", "&#91;[") for k, p in enumerate(parts))
