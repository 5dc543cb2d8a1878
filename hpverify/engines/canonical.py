"""One canonical shortest trace per violated invariant, whichever engine found it.

NOTE(canonical-trace) in bmc.py fixes the choice among all shortest counterexamples: the
fewest switches between actors, then the instances that come first in declaration order,
step by step. This module makes every engine's trace that one, so that `--engine auto`
prints the same text whichever member wins, and every engine prints the same trace:

1. The instance sequence. bmc's is canonical by construction and explicit's too (its own
   search over the shortest paths, explicit.py's NOTE(explicit-canonical)). Any other
   engine's (kind's base case, pdr's) is recomputed here by the same minimisation on a
   fresh BMC unrolling of exactly the trace's length (`sat_canonical`).
2. The initial state. Several initial states can start the same instance sequence; the
   solver (or the search) picks any of them. `Canonicaliser.start` takes the first, in the
   order of the explicit engine's listing (NOTE(fast-init)), from which the sequence
   replays to a violation; the states that follow are the evaluator's.

Both draw on the run's budget. When it runs out, the engine's own (replayed) trace stays:
still a shortest one, just not the canonical one.
"""

from __future__ import annotations

from dataclasses import replace

import z3

from .. import evaluate as ev
from .. import ir
from ..encode import Encoding
from ..result import Result, Trace
from .bmc import canonical_model, decode_trace
from .common import Answer, Budget, solver_for

CANONICAL_ENGINES = ("bmc", "explicit")  # their instance sequences are canonical already
START_LIMIT = 100_000  # initial states tried by Canonicaliser.start before it gives up
SCAN_LIMIT = 2_000_000  # ... and candidates judged while listing them


class Canonicaliser:
    """Canonical traces for one model's results; the encoding and the list of initial
    states are built once, when first needed."""

    def __init__(self, model: ir.Model, budget: Budget) -> None:
        self.model, self.budget = model, budget
        self._enc: Encoding | None = None
        self._starts: list[ir.State] | None = None

    def result(self, r: Result) -> Result:
        """r with the canonical trace (r itself if it has none or the budget runs out)."""
        if r.verdict != "violated" or r.trace is None or not r.shortest:
            return r
        trace = r.trace
        engine = r.engine.removeprefix("auto/")
        if r.extra.get("decided_by") in CANONICAL_ENGINES:
            engine = str(r.extra["decided_by"])  # kind's base case by bmc's search (NOTE(base-search))
        if engine not in CANONICAL_ENGINES or r.off_canonical:
            if self._enc is None:
                self._enc = Encoding(self.model)
            found = sat_canonical(self._enc, r.invariant, trace.length, self.budget)
            if found is None:
                return r
            trace = found
        trace = self.start(trace, r.invariant) or trace
        return r if trace == r.trace else replace(r, trace=trace)

    def start(self, trace: Trace, invariant: str) -> Trace | None:
        """The trace's instance sequence from the first initial state (in listing order)
        from which it replays to a violation of the invariant; None if there is none within
        the budget and START_LIMIT."""
        from .explicit import Cut, initial_states  # explicit imports this module

        if self._starts is None:
            try:
                self._starts = initial_states(self.model, limit=START_LIMIT, budget=self.budget,
                                              scan_limit=SCAN_LIMIT)
            except Cut:
                self._starts = []
        if len(self._starts) == 1:  # the one start: the trace's own (replayed already)
            return trace
        for n, st in enumerate(self._starts):
            left = self.budget.remaining() if n % 256 == 255 else None
            if left is not None and left <= 0:
                return None
            states = _replay(self.model, trace.steps, st, invariant)
            if states is not None:
                return Trace(tuple(states), trace.steps)
        return None


def sat_canonical(enc: Encoding, invariant: str, length: int, budget: Budget) -> Trace | None:
    """The canonical trace of exactly `length` steps that breaks the invariant (length must
    be the shortest), or None if the budget ran out or the solver gave up."""
    left = budget.remaining()
    if left is not None and left <= 0:
        return None
    solver = solver_for(budget)
    states = [enc.fresh_state("c0")]
    sels: list[z3.ExprRef] = []
    solver.add(enc.init(states[0]))
    for k in range(length):
        nxt = enc.fresh_state(f"c{k + 1}")
        sel = enc.fresh_selector(f"c{k}")
        solver.add(*enc.step(states[k], sel, nxt))
        states.append(nxt)
        sels.append(sel)
    bad = z3.Bool(f"canonical:{invariant}")
    solver.add(z3.Implies(bad, z3.Not(enc.invariant_ok(invariant, states[-1]))))

    def check(*assumptions: z3.ExprRef) -> Answer:
        return budget.check(solver, *assumptions)  # NOTE(budget): unknown, never an exception

    if not check(bad).sat:  # cut short: the engine's trace stays
        return None
    m = canonical_model(solver, check, bad, sels, enc)
    # a cancelled query inside the minimisation leaves a model that is not the minimum
    left = budget.remaining()
    if left is not None and left <= 0:
        return None
    return decode_trace(enc, m, states, sels)


def _replay(model: ir.Model, steps: tuple[ir.Instance, ...], st: ir.State,
            invariant: str) -> list[ir.State] | None:
    states = [st]
    for inst in steps:
        if not ev.types_ok(model, st) or not ev.invariant_ok(model, invariant, st):
            return None
        res = ev.run_step(model, inst, st)
        if res is None:
            return None
        st = res.state
        states.append(st)
    if ev.invariant_ok(model, invariant, st):
        return None
    return states
