"""The loader: the only code that reads the vault's files.

:func:`load_vault` runs discover → read → parse → index → resolve and returns a
:class:`~kbtools.vault.Vault`. Parse results are cached in ``<vault>/.kbcache/`` keyed by path,
size and mtime (safe to delete; it ignores itself for git); notes that changed are parsed in a
process pool when there are many.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import tempfile
from pathlib import Path
from typing import Iterable

from . import __version__, codec
from .config import Config, find_config
from .discover import SourceFile, discover
from .model import Attachment, Note, Problem
from .resolve import build_index, resolve_all
from .vault import Vault

CACHE_DIR = ".kbcache"
CACHE_FILE = "notes.marshal"
PARALLEL_THRESHOLD = 400
"""Parse in worker processes only when this many notes changed (pool start-up costs ~0.2 s)."""


def decode(data: bytes) -> tuple[str, tuple[Problem, ...]]:
    """File bytes → text for the parser, with a problem for bytes that are not UTF-8 or NUL."""
    problems = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[data.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")) + 1
        problems.append(Problem("encoding", f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); read "
                                "with replacement characters", line, column))
        text = data.decode("utf-8", "replace")
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        problems.append(Problem("encoding", "contains NUL bytes (a binary file?)", line,
                                at - text.rfind("\n", 0, at)))
        text = text.replace("\x00", "\ufffd")
    return text, tuple(problems)


def read_note(path: str, abspath: str) -> Note:
    """Read and parse one note; unreadable files become notes with a problem."""
    from .parse import normalize_text, parse_note  # the parser loads only when a note is read
    try:
        with open(abspath, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return Note(path=path, problems=(Problem("unreadable", f"cannot read: {exc.strerror}"),))
    text, problems = decode(data)
    return parse_note(path, normalize_text(text), problems)


def _read_many(batch: list[tuple[str, str]]) -> bytes:
    """Worker: parse a batch, return the notes encoded (marshal is the fast way back)."""
    return marshal.dumps([codec.encode(read_note(path, abspath)) for path, abspath in batch])


def parse_files(files: list[SourceFile], jobs: int | None = None) -> list[Note]:
    """Parse notes; with many notes and ``jobs`` > 1, ``jobs - 1`` worker processes take their
    share while this process parses its own (it would otherwise sit waiting)."""
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs <= 1 or len(files) < PARALLEL_THRESHOLD:
        return [read_note(f.path, f.abspath) for f in files]
    from concurrent.futures import ProcessPoolExecutor
    shares = [files[i::jobs] for i in range(jobs)]
    mine, theirs = shares[0], shares[1:]
    with ProcessPoolExecutor(max_workers=jobs - 1) as pool:
        futures = [pool.submit(_read_many, [(f.path, f.abspath) for f in share])
                   for share in theirs]
        by_path = {f.path: read_note(f.path, f.abspath) for f in mine}
        for future in futures:
            for t in marshal.loads(future.result()):
                by_path[t[0]] = codec.decode(t)
    return [by_path[f.path] for f in files]


def _cache_key() -> str:
    return f"kbtools {__version__} parse-v2 codec-{codec.FORMAT}"


def _load_cache(folder: Path) -> dict[str, tuple[int, int, tuple]]:
    """path → (size, mtime_ns, encoded note); empty when missing, damaged or stale."""
    try:
        with open(folder / CACHE_FILE, "rb") as fh:
            key, entries = marshal.loads(fh.read())  # load(fh) reads in small pieces: 7x slower
        return entries if key == _cache_key() else {}
    except Exception:  # a damaged or foreign cache is simply rebuilt
        return {}


def _save_cache(folder: Path, entries: dict[str, tuple[int, int, tuple]]) -> None:
    _save_atomic(folder / CACHE_FILE, marshal.dumps((_cache_key(), entries)))


def _save_atomic(path: Path, data: bytes) -> None:
    """Write a cache file atomically (temp file + rename) in a folder that ignores itself for
    git; a read-only vault simply runs without a cache."""
    try:
        path.parent.mkdir(exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# kbtools cache: safe to delete\n*\n", encoding="utf-8")
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, ValueError):
        pass


def load_notes(files: Iterable[SourceFile], cache_dir: Path | None,
               jobs: int | None = None) -> list[Note]:
    """Notes for the given files, from the cache when size and mtime still match."""
    files = [f for f in files if f.is_note]
    cached = _load_cache(cache_dir) if cache_dir is not None else {}
    fresh: list[Note | None] = []
    stale: list[SourceFile] = []
    for f in files:
        hit = cached.get(f.path)
        if hit is not None and hit[0] == f.size and hit[1] == f.mtime_ns:
            fresh.append(codec.decode(hit[2]))
        else:
            fresh.append(None)
            stale.append(f)
    parsed = iter(parse_files(stale, jobs))
    notes = [n if n is not None else next(parsed) for n in fresh]
    if cache_dir is not None and (stale or len(cached) != len(files)):
        entries = {f.path: (f.size, f.mtime_ns, cached[f.path][2] if n is not None else None)
                   for f, n in zip(files, fresh)}
        for f, note in zip(files, notes):
            if entries[f.path][2] is None:
                entries[f.path] = (f.size, f.mtime_ns, codec.encode(note))
        _save_cache(cache_dir, entries)
    return notes


@contextlib.contextmanager
def no_gc():
    """Pause the cyclic garbage collector: loading makes millions of objects and no cycles,
    and Python's collector would otherwise rescan them all several times (~20% of a cold run)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_vault(root: str | os.PathLike[str], config: Config | None = None, *,
               cache: bool | None = None, jobs: int | None = None) -> Vault:
    """Read a vault folder into a resolved :class:`~kbtools.vault.Vault`."""
    root = Path(root)
    if not root.is_dir():
        raise NotADirectoryError(f"{root}: not a folder")
    config = config if config is not None else find_config(root)
    with no_gc():
        found = discover(root, config.ignore)
        use_cache = config.cache if cache is None else cache
        notes = load_notes(found.files, root / CACHE_DIR if use_cache else None, jobs)
        attachments = tuple(Attachment(f.path) for f in found.files if not f.is_note)
        index = build_index(notes, attachments, config.tie_break, config.resolve_aliases)
        links = resolve_all(index)
    return Vault(root=root, config=config, index=index, attachments=attachments, links=links,
                 skipped=found.problems)
