"""One pagefind index from indexes of parts of a site: what pagefind would have written for all
the pages at once, without its memory (:mod:`kbtools.site.search` builds a large site in parts).

pagefind keeps every word of every page in memory until it writes the index (~130 KB per note
page: 1.3 GB for 10,000 pages) and has no option to do otherwise. Indexing the pages in parts and
merging the parts' bundles here keeps its peak at one part's; the search page still loads *one*
index, so every word, its pages, positions and weights, page lengths and the ranking statistics
are those of a single index (``tests/test_site_search_merge.py`` compares a merged index with the
one pagefind writes for the whole site, word by word and page by page).

The format is pagefind's own (checked for the versions in :data:`SUPPORTED`; another version, or
a site with pagefind filters or sort keys, is indexed in one go instead): every file is
``gzip(b"pagefind_dcd" + payload)``; the language's ``pagefind.<hash>.pf_meta`` is CBOR
``[version, pages [[fragment, words]], chunks [[from, to, hash]], filters, sorts, meta fields]``;
each ``index/<hash>.pf_index`` is CBOR ``[[[word, pages, variants]]]`` sorted by word, a page being
``[page number − previous page number, locations, meta-field locations]`` and a variant (the
word with its diacritics) ``[form, pages]``; meta-field locations name their field by its index in
the meta fields (``-index - 1``); fragments (``fragment/<hash>.pf_fragment``, one per page) are
copied as they are. Chunks are cut and named as pagefind cuts and names them.
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import json
import os
import re
import shutil
import struct
from pathlib import Path
from typing import Any, Iterator

SUPPORTED = ("1.5.",)
"""pagefind versions whose index format this module writes (the entry's ``version`` prefix)."""
HEADER = b"pagefind_dcd"
CHUNK_SIZE = 20000
"""pagefind's index chunk size (locations + meta locations + 1 per page of a word)."""
INDEX_FILES = ("index", "fragment", "filter")


class CannotMerge(Exception):
    """These bundles are not in a format this module merges."""


# -- CBOR (the subset pagefind writes: integers, text, arrays) ------------------------------------

def _decode(data: bytes, i: int = 0) -> tuple[Any, int]:
    head = data[i]
    major, info = head >> 5, head & 31
    i += 1
    if info < 24:
        value = info
    elif info == 24:
        value = data[i]
        i += 1
    elif info == 25:
        value = (data[i] << 8) | data[i + 1]
        i += 2
    elif info == 26:
        value = struct.unpack_from(">I", data, i)[0]
        i += 4
    elif info == 27:
        value = struct.unpack_from(">Q", data, i)[0]
        i += 8
    else:
        raise CannotMerge(f"CBOR item {head:#x} (indefinite length or reserved)")
    if major == 0:
        return value, i
    if major == 1:
        return -1 - value, i
    if major == 3:
        return data[i:i + value].decode("utf-8"), i + value
    if major == 4:
        out = []
        for _ in range(value):
            item, i = _decode(data, i)
            out.append(item)
        return out, i
    raise CannotMerge(f"CBOR major type {major}")


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    if value < 1 << 8:
        return bytes([major << 5 | 24, value])
    if value < 1 << 16:
        return bytes([major << 5 | 25]) + value.to_bytes(2, "big")
    if value < 1 << 32:
        return bytes([major << 5 | 26]) + value.to_bytes(4, "big")
    return bytes([major << 5 | 27]) + value.to_bytes(8, "big")


def _encode(item: Any, out: bytearray) -> None:
    if isinstance(item, int):
        out += _head(0, item) if item >= 0 else _head(1, -1 - item)
    elif isinstance(item, str):
        data = item.encode("utf-8")
        out += _head(3, len(data))
        out += data
    elif isinstance(item, list):
        out += _head(4, len(item))
        for x in item:
            _encode(x, out)
    else:
        raise TypeError(type(item))


def encode(item: Any) -> bytes:
    out = bytearray()
    _encode(item, out)
    return bytes(out)


def read(path: Path) -> bytes:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(HEADER):
        raise CannotMerge(f"{path.name}: not a pagefind file")
    return data[len(HEADER):]


def write(path: Path, payload: bytes) -> None:
    path.write_bytes(gzip.compress(HEADER + payload, compresslevel=6, mtime=0))


# -- reading a chunk without decoding the locations -------------------------------------------

_INT = rb"(?:[\x00-\x17\x20-\x37]|[\x18\x38].|[\x19\x39]..|[\x1a\x3a]....|[\x1b\x3b]........)"
_INTS: dict[int, "re.Pattern[bytes]"] = {}


def _uint(data: bytes, i: int, major: int) -> tuple[int, int]:
    head = data[i]
    if head >> 5 != major:
        raise CannotMerge(f"CBOR major type {head >> 5} where {major} was expected")
    info = head & 31
    if info < 24:
        return info, i + 1
    if info == 24:
        return data[i + 1], i + 2
    if info == 25:
        return (data[i + 1] << 8) | data[i + 2], i + 3
    if info == 26:
        return struct.unpack_from(">I", data, i + 1)[0], i + 5
    if info == 27:
        return struct.unpack_from(">Q", data, i + 1)[0], i + 9
    raise CannotMerge(f"CBOR item {head:#x}")


class _Slice:
    """One word of one part, its pages kept as the bytes pagefind wrote: ``count`` pages; the
    first page's number (``first``, a delta from 0) and the bytes after it (``rest``: its
    locations, then the other pages, whose deltas stay valid); ``last``: the last page's number;
    ``size``: what the word adds to pagefind's chunk size; ``variants`` decoded."""

    __slots__ = ("word", "count", "first", "rest", "last", "size", "variants")


def _ints(count: int) -> "re.Pattern[bytes]":
    pattern = _INTS.get(count)
    if pattern is None:
        pattern = _INTS[count] = re.compile(_INT + b"{%d}" % count, re.S)
    return pattern


def _slices(data: bytes) -> Iterator[_Slice]:
    """The words of an index chunk (``[[[word, pages, variants]…]]``), walking the location
    arrays with a regular expression instead of decoding them (the hot loop of a merge)."""
    outer, i = _uint(data, 0, 4)
    if outer != 1:
        raise CannotMerge("an index chunk of another layout")
    words, i = _uint(data, i, 4)
    uint, ints, end = _uint, _ints, len(data)
    for _ in range(words):
        fields, i = uint(data, i, 4)
        if fields != 3:
            raise CannotMerge("a word of another layout")
        length, i = uint(data, i, 3)
        s = _Slice()
        s.word = data[i:i + length].decode("utf-8")
        i += length
        s.count, i = uint(data, i, 4)
        number = size = 0
        start = i
        for k in range(s.count):
            if data[i] != 0x83:
                raise CannotMerge("a page of another layout")
            head = data[i + 1]
            if head < 24:
                delta, i = head, i + 2
            else:
                delta, i = uint(data, i + 1, 0)
            if k == 0:
                s.first, start = delta, i
            number += delta
            for _array in (0, 1):  # locations, meta-field locations: arrays of integers
                head = data[i]
                if 0x80 <= head < 0x98:
                    count, i = head - 0x80, i + 1
                else:
                    count, i = uint(data, i, 4)
                if count:
                    m = ints(count).match(data, i)
                    if m is None:
                        raise CannotMerge("a location array that is not integers")
                    i = m.end()
                size += count
            size += 1
        if i > end:
            raise CannotMerge("a truncated index chunk")
        s.rest = data[start:i] if s.count else b""
        s.last, s.size = number, size
        if data[i] == 0x80:  # no variants (the usual case)
            s.variants, i = [], i + 1
        else:
            s.variants, i = _decode(data, i)
        yield s


def _word_bytes(word: str, slices: list[tuple[int, _Slice]], offsets: list[int],
                variants: list) -> bytes:
    """A merged word: its pages renumbered (only each part's first delta changes)."""
    out = bytearray(b"\x83")
    data = word.encode("utf-8")
    out += _head(3, len(data))
    out += data
    out += _head(4, sum(s.count for _, s in slices))
    last = 0
    for k, s in slices:
        if not s.count:
            continue
        first = offsets[k] + s.first
        out += b"\x83"
        out += _head(0, first - last)
        out += s.rest
        last = offsets[k] + s.last
    _encode(variants, out)
    return bytes(out)


# -- merging -------------------------------------------------------------------------------------

class _Part:
    def __init__(self, bundle: Path, lang: str):
        self.bundle = bundle
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        if not str(entry.get("version", "")).startswith(SUPPORTED):
            raise CannotMerge(f"pagefind {entry.get('version')} (merging knows {SUPPORTED})")
        self.entry = entry
        info = entry["languages"].get(lang)
        self.info = info
        if info is None:
            self.meta = None
            return
        meta, _ = _decode(read(bundle / f"pagefind.{info['hash']}.pf_meta"))
        if len(meta) != 6 or meta[3] or meta[4]:
            raise CannotMerge("the index has filters or sort keys, or an unknown layout")
        self.meta = meta
        self.version, self.pages, self.chunks, _, _, self.fields = meta

    def words(self) -> Iterator[_Slice]:
        for _from, _to, name in self.chunks:
            yield from _slices(read(self.bundle / "index" / f"{name}.pf_index"))

    def decoded(self) -> Iterator[list]:
        """Every word decoded (when its meta fields must be renumbered)."""
        for _from, _to, name in self.chunks:
            index, _ = _decode(read(self.bundle / "index" / f"{name}.pf_index"))
            yield from index[0]


def languages(bundles: list[Path]) -> list[str]:
    langs: set[str] = set()
    for bundle in bundles:
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        langs.update(entry.get("languages", {}))
    return sorted(langs)


def merge(bundles: list[Path], dest: Path) -> int:
    """Merge the pagefind bundles of parts of a site (pages of later bundles after those of
    earlier ones) into the bundle ``dest`` (which must not exist); the pages in it.
    Raises :class:`CannotMerge` (before writing anything) when the format is not one it knows."""
    langs = languages(bundles)
    parts = {lang: [_Part(b, lang) for b in bundles] for lang in langs}
    dest.mkdir(parents=True)
    for item in bundles[0].iterdir():  # pagefind's UI, WebAssembly and worker
        if item.is_file() and not item.name.endswith(".pf_meta") and \
                item.name != "pagefind-entry.json":
            shutil.copyfile(item, dest / item.name)
    for name in INDEX_FILES:
        (dest / name).mkdir()
    entry = dict(parts[langs[0]][0].entry) if langs else \
        json.loads((bundles[0] / "pagefind-entry.json").read_text(encoding="utf-8"))
    entry["languages"] = {}
    total = 0
    fragments: set[str] = set()
    for lang in langs:
        present = [p for p in parts[lang] if p.meta is not None]
        meta_hash, count = _merge_language(lang, present, dest, fragments)
        entry["languages"][lang] = {**present[0].info, "hash": meta_hash, "page_count": count}
        total += count
    (dest / "pagefind-entry.json").write_text(json.dumps(entry, ensure_ascii=False),
                                             encoding="utf-8")
    return total


def _place(source: Path, folder: Path, name: str, taken: set[str]) -> str:
    """Put a fragment into the merged bundle under its name (a hard link, else a copy: the part
    bundles stay whole, so ``kb serve`` can merge them again), or — when an earlier part has
    another page under the same short hash — under a longer one; the name it got."""
    if name in taken:
        data = source.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        base, k = name, 0
        while name in taken:
            if (folder / f"{name}.pf_fragment").read_bytes() == data:
                return name  # the very same page data
            k += 1
            name = base + digest[:k]
    taken.add(name)
    try:
        os.link(source, folder / f"{name}.pf_fragment")
    except OSError:
        shutil.copyfile(source, folder / f"{name}.pf_fragment")
    return name


def _unique(lang: str, digest: str, taken: set[str], length: int) -> str:
    name = f"{lang}_{digest[:length]}"
    while name in taken:
        length += 1
        name = f"{lang}_{digest[:length]}"
    taken.add(name)
    return name


def _merge_language(lang: str, parts: list[_Part], dest: Path,
                    fragments: set[str]) -> tuple[str, int]:
    fields = sorted({f for p in parts for f in p.fields})  # pagefind: a BTreeSet of names
    field_maps = [[fields.index(f) for f in p.fields] for p in parts]
    offsets, pages = [], []
    folder = dest / "fragment"
    for number, part in enumerate(parts):
        offsets.append(len(pages))
        moved: dict[str, str] = {}  # this part's fragment → its name in dest
        for fragment, words in part.pages:
            name = moved.get(fragment)
            if name is None:  # (identical pages share a fragment)
                name = moved[fragment] = _place(part.bundle / "fragment" / f"{fragment}.pf_fragment",
                                                folder, fragment, fragments)
            pages.append([name, words])

    identity = [m == list(range(len(m))) for m in field_maps]

    def rows(k: int) -> Iterator[tuple[str, int, _Slice]]:
        if identity[k]:
            for s in parts[k].words():
                yield s.word, k, s
        else:  # this part lacks a meta field others have: renumber its meta locations
            for word in parts[k].decoded():
                pages = _shift(word[1], 0, field_maps[k], [0])
                yield word[0], k, _encoded_slice(word[0], pages, word[2])

    chunks: list[list[bytes]] = []
    bounds: list[list[str]] = []
    chunk: list[bytes] = []
    first_word = ""
    size = 0
    for word, group in _grouped(heapq.merge(*(rows(k) for k in range(len(parts))))):
        variants = _merge_variants(group, offsets, field_maps)
        if not chunk:
            first_word = word
        chunk.append(_word_bytes(word, group, offsets, variants))
        size += sum(s.size for _, s in group)
        if size >= CHUNK_SIZE:
            chunks.append(chunk)
            bounds.append([first_word, word])
            chunk, size = [], 0
    if chunk:
        chunks.append(chunk)
        bounds.append([first_word, word])

    names: set[str] = set()
    index_chunks = []
    for words, (low, high) in zip(chunks, bounds):
        payload = b"\x81" + _head(4, len(words)) + b"".join(words)
        name = _unique(lang, hashlib.sha256(payload).hexdigest(), names, 7)
        write(dest / "index" / f"{name}.pf_index", payload)
        index_chunks.append([low, high, name])
    for a, b in zip(index_chunks, index_chunks[1:]):  # pagefind's shortest telling prefixes
        to, b[0] = _prefixes(a[1], b[0])
        if to >= a[0]:  # (never a range that ends before it starts)
            a[1] = to
    meta = encode([parts[0].version, pages, index_chunks, [], [], fields])
    meta_hash = f"{lang}_{hashlib.sha256(meta).hexdigest()[:len(lang) + 8]}"
    write(dest / f"pagefind.{meta_hash}.pf_meta", meta)
    return meta_hash, len(pages)


def _grouped(rows: Iterator[tuple[str, int, list]]) -> Iterator[tuple[str, list]]:
    word, group = None, []
    for w, k, item in rows:
        if w != word and group:
            yield word, group
            group = []
        word = w
        group.append((k, item))
    if group:
        yield word, group


def _merge_variants(group: list[tuple[int, _Slice]], offsets: list[int],
                    field_maps: list[list[int]]) -> list:
    """A word's diacritic variants over the parts, in the order of their first page (as
    pagefind merges them), pages renumbered."""
    variants: dict[str, list] = {}
    for k, s in group:
        for form, form_pages in s.variants:
            variants.setdefault(form, []).append((k, form_pages))
    merged = []
    for form, lists in variants.items():
        last = [0]
        out: list = []
        for k, form_pages in lists:
            out.extend(_shift(form_pages, offsets[k], field_maps[k], last))
        merged.append([form, out])
    return merged


def _encoded_slice(word: str, pages: list, variants: list) -> _Slice:
    """A :class:`_Slice` of decoded pages (meta fields already renumbered; variants are
    renumbered with the others)."""
    s = _Slice()
    s.word, s.count, s.variants = word, len(pages), variants
    s.size = sum(len(p[1]) + len(p[2]) + 1 for p in pages)
    s.first = pages[0][0] if pages else 0
    s.last = sum(p[0] for p in pages)
    out = bytearray()
    for k, (delta, locs, meta_locs) in enumerate(pages):
        if k:
            out += b"\x83"
            _encode(delta, out)
        _encode(locs, out)
        _encode(meta_locs, out)
    s.rest = bytes(out)
    return s


def _shift(pages: list, offset: int, field_map: list[int], last: list[int]) -> list:
    """A part's pages of a word, renumbered after ``offset`` and re-delta'd from ``last[0]``."""
    out = []
    number = 0
    for delta, locs, meta_locs in pages:
        number += delta
        absolute = offset + number
        if meta_locs:
            meta_locs = [-field_map[-x - 1] - 1 if x < 0 else x for x in meta_locs]
        out.append([absolute - last[0], locs, meta_locs])
        last[0] = absolute
    return out


def _prefixes(a: str, b: str) -> tuple[str, str]:
    common = 0
    for x, y in zip(b, a):
        if x != y:
            break
        common += 1
    return a[:common + 1], b[:common + 1]
