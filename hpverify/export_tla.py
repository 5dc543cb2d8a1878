"""`hpverify export --tla`: a TLA+ module equivalent to a spec, and a TLC model (.cfg).

The translation works on the syntax tree (after the checker has accepted the spec, so that
names and types are known to be right), keeping the spec's own structure:

- constants: a literal constant (or one set by --const) is a TLA+ CONSTANT whose value is
  in the .cfg; a constant defined by an expression (`const M = N + 1`) is a definition;
- `type T = ...` is a definition `T == ...` (ranges `a..b`, enums as sets of strings,
  functions `[D -> C]`, `bool` as BOOLEAN); enum values are TLA+ strings ("idle");
- variables are VARIABLES; `TypeOK` states every variable's declared type;
- `init` is `Init`: a `v = e` item assigns v, every other variable first ranges over its
  type (`v \\in T`), as hp's "an unconstrained variable starts at any value of its type";
- each action is one definition `A == \\E p \\in D, ... : ...` and one disjunct of `Next`:
  the `require`s are conjuncts (inside an `if`, `IF c THEN ... ELSE ...`), each assigned
  variable gets `x' = ...` built from the statements in program order (entry assignments are
  `[f EXCEPT ![i] = e]`, so the later of two wins, as in hp), `let` names are inlined, and
  the variables the action never assigns are `UNCHANGED`;
- invariants are definitions listed in the .cfg with TypeOK; `Spec == Init /\\ [][Next]_vars`.

- `def f(p: D) = e` is an operator `f(p) == e` (after the VARIABLES), a `let` in an expression
  `LET x == v IN e`, `/` and `%` are `\\div` and `%`, `sum` a recursive helper `HpSumOver`,
  `min`/`max` a CHOOSE of the least/greatest value, `choose x in D: P` a CHOOSE of the first
  x in D's order (the least int; enum values in declaration order, by `HpRank`), and
  `x' in S` an `\\E v \\in S` around the action's conjuncts with `x' = v`.

Where the two semantics differ (documented in docs/cli.md): hp treats a read or write of
`f[i]` with i outside f's domain as a `types` violation; TLC reports such a read as an
evaluation error, and `[f EXCEPT ![i] = e]` outside the domain leaves f unchanged; so do a
divisor <= 0, `min`/`max` over an empty range and a `choose` without witness (hp: as a read
outside a domain); an `x' in S` inside an `if` whose S is empty disables the whole TLA+
action even where the `if` takes the other branch. hp
checks to a bound (or proves), TLC explores every reachable state.

Processes and locks are exported as process.py desugars them (`alloc.pc` becomes `alloc_pc`;
labels and lock owners are strings). The .cfg turns TLC's deadlock check on exactly when the
spec checks `deadlock` (NOTE(deadlock)); then a `Terminating` step, as in PlusCal's
translation, stutters where every process has finished or `terminal` holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from . import ir
from . import syntax as s
from .check import check
from .diagnostics import SourceCache
from .process import BAD, BAD_VALUE, DEADLOCK, FREE, LOCKS, desugar

# TLA+ reserved words and the standard modules' names we EXTEND (Integers, FiniteSets)
RESERVED = frozenset("""
ASSUME ASSUMPTION AXIOM BOOLEAN CASE CHOOSE CONSTANT CONSTANTS COROLLARY DOMAIN ELSE ENABLED
EXCEPT EXTENDS IF IN INSTANCE LAMBDA LEMMA LET LOCAL MODULE OTHER PROPOSITION RECURSIVE
STRING SUBSET THEN THEOREM UNCHANGED UNION VARIABLE VARIABLES WITH ACTION HAVE HIDE NEW
OBVIOUS OMITTED ONLY PICK PROOF PROVE QED STATE SUFFICES TAKE TEMPORAL USE WITNESS BY DEF
DEFINE DEFS TRUE FALSE Nat Int Real Cardinality IsFiniteSet Seq Len Append Head Tail
Init Next Spec vars TypeOK HpSumOver HpSumF HpSumS HpSumX HpRank HpRankV
""".split())

_BINOPS = {"and": "/\\", "or": "\\/", "implies": "=>", "=": "=", "!=": "#", "<": "<",
           "<=": "<=", ">": ">", ">=": ">=", "+": "+", "-": "-", "*": "*",
           "/": "\\div", "%": "%"}


def _legal(want: str) -> str:
    want = re.sub(r"[^A-Za-z0-9_]", "_", want)  # generated names: `alloc.pc` -> alloc_pc
    ok = re.search(r"[A-Za-z]", want) and not want.startswith(("_", "WF_", "SF_"))
    return want if ok else f"hp{want}"


class _Names:
    """The module's namespace: hp names mapped to unique, legal TLA+ identifiers. Bound
    names (parameters, quantified variables, lets) avoid every global name and every name
    bound in the same definition (TLA+ forbids shadowing), but may repeat across
    definitions."""

    def __init__(self) -> None:
        self.used: set[str] = set(RESERVED)
        self.local: set[str] = set()

    def fresh(self, want: str) -> str:
        base = _legal(want)
        name, k = base, 1
        while name in self.used:
            name = f"{base}_{k}"
            k += 1
        self.used.add(name)
        return name

    def bound(self, want: str) -> str:
        base = _legal(want)
        name, k = base, 1
        while name in self.used or name in self.local:
            name = f"{base}_{k}"
            k += 1
        self.local.add(name)
        return name

    def new_definition(self) -> None:
        self.local = set()


def _walk(x: object) -> Iterator[object]:
    yield x
    if isinstance(x, tuple):
        for y in x:
            yield from _walk(y)
    elif hasattr(x, "__dataclass_fields__"):
        for f in x.__dataclass_fields__:
            if f not in ("span",) and not f.endswith("_span") and f != "value_spans":
                yield from _walk(getattr(x, f))


class _Exporter:
    def __init__(self, spec: s.SpecFile, overrides: Mapping[str, str],
                 sources: SourceCache) -> None:
        self.checked = check(spec, overrides)
        spec = desugar(spec)  # processes and locks as ordinary declarations (process.py)
        self.spec = spec
        self.overrides = dict(overrides)
        # lock owners (strings, as every enum value) and each process's owner values
        self.owner_type = next((t for t in (_scalar(v.type) for v in self.checked.vars)
                                if isinstance(t, ir.EnumT) and t.name == "lock owner"), None)
        self.names = _Names()
        self.glob: dict[str, str] = {}  # hp global name -> TLA+ text
        self.enum_values: set[str] = set()
        for node in _walk(spec.decls):
            if isinstance(node, s.EnumType):
                self.enum_values.update(node.values)
        self.var_names: list[str] = []
        self.defs: dict[str, s.DefDecl] = {}
        self.helpers: set[str] = set()  # HpSumOver, HpRank: emitted when used
        self.picks: list[str] | None = None  # `v \in S` binders of the action being exported
        self.enum_rank: dict[str, int] = {}  # each enum value's position in its type
        for node in _walk(spec.decls):
            if isinstance(node, s.EnumType) and not any(v in self.enum_rank for v in node.values):
                self.enum_rank.update((v, k) for k, v in enumerate(node.values))
        self.sequences = False  # data (dataB): the module uses Sequences

    # ---- expressions -------------------------------------------------------------
    def domain(self, d: s.TypeExpr, env: Mapping[str, str]) -> str:
        match d:
            case s.TypeName():
                return self.glob[d.name]
            case s.BoolType():
                return "BOOLEAN"
            case s.RangeType():
                return f"({self.expr(d.lo, env)}..{self.expr(d.hi, env)})"
            case s.EnumType():
                return "{" + ", ".join(f'"{v}"' for v in d.values) + "}"
            case s.FunType():
                return f"[{self.domain(d.dom, env)} -> {self.domain(d.cod, env)}]"
            case s.IrType():
                return _ir_set(d.type)
            case s.OwnerType():
                assert self.owner_type is not None
                return _ir_set(self.owner_type)
            case s.SetType():  # data (dataB): sets are TLA+ sets
                return f"(SUBSET {self.domain(d.elem, env)})"
            case s.SetDomain():
                return self.expr(d.expr, env)
            case s.SeqType():  # data (dataB): bounded sequences, enumerable by TLC
                self.sequences = True
                k = self.names.bound("k")
                return (f"(UNION {{[1..{k} -> {self.domain(d.elem, env)}] : "
                        f"{k} \\in 0..{self.expr(d.bound, env)}}})")
            case s.RecType():
                return "[" + ", ".join(f"{n}: {self.domain(t, env)}" for n, t in d.fields) + "]"
        raise AssertionError(d)  # pragma: no cover

    def bind(self, name: str, env: Mapping[str, str]) -> tuple[str, dict[str, str]]:
        """A binder (parameter, quantified variable): a fresh TLA+ name in a new scope."""
        tla = self.names.bound(name)
        return tla, {**env, name: tla}

    def expr(self, e: s.Expr, env: Mapping[str, str]) -> str:
        match e:
            case s.IntLit():
                return str(e.value)
            case s.BoolLit():
                return "TRUE" if e.value else "FALSE"
            case s.Name():
                if e.name in env:
                    return env[e.name]
                if e.name in self.glob:
                    return self.glob[e.name]
                if e.name in self.enum_values:
                    return f'"{e.name}"'
                raise AssertionError(f"unknown name {e.name}")  # pragma: no cover
            case s.Index():
                return f"{self.expr(e.fn, env)}[{self.expr(e.index, env)}]"
            case s.Unary():
                op = "~" if e.op == "not" else "-"
                return f"({op}{self.expr(e.arg, env)})"
            case s.Binary():
                return f"({self.expr(e.left, env)} {_BINOPS[e.op]} {self.expr(e.right, env)})"
            case s.Member():
                return f"({self.expr(e.arg, env)} \\in {self.domain(e.domain, env)})"
            case s.IfExpr():
                return (f"(IF {self.expr(e.cond, env)} THEN {self.expr(e.then, env)} "
                        f"ELSE {self.expr(e.else_, env)})")
            case s.Quant():
                dom = self.domain(e.domain, env)
                x, inner = self.bind(e.var, env)
                body = self.expr(e.body, inner)
                if e.kind == "count":
                    return f"Cardinality({{{x} \\in {dom} : {body}}})"
                q = "\\A" if e.kind == "forall" else "\\E"
                return f"({q} {x} \\in {dom} : {body})"
            case s.FunCons():
                dom = self.domain(e.domain, env)
                x, inner = self.bind(e.var, env)
                return f"[{x} \\in {dom} |-> {self.expr(e.body, inner)}]"
            case s.SetLit():  # data (dataB)
                return "{" + ", ".join(self.expr(x, env) for x in e.items) + "}"
            case s.SetComp():
                dom = self.domain(e.domain, env)
                x, inner = self.bind(e.var, env)
                return f"{{{x} \\in {dom} : {self.expr(e.body, inner)}}}"
            case s.Field():  # data (dataB): records and sequences
                return f"{self.expr(e.rec, env)}.{e.name}"
            case s.RecLit() if e.base is None:
                return "[" + ", ".join(f"{n} |-> {self.expr(x, env)}" for n, x in e.fields) + "]"
            case s.RecLit():
                assert e.base is not None
                return (f"[{self.expr(e.base, env)} EXCEPT "
                        + ", ".join(f"!.{n} = {self.expr(x, env)}" for n, x in e.fields) + "]")
            case s.SeqLit():
                self.sequences = True
                return "<<" + ", ".join(self.expr(x, env) for x in e.items) + ">>"
            case s.Call() if e.name in _SEQ_CALLS:
                self.sequences = True
                return f"{_SEQ_CALLS[e.name]}({', '.join(self.expr(a, env) for a in e.args)})"
            case s.Call() if e.name in _SET_CALLS:
                args = [self.expr(a, env) for a in e.args]
                if e.name == "card":
                    return f"Cardinality({args[0]})"
                return "(" + f" {_SET_CALLS[e.name]} ".join(args) + ")"
            case s.IrLit():
                return _tla_value(e.value)
            case s.GenVar():
                return self.glob[e.name]
            case s.AtLabel():
                target = e.process.fn if isinstance(e.process, s.Index) else e.process
                assert isinstance(target, s.Name)
                pc = self.glob[f"{target.name}.pc"]
                if isinstance(e.process, s.Index):
                    pc += f"[{self.expr(e.process.index, env)}]"
                return f'({pc} = "{e.label}")'
            case s.LockValue():
                return self.lock_value(e, env)
            case s.LetIn():
                value = self.expr(e.value, env)
                x, inner = self.bind(e.name, env)
                return f"(LET {x} == {value} IN {self.expr(e.body, inner)})"
            case s.Call():
                args = [self.expr(a, env) for a in e.args]
                if e.name in self.defs:
                    return f"{self.glob[e.name]}({', '.join(args)})"
                op = "<=" if e.name == "min" else ">="  # the built-in min(a, b)/max(a, b)
                return f"(IF {args[0]} {op} {args[1]} THEN {args[0]} ELSE {args[1]})"
            case s.Aggregate():
                return self.aggregate(e, env)
        raise AssertionError(f"cannot export {e!r}")  # pragma: no cover

    def lock_value(self, e: s.LockValue, env: Mapping[str, str]) -> str:
        """A lock owner: the string the checker made (`"alloc(c0)"`); for a process with a
        parameter, an IF over the parameter's values."""
        if e.kind == FREE:
            return f'"{FREE}"'
        if e.kind == BAD:
            return f'"{BAD_VALUE}"'
        assert self.owner_type is not None and e.process is not None
        mine = [str(v) for v in self.owner_type.members if v.startswith(f"{e.process}(")
                and v.endswith(")")]
        if e.self_expr is None:
            return f'"{e.process}"' if f"{e.process}" in self.owner_type.members \
                else f'"{e.process}()"'
        me = self.expr(e.self_expr, env)
        out = f'"{mine[-1]}"'
        for v in reversed(mine[:-1]):
            inner = v[len(e.process) + 1:-1]
            out = f'(IF {me} = {_tla_value(_parse_value(inner))} THEN "{v}" ELSE {out})'
        return out

    def aggregate(self, e: s.Aggregate, env: Mapping[str, str]) -> str:
        dom = self.domain(e.domain, env)
        x, inner = self.bind(e.var, env)
        body = self.expr(e.body, inner)
        if e.kind == "sum":
            self.helpers.add("sum")
            return f"HpSumOver([{x} \\in {dom} |-> {body}], {dom})"
        if e.kind in ("min", "max"):
            y, _ = self.bind(e.var, env)
            z, _ = self.bind(e.var, env)
            op = "<=" if e.kind == "min" else ">="
            vals = f"{{{body} : {x} \\in {dom}}}"
            return f"(CHOOSE {y} \\in {vals} : \\A {z} \\in {vals} : {y} {op} {z})"
        y, other = self.bind(e.var, env)  # choose: the first x in D's order with P
        before = self.before(e.domain, y, x)
        return (f"(CHOOSE {x} \\in {dom} : {body} /\\ \\A {y} \\in {dom} : {before} => "
                f"~{self.expr(e.body, {**env, e.var: y})})")

    def before(self, d: s.Domain, y: str, x: str) -> str:
        """`y` comes before `x` in the order of domain d's values."""
        if isinstance(d, s.RangeType):
            return f"{y} < {x}"
        while isinstance(d, s.TypeName):
            decl = next((t for t in self.spec.decls
                         if isinstance(t, s.TypeDecl) and t.name == d.name), None)
            if decl is None or not isinstance(decl.type, s.Domain):
                break
            d = decl.type
        if isinstance(d, s.BoolType):
            return f"(~{y} /\\ {x})"
        if isinstance(d, s.RangeType):
            return f"{y} < {x}"
        self.helpers.add("rank")
        return f"HpRank({y}) < HpRank({x})"

    def helper_defs(self) -> list[str]:
        out = []
        if "sum" in self.helpers:
            out += ["RECURSIVE HpSumOver(_, _)",
                    "HpSumOver(HpSumF, HpSumS) == IF HpSumS = {} THEN 0 ELSE",
                    "    LET HpSumX == CHOOSE HpSumX \\in HpSumS : TRUE",
                    "    IN  HpSumF[HpSumX] + HpSumOver(HpSumF, HpSumS \\ {HpSumX})"]
        if "rank" in self.helpers:
            arms = " [] ".join(f'HpRankV = "{v}" -> {k}' for v, k in self.enum_rank.items())
            out += [f"HpRank(HpRankV) == CASE {arms}"]
        return out

    # ---- actions -----------------------------------------------------------------
    def block(self, body: tuple[s.Stmt, ...], env: dict[str, str], nexts: dict[str, str],
              lets: list[tuple[str, str]]) -> list[str]:
        """Run the statements symbolically: guards returned, next values in `nexts`."""
        guards: list[str] = []
        env = dict(env)
        for st in body:
            match st:
                case s.Require():
                    guards.append(self.expr(st.cond, env))
                case s.Let():
                    tla = self.names.bound(st.name)
                    lets.append((tla, self.expr(st.value, env)))
                    env[st.name] = tla
                case s.Pick():
                    assert self.picks is not None
                    v, _ = self.bind(f"{st.var}_new", env)
                    self.picks.append(f"{v} \\in {self.domain(st.domain, env)}")
                    guards.extend(self.block((s.Assign(st.var, st.indices, s.Name(v, st.span), st.span,
                                                        st.target_span),),
                                             {**env, v: v}, nexts, lets))
                case s.Assign():
                    var = self.glob[st.var]
                    value = self.expr(st.value, env)
                    if not st.indices:
                        nexts[st.var] = value
                    else:
                        path = "".join(f".{i.name}" if isinstance(i, s.FieldStep)
                                       else f"[{self.expr(i, env)}]" for i in st.indices)
                        cur = nexts.get(st.var, var)
                        nexts[st.var] = f"[{cur} EXCEPT !{path} = {value}]"
                case s.If():
                    cond = self.expr(st.cond, env)
                    before = dict(nexts)
                    then_n, else_n = dict(nexts), dict(nexts)
                    g_then = self.block(st.then, env, then_n, lets)
                    g_else = self.block(st.else_, env, else_n, lets)
                    if g_then or g_else:
                        guards.append(f"(IF {cond} THEN {_conj(g_then)} ELSE {_conj(g_else)})")
                    for v in dict.fromkeys([*then_n, *else_n]):
                        a = then_n.get(v, before.get(v, self.glob[v]))
                        b = else_n.get(v, before.get(v, self.glob[v]))
                        if a == b:
                            nexts[v] = a
                            continue
                        prev = before.get(v)
                        if prev is not None and (prev in (a, b)) and not _atomic(prev):
                            # name the value before the `if` rather than copy it twice
                            name = self.names.bound(f"{self.glob[v]}_pre")
                            lets.append((name, prev))
                            a = name if a == prev else a
                            b = name if b == prev else b
                        nexts[v] = f"(IF {cond} THEN {a} ELSE {b})"
        return guards

    def action(self, d: s.ActionDecl) -> tuple[str, str]:
        name = self.glob[f"action:{d.name}"]
        self.names.new_definition()
        env: dict[str, str] = {}
        binders = []
        for p in d.params:
            dom = self.domain(p.domain, env)
            x, env = self.bind(p.name, env)
            binders.append(f"{x} \\in {dom}")
        nexts: dict[str, str] = {}
        lets: list[tuple[str, str]] = []
        self.picks = []
        guards = self.block(d.body, env, nexts, lets)
        items = list(guards)
        for v in self.var_names:
            if v in nexts:
                items.append(f"{self.glob[v]}' = {nexts[v]}")
        unchanged = [self.glob[v] for v in self.var_names if v not in nexts]
        if unchanged:
            items.append(f"UNCHANGED <<{', '.join(unchanged)}>>")
        pad = "       " if binders else "    "
        body = "\n".join(f"{pad}/\\ {it}" for it in items) if items else f"{pad}TRUE"
        head = f"{name} ==\n"
        if binders:
            head += f"    \\E {', '.join(binders)} :\n"
        if lets:
            inner = "  " if binders else ""
            head += "".join(f"    {inner}LET {n} == {t} IN\n" for n, t in lets)
        if self.picks:  # NOTE(pick) in check.py: the chosen values
            head += f"    \\E {', '.join(self.picks)} :\n"
        who = ""
        if d.actor is not None:
            who = f"\\* action {d.name}, by {self.expr(d.actor, env)}\n"
        return name, who + head + body

    # ---- the module --------------------------------------------------------------
    def run(self) -> tuple[str, str]:
        consts = {n: (v, t) for n, v, t in self.checked.consts}
        module = self.names.fresh(self.checked.name)
        for d in self.spec.decls:  # every global name first: binders must avoid them all
            match d:
                case s.ConstDecl() | s.TypeDecl() | s.VarDecl() | s.LockVarDecl():
                    self.glob[d.name] = self.names.fresh(d.name)
                    if isinstance(d, (s.VarDecl, s.LockVarDecl)):
                        self.var_names.append(d.name)
                case s.ActionDecl():
                    self.glob[f"action:{d.name}"] = self.names.fresh(d.name)
                case s.InvariantDecl():
                    self.glob[f"invariant:{d.name}"] = self.names.fresh(d.name)
                case s.BuiltinInvariant():
                    self.glob[f"invariant:{d.name}"] = self.names.fresh(
                        d.name if d.name == LOCKS else "Terminating")
                case s.DefDecl():
                    self.glob[d.name] = self.names.fresh(d.name)
                    self.defs[d.name] = d
        constants: list[tuple[str, str]] = []  # TLA+ name, cfg value
        defs: list[str] = []
        for d in self.spec.decls:
            self.names.new_definition()
            match d:
                case s.ConstDecl():
                    tla = self.glob[d.name]
                    if d.name in self.overrides or _literal(d.value, self.enum_values):
                        v, t = consts[d.name]
                        constants.append((tla, _cfg_value(v)))
                    else:
                        defs.append(f"{tla} == {self.expr(d.value, {})}")
                case s.TypeDecl():
                    defs.append(f"{self.glob[d.name]} == {self.domain(d.type, {})}")
        var_types: dict[str, s.TypeExpr] = {}
        operators: list[str] = []
        for d in self.spec.decls:
            if isinstance(d, s.DefDecl):
                self.names.new_definition()
                env: dict[str, str] = {}
                ps = []
                for p in d.params:
                    x, env = self.bind(p.name, env)
                    ps.append(x)
                head = self.glob[d.name] + (f"({', '.join(ps)})" if ps else "")
                operators.append(f"{head} == {self.expr(d.body, env)}")
        for d in self.spec.decls:
            if isinstance(d, s.VarDecl):
                var_types[d.name] = d.type
            elif isinstance(d, s.LockVarDecl):
                var_types[d.name] = (s.OwnerType(d.span) if d.domain is None
                                     else s.FunType(d.domain, s.OwnerType(d.span), d.span))
        invs: list[tuple[str, str]] = []
        terminating: str | None = None  # NOTE(deadlock): a fine end stutters, as in PlusCal
        for d in self.spec.decls:
            if isinstance(d, s.InvariantDecl) or (isinstance(d, s.BuiltinInvariant)
                                                  and d.name == LOCKS):
                self.names.new_definition()
                invs.append((self.glob[f"invariant:{d.name}"], self.expr(d.body, {})))
            elif isinstance(d, s.BuiltinInvariant) and d.name == DEADLOCK:
                self.names.new_definition()
                terminating = self.expr(d.body, {})

        out = [f"---- MODULE {module} ----",
               f"(* Generated by `hpverify export --tla` from {self.spec.file} (spec "
               f"{self.checked.name}). *)",
               "(* Enum values are strings; a constant set with --const, or written as a "
               "literal, is a CONSTANT whose value is in the .cfg. *)",
               "EXTENDS Integers, FiniteSets", ""]
        if constants:
            out += ["CONSTANTS " + ", ".join(n for n, _ in constants), ""]
        if defs:
            out += [*defs, ""]
        vs = [self.glob[v] for v in self.var_names]
        if vs:
            out += ["VARIABLES " + ", ".join(vs), ""]
        out.append(f"vars == <<{', '.join(vs)}>>")
        out.append("")
        action_texts = []  # built first: they may need helpers
        for d in self.spec.decls:
            if isinstance(d, s.ActionDecl):
                action_texts.append(self.action(d))
        self.names.new_definition()
        init_items = self.init(var_types)
        helpers = self.helper_defs()
        if helpers or operators:
            out += [*helpers, *operators, ""]
        type_items = [f"{self.glob[v]} \\in {self.domain(var_types[v], {})}"
                      for v in self.var_names]
        out.append("TypeOK ==" + ("".join(f"\n    /\\ {t}" for t in type_items)
                                  if type_items else " TRUE"))
        out.append("")
        out.append("Init ==" + ("".join(f"\n    /\\ {t}" for t in init_items) or " TRUE"))
        out.append("")
        names = []
        for name, text in action_texts:
            names.append(name)
            out += [text, ""]
        if terminating is not None:
            name = self.glob[f"invariant:{DEADLOCK}"]
            out += ["\\* every process has finished (or `terminal` holds): not a deadlock",
                    f"{name} ==\n    /\\ {terminating}\n    /\\ UNCHANGED vars", ""]
            names.append(name)
        out.append("Next ==" + ("".join(f"\n    \\/ {n}" for n in names) or " FALSE"))
        out.append("")
        out.append("Spec == Init /\\ [][Next]_vars")
        out.append("")
        for n, text in invs:
            out.append(f"{n} == {text}")
        out.append("")
        out.append("=" * 40)
        cfg = [f"\\* TLC model for {module}.tla, generated by `hpverify export --tla` from "
               f"{self.spec.file}"]
        if constants:
            cfg.append("CONSTANTS")
            cfg += [f"    {n} = {v}" for n, v in constants]
        cfg += ["SPECIFICATION Spec", "INVARIANTS", "    TypeOK"]
        cfg += [f"    {n}" for n, _ in invs]
        if terminating is not None:
            cfg.append("\\* the spec checks deadlock (`deadlock`: see Terminating)")
            cfg.append("CHECK_DEADLOCK TRUE")
        else:
            cfg.append("\\* the spec does not check deadlock: a state without successors is fine")
            cfg.append("CHECK_DEADLOCK FALSE")
        if self.sequences:  # data (dataB): known only once every expression is written
            out[out.index("EXTENDS Integers, FiniteSets")] += ", Sequences"
        return "\n".join(out) + "\n", "\n".join(cfg) + "\n"

    def init(self, var_types: Mapping[str, s.TypeExpr]) -> list[str]:
        """`Init`: every variable is first given its values, then all init items follow.
        TLC needs a variable's first mention to be `v = e` or `v \\in S`: an item that pins
        a variable (`v = e`, `v`, `not v`, `forall x in D: f[x] = e` over f's whole
        domain) becomes that assignment, in an order where e's variables are bound; every
        other variable ranges over its type, as in hp. The items themselves are all kept
        (an item wholly turned into assignments is implied by them and left out). This is
        NOTE(init-definitions) in lower.py for whole variables: a cycle of equations, and
        whatever reads it, stays a constraint over typed values."""
        items: list[s.Expr] = []
        for d in self.spec.decls:
            if isinstance(d, s.InitDecl):
                for it in d.items:
                    items.extend(_conjuncts(it))
        assigns: dict[str, tuple[str, set[str]]] = {}  # var -> (TLA+ value, vars read)
        source: dict[str, int] = {}  # var -> the item it comes from
        parts_left: dict[int, int] = {}  # item -> its parts that are not assignments
        for k, it in enumerate(items):
            parts = _split_forall(it)
            parts_left[k] = len(parts)
            for part in parts:
                found = self._pins(part, var_types)
                if found is not None and found[0] not in assigns:
                    assigns[found[0]] = found[1:]  # type: ignore[assignment]
                    source[found[0]] = k
                    parts_left[k] -= 1
        ordered: list[str] = []
        pending = dict(assigns)
        while pending:
            ready = [v for v, (_, reads) in pending.items() if not (reads & set(pending))]
            if not ready:  # a cycle: the rest range over their types
                break
            ordered.append(ready[0])
            del pending[ready[0]]
        out = [f"{self.glob[v]} \\in {self.domain(var_types[v], {})}"
               for v in self.var_names if v not in ordered]
        out += [f"{self.glob[v]} = {assigns[v][0]}" for v in ordered]
        # an item wholly turned into assignments says nothing more; keep the others
        done = {k for k, n in parts_left.items() if n == 0
                and all(v in ordered for v, src in source.items() if src == k)}
        out += [self.expr(it, {}) for k, it in enumerate(items) if k not in done]
        return out

    def _reads(self, e: s.Expr, var_types: Mapping[str, object]) -> set[str]:
        """The variables e reads, through the definitions it uses."""
        out = _reads(e, var_types)
        for n in _walk(e):
            name = n.name if isinstance(n, (s.Name, s.Call)) else None
            if name in self.defs:
                out |= self._reads(self.defs[name].body, var_types)
        return out

    def _pins(self, e: s.Expr, var_types: Mapping[str, s.TypeExpr]
              ) -> tuple[str, str, set[str]] | None:
        """(var, value, vars the value reads) when item e forces a variable's value."""
        def is_var(x: s.Expr) -> bool:
            return isinstance(x, (s.Name, s.GenVar)) and x.name in var_types

        if is_var(e):
            return e.name, "TRUE", set()  # type: ignore[union-attr]
        if isinstance(e, s.Unary) and e.op == "not" and is_var(e.arg):
            return e.arg.name, "FALSE", set()  # type: ignore[union-attr]
        if isinstance(e, s.Binary) and e.op == "=":
            for lhs, rhs in ((e.left, e.right), (e.right, e.left)):
                if is_var(lhs):
                    return lhs.name, self.expr(rhs, {}), self._reads(rhs, var_types)  # type: ignore[union-attr]
            return None
        if not (isinstance(e, s.Quant) and e.kind == "forall"):
            return None
        body: s.Expr = e.body
        value: s.Expr | None = None
        if isinstance(body, s.Unary) and body.op == "not":
            body, value = body.arg, s.BoolLit(False, e.span)
        elif isinstance(body, s.Binary) and body.op == "=":
            value = body.right
            body = body.left
        elif isinstance(body, s.Index):
            value = s.BoolLit(True, e.span)
        if not (isinstance(body, s.Index) and is_var(body.fn)
                and isinstance(body.index, s.Name) and body.index.name == e.var):
            return None
        f = body.fn.name  # type: ignore[union-attr]
        t = var_types[f]
        while isinstance(t, s.TypeName) and not isinstance(t, s.FunType):
            decl = next((d for d in self.spec.decls
                         if isinstance(d, s.TypeDecl) and d.name == t.name), None)
            if decl is None:
                return None
            t = decl.type
        if not isinstance(t, s.FunType) or self.domain(t.dom, {}) != self.domain(e.domain, {}):
            return None
        assert value is not None
        reads = self._reads(value, var_types)
        if f in reads:
            return None
        self.names.new_definition()
        x, env = self.bind(e.var, {})
        return f, f"[{x} \\in {self.domain(e.domain, {})} |-> {self.expr(value, env)}]", reads


def _scalar(t: ir.Type) -> ir.Type:
    while isinstance(t, ir.FunT):
        t = t.cod
    return t


def _tla_value(v: ir.Value) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    return f'"{v}"'


def _parse_value(text: str) -> ir.Value:
    """A domain value as a trace shows it (`c0`, `3`, `true`)."""
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        return ir.EnumValue(text)


def _ir_set(t: ir.Type) -> str:
    """A generated type (labels, lock owners) as a TLA+ set."""
    match t:
        case ir.EnumT():
            return "{" + ", ".join(f'"{v}"' for v in t.members) + "}"
        case ir.BoolT():
            return "BOOLEAN"
        case ir.IntT():
            return f"({t.lo}..{t.hi})"
        case ir.FunT():
            return f"[{_ir_set(t.dom)} -> {_ir_set(t.cod)}]"
    raise AssertionError(t)  # pragma: no cover


_SEQ_CALLS = {"len": "Len", "head": "Head", "tail": "Tail", "append": "Append"}
_SET_CALLS = {"union": "\\cup", "inter": "\\cap", "minus": "\\", "subset": "\\subseteq",
              "card": "Cardinality"}


def _split_forall(e: s.Expr) -> list[s.Expr]:
    """`forall x in D: a and b` → the two foralls (for finding assignments only)."""
    if isinstance(e, s.Quant) and e.kind == "forall":
        parts = _conjuncts(e.body)
        if len(parts) > 1:
            return [s.Quant("forall", e.var, e.domain, p, e.span, e.var_span) for p in parts]
    return [e]


def _conjuncts(e: s.Expr) -> list[s.Expr]:
    if isinstance(e, s.Binary) and e.op == "and":
        return _conjuncts(e.left) + _conjuncts(e.right)
    return [e]


def _reads(e: s.Expr, var_types: Mapping[str, object]) -> set[str]:
    return {n.name for n in _walk(e) if isinstance(n, s.Name) and n.name in var_types}


def _conj(items: list[str]) -> str:
    if not items:
        return "TRUE"
    return items[0] if len(items) == 1 else "(" + " /\\ ".join(items) + ")"


def _atomic(text: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) is not None


def _literal(e: s.Expr, enum_values: set[str]) -> bool:
    if isinstance(e, (s.IntLit, s.BoolLit)):
        return True
    if isinstance(e, s.Name):
        return e.name in enum_values
    return isinstance(e, s.Unary) and e.op == "-" and isinstance(e.arg, s.IntLit)


def _cfg_value(v: ir.Value) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    return f'"{v}"'


def export_tla(spec: s.SpecFile, overrides: Mapping[str, str],
               sources: SourceCache) -> tuple[str, str]:
    """The module text and the .cfg text for one constant setting."""
    return _Exporter(spec, overrides, sources).run()
