"""Counterexample traces: independent replay, CPU-column text, and the contract's JSON.

Every trace an engine returns is replayed here with the plain-Python evaluator before it is
shown (NOTE(replay)): the initial state must satisfy init, every step must be enabled and
produce exactly the next state, and the last state must break the invariant. A mismatch
is an encoding bug and is raised as an internal error, never printed as a trace.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import evaluate as ev
from . import ir
from .process import DEADLOCK, LOCKS
from .result import Trace


class ReplayError(AssertionError):
    """An engine produced a trace the evaluator does not reproduce (an internal bug)."""


def _strip(st: ir.State) -> ir.State:
    return {k: v for k, v in st.items() if k != ev.ERR}


def replay(model: ir.Model, trace: Trace, invariant: str, shortest: bool = True) -> None:
    """NOTE(replay): check the trace against the evaluator; raise ReplayError if it differs."""
    if len(trace.states) != len(trace.steps) + 1:
        raise ReplayError("a trace needs one more state than steps")
    first = trace.states[0]
    if not _is_initial(model, first):
        raise ReplayError(f"state 0 is not an initial state: {first}")
    for i, inst in enumerate(trace.steps):
        before, after = trace.states[i], trace.states[i + 1]
        if not ev.types_ok(model, before):
            raise ReplayError(f"step {i + 1} leaves a state that violates types")
        res = ev.run_step(model, inst, before)
        if res is None:
            raise ReplayError(f"step {i + 1}: {inst.label()} is not enabled")
        if res.state != after:
            raise ReplayError(f"step {i + 1}: {inst.label()} gives {res.state}, trace says {after}")
    if ev.invariant_ok(model, invariant, trace.states[-1]):
        raise ReplayError(f"the last state does not break {invariant}")
    if shortest:
        for i, st in enumerate(trace.states[:-1]):
            if not ev.invariant_ok(model, invariant, st):
                raise ReplayError(f"state {i} already breaks {invariant}: not a shortest trace")


def _is_initial(model: ir.Model, st: ir.State) -> bool:
    status = ev.init_status(model, _strip(st))
    if status is None or status != st.get(ev.ERR, False):
        return False
    forced = {(name, path) for name, path, _ in ev.forced_targets(model)}
    for v in model.vars:
        for path, t in ir.slots(v.name, v.type):
            if isinstance(t, ir.IntT) and not any(n == v.name and path[: len(p)] == p
                                                  for n, p in forced):
                if not t.contains(_cell(st[v.name], path, v.type)):  # type: ignore[arg-type]
                    return False
    return True


def _cell(v: ir.Value, path: tuple[ir.Value, ...], t: ir.Type) -> ir.Value:
    for p in path:
        assert isinstance(t, ir.FunT) and isinstance(v, tuple)
        v = v[t.dom.values().index(p)]
        t = t.cod
    return v


# ---- text -------------------------------------------------------------------------------
UNCHANGED = "(unchanged)"


def written_cells(model: ir.Model, inst: ir.Instance,
                  st: ir.State) -> set[tuple[str, tuple[ir.Value, ...]]]:
    """NOTE(write-set): the cells (variable, index path) the step writes in state `st`: the
    assignments on the path it takes (each `if` decided by the evaluator in `st`, which is
    where a step reads), at their evaluated indices, leaving out a write outside its domain
    (a `types` violation that writes nothing, NOTE(read-error)). A write of a whole function,
    or of a row of one, writes every cell under it. A state diff cannot see these writes
    when they store the value already there, and in a lost update that write is the bug."""
    out: set[tuple[str, tuple[ir.Value, ...]]] = set()

    def walk(body: tuple[ir.Stmt, ...]) -> None:
        for s in body:
            match s:
                case ir.Assign():
                    path = tuple(ev.value(p, st) for p in s.path)
                    t = model.var_type(s.var)
                    for i in path:
                        assert isinstance(t, ir.FunT)
                        if not any(d == i and type(d) is type(i) for d in t.dom.values()):
                            break
                        t = t.cod
                    else:
                        out.add((s.var, path))
                case ir.If():
                    walk(s.then if ev.value(s.cond, st) else s.else_)
                case ir.Require():
                    pass  # the step is enabled: replay checked it

    walk(inst.body)
    return out


@dataclass(frozen=True, slots=True)
class Cell:
    """One scalar cell a step wrote or changed."""

    var: str
    path: tuple[ir.Value, ...]  # indices from the variable down to the cell
    type: ir.Type  # the cell's (scalar) type
    before: ir.Value
    after: ir.Value
    written: bool  # on the step's write set (NOTE(write-set)); else only changed

    def name(self) -> str:
        return self.var + "".join(f"[{ir.key_string(p)}]" for p in self.path)


def step_cells(model: ir.Model, before: ir.State, after: ir.State,
               inst: ir.Instance | None) -> list[Cell]:
    """Every scalar cell the step writes (given `inst`, NOTE(write-set)) or changes, in
    declaration order, then domain order."""
    written = written_cells(model, inst, before) if inst is not None else set()
    out = []
    views = {view.name: view for view in model.views}
    for name, t in ir.user_vars(model):
        view = views.get(name)
        if view is not None:  # NOTE(records): a record or sequence changes as a whole
            flat = {name + suf for suf, _ in ir.leaves(t)}
            for at, _ in ir.entries(t):
                n = len(at)
                wrote = any(w in flat and (p[:n] == at or at[:len(p)] == p) for w, p in written)
                if wrote or ir.render_user(before, name, t, at) != ir.render_user(after, name, t, at):
                    out.append(Cell(name, at, t, before, after, wrote))  # type: ignore[arg-type]
            continue
        v = ir.StateVar(name, t)  # type: ignore[arg-type]
        roots = {path for name, path in written if name == v.name}
        if before[v.name] == after[v.name] and not roots:
            continue
        for path, t in ir.view_slots(v.type):
            a = _cell(before[v.name], path, v.type)
            b = _cell(after[v.name], path, v.type)
            wrote = any(path[: len(r)] == r for r in roots)
            if a != b or wrote:
                out.append(Cell(v.name, path, t, a, b, wrote))
    return out


def changes(model: ir.Model, before: ir.State, after: ir.State,
            inst: ir.Instance | None = None) -> list[str]:
    """`var: old -> new` for every cell the step writes (given `inst`, NOTE(write-set)),
    `var: v -> v (unchanged)` for a write that keeps the value, and every cell that changed;
    in declaration order, then domain order."""
    out: list[str] = []
    for c in step_cells(model, before, after, inst):
        if ir.structured(c.type):  # NOTE(records): before/after are the whole states
            old, new = (ir.show_user(x, c.var, c.type, c.path)  # type: ignore[arg-type]
                        for x in (c.before, c.after))
            out.append(f"{c.name()}: {old} -> {new}" + (f" {UNCHANGED}" if old == new else ""))
            continue
        out.append(f"{c.name()}: {ir.show_value(c.before, c.type)} -> "
                   f"{ir.show_value(c.after, c.type)}"
                   + (f" {UNCHANGED}" if c.before == c.after else ""))
    if after.get(ev.ERR) and not before.get(ev.ERR):
        out.append("(read or wrote outside a function's domain" + _OR_SEQUENCE[_has_seq(model)]
                   + ")")
    return out


# data (dataB): sequence errors are read errors too (NOTE(records) in ir.py)
_OR_SEQUENCE = {False: "", True: ", or a sequence past its length or bound"}


def _has_seq(model: ir.Model) -> bool:
    def seq_in(t: object) -> bool:
        if isinstance(t, ir.SeqT):
            return True
        if isinstance(t, ir.RecT):
            return any(seq_in(ft) for _, ft in t.fields)
        return isinstance(t, ir.UFunT) and seq_in(t.cod)
    return any(seq_in(v.type) for v in model.views)


NO_ACTOR = "(no actor)"


def columns(model: ir.Model, trace: Trace) -> list[str]:
    """The actors of the trace, in the order the model lists them."""
    used = {inst.actor_name() or NO_ACTOR for inst in trace.steps}
    order: list[str] = []
    for inst in model.instances:
        name = inst.actor_name() or NO_ACTOR
        if name in used and name not in order:
            order.append(name)
    return order


def render_table(model: ir.Model, trace: Trace) -> str:
    cols = columns(model, trace)
    cells: list[list[list[str]]] = []  # row → column → lines
    for i, inst in enumerate(trace.steps):
        lines = [inst.label()] + ["  " + c for c in changes(model, trace.states[i],
                                                          trace.states[i + 1], inst)]
        row: list[list[str]] = [[] for _ in cols]
        row[cols.index(inst.actor_name() or NO_ACTOR)] = lines
        cells.append(row)
    widths = [max([len(c)] + [len(line) for row in cells for line in row[j]])
              for j, c in enumerate(cols)]
    head = " step | " + " | ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    rule = "------+-" + "-+-".join("-" * w for w in widths)
    out = [head.rstrip(), rule]
    for i, row in enumerate(cells, start=1):
        height = max(len(c) for c in row)
        for k in range(height):
            label = f"{i:>5}" if k == 0 else "     "
            parts = [(row[j][k] if k < len(row[j]) else "").ljust(widths[j])
                     for j in range(len(cols))]
            out.append((label + " | " + " | ".join(parts)).rstrip())
    return "\n".join(out)


def render_state(model: ir.Model, st: ir.State, indent: str = "  ",
                 only: set[str] | None = None) -> list[str]:
    if only is not None:
        only = {ir.view_of(model, n) for n in only}
    return [f"{indent}{name} = {ir.show_user(st, name, t)}" for name, t in ir.user_vars(model)
            if only is None or name in only]


def reads(e: ir.Expr) -> set[str]:
    """State variables an expression reads."""
    return {x.name for x in ir.subexprs(e) if isinstance(x, ir.Var)}


def render_trace(model: ir.Model, trace: Trace, invariant: str, source_text: str | None) -> str:
    out = ["initial state:"] + render_state(model, trace.states[0])
    if trace.steps:
        out += ["", render_table(model, trace)]
    final = trace.states[-1]
    out.append("")
    if invariant == ir.TYPES:
        out.append(f"state {trace.length} violates types:")
        out += _type_breaks(model, final)
    elif invariant == LOCKS and not source_text:
        out.append(f"state {trace.length} breaks locks: a lock was released by an instance "
                   "that did not hold it")
        out += render_state(model, final, only=reads(model.invariant(invariant).body))
    elif invariant == DEADLOCK and not source_text:
        out.append(f"state {trace.length} breaks deadlock: no step can run")
        out += waiting(model, final)
        out += render_state(model, final, only=reads(model.invariant(invariant).body))
    else:
        what = f": {source_text}" if source_text else ""
        out.append(f"state {trace.length} breaks {invariant}{what}")
        out += render_state(model, final, only=reads(model.invariant(invariant).body))
    return "\n".join(out)


def waiting(model: ir.Model, st: ir.State) -> list[str]:
    """`  left waits at take_b (line 15)` for each process instance that has not finished
    (its step at the label it is at: the first `require` of a process step, process.py)."""
    out: list[str] = []
    for inst in model.instances:
        if inst.origin is None or not inst.body or not isinstance(inst.body[0], ir.Require):
            continue
        line = f"  {inst.process_instance()} waits at {inst.origin.label} (line {inst.origin.line})"
        if ev.value(inst.body[0].cond, st) is True and line not in out:  # once per label
            out.append(line)
    return out


def _type_breaks(model: ir.Model, st: ir.State) -> list[str]:
    out: list[str] = []
    if st.get(ev.ERR):
        out.append("  a step read or wrote a function outside its domain"
                   + _OR_SEQUENCE[_has_seq(model)])
    for v in model.vars:
        for path, t in ir.slots(v.name, v.type):
            if isinstance(t, ir.IntT):
                x = _cell(st[v.name], path, v.type)
                if not t.contains(x):  # type: ignore[arg-type]
                    idx = "".join(f"[{ir.key_string(p)}]" for p in path)
                    out.append(f"  {v.name}{idx} = {x}, outside {t}")
    return out


# ---- JSON -------------------------------------------------------------------------------
def _dom(model: ir.Model, var: str, depth: int) -> ir.Type:
    """The domain of the `depth`-th index of `var`."""
    t = model.var_type(var)
    for _ in range(depth):
        assert isinstance(t, ir.FunT)
        t = t.cod
    assert isinstance(t, ir.FunT)
    return t.dom
def trace_json(model: ir.Model, trace: Trace) -> dict[str, object]:
    states = [{name: ir.render_user(st, name, t) for name, t in ir.user_vars(model)}
              for st in trace.states]
    steps = []
    for i, inst in enumerate(trace.steps):
        actor = (ir.render_value(inst.actor, inst.actor_type)
                 if inst.actor is not None and inst.actor_type is not None else None)
        params = {n: ir.render_value(v, t) for n, v, t in inst.shown_params()}
        writes = [{"var": c.var, "index": [ir.render_value(p, _dom(model, c.var, k))
                                           for k, p in enumerate(c.path)],
                   "before": ir.render_value(c.before, c.type),
                   "after": ir.render_value(c.after, c.type)}
                  if not ir.structured(c.type) else  # NOTE(records): the whole variable
                  {"var": c.var, "index": [ir.key_string(p) if not isinstance(p, (bool, int))
                                           else p for p in c.path],
                   "before": ir.render_user(c.before, c.var, c.type, c.path),  # type: ignore[arg-type]
                   "after": ir.render_user(c.after, c.var, c.type, c.path)}  # type: ignore[arg-type]
                  for c in step_cells(model, trace.states[i], trace.states[i + 1], inst)
                  if c.written]
        steps.append({"action": inst.action, "actor": actor, "params": params,
                      "writes": writes})
    return {"length": trace.length, "states": states, "steps": steps}
