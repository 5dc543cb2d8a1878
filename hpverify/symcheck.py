"""The rules that make a `symmetric type` sound (HP490-HP494), checked on the syntax tree.

NOTE(symmetry-rules): `symmetric type Cpu = 1..N` promises that the values of Cpu are
interchangeable: every permutation of them maps initial states to initial states, each
step to a step and keeps every invariant's value. Then the explicit engine may store one
state per orbit (symmetry.py). TLC trusts its SYMMETRY declaration; hpverify checks it, with
the typing discipline of Murphi's scalarsets (Ip and Dill, 1996). Every expression has a
*sort*: a value of a symmetric type S, a function (whose domain may be S, whose entries
have sorts), or an ordinary value. A value of sort S comes only from

  - a parameter or quantified variable over the whole type (`c: Cpu`, `forall c in Cpu`,
    `[c in Cpu: ...]`), or a `let` bound to a value of sort S;
  - a variable (or a function entry) declared with the type (`var owner: Cpu`,
    `var holder: Page -> Cpu`).

and it may only be used by

  - `=` / `!=` against another value of sort S (HP491 for anything else: the literal `1`,
    the constant `N`, a variable of an ordinary range such as `cache: 0..N`);
  - indexing a function whose domain is S (and a function over S is indexed only by S
    values: HP491 for `f[1]`, HP493 for an S value indexing an ordinary function);
  - being stored in a variable part of sort S (HP493 for `target' = c` when target is an
    ordinary range: a sentinel such as 0 meaning "none" is not a value of the type, so such
    variables are not supported: give the value its own flag or use a function Cpu -> bool);
  - `if`-branches and function equality, when both sides have the same sort.

Order, arithmetic and ranges (`<`, `+`, `c in 1..2`, `count`-free sums...) on S values are
HP492/HP494: they tell values apart. A constant of the type cannot be written at all (no
literal has sort S), so neither can a range over part of it be used where S is expected.
`by c` (the actor) only names the step in traces and is free. A construct this checker
does not know (added to the language later) that touches a symmetric value is refused
(HP490): the check stays sound by refusing what it cannot see through.

Under these rules a permutation p of S, applied to every S value and every S index of a
state, commutes with the semantics: each expression's value is mapped by p (or unchanged,
for ordinary sorts), each instance `a(c)` maps to `a(p(c))`, and reads outside a domain
cannot involve S (S values index only functions over S, and S cells hold only S values).

NOTE(symmetric-owners): processes and locks are checked after process.py has rewritten
them (its generated variables, actions and built-in invariants go through the same rules:
`P[1]@L` and `lock(F[1])` are HP491). A lock holds its owner, a value of the generated
owner type: `free`, `(bad unlock)`, or a process instance. The instances of a process over
S, `w(1)`..`w(n)`, stand for the values of S (`EnumT.sym` says where they sit among the
members), so the owner type is a sort of its own, moved by p (`w(c)` to `w(p(c))`, the
rest fixed), like a value of S. Only generated code touches it (reading or writing a lock
is HP411/HP412): `=` against `free` or against the running instance (`LockValue` `me`,
whose process parameter is a value of S), and stores into lock variables, all of which
commute with p. symmetry.py moves owner cells as it moves S-valued cells.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, is_dataclass

from . import ir
from . import syntax as s
from .diagnostics import Diagnostic, Note, Span


@dataclass(frozen=True, slots=True)
class Fn:
    """The sort of a function: its domain's symmetric type (None: ordinary) and entries."""

    dom: str | None
    cod: Sort


Sort = str | Fn | None  # str: a value of that symmetric type; None: an ordinary value
BAD = "!"  # the sort of an expression already reported (no type is named so): no cascades


def sort_of(t: ir.Type) -> Sort:
    if isinstance(t, ir.FunT):
        return Fn(t.dom.sym if isinstance(t.dom, ir.IntT) else None, sort_of(t.cod))
    if isinstance(t, ir.IntT):
        return t.sym
    if isinstance(t, ir.EnumT) and t.sym:  # NOTE(symmetric-owners)
        return t.name
    return None


def _show(sort: Sort) -> str:
    if sort is None:
        return "an ordinary value"
    if isinstance(sort, str):
        return f"a value of symmetric type {sort}"
    dom = sort.dom or "an ordinary domain"
    return f"a function over {dom}"


_WHERE = Note("values of a symmetric type come only from parameters and quantifiers over the "
              "whole type ('c: Cpu', 'forall c in Cpu') and from variables declared with it; "
              "no literal or constant is one of them")


class _Walker:
    def __init__(self, var_types: Mapping[str, ir.Type], type_defs: Mapping[str, ir.Type],
                 symmetric: set[str]) -> None:
        self.vars = {n: sort_of(t) for n, t in var_types.items()}
        # the sort of a lock's value (free, bad, an instance): every lock has the same
        # owner type, which the instances of a process over a symmetric type make symmetric
        leaves = [_leaf(t) for t in var_types.values()]
        self.owner: Sort = next((sort_of(t) for t in leaves
                                 if isinstance(t, ir.EnumT) and t.sym), None)
        self.var_types = var_types
        self.type_defs = type_defs
        self.symmetric = symmetric
        self.errors: list[Diagnostic] = []
        # a definition's parameter sorts (from their domains) and its body's sort
        self.defs: dict[str, tuple[tuple[tuple[str, Sort], ...], Sort]] = {}

    def error(self, code: str, msg: str, span: Span, *notes: Note) -> None:
        self.errors.append(Diagnostic(code, msg, span, tuple(notes)))

    # ---- declarations
    def decl(self, d: object) -> None:
        match d:
            case s.InitDecl():
                for item in d.items:
                    self.expr(item, {})
            case s.InvariantDecl() | s.BuiltinInvariant():
                self.expr(d.body, {})
            case s.ActionDecl():
                env: dict[str, Sort] = {p.name: self.domain_sort(p.domain) for p in d.params}
                self.block(d.body, env)
            case s.DefDecl():  # checked once, here; a call checks its arguments' sorts
                params = tuple((p.name, self.domain_sort(p.domain)) for p in d.params)
                self.defs[d.name] = (params, self.expr(d.body, dict(params)))
            case s.SpecDecl() | s.ConstDecl() | s.TypeDecl() | s.VarDecl() | s.CheckDepth() \
                    | s.CheckSweep() | s.ExpectDecl() | s.IncludeDecl() | s.Processes() \
                    | s.LockVarDecl():
                pass  # constant contexts: no state, no symmetric value; declarations
            case _:
                if self._touches(d):
                    span = getattr(d, "span", None)
                    assert isinstance(span, Span)
                    self.error("HP490", f"{_article(_what(d))} declaration cannot use a symmetric type "
                               "yet: the symmetry rules do not cover it", span)

    def _touches(self, node: object) -> bool:
        """Whether a construct this checker does not know names a symmetric type or a
        variable whose type involves one."""
        for x in _nodes(node):
            name = getattr(x, "name", None)
            if isinstance(name, str) and (name in self.symmetric
                                          or self.vars.get(name) is not None):
                return True
        return False

    def domain_sort(self, d: s.Domain) -> Sort:
        if isinstance(d, s.TypeName):
            t = self.type_defs.get(d.name)
            return sort_of(t) if t is not None else None
        return None

    # ---- statements
    def block(self, stmts: tuple[s.Stmt, ...], env: dict[str, Sort]) -> None:
        for st in stmts:
            match st:
                case s.Require():
                    self.expr(st.cond, env)
                case s.Let():
                    env = {**env, st.name: self.expr(st.value, env)}
                case s.Assign():
                    self.assign(st, env)
                case s.If():
                    self.expr(st.cond, env)
                    self.block(st.then, env)
                    self.block(st.else_, env)
                case _:
                    self.unknown(st, env)

    def assign(self, st: s.Assign, env: dict[str, Sort]) -> None:
        sort = self.vars.get(st.var)
        for idx in st.indices:
            if isinstance(idx, s.FieldStep):  # a record's field: not checked for symmetry yet
                self.unknown(st, env)
                return
            got = self.expr(idx, env)
            if isinstance(sort, Fn):
                self.index(sort, got, idx, f"'{st.var}'")
                sort = sort.cod
        value = self.expr(st.value, env)
        if value != sort and value != BAD:
            if not _leaks(value, sort):
                self.error("HP491", f"'{st.var}' holds {_show(sort)}, but this is "
                           f"{_show(value)}", st.value.span, _WHERE)
            else:
                self.error("HP493", f"{_show(value)} cannot be stored in '{st.var}', which holds "
                           f"{_show(sort)}", st.value.span, Note(
                               "a symmetric value is stored only where the type is declared "
                               "('var owner: Cpu'); a sentinel such as 0 = none is not one of "
                               "its values: keep a separate flag instead"))

    # ---- expressions
    def index(self, fn: Fn, got: Sort, idx: s.Expr, what: str) -> None:
        if got == fn.dom or got == BAD:
            return
        if fn.dom is not None:
            self.error("HP491", f"{what} is a function over symmetric type {fn.dom}; its index "
                       f"must be a value of {fn.dom}, not {_show(got)}", idx.span, _WHERE)
        else:
            self.error("HP493", f"{_show(got)} cannot index {what}, whose domain is an ordinary "
                       "range: declare that domain with the symmetric type", idx.span)

    def same(self, a: Sort, b: Sort, left: s.Expr, right: s.Expr, what: str) -> None:
        if a == b or BAD in (a, b):
            return
        blame, want, got = right, a, b
        if isinstance(b, str) and a is None:  # blame the ordinary side: `1 = c`
            blame, want, got = left, b, a
        self.error("HP491", f"{what}: expected {_show(want)}, found {_show(got)}",
                   blame.span, _WHERE)

    def expr(self, e: s.Expr, env: Mapping[str, Sort]) -> Sort:
        """The sort of e, reporting every rule e breaks."""
        match e:
            case s.IntLit() | s.BoolLit():
                return None
            case s.Name():
                if e.name in env:
                    return env[e.name]
                if e.name in self.defs:  # a definition without parameters
                    return self.defs[e.name][1]
                return self.vars.get(e.name)
            case s.Call() if e.name in self.defs and e.name not in env:
                params, result = self.defs[e.name]
                for (name, want), arg in zip(params, e.args, strict=True):
                    got = self.expr(arg, env)
                    if got != want and BAD not in (got, want):
                        if _leaks(got, want):
                            self.error("HP493", f"{_show(got)} cannot be passed to '{e.name}' "
                                       f"as '{name}', which is {_show(want)}", arg.span)
                        else:
                            self.error("HP491", f"'{e.name}' takes {_show(want)} as '{name}', "
                                       f"not {_show(got)}", arg.span, _WHERE)
                return result
            case s.Call(name="min" | "max") if e.name not in env and len(e.args) == 2:
                args = [self.ordinary(a, self.expr(a, env), f"'{e.name}'") for a in e.args]
                return BAD if BAD in args else None
            case s.Primed() | s.GenVar():
                return self.vars.get(e.name)
            case s.LockValue():  # NOTE(symmetric-owners)
                if e.self_expr is not None:
                    self.expr(e.self_expr, env)
                return self.owner
            case s.AtLabel():  # `P[i]@L` reads `P.pc[i]`
                if isinstance(e.process, s.Index) and isinstance(e.process.fn, s.Name):
                    pc = self.vars.get(f"{e.process.fn.name}.pc")
                    got = self.expr(e.process.index, env)
                    if isinstance(pc, Fn):
                        self.index(pc, got, e.process.index, f"process '{e.process.fn.name}'")
                return None
            case s.Index():
                fn = self.expr(e.fn, env)
                got = self.expr(e.index, env)
                if isinstance(fn, Fn):
                    self.index(fn, got, e.index, f"'{e.fn.name}'"
                               if isinstance(e.fn, (s.Name, s.GenVar)) else "this")
                    return fn.cod
                return None
            case s.Unary(op="not"):
                self.expr(e.arg, env)
                return None
            case s.Unary():
                return self.ordinary(e.arg, self.expr(e.arg, env), "'-'")
            case s.Binary(op="and" | "or" | "implies"):
                self.expr(e.left, env)
                self.expr(e.right, env)
                return None
            case s.Binary(op="=" | "!="):
                a, b = self.expr(e.left, env), self.expr(e.right, env)
                self.same(a, b, e.left, e.right, f"'{e.op}' compares values of one sort")
                return None
            case s.Binary():
                a, b = self.expr(e.left, env), self.expr(e.right, env)
                bad = (self.ordinary(e.left, a, f"'{e.op}'"),
                       self.ordinary(e.right, b, f"'{e.op}'"))
                return BAD if BAD in bad else None
            case s.Member():
                got = self.expr(e.arg, env)
                self.domain_bounds(e.domain, env)
                if isinstance(got, str) and self.domain_sort(e.domain) != got:
                    self.error("HP494", f"'in' tests membership in part of symmetric type {got}: "
                               "that tells its values apart", e.domain.span)
                return None
            case s.IfExpr():
                self.expr(e.cond, env)
                a, b = self.expr(e.then, env), self.expr(e.else_, env)
                self.same(a, b, e.then, e.else_, "the branches of 'if' have one sort")
                return a if a == b else BAD
            case s.Quant():
                self.domain_bounds(e.domain, env)
                self.expr(e.body, {**env, e.var: self.domain_sort(e.domain)})
                return None
            case s.LetIn():
                return self.expr(e.body, {**env, e.name: self.expr(e.value, env)})
            case s.Aggregate(kind="choose"):
                self.domain_bounds(e.domain, env)
                dom = self.domain_sort(e.domain)
                self.expr(e.body, {**env, e.var: dom})
                if isinstance(dom, str):
                    self.error("HP492", f"'choose' picks the first value of symmetric type {dom} "
                               "in order: that tells its values apart", e.span)
                    return BAD
                return None
            case s.Aggregate():  # sum, min, max of ordinary ints
                self.domain_bounds(e.domain, env)
                body = self.expr(e.body, {**env, e.var: self.domain_sort(e.domain)})
                return self.ordinary(e.body, body, f"'{e.kind}'")
            case s.FunCons():
                self.domain_bounds(e.domain, env)
                dom = self.domain_sort(e.domain)
                cod = self.expr(e.body, {**env, e.var: dom})
                return Fn(dom if isinstance(dom, str) else None, cod)
        return self.unknown(e, env)

    def domain_bounds(self, d: s.Domain, env: Mapping[str, Sort]) -> None:
        if isinstance(d, s.RangeType):
            for b in (d.lo, d.hi):
                self.ordinary(b, self.expr(b, env), "a range bound")

    def ordinary(self, e: s.Expr, sort: Sort, what: str) -> Sort:
        """None, or BAD after reporting that e (of a symmetric sort) needs an ordinary int."""
        if sort == BAD:
            return BAD
        if isinstance(sort, str):
            self.error("HP492", f"{what} needs an ordinary int, but this is a value of symmetric "
                       f"type {sort}: its values may only be compared with '=' and '!='", e.span)
            return BAD
        return None

    def unknown(self, node: object, env: Mapping[str, Sort]) -> Sort:
        """A construct this checker does not know: refused (BAD) if it touches a symmetric
        value, a variable holding some, or a definition taking or giving one."""
        for x in _nodes(node):
            if x is node:
                continue
            name = getattr(x, "name", None)
            if isinstance(name, str) and (env.get(name) is not None
                                          or self.vars.get(name) is not None
                                          or name in self.symmetric
                                          or self._symmetric_def(name)):
                span = getattr(node, "span", None)
                assert isinstance(span, Span)
                self.error("HP490", f"the symmetry rules do not cover {_article(_what(node))} that "
                           "uses a symmetric value yet", span)
                return BAD
        return None

    def _symmetric_def(self, name: str) -> bool:
        params, result = self.defs.get(name, ((), None))
        return result is not None or any(sort is not None for _, sort in params)


def _leaf(t: ir.Type) -> ir.Type:
    while isinstance(t, ir.FunT):
        t = t.cod
    return t


def _article(words: str) -> str:
    return ("an " if words[:1] in tuple("aeiou") else "a ") + words


def _what(node: object) -> str:
    """A syntax class's name as words: ProcessDecl -> process, LetExpr -> let expr."""
    name = type(node).__name__.removesuffix("Decl")
    return "".join(" " + c.lower() if c.isupper() else c for c in name).strip()


def _leaks(value: Sort, target: Sort) -> bool:
    """Whether `value` differs from `target` by holding a symmetric value (or domain) where
    `target` is ordinary (HP493), rather than the other way round (HP491)."""
    if isinstance(value, Fn) and isinstance(target, Fn):
        if value.dom != target.dom:
            return value.dom is not None
        return _leaks(value.cod, target.cod)
    return isinstance(value, str) and value != target


def _nodes(node: object) -> Iterator[object]:
    stack = [node]
    while stack:
        x = stack.pop()
        yield x
        if isinstance(x, tuple):
            stack.extend(x)
        elif is_dataclass(x):
            stack.extend(getattr(x, f.name) for f in fields(x) if f.name != "span")


def check_symmetry(spec: s.SpecFile, var_types: Mapping[str, ir.Type],
                   type_defs: Mapping[str, ir.Type],
                   symmetric: list[ir.SymmetricType]) -> list[Diagnostic]:
    """Every breach of NOTE(symmetry-rules) in a checked (error-free) spec."""
    w = _Walker(var_types, type_defs, {t.name for t in symmetric})
    for d in spec.decls:
        w.decl(d)
    return w.errors
