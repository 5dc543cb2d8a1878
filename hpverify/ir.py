"""The finite core every engine works on.

After lowering (lower.py) a spec is: typed state variables, init items, invariants and a
list of action *instances* (parameters expanded over their finite domains), whose bodies
are built from `Require`, `Assign` (entry paths explicit) and `If`. Expressions contain no
binders, no `let` and no constants: quantifiers are expanded, names are substituted.

Values: bool, int, enum values as `EnumValue` (a str subclass, so that JSON and display
need no conversion), functions as tuples in domain order (nested for `A -> B -> T`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
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
    name: str
    members: tuple[EnumValue, ...]

    def values(self) -> tuple[EnumValue, ...]:
        return self.members

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class FunT:
    dom: Domain
    cod: Type

    def values(self) -> tuple[Value, ...]:
        raise TypeError("function types are not domains")

    def __str__(self) -> str:
        return f"{self.dom} -> {self.cod}"


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
            return a.dom.values() == b.dom.values() and same_shape(a.cod, b.cod)
        case _:
            return a == b


def render_value(v: Value, t: Type) -> object:
    """The JSON rendering the contract fixes: functions as objects keyed by domain strings."""
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
    """Compact text rendering for traces: `{1: true, 2: false}`."""
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
    op: str  # + - *
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
class Instance:
    """One action with concrete parameter values: the unit a step fires."""

    action: str
    params: tuple[tuple[str, Value], ...]
    param_types: tuple[Type, ...]
    actor: Value | None
    actor_type: Type | None
    body: tuple[Stmt, ...]
    span: Span = field(compare=False, repr=False)

    def label(self) -> str:
        if not self.params:
            return self.action
        args = ", ".join(f"{n}={show_value(v, t)}"
                         for (n, v), t in zip(self.params, self.param_types, strict=True))
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

    kind: str  # forall | exists | count
    var: str
    members: tuple[Value, ...]
    body: CoreExpr
    type: Type
    bounds: tuple[CoreExpr, CoreExpr] | None = None


@dataclass(frozen=True, slots=True)
class Cons:
    """`[x in D: body]` before expansion."""

    var: str
    members: tuple[Value, ...]
    body: CoreExpr
    type: FunT


CoreExpr = Expr | Bound | Quant | Cons


# ---- rendering: IR expressions in the spec's own syntax ---------------------------------
_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "atom": 9}


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
