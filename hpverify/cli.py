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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NoReturn, TextIO, TypeVar

from rich.console import Console
from rich.text import Text

from . import __version__
from .check import check
from .diagnostics import Diagnostic, HpError, SourceCache, Span, render
from .engines.common import cancellable, exit_now_if_stuck
from .ir import Model
from .itf import write_itf
from .junit import write_junit
from .lower import lower
from .parse import load_spec, set_include_dirs
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
from .summary import (
    Problem,
    ProblemKind,
    Table,
    final_line,
    matrix_tables,
    problems_status,
    summary_rows,
    vacuity_summary,
)
from .syntax import SpecFile
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
    pr.add_argument("--no-symmetry", action="store_true",
                    help="explicit engine: explore every state, ignoring 'symmetric type' "
                    "declarations (by default one state per orbit is stored)")
    pr.add_argument("--show-invariant", action="store_true",
                    help="after a proof by pdr, or by kind with auxiliary invariants (alone or "
                    "inside auto), print the inductive invariant it found (re-checked by a "
                    "fresh solver)")
    pr.add_argument("--inductive", action="store_true",
                    help="kind (alone or inside auto): prove by k-induction with re-checked "
                    "auxiliary invariants even when the reachable states are few enough to "
                    "enumerate (by default such a proof is the explicit-state search's)")
    pr.add_argument("--traces", action="store_true",
                    help="print every counterexample, also those an 'expect' line "
                    "expects (a run of several spec files prints only the unexpected ones)")
    pr.add_argument("--verbose", action="store_true",
                    help="--traces, each setting's never-enabled warnings, and the full "
                    "summary table")
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
    ch = sub.add_parser("check", help="parse and type-check specs only",
                        description="Parse and type-check each spec, and evaluate its "
                        "constants; no state is explored. Exit 0 when every file is clean, "
                        "2 with the errors otherwise.")
    ch.add_argument("files", nargs="+", metavar="FILE",
                    help=".hp files or directories (searched for .hp files)")
    ch.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                    help="override a constant before checking: N=3, FIXED=true, "
                    "VARIANT=patched (repeatable)")
    ch.add_argument("--skip-fragments", action="store_true",
                    help="skip include-only files (no 'spec' line) even when named "
                    "explicitly, as directories always do (for pre-commit)")
    si = sub.add_parser("simulate", help="random walks; the first violation found (not "
                        "necessarily shortest)",
                        description="Random walks over the spec's transition system, "
                        "checking invariants in every state visited. Reports the first "
                        "violating trace found (NOT necessarily a shortest one: use prove) "
                        "or a summary. Finding nothing proves nothing.")
    si.add_argument("files", nargs="+", metavar="FILE",
                    help=".hp files or directories (searched for .hp files)")
    si.add_argument("--steps", type=int, default=50, metavar="N",
                    help="at most N steps per run (default 50)")
    si.add_argument("--runs", type=int, default=100, metavar="M",
                    help="M runs (default 100)")
    si.add_argument("--seed", type=int, default=None, metavar="S",
                    help="random seed (default: a fresh one, printed for replay)")
    si.add_argument("--inv", action="append", default=[], metavar="NAME",
                    help="check only this invariant (repeatable; default: every invariant "
                    "that no 'expect NAME violated' marks, and types)")
    si.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                    help="override a constant: N=3, FIXED=true, VARIANT=patched; "
                    "N=1..3 or N=1,2 simulates each value (repeatable)")
    si.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    ex = sub.add_parser("export", help="translate a spec to a TLA+ module (and a TLC .cfg)",
                        description="Write a TLA+ module equivalent to the spec: same "
                        "variables, one disjunct of Next per action, invariants, TypeOK.")
    ex.add_argument("file", metavar="FILE", help="the .hp file to translate")
    ex.add_argument("--tla", action="store_true", required=True,
                    help="the output language (TLA+; the only one so far)")
    ex.add_argument("-o", "--output", metavar="DIR",
                    help="write DIR/NAME.tla and the TLC model DIR/NAME.cfg (default: the "
                    "module on stdout)")
    ex.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                    help="override a constant in the exported module and model: N=3, "
                    "FIXED=true (repeatable; a sweep exports its first setting)")
    for sp in (pr, ch, si, ex):  # NOTE(include-confinement) in parse.py
        sp.add_argument("--include-path", action="append", default=[], metavar="DIR",
                        help="also look for included files in DIR (repeatable); includes "
                        "stay inside the spec's directory and these")
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
    if timeout is not None and not (0 < timeout < 1e9):  # inf, nan and 1e400 too
        raise _usage_error("HP206", f"--timeout {timeout}: must be a positive number of "
                           "seconds below 1e9")
    max_states = getattr(args, "max_states", None)
    if max_states is not None and max_states < 1:
        raise _usage_error("HP206", f"--max-states {max_states}: must be positive")
    return Options(tuple(getattr(args, "inv", [])), depth, engine, tuple(consts.items()),
                   timeout, getattr(args, "rlimit", None), lenient_invariants=nfiles > 1,
                   max_states=max_states, symmetry=not getattr(args, "no_symmetry", False),
                   show_invariant=bool(getattr(args, "show_invariant", False)),
                   inductive=bool(getattr(args, "inductive", False)))


def _consts_text(run: SpecRun) -> str:
    from .ir import key_string

    return ", ".join(f"{k}={key_string(v)}" for k, v in run.consts.items())


@dataclass(frozen=True, slots=True)
class View:
    """What the text output shows of each spec setting (NOTE(output-for-people))."""

    quiet: bool = False  # only settings with a failure or an unknown, then the summary
    traces: bool = True  # every counterexample, the expected ones too
    vacuity: bool = True  # the never-enabled warnings under each setting
    full_table: bool = True  # the summary table lists every row, not only those not ok
    settled: bool = True  # the verdict lines of a setting where everything is as expected
    show_invariant: bool = False


# NOTE(output-for-people): a batch run (more than one spec file) is read for what went
# wrong. It prints the verdict lines of a setting only when something in it failed or is
# unknown, and a counterexample only when it is unexpected (a violation no `expect` covers,
# or an unmet `expect`); every setting and the expected counterexamples appear with
# --traces (or --verbose); the summary after the run covers every setting. Its never-enabled warnings are collected into a few
# lines at the end (file, action, in how many settings), each setting's own with --verbose.
# A run of one spec file prints everything: that is the run a user reads a trace from.
def print_run(run: SpecRun, out: TextIO, view: View = View()) -> None:
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
    lines += notes(run, view)
    if (view.quiet or not view.settled) and not any(
            o.failed or o.result.verdict == "unknown" for o in run.outcomes):
        return
    term = _terminal(out)
    if term is None:
        out.write("\n".join(lines) + "\n")
    else:  # a terminal: what needs attention in colour, the same text otherwise
        text = Text("\n".join(lines))
        text.highlight_regex(r"\[unexpected\]|NOT MET", "bold red")
        text.highlight_regex(r"unknown( \([^)]*\))?", "yellow")
        text.highlight_regex(r"warning:", "yellow")
        out.flush()
        term.print(text, soft_wrap=True)
    for o in run.outcomes:
        r = o.result
        if r.trace is None or not (o.failed or (view.traces and not view.quiet)):
            continue
        title = f"invariant {r.invariant} {r.wording()}"
        out.write(f"\n{title}\n{'=' * len(title)}\n")
        out.write(render_trace(run.model, r.trace, r.invariant,
                               run.invariant_text.get(r.invariant)) + "\n")
    out.write("\n")


NO_INITIAL_STATE = "init has no satisfying state: every invariant holds vacuously"


def warnings(run: SpecRun) -> list[str]:
    """The spec setting's warnings, worded as the text prints them after `warning: `."""
    if run_has_no_initial_state(run):
        return [NO_INITIAL_STATE]
    never, depth = never_enabled(run)
    where = f" (checked to depth {depth})" if depth is not None else ""
    return [f"{_action_words(run, name)} is never enabled{where}: invariants may hold "
            "vacuously" for name in never]


def _action_words(run: SpecRun, name: str) -> str:
    """`action NAME`, or for a process step `step P at LABEL (line N)` (process.py)."""
    for inst in run.model.instances:
        if inst.action == name and inst.origin is not None:
            o = inst.origin
            return f"step {o.process} at {o.label} (line {o.line})"
    return f"action {name}"


def never_enabled(run: SpecRun) -> tuple[list[str], int | None]:
    """NOTE(vacuity-warning): the actions worth a warning, and the depth they were checked
    to (None: every depth). None is worth one when nothing was checked (a coverage depth of
    0: no step was unrolled, as when `types` alone is checked and proved statically), or when
    no invariant holds but for a static `types` proof (a violation is not vacuous)."""
    names: list[str] = []
    depth: int | None = None
    for o in run.outcomes:
        listed = o.result.extra.get("never_enabled")
        for name in listed if isinstance(listed, list) else []:
            if name not in names:
                names.append(name)
        depth = o.result.extra.get("coverage_depth", depth)  # type: ignore[assignment]
    holding = [o for o in run.outcomes
               if o.result.verdict == "holds" and "static" not in o.result.extra]
    if depth == 0 or not holding:
        return [], depth
    return names, depth


def run_has_no_initial_state(run: SpecRun) -> bool:
    return any(o.result.extra.get("no_initial_state") for o in run.outcomes)


STATIC_TYPES = "no step can leave a type"


def settle(run: SpecRun) -> SpecRun:
    """What the engines' results mean, said once for text, JSON and JUnit alike:

    - NOTE(static-types): `types` proved by interval analysis holds at every depth, so it
      reads `proved for all depths (no step can leave a type)` (JSON: bound null, method),
      not `holds up to depth K`;
    - a coverage depth of 0 (no step unrolled) says nothing about which actions fire: the
      `never_enabled` list it comes with is dropped, not reported as "never enabled";
    - an init no state satisfies makes every invariant hold vacuously: each result gets
      `no_initial_state: true` and the setting a warning."""
    outcomes = []
    for o in run.outcomes:
        r = o.result
        if r.verdict == "holds" and r.bound is not None and "static" in r.extra:
            r = replace(r, bound=None, method=STATIC_TYPES)
        if r.extra.get("coverage_depth") == 0:  # no step unrolled: no coverage to report
            r = replace(r, extra={k: v for k, v in r.extra.items()
                                  if k not in ("never_enabled", "coverage_depth")})
        outcomes.append(replace(o, result=r))
    if _no_initial_state(run):
        outcomes = [replace(o, result=replace(o.result, extra={**o.result.extra,
                                                                "no_initial_state": True}))
                    for o in outcomes]
    return replace(run, outcomes=tuple(outcomes))


def _no_initial_state(run: SpecRun) -> bool:
    """Only when the results allow it (nothing violated, no action seen to fire) is init
    solved: a violation or a fired action needs an initial state."""
    if any(o.result.verdict != "holds" for o in run.outcomes):
        return False
    fired = {i.action for i in run.model.instances}
    covered = False  # some engine reported which actions fire
    for o in run.outcomes:
        if o.result.distinct_states == 0:
            return True
        never = o.result.extra.get("never_enabled")
        if isinstance(never, list) and o.result.extra.get("coverage_depth") != 0:
            covered = True
            fired -= set(never)
    if covered and fired:
        return False
    return _init_unsatisfiable(run.model)


def _init_unsatisfiable(model: Model) -> bool:
    """True only when the solver proves that no state satisfies init (the encoding every
    symbolic engine starts from). A solver that gives up (5 s) or fails gives no warning:
    the warning is advice, and it is never given falsely."""
    import z3

    from .encode import Encoding

    try:
        enc = Encoding(model)
        solver = z3.SolverFor("QF_BV")
        solver.set("timeout", 5000)
        solver.add(enc.init(enc.fresh_state("init")))
        return bool(solver.check() == z3.unsat)
    except (z3.Z3Exception, MemoryError, RecursionError, OverflowError):
        return False


def notes(run: SpecRun, view: View) -> list[str]:
    """Warnings, counterexamples to induction, and (on request) PDR invariants."""
    out: list[str] = []
    for w in warnings(run):
        if view.vacuity or w == NO_INITIAL_STATE:
            out.append(f"  warning: {w}")
    shown_invs: dict[tuple[str, ...], list[str]] = {}  # one invariant often proves several
    for o in run.outcomes:
        clauses = o.result.extra.get("inductive_invariant_clauses")
        if view.show_invariant and o.result.proved and clauses:
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
            "warnings": warnings(run), "results": results}


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
    # NOTE(junit-every-run): no report from an earlier run survives this one: the old file
    # goes first, and even a command-line error leaves a report that says so
    if args.junit and (os.path.isfile(args.junit) or os.path.islink(args.junit)):
        _write_output(lambda: os.remove(args.junit), "--junit", args.junit)
    try:
        files = spec_files(args.files)
        if not files:
            raise _usage_error("HP207", "no .hp files found in " + ", ".join(args.files))
        options = _options(args, len(files))
        _check_output_paths(args)
    except HpError as err:
        if args.junit and os.path.isdir(os.path.dirname(os.path.abspath(args.junit))) \
                and not os.path.isdir(args.junit):
            _write_junit_quietly(args.junit, [], [_problem(None, err, sources, report=False)])
        raise
    runs: list[SpecRun] = []
    problems: list[Problem] = []
    try:
        code, view = _prove_all(args, options, files, sources, runs, problems)
    except BaseException as stop:  # Ctrl-C, or whatever else ends the run early
        what = "interrupted" if isinstance(stop, KeyboardInterrupt) else \
            f"stopped ({type(stop).__name__})"
        problems.append(Problem(None, ProblemKind.INTERRUPTED, what, what))
        if args.junit:  # the results so far, marked: never an older run's report
            _write_junit_quietly(args.junit, runs, problems)
        if args.json and not isinstance(stop, BrokenPipeError):
            _print_json(runs, problems)
        raise
    written: list[str] = []
    if args.junit:
        _write_output(lambda: write_junit(args.junit, runs, problems), "--junit", args.junit)
        written.append(f"JUnit report: {args.junit}")
    if args.itf:
        paths = _write_output(lambda: write_itf(args.itf, runs), "--itf", args.itf)
        written.append(f"ITF traces: {len(paths)} file{'s' if len(paths) != 1 else ''} "
                       f"in {args.itf}")
    code = problems_status(problems, code)
    if args.json:
        _print_json(runs, problems)
    else:
        _summary(runs, code, view, written, problems)
    return code


def _view(args: argparse.Namespace, batch: bool) -> View:
    return View(quiet=args.quiet, traces=args.traces or args.verbose or not batch,
                vacuity=args.verbose or not batch, full_table=args.verbose or args.quiet,
                settled=args.traces or args.verbose or not batch,
                show_invariant=args.show_invariant)


def _prove_all(args: argparse.Namespace, options: Options, files: Sequence[str],
               sources: SourceCache, runs: list[SpecRun],
               problems: list[Problem]) -> tuple[int, View]:
    """Prove every spec setting of every file, appending to `runs`; a file or setting that
    fails (a spec error, an internal error) becomes a `Problem` and the others go on, so
    that the JSON and the JUnit report still carry every good file's results. Returns the
    exit status of the results and the View they were printed with."""
    plan: list[tuple[str, SpecFile, dict[str, str]]] = []
    for f in files:
        try:
            spec = load_spec(f, sources)
            plan.extend((f, spec, overrides) for overrides in configs(spec, options, sources))
        except Exception as err:  # noqa: BLE001 - reported as this file's problem
            problems.append(_problem(f, err, sources))
    # NOTE(output-for-people): a batch is a run over several files (a directory); one file,
    # sweeps included, prints every counterexample, as the contract's text output does
    view = _view(args, len({f for f, _, _ in plan}) > 1)
    progress = Progress(enabled=not (args.quiet or args.no_progress))
    for i, (f, spec, overrides) in enumerate(plan, start=1):
        label = f + (f" ({', '.join(f'{k}={v}' for k, v in overrides.items())})"
                     if overrides else "")
        progress.start(label, i, len(plan), _first_phase(options.engine))
        try:
            run = settle(prove_config(spec, overrides, options, sources, progress))
        except Exception as err:  # noqa: BLE001 - reported as this setting's problem
            progress.finish()
            problems.append(_problem(f, err, sources))
            continue
        progress.finish()
        runs.append(run)
        if not args.json:
            print_run(run, sys.stdout, view)
            sys.stdout.flush()
    if options.invariants and options.lenient_invariants and runs:
        seen = {o.result.invariant for r in runs for o in r.outcomes}
        missing = [n for n in options.invariants if n not in seen]
        if missing:
            problems.append(_problem(None, _usage_error(
                "HP201", f"--inv {missing[0]}: no spec has this invariant"), sources))
    return exit_code(runs), view


def _first_phase(engine: str) -> str:
    """What the progress line says until the engine reports: checking, lowering and (for
    the symbolic engines) encoding; `auto` runs its engines in other processes, which do
    not report."""
    if engine == "auto":
        return "auto: engines racing in parallel"
    return f"{engine}: checking, lowering, encoding" if engine != "explicit" else \
        "explicit: checking, lowering, listing initial states"


def _problem(file: str | None, err: Exception, sources: SourceCache,
             report: bool = True) -> Problem:
    """The error as a Problem, reported on stderr at once unless `report` is false (the run
    goes on)."""
    if isinstance(err, RecursionError):
        err = HpError(Diagnostic("HP300", f"{file}: the spec nests too deeply to process",
                                 Span(file or "<command line>", 0, 0, 0, 0)))
    if isinstance(err, HpError):
        text = "\n".join(render(d, sources) for d in err.diagnostics)
        if report:
            sys.stderr.write(text + "\n")
        first = err.diagnostics[0]
        where = f"{first.span}: " if first.span.line else ""
        return Problem(file, ProblemKind.SPEC_ERROR, f"{where}error[{first.code}]: "
                       f"{first.message}", text, tuple(err.diagnostics))
    if isinstance(err, ReplayError):
        message = f"a counterexample failed replay ({err})"
    else:
        message = f"{type(err).__name__}: {err}"
    text = "".join(traceback.format_exception(err))
    sys.stderr.write(f"hpverify: internal error, please report (with the spec and command): "
                     f"{file}: {message}\n{text}")
    return Problem(file, ProblemKind.INTERNAL_ERROR, message, text)


def _write_junit_quietly(path: str, runs: Sequence[SpecRun], problems: Sequence[Problem]) -> None:
    """On the way out of an interrupted run: the partial report, marked interrupted."""
    try:
        write_junit(path, runs, problems)
    except OSError as err:
        sys.stderr.write(f"hpverify: --junit {path}: {err.strerror or err}\n")


def diagnostic_json(d: Diagnostic) -> dict[str, object]:
    """A diagnostic for machines; file, line and col are null for the command line."""
    placed = bool(d.span.line)
    return {"file": d.span.file if placed else None, "line": d.span.line if placed else None,
            "col": d.span.col if placed else None, "code": d.code, "severity": "error",
            "message": d.message, "notes": [n.message for n in d.notes]}


def _print_json(runs: Sequence[SpecRun], problems: Sequence[Problem]) -> None:
    doc: dict[str, object] = {
        "specs": [run_json(r) for r in runs],
        "diagnostics": [diagnostic_json(d) for p in problems for d in p.diagnostics],
        "internal_errors": [{"file": p.file, "message": p.message} for p in problems
                            if p.kind is ProblemKind.INTERNAL_ERROR],
    }
    if any(p.kind is ProblemKind.INTERRUPTED for p in problems):
        doc["interrupted"] = True
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")
    sys.stdout.flush()


def _write_output(write: Callable[[], T], flag: str, path: str) -> T:
    try:
        return write()
    except OSError as err:
        raise _usage_error("HP208", f"{flag} {path}: {err.strerror or err}") from None


def _summary(runs: list[SpecRun], code: int, view: View, written: Sequence[str] = (),
             problems: Sequence[Problem] = ()) -> None:
    """The table (when more than one spec setting ran), sweep matrices, collected warnings,
    the final line. NOTE(output-for-people): when every setting's lines were printed above,
    the table repeats only the rows that are not ok (none: no table); with --quiet or
    --verbose it has every row. On a terminal the status is coloured; anywhere else the
    output is plain text, the same bytes every time."""
    term = _terminal(sys.stdout)
    if len(runs) > 1:
        table = summary_rows(runs, only_not_ok=not view.full_table)
        if table is not None:
            print("summary" if view.full_table else "summary: what is not ok")
            _print_table(table, term)
            print()
    for m in matrix_tables(runs):
        _print_table(m, term)
        print()
    if not view.vacuity:
        collected = vacuity_summary(runs, never_enabled)
        if collected:
            print("\n".join(collected))
            print()
    for line in written:
        print(line)
    if problems:
        print(f"errors (reported above, on stderr): {len(problems)}")
        for p in problems:
            print(f"  {p.file or 'hpverify'}: {p.message}")
    last = final_line(runs, code, problems)
    if term is None:
        print(last)
    else:
        style = {0: "bold green", 3: "bold yellow"}.get(code, "bold red")
        term.print(last, style=style, highlight=False, soft_wrap=True)


def _terminal(stream: TextIO) -> Console | None:
    """A rich console when `stream` is a terminal; None for a pipe, a file, a test."""
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return Console(file=stream, highlight=False)


def _print_table(table: Table, term: Console | None) -> None:
    if term is None:
        print(table.text())
    else:
        sys.stdout.flush()
        term.print(table.styled(), soft_wrap=True)


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
            ends = (f"{sim.finished} runs finished (nothing left to run)"
                    if any(i.name == "deadlock" for i in model.invariants) and not sim.deadlocks
                    else f"{sim.deadlocks} runs ended in a deadlock (no action enabled)")
            print(f"  {sim.runs} run{'s' if sim.runs != 1 else ''}, {sim.steps} steps, "
                  f"{sim.distinct_states} distinct states, {ends}")
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
        "finished": sim.finished,
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
    set_include_dirs(args.include_path)
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
        if getattr(args, "json", False):  # --json: one JSON document, whatever happens
            json.dump({"specs": [], "diagnostics": [diagnostic_json(d) for d in err.diagnostics],
                       "internal_errors": []}, sys.stdout, indent=1)
            sys.stdout.write("\n")
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
