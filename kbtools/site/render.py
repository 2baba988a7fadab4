"""Notes → HTML with the shared parser (:func:`kbtools.syntax.markdown`) and the shared resolver
(:func:`kbtools.resolve.resolve`): this module adds renderer rules, never a link parser.

A note is parsed into the same token stream ``kb check`` reads; :func:`prepare` adjusts it for
display (callout titles, task checkboxes, heading and block anchors, paragraphs that only hold
embeds) and :class:`SiteRenderer` renders the Obsidian token types:

* ``wikilink`` — resolved to a relative URL (``#anchor`` for headings, ``#block-id`` for
  blocks); a missing target is ``<span class="broken" title="…">``, an unpublished one plain text.
* embeds — images (``|W``/``|WxH``), audio, video, PDF (an ``<iframe>``, ``#page=N`` kept), other
  files as links; notes, ``#heading`` sections and ``#^block`` blocks are rendered in place, with
  a marked stop on cycles (and a depth limit).
* ``obsidian_tag`` → a link to the tag page; ``obsidian_comment*`` and ``block_id`` → nothing.
* callouts (``<details>`` when foldable), ``==highlights==``, task lists, footnotes, tables,
  Pygments code, ``$…$``/``$$…$$`` as MathML (latex2mathml, at build time).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Callable

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from ..model import Link, Note
from ..parse import is_external, split_destination
from ..resolve import MISSING_BLOCK, MISSING_HEADING, Index, Resolution, names_a_file, resolve
from ..syntax import markdown
from ..syntax.callouts import CALLOUT
from .i18n import Translations
from .pages import Plan, block_anchor, href, plain, relative

IMAGE_EXT = {"png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "bmp", "ico"}
AUDIO_EXT = {"mp3", "wav", "ogg", "m4a", "flac", "opus", "3gp"}
VIDEO_EXT = {"mp4", "webm", "ogv", "mov", "mkv"}
MAX_EMBED_DEPTH = 6
_SIZE = re.compile(r"^\s*(\d+)\s*(?:x\s*(\d+))?\s*$")
_TASK = re.compile(r"^\[([^\]\n])\]\s")
_FORMATTER = HtmlFormatter(nowrap=True)


@dataclass
class Context:
    """What rendering needs from the site: lookups and a way to claim attachments."""

    index: Index
    plan: Plan
    text: Callable[[str], list[str]]
    """Vault path → the note's lines (normalised text)."""
    tr: Translations


class Env(dict):
    """Per-render state, markdown-it's ``env`` (a dict: plugins such as footnotes write to it).

    Keys: ``page`` (site URL of the page being written; every URL is relative to it),
    ``page_note`` (vault path of that page's note, '' for generated pages), ``source`` (the note
    whose text is rendered; differs inside embeds), ``stack`` ((note, subpath) of the embeds
    being rendered, outermost first), ``embedded``, ``counter`` (embeds so far, shared),
    ``title`` (drop a leading ``# title`` repeating it), ``docId`` (footnote id prefix).
    """

    def __init__(self, page: str, page_note: str, source: str, stack: tuple = (),
                 embedded: bool = False, counter: list[int] | None = None,
                 title: str | None = None, docId: str | None = None):
        super().__init__(page=page, page_note=page_note, source=source, stack=stack,
                         embedded=embedded, counter=counter if counter is not None else [0],
                         title=title)
        if docId is not None:
            self["docId"] = docId

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


class NoteRenderer:
    """Renders notes (or parts of them) of one site."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.renderer = SiteRenderer(self)
        self.md = markdown()

    # -- entry points ------------------------------------------------------------------------
    def render_note(self, path: str, page: str, title: str | None = None) -> str:
        note = self.ctx.index.notes[path]
        env = Env(page=page, page_note=path, source=path, stack=((path, ""),), title=title)
        return self.render_lines(self.body_lines(note), env)

    def render_inline(self, text: str, env: Env) -> str:
        tokens = self.md.parseInline(text, env)
        return self.renderer.render(prepare(tokens, env, self), self.md.options, env)

    def render_lines(self, lines: list[str | None], env: Env) -> str:
        """Render source lines; ``None`` lines are blank but keep line numbers (anchors)."""
        src = "\n".join(line or "" for line in lines)
        tokens = self.md.parse(src, env)
        return self.renderer.render(prepare(tokens, env, self), self.md.options, env)

    def body_lines(self, note: Note) -> list[str | None]:
        lines = self.ctx.text(note.path)
        return [None] * (note.body_line - 1) + lines[note.body_line - 1:]

    # -- links -------------------------------------------------------------------------------
    def resolve(self, env: Env, path: str, subpath: str, embed: bool) -> Resolution:
        link = Link(raw="", line=0, column=0, path=path, subpath=subpath, embed=embed)
        return resolve(self.ctx.index, env.source, link)

    def link_target(self, env: Env, res: Resolution, subpath: str) -> tuple[str | None, str]:
        """(href or None for unpublished, problem text or '') of a resolved link."""
        tr = self.ctx.tr
        if res.target is None:
            return None, "missing"
        if res.status in (MISSING_HEADING, MISSING_BLOCK):
            text = tr.gettext("«%(name)s» has no heading «%(sub)s»") if res.status == \
                MISSING_HEADING else tr.gettext("«%(name)s» has no block «%(sub)s»")
            return None, text % {"name": _name(res.target), "sub": subpath}
        plan = self.ctx.plan
        if res.target not in self.ctx.index.notes:
            return href(relative(env.page, plan.file_url(res.target))), ""
        url = plan.url(res.target)
        if url is None:
            return None, ""
        fragment = ""
        if subpath.startswith("^"):
            fragment = "#" + href(block_anchor(subpath[1:]))
        elif subpath and res.heading is not None:
            fragment = "#" + href(plan.anchors(res.target).get(res.heading.line, ""))
        if res.target == env.page_note and fragment:
            return fragment, ""
        return href(relative(env.page, url)) + fragment, ""

    def link_html(self, env: Env, path: str, subpath: str, label: str | None, raw: str) -> str:
        res = self.resolve(env, path, subpath, False)
        text = label if label is not None else _default_label(path, subpath)
        target, problem = self.link_target(env, res, subpath)
        if target is None and problem:
            return broken(text, self._problem(problem, path))
        if target is None:
            return f'<span class="unpublished">{esc(text)}</span>'
        return f'<a class="internal" href="{target}">{esc(text)}</a>'

    def _problem(self, problem: str, path: str) -> str:
        if problem != "missing":
            return problem
        is_file = names_a_file(path)
        tr = self.ctx.tr  # literal msgids, so that Babel's extractor finds them
        text = tr.gettext("No file «%(name)s»") if is_file else tr.gettext("No note «%(name)s»")
        return text % {"name": path}

    # -- embeds ------------------------------------------------------------------------------
    def embed_html(self, env: Env, path: str, subpath: str, label: str | None, raw: str,
                   block: bool) -> str:
        res = self.resolve(env, path, subpath, True)
        target, problem = self.link_target(env, res, subpath)
        shown = label if label is not None else _default_label(path, subpath)
        if problem:
            return broken(shown, self._problem(problem, path), embed=True)
        if res.target not in self.ctx.index.notes:
            return self.file_embed(env, res.target, label, target, subpath)
        if target is None:  # unpublished note
            return f'<span class="unpublished">{esc(shown)}</span>'
        if not block:  # inside running text: a link, the content cannot go in a paragraph
            return f'<a class="internal embed-link" href="{target}">{esc(shown)}</a>'
        key = (res.target, subpath.lower())
        title = self.ctx.plan.notes[res.target].title
        if key in env.stack or len(env.stack) > MAX_EMBED_DEPTH:
            message = self.ctx.tr.gettext(
                "Embedding stopped: «%(name)s» is already embedded above (a cycle)") % {
                "name": title + (" › " + subpath if subpath else "")}
            return (f'<div class="embed embed-cycle" role="note">'
                    f'<span class="embed-stop">⟲ {esc(message)}</span></div>\n')
        lines = self.section(res, subpath)
        env.counter[0] += 1
        inner_env = Env(page=env.page, page_note=env.page_note, source=res.target,
                        stack=env.stack + (key,), embedded=True, counter=env.counter,
                        docId=f"e{env.counter[0]}")
        inner = self.render_lines(lines, inner_env)
        caption = title + (" › " + subpath.lstrip("^") if subpath else "")
        return (f'<div class="embed" data-target="{esc(res.target)}">'
                f'<div class="embed-title"><a class="internal" href="{target}">{esc(caption)}</a></div>\n'
                f'{inner}</div>\n')

    def section(self, res: Resolution, subpath: str) -> list[str | None]:
        """The lines an embed shows: the whole body, a heading's section or a block."""
        note = self.ctx.index.notes[res.target]
        lines = self.body_lines(note)
        if subpath.startswith("^"):
            want = subpath[1:].lower()
            block = next((b for b in note.blocks if b.id.lower() == want), None)
            if block is not None:
                return [None] * (block.start - 1) + lines[block.start - 1:block.end]
        elif subpath and res.heading is not None:
            h = res.heading
            end = next((o.line for o in note.headings if o.line > h.line and o.level <= h.level),
                       len(lines) + 1)
            return [None] * (h.line - 1) + lines[h.line - 1:end - 1]
        return lines

    def file_embed(self, env: Env, target: str, label: str | None, url: str,
                   fragment: str = "") -> str:
        ext = target.rsplit(".", 1)[-1].lower() if "." in target else ""
        name = _name(target)
        if ext in IMAGE_EXT:
            size = _SIZE.match(label or "")
            alt = label if label is not None and size is None else name
            dims = ""
            if size:
                dims = f' width="{size.group(1)}"' + (f' height="{size.group(2)}"' if size.group(2) else "")
            return f'<img class="embed-image" src="{url}" alt="{esc(alt)}"{dims} loading="lazy">'
        if ext in AUDIO_EXT:
            return f'<audio class="embed-audio" controls src="{url}"></audio>'
        if ext in VIDEO_EXT:
            return f'<video class="embed-video" controls src="{url}"></video>'
        if ext == "pdf":
            frame = url + ("#" + href(fragment) if fragment else "")
            return (f'<iframe class="embed-pdf" src="{frame}" title="{esc(name)}" loading="lazy">'
                    f'</iframe><a class="internal embed-file" href="{url}">{esc(label or name)}</a>')
        return f'<a class="internal embed-file" href="{url}">{esc(label or name)}</a>'

    def tag_html(self, env: Env, name: str, text: str) -> str:
        url = self.ctx.plan.tag_url(name)
        if url is None:
            return f'<span class="tag">{esc(text)}</span>'
        return f'<a class="tag" href="{href(relative(env.page, url))}">{esc(text)}</a>'


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def broken(text: str, title: str, embed: bool = False) -> str:
    cls = "broken broken-embed" if embed else "broken"
    return f'<span class="{cls}" title="{esc(title)}">{esc(text)}</span>'


def _name(path: str) -> str:
    base = path.rsplit("/", 1)[-1]
    return base[:-3] if base.lower().endswith(".md") else base


def _default_label(path: str, subpath: str) -> str:
    parts = [p for p in ([path] if path else []) + [s.strip() for s in subpath.split("#") if s.strip()]]
    return " › ".join(parts) if parts else path


# -- token stream preparation ----------------------------------------------------------------
def prepare(tokens: list[Token], env: Env, nr: NoteRenderer) -> list[Token]:
    """Adjust a parsed note's tokens for display (see the module docstring)."""
    drop: set[int] = set()
    anchors = nr.ctx.plan.anchors(env.source) if not env.embedded else {}
    first_heading = True
    for i, tok in enumerate(tokens):
        kind = tok.type
        if kind == "heading_open":
            inline = tokens[i + 1]
            if first_heading and env.title is not None and tok.tag == "h1" and \
                    plain(inline.content).lower() == plain(env.title).lower():
                drop.update((i, i + 1, i + 2))
            elif tok.map and not env.embedded:
                anchor = anchors.get(tok.map[0] + 1)
                if anchor:
                    tok.attrSet("id", anchor)
            first_heading = False
        elif kind == "blockquote_open" and (tok.meta or {}).get("callout"):
            _callout(tokens, i)
        elif kind == "paragraph_open" and (tok.meta or {}).get("block_id"):
            _block_anchor(tokens, i, drop, env)
        elif kind == "inline":
            _inline(tokens, i, env, nr)
    if drop:
        return [t for k, t in enumerate(tokens) if k not in drop]
    return tokens


def _callout(tokens: list[Token], i: int) -> None:
    tok = tokens[i]
    level = tok.level
    for j in range(i + 1, len(tokens)):
        if tokens[j].type == "blockquote_close" and tokens[j].level == level:
            tokens[j].meta = {**(tokens[j].meta or {}), "callout": tok.meta["callout"]}
            break
    para, inline, para_close = tokens[i + 1], tokens[i + 2], tokens[i + 3]
    children = inline.children or []
    title: list[Token] = []
    while children and children[0].type not in ("softbreak", "hardbreak"):
        title.append(children.pop(0))
    if children:
        children.pop(0)
    if title and title[0].type == "text":
        m = CALLOUT.match(title[0].content)
        if m:
            title[0].content = title[0].content[m.end() - len(m.group(3)):] if m.group(3) else ""
            if not title[0].content:
                title.pop(0)
    tok.meta["callout_title"] = title
    if not children:
        para.hidden = para_close.hidden = True
        inline.children = []


def _block_anchor(tokens: list[Token], i: int, drop: set[int], env: Env) -> None:
    tok = tokens[i]
    anchor = block_anchor(tok.meta["block_id"])
    if env.embedded:
        if tok.meta.get("alone"):
            drop.update((i, i + 1, i + 2))
        return
    if not tok.meta.get("alone"):
        if tok.hidden and i and tokens[i - 1].type == "list_item_open":  # tight list item
            tokens[i - 1].attrSet("id", anchor)
        else:
            tok.attrSet("id", anchor)
        return
    prev = tokens[i - 1] if i else None
    if prev is not None and prev.nesting == -1:
        depth = 0
        for j in range(i - 1, -1, -1):
            depth += tokens[j].nesting
            if depth == 0:
                tokens[j].attrSet("id", anchor)
                drop.update((i, i + 1, i + 2))
                return
    tok.attrSet("id", anchor)
    tok.attrSet("class", "block-anchor")


def _inline(tokens: list[Token], i: int, env: Env, nr: NoteRenderer) -> None:
    inline = tokens[i]
    children = inline.children or []
    parent = tokens[i - 1] if i else None
    # task list items: '- [ ] text' / '- [x] text'
    if parent is not None and parent.type == "paragraph_open" and i >= 2 and \
            tokens[i - 2].type == "list_item_open" and children and children[0].type == "text":
        m = _TASK.match(children[0].content)
        if m:
            mark = m.group(1)
            children[0].content = children[0].content[m.end():]
            box = Token("html_inline", "", 0)
            done = mark != " "
            box.content = (f'<input type="checkbox" class="task" disabled{" checked" if done else ""}'
                           f' aria-label="{"✓" if done else "☐"}"> ')
            children.insert(0, box)
            item = tokens[i - 2]
            item.attrSet("class", "task-list-item" + (" done" if done else ""))
            if mark not in " xX":
                item.attrSet("data-task", mark)
    # a paragraph holding only embeds: the embeds become blocks of their own
    if parent is not None and parent.type == "paragraph_open":
        meaningful = [c for c in children if not (c.type in ("softbreak", "hardbreak") or
                                                   (c.type == "text" and not c.content.strip()))]
        if meaningful and all(c.type == "wikilink" and c.meta.get("embed") for c in meaningful):
            notes = nr.ctx.index.notes
            if any((nr.resolve(env, c.meta["path"], c.meta["subpath"], True).target in notes)
                   for c in meaningful):
                for c in meaningful:
                    c.meta["block"] = True
                parent.hidden = True
                close = next(t for t in tokens[i + 1:] if t.type == "paragraph_close")
                close.hidden = True
    # Markdown links: pair each link_open with its link_close
    opened: Token | None = None
    for c in children:
        if c.type == "link_open":
            opened = c
        elif c.type == "link_close" and opened is not None:
            c.meta = {**(c.meta or {}), "kb_open": opened}
            opened = None


class SiteRenderer(RendererHTML):
    """markdown-it's HTML renderer with rules for the Obsidian token types."""

    def __init__(self, nr: NoteRenderer):
        super().__init__()
        self.nr = nr
        for name, rule in markdown().renderer.rules.items():  # plugins' rules (footnotes, math)
            if name not in self.rules:
                func = getattr(rule, "__func__", rule)
                self.rules[name] = func.__get__(self)

    def wikilink(self, tokens, idx, options, env: Env) -> str:
        tok = tokens[idx]
        m = tok.meta
        if m["empty"]:
            return esc(tok.content)
        if m["embed"]:
            return self.nr.embed_html(env, m["path"], m["subpath"], m["label"], tok.content,
                                      bool(m.get("block")))
        return self.nr.link_html(env, m["path"], m["subpath"], m["label"], tok.content)

    def obsidian_tag(self, tokens, idx, options, env: Env) -> str:
        tok = tokens[idx]
        return self.nr.tag_html(env, tok.meta["name"], tok.content)

    def obsidian_comment(self, tokens, idx, options, env) -> str:
        return ""

    def obsidian_comment_block(self, tokens, idx, options, env) -> str:
        return ""

    def block_id(self, tokens, idx, options, env) -> str:
        return ""

    def link_open(self, tokens, idx, options, env: Env) -> str:
        tok = tokens[idx]
        dest = tok.attrGet("href") or ""
        if is_external(dest) or not dest:
            if is_external(dest):
                tok.attrSet("class", "external")
                tok.attrSet("rel", "noopener")
            return self.renderToken(tokens, idx, options, env)
        path, subpath = split_destination(dest)
        res = self.nr.resolve(env, path, subpath, False)
        target, problem = self.nr.link_target(env, res, subpath)
        if target is None:
            title = self.nr._problem(problem, path) if problem else ""
            tok.meta["kb_span"] = '<span class="broken">' if problem else '<span class="unpublished">'
            return (f'<span class="broken" title="{esc(title)}">' if problem
                    else '<span class="unpublished">')
        return f'<a class="internal" href="{target}">'

    def link_close(self, tokens, idx, options, env) -> str:
        opened = (tokens[idx].meta or {}).get("kb_open")
        if opened is not None and "kb_span" in (opened.meta or {}):
            return "</span>"
        return "</a>"

    def image(self, tokens, idx, options, env: Env) -> str:
        tok = tokens[idx]
        src = tok.attrGet("src") or ""
        alt = self.renderInlineAsText(tok.children or [], options, env)
        label, size = alt, None
        if "|" in alt:
            head, _, tail = alt.rpartition("|")
            if _SIZE.match(tail):
                label, size = head, _SIZE.match(tail)
        if is_external(src):
            dims = ""
            if size:
                dims = f' width="{size.group(1)}"' + (f' height="{size.group(2)}"' if size.group(2) else "")
            return f'<img src="{esc(src)}" alt="{esc(label)}"{dims} loading="lazy">'
        path, subpath = split_destination(src)
        res = self.nr.resolve(env, path, subpath, True)
        if res.target in self.nr.ctx.index.notes:  # ![x](Note.md): a note embed in running text
            return self.nr.embed_html(env, path, subpath, label or None, "", False)
        return self._file_image(env, path, subpath, label, size)

    def _file_image(self, env, path, subpath, label, size) -> str:
        res = self.nr.resolve(env, path, subpath, True)
        target, problem = self.nr.link_target(env, res, subpath)
        if problem:
            return broken(label or path, self.nr._problem(problem, path), embed=True)
        return self.nr.file_embed(env, res.target, size.group(0) if size else (label or None), target)

    def blockquote_open(self, tokens, idx, options, env: Env) -> str:
        tok = tokens[idx]
        callout = (tok.meta or {}).get("callout")
        attrs = self.renderAttrs(tok)  # a block id of the quote or callout
        if not callout:
            return f"<blockquote{attrs}>\n"
        kind = callout["type"]
        title_tokens = tok.meta.get("callout_title") or []
        title = self.renderInline(title_tokens, options, env) if title_tokens else \
            esc(kind[:1].upper() + kind[1:])
        cls = f'callout callout-{esc(kind)}'
        if callout["fold"]:
            is_open = " open" if callout["fold"] == "+" else ""
            return (f'<details class="{cls}" data-callout="{esc(kind)}"{attrs}{is_open}>\n'
                    f'<summary class="callout-title">{title}</summary>\n<div class="callout-content">\n')
        return (f'<div class="{cls}" data-callout="{esc(kind)}"{attrs}>\n'
                f'<div class="callout-title">{title}</div>\n<div class="callout-content">\n')

    def blockquote_close(self, tokens, idx, options, env) -> str:
        callout = (tokens[idx].meta or {}).get("callout")
        if not callout:
            return "</blockquote>\n"
        return "</div>\n</details>\n" if callout["fold"] else "</div>\n</div>\n"

    def fence(self, tokens, idx, options, env) -> str:
        tok = tokens[idx]
        info = tok.info.strip().split(maxsplit=1)[0] if tok.info.strip() else ""
        lexer = None
        if info:
            try:
                lexer = get_lexer_by_name(info)
            except ClassNotFound:
                lexer = None
        lang = f' class="language-{esc(info)}"' if info else ""
        code = highlight(tok.content, lexer, _FORMATTER) if lexer is not None else esc(tok.content)
        return f'<pre class="highlight"><code{lang}>{code}</code></pre>\n'

    def code_block(self, tokens, idx, options, env) -> str:
        return f'<pre class="highlight"><code>{esc(tokens[idx].content)}</code></pre>\n'

    def math_inline(self, tokens, idx, options, env) -> str:
        return mathml(tokens[idx].content, False)

    def math_inline_double(self, tokens, idx, options, env) -> str:
        return mathml(tokens[idx].content, True)

    def math_block(self, tokens, idx, options, env) -> str:
        return f'<div class="math-block">{mathml(tokens[idx].content, True)}</div>\n'


def mathml(tex: str, display: bool) -> str:
    """TeX → MathML at build time (no JavaScript); TeX that does not convert stays visible as
    code, marked ``math-error``."""
    try:
        from latex2mathml.converter import convert
        return convert(tex.strip(), display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds of errors on bad or unsupported TeX
        return f'<code class="math-error">{esc(tex)}</code>'
