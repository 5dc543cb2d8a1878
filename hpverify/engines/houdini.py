"""Auxiliary invariants for k-induction: candidate lemmas, filtered by Houdini.

Plain k-induction must reach the longest run before its step case closes, and every extra
step costs more than the last (tens of seconds at soft_offline 2x2). Kind 2 and nuXmv
strengthen induction with invariants they generate; so do we, in three stages:

1. ATOMS, boolean facts about one state in the spec's own vocabulary: every bool cell
   (`poison[3]`), every enum cell against each member (`so_pc = dissolved`), every int cell
   against the bottom, next-to-bottom and top of its range (`cache = 0`, `resv >= 1`), the
   boolean subterms of actions and invariants (`reserved and not consumed`), every function
   read at every non-constant index the spec uses, over the domain it indexes
   (`in_pool[target]`, `poison[cache]`), the order between int terms the spec compares or
   combines (`resv <= free_huge`), the named invariants and `types`.
2. CANDIDATES: each atom or its negation, and the two-literal clauses over atoms
   (`poison[3] implies not in_pool[3]`). Reachable states sampled by random walks on the
   explicit engine's compiled step (NOTE(compiled-walks)) discard most false candidates
   cheaply (one bit per state and atom).
3. HOUDINI (Flanagan & Leino 2001): drop every candidate false in an initial state; then
   ask the solver for a state s where all remaining candidates hold that steps to s' where
   one fails; drop every candidate false in s' (evaluated in Python on the decoded state),
   with every other instance of its per-index template, until none fails. What remains, L,
   holds initially and is inductive, so it holds in every reachable state. L is re-checked
   by fresh solvers before anything relies on it: init => L, L and step => L'
   (engines/pdr.py's `check_certificate`); the last of Houdini's rounds may be that very
   step obligation in a fresh solver, then not asked twice (NOTE(fresh-last-round)).

k-induction (kind.py) then proves every named invariant in L outright (k = 1), and assumes L
in every state of its step case for the others. Candidates are generated, not guessed by a
human: when L is too weak the result is what plain k-induction gives, never a wrong proof.
"""

from __future__ import annotations

import operator
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import z3

from .. import evaluate as ev
from .. import ir
from ..encode import Encoding, SymState
from .common import Answer, Budget, solver_for
from .compiled import CompiledModel, compiled_model
from .explicit import Cut, initial_states

MAX_ATOMS = 600  # beyond this the pairwise clauses cost more than they bring
MAX_INT_TERMS = 40
SATURATED = 400  # steps without a new state after which sampling stops


@dataclass(frozen=True, slots=True)
class Atom:
    """A boolean fact about one state: an IR expression, or a named invariant (`inv`)."""

    text: str
    expr: ir.Expr | None = None
    inv: str | None = None
    shape: str = ""  # the text with constant indices abstracted: `free[#] implies in_pool[#]`
    indices: tuple[ir.Value, ...] = ()  # the abstracted indices, in order
    index_types: tuple[ir.Type, ...] = ()  # ... and their domains


Lit = tuple[int, bool]  # (atom index, polarity)


@dataclass(frozen=True, slots=True)
class Lemmas:
    """An inductive invariant: clauses over atoms, every one re-checked."""

    atoms: tuple[Atom, ...]
    clauses: tuple[tuple[Lit, ...], ...]
    proved: frozenset[str]  # named invariants (and `types`) among the clauses
    stats: dict[str, float]

    fired: frozenset[str] = frozenset()  # actions seen firing in the sampled runs
    needed: tuple[int, ...] | None = None  # clauses the proved invariants need (see `core`)
    # the certificate's `L and step => L'` over exactly these clauses was found unsat by a
    # fresh solver in Houdini's last round (NOTE(fresh-last-round))
    step_checked: bool = False

    def shown(self) -> list[str]:
        """The lemmas a reader needs: the proved invariants' inductive core when it was
        found, without the invariants themselves; every clause otherwise. The instances of
        one template over a whole domain print once, as `forall`."""
        which = self.needed if self.needed is not None else range(len(self.clauses))
        groups: dict[object, list[tuple[Lit, ...]]] = {}
        for i in which:
            c = self.clauses[i]
            if not (len(c) == 1 and self.atoms[c[0][0]].inv):
                groups.setdefault(template(self.atoms, c), []).append(c)
        out: list[str] = []
        for group in groups.values():
            out += _group_text(self.atoms, group)
        return sorted(dict.fromkeys(out), key=lambda x: (len(x), x))


def _group_text(atoms: Sequence[Atom], group: Sequence[tuple[Lit, ...]]) -> list[str]:
    """`forall p in 1..3: free[p] implies in_pool[p]` for the instances of a one-index
    template that cover the index's whole domain; the clauses one by one otherwise."""
    plain = [clause_text(atoms, c) for c in group]
    first = group[0]
    types = [t for a, _ in first for t in atoms[a].index_types]
    values = {tuple(v for a, _ in c for v in atoms[a].indices) for c in group}
    if len(group) < 2 or not types or any(t != types[0] for t in types) \
            or any(len(set(v)) != 1 for v in values):
        return plain
    dom = types[0]  # an index type: a domain, never a function type
    assert not isinstance(dom, ir.FunT)
    if {v[0] for v in values} != set(dom.values()):
        return plain
    var = "p" if isinstance(dom, ir.IntT) else "x"
    body = clause_text(atoms, first, lambda a: a.shape.replace("#", var))
    return [f"forall {var} in {_domain_text(dom)}: {body}"]


def _domain_text(t: ir.Type) -> str:
    if isinstance(t, ir.IntT):
        return f"{t.lo}..{t.hi}"
    return str(t)


def clause_text(atoms: Sequence[Atom], clause: Sequence[Lit],
                text: Callable[[Atom], str] = lambda a: a.text) -> str:
    if len(clause) == 1:
        (a, pol), = clause
        return text(atoms[a]) if pol else _negate(atoms[a], text(atoms[a]))
    if len(clause) > 2:  # a blocking clause (engines/reach_lemmas.py): `not (x and y and z)`
        return "not (" + " and ".join(
            _operand(atoms[a], _negate(atoms[a], text(atoms[a])) if pol else text(atoms[a]))
            for a, pol in clause) + ")"
    (a, pa), (b, pb) = clause
    ta, tb = _operand(atoms[a], text(atoms[a])), _operand(atoms[b], text(atoms[b]))
    if not pa and pb:
        return f"{ta} implies {tb}"
    if pa and not pb:
        return f"{tb} implies {ta}"
    if not pa and not pb:
        return f"not ({ta} and {tb})"
    return f"{ta} or {tb}"


def _operand(a: Atom, text: str) -> str:
    """The atom's text, parenthesised when it is itself a junction."""
    return f"({text})" if isinstance(a.expr, (ir.And, ir.Or)) else text


def _negate(a: Atom, text: str) -> str:
    if isinstance(a.expr, ir.Eq) and text.count(" = ") == 1:
        return text.replace(" = ", " != ")  # `x != v`
    if isinstance(a.expr, (ir.Var, ir.Index)):
        return f"not {text}"
    return f"not ({text})"


# ---- 1. atoms -------------------------------------------------------------------------------
def _cell_expr(name: str, t: ir.Type, path: tuple[ir.Value, ...]) -> ir.Expr:
    e: ir.Expr = ir.Var(name, t)
    for p in path:
        assert isinstance(t, ir.FunT)
        e = ir.Index(e, ir.Lit(p, t.dom), t.cod)
        t = t.cod
    return e


Holders = dict[ir.Expr, ir.Domain]  # int cells the spec uses as an index, with that domain


def _abstract(e: ir.Expr, indices: list[ir.Lit], holders: Holders | None = None) -> ir.Expr:
    """e with every constant index replaced by `#` (collected in order): instances of one
    template, such as `free[1] implies in_pool[1]` and `free[2] implies in_pool[2]`, share
    their shape. A constant compared with an index holder is an index too: `cache = 2`
    (cache indexes pages) has the shape `cache = #`, so `cache = p implies in_pool[p]` is
    one template over p."""
    def sub(x: ir.Expr) -> ir.Expr:
        return _abstract(x, indices, holders)

    match e:
        case ir.Index():
            fn = sub(e.fn)
            if isinstance(e.idx, ir.Lit):
                indices.append(e.idx)
                return ir.Index(fn, ir.Lit(ir.EnumValue("#"), e.idx.type), e.type)
            return ir.Index(fn, sub(e.idx), e.type)
        case ir.Not():
            return ir.Not(sub(e.arg))
        case ir.And() | ir.Or() | ir.Count():
            return type(e)(tuple(sub(a) for a in e.args))
        case ir.Eq() if holders and e.left in holders and isinstance(e.right, ir.Lit) \
                and ir.index_pos(holders[e.left], e.right.value) is not None:
            left = sub(e.left)
            indices.append(ir.Lit(e.right.value, holders[e.left]))
            return ir.Eq(left, ir.Lit(ir.EnumValue("#"), e.right.type))
        case ir.Eq() | ir.Cmp() | ir.Arith():
            return replace(e, left=sub(e.left), right=sub(e.right))
        case ir.Ite():
            return ir.Ite(sub(e.cond), sub(e.then), sub(e.else_), e.type)
        case ir.Member():
            return ir.Member(sub(e.arg), e.members)
    return e


def template(atoms: Sequence[Atom], clause: Sequence[Lit]) -> tuple[object, ...]:
    """Clauses with one template drop together in Houdini: in a spec symmetric in its
    indices (pages, CPUs) they are all inductive or none is, and dropping them at once
    saves a solver round per index. Dropping more is always sound (the result is re-checked);
    it can only make the lemmas weaker in a spec that is not symmetric."""
    shapes: list[object] = []
    order: dict[ir.Value, int] = {}
    for a, pol in clause:
        shapes += [atoms[a].shape, pol]
        shapes += [order.setdefault((type(i), i), len(order)) for i in atoms[a].indices]  # type: ignore[arg-type]
    return tuple(shapes)


def _is_cell(e: ir.Expr) -> bool:
    while isinstance(e, ir.Index):
        if not isinstance(e.idx, ir.Lit):
            return False
        e = e.fn
    return isinstance(e, ir.Var)


def _model_exprs(model: ir.Model) -> Iterable[object]:
    for inst in model.instances:
        yield from ir.subexprs(inst.body)
    for inv in model.invariants:
        yield from ir.subexprs(inv.body)


def _int_subterms(e: ir.Expr) -> Iterable[ir.Expr]:
    """The int-valued variables, cells, counts and sums inside e."""
    for x in ir.subexprs(e):
        if isinstance(x, (ir.Var, ir.Index, ir.Count, ir.Arith)) and isinstance(x.type, ir.IntT):
            yield x  # type: ignore[misc]


def _index_terms(model: ir.Model) -> dict[tuple[ir.Expr, ir.Domain], None]:
    """Every non-constant index the spec uses, with the domain it indexes (in order)."""
    out: dict[tuple[ir.Expr, ir.Domain], None] = {}
    for x in _model_exprs(model):
        if isinstance(x, ir.Index) and not isinstance(x.idx, ir.Lit):
            assert isinstance(x.fn.type, ir.FunT)
            out[x.idx, x.fn.type.dom] = None
        elif isinstance(x, ir.Assign):
            t = model.var_type(x.var)
            for p in x.path:
                assert isinstance(t, ir.FunT)
                if not isinstance(p, ir.Lit):
                    out[p, t.dom] = None
                t = t.cod
    return out


def _within(idx: ir.Expr, dom: ir.IntT) -> ir.Expr:
    """`idx in {1, ..., N}`, read as `idx >= 1` when that is the same (idx: 0..N)."""
    t = idx.type
    if isinstance(t, ir.IntT) and t.lo is not None and t.hi is not None \
            and (dom.lo, dom.hi) == (t.lo + 1, t.hi):
        return ir.Cmp(">=", idx, ir.Lit(t.lo + 1, t))
    return ir.Member(idx, dom.values())


def _may_fault(e: ir.Expr) -> bool:
    """NOTE(fault-atoms): a `/` or `%` whose divisor is not a positive constant. Taken out of
    the spec's own fault handling (a division by zero in an action or invariant is a fault
    there), such a subterm raises in the evaluator where the solver gives it some value:
    the two would disagree on the atom (found by fuzzing: a ZeroDivisionError, exit 70).
    No atom contains one."""
    return any(isinstance(x, ir.Arith) and x.op in ("/", "%")
               and not (isinstance(x.right, ir.Lit) and isinstance(x.right.value, int)
                        and x.right.value > 0)
               for x in ir.subexprs(e))


def atoms_of(model: ir.Model, invariants: Sequence[str]) -> list[Atom]:
    index_terms = _index_terms(model)
    # NOTE(holders): an int cell the spec uses as an index (`poison[cache]`) holds an index:
    # its values in that domain are atoms over the index (`cache = 2`, shape `cache = #`)
    holders: Holders = {}
    for idx, dom in index_terms:
        if _is_cell(idx) and isinstance(idx.type, ir.IntT) and isinstance(dom, ir.IntT):
            holders.setdefault(idx, dom)
    out: dict[object, Atom] = {}

    def add(e: ir.Expr) -> None:
        if e not in out and len(out) < MAX_ATOMS and not _may_fault(e):
            indices: list[ir.Lit] = []
            out[e] = Atom(ir.render(e), e, shape=ir.render(_abstract(e, indices, holders)),
                          indices=tuple(i.value for i in indices),
                          index_types=tuple(i.type for i in indices))

    int_terms: list[ir.Expr] = []
    for v in model.vars:
        for path, t in ir.slots(v.name, v.type):
            e = _cell_expr(v.name, v.type, path)
            if isinstance(t, ir.BoolT):
                add(e)
            elif isinstance(t, ir.EnumT):
                for m in t.members:
                    add(ir.Eq(e, ir.Lit(m, t)))
            elif isinstance(t, ir.IntT) and t.lo is not None and t.hi is not None:
                int_terms.append(e)
                # the bottom of the range and the top: "none" (`cache = 0`), "one"
                # (`resv >= 1`), "full"; a middle value is rarely what a lemma needs, and
                # every value atom adds a pair with every other atom; an index holder's
                # every index value (`cache = p`, NOTE(holders))
                held_in = holders.get(e)
                if isinstance(held_in, ir.IntT):
                    # NOTE(holders): `cache >= 2` would make `in_pool[p] or cache >= 2` a
                    # template true for some pages and not others; `cache = p` says it
                    # for each page, and `cache >= 1` ("some page") stays
                    held = {c for c in held_in.values() if t.lo <= c <= t.hi}
                    steps = {t.lo + 1}
                else:
                    held, steps = set(), {t.lo + 1, t.lo + 2}
                values = {t.lo, min(t.lo + 1, t.hi), t.hi} | held
                for c in sorted(values):
                    add(ir.Eq(e, ir.Lit(c, t)))
                for c in sorted(steps):
                    if c < t.hi:  # `x >= hi` is `x = hi`
                        add(ir.Cmp(">=", e, ir.Lit(c, t)))
    # reads of every function variable at every non-constant index the spec uses
    for idx, dom in index_terms:
        for v in model.vars:
            t = v.type
            if not isinstance(t, ir.FunT) or t.dom != dom:
                continue
            read = ir.Index(ir.Var(v.name, t), idx, t.cod)
            if isinstance(t.cod, ir.BoolT):
                add(read)
            elif isinstance(t.cod, ir.EnumT):
                for m in t.cod.members:
                    add(ir.Eq(read, ir.Lit(m, t.cod)))
            if isinstance(t.dom, ir.IntT) and isinstance(idx.type, ir.IntT):
                add(_within(idx, t.dom))
    # boolean subterms of actions and invariants
    related: set[tuple[ir.Expr, ir.Expr]] = set()
    for x in _model_exprs(model):
        if isinstance(x, (ir.Count, ir.Arith)) and x not in int_terms:
            int_terms.append(x)
        if isinstance(x, (ir.Cmp, ir.Eq, ir.Arith)):
            for a in _int_subterms(x.left):
                for b in _int_subterms(x.right):
                    related.add((a, b))
        if isinstance(x, (ir.Index, ir.Eq, ir.Cmp, ir.And, ir.Or, ir.Member, ir.Ite)) \
                and x.type == ir.BoolT() and not _is_cell(x):
            add(x)
    # the order between int terms the spec compares or combines (`resv <= free_huge`)
    terms = int_terms[:MAX_INT_TERMS]
    for i, a in enumerate(terms):
        for b in terms[i + 1:]:
            if (a, b) in related or (b, a) in related:
                add(ir.Cmp("<=", a, b))
                add(ir.Cmp(">=", a, b))
    atoms = list(out.values())
    for name in invariants:
        atoms.append(Atom(f"invariant {name}", inv=name, shape=f"invariant {name}"))
    return atoms


# ---- 2. samples and candidates -----------------------------------------------------------
Flat = tuple[tuple[Any, ...], bool]  # a state as the compiled model's cells and error flag


def sample_states(model: ir.Model, enc: Encoding, n: int, rng: random.Random,
                  deadline: float, max_walk: int = 100, cpu_seconds: float | None = None,
                  fired: set[str] | None = None,
                  cm: CompiledModel | None = None) -> list[ir.State]:
    """Distinct reachable states by random walks from a few initial states (see
    `_random_step` for how a step is chosen), on the explicit engine's compiled step
    (NOTE(compiled-walks))."""
    cm = cm or CompiledModel(model)
    return [cm.state(*x) for x in _sample_flat(model, enc, n, rng, deadline, cm, max_walk,
                                               cpu_seconds, fired)]


def _sample_flat(model: ir.Model, enc: Encoding, n: int, rng: random.Random, deadline: float,
                 cm: CompiledModel, max_walk: int = 100, cpu_seconds: float | None = None,
                 fired: set[str] | None = None) -> list[Flat]:
    """`sample_states`, the states as flat cells."""
    try:
        inits = [cm.flatten(st) for st in initial_states(model, limit=16, enc=enc)]
    except Cut:  # too many initial states to list: no samples (Houdini checks them all)
        return []
    out: list[Flat] = list(inits)
    if not inits:
        return out
    actions = [inst.action for inst in model.instances]
    seen = {cm.key(*c) for c in inits}
    stale = 0
    # stop at n distinct states, at the deadline, or when the last `SATURATED` steps found
    # nothing new (a small state space is then covered: more walks cost, and teach nothing)
    cpu_end = None if cpu_seconds is None else time.process_time() + cpu_seconds
    while len(out) < n and stale < SATURATED and time.perf_counter() < deadline \
            and (cpu_end is None or time.process_time() < cpu_end):
        cells, err = rng.choice(inits)
        key = cm.key(cells, err)
        for _ in range(max_walk):
            if not _typed(cm, cells, err, key):
                break
            nxt = _random_step(cm, actions, cells, rng)
            if nxt is None:
                break
            i, cells, err = nxt
            if fired is not None:
                fired.add(actions[i])
            key = cm.key(cells, err)
            if key in seen:
                stale += 1
                continue
            seen.add(key)
            stale = 0
            out.append((cells, err))
            if len(out) >= n:
                break
    return out


def _typed(cm: CompiledModel, cells: tuple[Any, ...], err: bool, key: object) -> bool:
    """evaluate.types_ok: in a well-typed model, exactly when the key is an int."""
    return type(key) is int if cm.well_typed else cm.types_ok(cells, err)


def _key(model: ir.Model, st: ir.State) -> tuple[object, ...]:
    return tuple(st[v.name] for v in model.vars) + (st.get(ev.ERR, False),)


def _random_step(cm: CompiledModel, actions: Sequence[str], cells: tuple[Any, ...],
                 rng: random.Random) -> tuple[int, tuple[Any, ...], bool] | None:
    """A successor by a random enabled action, then a random enabled instance of it: uniform
    over actions rather than instances, so that an action with many instances (a fault
    on any CPU at any page) does not crowd out the rare ones.

    NOTE(compiled-walks): the successors come from the explicit engine's compiled step
    (engines/compiled.py, evaluate.py's semantics exactly), all enabled instances at once:
    at first_cut 10x10 the walks took 0.4 s of CPU time on the evaluator, instance by
    instance, and take a tenth of that this way."""
    succ = cm.successors(cells)
    if not succ:
        return None
    by_action: dict[str, list[tuple[int, tuple[Any, ...], bool]]] = {}
    for x in succ:
        by_action.setdefault(actions[x[0]], []).append(x)
    return rng.choice(rng.choice(list(by_action.values())))


def atom_values(model: ir.Model, atoms: Sequence[Atom], st: ir.State) -> list[bool]:
    return AtomValues(model, atoms)(st)


class AtomValues:
    """The atoms' values in a state, as evaluate.py computes them (reads outside a domain
    yield the last entry, NOTE(read-error)), each atom compiled to a closure once: 5-10x
    faster than walking the expression in every state."""

    def __init__(self, model: ir.Model, atoms: Sequence[Atom],
                 cm: CompiledModel | None = None) -> None:
        self.cm = cm
        self.readers = [_reader(model, a) for a in atoms]
        # NOTE(compiled-atoms): with the compiled model, every atom in one generated
        # function over the flat state, the named invariants (and `types`) as the explicit
        # engine judges them: 0.28 s -> 0.05 s for 4,000 states at first_cut 10x10
        self.invs = [(i, a.inv) for i, a in enumerate(atoms) if a.inv is not None]
        self.exprs = [i for i, a in enumerate(atoms) if a.inv is None]
        self.fn = None if cm is None else \
            cm.predicates([atoms[i].expr for i in self.exprs])  # type: ignore[misc]

    def __call__(self, st: ir.State) -> list[bool]:
        if self.fn is None:
            return [r(st) for r in self.readers]
        assert self.cm is not None
        return self.on_cells(*self.cm.flatten(st))

    def on_cells(self, cells: tuple[Any, ...], err: bool) -> list[bool]:
        """The values in the compiled model's flat state."""
        cm = self.cm
        assert cm is not None
        if self.fn is None:
            st = cm.state(cells, err)
            return [r(st) for r in self.readers]
        out = [False] * len(self.readers)
        for i, v in zip(self.exprs, self.fn(cells), strict=True):
            out[i] = v
        for i, name in self.invs:
            out[i] = cm.invariant_ok(name, cells, err)
        return out


Reader = Callable[[ir.State], Any]


def _reader(model: ir.Model, a: Atom) -> Callable[[ir.State], bool]:
    if a.inv is not None:
        inv = a.inv
        return lambda st: ev.invariant_ok(model, inv, st)
    assert a.expr is not None
    read = _compile(a.expr)
    return lambda st: bool(read(st))


def _compile(e: ir.Expr) -> Reader:
    """e as a Python closure with evaluate.value's semantics (a read outside a domain
    yields the last entry, NOTE(read-error)); what it does not know it leaves to
    evaluate.value."""
    match e:
        case ir.Lit():
            v = e.value
            return lambda st: v
        case ir.Var():
            name = e.name
            return lambda st: st[name]
        case ir.Index():
            assert isinstance(e.fn.type, ir.FunT)
            fn, dom = _compile(e.fn), e.fn.type.dom
            if isinstance(e.idx, ir.Lit):
                pos = ir.index_pos(dom, e.idx.value)
                i = -1 if pos is None else pos
                return lambda st: fn(st)[i]
            idx = _compile(e.idx)

            def index(st: ir.State) -> Any:
                pos = ir.index_pos(dom, idx(st))
                return fn(st)[-1 if pos is None else pos]

            return index
        case ir.Not():
            arg = _compile(e.arg)
            return lambda st: not arg(st)
        case ir.And():
            args = [_compile(x) for x in e.args]
            return lambda st: all(f(st) for f in args)
        case ir.Or():
            args = [_compile(x) for x in e.args]
            return lambda st: any(f(st) for f in args)
        case ir.Eq():
            left, right = _compile(e.left), _compile(e.right)
            return lambda st: left(st) == right(st)
        case ir.Member():
            arg, members = _compile(e.arg), e.members
            return lambda st: arg(st) in members
        case ir.Count():
            args = [_compile(x) for x in e.args]
            return lambda st: sum(1 for f in args if f(st))
        case ir.Cmp() if e.op in _COMPARE:
            cmp, left, right = _COMPARE[e.op], _compile(e.left), _compile(e.right)
            return lambda st: cmp(left(st), right(st))
        case ir.Arith() if e.op in _ARITH:
            op, left, right = _ARITH[e.op], _compile(e.left), _compile(e.right)
            return lambda st: op(left(st), right(st))
        case ir.Ite():
            cond, then, else_ = _compile(e.cond), _compile(e.then), _compile(e.else_)
            return lambda st: then(st) if cond(st) else else_(st)
    return lambda st: ev.value(e, st)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul}


def candidates(atoms: Sequence[Atom], samples: Sequence[Sequence[bool]]) -> list[tuple[Lit, ...]]:
    """Unary and binary clauses true on every sample (see the module docstring)."""
    full = (1 << len(samples)) - 1
    masks = [0] * len(atoms)
    for j, vals in enumerate(samples):
        bit = 1 << j
        for i, v in enumerate(vals):
            if v:
                masks[i] |= bit
    out: list[tuple[Lit, ...]] = []
    varying: list[int] = []
    for i, m in enumerate(masks):
        if atoms[i].inv is not None or m == full:
            out.append(((i, True),))  # the named invariants are always candidates
        elif m == 0:
            out.append(((i, False),))
        else:
            varying.append(i)
    # Every RELATED pair of varying atoms (`related`), not only one per class of atoms equal
    # on the samples (Kind 2's merge): when "member = representative" fails, the member's
    # own clauses would be lost with it; soft_offline's `accounting` needs them (`consumed
    # implies reserved`, while `consumed` and `cache != 0` agree on every sample).
    cells = [_cells(a.expr) if a.expr is not None else None for a in atoms]
    keys = [index_keys(a) for a in atoms]
    for x, a in enumerate(varying):
        ma, na = masks[a], full ^ masks[a]
        ka = keys[a]
        for b in varying[x + 1:]:
            if ka and keys[b] and ka.isdisjoint(keys[b]):
                continue  # facts about two different pages (NOTE(related))
            ca = cells[a]
            if ca is not None and ca == cells[b] and len(ca) == 1:
                continue  # two facts about one cell: a tautology or a type fact
            mb, nb = masks[b], full ^ masks[b]
            for pa, va in ((True, ma), (False, na)):
                for pb, vb in ((True, mb), (False, nb)):
                    if va | vb == full:
                        out.append(((a, pa), (b, pb)))
    return out + _completed(atoms, out, masks, full, cells)


def _completed(atoms: Sequence[Atom], cands: Sequence[tuple[Lit, ...]], masks: Sequence[int],
               full: int, cells: Sequence[frozenset[object] | None]) -> list[tuple[Lit, ...]]:
    """NOTE(complete-templates): the instances of the candidates' two-literal templates
    that the pairing above missed because one of their atoms never changed on the samples
    (page 7 never allocated among them: `free[7]` is a unary candidate, `free[7] implies
    in_pool[7]` is not). Houdini keeps or drops a template as a whole, so an instance
    missing for want of samples is a hole in the lemma (`free[target] implies
    in_pool[target]` is inductive only with every page's instance); the larger the domain,
    the sparser the samples and the more such holes. Each missing instance that holds on
    every sample is added."""
    by_shape: dict[str, list[int]] = {}
    where: dict[tuple[str, tuple[ir.Value, ...]], int] = {}
    for i, atom in enumerate(atoms):
        if atom.indices and atom.inv is None:
            by_shape.setdefault(atom.shape, []).append(i)
            where[atom.shape, atom.indices] = i
    have = {frozenset(c) for c in cands}
    seen: set[object] = set()
    out: list[tuple[Lit, ...]] = []
    for c in cands:
        if len(c) != 2:
            continue
        key = template(atoms, c)
        if key in seen:
            continue
        seen.add(key)
        (a, pa), (b, pb) = c
        if not atoms[a].indices and not atoms[b].indices:
            continue
        for a2 in by_shape.get(atoms[a].shape, [a]):
            rename = dict(zip(atoms[a].indices, atoms[a2].indices, strict=True))
            if all(v in rename for v in atoms[b].indices):
                found = where.get((atoms[b].shape, tuple(rename[v] for v in atoms[b].indices)))
                others = [found] if found is not None else []
            else:
                others = by_shape.get(atoms[b].shape, [])
            for b2 in others:
                new = ((a2, pa), (b2, pb))
                if frozenset(new) in have or template(atoms, new) != key:
                    continue
                va = masks[a2] if pa else full ^ masks[a2]
                vb = masks[b2] if pb else full ^ masks[b2]
                ca = cells[a2]
                if va | vb != full or (ca is not None and ca == cells[b2] and len(ca) == 1):
                    continue
                have.add(frozenset(new))
                out.append(new)
    return out


def index_keys(a: Atom) -> frozenset[tuple[object, ir.Value]]:
    """NOTE(related): the constant indices an atom is about. Two atoms about indices are
    paired only when they share one (`free[2] implies in_pool[2]`, `cache = 2 implies
    in_pool[2]`): the spec relates a page to itself and to the cells that hold it, and the
    pairs over two different pages (`poison[2] implies in_pool[1]`) grow with the square of
    the domain while proving nothing the same-index ones do not. An atom about no index
    (`so_pc = checked`, `poison[cache]`) pairs with every atom. Indices of two different
    symmetric types (`IntT.sym`, when the spec declares them) are never one index; plain
    ranges are structural, so page 2 and CPU 2 share an index (harmless)."""
    return frozenset((getattr(t, "sym", None) or type(v).__name__, v)
                     for v, t in zip(a.indices, a.index_types, strict=True))


def _cells(e: ir.Expr) -> frozenset[object]:
    """The state cells e reads (`f[*]` for a read at a variable index)."""
    out: set[object] = set()
    for x in ir.subexprs(e):
        if isinstance(x, ir.Index) and _is_cell(x):
            out.add(x)
        elif isinstance(x, ir.Index):
            root = x.fn
            while isinstance(root, ir.Index):
                root = root.fn
            out.add((root, "*"))
        elif isinstance(x, ir.Var) and not isinstance(x.type, ir.FunT):
            out.add(x)
    return frozenset(out)


def _holds(clause: tuple[Lit, ...], vals: Sequence[bool]) -> bool:
    return any(vals[a] == pol for a, pol in clause)


# ---- 3. Houdini ----------------------------------------------------------------------------
class _Encoded:
    """Atoms and clauses over one symbolic state."""

    def __init__(self, enc: Encoding, atoms: Sequence[Atom], st: SymState) -> None:
        self.atoms = [enc.invariant_ok(a.inv, st) if a.inv is not None
                      else enc.expr_value(a.expr, st) for a in atoms]  # type: ignore[arg-type]
        self.negated = [z3.Not(a) for a in self.atoms]

    def clause(self, c: tuple[Lit, ...]) -> Any:
        lits = [self.atoms[a] if pol else self.negated[a] for a, pol in c]
        return lits[0] if len(lits) == 1 else _junction(z3.Z3_mk_or, lits)


def _junction(mk: Any, terms: Sequence[Any]) -> Any:
    """And/Or of Boolean terms through the C API: z3.And/z3.Or check and coerce every
    argument, which costs more than the term itself over thousands of clauses."""
    ctx = terms[0].ctx
    arr = (z3.Ast * len(terms))(*[x.as_ast() for x in terms])
    return z3.BoolRef(mk(ctx.ref(), len(terms), arr), ctx)


def houdini(model: ir.Model, enc: Encoding, invariants: Sequence[str], budget: Budget,
            samples: int = 4000, sample_seconds: float = 3.0, seed: int = 0) -> Lemmas | None:
    """The largest inductive subset of the candidates (None when out of time). Sampling
    takes at most `sample_seconds` of CPU time (NOTE(budget))."""
    t0 = time.perf_counter()
    atoms = atoms_of(model, invariants)
    rng = random.Random(seed)
    fired: set[str] = set()
    # NOTE(budget): at most `sample_seconds` of CPU time, and of the budget at most four
    # times that in wall-clock time (on a loaded machine the samples stay the same)
    left = budget.capped(4 * sample_seconds).remaining() or 0.0
    cm = compiled_model(model)  # NOTE(shared-compile)
    states = _sample_flat(model, enc, samples, rng, time.perf_counter() + left, cm,
                          cpu_seconds=sample_seconds, fired=fired)
    values = AtomValues(model, atoms, cm)
    vals = [values.on_cells(*x) for x in states]
    t_sample = time.perf_counter() - t0
    cands = candidates(atoms, vals)
    n_cands = len(cands)

    s, t = enc.fresh_state("h0"), enc.fresh_state("h1")
    sel = enc.fresh_selector("h")
    es, et = _Encoded(enc, atoms, s), _Encoded(enc, atoms, t)
    alive = [True] * len(cands)
    keys = [template(atoms, c) for c in cands]
    at_s = [es.clause(c) for c in cands]
    # base: every candidate holds in every initial state
    if _until_none_fails(cands, alive, keys, [enc.init(s)], None, [z3.Not(c) for c in at_s],
                         s, enc, values, budget) is None:
        return None
    # induction: the live candidates at s, one step, some candidate fails at s'
    bad_t = [z3.Not(et.clause(c)) if alive[i] else None for i, c in enumerate(cands)]

    def fresh(live: Sequence[int]) -> tuple[Answer, z3.Solver, SymState, SymState]:
        """NOTE(fresh-last-round): the round as the certificate's own query, in a fresh
        solver: `L and step => L'` for L the live candidates (pdr.step_obligation)."""
        from .pdr import step_obligation

        lem = Lemmas(tuple(atoms), tuple(cands[i] for i in live), frozenset(), {})
        s2 = enc.fresh_state(CERT_STATE)
        query, t2 = step_obligation(enc, certificate_parts(enc, lem, s2), s2)
        solver = fresh_solver()  # NOTE(solve-eqs)
        solver.add(*query)
        return budget.check(solver), solver, t2, s2

    done = _until_none_fails(cands, alive, keys, [enc.wellformed(s), *enc.step(s, sel, t)],
                             at_s, bad_t, t, enc, values, budget, s, fresh)
    if done is None:
        return None
    rounds, step_checked = done
    kept = tuple(c for c, a in zip(cands, alive, strict=True) if a)
    proved = frozenset(inv for c in kept if len(c) == 1
                       for inv in [atoms[c[0][0]].inv] if inv is not None)
    stats = {"atoms": len(atoms), "samples": len(states), "sample_seconds": t_sample,
             "candidates": n_cands, "lemmas": len(kept), "rounds": rounds,
             "seconds": time.perf_counter() - t0}
    return Lemmas(tuple(atoms), kept, proved, stats, fired=frozenset(fired),
                  step_checked=step_checked)


def _until_none_fails(cands: Sequence[tuple[Lit, ...]], alive: list[bool],
                      keys: Sequence[object], fixed: Sequence[Any], hyp: Sequence[Any] | None,
                      bad: Sequence[Any], st: SymState, enc: Encoding, values: AtomValues,
                      budget: Budget, src: SymState | None = None,
                      fresh: Callable[[Sequence[int]], tuple[Answer, z3.Solver, SymState,
                                                             SymState]] | None = None,
                      ) -> tuple[int, bool] | None:
    """Drop candidates (with their templates) until no state allowed by `fixed` and by the
    live candidates' `hyp` makes a live candidate's `bad` true; the rounds it took, or None
    when out of time. The transition stays asserted; each round asserts the live
    candidates and the goal together, as hard constraints inside a push/pop scope.
    Measured at first_cut 10x10 (CPU seconds of all checks): 1.9 s this way; 3.4 s with a
    fresh solver per round; 45 s with one solver and an assumption literal per template
    (the last check alone 14 s: assumptions keep the SAT back-end from simplifying the
    candidates away); with the candidates asserted once per scope and only the goal pushed
    and popped for several checks, the whole of Houdini took 10.5 s instead of 3.6 s (500
    samples): a counterexample under more hypotheses is one under fewer, so that is sound,
    but each check then runs without that simplification. With `src`
    (the state before the step), each counterexample also drops what fails in the states
    the evaluator reaches from it (NOTE(successors)): 7 rounds instead of 23.

    NOTE(fresh-last-round): with `fresh`, once one round's check has taken FRESH_AFTER
    seconds of CPU time, every later round is `fresh(live)`: the certificate's own
    `L and step => L'` (pdr.step_obligation) in a fresh solver. Its last, unsat answer is
    then the certificate's re-check of that obligation, which kind.certified does not ask
    again (`Lemmas.step_checked`): first_cut 10x10 asked the same question twice, 0.3-0.5 s
    each. Measured there (CPU seconds of Houdini's checks, three seeds): the incremental
    solver's early rounds take 0.01-0.08 s and a fresh solver's 0.15-0.25 s (it bit-blasts
    the step anew); its late rounds spike to 0.5-0.7 s where a fresh solver takes 0.1-0.3
    s. A fresh round costs the step's bit-blasting each time, so the switch waits for a
    costly round: with FRESH_AFTER = 0.1 s soft_offline 2x2 (about 40 rounds) took 7.1 s
    instead of 4.2 s without fresh rounds, with 0.2 s 3.9 s; first_cut 10x10 2.1, 2.2 and
    2.9 s (Houdini and certificate, CPU, mean of three seeds). The fresh rounds now run on
    `fresh_solver`, with Z3's solve-eqs (NOTE(solve-eqs)): a late fresh round 0.25 s ->
    0.15 s, the last one 0.46 s -> 0.22 s at first_cut 10x10.
    The switch changes only the cost: Houdini's answer is the one largest inductive
    set of templates whichever counterexamples it meets. Returns the rounds and whether
    the last one was fresh."""
    rounds = 0
    solver = solver_for(budget)
    solver.add(*fixed)
    switched = False
    st_s: SymState | None
    while True:
        rounds += 1
        live = [i for i in range(len(cands)) if alive[i]]
        if budget.expired():
            return None
        if not live:
            return rounds, False
        if switched:
            assert fresh is not None
            a, used, st_t, st_s = fresh(live)
        else:
            if rounds > 1:
                solver.pop()
            solver.push()
            solver.add(_junction(z3.Z3_mk_or, [bad[i] for i in live]))
            if hyp is not None:  # one conjunction: z3py's add checks every argument
                solver.add(_junction(z3.Z3_mk_and, [hyp[i] for i in live]))
            started = time.process_time()
            a = budget.check(solver)
            used, st_t, st_s = solver, st, src
            switched = fresh is not None and time.process_time() - started >= FRESH_AFTER
        if a.unsat:
            return rounds, used is not solver
        if a.unknown:
            return None
        if used is not solver and not z3.is_true(
                used.model().eval(enc.wellformed(st_t), model_completion=True)):
            return None  # a step out of the enum members: the encoding is wrong, trust nothing
        state = enc.decode_state(used.model(), st_t)
        vals = values(state)
        if not _drop(cands, alive, live, vals, keys):
            if not ev.types_ok(enc.model, state):
                # NOTE(int-width): arithmetic is exact for cells within their types; in a
                # successor outside them it may wrap, so no lemma is trusted: give up
                return None
            raise AssertionError("houdini: a state the solver found breaks no candidate in the "
                                 "evaluator: encoding and evaluator disagree")
        first = None if st_s is None else enc.decode_state(used.model(), st_s)
        if first is not None and EXPAND:
            _expand(enc.model, values, cands, alive, keys, first, EXPAND)
        if first is not None and NEIGHBOURS:  # NOTE(neighbours)
            _neighbourhood(values, cands, alive, keys, first)


def fresh_solver() -> z3.Solver:
    """The solver of Houdini's fresh rounds (NOTE(fresh-last-round)).

    NOTE(solve-eqs): Z3's `simplify, solve-eqs, bit-blast, sat` as a one-shot solver instead
    of `SolverFor("QF_BV")` (the incremental bit-blasting SAT solver): solve-eqs replaces
    each successor cell by the step's expression for it before bit-blasting, which an
    incremental solver cannot do. Measured at first_cut 10x10, `L and step => L'` for
    Houdini's 692 lemmas (CPU seconds, five runs, median): 0.37 s with SolverFor, 0.20 s
    with solve-eqs, 0.23 s adding propagate-values, 0.31 s without solve-eqs, 0.33 s with
    Z3's whole `qfbv` tactic; substituting the successor by hand into SolverFor's query
    (no solve-eqs) was slower still. Houdini's solver checks over four sampling seeds
    2.17 s -> 1.44 s (mean). Only Houdini's rounds: pdr.check_certificate keeps SolverFor,
    since with solve-eqs the certificates of the reach lemmas (NOTE(reach-lemmas)) took
    longer (benchmarks/run.py soft_sweep 8.4 s -> 9.9 s). Still a fresh Z3 solver that sees
    nothing but the certificate's query; timeouts and resource limits apply (Budget.arm)."""
    return z3.Then("simplify", "solve-eqs", "bit-blast", "sat").solver()


FRESH_AFTER = 0.2  # CPU seconds of one incremental round before fresh ones (NOTE(fresh-last-round))


EXPAND = 40  # states explored from each counterexample to induction (NOTE(successors))


def _expand(model: ir.Model, values: AtomValues, cands: Sequence[tuple[Lit, ...]],
            alive: list[bool], keys: Sequence[object], first: ir.State, limit: int) -> None:
    """NOTE(successors): one counterexample to induction, s -> t, drops the candidates
    false in t; every other successor of s is a counterexample just as good (s satisfies
    every live candidate), and so is every successor of a state that satisfies them. After
    a drop, the states that caused it satisfy every candidate still live (all those false
    in them are gone). So the compiled step (NOTE(compiled-walks)) explores forward from
    s, level by level, up to
    `limit` states, and drops what fails in each level: Houdini's rule, with states found
    without the solver (dropping is what the solver's round would do with the same
    states)."""
    cm = values.cm
    assert cm is not None, "houdini builds its AtomValues with the compiled model"
    start = cm.flatten(first)
    seen = {cm.key(*start)}
    level = [start]
    while level and len(seen) < limit:
        found: list[tuple[tuple[Any, ...], bool]] = []
        for cells, err in level:
            if not _typed(cm, cells, err, cm.key(cells, err)):
                continue  # the encoding's states without a successor (NOTE(int-width))
            for _, nxt, nerr in cm.successors(cells):
                k = cm.key(nxt, nerr)
                if k not in seen:
                    seen.add(k)
                    found.append((nxt, nerr))
                    if len(seen) >= limit:
                        break
            if len(seen) >= limit:
                break
        if found:
            _drop_failing(cands, alive, keys, [values.on_cells(*x) for x in found])
        level = found


NEIGHBOURS = True  # NOTE(neighbours): look at the one-cell neighbours of each counterexample


def _alternatives(t: ir.Type) -> list[Any]:
    """The values a cell of type t can hold (none for a wide int: no neighbours there)."""
    if isinstance(t, ir.BoolT):
        return [False, True]
    if isinstance(t, ir.EnumT):
        return list(t.members)
    if isinstance(t, ir.IntT) and t.lo is not None and t.hi is not None and t.hi - t.lo < 64:
        return list(range(t.lo, t.hi + 1))
    return []


def _atom_masks(states: Sequence[Sequence[bool]]) -> tuple[int, list[int]]:
    """(all states, per atom the states where it holds), one bit per state."""
    masks = [0] * len(states[0])
    for j, vals in enumerate(states):
        bit = 1 << j
        for i, v in enumerate(vals):
            if v:
                masks[i] |= bit
    return (1 << len(states)) - 1, masks


def _all_hold(cands: Sequence[tuple[Lit, ...]], live: Sequence[int],
              states: Sequence[Sequence[bool]]) -> int:
    """The bit mask of the states (atom values) in which every live candidate holds."""
    full, masks = _atom_masks(states)
    out = full
    for i in live:
        held = 0
        for a, pol in cands[i]:
            held |= masks[a] if pol else full ^ masks[a]
        out &= held
        if not out:
            break
    return out


def _neighbourhood(values: AtomValues, cands: Sequence[tuple[Lit, ...]], alive: list[bool],
                   keys: Sequence[object], first: ir.State) -> None:
    """NOTE(neighbours): the states that differ from a counterexample's first state s in
    one cell, and that satisfy every live candidate (judged by the evaluator's compiled
    atoms) and `types`, are counterexamples' first states just as good as s: each of their
    successors (the compiled step) that breaks a candidate drops it, with its template,
    as a solver round would (Houdini's rule; the answer, the largest inductive set of
    templates, stays the same, only the rounds it takes change, and the lemmas are
    re-checked by the certificate anyway). Measured at first_cut 10x10 over eight
    sampling seeds (CPU seconds of Houdini's solver checks, two series): 8-17 rounds,
    1.55 s without; 7-10 rounds, 1.17 s with; the neighbours themselves cost about 0.07 s
    a run (about 400 of them, 60 satisfying every candidate). Two steps of neighbours
    (neighbours of neighbours) cost more than they saved (1.58 s)."""
    cm = values.cm
    assert cm is not None, "houdini builds its AtomValues with the compiled model"
    cells, err = cm.flatten(first)
    if err:
        return
    nbrs: list[tuple[Any, ...]] = []
    for i, t in enumerate(cm.scalars):
        for v in _alternatives(t):
            if v != cells[i]:
                nbrs.append(cells[:i] + (v,) + cells[i + 1:])
    if not nbrs:
        return
    live = [i for i in range(len(cands)) if alive[i]]
    ok = _all_hold(cands, live, [values.on_cells(c, False) for c in nbrs])
    succ = [(nxt, nerr) for j, c in enumerate(nbrs)
            if ok >> j & 1 and _typed(cm, c, False, cm.key(c, False))
            for _, nxt, nerr in cm.successors(c)]
    if succ:
        _drop_failing(cands, alive, keys, [values.on_cells(*x) for x in succ])


def _drop_failing(cands: Sequence[tuple[Lit, ...]], alive: list[bool], keys: Sequence[object],
                  states: Sequence[Sequence[bool]]) -> None:
    """Drop the live candidates false in some of the states (atom values), with every
    candidate of their templates; one bit per state, as `candidates` does."""
    full, masks = _atom_masks(states)
    live = [i for i in range(len(cands)) if alive[i]]
    bad = set()
    for i in live:
        held = 0
        for a, pol in cands[i]:
            held |= masks[a] if pol else full ^ masks[a]
        if held != full:
            bad.add(keys[i])
    for i in live:
        if keys[i] in bad:
            alive[i] = False


def _drop(cands: Sequence[tuple[Lit, ...]], alive: list[bool], live: Sequence[int],
          vals: Sequence[bool], keys: Sequence[object]) -> int:
    """Drop the live candidates false in vals, with every candidate of their templates."""
    bad = {keys[i] for i in live if not _holds(cands[i], vals)}
    n = 0
    for i in live:
        if keys[i] in bad:
            alive[i] = False
            n += 1
    return n


def lemma_formula(enc: Encoding, lemmas: Lemmas, st: SymState) -> Any:
    """The conjunction of the lemmas over st: built once over the encoding's template state,
    then substituted (kind asks for it at every state of its step case)."""
    def build(t: SymState) -> Any:
        e = _Encoded(enc, lemmas.atoms, t)
        return _junction(z3.Z3_mk_and, [e.clause(c) for c in lemmas.clauses]) if lemmas.clauses \
            else z3.BoolVal(True)

    return enc.predicate(("lemmas", lemmas.atoms, lemmas.clauses), build, st)


CERT_STATE = "aux"  # the state the certificate's obligations are stated over


def certificate_parts(enc: Encoding, lemmas: Lemmas, st: SymState) -> list[Any]:
    """What the certificate re-checks over st (kind.certified, and Houdini's fresh last
    round): wellformedness (enum cells hold members: Houdini assumes it) and the lemmas."""
    return [enc.wellformed(st), lemma_formula(enc, lemmas, st)]


def core(enc: Encoding, lemmas: Lemmas, seconds: float, budget: Budget | None = None) -> Lemmas:
    """The clauses the proved invariants need, closed under "needed to keep a needed clause
    inductive" (unsat cores of one step): itself an inductive invariant, and what a reader
    wants to see. Bounded in time (`seconds` of the budget); when the closure is not
    reached, `needed` stays None."""
    sub = (budget or Budget()).capped(seconds)
    s, t = enc.fresh_state("c0"), enc.fresh_state("c1")
    sel = enc.fresh_selector("c")
    es, et = _Encoded(enc, lemmas.atoms, s), _Encoded(enc, lemmas.atoms, t)
    solver = z3.SolverFor("QF_BV")
    solver.set("core.minimize", True)  # a smaller core is a shorter invariant to read
    solver.add(enc.wellformed(s), *enc.step(s, sel, t))
    lits = [z3.Bool(f"c#{i}") for i in range(len(lemmas.clauses))]
    index = {lit.get_id(): i for i, lit in enumerate(lits)}
    for lit, c in zip(lits, lemmas.clauses, strict=True):
        solver.add(z3.Implies(lit, es.clause(c)))
    todo = [i for i, c in enumerate(lemmas.clauses)
            if len(c) == 1 and lemmas.atoms[c[0][0]].inv in lemmas.proved]
    needed = set(todo)
    while todo:
        i = todo.pop()
        goal = z3.Bool(f"c_goal{i}")
        solver.add(z3.Implies(goal, z3.Not(et.clause(lemmas.clauses[i]))))
        if not sub.check(solver, goal, *lits).unsat:
            return lemmas
        for x in solver.unsat_core():
            j = index.get(x.get_id())
            if j is not None and j not in needed:
                needed.add(j)
                todo.append(j)
    return replace(lemmas, needed=tuple(sorted(needed)))
