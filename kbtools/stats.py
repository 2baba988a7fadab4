"""``kb stats``: a summary of a vault, as data (the CLI formats it)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import graph as graphs
from .vault import Vault


def summarize(vault: Vault, top: int = 10) -> dict[str, Any]:
    g = vault.graph
    statuses = Counter(rl.resolution.status for rl in vault.links)
    kinds = Counter(rl.link.kind for rl in vault.links)
    tags: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for note in vault.notes.values():
        for tag in note.tags:
            key = tag.lower()
            spelling.setdefault(key, tag)
            tags[key] += 1
    comps = graphs.components(g)
    return {
        "notes": len(vault.notes),
        "attachments": len(vault.attachments),
        "links": len(vault.links),
        "links_by_kind": dict(sorted(kinds.items())),
        "links_by_status": dict(sorted(statuses.items())),
        "broken": sum(v for k, v in statuses.items() if k.startswith("missing")),
        "orphans": graphs.orphans(g),
        "dangling": dict(sorted(graphs.dangling(g).items(), key=lambda kv: (-kv[1], kv[0]))[:top]),
        "components": len(comps),
        "largest_component": len(comps[0]) if comps else 0,
        "hubs": [{"path": p, "backlinks": n} for p, n in graphs.most_linked(g, top)],
        "tags": [{"tag": spelling[k], "notes": n}
                 for k, n in sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:top]],
        "tag_count": len(tags),
    }


def format_stats(s: dict[str, Any]) -> str:
    lines = [
        f"notes        {s['notes']}",
        f"attachments  {s['attachments']}",
        f"links        {s['links']}  ({', '.join(f'{k} {v}' for k, v in s['links_by_kind'].items())})",
        f"broken       {s['broken']}  ({', '.join(f'{k} {v}' for k, v in s['links_by_status'].items())})",
        f"orphans      {len(s['orphans'])}",
        f"components   {s['components']} (largest: {s['largest_component']} files)",
        f"tags         {s['tag_count']}",
        "",
        "top hubs (notes linking in):",
        *[f"  {h['backlinks']:>5}  {h['path']}" for h in s["hubs"]],
        "",
        "top tags (notes):",
        *[f"  {t['notes']:>5}  #{t['tag']}" for t in s["tags"]],
    ]
    if s["dangling"]:
        lines += ["", "most linked missing targets:",
                  *[f"  {n:>5}  [[{name}]]" for name, n in s["dangling"].items()]]
    return "\n".join(lines)
