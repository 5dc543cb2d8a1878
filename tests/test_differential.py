"""Cross-check the engines on random small specs (tests/specgen.py): bmc, kind, pdr and
explicit must agree on every verdict, bmc and explicit on shortest lengths, and explicit's
state count must equal a deliberately naive enumeration's.

CI runs a fixed budget; HPVERIFY_FUZZ_EXAMPLES=N runs N examples (e.g. 500) on demand.

Budget cuts: every engine (bmc, kind, pdr, explicit, auto) also runs under a random small
timeout, resource limit and state limit; a run cut short may say unknown, but never
contradict the unbounded answer (holds vs violated, and the shortest length). CI runs
50 examples; HPVERIFY_BUDGET_FUZZ_EXAMPLES=N runs N.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst
from specgen import specs

from hpverify import evaluate as ev
from hpverify import ir
from hpverify.check import check
from hpverify.diagnostics import SourceCache
from hpverify.engines import EngineOptions, registry
from hpverify.engines.bmc import bmc
from hpverify.engines.common import Budget
from hpverify.engines.explicit import explicit
from hpverify.engines.kind import kind
from hpverify.engines.pdr import pdr
from hpverify.lower import lower
from hpverify.parse import load_spec
from hpverify.result import Result
from hpverify.trace import replay

EXAMPLES = int(os.environ.get("HPVERIFY_FUZZ_EXAMPLES", "25"))
BUDGET_EXAMPLES = int(os.environ.get("HPVERIFY_BUDGET_FUZZ_EXAMPLES", "50"))
DEPTH = 6


def naive_reachable(model: ir.Model) -> int:
    """Every reachable state by brute force: all typed valuations filtered by init, then
    plain BFS with run_step; a state that breaks `types` counts and is not expanded."""
    def key(st: ir.State) -> tuple:
        return tuple(sorted(st.items()))

    seen: set[tuple] = set()
    todo: list[ir.State] = []
    for st in ev.initial_states(model):
        if key(st) not in seen:
            seen.add(key(st))
            todo.append(st)
    while todo:
        st = todo.pop()
        if not ev.types_ok(model, st):
            continue
        for inst in model.instances:
            res = ev.run_step(model, inst, st)
            if res is not None and key(res.state) not in seen:
                seen.add(key(res.state))
                todo.append(res.state)
    return len(seen)


def _model(text: str, tmp: Path) -> tuple[ir.Model, list[str]]:
    f = tmp / "random.hp"
    f.write_text(text)
    checked = check(load_spec(str(f), SourceCache()), {})
    return lower(checked), [i.name for i in checked.invariants] + [ir.TYPES]


def cross_check(text: str, tmp: Path) -> None:
    model, names = _model(text, tmp)
    budget = Budget()
    # the truth: a depth bound beyond any run here, so that no violation is cut off
    ex = explicit(model, names, 1 << 20, budget, stop_when_settled=False)
    assert ex[0].distinct_states == naive_reachable(model), text
    # kind twice: its inductive proof (independent of any search), and by default, where
    # a state space this small is enumerated (NOTE(enumerated)): explicit's answers
    runs = {"bmc": bmc(model, names, DEPTH, budget),
            "kind": kind(model, names, DEPTH, budget, inductive=True),
            "kind_enumerated": kind(model, names, DEPTH, budget),
            "pdr": pdr(model, names, DEPTH, budget, minimise_seconds=2.0), "explicit": ex}
    for results in runs.values():
        for r in results:
            if r.trace is not None:
                replay(model, r.trace, r.invariant, shortest=r.shortest)
    diameter = ex[0].extra.get("diameter")
    for i, name in enumerate(names):
        truth = ex[i]
        assert truth.verdict in ("holds", "violated"), (text, truth)  # tiny: always exhausted
        b, k, p = runs["bmc"][i], runs["kind"][i], runs["pdr"][i]
        e = runs["kind_enumerated"][i]
        where = f"{name} in\n{text}"
        if e.extra.get("decided_by") == "explicit":  # every reachable state: explicit's count
            assert e.proved and e.distinct_states == truth.distinct_states, where
        if truth.verdict == "violated":
            assert truth.trace is not None
            n = truth.trace.length
            if n <= DEPTH:
                assert b.verdict == "violated" and b.trace.length == n, where
                assert k.verdict == "violated" and k.trace.length == n, where
                assert e.verdict == "violated" and e.trace.length == n, where
            else:
                assert b.verdict == "holds" and b.bound == DEPTH, where
                assert k.verdict != "holds" or k.bound is not None, where
            assert p.verdict == "violated" and p.trace.length == n, where
        else:
            assert truth.bound is None and truth.verdict == "holds", where
            assert b.verdict == "holds", where
            assert k.verdict in ("holds", "unknown"), where
            assert e.verdict == "holds" and e.bound is None, where
            assert p.verdict == "holds" and p.bound is None, where
            if k.verdict == "unknown":
                assert "induction did not close" in (k.reason or ""), where
        assert isinstance(diameter, int)
        if diameter <= DEPTH:  # bmc has seen every reachable state
            assert b.verdict == truth.verdict, where


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(text=specs())
def test_engines_agree_on_random_specs(text: str, tmp_path: Path) -> None:
    cross_check(text, tmp_path)


@pytest.mark.parametrize("text", [
    # out-of-domain read in an invariant, out-of-range write: `types` in one step
    "spec a\ntype R = 0..1\nvar f: R -> bool\nvar n: 0..2\ninit { n = 0; }\n"
    "action up { n' = n + 1 }\ninvariant i0: f[n]\n",
    # nested function, entry updates that collide, requires in branches
    "spec b\nvar g: bool -> bool -> bool\nvar c: {c0, c1}\n"
    "action a(p: bool) by c0 { if p { require c = c0  g'[p][p] = true  g'[p][p] = false }"
    " else { g'[p] = [x in bool: not x]  c' = c1 } }\n"
    "invariant i0: count x in bool: g[x][x]) <= 1\n".replace("count x", "(count x"),
])
def test_engines_agree_on_fixed_specs(text: str, tmp_path: Path) -> None:
    cross_check(text, tmp_path)


# ---- budget cuts ------------------------------------------------------------------------
def assert_no_contradiction(r: Result, truth: Result, where: str) -> None:
    """A result under a budget against the unbounded truth: unknown (with a reason), or
    the same verdict; a violation at the shortest length; a bounded `holds` only below the
    shortest violation."""
    if r.verdict == "unknown":
        assert r.reason, where
        return
    if truth.verdict == "holds":
        assert r.verdict == "holds", where
        return
    assert truth.trace is not None
    n = truth.trace.length
    if r.verdict == "holds":
        assert r.bound is not None and r.bound < n, where
    else:
        assert r.trace is not None and r.trace.length == n, where


class ChecksBudget(Budget):
    """A budget that runs out after a number of solver checks: a deterministic cut that can
    fall between any two checks of an engine (a wall-clock cut mostly falls in the long
    ones)."""

    def __init__(self, checks: int, rlimit: int | None) -> None:
        super().__init__(2.0, rlimit)  # a backstop: the test is about the count
        self.checks_left = checks

    def remaining(self) -> float | None:
        return Budget.remaining(self) if self.checks_left > 0 else 0.0

    def check(self, solver, *assumptions):  # type: ignore[no-untyped-def]
        self.checks_left -= 1
        return super().check(solver, *assumptions)


def _kind_inductive(model: ir.Model, names: Sequence[str],
                    options: EngineOptions) -> list[Result]:
    return registry.kind(model, names, replace(options, inductive=True))


CUT_ENGINES = {"bmc": registry.bmc, "kind": registry.kind, "kind_inductive": _kind_inductive,
               "pdr": registry.pdr, "explicit": registry.explicit, "auto": registry.auto}


# A counter beside the random spec: an invariant violated at exactly `deep` steps, in
# among the random actions (the generated invariants break at 0 steps or never)
DEEP = """
var fuzz_n: 0..8
init {{ fuzz_n = 0 }}
action fuzz_tick {{ require fuzz_n < 8  fuzz_n' = fuzz_n + 1 }}
invariant fuzz_deep: fuzz_n < {deep}
"""


def budget_cut_check(text: str, tmp: Path, engines: Sequence[str], cut: tuple[str, float],
                     rlimit: int | None, max_states: int | None) -> None:
    model, names = _model(text, tmp)
    truth = explicit(model, names, DEPTH, Budget(), stop_when_settled=False, init_brute_limit=0)
    for engine in engines:
        budget = (Budget(cut[1], rlimit) if cut[0] == "seconds"
                  else ChecksBudget(int(cut[1]), rlimit))
        options = EngineOptions(DEPTH, budget, max_states=max_states)
        results = CUT_ENGINES[engine](model, names, options)
        for r, t in zip(results, truth, strict=True):
            assert t.verdict in ("holds", "violated") and r.invariant == t.invariant
            where = (f"{engine} ({cut[0]} {cut[1]}, rlimit {rlimit}, max_states {max_states}): "
                     f"{r.invariant} {r.wording()}, truth {t.wording()} in\n{text}")
            assert_no_contradiction(r, t, where)
            if r.trace is not None:
                replay(model, r.trace, r.invariant, shortest=r.shortest)


@settings(max_examples=BUDGET_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(text=specs(), deep=hst.sampled_from([None, 1, 2, 3, 4, 5]),
       with_auto=hst.integers(0, 3).map(lambda i: i == 0),
       cut=hst.one_of(hst.tuples(hst.just("seconds"), hst.floats(0.0, 0.15)),
                      hst.tuples(hst.just("checks"), hst.integers(0, 16))),
       rlimit=hst.sampled_from([None, None, None, 200, 2_000, 20_000]),
       max_states=hst.sampled_from([None, None, 1, 3, 10, 50]))
def test_budget_cuts_never_contradict(text: str, deep: int | None, with_auto: bool,
                                      cut: tuple[str, float], rlimit: int | None,
                                      max_states: int | None, tmp_path: Path) -> None:
    """bmc, kind (by default and `inductive`), pdr and explicit on every example, auto
    (four processes) on a quarter."""
    if deep is not None:
        text += DEEP.format(deep=deep)
    engines = ["bmc", "kind", "kind_inductive", "pdr", "explicit"] + (["auto"] if with_auto
                                                                       else [])
    budget_cut_check(text, tmp_path, engines, cut, rlimit, max_states)
