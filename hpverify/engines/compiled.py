"""The explicit-state engine's step and invariants, compiled to Python source once per model.

evaluate.py walks the IR tree for every expression of every instance in every state; the
explicit engine spends nearly all its time there. This module turns the model into straight
Python functions (generated source, `compile()`d once) over a *flat* state: a tuple of
scalar cells in `ir.slots` order (functions flattened row-major, as StateCodec numbers
them). A read `f[lit]` becomes `s[17]`, a successor a list copy with a few cells replaced,
a failing `require` a jump to the next instance.

The semantics are evaluate.py's, exactly; the cases that need care:

- NOTE(read-error): a read outside a domain yields the LAST entry and sets the local `err`
  flag; the flag is set inside the expression (walrus) so that it happens only where the
  interpreter would evaluate the read (short-circuit `and`/`or`/`if`). A write with an
  index outside its domain changes nothing and sets `err`.
- NOTE(step-order): a `require` saves `err`, evaluates its condition with a clean flag,
  and disables the step only if the condition is false AND its own evaluation read inside
  every domain; the step's reads before it still count only if the step stays enabled
  (a disabled step returns nothing, so its flag is dropped with it).
- Functions are flat tuples everywhere (variables, `[...]` literals, `if` results), so
  structural `=` on functions is tuple equality: same as the interpreter's nested tuples,
  since both sides have the same shape (the checker's `same_shape`).
- `count` is `0 + a1 + a2 ...`: every argument evaluated, the result an int (never a bool,
  which the state codec would not accept as an int cell).

The explicit engine's own loop runs a second rendering of the same step and invariants over
*packed* states, one int per state (NOTE(packed-states)): reads are shifts and masks, a
successor is the state with a few bit slices replaced, guards shared by several instances
are tested once (NOTE(guard-tree)), and the visited-set bookkeeping is generated inline
(NOTE(explore)). What the packed generator does not handle (function-valued expressions,
an int written outside its range) runs on the cells above, decoded from the int.

Dynamic indexes use dicts from domain value to cell offset. Those dicts cannot tell `True`
from `1` where `_pos` can; the checker's typing guarantees an index has its domain's type.
A literal whose Python type does not match its IR type is the one way an ill-typed value
could enter (only in a hand-built IR): such a model is not compiled at all. Anything else
the generator does not handle raises `_Unsupported` and that instance or invariant runs
through evaluate.py instead (wrapped to the flat representation).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .. import evaluate as ev
from .. import ir

Cells = tuple[Any, ...]
StepFn = Callable[[Cells], "tuple[Cells, bool] | None"]
SuccessorsFn = Callable[[Cells], "list[tuple[int, Cells, bool]]"]
InvariantFn = Callable[[Cells], bool]
Key = int | tuple[Any, ...]
ExploreFn = Callable[[int, dict[Any, Any], Callable[[Any], None], bytearray], None]


class _Unsupported(Exception):
    """A construct the generator does not compile: that unit falls back to evaluate.py."""


def ncells(t: ir.Type) -> int:
    """Scalar cells of a value of type t."""
    if isinstance(t, ir.FunT):
        return len(t.dom.values()) * ncells(t.cod)
    return 1


def flatten_value(v: ir.Value, t: ir.Type, out: list[Any]) -> None:
    if isinstance(t, ir.FunT):
        assert isinstance(v, tuple)
        for x in v:
            flatten_value(x, t.cod, out)
    else:
        out.append(v)


def build_value(t: ir.Type, it: Iterator[Any]) -> ir.Value:
    if isinstance(t, ir.FunT):
        return tuple(build_value(t.cod, it) for _ in t.dom.values())
    return next(it)


def _lit_ok(v: object, t: ir.Type) -> bool:
    """Does v have exactly the Python type the IR type promises (bool is not an int here)?"""
    if isinstance(t, ir.FunT):
        n = len(t.dom.values())
        return isinstance(v, tuple) and len(v) == n and all(_lit_ok(x, t.cod) for x in v)
    if isinstance(t, ir.BoolT):
        return type(v) is bool
    if isinstance(t, ir.IntT):
        return type(v) is int
    return type(v) is ir.EnumValue


def _check_lits(node: object) -> None:
    for x in ir.subexprs(node):
        if isinstance(x, ir.Lit) and not _lit_ok(x.value, x.type):
            raise _Unsupported(f"literal {x.value!r} is not a {x.type}")


def _well_typed(model: ir.Model) -> bool:
    """Are all the model's literals of their IR types (always so after the checker)?"""
    try:
        _check_lits((model.init, tuple(i.body for i in model.instances),
                     tuple(inv.body for inv in model.invariants)))
    except _Unsupported:
        return False
    return True


def may_err(e: ir.Expr) -> bool:
    """Can evaluating e set the read-error flag? (Only an index that is not a literal inside
    its domain can; a `require` without one needs no save/restore of the flag.)"""
    for x in ir.subexprs(e):
        if isinstance(x, ir.Index):
            if not isinstance(x.idx, ir.Lit) or not isinstance(x.fn.type, ir.FunT):
                return True
            if ev._pos(x.fn.type.dom, x.idx.value) is None:
                return True
    return False


class _Pool:
    """The constants the generated functions name (K0, K1...), shared by one model's code."""

    def __init__(self) -> None:
        self.ns: dict[str, object] = {}
        self.interned: dict[tuple[Any, ...], str] = {}


class _Gen:
    """Emits the source of one function body."""

    def __init__(self, model: ir.Model, pool: _Pool) -> None:
        self.base: dict[str, tuple[int, ir.Type]] = {}
        off = 0
        for v in model.vars:
            self.base[v.name] = (off, v.type)
            off += ncells(v.type)
        self.pool = pool
        self.lines: list[str] = []
        self.depth = 0
        self.ntemp = 0

    # ---- plumbing -----------------------------------------------------------------------
    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def temp(self) -> str:
        self.ntemp += 1
        return f"_t{self.ntemp}"

    def const(self, value: object) -> str:
        # Keyed by type as well as value: EnumValue('a') must not merge with 'a', True with 1.
        if isinstance(value, dict):
            key: tuple[Any, ...] = ("dict", id(value))
        elif isinstance(value, tuple):
            key = (tuple, *((type(x), x) for x in value))
        else:
            key = (type(value), value)
        name = self.pool.interned.get(key)
        if name is None:
            name = f"K{len(self.pool.ns)}"
            self.pool.ns[name] = value
            self.pool.interned[key] = name
        return name

    # ---- expressions: a Python expression string with the same value and the same reads --
    def expr(self, e: ir.Expr) -> str:
        match e:
            case ir.Lit():
                if isinstance(e.type, ir.FunT):
                    flat: list[Any] = []
                    flatten_value(e.value, e.type, flat)
                    return self.const(tuple(flat))
                if type(e.value) is bool or type(e.value) is int:
                    return repr(e.value)
                return self.const(e.value)
            case ir.Var():
                if e.name not in self.base:
                    raise _Unsupported(f"unknown variable {e.name}")
                off, t = self.base[e.name]
                if isinstance(t, ir.FunT):
                    return f"s[{off}:{off + ncells(t)}]"
                return f"s[{off}]"
            case ir.Index():
                return self._index(e)
            case ir.Not():
                return f"(not {self.expr(e.arg)})"
            case ir.And():
                if not e.args:
                    return "True"
                return "(" + " and ".join(self.expr(a) for a in e.args) + ")"
            case ir.Or():
                if not e.args:
                    return "False"
                return "(" + " or ".join(self.expr(a) for a in e.args) + ")"
            case ir.Ite():
                return f"({self.expr(e.then)} if {self.expr(e.cond)} else {self.expr(e.else_)})"
            case ir.Eq():
                return f"({self.expr(e.left)} == {self.expr(e.right)})"
            case ir.Cmp():
                if e.op not in ("<", "<=", ">", ">="):
                    raise _Unsupported(f"comparison {e.op}")
                return f"({self.expr(e.left)} {e.op} {self.expr(e.right)})"
            case ir.Arith():
                if e.op not in ("+", "-", "*", "/", "%"):
                    raise _Unsupported(f"operator {e.op}")
                op = "//" if e.op == "/" else e.op  # NOTE(division): Python floors as TLA+
                return f"({self.expr(e.left)} {op} {self.expr(e.right)})"
            case ir.Member():
                if isinstance(e.arg.type, ir.FunT):
                    raise _Unsupported("membership of a function")
                return f"({self.expr(e.arg)} in {self.const(tuple(e.members))})"
            case ir.Count():
                # `0 +` keeps the sum an int even for a single bool argument.
                return "(" + " + ".join(["0", *(self.expr(a) for a in e.args)]) + ")"
            case ir.FunLit():
                if isinstance(e.type.cod, ir.FunT):
                    return "(" + "".join(f"*{self.expr(x)}, " for x in e.items) + ")"
                return "(" + "".join(f"{self.expr(x)}, " for x in e.items) + ")"
        raise _Unsupported(f"expression {type(e).__name__}")

    def _pos(self, idx: ir.Expr, dom: ir.Domain, stride: int) -> int | str:
        """The offset (entry position * stride) that idx selects, as a constant when it is
        one; outside the domain the last entry's, with `err` set (NOTE(read-error))."""
        vals = dom.values()
        last = (len(vals) - 1) * stride
        if isinstance(idx, ir.Lit):
            p = ev._pos(dom, idx.value)
            if p is None:
                return f"((err := True) and {last})"
            return p * stride
        table = self.const({v: i * stride for i, v in enumerate(vals)})
        t = self.temp()
        return (f"({t} if ({t} := {table}.get({self.expr(idx)})) is not None "
                f"else ((err := True) and {last}))")

    def _offset(self, e: ir.Expr) -> int | str | None:
        """The cell offset of a state location (`v`, `v[i]`, `v[i][j]`...), else None."""
        if isinstance(e, ir.Var):
            if e.name not in self.base:
                raise _Unsupported(f"unknown variable {e.name}")
            return self.base[e.name][0]
        if isinstance(e, ir.Index):
            inner = self._offset(e.fn)
            if inner is None:
                return None
            if not isinstance(e.fn.type, ir.FunT):
                raise _Unsupported("index into a non-function")
            p = self._pos(e.idx, e.fn.type.dom, ncells(e.fn.type.cod))
            if isinstance(inner, int) and isinstance(p, int):
                return inner + p
            return f"({inner} + {p})"
        return None

    def _index(self, e: ir.Index) -> str:
        if not isinstance(e.fn.type, ir.FunT):
            raise _Unsupported("index into a non-function")
        width = ncells(e.fn.type.cod)
        off = self._offset(e)
        scalar = not isinstance(e.fn.type.cod, ir.FunT)  # a one-cell row is still a tuple
        if off is not None:  # a state location: read its cell(s) straight from s
            if width == 1 and scalar:
                return f"s[{off}]"
            if isinstance(off, int):
                return f"s[{off}:{off + width}]"
            t = self.temp()
            return f"s[({t} := {off}):{t} + {width}]"
        fn = self.expr(e.fn)  # a computed function value (if/literal): slice the flat tuple
        p = self._pos(e.idx, e.fn.type.dom, width)
        if width == 1 and scalar:
            return f"({fn})[{p}]"
        t = self.temp()
        return f"({fn})[({t} := {p}):{t} + {width}]"

    # ---- statements -----------------------------------------------------------------------
    def block(self, body: tuple[ir.Stmt, ...], fail: str) -> None:
        if not body:
            self.emit("pass")
        for s in body:
            match s:
                case ir.Require():
                    self.require(s.cond, fail)
                case ir.Assign():
                    self.assign(s)
                case ir.If():
                    self.emit(f"if {self.expr(s.cond)}:")
                    self.depth += 1
                    self.block(s.then, fail)
                    self.depth -= 1
                    if s.else_:
                        self.emit("else:")
                        self.depth += 1
                        self.block(s.else_, fail)
                        self.depth -= 1
                case _:
                    raise _Unsupported(f"statement {type(s).__name__}")

    def require(self, cond: ir.Expr, fail: str) -> None:
        if not may_err(cond):
            self.emit(f"if not {self.expr(cond)}: {fail}")
            return
        # NOTE(step-order): judge the condition on its own reads only.
        before, value = self.temp(), self.temp()
        self.emit(f"{before} = err")
        self.emit("err = False")
        self.emit(f"{value} = {self.expr(cond)}")
        self.emit(f"if not {value} and not err: {fail}")
        self.emit(f"err = {before} or err")

    def entry_offset(self, path: tuple[ir.Expr, ...], t: ir.Type, unit: int,
                     dyn: list[str]) -> tuple[int, bool, ir.Type]:
        """An assignment's entry path as an offset into its variable, in units of `unit`
        (1: cells; a cell's bit width: packed bits): the constant part, whether a constant
        index lies outside its domain, and the entry's type; each computed index appends a
        temp holding its dict-looked-up offset (None: outside the domain) to `dyn`."""
        const_off, outside = 0, False
        for p in path:
            if not isinstance(t, ir.FunT):
                raise _Unsupported("path into a non-function")
            stride = ncells(t.cod) * unit
            if isinstance(p, ir.Lit):
                pos = ev._pos(t.dom, p.value)
                if pos is None:
                    outside = True
                else:
                    const_off += pos * stride
            else:
                table = self.const({v: i * stride for i, v in enumerate(t.dom.values())})
                tmp = self.temp()
                self.emit(f"{tmp} = {table}.get({self.expr(p)})")
                dyn.append(tmp)
            t = t.cod
        return const_off, outside, t

    def assign(self, s: ir.Assign) -> None:
        if s.var not in self.base:
            raise _Unsupported(f"unknown variable {s.var}")
        off, t = self.base[s.var]
        dyn: list[str] = []  # temps holding dict-looked-up offsets (None: outside the domain)
        const_off, outside, t = self.entry_offset(s.path, t, 1, dyn)
        const_off += off
        width = ncells(t)
        value = self.expr(s.value)
        if outside:  # NOTE(read-error): the write changes nothing
            tmp = self.temp()
            self.emit(f"{tmp} = {value}")  # still evaluated: its own reads may set err
            self.emit("err = True")
            return
        where = " + ".join([str(const_off), *dyn])
        # a whole function is a slice even when its domain has one element (its value is a tuple)
        target = None if isinstance(t, ir.FunT) else f"n[{where}]"
        if dyn:
            tmp = self.temp()
            self.emit(f"{tmp} = {value}")
            self.emit(f"if {' or '.join(d + ' is None' for d in dyn)}:")
            self.emit("    err = True")
            self.emit("else:")
            if target is None:
                o = self.temp()
                self.emit(f"    {o} = {where}")
                self.emit(f"    n[{o}:{o} + {width}] = {tmp}")
            else:
                self.emit(f"    {target} = {tmp}")
        elif target is None:
            self.emit(f"n[{const_off}:{const_off + width}] = {value}")
        else:
            self.emit(f"{target} = {value}")

    def body(self, inst: ir.Instance, fail: str) -> bool:
        """Emit an instance's body; True if it writes (so that `n` holds the successor)."""
        writes = any(isinstance(x, ir.Assign) for x in ir.subexprs(inst.body))
        copied = False
        for s in inst.body:
            if writes and not copied and not isinstance(s, ir.Require):
                self.emit("n = list(s)")  # after the leading requires: most steps stop there
                copied = True
            self.block((s,), fail)
        if writes and not copied:
            self.emit("n = list(s)")
        return writes


class Layout:
    """NOTE(packed-states): where each scalar cell lives in a packed state, one Python int.

    Cell k holds its *digit* (the value's position in its type's values: False/True as
    0/1, an int as `v - lo`, an enum member by its declaration order) in `width[k]` bits at
    `shift[k]`, the first cell lowest; a one-value cell takes no bits. Every cell of one
    variable has the same leaf type, so the cells of `v` sit `leaf width` bits apart from
    `var_bit[v]`, and a computed index is a shift by a table lookup (no per-cell tables).
    Only type-correct, error-free states are packed; the rest keep the tagged tuples
    ('err', *cells) / ('bad', *cells) (StateCodec), which have no successors."""

    def __init__(self, model: ir.Model) -> None:
        self.scalars: list[ir.Type] = [t for v in model.vars for _, t in ir.slots(v.name, v.type)]
        self.values: list[Any] = []
        self.shift: list[int] = []
        self.width: list[int] = []
        self.var_bit: dict[str, tuple[int, int, ir.Type]] = {}
        bit = 0
        for v in model.vars:
            leaf = v.type
            while isinstance(leaf, ir.FunT):
                leaf = leaf.cod
            vals = _cell_values(leaf)
            w = (len(vals) - 1).bit_length()
            self.var_bit[v.name] = (bit, w, leaf)
            for _ in range(ncells(v.type)):
                self.values.append(vals)
                self.shift.append(bit)
                self.width.append(w)
                bit += w
        self.bits = bit


def _cell_values(t: ir.Type) -> Any:
    """A scalar type's values in digit order (an int range stays a range: NOTE(limits))."""
    if isinstance(t, ir.IntT):
        assert t.lo is not None and t.hi is not None
        return range(t.lo, t.hi + 1)
    return tuple(t.values())


_PACKED_EXPRS = (ir.Not, ir.And, ir.Or, ir.Cmp, ir.Arith, ir.Count)


class _PackedGen(_Gen):
    """Emits code over a packed state `s` (an int, NOTE(packed-states)) instead of a cell
    tuple. Scalar values are the interpreter's (an int, an EnumValue), except that a bool
    read from the state is 0 or 1 (equal to False/True, with the same hash). Anything not
    listed here (function-valued expressions, new IR nodes) raises _Unsupported and that
    instance or invariant runs on cells (CompiledModel: the packed state decoded)."""

    def __init__(self, model: ir.Model, pool: _Pool, layout: Layout) -> None:
        super().__init__(model, pool)
        self.model = model
        self.layout = layout
        self.sets_err = False  # did the code emitted so far ever set `err`?

    # ---- reads --------------------------------------------------------------------------
    def _loc(self, e: ir.Expr) -> tuple[str, int | str] | None:
        """(variable, bit offset inside the variable's cells) of a state location."""
        if isinstance(e, ir.Var):
            if e.name not in self.layout.var_bit:
                raise _Unsupported(f"unknown variable {e.name}")
            return e.name, 0
        if isinstance(e, ir.Index):
            inner = self._loc(e.fn)
            if inner is None:
                return None
            if not isinstance(e.fn.type, ir.FunT):
                raise _Unsupported("index into a non-function")
            w = self.layout.var_bit[inner[0]][1]
            p = self._pos(e.idx, e.fn.type.dom, ncells(e.fn.type.cod) * w)
            if isinstance(p, str) and "err :=" in p:
                self.sets_err = True
            off = inner[1]
            if isinstance(off, int) and isinstance(p, int):
                return inner[0], off + p
            return inner[0], f"({off} + {p})" if off != 0 else p
        return None

    def _read(self, e: ir.Expr) -> tuple[str, Any, ir.Type] | None:
        """(the cell's digit as code, the cell's values, its type) of a scalar state read."""
        if isinstance(e.type, ir.FunT):
            raise _Unsupported("a function-valued expression")
        loc = self._loc(e)
        if loc is None:
            return None
        bit, w, leaf = self.layout.var_bit[loc[0]]
        vals = _cell_values(leaf)
        off = loc[1]
        if w == 0:  # one value: no bits, but a computed index is still evaluated (err)
            return ("0" if isinstance(off, int) else f"({off} and 0)"), vals, leaf
        mask = (1 << w) - 1
        if isinstance(off, int):
            sh = bit + off
            return (f"(s >> {sh} & {mask})" if sh else f"(s & {mask})"), vals, leaf
        where = f"({bit} + {off})" if bit else off
        return f"(s >> {where} & {mask})", vals, leaf

    def _value(self, digit: str, vals: Any, leaf: ir.Type) -> str:
        if isinstance(leaf, ir.BoolT):
            return digit
        if isinstance(leaf, ir.IntT):
            return f"({digit} + {vals.start})" if vals.start else digit
        return f"{self.const(tuple(vals))}[{digit}]"

    def _digit_of(self, e: ir.Expr, vals: Any) -> str | None:
        """e's digit among `vals` as code, when it is cheap: a literal or an enum read."""
        if isinstance(e, ir.Lit) and type(e.value) is ir.EnumValue:
            return str(vals.index(e.value)) if e.value in vals else None
        if isinstance(e.type, ir.EnumT) and isinstance(e, (ir.Var, ir.Index)):
            r = self._read(e)
            if r is not None and tuple(r[1]) == tuple(vals):
                return r[0]
        return None

    def expr(self, e: ir.Expr) -> str:
        if isinstance(e.type, ir.FunT):
            raise _Unsupported("a function-valued expression")
        match e:
            case ir.Lit():
                return super().expr(e)
            case ir.Var() | ir.Index():
                r = self._read(e)
                if r is None:
                    raise _Unsupported("index into a computed function")
                return self._value(*r)
            case ir.Eq():
                if isinstance(e.left.type, ir.FunT):
                    raise _Unsupported("function equality")
                for a, b in ((e.left, e.right), (e.right, e.left)):
                    if isinstance(a.type, ir.EnumT) and isinstance(a, (ir.Var, ir.Index)):
                        r = self._read(a)
                        if r is not None:
                            other = self._digit_of(b, r[1])
                            if other is not None:  # compare digits, not members
                                return f"({r[0]} == {other})"
                return super().expr(e)
            case ir.Member():
                if isinstance(e.arg.type, ir.EnumT) and isinstance(e.arg, (ir.Var, ir.Index)):
                    r = self._read(e.arg)
                    if r is not None and all(m in r[1] for m in e.members):
                        ds = tuple(r[1].index(m) for m in e.members)
                        return f"({r[0]} in {self.const(ds)})"
                return super().expr(e)
            case ir.Ite():
                return super().expr(e)
            case ir.Count():
                return self._count(e)
        if isinstance(e, _PACKED_EXPRS):
            return super().expr(e)
        raise _Unsupported(f"expression {type(e).__name__} (packed)")

    def _bool_bit(self, e: ir.Expr) -> int | None:
        """The bit of a bool cell read at a constant location, else None."""
        if not isinstance(e, (ir.Var, ir.Index)) or not isinstance(e.type, ir.BoolT):
            return None
        loc = self._loc(e)
        if loc is None or not isinstance(loc[1], int):
            return None
        bit, w, _ = self.layout.var_bit[loc[0]]
        return bit + loc[1] if w == 1 else None

    def _count(self, e: ir.Count) -> str:
        """`count` of bool cells read at constant locations is a population count of the
        state's bits under a mask (`not` cells: of the complement); the other arguments
        are added one by one."""
        pos = neg = npos = nneg = 0
        others: list[str] = []
        for a in e.args:
            inner, negated = (a.arg, True) if isinstance(a, ir.Not) else (a, False)
            b = self._bool_bit(inner)
            if b is None or (pos | neg) >> b & 1:
                others.append(self.expr(a))
            elif negated:
                neg, nneg = neg | 1 << b, nneg + 1
            else:
                pos, npos = pos | 1 << b, npos + 1
        terms = ["0"]
        if npos:
            terms.append(f"(s & {pos}).bit_count()")
        if nneg:
            terms.append(f"({nneg} - (s & {neg}).bit_count())")
        return "(" + " + ".join(terms + others) + ")"

    # ---- statements ------------------------------------------------------------------------
    def require(self, cond: ir.Expr, fail: str) -> None:
        if may_err(cond):
            self.sets_err = True
        super().require(cond, fail)

    def assign(self, s: ir.Assign) -> None:
        if s.var not in self.layout.var_bit:
            raise _Unsupported(f"unknown variable {s.var}")
        bit, w, leaf = self.layout.var_bit[s.var]
        t = self.model.var_type(s.var)
        dyn: list[str] = []
        const_off, outside, t = self.entry_offset(s.path, t, w, dyn)
        if isinstance(t, ir.FunT):
            raise _Unsupported("a whole-function write")
        vals = _cell_values(leaf)
        if outside:  # NOTE(read-error): the write changes nothing
            tmp = self.temp()
            self.emit(f"{tmp} = {self.expr(s.value)}")
            self.emit("err = True")
            self.sets_err = True
            return
        digit = self._digit_of(s.value, vals) if isinstance(leaf, ir.EnumT) else None
        if isinstance(leaf, ir.BoolT) and isinstance(s.value, ir.Lit) \
                and type(s.value.value) is bool:
            digit = str(int(s.value.value))
        if isinstance(leaf, ir.IntT) and isinstance(s.value, ir.Lit) \
                and type(s.value.value) is int and s.value.value in vals:
            digit = str(s.value.value - vals.start)
        if digit is None:
            value = self.temp()
            self.emit(f"{value} = {self.expr(s.value)}")
            if isinstance(leaf, ir.IntT):
                # leaving the range leaves the packed form: the cell path makes the tuple key
                self.emit(f"if not {vals.start} <= {value} <= {vals.stop - 1}:")
                self.emit(f"    _r = {self.slow}(s)")
                self.emit("    if _r is not None:")
                self.emit(f"        {_OUT} {self.index} _r")
                self.emit("    break")
                digit = f"({value} - {vals.start})" if vals.start else value
            elif isinstance(leaf, ir.BoolT):
                digit = value
            else:
                digit = f"{self.const({v: i for i, v in enumerate(vals)})}[{value}]"
        if w == 0:  # one value: nothing to write, but an index outside its domain is err
            if dyn:
                self.emit(f"if {' or '.join(d + ' is None' for d in dyn)}: err = True")
            return
        mask = (1 << w) - 1
        if dyn:
            self.emit(f"if {' or '.join(d + ' is None' for d in dyn)}:")
            self.emit("    err = True")
            self.sets_err = True
            self.emit("else:")
            o = self.temp()
            self.emit(f"    {o} = {' + '.join([str(bit + const_off), *dyn])}")
            self.emit(f"    n = n & ~({mask} << {o}) | {digit} << {o}")
        else:
            sh = bit + const_off
            keep = ~(mask << sh)
            if digit == "0":
                self.emit(f"n = n & {keep}")
            elif digit.isdigit():
                self.emit(f"n = n & {keep} | {int(digit) << sh}")
            else:
                self.emit(f"n = n & {keep} | {digit} << {sh}" if sh else f"n = n & {keep} | {digit}")

    def packed_parts(self, i: int, inst: ir.Instance, slow: str) -> _Part:
        """Instance i for the fused packed `expand` function: its leading guards (the
        requires before anything else, whose reads stay inside their domains, split at
        `and`), and the rest of its body; a failing require in the rest `break`s."""
        self.index, self.slow = i, slow
        self.depth = 0
        guards: list[str] = []
        body = list(inst.body)
        while body and isinstance(body[0], ir.Require) and not may_err(body[0].cond):
            cond = body.pop(0).cond  # type: ignore[union-attr]
            parts = cond.args if isinstance(cond, ir.And) else (cond,)
            guards.extend(self.expr(c) for c in parts)
        self.emit("err = False")
        writes = any(isinstance(x, ir.Assign) for x in ir.subexprs(tuple(body)))
        copied = False
        for st in body:
            if writes and not copied and not isinstance(st, ir.Require):
                self.emit("n = s")
                copied = True
            self.block((st,), "break")
        if writes and not copied:
            self.emit("n = s")
        out = "n" if writes else "s"
        lines = _merge_writes(self.lines)
        if self.sets_err or any("err :=" in ln or "err = True" in ln for ln in lines):
            lines.append(f"{_OUT} {i} {out} if not err else ERRKEY({out})")
        else:
            lines = [ln for ln in lines if ln != "err = False"]
            lines.append(f"{_OUT} {i} {out}")
        return _Part(i, tuple(guards), tuple(lines),
                     any(ln.lstrip().startswith("break") or ": break" in ln for ln in lines))


_CONST_WRITE = re.compile(r"( *)n = n & (-?\d+)(?: \| (\d+))?$")


def _merge_writes(lines: list[str]) -> list[str]:
    """Consecutive constant writes (`n = n & KEEP | BITS`) as one: (n & A | B) & C | D is
    n & (A & C) | (B & C | D), whichever cells they write."""
    out: list[str] = []
    prev: tuple[str, str, int, int] | None = None  # (indent, base, keep, bits) of out[-1]
    for ln in lines:
        m = _CONST_WRITE.fullmatch(ln)
        if m is None:
            body = ln.lstrip()
            # `n = s` (the copy) is a write that keeps everything, based on s
            prev = (ln[:len(ln) - len(body)], "s", -1, 0) if body == "n = s" else None
            out.append(ln)
            continue
        pad, base, keep, bits = m.group(1), "n", int(m.group(2)), int(m.group(3) or 0)
        if prev is not None and prev[0] == pad:
            out.pop()
            base, keep, bits = prev[1], prev[2] & keep, (prev[3] & keep) | bits
        prev = (pad, base, keep, bits)
        out.append(f"{pad}n = {base} & {keep} | {bits}" if bits else f"{pad}n = {base} & {keep}")
    return out


@dataclass(frozen=True)
class _Part:
    """One instance in the fused packed function: guards, then a body (NOTE(guard-tree))."""

    index: int
    guards: tuple[str, ...]
    body: tuple[str, ...]
    breaks: bool  # the body leaves early (`break`): it needs a one-iteration loop


MAX_GUARD_NESTING = 12
_OUT = "@out"  # a successor found: `@out INDEX EXPR`, rendered by _render


def _render(lines: list[str], explore: bool, canon: bool) -> list[str]:
    """The successor lines of a packed function: `expand` appends (index, key) to its list;
    `explore` marks the instance fired and, for a new key (after `C`, the canonicaliser,
    when `canon`), records its parent and pushes it (NOTE(explore))."""
    out: list[str] = []
    for ln in lines:
        body = ln.lstrip()
        if not body.startswith(_OUT):
            out.append(ln)
            continue
        pad = ln[:len(ln) - len(body)]
        _, i, expr = body.split(" ", 2)
        if not explore:
            out.append(f"{pad}append(({i}, {expr}))")
            continue
        out.append(f"{pad}k = C({expr})" if canon else f"{pad}k = {expr}")
        out.append(f"{pad}F[{i}] = 1")
        out.append(f"{pad}if k not in P:")
        out.append(f"{pad}    P[k] = (s, {i})")
        out.append(f"{pad}    push(k)")
    return out


def _guard_tree(parts: list[_Part], level: int, depth: int, out: list[str]) -> None:
    """NOTE(guard-tree): instances that share a guard (`f_pc[c] = mapped` for fault_hit(c),
    every fault_alloc(c, p) and fault_nomem(c)) test it once: the instances are grouped by
    their guard at `level`, in order of first appearance, under one `if`. The groups leave
    model order, so `expand` sorts its list (by instance index) when they do."""
    pad = "    " * depth
    groups: dict[object, list[_Part]] = {}
    for p in parts:
        key: object = p.guards[level] if level < len(p.guards) and depth < MAX_GUARD_NESTING \
            else object()
        groups.setdefault(key, []).append(p)
    for key, grp in groups.items():
        if isinstance(key, str) and len(grp) > 1:
            out.append(f"{pad}if {key}:")
            _guard_tree(grp, level + 1, depth + 1, out)
            continue
        for p in grp:
            rest = p.guards[level:]
            inner = pad
            if rest:
                out.append(f"{pad}if {' and '.join(rest)}:")
                inner += "    "
            if p.breaks:
                out.append(f"{inner}while True:")
                out.extend(f"{inner}    {ln}" for ln in p.body)
                out.append(f"{inner}    break")
            else:
                out.extend(f"{inner}{ln}" for ln in p.body)


def _tree_order(parts: list[_Part], level: int = 0, depth: int = 0) -> list[int]:
    """The order in which _guard_tree emits the instances."""
    groups: dict[object, list[_Part]] = {}
    for p in parts:
        key: object = p.guards[level] if level < len(p.guards) and depth < MAX_GUARD_NESTING \
            else object()
        groups.setdefault(key, []).append(p)
    order: list[int] = []
    for key, grp in groups.items():
        if isinstance(key, str) and len(grp) > 1:
            order += _tree_order(grp, level + 1, depth + 1)
        else:
            order += [p.index for p in grp]
    return order


def _compile(src: str, consts: dict[str, object], name: str) -> Callable[..., Any]:
    ns: dict[str, Any] = dict(consts)
    exec(compile(src, f"<hpverify compiled {name}>", "exec"), ns)  # our own generated source
    return ns[name]  # type: ignore[no-any-return]


class CompiledModel:
    """A model's step, invariants and state codec over flat cell tuples.

    `successors(cells)` fires every instance in model order and returns (instance index,
    successor cells, error flag) for each enabled one; `step(i, cells)` fires one (tests).
    `key(cells, err)` is exactly `StateCodec.encode` of the same state.

    `well_typed`: every cell value the model can produce has its cell's Python type, so a
    key is an int exactly when the state satisfies `types` (evaluate.types_ok), and the key
    is computed from the cells without type tests. Otherwise (only a hand-made IR with an
    ill-typed literal) the key is computed as StateCodec does, value type included, and the
    engine must ask `types_ok`."""

    def __init__(self, model: ir.Model) -> None:
        self.model = model
        self.names = [v.name for v in model.vars]
        self.types = [v.type for v in model.vars]
        self.scalars: list[ir.Type] = [t for v in model.vars for _, t in ir.slots(v.name, v.type)]
        self.fallback: list[str] = []  # what runs interpreted, and why (labels)
        self.well_typed = _well_typed(model)
        pool = _Pool()
        self._pool = pool
        # NOTE(lazy-steps): each instance's own function is compiled only when needed (tests,
        # or when the fused function does not compile): compiling is most of the set-up time
        self._steps: list[StepFn | str] = []
        blocks: list[list[str]] = []
        for i, inst in enumerate(model.instances):
            fn, block = self._compile_instance(i, inst, pool)
            self._steps.append(fn)
            blocks.append(block)
        try:
            self.successors: SuccessorsFn = self._fuse(blocks, pool)
        except (SyntaxError, RecursionError, MemoryError):
            # The fused body sits one block deeper than each instance's own function: the
            # instances Python cannot compile on their own run interpreted, and if the
            # fused function still does not compile, the per-instance functions are called.
            for i in range(len(blocks)):
                fn = self._step_fn(i)
                if getattr(fn, "interpreted", False) and blocks[i][0] == "while True:":
                    blocks[i] = self._call_block(i, fn, pool)
            try:
                self.successors = self._fuse(blocks, pool)
            except (SyntaxError, RecursionError, MemoryError) as exc:
                self.fallback.append(f"fused successors: {exc}")
                self.successors = self._call_each
        self.invariants: dict[str, InvariantFn] = {
            inv.name: self._compile_invariant(inv, pool) for inv in model.invariants}
        self.layout = Layout(model)
        self.key: Callable[[Cells, bool], Key] = (self._compile_key(pool) if self.well_typed
                                                  else self._exact_key)
        # NOTE(packed-states): the engine's own loop runs on packed states
        self.cells_of: Callable[[int], Cells] = self._compile_unpack(pool)
        pool.ns["ERRKEY"] = self._err_key
        self.packed_fallback: list[str] = []  # what runs on cells in the packed loop, and why
        self._explore: dict[Callable[[Key], Key] | None, ExploreFn] = {}  # per canon
        self._packed_body: list[str] | None = None
        self.expand: Callable[[int], list[tuple[int, Key]]] = self._compile_expand(pool)
        self._inv_code: dict[str, tuple[str, bool]] = {}
        self._violated: dict[tuple[str, ...], Callable[[int], tuple[str, ...]]] = {}
        self.packed_invariants: dict[str, Callable[[int], bool]] = {
            inv.name: self._compile_packed_invariant(inv, pool) for inv in model.invariants}

    # ---- packed states (NOTE(packed-states)) ----------------------------------------------
    def _err_key(self, n: int) -> Key:
        return ("err", *self.cells_of(n))

    def _compile_expand(self, pool: _Pool) -> Callable[[int], list[tuple[int, Key]]]:
        """`expand(s)`: (instance index, successor key) of every enabled instance of a
        packed state, in model order: `successors` and `key` in one, on ints."""
        if not self.well_typed:
            self.packed_fallback.append("an ill-typed literal in the model")
            return self._expand_on_cells
        parts: list[_Part] = []
        for i, inst in enumerate(self.model.instances):
            slow = f"S{i}"
            pool.ns[slow] = self._slow_step(i)
            try:
                parts.append(_PackedGen(self.model, pool, self.layout).packed_parts(i, inst, slow))
            except (_Unsupported, RecursionError) as exc:
                self.packed_fallback.append(f"{inst.label()}: {exc}")
                parts.append(_Part(i, (), (f"_r = {slow}(s)",
                                           "if _r is not None:", f"    {_OUT} {i} _r"), False))
        body: list[str] = []
        _guard_tree(parts, 0, 1, body)
        order = _tree_order(parts)
        src = ["def expand(s):", "    out = []", "    append = out.append",
               *_render(body, False, False)]
        if order != sorted(order):
            src.append("    out.sort()")  # instance indexes differ: keys are never compared
        src.append("    return out")
        self.packed_source = "\n".join(src) + "\n"
        self._packed_body = body
        try:
            return _compile(self.packed_source, pool.ns, "expand")  # type: ignore[no-any-return]
        except (SyntaxError, RecursionError, MemoryError) as exc:
            self.packed_fallback.append(f"fused expand: {exc}")
            self._packed_body = None
            return self._expand_on_cells

    def explorer(self, canon: Callable[[Key], Key] | None = None) -> ExploreFn:
        """NOTE(explore): `explore(s, P, push, F)` does, for a packed state s, what the
        engine's loop does with `expand(s)`: for each enabled instance i with successor k
        (`canon(k)` when a canonicaliser is given), F[i] = 1, and if k is not in P,
        P[k] = (s, i) and push(k); no list, no tuple per successor. Successors come in the
        guard tree's order (NOTE(guard-tree)), not model order: the BFS levels hold the
        same states, and the canonical trace search (explicit.py) orders by instance
        index itself."""
        fn = self._explore.get(canon)  # one compiled explorer per canonicaliser (or none)
        if fn is not None:
            return fn
        if self._packed_body is not None:
            src = ["def explore(s, P, push, F):",
                   *_render(self._packed_body, True, canon is not None)]
            try:
                fn = _compile("\n".join(src) + "\n", {**self._pool.ns, "C": canon}, "explore")
            except (SyntaxError, RecursionError, MemoryError) as exc:
                self.packed_fallback.append(f"fused explore: {exc}")
        if fn is None:
            expand = self.expand

            def fn(s: int, P: dict[Any, Any], push: Callable[[Any], None],
                   F: bytearray) -> None:
                for i, k in expand(s):
                    if canon is not None:
                        k = canon(k)
                    F[i] = 1
                    if k not in P:
                        P[k] = (s, i)
                        push(k)
        self._explore[canon] = fn
        return fn

    def _slow_step(self, i: int) -> Callable[[int], Key | None]:
        """Instance i on the cells of a packed state: its successor's key, or None."""
        def slow(s: int) -> Key | None:
            r = self._step_fn(i)(self.cells_of(s))
            return None if r is None else self.key(r[0], r[1])
        return slow

    def _expand_on_cells(self, s: int) -> list[tuple[int, Key]]:
        key = self.key
        return [(i, key(c2, e)) for i, c2, e in self.successors(self.cells_of(s))]

    def _compile_packed_invariant(self, inv: ir.Invariant, pool: _Pool) -> Callable[[int], bool]:
        """The invariant on a packed (error-free) state."""
        try:
            self._refuse_ill_typed()
            gen = _PackedGen(self.model, pool, self.layout)
            gen.depth = 1
            code = gen.expr(inv.body)
            if may_err(inv.body):
                gen.emit("err = False")
                gen.emit(f"return bool({code}) and not err")
            else:
                gen.emit(f"return bool({code})")
            fn = _compile("def inv(s):\n" + "\n".join(gen.lines) + "\n", pool.ns, "inv")
            self._inv_code[inv.name] = (code, may_err(inv.body))
            return fn  # type: ignore[no-any-return]
        except (_Unsupported, SyntaxError, RecursionError, MemoryError) as exc:
            self.packed_fallback.append(f"invariant {inv.name}: {exc}")
            on_cells, cells_of = self.invariants[inv.name], self.cells_of
            return lambda s: on_cells(cells_of(s))

    def violated(self, names: Sequence[str]) -> Callable[[int], tuple[str, ...]]:
        """One function for several named invariants on a packed (type-correct,
        error-free) state: the names of those it violates, () when all hold (one call per
        state instead of one per invariant). Compiled once per set of names."""
        key = tuple(names)
        fn = self._violated.get(key)
        if fn is not None:
            return fn
        pool = self._pool
        lines = ["def violated(s):", "    v = ()"]
        for name in key:
            label = self.const_in(pool, (name,))
            if name in self._inv_code:
                code, errs = self._inv_code[name]
                if errs:
                    lines.append("    err = False")
                    lines.append(f"    if not {code} or err: v += {label}")
                else:
                    lines.append(f"    if not {code}: v += {label}")
            else:
                inv = self.const_in(pool, self.packed_invariants[name])
                lines.append(f"    if not {inv}(s): v += {label}")
        lines.append("    return v")
        try:
            fn = _compile("\n".join(lines) + "\n", pool.ns, "violated")
        except (SyntaxError, RecursionError, MemoryError):
            checks = [(n, self.packed_invariants[n]) for n in key]
            fn = lambda s: tuple(n for n, f in checks if not f(s))  # noqa: E731
        self._violated[key] = fn
        return fn  # type: ignore[return-value]

    def _compile_unpack(self, pool: _Pool) -> Callable[[int], Cells]:
        """A packed state's cells (the interpreter's values: real bools)."""
        lay = self.layout
        items = []
        for k, vals in enumerate(lay.values):
            table = self.const_in(pool, vals)
            if lay.width[k] == 0:
                items.append(f"{table}[0]")
            else:
                mask = (1 << lay.width[k]) - 1
                sh = lay.shift[k]
                items.append(f"{table}[s >> {sh} & {mask}]" if sh else f"{table}[s & {mask}]")
        src = "def cells(s):\n    return (" + "".join(f"{x}, " for x in items) + ")\n"
        try:
            return _compile(src, pool.ns, "cells")  # type: ignore[no-any-return]
        except (SyntaxError, RecursionError, MemoryError):
            return lambda s: tuple(vals[s >> sh & ((1 << w) - 1)] for vals, sh, w
                                   in zip(lay.values, lay.shift, lay.width, strict=True))

    @staticmethod
    def const_in(pool: _Pool, vals: Any) -> str:
        name = f"V{len(pool.ns)}"
        pool.ns[name] = vals
        return name

    # ---- instances ---------------------------------------------------------------------
    def _fuse(self, blocks: list[list[str]], pool: _Pool) -> SuccessorsFn:
        src = ["def successors(s):", "    out = []", "    append = out.append"]
        for block in blocks:
            src.extend("    " + line for line in block)
        src.append("    return out")
        self.source = "\n".join(src) + "\n"
        return _compile(self.source, pool.ns, "successors")  # type: ignore[no-any-return]

    def _compile_instance(self, i: int, inst: ir.Instance,
                          pool: _Pool) -> tuple[StepFn | str, list[str]]:
        """The instance as the source of a function (compiled when first needed:
        NOTE(lazy-steps)), and as a block of the fused `successors` function (one call per
        state instead of one per instance; a failing require `break`s out of the block's
        one-iteration loop)."""
        try:
            self._refuse_ill_typed()
            gen = _Gen(self.model, pool)
            gen.depth = 1
            gen.emit("err = False")
            writes = gen.body(inst, "return None")
            gen.emit(f"return ({'tuple(n)' if writes else 's'}, err)")
            src = "def step(s):\n" + "\n".join(gen.lines) + "\n"
            gen.lines, gen.depth = [], 1
            gen.emit("err = False")
            gen.body(inst, "break")
            gen.emit(f"append(({i}, {'tuple(n)' if writes else 's'}, err))")
            gen.emit("break")
            return src, ["while True:", *gen.lines]
        except (_Unsupported, RecursionError, MemoryError) as exc:
            fn = self._interpreted(inst, f"{inst.label()}: {exc}")
            return fn, self._call_block(i, fn, pool)

    def _call_block(self, i: int, fn: StepFn, pool: _Pool) -> list[str]:
        """A block of the fused function that calls fn (an interpreted instance)."""
        name = f"F{len(pool.ns)}"
        pool.ns[name] = fn
        r = f"_r{i}"
        return [f"{r} = {name}(s)", f"if {r} is not None: append(({i}, {r}[0], {r}[1]))"]

    def _step_fn(self, i: int) -> StepFn:
        """Instance i's own function, compiled now if it was not yet (interpreted if Python
        cannot compile it)."""
        fn = self._steps[i]
        if isinstance(fn, str):
            try:
                fn = _compile(fn, self._pool.ns, "step")
            except (SyntaxError, RecursionError, MemoryError) as exc:
                inst = self.model.instances[i]
                fn = self._interpreted(inst, f"{inst.label()}: {exc}")
            self._steps[i] = fn
        return fn

    def _refuse_ill_typed(self) -> None:
        # One ill-typed value (a bool in an int cell) would reach dict lookups that cannot
        # tell True from 1 anywhere in the model: then nothing is compiled.
        if not self.well_typed:
            raise _Unsupported("an ill-typed literal in the model")

    def _interpreted(self, inst: ir.Instance, why: str) -> StepFn:
        self.fallback.append(why)
        model = self.model

        def step(cells: Cells) -> tuple[Cells, bool] | None:
            res = ev.run_step(model, inst, self.state(cells, False))
            if res is None:
                return None
            return self.flatten(res.state)[0], res.error

        step.interpreted = True  # type: ignore[attr-defined]
        return step

    def _call_each(self, cells: Cells) -> list[tuple[int, Cells, bool]]:
        out = []
        for i in range(len(self._steps)):
            r = self._step_fn(i)(cells)
            if r is not None:
                out.append((i, r[0], r[1]))
        return out

    def step(self, i: int, cells: Cells) -> tuple[Cells, bool] | None:
        """Fire instance i in a (type-correct, error-free) state: None if disabled."""
        return self._step_fn(i)(cells)

    # ---- invariants ------------------------------------------------------------------------
    def _compile_invariant(self, inv: ir.Invariant, pool: _Pool) -> InvariantFn:
        """The body's truth in an error-free state; a read outside a domain makes it false."""
        try:
            self._refuse_ill_typed()
            gen = _Gen(self.model, pool)
            gen.depth = 1
            if may_err(inv.body):
                gen.emit("err = False")
                gen.emit(f"return bool({gen.expr(inv.body)}) and not err")
            else:
                gen.emit(f"return bool({gen.expr(inv.body)})")
            return _compile("def inv(s):\n" + "\n".join(gen.lines) + "\n", pool.ns, "inv")
        except (_Unsupported, SyntaxError, RecursionError, MemoryError) as exc:
            self.fallback.append(f"invariant {inv.name}: {exc}")
            model, name = self.model, inv.name
            return lambda cells: ev.invariant_ok(model, name, self.state(cells, False))

    def invariant_ok(self, name: str, cells: Cells, err: bool) -> bool:
        """evaluate.invariant_ok on the flat state (the engine inlines this)."""
        if name == ir.TYPES:
            return self.types_ok(cells, err)
        return err or self.invariants[name](cells)

    def predicates(self, exprs: Sequence[ir.Expr]) -> Callable[[Cells], list[bool]] | None:
        """One generated function for the truth of each boolean expression over the flat
        state, as evaluate.value computes it: a read outside a domain yields the last entry
        and is no error here (Houdini's atoms, engines/houdini.py). None when one of them
        does not compile."""
        try:
            self._refuse_ill_typed()
            gen = _Gen(self.model, self._pool)
            gen.depth = 1
            gen.emit("err = False")
            gen.emit("return [" + ", ".join(f"bool({gen.expr(e)})" for e in exprs) + "]")
            return _compile("def preds(s):\n" + "\n".join(gen.lines) + "\n", self._pool.ns,
                            "preds")
        except (_Unsupported, SyntaxError, RecursionError, MemoryError):
            return None

    def types_ok(self, cells: Cells, err: bool) -> bool:
        """evaluate.types_ok on the flat state."""
        return not err and self.in_types(cells)

    def in_types(self, cells: Cells) -> bool:
        return all(not isinstance(t, ir.IntT) or t.contains(c)
                   for t, c in zip(self.scalars, cells, strict=True))

    # ---- the state codec -------------------------------------------------------------------
    def _compile_key(self, pool: _Pool) -> Callable[[Cells, bool], Key]:
        """StateCodec.encode over cells: each cell's digit at its bits (NOTE(packed-states));
        a state with the error flag or an int outside its range stays a tagged tuple."""
        gen = _Gen(self.model, pool)
        lay = self.layout
        terms: list[str] = []
        ranges: list[str] = []
        for k, t in enumerate(self.scalars):
            vals = lay.values[k]
            if isinstance(t, ir.BoolT):  # False, True: the bool is its own digit
                digit = f"c[{k}]"
            elif isinstance(t, ir.IntT):
                ranges.append(f"{vals.start} <= c[{k}] <= {vals.stop - 1}")
                digit = f"(c[{k}] - {vals.start})" if vals.start else f"c[{k}]"
            else:
                digit = f"{gen.const({v: i for i, v in enumerate(vals)})}[c[{k}]]"
            if lay.width[k]:
                terms.append(f"{digit} << {lay.shift[k]}" if lay.shift[k] else digit)
        lines = ["def key(c, err):",
                 "    if err:",
                 "        return ('err', *c)"]
        if ranges:
            lines += [f"    if not ({' and '.join(ranges)}):", "        return ('bad', *c)"]
        lines.append(f"    return {' | '.join(['0', *terms])}")
        return _compile("\n".join(lines) + "\n", pool.ns, "key")

    def _exact_key(self, cells: Cells, err: bool) -> Key:
        """StateCodec.encode over cells, value types included (for ill-typed models)."""
        if err:
            return ("err", *cells)
        code = 0
        lay = self.layout
        for k, (t, x) in enumerate(zip(self.scalars, cells, strict=True)):
            vals = t.values()
            d = next((i for i, v in enumerate(vals) if type(v) is type(x) and v == x), None)
            if d is None:
                return ("bad", *cells)
            code |= d << lay.shift[k]
        return code

    # ---- conversions -------------------------------------------------------------------------
    def flatten(self, st: ir.State) -> tuple[Cells, bool]:
        out: list[Any] = []
        for name, t in zip(self.names, self.types, strict=True):
            flatten_value(st[name], t, out)
        return tuple(out), bool(st.get(ev.ERR, False))

    def state(self, cells: Cells, err: bool) -> ir.State:
        it = iter(cells)
        st: ir.State = {n: build_value(t, it) for n, t in zip(self.names, self.types, strict=True)}
        st[ev.ERR] = err
        return st


_LAST: list[CompiledModel] = []  # the last model compiled, kept alive (NOTE(shared-compile))


def compiled_model(model: ir.Model) -> CompiledModel:
    """NOTE(shared-compile): the model's CompiledModel, shared by the callers that ask for
    the same model object in a row: kind's reachable-state search (engines/reach_lemmas.py)
    and Houdini's walks each compiled it again, 0.065 s each at first_cut 10x10. A
    CompiledModel only ever adds generated functions after it is built, so sharing it
    changes no result."""
    if _LAST and _LAST[0].model is model:
        return _LAST[0]
    cm = CompiledModel(model)
    _LAST[:] = [cm]
    return cm


# ---- the init predicate ----------------------------------------------------------------------
InitFn = Callable[[Cells], "bool | None"]


def compile_init(model: ir.Model, items: tuple[ir.Expr, ...] | None = None) -> InitFn:
    """evaluate.init_status over flat cells (of `items`, by default the model's init): None
    if the state is not initial, else its error flag. Each item is judged on its own reads
    (an item that is false only because it read outside a domain does not reject:
    NOTE(read-error)); the flag is the items' `or`."""
    return compile_inits(model, [model.init if items is None else items])[0]


def compile_inits(model: ir.Model, groups: list[tuple[ir.Expr, ...]]) -> list[InitFn]:
    """compile_init for several groups of items at once (one `compile()` for all)."""
    pool = _Pool()
    src: list[str] = []
    fns: list[InitFn | None] = []
    for g, items in enumerate(groups):
        try:
            _check_lits(items)  # an ill-typed literal: that group runs interpreted
            gen = _Gen(model, pool)
            gen.depth = 1
            gen.emit("error = False")
            for item in items:
                gen.emit("err = False")
                gen.emit(f"if not {gen.expr(item)} and not err: return None")
                gen.emit("error = error or err")
            gen.emit("return error")
            src.append(f"def init{g}(s):\n" + "\n".join(gen.lines) + "\n")
            fns.append(None)
        except (_Unsupported, RecursionError):
            fns.append(_interpreted_init(model, items))
    ns: dict[str, Any] = dict(pool.ns)
    try:
        exec(compile("\n".join(src), "<hpverify compiled init>", "exec"), ns)  # our source
    except (SyntaxError, RecursionError, MemoryError):
        return [_interpreted_init(model, items) for items in groups]
    return [fn if fn is not None else ns[f"init{g}"] for g, fn in enumerate(fns)]


def _interpreted_init(model: ir.Model, items: tuple[ir.Expr, ...]) -> InitFn:
    names = [v.name for v in model.vars]
    types = [v.type for v in model.vars]
    only = replace(model, init=items)

    def interpreted(cells: Cells) -> bool | None:
        it = iter(cells)
        st: ir.State = {n: build_value(t, it) for n, t in zip(names, types, strict=True)}
        return ev.init_status(only, st)

    return interpreted


def cell_offsets(model: ir.Model) -> dict[str, tuple[int, ir.Type]]:
    """Each variable's first cell and type, in the flat layout."""
    return _Gen(model, _Pool()).base


def location(e: ir.Expr, base: dict[str, tuple[int, ir.Type]]) -> tuple[int, int] | None:
    """The cells (first, count) of a state location with literal in-domain indices
    (`v`, `v[1]`, `v[c0][2]`), else None."""
    if isinstance(e, ir.Var):
        if e.name not in base:
            return None
        off, t = base[e.name]
        return off, ncells(t)
    if isinstance(e, ir.Index) and isinstance(e.idx, ir.Lit) and isinstance(e.fn.type, ir.FunT):
        inner = location(e.fn, base)
        p = ev._pos(e.fn.type.dom, e.idx.value)
        if inner is None or p is None:
            return None
        stride = ncells(e.fn.type.cod)
        return inner[0] + p * stride, stride
    return None


def reads(e: object, base: dict[str, tuple[int, ir.Type]]) -> set[int]:
    """The cells an expression may read (over-approximated: a dynamic index reads every
    cell of the function)."""
    out: set[int] = set()
    stack: list[object] = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, (ir.Var, ir.Index)):
            loc = location(x, base)
            if loc is not None:
                out.update(range(loc[0], loc[0] + loc[1]))
                continue
        if isinstance(x, tuple):
            stack.extend(x)
        elif hasattr(x, "__dataclass_fields__") and not isinstance(x, ir.Lit):
            stack.extend(getattr(x, f) for f in x.__dataclass_fields__ if f != "type")
    return out
