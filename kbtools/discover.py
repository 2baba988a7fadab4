"""Stage 1, discover: which files make up the vault.

Hidden files and folders (name starting with ``.``, e.g. ``.obsidian/``, ``.trash/``,
``.kbcache/``) and configured ``ignore`` globs are not part of the vault. Symlinks are followed
only while they stay inside the vault; a link out of it (or a loop) is reported and skipped.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .config import matcher
from .model import Problem


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file of the vault, as found on disk."""

    path: str
    """Vault-relative, ``/``-separated, NFC."""
    abspath: str
    """Where to read it."""
    size: int
    mtime_ns: int

    @property
    def is_note(self) -> bool:
        return self.path.lower().endswith(".md")


@dataclass(frozen=True, slots=True)
class Discovery:
    files: tuple[SourceFile, ...]
    """Every vault file, sorted by path."""
    problems: tuple[tuple[str, Problem], ...]
    """(vault path, problem) for entries that were skipped."""


def discover(root: Path, ignore: tuple[str, ...] = ()) -> Discovery:
    """Walk ``root`` and list the vault's files."""
    root_real = os.path.realpath(root)
    ignored = matcher(ignore)
    files: list[SourceFile] = []
    problems: list[tuple[str, Problem]] = []
    seen_dirs = {root_real}

    def walk(folder: str, rel: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append((rel or ".", Problem("unreadable", f"cannot list folder: {exc.strerror}")))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = f"{rel}/{entry.name}" if rel else entry.name
            if not path.isascii():
                path = unicodedata.normalize("NFC", path)
            if ignored(path):
                continue
            try:
                if entry.is_symlink():
                    real = os.path.realpath(entry.path)
                    if not (real == root_real or real.startswith(root_real + os.sep)):
                        problems.append((path, Problem(
                            "outside", f"symlink points outside the vault ({real}); skipped")))
                        continue
                if entry.is_dir():
                    real = os.path.realpath(entry.path)
                    if real in seen_dirs:
                        problems.append((path, Problem("loop", "symlinked folder seen before "
                                                       "(a loop or a duplicate); skipped")))
                        continue
                    seen_dirs.add(real)
                    walk(entry.path, path)
                elif entry.is_file():
                    st = entry.stat()
                    files.append(SourceFile(path, entry.path, st.st_size, st.st_mtime_ns))
            except OSError as exc:
                problems.append((path, Problem("unreadable", f"cannot read: {exc.strerror}")))

    walk(str(root), "")
    files.sort(key=lambda f: f.path)
    return Discovery(tuple(files), tuple(problems))
