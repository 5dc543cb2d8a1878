"""The command line: `hpverify prove`, `hpverify check` (see docs/cli.md).

Exit status: 0 every checked invariant holds (to the bound reached) and every expect is
met; 1 a violation no expect covers, or an unmet expect; 2 a usage error or an error in a
spec; 3 unknown (timeout, resource limit) and nothing worse; 70 an internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO, TypeVar

from . import __version__
from .check import check
from .diagnostics import Diagnostic, HpError, SourceCache, Span, render
from .engines.common import cancellable, exit_now_if_stuck
from .ir import Model
from .itf import write_itf
from .junit import write_junit
from .lower import lower
from .parse import load_spec
from .pipeline import (
    Options,
    SpecRun,
    configs,
    engines,
    exit_code,
    expand_const_values,
    is_fragment,
    prove_config,
    spec_files,
)
from .progress import Progress
from .simulate import Simulation
from .summary import final_line, matrices, summary_table
from .trace import ReplayError, render_trace, trace_json

T = TypeVar("T")

EXIT_OK, EXIT_VIOLATED, EXIT_USAGE, EXIT_UNKNOWN, EXIT_INTERNAL = 0, 1, 2, 3, 70

_DESCRIPTION = """\
hpverify checks .hp specifications: typed state, atomic actions, invariants.

  hpverify prove spec/                       every invariant of every spec, bounded (BMC)
  hpverify prove spec/x.hp --inv no_sigbus   one invariant (plus the built-in 'types')
  hpverify prove x.hp --const VARIANT=patched --depth 30
  hpverify check spec/                       parse and type-check only (editors, pre-commit)

A violation prints the SHORTEST counterexample, one column per actor ('by').
Exit status: 0 all hold and every 'expect' is met, 1 violation or unmet expect,
2 error in a spec or usage, 3 unknown (timeout), 70 internal error.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"hpverify: error[HP200]: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="hpverify", description=_DESCRIPTION,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"hpverify {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    pr = sub.add_parser("prove", help="check invariants; print shortest counterexamples",
                        description="Check every invariant of each spec (or those named by "
                        "--inv), plus the built-in 'types'.",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    pr.add_argument("files", nargs="+", metavar="FILE", help=".hp files or directories")
    pr.add_argument("--inv", action="append", default=[], metavar="NAME",
                    help="check only this invariant (repeatable); 'types' is always checked")
    pr.add_argument("--depth", metavar="K", help="search traces of at most K steps "
                    "(overrides 'check depth'; default 10)")
    pr.add_argument("--engine", default="bmc", metavar="E",
                    help="bmc (bounded, default)" + "".join(
                        f", {n}" for n in sorted(engines()) if n != "bmc"))
    pr.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                    help="override a constant: N=3, FIXED=true, VARIANT=patched; "
                    "N=1..3 or N=1,2 checks each value")
    pr.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    pr.add_argument("--timeout", type=float, metavar="SECONDS",
                    help="wall-clock budget per spec setting; past it the verdict is unknown")
    pr.add_argument("--rlimit", type=int, metavar="N", help="Z3 resource limit per solver call")
    pr.add_argument("--max-states", type=int, metavar="N",
                    help="explicit engine: stop (verdict unknown) past N distinct states "
                    "(default 5000000; auto's explicit member: 200000)")
    pr.add_argument("--show-invariant", action="store_true",
                    help="after a pdr proof, print the inductive invariant it found "
                    "(re-checked by a fresh solver)")
    pr.add_argument("--quiet", action="store_true",
                    help="print only failures and the summary; no progress line")
    pr.add_argument("--junit", metavar="FILE",
                    help="also write a JUnit XML report: one testcase per (spec, constants, "
                    "invariant)")
    pr.add_argument("--itf", metavar="DIR",
                    help="also write each counterexample as an Apalache ITF trace "
                    "DIR/SPEC_CONSTS_INVARIANT.itf.json")
    pr.add_argument("--no-progress", action="store_true",
                    help="no progress line on stderr (also off with --quiet)")
    ch = sub.add_parser("check", help="parse and type-check specs only")
    ch.add_argument("files", nargs="+", metavar="FILE")
    ch.add_argument("--const", action="append", default=[], metavar="NAME=VALUE")
    ch.add_argument("--skip-fragments", action="store_true",
                    help="skip include-only files (no 'spec' line) even when named "
                    "explicitly, as directories always do (for pre-commit)")
    si = sub.add_parser("simulate", help="random walks; the first violation found (not "
                        "necessarily shortest)",
                        description="Random walks over the spec's transition system, "
                        "checking invariants in every state visited. Reports the first "
                        "violating trace found (NOT necessarily a shortest one: use prove) "
                        "or a summary. Finding nothing proves nothing.")
    si.add_argument("files", nargs="+", metavar="FILE")
    si.add_argument("--steps", type=int, default=50, metavar="N",
                    help="at most N steps per run (default 50)")
    si.add_argument("--runs", type=int, default=100, metavar="M",
                    help="M runs (default 100)")
    si.add_argument("--seed", type=int, default=None, metavar="S",
                    help="random seed (default: a fresh one, printed for replay)")
    si.add_argument("--inv", action="append", default=[], metavar="NAME",
                    help="check only this invariant (repeatable; default: every invariant "
                    "that no 'expect NAME violated' marks, and types)")
    si.add_argument("--const", action="append", default=[], metavar="NAME=VALUE")
    si.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    ex = sub.add_parser("export", help="translate a spec to a TLA+ module (and a TLC .cfg)",
                        description="Write a TLA+ module equivalent to the spec: same "
                        "variables, one disjunct of Next per action, invariants, TypeOK.")
    ex.add_argument("file", metavar="FILE")
    ex.add_argument("--tla", action="store_true", required=True,
                    help="the output language (TLA+; the only one so far)")
    ex.add_argument("-o", "--output", metavar="DIR",
                    help="write DIR/NAME.tla and the TLC model DIR/NAME.cfg (default: the "
                    "module on stdout)")
    ex.add_argument("--const", action="append", default=[], metavar="NAME=VALUE")
    return p


def _usage_error(code: str, message: str) -> HpError:
    return HpError(Diagnostic(code, message, Span("<command line>", 0, 0, 0, 0)))


def _options(args: argparse.Namespace, nfiles: int) -> Options:
    consts: dict[str, tuple[str, ...]] = {}
    for item in args.const:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise _usage_error("HP203", f"--const {item}: expected NAME=VALUE")
        consts[name.strip()] = expand_const_values(value.strip())
    depth = None
    if getattr(args, "depth", None) is not None:
        try:
            depth = int(args.depth)
        except ValueError:
            raise _usage_error("HP204", f"--depth {args.depth}: expected a whole number") from None
        if depth < 0:
            raise _usage_error("HP204", f"--depth {depth}: the depth cannot be negative")
    engine = getattr(args, "engine", "bmc")
    if engine not in engines():
        raise _usage_error("HP205", f"--engine {engine}: unknown engine (known: "
                           f"{', '.join(sorted(engines()))})")
    timeout = getattr(args, "timeout", None)
    if timeout is not None and timeout <= 0:
        raise _usage_error("HP206", f"--timeout {timeout}: must be positive")
    max_states = getattr(args, "max_states", None)
    if max_states is not None and max_states < 1:
        raise _usage_error("HP206", f"--max-states {max_states}: must be positive")
    return Options(tuple(getattr(args, "inv", [])), depth, engine, tuple(consts.items()),
                   timeout, getattr(args, "rlimit", None), lenient_invariants=nfiles > 1,
                   max_states=max_states)


def _consts_text(run: SpecRun) -> str:
    from .ir import key_string

    return ", ".join(f"{k}={key_string(v)}" for k, v in run.consts.items())


def print_run(run: SpecRun, out: TextIO, quiet: bool, show_invariant: bool = False) -> None:
    consts = _consts_text(run)
    header = f"{run.file}: spec {run.spec}" + (f" ({consts})" if consts else "")
    lines = [header]
    width = max(len(o.result.invariant) for o in run.outcomes)
    for o in run.outcomes:
        r = o.result
        exp = ""
        if o.expect is not None:
            mark = "met" if o.met else "NOT MET" if o.met is False else "undecided"
            exp = f"  [expected {o.expect.describe()}: {mark}]"
        elif r.verdict == "violated":
            exp = "  [unexpected]"
        lines.append(f"  {r.invariant.ljust(width)}  {r.wording()}{exp}  ({r.seconds:.2f}s, {r.engine})")
    lines += _notes(run, show_invariant)
    if quiet and not any(o.failed or o.result.verdict == "unknown" for o in run.outcomes):
        return
    out.write("\n".join(lines) + "\n")
    for o in run.outcomes:
        r = o.result
        if r.trace is None or (quiet and not o.failed):
            continue
        title = f"invariant {r.invariant} {r.wording()}"
        out.write(f"\n{title}\n{'=' * len(title)}\n")
        out.write(render_trace(run.model, r.trace, r.invariant,
                               run.invariant_text.get(r.invariant)) + "\n")
    out.write("\n")


def _notes(run: SpecRun, show_invariant: bool) -> list[str]:
    """Vacuity warnings, counterexamples to induction, and (on request) PDR invariants."""
    out: list[str] = []
    never: list[str] = []
    depth = None
    for o in run.outcomes:
        for name in o.result.extra.get("never_enabled", []) or []:  # type: ignore[union-attr]
            if name not in never:
                never.append(name)
        depth = o.result.extra.get("coverage_depth", depth)
    for name in never:
        where = f" (checked to depth {depth})" if depth is not None else ""
        out.append(f"  warning: action {name} is never enabled{where}: invariants may hold "
                   "vacuously")
    shown_invs: dict[tuple[str, ...], list[str]] = {}  # one invariant often proves several
    for o in run.outcomes:
        clauses = o.result.extra.get("inductive_invariant_clauses")
        if show_invariant and o.result.proved and clauses:
            shown_invs.setdefault(tuple(clauses), []).append(o.result.invariant)  # type: ignore[arg-type]
    for clauses, names in shown_invs.items():
        out.append(f"  inductive invariant proving {', '.join(names)} (re-checked):")
        out += [f"    {c}" for c in clauses]
    for o in run.outcomes:
        r = o.result
        cti = r.extra.get("cti")
        if isinstance(cti, dict) and r.verdict == "unknown":
            out.append(f"  {r.invariant}: counterexample to induction (NOT necessarily "
                       f"reachable), k={r.extra.get('k', '?')}:")
            for i, st in enumerate(cti.get("states", [])):  # type: ignore[union-attr]
                shown = ", ".join(f"{k}={json.dumps(v)}" for k, v in st.items())
                out.append(f"    state {i}: {shown}")
    return out


def run_json(run: SpecRun) -> dict[str, object]:
    from .ir import render_value

    results = []
    for o in run.outcomes:
        r = o.result
        item: dict[str, object] = {
            "invariant": r.invariant, "verdict": r.verdict, "engine": r.engine,
            "bound": r.bound, "expected": o.expect.describe() if o.expect else None,
            "met": o.met, "seconds": round(r.seconds, 4),
            "trace": trace_json(run.model, r.trace) if r.trace is not None else None,
        }
        if r.method is not None:
            item["method"] = r.method
        if r.reason is not None:
            item["reason"] = r.reason
        if r.distinct_states is not None:
            item["distinct_states"] = r.distinct_states
        item.update(r.extra)
        results.append(item)
    consts = {n: render_value(v, t) for n, v, t in run.model.consts}
    return {"file": run.file, "spec": run.spec, "consts": consts, "depth": run.depth,
            "results": results}


def _check_output_paths(args: argparse.Namespace) -> None:
    """Fail on an unwritable --junit/--itf before spending minutes proving."""
    if args.junit:
        parent = os.path.dirname(os.path.abspath(args.junit))
        if os.path.isdir(args.junit) or not os.path.isdir(parent):
            raise _usage_error("HP208", f"--junit {args.junit}: cannot write this file "
                               "(a directory, or its directory does not exist)")
    if args.itf and os.path.exists(args.itf) and not os.path.isdir(args.itf):
        raise _usage_error("HP209", f"--itf {args.itf}: exists and is not a directory")


def cmd_prove(args: argparse.Namespace, sources: SourceCache) -> int:
    files = spec_files(args.files)
    if not files:
        raise _usage_error("HP207", "no .hp files found in " + ", ".join(args.files))
    options = _options(args, len(files))
    _check_output_paths(args)
    progress = Progress(enabled=not (args.quiet or args.no_progress))
    runs: list[SpecRun] = []
    for f in files:
        spec = load_spec(f, sources)
        for overrides in configs(spec, options, sources):
            label = f + (f" ({', '.join(f'{k}={v}' for k, v in overrides.items())})"
                         if overrides else "")
            progress.start(label)
            try:
                run = prove_config(spec, overrides, options, sources, progress)
            finally:
                progress.finish()
            runs.append(run)
            if not args.json:
                print_run(run, sys.stdout, args.quiet, args.show_invariant)
                sys.stdout.flush()
    if options.invariants and options.lenient_invariants:
        seen = {o.result.invariant for r in runs for o in r.outcomes}
        missing = [n for n in options.invariants if n not in seen]
        if missing:
            raise _usage_error("HP201", f"--inv {missing[0]}: no spec has this invariant")
    code = exit_code(runs)
    written: list[str] = []
    if args.junit:
        _write_output(lambda: write_junit(args.junit, runs), "--junit", args.junit)
        written.append(f"JUnit report: {args.junit}")
    if args.itf:
        paths = _write_output(lambda: write_itf(args.itf, runs), "--itf", args.itf)
        written.append(f"ITF traces: {len(paths)} file{'s' if len(paths) != 1 else ''} "
                       f"in {args.itf}")
    if args.json:
        json.dump({"specs": [run_json(r) for r in runs]}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        _summary(runs, code, written)
    return code


def _write_output(write: Callable[[], T], flag: str, path: str) -> T:
    try:
        return write()
    except OSError as err:
        raise _usage_error("HP208", f"{flag} {path}: {err.strerror or err}") from None


def _summary(runs: list[SpecRun], code: int, written: Sequence[str] = ()) -> None:
    """The table (when more than one spec setting ran), sweep matrices, the final line."""
    if len(runs) > 1:
        print("summary")
        print(summary_table(runs))
        print()
    for m in matrices(runs):
        print(m)
        print()
    for line in written:
        print(line)
    print(final_line(runs, code))


def cmd_check(args: argparse.Namespace, sources: SourceCache) -> int:
    files = spec_files(args.files)
    if args.skip_fragments:
        files = [f for f in files if not (os.path.isfile(f) and is_fragment(Path(f)))]
        if not files:
            print("ok: 0 files checked (only include-only fragments given)")
            return EXIT_OK
    if not files:
        raise _usage_error("HP207", "no .hp files found in " + ", ".join(args.files))
    options = _options(args, len(files))
    errors: list[Diagnostic] = []
    for f in files:
        try:
            spec = load_spec(f, sources)
            check(spec, {n: v[0] for n, v in options.consts})
        except HpError as err:
            errors.extend(err.diagnostics)
    if errors:
        raise HpError(errors)
    print(f"ok: {len(files)} file{'s' if len(files) != 1 else ''} checked")
    return EXIT_OK


def cmd_simulate(args: argparse.Namespace, sources: SourceCache) -> int:
    import random

    from .ir import TYPES
    from .simulate import simulate
    from .summary import consts_text

    files = spec_files(args.files)
    if not files:
        raise _usage_error("HP207", "no .hp files found in " + ", ".join(args.files))
    if args.steps < 0 or args.runs < 1:
        raise _usage_error("HP210", "--steps must be >= 0 and --runs >= 1")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    options = _options(args, len(files))
    code = EXIT_OK
    docs: list[dict[str, object]] = []
    for f in files:
        spec = load_spec(f, sources)
        for overrides in configs(spec, options, sources):
            checked = check(spec, overrides)
            model = lower(checked)
            declared = [i.name for i in checked.invariants] + [TYPES]
            expected_violated = {e.name for e in checked.expects if e.verdict == "violated"}
            if options.invariants:
                missing = [n for n in options.invariants if n not in declared]
                if missing and len(files) == 1:
                    raise _usage_error("HP201", f"--inv {missing[0]}: spec '{checked.name}' "
                                       f"has no invariant '{missing[0]}'")
                invs = [n for n in declared if n in options.invariants]
            else:
                invs = [n for n in declared if n not in expected_violated]
            sim = simulate(model, invs, args.steps, args.runs, seed)
            run = SpecRun(f, checked.name, {n: v for n, v, _ in checked.consts}, model, 0, ())
            v = sim.violation
            unexpected = v is not None and v.invariant not in expected_violated
            if unexpected:
                code = EXIT_VIOLATED
            if args.json:
                docs.append(_simulation_json(run, sim, seed, args, expected_violated))
                continue
            consts = consts_text(run)
            print(f"{f}: spec {checked.name}" + (f" ({consts})" if consts else "")
                  + f": {args.runs} runs of at most {args.steps} steps, seed {seed}")
            print(f"  checking: {', '.join(invs) if invs else '(no invariant)'}")
            if sim.no_initial_state:
                print("  no initial state: init is unsatisfiable")
            elif v is not None:
                what = "unexpected" if unexpected else f"expected: {v.invariant} is expected " \
                    "violated"
                print(f"  invariant {v.invariant} violated in {v.trace.length} "
                      f"step{'s' if v.trace.length != 1 else ''} in run {v.run} ({what})")
                print("  (a random trace, not necessarily a shortest one: "
                      "`hpverify prove` finds those)")
                title = f"invariant {v.invariant} violated (simulation)"
                print(f"\n{title}\n{'=' * len(title)}")
                print(render_trace(model, v.trace, v.invariant,
                                   _invariant_text(sources, model, v.invariant)))
                print()
            else:
                print("  no violation found (a simulation is not a proof)")
            print(f"  {sim.runs} run{'s' if sim.runs != 1 else ''}, {sim.steps} steps, "
                  f"{sim.distinct_states} distinct states, {sim.deadlocks} runs ended in a "
                  f"deadlock (no action enabled)")
            if sim.actions:
                width = max(len(a) for a in sim.actions)
                print("  actions fired:")
                for a, n in sim.actions.items():
                    print(f"    {a.ljust(width)}  {n}")
            print()
    if args.json:
        json.dump({"seed": seed, "specs": docs}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    return code


def _invariant_text(sources: SourceCache, model: Model, name: str) -> str | None:
    from .pipeline import _source_text

    for inv in model.invariants:
        if inv.name == name:
            return _source_text(sources, inv)
    return None


def _simulation_json(run: SpecRun, sim: Simulation, seed: int, args: argparse.Namespace,
                     expected_violated: set[str]) -> dict[str, object]:
    from .ir import render_value

    v = sim.violation
    return {
        "file": run.file, "spec": run.spec,
        "consts": {n: render_value(x, t) for n, x, t in run.model.consts},
        "seed": seed, "max_steps": args.steps, "runs": sim.runs, "steps": sim.steps,
        "distinct_states": sim.distinct_states, "deadlocks": sim.deadlocks,
        "no_initial_state": sim.no_initial_state,
        "actions": dict(sim.actions),
        "violation": None if v is None else {
            "invariant": v.invariant, "run": v.run, "shortest": False,
            "expected": v.invariant in expected_violated,
            "trace": trace_json(run.model, v.trace)},
    }


def cmd_export(args: argparse.Namespace, sources: SourceCache) -> int:
    from .export_tla import export_tla

    options = _options(args, 1)
    spec = load_spec(args.file, sources)
    settings = configs(spec, options, sources)
    if len(settings) > 1:
        shown = ", ".join(f"{k}={v}" for k, v in settings[0].items())
        sys.stderr.write(f"hpverify: note: the spec sweeps constants; exporting the first "
                         f"setting ({shown}); choose another with --const\n")
    module, cfg = export_tla(spec, settings[0], sources)
    if args.output is None:
        sys.stdout.write(module)
        return EXIT_OK
    out = args.output
    if os.path.exists(out) and not os.path.isdir(out):
        raise _usage_error("HP209", f"-o {out}: exists and is not a directory")
    name = _tla_module_name(module)

    def write() -> None:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, f"{name}.tla"), "w", encoding="utf-8") as fh:
            fh.write(module)
        with open(os.path.join(out, f"{name}.cfg"), "w", encoding="utf-8") as fh:
            fh.write(cfg)

    _write_output(write, "-o", out)
    print(f"wrote {os.path.join(out, name + '.tla')} and {os.path.join(out, name + '.cfg')}")
    return EXIT_OK


def _tla_module_name(module: str) -> str:
    first = module.split("\n", 1)[0]
    return first.split("MODULE", 1)[1].strip(" -")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    sources = SourceCache()
    try:
        # NOTE(cancel): Ctrl-C stops every engine (exit 130), SIGTERM too (exit 143)
        with cancellable():
            if args.command == "prove":
                return cmd_prove(args, sources)
            if args.command == "simulate":
                return cmd_simulate(args, sources)
            if args.command == "export":
                return cmd_export(args, sources)
            return cmd_check(args, sources)
    except HpError as err:
        for d in err.diagnostics:
            sys.stderr.write(render(d, sources) + "\n")
        return EXIT_USAGE
    except ReplayError as err:
        sys.stderr.write(f"hpverify: internal error, please report: a counterexample failed "
                         f"replay ({err})\n")
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        sys.stderr.write("hpverify: interrupted\n")
        exit_now_if_stuck(130)
        return 130
    except SystemExit as stop:  # SIGTERM (NOTE(cancel)), or argparse
        if isinstance(stop.code, int):
            exit_now_if_stuck(stop.code)
        raise
    except BrokenPipeError:  # the reader went away (`hpverify prove ... | head`)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except RecursionError:
        sys.stderr.write("hpverify: error[HP300]: the spec nests too deeply to process\n")
        return EXIT_USAGE
    except Exception:  # noqa: BLE001 - the one place that turns bugs into a report
        sys.stderr.write("hpverify: internal error, please report (with the spec and command)\n")
        traceback.print_exc()
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
