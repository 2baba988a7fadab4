"""Stage 3, resolve: which file a link names and whether its heading or block exists.

The rules are Obsidian's, written down with their sources in ``docs/resolution.md``; each has a
test in ``tests/test_resolve.py``. In short:

1. ``[[#H]]``/``[[#^id]]`` (empty path) → the linking note.
2. ``./x`` and ``../x`` → relative to the linking note's folder, exact path only; climbing out of
   the vault is an error.
3. An exact vault path (case-insensitive, NFC, ``.md`` optional for notes; other files need
   their extension) wins.
4. A path with ``/`` that is not exact → files whose path ends with it (a partial path).
5. A bare name → every file of that name in the vault; one candidate wins; with several, the one
   in the linking note's folder; otherwise a deterministic tie-break (fewest folders, then the
   shortest path, then alphabetical; configurable) marks the link ``ambiguous``.
6. Aliases never resolve (``missing-note``, with the aliased note as a hint) unless
   ``resolve_aliases`` is on.
7. Headings compare after :func:`strip_heading`; ``#A#B`` walks the nesting; block ids compare
   case-insensitively. Subpaths of non-Markdown targets are not checked.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .model import Attachment, Heading, Link, Note

OK, AMBIGUOUS = "ok", "ambiguous"
MISSING_NOTE, MISSING_HEADING, MISSING_BLOCK = "missing-note", "missing-heading", "missing-block"
STATUSES = (OK, AMBIGUOUS, MISSING_NOTE, MISSING_HEADING, MISSING_BLOCK)

_PUNCT = re.compile(r"""[!"#$%&'()*+,./:;<=>?@\[\\\]^_`{|}~\s]+""")


def strip_heading(text: str) -> str:
    """Obsidian's ``stripHeading`` as we read it: ASCII punctuation counts as a space, whitespace
    runs collapse, case is ignored (Unicode lower-casing, as JavaScript's ``toLowerCase``), NFC.

    ``_`` is ASCII punctuation too (``snake_case`` ≡ ``snake case``). Text is expected in NFC,
    as the parser hands it out (:func:`kbtools.parse.normalize_text`).
    """
    return _PUNCT.sub(" ", text).strip().lower()


def nfc(text: str) -> str:
    """NFC form of ``text`` (cheap when it already is)."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,9}$")


def names_a_file(linkpath: str) -> bool:
    """Does a link path that matches nothing name a file other than a note? Only when its last
    part ends in something shaped like an extension (``.png``, ``.pdf``, ``.canvas``):
    ``[[v1.2 Release]]``, ``[[2021.07.17]]`` and ``[[Note.md]]`` name notes, as Obsidian
    would create them on a click. (It only decides how a broken link is reported.)"""
    name = linkpath.rsplit("/", 1)[-1]
    return bool(_EXTENSION.search(name)) and not name.lower().endswith(".md")


def fold(path: str) -> str:
    """Key for case-insensitive, normalisation-insensitive path comparison.

    Obsidian lower-cases (``toLowerCase``); it does not case-fold, so ``Maße`` ≠ ``Masse``.
    """
    return nfc(path).lower()


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a link leads."""

    status: str
    """``ok``, ``ambiguous``, ``missing-note``, ``missing-heading`` or ``missing-block``."""
    target: str | None = None
    """Vault path of the file chosen (also for missing headings/blocks), ``None`` if missing."""
    candidates: tuple[str, ...] = ()
    """For ``ambiguous``: every file the name matched, the chosen one first."""
    alias_of: str | None = None
    """For a missing note whose path is an alias: the note declaring it."""
    outside: bool = False
    """The path climbs out of the vault (``../../x``)."""
    heading: Heading | None = None
    """The heading a ``#Heading`` subpath matched."""


@dataclass(frozen=True, slots=True)
class ResolvedLink:
    """A link occurrence with its source note and resolution."""

    source: str
    link: Link
    resolution: Resolution


@dataclass(frozen=True)
class Index:
    """Lookup tables over a vault's files, built once by :func:`build_index`."""

    notes: Mapping[str, Note]
    """Vault path → note."""
    files: frozenset[str]
    """Every vault path (notes and attachments)."""
    note_paths: dict[str, tuple[str, ...]]
    """fold(path without .md) → note paths."""
    file_paths: dict[str, tuple[str, ...]]
    """fold(path) → attachment paths."""
    note_names: dict[str, tuple[str, ...]]
    """fold(name without .md) → note paths."""
    file_names: dict[str, tuple[str, ...]]
    """fold(file name) → attachment paths."""
    aliases: dict[str, tuple[str, ...]]
    """fold(alias) → notes declaring it."""
    tie_break: str = "fewest-folders"
    resolve_aliases: bool = False
    simple: dict[str, "Resolution"] = field(default_factory=dict, repr=False, compare=False)
    """Link path (case-folded) → its resolution from any folder: every exact path and every
    name that only one file has. Most links are answered by one lookup here."""
    _headings: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    """Memo: note path → its headings after :func:`strip_heading` (filled on demand)."""
    _blocks: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    """Memo: note path → its block ids, lower-cased (filled on demand)."""


def build_index(notes: Iterable[Note], attachments: Iterable[Attachment] = (),
                tie_break: str = "fewest-folders", resolve_aliases: bool = False) -> Index:
    """The lookup tables over a vault's notes and attachments."""
    notes = {n.path: n for n in notes}
    return build_index_from(((p, n.aliases) for p, n in notes.items()), notes, attachments,
                            tie_break, resolve_aliases)


def build_index_from(entries: Iterable[tuple[str, tuple[str, ...]]], notes: Mapping[str, Note],
                     attachments: Iterable[Attachment] = (), tie_break: str = "fewest-folders",
                     resolve_aliases: bool = False, *, one_lookup: bool = True) -> Index:
    """:func:`build_index` from (path, aliases) pairs; ``notes`` is only read for the targets
    of links that are resolved (the incremental check passes a lazy mapping).

    ``one_lookup``: fill :attr:`Index.simple` (worth it when most links will be resolved;
    without it every lookup takes the general path, with the same answers).
    """
    note_paths: dict[str, list[str]] = {}
    note_names: dict[str, list[str]] = {}
    file_paths: dict[str, list[str]] = {}
    file_names: dict[str, list[str]] = {}
    aliases: dict[str, list[str]] = {}
    paths = set()
    # paths and aliases come from the loader in NFC already: lower-casing is the whole fold
    for path, note_aliases in entries:
        paths.add(path)
        stem = path[:-3].lower() if path.lower().endswith(".md") else path.lower()
        note_paths.setdefault(stem, []).append(path)
        note_names.setdefault(stem.rsplit("/", 1)[-1], []).append(path)
        for alias in note_aliases:
            aliases.setdefault(fold(alias), []).append(path)
    for att in attachments:
        paths.add(att.path)
        file_paths.setdefault(att.path.lower(), []).append(att.path)
        file_names.setdefault(att.name.lower(), []).append(att.path)
    freeze = lambda d: {k: tuple(sorted(v)) if len(v) > 1 else tuple(v) for k, v in d.items()}  # noqa: E731
    index = Index(notes, frozenset(paths), freeze(note_paths), freeze(file_paths),
                  freeze(note_names), freeze(file_names), freeze(aliases), tie_break,
                  resolve_aliases)
    if one_lookup:
        _fill_simple(index)
    return index


def index_tables(index: Index) -> tuple:
    """The index's lookup tables as plain data (for a cache; see :func:`index_from_tables`)."""
    return (tuple(sorted(index.files)), index.note_paths, index.file_paths, index.note_names,
            index.file_names, index.aliases)


def index_from_tables(tables: tuple, notes: Mapping[str, Note], tie_break: str = "fewest-folders",
                      resolve_aliases: bool = False) -> Index:
    """The index :func:`index_tables` was taken from, over ``notes`` (read only for the
    targets of links that are resolved), without :attr:`Index.simple`."""
    files, note_paths, file_paths, note_names, file_names, aliases = tables
    return Index(notes, frozenset(files), note_paths, file_paths, note_names, file_names, aliases,
                 tie_break, resolve_aliases)


def _fill_simple(index: Index) -> None:
    """Every exact path and every unique name → its resolution (see :attr:`Index.simple`)."""
    simple = index.simple
    found: dict[str, Resolution] = {}  # one shared Resolution per file

    def ok(path: str) -> Resolution:
        res = found.get(path)
        if res is None:
            res = found[path] = Resolution(OK, path)
        return res
    for table in (index.note_names, index.file_names):
        for key, hits in table.items():
            if len(hits) == 1:
                simple[key] = ok(hits[0])
    for key, hits in index.note_names.items():
        if len(hits) == 1 and key + ".md" not in simple:
            simple[key + ".md"] = simple[key]
    for table, md in ((index.note_paths, True), (index.file_paths, False)):
        for key, hits in table.items():
            res = ok(hits[0]) if len(hits) == 1 else \
                Resolution(AMBIGUOUS, hits[0], candidates=hits)
            simple[key] = res
            if md:
                simple[key + ".md"] = res
    for key in list(simple):  # a name is only simple if no other file's path says otherwise
        if "/" not in key and (key in index.file_paths or key in index.file_names) and \
                (key in index.note_paths or key in index.note_names):
            del simple[key]


def tie_key(tie_break: str):
    """Sort key ordering same-named candidates, best first."""
    if tie_break == "shortest-path":
        return lambda p: (len(p), p)
    return lambda p: (p.count("/"), p)


def folder_of(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def lookup(index: Index, source: str, path: str) -> Resolution:
    """Resolve a link path (no subpath) written in note ``source``."""
    if not path:
        return Resolution(OK, source)
    hit = index.simple.get(path.lower())
    if hit is not None and not path.startswith(("./", "../", "/")) and "\\" not in path:
        return hit
    path = nfc(path)
    if "\\" in path:
        path = path.replace("\\", "/")
    if path.startswith("./") or path.startswith("../"):
        joined = posixpath.normpath(posixpath.join(folder_of(source), path))
        if joined == ".." or joined.startswith("../"):
            return Resolution(MISSING_NOTE, outside=True)
        return _exact(index, joined.lower()) or Resolution(MISSING_NOTE)
    key = path.lstrip("/").lower()
    exact = _exact(index, key)
    if exact is not None:
        return exact
    is_md = key.endswith(".md")
    stem = key[:-3] if is_md else key
    if "/" in stem:
        name = stem.rsplit("/", 1)[1]
        suffix = "/" + stem
        cands = [p for p in index.note_names.get(name, ()) if p[:-3].lower().endswith(suffix)]
        if not is_md:
            fname = key.rsplit("/", 1)[1]
            cands += [p for p in index.file_names.get(fname, ())
                      if p.lower().endswith("/" + key)]
    else:
        cands = list(index.note_names.get(stem, ()))
        if not is_md:
            cands += index.file_names.get(key, ())
    if not cands:
        return _alias(index, stem)
    if len(cands) == 1:
        return Resolution(OK, cands[0])
    here = folder_of(source)
    local = [c for c in cands if folder_of(c) == here]
    if len(local) == 1:
        return Resolution(OK, local[0])
    ordered = sorted(local or cands, key=tie_key(index.tie_break))
    rest = sorted((c for c in cands if c not in ordered), key=tie_key(index.tie_break))
    return Resolution(AMBIGUOUS, ordered[0], candidates=tuple(ordered + rest))


def _exact(index: Index, key: str) -> Resolution | None:
    """The file whose vault path, case-folded, is ``key`` (``.md`` optional for notes)."""
    hits = index.file_paths.get(key) or index.note_paths.get(
        key[:-3] if key.endswith(".md") else key)
    if not hits:
        return None
    if len(hits) == 1:
        return Resolution(OK, hits[0])
    return Resolution(AMBIGUOUS, hits[0], candidates=hits)


def _alias(index: Index, key: str) -> Resolution:
    owners = index.aliases.get(key, ())
    if not owners:
        return Resolution(MISSING_NOTE)
    if index.resolve_aliases:
        return Resolution(OK if len(owners) == 1 else AMBIGUOUS, owners[0],
                          candidates=owners if len(owners) > 1 else ())
    return Resolution(MISSING_NOTE, alias_of=owners[0])


def find_heading(note: Note, subpath: str, index: Index | None = None) -> Heading | None:
    """The heading a ``A#B#C`` subpath names, following the nesting, or ``None``."""
    heads = note.headings
    keys = index._headings.get(note.path) if index is not None else None
    if keys is None:
        keys = tuple(strip_heading(h.text) for h in heads)
        if index is not None:
            index._headings[note.path] = keys
    lo, hi = 0, len(heads)
    found: Heading | None = None
    for part in subpath.split("#"):
        if not part.strip():
            continue  # '#A##B': an empty part names nothing
        want = strip_heading(part)
        for i in range(lo, hi):
            if keys[i] == want:
                found = heads[i]
                lo = i + 1
                hi = next((j for j in range(lo, hi) if heads[j].level <= found.level), hi)
                break
        else:
            return None
    return found


def has_block(note: Note, block: str, index: Index | None = None) -> bool:
    """Whether the note defines block id ``block`` (case-insensitive)."""
    ids = index._blocks.get(note.path) if index is not None else None
    if ids is None:
        ids = frozenset(b.id.lower() for b in note.blocks)
        if index is not None:
            index._blocks[note.path] = ids
    return block.lower() in ids


def resolve(index: Index, source: str, link: Link) -> Resolution:
    """Resolve one link of note ``source``: the file, then the heading or block."""
    res = lookup(index, source, link.path)
    if res.target is None or not link.subpath:
        return res
    note = index.notes.get(res.target)
    if note is None:  # subpaths of attachments (#page=3, #interface) are not checked
        return res
    if link.subpath.startswith("^"):
        if has_block(note, link.subpath[1:], index):
            return res
        return Resolution(MISSING_BLOCK, res.target, res.candidates)
    heading = find_heading(note, link.subpath, index)
    if heading is None:
        return Resolution(MISSING_HEADING, res.target, res.candidates)
    return Resolution(res.status, res.target, res.candidates, heading=heading)


def resolve_all(index: Index) -> tuple[ResolvedLink, ...]:
    """Every link of every note, resolved, in path then source order."""
    out = []
    simple = index.simple
    for source in sorted(index.notes):
        for link in index.notes[source].links:
            path = link.path
            # the common case inline: a plain name or path that one lookup answers
            res = simple.get(path.lower()) if path and not link.subpath else None
            if res is None or path.startswith(("./", "../", "/")) or "\\" in path:
                res = resolve(index, source, link)
            out.append(ResolvedLink(source, link, res))
    return tuple(out)
