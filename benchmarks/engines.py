"""How long each engine needs to prove every invariant of benchmarks/first_cut.hp (patched)
for NPAGES = NFAULT = 2, 4, 6, 8, 10, against TLC's exhaustive times.

    python benchmarks/engines.py [--timeout SECONDS] [--sizes 2,4,6] [--engines kind,pdr,explicit]

Each run is a fresh process with a wall-clock limit; an engine that times out at one size is
not tried at larger ones. Figures go to benchmarks/README-engines.md.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TLC = {2: "0.4-1 s", 4: "0.4-1 s", 6: "3.5 s (77,026 states)", 8: "27 s (1.27 M states)",
       10: "488 s (18 M states)"}


def _run(engine: str, n: int, out) -> None:  # pragma: no cover - child process
    from hpverify import ir
    from hpverify.check import check
    from hpverify.diagnostics import SourceCache
    from hpverify.lower import lower
    from hpverify.parse import load_spec
    from hpverify.pipeline import engines

    checked = check(load_spec(str(ROOT / "benchmarks" / "first_cut.hp"), SourceCache()),
                    {"VARIANT": "patched", "NPAGES": str(n), "NFAULT": str(n)})
    model = lower(checked)
    names = [i.name for i in checked.invariants] + [ir.TYPES]
    from hpverify.engines import EngineOptions
    from hpverify.engines.common import Budget

    t = time.perf_counter()
    res = engines()[engine](model, names, EngineOptions(40, Budget()))
    secs = time.perf_counter() - t
    words = sorted({r.wording() for r in res})
    states = res[0].distinct_states
    out.put((all(r.proved for r in res), secs, words, states))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--sizes", default="2,4,6,8,10")
    ap.add_argument("--engines", default="kind,pdr,explicit")
    a = ap.parse_args()
    ctx = mp.get_context("fork")
    dead: set[str] = set()
    print("| NPAGES=NFAULT | engine | seconds | verdict | TLC |")
    print("|---|---|---|---|---|")
    for n in (int(x) for x in a.sizes.split(",")):
        for engine in a.engines.split(","):
            if engine in dead:
                print(f"| {n} | {engine} | not run (timed out at a smaller size) | | {TLC.get(n, '')} |")
                continue
            q = ctx.Queue()
            p = ctx.Process(target=_run, args=(engine, n, q))
            t = time.perf_counter()
            p.start()
            p.join(a.timeout)
            if p.is_alive():
                p.terminate()
                p.join()
                dead.add(engine)
                print(f"| {n} | {engine} | > {a.timeout:.0f} (timeout) | | {TLC.get(n, '')} |",
                      flush=True)
                continue
            proved, secs, words, states = q.get()
            total = time.perf_counter() - t
            extra = f", {states} states" if states else ""
            print(f"| {n} | {engine} | {secs:.1f} ({total:.1f} with elaboration) | "
                  f"{'proved' if proved else '; '.join(words)}{extra} | {TLC.get(n, '')} |",
                  flush=True)


if __name__ == "__main__":
    main()
