"""An oracle the lowering cannot fool: the language's semantics read straight off the
syntax tree (after the checker has accepted it, before lowering or folding), in plain
Python. It shares no code with lower.py, fold.py or evaluate.py: it follows the documented
rules (docs/language.md): short-circuit `and`/`or`/`implies`/`forall`/`exists` in order,
a read or write outside a domain is a `types` violation (a read yields the last entry), a
disabled step reads nothing, a `require` whose own evaluation read outside a domain does
not disable, init definitions (NOTE(init-definitions)), and `types` as the only invariant
judged in an error state.

Values are those of the IR (functions as tuples in domain order), so that states compare
with the engines' traces directly. Only what tests/specgen.py writes needs to work, plus
`let` and constants.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from hpverify import syntax as s

State = dict[str, Any]


class Unsupported(Exception):
    pass


class Oracle:
    def __init__(self, spec: s.SpecFile) -> None:
        self.types: dict[str, s.TypeExpr] = {}
        self.consts: dict[str, Any] = {}
        self.enums: set[str] = set()
        self.vars: dict[str, s.TypeExpr] = {}
        self.init: list[s.Expr] = []
        self.actions: list[s.ActionDecl] = []
        self.invariants: dict[str, s.Expr] = {}
        for d in spec.decls:
            if isinstance(d, s.ConstDecl):
                self.consts[d.name] = self.eval(d.value, None, {}, [False])
            elif isinstance(d, s.TypeDecl):
                self.types[d.name] = d.type
                self._enum(d.type)
            elif isinstance(d, s.VarDecl):
                self.vars[d.name] = d.type
                self._enum(d.type)
            elif isinstance(d, s.InitDecl):
                self.init.extend(d.items)
            elif isinstance(d, s.ActionDecl):
                self.actions.append(d)
            elif isinstance(d, s.InvariantDecl):
                self.invariants[d.name] = d.body

    def _enum(self, t: s.TypeExpr) -> None:
        if isinstance(t, s.EnumType):
            self.enums |= set(t.values)
        elif isinstance(t, s.FunType):
            self._enum(t.dom)
            self._enum(t.cod)

    # ---- types ------------------------------------------------------------------------
    def resolve(self, t: s.TypeExpr) -> s.TypeExpr:
        while isinstance(t, s.TypeName):
            t = self.types[t.name]
        return t

    def domain(self, t: s.TypeExpr) -> list[Any]:
        t = self.resolve(t)
        if isinstance(t, s.BoolType):
            return [False, True]
        if isinstance(t, s.RangeType):
            lo = self.eval(t.lo, None, {}, [False])
            hi = self.eval(t.hi, None, {}, [False])
            return list(range(lo, hi + 1))
        if isinstance(t, s.EnumType):
            return list(t.values)
        raise Unsupported("a function type is not a domain")

    def typed_values(self, t: s.TypeExpr) -> list[Any]:
        t = self.resolve(t)
        if isinstance(t, s.FunType):
            n = len(self.domain(t.dom))
            return [tuple(c) for c in itertools.product(self.typed_values(t.cod), repeat=n)]
        return self.domain(t)

    def in_type(self, v: Any, t: s.TypeExpr) -> bool:
        t = self.resolve(t)
        if isinstance(t, s.FunType):
            return all(self.in_type(x, t.cod) for x in v)
        if isinstance(t, s.RangeType):
            return v in self.domain(t)
        return True

    def type_of(self, e: s.Expr, env: dict[str, Any]) -> s.TypeExpr:
        if isinstance(e, s.Name) and e.name in self.vars and e.name not in env:
            return self.vars[e.name]
        if isinstance(e, s.Index):
            t = self.resolve(self.type_of(e.fn, env))
            assert isinstance(t, s.FunType)
            return t.cod
        raise Unsupported(f"the type of {e}")

    @staticmethod
    def pos(dom: list[Any], v: Any) -> int | None:
        for i, d in enumerate(dom):
            if d == v and type(d) is type(v):
                return i
        return None

    # ---- expressions: err is a one-element list, set on a read outside a domain ----------
    def eval(self, e: s.Expr, st: State | None, env: dict[str, Any], err: list[bool]) -> Any:
        ev = self.eval
        match e:
            case s.IntLit():
                return e.value
            case s.BoolLit():
                return e.value
            case s.Name():
                if e.name in env:
                    v = env[e.name]
                    if isinstance(v, _Let):  # a let is evaluated where it is used
                        return ev(v.expr, st, v.env, err)
                    return v
                if e.name in self.vars:
                    if st is None:
                        raise _ReadsState
                    return st[e.name]
                if e.name in self.consts:
                    return self.consts[e.name]
                assert e.name in self.enums, e.name
                return e.name
            case s.Index():
                fn = ev(e.fn, st, env, err)
                i = ev(e.index, st, env, err)
                t = self.resolve(self.type_of(e.fn, env))
                assert isinstance(t, s.FunType)
                p = self.pos(self.domain(t.dom), i)
                if p is None:
                    err[0] = True
                    return fn[-1]
                return fn[p]
            case s.Unary():
                v = ev(e.arg, st, env, err)
                return (not v) if e.op == "not" else -v
            case s.Binary():
                op = e.op
                if op in ("and", "or", "implies"):
                    a = ev(e.left, st, env, err)
                    if op == "and":
                        return bool(a) and bool(ev(e.right, st, env, err))
                    if op == "or":
                        return bool(a) or bool(ev(e.right, st, env, err))
                    return (not a) or bool(ev(e.right, st, env, err))
                a, b = ev(e.left, st, env, err), ev(e.right, st, env, err)
                return {"=": lambda: a == b, "!=": lambda: a != b, "<": lambda: a < b,
                        "<=": lambda: a <= b, ">": lambda: a > b, ">=": lambda: a >= b,
                        "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b}[op]()
            case s.Member():
                v = ev(e.arg, st, env, err)
                return self.pos(self.domain(e.domain), v) is not None
            case s.IfExpr():
                c = ev(e.cond, st, env, err)
                return ev(e.then if c else e.else_, st, env, err)
            case s.Quant():
                vals = self.domain(e.domain)
                if e.kind == "count":
                    return sum(1 for v in vals if ev(e.body, st, {**env, e.var: v}, err))
                want = e.kind == "exists"
                for v in vals:
                    if bool(ev(e.body, st, {**env, e.var: v}, err)) == want:
                        return want
                return not want
            case s.FunCons():
                return tuple(ev(e.body, st, {**env, e.var: v}, err)
                             for v in self.domain(e.domain))
        raise Unsupported(f"expression {e}")

    # ---- steps --------------------------------------------------------------------------
    def instances(self) -> Iterator[tuple[s.ActionDecl, dict[str, Any]]]:
        for a in self.actions:
            doms = [self.domain(p.domain) for p in a.params]
            for combo in itertools.product(*doms):
                yield a, {p.name: v for p, v in zip(a.params, combo, strict=True)}

    def step(self, a: s.ActionDecl, params: dict[str, Any], st: State) -> tuple[State, bool] | None:
        nxt = dict(st)
        err = [False]
        if not self._exec(a.body, st, dict(params), nxt, err):
            return None
        return nxt, err[0]

    def _exec(self, body: tuple[s.Stmt, ...], st: State, env: dict[str, Any], nxt: State,
              err: list[bool]) -> bool:
        for x in body:
            match x:
                case s.Require():
                    own = [False]
                    v = self.eval(x.cond, st, env, own)
                    err[0] = err[0] or own[0]
                    if not v and not own[0]:
                        return False
                case s.Let():
                    env[x.name] = _Let(x.value, dict(env))
                case s.Assign():
                    idx = [self.eval(i, st, env, err) for i in x.indices]
                    v = self.eval(x.value, st, env, err)
                    new = self._update(nxt[x.var], self.vars[x.var], idx, v)
                    if new is None:
                        err[0] = True
                    else:
                        nxt[x.var] = new
                case s.If():
                    c = self.eval(x.cond, st, env, err)
                    if not self._exec(x.then if c else x.else_, st, dict(env), nxt, err):
                        return False
        return True

    def _update(self, old: Any, t: s.TypeExpr, idx: list[Any], v: Any) -> Any:
        if not idx:
            return v
        ft = self.resolve(t)
        assert isinstance(ft, s.FunType)
        p = self.pos(self.domain(ft.dom), idx[0])
        if p is None:
            return None
        inner = self._update(old[p], ft.cod, idx[1:], v)
        return None if inner is None else old[:p] + (inner,) + old[p + 1:]

    # ---- invariants -----------------------------------------------------------------------
    def types_ok(self, st: State, err: bool) -> bool:
        return not err and all(self.in_type(st[n], t) for n, t in self.vars.items())

    def holds(self, name: str, st: State, err: bool) -> bool:
        if name == "types":
            return self.types_ok(st, err)
        if err:
            return True
        e = [False]
        v = self.eval(self.invariants[name], st, {}, e)
        return bool(v) and not e[0]

    # ---- initial states (NOTE(init-definitions), read from docs/language.md) ----------------
    def _equations(self, e: s.Expr, env: dict[str, Any]) -> Iterator[tuple[s.Expr, s.Expr,
                                                                           dict[str, Any]]]:
        if isinstance(e, s.Binary) and e.op == "and":
            yield from self._equations(e.left, env)
            yield from self._equations(e.right, env)
        elif isinstance(e, s.Quant) and e.kind == "forall":
            for v in self.domain(e.domain):
                yield from self._equations(e.body, {**env, e.var: v})
        elif isinstance(e, s.Binary) and e.op == "=":
            yield e.left, e.right, env

    def _target(self, e: s.Expr, env: dict[str, Any]) -> tuple[str, tuple[Any, ...]] | None:
        if isinstance(e, s.Name) and e.name in self.vars and e.name not in env:
            return e.name, ()
        if isinstance(e, s.Index):
            inner = self._target(e.fn, env)
            if inner is None:
                return None
            try:
                i = self.eval(e.index, None, env, [False])
            except _ReadsState:
                return None
            t = self.resolve(self.type_of(e.fn, env))
            assert isinstance(t, s.FunType)
            if self.pos(self.domain(t.dom), i) is None:
                return None
            return inner[0], inner[1] + (i,)
        return None

    def _reads(self, e: Any, env: dict[str, Any]) -> set[str]:
        """State variables named in e as written (bound names shadow nothing here:
        the checker forbids reusing a variable's name)."""
        out: set[str] = set()
        stack = [e]
        while stack:
            x = stack.pop()
            if isinstance(x, s.Name) and x.name in self.vars:
                out.add(x.name)
            elif isinstance(x, tuple):
                stack.extend(x)
            elif hasattr(x, "__dataclass_fields__"):
                stack.extend(getattr(x, f) for f in x.__dataclass_fields__ if f != "span")
        return out

    def definitions(self) -> list[tuple[str, tuple[Any, ...], s.Expr, dict[str, Any]]]:
        pending: list[tuple[str, tuple[Any, ...], s.Expr, dict[str, Any], set[str]]] = []

        def overlap(a: tuple[str, tuple[Any, ...]], b: tuple[str, tuple[Any, ...]]) -> bool:
            n = min(len(a[1]), len(b[1]))
            return a[0] == b[0] and a[1][:n] == b[1][:n]

        for item in self.init:
            for left, right, env in self._equations(item, {}):
                for lhs, rhs in ((left, right), (right, left)):
                    tg = self._target(lhs, env)
                    if tg is None:
                        continue
                    if not any(overlap(tg, (p[0], p[1])) for p in pending):
                        pending.append((tg[0], tg[1], rhs, env, self._reads(rhs, env)))
                    break
        out = []
        while pending:
            k = next((k for k, p in enumerate(pending)
                      if not (p[4] & {q[0] for q in pending})), None)
            if k is None:
                break
            name, path, rhs, env, _ = pending.pop(k)
            out.append((name, path, rhs, env))
        return out

    def initial_states(self) -> list[tuple[State, bool]]:
        defs = self.definitions()
        whole = {name for name, path, _, _ in defs if not path}
        free = [n for n in self.vars if n not in whole]
        out: list[tuple[State, bool]] = []
        seen = set()
        for combo in itertools.product(*(self.typed_values(self.vars[n]) for n in free)):
            st: State = dict(zip(free, combo, strict=True))
            for n in self.vars:
                if n not in st:
                    st[n] = self.typed_values(self.vars[n])[0]
            for name, path, rhs, env in defs:
                v = self.eval(rhs, st, env, [False])
                st[name] = self._set(st[name], self.vars[name], path, v)
            err = False
            ok = True
            for item in self.init:
                e = [False]
                if not self.eval(item, st, {}, e) and not e[0]:
                    ok = False
                    break
                err = err or e[0]
            key = tuple(st[n] for n in self.vars)
            if ok and key not in seen:
                seen.add(key)
                out.append((st, err))
        return out

    def _set(self, old: Any, t: s.TypeExpr, path: tuple[Any, ...], v: Any) -> Any:
        if not path:
            return v
        ft = self.resolve(t)
        assert isinstance(ft, s.FunType)
        p = self.pos(self.domain(ft.dom), path[0])
        assert p is not None
        return old[:p] + (self._set(old[p], ft.cod, path[1:], v),) + old[p + 1:]

    # ---- the answer ---------------------------------------------------------------------
    def shortest(self, depth: int) -> tuple[dict[str, int | None], int]:
        """invariant → length of the shortest violation within depth (None: none), and
        the number of states reachable within depth."""
        names = ["types", *self.invariants]
        found: dict[str, int | None] = dict.fromkeys(names)
        frontier = self.initial_states()
        seen = {(tuple(st[n] for n in self.vars), e) for st, e in frontier}
        for k in range(depth + 1):
            for st, e in frontier:
                for n in names:
                    if found[n] is None and not self.holds(n, st, e):
                        found[n] = k
            if k == depth:
                break
            nxt = []
            for st, e in frontier:
                if not self.types_ok(st, e):
                    continue
                for a, params in self.instances():
                    r = self.step(a, params, st)
                    if r is None:
                        continue
                    key = (tuple(r[0][n] for n in self.vars), r[1])
                    if key not in seen:
                        seen.add(key)
                        nxt.append(r)
            frontier = nxt
        return found, len(seen)


class _Let:
    __slots__ = ("expr", "env")

    def __init__(self, expr: s.Expr, env: dict[str, Any]) -> None:
        self.expr, self.env = expr, env


class _ReadsState(Exception):
    """A state-free evaluation met a state variable."""
