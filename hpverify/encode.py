"""IR → Z3: states as scalar solver variables, one step as "one action instance fires".

State: one solver variable per scalar cell (functions over finite domains are flattened),
plus a Bool `err` (NOTE(read-error) in evaluate.py). Ints are bit-vectors of one width,
wide enough for every value any expression can take (interval analysis below), so the
arithmetic is exact; enums are small bit-vectors holding the member's index.

A step is a selector `sel` numbering the action instances; `sel = i` implies instance i's
enabling condition, and every next-state cell is one if-then-else over the instances that
write it (frames are implicit: an instance that does not write a cell leaves it alone).
One more selector value, `stutter_index`, is a step that changes nothing (NOTE(stutter)):
with it, the states at depth k are those reachable within k steps, which makes deep BMC
far cheaper once runs end (the solver need not refute "a run of exactly k steps" for
every k past the longest run), and it changes no verdict and no shortest trace: a trace
with a stutter step is never a shortest one. Engines that want exact steps forbid it.
Measured (solve seconds, depth 30, all invariants): spec/soft_offline.hp patched P=3 F=3
53 s without the stutter step, 6 s with it; benchmarks/first_cut.hp P=3 F=3 0.3 s
without, 2.2 s with (its runs end within 9 steps and its "no run of k steps" is easy).
The transition is built ONCE over template variables and instantiated per step with
`z3.substitute`, so the Python side stays out of the unrolling loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import z3

from . import ir

Sym = Any  # a z3 term, or a tuple of Sym for a function value


# ---- interval analysis: how wide must the bit-vectors be? -------------------------------
def _span(iv: tuple[int, int] | None, jv: tuple[int, int] | None) -> tuple[int, int] | None:
    if iv is None:
        return jv
    if jv is None:
        return iv
    return min(iv[0], jv[0]), max(iv[1], jv[1])


class _Intervals:
    """Bounds for every int expression, given bounds for the int cells of each variable."""

    def __init__(self, cells: dict[str, tuple[int, int] | None]) -> None:
        self.cells = cells
        self.seen: tuple[int, int] | None = None

    def expr(self, e: ir.Expr) -> tuple[int, int] | None:
        out = self._expr(e)
        self.seen = _span(self.seen, out)
        return out

    def _expr(self, e: ir.Expr) -> tuple[int, int] | None:
        match e:
            case ir.Lit():
                for v in _scalars(e.value, e.type):
                    if isinstance(v, int) and not isinstance(v, bool):
                        self.seen = _span(self.seen, (v, v))
                if isinstance(e.value, int) and not isinstance(e.value, bool):
                    return e.value, e.value
                return None
            case ir.Var():
                return self.cells.get(e.name)
            case ir.Index():  # the domain's values are compared with the index: they must fit
                dom = e.fn.type.dom if isinstance(e.fn.type, ir.FunT) else None
                if isinstance(dom, ir.IntT) and dom.lo is not None and dom.hi is not None:
                    self.seen = _span(self.seen, (dom.lo, dom.hi))
                self.expr(e.idx)
                return self.expr(e.fn)
            case ir.Arith():
                a, b = self.expr(e.left), self.expr(e.right)
                if a is None or b is None:
                    return None
                if e.op == "+":
                    return a[0] + b[0], a[1] + b[1]
                if e.op == "-":
                    return a[0] - b[1], a[1] - b[0]
                if e.op in ("/", "%"):  # NOTE(division): only ever taken with a divisor > 0
                    m = max(abs(b[0]), abs(b[1]), 1)  # the encoding's intermediate terms:
                    self.seen = _span(self.seen, (min(a[0], 0) - m, max(a[1], 0) + 2 * m))
                    if b[1] < 1:
                        return 0, 0
                    ds = (max(b[0], 1), b[1])
                    if e.op == "%":
                        return 0, ds[1] - 1
                    qs = [x // d for x in a for d in ds]
                    return min(qs), max(qs)
                prods = [x * y for x in a for y in b]
                return min(prods), max(prods)
            case ir.Count():
                for x in e.args:
                    self.expr(x)
                return 0, len(e.args)
            case ir.Ite():
                self.expr(e.cond)
                return _span(self.expr(e.then), self.expr(e.else_))
            case ir.FunLit():
                out = None
                for x in e.items:
                    out = _span(out, self.expr(x))
                return out
            case ir.Not():
                self.expr(e.arg)
            case ir.And() | ir.Or():
                for x in e.args:
                    self.expr(x)
            case ir.Eq() | ir.Cmp():
                self.expr(e.left)
                self.expr(e.right)
            case ir.Member():
                self.expr(e.arg)
                ints = [m for m in e.members if isinstance(m, int) and not isinstance(m, bool)]
                if ints:
                    self.seen = _span(self.seen, (min(ints), max(ints)))
        return None


def _scalars(v: ir.Value, t: ir.Type) -> Iterable[ir.Value]:
    if isinstance(t, ir.FunT):
        assert isinstance(v, tuple)
        for x in v:
            yield from _scalars(x, t.cod)
    else:
        yield v


def _cod_range(t: ir.Type) -> tuple[int, int] | None:
    while isinstance(t, ir.FunT):
        t = t.cod
    if isinstance(t, ir.IntT) and t.lo is not None and t.hi is not None:
        return t.lo, t.hi
    return None


def _stmt_exprs(body: Sequence[ir.Stmt]) -> Iterable[tuple[str | None, ir.Expr]]:
    for s in body:
        match s:
            case ir.Require():
                yield None, s.cond
            case ir.Assign():
                for p in s.path:
                    yield None, p
                yield s.var, s.value
            case ir.If():
                yield None, s.cond
                yield from _stmt_exprs(s.then)
                yield from _stmt_exprs(s.else_)


def types_statically_safe(model: ir.Model) -> bool:
    """NOTE(static-types): True when no step and no initial state can violate `types`: every
    int written (or forced by init) lies within its cell's range and every index lies within
    its function's domain, by interval analysis from type-correct states. Then, by induction
    over steps, every reachable state satisfies `types`, and the encoding can skip both the
    `types` checks and the "pre-state satisfies types" guard of the step."""
    typed = {v.name: _cod_range(v.type) for v in model.vars}
    iv = _Intervals(typed)

    def within(e: ir.Expr, t: ir.Type) -> bool:
        r = _cod_range(t)
        if r is None:
            return True  # bool or enum cells cannot leave their types
        got = iv.expr(e)
        return got is not None and r[0] <= got[0] and got[1] <= r[1]

    def indices_ok(e: ir.Expr) -> bool:
        for x in ir.subexprs(e):
            if isinstance(x, ir.Index):
                dom = x.fn.type.dom if isinstance(x.fn.type, ir.FunT) else None
                if isinstance(dom, ir.IntT) and not within(x.idx, dom):
                    return False
        return True

    def stmts_ok(body: Sequence[ir.Stmt]) -> bool:
        for s in body:
            match s:
                case ir.Require():
                    if not indices_ok(s.cond):
                        return False
                case ir.If():
                    if not (indices_ok(s.cond) and stmts_ok(s.then) and stmts_ok(s.else_)):
                        return False
                case ir.Assign():
                    t = model.var_type(s.var)
                    for p in s.path:
                        assert isinstance(t, ir.FunT)
                        if not (indices_ok(p) and (not isinstance(t.dom, ir.IntT)
                                                   or within(p, t.dom))):
                            return False
                        t = t.cod
                    if not (indices_ok(s.value) and within(s.value, t)):
                        return False
        return True

    from .evaluate import forced_targets

    for name, path, rhs in forced_targets(model):
        t = model.var_type(name)
        for _ in path:
            assert isinstance(t, ir.FunT)
            t = t.cod
        if not within(rhs, t):
            return False
    return all(indices_ok(e) for e in model.init) and \
        all(stmts_ok(inst.body) for inst in model.instances)


def int_width(model: ir.Model) -> int:
    """Bits for a signed bit-vector that holds every int value the model can compute.

    Steps only start in states that satisfy `types`, so action expressions read cells within
    their declared ranges; a written value may leave the range (that state is a `types`
    violation and has no successor), so invariants and init see the widened cell bounds."""
    typed = {v.name: _cod_range(v.type) for v in model.vars}
    wide = dict(typed)
    acts = _Intervals(typed)
    for inst in model.instances:
        for var, e in _stmt_exprs(inst.body):
            iv = acts.expr(e)
            if var is not None:
                wide[var] = _span(wide[var], iv)
    seen = acts.seen
    for _ in range(4):  # init equations may feed each other (`x = 5  y = x + 1`)
        other = _Intervals(wide)
        for e in model.init:
            other.expr(e)
            if isinstance(e, ir.Eq):
                for side in (e.left, e.right):
                    target = _root_var(side)
                    if target is not None:
                        wide[target] = _span(wide[target], other.expr(e.right if side is e.left
                                                                      else e.left))
        for inv in model.invariants:
            other.expr(inv.body)
        seen = _span(seen, other.seen)
    for r in wide.values():
        seen = _span(seen, r)
    for v in model.vars:  # function domains are compared with indices (writes included)
        t = v.type
        while isinstance(t, ir.FunT):
            if isinstance(t.dom, ir.IntT) and t.dom.lo is not None and t.dom.hi is not None:
                seen = _span(seen, (t.dom.lo, t.dom.hi))
            t = t.cod
    lo, hi = seen if seen is not None else (0, 1)
    bound = max(abs(lo), abs(hi), 1)
    # signed w bits hold -2**(w-1) .. 2**(w-1)-1, and 2**bit_length(bound) > bound
    return bound.bit_length() + 1


def _root_var(e: ir.Expr) -> str | None:
    while isinstance(e, ir.Index):
        e = e.fn
    return e.name if isinstance(e, ir.Var) else None


# ---- the encoding --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SymState:
    """One state: each variable as a (nested) tuple of solver terms, and the error flag."""

    vars: dict[str, Sym]
    err: Any

    def leaves(self) -> list[Any]:
        out = [self.err]
        for v in self.vars.values():
            out.extend(_leaves(v))
        return out


def _leaves(v: Sym) -> list[Any]:
    if isinstance(v, tuple):
        out: list[Any] = []
        for x in v:
            out.extend(_leaves(x))
        return out
    return [v]


class _Eval:
    """Symbolic evaluation of one expression context; collects error conditions."""

    def __init__(self, enc: Encoding, st: SymState) -> None:
        self.enc, self.st = enc, st
        self.errs: list[Any] = []

    def err_any(self) -> Any:
        return _or(self.errs)

    def expr(self, e: ir.Expr, reach: Any) -> Sym:
        enc = self.enc
        match e:
            case ir.Lit():
                return enc.const(e.value, e.type)
            case ir.Var():
                return self.st.vars[e.name]
            case ir.Index():
                fn = self.expr(e.fn, reach)
                idx = self.expr(e.idx, reach)
                assert isinstance(e.fn.type, ir.FunT)
                dom = e.fn.type.dom
                return self.select(fn, dom, idx, reach)
            case ir.Not():
                return z3.Not(self.expr(e.arg, reach))
            case ir.And() | ir.Or():
                is_and = isinstance(e, ir.And)
                vals = []
                r = reach
                for a in e.args:
                    v = self.expr(a, r)
                    vals.append(v)
                    r = z3.And(r, v) if is_and else z3.And(r, z3.Not(v))
                return z3.And(vals) if is_and else z3.Or(vals)
            case ir.Ite():
                c = self.expr(e.cond, reach)
                a = self.expr(e.then, z3.And(reach, c))
                b = self.expr(e.else_, z3.And(reach, z3.Not(c)))
                return _ite(c, a, b)
            case ir.Eq():
                return _eq(self.expr(e.left, reach), self.expr(e.right, reach))
            case ir.Cmp():
                a, b = self.expr(e.left, reach), self.expr(e.right, reach)
                return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[e.op]
            case ir.Arith():
                a, b = self.expr(e.left, reach), self.expr(e.right, reach)
                if e.op in ("/", "%"):  # NOTE(division): bvsmod's sign follows the divisor
                    rem = z3.SRem(a, b)
                    mod = z3.If(z3.And(rem != 0, (rem < 0) != (b < 0)), rem + b, rem)
                    return mod if e.op == "%" else (a - mod) / b
                return a + b if e.op == "+" else a - b if e.op == "-" else a * b
            case ir.Member():
                return enc.member(self.expr(e.arg, reach), e.arg.type, e.members)
            case ir.Count():
                return _count([self.expr(a, reach) for a in e.args], enc.width)
            case ir.FunLit():
                return tuple(self.expr(x, reach) for x in e.items)
        raise AssertionError(f"cannot encode {e!r}")  # pragma: no cover

    def select(self, fn: Sym, dom: ir.Domain, idx: Any, reach: Any) -> Sym:
        pos = self.enc.literal_pos(dom, idx)
        if pos is not None:  # a constant index inside the domain: no search (NOTE(limits))
            return fn[pos]
        vals = dom.values()
        consts = [self.enc.const(d, dom) for d in vals]
        inside = self.enc.member(idx, dom, vals)
        if not z3.is_true(z3.simplify(inside)):
            self.errs.append(z3.And(reach, z3.Not(inside)))
        out = fn[-1]  # NOTE(read-error): outside the domain, the last entry
        for i in range(len(vals) - 2, -1, -1):
            out = _ite(idx == consts[i], fn[i], out)
        return out


def _count(bits: Sequence[Any], width: int) -> Any:
    """NOTE(count-tree): how many of the booleans hold, as a balanced tree of adders, each
    only as wide as its sum can get (two bits make a 2-bit sum, two of those a 3-bit one),
    zero-extended to the encoding's width at the end. The chain of full-width adders it
    replaces (`z3.Sum` of `If(b, 1, 0)`) made the step case of `free_huge = count(...)`
    the costliest part of kind's induction checks at first_cut 10x10 (0.8 s of the 1.1 s a
    check of every lemma took); the tree halves that. The value is at most len(bits), which
    `int_width` makes fit the width (a Count's interval is 0..n), so the final extension or
    cut never changes it."""
    if not bits:
        return z3.BitVecVal(0, width)
    one, zero = z3.BitVecVal(1, 1), z3.BitVecVal(0, 1)
    terms = [z3.If(b, one, zero) for b in bits]
    while len(terms) > 1:
        paired = []
        for a, b in zip(terms[0::2], terms[1::2], strict=False):  # an odd last one waits
            w = max(a.size(), b.size()) + 1
            paired.append(z3.ZeroExt(w - a.size(), a) + z3.ZeroExt(w - b.size(), b))
        terms = paired + terms[len(paired) * 2:]
    top = terms[0]
    if top.size() < width:
        return z3.ZeroExt(width - top.size(), top)
    return z3.Extract(width - 1, 0, top) if top.size() > width else top


def _or(xs: list[Any]) -> Any:
    if not xs:
        return z3.BoolVal(False)
    return xs[0] if len(xs) == 1 else z3.Or(xs)


def _ite(c: Any, a: Sym, b: Sym) -> Sym:
    if isinstance(a, tuple):
        return tuple(_ite(c, x, y) for x, y in zip(a, b, strict=True))
    if a.eq(b):
        return a
    return z3.If(c, a, b)


def _eq(a: Sym, b: Sym) -> Any:
    if isinstance(a, tuple):
        return z3.And([_eq(x, y) for x, y in zip(a, b, strict=True)])
    return a == b


class Encoding:
    """The symbolic model: constants, fresh states, init, step and invariants."""

    def __init__(self, model: ir.Model) -> None:
        self.model = model
        self.width = int_width(model)
        self.types_safe = types_statically_safe(model)  # NOTE(static-types)
        self.stutter_index = len(model.instances)  # NOTE(stutter)
        self.sel_width = max(1, self.stutter_index.bit_length())
        self._enum_width: dict[ir.EnumT, int] = {}
        self._template = self.fresh_state("T")
        self._template_next = self.fresh_state("T'")
        self._template_sel = z3.BitVec("sel_T", self.sel_width)
        self._predicates: dict[object, Any] = {}
        self._state_from: Any = None
        self._step_from: Any = None
        self._step_formula: Any = None
        self._step = self._build_step()

    # ---- constants and sorts
    def enum_width(self, t: ir.EnumT) -> int:
        w = self._enum_width.get(t)
        if w is None:
            w = max(1, (len(t.members) - 1).bit_length())
            self._enum_width[t] = w
        return w

    def int_val(self, v: int) -> Any:
        return z3.BitVecVal(v, self.width)

    def const(self, v: ir.Value, t: ir.Type) -> Sym:
        match t:
            case ir.BoolT():
                return z3.BoolVal(bool(v))
            case ir.IntT():
                return z3.BitVecVal(v, self.width)  # type: ignore[arg-type]
            case ir.EnumT():
                return z3.BitVecVal(t.members.index(v), self.enum_width(t))  # type: ignore[arg-type]
            case ir.FunT():
                assert isinstance(v, tuple)
                return tuple(self.const(x, t.cod) for x in v)
        raise AssertionError(t)  # pragma: no cover

    def literal_pos(self, dom: ir.Domain, idx: Any) -> int | None:
        """The position in dom of a constant index term, None if idx is not a constant of
        dom (a variable, or a value outside the domain)."""
        if isinstance(dom, ir.BoolT):
            return 1 if z3.is_true(idx) else 0 if z3.is_false(idx) else None
        if not z3.is_bv_value(idx):
            return None
        if isinstance(dom, ir.EnumT):
            k = idx.as_long()
            return k if k < len(dom.members) else None
        return ir.index_pos(dom, idx.as_signed_long())

    def member(self, a: Any, t: ir.Type, members: Sequence[ir.Value]) -> Any:
        if isinstance(t, ir.BoolT):
            if len(set(members)) == 2:
                return z3.BoolVal(True)
            return z3.Or([a == z3.BoolVal(bool(m)) for m in members]) if members else z3.BoolVal(False)
        if not members:
            return z3.BoolVal(False)
        if isinstance(t, ir.IntT):
            ints = sorted(m for m in members if isinstance(m, int))  # an int type's members
            if ints == list(range(ints[0], ints[-1] + 1)):
                return z3.And(a >= self.int_val(ints[0]), a <= self.int_val(ints[-1]))
            return z3.Or([a == self.int_val(m) for m in ints])
        assert isinstance(t, ir.EnumT)
        if len(members) == len(t.members):
            return z3.BoolVal(True)  # wellformed states hold only members
        return z3.Or([a == self.const(m, t) for m in members])

    def _fresh(self, name: str, t: ir.Type) -> Sym:
        match t:
            case ir.BoolT():
                return z3.Bool(name)
            case ir.IntT():
                return z3.BitVec(name, self.width)
            case ir.EnumT():
                return z3.BitVec(name, self.enum_width(t))
            case ir.FunT():
                return tuple(self._fresh(f"{name}[{ir.key_string(d)}]", t.cod)
                             for d in t.dom.values())
        raise AssertionError(t)  # pragma: no cover

    def fresh_state(self, tag: str) -> SymState:
        return SymState({v.name: self._fresh(f"{v.name}@{tag}", v.type) for v in self.model.vars},
                        z3.Bool(f"<error>@{tag}"))  # no identifier: no clash with a variable

    def fresh_selector(self, tag: str) -> Any:
        return z3.BitVec(f"<sel>@{tag}", self.sel_width)  # likewise

    # ---- state predicates
    def wellformed(self, st: SymState) -> Any:
        """Enum cells hold members (the bit-vectors may be wider than the enum)."""
        cs: list[Any] = []
        for v in self.model.vars:
            self._wf(st.vars[v.name], v.type, cs)
        return z3.And(cs) if cs else z3.BoolVal(True)

    def _wf(self, x: Sym, t: ir.Type, cs: list[Any]) -> None:
        if isinstance(t, ir.FunT):
            for y in x:
                self._wf(y, t.cod, cs)
        elif isinstance(t, ir.EnumT) and len(t.members) < 2 ** self.enum_width(t):
            cs.append(z3.ULT(x, z3.BitVecVal(len(t.members), self.enum_width(t))))

    def in_ranges(self, st: SymState, skip: frozenset[tuple[str, tuple[ir.Value, ...]]]
                  = frozenset()) -> Any:
        cs: list[Any] = []
        for v in self.model.vars:
            for path, t in ir.slots(v.name, v.type):
                if isinstance(t, ir.IntT) and not _under(skip, v.name, path):
                    cell = _cell(st.vars[v.name], v.type, path)
                    cs.append(z3.And(cell >= self.int_val(t.lo), cell <= self.int_val(t.hi)))  # type: ignore[arg-type]
        return z3.And(cs) if cs else z3.BoolVal(True)

    def types_ok(self, st: SymState) -> Any:
        return self._on_template(ir.TYPES, lambda t: z3.And(z3.Not(t.err), self.in_ranges(t)), st)

    def invariant_ok(self, name: str, st: SymState) -> Any:
        """NOTE(read-error): a read outside a domain falsifies the invariant; in an error
        state only `types` is judged."""
        if name == ir.TYPES:
            return self.types_ok(st)

        def build(t: SymState) -> Any:
            ev = _Eval(self, t)
            v = ev.expr(self.model.invariant(name).body, z3.BoolVal(True))
            return z3.Or(t.err, z3.And(v, z3.Not(ev.err_any())))

        return self._on_template("inv:" + name, build, st)

    def expr_value(self, e: ir.Expr, st: SymState) -> Any:
        """A boolean IR expression over st, as a plain value: a read outside a domain yields
        the last entry (NOTE(read-error)) and is not an error here; used for the candidate
        lemmas of engines/houdini.py, which evaluate.eval_expr computes the same way."""
        return self._on_template(("expr", e),
                                 lambda t: _Eval(self, t).expr(e, z3.BoolVal(True)), st)

    def init(self, st: SymState) -> Any:
        """Items hold (first false item before any read error excludes the state); cells
        not forced by a top-level equation lie within their types."""
        from .evaluate import forced_targets

        forced = frozenset((name, path) for name, path, _ in forced_targets(self.model))
        ev = _Eval(self, st)
        alive = z3.BoolVal(True)
        for item in self.model.init:
            alive = self._require(item, ev, alive)
        # NOTE(init-definitions): a defined part takes its value even when the value's own
        # read went outside a domain (the evaluator's last-entry value; the state is an error)
        defs = [_eq(_cell(st.vars[d.var], self.model.var_type(d.var), d.path),
                    ev.expr(d.value, z3.BoolVal(True)))
                for d in self.model.init_defs]
        return z3.And(alive, *defs, st.err == ev.err_any(), self.in_ranges(st, forced),
                      self.wellformed(st))

    def _require(self, cond: ir.Expr, ev: _Eval, alive: Any) -> Any:
        """NOTE(step-order): a require (or init item) fails only if it is false and its own
        evaluation read nothing outside a domain."""
        mark = len(ev.errs)
        c = ev.expr(cond, alive)
        return z3.And(alive, z3.Or(c, _or(ev.errs[mark:])))

    # ---- the step
    def _build_step(self) -> list[Any]:
        s, t, sel = self._template, self._template_next, self._template_sel
        insts = self.model.instances
        # a state that violates `types` has no successor (none is reachable when types_safe)
        cs: list[Any] = [] if self.types_safe else [self.types_ok(s)]
        if len(insts) + 1 < 2 ** self.sel_width:
            cs.append(z3.ULE(sel, z3.BitVecVal(self.stutter_index, self.sel_width)))
        writes: list[dict[str, Sym]] = []
        errs: list[Any] = []
        for i, inst in enumerate(insts):
            ev = _Eval(self, s)
            nxt = dict(s.vars)
            alive = self._exec(inst.body, ev, z3.BoolVal(True), nxt)
            cs.append(z3.Implies(sel == i, alive))
            writes.append(nxt)
            errs.append(ev.err_any())
        # which instances write which cell: unchanged cells are the very same terms, so
        # this costs the cells each instance writes, not cells x instances (NOTE(limits))
        written: dict[tuple[str, int], list[tuple[int, Any]]] = {}
        for i, nxt in enumerate(writes):
            for v in self.model.vars:
                cur_v, new_v = s.vars[v.name], nxt[v.name]
                if new_v is cur_v:
                    continue
                for k, (a, b) in enumerate(zip(_leaves(cur_v), _leaves(new_v), strict=True)):
                    if a is not b and not b.eq(a):
                        written.setdefault((v.name, k), []).append((i, b))
        for v in self.model.vars:
            for k, (cur, nxt_cell) in enumerate(zip(_leaves(s.vars[v.name]),
                                                    _leaves(t.vars[v.name]), strict=True)):
                out = cur
                # NOTE(write-groups): the instances that write one value into a cell (all
                # 100 `fault_alloc(c, p)` write `free_huge - 1`) share one `If`, guarded by
                # a range test on the selector, instead of one `If` each: at first_cut
                # 10x10 Houdini's checks and the certificate's re-check take about 20% less
                groups: dict[int, tuple[Any, list[int]]] = {}
                for i, new in written.get((v.name, k), []):
                    groups.setdefault(new.get_id(), (new, []))[1].append(i)
                for new, idx in reversed(list(groups.values())):
                    out = z3.If(self._sel_in(sel, idx), new, out)
                cs.append(nxt_cell == out)
        err_terms = [z3.And(sel == i, e) for i, e in enumerate(errs) if not z3.is_false(e)]
        cs.append(t.err == _or(err_terms))
        return cs

    def _sel_in(self, sel: Any, idx: list[int]) -> Any:
        """sel is one of the instance indices idx (sorted): a range test per run of
        consecutive indices."""
        runs: list[list[int]] = []
        for i in idx:
            if runs and runs[-1][1] == i - 1:
                runs[-1][1] = i
            else:
                runs.append([i, i])
        w = self.sel_width
        return _or([sel == lo if lo == hi else
                    z3.And(z3.ULE(z3.BitVecVal(lo, w), sel), z3.ULE(sel, z3.BitVecVal(hi, w)))
                    for lo, hi in runs])

    def _exec(self, body: Sequence[ir.Stmt], ev: _Eval, alive: Any, nxt: dict[str, Sym]) -> Any:
        """Run statements symbolically; returns the condition that the step is still enabled.
        Error conditions are recorded under the `alive` of their statement; they matter only
        for an instance that is selected, i.e. enabled to the end (NOTE(step-order))."""
        for s in body:
            match s:
                case ir.Require():
                    alive = self._require(s.cond, ev, alive)
                case ir.Assign():
                    idx = [ev.expr(p, alive) for p in s.path]
                    value = ev.expr(s.value, alive)
                    t = self.model.var_type(s.var)
                    nxt[s.var] = self._update(nxt[s.var], t, idx, value, ev, alive)
                case ir.If():
                    c = ev.expr(s.cond, alive)
                    then_n, else_n = dict(nxt), dict(nxt)
                    a1 = self._exec(s.then, ev, z3.And(alive, c), then_n)
                    a2 = self._exec(s.else_, ev, z3.And(alive, z3.Not(c)), else_n)
                    for name in nxt:
                        nxt[name] = _ite(c, then_n[name], else_n[name])
                    alive = z3.Or(a1, a2)
        return alive

    def _update(self, old: Sym, t: ir.Type, idx: list[Any], value: Sym, ev: _Eval,
                alive: Any) -> Sym:
        if not idx:
            return value
        assert isinstance(t, ir.FunT) and isinstance(old, tuple)
        pos = self.literal_pos(t.dom, idx[0])
        if pos is not None:  # a constant entry: only that cell changes (NOTE(limits))
            return old[:pos] + (self._update(old[pos], t.cod, idx[1:], value, ev, alive),) \
                + old[pos + 1:]
        vals: tuple[ir.Value, ...] = t.dom.values()
        inside = self.member(idx[0], t.dom, vals)
        if not z3.is_true(z3.simplify(inside)):
            ev.errs.append(z3.And(alive, z3.Not(inside)))
        out = []
        for d, cell in zip(vals, old, strict=True):
            hit = z3.simplify(idx[0] == self.const(d, t.dom))
            if z3.is_false(hit):
                out.append(cell)
            else:
                new = self._update(cell, t.cod, idx[1:], value, ev, alive)
                out.append(new if z3.is_true(hit) else _ite(hit, new, cell))
        return tuple(out)

    def step(self, s: SymState, sel: Any, t: SymState) -> list[Any]:
        """The transition constraints from s to t with selector sel."""
        if self._step_from is None:
            sources = self._template.leaves() + self._template_next.leaves() + [self._template_sel]
            self._step_from = _ast_array(sources)
            self._step_formula = z3.And(self._step)
        targets = s.leaves() + t.leaves() + [sel]
        return [_substitute(self._step_formula, self._step_from, targets)]

    def predicate(self, key: object, build: Callable[[SymState], Any], st: SymState) -> Any:
        """A state predicate of the caller's: `build` runs once (per key) over the template
        state, and each state gets a substitution of that formula."""
        return self._on_template(("user", key), build, st)

    def _on_template(self, key: object, build: Any, st: SymState) -> Any:
        """A state predicate built once over the template state, then substituted."""
        formula = self._predicates.get(key)
        if formula is None:
            formula = build(self._template)
            self._predicates[key] = formula
        if st is self._template:
            return formula
        if self._state_from is None:
            self._state_from = _ast_array(self._template.leaves())
        return _substitute(formula, self._state_from, st.leaves())

    # ---- decoding a solver model
    def decode_state(self, m: z3.ModelRef, st: SymState) -> ir.State:
        out: ir.State = {}
        for v in self.model.vars:
            out[v.name] = self._decode(m, st.vars[v.name], v.type)
        from .evaluate import ERR

        out[ERR] = z3.is_true(m.eval(st.err, model_completion=True))
        return out

    def _decode(self, m: z3.ModelRef, x: Sym, t: ir.Type) -> ir.Value:
        if isinstance(t, ir.FunT):
            return tuple(self._decode(m, y, t.cod) for y in x)
        val = m.eval(x, model_completion=True)
        if isinstance(t, ir.BoolT):
            return z3.is_true(val)
        if isinstance(t, ir.IntT):
            return val.as_signed_long()
        assert isinstance(t, ir.EnumT)
        return t.members[val.as_long()]

    def decode_selector(self, m: z3.ModelRef, sel: Any) -> int:
        """The instance index, or `stutter_index` for a step that changed nothing."""
        return m.eval(sel, model_completion=True).as_long()

    def no_stutter(self, sel: Any) -> Any:
        """Forbid the stutter step (for engines that need exactly one instance per step)."""
        return sel != z3.BitVecVal(self.stutter_index, self.sel_width)


def _ast_array(terms: Sequence[Any]) -> Any:
    arr = (z3.Ast * len(terms))()
    for i, t in enumerate(terms):
        arr[i] = t.as_ast()
    return arr


def _substitute(formula: Any, sources: Any, targets: Sequence[Any]) -> Any:
    """z3.substitute without z3py's per-pair checks (the pairs are correct by construction:
    template leaves and fresh leaves of the same sorts, in the same order)."""
    ctx = formula.ctx
    ast = z3.z3core.Z3_substitute(ctx.ref(), formula.as_ast(), len(targets), sources,
                                  _ast_array(targets))
    return z3.BoolRef(ast, ctx)


def _cell(x: Sym, t: ir.Type, path: tuple[ir.Value, ...]) -> Any:
    for p in path:
        assert isinstance(t, ir.FunT)
        pos = ir.index_pos(t.dom, p)
        assert pos is not None
        x = x[pos]
        t = t.cod
    return x


def _under(skip: frozenset[tuple[str, tuple[ir.Value, ...]]], name: str,
           path: tuple[ir.Value, ...]) -> bool:
    return any(n == name and path[: len(p)] == p for n, p in skip)
