"""Syntax tree → checked spec: names, scopes, types, levels and the assignment rules.

The checker walks the declarations in order (a name must be declared before it is used),
evaluates constants after `--const` overrides, and translates every expression into the
IR's expression classes, still with binders (`Bound`, `Quant`, `Cons`) for parameters
and quantified variables; lower.py expands those. Every error found is collected and
reported at the end, sorted, so one run shows them all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import cast

from . import ir
from . import syntax as s
from .diagnostics import Diagnostic, HpError, Note, Span
from .fold import ExpansionBudget, ExpansionLimit, Unbound, expand


class _ErrT:
    """The type of an expression that already produced an error (silences cascades)."""

    def __str__(self) -> str:
        return "<error>"


ERR = _ErrT()
MAX_DOMAIN = 1 << 16  # values an enumerated domain may have (parameters, quantifiers, functions)
# NOTE(limits) in parse.py: a state variable has at most MAX_CELLS scalar cells, and a
# range bound lies within +-MAX_BOUND (so every range's size fits a machine word).
MAX_CELLS = 1 << 16
MAX_BOUND = 1 << 62
_POISON = ir.Lit(False, ERR)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: ir.Type
    members: tuple[ir.Value, ...]


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    params: tuple[Param, ...]
    actor: ir.CoreExpr | None
    body: tuple[ir.Stmt, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Expect:
    name: str
    verdict: str  # holds | violated
    length: int | None
    span: Span

    def describe(self) -> str:
        if self.verdict == "violated" and self.length is not None:
            return f"violated in {self.length}"
        return self.verdict


@dataclass(frozen=True, slots=True)
class Sweep:
    name: str
    values: tuple[ir.Value, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class CheckedSpec:
    name: str
    file: str
    consts: tuple[tuple[str, ir.Value, ir.Type], ...]
    vars: tuple[ir.StateVar, ...]
    init: tuple[ir.CoreExpr, ...]
    invariants: tuple[ir.Invariant, ...]
    actions: tuple[Action, ...]
    depth: int | None
    expects: tuple[Expect, ...]  # those whose `when` holds for these constants
    sweeps: tuple[Sweep, ...]
    symmetric: tuple[ir.SymmetricType, ...] = ()  # extension: `symmetric type` (symcheck.py)


# What a name in scope stands for.
@dataclass(frozen=True, slots=True)
class _Const:
    value: ir.Value
    type: ir.Type
    span: Span


@dataclass(frozen=True, slots=True)
class _TypeDef:
    type: ir.Type
    span: Span


@dataclass(frozen=True, slots=True)
class _StateVar:
    type: ir.Type
    span: Span


@dataclass(frozen=True, slots=True)
class _EnumVal:
    type: ir.EnumT
    span: Span


@dataclass(frozen=True, slots=True)
class _Local:
    """A parameter, quantified variable or let name: stands for an IR expression."""

    expr: ir.CoreExpr
    span: Span
    kind: str  # parameter | bound variable | let


@dataclass(frozen=True, slots=True)
class _Other:
    kind: str  # action | invariant | spec
    span: Span


_Entry = _Const | _TypeDef | _StateVar | _EnumVal | _Other


@dataclass(slots=True)
class _Ctx:
    """Where an expression stands: what it may read."""

    what: str  # for messages: "invariant 'x'", "init", "action 'f'", "constant 'N'", ...
    state: bool  # may read state variables
    locals: dict[str, _Local] = field(default_factory=dict)

    def with_local(self, name: str, local: _Local) -> _Ctx:
        return _Ctx(self.what, self.state, {**self.locals, name: local})


def _cells(t: ir.Type) -> int:
    """The scalar cells of a value of type t."""
    n = 1
    while isinstance(t, ir.FunT):
        d = t.dom
        n *= (d.hi - d.lo + 1) if isinstance(d, ir.IntT) and d.lo is not None \
            and d.hi is not None else len(d.values())
        t = t.cod
    return n


def _err_type(t: object) -> bool:
    return t is ERR


def _binder(e: ir.CoreExpr) -> ir.Expr:
    """NOTE(binders): the checker builds the IR's expression nodes with operands that may
    still be binders (Bound, Quant, Cons: `ir.CoreExpr`); lowering (fold.expand) replaces
    every one of them, so the node classes are typed for the lowered IR that every later
    stage sees, and the checker's translation functions return `ir.Expr` through here."""
    return cast(ir.Expr, e)


def _fold_const(e: ir.CoreExpr) -> ir.Value | None:
    """Evaluate a constant (binder-free, state-free) expression, or None if it is not one."""
    ExpansionBudget.left = MAX_DOMAIN  # a constant expands only a few domains
    try:
        out = expand(e, {})
    except (Unbound, ExpansionLimit):
        return None
    return out.value if isinstance(out, ir.Lit) else None


class Checker:
    def __init__(self, spec: s.SpecFile, overrides: Mapping[str, str]) -> None:
        self.spec = spec
        self.overrides = dict(overrides)
        self.errors: list[Diagnostic] = []
        self.names: dict[str, _Entry] = {}
        self.later: dict[str, Span] = {}  # every top-level name, for "declared later" notes
        self.consts: list[tuple[str, ir.Value, ir.Type]] = []
        self.vars: list[ir.StateVar] = []
        self.init: list[ir.CoreExpr] = []
        self.invariants: list[ir.Invariant] = []
        self.actions: list[Action] = []
        self.depth: int | None = None
        self.depth_span: Span | None = None
        self.raw_expects: list[s.ExpectDecl] = []
        self.sweeps: list[Sweep] = []
        self.spec_name = ""
        self.action_names: dict[str, _Other] = {}
        self.invariant_names: dict[str, _Other] = {}
        self.symmetric: list[ir.SymmetricType] = []

    # ---- reporting
    def error(self, code: str, msg: str, span: Span, *notes: Note) -> None:
        self.errors.append(Diagnostic(code, msg, span, tuple(notes)))

    # ---- entry point
    def run(self) -> CheckedSpec:
        decls = self.spec.decls
        self._collect_names(decls)
        if not decls or not isinstance(decls[0], s.SpecDecl):
            first = decls[0].span if decls else Span(self.spec.file, 1, 1, 1, 2)
            spec_later = any(isinstance(d, s.SpecDecl) for d in decls)
            self.error("HP101", "a spec must begin with 'spec NAME'", first,
                       *(() if spec_later else (Note(
                           "this file has no 'spec' line: an include-only fragment cannot be "
                           "checked on its own; check a spec that includes it"),)))
            if not spec_later:  # a fragment: the rest would only cascade
                raise HpError(self.errors)
        for decl in decls:
            self._decl(decl)
        expects = self._expects()  # unknown --const names are reported by pipeline.configs
        if self.symmetric and not self.errors:  # NOTE(symmetry-rules) in symcheck.py
            from .symcheck import check_symmetry

            var_types = {v.name: v.type for v in self.vars}
            type_defs = {n: e.type for n, e in self.names.items() if isinstance(e, _TypeDef)}
            self.errors.extend(check_symmetry(self.spec, var_types, type_defs, self.symmetric))
        if self.errors:
            raise HpError(self.errors)
        return CheckedSpec(
            self.spec_name, self.spec.file, tuple(self.consts), tuple(self.vars), tuple(self.init),
            tuple(self.invariants), tuple(self.actions), self.depth, expects, tuple(self.sweeps),
            tuple(self.symmetric))

    def _collect_names(self, decls: tuple[s.Decl, ...]) -> None:
        for d in decls:
            if isinstance(d, (s.ConstDecl, s.TypeDecl, s.VarDecl)):
                self.later.setdefault(d.name, d.name_span)
            if isinstance(d, (s.TypeDecl, s.VarDecl)):
                for t in _enum_literals(d.type):
                    for v, sp in zip(t.values, t.value_spans, strict=True):
                        self.later.setdefault(v, sp)

    def _declare_in(self, table: dict[str, _Other], name: str, entry: _Other) -> None:
        """Actions and invariants have namespaces of their own (like TLA+ definitions that
        no expression can refer to); duplicates within one are errors."""
        old = table.get(name)
        if old is not None:
            self.error("HP111", f"{entry.kind} '{name}' is already declared", entry.span,
                       Note("first declared here", old.span))
        else:
            table[name] = entry

    def _declare(self, name: str, entry: _Entry, span: Span) -> None:
        old = self.names.get(name)
        if old is not None:
            self.error("HP111", f"'{name}' is already declared", span,
                       Note("first declared here", old.span))
            return
        self.names[name] = entry

    # ---- declarations
    def _decl(self, d: s.Decl) -> None:
        match d:
            case s.SpecDecl():
                if self.spec_name:
                    self.error("HP102", "a second 'spec' declaration", d.span)
                else:
                    self.spec_name = d.name  # not a name in scope (as a TLA+ module name)
            case s.ConstDecl():
                self._const(d)
            case s.TypeDecl():
                t = self._type(d.type, declaring=True)
                if isinstance(t, ir.EnumT) and isinstance(d.type, s.EnumType):
                    t = ir.EnumT(d.name, t.members)
                    for m in t.members:  # re-point the values at the named type
                        old = self.names.get(m)
                        if isinstance(old, _EnumVal):
                            self.names[m] = _EnumVal(t, old.span)
                if t is not None and d.symmetric:
                    t = self._symmetric(d, t)
                if t is not None:
                    self._declare(d.name, _TypeDef(t, d.name_span), d.name_span)
            case s.VarDecl():
                t = self._type(d.type, declaring=True)
                if t is not None:
                    if not self._nonempty(t, d.type.span):
                        return
                    if _cells(t) > MAX_CELLS:
                        self.error("HP128", f"variable '{d.name}' would have {_cells(t)} "
                                   f"cells; a variable may have at most {MAX_CELLS}", d.type.span)
                        return
                    self._declare(d.name, _StateVar(t, d.name_span), d.name_span)
                    self.vars.append(ir.StateVar(d.name, t))
            case s.InitDecl():
                ctx = _Ctx("init", state=True)
                for item in d.items:
                    self.init.append(self._bool(item, ctx))
            case s.ActionDecl():
                self._action(d)
            case s.InvariantDecl():
                body = self._bool(d.body, _Ctx(f"invariant '{d.name}'", state=True))
                if d.name == ir.TYPES:
                    self.error("HP111", "'types' is the built-in invariant and cannot be redeclared",
                               d.name_span)
                else:
                    self._declare_in(self.invariant_names, d.name, _Other("invariant", d.name_span))
                    self.invariants.append(ir.Invariant(d.name, body, d.name_span, d.body.span))
            case s.CheckDepth():
                if self.depth_span is not None:
                    self.error("HP103", "a second 'check depth'", d.span,
                               Note("first given here", self.depth_span))
                else:
                    self.depth, self.depth_span = d.depth, d.span
            case s.CheckSweep():
                self._sweep(d)
            case s.ExpectDecl():
                if d.name != ir.TYPES and d.name not in self.invariant_names:
                    later = [x for x in self.spec.decls if isinstance(x, s.InvariantDecl)
                             and x.name == d.name]
                    if later:
                        self.error("HP110", f"invariant '{d.name}' is named before it is "
                                   "declared", d.name_span, Note("declared here", later[0].name_span))
                    else:
                        self.error("HP150", f"expect names '{d.name}', which is not an invariant",
                                   d.name_span)
                else:
                    self.raw_expects.append(d)
            case s.IncludeDecl():  # resolved by the loader; nothing left here
                pass

    def _symmetric(self, d: s.TypeDecl, t: ir.Type) -> ir.Type | None:
        """`symmetric type NAME = a..b`: the range, marked as the symmetric type NAME."""
        if not isinstance(d.type, s.RangeType) or not isinstance(t, ir.IntT) \
                or t.lo is None or t.hi is None:
            self.error("HP490", "a symmetric type must be an integer range 'a..b'", d.type.span,
                       Note("its values are interchangeable: a type whose values differ "
                            "(an enum, bool, a function) cannot be symmetric"))
            return None
        if not self._nonempty(t, d.type.span):
            return None
        if t.hi - t.lo + 1 > MAX_DOMAIN:
            self.error("HP490", f"a symmetric type may have at most {MAX_DOMAIN} values",
                       d.type.span)
            return None
        marked = ir.IntT(t.lo, t.hi, sym=d.name)
        self.symmetric.append(ir.SymmetricType(d.name, tuple(range(t.lo, t.hi + 1))))
        return marked

    def _const(self, d: s.ConstDecl) -> None:
        ctx = _Ctx(f"constant '{d.name}'", state=False)
        e, t = self._expr(d.value, ctx)
        if _err_type(t):
            self._declare(d.name, _Const(0, ERR, d.name_span), d.name_span)  # type: ignore[arg-type]
            return
        if isinstance(t, ir.FunT):
            self.error("HP130", "a constant must be an int, a bool or an enum value", d.value.span)
            return
        value = _fold_const(e)
        if value is None:
            self.error("HP130", f"the value of constant '{d.name}' is not constant", d.value.span)
            return
        if isinstance(t, ir.IntT):
            t = ir.IntT()
        if d.name in self.overrides:
            value = self._override(d.name, self.overrides[d.name], t, d.name_span)
        self.consts.append((d.name, value, t))
        self._declare(d.name, _Const(value, t, d.name_span), d.name_span)

    def _override(self, name: str, text: str, t: ir.Type, span: Span) -> ir.Value:
        parsed = parse_const_value(text)
        ok = False
        if isinstance(t, ir.IntT):
            ok = isinstance(parsed, int) and not isinstance(parsed, bool)
        elif isinstance(t, ir.BoolT):
            ok = isinstance(parsed, bool)
        elif isinstance(t, ir.EnumT):
            ok = isinstance(parsed, str) and parsed in t.members
        if not ok:
            expect = ("an integer" if isinstance(t, ir.IntT) else "true or false"
                      if isinstance(t, ir.BoolT) else "one of " + ", ".join(str(m) for m in t.values()))
            raise HpError(Diagnostic(
                "HP203", f"--const {name}={text}: '{name}' takes {expect}", ir_cli_span(),
                (Note(f"'{name}' is declared here", span),)))
        if isinstance(t, ir.EnumT):
            return ir.EnumValue(str(parsed))
        assert parsed is not None
        return parsed

    def _sweep(self, d: s.CheckSweep) -> None:
        entry = self.names.get(d.name)
        if not isinstance(entry, _Const):
            self.error("HP170", f"'check {d.name} in ...' needs a constant declared before it",
                       d.name_span)
            return
        dom = self._domain(d.domain, _Ctx("check", state=False))
        if dom is None:
            return
        t, members = dom
        if not ir.same_shape(t, entry.type):
            self.error("HP170", f"constant '{d.name}' is {entry.type}, but the sweep gives {t} values",
                       d.domain.span)
            return
        if isinstance(t, ir.EnumT):
            members = tuple(ir.EnumValue(m) for m in members)  # type: ignore[arg-type]
        self.sweeps.append(Sweep(d.name, members, d.span))

    def _expects(self) -> tuple[Expect, ...]:
        out: list[Expect] = []
        known = {inv.name for inv in self.invariants} | {ir.TYPES}
        for d in self.raw_expects:
            if d.name not in known:
                self.error("HP150", f"expect names '{d.name}', which is not an invariant", d.name_span)
                continue
            if d.when is not None:
                e = self._bool(d.when, _Ctx("expect when", state=False))
                value = _fold_const(e)
                if value is None:
                    if not any(x.code == "HP130" for x in self.errors):
                        self.error("HP130", "an expect condition must be constant", d.when.span)
                    continue
                if not value:
                    continue
            out.append(Expect(d.name, d.verdict, d.length, d.span))
        return tuple(out)

    def _action(self, d: s.ActionDecl) -> None:
        ctx = _Ctx(f"action '{d.name}'", state=True)
        params: list[Param] = []
        for p in d.params:
            dom = self._domain(p.domain, _Ctx("parameter domain", state=False))
            if dom is None:
                continue
            t, members = dom
            if p.name in ctx.locals:
                self.error("HP111", f"parameter '{p.name}' is declared twice", p.span)
            params.append(Param(p.name, t, members))
            ctx = ctx.with_local(p.name, _Local(ir.Bound(p.name, t), p.span, "parameter"))
        actor: ir.CoreExpr | None = None
        if d.actor is not None:
            actx = _Ctx(f"the actor of action '{d.name}'", state=False, locals=ctx.locals)
            actor, at = self._expr(d.actor, actx)
            if isinstance(at, ir.FunT):
                self.error("HP120", "an actor must be an int, a bool or an enum value", d.actor.span)
        body = self._block(d.body, ctx, set())
        self._declare_in(self.action_names, d.name, _Other("action", d.name_span))
        self.actions.append(Action(d.name, tuple(params), actor, tuple(body), d.span))

    # ---- statements
    def _block(self, stmts: tuple[s.Stmt, ...], ctx: _Ctx, assigned: set[str]) -> list[ir.Stmt]:
        """`assigned`: variables already assigned on this path (updated in place)."""
        out: list[ir.Stmt] = []
        for st in stmts:
            match st:
                case s.Require():
                    out.append(ir.Require(self._bool(st.cond, ctx)))
                case s.Let():
                    e, _ = self._expr(st.value, ctx)
                    ctx = ctx.with_local(st.name, _Local(e, st.name_span, "let"))
                case s.Assign():
                    a = self._assign(st, ctx, assigned)
                    if a is not None:
                        out.append(a)
                case s.If():
                    cond = self._bool(st.cond, ctx)
                    then_set, else_set = set(assigned), set(assigned)
                    then = self._block(st.then, ctx, then_set)
                    else_ = self._block(st.else_, ctx, else_set)
                    assigned |= then_set | else_set
                    out.append(ir.If(cond, tuple(then), tuple(else_)))
        return out

    def _assign(self, st: s.Assign, ctx: _Ctx, assigned: set[str]) -> ir.Assign | None:
        entry = self.names.get(st.var)
        if st.var in ctx.locals or not isinstance(entry, _StateVar):
            what = ctx.locals[st.var].kind if st.var in ctx.locals else (
                _kind(entry) if entry is not None else None)
            if what is None:
                self._undeclared(st.var, st.target_span)
            else:
                self.error("HP141", f"'{st.var}' is a {what}, not a state variable; only state "
                           "variables can be primed", st.target_span)
            self._expr(st.value, ctx)
            return None
        if not st.indices and st.var in assigned:
            self.error("HP142", f"'{st.var}' is assigned as a whole after another assignment to it "
                       "on the same path", st.span)
        assigned.add(st.var)
        t: ir.Type = entry.type
        path: list[ir.Expr] = []
        for idx in st.indices:
            e, it = self._expr(idx, ctx)
            if not isinstance(t, ir.FunT):
                self.error("HP143", f"too many indices: '{st.var}' has type {entry.type}",
                           st.target_span)
                self._expr(st.value, ctx)
                return None
            self._check_index(t, it, idx.span)
            path.append(e)
            t = t.cod
        value, vt = self._expr(st.value, ctx)
        if not _err_type(vt) and not ir.same_shape(t, vt):
            self.error("HP120", f"cannot assign {_tname(vt)} to '{st.var}"
                       f"{''.join('[]' for _ in st.indices)}', which is {_tname(t)}", st.value.span)
        return ir.Assign(st.var, tuple(path), value)

    # ---- types and domains
    def _type(self, t: s.TypeExpr, declaring: bool) -> ir.Type | None:
        if isinstance(t, s.FunType):
            dom = self._type(t.dom, declaring)
            cod = self._type(t.cod, declaring)
            if dom is None or cod is None:
                return None
            if isinstance(dom, ir.FunT):
                self.error("HP126", "a function's domain must be bool, a range or an enum",
                           t.dom.span)
                return None
            if not self._nonempty(dom, t.dom.span):
                return None
            if isinstance(dom, ir.IntT) and dom.lo is not None and dom.hi is not None \
                    and dom.hi - dom.lo + 1 > MAX_DOMAIN:
                self.error("HP128", f"a function over {dom} would have {dom.hi - dom.lo + 1} "
                           f"entries; a function domain may have at most {MAX_DOMAIN}", t.dom.span)
                return None
            return ir.FunT(dom, cod)
        if isinstance(t, s.EnumType) and declaring:
            return self._declare_enum(t)
        if isinstance(t, s.TypeName):
            entry = self.names.get(t.name)
            if isinstance(entry, _TypeDef):
                return entry.type
            if entry is None:
                self._undeclared(t.name, t.span)
            else:
                self.error("HP126", f"'{t.name}' is a {_kind(entry)}, not a type", t.span)
            return None
        got = self._domain(t, _Ctx("type", state=False))
        return None if got is None else got[0]

    def _declare_enum(self, t: s.EnumType) -> ir.EnumT | None:
        members: list[ir.EnumValue] = []
        for v, sp in zip(t.values, t.value_spans, strict=True):
            if v in members:
                self.error("HP112", f"enum value '{v}' appears twice", sp)
                continue
            members.append(ir.EnumValue(v))
        et = ir.EnumT("{" + ", ".join(members) + "}", tuple(members))
        seen: set[str] = set()
        for v, sp in zip(t.values, t.value_spans, strict=True):
            if v in seen:
                continue  # reported above as appearing twice
            seen.add(v)
            old = self.names.get(v)
            if old is not None:
                self.error("HP112", f"'{v}' is already declared; enum values are global names "
                           "and must be unique in the spec", sp, Note("first declared here", old.span))
            else:
                self.names[v] = _EnumVal(et, sp)
        return et

    def _nonempty(self, t: ir.Type, span: Span) -> bool:
        if isinstance(t, ir.IntT) and t.lo is not None and t.hi is not None and t.lo > t.hi:
            self.error("HP127", f"the range {t.lo}..{t.hi} is empty", span)
            return False
        return True

    def _domain(self, d: s.Domain, ctx: _Ctx) -> tuple[ir.Type, tuple[ir.Value, ...]] | None:
        """A domain in an expression or parameter: (element type, values in order)."""
        match d:
            case s.BoolType():
                return ir.BoolT(), (False, True)
            case s.RangeType():
                cctx = _Ctx(ctx.what, state=False, locals={})
                lo = self._const_int(d.lo, cctx)
                hi = self._const_int(d.hi, cctx)
                if lo is None or hi is None:
                    return None
                if max(abs(lo), abs(hi)) > MAX_BOUND:
                    self.error("HP302", f"the range {lo}..{hi} has a bound beyond "
                               f"+-2^62 ({MAX_BOUND})", d.span)
                    return None
                t = ir.IntT(lo, hi)
                if hi - lo + 1 > MAX_DOMAIN:
                    if ctx.what == "type":  # a scalar int type: its values are never listed
                        return t, ()
                    self.error("HP128", f"the range {lo}..{hi} has {hi - lo + 1} values; a domain "
                               f"that is enumerated (parameters, quantifiers, function domains) "
                               f"may have at most {MAX_DOMAIN}", d.span)
                    return None
                return t, tuple(range(lo, hi + 1))
            case s.TypeName():
                entry = self.names.get(d.name)
                if isinstance(entry, _TypeDef):
                    if isinstance(entry.type, ir.FunT):
                        self.error("HP126", f"'{d.name}' is a function type, not a domain", d.span)
                        return None
                    return entry.type, entry.type.values()
                if entry is None:
                    self._undeclared(d.name, d.span)
                else:
                    self.error("HP126", f"'{d.name}' is a {_kind(entry)}, not a type", d.span)
                return None
            case s.EnumType():
                enum: ir.EnumT | None = None
                for v, sp in zip(d.values, d.value_spans, strict=True):
                    entry = self.names.get(v)
                    if not isinstance(entry, _EnumVal):
                        if entry is None:
                            self._undeclared(v, sp)
                        else:
                            self.error("HP120", f"'{v}' is a {_kind(entry)}, not an enum value", sp)
                        return None
                    if enum is not None and entry.type != enum:
                        self.error("HP125", f"'{v}' belongs to {entry.type}, not {enum}", sp)
                        return None
                    enum = entry.type
                assert enum is not None
                members = tuple(m for m in enum.members if m in d.values)
                return enum, members
            case s.FunType():  # pragma: no cover - the grammar never puts one here
                self.error("HP126", "a function type is not a domain", d.span)
                return None

    def _const_int(self, e: s.Expr, ctx: _Ctx) -> int | None:
        out, t = self._expr(e, ctx)
        if _err_type(t):
            return None
        if not isinstance(t, ir.IntT):
            self.error("HP122", f"a range bound must be an integer, not {_tname(t)}", e.span)
            return None
        value = _fold_const(out)
        if not isinstance(value, int) or isinstance(value, bool):
            self.error("HP130", "a range bound must be a constant expression", e.span)
            return None
        return value

    # ---- expressions
    def _bool(self, e: s.Expr, ctx: _Ctx) -> ir.Expr:
        out, t = self._expr(e, ctx)
        if not _err_type(t) and not isinstance(t, ir.BoolT):
            self.error("HP121", f"expected a bool, found {_tname(t)}", e.span)
        return out

    def _int(self, e: s.Expr, ctx: _Ctx) -> tuple[ir.Expr, bool]:
        out, t = self._expr(e, ctx)
        if _err_type(t):
            return out, False
        if not isinstance(t, ir.IntT):
            self.error("HP122", f"expected an integer, found {_tname(t)}", e.span)
            return out, False
        return out, True

    def _expr(self, e: s.Expr, ctx: _Ctx) -> tuple[ir.Expr, ir.Type]:
        out = self._expr_inner(e, ctx)
        return out, out.type

    def _expr_inner(self, e: s.Expr, ctx: _Ctx) -> ir.Expr:
        match e:
            case s.IntLit():
                return ir.Lit(e.value, ir.IntT())
            case s.BoolLit():
                return ir.Lit(e.value, ir.BoolT())
            case s.Name():
                return self._name(e, ctx)
            case s.Primed():
                self.error("HP140", f"primed variable {e.name}' cannot be read in {ctx.what}: "
                           "primes appear only on the left of an assignment, and every right-hand "
                           "side reads the current state", e.span)
                return _POISON
            case s.Index():
                fn, ft = self._expr(e.fn, ctx)
                idx, it = self._expr(e.index, ctx)
                if _err_type(ft) or _err_type(it):
                    return _POISON
                if not isinstance(ft, ir.FunT):
                    self.error("HP123", f"cannot index {_tname(ft)}: only functions can be indexed",
                               e.fn.span)
                    return _POISON
                if not self._check_index(ft, it, e.index.span):
                    return _POISON
                return ir.Index(fn, idx, ft.cod)
            case s.Unary(op="not"):
                arg, at = self._expr(e.arg, ctx)
                if not _err_type(at) and not isinstance(at, ir.BoolT):
                    self.error("HP121", f"'not' needs a bool, found {_tname(at)}", e.span)
                    return _POISON
                return ir.Not(arg)
            case s.Unary():
                arg, ok = self._int(e.arg, ctx)
                return ir.Arith("-", ir.Lit(0, ir.IntT()), arg) if ok else _POISON
            case s.Binary(op="and" | "or" | "implies"):
                left, right = self._bool(e.left, ctx), self._bool(e.right, ctx)
                if e.op == "and":
                    return ir.And((left, right))
                if e.op == "or":
                    return ir.Or((left, right))
                return ir.Or((ir.Not(left), right))
            case s.Binary(op="=" | "!="):
                left, lt = self._expr(e.left, ctx)
                right, rt = self._expr(e.right, ctx)
                if _err_type(lt) or _err_type(rt):
                    return _POISON
                if not ir.same_shape(lt, rt):
                    self.error("HP125", f"cannot compare {_tname(lt)} with {_tname(rt)}", e.span)
                    return _POISON
                eq = ir.Eq(left, right)
                return eq if e.op == "=" else ir.Not(eq)
            case s.Binary(op="<" | "<=" | ">" | ">="):
                left, lok = self._int(e.left, ctx)
                right, rok = self._int(e.right, ctx)
                return ir.Cmp(e.op, left, right) if lok and rok else _POISON
            case s.Binary():  # + - *
                left, lok = self._int(e.left, ctx)
                right, rok = self._int(e.right, ctx)
                return ir.Arith(e.op, left, right) if lok and rok else _POISON
            case s.Member() if isinstance(e.domain, s.RangeType):
                arg, ok = self._int(e.arg, ctx)
                bounds = self._range_bounds(e.domain, ctx)
                if not ok or bounds is None:
                    return _POISON
                lo, hi = bounds
                if isinstance(lo, ir.Lit) and isinstance(hi, ir.Lit):
                    assert isinstance(lo.value, int) and isinstance(hi.value, int)
                    return ir.Member(arg, tuple(range(lo.value, hi.value + 1)))
                return ir.And((ir.Cmp("<=", _binder(lo), arg), ir.Cmp("<=", arg, _binder(hi))))
            case s.Member():
                arg, at = self._expr(e.arg, ctx)
                dom = self._domain(e.domain, ctx)
                if _err_type(at) or dom is None:
                    return _POISON
                t, members = dom
                if not ir.same_shape(at, t):
                    self.error("HP125", f"cannot test whether {_tname(at)} is in a domain of "
                               f"{_tname(t)}", e.span)
                    return _POISON
                return ir.Member(arg, members)
            case s.IfExpr():
                cond = self._bool(e.cond, ctx)
                then, tt = self._expr(e.then, ctx)
                else_, et = self._expr(e.else_, ctx)
                if _err_type(tt) or _err_type(et):
                    return _POISON
                if not ir.same_shape(tt, et):
                    self.error("HP125", f"the branches of 'if' have different types: {_tname(tt)} "
                               f"and {_tname(et)}", e.span)
                    return _POISON
                t = ir.IntT() if isinstance(tt, ir.IntT) else tt
                return ir.Ite(cond, then, else_, t)
            case s.Quant() if isinstance(e.domain, s.RangeType):
                bounds = self._range_bounds(e.domain, ctx)
                if bounds is None:
                    return _POISON
                lo, hi = bounds
                if not (isinstance(lo, ir.Lit) and isinstance(hi, ir.Lit)):
                    if _reads_state(lo) or _reads_state(hi):
                        self.error("HP131", "the bounds of a quantified range may use constants, "
                                   "parameters and bound variables, not state variables",
                                   e.domain.span)
                        return _POISON
                    return self._quant(e, ctx, ir.IntT(), (), (lo, hi))
                assert isinstance(lo.value, int) and isinstance(hi.value, int)
                ints = tuple(range(lo.value, hi.value + 1))
                return self._quant(e, ctx, ir.IntT(ints[0], ints[-1]) if ints
                                   else ir.IntT(), ints, None)
            case s.Quant():
                dom = self._domain(e.domain, ctx)
                if dom is None:
                    return _POISON
                return self._quant(e, ctx, dom[0], dom[1], None)
            case s.FunCons():
                dom = self._domain(e.domain, ctx)
                if dom is None:
                    return _POISON
                t, members = dom
                inner = ctx.with_local(e.var, _Local(ir.Bound(e.var, t), e.var_span, "bound variable"))
                if isinstance(e, s.FunCons):
                    body, bt = self._expr(e.body, inner)
                    if _err_type(bt):
                        return _POISON
                    dom_t: ir.Domain = t  # type: ignore[assignment]
                    if isinstance(t, ir.EnumT) and members != t.members:
                        self.error("HP126", "a function's domain must be a whole enum type, "
                                   "bool or a range", e.domain.span)
                        return _POISON
                    if isinstance(t, ir.IntT):
                        dom_t = ir.IntT(members[0], members[-1]) if members else t  # type: ignore[arg-type]
                    if not members:
                        self.error("HP127", "a function over an empty domain", e.domain.span)
                        return _POISON
                    cod = ir.IntT() if isinstance(bt, ir.IntT) else bt
                    return _binder(ir.Cons(e.var, members, body, ir.FunT(dom_t, cod)))
        raise AssertionError(f"unknown expression {e!r}")  # pragma: no cover

    def _quant(self, e: s.Quant, ctx: _Ctx, t: ir.Type, members: tuple[ir.Value, ...],
               bounds: tuple[ir.CoreExpr, ir.CoreExpr] | None) -> ir.Expr:
        inner = ctx.with_local(e.var, _Local(ir.Bound(e.var, t), e.var_span, "bound variable"))
        body = self._bool(e.body, inner)
        rt: ir.Type = ir.IntT() if e.kind == "count" else ir.BoolT()
        return _binder(ir.Quant(e.kind, e.var, members, body, rt, bounds))

    def _range_bounds(self, d: s.RangeType, ctx: _Ctx) -> tuple[ir.CoreExpr, ir.CoreExpr] | None:
        """Both bounds as ints, folded to literals when constant."""
        lo, lok = self._int(d.lo, ctx)
        hi, hok = self._int(d.hi, ctx)
        if not (lok and hok):
            return None
        out = []
        for b in (lo, hi):
            v = _fold_const(b)
            out.append(ir.Lit(v, ir.IntT()) if isinstance(v, int) else b)
        return out[0], out[1]

    def _check_index(self, ft: ir.FunT, it: ir.Type, span: Span) -> bool:
        if _err_type(it):
            return False
        if not ir.same_shape(ft.dom, it):
            self.error("HP124", f"the index is {_tname(it)}, but the function's domain is "
                       f"{ft.dom}", span)
            return False
        return True

    def _name(self, e: s.Name, ctx: _Ctx) -> ir.Expr:
        local = ctx.locals.get(e.name)
        if local is not None:
            return _binder(local.expr)
        entry = self.names.get(e.name)
        match entry:
            case _Const():
                if _err_type(entry.type):
                    return _POISON
                return ir.Lit(entry.value, entry.type)
            case _EnumVal():
                return ir.Lit(ir.EnumValue(e.name), entry.type)
            case _StateVar():
                if not ctx.state:
                    self.error("HP130", f"{ctx.what} cannot read state variable '{e.name}'", e.span)
                    return _POISON
                return ir.Var(e.name, entry.type)
            case None:
                self._undeclared(e.name, e.span)
                return _POISON
            case _:
                self.error("HP120", f"'{e.name}' is a {_kind(entry)}, not a value", e.span)
                return _POISON

    def _undeclared(self, name: str, span: Span) -> None:
        later = self.later.get(name)
        if later is not None and (later.line, later.col) > (span.line, span.col):
            self.error("HP110", f"'{name}' is used before it is declared", span,
                       Note("declared here", later))
        else:
            self.error("HP110", f"'{name}' is not declared", span)


def _reads_state(e: ir.CoreExpr) -> bool:
    return any(isinstance(x, ir.Var) for x in ir.subexprs(e))


def _kind(entry: _Entry) -> str:
    match entry:
        case _Const():
            return "constant"
        case _TypeDef():
            return "type"
        case _StateVar():
            return "state variable"
        case _EnumVal():
            return "enum value"
        case _Other():
            return entry.kind
    return "name"  # pragma: no cover


def _tname(t: object) -> str:
    if isinstance(t, ir.IntT):
        return "an int" if t.lo is None else f"an int ({t})"
    if isinstance(t, ir.BoolT):
        return "a bool"
    if isinstance(t, ir.EnumT):
        return f"a value of {t}"
    if isinstance(t, ir.FunT):
        return f"a function {t}"
    return str(t)


def _enum_literals(t: s.TypeExpr) -> Iterator[s.EnumType]:
    if isinstance(t, s.EnumType):
        yield t
    elif isinstance(t, s.FunType):
        yield from _enum_literals(t.dom)
        yield from _enum_literals(t.cod)


def ir_cli_span() -> Span:
    return Span("<command line>", 0, 0, 0, 0)


def parse_const_value(text: str) -> ir.Value | None:
    """A `--const` value spelled as in the language: 3, -1, true, false, or a name."""
    t = text.strip()
    if t in ("true", "false"):
        return t == "true"
    try:
        return int(t, 10)
    except ValueError:
        pass
    if t and (t[0].isalpha() or t[0] == "_") and all(c.isalnum() or c == "_" for c in t):
        return ir.EnumValue(t)
    return None


def const_names(spec: s.SpecFile) -> list[str]:
    return [d.name for d in spec.decls if isinstance(d, s.ConstDecl)]


def check(spec: s.SpecFile, overrides: Mapping[str, str] | None = None) -> CheckedSpec:
    return Checker(spec, overrides or {}).run()
