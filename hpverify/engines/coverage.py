"""Coverage and vacuity: which declared actions never fire within the bound.

An invariant that holds because the interesting actions can never fire is a vacuous
success; engines report `extra["never_enabled"]` (leaving out actions that the constants
disable outright, such as another VARIANT's: lowering drops all their instances) (declared action names, in declaration
order, no instance of which is enabled in any reachable state of depth <= `coverage_depth`)
so the front end can warn:

    warning: action NAME is never enabled (checked to depth D): invariants may hold vacuously

The explicit-state engine knows this exactly (every reachable state is expanded); the
symbolic engines ask BMC on an unrolling, one depth at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import z3

from ..encode import Encoding, SymState
from ..result import Result
from .common import Budget, solver_for


def never_enabled_bmc(enc: Encoding, depth: int, budget: Budget,
                      seen: frozenset[str] = frozenset()) -> list[str] | None:
    """Actions none of whose instances fires as step 1..depth+1 of any trace (i.e. enabled in
    no reachable, type-correct state of depth <= depth). None if the solver gave up. Actions
    in `seen` are known to fire (in a concrete run) and are not searched for."""
    model = enc.model
    by_action: dict[str, list[int]] = {}
    for i, inst in enumerate(model.instances):
        by_action.setdefault(inst.action, []).append(i)
    unseen = [a for a in model.actions if a in by_action and a not in seen]
    never: list[str] = []  # actions with no instance are disabled by the constants: not reported
    if not unseen:
        return never
    solver = solver_for(budget)
    s: SymState = enc.fresh_state("c0")
    solver.add(enc.init(s))
    for j in range(depth + 1):
        nxt = enc.fresh_state(f"c{j + 1}")
        sel = enc.fresh_selector(f"c{j}")
        solver.add(*enc.step(s, sel, nxt))
        while unseen:
            goal = z3.Or([_fires(sel, by_action[a]) for a in unseen])
            a = budget.check(solver, goal)
            if a.unknown:
                return None
            if a.unsat:
                break
            hit = enc.model.instances[enc.decode_selector(solver.model(), sel)].action
            unseen = [a for a in unseen if a != hit]
        s = nxt
        if not unseen:
            break
    keep = set(unseen) | set(never)
    return [a for a in model.actions if a in keep]


def never_enabled_under(enc: Encoding, invariant: Callable[[SymState], Any],
                        actions: Sequence[str], budget: Budget) -> list[str]:
    """The actions (of `actions`) enabled in no type-correct state satisfying `invariant`.
    With an invariant that holds in every reachable state (k-induction's re-checked
    auxiliary invariants), that is "never enabled, at any depth", from one query each."""
    idxs: dict[str, list[int]] = {}
    for i, inst in enumerate(enc.model.instances):
        idxs.setdefault(inst.action, []).append(i)
    solver = solver_for(budget)
    s, t = enc.fresh_state("cov0"), enc.fresh_state("cov1")
    sel = enc.fresh_selector("cov")
    solver.add(enc.wellformed(s), invariant(s), *enc.step(s, sel, t))
    dead: list[str] = []
    for a in actions:
        if a not in idxs:
            continue
        if budget.check(solver, _fires(sel, idxs[a])).unsat:  # unknown: not shown dead
            dead.append(a)
    return dead


def _fires(sel: Any, idxs: Sequence[int]) -> Any:
    return z3.Or([sel == i for i in idxs])


def attach_never_enabled(results: Sequence[Result], never: list[str] | None,
                         depth: int | None) -> list[Result]:
    """depth None: the list holds for every depth (no "checked to depth" qualifier)."""
    if never is None:
        return list(results)
    return [replace(r, extra={**r.extra, "never_enabled": list(never), "coverage_depth": depth})
            for r in results]
