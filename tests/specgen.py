"""A Hypothesis strategy for random small well-typed hp specs, generated AS TEXT.

Every spec has a handful of variables of every kind (bool, ranges, enums, functions,
nested functions), parameterised actions with nested ifs, requires inside branches,
quantifiers, count, entry and whole-function updates, and index expressions that may leave
their domain (reads and writes outside a domain) or assignments that leave a range: the
built-in `types` invariant gets exercised. State spaces stay small (a few thousand typed
states at most) so that a naive enumerator can count the reachable states.

Every compound expression is parenthesised, so the text never depends on precedence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st


@dataclass
class Ty:
    kind: str  # bool | int | enum | fun
    lo: int = 0
    hi: int = 0
    name: str = ""  # enum or range type name
    members: tuple[str, ...] = ()
    dom: Ty | None = None
    cod: Ty | None = None

    def text(self) -> str:
        if self.kind == "bool":
            return "bool"
        if self.kind in ("int", "enum"):
            return self.name
        assert self.dom is not None and self.cod is not None
        return f"{self.dom.text()} -> {self.cod.text()}"


@dataclass
class Ctx:
    vars: dict[str, Ty]
    domains: list[Ty]
    bound: dict[str, Ty] = field(default_factory=dict)  # parameters, quantified names
    fresh: list[int] = field(default_factory=lambda: [0])

    def name(self, prefix: str) -> str:
        self.fresh[0] += 1
        return f"{prefix}{self.fresh[0]}"


def _scalars_of(ctx: Ctx, want: Ty) -> list[str]:
    return [n for n, t in {**ctx.vars, **ctx.bound}.items() if _same(t, want)]


def _same(a: Ty, b: Ty) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "int":
        return True
    if a.kind == "enum":
        return a.name == b.name
    if a.kind == "fun":
        assert a.dom and b.dom and a.cod and b.cod
        return a.dom.text() == b.dom.text() and _same(a.cod, b.cod)
    return True


@st.composite
def expr(draw, ctx: Ctx, want: Ty, depth: int) -> str:  # noqa: C901 - one case per form
    """An expression of type `want` (int: any int)."""
    choices = ["atom"]
    if depth > 0:
        choices += ["index", "ite"]
        if want.kind == "bool":
            choices += ["not", "andor", "cmp", "eq", "quant", "member"]
        if want.kind == "int":
            choices += ["arith", "count"]
    kind = draw(st.sampled_from(choices))
    if kind == "index":
        funs = [(n, t) for n, t in ctx.vars.items() if t.kind == "fun"]
        paths = []
        for n, t in funs:
            cur, idxs = t, []
            while cur.kind == "fun":
                assert cur.dom and cur.cod
                idxs.append(cur.dom)
                cur = cur.cod
                if _same(cur, want):
                    paths.append((n, list(idxs)))
        if paths:
            n, doms = draw(st.sampled_from(paths))
            out = n
            for d in doms:
                out += f"[{draw(index(ctx, d, depth - 1))}]"
            return out
        kind = "atom"
    if kind == "atom":
        names = _scalars_of(ctx, want)
        if names and draw(st.booleans()):
            return draw(st.sampled_from(names))
        if want.kind == "bool":
            return draw(st.sampled_from(["true", "false"]))
        if want.kind == "int":
            return str(draw(st.integers(0, 3)))
        return draw(st.sampled_from(want.members))
    sub = depth - 1
    if kind == "ite":
        c = draw(expr(ctx, BOOL, sub))
        return f"(if {c} then {draw(expr(ctx, want, sub))} else {draw(expr(ctx, want, sub))})"
    if kind == "not":
        return f"(not {draw(expr(ctx, BOOL, sub))})"
    if kind == "andor":
        op = draw(st.sampled_from(["and", "or", "implies"]))
        return f"({draw(expr(ctx, BOOL, sub))} {op} {draw(expr(ctx, BOOL, sub))})"
    if kind == "cmp":
        op = draw(st.sampled_from(["<", "<=", ">", ">=", "=", "!="]))
        return f"({draw(expr(ctx, INT, sub))} {op} {draw(expr(ctx, INT, sub))})"
    if kind == "eq":
        enums = [d for d in ctx.domains if d.kind == "enum"]
        t = draw(st.sampled_from(enums + [BOOL]))
        op = draw(st.sampled_from(["=", "!="]))
        return f"({draw(expr(ctx, t, sub))} {op} {draw(expr(ctx, t, sub))})"
    if kind == "member":
        d = draw(st.sampled_from(ctx.domains))
        if d.kind == "int":
            lo = draw(st.integers(0, 2))
            return f"({draw(expr(ctx, INT, sub))} in {lo}..{lo + draw(st.integers(0, 2))})"
        return f"({draw(expr(ctx, d, sub))} in {d.name})"
    if kind == "quant":
        d = draw(st.sampled_from(ctx.domains + [BOOL]))
        q = draw(st.sampled_from(["forall", "exists"]))
        x = ctx.name("x")
        inner = Ctx(ctx.vars, ctx.domains, {**ctx.bound, x: d}, ctx.fresh)
        return f"({q} {x} in {d.text()}: {draw(expr(inner, BOOL, sub))})"
    if kind == "count":
        d = draw(st.sampled_from(ctx.domains + [BOOL]))
        x = ctx.name("x")
        inner = Ctx(ctx.vars, ctx.domains, {**ctx.bound, x: d}, ctx.fresh)
        return f"(count {x} in {d.text()}: {draw(expr(inner, BOOL, sub))})"
    if kind == "arith":
        op = draw(st.sampled_from(["+", "-", "+", "*"]))
        return f"({draw(expr(ctx, INT, sub))} {op} {draw(expr(ctx, INT, sub))})"
    raise AssertionError(kind)


@st.composite
def index(draw, ctx: Ctx, dom: Ty, depth: int) -> str:
    """An index into a function with domain `dom`; an int index may leave the range."""
    if dom.kind == "int" and draw(st.integers(0, 5)) == 0:
        return str(draw(st.sampled_from([dom.lo - 1, dom.hi + 1])))
    return draw(expr(ctx, INT if dom.kind == "int" else dom, depth))


BOOL = Ty("bool")
INT = Ty("int", name="int")


@st.composite
def statements(draw, ctx: Ctx, touched: dict[str, str], depth: int, n: int) -> list[str]:
    out: list[str] = []
    for _ in range(n):
        kind = draw(st.sampled_from(["require", "assign", "assign", "if"] if depth > 0
                                    else ["require", "assign", "assign"]))
        if kind == "require":
            out.append(f"require {draw(expr(ctx, BOOL, 2))}")
        elif kind == "assign":
            stmt = draw(assignment(ctx, touched))
            if stmt:
                out.append(stmt)
        else:
            cond = draw(expr(ctx, BOOL, 2))
            then = draw(statements(ctx, touched, depth - 1, draw(st.integers(1, 2))))
            els = draw(statements(ctx, touched, depth - 1, draw(st.integers(0, 2))))
            text = f"if {cond} {{ {'  '.join(then)} }}"
            if els:
                text += f" else {{ {'  '.join(els)} }}"
            out.append(text)
    return out


@st.composite
def assignment(draw, ctx: Ctx, touched: dict[str, str]) -> str | None:
    """`x' = e` / `f'[i] = e` / `f' = [y in D: e]`. Conservative over all paths of the
    action: a variable is assigned whole at most once and then never again; scalars once."""
    name = draw(st.sampled_from(sorted(ctx.vars)))
    t = ctx.vars[name]
    state = touched.get(name)
    if state == "whole":
        return None
    if t.kind != "fun":
        if state is not None:
            return None
        touched[name] = "whole"
        if t.kind == "int" and draw(st.booleans()):
            delta = draw(st.sampled_from(["+ 1", "- 1"]))  # may leave the range: `types`
            return f"{name}' = ({name} {delta})"
        return f"{name}' = {draw(expr(ctx, t, 2))}"
    if state is None and draw(st.integers(0, 3)) == 0:
        touched[name] = "whole"
        assert t.dom is not None and t.cod is not None
        y = ctx.name("y")
        inner = Ctx(ctx.vars, ctx.domains, {**ctx.bound, y: t.dom}, ctx.fresh)
        if t.cod.kind == "fun":
            return f"{name}' = {name}"
        return f"{name}' = [{y} in {t.dom.text()}: {draw(expr(inner, t.cod, 1))}]"
    touched[name] = "entry"
    lhs, cur = f"{name}'", t
    while cur.kind == "fun":
        assert cur.dom is not None and cur.cod is not None
        lhs += f"[{draw(index(ctx, cur.dom, 1))}]"
        cur = cur.cod
        if cur.kind == "fun" and draw(st.booleans()):
            break
    if cur.kind == "fun":  # a whole row: `h'[b] = [y in D: e]` or another row
        assert cur.dom is not None and cur.cod is not None
        if draw(st.booleans()):
            return f"{lhs} = {name}[{draw(index(ctx, t.dom, 1))}]"  # type: ignore[arg-type]
        y = ctx.name("y")
        inner = Ctx(ctx.vars, ctx.domains, {**ctx.bound, y: cur.dom}, ctx.fresh)
        return f"{lhs} = [{y} in {cur.dom.text()}: {draw(expr(inner, cur.cod, 1))}]"
    return f"{lhs} = {draw(expr(ctx, cur, 2))}"


@st.composite
def specs(draw, extended: bool = False) -> str:
    """A random spec. `extended` (the syntax oracle's fuzz, tests/test_oracle.py) adds
    negative ranges, large literals, short-circuit reads outside a domain and init
    equations that refer to each other."""
    k = draw(st.integers(1, 2))
    base = draw(st.sampled_from([0, -3, -1])) if extended else 0
    rng = Ty("int", base, base + k, name="R")
    members = tuple(f"e{i}" for i in range(draw(st.integers(2, 3))))
    enum = Ty("enum", name="E", members=members)
    domains = [rng, enum]
    scalar_types = [BOOL, rng, enum, Ty("int", 0, 2, name="Small")]
    nvars = draw(st.integers(2, 4))
    vars_: dict[str, Ty] = {}
    budget = 1
    for i in range(nvars):
        kind = draw(st.sampled_from(["scalar", "scalar", "fun", "nested"]))
        if kind == "scalar":
            t = draw(st.sampled_from(scalar_types))
            size = 2 if t.kind == "bool" else (t.hi - t.lo + 1 if t.kind == "int" else len(members))
        elif kind == "fun":
            d = draw(st.sampled_from([rng, enum, BOOL]))
            c = draw(st.sampled_from([BOOL, Ty("int", 0, 1, name="Bit")]))
            t = Ty("fun", dom=d, cod=c)
            dsize = 2 if d.kind == "bool" else (k + 1 if d.kind == "int" else len(members))
            size = 2 ** dsize
        else:
            t = Ty("fun", dom=BOOL, cod=Ty("fun", dom=BOOL, cod=BOOL))
            size = 16
        if budget * size > 4096:
            t, size = BOOL, 2
        budget *= size
        vars_[f"v{i}"] = t
    ctx = Ctx(vars_, domains)
    lines = ["spec random", f"type R = {base}..{base + k}", f"type E = {{{', '.join(members)}}}",
             "type Small = 0..2", "type Bit = 0..1"]
    lines += [f"var {n}: {t.text()}" for n, t in vars_.items()]
    if draw(st.integers(0, 4)) > 0:
        items = []
        for n, t in vars_.items():
            if draw(st.booleans()):
                continue
            if t.kind == "bool":
                items.append(f"{n} = {draw(st.sampled_from(['true', 'false']))}")
            elif t.kind == "int":
                items.append(f"{n} = {draw(st.sampled_from([0, 1, t.hi, t.hi + 1]))}")
            elif t.kind == "enum":
                items.append(f"{n} = {draw(st.sampled_from(members))}")
            elif t.cod is not None and t.cod.kind != "fun":
                items.append(f"forall z in {t.dom.text() if t.dom else 'bool'}: {n}[z] = "
                             f"{draw(expr(Ctx(vars_, domains, {'z': t.dom or BOOL}), t.cod, 0))}")
        if draw(st.integers(0, 3)) == 0:
            items.append(draw(expr(ctx, BOOL, 2)))
        if extended:
            items += draw(_tangled_init(vars_))
        if items:
            lines.append("init { " + "; ".join(items) + "; }")
    for a in range(draw(st.integers(1, 3))):
        params: dict[str, Ty] = {}
        for j in range(draw(st.integers(0, 2))):
            params[f"p{j}"] = draw(st.sampled_from([rng, enum, BOOL]))
        actx = Ctx(vars_, domains, dict(params), ctx.fresh)
        body = draw(statements(actx, {}, 2, draw(st.integers(1, 4))))
        if extended and draw(st.booleans()):
            body.insert(0, f"require {draw(_lazy_read(vars_))}")
        sig = ""
        if params:
            sig = "(" + ", ".join(f"{p}: {t.text()}" for p, t in params.items()) + ")"
        by = ""
        enum_params = [p for p, t in params.items() if t.kind == "enum"]
        if enum_params and draw(st.booleans()):
            by = f" by {enum_params[0]}"
        lines.append(f"action act{a}{sig}{by} {{ {'  '.join(body) or 'require true'} }}")
    for i in range(draw(st.integers(1, 2))):
        lines.append(f"invariant inv{i}: {draw(expr(ctx, BOOL, 3))}")
    if extended:
        lines.append(f"invariant lazy: {draw(_lazy_read(vars_))}")
    return "\n".join(lines) + "\n"


@st.composite
def _tangled_init(draw, vars_: dict[str, Ty]) -> list[str]:
    """Init equations between int variables that may refer to each other (cycles, chains
    in any order, definitions out of the type) and large literals."""
    ints = [n for n, t in vars_.items() if t.kind == "int"]
    out: list[str] = []
    for _ in range(draw(st.integers(0, 2)) if ints else 0):
        a, b = draw(st.sampled_from(ints)), draw(st.sampled_from(ints))
        rhs = draw(st.sampled_from([f"{b}", f"3 - {b}", f"{b} + 1", "999999999999999999",
                                    f"(if {b} = 0 then 1 else {a})", f"-{b}"]))
        out.append(f"{a} = {rhs}")
    return out


@st.composite
def _lazy_read(draw, vars_: dict[str, Ty]) -> str:
    """An invariant whose operand reads outside a domain only when an earlier operand does
    not decide it first (NOTE(lazy-fold))."""
    funs = [(n, t) for n, t in vars_.items() if t.kind == "fun" and t.dom is not None
            and t.dom.kind == "int" and t.cod is not None and t.cod.kind == "bool"]
    if not funs:
        return "true"
    n, t = draw(st.sampled_from(funs))
    assert t.dom is not None
    inside, outside = f"{n}[{t.dom.lo}]", f"{n}[{t.dom.hi + 1}]"
    return draw(st.sampled_from([f"({inside} or (not {inside})) or {outside} or true",
                                 f"{inside} or {outside} or true",
                                 f"(not ({inside} or (not {inside}))) and {outside} and false",
                                 f"{inside} implies ({outside} or true)"]))
