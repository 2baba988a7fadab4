"""Writing the served site in place, for ``kb serve``'s incremental rebuilds.

:class:`Writer` writes, deletes and copies the files of a built site while it is being served:
each file through a temporary file in its folder and :func:`os.replace` (:func:`atomic`: a
reader never sees half a page), a page only when its bytes change. It records the site URLs it
wrote and deleted (what one update did: :class:`kbtools.site.live.Update`).
"""

from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .pages import output_file


def atomic(path: Path, fill: Callable[[Any], Any]) -> None:
    """Write ``path`` through a temporary file in its folder and :func:`os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kb-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class Writer:
    """Writes into the output folder ``out`` of the vault ``root`` in place; :attr:`written`
    and :attr:`deleted` list the site URLs touched since the last :meth:`reset`."""

    def __init__(self, root: Path, out: Path):
        self.root = root
        self.out = out
        self.written: list[str] = []
        self.deleted: list[str] = []

    def reset(self) -> None:
        """Start new lists (the previous ones are left to whoever holds them)."""
        self.written, self.deleted = [], []

    def write(self, url: str, data: str | bytes) -> None:
        """:meth:`kbtools.site.build.Site.write`, atomic, and only if the bytes change."""
        path = self.out / output_file(url)
        blob = data.encode("utf-8") if isinstance(data, str) else data
        try:
            with open(path, "rb") as fh:
                if fh.read() == blob:
                    return
        except OSError:
            pass
        atomic(path, lambda fh: fh.write(blob))
        self.written.append(url)

    def delete(self, url: str) -> None:
        """Delete the page or file at ``url``, and the folders that leaves empty."""
        path = self.out / output_file(url)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        self.deleted.append(url)
        folder = path.parent
        while folder != self.out and self.out in folder.parents:
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
            folder = folder.parent

    def copy(self, path: str, url: str) -> None:
        """Copy an attachment as :func:`kbtools.site.emit.emit_files` does (never a file
        outside the vault), only if the copy's bytes differ."""
        root = os.path.realpath(self.root)
        src = os.path.realpath(self.root / path)
        if not src.startswith(root + os.sep) or not os.path.isfile(src):
            return
        dst = self.out / url
        if dst.is_file() and filecmp.cmp(src, dst, shallow=False):
            return

        def copy(fh) -> None:
            with open(src, "rb") as sfh:
                shutil.copyfileobj(sfh, fh)
        atomic(dst, copy)
        self.written.append(url)
