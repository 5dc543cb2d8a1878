"""Checked spec → IR model: parameters expanded over their domains, quantifiers expanded,
constants folded (fold.py), init definitions found (see ir.py for what is left).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

from . import ir
from .check import Action, CheckedSpec
from .diagnostics import Diagnostic, HpError, Span
from .fold import MAX_EXPANSION, Env, ExpansionBudget, ExpansionLimit, expand, pure


def expand_stmts(stmts: tuple[ir.Stmt, ...], env: Env) -> tuple[ir.Stmt, ...]:
    out: list[ir.Stmt] = []
    for st in stmts:
        match st:
            case ir.Require():
                c = expand(st.cond, env)
                if isinstance(c, ir.Lit) and c.value:
                    continue
                out.append(ir.Require(c))
                if isinstance(c, ir.Lit):  # `require false`: the rest never runs
                    break
            case ir.Assign():
                out.append(ir.Assign(st.var, tuple(expand(p, env) for p in st.path),
                                     expand(st.value, env)))
            case ir.If():
                c = expand(st.cond, env)
                if isinstance(c, ir.Lit):
                    out.extend(expand_stmts(st.then if c.value else st.else_, env))
                else:
                    out.append(ir.If(c, expand_stmts(st.then, env), expand_stmts(st.else_, env)))
    return tuple(out)


def instances(action: Action) -> list[ir.Instance]:
    out: list[ir.Instance] = []
    names = [p.name for p in action.params]
    types = tuple(p.type for p in action.params)
    for combo in itertools.product(*(p.members for p in action.params)):
        ExpansionBudget.spend(1)
        env = dict(zip(names, combo, strict=True))
        body = expand_stmts(action.body, env)
        if body and isinstance(body[-1], ir.Require) and isinstance(body[-1].cond, ir.Lit) \
                and all(_stmt_pure(x) for x in body[:-1]):
            continue  # never enabled, reads nothing: drop the instance
        actor: ir.Value | None = None
        actor_type: ir.Type | None = None
        if action.actor is not None:
            a = expand(action.actor, env)
            assert isinstance(a, ir.Lit), "the checker keeps actors constant"
            actor, actor_type = a.value, a.type
        out.append(ir.Instance(action.name, tuple(env.items()), types, actor, actor_type, body,
                               action.span))
    return out


def _stmt_pure(st: ir.Stmt) -> bool:
    match st:
        case ir.Require():
            return pure(st.cond)
        case ir.Assign():
            return all(pure(p) for p in st.path) and pure(st.value)
        case ir.If():
            return pure(st.cond) and all(map(_stmt_pure, st.then)) and all(map(_stmt_pure, st.else_))
    return False  # pragma: no cover


# ---- init definitions ----------------------------------------------------------------------
# NOTE(init-definitions): `init` is a predicate over states, but a top-level equation
# `x = e` (or `f[c] = e` with constant in-domain indices, also from a `forall` over a
# domain) usually means "x starts at e", and the contract wants an init that forces an
# out-of-type value to be a `types` violation in 0 steps, so such an equation DEFINES its
# target instead of filtering the target's typed values. It is a definition when:
#   - its target overlaps no earlier definition's target (`x = 1  x = 2`: the second is a
#     plain constraint, and no state is initial), and
#   - the definitions can be computed one after another: repeatedly, the first remaining
#     candidate whose right-hand side, as written (before folding), reads no variable that
#     a remaining candidate targets (itself included) is taken. What is left (a cycle such
#     as `x = x`, `x = y  y = x`, `x = 3 - y  y = 3 - x`, `x = f[x]`; an entry defined from
#     its own variable, `f[2] = f[1] + 1`; whatever reads those) is a plain constraint over
#     typed values. Reads count whole variables, as written, so that the rule does not
#     depend on folding (`x = if true then 1 else y` reads y).
# Every part that no definition targets ranges over its type; definitions are then computed
# in order; then every init item (definitions included, which hold by construction) is
# judged (NOTE(step-order)). Computed once here, so the evaluator, the encoding, explicit
# and replay share it; `hpverify export --tla` orders its `v = e` assignments by the same
# rule (whole variables only).
Cell = tuple[str, ir.Path]


def _target(e: ir.Expr) -> Cell | None:
    """The part of a variable e names: `x`, `f[c]`, `g[c][d]` with constant in-domain
    indices; None for anything else."""
    if isinstance(e, ir.Var):
        return e.name, ()
    if isinstance(e, ir.Index) and isinstance(e.idx, ir.Lit) and isinstance(e.fn.type, ir.FunT):
        inner = _target(e.fn)
        if inner is None or ir.index_pos(e.fn.type.dom, e.idx.value) is None:
            return None
        return inner[0], inner[1] + (e.idx.value,)
    return None


def _is_place(e: ir.CoreExpr) -> bool:
    """e names a variable or an entry as written: `x`, `f[e]`, `g[e][e']`."""
    while isinstance(e, ir.Index):
        e = e.fn
    return isinstance(e, ir.Var)


def _overlap(a: Cell, b: Cell) -> bool:
    n = min(len(a[1]), len(b[1]))
    return a[0] == b[0] and a[1][:n] == b[1][:n]


def _reads(e: ir.CoreExpr) -> set[Cell]:
    """The state variables e reads as written (before folding, so that `if true then 1
    else y` reads y), each as a whole variable."""
    return {(x.name, ()) for x in ir.subexprs(e) if isinstance(x, ir.Var)}


def _equations(e: ir.CoreExpr, env: Env
               ) -> Iterator[tuple[ir.Expr, ir.Expr, ir.CoreExpr, ir.CoreExpr]]:
    """The top-level equations of an init item, through `and` and `forall` (as written, not
    as folded: `false or x = 3` is no equation), each side expanded."""
    if isinstance(e, ir.And):
        for a in e.args:
            yield from _equations(a, env)
    elif isinstance(e, ir.Quant) and e.kind == "forall":
        members = e.members
        if e.bounds is not None:
            lo, hi = expand(e.bounds[0], env), expand(e.bounds[1], env)
            assert isinstance(lo, ir.Lit) and isinstance(hi, ir.Lit)
            assert isinstance(lo.value, int) and isinstance(hi.value, int)
            members = tuple(range(lo.value, hi.value + 1))
        for v in members:
            yield from _equations(e.body, {**env, e.var: v})
    elif isinstance(e, ir.Eq):
        yield expand(e.left, env), expand(e.right, env), e.left, e.right


def init_definitions(init: tuple[ir.CoreExpr, ...]) -> tuple[ir.InitDef, ...]:
    """NOTE(init-definitions): the checked init items' equations that define parts of the
    initial state, in the order to compute them."""
    items = [eq for it in init for eq in _equations(it, {})]
    pending: list[tuple[Cell, ir.Expr, set[Cell]]] = []
    for left, right, left_src, right_src in items:
        for lhs, lhs_src, rhs, rhs_src in ((left, left_src, right, right_src),
                                           (right, right_src, left, left_src)):
            target = _target(lhs) if _is_place(lhs_src) else None
            if target is None:  # a place as written: `if true then x else 0` is none
                continue
            if not any(_overlap(target, t) for t, _, _ in pending):
                pending.append((target, rhs, _reads(rhs_src)))
            break
    out: list[ir.InitDef] = []
    while pending:
        ready = next((k for k, (_, _, reads) in enumerate(pending)
                      if not any(_overlap(r, t) for r in reads for t, _, _ in pending)), None)
        if ready is None:
            break  # a cycle, and what reads it: plain constraints
        (name, path), rhs, _ = pending.pop(ready)
        out.append(ir.InitDef(name, path, rhs))
    return tuple(out)


def _size(x: object, memo: dict[int, int]) -> int:
    """The number of nodes x has once expanded, counting shared subtrees (a `let` used
    twice) each time they occur: what lowering builds and every later pass walks."""
    k = id(x)
    got = memo.get(k)
    if got is not None:
        return got
    if isinstance(x, tuple):
        n = sum(_size(y, memo) for y in x)
    elif isinstance(x, (ir.Quant, ir.Cons)):
        n = 1 + max(len(x.members), 1) * _size(x.body, memo)
    elif isinstance(x, ir.Lit) or not hasattr(x, "__dataclass_fields__"):
        n = 1
    else:
        n = 1 + sum(_size(getattr(x, f), memo) for f in x.__dataclass_fields__
                    if f not in ("type", "members"))
    memo[k] = n
    return n


def lower(spec: CheckedSpec) -> ir.Model:
    """The IR model; HP303 (at the declaration) past the expansion budget."""
    ExpansionBudget.left = MAX_EXPANSION
    where = Span(spec.file, 0, 0, 0, 0)
    try:
        memo: dict[int, int] = {}  # spec's objects stay alive: ids are not reused
        total = _size(spec.init, memo)
        if total > MAX_EXPANSION:
            raise ExpansionLimit
        for a in spec.actions:
            where = a.span
            total += _size(a.body, memo) * math.prod(len(p.members) for p in a.params)
            if total > MAX_EXPANSION:
                raise ExpansionLimit
        for i in spec.invariants:
            where = i.span
            total += _size(i.body, memo)
            if total > MAX_EXPANSION:
                raise ExpansionLimit
        insts: list[ir.Instance] = []
        for a in spec.actions:
            where = a.span
            insts.extend(instances(a))
        where = Span(spec.file, 0, 0, 0, 0)
        init = tuple(x for x in (expand(i, {}) for i in spec.init)
                     if not (isinstance(x, ir.Lit) and x.value is True))
        invs: list[ir.Invariant] = []
        for i in spec.invariants:
            where = i.span
            invs.append(ir.Invariant(i.name, expand(i.body, {}), i.span, i.body_span))
    except ExpansionLimit:
        raise HpError(Diagnostic(
            "HP303", f"the spec expands to more than {MAX_EXPANSION} terms (nested quantifiers, "
            "parameters and `let`s used more than once multiply)", where)) from None
    finally:
        ExpansionBudget.left = MAX_EXPANSION
    return ir.Model(spec.name, spec.file, spec.consts, spec.vars, init, tuple(invs), tuple(insts),
                    tuple(a.name for a in spec.actions), init_definitions(spec.init),
                    symmetric=spec.symmetric)
