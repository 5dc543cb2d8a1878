"""Bounded model checking: depth 0, 1, ..., k on ONE incremental solver.

Each depth adds one step to the unrolling and asks, per unsettled invariant, whether a
state at exactly that depth breaks it (an assumption literal selects the invariant), so the
first violation found is a shortest one. After depth d is clean for an invariant, the
invariant is asserted at d as a lemma: sound, since every reachable state at depth d
satisfies it, and it prunes the search at larger depths. BMC never claims a proof.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import z3

from .. import ir
from ..encode import Encoding, SymState
from ..result import Result, Trace, Verdict
from .common import Answer, Budget, solver_for

Progress = Callable[[str, int, float], None]


def bmc(model: ir.Model, invariants: Sequence[str], depth: int, budget: Budget,
        enc: Encoding | None = None, progress: Progress | None = None,
        coverage: bool = True) -> list[Result]:
    start = time.perf_counter()
    enc = enc or Encoding(model)
    solver = solver_for(budget)
    states: list[SymState] = [enc.fresh_state("0")]
    sels: list[z3.ExprRef] = []
    solver.add(enc.init(states[0]))
    # NOTE(static-types): when no step can break `types`, the solver need not look for it
    pending = [n for n in invariants if not (n == ir.TYPES and enc.types_safe)]
    results: dict[str, Result] = {}
    solve = [0.0]  # seconds inside solver.check(): what benchmarks/ compares

    def check(*assumptions: z3.ExprRef) -> Answer:
        t_check = time.perf_counter()
        a = budget.check(solver, *assumptions)
        solve[0] += time.perf_counter() - t_check
        return a

    for k in range(depth + 1):
        t_depth = time.perf_counter()
        holding: list[str] = []
        for name in pending:
            bad = z3.Bool(f"bad:{name}@{k}")
            solver.add(z3.Implies(bad, z3.Not(enc.invariant_ok(name, states[k]))))
            a = check(bad)
            if a.sat:
                model_ = canonical_model(solver, check, bad, sels[:k], enc)
                trace = decode_trace(enc, model_, states[: k + 1], sels[:k])
                results[name] = Result(name, Verdict.VIOLATED, "bmc", depth,
                                       time.perf_counter() - start, trace=trace)
            elif a.unsat:
                holding.append(name)
            else:  # NOTE(budget): cut short, never "holds"
                results[name] = _unknown(name, k - 1, start, a.reason or "solver gave up")
        for name in holding:
            solver.add(enc.invariant_ok(name, states[k]))
        pending = holding
        if progress is not None:
            progress("bmc", k, time.perf_counter() - t_depth)
        if not pending:
            break
        if k < depth:
            nxt = enc.fresh_state(str(k + 1))
            sel = enc.fresh_selector(str(k))
            solver.add(*enc.step(states[k], sel, nxt))
            states.append(nxt)
            sels.append(sel)
    elapsed = time.perf_counter() - start
    for name in pending:
        results[name] = Result(name, Verdict.HOLDS, "bmc", depth, elapsed)
    if ir.TYPES in invariants and enc.types_safe:
        results[ir.TYPES] = Result(ir.TYPES, Verdict.HOLDS, "bmc", depth, elapsed,
                                   extra={"static": "no step can leave a type (interval analysis)"})
    for r in results.values():
        r.extra["solve_seconds"] = round(solve[0], 4)
    out = [results[n] for n in invariants]
    if coverage:  # vacuity: actions that never fire within the bound
        from .coverage import attach_never_enabled

        out = attach_never_enabled(out, never_fired(solver, enc, sels, budget), len(sels))
    return out


def never_fired(solver: z3.Solver, enc: Encoding, sels: Sequence[z3.ExprRef],
                budget: Budget) -> list[str] | None:
    """Declared actions no instance of which fires at any step of the unrolling (so none is
    enabled in a reachable state within the bound). Reuses the BMC solver and its lemmas:
    one satisfiable query per action that fires, one refutation at the end. None if the
    solver gave up."""
    by_action: dict[str, list[int]] = {}
    for i, inst in enumerate(enc.model.instances):
        by_action.setdefault(inst.action, []).append(i)
    unseen = [a for a in enc.model.actions if a in by_action]
    while unseen and sels:
        goal = z3.Bool(f"fires:{len(unseen)}")
        solver.add(z3.Implies(goal, z3.Or([sel == i for sel in sels for a in unseen
                                           for i in by_action[a]])))
        a = budget.check(solver, goal)
        if a.unknown:
            return None
        if a.unsat:
            break
        m = solver.model()
        fired = {enc.model.instances[k].action for k in (enc.decode_selector(m, s) for s in sels)
                 if k != enc.stutter_index}
        unseen = [a for a in unseen if a not in fired]
    return [a for a in enc.model.actions if a in unseen]


def _unknown(name: str, bound: int, start: float, reason: str) -> Result:
    return Result(name, Verdict.UNKNOWN, "bmc", max(bound, -1), time.perf_counter() - start,
                  reason=reason)


def canonical_model(solver: z3.Solver, check: Callable[..., Answer],
                    bad: z3.ExprRef, sels: Sequence[z3.ExprRef], enc: Encoding) -> z3.ModelRef:
    """NOTE(canonical-trace): of all shortest counterexamples, first those with the fewest
    switches between actors (each CPU runs as long as it can, as in the interleavings of a
    race report), then the one whose actions come first in declaration order, step by step
    (a binary search per step). The solver would otherwise pick any of them, and which one
    can change with unrelated edits; fixing the choice keeps traces stable and readable.

    NOTE(budget): a check that does not finish counts as "no smaller choice": the model
    kept is the last satisfying one, a violation of the same (shortest) length, so an
    expired budget loses only the canonical choice, never the trace."""
    m = solver.model()
    solver.push()
    try:
        switches = _actor_switches(enc, sels)
        if switches:
            hi = sum(z3.is_true(m.eval(s, model_completion=True)) for s in switches)
            lo = 0
            while lo < hi:
                mid = (lo + hi) // 2
                if check(bad, z3.AtMost(*switches, mid)).sat:
                    m = solver.model()
                    hi = sum(z3.is_true(m.eval(s, model_completion=True)) for s in switches)
                else:
                    lo = mid + 1
            solver.add(z3.AtMost(*switches, hi))
        for sel in sels:  # invariant: m satisfies every choice fixed so far
            hi = m.eval(sel, model_completion=True).as_long()
            lo = 0
            while lo < hi:
                mid = (lo + hi) // 2
                if check(bad, z3.ULE(sel, mid)).sat:
                    m = solver.model()
                    hi = m.eval(sel, model_completion=True).as_long()
                else:
                    lo = mid + 1
            solver.add(sel == hi)
        return m
    finally:
        solver.pop()


def _actor_switches(enc: Encoding, sels: Sequence[z3.ExprRef]) -> list[z3.BoolRef]:
    """One Bool per adjacent pair of steps: true when the two steps have different actors."""
    names = [inst.actor_name() for inst in enc.model.instances]
    ids = {n: i for i, n in enumerate(dict.fromkeys(names))}
    if len(ids) < 2 or len(sels) < 2:
        return []
    width = max(1, len(ids).bit_length())
    stutter = z3.BitVecVal(len(ids), width)  # a stutter step is its own "actor"

    def actor_of(sel: z3.ExprRef) -> z3.ExprRef:
        out: z3.ExprRef = stutter
        for i in range(len(names) - 1, -1, -1):
            out = z3.If(sel == i, z3.BitVecVal(ids[names[i]], width), out)
        return out

    actors = [actor_of(s) for s in sels]
    return [a != b for a, b in zip(actors, actors[1:], strict=False)]


def decode_trace(enc: Encoding, m: z3.ModelRef, states: Sequence[SymState],
                 sels: Sequence[z3.ExprRef]) -> Trace:
    """The concrete trace, without stutter steps (NOTE(stutter): a shortest trace has none;
    replay checks the rest)."""
    concrete = [enc.decode_state(m, states[0])]
    steps: list[ir.Instance] = []
    for sel, st in zip(sels, states[1:], strict=True):
        i = enc.decode_selector(m, sel)
        if i == enc.stutter_index:
            continue
        steps.append(enc.model.instances[i])
        concrete.append(enc.decode_state(m, st))
    return Trace(tuple(concrete), tuple(steps))
