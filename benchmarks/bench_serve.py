#!/usr/bin/env python3
"""Benchmark ``kb serve``'s incremental rebuilds: one note edited, on a generated vault.

This is a benchmark, not a test: it only measures and prints.

In this process (no HTTP: the server only calls the same machinery), it copies the generated
vault (``shared/bench/gen_vault.py``, reused from ``--workdir`` as by ``bench_check.py``), builds
the site once with :class:`kbtools.site.live.LiveSite` exactly as ``kb serve`` does (= ``kb
build``, from an empty ``.kbcache``), then appends a sentence to one note ``--edits`` times
(each edit moves the file's time by a second, so its date — and so its tag, folder and all-notes
listings — change every time: the realistic worst case of a body edit) and times each
incremental rebuild (``LiveSite.update``: listing the vault, re-parsing, patching, re-rendering and
writing). It prints the median, min and max, the pages written, and the ratio full build /
median incremental rebuild, measured in the same run.

The note edited is a typical one: published, tagged with the vault's most used tag (its tag page
is the longest listing), in a folder, with the median number of notes linking to it.

Then, once each (informational): a link added (local graphs change), a heading renamed (the
"wide" path: index, links and site state recomputed), a new note (wide), and — with search on —
the background refresh of the pagefind index (``LiveSite.refresh_search``), which ``kb serve``
runs a second after the last change. ``--verify`` finally builds the vault afresh and checks the
served folder is byte-identical (``pagefind/`` aside).

Target (issue 4): an incremental rebuild after editing one note of a 10k vault <= 1 s.

Usage:  python benchmarks/bench_serve.py [--notes 10000] [--edits 10] [--no-search] [--verify]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_check import DEFAULT_GEN, ensure_vault, fresh_copy, prepare_workdir  # noqa: E402

TARGET_S = 1.0


def pick_note(live) -> str:
    """A typical published note: in a folder, with the most used tag, median in-links."""
    site = live.site
    plan, graph = site.plan, site.vault.graph
    biggest = max(plan.tags.values(), key=lambda t: len(t.notes))
    candidates = [p for p in biggest.notes if "/" in p and p != plan.home]
    candidates = candidates or list(plan.notes)
    inlinks = {p: len({s for s, _ in graph.in_edges(p)} - {p}) for p in candidates}
    ordered = sorted(candidates, key=lambda p: (inlinks[p], p))
    return ordered[len(ordered) // 2]


def describe(live, path: str) -> str:
    site = live.site
    graph = site.vault.graph
    note = site.vault.notes[path]
    embedders = {s for s, _, k in graph.in_edges(path, data="kind") if k == "embed"}
    inlinks = {s for s, _ in graph.in_edges(path)} - {path}
    return (f"{path!r}: tags {list(note.tags)}, {len(inlinks)} notes link to it, "
            f"{len(embedders)} embed it, {len(set(graph.successors(path)))} targets")


def touch_later(path: Path, step: list[int]) -> None:
    step[0] += 1
    st = path.stat()
    t = st.st_mtime_ns + step[0] * 1_000_000_000
    os.utime(path, ns=(t, t))


def timed_update(live) -> tuple[float, object]:
    started = time.perf_counter()
    update = live.update()
    return time.perf_counter() - started, update


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--notes", type=int, default=10000, help="size of the generated vault")
    ap.add_argument("--seed", type=int, default=1, help="generator seed")
    ap.add_argument("--edits", type=int, default=10, help="body edits timed (median reported)")
    ap.add_argument("--no-search", action="store_true", help="[site] search = false (no pagefind)")
    ap.add_argument("--no-graph", action="store_true", help="[site] graph = false")
    ap.add_argument("--no-extra", action="store_true",
                    help="skip the informational link/heading/new-note edits")
    ap.add_argument("--verify", action="store_true",
                    help="at the end, build afresh and compare the served folder byte for byte")
    ap.add_argument("--gen", type=Path, default=DEFAULT_GEN, help="path to gen_vault.py")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where vaults are generated and kept for reuse (default: a temp folder)")
    ap.add_argument("--profile", action="store_true",
                    help="profile one more body edit (cProfile) and print where the time goes")
    ap.add_argument("--json", type=Path, default=None, help="write the numbers to this JSON file")
    a = ap.parse_args(argv)

    from kbtools.site.background import settle_memory
    from kbtools.site.live import LiveSite

    temp, a.workdir = prepare_workdir(a.workdir)
    kwargs = {}
    if a.no_search:
        kwargs["search"] = False
    if a.no_graph:
        kwargs["graph"] = False
    print(f"kb serve benchmark  python={sys.version.split()[0]}  platform={platform.platform()}  "
          f"cpus={os.cpu_count()}  site overrides={kwargs or 'none'}")
    try:
        vault, reused = ensure_vault(a.gen.resolve(), a.workdir, a.notes, a.seed)
        print(f"  vault: {vault} ({'reused' if reused else 'generated'})", flush=True)
        copy = fresh_copy(vault, a.workdir / f"kbserve-n{a.notes}-s{a.seed}")
        out = a.workdir / f"kbserve-site-n{a.notes}-s{a.seed}"
        shutil.rmtree(out, ignore_errors=True)
        live = LiveSite(copy, out, build_kwargs=kwargs, log=lambda _: None)

        started = time.perf_counter()
        first = live.full()
        full_s = time.perf_counter() - started
        print(f"  full build (as kb build, empty .kbcache): {full_s:.1f} s, {first.pages} pages",
              flush=True)
        print(f"  memory settled (gc.collect + gc.freeze, as kb serve does after a full build): "
              f"{settle_memory():.2f} s", flush=True)

        path = pick_note(live)
        print(f"  editing {describe(live, path)}")
        note = copy / path
        step = [0]
        times, written = [], []
        for i in range(a.edits):
            with open(note, "a", encoding="utf-8") as fh:
                fh.write(f"\nПравка номер {i + 1}: ещё одно предложение без ссылок.\n")
            touch_later(note, step)
            seconds, update = timed_update(live)
            if update.kind != "local":
                print(f"    edit {i + 1}: expected a local rebuild, got {update}")
            times.append(seconds)
            written.append(len(update.written))
            print(f"    edit {i + 1}: {seconds * 1000:.0f} ms, {len(update.written)} files "
                  f"written ({update.kind})", flush=True)
        median = statistics.median(times)
        print(f"\n  body edit: median {median * 1000:.0f} ms, min {min(times) * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms over {len(times)} edits; "
              f"{statistics.median(written):.0f} files written")
        print(f"  full build / incremental: {full_s / median:.0f}x")
        verdict = "PASS" if median <= TARGET_S else "MISS"
        print(f"  {verdict}  incremental rebuild after one edit <= {TARGET_S:g} s "
              f"({median:.3f} s median)")

        if a.profile:
            import cProfile
            import pstats
            with open(note, "a", encoding="utf-8") as fh:
                fh.write("\nПравка для профиля.\n")
            touch_later(note, step)
            prof = cProfile.Profile()
            prof.enable()
            live.update()
            prof.disable()
            print("\n  profile of one body edit (cumulative, top 30):")
            pstats.Stats(prof).sort_stats("cumtime").print_stats(30)

        extra: dict[str, dict] = {}
        if not a.no_extra:
            target = next(p for p in sorted(live.site.plan.notes) if p != path)
            cases = [
                ("link added", lambda: note.open("a", encoding="utf-8").write(
                    f"\nСм. также [[{target[:-3]}]].\n")),
                ("heading renamed", lambda: note.write_text(
                    note.read_text(encoding="utf-8").replace("\n## ", "\n## Новый ", 1),
                    encoding="utf-8")),
                ("new note", lambda: (copy / "Новая заметка бенчмарка.md").write_text(
                    f"# Новая\n\nСсылка на [[{path[:-3]}]].\n", encoding="utf-8")),
            ]
            print()
            for name, edit in cases:
                edit()
                touch_later(note, step)
                seconds, update = timed_update(live)
                graph_s = 0.0
                if update.kind == "wide":
                    settle_memory()  # kb serve does it in the background
                if live.pending_graph:
                    t0 = time.perf_counter()
                    live.refresh_graph()
                    graph_s = time.perf_counter() - t0
                extra[name] = dict(seconds=seconds, kind=update.kind, written=len(update.written),
                                   deleted=len(update.deleted), graph_s=graph_s)
                more = f"; graph/ redrawn in the background in {graph_s:.2f} s" if graph_s else ""
                print(f"  {name:16} {seconds:.2f} s ({update.kind}, {len(update.written)} files "
                      f"written){more}", flush=True)

        search_s = search_edit_s = None
        if not a.no_search:
            search_s = live.refresh_search()
            print(f"\n  search index refresh (background; first: every part): {search_s:.1f} s")
            with open(note, "a", encoding="utf-8") as fh:
                fh.write("\nПравка для поиска.\n")
            touch_later(note, step)
            live.update()
            search_edit_s = live.refresh_search()
            print(f"  search index refresh after one more edit (its part only, "
                  f"{live.search.last_reindexed if live.search else 0} of "
                  f"{len(live.search.parts) if live.search else 0} parts): {search_edit_s:.1f} s")
            live.close()

        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak memory of this process: {peak_mb:.0f} MB")

        same = None
        if a.verify:
            from kbtools.load import load_vault
            from kbtools.site import build
            fresh = a.workdir / f"kbserve-fresh-n{a.notes}-s{a.seed}"
            shutil.rmtree(fresh, ignore_errors=True)
            build(load_vault(copy, cache=False), fresh, **kwargs)
            same = _compare(out, fresh)
            shutil.rmtree(fresh, ignore_errors=True)

        if a.json:
            a.json.write_text(json.dumps(dict(
                notes=a.notes, seed=a.seed, overrides=kwargs, full_s=full_s, edit=path,
                edits_s=times, median_s=median, ratio=full_s / median, files_written=written,
                extra=extra, search_refresh_s=search_s, search_refresh_edit_s=search_edit_s,
                peak_mb=peak_mb, identical=same,
                verdict=verdict), indent=2, ensure_ascii=False) + "\n")
        shutil.rmtree(copy, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        return 0 if same is not False else 1
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)


def _compare(a: Path, b: Path) -> bool:
    def files(root: Path) -> dict[str, Path]:
        out = {}
        for dirpath, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d != "pagefind"]
            for name in names:
                p = Path(dirpath) / name
                out[p.relative_to(root).as_posix()] = p
        return out
    fa, fb = files(a), files(b)
    missing, extra = sorted(set(fb) - set(fa)), sorted(set(fa) - set(fb))
    differ = sorted(n for n in set(fa) & set(fb) if fa[n].read_bytes() != fb[n].read_bytes())
    ok = not (missing or extra or differ)
    print(f"  verify against a fresh build: {'identical' if ok else 'DIFFERENT'} "
          f"({len(fb)} files; missing {missing[:5]}, extra {extra[:5]}, differ {differ[:5]})")
    return ok


if __name__ == "__main__":
    sys.exit(main())
