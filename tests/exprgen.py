"""A Hypothesis strategy for random small specs that use the expression forms of
docs/language.md "Definitions, let and arithmetic": `def` (with and without parameters),
expression `let`, `/` and `%` (constant divisors and divisors that read state, which may be
<= 0: a `types` violation), `sum`/`min`/`max`/`choose` over domains and over ranges that
read state (possibly empty: a fault), `min(a, b)`/`max(a, b)`, and `x' in S` / `f'[i] in S`
with S a domain or a range that reads state.

It reuses tests/specgen.py's expression generator for the operands (specgen itself is
unchanged), so the old forms appear under the new ones. Every compound expression is
parenthesised. State spaces stay tiny so that test_differential's naive enumerator can
count the reachable states.
"""

from __future__ import annotations

from hypothesis import strategies as st
from specgen import BOOL, INT, Ctx, Ty, expr


@st.composite
def new_expr(draw, ctx: Ctx, want: Ty, depth: int, defs: dict[str, tuple[list[Ty], Ty]]) -> str:
    """An expression of type `want`: a new form at the top (or an old one from specgen)."""
    forms = ["old"]
    if depth > 0:
        forms += ["let"]
        if want.kind == "int":
            forms += ["div", "agg", "agg_state", "minmax2"]
        if want.kind in ("int", "enum"):
            forms += ["choose"]
        if want.kind == "bool":
            forms += ["quant_state", "cmp_new"]
        forms += [f"def:{n}" for n, (_, rt) in defs.items() if _fits(rt, want)]
    form = draw(st.sampled_from(forms))
    sub = depth - 1
    rng = next(d for d in ctx.domains if d.kind == "int")
    ints = [n for n, t in ctx.vars.items() if t.kind == "int"]
    if form == "old":
        return draw(expr(ctx, want, max(depth, 0)))
    if form == "let":
        x = ctx.name("l")
        value = draw(new_expr(ctx, INT, sub, defs))
        inner = Ctx(ctx.vars, ctx.domains, {**ctx.bound, x: INT}, ctx.fresh)
        return f"(let {x} = ({value}) in {draw(new_expr(inner, want, sub, defs))})"
    if form == "div":
        op = draw(st.sampled_from(["/", "%"]))
        divisor = draw(st.sampled_from(["1", "2", "3"] + ints))  # a variable may be 0
        return f"({draw(new_expr(ctx, INT, sub, defs))} {op} {divisor})"
    if form in ("agg", "agg_state"):
        kind = draw(st.sampled_from(["sum", "min", "max"]))
        x = ctx.name("a")
        if form == "agg_state" and ints:
            lo = draw(st.sampled_from(["0", "1"] + ints))
            hi = draw(st.sampled_from(["1", "2"] + ints))
            dom, dt = f"{lo}..{hi}", INT
        else:
            dt = draw(st.sampled_from([rng, BOOL] + [d for d in ctx.domains if d.kind == "enum"]))
            dom = dt.text() if dt.kind != "int" else f"{dt.lo}..{dt.hi}"
        inner = Ctx(ctx.vars, ctx.domains, {**ctx.bound, x: dt}, ctx.fresh)
        return f"({kind} {x} in {dom}: {draw(new_expr(inner, INT, sub, defs))})"
    if form == "minmax2":
        f = draw(st.sampled_from(["min", "max"]))
        return f"{f}({draw(new_expr(ctx, INT, sub, defs))}, {draw(new_expr(ctx, INT, sub, defs))})"
    if form == "choose":
        if want.kind == "enum":
            dt, dom = want, want.text()
        elif ints and draw(st.booleans()):
            dt, dom = INT, f"0..{draw(st.sampled_from(ints))}"  # reads state
        else:
            dt, dom = rng, f"{rng.lo}..{rng.hi}"
        x = ctx.name("c")
        inner = Ctx(ctx.vars, ctx.domains, {**ctx.bound, x: dt}, ctx.fresh)
        return f"(choose {x} in {dom}: {draw(new_expr(inner, BOOL, sub, defs))})"
    if form == "quant_state":
        q = draw(st.sampled_from(["forall", "exists"]))
        x = ctx.name("q")
        hi = draw(st.sampled_from(ints)) if ints else "1"
        inner = Ctx(ctx.vars, ctx.domains, {**ctx.bound, x: INT}, ctx.fresh)
        return f"({q} {x} in 0..{hi}: {draw(new_expr(inner, BOOL, sub, defs))})"
    if form == "cmp_new":
        op = draw(st.sampled_from(["<", "<=", "=", ">"]))
        return f"({draw(new_expr(ctx, INT, sub, defs))} {op} {draw(new_expr(ctx, INT, sub, defs))})"
    name = form.split(":", 1)[1]
    params, _ = defs[name]
    if not params:
        return name
    args = [draw(new_expr(ctx, p if p.kind != "int" else INT, sub, defs)) for p in params]
    return f"{name}({', '.join(args)})"


def _fits(have: Ty, want: Ty) -> bool:
    if have.kind != want.kind:
        return False
    return have.kind != "enum" or have.name == want.name


@st.composite
def specs_new(draw) -> str:
    rng = Ty("int", 0, 2, name="R")
    enum = Ty("enum", name="E", members=("e0", "e1"))
    small = Ty("int", 0, 3, name="Small")
    domains = [rng, enum]
    vars_: dict[str, Ty] = {"n": small}
    for i in range(draw(st.integers(1, 2))):
        vars_[f"v{i}"] = draw(st.sampled_from([BOOL, rng, enum]))
    if draw(st.booleans()):
        vars_["f"] = Ty("fun", dom=rng, cod=Ty("int", 0, 2, name="R"))
    ctx = Ctx(vars_, domains)
    lines = ["spec random", "type R = 0..2", "type E = {e0, e1}", "type Small = 0..3"]
    lines += [f"var {n}: {t.text()}" for n, t in vars_.items()]
    defs: dict[str, tuple[list[Ty], Ty]] = {}
    for k in range(draw(st.integers(0, 2))):
        params = draw(st.lists(st.sampled_from([rng, BOOL, enum]), max_size=2))
        rt = draw(st.sampled_from([INT, BOOL]))
        names = {f"p{j}": t for j, t in enumerate(params)}
        body = draw(new_expr(Ctx(vars_, domains, dict(names), ctx.fresh), rt, 2, defs))
        sig = "(" + ", ".join(f"{p}: {t.text()}" for p, t in names.items()) + ")" if params else ""
        lines.append(f"def d{k}{sig} = {body}")
        defs[f"d{k}"] = (params, rt)
    init = ["n = 0"] + [f"{n} = {draw(st.sampled_from(_values(t)))}"
                        for n, t in vars_.items() if n != "n" and t.kind != "fun"]
    if "f" in vars_:
        init.append("forall z in R: f[z] = 0")
    lines.append("init { " + "  ".join(init) + " }")
    lines.append("action tick { require n < 3  n' = n + 1 }")
    for a in range(draw(st.integers(1, 3))):
        body = []
        for _ in range(draw(st.integers(1, 2))):
            body.append(draw(_statement(ctx, defs, rng, body)))
        param = draw(st.sampled_from(["", "(p: R)"]))
        actx = ctx if not param else Ctx(vars_, domains, {"p": rng}, ctx.fresh)
        if param and "f" in vars_ and draw(st.booleans()):
            body.append(draw(st.sampled_from(["f'[p] in 0..2", "f'[p] in 0..n", "f'[p] in n..2"])))
        if draw(st.booleans()):
            body.insert(0, f"require {draw(new_expr(actx, BOOL, 2, defs))}")
        lines.append(f"action act{a}{param} {{ {'  '.join(b for b in body if b)} }}")
    for i in range(draw(st.integers(1, 2))):
        lines.append(f"invariant inv{i}: {draw(new_expr(ctx, BOOL, 3, defs))}")
    return "\n".join(lines) + "\n"


def _values(t: Ty) -> list[str]:
    if t.kind == "bool":
        return ["true", "false"]
    if t.kind == "enum":
        return list(t.members)
    return [str(v) for v in range(t.lo, t.hi + 1)]


@st.composite
def _statement(draw, ctx: Ctx, defs: dict[str, tuple[list[Ty], Ty]], rng: Ty,
               done: list[str]) -> str:
    """One assignment or choice to a scalar variable not yet written in this action."""
    free = [n for n, t in ctx.vars.items()
            if t.kind != "fun" and n != "n" and not any(b.startswith(f"{n}'") for b in done)]
    if not free:
        return ""
    v = draw(st.sampled_from(free))
    t = ctx.vars[v]
    kind = draw(st.sampled_from(["assign", "pick"]))
    if kind == "pick":
        if t.kind == "int":
            return f"{v}' in {draw(st.sampled_from(['0..2', 'R', '0..n', 'n..2', '1..1']))}"
        return f"{v}' in {'bool' if t.kind == 'bool' else t.text()}"
    want = INT if t.kind == "int" else t
    return f"{v}' = {draw(new_expr(ctx, want, 2, defs))}"
