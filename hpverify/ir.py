"""The finite core every engine works on.

After lowering (lower.py) a spec is: typed state variables, init items, invariants and a
list of action *instances* (parameters expanded over their finite domains), whose bodies
are built from `Require`, `Assign` (entry paths explicit) and `If`. Expressions contain no
binders, no `let` and no constants: quantifiers are expanded, names are substituted.

Values: bool, int, enum values as `EnumValue` (a str subclass, so that JSON and display
need no conversion), functions as tuples in domain order (nested for `A -> B -> T`).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .diagnostics import Span


# ---- types ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BoolT:
    def values(self) -> tuple[bool, ...]:
        return (False, True)

    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True, slots=True)
class IntT:
    """An integer; `lo..hi` for a declared range, unbounded (None) for arithmetic results.
    `sym` names the symmetric type (`symmetric type Cpu = 1..N`) the range was declared as;
    it is out of equality and hashing, so every consumer sees the plain range."""

    lo: int | None = None
    hi: int | None = None
    sym: str | None = field(default=None, compare=False)

    def values(self) -> tuple[int, ...]:
        assert self.lo is not None and self.hi is not None
        return tuple(range(self.lo, self.hi + 1))

    def contains(self, v: int) -> bool:
        return (self.lo is None or v >= self.lo) and (self.hi is None or v <= self.hi)

    def __str__(self) -> str:
        return "int" if self.lo is None else f"{self.lo}..{self.hi}"


class EnumValue(str):
    """An enumeration value; a str so that it prints and serialises as its name."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class EnumT:
    """An enumeration. `sym` is for the generated owner type of locks (process.py): each
    (symmetric type, first) says that members[first:first + n] are the owner values of one
    process's instances over that symmetric type's n values, in order (`w(1)`, `w(2)`, ...),
    which a permutation of the type permutes alike. Out of equality and hashing, as
    `IntT.sym` is."""

    name: str
    members: tuple[EnumValue, ...]
    sym: tuple[tuple[str, int], ...] = field(default=(), compare=False)

    def values(self) -> tuple[EnumValue, ...]:
        return self.members

    def __str__(self) -> str:
        return self.name


class Shape(enum.Enum):
    """How a function-typed value reads to the user. NOTE(sets): `set of D` is a function
    `D -> bool` (its membership predicate) everywhere below the checker: every engine, the
    evaluator and the state codecs treat it as the function it is; only the renderings
    (traces, JSON, ITF) and the checker's typing look at the shape."""

    FUN = "fun"
    SET = "set"


@dataclass(frozen=True, slots=True)
class FunT:
    dom: Domain
    cod: Type
    shape: Shape = Shape.FUN

    def values(self) -> tuple[Value, ...]:
        raise TypeError("function types are not domains")

    def is_set(self) -> bool:
        return self.shape is Shape.SET

    def __str__(self) -> str:
        if self.shape is Shape.SET:
            return f"set of {self.dom}"
        return f"{self.dom} -> {self.cod}"


def is_set(t: object) -> bool:
    return isinstance(t, FunT) and t.shape is Shape.SET


def set_members(v: Value, t: FunT) -> list[Value]:
    """The elements of a set value (its membership tuple), in domain order."""
    assert isinstance(v, tuple)
    dom: tuple[Value, ...] = t.dom.values()
    return [d for d, x in zip(dom, v, strict=True) if x]


Domain = BoolT | IntT | EnumT
Type = BoolT | IntT | EnumT | FunT
Value = bool | int | EnumValue | tuple["Value", ...]


def index_pos(dom: Domain, v: Value) -> int | None:
    """v's position in dom's values (None if v is not one of them), in constant time after
    the first call per domain; bool values never match ints (True == 1 in Python)."""
    return _positions(dom).get((type(v), v))


@functools.lru_cache(maxsize=256)
def _positions(dom: Domain) -> dict[tuple[type, Value], int]:
    vals: tuple[Value, ...] = dom.values()
    return {(type(d), d): i for i, d in enumerate(vals)}


def same_shape(a: Type, b: Type) -> bool:
    """Types that `=` may compare and `x' =` may assign: ints of any range are one type;
    function domains must be the same set."""
    match a, b:
        case IntT(), IntT():
            return True
        case FunT(), FunT():
            return a.shape is b.shape and a.dom.values() == b.dom.values() \
                and same_shape(a.cod, b.cod)
        case _:
            return a == b


def render_value(v: Value, t: Type) -> object:
    """The JSON rendering the contract fixes: functions as objects keyed by domain strings."""
    if isinstance(t, FunT) and t.shape is Shape.SET:  # NOTE(sets): a JSON array, in order
        return [render_value(d, t.dom) for d in set_members(v, t)]
    if isinstance(t, FunT):
        assert isinstance(v, tuple)
        dom: tuple[Value, ...] = t.dom.values()
        return {key_string(d): render_value(x, t.cod) for d, x in zip(dom, v, strict=True)}
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > MAX_DECIMAL_BITS:
        return int_text(v)  # JSON cannot carry it as a number
    return v


def key_string(d: Value) -> str:
    if isinstance(d, bool):
        return "true" if d else "false"
    return int_text(d) if isinstance(d, int) else str(d)


MAX_DECIMAL_BITS = 12_000  # about 3,600 digits: below Python's 4,300-digit str() limit


def int_text(v: int) -> str:
    """v in decimal, or in hexadecimal past MAX_DECIMAL_BITS (NOTE(limits) in parse.py:
    a value out of its type, computed by init or a step, can outgrow str()'s limit)."""
    return str(v) if v.bit_length() <= MAX_DECIMAL_BITS else hex(v)


def show_value(v: Value, t: Type) -> str:
    """Compact text rendering for traces: `{1: true, 2: false}`; a set as `{1, 3}`."""
    if isinstance(t, FunT) and t.shape is Shape.SET:
        return "{" + ", ".join(show_value(d, t.dom) for d in set_members(v, t)) + "}"
    if isinstance(t, FunT):
        assert isinstance(v, tuple)
        dom: tuple[Value, ...] = t.dom.values()
        inner = ", ".join(f"{key_string(d)}: {show_value(x, t.cod)}"
                          for d, x in zip(dom, v, strict=True))
        return "{" + inner + "}"
    if isinstance(v, bool):
        return "true" if v else "false"
    return int_text(v) if isinstance(v, int) else str(v)


# ---- expressions ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Lit:
    value: Value
    type: Type


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    type: Type


@dataclass(frozen=True, slots=True)
class Index:
    """`fn[idx]`; reading outside fn's domain violates `types` (and yields the last entry)."""

    fn: Expr
    idx: Expr
    type: Type


@dataclass(frozen=True, slots=True)
class Not:
    arg: Expr
    type: Type = BoolT()


@dataclass(frozen=True, slots=True)
class And:
    """Left-to-right, short-circuit."""

    args: tuple[Expr, ...]
    type: Type = BoolT()


@dataclass(frozen=True, slots=True)
class Or:
    args: tuple[Expr, ...]
    type: Type = BoolT()


@dataclass(frozen=True, slots=True)
class Ite:
    cond: Expr
    then: Expr
    else_: Expr
    type: Type


@dataclass(frozen=True, slots=True)
class Eq:
    """Structural equality (functions included)."""

    left: Expr
    right: Expr
    type: Type = BoolT()


@dataclass(frozen=True, slots=True)
class Cmp:
    op: str  # < <= > >=
    left: Expr
    right: Expr
    type: Type = BoolT()


@dataclass(frozen=True, slots=True)
class Arith:
    op: str  # + - * / % (/ and %: floored, divisor > 0; NOTE(division) in fold.py)
    left: Expr
    right: Expr
    type: Type = IntT()


@dataclass(frozen=True, slots=True)
class Member:
    """`arg in dom` where dom is a set of values of arg's type (a range, an enum subset)."""

    arg: Expr
    members: tuple[Value, ...]
    type: Type = BoolT()


@dataclass(frozen=True, slots=True)
class Count:
    args: tuple[Expr, ...]
    type: Type = IntT()


@dataclass(frozen=True, slots=True)
class FunLit:
    """A function value built entry by entry (`[x in D: e]`), in domain order."""

    items: tuple[Expr, ...]
    type: FunT


Expr = Lit | Var | Index | Not | And | Or | Ite | Eq | Cmp | Arith | Member | Count | FunLit


# ---- statements and the model ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Require:
    cond: Expr


@dataclass(frozen=True, slots=True)
class Assign:
    """`var'[path...] = value`; applied in program order as a functional update."""

    var: str
    path: tuple[Expr, ...]
    value: Expr


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    else_: tuple[Stmt, ...]


Stmt = Require | Assign | If


@dataclass(frozen=True, slots=True)
class StepOrigin:
    """The process step an action was generated from (process.py): how traces name it."""

    process: str
    label: str
    line: int
    choices: int = 0  # the last `choices` parameters are the label's (`L(x: D):`), not the instance's


@dataclass(frozen=True, slots=True)
class Instance:
    """One action with concrete parameter values: the unit a step fires."""

    action: str
    params: tuple[tuple[str, Value], ...]
    param_types: tuple[Type, ...]
    actor: Value | None
    actor_type: Type | None
    body: tuple[Stmt, ...]
    span: Span = field(compare=False, repr=False)
    origin: StepOrigin | None = field(default=None, compare=False, repr=False)

    def process_instance(self) -> str | None:
        """`truncate(c0)` for a step of a process instance (process.py), else None."""
        if self.origin is None:
            return None
        who = self.origin.process
        shown = self.shown_params()  # not the hidden parameters of `x' in S`
        own = len(shown) - self.origin.choices  # then the label's choices (`L(x: D):`)
        if own:
            who += "(" + ", ".join(show_value(v, t) for _, v, t in shown[:own]) + ")"
        return who

    def shown_params(self) -> list[tuple[str, Value, Type]]:
        """The parameters a user declared: not the hidden ones of `x' in S` (NOTE(pick) in
        check.py), whose value the trace shows as the write."""
        return [(n, v, t) for (n, v), t in zip(self.params, self.param_types, strict=True)
                if "'" not in n]

    def label(self) -> str:
        if self.origin is not None:  # `truncate(c0) at enqueue (line 14)`
            at = self.origin.label
            if self.origin.choices:  # `task(1) at hugetlb_no_page(p=2) (line 9)`
                chosen = self.shown_params()[-self.origin.choices:]
                at += "(" + ", ".join(f"{x}={show_value(v, t)}" for x, v, t in chosen) + ")"
            return f"{self.process_instance()} at {at} (line {self.origin.line})"
        shown = self.shown_params()
        if not shown:
            return self.action
        args = ", ".join(f"{n}={show_value(v, t)}" for n, v, t in shown)
        return f"{self.action}({args})"

    def actor_name(self) -> str | None:
        if self.actor is None or self.actor_type is None:
            return None
        return show_value(self.actor, self.actor_type)


@dataclass(frozen=True, slots=True)
class StateVar:
    name: str
    type: Type


@dataclass(frozen=True, slots=True)
class Invariant:
    name: str
    body: Expr
    span: Span = field(compare=False, repr=False)
    body_span: Span | None = field(default=None, compare=False, repr=False)


TYPES = "types"  # the built-in invariant


Path = tuple[Value, ...]  # constant indices from a variable down to one of its parts


@dataclass(frozen=True, slots=True)
class InitDef:
    """An init item `var[path...] = value` that DEFINES that part of the initial state
    (NOTE(init-definitions) in lower.py): the part takes value's value, which may lie
    outside its type (a `types` violation in 0 steps); every other part ranges over its
    type. The item also stays in `Model.init`, where it holds by construction."""

    var: str
    path: Path
    value: Expr


# ---- data: records and sequences (dataB) ------------------------------------------------
# NOTE(records): a record or a bounded sequence never reaches the engines. The checker
# flattens a variable of such a type into ordinary variables, one per leaf, with names no
# user can write (`r.a`, `q.len`, `q.items`); a function of records becomes a record of
# functions (`f: P -> {a: A}` is `f.a: P -> A`), and a sequence `seq[N] of T` is its length
# `q.len: 0..N` and its slots `q.items: 1..N -> T`, the slots past the length holding T's
# first value (so that equal sequences are equal states, and state counts are TLC's).
# A `View` records the variable as the user declared it, for traces, JSON and ITF.
@dataclass(frozen=True, slots=True)
class RecT:
    fields: tuple[tuple[str, object], ...]  # (name, Type | RecT | SeqT | UFunT)

    def __str__(self) -> str:
        return "{" + ", ".join(f"{n}: {t}" for n, t in self.fields) + "}"


@dataclass(frozen=True, slots=True)
class SeqT:
    bound: int
    elem: object

    def __str__(self) -> str:
        return f"seq[{self.bound}] of {self.elem}"


@dataclass(frozen=True, slots=True)
class UFunT:
    """A function whose codomain holds a record or a sequence."""

    dom: Domain
    cod: object

    def __str__(self) -> str:
        return f"{self.dom} -> {self.cod}"


def structured(t: object) -> bool:
    return isinstance(t, (RecT, SeqT, UFunT))


def leaves(t: object) -> list[tuple[str, Type]]:
    """The flat variables a value of type t is made of: (name suffix, IR type), in order."""
    if isinstance(t, RecT):
        return [(f".{n}{suf}", lt) for n, ft in t.fields for suf, lt in leaves(ft)]
    if isinstance(t, SeqT):
        slots_t = IntT(1, t.bound)
        return [(".len", IntT(0, t.bound))] + [(f".items{suf}", FunT(slots_t, lt))
                                                for suf, lt in leaves(t.elem)]
    if isinstance(t, UFunT):
        return [(suf, FunT(t.dom, lt)) for suf, lt in leaves(t.cod)]
    assert isinstance(t, (BoolT, IntT, EnumT, FunT))
    return [("", t)]


@dataclass(frozen=True, slots=True)
class View:
    name: str
    type: object  # RecT | SeqT | UFunT


def user_vars(model: Model) -> list[tuple[str, object]]:
    """The variables as declared: a view in place of its leaves, in declaration order."""
    owner = {view.name + suf: view for view in model.views for suf, _ in leaves(view.type)}
    out: list[tuple[str, object]] = []
    done: set[str] = set()
    for v in model.vars:
        view = owner.get(v.name)
        if view is None:
            out.append((v.name, v.type))
        elif view.name not in done:
            done.add(view.name)
            out.append((view.name, view.type))
    return out


def view_of(model: Model, var: str) -> str:
    """The declared variable a flat variable belongs to."""
    for view in model.views:
        if any(var == view.name + suf for suf, _ in leaves(view.type)):
            return view.name
    return var


def user_value(st: State, name: str, t: object, view: Callable[[Value, Type], object],
               fun: Callable[[list[tuple[Value, object]], Domain], object],
               rec: Callable[[list[tuple[str, object]]], object],
               seq: Callable[[list[object]], object], at: tuple[Value, ...] = ()) -> object:
    """The value of a declared variable in st (of its entry `at`, for a function of records),
    built with the given constructors."""
    def get(suffix: str, path: tuple[int, ...]) -> Value:
        v = st[name + suffix]
        for p in path:
            assert isinstance(v, tuple)
            v = v[p]
        return v

    def go(t: object, suffix: str, path: tuple[int, ...]) -> object:
        if isinstance(t, RecT):
            return rec([(n, go(ft, f"{suffix}.{n}", path)) for n, ft in t.fields])
        if isinstance(t, SeqT):
            n = get(suffix + ".len", path)
            assert isinstance(n, int)
            return seq([go(t.elem, suffix + ".items", path + (i,))
                        for i in range(max(0, min(n, t.bound)))])
        if isinstance(t, UFunT):
            dom: tuple[Value, ...] = t.dom.values()
            return fun([(d, go(t.cod, suffix, path + (i,))) for i, d in enumerate(dom)], t.dom)
        assert isinstance(t, (BoolT, IntT, EnumT, FunT))
        return view(get(suffix, path), t)

    start: tuple[int, ...] = ()
    for d in at:
        assert isinstance(t, UFunT)
        pos = index_pos(t.dom, d)
        assert pos is not None
        start, t = start + (pos,), t.cod
    return go(t, "", start)


def entries(t: object, at: tuple[Value, ...] = ()) -> Iterator[tuple[tuple[Value, ...], object]]:
    """The records or sequences a declared variable holds: itself, or each entry of a
    function of them (the unit a trace shows changing)."""
    if isinstance(t, UFunT):
        for d in t.dom.values():
            yield from entries(t.cod, (*at, d))
    else:
        yield at, t


def show_user(st: State, name: str, t: object, at: tuple[Value, ...] = ()) -> str:
    """A declared variable's value as traces show it: `{a: 1, b: [x, y]}`."""
    if not structured(t):
        assert isinstance(t, (BoolT, IntT, EnumT, FunT))
        return show_value(st[name], t)
    return str(user_value(
        st, name, t, show_value,
        lambda items, dom: "{" + ", ".join(f"{key_string(d)}: {x}" for d, x in items) + "}",
        lambda fields: "{" + ", ".join(f"{n}: {x}" for n, x in fields) + "}",
        lambda xs: "[" + ", ".join(str(x) for x in xs) + "]", at))


def render_user(st: State, name: str, t: object, at: tuple[Value, ...] = ()) -> object:
    """A declared variable's value in JSON: records as objects, sequences as arrays."""
    if not structured(t):
        assert isinstance(t, (BoolT, IntT, EnumT, FunT))
        return render_value(st[name], t)
    return user_value(st, name, t, render_value,
                      lambda items, dom: {key_string(d): x for d, x in items},
                      dict, list, at)


@dataclass(frozen=True, slots=True)
class SymmetricType:
    """Extension: a type whose values are interchangeable (`symmetric type Cpu = 1..N`).
    The checker (symcheck.py) guarantees that every permutation of `values` maps initial
    states to initial states, steps to steps (instance to instance) and keeps the value of
    every invariant; ranges over the type carry `IntT.sym == name`."""

    name: str
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    file: str
    consts: tuple[tuple[str, Value, Type], ...]
    vars: tuple[StateVar, ...]
    init: tuple[Expr, ...]
    invariants: tuple[Invariant, ...]
    instances: tuple[Instance, ...]
    actions: tuple[str, ...]  # declared action names, in order (coverage reports)
    init_defs: tuple[InitDef, ...] = ()  # in an order where each reads only earlier ones
    views: tuple[View, ...] = ()  # NOTE(records): how a record/sequence variable is shown
    symmetric: tuple[SymmetricType, ...] = ()  # extension: symmetry reduction (symmetry.py)

    def live_actions(self) -> list[str]:
        """Declared actions with at least one instance (the others are disabled outright by
        the constants, e.g. another VARIANT's code: not worth a vacuity warning)."""
        have = {inst.action for inst in self.instances}
        return [a for a in self.actions if a in have]

    def var_type(self, name: str) -> Type:
        for v in self.vars:
            if v.name == name:
                return v.type
        raise KeyError(name)

    def invariant(self, name: str) -> Invariant:
        for inv in self.invariants:
            if inv.name == name:
                return inv
        raise KeyError(name)


def subexprs(e: object) -> Iterator[object]:
    """Every node of an expression (or statement) tree, e itself first; types and literal
    values are not descended into."""
    stack: list[object] = [e]
    while stack:
        x = stack.pop()
        yield x
        if isinstance(x, tuple):
            stack.extend(x)
        elif hasattr(x, "__dataclass_fields__") and not isinstance(x, Lit):
            stack.extend(getattr(x, f) for f in x.__dataclass_fields__ if f != "type")


# ---- slots: a state flattened to scalars ------------------------------------------------
def slots(name: str, t: Type) -> Iterator[tuple[tuple[Value, ...], Type]]:
    """The scalar cells of a variable: (index path, scalar type), in domain order."""
    if isinstance(t, FunT):
        for d in t.dom.values():
            for path, st in slots(name, t.cod):
                yield (d, *path), st
    else:
        yield (), t


def view_slots(t: Type) -> Iterator[tuple[tuple[Value, ...], Type]]:
    """The cells a user sees (traces): as `slots`, but a set is one cell (NOTE(sets))."""
    if isinstance(t, FunT) and t.shape is not Shape.SET:
        for d in t.dom.values():
            for path, st in view_slots(t.cod):
                yield (d, *path), st
    else:
        yield (), t


State = dict[str, Value]


# ---- binders: present only between checking and lowering -------------------------------
@dataclass(frozen=True, slots=True)
class Bound:
    """A parameter or quantified variable, replaced by a value when lowering."""

    name: str
    type: Type


@dataclass(frozen=True, slots=True)
class Quant:
    """`bounds` replaces `members` for a range whose bounds use parameters or bound
    variables (`exists j in 1..i-1: ...`): the members are known once those are."""

    kind: str  # forall | exists | count | sum | min | max | choose
    var: str
    members: tuple[Value, ...]
    body: CoreExpr
    type: Type
    bounds: tuple[CoreExpr, CoreExpr] | None = None
    guard: CoreExpr | None = None  # min/max over a range that reads state: value in range?


@dataclass(frozen=True, slots=True)
class Cons:
    """`[x in D: body]` before expansion."""

    var: str
    members: tuple[Value, ...]
    body: CoreExpr
    type: FunT


CoreExpr = Expr | Bound | Quant | Cons


# ---- rendering: IR expressions in the spec's own syntax ---------------------------------
_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "atom": 9}


def render(e: Expr) -> str:
    """`e` in hp syntax (lowered: quantifiers appear expanded), for lemmas shown to users."""
    return _render(e)[0]


def _render(e: Expr) -> tuple[str, int]:
    match e:
        case Lit():
            return show_value(e.value, e.type), _PREC["atom"]
        case Var():
            return e.name, _PREC["atom"]
        case Index():
            return f"{_wrap(e.fn, _PREC['atom'])}[{render(e.idx)}]", _PREC["atom"]
        case Not():
            if isinstance(e.arg, Eq):
                return f"{_wrap(e.arg.left, 5)} != {_wrap(e.arg.right, 5)}", _PREC["cmp"]
            return f"not {_wrap(e.arg, _PREC['not'])}", _PREC["not"]
        case And() | Or():
            word = "and" if isinstance(e, And) else "or"
            # `a or (b and c)`: parentheses a reader need not supply from precedence
            need = _PREC["and"] + 1
            return f" {word} ".join(_wrap(a, need) for a in e.args), _PREC[word]
        case Ite():
            return (f"(if {render(e.cond)} then {render(e.then)} else {render(e.else_)})",
                    _PREC["atom"])
        case Eq():
            return f"{_wrap(e.left, 5)} = {_wrap(e.right, 5)}", _PREC["cmp"]
        case Cmp():
            return f"{_wrap(e.left, 5)} {e.op} {_wrap(e.right, 5)}", _PREC["cmp"]
        case Arith():
            p = _PREC[e.op]
            return f"{_wrap(e.left, p)} {e.op} {_wrap(e.right, p + 1)}", p
        case Member():
            vals = ", ".join(show_value(m, e.arg.type) for m in e.members)
            return f"{_wrap(e.arg, 5)} in {{{vals}}}", _PREC["cmp"]
        case Count():
            return f"count({', '.join(render(a) for a in e.args)})", _PREC["atom"]
        case FunLit():
            return f"[{', '.join(render(a) for a in e.items)}]", _PREC["atom"]
    raise AssertionError(f"cannot render {e!r}")  # pragma: no cover


def _wrap(e: Expr, need: int) -> str:
    text, prec = _render(e)
    return text if prec >= need else f"({text})"
