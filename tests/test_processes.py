"""Processes, locks and the deadlock check (hpverify/process.py, docs/language.md "Processes,
locks and deadlock"): the desugaring, every error code at its position, lock semantics,
deadlock on and off, every engine on small process specs, the trace text, the TLA+ export,
and a process spec against the flat spec a user would write by hand."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from hpverify import ir
from hpverify import syntax as s
from hpverify.check import check
from hpverify.cli import main
from hpverify.diagnostics import HpError, SourceCache
from hpverify.export_tla import export_tla
from hpverify.lower import lower
from hpverify.parse import parse_text
from hpverify.pipeline import Options, prove_file
from hpverify.process import desugar

ROOT = Path(__file__).resolve().parent.parent
ABBA = ROOT / "spec" / "examples" / "abba.hp"
ABBA_ORDERED = ROOT / "spec" / "examples" / "abba_ordered.hp"
# kind_inductive: kind's inductive proof (by default kind enumerates small state spaces,
# NOTE(enumerated), and then says what explicit says)
ENGINES = ("bmc", "kind", "kind_inductive", "pdr", "explicit", "auto")


def run(path: Path | str, engine: str = "explicit", **consts: str) -> dict[str, object]:
    """invariant -> its Result, for one constant setting."""
    inductive = engine == "kind_inductive"
    opts = Options(engine="kind" if inductive else engine, inductive=inductive,
                   consts=tuple((k, (v,)) for k, v in consts.items()))
    (spec_run,) = prove_file(str(path), opts, SourceCache())
    return {o.result.invariant: o.result for o in spec_run.outcomes}


def summary(path: Path | str, engine: str = "explicit", **consts: str) -> dict[str, str]:
    out = {}
    for name, r in run(path, engine, **consts).items():
        out[name] = (f"violated in {r.trace.length}" if r.verdict == "violated"  # type: ignore[attr-defined]
                     else str(r.verdict))  # type: ignore[attr-defined]
    return out


def write(tmp_path: Path, text: str, name: str = "x.hp") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def model_of(text: str) -> ir.Model:
    return lower(check(parse_text(text, "x.hp")))


def errors(text: str) -> list[tuple[str, int, int]]:
    try:
        model_of(text)
    except HpError as err:
        return [(d.code, d.span.line, d.span.col) for d in err.diagnostics]
    return []


LOCKED_COUNTER = """spec locked_counter
type Cpu = {c0, c1}
const LOCKED = true
lock counter_lock
var counter: 0..2
init { counter = 0 }
process incr(c: Cpu) {
  local seen: 0..2 = 0
  take:  if LOCKED { lock(counter_lock) }
  read:  seen' = counter
  write: counter' = seen + 1
         if LOCKED { unlock(counter_lock) }
}
invariant no_lost_update: (forall c in Cpu: incr[c]@done) implies counter = 2
"""

# The same system written by hand, the way specs were written before processes: a program
# counter per CPU, the lock's holder as a variable, one action per step.
LOCKED_COUNTER_FLAT = """spec locked_counter_flat
type Cpu = {c0, c1}
const LOCKED = true
type Holder = {nobody, h0, h1}
var counter: 0..2
var holder: Holder
var pc: Cpu -> {take, read, write, fin}
var seen: Cpu -> 0..2
init { counter = 0  holder = nobody  forall c in Cpu: pc[c] = take and seen[c] = 0 }
action take(c: Cpu) by c {
  require pc[c] = take
  if LOCKED { require holder = nobody  holder' = if c = c0 then h0 else h1 }
  pc'[c] = read
}
action read(c: Cpu) by c { require pc[c] = read  seen'[c] = counter  pc'[c] = write }
action write(c: Cpu) by c {
  require pc[c] = write
  counter' = seen[c] + 1
  if LOCKED { holder' = nobody }
  pc'[c] = fin
}
invariant no_lost_update: (forall c in Cpu: pc[c] = fin) implies counter = 2
check deadlock
terminal: forall c in Cpu: pc[c] = fin
"""


# ---- parsing and the desugaring --------------------------------------------------------------
def test_desugared_declarations() -> None:
    spec = desugar(parse_text(LOCKED_COUNTER, "x.hp"))
    names = [(type(d).__name__, getattr(d, "name", "")) for d in spec.decls
             if not isinstance(d, (s.SpecDecl, s.TypeDecl, s.ConstDecl, s.InitDecl))]
    assert names == [
        ("VarDecl", "counter"), ("Processes", ""), ("LockVarDecl", "counter_lock"),
        ("VarDecl", "incr.pc"), ("VarDecl", "incr.seen"),
        ("ActionDecl", "incr.take"), ("ActionDecl", "incr.read"), ("ActionDecl", "incr.write"),
        ("InvariantDecl", "no_lost_update"), ("BuiltinInvariant", "locks"),
        ("BuiltinInvariant", "deadlock")]


def test_model_names_and_types() -> None:
    m = model_of(LOCKED_COUNTER)
    assert [v.name for v in m.vars] == ["counter", "counter_lock", "incr.pc", "incr.seen"]
    owner = m.var_type("counter_lock")
    assert isinstance(owner, ir.EnumT)
    assert owner.members == ("free", "incr(c0)", "incr(c1)", "(bad unlock)")
    pc = m.var_type("incr.pc")
    assert isinstance(pc, ir.FunT) and isinstance(pc.cod, ir.EnumT)
    assert pc.cod.members == ("take", "read", "write", "done")
    assert [i.label() for i in m.instances] == [
        "incr(c0) at take (line 9)", "incr(c1) at take (line 9)",
        "incr(c0) at read (line 10)", "incr(c1) at read (line 10)",
        "incr(c0) at write (line 11)", "incr(c1) at write (line 11)"]
    assert [i.action for i in m.instances[:2]] == ["incr.take", "incr.take"]
    assert [inv.name for inv in m.invariants] == ["no_lost_update", "locks", "deadlock"]


def test_single_instance_process_and_int_domain() -> None:
    m = model_of("spec t\nlock l\nprocess solo by w { a: lock(l) }\n"
                 "process many(i: 1..2) { a: lock(l)\n b: unlock(l) }\ntype W = {w}\n"
                 .replace("type W = {w}\n", "").replace("spec t\n", "spec t\ntype W = {w}\n"))
    owner = m.var_type("l")
    assert isinstance(owner, ir.EnumT)
    assert owner.members == ("free", "solo", "many(1)", "many(2)", "(bad unlock)")
    assert m.var_type("solo.pc") == ir.EnumT("labels of solo", ("a", "done"))


@pytest.mark.parametrize("word", ["lock", "process", "local", "await", "unlock", "goto",
                                  "return", "while", "terminal", "deadlock", "done", "locks"])
def test_new_words_stay_names(word: str) -> None:
    text = (f"spec t\nvar {word}: bool\ninit {{ {word} }}\n"
            f"action {word} {{ require {word}  {word}' = false }}\n"
            f"invariant {word}: {word} or not {word}\n")
    m = model_of(text)
    assert [v.name for v in m.vars] == [word]
    assert errors(f"spec t\nconst {word} = 1\ntype T = 0..{word}\n") == []


def test_init_items_need_no_separator_after_locks() -> None:
    m = model_of("spec t\nvar a: 0..1\nvar b: 0..1\ninit { a = 1  b = 1 }\nlock l\n"
                 "process p { s: lock(l) }\n")
    assert [v.name for v in m.vars] == ["a", "b", "l", "p.pc"]


# ---- errors, each at its position -------------------------------------------------------------
ERRORS = {
    "HP400": ("spec t\nvar x: 0..2\nprocess p {\n  x' = 1\n}\n", 4, 3),
    "HP401": ("spec t\nvar x: 0..2\nprocess p {\n  a: x' = 1\n  a: x' = 2\n}\n", 5, 3),
    "HP402": ("spec t\nvar x: 0..2\nprocess p {\n  a: x' = 1\n     goto b\n}\n", 5, 11),
    "HP403": ("spec t\nvar x: 0..2\nprocess p {\n  a: goto b\n}\nprocess q {\n  b: x' = 1\n}\n",
              4, 11),
    "HP404": ("spec t\nvar x: 0..2\nprocess p {\n  a: if x = 0 {\n       b: x' = 1\n     }\n}\n",
              5, 8),
    "HP405": ("spec t\nvar x: 0..2\nprocess p {\n  a: x' = 0\n     while x < 2 { x' = x + 1 }\n}\n",
              5, 6),
    "HP406": ("spec t\nvar x: 0..2\nprocess p {\n  a: while x < 2 { x' = x + 1 }\n     x' = 0\n}\n",
              5, 6),
    "HP407": ("spec t\nvar x: 0..2\nprocess p {\n  a: goto a\n     x' = 1\n}\n", 5, 6),
    "HP408": ("spec t\nvar x: bool\nprocess p {\n  a: lock(x)\n}\n", 4, 11),
    "HP409": ("spec t\ntype Page = 1..2\nlock page_lock: Page\nprocess p {\n  a: lock(page_lock)\n}\n",
              5, 11),
    "HP410": ("spec t\nlock l\nprocess p {\n  a: lock(l)\n}\nprocess q {\n  a: unlock(l)\n}\n",
              7, 6),
    "HP411": ("spec t\nlock l\nprocess p {\n  a: lock(l)\n}\ninvariant held: l = l\n", 6, 17),
    "HP412": ("spec t\nvar x: bool\nlock l\nprocess p {\n  a: lock(l)\n}\naction r { l' = l }\n",
              7, 12),
    "HP413": ("spec t\nlock f: 1..2\nprocess p {\n  a: lock(f[1])\n     lock(f[2])\n}\n", 5, 6),
    "HP414": ("spec t\nvar n: 0..2\nprocess p {\n  local n: 0..2 = 0\n  a: n' = 1\n}\n", 4, 9),
    "HP415": ("spec t\nvar x: 0..2\nprocess p {\n  a: x' = 1\n}\ninvariant deadlock: x < 3\n",
              6, 11),
    "HP416": ("spec t\ntype Cpu = {c0, c1}\nprocess p(c: {c0, c1}) {\n  a: await true\n}\n", 3, 14),
    "HP417": ("spec t\nprocess p {\n  a: await true\n}\nprocess p {\n  a: await true\n}\n", 5, 9),
    "HP418": ("spec t\nvar n: 0..3\naction tick { require n > 0  n' = n - 1 }\nterminal: n = 0\n",
              4, 1),
    "HP419": ("spec t\ntype Cpu = {c0, c1}\nprocess p(c: Cpu) {\n  a: await true\n}\n"
              "invariant i: p@a\n", 6, 14),
    "HP420": ("spec t\nvar x: 0..2\nprocess p {\n  a: x' = 1\n  done: x' = 2\n}\n", 5, 3),
    "HP421": ("spec t\nvar x: 0..2\nprocess p {\n  a: x := 1\n}\n", 4, 8),
    "HP422": ("spec t\nvar x: bool\nprocess p {\n  a: either { x' = true } or { x' = false }\n}\n",
              4, 6),
    "HP423": ("spec t\ntype Cpu = {c0, c1}\nprocess p \\in Cpu {\n  a: await true\n}\n", 3, 11),
}


SELF_CAPTURE = "spec t\ntype Cpu = 1..2\nvar x: 0..2\nprocess w(c: Cpu) {\n  local mine: bool = false\n"


@pytest.mark.parametrize("body,line,col", [
    ("  a: let c = 2\n     mine' = true\n", 6, 10),                  # a step's let
    ("  a: await exists c in Cpu: not mine\n", 6, 19),                # a quantifier
    ("  a: x' = (sum c in Cpu: 1)\n", 6, 16),                         # an aggregate
    ("  a: x' = (let c = 1 in c)\n", 6, 16),                          # let in an expression
    ("  a: mine' = (count c in Cpu: true) = 2\n", 6, 21),
])
def test_a_binder_cannot_take_over_the_process_parameter(body: str, line: int, col: int
                                                         ) -> None:
    """NOTE(self-name): the generated code reads the parameter (`w.mine[c]`, `w.pc[c]`, the
    lock owner), so `let c` or `exists c` inside the process would make instance 1 write
    instance 2's program counter (found by an outside review: wrong state counts)."""
    assert errors(SELF_CAPTURE + body + "}\n") == [("HP414", line, col)]
    renamed = body.replace("let c", "let d").replace("exists c", "exists d").replace(
        "sum c", "sum d").replace("count c", "count d").replace("in c)", "in d)")
    assert model_of(SELF_CAPTURE + renamed + "}\n").instances  # the same, renamed: fine


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_error_code_and_position(code: str) -> None:
    text, line, col = ERRORS[code]
    got = errors(text) if code < "HP421" else _parse_errors(text)
    assert got[0] == (code, line, col)


def _parse_errors(text: str) -> list[tuple[str, int, int]]:
    try:
        parse_text(text, "x.hp")
    except HpError as err:
        return [(d.code, d.span.line, d.span.col) for d in err.diagnostics]
    return []


def test_every_proc_code_is_tested() -> None:
    source = "".join(p.read_text() for p in (ROOT / "hpverify").glob("*.py"))
    codes = set(re.findall(r'"(HP4[0-2]\d)"', source))
    assert codes == set(ERRORS)


def test_more_misuse() -> None:
    assert errors("spec t\nlock l\nprocess p {\n  a: lock(l[1])\n}\n")[0] == ("HP409", 4, 11)
    assert errors("spec t\nvar x: 0..2\nprocess p {\n  a: if x = 0 { while x < 2 { x' = 1 } }\n}\n"
                  )[0] == ("HP405", 4, 17)
    assert errors("spec t\nprocess p {\n  a: goto b\n}\n")[0] == ("HP402", 3, 11)
    assert errors("spec t\ncheck deadlock\ncheck deadlock false\n")[0] == ("HP418", 3, 1)
    assert errors("spec t\nvar x: bool\nprocess p {\n  a: await x\n}\ncheck deadlock false\n"
                  "terminal: x\n")[0] == ("HP418", 7, 1)
    assert errors("spec t\nvar x: bool\ninvariant i: x@a\n")[0] == ("HP419", 3, 14)
    assert errors("spec t\nprocess p {\n  a: await true\n}\ninvariant i: p@b\n")[0] == \
        ("HP402", 5, 16)
    # an error in a process's header is reported once, not once per step
    assert errors("spec t\nprocess p by nobody {\n  a: await true\n  b: await true\n}\n") == \
        [("HP110", 2, 14)]


# ---- lock semantics ----------------------------------------------------------------------------
def test_lock_serialises_and_without_it_the_update_is_lost(tmp_path: Path) -> None:
    f = write(tmp_path, LOCKED_COUNTER)
    assert summary(f) == {"no_lost_update": "holds", "locks": "holds", "deadlock": "holds",
                          "types": "holds"}
    assert summary(f, LOCKED="false")["no_lost_update"] == "violated in 6"


def test_critical_section_in_one_step(tmp_path: Path) -> None:
    f = write(tmp_path, """spec one_step
type Cpu = {c0, c1}
lock l
var x: 0..2
init { x = 0 }
process p(c: Cpu) {
  crit: lock(l)
        x' = x + 1
        unlock(l)
}
invariant lock_free_after: p[c0]@done implies x >= 1
invariant counted: (p[c0]@done and p[c1]@done) implies x = 2
""")
    assert summary(f) == {"lock_free_after": "holds", "counted": "holds", "locks": "holds",
                          "deadlock": "holds", "types": "holds"}
    m = model_of(f.read_text())
    writes = [st for st in m.instances[0].body if isinstance(st, ir.Assign) and st.var == "l"]
    assert writes == []  # taken and released in the step: the lock stays free


def test_self_deadlock_aa(tmp_path: Path) -> None:
    f = write(tmp_path, """spec aa
type Cpu = {c0}
lock hugetlb_lock
process memory_failure by c0 {
  lookup:  lock(hugetlb_lock)
  isolate: lock(hugetlb_lock)
           unlock(hugetlb_lock)
}
""")
    assert summary(f) == {"locks": "holds", "deadlock": "violated in 1", "types": "holds"}
    same_step = write(tmp_path, "spec aa1\nlock l\nprocess p {\n  a: lock(l)\n     lock(l)\n}\n",
                      "aa1.hp")
    assert summary(same_step)["deadlock"] == "violated in 0"


def test_bad_unlock_breaks_locks(tmp_path: Path) -> None:
    f = write(tmp_path, """spec bad
type Cpu = {c0}
var flag: bool
lock l
process p by c0 {
  maybe: if flag { lock(l) }
  give:  unlock(l)
}
""")
    res = run(f)
    assert summary(f)["locks"] == "violated in 2"
    last = res["locks"].trace.states[-1]  # type: ignore[attr-defined]
    assert last["l"] == "(bad unlock)" and last["flag"] is False


def test_double_unlock_in_one_step_and_relock(tmp_path: Path) -> None:
    f = write(tmp_path, "spec d\nlock l\nprocess p {\n  a: lock(l)\n  b: unlock(l)\n"
              "     unlock(l)\n}\n")
    assert summary(f)["locks"] == "violated in 2"
    g = write(tmp_path, "spec r\nlock l\nprocess p {\n  a: lock(l)\n  b: unlock(l)\n"
              "     lock(l)\n  c: unlock(l)\n}\n", "r.hp")
    assert summary(g) == {"locks": "holds", "deadlock": "holds", "types": "holds"}


def test_lock_family(tmp_path: Path) -> None:
    f = write(tmp_path, """spec fam
type Page = 1..2
type Cpu = {c0, c1}
lock page_lock: Page
var busy: Page -> 0..2
init { forall p in Page: busy[p] = 0 }
process worker(c: Cpu) {
  local page: Page = 1
  pick:  if c = c1 { page' = 2 }
  take:  lock(page_lock[page])
         busy'[page] = busy[page] + 1
  leave: busy'[page] = busy[page] - 1
         unlock(page_lock[page])
}
invariant exclusive: forall p in Page: busy[p] <= 1
""")
    assert summary(f) == {"exclusive": "holds", "locks": "holds", "deadlock": "holds",
                          "types": "holds"}


# ---- control flow --------------------------------------------------------------------------------
def test_while_goto_return(tmp_path: Path) -> None:
    f = write(tmp_path, """spec loops
type Cpu = {c0}
var n: 0..3
var out: 0..3
init { n = 0  out = 0 }
process p by c0 {
  loop: while n < 3 {
          n' = n + 1
          if n = 1 { goto skip }
        }
  after: out' = n
         return
  skip: out' = 1
        goto loop
}
invariant last: p@done implies out = 3
invariant skipped: p@skip implies n = 2
""")
    assert summary(f) == {"last": "holds", "skipped": "holds", "deadlock": "holds",
                          "types": "holds"}


def test_labelled_loop_body(tmp_path: Path) -> None:
    f = write(tmp_path, """spec body
type Cpu = {c0}
var n: 0..2
init { n = 0 }
process p by c0 {
  top: while n < 2 {
         inc: n' = n + 1
       }
  fin: n' = n
}
invariant steps: p@inc implies n < 2
""")
    assert summary(f) == {"steps": "holds", "deadlock": "holds", "types": "holds"}
    m = model_of(f.read_text())
    assert [i.action for i in m.instances] == ["p.top", "p.inc", "p.fin"]


def test_plain_actions_beside_processes(tmp_path: Path) -> None:
    f = write(tmp_path, """spec mixed
type Cpu = {c0, c1}
var flag: bool
init { not flag }
action raise by c1 { require not flag  flag' = true }
process waiter by c0 {
  wait: await flag
}
""")
    assert summary(f, "bmc") == {"deadlock": "holds", "types": "holds"}


# ---- deadlock on and off -------------------------------------------------------------------------
def test_deadlock_default_on_and_off(tmp_path: Path) -> None:
    stuck = "spec s\nvar x: bool\ninit { not x }\nprocess p {\n  a: await x\n}\n"
    assert summary(write(tmp_path, stuck))["deadlock"] == "violated in 0"
    off = write(tmp_path, stuck + "check deadlock false\n", "off.hp")
    assert "deadlock" not in summary(off)
    fine = write(tmp_path, stuck + "terminal: p@a\n", "fine.hp")
    assert summary(fine)["deadlock"] == "holds"


def test_flat_spec_opts_in(tmp_path: Path) -> None:
    flat = "spec c\nvar n: 0..3\ninit { n = 3 }\naction tick { require n > 0  n' = n - 1 }\n"
    assert "deadlock" not in summary(write(tmp_path, flat))
    on = write(tmp_path, flat + "check deadlock\n", "on.hp")
    assert summary(on)["deadlock"] == "violated in 3"
    ok = write(tmp_path, flat + "check deadlock true\nterminal: n = 0\n", "ok.hp")
    assert summary(ok)["deadlock"] == "holds"


def test_own_deadlock_invariant_in_a_flat_spec_is_fine(tmp_path: Path) -> None:
    flat = "spec c\nvar n: 0..1\naction t { n' = 1 - n }\ninvariant deadlock: n >= 0\n"
    assert summary(write(tmp_path, flat))["deadlock"] == "holds"


# ---- the examples and every engine ---------------------------------------------------------------
@pytest.mark.parametrize("engine", ENGINES)
def test_abba_deadlock_every_engine(engine: str) -> None:
    res = run(ABBA, engine)
    assert res["deadlock"].verdict == "violated"  # type: ignore[attr-defined]
    assert res["deadlock"].trace.length == 2  # type: ignore[attr-defined]
    assert res["locks"].verdict == "holds"  # type: ignore[attr-defined]


@pytest.mark.parametrize("engine", ("explicit", "kind", "kind_inductive", "pdr"))
def test_abba_ordered_proved(engine: str) -> None:
    res = run(ABBA_ORDERED, engine)
    for name in ("deadlock", "locks", "both_done", "types"):
        assert res[name].verdict == "holds" and res[name].bound is None, (engine, name)  # type: ignore[attr-defined]


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_agree_on_small_process_specs(engine: str, tmp_path: Path) -> None:
    f = write(tmp_path, LOCKED_COUNTER)
    for locked, want in (("true", {"no_lost_update": "holds", "locks": "holds",
                                   "deadlock": "holds", "types": "holds"}),
                         ("false", {"no_lost_update": "violated in 6", "locks": "holds",
                                    "deadlock": "holds", "types": "holds"})):
        assert summary(f, engine, LOCKED=locked) == want, (engine, locked)


def test_abba_trace_text() -> None:
    code, out, _ = _cli(["prove", str(ABBA)])
    assert code == 0
    text = out[out.index("invariant deadlock violated"):]
    assert text.split("\n\nOK")[0] == """invariant deadlock violated in 2 steps
======================================
initial state:
  writes = 0
  a = free
  b = free
  left.pc = take_a
  right.pc = take_b

 step | cpu0                        | cpu1
------+-----------------------------+-----------------------------
    1 | left at take_a (line 14)    |
      |   a: free -> left           |
      |   left.pc: take_a -> take_b |
    2 |                             | right at take_b (line 22)
      |                             |   b: free -> right
      |                             |   right.pc: take_b -> take_a

state 2 breaks deadlock: no step can run
  left waits at take_b (line 15)
  right waits at take_a (line 23)
  a = left
  b = right
  left.pc = take_b
  right.pc = take_a"""


def test_json_names_the_generated_action() -> None:
    import json

    code, out, _ = _cli(["prove", str(ABBA), "--json", "--engine", "explicit"])
    assert code == 0
    (res,) = [r for r in json.loads(out)["specs"][0]["results"] if r["invariant"] == "deadlock"]
    assert res["expected"] == "violated in 2" and res["met"] is True
    assert [st["action"] for st in res["trace"]["steps"]] == ["left.take_a", "right.take_b"]
    assert res["trace"]["states"][2]["a"] == "left"
    assert res["trace"]["states"][2]["left.pc"] == "take_b"


def test_tla_export_checks_deadlock() -> None:
    module, cfg = export_tla(_load(ABBA), {}, SourceCache())
    assert "CHECK_DEADLOCK TRUE" in cfg and "    locks" in cfg
    assert "Terminating ==\n    /\\ ((left_pc = \"done\") /\\ (right_pc = \"done\"))" in module
    assert "\\/ Terminating" in module
    flat = parse_text("spec f\nvar x: bool\naction a { x' = true }\n", "f.hp")
    assert "CHECK_DEADLOCK FALSE" in export_tla(flat, {}, SourceCache())[1]


# ---- a process spec and its flat twin ------------------------------------------------------------
@pytest.mark.parametrize("locked", ["true", "false"])
def test_flat_and_process_agree(locked: str, tmp_path: Path) -> None:
    proc = run(write(tmp_path, LOCKED_COUNTER, "proc.hp"), LOCKED=locked)
    flat = run(write(tmp_path, LOCKED_COUNTER_FLAT, "flat.hp"), LOCKED=locked)
    for name in ("no_lost_update", "deadlock", "types"):
        p, f = proc[name], flat[name]
        assert p.verdict == f.verdict, name  # type: ignore[attr-defined]
        assert (p.trace is None) == (f.trace is None)  # type: ignore[attr-defined]
        if p.trace is not None:  # type: ignore[attr-defined]
            assert p.trace.length == f.trace.length  # type: ignore[attr-defined]
        assert p.distinct_states == f.distinct_states  # type: ignore[attr-defined]
    assert proc["types"].distinct_states == (13 if locked == "true" else 20)  # type: ignore[attr-defined]


# ---- helpers -------------------------------------------------------------------------------------
def _cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def _load(path: Path) -> s.SpecFile:
    from hpverify.parse import load_spec

    return load_spec(str(path), SourceCache())


def test_locks_and_vacuity_texts(tmp_path: Path) -> None:
    bad = write(tmp_path, "spec bad\ntype Cpu = {c0}\nvar flag: bool\nlock l\nprocess p by c0 {\n"
                "  maybe: if flag { lock(l) }\n  give:  unlock(l)\n}\n", "bad.hp")
    code, out, _ = _cli(["prove", str(bad)])
    assert code == 1
    assert "state 2 breaks locks: a lock was released by an instance that did not hold it\n" \
           "  l = (bad unlock)\n" in out
    assert "    2 | p at give (line 7)\n      |   l: free -> (bad unlock)\n" in out
    aa = write(tmp_path, "spec aa\ntype Cpu = {c0}\nlock l\nprocess p by c0 {\n  a: lock(l)\n"
               "  b: lock(l)\n}\nexpect deadlock violated in 1\n", "aa.hp")
    code, out, _ = _cli(["prove", str(aa), "--engine", "explicit"])
    assert code == 0
    assert "warning: step p at b (line 6) is never enabled" in out
    assert "state 1 breaks deadlock: no step can run\n  p waits at b (line 6)\n" in out


def test_simulate_counts_finished_runs(tmp_path: Path) -> None:
    f = write(tmp_path, LOCKED_COUNTER)
    code, out, _ = _cli(["simulate", str(f), "--runs", "5", "--seed", "1"])
    assert code == 0
    assert "5 runs finished (nothing left to run)" in out
    assert "incr.take" in out


# ---- a local named where a domain stands (NOTE(locals) in process.py) ---------------------
LOCAL_AFTER_IN = """
spec t
type T = 0..1
var x: bool
var y: 0..1
init { x = false  y = 0 }
process w by 0 {
  local T: set of 0..1 = {}
  a: await 1 in T
     x' = true
}
process v by 1 {
  local seen: set of 0..1 = {1}
  b: await (forall e in seen: e = 1) and (exists e in 0..1: e in seen)
     y' in seen
}
invariant never: not x
invariant picked: y = 0 or y = 1
invariant y_zero: y = 0
"""


@pytest.mark.parametrize("engine", ["explicit", "bmc", "kind", "kind_inductive", "pdr"])
def test_a_local_after_in_is_the_local(tmp_path: Path, engine: str) -> None:
    """`1 in T` with a local set T (which also names a type) reads the local: the step never
    runs (before the fix it read the type 0..1 and `never` was violated); a set-valued local
    is usable after `in`, in quantifiers and in `x' in` (it was HP110)."""
    got = summary(write(tmp_path, LOCAL_AFTER_IN), engine)
    assert got["never"] == "holds", got
    assert got["y_zero"] == "violated in 1", got
    assert got["deadlock"] == "violated in 1", got
