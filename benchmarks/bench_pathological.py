"""Is parsing linear on pathological lines? Times parse_note on lines of 10, 20 and 40 KB.

A linear parser takes about twice as long for twice the input: the script prints the ratio of
each size to the previous one (≈2 is linear, ≈4 quadratic). Inputs are the ones that break
naive link scanners: runs of ``[[``, ``![[``, backticks, ``%%``, unclosed Markdown links,
``#`` and ``^``.

    python benchmarks/bench_pathological.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from kbtools.parse import normalize_text, parse_note

CASES = {
    "[[ run": "[[",
    "![[ run": "![[",
    "[[a] run": "[[a]",
    "[a]( run": "[a](",
    "backticks": "`",
    "%% run": "%%",
    "#tag run": "#a ",
    "^ run": "^a",
    "[[x|y]] links": "[[x|y]] ",
}
SIZES = (10_000, 20_000, 40_000)


def timed(text: str, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        parse_note("p.md", normalize_text(text))
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"{'input':<16}" + "".join(f"{s // 1000:>8} KB" for s in SIZES) + "   ratios (≈2 = linear)")
    for name, unit in CASES.items():
        times = [timed(unit * (size // len(unit)) + "\n", args.repeat) for size in SIZES]
        ratios = [b / a if a else float("nan") for a, b in zip(times, times[1:])]
        print(f"{name:<16}" + "".join(f"{t:>10.3f}s" for t in times) + "   "
              + "  ".join(f"{r:.1f}x" for r in ratios))


if __name__ == "__main__":
    main()
