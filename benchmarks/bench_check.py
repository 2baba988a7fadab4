#!/usr/bin/env python3
"""Benchmark ``kb check`` against obsidiantools on synthetic vaults.

This is a benchmark, not a test: it only measures and prints; nothing asserts on timings.

For every size (``--sizes``, default 1000,10000) it generates a deterministic vault with
``shared/bench/gen_vault.py`` (reused when it already exists with the same arguments), then times
each command as a whole process, ``--repeat`` times, and reports the median, min and max wall time
and the peak RSS:

  kb cold (no cache)      kb check COPY --no-cache --format json -o /dev/null
  kb cold (build cache)   rm -r COPY/.kbcache; kb check COPY --format json -o /dev/null
  kb warm (cache hit)     kb check COPY --format json -o /dev/null
  kb warm after 1 edit    append a line with a new link to one note, then kb check COPY ...
  obsidiantools           python -c "...otools.Vault(Path(VAULT)).connect()"

kb runs on a copy of the generated vault (COPY), so the generated vault stays byte-identical
for the other tools; obsidiantools reads the generated vault itself. Exit code 1 from kb check is
expected (the generated vault has broken links); any other non-zero code is a failure.

Wall time is ``time.perf_counter`` around the process. Peak RSS comes from ``/usr/bin/time -f
'%e %M'`` (GNU time) when available, else from a small Python launcher reporting
``getrusage(RUSAGE_CHILDREN).ru_maxrss``; both give the largest resident set of any single process
in the command's process tree (kb's parse workers included). On Linux the process tree's summed
RSS is also sampled every 50 ms ("tree MB", informational: shared pages count once per process).

Usage:  python benchmarks/bench_check.py [--sizes 1000,10000] [--repeat 3] [--json OUT] ...
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve()
DEFAULT_GEN = HERE.parents[2] / "shared/bench/gen_vault.py"
GNU_TIME = "/usr/bin/time"

TARGET_COLD_S = 5.0
TARGET_SPEEDUP = 20.0
TARGET_EDIT_S = 0.5
TARGET_PEAK_MB = 500.0
TARGET_SIZE = 10000

# Runs CMD, then prints "<wall seconds> <max RSS KiB>" of its process tree to the file in argv[1].
LAUNCHER = r"""
import resource, subprocess, sys, time
t0 = time.perf_counter()
try:
    rc = subprocess.call(sys.argv[2:])
except OSError as exc:
    print(exc, file=sys.stderr); rc = 127
wall = time.perf_counter() - t0
kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if sys.platform == "darwin":
    kib //= 1024
with open(sys.argv[1], "w") as fh:
    fh.write(f"{wall:.3f} {kib}\n")
sys.exit(rc if rc >= 0 else 128 - rc)
"""

OTOOLS_SNIPPET = ("import sys, obsidiantools.api as otools; from pathlib import Path; "
                  "otools.Vault(Path(sys.argv[1])).connect()")


# --------------------------------------------------------------------------- measuring one run

class TreeRss:
    """Sample the summed RSS of a process and its descendants (Linux /proc only)."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval, self.peak_kib = pid, interval, 0
        # the largest single process seen, and its name (e.g. pagefind, a child of kb build)
        self.proc_peak_kib, self.proc_peak_name = 0, None
        self.enabled = os.path.isdir("/proc/self/task")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._page_kib = os.sysconf("SC_PAGE_SIZE") // 1024 if self.enabled else 4

    def __enter__(self) -> "TreeRss":
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, ()))
        return out

    def _sample(self) -> None:
        total = 0
        for pid in self._tree():
            try:
                with open(f"/proc/{pid}/statm", "rb") as fh:
                    rss = int(fh.read().split()[1]) * self._page_kib
            except (OSError, IndexError, ValueError):
                continue
            total += rss
            if rss > self.proc_peak_kib:
                self.proc_peak_kib = rss
                try:
                    with open(f"/proc/{pid}/comm", "rb") as fh:
                        self.proc_peak_name = fh.read().decode("utf-8", "replace").strip()
                except OSError:
                    self.proc_peak_name = None
        self.peak_kib = max(self.peak_kib, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._sample()
            except Exception:  # sampling is best effort
                pass
            self._stop.wait(self.interval)


@dataclass
class Run:
    wall_s: float
    peak_mb: float | None
    tree_mb: float | None
    returncode: int | None
    timed_out: bool = False
    proc_mb: float | None = None  # sampled: the largest single process of the tree
    proc_name: str | None = None  # ... and its name


def timed_run(cmd: list[str], timer: str, timeout: float | None = None, sample_tree: bool = True,
              cwd: str | None = None) -> Run:
    """Run CMD as a process of its own; wall time, peak RSS, exit code."""
    fd, report = tempfile.mkstemp(prefix="bench-rusage-", suffix=".txt")
    os.close(fd)
    if timer == "time":
        full = [GNU_TIME, "-f", "%e %M", "-o", report, *cmd]
    else:
        full = [sys.executable, "-c", LAUNCHER, report, *cmd]
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, cwd=cwd, start_new_session=True)
        sampler = TreeRss(proc.pid) if sample_tree else None
        try:
            if sampler:
                sampler.__enter__()
            try:
                _, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the whole group, not just the wrapper
                proc.communicate()
                return Run(time.perf_counter() - t0, None, None, None, timed_out=True)
        finally:
            if sampler:
                sampler.__exit__()
        wall = time.perf_counter() - t0
        peak = None
        try:
            last = Path(report).read_text().strip().splitlines()[-1].split()
            peak = int(last[1]) / 1024
        except (IndexError, ValueError, OSError):
            pass
        tree = sampler.peak_kib / 1024 if sampler and sampler.enabled and sampler.peak_kib else None
        largest = (None, None)
        if sampler and sampler.enabled and sampler.proc_peak_kib:
            largest = (sampler.proc_peak_kib / 1024, sampler.proc_peak_name)
        if proc.returncode not in (0, 1):
            tail = err.decode("utf-8", "replace").strip()[-2000:]
            if tail:
                print(f"    stderr of {shlex.join(cmd)}:\n      " + tail.replace("\n", "\n      "),
                      file=sys.stderr)
        return Run(wall, peak, tree, proc.returncode, proc_mb=largest[0], proc_name=largest[1])
    finally:
        os.unlink(report)


# --------------------------------------------------------------------------- results

@dataclass
class Result:
    name: str
    command: str
    runs: list[Run] = field(default_factory=list)
    status: str = "ok"  # ok | failed | timed out | skipped
    note: str = ""

    def walls(self) -> list[float]:
        return [r.wall_s for r in self.runs if not r.timed_out]

    @property
    def median(self) -> float | None:
        w = self.walls()
        return statistics.median(w) if w and self.status == "ok" else None

    def summary(self) -> dict:
        w = self.walls()
        peaks = [r.peak_mb for r in self.runs if r.peak_mb is not None]
        trees = [r.tree_mb for r in self.runs if r.tree_mb is not None]
        return dict(name=self.name, command=self.command, status=self.status, note=self.note,
                    median_s=self.median, min_s=min(w) if w else None, max_s=max(w) if w else None,
                    peak_rss_mb=max(peaks) if peaks else None,
                    tree_rss_mb=max(trees) if trees else None,
                    runs=[asdict(r) for r in self.runs])


def fmt_s(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def fmt_mb(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f}"


# --------------------------------------------------------------------------- vaults

def ensure_vault(gen: Path, workdir: Path, notes: int, seed: int) -> tuple[Path, bool]:
    """The generated vault for (notes, seed); regenerated only when arguments or generator changed."""
    vault = workdir / f"vault-n{notes}-s{seed}"
    stamp_file = workdir / f"vault-n{notes}-s{seed}.stamp.json"
    stamp = dict(notes=notes, seed=seed, generator_sha256=hashlib.sha256(gen.read_bytes()).hexdigest())
    try:
        if json.loads(stamp_file.read_text()) == stamp and (vault / ".expected.json").is_file():
            return vault, True
    except (OSError, ValueError):
        pass
    stamp_file.unlink(missing_ok=True)
    cmd = [sys.executable, str(gen), str(vault), "--notes", str(notes), "--seed", str(seed), "--force"]
    print(f"  generating: {shlex.join(cmd)}", flush=True)
    subprocess.run(cmd, check=True)
    stamp_file.write_text(json.dumps(stamp))
    return vault, False


def fresh_copy(vault: Path, dest: Path) -> Path:
    """A copy of the generated vault for kb to write its cache into and to edit (mtimes kept)."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(vault, dest, symlinks=True)
    shutil.rmtree(dest / ".kbcache", ignore_errors=True)
    return dest


def pick_edit(vault: Path) -> tuple[Path, str]:
    """(note to edit, link target to add): first and second note listed by the generator."""
    notes = json.loads((vault / ".expected.json").read_text(encoding="utf-8"))["notes"]
    target = notes[1]["path"] if len(notes) > 1 else notes[0]["path"]
    return vault / notes[0]["path"], target.removesuffix(".md")


# --------------------------------------------------------------------------- benchmark

def bench_size(n: int, a: argparse.Namespace, kb: list[str], timer: str) -> dict:
    print(f"\n== {n} notes (seed {a.seed}) ==", flush=True)
    t0 = time.perf_counter()
    vault, reused = ensure_vault(a.gen, a.workdir, n, a.seed)
    print(f"  vault: {vault} ({'reused' if reused else f'generated in {time.perf_counter() - t0:.1f} s'})")
    copy = fresh_copy(vault, a.workdir / f"kbcopy-n{n}-s{a.seed}")
    extra = list(a.kb_arg)
    base = [*kb, "check", str(copy), "--format", "json", "-o", os.devnull, *extra]

    def run_kb(res: Result, cmd: list[str], before=None) -> None:
        for i in range(a.repeat):
            if before:
                before(i)
            r = timed_run(cmd, timer, sample_tree=not a.no_tree_rss)
            res.runs.append(r)
            print(f"    {res.name} #{i + 1}: {r.wall_s:.3f} s, exit {r.returncode}, "
                  f"peak {fmt_mb(r.peak_mb)} MB", flush=True)
            if r.returncode not in (0, 1):
                res.status, res.note = "failed", f"exit code {r.returncode}"
                return

    results: list[Result] = []

    cold = Result("kb cold (no cache)", shlex.join([*kb, "check", "VAULT", "--no-cache", "--format",
                                                    "json", "-o", os.devnull, *extra]))
    run_kb(cold, [*base, "--no-cache"])
    results.append(cold)

    build = Result("kb cold (build cache)", "rm -r VAULT/.kbcache; " + shlex.join(
        [*kb, "check", "VAULT", "--format", "json", "-o", os.devnull, *extra]))
    run_kb(build, base, before=lambda i: shutil.rmtree(copy / ".kbcache", ignore_errors=True))
    results.append(build)

    warm = Result("kb warm (cache hit)", shlex.join([*kb, "check", "VAULT", "--format", "json", "-o",
                                                     os.devnull, *extra]))
    if not (copy / ".kbcache").is_dir():  # build failed: warm the cache untimed
        subprocess.run(base, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_kb(warm, base)
    results.append(warm)

    note, target = pick_edit(copy)
    edit = Result("kb warm after 1 edit", f"append a link to {note.relative_to(copy)}; " + warm.command)

    def do_edit(i: int) -> None:
        # Each repeat appends a different line, so exactly one note is stale for every timed run.
        with open(note, "a", encoding="utf-8") as fh:
            fh.write(f"\nBenchmark edit {i + 1}: see [[{target}]] and [[Bench missing {i + 1}]].\n")

    run_kb(edit, base, before=do_edit)
    results.append(edit)

    otools = Result("obsidiantools connect()", shlex.join([sys.executable, "-c", OTOOLS_SNIPPET, "VAULT"]))
    if n > a.skip_obsidiantools_above:
        otools.status, otools.note = "skipped", f"> --skip-obsidiantools-above {a.skip_obsidiantools_above}"
        print(f"    obsidiantools: skipped ({otools.note})")
    else:
        cmd = [sys.executable, "-c", OTOOLS_SNIPPET, str(vault)]
        for i in range(a.baseline_repeat or a.repeat):
            r = timed_run(cmd, timer, timeout=a.baseline_timeout, sample_tree=not a.no_tree_rss)
            otools.runs.append(r)
            if r.timed_out:
                otools.status, otools.note = "timed out", f"> {a.baseline_timeout:g} s"
                print(f"    obsidiantools #{i + 1}: timed out {otools.note}", flush=True)
                break
            print(f"    obsidiantools #{i + 1}: {r.wall_s:.3f} s, exit {r.returncode}, "
                  f"peak {fmt_mb(r.peak_mb)} MB", flush=True)
            if r.returncode != 0:
                otools.status, otools.note = "failed", f"exit code {r.returncode}"
                break
    results.append(otools)

    if not a.keep_copy:
        shutil.rmtree(copy, ignore_errors=True)

    # ---- table
    print(f"\n  {n} notes, {a.repeat} repeat(s), wall seconds (median/min/max), peak RSS of the largest "
          f"process; tree = sampled sum over the process tree")
    hdr = f"  {'command':<26} {'median s':>9} {'min s':>8} {'max s':>8} {'peak MB':>8} {'tree MB':>8}  status"
    print(hdr)
    print("  " + "-" * (len(hdr) - 2))
    for r in results:
        s = r.summary()
        status = r.status if not r.note else f"{r.status} ({r.note})"
        print(f"  {r.name:<26} {fmt_s(s['median_s']):>9} {fmt_s(s['min_s']):>8} {fmt_s(s['max_s']):>8} "
              f"{fmt_mb(s['peak_rss_mb']):>8} {fmt_mb(s['tree_rss_mb']):>8}  {status}")

    # ---- ratios and targets
    checks: list[dict] = []
    kb_cold = cold.median
    speedup, speedup_txt, bound = None, "n/a", False
    if otools.status == "ok" and otools.median is not None and kb_cold:
        speedup = otools.median / kb_cold
        speedup_txt = f"{speedup:.1f}x"
    elif otools.status == "timed out" and kb_cold:
        speedup, bound = a.baseline_timeout / kb_cold, True
        speedup_txt = f"> {speedup:.1f}x (obsidiantools timed out > {a.baseline_timeout:g} s)"
    elif otools.status != "ok":
        speedup_txt = f"n/a (obsidiantools {otools.status})"
    print(f"\n  obsidiantools / kb cold (no cache): {speedup_txt}")
    if edit.median is not None and warm.median:
        print(f"  kb warm after edit / kb warm: {edit.median / warm.median:.2f}x")
    if edit.median is not None and kb_cold:
        print(f"  kb warm after edit / kb cold: {edit.median / kb_cold:.2f}x")

    def target(name: str, value: float | None, ok, shown: str, lower_bound: bool = False) -> None:
        verdict = "n/a" if value is None else ("PASS" if ok(value) else "MISS")
        if lower_bound and verdict == "MISS":
            verdict = "n/a"  # only a lower bound, and it does not reach the target: unknown
        checks.append(dict(target=name, value=value, verdict=verdict))
        print(f"  {verdict:<4}  {name:<44} {shown}")

    kb_peaks = [r.summary()["peak_rss_mb"] for r in (cold, build, warm, edit) if r.status == "ok"]
    kb_peaks = [p for p in kb_peaks if p is not None]
    peak = max(kb_peaks) if kb_peaks else None
    note = "" if n == TARGET_SIZE else f" (targets are set for {TARGET_SIZE} notes; informational here)"
    print(f"\n  targets{note}:")
    target(f"kb cold (no cache) <= {TARGET_COLD_S:g} s", kb_cold, lambda v: v <= TARGET_COLD_S,
           f"{fmt_s(kb_cold)} s")
    target(f"kb cold (build cache) <= {TARGET_COLD_S:g} s", build.median, lambda v: v <= TARGET_COLD_S,
           f"{fmt_s(build.median)} s")
    # A timed-out baseline gives a lower bound: PASS only if the bound already reaches the target.
    target(f">= {TARGET_SPEEDUP:g}x faster than obsidiantools", speedup, lambda v: v >= TARGET_SPEEDUP,
           speedup_txt, lower_bound=bound)
    target(f"kb warm after edit <= {TARGET_EDIT_S:g} s", edit.median, lambda v: v <= TARGET_EDIT_S,
           f"{fmt_s(edit.median)} s")
    target(f"kb peak RSS <= {TARGET_PEAK_MB:g} MB", peak, lambda v: v <= TARGET_PEAK_MB,
           f"{fmt_mb(peak)} MB (largest process, max over kb runs)")

    return dict(notes=n, seed=a.seed, vault=str(vault), vault_reused=reused,
                results=[r.summary() for r in results],
                ratios=dict(obsidiantools_over_kb_cold=speedup, lower_bound=bound,
                            edit_over_warm=(edit.median / warm.median) if edit.median and warm.median else None,
                            edit_over_cold=(edit.median / kb_cold) if edit.median and kb_cold else None),
                targets=checks)


def kb_command(spec: str | None) -> list[str]:
    if spec:
        return shlex.split(spec)
    found = shutil.which("kb")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from kbtools.cli import main; sys.exit(main())"]


def choose_timer(wanted: str, ap: argparse.ArgumentParser) -> str:
    """``time`` (GNU /usr/bin/time, peak RSS from the kernel) when usable, else ``python``."""
    if wanted == "auto":
        if os.access(GNU_TIME, os.X_OK):
            probe = subprocess.run([GNU_TIME, "-f", "%e %M", "true"], capture_output=True, text=True)
            if probe.returncode == 0:
                return "time"
        return "python"
    if wanted == "time" and not os.access(GNU_TIME, os.X_OK):
        ap.error(f"{GNU_TIME} not found (Debian package `time`); use --timer python")
    return wanted


def prepare_workdir(workdir: Path | None) -> tuple[str | None, Path]:
    """(temporary folder to remove afterwards or None, the resolved existing work folder)."""
    temp = None
    if workdir is None:
        temp = tempfile.mkdtemp(prefix="kb-bench-")
        workdir = Path(temp)
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    return temp, workdir


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated note counts")
    ap.add_argument("--seed", type=int, default=1, help="generator seed")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per command (median reported)")
    ap.add_argument("--baseline-repeat", type=int, default=None,
                    help="timed obsidiantools runs (default: --repeat)")
    ap.add_argument("--gen", type=Path, default=DEFAULT_GEN, help="path to gen_vault.py")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where vaults are generated and kept for reuse (default: a temp folder, removed)")
    ap.add_argument("--kb", default=None, help="command that runs kb (default: `kb` on PATH)")
    ap.add_argument("--kb-arg", action="append", default=[],
                    help="extra argument for every kb check run, e.g. --kb-arg=-j1; repeatable")
    ap.add_argument("--skip-obsidiantools-above", type=int, default=20000,
                    help="do not run obsidiantools on vaults with more notes than this")
    ap.add_argument("--baseline-timeout", type=float, default=1200.0,
                    help="seconds before an obsidiantools run is killed (then used as a lower bound)")
    ap.add_argument("--timer", choices=["auto", "time", "python"], default="auto",
                    help="peak-RSS wrapper: GNU /usr/bin/time, or a Python launcher")
    ap.add_argument("--no-tree-rss", action="store_true", help="do not sample the process tree's RSS")
    ap.add_argument("--keep-copy", action="store_true", help="keep kb's working copy of each vault")
    ap.add_argument("--json", type=Path, default=None, help="write all numbers to this JSON file")
    a = ap.parse_args(argv)

    try:
        sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--sizes: expected comma-separated integers, got {a.sizes!r}")
    if not sizes or min(sizes) < 1 or a.repeat < 1:
        ap.error("--sizes and --repeat must be positive")
    a.gen = a.gen.resolve()
    if not a.gen.is_file():
        ap.error(f"generator not found: {a.gen} (use --gen PATH)")

    timer = choose_timer(a.timer, ap)
    temp, a.workdir = prepare_workdir(a.workdir)

    kb = kb_command(a.kb)
    kb_version = subprocess.run([*kb, "--version"], capture_output=True, text=True).stdout.strip()
    try:
        from importlib.metadata import version
        otools_version = version("obsidiantools")
    except Exception:
        otools_version = None
    env = dict(python=sys.version.split()[0], platform=platform.platform(), cpus=os.cpu_count(),
               timer=timer, kb=shlex.join(kb), kb_version=kb_version or None,
               obsidiantools_version=otools_version, generator=str(a.gen), workdir=str(a.workdir))
    print("kb check benchmark  " + "  ".join(f"{k}={v}" for k, v in env.items()))

    out = dict(env=env, args=dict(sizes=sizes, seed=a.seed, repeat=a.repeat,
                                  baseline_timeout=a.baseline_timeout,
                                  skip_obsidiantools_above=a.skip_obsidiantools_above, kb_args=a.kb_arg),
               sizes=[])
    failed = False
    try:
        for n in sizes:
            res = bench_size(n, a, kb, timer)
            out["sizes"].append(res)
            failed |= any(r["status"] == "failed" for r in res["results"])
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
