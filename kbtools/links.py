"""``kb links``: every link occurrence as a stable record (CI users build on these keys)."""

from __future__ import annotations

from typing import Any

from .vault import Vault

KEYS = ("source", "line", "column", "raw", "kind", "target", "heading", "block", "status")


def link_records(vault: Vault) -> list[dict[str, Any]]:
    """One dict per link with exactly :data:`KEYS`, in path then position order."""
    return [{
        "source": rl.source,
        "line": rl.link.line,
        "column": rl.link.column,
        "raw": rl.link.raw,
        "kind": rl.link.kind,
        "target": rl.resolution.target,
        "heading": rl.link.heading,
        "block": rl.link.block,
        "status": rl.resolution.status,
    } for rl in vault.links]
