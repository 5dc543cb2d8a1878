"""Auxiliary invariants for k-induction learned from the complete reachable state space.

NOTE(reach-lemmas): when breadth-first search reaches a fixpoint (the frontier empties)
within `REACH_STATES` states and the budget, the set R of reachable states is known
exactly, and k-induction can be strengthened with lemmas learned from R:

1. CANDIDATES: each of Houdini's atoms (engines/houdini.py) or its negation when it is
   constant over R, and the named invariants that hold in R (NOTE(unary-candidates) in
   `learn`: Houdini's two-literal clauses, also all true in R, cost more than they
   spare). Each holds in every reachable state, so none is dropped: Houdini drops a
   candidate that a counterexample to induction breaks; here the counterexample is the
   thing to remove.
2. BLOCKING: the solver looks for s -> t where s satisfies every lemma and t breaks one.
   Then s is unreachable (were s in R, t would be in R and satisfy every lemma). Of s's
   cube (every leaf cell = its value), the smallest subcubes that no state of R matches
   (`CubeIndex.smallest`; a greedy drop when none is small) become lemmas `not cube`,
   with their images under permutations of an index domain that no state of R matches
   either (NOTE(variants)); each holds in R and the first excludes s. A cube matches R
   exactly when the AND of its literals' bitsets over R (one Python int per cell and
   value) is nonzero.
3. The loop ends when no such s exists (the lemmas are inductive) or at a cap on rounds or
   time (then nothing is learned, and kind goes on as without R: never a guess).

The verdict never rests on the search: kind re-checks the lemmas with fresh solvers (init
=> L, wellformed and L and step => L', kind.py `certified`) before anything relies on them.
Were R wrong (a state missing), a candidate or a blocking clause would be false in some
reachable state, and no inductive set containing it would pass that check: the certificate
refuses it, or the loop runs into a CTI state that R claims unreachable but cannot exclude
(an R state matches its full cube), and gives up.

Not under a solver resource limit (`--rlimit` asks for the solver's behaviour, as
NOTE(base-search) in kind.py), and without symmetry reduction: R is every concrete state.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from .. import ir
from ..encode import Encoding, SymState
from .common import Budget, solver_for
from .compiled import (
    CompiledModel,
    _compile,
    _Gen,
    _Pool,
    _Unsupported,
    build_value,
    compiled_model,
    flatten_value,
)
from .explicit import Cut, _expander, _judge, initial_frontier, too_wide
from .houdini import (
    Atom,
    AtomValues,
    Lemmas,
    Lit,
    _abstract,
    _junction,
    atoms_of,
    candidates,
)

REACH_STATES = 50_000  # the largest reachable state space enumerated for lemmas
SMALL_SIZE = 4  # the longest subcube `CubeIndex.smallest` looks for
SMALL_LIMIT = 12  # subcubes blocked per counterexample at most (NOTE(small-limit))
RARE = 20  # subcubes of 4 literals and more: only from the 20 rarest values of the cube
MAX_ROUNDS = 2_000  # solver rounds at most before giving up
# NOTE(small-limit): more clauses per counterexample means fewer solver rounds but heavier
# checks. soft_offline sweep NPAGES 1..4 x NFAULT 1..3, engine seconds, two runs each on the
# 2-core machine: patched 6 -> 11.2/11.2, 9 -> 10.3/10.3, 12 -> 9.5/9.8 (9.3/9.5 in a second
# set), 16 -> 11.7/13.1, 24 -> 11.1/11.6; unpatched 9 -> 7.6/7.4, 12 -> 7.2/7.6, 16 -> 7.2/7.6.
# Only the cost moves: every lemma is still true in R and certified.
SECONDS = 30.0  # the share of the budget the learning may take at most
CHECK_STATES = 256  # expanded states between two looks at the clock


@dataclass(frozen=True, slots=True)
class Reachable:
    """Every reachable state, each as its flat cells (model order, ir.slots order) and
    its error flag; the actions that fire in some state."""

    keys: tuple[Any, ...]  # the explicit engine's keys (compiled.py, NOTE(packed-states))
    cells: tuple[tuple[Any, ...], ...]
    errs: tuple[bool, ...]
    fired: frozenset[str]
    compiled: CompiledModel | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Overflow:
    """The search stopped at its state cap: more than the cap of states lie within `level`
    steps of the initial states."""

    level: int


def reachable(model: ir.Model, budget: Budget, max_states: int | None = None
              ) -> Reachable | Overflow | None:
    """R by breadth-first search to its fixpoint; Overflow past `max_states` distinct
    states; None when the budget runs out or the model is too wide for an explicit search."""
    if too_wide(model) is not None:
        return None
    max_states = REACH_STATES if max_states is None else max_states
    cm = compiled_model(model)  # shared with Houdini (NOTE(shared-compile))
    seen: dict[Any, Any] = {}  # key -> (parent, instance) or None: explore's format
    try:
        frontier = initial_frontier(model, cm, budget, seen, max_states)
    except Cut:
        return None
    if frontier is None:
        return Overflow(0)
    fired = bytearray(len(model.instances))
    done = 0
    level = 0  # the frontier's distance from the initial states
    fast = cm.well_typed  # an int key is a type-correct, error-free state (compiled.py)
    explore, expand = cm.explorer(None), _expander(cm, None)
    while frontier:
        nxt: list[Any] = []
        push = nxt.append
        for key in frontier:
            done += 1
            if done % CHECK_STATES == 0 and budget.expired():
                return None
            if fast and type(key) is int:
                explore(key, seen, push, fired)  # NOTE(explore) in compiled.py
            elif _judge(cm, key, ())[0]:  # a state outside `types` has no successor
                for i, k2 in expand(key):  # as explicit.py's loop off the fast path
                    fired[i] = 1
                    if k2 not in seen:
                        seen[k2] = None
                        push(k2)
            if len(seen) > max_states:
                return Overflow(level + 1)  # every state seen is within level + 1 steps
        frontier = nxt
        level += 1
    cells_out: list[tuple[Any, ...]] = []
    errs: list[bool] = []
    for key in seen:
        if type(key) is int:
            cells_out.append(tuple(cm.cells_of(key)))
            errs.append(False)
        else:
            cells_out.append(tuple(key[1:]))
            errs.append(key[0] == "err")
    return Reachable(tuple(seen), tuple(cells_out), tuple(errs),
                     frozenset(inst.action for inst, f in zip(model.instances, fired,
                                                              strict=True) if f), cm)


def broken_in(model: ir.Model, reach: Reachable, names: Sequence[str]) -> frozenset[str]:
    """The invariants of `names` that some state of R breaks, judged as the explicit engine
    judges them (explicit.py's loop: a packed key is type-correct and error-free, so only
    the named invariants run on it; any other key goes through `_judge`, `types` too)."""
    cm = reach.compiled or CompiledModel(model)
    names = list(dict.fromkeys(names))
    violated = cm.violated([n for n in names if n != ir.TYPES]) if cm.well_typed else None
    out: set[str] = set()
    for key in reach.keys:
        out.update(violated(key) if violated is not None and type(key) is int
                   else _judge(cm, key, names)[1])
        if len(out) == len(names):
            break
    return frozenset(out)


def atom_values(model: ir.Model, atoms: Sequence[Atom], reach: Reachable,
                cm: CompiledModel | None = None) -> list[tuple[bool | None, ...]]:
    """The distinct rows of atom values over R (one row per state, duplicates dropped):
    the expressions compiled over flat cells as the explicit engine compiles them
    (compiled.py; a read outside a domain yields the last entry, as houdini.AtomValues),
    the named invariants judged as the explicit engine judges them. The evaluator
    (houdini.AtomValues) does what does not compile."""
    cm = cm or CompiledModel(model)
    exprs = [a.expr for a in atoms if a.inv is None]
    names = [a.inv for a in atoms if a.inv is not None]
    slow = _Guarded(model, atoms)
    if any(e is None for e in exprs) or any(a.inv is None for a in atoms[len(exprs):]):
        return list(dict.fromkeys(slow(_state(model, c, e))
                                  for c, e in zip(reach.cells, reach.errs, strict=True)))
    fn: Any = None
    try:
        gen = _Gen(model, _Pool())
        gen.depth = 1
        codes = [gen.expr(e) for e in exprs]  # type: ignore[arg-type]
        src = ("def atoms(s):\n" + "\n".join(gen.lines) + "\n    err = False\n"
               "    return (" + "".join(f"bool({c}), " for c in codes) + ")\n")
        fn = _compile(src, gen.pool.ns, "atoms")
    except (_Unsupported, SyntaxError, RecursionError, MemoryError):
        fn = None
    packed = [n for n in names if n != ir.TYPES]
    violated = cm.violated(packed) if cm.well_typed else None
    rows: dict[tuple[bool | None, ...], None] = {}
    for key, cells, err in zip(reach.keys, reach.cells, reach.errs, strict=True):
        try:
            got = fn(cells) if fn is not None else None
        except Exception:  # noqa: BLE001 - what the compiled code cannot do, the evaluator does
            got = None
        if got is None:
            rows[slow(_state(model, cells, err))] = None
            continue
        bad: Sequence[str] = (violated(key) if violated is not None and type(key) is int
                              else _judge(cm, key, names)[1])  # int: typed, error-free
        rows[got + tuple(n not in bad for n in names)] = None
    return list(rows)


class _Guarded:
    """houdini.AtomValues, with None for an atom whose evaluation raises (`d % n` with
    n = 0 as a bare subterm: the spec's own expressions desugar such faults, NOTE(fault)
    in fold.py, but an atom is a subterm taken out of its guard). No candidate is made of
    such an atom (`learn`)."""

    def __init__(self, model: ir.Model, atoms: Sequence[Atom]) -> None:
        self.values = AtomValues(model, atoms)

    def __call__(self, st: ir.State) -> tuple[bool | None, ...]:
        try:
            return tuple(self.values(st))
        except ArithmeticError:
            out: list[bool | None] = []
            for r in self.values.readers:
                try:
                    out.append(r(st))
                except ArithmeticError:
                    out.append(None)
            return tuple(out)


def _state(model: ir.Model, cells: Sequence[Any], err: bool) -> ir.State:
    from ..evaluate import ERR

    it = iter(cells)
    st: ir.State = {v.name: build_value(v.type, it) for v in model.vars}
    st[ERR] = err
    return st


def _flat(model: ir.Model, st: ir.State) -> list[Any]:
    out: list[Any] = []
    for v in model.vars:
        flatten_value(st[v.name], v.type, out)
    return out


class CubeIndex:
    """One bitset over R per (cell, value): bit j is set when state j has that value."""

    def __init__(self, reach: Reachable) -> None:
        n = len(reach.cells)
        self.full = (1 << n) - 1
        self.n_cells = len(reach.cells[0]) if reach.cells else 0
        cols: list[dict[Any, bytearray]] = [{} for _ in range(self.n_cells)]
        size = (n + 7) // 8
        for j, cells in enumerate(reach.cells):
            byte, bit = j >> 3, 1 << (j & 7)
            for c, v in enumerate(cells):
                col = cols[c]
                ba = col.get((type(v), v))
                if ba is None:
                    ba = col[(type(v), v)] = bytearray(size)
                ba[byte] |= bit
        self.bits = [{k: int.from_bytes(ba, "little") for k, ba in col.items()} for col in cols]

    def matches(self, cube: Sequence[tuple[int, Any]]) -> int:
        """The states of R that match every (cell, value) of the cube, as a bitset."""
        acc = self.full
        for c, v in cube:
            acc &= self.bits[c].get((type(v), v), 0)
            if not acc:
                return 0
        return acc

    def generalise(self, cube: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
        """A subcube of a cube that matches no state of R that still matches none (greedy:
        each literal dropped when what is left matches nothing)."""
        # the rarest values first: they rule out the most states, so the others can go
        cube = sorted(cube, key=lambda cv: self.bits[cv[0]].get((type(cv[1]), cv[1]), 0)
                      .bit_count())
        kept = list(cube)
        i = len(kept) - 1
        while i >= 0:
            trial = kept[:i] + kept[i + 1:]
            if not self.matches(trial):
                kept = trial
            i -= 1
        return kept

    def smallest(self, cube: list[tuple[int, Any]], size: int, limit: int
                 ) -> list[list[tuple[int, Any]]]:
        """Up to `limit` subcubes of the fewest literals (at most `size`) that match no
        state of R: a shorter clause excludes more unreachable states. Subcubes of more
        than three literals are drawn from the `RARE` rarest values only (the number of
        combinations grows with the fourth power of the cube)."""
        bits = [self.bits[c].get((type(v), v), 0) for c, v in cube]
        order = sorted(range(len(cube)), key=lambda i: bits[i].bit_count())
        for n in range(1, size + 1):
            out: list[list[tuple[int, Any]]] = []
            for combo in itertools.combinations(order if n <= 3 else order[:RARE], n):
                acc = self.full
                for i in combo:
                    acc &= bits[i]
                    if not acc:
                        break
                if not acc:
                    out.append([cube[i] for i in combo])
                    if len(out) >= limit:
                        break
            if out:
                return out
        return []


MAX_VARIANTS = 120  # index permutations tried per blocking clause


class Variants:
    """NOTE(variants): a blocking cube about page 1 often has a twin about page 2 that is
    just as unreachable. The cube's images under permutations of an index domain (a
    function's domain: pages, CPUs), applied to the cells' indices and to the values of the
    cells the spec uses as an index into that domain (`freeing = 2`), are candidates too;
    each is kept only when it matches no state of R, like any other cube. Nothing assumes
    the spec symmetric: an image that some reachable state matches is simply not kept."""

    def __init__(self, model: ir.Model) -> None:
        from .houdini import _index_terms, _is_cell

        self.where: dict[tuple[str, tuple[ir.Value, ...]], int] = {}
        self.leaves: list[tuple[str, tuple[ir.Value, ...], tuple[ir.Domain, ...]]] = []
        for v in model.vars:
            for path, _ in ir.slots(v.name, v.type):
                doms: list[ir.Domain] = []
                t: ir.Type = v.type
                for _p in path:
                    assert isinstance(t, ir.FunT)
                    doms.append(t.dom)
                    t = t.cod
                self.where[v.name, path] = len(self.leaves)
                self.leaves.append((v.name, path, tuple(doms)))
        self.holder: dict[int, ir.Domain] = {}  # cell -> the domain its value indexes
        for idx, dom in _index_terms(model):
            if _is_cell(idx) and isinstance(dom, ir.IntT):
                c = self.where.get(_cell_path(idx))
                if c is not None:
                    self.holder.setdefault(c, dom)
        ranges = {d for _, _, ds in self.leaves for d in ds if isinstance(d, ir.IntT)}
        self.perms: list[dict[ir.Domain, dict[Any, Any]]] = []
        for d in sorted(ranges, key=lambda r: (r.lo or 0, r.hi or 0)):
            vals: tuple[Any, ...] = d.values()
            if len(vals) < 2:
                continue
            maps = (itertools.permutations(vals) if math.factorial(len(vals)) <= MAX_VARIANTS
                    else [vals[i:] + vals[:i] for i in range(1, len(vals))])
            for image in maps:
                if tuple(image) != tuple(vals):
                    self.perms.append({d: dict(zip(vals, image, strict=True))})

    def __call__(self, cube: Sequence[tuple[int, Any]]) -> list[list[tuple[int, Any]]]:
        out: list[list[tuple[int, Any]]] = []
        for perm in self.perms:
            img: list[tuple[int, Any]] = []
            for c, v in cube:
                name, path, doms = self.leaves[c]
                new_path = tuple(perm[d].get(p, p) if d in perm else p
                                 for p, d in zip(path, doms, strict=True))
                h = self.holder.get(c)
                if h is not None and h in perm and type(v) is int:
                    v = perm[h].get(v, v)
                c2 = self.where.get((name, new_path))
                if c2 is None:
                    break
                img.append((c2, v))
            else:
                if img != list(cube):
                    out.append(img)
        return out


def _cell_path(e: ir.Expr) -> tuple[str, tuple[ir.Value, ...]]:
    path: list[ir.Value] = []
    while isinstance(e, ir.Index):
        assert isinstance(e.idx, ir.Lit)
        path.append(e.idx.value)
        e = e.fn
    assert isinstance(e, ir.Var)
    return e.name, tuple(reversed(path))


class _Lazy:
    """Atoms and clauses over one symbolic state, each atom encoded when a clause first
    uses it (most atoms are in no lemma: they vary over R)."""

    def __init__(self, enc: Encoding, atoms: Sequence[Atom], st: SymState) -> None:
        self.enc, self.atoms, self.st = enc, atoms, st
        self.pos: dict[int, Any] = {}
        self.neg: dict[int, Any] = {}

    def lit(self, a: int, pol: bool) -> Any:
        x = self.pos.get(a)
        if x is None:
            atom = self.atoms[a]
            x = self.pos[a] = (self.enc.invariant_ok(atom.inv, self.st) if atom.inv is not None
                               else self.enc.expr_value(atom.expr, self.st))  # type: ignore[arg-type]
            self.neg[a] = z3.Not(x)
        return x if pol else self.neg[a]

    def clause(self, c: tuple[Lit, ...]) -> Any:
        lits = [self.lit(a, pol) for a, pol in c]
        return lits[0] if len(lits) == 1 else _junction(z3.Z3_mk_or, lits)


def _pruned(atoms: Sequence[Atom], clauses: Sequence[tuple[Lit, ...]]
            ) -> tuple[tuple[Atom, ...], tuple[tuple[Lit, ...], ...]]:
    """Only the atoms some clause uses, renumbered: kind encodes every atom of its lemmas."""
    used = sorted({a for c in clauses for a, _ in c})
    new = {a: i for i, a in enumerate(used)}
    return (tuple(atoms[a] for a in used),
            tuple(tuple((new[a], pol) for a, pol in c) for c in clauses))


@dataclass(frozen=True, slots=True)
class Learned:
    """Lemmas learned from R (not yet certified) and how."""

    lemmas: Lemmas
    states: int  # |R|
    candidates: int
    blocked: int  # blocking clauses
    rounds: int
    seconds: float

    def describe(self) -> dict[str, object]:
        """How the lemmas were obtained, for the result's `extra`."""
        return {"how": "learned from the complete reachable state space: candidate clauses "
                       "true in every reachable state, and clauses that exclude "
                       "unreachable counterexamples to induction; re-checked by fresh solvers",
                "reachable_states": self.states, "candidate_clauses": self.candidates,
                "blocking_clauses": self.blocked, "solver_rounds": self.rounds}


class _CellAtoms:
    """The atoms `cell = value` (or the bool cell) of blocking clauses, made once each."""

    def __init__(self, model: ir.Model, atoms: list[Atom]) -> None:
        self.atoms = atoms
        self.index = {a.expr: i for i, a in enumerate(atoms) if a.expr is not None}
        self.leaves: list[tuple[ir.Expr, ir.Type]] = []
        for v in model.vars:
            for path, t in ir.slots(v.name, v.type):
                e: ir.Expr = ir.Var(v.name, v.type)
                ty: ir.Type = v.type
                for p in path:
                    assert isinstance(ty, ir.FunT)
                    e = ir.Index(e, ir.Lit(p, ty.dom), ty.cod)
                    ty = ty.cod
                self.leaves.append((e, t))

    def _atom(self, e: ir.Expr) -> int:
        i = self.index.get(e)
        if i is None:
            indices: list[ir.Lit] = []
            self.atoms.append(Atom(ir.render(e), e, shape=ir.render(_abstract(e, indices)),
                                   indices=tuple(x.value for x in indices),
                                   index_types=tuple(x.type for x in indices)))
            i = self.index[e] = len(self.atoms) - 1
        return i

    def blocking(self, cube: Sequence[tuple[int, Any]]) -> tuple[Lit, ...]:
        """`not cube` as a clause over atoms."""
        out: list[Lit] = []
        for c, v in sorted(cube):
            e, t = self.leaves[c]
            if isinstance(t, ir.BoolT):
                out.append((self._atom(e), not v))
            else:
                out.append((self._atom(ir.Eq(e, ir.Lit(v, t))), False))
        return tuple(out)


def learn(model: ir.Model, enc: Encoding, invariants: Sequence[str], budget: Budget,
          reach: Reachable, use_variants: bool = True, pairs: bool = False) -> Learned | None:
    """NOTE(reach-lemmas): candidates true in R, then blocking clauses until inductive;
    None at the cap (rounds, time) or when a counterexample state cannot be excluded."""
    t0 = time.perf_counter()
    sub = budget.capped(SECONDS)
    atoms = atoms_of(model, invariants)
    vals = atom_values(model, atoms, reach, reach.compiled)
    # NOTE(unary-candidates): each atom or its negation when it is constant over R (the
    # named invariants only when they hold in R). Houdini's two-literal clauses are all
    # true in R too, but measured at soft_offline 4x3 they cost more solver time (every
    # check carries thousands of them, and so does the certificate) than the blocking
    # clauses they spare: whole sweep 32 s with them, 12 s without (engine seconds).
    t_values = time.perf_counter() - t0
    cols = list(zip(*vals, strict=True))
    cands: list[tuple[Lit, ...]] = []
    for i, col in enumerate(cols):
        if None in col:
            continue  # its evaluation raised in some state (_Guarded)
        if all(col):
            cands.append(((i, True),))
        elif not any(col) and atoms[i].inv is None:
            cands.append(((i, False),))
    if pairs:
        broken = {i for i, col in enumerate(cols) if None in col}
        cands += [c for c in candidates(atoms, vals)  # type: ignore[arg-type]
                  if len(c) == 2 and not any(a in broken for a, _ in c)]
    n_cands = len(cands)
    index = CubeIndex(reach)
    cell_atoms = _CellAtoms(model, list(atoms))
    clauses: list[tuple[Lit, ...]] = list(cands)
    blocked_cubes: set[frozenset[tuple[int, Any]]] = set()
    variants = Variants(model) if use_variants else None

    s, t = enc.fresh_state("r0"), enc.fresh_state("r1")
    sel = enc.fresh_selector("r")
    solver = solver_for(sub)
    solver.add(enc.wellformed(s), *enc.step(s, sel, t))
    es, et = _Lazy(enc, cell_atoms.atoms, s), _Lazy(enc, cell_atoms.atoms, t)
    # NOTE(goal-chain): the lemmas only grow, so one incremental solver keeps them all
    # asserted over s; the goal "t breaks some lemma" is an assumption literal per round,
    # a chain: goal_r implies goal_{r-1} or t breaks a clause added in round r (linear in
    # the clauses). Measured at soft_offline 4x3: asserting the goal in a push/pop scope
    # per round instead made the rounds three times as slow (the solver forgets too much).
    goal: Any = z3.BoolVal(False)

    def assert_clauses(new: Sequence[tuple[Lit, ...]], r: int) -> Any:
        g = z3.Bool(f"reach_goal@{r}")
        solver.add(*[es.clause(c) for c in new])
        solver.add(z3.Implies(g, _junction(z3.Z3_mk_or,
                                           [goal, *[z3.Not(et.clause(c)) for c in new]])))
        return g

    goal = assert_clauses(clauses, 0)
    t_setup = time.perf_counter() - t0
    solve = 0.0
    rounds = 0
    blocked = 0
    while True:
        rounds += 1
        if rounds > MAX_ROUNDS or sub.expired():
            return None
        t_check = time.perf_counter()
        a = sub.check(solver, goal)
        solve += time.perf_counter() - t_check
        m = solver.model() if a.sat else None
        if a.unsat:
            break
        if m is None:
            return None
        src = enc.decode_state(m, s)
        cube = list(enumerate(_flat(model, src)))
        if index.matches(cube):
            return None  # a state of R steps out of the lemmas: R or the encoding is wrong
        cubes = index.smallest(cube, SMALL_SIZE, SMALL_LIMIT) or [index.generalise(cube)]
        new_cubes: dict[frozenset[tuple[int, Any]], list[tuple[int, Any]]] = {}
        for cb in cubes:
            new_cubes.setdefault(frozenset(cb), cb)
            for img in variants(cb) if variants is not None else ():
                key = frozenset(img)
                if key not in new_cubes and key not in blocked_cubes and not index.matches(img):
                    new_cubes[key] = img
        fresh = [cell_atoms.blocking(cb) for key, cb in new_cubes.items()
                 if key not in blocked_cubes]
        blocked_cubes.update(new_cubes)
        clauses += fresh
        blocked += len(fresh)
        goal = assert_clauses(fresh, rounds)
    atoms_all, kept_clauses = _pruned(cell_atoms.atoms, clauses)
    proved = frozenset(inv for c in kept_clauses if len(c) == 1
                       for inv in [atoms_all[c[0][0]].inv] if inv is not None)
    seconds = time.perf_counter() - t0
    stats = {"atoms": len(atoms), "samples": len(reach.cells), "candidates": n_cands,
             "lemmas": len(clauses), "rounds": rounds, "seconds": seconds,
             "values_seconds": t_values, "setup_seconds": t_setup, "solve_seconds": solve}
    lemmas = Lemmas(atoms_all, kept_clauses, proved, stats, fired=reach.fired)
    return Learned(lemmas, len(reach.cells), n_cands, blocked, rounds, seconds)
