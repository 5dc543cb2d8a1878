#!/usr/bin/env python3
"""hpverify's BMC against the hand-written expert Z3 encoding (issue 2's benchmark).

Model: the first-cut soft-offline model (benchmarks/first_cut.hp, a one-to-one transcription
of the hand-written expert encoding benchmarks/z3hand/bmc.py), patched
variant, NPAGES=3, NFAULT=3, all invariants, depth 30, both in one run each.

    python benchmarks/bench_bmc.py [--runs 5] [--baseline PATH]

hpverify runs with `--max-states 1`: SAT-based BMC, its explicit first search gives up at once.
Reports medians over runs: the solve time (seconds inside solver.check(); hpverify reports
it as `solve_seconds` in its JSON), the whole process (start, prove, print, exit), and
the ratio. Not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_BASELINE = HERE / "z3hand" / "bmc.py"  # the hand-written expert baseline


def run_baseline(path: Path, seed: int) -> tuple[float, float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, str(path), "--variant", "patched", "--npages", "3",
                          "--nfault", "3", "--inv", "all", "--depth", "30", "--quiet", "--json",
                          "--seed", str(seed)], capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - start
    solve = sum(json.loads(line[5:])["solve_s"] for line in out.splitlines()
                if line.startswith("JSON "))
    return solve, wall


def run_hpverify(seed: int) -> tuple[float, float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "hpverify", "prove", str(HERE / "first_cut.hp"),
                          "--const", "VARIANT=patched", "--const", "NPAGES=3", "--const",
                          "NFAULT=3", "--depth", "30", "--max-states", "1", "--json"],
                         capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - start
    results = json.loads(out)["specs"][0]["results"]
    assert all(r["verdict"] == "holds" and r["bound"] == 30 for r in results), results
    return results[0]["solve_seconds"], wall


def run_seed_model() -> float:
    """The whole process on the seed model at its default constants (one setting)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hpverify", "prove", str(HERE / "first_cut.hp"),
                    "--const", "VARIANT=unpatched"], capture_output=True, text=True)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    args = ap.parse_args()
    base = [run_baseline(args.baseline, seed) for seed in range(args.runs)]
    ours = [run_hpverify(seed) for seed in range(args.runs)]
    seed_model = [run_seed_model() for _ in range(args.runs)]
    b_solve, b_wall = statistics.median(x[0] for x in base), statistics.median(x[1] for x in base)
    o_solve, o_wall = statistics.median(x[0] for x in ours), statistics.median(x[1] for x in ours)
    print("first-cut model, patched, NPAGES=3 NFAULT=3, all invariants, depth 30 "
          f"(median of {args.runs})")
    print(f"  hand-written z3 (bmc.py): solve {b_solve:.3f} s   whole process {b_wall:.3f} s")
    print(f"  hpverify prove         : solve {o_solve:.3f} s   whole process {o_wall:.3f} s")
    print(f"  ratio hpverify/hand    : solve {o_solve / b_solve:.2f}x   "
          f"whole {o_wall / b_wall:.2f}x   (target: solve <= 1.2x)")
    print(f"  seed model, unpatched, default constants, whole process: "
          f"{statistics.median(seed_model):.3f} s (target < 1 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
