"""Processes and locks → ordinary variables, actions and invariants (one stage, before check).

A `process` is sequential code whose labels are its atomic steps; a `lock` is a variable
holding its owner. This module rewrites both, on the syntax tree, into what the rest of the
tool already knows, so that the checker, every engine, traces, JSON, ITF and the TLA+
export work unchanged:

    lock inode_lock                 var inode_lock: <owner>        (free, an instance, or
    lock page_lock: Page            var page_lock: Page -> <owner>  the bad-unlock value)
    process truncate(c: Cpu) {      var truncate.pc: Cpu -> {start, enqueue, done}
      local n: 0..3 = 0             var truncate.n: Cpu -> 0..3
      start: ...                    action truncate.start(c: Cpu) by c {
      enqueue: ...                    require truncate.pc[c] = start  ...  truncate.pc'[c] = enqueue }
    }                               action truncate.enqueue(c: Cpu) by c { ... }

NOTE(generated-names): every generated name contains a `.` (`truncate.pc`, `truncate.n`,
`truncate.start`) or is a value of a generated type (the labels, `done`, `free`,
`truncate(c0)`, `(bad unlock)`), so no user name can collide with one: users cannot spell
a `.` in a name, and the generated types' values are not names in any scope (the checker
takes them as `IrLit`/`LockValue` nodes, never by name). Locks keep their own names, which
the user declared; reading or assigning one outside lock()/unlock() is an error (HP411).

NOTE(step-rule): a step starts at a label and runs, atomically, through the statements that
follow it up to the next label, the end of the process, a `goto` or a `return`; a `while`
loop's step tests the condition and, when it holds, runs the body up to the body's first
label. So the first statement of a process, every `while` and the statement after a
`while` carry labels; labels stand only at the top level of a process or of a loop body
(never inside an `if`). This is PlusCal's rule, with the places a label is needed made
errors (HP400, HP404, HP405, HP406) rather than labels added silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum

from . import ir
from . import syntax as s
from .diagnostics import Diagnostic, HpError, Note, Span

# The program counter of an instance that has finished (`P@done`): no label may be `done`.
FINISHED = ir.EnumValue("done")
FREE = "free"  # a lock's value when no instance holds it
BAD = "bad"
BAD_VALUE = "(bad unlock)"  # NOTE(bad-unlock): a lock released by an instance not holding it
ME = "me"
LOCKS = "locks"  # the built-in invariant: no lock was released by a non-owner
DEADLOCK = "deadlock"  # the built-in invariant: some step is enabled, or it is a fine end


def has_processes(spec: s.SpecFile) -> bool:
    return any(isinstance(d, s.ProcessDecl) for d in spec.decls)


def desugar(spec: s.SpecFile) -> s.SpecFile:
    """The spec with every process, lock and deadlock declaration replaced by ordinary and
    generated declarations (see the module docstring); raises HpError on misuse."""
    if not any(isinstance(d, (s.ProcessDecl, s.LockDecl, s.CheckDeadlock, s.TerminalDecl))
               for d in spec.decls):
        return spec
    return _Desugar(spec).run()


# ---- lock state within one step ----------------------------------------------------------
class _Cur(Enum):
    """What one step knows about a lock it touched, relative to its value v before the step.

    NOTE(lock-in-a-step): every read in a step sees the state before it, so the lock's
    value cannot be re-read after an earlier lock()/unlock() in the same step; the value is
    followed here instead, and written once when the step ends."""

    V = "v"  # untouched
    ME = "me"  # taken by this step (it was free)
    FREE = "free"  # taken, then released, by this step (it was, and is, free)
    BAD = "bad"  # released twice, or when not held
    V_ME = "v-me"  # released, then taken again: me if v was me, else bad
    V_FREE = "v-free"  # released: free if v was me, else bad


_AFTER_LOCK = {_Cur.V: _Cur.ME, _Cur.FREE: _Cur.ME, _Cur.V_FREE: _Cur.V_ME}  # else AA
_AFTER_UNLOCK = {_Cur.V: _Cur.V_FREE, _Cur.ME: _Cur.FREE, _Cur.FREE: _Cur.BAD,
                 _Cur.BAD: _Cur.BAD, _Cur.V_ME: _Cur.V_FREE, _Cur.V_FREE: _Cur.BAD}


@dataclass
class _Held:
    index: s.Expr | None  # the entry of a lock family (syntactic: spans are not compared)
    cur: _Cur
    span: Span


@dataclass(frozen=True)
class _Segment:
    """One step: its label and statements; `fall` is where control goes after the last
    statement (a label, FINISHED, or None when every path ends in a jump)."""

    label: s.Labelled
    stmts: tuple[s.PStmt, ...]
    fall: str | None


@dataclass
class _Proc:
    decl: s.ProcessDecl
    labels: dict[str, s.Labelled] = field(default_factory=dict)
    locals: dict[str, s.Local] = field(default_factory=dict)
    pc_type: ir.EnumT | None = None

    @property
    def name(self) -> str:
        return self.decl.name

    @property
    def self_name(self) -> str | None:
        return self.decl.self_param.name if self.decl.self_param is not None else None

    def var(self, local: str) -> str:
        return f"{self.name}.{local}"


class _Desugar:
    def __init__(self, spec: s.SpecFile) -> None:
        self.spec = spec
        self.errors: list[Diagnostic] = []
        self.locks: dict[str, s.LockDecl] = {}
        self.procs: list[_Proc] = []
        self.deadlock: bool | None = None  # None: the default (on with processes)
        self.deadlock_span: Span | None = None
        self.terminals: list[s.TerminalDecl] = []
        self.state_vars = {d.name for d in spec.decls if isinstance(d, s.VarDecl)}

    def error(self, code: str, msg: str, span: Span, *notes: Note) -> None:
        d = Diagnostic(code, msg, span, tuple(notes))
        if d not in self.errors:  # a step's code is compiled once per path through it
            self.errors.append(d)

    def _hides_self(self, p: _Proc, name: str, span: Span) -> None:
        """NOTE(self-name): the generated code of a step reads the process's parameter
        (`P.pc[c]`, a local as `P.n[c]`, the lock owner `P(c)`), so a `let` or a bound
        variable of that name inside the process would take it over."""
        if name == p.self_name:
            self.error("HP414", f"'{name}' is the parameter of process '{p.name}'; a `let` or "
                       "a bound variable inside the process cannot reuse its name", span,
                       Note("the step's program counter, locals and locks are this "
                            "instance's through it: choose another name"))

    # ---- the whole spec
    def run(self) -> s.SpecFile:
        decls = self.spec.decls
        seen_procs: dict[str, s.ProcessDecl] = {}
        for d in decls:
            match d:
                case s.LockDecl():
                    self._domain_ok(d.domain, "a lock family")
                    if d.name in self.locks:
                        self.error("HP111", f"lock '{d.name}' is already declared", d.name_span,
                                   Note("first declared here", self.locks[d.name].name_span))
                    else:
                        self.locks[d.name] = d
                case s.ProcessDecl():
                    if d.name in seen_procs:
                        self.error("HP417", f"process '{d.name}' is already declared",
                                   d.name_span, Note("first declared here",
                                                     seen_procs[d.name].name_span))
                        continue
                    seen_procs[d.name] = d
                    if d.self_param is not None:
                        self._domain_ok(d.self_param.domain, "a process's instances")
                    self.procs.append(_Proc(d))
                case s.CheckDeadlock():
                    if self.deadlock_span is not None:
                        self.error("HP418", "a second 'check deadlock'", d.span,
                                   Note("first given here", self.deadlock_span))
                    self.deadlock, self.deadlock_span = d.on, d.span
                case s.TerminalDecl():
                    self.terminals.append(d)
        deadlock_on = self.deadlock if self.deadlock is not None else bool(self.procs)
        if self.terminals and not deadlock_on:
            why = ("'check deadlock false' turns the check off" if self.deadlock is False
                   else "a spec without processes checks deadlock only with 'check deadlock'")
            self.error("HP418", "'terminal' has no effect: deadlock is not checked",
                       self.terminals[0].span, Note(why))
        builtin = {LOCKS: bool(self.locks), DEADLOCK: deadlock_on}
        for d in decls:
            if isinstance(d, s.InvariantDecl) and builtin.get(d.name):
                self.error("HP415", f"'{d.name}' is a built-in invariant in this spec and "
                           "cannot be redeclared", d.name_span,
                           Note("rename yours" + (" or write 'check deadlock false'"
                                                  if d.name == DEADLOCK else "")))
        for p in self.procs:
            self._collect(p)

        out: list[s.Decl] = []
        lock_vars_done = False
        first_proc = next((i for i, d in enumerate(decls) if isinstance(d, s.ProcessDecl)), None)
        last_lock = max((i for i, d in enumerate(decls) if isinstance(d, s.LockDecl)), default=None)
        where_locks = first_proc if first_proc is not None else last_lock
        for i, d in enumerate(decls):
            if i == where_locks and not lock_vars_done:
                out.extend(self._lock_vars())
                lock_vars_done = True
            match d:
                case s.LockDecl() | s.CheckDeadlock() | s.TerminalDecl():
                    pass
                case s.ProcessDecl():
                    for proc in self.procs:  # not a duplicate (HP417)
                        if proc.decl is d:
                            out.extend(self._process(proc))
                case _:
                    out.append(d)
        if self.locks:
            out.append(self._locks_invariant())
        if deadlock_on:
            out.append(self._deadlock_invariant())
        if self.errors:
            raise HpError(self.errors)
        return s.SpecFile(self.spec.file, tuple(out))

    def _domain_ok(self, d: s.Domain | None, what: str) -> None:
        if isinstance(d, s.EnumType):
            self.error("HP416", f"the domain of {what} must be a type name, a range or bool, "
                       "not an enum literal", d.span,
                       Note("declare it: `type Cpu = {c0, c1}`, then write `Cpu`"))

    def _lock_vars(self) -> list[s.Decl]:
        procs = tuple(s.ProcInfo(p.name, p.decl.self_param, p.decl.name_span) for p in self.procs)
        out: list[s.Decl] = []
        if self.locks or self.procs:
            out.append(s.Processes(procs, self.spec.decls[0].span))
        items: list[s.Expr] = []
        for d in self.locks.values():
            out.append(s.LockVarDecl(d.name, d.domain, d.span, d.name_span))
            free = s.LockValue(FREE, None, None, d.span)
            var = s.GenVar(d.name, d.span)
            if d.domain is None:
                items.append(s.Binary("=", var, free, d.span, d.span))
            else:
                items.append(s.Quant("forall", "i", d.domain, s.Binary(
                    "=", s.Index(var, s.Name("i", d.span), d.span), free, d.span, d.span),
                    d.span, d.span))
        if items:
            out.append(s.InitDecl(tuple(items), self.spec.decls[0].span))  # every lock free
        return out

    def _locks_invariant(self) -> s.Decl:
        """`locks`: no lock holds the bad-unlock value (NOTE(bad-unlock))."""
        parts: list[s.Expr] = []
        for d in self.locks.values():
            bad = s.LockValue(BAD, None, None, d.span)
            if d.domain is None:
                parts.append(s.Binary("!=", s.GenVar(d.name, d.span), bad, d.span, d.span))
            else:
                x = "i"
                entry = s.Index(s.GenVar(d.name, d.span), s.Name(x, d.span), d.span)
                parts.append(s.Quant("forall", x, d.domain,
                                     s.Binary("!=", entry, bad, d.span, d.span), d.span, d.span))
        return s.BuiltinInvariant(LOCKS, _conj(parts, self.spec.decls[0].span),
                                  self.spec.decls[0].span)

    def _deadlock_invariant(self) -> s.Decl:
        """NOTE(deadlock): `deadlock` holds where every process instance has finished or a
        `terminal` condition holds; lower.py adds "or some action instance is enabled"."""
        span = self.deadlock_span or self.spec.decls[0].span
        ends: list[s.Expr] = []
        if self.procs:
            ends.append(_conj([self._finished(p) for p in self.procs], span))
        ends += [t.cond for t in self.terminals]
        body: s.Expr = s.BoolLit(False, span)
        for e in ends:
            body = e if isinstance(body, s.BoolLit) else s.Binary("or", body, e, span, span)
        return s.BuiltinInvariant(DEADLOCK, body, span)

    def _finished(self, p: _Proc) -> s.Expr:
        sp = p.decl.name_span
        assert p.pc_type is not None
        done = s.IrLit(FINISHED, p.pc_type, sp)
        pc = s.Name(p.var("pc"), sp)
        if p.self_name is None or p.decl.self_param is None:
            return s.Binary("=", pc, done, sp, sp)
        x = p.self_name
        return s.Quant("forall", x, p.decl.self_param.domain,
                       s.Binary("=", s.Index(pc, s.Name(x, sp), sp), done, sp, sp), sp, sp)

    # ---- one process: checks that need the whole process
    def _collect(self, p: _Proc) -> None:
        for loc in p.decl.locals:
            if loc.name in p.locals:
                self.error("HP414", f"local '{loc.name}' is declared twice", loc.name_span,
                           Note("first declared here", p.locals[loc.name].name_span))
            elif loc.name in self.state_vars or loc.name in self.locks:
                self.error("HP414", f"local '{loc.name}' has the name of a state variable or "
                           "lock; a local may not hide one", loc.name_span)
            elif loc.name == p.self_name:
                self.error("HP414", f"local '{loc.name}' has the name of the process's "
                           "parameter", loc.name_span)
            else:
                p.locals[loc.name] = loc
        for lab in _labels(p.decl.body):
            if lab.label == FINISHED:
                self.error("HP420", "a label cannot be named 'done': `P@done` means that the "
                           "process has finished", lab.label_span,
                           Note("name the last step otherwise (`finish:`, `out:`)"))
                continue
            for x in lab.params:  # NOTE(label-params)
                if x.name in (p.self_name, *p.locals, *self.state_vars, *self.locks):
                    self.error("HP414", f"the choice '{x.name}' of label '{lab.label}' has the "
                               "name of the process's parameter, a local, a state variable "
                               "or a lock", x.span)
            old = p.labels.get(lab.label)
            if old is not None:
                self.error("HP401", f"label '{lab.label}' is used twice in process '{p.name}'",
                           lab.label_span, Note("first used here", old.label_span),
                           Note("each label names one step; rename one of them"))
            else:
                p.labels[lab.label] = lab
        values = tuple(ir.EnumValue(x) for x in p.labels) + (FINISHED,)
        p.pc_type = ir.EnumT(f"labels of {p.name}", values)
        if p.decl.body and not isinstance(p.decl.body[0], s.Labelled):
            self.error("HP400", f"the first statement of process '{p.name}' needs a label",
                       _stmt_span(p.decl.body[0]),
                       Note("a step starts at a label and runs up to the next one: write "
                            "`start:` (any name) before it"),
                       Note("PlusCal puts labels the same way: `start: x := 1;`"))
        self._check_block(p, p.decl.body, top=True)
        taken = {_lock_name(st.target) for st in _walk_stmts(p.decl.body)
                 if isinstance(st, s.LockStmt) and not st.unlock}
        for st in _walk_stmts(p.decl.body):
            if isinstance(st, s.LockStmt):
                self._lock_target(st)
                name = _lock_name(st.target)
                if st.unlock and name in self.locks and name not in taken:
                    self.error("HP410", f"process '{p.name}' unlocks '{name}' but never locks it",
                               st.span, Note("unlock by a process that does not hold the lock "
                                             "would break the built-in invariant `locks`"))
            elif isinstance(st, s.Goto) and st.label not in p.labels:
                other = [q.name for q in self.procs if q is not p
                         and any(lab.label == st.label for lab in _labels(q.decl.body))]
                if other:
                    self.error("HP403", f"goto '{st.label}' leaves process '{p.name}': the "
                               f"label belongs to process '{other[0]}'", st.label_span,
                               Note("a goto jumps within its own process; to hand over, set a "
                                    "variable the other process awaits"))
                else:
                    self.error("HP402", f"goto names '{st.label}', which is no label of "
                               f"process '{p.name}'", st.label_span,
                               Note("labels: " + (", ".join(p.labels) or "(none)")))

    def _lock_target(self, st: s.LockStmt) -> None:
        word = "unlock" if st.unlock else "lock"
        t = st.target
        name = _lock_name(t)
        if name is None or name not in self.locks:
            self.error("HP408", f"{word}() takes a lock declared with `lock NAME`",
                       _expr_span(t), Note("declare one: `lock inode_lock`, or a family: "
                                           "`lock page_lock: Page`"))
            return
        family = self.locks[name].domain is not None
        if family and not isinstance(t, s.Index):
            self.error("HP409", f"'{name}' is a family of locks: {word} one of them, "
                       f"`{word}({name}[i])`", _expr_span(t))
        elif not family and isinstance(t, s.Index):
            self.error("HP409", f"'{name}' is a single lock, not a family: write "
                       f"`{word}({name})`", _expr_span(t))

    def _check_block(self, p: _Proc, body: tuple[s.PStmt, ...], top: bool) -> None:
        """Labels and loops where the step rule (NOTE(step-rule)) allows them, and no
        statement after a jump."""
        for k, st in enumerate(body):
            inner = st.stmt if isinstance(st, s.Labelled) else st
            if isinstance(st, s.Labelled) and not top:
                self.error("HP404", f"label '{st.label}' inside an `if`: a step cannot begin "
                           "inside an `if`", st.label_span,
                           Note("put the label before the `if`, or jump with `goto` to a label "
                                "outside it"))
            if isinstance(inner, s.While):
                if not isinstance(st, s.Labelled) and top:
                    self.error("HP405", "a `while` loop needs a label: its test starts a step",
                               inner.span, Note("write `retry: while ... { ... }`"))
                elif not top:
                    self.error("HP405", "a `while` loop inside an `if`: a loop starts a step of "
                               "its own", inner.span,
                               Note("move the loop out of the `if` (with a label), and jump to "
                                    "it with `goto`"))
                nxt = body[k + 1] if k + 1 < len(body) else None
                if nxt is not None and not isinstance(nxt, s.Labelled):
                    self.error("HP406", "the statement after a `while` loop needs a label: "
                               "control reaches it from the loop's test", _stmt_span(nxt),
                               Note("write `done_loop:` (any name) before it"))
                self._check_block(p, inner.body, top=True)
            elif isinstance(inner, s.ProcIf):
                self._check_block(p, inner.then, top=False)
                self._check_block(p, inner.else_, top=False)
            if isinstance(inner, (s.Goto, s.Return)) and k + 1 < len(body) \
                    and not isinstance(body[k + 1], s.Labelled):
                what = "goto" if isinstance(inner, s.Goto) else "return"
                self.error("HP407", f"this statement never runs: it follows a `{what}`",
                           _stmt_span(body[k + 1]),
                           Note("give it a label if a goto should reach it, or remove it"))

    # ---- one process: its declarations
    def _process(self, p: _Proc) -> list[s.Decl]:
        d = p.decl
        assert p.pc_type is not None
        sp = d.name_span
        out: list[s.Decl] = []
        dom = d.self_param.domain if d.self_param is not None else None

        def per_instance(t: s.TypeExpr) -> s.TypeExpr:
            return t if dom is None else s.FunType(dom, t, sp)

        out.append(s.VarDecl(p.var("pc"), per_instance(s.IrType(p.pc_type, sp)), sp, sp))
        for loc in d.locals:
            out.append(s.VarDecl(p.var(loc.name), per_instance(loc.type), loc.span, loc.name_span))
        first = next(iter(p.labels), None)
        start = s.IrLit(ir.EnumValue(first) if first is not None else FINISHED, p.pc_type, sp)
        items: list[s.Expr] = [self._init_item(p, s.Name(p.var("pc"), sp), start, sp)]
        for loc in d.locals:
            if loc.init is not None:
                value = self._expr(p, loc.init, frozenset())
                items.append(self._init_item(p, s.Name(p.var(loc.name), loc.span), value,
                                             loc.span))
        out.append(s.InitDecl(tuple(items), sp))
        for seg in self._segments(p, d.body, FINISHED):
            out.append(self._step(p, seg))
        return out

    def _init_item(self, p: _Proc, var: s.Expr, value: s.Expr, sp: Span) -> s.Expr:
        if p.self_name is None or p.decl.self_param is None:
            return s.Binary("=", var, value, sp, sp)
        x = p.self_name
        return s.Quant("forall", x, p.decl.self_param.domain,
                       s.Binary("=", s.Index(var, s.Name(x, sp), sp), value, sp, sp), sp, sp)

    def _segments(self, p: _Proc, body: tuple[s.PStmt, ...], after: str) -> list[_Segment]:
        """The steps of a block whose statements all belong to labelled runs (the process
        body; a loop body after its unlabelled prefix). `after`: where the block's end goes."""
        runs: list[tuple[s.Labelled, list[s.PStmt]]] = []
        for st in body:
            if isinstance(st, s.Labelled):
                runs.append((st, [st.stmt]))
            elif runs:
                runs[-1][1].append(st)
            # an unlabelled first statement: HP400 (reported by _collect)
        out: list[_Segment] = []
        for k, (lab, stmts) in enumerate(runs):
            nxt = runs[k + 1][0].label if k + 1 < len(runs) else after
            head = stmts[0]
            if isinstance(head, s.While):
                prefix = tuple(_until_label(head.body))
                rest = head.body[len(prefix):]
                inner = self._segments(p, rest, lab.label)
                first = inner[0].label.label if inner else lab.label
                test = s.ProcIf(head.cond, prefix + (_jump(first, head.span),),
                                (_jump(nxt, head.span),), head.span)
                out.append(_Segment(lab, (test,), None))
                out.extend(inner)
            else:
                out.append(_Segment(lab, tuple(stmts), nxt))
        return out

    def _step(self, p: _Proc, seg: _Segment) -> s.ActionDecl:
        d = p.decl
        sp = seg.label.label_span
        assert p.pc_type is not None
        # NOTE(label-params): `L(x: D):` makes the step one action instance per x, as an
        # action's parameters do (PlusCal's `with`): a choice made within the step, not state.
        params = ((d.self_param,) if d.self_param is not None else ()) + seg.label.params
        actor = d.actor
        if actor is None and p.self_name is not None:
            actor = s.Name(p.self_name, d.name_span)
        here = s.Require(s.Binary("=", self._pc(p, sp), self._label(p, seg.label.label, sp),
                                  sp, sp), sp)
        chosen = frozenset(x.name for x in seg.label.params)
        body = [here] + self._compile(p, list(seg.stmts), {}, seg.fall, chosen)
        origin = s.StepOrigin(p.name, seg.label.label, sp.line, len(seg.label.params))
        return s.ActionDecl(f"{p.name}.{seg.label.label}", params, actor, tuple(body),
                            seg.label.span, sp, origin)

    def _pc(self, p: _Proc, sp: Span) -> s.Expr:
        pc: s.Expr = s.Name(p.var("pc"), sp)
        if p.self_name is not None:
            pc = s.Index(pc, s.Name(p.self_name, sp), sp)
        return pc

    def _label(self, p: _Proc, label: str, sp: Span) -> s.Expr:
        assert p.pc_type is not None
        value = ir.EnumValue(label) if label in p.labels else FINISHED
        return s.IrLit(value, p.pc_type, sp)

    def _set_pc(self, p: _Proc, target: str, sp: Span) -> s.Assign:
        idx = (s.Name(p.self_name, sp),) if p.self_name is not None else ()
        return s.Assign(p.var("pc"), idx, self._label(p, target, sp), sp, sp)

    # ---- statements of one step
    def _compile(self, p: _Proc, stmts: list[s.PStmt], held: dict[str, _Held],
                 fall: str | None, bound: frozenset[str]) -> list[s.Stmt]:
        """The step's statements from here on: lock operations followed (NOTE(lock-in-a-
        step)), each jump turned into a program-counter write, and an `if` whose branches
        jump or use locks given the rest of the step in each branch."""
        out: list[s.Stmt] = []
        for k, st in enumerate(stmts):
            match st:
                case s.Require() | s.Await():
                    out.append(s.Require(self._expr(p, st.cond, bound), st.span))
                case s.Let():
                    self._hides_self(p, st.name, st.name_span)
                    out.append(s.Let(st.name, self._expr(p, st.value, bound), st.span,
                                     st.name_span))
                    bound = bound | {st.name}
                case s.Assign():
                    out.append(self._assign(p, st, bound))
                case s.Pick():  # `x' in S` (NOTE(pick) in check.py)
                    picked = self._assign(p, s.Assign(st.var, st.indices, s.BoolLit(True, st.span),
                                                      st.span, st.target_span), bound)
                    out.append(s.Pick(picked.var, picked.indices,
                                      self._expr(p, st.domain, bound),  # type: ignore[arg-type]
                                      st.span, st.target_span))
                case s.LockStmt():
                    stop = self._lock_op(p, st, held, out, bound)
                    if stop:
                        return out
                case s.Goto() | s.Return():
                    target = st.label if isinstance(st, s.Goto) else FINISHED
                    out += self._flush(p, held, st.span)
                    out.append(self._set_pc(p, target, st.span))
                    return out
                case s.ProcIf() if _jumps_or_locks(st):
                    rest = stmts[k + 1:]
                    cond = self._expr(p, st.cond, bound)
                    then = self._compile(p, list(st.then) + rest, _copy(held), fall, bound)
                    else_ = self._compile(p, list(st.else_) + rest, _copy(held), fall, bound)
                    out.append(s.If(cond, tuple(then), tuple(else_), st.span))
                    return out
                case s.ProcIf():
                    out.append(self._plain_if(p, st, bound))
                case s.Labelled() | s.While():  # reported by _check_block
                    pass
        if fall is not None:
            sp = _stmt_span(stmts[-1]) if stmts else p.decl.name_span
            out += self._flush(p, held, sp)
            out.append(self._set_pc(p, fall, sp))
        return out

    def _plain_if(self, p: _Proc, st: s.ProcIf, bound: frozenset[str]) -> s.If:
        def block(stmts: tuple[s.PStmt, ...]) -> tuple[s.Stmt, ...]:
            return tuple(self._compile(p, list(stmts), {}, None, bound))
        return s.If(self._expr(p, st.cond, bound), block(st.then), block(st.else_), st.span)

    def _lock_op(self, p: _Proc, st: s.LockStmt, held: dict[str, _Held], out: list[s.Stmt],
                 bound: frozenset[str]) -> bool:
        """Follow one lock()/unlock(); True when the rest of this path can never run (the
        step takes a lock it already holds: a self-deadlock, as with a kernel spinlock)."""
        name = _lock_name(st.target)
        if name is None or name not in self.locks:
            return False  # HP408, reported by _collect
        index = None
        if isinstance(st.target, s.Index):
            index = self._expr(p, st.target.index, bound)
        h = held.get(name)
        if h is not None and h.index != index:
            self.error("HP413", f"this step uses two entries of lock family '{name}'",
                       st.span, Note("the other one", h.span),
                       Note("whether they are the same lock depends on the state: give the "
                            "second operation a step of its own (a label)"))
            return False
        if h is None:
            h = held[name] = _Held(index, _Cur.V, st.span)
        if st.unlock:
            h.cur = _AFTER_UNLOCK[h.cur]
            return False
        if h.cur not in _AFTER_LOCK:  # it holds the lock already: AA
            out.append(s.Require(s.BoolLit(False, st.span), st.span))
            return True
        if h.cur == _Cur.V:
            out.append(s.Require(s.Binary("=", self._lock_read(name, index, st.span),
                                          s.LockValue(FREE, None, None, st.span),
                                          st.span, st.span), st.span))
        h.cur = _AFTER_LOCK[h.cur]
        return False

    def _lock_read(self, name: str, index: s.Expr | None, sp: Span) -> s.Expr:
        v: s.Expr = s.GenVar(name, sp)
        return v if index is None else s.Index(v, index, sp)

    def _flush(self, p: _Proc, held: dict[str, _Held], sp: Span) -> list[s.Stmt]:
        """The lock writes of a step that ends here (NOTE(lock-in-a-step))."""
        out: list[s.Stmt] = []
        me = s.LockValue(ME, p.name, s.Name(p.self_name, sp) if p.self_name else None, sp)
        free = s.LockValue(FREE, None, None, sp)
        bad = s.LockValue(BAD, None, None, sp)
        for name, h in held.items():
            cur_is_me = s.Binary("=", self._lock_read(name, h.index, sp), me, sp, sp)
            value: s.Expr | None = {
                _Cur.V: None, _Cur.FREE: None, _Cur.ME: me, _Cur.BAD: bad,
                _Cur.V_ME: s.IfExpr(cur_is_me, me, bad, sp),
                _Cur.V_FREE: s.IfExpr(cur_is_me, free, bad, sp),
            }[h.cur]
            if value is not None:
                idx = (h.index,) if h.index is not None else ()
                out.append(s.Assign(name, idx, value, sp, sp, generated=True))
        return out

    def _assign(self, p: _Proc, st: s.Assign, bound: frozenset[str]) -> s.Assign:
        indices = tuple(self._expr(p, i, bound) for i in st.indices)
        value = self._expr(p, st.value, bound)
        if st.var in p.locals and st.var not in bound:
            if p.self_name is not None:
                indices = (s.Name(p.self_name, st.target_span),) + indices
            return s.Assign(p.var(st.var), indices, value, st.span, st.target_span)
        return replace(st, indices=indices, value=value)

    def _expr(self, p: _Proc, e: s.Expr | s.FieldStep, bound: frozenset[str]) -> s.Expr:
        """e with each process-local name read as this instance's entry.

        NOTE(locals): every other node is rebuilt field by field (so that each expression
        form, the data types' included, is covered); a local named where a domain stands
        (`c in seen`, `forall c in seen`, `x' in seen`) is that local's set, even when a
        type has the same name (the local is the nearer declaration); a binder (`forall x`, `{x in D: P}`,
        `sum x`, `let x = ...`) hides a local of the same name in its body only."""
        if isinstance(e, s.Name):
            if e.name in p.locals and e.name not in bound:
                v: s.Expr = s.Name(p.var(e.name), e.span)
                if p.self_name is not None:
                    v = s.Index(v, s.Name(p.self_name, e.span), e.span)
                return v
            return e
        if isinstance(e, s.TypeName):  # NOTE(locals): a set-valued local after `in`
            if e.name in p.locals and e.name not in bound:
                return s.SetDomain(self._expr(p, s.Name(e.name, e.span), bound),  # type: ignore[return-value]
                                   e.span)
            return e
        binder: str | None = None
        if isinstance(e, s.Quant | s.FunCons | s.SetComp | s.Aggregate):
            binder = e.var
            self._hides_self(p, binder, e.var_span)
        elif isinstance(e, s.LetIn):
            binder = e.name
            self._hides_self(p, binder, e.name_span)
        changes = {}
        for f in fields(e):
            old = getattr(e, f.name)
            inner = bound | {binder} if binder is not None and f.name == "body" else bound
            new = self._sub(p, old, inner)
            if new is not old:
                changes[f.name] = new
        return replace(e, **changes) if changes else e  # type: ignore[arg-type, return-value]

    def _sub(self, p: _Proc, v: object, bound: frozenset[str]) -> object:
        if isinstance(v, tuple):
            items = tuple(self._sub(p, x, bound) for x in v)
            return v if all(a is b for a, b in zip(items, v, strict=True)) else items
        if is_dataclass(v) and type(v).__module__ == s.__name__:
            return self._expr(p, v, bound)  # type: ignore[arg-type]
        return v


# ---- helpers ------------------------------------------------------------------------------
def _conj(parts: list[s.Expr], sp: Span) -> s.Expr:
    if not parts:
        return s.BoolLit(True, sp)
    out = parts[0]
    for x in parts[1:]:
        out = s.Binary("and", out, x, sp, sp)
    return out


def _copy(held: dict[str, _Held]) -> dict[str, _Held]:
    return {k: _Held(h.index, h.cur, h.span) for k, h in held.items()}


def _jump(target: str, sp: Span) -> s.PStmt:
    return s.Return(sp) if target == FINISHED else s.Goto(target, sp, sp)


def _until_label(body: tuple[s.PStmt, ...]) -> Iterator[s.PStmt]:
    for st in body:
        if isinstance(st, s.Labelled):
            return
        yield st


def _lock_name(t: s.Expr) -> str | None:
    if isinstance(t, s.Name):
        return t.name
    if isinstance(t, s.Index) and isinstance(t.fn, s.Name):
        return t.fn.name
    return None


def _labels(body: tuple[s.PStmt, ...]) -> Iterator[s.Labelled]:
    for st in _walk_stmts(body):
        if isinstance(st, s.Labelled):
            yield st


def _walk_stmts(body: tuple[s.PStmt, ...]) -> Iterator[s.PStmt]:
    for st in body:
        yield st
        match st:
            case s.Labelled():
                yield from _walk_stmts((st.stmt,))
            case s.While():
                yield from _walk_stmts(st.body)
            case s.ProcIf():
                yield from _walk_stmts(st.then)
                yield from _walk_stmts(st.else_)


def _jumps_or_locks(st: s.ProcIf) -> bool:
    return any(isinstance(x, (s.Goto, s.Return, s.LockStmt))
               for x in _walk_stmts(st.then + st.else_))


def _stmt_span(st: s.PStmt) -> Span:
    return st.span


def _expr_span(e: s.Expr) -> Span:
    return e.span
