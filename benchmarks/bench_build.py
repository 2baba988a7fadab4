#!/usr/bin/env python3
"""Benchmark ``kb build`` on synthetic vaults: time, peak memory and output size.

This is a benchmark, not a test: it only measures and prints; nothing asserts on timings.

For every size (``--sizes``, default 1000,10000) it takes the deterministic vault of
``shared/bench/gen_vault.py`` (generated once and reused from ``--workdir``, exactly as
``bench_check.py`` does), copies it, and times each variant as a whole process, ``--repeat`` times:

  default       kb build COPY -o OUT
  no-search     kb build COPY -o OUT --config CFG      CFG: [site] search = false
  no-graph      kb build COPY -o OUT --config CFG      CFG: [site] graph = false

Every run is a first build: ``COPY/.kbcache`` and ``OUT`` are deleted before it (untimed). The
generated vault has no ``kbtools.toml``, so ``--config`` with a one-setting file changes nothing
else. Wall time, peak RSS (GNU ``/usr/bin/time``) and the sampled process tree come from
``bench_check.timed_run``; the sampler also records the largest single process it saw and its name,
because pagefind indexes in a process of its own (a child of kb). After the last run of a variant
the output folder is measured: total MB, pages (``index.html`` files), attachments (``files/``),
the search bundle (``pagefind/``) and the average KB per page without attachments.

Targets (issue 3; set for 10 000 notes, checked on the default variant): build <= 60 s, peak
<= 1 GB (largest process), <= 50 KB per page on average.

``--hub`` adds a vault of the Obsidian Hub's class (6,571 notes by default, ``--hub-notes``):
``gen_vault.py --torture`` (bad YAML, cp1251, BOM+CRLF, an 8 MB note, NUL bytes, …) plus the 17
notes with invalid frontmatter of ``tests/fixtures/site/bad-frontmatter/`` copied into it. It is
built once with the default variant; the build must succeed, and the findings ``kb build``
reports about the files it worked around (``kbtools.site.build.file_problems``: KB007, KB011,
KB013) are counted.

Usage:  python benchmarks/bench_build.py [--sizes 1000,10000] [--repeat N] [--hub] [--json OUT] ...
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_check import (  # noqa: E402
    DEFAULT_GEN, Result, choose_timer, ensure_vault, fmt_mb, fmt_s, fresh_copy, kb_command,
    prepare_workdir, timed_run,
)

TARGET_SIZE = 10000
TARGET_WALL_S = 60.0
TARGET_PEAK_MB = 1024.0
TARGET_PAGE_KB = 50.0

VARIANTS = {
    "default": None,
    "no-search": "[site]\nsearch = false\n",
    "no-graph": "[site]\ngraph = false\n",
}
ATTACHMENTS = "files"  # kb build copies attachments under files/
SEARCH_BUNDLE = "pagefind"
ROOT = Path(__file__).resolve().parent.parent
BAD_FRONTMATTER = ROOT / "tests" / "fixtures" / "site" / "bad-frontmatter"
HUB_NOTES = 6571
"""The Obsidian Hub vault (publish.obsidian.md/hub) had 6,571 notes when it was measured."""


def measure_site(out: Path) -> dict:
    """Sizes of a built site: total, pages (index.html), attachments, search bundle, per page."""
    total = pages = page_bytes = attach = bundle = 0
    for dirpath, _dirs, files in os.walk(out):
        top = Path(dirpath).relative_to(out).parts[:1]
        for name in files:
            try:
                size = os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
            total += size
            if top == (ATTACHMENTS,):
                attach += size
            elif top == (SEARCH_BUNDLE,):
                bundle += size
            if name == "index.html":
                pages += 1
                page_bytes += size
    mb = 1024 * 1024
    return dict(total_mb=total / mb, pages=pages, attachments_mb=attach / mb, search_mb=bundle / mb,
                html_mb=page_bytes / mb,
                kb_per_page=(total - attach) / 1024 / pages if pages else None,
                html_kb_per_page=page_bytes / 1024 / pages if pages else None)


def repeats_for(n: int, a: argparse.Namespace) -> int:
    if a.repeat is not None:
        return a.repeat
    return 1 if n >= TARGET_SIZE else 3


def ensure_hub_vault(gen: Path, workdir: Path, notes: int, seed: int) -> tuple[Path, bool]:
    """The generated torture vault of the Hub's class (regenerated when arguments or generator
    changed); the bad-frontmatter notes are added to each copy, never to this vault."""
    vault = workdir / f"hub-n{notes}-s{seed}"
    stamp_file = workdir / f"hub-n{notes}-s{seed}.stamp.json"
    stamp = dict(notes=notes, seed=seed, torture=True,
                 generator_sha256=hashlib.sha256(gen.read_bytes()).hexdigest())
    try:
        if json.loads(stamp_file.read_text()) == stamp and vault.is_dir():
            return vault, True
    except (OSError, ValueError):
        pass
    stamp_file.unlink(missing_ok=True)
    cmd = [sys.executable, str(gen), str(vault), "--notes", str(notes), "--seed", str(seed),
           "--torture", "--force"]
    print(f"  generating: {shlex.join(cmd)}", flush=True)
    subprocess.run(cmd, check=True)
    stamp_file.write_text(json.dumps(stamp))
    return vault, False


def build_problems(vault: Path) -> dict:
    """What ``kb build`` reported about ``vault``'s files (read with the cache the build left)."""
    sys.path.insert(0, str(ROOT))
    from kbtools.load import load_vault
    from kbtools.site.build import file_problems
    found = file_problems(load_vault(vault))
    by_code: dict[str, int] = {}
    for d in found:
        by_code[d.code] = by_code.get(d.code, 0) + 1
    return dict(findings=len(found), files=len({d.path for d in found}), by_code=by_code,
                bad_frontmatter_notes=len({d.path for d in found if d.code == "KB007"}))


def bench_size(n: int, a: argparse.Namespace, kb: list[str], timer: str, hub: bool = False) -> dict:
    repeat = (a.repeat or 1) if hub else repeats_for(n, a)
    label = f"{n} notes, Hub class (--torture + bad frontmatter)" if hub else f"{n} notes"
    print(f"\n== {label} (seed {a.seed}), {repeat} repeat(s) ==", flush=True)
    t0 = time.perf_counter()
    vault, reused = (ensure_hub_vault if hub else ensure_vault)(a.gen, a.workdir, n, a.seed)
    print(f"  vault: {vault} ({'reused' if reused else f'generated in {time.perf_counter() - t0:.1f} s'})")
    name = f"hub-n{n}-s{a.seed}" if hub else f"n{n}-s{a.seed}"
    copy = fresh_copy(vault, a.workdir / f"kbbuild-{name}")
    if hub:
        shutil.copytree(BAD_FRONTMATTER, copy / "Hub bad frontmatter")
    out = a.workdir / f"kbsite-{name}"

    rows = []
    for variant in (["default"] if hub else a.variants):
        cfg_text = VARIANTS[variant]
        cmd = [*kb, "build", str(copy), "-o", str(out)]
        shown = [*kb, "build", "VAULT", "-o", "OUT"]
        if cfg_text is not None:
            cfg = a.workdir / f"kbtools-{variant}.toml"
            cfg.write_text(cfg_text, encoding="utf-8")
            cmd += ["--config", str(cfg)]
            shown += ["--config", f"CFG({cfg_text.strip().splitlines()[-1]})"]
        cmd += a.kb_arg
        shown += a.kb_arg
        res = Result(variant, shlex.join(shown))
        for i in range(repeat):
            shutil.rmtree(copy / ".kbcache", ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
            r = timed_run(cmd, timer, timeout=a.timeout, sample_tree=not a.no_tree_rss)
            res.runs.append(r)
            if r.timed_out:
                res.status, res.note = "timed out", f"> {a.timeout:g} s"
                print(f"    {variant} #{i + 1}: timed out {res.note}", flush=True)
                break
            print(f"    {variant} #{i + 1}: {r.wall_s:.1f} s, exit {r.returncode}, peak "
                  f"{fmt_mb(r.peak_mb)} MB, largest sampled {fmt_mb(r.proc_mb)} MB ({r.proc_name or '-'})",
                  flush=True)
            if r.returncode != 0:  # timed_run prints stderr for codes other than 0 and 1
                res.status, res.note = "failed", f"exit code {r.returncode}"
                break
        site = measure_site(out) if res.status == "ok" and out.is_dir() else {}
        s = res.summary()
        largest = max((r for r in res.runs if r.proc_mb is not None), key=lambda r: r.proc_mb, default=None)
        peaks = [p for p in (s["peak_rss_mb"], largest.proc_mb if largest else None) if p is not None]
        s.update(site=site, largest_proc_mb=largest.proc_mb if largest else None,
                 largest_proc_name=largest.proc_name if largest else None,
                 peak_mb=max(peaks) if peaks else None)
        rows.append(s)
    problems = build_problems(copy) if hub and rows and rows[0]["status"] == "ok" else None
    if problems is not None:
        print(f"  kb build reported {problems['findings']} findings in {problems['files']} files "
              f"({', '.join(f'{k}: {v}' for k, v in sorted(problems['by_code'].items()))}); "
              f"{problems['bad_frontmatter_notes']} notes with invalid frontmatter built", flush=True)

    if not a.keep_copy:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)

    # ---- table
    print(f"\n  {n} notes, {repeat} repeat(s): wall seconds (median/min/max); peak = largest single "
          f"process (max of /usr/bin/time and the sampler; `proc` names the sampled one); tree = "
          f"sampled sum; site sizes from the last run")
    hdr = (f"  {'variant':<10} {'median s':>9} {'min s':>7} {'max s':>7} {'peak MB':>8} {'proc':>15} "
           f"{'tree MB':>8} {'site MB':>8} {'files MB':>8} {'search MB':>9} {'pages':>6} "
           f"{'KB/page':>8} {'html KB':>8}  status")
    print(hdr)
    print("  " + "-" * (len(hdr) - 2))
    for s in rows:
        site = s["site"]
        status = s["status"] if not s["note"] else f"{s['status']} ({s['note']})"
        kbp = "-" if site.get("kb_per_page") is None else f"{site['kb_per_page']:.1f}"
        hkb = "-" if site.get("html_kb_per_page") is None else f"{site['html_kb_per_page']:.1f}"
        mb = lambda k: "-" if k not in site else f"{site[k]:.1f}"  # noqa: E731
        print(f"  {s['name']:<10} {fmt_s(s['median_s']):>9} {fmt_s(s['min_s']):>7} {fmt_s(s['max_s']):>7} "
              f"{fmt_mb(s['peak_mb']):>8} {(s['largest_proc_name'] or '-')[:15]:>15} "
              f"{fmt_mb(s['tree_rss_mb']):>8} {mb('total_mb'):>8} {mb('attachments_mb'):>8} "
              f"{mb('search_mb'):>9} {site.get('pages', '-'):>6} {kbp:>8} {hkb:>8}  {status}")

    # ---- targets
    note = "" if n == TARGET_SIZE else f"; set for {TARGET_SIZE} notes, informational here"
    print(f"\n  targets (issue 3, default variant{note}):")
    checks = []
    base = next((s for s in rows if s["name"] == "default"), None)

    def target(name: str, value: float | None, limit: float, shown: str) -> None:
        verdict = "n/a" if value is None else ("PASS" if value <= limit else "MISS")
        checks.append(dict(target=name, value=value, limit=limit, verdict=verdict))
        print(f"  {verdict:<4}  {name:<36} {shown}")

    if base is None:
        print("  n/a   (the default variant was not run)")
    else:
        kbp = base["site"].get("kb_per_page")
        target(f"build <= {TARGET_WALL_S:g} s", base["median_s"], TARGET_WALL_S, f"{fmt_s(base['median_s'])} s")
        target(f"peak <= {TARGET_PEAK_MB / 1024:g} GB (largest process)", base["peak_mb"], TARGET_PEAK_MB,
               f"{fmt_mb(base['peak_mb'])} MB ({base['largest_proc_name'] or '-'} sampled largest)")
        target(f"<= {TARGET_PAGE_KB:g} KB per page (w/o attachments)", kbp, TARGET_PAGE_KB,
               "-" if kbp is None else f"{kbp:.1f} KB ({base['site']['pages']} pages)")

    return dict(notes=n, seed=a.seed, repeat=repeat, vault=str(vault), vault_reused=reused,
                hub=hub, build_problems=problems, variants=rows, targets=checks)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated note counts")
    ap.add_argument("--seed", type=int, default=1, help="generator seed")
    ap.add_argument("--repeat", type=int, default=None,
                    help="timed builds per variant (median reported); default 3, or 1 from 10000 notes")
    ap.add_argument("--variants", default=",".join(VARIANTS),
                    help=f"comma-separated, from {', '.join(VARIANTS)}")
    ap.add_argument("--gen", type=Path, default=DEFAULT_GEN, help="path to gen_vault.py")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where vaults are generated and kept for reuse (default: a temp folder, removed)")
    ap.add_argument("--kb", default=None, help="command that runs kb (default: `kb` on PATH)")
    ap.add_argument("--kb-arg", action="append", default=[],
                    help="extra argument for every kb build run, e.g. --kb-arg=-j1; repeatable")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds before a build is killed")
    ap.add_argument("--timer", choices=["auto", "time", "python"], default="auto",
                    help="peak-RSS wrapper: GNU /usr/bin/time, or a Python launcher")
    ap.add_argument("--no-tree-rss", action="store_true",
                    help="do not sample the process tree (then pagefind's own peak is only in `peak`)")
    ap.add_argument("--keep-copy", action="store_true", help="keep the vault copy and the last site")
    ap.add_argument("--json", type=Path, default=None, help="write all numbers to this JSON file")
    ap.add_argument("--hub", action="store_true",
                    help="also build a vault of the Obsidian Hub's class (see the docstring)")
    ap.add_argument("--hub-notes", type=int, default=HUB_NOTES, help="notes of the --hub vault")
    a = ap.parse_args(argv)

    try:
        sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--sizes: expected comma-separated integers, got {a.sizes!r}")
    if (not sizes and not a.hub) or min(sizes, default=1) < 1 or \
            (a.repeat is not None and a.repeat < 1):
        ap.error("--sizes and --repeat must be positive")
    a.variants = [v.strip() for v in a.variants.split(",") if v.strip()]
    if not a.variants or set(a.variants) - set(VARIANTS):
        ap.error(f"--variants: choose from {', '.join(VARIANTS)}")
    a.gen = a.gen.resolve()
    if not a.gen.is_file():
        ap.error(f"generator not found: {a.gen} (use --gen PATH)")

    timer = choose_timer(a.timer, ap)
    temp, a.workdir = prepare_workdir(a.workdir)

    kb = kb_command(a.kb)
    kb_version = subprocess.run([*kb, "--version"], capture_output=True, text=True).stdout.strip()
    env = dict(python=sys.version.split()[0], platform=platform.platform(), cpus=os.cpu_count(),
               timer=timer, kb=shlex.join(kb), kb_version=kb_version or None,
               generator=str(a.gen), workdir=str(a.workdir))
    print("kb build benchmark  " + "  ".join(f"{k}={v}" for k, v in env.items()))

    out = dict(env=env, args=dict(sizes=sizes, seed=a.seed, repeat=a.repeat, variants=a.variants,
                                  timeout=a.timeout, kb_args=a.kb_arg),
               targets=dict(size=TARGET_SIZE, wall_s=TARGET_WALL_S, peak_mb=TARGET_PEAK_MB,
                            kb_per_page=TARGET_PAGE_KB),
               sizes=[])
    failed = False
    try:
        runs = [(n, False) for n in sizes] + ([(a.hub_notes, True)] if a.hub else [])
        for n, hub in runs:
            res = bench_size(n, a, kb, timer, hub=hub)
            out["sizes"].append(res)
            failed |= any(v["status"] != "ok" for v in res["variants"])
            if a.json:  # write after every size so a long run leaves partial numbers
                a.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
    if a.json:
        print(f"\nnumbers written to {a.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
