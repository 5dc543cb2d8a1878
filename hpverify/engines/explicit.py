"""Explicit-state breadth-first search over the IR, like TLC.

- The step and the invariants are evaluate.py's semantics compiled to Python once per model
  (compiled.py); evaluate.py itself stays the oracle (tests/test_compiled.py compares them).
- Every reachable state is expanded once, level by level, so the first violation of an
  invariant is found at its shortest length; the trace is rebuilt from parent pointers.
- Distinct states are counted as TLC counts them: every reachable state, including states
  that violate `types` (which are reported and have no successors).
- States are stored compactly: a type-correct, error-free state is one Python int, each
  scalar cell a bit slice (NOTE(packed-states) in compiled.py); the rare state outside its
  types or with the read error is kept as a tagged tuple. The loop runs generated code on
  the ints: the successors found, deduplicated and queued by one call per state
  (NOTE(explore)), the invariants by another. Symmetry plugs in at one point, a
  canonicaliser of keys (NOTE(canon-hook)).
- The initial states are listed per cell, as TLC lists them (NOTE(fast-init)).
- A state limit (`max_states`), the budget's clock (looked at every few hundred states,
  NOTE(explicit-budget)) or a MemoryError stops the search; the verdict is then unknown,
  with every state up to the last complete BFS level explored (`bound`).
- Exhausting the state space without a violation proves the invariant for all depths, with
  the diameter (the largest shortest distance of a reachable state from init).
- `depth` does not stop the search, but bounds what it reports (NOTE(explicit-bound)): a
  violation longer than `depth`, or a search cut short past `depth`, is "holds up to depth
  `depth`", as bmc would say; a bound and a trace never disagree.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .. import evaluate as ev
from .. import ir
from ..encode import Encoding
from ..result import Result, Trace, Verdict
from ..symmetry import KeySymmetry, concrete_path, symmetry_of
from .bmc import Progress
from .common import Budget
from .compiled import (
    Cells,
    CompiledModel,
    Key,
    Layout,
    build_value,
    cell_offsets,
    compile_inits,
    flatten_value,
    may_err,
    ncells,
    reads,
)

DEFAULT_MAX_STATES = 5_000_000


class StateCodec:
    """Type-correct states <-> ints (each cell's digit at its bits: compiled.Layout,
    NOTE(packed-states)); other states <-> tagged tuples ('err' / 'bad', *cells)."""

    def __init__(self, model: ir.Model) -> None:
        self.model = model
        self.names = [v.name for v in model.vars]
        self.types = [v.type for v in model.vars]
        self.layout = Layout(model)
        # per cell: its values in order; an int cell's as a range, looked up by offset, so
        # that `var x: 0..30000000` costs nothing until its states are stored (NOTE(limits))
        self.scalars: list[Sequence[Any]] = self.layout.values
        self.index: list[dict[tuple[type, Any], int] | None] = [
            None if isinstance(vals, range) else {(type(x), x): i for i, x in enumerate(vals)}
            for vals in self.scalars]

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
        for vals, idx, x, sh in zip(self.scalars, self.index, cells, self.layout.shift,
                                    strict=True):
            if idx is not None:
                d = idx.get((type(x), x))
            else:
                assert isinstance(vals, range)
                d = x - vals.start if type(x) is int and x in vals else None
            if d is None:
                return ("bad", *cells)
            code |= d << sh
        return code

    def cells(self, key: int | tuple[Any, ...]) -> tuple[list[Any], bool]:
        """The flat cells of a key, and its error flag."""
        if isinstance(key, tuple):
            return list(key[1:]), key[0] == "err"
        lay = self.layout
        return [vals[key >> sh & ((1 << w) - 1)] for vals, sh, w
                in zip(self.scalars, lay.shift, lay.width, strict=True)], False

    def decode(self, key: int | tuple[Any, ...]) -> ir.State:
        cells, err = self.cells(key)
        it = iter(cells)
        st: ir.State = {n: self._build(t, it) for n, t in zip(self.names, self.types, strict=True)}
        st[ev.ERR] = err
        return st

    def _build(self, t: ir.Type, it: Any) -> ir.Value:
        if isinstance(t, ir.FunT):
            return tuple(self._build(t.cod, it) for _ in t.dom.values())
        return next(it)


MAX_CELL_VALUES = 1 << 22  # an explicit-state engine lists a cell's values (codec, keys)


def too_wide(model: ir.Model) -> str | None:
    """Why the explicit-state search cannot run on `model` (an int cell with more than
    MAX_CELL_VALUES values: its tables would not fit in memory), or None. NOTE(limits)."""
    for v in model.vars:
        for _, t in ir.slots(v.name, v.type):
            if isinstance(t, ir.IntT) and t.lo is not None and t.hi is not None \
                    and t.hi - t.lo + 1 > MAX_CELL_VALUES:
                return (f"variable {v.name} has a cell with {t.hi - t.lo + 1} values, more than "
                        f"an explicit-state search lists ({MAX_CELL_VALUES})")
    return None


Canon = Callable[[Key], Key]  # a state's representative (symmetry); see NOTE(canon-hook)


def explicit(model: ir.Model, invariants: Sequence[str], depth: int, budget: Budget,
             progress: Progress | None = None, max_states: int = DEFAULT_MAX_STATES,
             stop_when_settled: bool = True, init_brute_limit: int = 1 << 12,
             canon: Canon | None = None) -> list[Result]:
    """`init_brute_limit` is accepted for older callers and not used (NOTE(fast-init)).

    NOTE(canon-hook): `canon`, when given, maps every state key (a packed int or a tagged
    tuple, NOTE(packed-states)) to its representative before the visited-set lookup:
    initial states and each successor. By default (None) it is the model's symmetry
    (NOTE(symmetry-hook)), or the identity when it declares no `symmetric type`; a given
    `canon` is used as it is (its classes are counted, not their states).
    StateCodec.decode (or CompiledModel.cells_of) turns a key back into the IR state;
    traces are built from the keys the search kept, so with a canon they are
    representatives' paths: made concrete by replaying (`_concrete`) for the model's
    symmetry, left as they are for a given `canon`."""
    start = time.perf_counter()
    wide = too_wide(model)
    if wide is not None:
        return [Result(n, Verdict.UNKNOWN, "explicit", -1, time.perf_counter() - start,
                       reason=wide) for n in dict.fromkeys(invariants)]
    codec = StateCodec(model)
    # The hot loop runs compiled code over packed states (compiled.py, NOTE(packed-states));
    # the keys are exactly codec.encode's, so traces decode as before.
    cm = CompiledModel(model)
    # NOTE(symmetry-hook): with `symmetric type`s (and no `canon` given), every state is
    # stored as its orbit's representative: `canon` is symmetry.py's canonicalisation on
    # keys (NOTE(packed-canon)), the one hook of NOTE(canon-hook); the states of the
    # orbits are summed at the end (`orbit` of each stored key), as without symmetry.
    sym = symmetry_of(model) if canon is None else None
    keys = (KeySymmetry(sym, cm.cells_of, cm.key, cm.layout.shift, cm.layout.width)
            if sym is not None else None)
    if keys is not None:
        canon = keys.canon
    expand = _expander(cm, canon)
    explore = cm.explorer(canon)
    state_key = cm.key
    parent: dict[Any, tuple[Any, int] | None] = {}
    fired = bytearray(len(model.instances))
    violations: dict[str, tuple[Any, int]] = {}  # the first violating state, and its level
    violators: dict[str, list[Any]] = {}  # every violating state of that level
    levels: list[list[Any]] = []  # the keys of each BFS level
    pending = list(dict.fromkeys(invariants))
    frontier: list[Any] = []
    stop_reason: str | None = None
    level = 0
    try:
        for n_init, (cells, err) in enumerate(initial_cells(model, budget), 1):
            key = state_key(cells, err)
            if canon is not None:
                key = canon(key)
            if key not in parent:
                parent[key] = None
                frontier.append(key)
            if n_init % CHECK_EVERY == 0 and len(parent) > max_states:
                raise Cut(f"state limit reached: more than {max_states} distinct initial states")
    except Cut as cut:
        return _cut_short(invariants, start, len(parent), str(cut))
    except MemoryError:
        parent.clear()
        frontier.clear()
        return _cut_short(invariants, start, 0, "out of memory while listing the initial states")
    complete = -1  # last BFS level whose states were all expanded
    diameter = 0
    fast = cm.well_typed
    while frontier:
        t_level = time.perf_counter()
        nxt: list[Any] = []
        push = nxt.append
        # In a well-typed model a key is an int exactly when the state is type-correct and
        # error-free (StateCodec): `types` holds there, and the named invariants run on the
        # packed state; the rest goes through _judge. Named invariants hold in error states.
        violated = cm.violated([n for n in pending if n != ir.TYPES])
        levels.append(frontier)
        try:
            for done, key in enumerate(frontier, 1):
                # NOTE(explicit-budget): the clock and the store are looked at every few
                # hundred expansions, not once per level: one level can take minutes.
                if done % CHECK_STATES == 0:
                    stop_reason = _limit_reached(budget, len(parent), max_states, complete)
                    if stop_reason is not None:
                        break
                if fast and type(key) is int:
                    for name in violated(key):  # (a level's violators: all, for canonical)
                        violations.setdefault(name, (key, level))
                        violators.setdefault(name, []).append(key)
                    explore(key, parent, push, fired)  # NOTE(explore): the loop below, fused
                    continue
                typed, bad = _judge(cm, key, pending)
                for name in bad:
                    violations.setdefault(name, (key, level))
                    violators.setdefault(name, []).append(key)
                if not typed:
                    continue
                for i, k2 in expand(key):
                    fired[i] = 1
                    if k2 not in parent:
                        parent[k2] = (key, i)
                        push(k2)
        except MemoryError:
            nxt.clear()
            stop_reason = (f"out of memory after {len(parent)} distinct states "
                           f"(every state up to depth {complete} explored)")
        if stop_reason is not None:
            break
        complete = level
        diameter = level
        pending = [n for n in pending if n not in violations]
        if progress is not None:
            progress("explicit", level, time.perf_counter() - t_level)
        if stop_when_settled and not pending:
            if nxt:
                stop_reason = "settled"
            break
        if nxt:
            stop_reason = _limit_reached(budget, len(parent), max_states, complete)
            if stop_reason is not None:
                break
        frontier = nxt
        if nxt:
            level += 1
    del frontier
    elapsed = time.perf_counter() - start
    orbits = len(parent)
    # each stored key once: the new states only (a representative's orbit size)
    n_states = sum(map(keys.orbit, parent)) if keys is not None else orbits
    exhausted = stop_reason is None
    fired_actions = {inst.action for inst, f in zip(model.instances, fired, strict=True) if f}
    never = [a for a in model.live_actions() if a not in fired_actions]
    extra_common: dict[str, object] = {"decided_by": "explicit", "never_enabled": never,
                                       "coverage_depth": complete}
    if exhausted:
        extra_common["diameter"] = diameter
    in_orbits = ""
    if keys is not None:
        extra_common["orbits"] = orbits
        in_orbits = f" in {orbits} orbits"
    out: list[Result] = []
    # one expander for every invariant's canonical trace; memoised on small state spaces
    expander = Expander(cm, codec, budget, memo=orbits <= BMC_SEARCH_STATES, canon=canon)
    for name in invariants:
        extra = dict(extra_common)
        if name in violations and violations[name][1] <= depth:
            key, lvl = violations[name]
            if keys is None:
                found = _canonical_trace(model, codec, levels[:lvl + 1], violators[name], expander)
            else:
                found = _symmetric_canonical(model, cm, codec, keys.canon, levels[:lvl + 1],
                                             violators[name], expander, budget)
            trace = found or _trace(model, codec, parent, key)
            if keys is not None and found is None:  # a path of representatives: made concrete
                trace = _concrete(model, cm, codec, keys.canon, trace)
            assert trace.length == lvl
            out.append(Result(name, Verdict.VIOLATED, "explicit", depth, elapsed, trace=trace,
                              distinct_states=n_states, extra=extra, off_canonical=found is None))
        elif name in violations or (not exhausted and complete >= depth):
            # NOTE(explicit-bound): a bound and a trace agree, as in bmc: a violation longer
            # than the depth, or a search cut short past it, is "holds up to depth k".
            out.append(Result(name, Verdict.HOLDS, "explicit", depth, elapsed,
                              distinct_states=n_states, extra=extra))
        elif exhausted:
            out.append(Result(name, Verdict.HOLDS, "explicit", None, elapsed,
                              method=f"explicit-state search, {n_states} states{in_orbits}, "
                              f"diameter {diameter}",
                              distinct_states=n_states, extra=extra))
        else:
            assert stop_reason is not None
            out.append(Result(name, Verdict.UNKNOWN, "explicit", complete, elapsed, reason=stop_reason,
                              distinct_states=n_states, extra=extra))
    return out


def _expander(cm: CompiledModel, canon: Canon | None) -> Callable[[Any], list[tuple[int, Any]]]:
    """(instance, successor key) of each enabled instance of a state that _judge found
    type-correct (or of any int key in a well-typed model), canonicalised by `canon`."""
    def expand(key: Any) -> list[tuple[int, Any]]:
        if type(key) is int:
            return cm.expand(key)
        # a tagged tuple that _judge found type-correct: only in an ill-typed model
        return [(i, cm.key(c2, e2)) for i, c2, e2 in cm.successors(key[1:])]

    fn = expand if not cm.well_typed else cm.expand
    if canon is None:
        return fn
    return lambda key: [(i, canon(k2)) for i, k2 in fn(key)]


def _judge(cm: CompiledModel, key: Any, names: Sequence[str]) -> tuple[bool, list[str]]:
    """A state off the fast path (a tagged tuple, or any key in an ill-typed model): is it
    type-correct (so expanded), and which of `names` does it violate?"""
    if type(key) is int:
        cells, is_err = cm.cells_of(key), False
    else:
        cells, is_err = key[1:], key[0] == "err"
    typed = type(key) is int if cm.well_typed else cm.types_ok(cells, is_err)
    bad = [n for n in names
           if not (typed if n == ir.TYPES else is_err or cm.invariants[n](cells))]
    return typed, bad


CHECK_STATES = 256  # expanded states between two looks at the clock and the store

CONE_LIMIT = 2_000_000  # concrete states a symmetric run's canonical trace may visit
BMC_SEARCH_STATES = 50_000  # NOTE(bmc-search): the state cap of bmc's first, explicit try


def bmc_search_first(model: ir.Model, invariants: Sequence[str], depth: int, budget: Budget,
                     progress: Progress | None = None, search_states: int | None = None,
                     **kwargs: Any) -> list[Result]:
    """The `bmc` engine as the command line runs it: `bounded_search` first (up to
    `search_states`, default BMC_SEARCH_STATES; none under a solver resource limit),
    SAT-based BMC (bmc.bmc) when the search hits its state cap or the budget."""
    cap = BMC_SEARCH_STATES if search_states is None else search_states
    # a resource limit (`--rlimit`) is the solver's, and asks for its behaviour: no search
    found = (bounded_search(model, invariants, depth, budget, progress, cap)
             if cap > 0 and budget.rlimit is None else None)
    if found is not None:
        return found
    from .bmc import bmc

    return bmc(model, invariants, depth, budget, progress=progress, **kwargs)


def initial_frontier(model: ir.Model, cm: CompiledModel, budget: Budget,
                     seen: dict[Any, Any], max_states: int) -> list[Any] | None:
    """The distinct initial states' keys, each recorded in `seen` with no parent; None
    past `max_states` of them. Raises Cut when the budget runs out."""
    frontier: list[Any] = []
    for cells, err in initial_cells(model, budget):
        key = cm.key(cells, err)
        if key not in seen:
            seen[key] = None
            frontier.append(key)
            if len(seen) > max_states:
                return None
    return frontier


def bounded_search(model: ir.Model, invariants: Sequence[str], depth: int, budget: Budget,
                   progress: Progress | None = None,
                   max_states: int = BMC_SEARCH_STATES,
                   cm: CompiledModel | None = None) -> list[Result] | None:
    """bmc's results, by breadth-first search to `depth`; None past `max_states` distinct
    states or when the budget runs out. `cm`: the model already compiled, if it is.

    NOTE(bmc-search): on a small state space a breadth-first search answers what BMC asks
    (is a state at depth <= k bad? which actions fire within k steps?) in milliseconds where
    a depth-30 unrolling takes a SAT solver minutes. The answers are bmc's exactly: level k
    holds the states at distance k, so the first level with a bad state is bmc's first bad
    depth; the trace is the canonical one (NOTE(explicit-canonical)); an invariant that
    survives every level holds up to depth k (never "proved": this is bmc); `types` is
    static when no step can leave a type; coverage counts the actions fired from the levels
    that bmc's unrolling steps from (it stops unrolling, as this search stops expanding, once
    every invariant is violated). Only the engine's speed differs, and `solve_seconds` is 0."""
    from ..encode import types_statically_safe
    from .coverage import attach_never_enabled

    start = time.perf_counter()
    if too_wide(model) is not None:
        return None  # SAT BMC handles wide int cells as bit-vectors
    types_safe = types_statically_safe(model)
    pending = [n for n in dict.fromkeys(invariants) if not (n == ir.TYPES and types_safe)]
    codec = StateCodec(model)
    cm = cm or CompiledModel(model)
    expand = _expander(cm, None)
    parent: dict[Any, tuple[Any, int] | None] = {}
    try:
        frontier = initial_frontier(model, cm, budget, parent, max_states)
    except Cut:
        return None
    if frontier is None:
        return None
    levels: list[list[Any]] = []
    expander = Expander(cm, codec, budget, memo=True)
    results: dict[str, Result] = {}
    fired = bytearray(len(model.instances))
    unrolled = 0  # steps of bmc's unrolling: levels expanded
    for k in range(depth + 1):
        t_level = time.perf_counter()
        levels.append(frontier)
        bad: dict[str, list[Any]] = {}
        for key in frontier:
            for name in _judge(cm, key, pending)[1]:
                bad.setdefault(name, []).append(key)
        for name, keys in bad.items():
            trace = (_canonical_trace(model, codec, levels, keys, expander)
                     or _trace(model, codec, parent, keys[0]))
            results[name] = Result(name, Verdict.VIOLATED, "bmc", depth, time.perf_counter() - start,
                                   trace=trace)
        pending = [n for n in pending if n not in bad]
        if progress is not None:
            progress("bmc", k, time.perf_counter() - t_level)
        if not pending or k == depth:
            break
        if not frontier:  # nothing more is reachable: bmc unrolls on, to the same answers
            unrolled = depth
            break
        nxt: list[Any] = []
        for done, key in enumerate(frontier, 1):
            if done % CHECK_STATES == 0:
                left = budget.remaining()
                if left is not None and left <= 0:
                    return None
            if not (type(key) is int if cm.well_typed else _judge(cm, key, ())[0]):
                continue
            for i, k2 in expand(key):
                fired[i] = 1
                if k2 not in parent:
                    parent[k2] = (key, i)
                    nxt.append(k2)
            if len(parent) > max_states:
                return None
        unrolled += 1
        frontier = nxt
    elapsed = time.perf_counter() - start
    for name in pending:
        results[name] = Result(name, Verdict.HOLDS, "bmc", depth, elapsed)
    if ir.TYPES in invariants and types_safe:
        results[ir.TYPES] = Result(ir.TYPES, Verdict.HOLDS, "bmc", depth, elapsed,
                                   extra={"static": "no step can leave a type (interval analysis)"})
    for r in results.values():
        r.extra["solve_seconds"] = 0.0
    fired_actions = {inst.action for inst, f in zip(model.instances, fired, strict=True) if f}
    never = [a for a in model.live_actions() if a not in fired_actions]
    return attach_never_enabled([results[n] for n in invariants], never, unrolled)


def _limit_reached(budget: Budget, n_states: int, max_states: int, complete: int) -> str | None:
    """Why the search must stop now (timeout, state limit), or None."""
    if n_states > max_states:
        return (f"state limit reached: more than {max_states} distinct states "
                f"(every state up to depth {complete} explored)")
    left = budget.remaining()
    if left is not None and left <= 0:
        return f"timeout (every state up to depth {complete} explored)"
    return None


class Cut(Exception):
    """An enumeration stopped by the budget or a limit; str(exc) says why."""


CHECK_EVERY = 4096  # candidates (or states) between two looks at the clock
MAX_CANDIDATES = 1 << 27  # candidate initial states judged at most (past it: unknown)


def _conjuncts(items: Sequence[ir.Expr]) -> list[ir.Expr]:
    """The init items split at `and`s. An `and` is split only when none of its operands can
    read outside a domain: an operand's read error would keep a state that a false sibling
    would otherwise reject (evaluate.init_status judges each top-level item as a whole)."""
    out: list[ir.Expr] = []
    todo = list(reversed(items))
    while todo:
        e = todo.pop()
        if isinstance(e, ir.And) and not any(may_err(a) for a in e.args):
            todo.extend(reversed(e.args))
        else:
            out.append(e)
    return out


def initial_cells(model: ir.Model, budget: Budget | None = None,
                  scan_limit: int | None = None) -> Iterator[tuple[Cells, bool]]:
    """Every initial state as (flat cells, error flag), in evaluate.initial_states's order
    and with its results, without its brute force. Raises Cut when the budget runs out or
    more than `scan_limit` candidates were judged.

    NOTE(fast-init): as TLC does, each scalar cell gets its own domain before any state is
    built: a cell under an init equation with a constant right-hand side (`x = 0`,
    `forall i in I: f[i] = 0` after lowering) gets that one value, even outside its type
    (evaluate.forced_targets); any other cell gets its type's values, filtered by every init
    conjunct that reads that cell alone (`not free[3]`, `pc[c] = idle`, `x < 3`). Only the
    product of these domains is enumerated, and each candidate is judged by the whole init
    predicate (compiled). Equations whose right-hand side reads the state (`y = x + 1`, rare
    after constant folding) are solved per candidate exactly as evaluate.initial_states
    solves them (`_solved_forced`)."""
    base = cell_offsets(model)
    scalars = [t for v in model.vars for _, t in ir.slots(v.name, v.type)]
    # an int cell's values stay a range until they are needed (`var x: 0..10**14` with
    # `init { x = 0 }` lists one value), NOTE(limits)
    domains: list[Sequence[Any]] = [
        range(t.lo, t.hi + 1) if isinstance(t, ir.IntT) and t.lo is not None
        and t.hi is not None else tuple(t.values()) for t in scalars]
    forced = ev.forced_targets(model)
    targets: list[tuple[int, int, ir.Expr]] = []
    for name, path, rhs in forced:
        off, t = base[name]
        for p in path:
            assert isinstance(t, ir.FunT)
            pos = ev._pos(t.dom, p)
            assert pos is not None
            off += pos * ncells(t.cod)
            t = t.cod
        targets.append((off, ncells(t), rhs))
    under = {c for off, n, _ in targets for c in range(off, off + n)}
    dynamic = any(reads(rhs, base) for _, _, rhs in targets)
    if not dynamic:  # every forced cell is a constant; the last equation on a cell wins
        for off, n, rhs in targets:
            vals: list[Any] = []
            flatten_value(ev.value(rhs, {}), rhs.type, vals)
            for c, v in zip(range(off, off + n), vals, strict=True):
                domains[c] = (v,)
    else:  # evaluate.initial_states's start: a whole-forced variable at its first value
        whole = {name for name, path, _ in forced if not path}
        for name in whole:
            off, t = base[name]
            for c in range(off, off + ncells(t)):
                domains[c] = domains[c][:1]
    placeholder = [d[0] if d else None for d in domains]
    unary: list[tuple[int, ir.Expr]] = []
    for conj in _conjuncts(model.init):
        cells = reads(conj, base)
        if len(cells) == 1:
            (c,) = cells
            if c not in under and len(domains[c]) > 1:
                unary.append((c, conj))
    checks = compile_inits(model, [(conj,) for _, conj in unary] + [model.init])
    status = checks.pop()
    for (c, _), ok in zip(unary, checks, strict=True):
        probe = list(placeholder)
        kept = []
        if len(domains[c]) > MAX_CANDIDATES:
            raise Cut(f"a cell with {len(domains[c])} candidate initial values")
        for v in domains[c]:
            probe[c] = v
            if ok(tuple(probe)) is not None:
                kept.append(v)
        domains[c] = tuple(kept)
    solve = _solved_forced(model, forced) if dynamic else None
    seen: set[Cells] = set()
    tick = 0
    if math.prod(len(d) for d in domains) > MAX_CANDIDATES:
        raise Cut(f"more than {MAX_CANDIDATES} candidate initial states")
    for cand in itertools.product(*domains):
        tick += 1
        if budget is not None and tick % CHECK_EVERY == 0:
            _check_time(budget, "while listing the initial states")
        if scan_limit is not None and tick > scan_limit:
            raise Cut(f"more than {scan_limit} candidate initial states")
        if solve is not None:
            cand = solve(cand)
            if cand in seen:  # forced cells overwrite enumerated ones: the same state again
                continue
            seen.add(cand)
        err = status(cand)
        if err is not None:
            yield cand, err


def _solved_forced(model: ir.Model,
                   forced: Sequence[tuple[str, tuple[ir.Value, ...], ir.Expr]]
                   ) -> Callable[[Cells], Cells]:
    """The forced cells computed from their equations, iterated until stable, as
    evaluate.initial_states computes them (so that one equation may use another's result)."""
    names = [v.name for v in model.vars]
    types = [v.type for v in model.vars]

    def solve(cells: Cells) -> Cells:
        it = iter(cells)
        st: ir.State = {n: build_value(t, it) for n, t in zip(names, types, strict=True)}
        for _ in range(len(forced) + 1):
            changed = False
            for name, path, rhs in forced:
                new = ev._set_path(st[name], model.var_type(name), path, ev.value(rhs, st))
                if new != st[name]:
                    st[name], changed = new, True
            if not changed:
                break
        out: list[Any] = []
        for n, t in zip(names, types, strict=True):
            flatten_value(st[n], t, out)
        return tuple(out)

    return solve


def _check_time(budget: Budget, doing: str) -> None:
    left = budget.remaining()
    if left is not None and left <= 0:
        raise Cut(f"timeout {doing}")


def initial_states(model: ir.Model, brute_limit: int = 1 << 12, limit: int | None = None,
                   enc: Encoding | None = None, budget: Budget | None = None,
                   scan_limit: int | None = None) -> list[ir.State]:
    """The initial states (at most `limit`), by `initial_cells` (NOTE(fast-init)), which
    raises Cut past the budget or `scan_limit` candidates. `brute_limit` and `enc` are
    accepted for older callers and not used."""
    cm_names = [v.name for v in model.vars]
    types = [v.type for v in model.vars]
    out: list[ir.State] = []
    for cells, err in initial_cells(model, budget, scan_limit):
        if limit is not None and len(out) >= limit:
            break
        it = iter(cells)
        st: ir.State = {n: build_value(t, it) for n, t in zip(cm_names, types, strict=True)}
        st[ev.ERR] = err
        out.append(st)
    return out


def _cut_short(invariants: Sequence[str], start: float, n_states: int,
               reason: str) -> list[Result]:
    """Every invariant unknown: the search stopped before its first level was complete."""
    return [Result(name, Verdict.UNKNOWN, "explicit", -1, time.perf_counter() - start, reason=reason,
                   distinct_states=n_states, extra={"decided_by": "explicit"})
            for name in invariants]


def _concrete(model: ir.Model, cm: CompiledModel, codec: StateCodec, canon: Canon,
              trace: Trace) -> Trace:
    """A trace through orbit representatives made concrete (symmetry.concrete_path): it
    starts from the same (real) initial state and takes, at each step, a real step into
    the next representative's orbit; it ends in a state of the violating orbit, which
    violates the invariant too (invariants are symmetric). Compared as keys, so the error
    flag is part of the state matched."""
    reps = [cm.key(*cm.flatten(st)) for st in trace.states]
    keys, steps = concrete_path(reps[0], reps, _expander(cm, None), canon)
    return Trace(tuple(codec.decode(k) for k in keys),
                 tuple(model.instances[i] for i in steps))


def _symmetric_canonical(model: ir.Model, cm: CompiledModel, codec: StateCodec, canon: Canon,
                         levels: list[list[Any]], targets: list[Any], reps: Expander,
                         budget: Budget) -> Trace | None:
    """NOTE(symmetric-canonical): the canonical trace (NOTE(explicit-canonical)) of a search
    that stored orbit representatives. The canonical choice is among *concrete* paths, so
    it is made on concrete states, but only on the cone that leads to the violation: back
    from the violating representatives, the representatives at each level with a
    successor in the cone (`reps` expands to representatives); forward from the real
    initial states, the concrete states whose representative is in the cone at their
    level. A concrete state's BFS level is its orbit's, and every concrete state of a cone
    orbit reaches a violation in the remaining steps (steps are equivariant), so the
    shortest concrete paths to a violation are exactly the paths of this cone, and the
    choice is that of the search without symmetry. None when the budget or CONE_LIMIT
    concrete states run out (the caller then makes the representatives' path concrete,
    and engines/canonical.py recomputes the choice by SAT)."""
    last = len(levels) - 1
    cone: list[set[Any]] = [set() for _ in levels]
    cone[last] = set(targets)
    plain = Expander(cm, codec, budget)
    try:
        for d in range(last - 1, -1, -1):
            cone[d] = {k for k in levels[d] if any(k2 in cone[d + 1] for _, k2 in reps(k))}
        conc: list[list[Any]] = [list(dict.fromkeys(
            k for k in (cm.key(cells, err) for cells, err in initial_cells(model, budget))
            if canon(k) in cone[0]))]
        total = len(conc[0])
        for d in range(last):
            nxt: dict[Any, None] = {}
            for k in conc[d]:
                for _, k2 in plain(k):
                    if k2 not in nxt and canon(k2) in cone[d + 1]:
                        nxt[k2] = None
            total += len(nxt)
            if total > CONE_LIMIT:
                return None
            conc.append(list(nxt))
    except Cut:
        return None
    return _canonical_trace(model, codec, conc, conc[last], plain)


class Expander:
    """A state's enabled instances and successor keys, for the canonical-trace search,
    memoised across the invariants of one run when `memo` is set."""

    def __init__(self, cm: CompiledModel, codec: StateCodec, budget: Budget,
                 memo: bool = False, canon: Canon | None = None) -> None:
        self.cm, self.codec, self.budget = cm, codec, budget
        self.expand = _expander(cm, canon)
        self.memo: dict[Any, list[tuple[int, Any]]] | None = {} if memo else None
        self.done = 0

    def __call__(self, key: Any) -> list[tuple[int, Any]]:
        if self.memo is not None and key in self.memo:
            return self.memo[key]
        self.done += 1
        if self.done % CHECK_STATES == 0:
            left = self.budget.remaining()
            if left is not None and left <= 0:
                raise Cut("timeout")
        typed = type(key) is int if self.cm.well_typed else _judge(self.cm, key, ())[0]
        out = self.expand(key) if typed else []
        if self.memo is not None:
            self.memo[key] = out
        return out


def _canonical_trace(model: ir.Model, codec: StateCodec, levels: list[list[Any]],
                     targets: list[Any], expand: Expander) -> Trace | None:
    """NOTE(explicit-canonical): of the shortest paths from a state of levels[0] to one of
    `targets` (in the last level), the one bmc's NOTE(canonical-trace) picks: the fewest
    switches between actors, then the first instances in declaration order, step by step.
    Backward, best[d][s][a] is the fewest switches from s (at level d) to a target by a path
    whose first step is by actor a; forward, each step takes the first instance that keeps
    the optimum. None if the budget runs out (the parent-pointer trace is then used)."""
    last = len(levels) - 1
    actors = [inst.actor_name() for inst in model.instances]

    best: list[dict[Any, dict[str | None, int]]] = [{} for _ in levels]
    best[last] = {k: {} for k in targets}

    def rest(k2: Any, a: str | None, d: int) -> int:
        """Fewest switches from k2 at level d, entered by a step of actor a."""
        if d == last:
            return 0
        return min(v + (a != b) for b, v in best[d][k2].items())

    try:
        for d in range(last - 1, -1, -1):
            for key in levels[d]:
                for i, k2 in expand(key):
                    if k2 in best[d + 1]:
                        c = rest(k2, actors[i], d + 1)
                        mine = best[d].setdefault(key, {})
                        if c < mine.get(actors[i], c + 1):
                            mine[actors[i]] = c
        if last == 0:
            return _trace(model, codec, {targets[0]: None}, targets[0])
        optimum = min(min(v.values()) for v in best[0].values())
        cands: dict[Any, Any] = {k: None for k, v in best[0].items() if min(v.values()) == optimum}
        back: list[dict[Any, Any]] = [cands]
        steps: list[int] = []
        used = 0
        for d in range(last):
            prev = actors[steps[-1]] if steps else None
            options: list[tuple[int, Any, Any, int]] = []
            for key in cands:
                for i, k2 in expand(key):
                    if k2 in best[d + 1]:
                        sw = int(bool(steps) and actors[i] != prev)
                        if used + sw + rest(k2, actors[i], d + 1) == optimum:
                            options.append((i, key, k2, sw))
            if not options:
                return None
            first = min(o[0] for o in options)
            nxt: dict[Any, Any] = {}
            for i, key, k2, sw in options:
                if i == first:
                    nxt.setdefault(k2, key)
                    switched = sw  # the same for every option of that instance
            used += switched
            steps.append(first)
            cands = nxt
            back.append(nxt)
    except Cut:
        return None
    key = next(iter(cands))
    keys = [key]
    for d in range(last, 0, -1):
        key = back[d][key]
        keys.append(key)
    keys.reverse()
    return Trace(tuple(codec.decode(k) for k in keys),
                 tuple(model.instances[i] for i in steps))


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
