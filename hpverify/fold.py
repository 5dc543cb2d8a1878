"""Binder substitution, quantifier expansion and constant folding of IR expressions: what
the checker needs to evaluate constants and what lowering applies to every expression.
Its own module so that check.py and lower.py do not import each other.

Folding keeps the lazy semantics: an operand that may read out of a domain is never
dropped from in front of a short-circuit (NOTE(lazy-fold)), because its reads are performed
whether or not the result is already known.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import ir


class Unbound(Exception):
    """A bound name without a value: the expression is not constant."""


# NOTE(limits) in parse.py: expansion is exponential in the nesting of quantifiers and in
# the number of parameters (`forall a in 0..1: forall b in 0..1: ...` 200 deep), so it draws
# on a budget of quantifier bodies and action instances per model.
MAX_EXPANSION = 1_000_000


class ExpansionLimit(Exception):
    """The model expands to more than MAX_EXPANSION quantifier bodies and instances."""


class ExpansionBudget:
    left = MAX_EXPANSION

    @classmethod
    def spend(cls, n: int) -> None:
        cls.left -= n
        if cls.left < 0:
            raise ExpansionLimit


Env = Mapping[str, ir.Value]


def _lit_bool(b: bool) -> ir.Lit:
    return ir.Lit(b, ir.BoolT())


def pure(e: ir.Expr) -> bool:
    """True if evaluating e can never read out of a domain (so it may be dropped)."""
    match e:
        case ir.Lit() | ir.Var():
            return True
        case ir.Index():  # pure only when the index is a literal inside the domain
            return (isinstance(e.idx, ir.Lit) and pure(e.fn) and isinstance(e.fn.type, ir.FunT)
                    and _index_pos(e.fn.type.dom, e.idx.value) is not None)
        case ir.Not():
            return pure(e.arg)
        case ir.And() | ir.Or() | ir.Count():
            return all(pure(a) for a in e.args)
        case ir.Ite():
            return pure(e.cond) and pure(e.then) and pure(e.else_)
        case ir.Eq() | ir.Cmp() | ir.Arith():
            return pure(e.left) and pure(e.right)
        case ir.Member():
            return pure(e.arg)
        case ir.FunLit():
            return all(pure(a) for a in e.items)
    return False


def _junction(args: list[ir.Expr], is_and: bool) -> ir.Expr:
    """And/Or with folding. NOTE(lazy-fold): a literal that decides the result cuts off what
    follows it. What precedes it still runs: an operand that may read outside a domain is
    kept, and so is every operand before it, pure or not, because a pure operand can decide
    the junction first and so stop that read (`f[1] or f[4] or true` reads f[4] only when
    f[1] is false). Only the pure operands after the last impure one may go."""
    unit, zero = is_and, not is_and
    out: list[ir.Expr] = []
    for a in args:
        if isinstance(a, ir.Lit):
            if a.value == unit:
                continue
            # decided: earlier operands up to the last impure one still run
            last = max((i for i, x in enumerate(out) if not pure(x)), default=-1)
            if last < 0:
                return _lit_bool(zero)
            out = out[: last + 1] + [a]
            break
        inner = a.args if isinstance(a, (ir.And if is_and else ir.Or)) else (a,)
        out.extend(inner)
    if not out:
        return _lit_bool(unit)
    if len(out) == 1:
        return out[0]
    return ir.And(tuple(out)) if is_and else ir.Or(tuple(out))


def _index_pos(dom: ir.Domain, v: ir.Value) -> int | None:
    return ir.index_pos(dom, v)


def expand(e: ir.CoreExpr, env: Env) -> ir.Expr:
    """Substitute bound names by values, expand quantifiers and fold constants."""
    match e:
        case ir.Lit() | ir.Var():
            return e
        case ir.Bound():
            if e.name not in env:
                raise Unbound(e.name)
            return ir.Lit(env[e.name], e.type)
        case ir.Quant():
            members = e.members
            if e.bounds is not None:
                lo, hi = expand(e.bounds[0], env), expand(e.bounds[1], env)
                assert isinstance(lo, ir.Lit) and isinstance(hi, ir.Lit), "checked state-free"
                assert isinstance(lo.value, int) and isinstance(hi.value, int)
                members = tuple(range(lo.value, hi.value + 1))
            ExpansionBudget.spend(len(members))
            bodies = [expand(e.body, {**env, e.var: v}) for v in members]
            if e.kind in ("sum", "min", "max", "choose"):
                return _aggregate(e, members, bodies, env)
            if e.kind == "forall":
                return _junction(bodies, True)
            if e.kind == "exists":
                return _junction(bodies, False)
            return _count(bodies)
        case ir.Cons():
            ExpansionBudget.spend(len(e.members))
            items = tuple(expand(e.body, {**env, e.var: v}) for v in e.members)
            if all(isinstance(i, ir.Lit) for i in items):
                return ir.Lit(tuple(i.value for i in items), e.type)  # type: ignore[union-attr]
            return ir.FunLit(items, e.type)
        case ir.Index():
            fn, idx = expand(e.fn, env), expand(e.idx, env)
            assert isinstance(fn.type, ir.FunT)
            if isinstance(idx, ir.Lit):
                pos = _index_pos(fn.type.dom, idx.value)
                if pos is not None:
                    if isinstance(fn, ir.Lit):
                        assert isinstance(fn.value, tuple)
                        return ir.Lit(fn.value[pos], e.type)
                    if isinstance(fn, ir.FunLit):
                        return fn.items[pos]
            return ir.Index(fn, idx, e.type)
        case ir.Not():
            a = expand(e.arg, env)
            if isinstance(a, ir.Lit):
                return _lit_bool(not a.value)
            if isinstance(a, ir.Not):
                return a.arg
            return ir.Not(a)
        case ir.And():
            return _junction([expand(a, env) for a in e.args], True)
        case ir.Or():
            return _junction([expand(a, env) for a in e.args], False)
        case ir.Ite():
            c = expand(e.cond, env)
            if isinstance(c, ir.Lit):
                return expand(e.then if c.value else e.else_, env)
            return ir.Ite(c, expand(e.then, env), expand(e.else_, env), e.type)
        case ir.Eq():
            a, b = expand(e.left, env), expand(e.right, env)
            if isinstance(a, ir.Lit) and isinstance(b, ir.Lit):
                return _lit_bool(a.value == b.value)
            return ir.Eq(a, b)
        case ir.Cmp():
            a, b = expand(e.left, env), expand(e.right, env)
            if isinstance(a, ir.Lit) and isinstance(b, ir.Lit):
                return _lit_bool(compare(e.op, a.value, b.value))  # type: ignore[arg-type]
            return ir.Cmp(e.op, a, b)
        case ir.Arith():
            a, b = expand(e.left, env), expand(e.right, env)
            if isinstance(a, ir.Lit) and isinstance(b, ir.Lit):
                return ir.Lit(arith(e.op, a.value, b.value), ir.IntT())  # type: ignore[arg-type]
            return ir.Arith(e.op, a, b)
        case ir.Member():
            a = expand(e.arg, env)
            if isinstance(a, ir.Lit):
                return _lit_bool(any(a.value == m for m in e.members))
            return ir.Member(a, e.members)
        case ir.Count():
            return _count([expand(a, env) for a in e.args])
        case ir.FunLit():
            items = tuple(expand(i, env) for i in e.items)
            if all(isinstance(i, ir.Lit) for i in items):
                return ir.Lit(tuple(i.value for i in items), e.type)  # type: ignore[union-attr]
            return ir.FunLit(items, e.type)
    raise AssertionError(f"cannot expand {e!r}")  # pragma: no cover


def fault(t: ir.Type) -> ir.Expr:
    """NOTE(fault): an expression whose evaluation is an error (a divisor <= 0, `min`/`max`
    over a range that is empty in this state, `choose` with no witness), desugared into a
    read outside a function's domain: every engine then treats it as NOTE(read-error) (in a
    step or init: a `types` violation; in an invariant: the invariant is false), with no
    new IR node. The value it yields (the entry read) is t's first value."""
    first: ir.Value
    if isinstance(t, ir.IntT):
        first = t.lo if t.lo is not None else 0
    elif isinstance(t, (ir.BoolT, ir.EnumT)):
        first = t.values()[0]
    else:  # pragma: no cover - aggregates and choose yield scalars
        raise AssertionError(t)
    return ir.Index(ir.Lit((first,), ir.FunT(ir.IntT(0, 0), t)), ir.Lit(1, ir.IntT()), t)


# ---- sum, min, max, choose (docs/language.md "Definitions, let and arithmetic") ----------
def _aggregate(e: ir.Quant, members: tuple[ir.Value, ...], bodies: list[ir.Expr],
               env: Env) -> ir.Expr:
    """`sum` is a chain of `+`; `choose` an if-chain over the members in order (the first
    that satisfies the body); `min`/`max` an if-chain whose k-th condition says the k-th
    value is <= (>=) every other, so every value is read, as `sum` reads them (O(n^2) nodes
    for n members). No value to choose (an empty range, no witness) is a fault."""
    zero = ir.Lit(0, ir.IntT())
    if e.kind == "sum":
        out: ir.Expr = zero
        known = 0
        for b in bodies:
            if isinstance(b, ir.Lit):
                known += b.value  # type: ignore[operator]
            else:
                out = b if out is zero else ir.Arith("+", out, b)
        if known or out is zero:
            return ir.Lit(known, ir.IntT()) if out is zero else ir.Arith("+", out, ir.Lit(known, ir.IntT()))
        return out
    if e.kind == "choose":
        result: ir.Expr = fault(e.type)
        for v, b in zip(reversed(members), reversed(bodies), strict=True):
            result = _ite(b, ir.Lit(v, e.type), result)
        return result
    guards = ([expand(e.guard, {**env, e.var: v}) for v in members] if e.guard is not None
              else [ir.Lit(True, ir.BoolT())] * len(members))
    items = [(g, b) for g, b in zip(guards, bodies, strict=True)
             if not (isinstance(g, ir.Lit) and not g.value)]
    op = "<=" if e.kind == "min" else ">="
    always = all(isinstance(g, ir.Lit) for g, _ in items)
    result = fault(ir.IntT())
    for k in range(len(items) - 1, -1, -1):
        g, b = items[k]
        if always and k == len(items) - 1:
            result = b  # when no other value is extreme, the last one is
            continue
        conds = [g] + [_junction([_negate(gj), _cmp(op, b, bj)], False)
                       for j, (gj, bj) in enumerate(items) if j != k]
        result = _ite(_junction(conds, True), b, result)
    return result


def _negate(a: ir.Expr) -> ir.Expr:
    if isinstance(a, ir.Lit):
        return _lit_bool(not a.value)
    return a.arg if isinstance(a, ir.Not) else ir.Not(a)


def _cmp(op: str, a: ir.Expr, b: ir.Expr) -> ir.Expr:
    if isinstance(a, ir.Lit) and isinstance(b, ir.Lit):
        return _lit_bool(compare(op, a.value, b.value))  # type: ignore[arg-type]
    return ir.Cmp(op, a, b)


def _ite(c: ir.Expr, a: ir.Expr, b: ir.Expr) -> ir.Expr:
    if isinstance(c, ir.Lit):
        return a if c.value else b
    t = ir.IntT() if isinstance(a.type, ir.IntT) else a.type
    return ir.Ite(c, a, b, t)


def _count(args: list[ir.Expr]) -> ir.Expr:
    known = sum(1 for a in args if isinstance(a, ir.Lit) and a.value)
    rest = tuple(a for a in args if not isinstance(a, ir.Lit))
    if not rest:
        return ir.Lit(known, ir.IntT())
    c = ir.Count(rest)
    return c if known == 0 else ir.Arith("+", ir.Lit(known, ir.IntT()), c)


def compare(op: str, a: int, b: int) -> bool:
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def arith(op: str, a: int, b: int) -> int:
    """NOTE(division): `/` and `%` are TLA+'s `\\div` and `%`: the quotient is floored and
    the remainder lies in 0..b-1. They are only ever evaluated with b > 0: the checker
    rejects a constant divisor <= 0 and guards any other divisor (check.py, NOTE(fault))."""
    if op == "/":
        return a // b
    if op == "%":
        return a % b
    return a + b if op == "+" else a - b if op == "-" else a * b
