"""The whole pipeline on one screen: file → syntax tree → checked spec → IR → engine →
replayed results with their expectations. The CLI, the pytest plugin and the tests all
come through here.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import ir
from . import syntax as s
from .check import CheckedSpec, Expect, check, parse_const_value
from .diagnostics import Diagnostic, HpError, SourceCache, Span
from .engines import Engine, EngineOptions
from .engines.common import Budget
from .lower import lower
from .parse import load_spec
from .result import Result, Verdict
from .trace import replay

DEFAULT_DEPTH = 10

def engines() -> dict[str, Engine]:
    """Engine name → `Engine` (the contract: hpverify/engines/__init__.py)."""
    from .engines.registry import ENGINES

    return dict(ENGINES)


@dataclass(frozen=True, slots=True)
class Options:
    invariants: tuple[str, ...] = ()
    depth: int | None = None
    engine: str = "bmc"
    consts: tuple[tuple[str, tuple[str, ...]], ...] = ()  # name → values as typed
    timeout: float | None = None
    rlimit: int | None = None
    lenient_invariants: bool = False  # several files: --inv names need not be in each
    max_states: int | None = None  # explicit-state limit (explicit; auto's explicit member)
    symmetry: bool = True  # use the spec's `symmetric type`s (explicit; --no-symmetry)
    show_invariant: bool = False  # engines that find an inductive invariant also show it
    inductive: bool = False  # kind proves by induction only (--inductive, NOTE(enumerated))


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Result
    expect: Expect | None
    met: bool | None  # None: no expectation, or the verdict is unknown

    @property
    def failed(self) -> bool:
        """An unexpected violation, or an expectation that is not met."""
        if self.result.verdict == "unknown":
            return False
        if self.expect is None:
            return self.result.verdict == "violated"
        return self.met is False


@dataclass(frozen=True, slots=True)
class SpecRun:
    file: str
    spec: str
    consts: dict[str, ir.Value]
    model: ir.Model
    depth: int
    outcomes: tuple[Outcome, ...]
    invariant_text: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


MAX_SWEEP = 10_000  # settings one `--const N=a..b` may ask for


def expand_const_values(text: str) -> tuple[str, ...]:
    """`--const N=1..3` and `--const N=1,2` sweep; anything else is one value."""
    if "," in text:
        return tuple(p.strip() for p in text.split(","))
    if ".." in text:
        lo, _, hi = text.partition("..")
        a, b = parse_const_value(lo), parse_const_value(hi)
        if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool) \
                and not isinstance(b, bool) and a <= b:
            if b - a + 1 > MAX_SWEEP:  # NOTE(limits) in parse.py
                raise HpError(Diagnostic("HP203", f"--const ...={text}: a sweep may have at "
                                         f"most {MAX_SWEEP} values, not {b - a + 1}",
                                         Span("<command line>", 0, 0, 0, 0)))
            return tuple(str(v) for v in range(a, b + 1))
    return (text,)


def configs(spec: s.SpecFile, options: Options, sources: SourceCache) -> list[dict[str, str]]:
    """Every constant setting to check: the spec's sweeps, overridden by --const."""
    cli = dict(options.consts)
    names = [d.name for d in spec.decls if isinstance(d, s.ConstDecl)]
    unknown = [n for n in cli if n not in names]
    if unknown:
        raise HpError(Diagnostic("HP202", f"--const {unknown[0]}: '{unknown[0]}' is not a constant "
                                 f"of spec file {spec.file}"
                                 + (f" (its constants: {', '.join(names)})" if names else ""),
                                 _cli_span()))
    # sweeps need the checked spec (their domains may use constants); check once with the
    # command line's first values to find them
    first = {n: v[0] for n, v in cli.items()}
    checked = check(spec, first)
    axes: list[tuple[str, tuple[str, ...]]] = []
    for sw in checked.sweeps:
        if sw.name not in cli:
            axes.append((sw.name, tuple(_spell(v) for v in sw.values)))
    for name, values in cli.items():
        axes.append((name, values))
    if not axes:
        return [{}]
    return [dict(zip((a[0] for a in axes), combo, strict=True))
            for combo in itertools.product(*(a[1] for a in axes))]


def _spell(v: ir.Value) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _cli_span() -> Span:
    return Span("<command line>", 0, 0, 0, 0)


def prove_file(path: str, options: Options, sources: SourceCache,
               progress: Callable[[str, int, float], None] | None = None) -> list[SpecRun]:
    spec = load_spec(path, sources)
    runs = []
    for overrides in configs(spec, options, sources):
        runs.append(prove_config(spec, overrides, options, sources, progress))
    return runs


def prove_config(spec: s.SpecFile, overrides: Mapping[str, str], options: Options,
                 sources: SourceCache,
                 progress: Callable[[str, int, float], None] | None = None) -> SpecRun:
    start = time.perf_counter()
    checked = check(spec, overrides)
    model = lower(checked)
    if not options.symmetry and model.symmetric:  # --no-symmetry: every state, one by one
        model = replace(model, symmetric=())
    names = select_invariants(checked, options, spec.file)
    depth = options.depth if options.depth is not None else (
        checked.depth if checked.depth is not None else DEFAULT_DEPTH)
    engine = engines()[options.engine]
    run = EngineOptions(depth, Budget(options.timeout, options.rlimit),
                        max_states=options.max_states, progress=progress,
                        show_invariant=options.show_invariant, inductive=options.inductive)
    by_name: dict[str, Result] = {}
    for group_depth, group in search_groups(checked, names, depth):
        for r in engine(model, group, replace(run, depth=group_depth)):
            by_name[r.invariant] = within_depth(r, group_depth)
    results = [by_name[n] for n in names]
    results = canonical_traces(model, results, run.budget)
    outcomes = []
    for r in results:
        if r.trace is not None:
            replay(model, r.trace, r.invariant, shortest=r.shortest)
        expect = _expect_for(checked, r.invariant)
        outcomes.append(Outcome(r, expect, _met(r, expect)))
    texts = {inv.name: _source_text(sources, inv) for inv in model.invariants}
    return SpecRun(spec.file, checked.name, {n: v for n, v, _ in checked.consts}, model, depth,
                   tuple(outcomes), texts, time.perf_counter() - start)


def canonical_traces(model: ir.Model, results: Sequence[Result], budget: Budget) -> list[Result]:
    """Every violated result with the canonical shortest trace, whichever engine found it
    (engines/canonical.py), so that every engine and `auto` print the same trace."""
    from .engines.canonical import Canonicaliser

    canon = Canonicaliser(model, budget)
    return [canon.result(r) for r in results]


def within_depth(r: Result, depth: int) -> Result:
    """NOTE(depth-bound): `--depth K` searches traces of at most K steps, whatever the engine.
    An unbounded engine (pdr, kind) may find a longer violation; it is true, but reporting
    it would make the verdict and the exit status depend on the engine: it reads as bmc's
    "holds up to depth K", and its length is kept in JSON (`violated_beyond_depth`)."""
    if r.verdict != Verdict.VIOLATED or r.trace is None or r.trace.length <= depth:
        return r
    if not r.shortest:  # a shorter violation within the depth is not excluded
        return replace(r, verdict=Verdict.UNKNOWN, trace=None,
                       reason=f"a violation in {r.trace.length} steps, beyond depth {depth}",
                       extra={**r.extra, "violated_beyond_depth": r.trace.length})
    return replace(r, verdict=Verdict.HOLDS, bound=depth, trace=None,
                   extra={**r.extra, "violated_beyond_depth": r.trace.length})


def search_groups(checked: CheckedSpec, names: Sequence[str],
                  depth: int) -> list[tuple[int, list[str]]]:
    """NOTE(expect-depth): `expect NAME violated in N` searches NAME to depth max(depth, N),
    so that every engine (bmc and kind's base case too) can meet the expectation it states.
    The invariants are grouped by search depth, `depth` first (with `types`): one engine
    run per group, in the order of `names` within each."""
    groups: dict[int, list[str]] = {depth: []}
    for n in names:
        e = _expect_for(checked, n)
        d = depth
        if e is not None and e.verdict == "violated" and e.length is not None:
            d = max(depth, e.length)
        groups.setdefault(d, []).append(n)
    return [(d, g) for d, g in groups.items() if g]


def select_invariants(checked: CheckedSpec, options: Options, file: str) -> list[str]:
    declared = [i.name for i in checked.invariants]
    missing = [n for n in options.invariants if n not in declared and n != ir.TYPES]
    if missing and not options.lenient_invariants:
        raise HpError(Diagnostic("HP201", f"--inv {missing[0]}: spec '{checked.name}' has no "
                                 f"invariant '{missing[0]}' (its invariants: "
                                 f"{', '.join(declared + [ir.TYPES])})", _cli_span()))
    if not options.invariants:
        return declared + [ir.TYPES]
    chosen = [n for n in declared + [ir.TYPES] if n in options.invariants]
    if ir.TYPES not in chosen:
        chosen.append(ir.TYPES)
    return chosen


def _expect_for(checked: CheckedSpec, name: str) -> Expect | None:
    found = [e for e in checked.expects if e.name == name]
    return found[-1] if found else None


def _met(r: Result, expect: Expect | None) -> bool | None:
    if expect is None or r.verdict == "unknown":
        return None
    if expect.verdict == "holds":
        return r.verdict == "holds"
    if r.verdict != "violated":
        return False
    return expect.length is None or (r.trace is not None and r.trace.length == expect.length)


def _source_text(sources: SourceCache, inv: ir.Invariant) -> str:
    sp = inv.body_span
    if sp is None or not sp.line:
        return ""
    lines = [sources.line(sp.file, n) or "" for n in range(sp.line, sp.end_line + 1)]
    if len(lines) == 1:
        return lines[0][sp.col - 1: sp.end_col - 1]
    lines[0] = lines[0][sp.col - 1:]
    lines[-1] = lines[-1][: sp.end_col - 1]
    return " ".join(x.strip() for x in lines)


def exit_code(runs: Sequence[SpecRun]) -> int:
    outcomes = [o for r in runs for o in r.outcomes]
    if any(o.failed for o in outcomes):
        return 1
    if any(o.result.verdict == "unknown" for o in outcomes):
        return 3
    return 0


def spec_files(paths: Sequence[str]) -> list[str]:
    """Files named, and every *.hp below directories named (sorted)."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(str(f) for f in sorted(path.rglob("*.hp")) if not is_fragment(f))
        else:
            out.append(p)
    return out


def is_fragment(f: Path) -> bool:
    """An include-only file (no `spec` line) is not a spec of its own."""
    try:
        text = f.read_text(encoding="utf-8")
    except OSError:
        return False
    for line in text.splitlines():
        code = line.split("#", 1)[0].strip()
        if code:
            return not code.startswith("spec")
    return True


_is_fragment = is_fragment  # the name it had before
