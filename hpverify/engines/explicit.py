"""Explicit-state breadth-first search over the IR, like TLC.

- The step and the invariants are evaluate.py's semantics compiled to Python once per model
  (compiled.py); evaluate.py itself stays the oracle (tests/test_compiled.py compares them).
- Every reachable state is expanded once, level by level, so the first violation of an
  invariant is found at its shortest length; the trace is rebuilt from parent pointers.
- Distinct states are counted as TLC counts them: every reachable state, including states
  that violate `types` (which are reported and have no successors).
- States are hashed compactly: a type-correct state is one Python int (mixed radix over its
  scalar cells); the rare state outside its types is kept as a tuple.
- A state limit (`max_states`) stops the search; the verdict is then unknown, with every
  state up to the last complete BFS level explored (`bound`).
- Exhausting the state space without a violation proves the invariant for all depths, with
  the diameter (the largest shortest distance of a reachable state from init).

`depth` is not a limit here: the search always runs to exhaustion (or the state limit).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from .. import evaluate as ev
from .. import ir
from ..encode import Encoding
from ..result import Result, Trace
from .bmc import Progress
from .common import Budget
from .compiled import Cells, CompiledModel

DEFAULT_MAX_STATES = 5_000_000


class StateCodec:
    """Type-correct states <-> ints (mixed radix over the scalar cells, err = False)."""

    def __init__(self, model: ir.Model) -> None:
        self.model = model
        self.names = [v.name for v in model.vars]
        self.types = [v.type for v in model.vars]
        self.scalars: list[tuple[Any, ...]] = []  # per cell: its values in order
        for v in model.vars:
            for _, t in ir.slots(v.name, v.type):
                self.scalars.append(tuple(t.values()))
        self.index = [{(type(x), x): i for i, x in enumerate(vals)} for vals in self.scalars]

    def _flat(self, v: ir.Value, t: ir.Type, out: list[ir.Value]) -> None:
        if isinstance(t, ir.FunT):
            assert isinstance(v, tuple)
            for x in v:
                self._flat(x, t.cod, out)
        else:
            out.append(v)

    def encode(self, st: ir.State) -> int | tuple[Any, ...]:
        cells: list[ir.Value] = []
        for name, t in zip(self.names, self.types, strict=True):
            self._flat(st[name], t, cells)
        if st.get(ev.ERR, False):
            return ("err", *cells)
        code = 0
        for vals, idx, x in zip(self.scalars, self.index, cells, strict=True):
            d = idx.get((type(x), x))
            if d is None:
                return ("bad", *cells)
            code = code * len(vals) + d
        return code

    def decode(self, key: int | tuple[Any, ...]) -> ir.State:
        if isinstance(key, tuple):
            cells = list(key[1:])
            err = key[0] == "err"
        else:
            cells = []
            for vals in reversed(self.scalars):
                key, d = divmod(key, len(vals))
                cells.append(vals[d])
            cells.reverse()
            err = False
        it = iter(cells)
        st: ir.State = {n: self._build(t, it) for n, t in zip(self.names, self.types, strict=True)}
        st[ev.ERR] = err
        return st

    def _build(self, t: ir.Type, it: Any) -> ir.Value:
        if isinstance(t, ir.FunT):
            return tuple(self._build(t.cod, it) for _ in t.dom.values())
        return next(it)


def explicit(model: ir.Model, invariants: Sequence[str], depth: int, budget: Budget,
             progress: Progress | None = None, max_states: int = DEFAULT_MAX_STATES,
             stop_when_settled: bool = True, init_brute_limit: int = 1 << 12) -> list[Result]:
    start = time.perf_counter()
    codec = StateCodec(model)
    # The hot loop runs compiled code over flat cell tuples (compiled.py); its keys are
    # exactly codec.encode's, so traces decode as before.
    cm = CompiledModel(model)
    successors, state_key, well_typed = cm.successors, cm.key, cm.well_typed
    parent: dict[Any, tuple[Any, int] | None] = {}
    fired = bytearray(len(model.instances))
    violations: dict[str, tuple[Any, int]] = {}
    pending = list(dict.fromkeys(invariants))
    frontier: list[tuple[Any, Cells]] = []
    stop_reason: str | None = None
    level = 0
    for st in initial_states(model, init_brute_limit):
        key = codec.encode(st)
        if key not in parent:
            parent[key] = None
            frontier.append((key, cm.flatten(st)[0]))
    complete = -1  # last BFS level whose states were all expanded
    diameter = 0
    while frontier:
        t_level = time.perf_counter()
        nxt: list[tuple[Any, Cells]] = []
        # In a well-typed model a key is an int exactly when the state is type-correct and
        # error-free (StateCodec): `types` is judged by the key alone. Named invariants hold
        # in error states (evaluate.invariant_ok).
        checks = [(n, None if n == ir.TYPES else cm.invariants[n]) for n in pending]
        for key, cells in frontier:
            is_err = type(key) is tuple and key[0] == "err"
            typed = type(key) is int if well_typed else cm.types_ok(cells, is_err)
            for name, inv in checks:
                if name in violations:
                    continue
                ok = typed if inv is None else is_err or inv(cells)
                if not ok:
                    violations[name] = (key, level)
            if not typed:
                continue
            for i, c2, err in successors(cells):
                fired[i] = 1
                k2 = state_key(c2, err)
                if k2 not in parent:
                    parent[k2] = (key, i)
                    nxt.append((k2, c2))
        complete = level
        diameter = level
        pending = [n for n in pending if n not in violations]
        if progress is not None:
            progress("explicit", level, time.perf_counter() - t_level)
        if stop_when_settled and not pending:
            if nxt:
                stop_reason = "settled"
            break
        if len(parent) > max_states:
            stop_reason = (f"state limit reached: more than {max_states} distinct states "
                           f"(every state up to depth {complete} explored)")
            break
        left = budget.remaining()
        if left is not None and left <= 0 and nxt:
            stop_reason = f"timeout (every state up to depth {complete} explored)"
            break
        frontier = nxt
        if nxt:
            level += 1
    elapsed = time.perf_counter() - start
    n_states = len(parent)
    exhausted = stop_reason is None
    fired_actions = {inst.action for inst, f in zip(model.instances, fired, strict=True) if f}
    never = [a for a in model.live_actions() if a not in fired_actions]
    extra_common: dict[str, object] = {"decided_by": "explicit", "never_enabled": never,
                                       "coverage_depth": complete}
    if exhausted:
        extra_common["diameter"] = diameter
    out: list[Result] = []
    for name in invariants:
        if name in violations:
            key, lvl = violations[name]
            trace = _trace(model, codec, parent, key)
            assert trace.length == lvl
            out.append(Result(name, "violated", "explicit", depth, elapsed, trace=trace,
                              distinct_states=n_states, extra=dict(extra_common)))
        elif exhausted:
            out.append(Result(name, "holds", "explicit", None, elapsed,
                              method=f"explicit-state search, {n_states} states, "
                              f"diameter {diameter}",
                              distinct_states=n_states, extra=dict(extra_common)))
        else:
            assert stop_reason is not None
            out.append(Result(name, "unknown", "explicit", complete, elapsed, reason=stop_reason,
                              distinct_states=n_states, extra=dict(extra_common)))
    return out


def _space(model: ir.Model) -> int:
    n = 1
    for v in model.vars:
        for _, t in ir.slots(v.name, v.type):
            n *= len(t.values())
    return n


def initial_states(model: ir.Model, brute_limit: int = 1 << 12, limit: int | None = None,
                   enc: Encoding | None = None) -> list[ir.State]:
    """The initial states (at most `limit`). Small state spaces are enumerated with the
    evaluator alone; larger ones by all-solutions SAT on the encoding's init, each answer
    confirmed by the evaluator."""
    if _space(model) <= brute_limit:
        return list(ev.initial_states(model, limit))
    import z3

    enc = enc or Encoding(model)
    solver = z3.SolverFor("QF_BV")
    s0 = enc.fresh_state("i0")
    solver.add(enc.init(s0))
    leaves = s0.leaves()
    out: list[ir.State] = []
    while (limit is None or len(out) < limit) and solver.check() == z3.sat:
        m = solver.model()
        st = enc.decode_state(m, s0)
        status = ev.init_status(model, {k: v for k, v in st.items() if k != ev.ERR})
        if status is None or status != st[ev.ERR]:
            raise AssertionError(f"encoding and evaluator disagree on an initial state: {st}")
        out.append(st)
        solver.add(z3.Or([x != m.eval(x, model_completion=True) for x in leaves]))
    return out


def _trace(model: ir.Model, codec: StateCodec, parent: dict[Any, tuple[Any, int] | None],
           key: Any) -> Trace:
    states: list[ir.State] = []
    steps: list[ir.Instance] = []
    cur: Any = key
    while True:
        states.append(codec.decode(cur))
        link = parent[cur]
        if link is None:
            break
        cur, i = link
        steps.append(model.instances[i])
    states.reverse()
    steps.reverse()
    return Trace(tuple(states), tuple(steps))


def reachable_count(model: ir.Model, max_states: int = DEFAULT_MAX_STATES) -> tuple[int, int]:
    """(distinct reachable states, diameter), exploring everything."""
    res = explicit(model, [ir.TYPES], 0, Budget(), max_states=max_states,
                   stop_when_settled=False)
    r = res[0]
    assert r.distinct_states is not None
    return r.distinct_states, int(r.extra.get("diameter", -1))  # type: ignore[call-overload]
