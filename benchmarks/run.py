#!/usr/bin/env python3
"""The benchmark table of issue 14, in one run.

    python benchmarks/run.py [--quick] [--timeout SECONDS] [--rows NAME,NAME]
                             [--sizes 2,4,6] [--engines kind,explicit,pdr,bmc] [--out DIR]

Every measurement is a fresh `python -m hpverify prove ... --json` process (or the
hand-written Z3 baseline) with a wall-clock limit; a run cut short is reported as a timeout,
and a row whose feature this hpverify lacks (a flag or a declaration it rejects) is reported
as "not available" instead of stopping the run. At the end the script prints the table in
markdown, writes OUT/results.json and, when matplotlib is installed (`pip install
".[bench]"`), OUT/first_cut_sizes.svg: time against NPAGES = NFAULT for each engine.

Rows (`--rows`, default all): see ROWS below and benchmarks/README.md. `--quick` runs every
row at tiny sizes (a smoke test of the script, not a measurement).
"""

from __future__ import annotations

import argparse
import enum
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIRST_CUT = HERE / "first_cut.hp"
SEED = ROOT / "spec" / "soft_offline.hp"
COMMUNITY = HERE / "community"
Z3HAND = HERE / "z3hand" / "bmc.py"
SYM_FILE = HERE / "first_cut_sym.hp"  # first_cut.hp with `symmetric type Cpu` (issue 14)

PLOT_ENGINES = ("kind", "explicit", "pdr", "bmc")
FULL_SIZES = (2, 4, 6, 8, 10, 12, 14, 16)
QUICK_SIZES = (2,)

# NOTE(grace): hpverify gets the row's --timeout itself (its verdict is then `unknown`);
# the process is killed only if it overruns that by this much (start-up, printing).
GRACE = 15.0


class Status(enum.Enum):
    DONE = "done"              # the process finished and printed its JSON
    TIMEOUT = "timeout"        # killed by the wall-clock limit
    UNAVAILABLE = "n/a"        # this hpverify rejects the flag or the declaration
    FAILED = "failed"          # any other failure (no JSON, a crash)


@dataclass(frozen=True)
class Proc:
    """One finished (or killed) process."""

    status: Status
    wall: float
    doc: dict | None = None
    message: str = ""


@dataclass
class Line:
    """One line of the printed table."""

    row: str
    work: str
    engine: str
    outcome: str
    seconds: float | None = None      # engine time, from hpverify's JSON
    wall: float | None = None         # the whole process
    states: int | None = None         # distinct states (explicit)
    reference: str = ""               # TLC, the baseline, issue 14's "now" and target
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Ctx:
    quick: bool
    timeout: float
    out: Path
    sizes: tuple[int, ...]
    engines: tuple[str, ...]


def run_process(cmd: Sequence[str], timeout: float) -> tuple[Status, float, str, str]:
    """Run cmd in its own process group; past timeout + GRACE, kill that group (the
    process and any workers it started), and nothing else."""
    start = time.perf_counter()
    p = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         cwd=ROOT, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout + GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return Status.TIMEOUT, time.perf_counter() - start, "", ""
    except BaseException:  # Ctrl-C: stop the child too
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise
    wall = time.perf_counter() - start
    if p.returncode == 2:
        return Status.UNAVAILABLE, wall, out, err
    if p.returncode not in (0, 1, 3):
        return Status.FAILED, wall, out, err
    return Status.DONE, wall, out, err


def first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        if "error" in line:
            return line.strip()[:160]
    return (stderr.strip().splitlines() or ["exit status 2"])[-1][:160]


def hpverify(args: Sequence[str], timeout: float) -> Proc:
    cmd = [sys.executable, "-m", "hpverify", "prove", *args, "--json", "--no-progress",
           "--timeout", f"{timeout:g}"]
    status, wall, out, err = run_process(cmd, timeout)
    if status is Status.TIMEOUT:
        return Proc(status, wall, message=f"timeout (> {timeout:g} s)")
    if status is Status.UNAVAILABLE:
        return Proc(status, wall, message="not available: " + first_error(err))
    try:
        doc = json.loads(out)
    except json.JSONDecodeError:
        return Proc(Status.FAILED, wall, message="failed: " + first_error(err))
    return Proc(status, wall, doc)


def results(doc: dict) -> list[dict]:
    return [r for s in doc["specs"] for r in s["results"]]


def engine_seconds(doc: dict) -> float:
    """Per spec setting every result carries the setting's time: take each setting's
    largest, summed over settings."""
    return sum(max((r["seconds"] for r in s["results"]), default=0.0) for s in doc["specs"])


def states_of(doc: dict) -> int | None:
    counts = [r.get("distinct_states") for r in results(doc)]
    counts = [c for c in counts if isinstance(c, int)]
    return max(counts) if counts else None


def verdicts(doc: dict) -> str:
    """'holds (all depths)' / 'holds up to depth 30' / '3 holds, 1 violated in 6, ...', plus
    whether every `expect` line was met."""
    res = results(doc)
    words: dict[str, int] = {}
    for r in res:
        v = r["verdict"]
        if v == "holds":
            v = "holds" if r.get("bound") is None else f"holds up to depth {r['bound']}"
        elif v == "unknown" and r.get("reason"):
            v = f"unknown ({r['reason']})"
        elif v == "violated" and r.get("trace"):
            v = f"violated in {r['trace'].get('length', '?')}"
        words[v] = words.get(v, 0) + 1
    text = ", ".join(f"{n} {w}" if len(words) > 1 or len(doc["specs"]) > 1 else w
                     for w, n in sorted(words.items()))
    # NOTE(unknown): an `expect` is not met by an unknown verdict, but the table already
    # says unknown; flag only the conclusive verdicts that contradict an expectation.
    met = [r.get("met") for r in res
           if r.get("expected") is not None and r["verdict"] != "unknown"]
    if met:
        text += "; expectations met" if all(met) else "; EXPECTATION NOT MET"
    if len(doc["specs"]) > 1:
        text = f"{len(doc['specs'])} settings: {text}"
    return text


def line_from(row: str, work: str, engine: str, proc: Proc, reference: str = "") -> Line:
    if proc.doc is None:
        return Line(row, work, engine, proc.message, None, round(proc.wall, 2), None, reference)
    doc = proc.doc
    return Line(row, work, engine, verdicts(doc), round(engine_seconds(doc), 2),
                round(proc.wall, 2), states_of(doc), reference)


def first_cut_args(n: int, *extra: str) -> list[str]:
    return [str(FIRST_CUT), "--const", "VARIANT=patched", "--const", f"NPAGES={n}",
            "--const", f"NFAULT={n}", *extra]


# ---- rows ----

def row_kind(n_full: int, n_quick: int, reference: str) -> Callable[[Ctx], list[Line]]:
    def run(ctx: Ctx) -> list[Line]:
        n = n_quick if ctx.quick else n_full
        proc = hpverify(first_cut_args(n, "--engine", "kind"), ctx.timeout)
        return [line_from(f"kind_{n_full}", f"first_cut patched {n}x{n}, all depths", "kind",
                          proc, reference)]
    return run


def symmetric_first_cut() -> tuple[Path, bool]:
    """first_cut.hp with its CPUs declared symmetric (issue 14's `symmetric type`): the
    symmetry work's benchmarks/first_cut_sym.hp when it exists, else a temporary copy of
    first_cut.hp with that one change (True: the caller deletes it). Page stays a plain
    type: `cache` and `target` hold a page number or 0, which a symmetric type forbids."""
    if SYM_FILE.exists():
        return SYM_FILE, False
    text = FIRST_CUT.read_text()
    old = "type Cpu = 1..NFAULT"
    assert old in text, old
    path = Path(tempfile.mkdtemp(prefix="hpbench-")) / "first_cut_symmetric.hp"
    path.write_text(text.replace(old, "symmetric " + old, 1))
    return path, True


def row_explicit_sym(ctx: Ctx) -> list[Line]:
    n = 2 if ctx.quick else 8
    path, temporary = symmetric_first_cut()
    args = [str(path), "--const", "VARIANT=patched", "--const", f"NPAGES={n}", "--const",
            f"NFAULT={n}", "--engine", "explicit"]
    proc = hpverify(args, ctx.timeout)
    if temporary:
        path.unlink()
        path.parent.rmdir()
        proc = Proc(proc.status, proc.wall, proc.doc,  # no temporary path in the results
                    proc.message.replace(str(path), "first_cut.hp (symmetric Cpu)"))
    line = line_from("explicit_8_sym", f"first_cut patched {n}x{n}, symmetric Cpu",
                     "explicit", proc, "now 27 s (no symmetry); target <= 3 s; TLC 27 s "
                     "(1.27 M states, no SYMMETRY)")
    if proc.status is Status.UNAVAILABLE:
        line.outcome = "not available (no `symmetric type` in this hpverify): " + \
            proc.message.removeprefix("not available: ")
    elif proc.doc is not None:  # keep whatever symmetry counts the engine reports
        line.extra = {k: v for r in results(proc.doc) for k, v in r.items()
                      if "orbit" in k or "symmetr" in k}
        if isinstance(line.extra.get("orbits"), int):
            line.outcome += f"; {line.extra['orbits']:,} orbits"
    return [line]


def row_explicit(ctx: Ctx) -> list[Line]:
    n = 2 if ctx.quick else 8
    proc = hpverify(first_cut_args(n, "--engine", "explicit"), ctx.timeout)
    line = line_from("explicit_8", f"first_cut patched {n}x{n}, no symmetry", "explicit", proc,
                     "now 27 s; target <= 15 s; TLC 27 s (1,267,400 states)")
    rate = Line("explicit_8", f"states/s, first_cut {n}x{n}, no symmetry", "explicit",
                "n/a" if not (line.states and line.seconds) else
                f"{line.states / line.seconds:,.0f} states/s",
                reference="now ~46,000/s; target >= 150,000/s")
    if line.states and line.seconds:
        rate.extra = {"states_per_second": round(line.states / line.seconds)}
    return [line, rate]


# kind proves a small state space by enumerating it (NOTE(enumerated) in engines/kind.py);
# `--inductive` asks for its inductive proof: both are measured where that applies
KIND_WAYS = (("kind", ()), ("kind --inductive", ("--inductive",)))


def row_soft_sweep(ctx: Ctx) -> list[Line]:
    pages, faults = ("1", "1") if ctx.quick else ("1..4", "1..3")
    args = [str(SEED), "--engine", "kind", "--const", "VARIANT=patched", "--const",
            f"NPAGES={pages}", "--const", f"NFAULT={faults}"]
    return [line_from("soft_sweep", f"soft_offline patched, NPAGES {pages} x NFAULT {faults}",
                      name, hpverify([*args, *flags], ctx.timeout), "now 41 s; target <= 10 s")
            for name, flags in KIND_WAYS]


def row_seed(ctx: Ctx) -> list[Line]:
    consts = ["--const", "NPAGES=1", "--const", "NFAULT=1"] if ctx.quick else []
    work = "soft_offline unpatched" + (" 1x1" if ctx.quick else
                                       ", the spec's own sweep NPAGES 1..4 x NFAULT 1..3")
    lines = []
    for engine, flags in (("bmc", ()), *KIND_WAYS):
        proc = hpverify([str(SEED), "--const", "VARIANT=unpatched", *consts, "--engine",
                         engine.split()[0], *flags], ctx.timeout)
        lines.append(line_from("seed", work, engine, proc,
                               "kind now 219 s; target <= 2x bmc" if engine != "bmc" else ""))
    bmc = lines[0]
    for kind in lines[1:]:
        if bmc.wall and kind.wall and "timeout" not in (bmc.outcome[:7], kind.outcome[:7]):
            kind.extra = {"kind_over_bmc_wall": round(kind.wall / bmc.wall, 2)}
            kind.reference += f"; kind/bmc = {kind.wall / bmc.wall:.2f}x (whole process)"
    return lines


@dataclass(frozen=True)
class Community:
    file: str
    title: str
    consts: tuple[str, ...]        # full size: the upstream model's constants (the defaults)
    quick: tuple[str, ...]         # tiny size for --quick
    tlc_states: int
    tlc: str                       # the upstream manifest's runtime


COMMUNITY_MODELS = (
    Community("game_of_life.hp", "Game of Life 4x4", (), ("N=2",), 65_536, "00:00:05"),
    Community("token_ring.hp", "Token ring EWD426, N=M=6", (), ("N=3", "M=3"), 46_656,
              "00:00:05"),
    Community("coffee_can.hp", "Coffee can, 1,000 beans", (), ("MAX_BEANS=10",), 501_500,
              "00:00:15"),
    Community("bakery.hp", "Bakery, inductive invariant, N=2", (), ("N=1",), 655_200,
              "00:00:10"),
)


def row_community(ctx: Ctx) -> list[Line]:
    lines = []
    for m in COMMUNITY_MODELS:
        consts = m.quick if ctx.quick else m.consts
        args = [str(COMMUNITY / m.file), "--engine", "explicit"]
        for c in consts:
            args += ["--const", c]
        proc = hpverify(args, ctx.timeout)
        line = line_from("community", m.title + (" (quick: " + " ".join(consts) + ")"
                                                 if ctx.quick else ""),
                         "explicit", proc, f"TLC {m.tlc} ({m.tlc_states:,} states)")
        if not ctx.quick and line.states is not None:
            same = line.states == m.tlc_states
            line.extra = {"tlc_states": m.tlc_states, "same_count": same}
            line.outcome += "; states = TLC's" if same else "; STATES DIFFER FROM TLC'S"
        lines.append(line)
    return lines


def row_bmc_z3hand(ctx: Ctx) -> list[Line]:
    n, depth = (2, 5) if ctx.quick else (3, 30)
    work = f"first_cut patched {n}x{n}, all invariants, depth {depth}"
    cmd = [sys.executable, str(Z3HAND), "--variant", "patched", "--npages", str(n), "--nfault",
           str(n), "--inv", "all", "--depth", str(depth), "--quiet", "--json"]
    status, wall, out, err = run_process(cmd, ctx.timeout)
    if status is Status.DONE:
        solve = sum(json.loads(ln[5:])["solve_s"] for ln in out.splitlines()
                    if ln.startswith("JSON "))
        base = Line("bmc_z3hand", work, "hand-written z3 (z3hand/bmc.py)",
                    "holds up to depth " + str(depth), round(solve, 2), round(wall, 2),
                    reference="the baseline (seconds = time inside solver.check)")
    else:
        base = Line("bmc_z3hand", work, "hand-written z3 (z3hand/bmc.py)",
                    f"timeout (> {ctx.timeout:g} s)" if status is Status.TIMEOUT
                    else "failed: " + first_error(err), None, round(wall, 2))
    proc = hpverify(first_cut_args(n, "--depth", str(depth), "--max-states", "1"), ctx.timeout)
    ours = line_from("bmc_z3hand", work, "bmc (SAT, --max-states 1)", proc,
                     "now 1.14x the baseline (solve time)")
    if proc.doc is not None:
        ours.seconds = round(max(r.get("solve_seconds", 0.0) for r in results(proc.doc)), 2)
        if base.seconds:
            ratio = ours.seconds / base.seconds
            ours.extra = {"solve_ratio": round(ratio, 2)}
            ours.reference += f"; this run {ratio:.2f}x"
    return [base, ours]


def row_plot(ctx: Ctx) -> list[Line]:
    """first_cut patched at NPAGES = NFAULT = n for each engine; an engine that does not
    finish at one size is not tried at larger ones. bmc runs to depth 3 + 2n, which covers
    every run (soft offline takes at most 3 steps, each faulting task at most 2)."""
    lines = []
    for engine in ctx.engines:
        stopped = False
        for n in ctx.sizes:
            work = f"first_cut patched {n}x{n}"
            if stopped:
                lines.append(Line("plot", work, engine, "not run (no answer at a smaller size)",
                                  extra={"size": n}))
                continue
            extra = ["--depth", str(3 + 2 * n), "--max-states", "1"] if engine == "bmc" else []
            proc = hpverify(first_cut_args(n, "--engine", engine, *extra), ctx.timeout)
            line = line_from("plot", work, engine, proc)
            line.extra = {"size": n}
            finished = proc.doc is not None and all(
                r["verdict"] != "unknown" for r in results(proc.doc))
            line.extra["finished"] = finished
            stopped = not finished
            lines.append(line)
            print(f"  plot: {engine} {n}x{n}: {line.outcome} ({line.wall} s)", file=sys.stderr,
                  flush=True)
    return lines


ROWS: dict[str, tuple[str, Callable[[Ctx], list[Line]]]] = {
    "kind_10": ("first_cut patched 10x10, kind, all depths",
                row_kind(10, 2, "now 12.5 s; target <= 3 s; TLC 488 s (18 M states)")),
    "kind_16": ("first_cut patched 16x16, kind, all depths",
                row_kind(16, 3, "now > 200 s; target <= 30 s")),
    "explicit_8_sym": ("first_cut patched 8x8, explicit, with symmetry", row_explicit_sym),
    "explicit_8": ("first_cut patched 8x8, explicit, no symmetry; and its states/s",
                   row_explicit),
    "soft_sweep": ("soft_offline patched, NPAGES 1-4 x NFAULT 1-3, kind", row_soft_sweep),
    "seed": ("soft_offline unpatched (violated): kind against bmc", row_seed),
    "community": ("four tlaplus/Examples models, explicit, against TLC", row_community),
    "bmc_z3hand": ("bmc against the hand-written Z3 encoding", row_bmc_z3hand),
    "plot": ("first_cut patched, time against size, per engine (the SVG)", row_plot),
}


# ---- output ----

def fmt(x: float | int | None) -> str:
    if x is None:
        return ""
    return f"{x:,}" if isinstance(x, int) else f"{x:.2f}"


def markdown(lines: Sequence[Line]) -> str:
    out = ["| row | work | engine | result | engine s | process s | states | reference |",
           "|---|---|---|---|---|---|---|---|"]
    for ln in lines:
        if ln.row == "plot":
            continue
        out.append(f"| {ln.row} | {ln.work} | {ln.engine} | {ln.outcome} | {fmt(ln.seconds)} | "
                   f"{fmt(ln.wall)} | {fmt(ln.states)} | {ln.reference} |")
    plot = [ln for ln in lines if ln.row == "plot"]
    if plot:
        sizes = sorted({ln.extra["size"] for ln in plot})
        engines = [e for e in PLOT_ENGINES if any(ln.engine == e for ln in plot)]
        out += ["", "first_cut patched, NPAGES = NFAULT = n: engine seconds "
                "(bmc: SAT to depth 3 + 2n; '-' not run)", "",
                "| n | " + " | ".join(engines) + " |", "|---" * (len(engines) + 1) + "|"]
        for n in sizes:
            cells = []
            for e in engines:
                ln = next((x for x in plot if x.engine == e and x.extra["size"] == n), None)
                if ln is None or ln.outcome.startswith("not run"):
                    cells.append("-")
                elif ln.extra.get("finished"):
                    cells.append(fmt(ln.seconds))
                else:
                    cells.append(ln.outcome)
            out.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def write_svg(lines: Sequence[Line], path: Path) -> str:
    """Time against size per engine; returns what happened, for the report."""
    try:
        import matplotlib
    except ImportError:
        return "plot not written: matplotlib is not installed (pip install \".[bench]\")"
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: a smaller, greppable SVG
    import matplotlib.pyplot as plt

    plot = [ln for ln in lines if ln.row == "plot"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for engine in PLOT_ENGINES:
        pts = [(ln.extra["size"], ln.seconds) for ln in plot
               if ln.engine == engine and ln.extra.get("finished") and ln.seconds is not None]
        if pts:
            xs, ys = zip(*pts, strict=True)
            label = "bmc (to depth 3 + 2n)" if engine == "bmc" else engine
            ax.plot(xs, [max(y, 0.01) for y in ys], marker="o", label=label)
    ax.set_yscale("log")
    ax.set_xlabel("NPAGES = NFAULT (benchmarks/first_cut.hp, patched)")
    ax.set_ylabel("engine seconds (log scale)")
    ax.set_title("hpverify: time to settle every invariant, by engine")
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, format="svg")
    plt.close(fig)
    return f"plot written: {shown(path)}"


def shown(path: Path) -> str:
    """A path as the report shows it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def machine() -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ""
    return {"date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            "cpus": os.cpu_count(), "load_average": os.getloadavg(),
            "python": platform.python_version(), "platform": platform.platform(),
            "commit": commit}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="wall-clock limit per process, seconds (default 120)")
    ap.add_argument("--rows", default=",".join(ROWS),
                    help="comma-separated rows to run: " + ", ".join(ROWS))
    ap.add_argument("--sizes", default=None,
                    help="sizes for the plot row (default 2,4,...,16; --quick: 2)")
    ap.add_argument("--engines", default=",".join(PLOT_ENGINES),
                    help="engines for the plot row (default " + ",".join(PLOT_ENGINES) + ")")
    ap.add_argument("--out", type=Path, default=HERE / "results",
                    help="directory for results.json and first_cut_sizes.svg")
    a = ap.parse_args(argv)
    names = [r.strip() for r in a.rows.split(",") if r.strip()]
    unknown = [r for r in names if r not in ROWS]
    if unknown:
        ap.error(f"unknown row(s) {', '.join(unknown)}; rows are {', '.join(ROWS)}")
    sizes = tuple(int(s) for s in a.sizes.split(",")) if a.sizes else (
        QUICK_SIZES if a.quick else FULL_SIZES)
    a.out.mkdir(parents=True, exist_ok=True)
    engines = tuple(e.strip() for e in a.engines.split(",") if e.strip())
    bad = [e for e in engines if e not in PLOT_ENGINES]
    if bad:
        ap.error(f"unknown engine(s) {', '.join(bad)}; plot engines are {', '.join(PLOT_ENGINES)}")
    ctx = Ctx(a.quick, a.timeout, a.out, sizes, engines)
    start_machine = machine()
    lines: list[Line] = []
    for name in names:
        print(f"row {name}: {ROWS[name][0]} ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        lines += ROWS[name][1](ctx)
        print(f"row {name}: {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    table = markdown(lines)
    print(table)
    plot_note = ""
    if "plot" in names:
        plot_note = write_svg(lines, a.out / "first_cut_sizes.svg")
        print("\n" + plot_note)
    doc = {"machine": start_machine, "load_average_at_end": os.getloadavg(),
           "quick": a.quick, "timeout": a.timeout, "rows": names,
           "lines": [asdict(ln) for ln in lines], "plot": plot_note}
    (a.out / "results.json").write_text(json.dumps(doc, indent=2) + "\n")
    print(f"results written: {shown(a.out / 'results.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
