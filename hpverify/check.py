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
from .fold import ExpansionBudget, ExpansionLimit, Unbound, expand, fault
from .process import BAD, BAD_VALUE, DEADLOCK, FREE, desugar


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
    origin: s.StepOrigin | None = None  # the process step it was generated from


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
    deadlock: bool = False  # lower.py completes the `deadlock` invariant (NOTE(deadlock))
    views: tuple[ir.View, ...] = ()  # NOTE(records) in ir.py
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
    lock: bool = False  # a lock's variable: only lock()/unlock() read and write it


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


@dataclass(frozen=True, slots=True)
class _Def:
    """`def name(params) = body`: the body is checked again, and expanded, at each use."""

    decl: s.DefDecl
    params: tuple[tuple[str, ir.Type], ...]
    span: Span


_Entry = _Const | _TypeDef | _StateVar | _EnumVal | _Other | _Def


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
        # processes and locks (process.py): the lock owners' type, built at `Processes`
        self.owner_type: ir.EnumT | None = None
        # process → (its domain's type, the domain's values, their owner values)
        self.owners: dict[str, tuple[ir.Type | None, tuple[ir.Value, ...],
                                     tuple[ir.EnumValue, ...]]] = {}
        self.deadlock = False
        self.builtins = {d.name for d in spec.decls if isinstance(d, s.BuiltinInvariant)}
        self.hidden: list[Param] = []  # the current action's hidden parameters (NOTE(pick))
        self.defining: set[str] = set()  # the definition whose body is being checked
        self.fresh = 0  # NOTE(hygiene): a number for each binder and hidden parameter
        self.views: list[ir.View] = []  # data (dataB): NOTE(records) in ir.py
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
        if self.errors:  # a process's header (once per step), a definition's body (at each
            # use) are checked more than once: report an error once
            raise HpError(list(dict.fromkeys(self.errors)))
        return CheckedSpec(
            self.spec_name, self.spec.file, tuple(self.consts), tuple(self.vars), tuple(self.init),
            tuple(self.invariants), tuple(self.actions), self.depth, expects, tuple(self.sweeps),
            self.deadlock, tuple(self.views), tuple(self.symmetric))

    def _collect_names(self, decls: tuple[s.Decl, ...]) -> None:
        for d in decls:
            if isinstance(d, (s.ConstDecl, s.TypeDecl, s.VarDecl, s.DefDecl)):
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
            case s.VarDecl() if self._declare_structured(d):
                pass
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
                if d.name != ir.TYPES and d.name not in self.invariant_names \
                        and d.name not in self.builtins:
                    later = [x for x in self.spec.decls if isinstance(x, s.InvariantDecl)
                             and x.name == d.name]
                    if later:
                        self.error("HP110", f"invariant '{d.name}' is named before it is "
                                   "declared", d.name_span, Note("declared here", later[0].name_span))
                    else:
                        self.error("HP150", f"expect names '{d.name}', which is not an invariant",
                                   d.name_span, *((Note(
                                       "the built-in `deadlock` is checked in a spec with a "
                                       "process, or with `check deadlock`"),)
                                       if d.name == DEADLOCK else ()))
                else:
                    self.raw_expects.append(d)
            case s.IncludeDecl():  # resolved by the loader; nothing left here
                pass
            case s.DefDecl():
                self._def(d)
            case s.Processes() | s.LockVarDecl() | s.BuiltinInvariant():
                self._generated(d)
            case s.LockDecl() | s.ProcessDecl() | s.CheckDeadlock() | s.TerminalDecl():
                raise AssertionError("process.desugar removes these")  # pragma: no cover

    # ---- processes and locks: what process.py generates ------------------------------
    def _generated(self, d: s.Processes | s.LockVarDecl | s.BuiltinInvariant) -> None:
        match d:
            case s.Processes():
                values = [ir.EnumValue(FREE)]
                blocks: list[tuple[str, int]] = []  # NOTE(symmetric-owners) in symcheck.py
                for p in d.procs:
                    if p.self_param is None:
                        own = ir.EnumValue(p.name if p.name != FREE else f"{p.name}()")
                        self.owners[p.name] = (None, (), (own,))
                        values.append(own)
                        continue
                    dom = self._domain(p.self_param.domain, _Ctx("a process's domain", False))
                    if dom is None:
                        continue
                    owned = tuple(ir.EnumValue(f"{p.name}({ir.show_value(v, dom[0])})")
                                  for v in dom[1])
                    self.owners[p.name] = (dom[0], dom[1], owned)
                    if isinstance(dom[0], ir.IntT) and dom[0].sym is not None:
                        blocks.append((dom[0].sym, len(values)))
                    values.extend(owned)
                values.append(ir.EnumValue(BAD_VALUE))
                self.owner_type = ir.EnumT("lock owner", tuple(values), tuple(blocks))
            case s.LockVarDecl():
                t: ir.Type | None = self._type(s.OwnerType(d.span), declaring=False)
                if d.domain is not None and t is not None:
                    t = self._type(s.FunType(d.domain, s.OwnerType(d.span), d.span), False)
                if t is not None:
                    self._declare(d.name, _StateVar(t, d.name_span, lock=True), d.name_span)
                    self.vars.append(ir.StateVar(d.name, t))
            case s.BuiltinInvariant():
                body = self._bool(d.body, _Ctx(f"invariant '{d.name}'", state=True))
                self._declare_in(self.invariant_names, d.name, _Other("invariant", d.span))
                self.invariants.append(ir.Invariant(d.name, body, d.span, None))
                if d.name == DEADLOCK:
                    self.deadlock = True

    def _at_label(self, e: s.AtLabel, ctx: _Ctx) -> ir.Expr:
        """`P@L`, `P[i]@L`: the program counter of (that instance of) process P is L."""
        target = e.process.fn if isinstance(e.process, s.Index) else e.process
        name = target.name if isinstance(target, s.Name) else None
        entry = self.names.get(f"{name}.pc") if name is not None else None
        if not isinstance(entry, _StateVar):
            self.error("HP419", "`@` follows a process (`P@label`, or `P[i]@label` for a "
                       "process with a parameter)", e.process.span)
            return _POISON
        pct = entry.type.cod if isinstance(entry.type, ir.FunT) else entry.type
        assert isinstance(pct, ir.EnumT)
        if e.label not in pct.members:  # the labels, then `done` (FINISHED)
            self.error("HP402", f"process '{name}' has no label '{e.label}'", e.label_span,
                       Note("labels: " + ", ".join(pct.members[:-1]) + "; and `done`: the "
                            "process has finished"))
            return _POISON
        if not ctx.state:
            self.error("HP130", f"{ctx.what} cannot read where a process is", e.span)
            return _POISON
        pc: ir.Expr = ir.Var(f"{name}.pc", entry.type)
        if isinstance(entry.type, ir.FunT) != isinstance(e.process, s.Index):
            self.error("HP419", f"process '{name}' " + (
                f"has one instance per value: write `{name}[i]@{e.label}`"
                if isinstance(entry.type, ir.FunT) else
                f"has a single instance: write `{name}@{e.label}`"), e.process.span)
            return _POISON
        if isinstance(e.process, s.Index) and isinstance(entry.type, ir.FunT):
            idx, it = self._expr(e.process.index, ctx)
            if not self._check_index(entry.type, it, e.process.index.span):
                return _POISON
            pc = ir.Index(pc, idx, pct)
        return ir.Eq(pc, ir.Lit(ir.EnumValue(e.label), pct))

    def _lock_value(self, e: s.LockValue, ctx: _Ctx) -> ir.Expr:
        """A value of the owner type: free, bad, or the owner value of the instance running
        the step (an `if` over the process's domain, folded per instance)."""
        ot = self.owner_type
        if ot is None:
            return _POISON
        if e.kind == FREE:
            return ir.Lit(ir.EnumValue(FREE), ot)
        if e.kind == BAD:
            return ir.Lit(ir.EnumValue(BAD_VALUE), ot)
        assert e.process is not None
        dom_t, members, owned = self.owners.get(e.process, (None, (), ()))
        if not owned:
            return _POISON
        if e.self_expr is None or dom_t is None:
            return ir.Lit(owned[0], ot)
        me, _ = self._expr(e.self_expr, ctx)
        out: ir.Expr = ir.Lit(owned[-1], ot)
        for v, own in zip(reversed(members[:-1]), reversed(owned[:-1]), strict=True):
            out = ir.Ite(ir.Eq(me, ir.Lit(v, dom_t)), ir.Lit(own, ot), out, ot)
        return out

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
        if isinstance(t, ir.FunT) or ir.structured(t):
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
        what = f"process '{d.origin.process}'" if d.origin else f"action '{d.name}'"
        ctx = _Ctx(what, state=True)
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
            actx = _Ctx(f"the actor of {what}", state=False, locals=ctx.locals)
            actor, at = self._expr(d.actor, actx)
            if isinstance(at, ir.FunT) or ir.structured(at):
                self.error("HP120", "an actor must be an int, a bool or an enum value", d.actor.span)
        self.hidden = []
        body = self._block(d.body, ctx, set())
        params.extend(self.hidden)  # NOTE(pick): one hidden parameter per `x' in S`
        self._declare_in(self.action_names, d.name, _Other("action", d.name_span))
        self.actions.append(Action(d.name, tuple(params), actor, tuple(body), d.span, d.origin))

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
                    if isinstance(a, ir.If):  # several leaves (NOTE(records)): no condition
                        out.extend(a.then)
                    elif a is not None:
                        out.append(a)
                case s.Pick():
                    out.extend(self._pick(st, ctx, assigned))
                case s.If():
                    cond = self._bool(st.cond, ctx)
                    then_set, else_set = set(assigned), set(assigned)
                    then = self._block(st.then, ctx, then_set)
                    else_ = self._block(st.else_, ctx, else_set)
                    assigned |= then_set | else_set
                    out.append(ir.If(cond, tuple(then), tuple(else_)))
        return out

    def _assign(self, st: s.Assign, ctx: _Ctx, assigned: set[str]) -> ir.Stmt | None:
        entry = self.names.get(st.var)
        if isinstance(entry, _StateVar) and st.var not in ctx.locals and (
                ir.structured(entry.type) or any(isinstance(i, s.FieldStep) for i in st.indices)):
            if not st.indices and st.var in assigned:
                self.error("HP142", f"'{st.var}' is assigned as a whole after another assignment "
                           "to it on the same path", st.span)
            assigned.add(st.var)
            return self._assign_structured(st, entry.type, ctx)
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
        if entry.lock and not st.generated:
            self.error("HP412", f"'{st.var}' is a lock: it changes only by lock() and unlock() "
                       "in a process", st.target_span)
            return None
        if not st.indices and st.var in assigned:
            self.error("HP142", f"'{st.var}' is assigned as a whole after another assignment to it "
                       "on the same path", st.span)
        assigned.add(st.var)
        t: ir.Type = entry.type
        path: list[ir.Expr] = []
        for idx in st.indices:
            assert not isinstance(idx, s.FieldStep)
            e, it = self._expr(idx, ctx)
            if ir.is_set(t):
                self.error("HP465", f"a set is assigned as a whole: write `{st.var}' = "
                           f"union({st.var}, {{x}})` or `minus(...)`", st.target_span)
                self._expr(st.value, ctx)
                return None
            if not isinstance(t, ir.FunT):
                self.error("HP143", f"too many indices: '{st.var}' has type {entry.type}",
                           st.target_span)
                self._expr(st.value, ctx)
                return None
            self._check_index(t, it, idx.span)
            path.append(e)
            t = t.cod
        value, vt = self._expr_want(st.value, ctx, t)
        if ir.is_set(t) and ir.is_set(vt) and not ir.same_shape(t, vt):
            widened = self._widen(value, vt, t)  # type: ignore[arg-type]
            if widened is value:
                self.error("HP462", f"cannot assign {_tname(vt)} to '{st.var}"
                           f"{''.join('[]' for _ in st.indices)}', which is {_tname(t)}",
                           st.value.span)
                return None
            value, vt = widened, t
        if not _err_type(vt) and not ir.same_shape(t, vt):
            self.error("HP120", f"cannot assign {_tname(vt)} to '{st.var}"
                       f"{''.join('[]' for _ in st.indices)}', which is {_tname(t)}", st.value.span)
        return ir.Assign(st.var, tuple(path), value)

    # ---- types and domains
    def _type(self, t: s.TypeExpr, declaring: bool) -> ir.Type | None:
        if isinstance(t, s.IrType):  # generated (process.py): a program counter's labels
            return t.type
        if isinstance(t, s.OwnerType):
            return self.owner_type
        if isinstance(t, s.SetType):
            return self._set_type(t, declaring)
        if isinstance(t, (s.SeqType, s.RecType)):
            return self._struct_type(t, declaring)  # type: ignore[return-value]
        if isinstance(t, s.FunType):
            dom = self._type(t.dom, declaring)
            cod = self._type(t.cod, declaring)
            if dom is None or cod is None:
                return None
            if ir.structured(dom):
                self.error("HP126", "a function's domain must be bool, a range or an enum",
                           t.dom.span)
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
            if ir.structured(cod):
                return ir.UFunT(dom, cod)  # type: ignore[arg-type, return-value]
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
            case s.SetDomain():
                self.error("HP004", "expected a domain: a type name, 'bool', a range 'a..b' or "
                           "'{a, b}'", d.span, Note(
                               "a set-valued expression may follow `in` in a membership test, a "
                               "quantifier or a set comprehension, not here"))
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
            case s.AtLabel():
                return self._at_label(e, ctx)
            case s.IrLit():  # generated (process.py): a label
                return ir.Lit(e.value, e.type)
            case s.LockValue():
                return self._lock_value(e, ctx)
            case s.GenVar():
                entry = self.names.get(e.name)
                if not isinstance(entry, _StateVar):
                    return _POISON  # the lock's declaration failed: reported there
                return ir.Var(e.name, entry.type)
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
                if ir.structured(ft):
                    return self._index_structured(fn, idx, it, e)
                if ir.is_set(ft):
                    self.error("HP465", "a set is not indexed: write `x in S` for membership",
                               e.fn.span)
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
                left, lt, right, rt = self._operands(e.left, e.right, ctx)
                if _err_type(lt) or _err_type(rt):
                    return _POISON
                if not _ushape(lt, rt):
                    self.error("HP125", f"cannot compare {_tname(lt)} with {_tname(rt)}", e.span)
                    return _POISON
                eq = _equal(left, right)
                return eq if e.op == "=" else ir.Not(eq)
            case s.Binary(op="<" | "<=" | ">" | ">="):
                left, lok = self._int(e.left, ctx)
                right, rok = self._int(e.right, ctx)
                return ir.Cmp(e.op, left, right) if lok and rok else _POISON
            case s.Binary(op="/" | "%"):
                return self._division(e, ctx)
            case s.LetIn():
                value, _ = self._expr(e.value, ctx)
                return self._expr_inner(e.body, ctx.with_local(
                    e.name, _Local(value, e.name_span, "let")))
            case s.Aggregate():
                return self._aggregate(e, ctx)
            case s.Call():
                return self._call(e, ctx)
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
            case s.Member() if isinstance(e.domain, s.SetDomain) \
                    and isinstance(e.domain.expr, s.SetLit):
                return self._member_of_literal(e, e.domain.expr, ctx)
            case s.Member() if self._names_set(e.domain, ctx):
                arg, at = self._expr(e.arg, ctx)
                so = self._set_operand(e.domain, ctx)
                if _err_type(at) or so is None or so[1] is None:
                    return _POISON
                return self._member(arg, at, so[0], so[1], e.span)
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
                then, tt, else_, et = self._operands(e.then, e.else_, ctx)
                if _err_type(tt) or _err_type(et):
                    return _POISON
                if not _ushape(tt, et):
                    self.error("HP125", f"the branches of 'if' have different types: {_tname(tt)} "
                               f"and {_tname(et)}", e.span)
                    return _POISON
                if ir.structured(tt):
                    return _sval(tt, [ir.Ite(cond, a, b, a.type) for a, b in
                                      zip(_leaf_exprs(then), _leaf_exprs(else_), strict=True)])
                t = ir.IntT() if isinstance(tt, ir.IntT) else tt
                return ir.Ite(cond, then, else_, t)
            case s.Quant() if self._names_set(e.domain, ctx):
                return self._set_quant(e, ctx)
            case s.Quant():
                return self._aggregate(e, ctx)
            case s.SetLit():
                return self._set_value(e, ctx, None)
            case s.SetComp():
                return self._set_comp(e, ctx)
            case s.Field():
                rec, rt = self._expr(e.rec, ctx)
                if _err_type(rt):
                    return _POISON
                return self._field(rec, rt, e.name, e.name_span)
            case s.RecLit():
                return self._rec_value(e, ctx, None)
            case s.SeqLit():
                return self._seq_value(e, ctx, None)
            case s.FunCons():
                return self._fun_cons(e, ctx, None)
        raise AssertionError(f"unknown expression {e!r}")  # pragma: no cover

    def _fun_cons(self, e: s.FunCons, ctx: _Ctx, want: object) -> ir.Expr:
        """`[x in D: body]`; `want`: the type the body should have (a set literal's)."""
        dom = self._domain(e.domain, ctx)
        if dom is None:
            return _POISON
        t, members = dom
        var = self._binder_name(e.var)  # NOTE(hygiene)
        inner = ctx.with_local(e.var, _Local(ir.Bound(var, t), e.var_span, "bound variable"))
        body, bt = self._expr_want(e.body, inner, want)
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
        if ir.structured(bt):  # NOTE(records): a function of records is a record of functions
            return _sval(ir.UFunT(dom_t, bt), [
                _binder(ir.Cons(var, members, leaf, ir.FunT(dom_t, leaf.type)))
                for leaf in _leaf_exprs(body)])
        cod = ir.IntT() if isinstance(bt, ir.IntT) else bt
        return _binder(ir.Cons(var, members, body, ir.FunT(dom_t, cod)))

    def _binder_name(self, name: str) -> str:
        """NOTE(hygiene): every quantified variable gets its own binder name, so that an
        argument or a let value substituted under a quantifier (a definition's body, a let's
        use) never meets a binder of the same name: `def p(i: Cpu) = forall j in Cpu: f[j]
        = i` used as `forall j in Cpu: p(j)`. Not an identifier: no clash with a name."""
        self.fresh += 1
        return f"{name}#{self.fresh}"

    def _quant(self, e: s.Quant | s.Aggregate, ctx: _Ctx, t: ir.Type,
               members: tuple[ir.Value, ...], bounds: tuple[ir.CoreExpr, ir.CoreExpr] | None,
               state_bounds: tuple[ir.CoreExpr, ir.CoreExpr] | None = None) -> ir.Expr:
        """forall/exists/count and sum/min/max/choose over members (or over `bounds` known
        once the binders are). `state_bounds`: a range that reads state, expanded over its
        static interval (members) with each value guarded by `lo <= x <= hi`."""
        var = self._binder_name(e.var)
        b = ir.Bound(var, t)
        inner = ctx.with_local(e.var, _Local(b, e.var_span, "bound variable"))
        guard: ir.Expr | None = None
        if state_bounds is not None:
            guard = ir.And((ir.Cmp("<=", _binder(state_bounds[0]), _binder(b)),
                            ir.Cmp("<=", _binder(b), _binder(state_bounds[1]))))
        kind = e.kind
        if kind in ("forall", "exists", "count", "choose"):
            body = self._bool(e.body, inner)
            if guard is not None:
                body = ir.Or((ir.Not(guard), body)) if kind == "forall" else ir.And((guard, body))
        else:
            body, ok = self._int(e.body, inner)
            if not ok:
                return _POISON
            if guard is not None and kind == "sum":
                body = ir.Ite(guard, body, ir.Lit(0, ir.IntT()), ir.IntT())
        if kind in ("min", "max", "choose") and not members and bounds is None:
            self.error("HP435", f"'{kind}' over an empty domain has no value", e.domain.span)
            return _POISON
        rt: ir.Type = (ir.BoolT() if kind in ("forall", "exists") else
                       t if kind == "choose" else ir.IntT())
        mm_guard = guard if kind in ("min", "max") else None
        return _binder(ir.Quant(kind, var, members, body, rt, bounds, mm_guard))

    def _state_range(self, e: s.Quant | s.Aggregate, ctx: _Ctx, lo: ir.CoreExpr,
                     hi: ir.CoreExpr) -> ir.Expr:
        """A quantified range whose bounds read state: its static interval, from the types."""
        assert isinstance(e.domain, s.RangeType)
        iv = self._static_interval(lo, hi, e.domain.span)
        if iv is None:
            return _POISON
        t = ir.IntT(iv[0], iv[1]) if iv[0] <= iv[1] else ir.IntT()
        return self._quant(e, ctx, t, tuple(range(iv[0], iv[1] + 1)), None, (lo, hi))

    def _static_interval(self, lo: ir.CoreExpr, hi: ir.CoreExpr,
                         span: Span) -> tuple[int, int] | None:
        lo_iv, hi_iv = _interval(lo), _interval(hi)
        if lo_iv is None or hi_iv is None:
            self.error("HP131", "the bounds of this range read state, and the types do not bound "
                       "their values", span,
                       Note("a range that reads state is expanded over every value its bounds "
                            "can take (from the variables' types), each one guarded"))
            return None
        first, last = lo_iv[0], hi_iv[1]
        if last - first + 1 > MAX_DOMAIN:
            self.error("HP128", f"this range can span {first}..{last}: {last - first + 1} "
                       f"values; an enumerated domain may have at most {MAX_DOMAIN}", span)
            return None
        return first, last

    # ---- definitions, let, aggregates, choice, division (dataA) -------------------------
    def _def(self, d: s.DefDecl) -> None:
        params: list[tuple[str, ir.Type]] = []
        locals_: dict[str, _Local] = {}
        for p in d.params:
            dom = self._domain(p.domain, _Ctx("parameter domain", state=False))
            if dom is None:
                continue
            if p.name in locals_:
                self.error("HP111", f"parameter '{p.name}' is declared twice", p.span)
            params.append((p.name, dom[0]))
            locals_[p.name] = _Local(ir.Bound(self._binder_name(p.name), dom[0]), p.span,
                                     "parameter")
        self.defining.add(d.name)  # NOTE(def): checked here once, and again at each use
        before = len(self.errors)
        self._expr(d.body, _Ctx(f"definition '{d.name}'", state=True, locals=locals_))
        self.defining.discard(d.name)
        if len(params) == len(d.params) and len(self.errors) == before:
            self._declare(d.name, _Def(d, tuple(params), d.name_span), d.name_span)
        else:
            self._declare(d.name, _Const(0, ERR, d.name_span), d.name_span)  # type: ignore[arg-type]

    def _use_def(self, entry: _Def, args: tuple[s.Expr, ...], span: Span, ctx: _Ctx) -> ir.Expr:
        """NOTE(def): a definition is expanded where it is used: its body is checked with
        each parameter standing for its argument (types must match the parameter's domain;
        for a range, any int), in the user's context (what it may read: an invariant may
        read state, a constant may not)."""
        d = entry.decl
        if len(args) != len(entry.params):
            self.error("HP430", f"'{d.name}' takes {len(entry.params)} argument"
                       f"{'' if len(entry.params) == 1 else 's'}, not {len(args)}", span,
                       Note("defined here", entry.span))
            return _POISON
        locals_: dict[str, _Local] = {}
        bad = False
        for (pname, pt), a in zip(entry.params, args, strict=True):
            ae, at = self._expr(a, ctx)
            if _err_type(at):
                bad = True
            elif not ir.same_shape(pt, at):
                self.error("HP431", f"argument '{pname}' of '{d.name}' must be {_tname(pt)}, "
                           f"not {_tname(at)}", a.span, Note("defined here", entry.span))
                bad = True
            locals_[pname] = _Local(ae, a.span, "parameter")
        if bad:
            return _POISON
        return self._expr_inner(d.body, _Ctx(ctx.what, ctx.state, locals_))

    def _call(self, e: s.Call, ctx: _Ctx) -> ir.Expr:
        entry = None if e.name in ctx.locals else self.names.get(e.name)
        if isinstance(entry, _Def):
            return self._use_def(entry, e.args, e.span, ctx)
        if isinstance(entry, _Const) and _err_type(entry.type):  # reported where declared
            return _POISON
        if e.name in self.defining:
            self.error("HP432", f"definition '{e.name}' uses itself: definitions cannot be "
                       "recursive", e.name_span)
            return _POISON
        # NOTE(builtins): a call names a definition, else a built-in: a variable or constant
        # of the same name (`var len: 0..3`) cannot be called, so it does not hide one
        builtin = e.name not in ctx.locals and not isinstance(entry, _Def)
        if builtin and e.name in ("min", "max"):
            if len(e.args) != 2:
                self.error("HP430", f"'{e.name}' takes 2 arguments, not {len(e.args)}", e.span)
                return _POISON
            (a, aok), (b, bok) = self._int(e.args[0], ctx), self._int(e.args[1], ctx)
            if not (aok and bok):
                return _POISON
            op = "<=" if e.name == "min" else ">="
            return ir.Ite(ir.Cmp(op, a, b), a, b, ir.IntT())
        if builtin and (e.name in _SET_CALLS or e.name in _SEQ_CALLS
                        or e.name in _FOREIGN_CALLS):
            return self._data_call(e, ctx)  # sets and sequences (dataB), or a TLA+ spelling
        for arg in e.args:
            self._expr(arg, ctx)
        if entry is None and e.name not in ctx.locals:
            self._undeclared(e.name, e.name_span)
        else:
            what = ctx.locals[e.name].kind if e.name in ctx.locals else _kind(entry)  # type: ignore[arg-type]
            self.error("HP433", f"'{e.name}' is a {what}, not a definition: it cannot be "
                       "called", e.name_span)
        return _POISON

    def _aggregate(self, e: s.Quant | s.Aggregate, ctx: _Ctx) -> ir.Expr:
        """A quantifier or aggregate over a domain: a range (whose bounds may be known only
        once the binders are, or may read state) or a type."""
        if isinstance(e.domain, s.RangeType):
            bounds = self._range_bounds(e.domain, ctx)
            if bounds is None:
                return _POISON
            lo, hi = bounds
            if not (isinstance(lo, ir.Lit) and isinstance(hi, ir.Lit)):
                if _reads_state(lo) or _reads_state(hi):
                    return self._state_range(e, ctx, lo, hi)
                return self._quant(e, ctx, ir.IntT(), (), (lo, hi))
            assert isinstance(lo.value, int) and isinstance(hi.value, int)
            ints = tuple(range(lo.value, hi.value + 1))
            return self._quant(e, ctx, ir.IntT(ints[0], ints[-1]) if ints else ir.IntT(),
                               ints, None)
        dom = self._domain(e.domain, ctx)
        if dom is None:
            return _POISON
        return self._quant(e, ctx, dom[0], dom[1], None)

    def _division(self, e: s.Binary, ctx: _Ctx) -> ir.Expr:
        """NOTE(division): a constant divisor must be positive (HP434); any other is guarded,
        and a step that divides by a value <= 0 is a `types` violation (NOTE(fault))."""
        left, lok = self._int(e.left, ctx)
        right, rok = self._int(e.right, ctx)
        if not (lok and rok):
            return _POISON
        v = _fold_const(right)
        if isinstance(v, int):
            if v <= 0:
                self.error("HP434", f"the divisor of '{e.op}' is {v}; it must be positive "
                           "(as for TLA+'s \\div and %)", e.right.span)
                return _POISON
            return ir.Arith(e.op, left, right)
        return ir.Ite(ir.Cmp(">", right, ir.Lit(0, ir.IntT())), ir.Arith(e.op, left, right),
                      fault(ir.IntT()), ir.IntT())

    def _pick(self, st: s.Pick, ctx: _Ctx, assigned: set[str]) -> list[ir.Stmt]:
        """NOTE(pick): `x'[i] in S` is a hidden action parameter v over S (over the static
        interval of a range that reads state, guarded by `require v in S`) and the write
        `x'[i] = v`: the trace shows the chosen value as an ordinary write. The parameter's
        name is no identifier, and labels and JSON leave it out."""
        name = f"{st.var}'{self._next_hidden()}"
        guard: ir.Expr | None = None
        if isinstance(st.domain, s.RangeType):
            bounds = self._range_bounds(st.domain, ctx)
            if bounds is None:
                return []
            lo, hi = bounds
            if isinstance(lo, ir.Lit) and isinstance(hi, ir.Lit):
                assert isinstance(lo.value, int) and isinstance(hi.value, int)
                if hi.value - lo.value + 1 > MAX_DOMAIN:
                    self.error("HP128", f"the range {lo.value}..{hi.value} has "
                               f"{hi.value - lo.value + 1} values; a choice `x' in S` may have "
                               f"at most {MAX_DOMAIN}", st.domain.span)
                    return []
                members: tuple[ir.Value, ...] = tuple(range(lo.value, hi.value + 1))
                t: ir.Type = ir.IntT(lo.value, hi.value) if members else ir.IntT()
            else:
                iv = self._static_interval(lo, hi, st.domain.span)
                if iv is None:
                    return []
                members = tuple(range(iv[0], iv[1] + 1))
                t = ir.IntT(iv[0], iv[1]) if members else ir.IntT()
                b = _binder(ir.Bound(name, t))
                guard = ir.And((ir.Cmp("<=", _binder(lo), b), ir.Cmp("<=", b, _binder(hi))))
        elif self._names_set(st.domain, ctx):  # `x' in S`, S a set: over S's element domain
            so = self._set_operand(st.domain, ctx)
            if so is None or so[1] is None:
                return []
            t = so[1].dom
            members = t.values()
            guard = self._member(_binder(ir.Bound(name, t)), t, so[0], so[1], st.domain.span)
        else:
            dom = self._domain(st.domain, ctx)
            if dom is None:
                return []
            t, members = dom
            if isinstance(t, ir.EnumT):
                members = tuple(ir.EnumValue(m) for m in members)  # type: ignore[arg-type]
        self.hidden.append(Param(name, t, members))
        inner = ctx.with_local(name, _Local(ir.Bound(name, t), st.span, "parameter"))
        a = self._assign(s.Assign(st.var, st.indices, s.Name(name, st.domain.span), st.span,
                                  st.target_span), inner, assigned)
        if a is None:
            return []
        out: list[ir.Stmt] = [ir.Require(guard)] if guard is not None else []
        return [*out, a]

    def _next_hidden(self) -> int:
        self.fresh += 1
        return self.fresh

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
                if entry.lock:
                    self.error("HP411", f"'{e.name}' is a lock, not a value: only lock() and "
                               "unlock() use it", e.span,
                               Note("to state who may hold it, keep a variable beside it; a "
                                    "release by a non-owner breaks the built-in invariant "
                                    "`locks`"))
                    return _POISON
                if not ctx.state:
                    self.error("HP130", f"{ctx.what} cannot read state variable '{e.name}'", e.span)
                    return _POISON
                if ir.structured(entry.type):
                    return _sval(entry.type, [ir.Var(e.name + suf, lt)
                                              for suf, lt in ir.leaves(entry.type)])
                return ir.Var(e.name, entry.type)
            case _Def():
                return self._use_def(entry, (), e.span, ctx)
            case None if e.name in self.defining:
                self.error("HP432", f"definition '{e.name}' uses itself: definitions cannot be "
                           "recursive", e.span)
                return _POISON
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
            hint = _FOREIGN_CALLS.get(name)  # data (dataB): `SUBSET S`, `Len` without a call
            self.error("HP110", f"'{name}' is not declared", span,
                       *((Note(f"TLA+ spelling? {hint}"),) if hint else ()))

    # ---- data: sets (dataB). NOTE(sets) in ir.py: a set of D is a function D -> bool ------
    def _set_type(self, t: s.SetType, declaring: bool) -> ir.FunT | None:
        et = self._type(t.elem, declaring)
        if et is None:
            return None
        if isinstance(et, ir.FunT) or ir.structured(et):
            self.error("HP466", f"the elements of a set are bool, a range or an enum, not "
                       f"{_tname(et)}", t.elem.span)
            return None
        if not self._nonempty(et, t.elem.span):
            return None
        if isinstance(et, ir.IntT) and et.lo is not None and et.hi is not None \
                and et.hi - et.lo + 1 > MAX_DOMAIN:
            self.error("HP128", f"a set of {et} would have {et.hi - et.lo + 1} cells; a set's "
                       f"element domain may have at most {MAX_DOMAIN} values", t.elem.span)
            return None
        return ir.FunT(et, ir.BoolT(), ir.Shape.SET)

    def _names_set(self, d: s.Domain, ctx: _Ctx) -> bool:
        """Is this domain (after `in`) a set-valued expression rather than a type?"""
        if isinstance(d, s.SetDomain):
            return True
        if not isinstance(d, s.TypeName):
            return False
        local = ctx.locals.get(d.name)
        if local is not None:
            return ir.is_set(local.expr.type)
        entry = self.names.get(d.name)
        return isinstance(entry, (_StateVar, _Const)) and ir.is_set(entry.type)

    def _set_operand(self, d: s.Domain, ctx: _Ctx) -> tuple[ir.Expr, ir.FunT | None] | None:
        """The set a domain names (its type None after an error), or None for a type."""
        if isinstance(d, s.SetDomain):
            e: s.Expr = d.expr
        elif isinstance(d, s.TypeName) and self._names_set(d, ctx):
            e = s.Name(d.name, d.span)
        else:
            return None
        out, t = self._expr(e, ctx)
        if _err_type(t):
            return out, None
        if not ir.is_set(t):
            self.error("HP461", f"expected a set here, found {_tname(t)}", d.span)
            return out, None
        assert isinstance(t, ir.FunT)
        return out, t

    def _member(self, arg: ir.Expr, at: ir.Type, sexpr: ir.Expr, st: ir.FunT,
                span: Span) -> ir.Expr:
        """`arg in S`: S's entry at arg; false (no read error) for a value outside S's element
        domain, as in TLA+."""
        dom = st.dom
        if not ir.same_shape(at, dom):
            self.error("HP125", f"cannot test whether {_tname(at)} is in {_tname(st)}", span)
            return _POISON
        read = ir.Index(sexpr, arg, ir.BoolT())
        if isinstance(dom, ir.IntT) and not _within(at, dom):
            return ir.And((ir.Member(arg, dom.values()), read))
        return read

    def _member_of_literal(self, e: s.Member, lit: s.SetLit, ctx: _Ctx) -> ir.Expr:
        """`x in {a, b}`: x = a or x = b (no element domain needed)."""
        arg, at = self._expr(e.arg, ctx)
        out: list[ir.Expr] = []
        for item in lit.items:
            x, xt = self._expr(item, ctx)
            if _err_type(xt) or _err_type(at):
                return _POISON
            if not ir.same_shape(at, xt):
                self.error("HP125", f"cannot test whether {_tname(at)} is in a set holding "
                           f"{_tname(xt)}", item.span)
                return _POISON
            out.append(ir.Eq(arg, x))
        return ir.Or(tuple(out)) if out else ir.Lit(False, ir.BoolT())

    def _set_quant(self, e: s.Quant, ctx: _Ctx) -> ir.Expr:
        """`forall x in S: P` is `forall x in D: x in S implies P` (exists, count: `and`)."""
        so = self._set_operand(e.domain, ctx)
        if so is None or so[1] is None:
            return _POISON
        sexpr, st = so[0], so[1]
        t = st.dom
        inner = ctx.with_local(e.var, _Local(ir.Bound(e.var, t), e.var_span, "bound variable"))
        body = self._bool(e.body, inner)
        guard = ir.Index(sexpr, _binder(ir.Bound(e.var, t)), ir.BoolT())
        guarded = ir.Or((ir.Not(guard), body)) if e.kind == "forall" else ir.And((guard, body))
        rt: ir.Type = ir.IntT() if e.kind == "count" else ir.BoolT()
        return _binder(ir.Quant(e.kind, e.var, t.values(), guarded, rt))

    def _set_comp(self, e: s.SetComp, ctx: _Ctx) -> ir.Expr:
        """`{x in D: P}`: the set of D's values where P holds, over D's whole type."""
        guard: ir.Expr | None = None
        t: ir.Type
        members: tuple[ir.Value, ...]
        if self._names_set(e.domain, ctx):
            so = self._set_operand(e.domain, ctx)
            if so is None or so[1] is None:
                return _POISON
            t = so[1].dom
            members = t.values()
            guard = ir.Index(so[0], _binder(ir.Bound(e.var, t)), ir.BoolT())
        else:
            dom = self._domain(e.domain, ctx)
            if dom is None:
                return _POISON
            t, members = dom
            if isinstance(t, ir.EnumT) and members != t.members:
                guard = ir.Member(_binder(ir.Bound(e.var, t)), members)
                members = cast(tuple[ir.Value, ...], t.members)
            if isinstance(t, ir.IntT):
                if not members:
                    self.error("HP127", "a set over an empty domain", e.domain.span)
                    return _POISON
                t = ir.IntT(members[0], members[-1])  # type: ignore[arg-type]
        inner = ctx.with_local(e.var, _Local(ir.Bound(e.var, t), e.var_span, "bound variable"))
        body = self._bool(e.body, inner)
        if guard is not None:
            body = ir.And((guard, body))
        st = ir.FunT(t, ir.BoolT(), ir.Shape.SET)  # type: ignore[arg-type]
        return _binder(ir.Cons(e.var, members, body, st))

    def _expr_want(self, e: s.Expr, ctx: _Ctx, want: object) -> tuple[ir.Expr, ir.Type]:
        """e, where a set literal takes its element domain from `want` (a set type)."""
        if isinstance(e, s.SetLit):
            out = self._set_value(e, ctx, want if ir.is_set(want) else None)  # type: ignore[arg-type]
            return out, out.type
        if isinstance(e, s.FunCons) and isinstance(want, (ir.FunT, ir.UFunT)) \
                and not ir.is_set(want):
            out = self._fun_cons(e, ctx, want.cod)
            return out, out.type
        if isinstance(e, s.SeqLit):
            out = self._seq_value(e, ctx, want if isinstance(want, ir.SeqT) else None)
            return out, out.type
        if isinstance(e, s.RecLit):
            out = self._rec_value(e, ctx, want if isinstance(want, ir.RecT) else None)
            return out, out.type
        return self._expr(e, ctx)

    def _operands(self, a: s.Expr, b: s.Expr, ctx: _Ctx
                  ) -> tuple[ir.Expr, ir.Type, ir.Expr, ir.Type]:
        """Two operands of one type (`=`, `!=`, `if`'s branches): a set literal takes the
        other side's element domain; sets over two ranges are compared over their hull."""
        if isinstance(a, (s.SetLit, s.SeqLit, s.RecLit)) \
                and not isinstance(b, (s.SetLit, s.SeqLit, s.RecLit)):
            eb, tb = self._expr(b, ctx)
            ea, ta = self._expr_want(a, ctx, tb)
        else:
            ea, ta = self._expr(a, ctx)
            eb, tb = self._expr_want(b, ctx, ta)
        if ir.is_set(ta) and ir.is_set(tb) and not ir.same_shape(ta, tb):
            hull = _hull([ta, tb])  # type: ignore[list-item]
            if hull is not None:
                return self._widen(ea, ta, hull), hull, self._widen(eb, tb, hull), hull  # type: ignore[arg-type]
        return ea, ta, eb, tb

    def _widen(self, e: ir.Expr, t: ir.FunT, to: ir.FunT) -> ir.Expr:
        """A set over a range, as a set over a wider range (the new values are not in it)."""
        if t.dom.values() == to.dom.values() or not isinstance(t.dom, ir.IntT) \
                or not isinstance(to.dom, ir.IntT) or not _within(t.dom, to.dom):
            return e  # the same, or not wider: the caller reports a mismatch
        items = tuple(ir.Index(e, ir.Lit(d, t.dom), ir.BoolT()) if t.dom.contains(d)
                      else ir.Lit(False, ir.BoolT()) for d in to.dom.values())
        return ir.FunLit(items, to)

    def _set_value(self, e: s.SetLit, ctx: _Ctx, want: ir.FunT | None) -> ir.Expr:
        """`{a, b}` as a set of want's element domain (or one told by the elements)."""
        items = [self._expr(x, ctx) for x in e.items]
        if any(_err_type(t) for _, t in items):
            return _POISON
        if want is None:
            want = self._literal_type(e, items)
            if want is None:
                return _POISON
        dom = want.dom
        dvals: tuple[ir.Value, ...] = dom.values()
        checked: list[ir.Expr] = []
        for (x, t), src in zip(items, e.items, strict=True):
            if not ir.same_shape(t, dom):
                self.error("HP464", f"{_tname(want)} cannot hold {_tname(t)}", src.span)
                return _POISON
            if isinstance(dom, ir.IntT) and not _within(t, dom):
                v = _fold_const(x)
                if isinstance(v, int) and not isinstance(v, bool):
                    if not dom.contains(v):
                        self.error("HP464", f"{v} is not in {dom}, the elements of {_tname(want)}",
                                   src.span)
                        return _POISON
                else:  # NOTE(sets): an element outside the domain reads outside it: `types`
                    ident = ir.Lit(dvals, ir.FunT(dom, dom))
                    x = ir.Index(ident, x, dom)
            checked.append(x)
        cells = tuple(ir.Or(tuple(ir.Eq(x, ir.Lit(d, dom)) for x in checked)) if checked
                      else ir.Lit(False, ir.BoolT()) for d in dvals)
        return ir.FunLit(cells, want)

    def _literal_type(self, e: s.SetLit, items: list[tuple[ir.Expr, ir.Type]]) -> ir.FunT | None:
        """The type of a set literal with nothing else to go by: its elements' domain (the
        enum, bool, or the range spanning its int elements)."""
        if not items:
            self.error("HP463", "cannot tell the element type of `{}` here", e.span,
                       Note("compare or assign it to a set (`S = {}`), or write "
                            "`{x in D: false}`"))
            return None
        first = items[0][1]
        if isinstance(first, (ir.BoolT, ir.EnumT)):
            return ir.FunT(first, ir.BoolT(), ir.Shape.SET)
        if not isinstance(first, ir.IntT):
            self.error("HP466", f"the elements of a set are bool, a range or an enum, not "
                       f"{_tname(first)}", e.items[0].span)
            return None
        lo: int | None = None
        hi: int | None = None
        for (x, t), src in zip(items, e.items, strict=True):
            v = _fold_const(x)
            if isinstance(v, int) and not isinstance(v, bool):
                a, b = v, v
            elif isinstance(t, ir.IntT) and t.lo is not None and t.hi is not None:
                a, b = t.lo, t.hi
            else:
                self.error("HP463", "cannot tell the element domain of this set", src.span,
                           Note("its elements are ints of no known range: compare or assign "
                                "the set to a declared `set of a..b`"))
                return None
            lo = a if lo is None else min(lo, a)
            hi = b if hi is None else max(hi, b)
        assert lo is not None and hi is not None
        if hi - lo + 1 > MAX_DOMAIN:
            self.error("HP128", f"a set over {lo}..{hi} would have {hi - lo + 1} cells; at most "
                       f"{MAX_DOMAIN}", e.span)
            return None
        return ir.FunT(ir.IntT(lo, hi), ir.BoolT(), ir.Shape.SET)

    def _set_args(self, e: s.Call, ctx: _Ctx) -> tuple[list[ir.Expr], ir.FunT] | None:
        """The arguments of a set operation, all sets over one element domain."""
        first = next((a for a in e.args if not isinstance(a, s.SetLit)), None)
        want: ir.Type | None = None
        got: list[tuple[ir.Expr, ir.Type]] = []
        if first is not None:
            fe, want = self._expr(first, ctx)
        for a in e.args:
            got.append((fe, want) if a is first else self._expr_want(a, ctx, want))  # type: ignore[arg-type]
        if any(_err_type(t) for _, t in got):
            return None
        for (_, t), a in zip(got, e.args, strict=True):
            if not ir.is_set(t):
                self.error("HP461", f"{e.name}() takes sets, not {_tname(t)}", a.span)
                return None
        types = [t for _, t in got]
        hull = _hull(types)  # type: ignore[arg-type]
        if hull is None:
            self.error("HP462", f"{e.name}() of sets over different elements: "
                       + ", ".join(_tname(t) for t in types), e.span)
            return None
        return [self._widen(x, t, hull) for x, t in got], hull  # type: ignore[arg-type]

    def _data_call(self, e: s.Call, ctx: _Ctx) -> ir.Expr:
        """The built-in set operations, called by name (the names stay ordinary names)."""
        if e.name in _SEQ_CALLS and e.name not in ctx.locals:
            return self._seq_call(e, ctx)
        arity = _SET_CALLS.get(e.name)
        if arity is None or e.name in ctx.locals:
            hint = _FOREIGN_CALLS.get(e.name)
            self.error("HP460", f"'{e.name}' is not a function"
                       + (f"; {hint}" if hint else ""), e.name_span,
                       Note("the built-in functions are "
                            + ", ".join(f"{n}()" for n in (*_SET_CALLS, *_SEQ_CALLS))))
            for a in e.args:
                self._expr(a, ctx)
            return _POISON
        lo, hi = arity
        if not lo <= len(e.args) <= hi:
            want = f"{lo}" if lo == hi else f"at least {lo}"
            self.error("HP461", f"{e.name}() takes {want} argument{'s' if lo > 1 else ''}, "
                       f"not {len(e.args)}", e.span)
            return _POISON
        got = self._set_args(e, ctx)
        if got is None:
            return _POISON
        args, st = got
        dom = st.dom
        cells = [[ir.Index(a, ir.Lit(d, dom), ir.BoolT()) for a in args] for d in dom.values()]
        match e.name:
            case "card":
                return ir.Count(tuple(c[0] for c in cells))
            case "subset":
                return ir.And(tuple(ir.Or((ir.Not(c[0]), c[1])) for c in cells))
            case "union":
                return ir.FunLit(tuple(ir.Or(tuple(c)) for c in cells), st)
            case "inter":
                return ir.FunLit(tuple(ir.And(tuple(c)) for c in cells), st)
        return ir.FunLit(tuple(ir.And((c[0], ir.Not(c[1]))) for c in cells), st)  # minus

    # ---- data: records and sequences (dataB). NOTE(records) in ir.py ---------------------
    def _struct_type(self, t: s.SeqType | s.RecType, declaring: bool) -> object | None:
        if isinstance(t, s.RecType):
            fields: list[tuple[str, object]] = []
            for (name, ft), sp in zip(t.fields, t.field_spans, strict=True):
                if any(n == name for n, _ in fields):
                    self.error("HP468", f"field '{name}' appears twice", sp)
                    return None
                sub = self._type(ft, declaring)
                if sub is None:
                    return None
                if not self._nonempty(sub, ft.span):  # type: ignore[arg-type]
                    return None
                fields.append((name, sub))
            return ir.RecT(tuple(fields))
        n = self._const_int(t.bound, _Ctx("sequence bound", state=False))
        elem = self._type(t.elem, declaring)
        if n is None or elem is None:
            return None
        if not 1 <= n <= MAX_DOMAIN:
            self.error("HP467", f"a sequence holds 1 to {MAX_DOMAIN} elements, not {n}",
                       t.bound.span)
            return None
        if not self._nonempty(elem, t.elem.span):
            return None
        return ir.SeqT(n, elem)

    def _declare_structured(self, d: s.VarDecl) -> bool:
        """A variable of a record or sequence type (or a function of them): its leaves
        become the state variables; True if d was one (handled here)."""
        if not _may_be_structured(d.type, self.names):
            return False
        t = self._type(d.type, declaring=True)
        if t is None:
            return True
        if not ir.structured(t):  # a type name that turned out plain: declare it as usual
            self._declare(d.name, _StateVar(t, d.name_span), d.name_span)
            self.vars.append(ir.StateVar(d.name, t))
            return True
        cells = sum(_cells(lt) for _, lt in ir.leaves(t))
        if cells > MAX_CELLS:
            self.error("HP128", f"variable '{d.name}' would have {cells} cells; a variable may "
                       f"have at most {MAX_CELLS}", d.type.span)
            return True
        self._declare(d.name, _StateVar(t, d.name_span), d.name_span)  # type: ignore[arg-type]
        leaves = [ir.Var(d.name + suf, lt) for suf, lt in ir.leaves(t)]
        self.vars.extend(ir.StateVar(v.name, v.type) for v in leaves)
        self.views.append(ir.View(d.name, t))
        self.init.extend(_canonical(_sval(t, leaves)))  # type: ignore[arg-type]
        return True

    def _field(self, rec: ir.Expr, rt: object, name: str, span: Span) -> ir.Expr:
        if not isinstance(rt, ir.RecT):
            self.error("HP468", f"'.{name}': {_tname(rt)} is not a record", span)
            return _POISON
        got = _field_of(rec, rt, name)
        if got is None:
            self.error("HP468", f"the record {rt} has no field '{name}'", span)
            return _POISON
        return got

    def _index_structured(self, fn: ir.Expr, idx: ir.Expr, it: ir.Type, e: s.Index) -> ir.Expr:
        ft = fn.type
        if isinstance(ft, ir.SeqT):
            if not isinstance(it, ir.IntT):
                self.error("HP124", f"a sequence's index is an int, not {_tname(it)}", e.index.span)
                return _POISON
            return _seq_at(fn, idx)
        if isinstance(ft, ir.UFunT):
            if not ir.same_shape(ft.dom, it):
                self.error("HP124", f"the index is {_tname(it)}, but the function's domain is "
                           f"{ft.dom}", e.index.span)
                return _POISON
            return _index_sv(fn, idx)
        self.error("HP123", f"cannot index {_tname(ft)}: only functions can be indexed",
                   e.fn.span)
        return _POISON

    def _seq_value(self, e: s.SeqLit, ctx: _Ctx, want: ir.SeqT | None) -> ir.Expr:
        """`[a, b]` as a sequence of want's type (or of its elements' type)."""
        items = [self._expr_want(x, ctx, want.elem if want else None) for x in e.items]
        if any(_err_type(t) for _, t in items):
            return _POISON
        if want is None:
            if not items:
                self.error("HP463", "cannot tell the element type of `[]` here", e.span,
                           Note("compare or assign it to a sequence (`q = []`)"))
                return _POISON
            first = items[0][1]
            want = ir.SeqT(len(items), ir.IntT(0, 0) if isinstance(first, ir.IntT) else first)
        if len(items) > want.bound:
            self.error("HP469", f"{len(items)} elements do not fit in {_tname(want)}", e.span)
            return _POISON
        for (_, t), src in zip(items, e.items, strict=True):
            if not _ushape(t, want.elem):
                self.error("HP464", f"{_tname(want)} cannot hold {_tname(t)}", src.span)
                return _POISON
        n = want.bound
        defaults = [_default_leaf(lt) for _, lt in ir.leaves(want.elem)]
        cols = [_leaf_exprs(x) for x, _ in items]
        leaves_: list[ir.Expr] = [ir.Lit(len(items), ir.IntT(0, n))]
        for k, (_, lt) in enumerate(ir.leaves(want.elem)):
            cells = tuple(cols[i][k] if i < len(cols) else defaults[k] for i in range(n))
            leaves_.append(ir.FunLit(cells, ir.FunT(ir.IntT(1, n), lt)))
        return _sval(want, leaves_)

    def _rec_value(self, e: s.RecLit, ctx: _Ctx, want: ir.RecT | None) -> ir.Expr:
        """`[a: 1, b: x]`, or `[r with a: 1]`."""
        base: ir.Expr | None = None
        if e.base is not None:
            base, bt = self._expr_want(e.base, ctx, want)
            if _err_type(bt):
                return _POISON
            if not isinstance(bt, ir.RecT):
                self.error("HP468", f"'with' updates a record, not {_tname(bt)}", e.base.span)
                return _POISON
            want = bt
        got: dict[str, tuple[ir.Expr, object]] = {}
        for (name, x), sp in zip(e.fields, e.field_spans, strict=True):
            fwant = dict(want.fields).get(name) if want is not None else None
            if want is not None and fwant is None:
                self.error("HP468", f"the record {want} has no field '{name}'", sp)
                return _POISON
            if name in got:
                self.error("HP468", f"field '{name}' appears twice", sp)
                return _POISON
            ex, xt = self._expr_want(x, ctx, fwant)  # type: ignore[arg-type]
            if _err_type(xt):
                return _POISON
            if fwant is not None and not _ushape(xt, fwant):
                self.error("HP125", f"field '{name}' is {_tname(fwant)}, not {_tname(xt)}",
                           x.span)
                return _POISON
            got[name] = (ex, xt)
        if want is None:
            want = ir.RecT(tuple((n, t) for n, (_, t) in got.items()))
        elif base is None and set(got) != {n for n, _ in want.fields}:
            missing = [n for n, _ in want.fields if n not in got]
            self.error("HP468", f"the record literal lacks field{'s' if len(missing) > 1 else ''} "
                       + ", ".join(f"'{n}'" for n in missing) + f" of {want}", e.span)
            return _POISON
        out: list[ir.Expr] = []
        for name, _ in want.fields:
            if name in got:
                out.extend(_leaf_exprs(got[name][0]))
            else:
                assert base is not None
                out.extend(_leaf_exprs(_field_of(base, want, name)))  # type: ignore[arg-type]
        return _sval(want, out)

    def _seq_call(self, e: s.Call, ctx: _Ctx) -> ir.Expr:
        n_args = _SEQ_CALLS[e.name]
        if len(e.args) != n_args:
            self.error("HP461", f"{e.name}() takes {n_args} argument{'s' if n_args > 1 else ''}, "
                       f"not {len(e.args)}", e.span)
            return _POISON
        sq, st = self._expr(e.args[0], ctx)
        if _err_type(st):
            return _POISON
        if not isinstance(st, ir.SeqT):
            self.error("HP461", f"{e.name}() takes a sequence, not {_tname(st)}", e.args[0].span)
            return _POISON
        leaves_ = _leaf_exprs(sq)
        length, items = leaves_[0], leaves_[1:]
        n = st.bound
        match e.name:
            case "len":
                return length
            case "head":
                return _seq_at(sq, ir.Lit(1, ir.IntT()))
            case "tail":
                new_items: list[ir.Expr] = []
                for it in items:
                    ft = it.type
                    assert isinstance(ft, ir.FunT)
                    cells: list[ir.Expr] = [ir.Index(it, ir.Lit(i + 1, ft.dom), ft.cod)
                                            for i in range(1, n)]
                    new_items.append(ir.FunLit((*cells, _default_leaf(ft.cod)), ft))
                return _sval(st, [_in_length(ir.Arith("-", length, ir.Lit(1, ir.IntT())), n),
                                  *new_items])
        x, xt = self._expr_want(e.args[1], ctx, st.elem)  # append
        if _err_type(xt):
            return _POISON
        if not _ushape(xt, st.elem):
            self.error("HP464", f"{_tname(st)} cannot hold {_tname(xt)}", e.args[1].span)
            return _POISON
        new_items = []
        for it, xl in zip(items, _leaf_exprs(x), strict=True):
            ft = it.type
            assert isinstance(ft, ir.FunT)
            new_items.append(ir.FunLit(tuple(
                ir.Ite(ir.Eq(length, ir.Lit(i - 1, ir.IntT())), xl,
                       ir.Index(it, ir.Lit(i, ft.dom), ft.cod), ft.cod)
                for i in range(1, n + 1)), ft))
        return _sval(st, [_in_length(ir.Arith("+", length, ir.Lit(1, ir.IntT())), n),
                          *new_items])

    def _assign_structured(self, st: s.Assign, t: object, ctx: _Ctx) -> ir.Stmt | None:
        """`r' = e`, `r'.a = e`, `f'[i].a = e`, `q'[i] = e`: one assignment per leaf."""
        places: list[tuple[str, list[ir.Expr], ir.Type]] = [
            (st.var + suf, [], lt) for suf, lt in ir.leaves(t)]
        cur = t
        for step in st.indices:
            if isinstance(step, s.FieldStep):
                if not isinstance(cur, ir.RecT):
                    self.error("HP468", f"'.{step.name}': {_tname(cur)} is not a record", step.span)
                    return None
                start = 0
                for name, ft in cur.fields:
                    width = len(ir.leaves(ft))
                    if name == step.name:
                        places = places[start:start + width]
                        cur = ft
                        break
                    start += width
                else:
                    self.error("HP468", f"the record {cur} has no field '{step.name}'", step.span)
                    return None
                continue
            idx, it = self._expr(step, ctx)
            if _err_type(it):
                return None
            if isinstance(cur, ir.SeqT):
                if not isinstance(it, ir.IntT):
                    self.error("HP124", f"a sequence's index is an int, not {_tname(it)}", step.span)
                    return None
                name, path, _ = places[0]  # the length, at the same place, in the current state
                length = _length_at(ir.Var(name, _outer_type(t, name, st.var)), path)
                guarded = _seq_index(idx, length)
                places = [(n, [*p, guarded], lt.cod) for n, p, lt in places[1:]]  # type: ignore[union-attr]
                cur = cur.elem
            elif isinstance(cur, (ir.UFunT, ir.FunT)) and not ir.is_set(cur):
                if not ir.same_shape(cur.dom, it):
                    self.error("HP124", f"the index is {_tname(it)}, but the function's domain is "
                               f"{cur.dom}", step.span)
                    return None
                places = [(n, [*p, idx], lt.cod) for n, p, lt in places]  # type: ignore[union-attr]
                cur = cur.cod
            else:
                self.error("HP143", f"too many indices: '{st.var}' has type {t}", st.target_span)
                return None
        value, vt = self._expr_want(st.value, ctx, cur)  # type: ignore[arg-type]
        if _err_type(vt):
            return None
        if not _ushape(cur, vt):
            self.error("HP120", f"cannot assign {_tname(vt)} to this part of '{st.var}', which is "
                       f"{_tname(cur)}", st.value.span)
            return None
        stmts = tuple(ir.Assign(n, tuple(p), v)
                      for (n, p, _), v in zip(places, _leaf_exprs(value), strict=True))
        return stmts[0] if len(stmts) == 1 else ir.If(ir.Lit(True, ir.BoolT()), stmts, ())


# NOTE(records): a record or sequence value inside the checker is an `_SVal`: its type and
# its leaves (IR expressions, one per flat variable of that type). It never leaves the
# checker: every operation on it (field, index, `=`, `if`, assignment) works leaf by leaf.
@dataclass(frozen=True, slots=True)
class _SVal:
    type: object
    leaves: tuple[ir.Expr, ...]


def _sval(t: object, leaves: list[ir.Expr]) -> ir.Expr:
    return cast(ir.Expr, _SVal(t, tuple(leaves)))


def _leaf_exprs(e: object) -> list[ir.Expr]:
    return list(e.leaves) if isinstance(e, _SVal) else [cast(ir.Expr, e)]


def _wrap(t: object, leaves: list[ir.Expr]) -> ir.Expr:
    return _sval(t, leaves) if ir.structured(t) else leaves[0]


def _ushape(a: object, b: object) -> bool:
    if isinstance(a, ir.RecT) and isinstance(b, ir.RecT):
        return [n for n, _ in a.fields] == [n for n, _ in b.fields] and all(
            _ushape(x, y) for (_, x), (_, y) in zip(a.fields, b.fields, strict=True))
    if isinstance(a, ir.SeqT) and isinstance(b, ir.SeqT):
        return a.bound == b.bound and _ushape(a.elem, b.elem)
    if isinstance(a, ir.UFunT) and isinstance(b, ir.UFunT):
        return a.dom.values() == b.dom.values() and _ushape(a.cod, b.cod)
    if ir.structured(a) or ir.structured(b):
        return False
    return ir.same_shape(a, b)  # type: ignore[arg-type]


def _equal(a: ir.Expr, b: ir.Expr) -> ir.Expr:
    if isinstance(a, _SVal) or isinstance(b, _SVal):
        return ir.And(tuple(ir.Eq(x, y) for x, y in
                            zip(_leaf_exprs(a), _leaf_exprs(b), strict=True)))
    return ir.Eq(a, b)


def _field_of(rec: ir.Expr, rt: ir.RecT, name: str) -> ir.Expr | None:
    leaves = _leaf_exprs(rec)
    start = 0
    for n, ft in rt.fields:
        width = len(ir.leaves(ft))
        if n == name:
            return _wrap(ft, leaves[start:start + width])
        start += width
    return None


def _index_sv(fn: ir.Expr, idx: ir.Expr) -> ir.Expr:
    ft = fn.type
    assert isinstance(ft, ir.UFunT)
    return _wrap(ft.cod, [ir.Index(leaf, idx, leaf.type.cod)  # type: ignore[union-attr]
                          for leaf in _leaf_exprs(fn)])


def _seq_index(idx: ir.Expr, length: ir.Expr) -> ir.Expr:
    """idx if 1 <= idx <= length, else 0: outside the slots, so that reading or writing it is
    a read error (NOTE(read-error)), as TLC's error for s[i] past Len(s)."""
    ok = ir.And((ir.Cmp("<=", ir.Lit(1, ir.IntT()), idx), ir.Cmp("<=", idx, length)))
    return ir.Ite(ok, idx, ir.Lit(0, ir.IntT()), ir.IntT())


def _length_at(var: ir.Expr, path: list[ir.Expr]) -> ir.Expr:
    for p in path:
        t = var.type
        assert isinstance(t, ir.FunT)
        var = ir.Index(var, p, t.cod)
    return var


def _seq_at(sq: ir.Expr, idx: ir.Expr) -> ir.Expr:
    st = sq.type
    assert isinstance(st, ir.SeqT)
    leaves = _leaf_exprs(sq)
    at = _seq_index(idx, leaves[0])
    return _wrap(st.elem, [ir.Index(it, at, it.type.cod)  # type: ignore[union-attr]
                           for it in leaves[1:]])


def _in_length(e: ir.Expr, n: int) -> ir.Expr:
    """e, read through the identity on 0..n: a length past n (or below 0) is a read error,
    so that `append` to a full sequence (or `tail` of an empty one) violates `types`."""
    dom = ir.IntT(0, n)
    return ir.Index(ir.Lit(tuple(range(n + 1)), ir.FunT(dom, dom)), e, dom)


def _default_value(t: ir.Type) -> ir.Value:
    if isinstance(t, ir.FunT):
        return tuple(_default_value(t.cod) for _ in t.dom.values())
    if isinstance(t, ir.IntT):
        return t.lo if t.lo is not None else 0
    if isinstance(t, ir.EnumT):
        return t.members[0]
    return False


def _default_leaf(t: ir.Type) -> ir.Expr:
    return ir.Lit(_default_value(t), t)


def _canonical(v: ir.Expr) -> list[ir.Expr]:
    """NOTE(records): every sequence slot past the length holds its type's first value."""
    t = v.type
    out: list[ir.Expr] = []
    if isinstance(t, ir.SeqT):
        leaves = _leaf_exprs(v)
        for i in range(1, t.bound + 1):
            unused = [ir.Eq(ir.Index(it, ir.Lit(i, ir.IntT(1, t.bound)), it.type.cod),  # type: ignore[union-attr]
                            _default_leaf(it.type.cod)) for it in leaves[1:]]  # type: ignore[union-attr]
            out.append(ir.Or((ir.Cmp("<=", ir.Lit(i, ir.IntT()), leaves[0]), ir.And(tuple(unused)))))
            out.extend(_canonical(_seq_slot(v, i)))
    elif isinstance(t, ir.RecT):
        for name, _ in t.fields:
            out.extend(_canonical(_field_of(v, t, name)))  # type: ignore[arg-type]
    elif isinstance(t, ir.UFunT):
        for d in t.dom.values():
            out.extend(_canonical(_index_sv(v, ir.Lit(d, t.dom))))
    return out


def _seq_slot(sq: ir.Expr, i: int) -> ir.Expr:
    st = sq.type
    assert isinstance(st, ir.SeqT)
    return _wrap(st.elem, [ir.Index(it, ir.Lit(i, ir.IntT(1, st.bound)), it.type.cod)  # type: ignore[union-attr]
                           for it in _leaf_exprs(sq)[1:]])


def _outer_type(t: object, leaf: str, var: str) -> ir.Type:
    """The flat variable `leaf`'s type, for a variable `var` of type t."""
    return dict((var + suf, lt) for suf, lt in ir.leaves(t))[leaf]


def _may_be_structured(t: s.TypeExpr, names: Mapping[str, object]) -> bool:
    if isinstance(t, (s.SeqType, s.RecType)):
        return True
    if isinstance(t, s.FunType):
        return _may_be_structured(t.cod, names)
    if isinstance(t, s.TypeName):
        entry = names.get(t.name)
        return isinstance(entry, _TypeDef) and ir.structured(entry.type)
    return False


# NOTE(sets): built-ins are calls, not infix words: `S union T` cannot be parsed by LALR(1)
# without reserving `union` (an init item needs no `;`, so `init { a = S  union = ... }`
# would be ambiguous), and no new word may be reserved.
_SET_CALLS: dict[str, tuple[int, int]] = {
    "union": (2, 1 << 30), "inter": (2, 1 << 30), "minus": (2, 2), "subset": (2, 2),
    "card": (1, 1),
}
_FOREIGN_CALLS = {  # TLA+ spellings (HP460's hint)
    "Cardinality": "for the number of elements write `card(S)`",
    "SUBSET": "a variable over subsets of D is declared `var x: set of D`",
    "Union": "write `union(S, T)`", "UNION": "write `union(S, T)`",
    "Intersect": "write `inter(S, T)`", "Subset": "write `subset(S, T)` (S is a subset of T)",
    "Len": "write `len(s)`", "Head": "write `head(s)`", "Tail": "write `tail(s)`",
    "Append": "write `append(s, x)`", "Seq": "a bounded sequence type is `seq[N] of T`",
}
_SEQ_CALLS = {"len": 1, "head": 1, "tail": 1, "append": 2}


def _within(t: object, dom: ir.IntT) -> bool:
    """Does every value of int type t lie in dom?"""
    return isinstance(t, ir.IntT) and t.lo is not None and t.hi is not None \
        and dom.lo is not None and dom.hi is not None and dom.lo <= t.lo and t.hi <= dom.hi


def _hull(types: list[ir.FunT]) -> ir.FunT | None:
    """One set type for sets over the same elements, or over ranges (their hull)."""
    first = types[0]
    if all(ir.same_shape(t, first) for t in types):
        return first
    doms = [t.dom for t in types]
    if not all(isinstance(d, ir.IntT) and d.lo is not None and d.hi is not None for d in doms):
        return None
    lo = min(d.lo for d in doms)  # type: ignore[union-attr, type-var]
    hi = max(d.hi for d in doms)  # type: ignore[union-attr, type-var]
    return ir.FunT(ir.IntT(lo, hi), ir.BoolT(), ir.Shape.SET)


def _interval(e: ir.CoreExpr) -> tuple[int, int] | None:
    """Static bounds of an int expression from the types (None: unbounded)."""
    match e:
        case ir.Lit() if isinstance(e.value, int) and not isinstance(e.value, bool):
            return e.value, e.value
        case ir.Arith():
            a, b = _interval(e.left), _interval(e.right)
            if a is None or b is None:
                return None
            if e.op == "+":
                return a[0] + b[0], a[1] + b[1]
            if e.op == "-":
                return a[0] - b[1], a[1] - b[0]
            if e.op == "*":
                prods = [x * y for x in a for y in b]
                return min(prods), max(prods)
            m = max(abs(b[0]), abs(b[1]))
            return (0, m) if e.op == "%" else (min(a[0], -a[1], 0), max(a[1], -a[0], 0))
        case ir.Ite():
            a, b = _interval(e.then), _interval(e.else_)
            return None if a is None or b is None else (min(a[0], b[0]), max(a[1], b[1]))
        case ir.Count():
            return 0, len(e.args)
        case ir.Quant(kind="count"):
            return (0, len(e.members)) if e.bounds is None else None
        case ir.Quant(kind="sum" | "min" | "max") if e.bounds is None:
            b = _interval(e.body)
            if b is None:
                return None
            if e.kind != "sum":
                return b
            n = len(e.members)
            return min(0, n * b[0]), max(0, n * b[1])
    t = getattr(e, "type", None)
    if isinstance(t, ir.IntT) and t.lo is not None and t.hi is not None:
        return t.lo, t.hi
    return None


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
        case _Def():
            return "definition"
    return "name"  # pragma: no cover


def _tname(t: object) -> str:
    if isinstance(t, ir.IntT):
        return "an int" if t.lo is None else f"an int ({t})"
    if isinstance(t, ir.BoolT):
        return "a bool"
    if isinstance(t, ir.EnumT):
        return f"a value of {t}"
    if ir.is_set(t):
        return f"a {t}"
    if isinstance(t, ir.RecT):
        return f"a record {t}"
    if isinstance(t, ir.SeqT):
        return f"a sequence {t}"
    if isinstance(t, ir.FunT):
        return f"a function {t}"
    return str(t)


def _enum_literals(t: s.TypeExpr) -> Iterator[s.EnumType]:
    if isinstance(t, s.EnumType):
        yield t
    elif isinstance(t, s.FunType):
        yield from _enum_literals(t.dom)
        yield from _enum_literals(t.cod)
    elif isinstance(t, s.SetType):
        yield from _enum_literals(t.elem)
    elif isinstance(t, s.SeqType):
        yield from _enum_literals(t.elem)
    elif isinstance(t, s.RecType):
        for _, ft in t.fields:
            yield from _enum_literals(ft)


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
    return Checker(desugar(spec), overrides or {}).run()
