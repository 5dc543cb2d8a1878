"""The concrete semantics of the IR, in plain Python: the oracle every engine is checked
against, the explicit-state engine's step function, and the replay of every trace.

NOTE(read-error): reading f[i] (or writing f'[i]) with i outside f's domain sets the
`error` flag of the evaluation and yields f's LAST entry (a write changes nothing). The
flag makes the step's successor a `types` violation. The symbolic encoding (encode.py)
implements exactly this, so replay can compare whole states.

NOTE(step-order): a step runs its statements in order. A `require` that evaluates to false
disables the step (and a disabled step performs no read: its read errors do not count). A
`require` whose own evaluation read outside a domain does not disable it: its value is
undefined, the step is taken and ends in a `types` violation. Init items work the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from . import ir
from .fold import arith, compare

# The hidden state component marking a read/write error. Not an identifier, so no user
# variable can take it (`var __error__: bool` is an ordinary name).
ERR = "<error>"


class _Ctx:
    __slots__ = ("error",)

    def __init__(self) -> None:
        self.error = False


def _pos(dom: ir.Domain, v: ir.Value) -> int | None:
    return ir.index_pos(dom, v)


def eval_expr(e: ir.Expr, st: ir.State, ctx: _Ctx) -> ir.Value:
    match e:
        case ir.Lit():
            return e.value
        case ir.Var():
            return st[e.name]
        case ir.Index():
            fn = eval_expr(e.fn, st, ctx)
            i = eval_expr(e.idx, st, ctx)
            assert isinstance(fn, tuple) and isinstance(e.fn.type, ir.FunT)
            pos = _pos(e.fn.type.dom, i)
            if pos is None:
                ctx.error = True
                return fn[-1]
            return fn[pos]
        case ir.Not():
            return not eval_expr(e.arg, st, ctx)
        case ir.And():
            for a in e.args:
                if not eval_expr(a, st, ctx):
                    return False
            return True
        case ir.Or():
            for a in e.args:
                if eval_expr(a, st, ctx):
                    return True
            return False
        case ir.Ite():
            c = eval_expr(e.cond, st, ctx)
            return eval_expr(e.then if c else e.else_, st, ctx)
        case ir.Eq():
            return eval_expr(e.left, st, ctx) == eval_expr(e.right, st, ctx)
        case ir.Cmp():
            x, y = eval_expr(e.left, st, ctx), eval_expr(e.right, st, ctx)
            return compare(e.op, x, y)  # type: ignore[arg-type]
        case ir.Arith():
            x, y = eval_expr(e.left, st, ctx), eval_expr(e.right, st, ctx)
            return arith(e.op, x, y)  # type: ignore[arg-type]
        case ir.Member():
            v = eval_expr(e.arg, st, ctx)
            return any(v == m for m in e.members)
        case ir.Count():
            return sum(1 for a in [eval_expr(x, st, ctx) for x in e.args] if a)
        case ir.FunLit():
            return tuple(eval_expr(x, st, ctx) for x in e.items)
    raise AssertionError(f"cannot evaluate {e!r}")  # pragma: no cover


def value(e: ir.Expr, st: ir.State) -> ir.Value:
    """e's value in st, read errors ignored (a read outside a domain yields the last entry,
    NOTE(read-error)): what the encoding's `expr_value` computes."""
    return eval_expr(e, st, _Ctx())


def _update(old: ir.Value, dom_path: list[ir.Domain], idx: list[ir.Value],
            value: ir.Value) -> ir.Value | None:
    """Functional update old[idx...] := value; None if an index is outside its domain."""
    if not idx:
        return value
    assert isinstance(old, tuple)
    pos = _pos(dom_path[0], idx[0])
    if pos is None:
        return None
    inner = _update(old[pos], dom_path[1:], idx[1:], value)
    if inner is None:
        return None
    return old[:pos] + (inner,) + old[pos + 1:]


@dataclass(frozen=True, slots=True)
class StepResult:
    state: ir.State
    error: bool  # the step read or wrote outside a domain


def run_step(model: ir.Model, inst: ir.Instance, st: ir.State) -> StepResult | None:
    """Fire one instance in state st: None if disabled."""
    ctx = _Ctx()
    nxt = {v.name: st[v.name] for v in model.vars}
    if not _exec(model, inst.body, st, nxt, ctx):
        return None
    nxt[ERR] = ctx.error
    return StepResult(nxt, ctx.error)


def _exec(model: ir.Model, body: tuple[ir.Stmt, ...], st: ir.State, nxt: dict[str, ir.Value],
          ctx: _Ctx) -> bool:
    for s in body:
        match s:
            case ir.Require():
                before = ctx.error
                ctx.error = False
                v = eval_expr(s.cond, st, ctx)
                own_error = ctx.error
                ctx.error = before or own_error
                if not v and not own_error:
                    return False
            case ir.Assign():
                idx = [eval_expr(p, st, ctx) for p in s.path]
                value = eval_expr(s.value, st, ctx)
                doms: list[ir.Domain] = []
                t = model.var_type(s.var)
                for _ in s.path:
                    assert isinstance(t, ir.FunT)
                    doms.append(t.dom)
                    t = t.cod
                new = _update(nxt[s.var], doms, idx, value)
                if new is None:
                    ctx.error = True
                else:
                    nxt[s.var] = new
            case ir.If():
                c = eval_expr(s.cond, st, ctx)
                if not _exec(model, s.then if c else s.else_, st, nxt, ctx):
                    return False
    return True


def types_ok(model: ir.Model, st: ir.State) -> bool:
    if st.get(ERR, False):
        return False
    return all(_in_type(st[v.name], v.type) for v in model.vars)


def _in_type(v: ir.Value, t: ir.Type) -> bool:
    if isinstance(t, ir.FunT):
        assert isinstance(v, tuple)
        return all(_in_type(x, t.cod) for x in v)
    if isinstance(t, ir.IntT):
        return t.contains(v)  # type: ignore[arg-type]
    return True


def invariant_ok(model: ir.Model, name: str, st: ir.State) -> bool:
    """`types`, or a named invariant. A read outside a domain makes the invariant false;
    in a state that is itself a read/write error, only `types` is judged."""
    if name == ir.TYPES:
        return types_ok(model, st)
    if st.get(ERR, False):
        return True
    ctx = _Ctx()
    v = eval_expr(model.invariant(name).body, st, ctx)
    return bool(v) and not ctx.error


def init_status(model: ir.Model, st: ir.State) -> bool | None:
    """Is st (without ERR) an initial state? Returns None if not, else the ERR flag."""
    error = False
    for item in model.init:
        ctx = _Ctx()
        if not eval_expr(item, st, ctx) and not ctx.error:
            return None
        error = error or ctx.error
    return error


# ---- initial states ---------------------------------------------------------------------
def forced_targets(model: ir.Model) -> list[tuple[str, tuple[ir.Value, ...], ir.Expr]]:
    """The init definitions (NOTE(init-definitions) in lower.py) as (variable, path, value),
    in the order to compute them. Parts under such a target take the value's value, which
    may lie outside the type (so that an init forcing an out-of-type value is a `types`
    violation in 0 steps); every other part ranges over its type."""
    return [(d.var, d.path, d.value) for d in model.init_defs]


def _cell_domain(t: ir.Type) -> Sequence[ir.Value]:
    """A scalar type's values, lazily for a range (`var x: 0..30000000` lists nothing)."""
    if isinstance(t, ir.IntT):
        assert t.lo is not None and t.hi is not None
        return range(t.lo, t.hi + 1)
    return t.values()


def _typed_states(vars_: Sequence[ir.StateVar]) -> Iterator[dict[str, ir.Value]]:
    """Every typed valuation of vars_, the last cell varying fastest (the order of
    itertools.product over the variables' values), without listing any domain: an odometer
    over the scalar cells (NOTE(limits) in parse.py)."""
    cells = [(v, t) for v in vars_ for _, t in ir.slots(v.name, v.type)]
    doms = [_cell_domain(t) for _, t in cells]
    if any(len(d) == 0 for d in doms):
        return
    idx = [0] * len(doms)
    while True:
        it = iter(d[i] for d, i in zip(doms, idx, strict=True))
        yield {v.name: _build(v.type, it) for v in vars_}
        k = len(idx) - 1
        while k >= 0:
            idx[k] += 1
            if idx[k] < len(doms[k]):
                break
            idx[k] = 0
            k -= 1
        if k < 0:
            return


def _build(t: ir.Type, it: Iterator[ir.Value]) -> ir.Value:
    if isinstance(t, ir.FunT):
        return tuple(_build(t.cod, it) for _ in t.dom.values())
    return next(it)


def _set_path(v: ir.Value, t: ir.Type, path: tuple[ir.Value, ...], new: ir.Value) -> ir.Value:
    if not path:
        return new
    assert isinstance(t, ir.FunT) and isinstance(v, tuple)
    pos = _pos(t.dom, path[0])
    assert pos is not None
    return v[:pos] + (_set_path(v[pos], t.cod, path[1:], new),) + v[pos + 1:]


def initial_states(model: ir.Model, limit: int | None = None) -> Iterator[ir.State]:
    """Every initial state (with its ERR flag), by enumeration. Undefined variables range
    over their types; defined parts are then computed in order (NOTE(init-definitions))."""
    forced = forced_targets(model)
    forced_vars = {name for name, path, _ in forced if not path}
    free_vars = [v for v in model.vars if v.name not in forced_vars]
    placeholder = next(_typed_states([v for v in model.vars if v.name in forced_vars]), {})
    count = 0
    seen: set[tuple[ir.Value, ...]] = set()
    for free in _typed_states(free_vars):
        both = {**placeholder, **free}  # wholly defined variables start from a placeholder
        st: dict[str, ir.Value] = {v.name: both[v.name] for v in model.vars}
        for name, path, rhs in forced:  # each reads only undefined parts and earlier ones
            val = eval_expr(rhs, st, _Ctx())
            st[name] = _set_path(st[name], model.var_type(name), path, val)
        status = init_status(model, st)
        if status is None:
            continue
        key = tuple(st[v.name] for v in model.vars)
        if key in seen:  # defined cells overwrite enumerated ones: the same state again
            continue
        seen.add(key)
        st[ERR] = status
        count += 1
        yield st
        if limit is not None and count >= limit:
            return
