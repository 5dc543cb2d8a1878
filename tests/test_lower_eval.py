"""lower.py and evaluate.py: parameter expansion, quantifier expansion, constant folding that
keeps the lazy semantics (NOTE(lazy-fold)), functional updates in program order, read errors
(NOTE(read-error)), requires and init items (NOTE(step-order)), forced init values."""

from __future__ import annotations

from hpverify import evaluate as ev
from hpverify import ir
from hpverify.check import check
from hpverify.lower import lower
from hpverify.parse import parse_text


def model_of(text: str, consts: dict[str, str] | None = None) -> ir.Model:
    return lower(check(parse_text(text, "t.hp"), consts or {}))


def inst(model: ir.Model, label: str) -> ir.Instance:
    for i in model.instances:
        if i.label() == label:
            return i
    raise KeyError(f"{label} not in {[i.label() for i in model.instances]}")


def step(model: ir.Model, label: str, state: ir.State) -> ev.StepResult | None:
    return ev.run_step(model, inst(model, label), {**state, ev.ERR: False})


def strip(st: ir.State) -> ir.State:
    return {k: v for k, v in st.items() if k != ev.ERR}


# ---- expansion --------------------------------------------------------------------------------
def test_parameters_expand_in_domain_order_and_never_enabled_instances_drop() -> None:
    m = model_of("""spec t
const N = 2
type C = {c0, c1}
var x: 0..3
action a(k: 1..3, c: C) by c { require k <= N  x' = k }
action b { require false  x' = 0 }
action never_read(k: 1..2) { require k = 3 }
""")
    assert [i.label() for i in m.instances] == ["a(k=1, c=c0)", "a(k=1, c=c1)", "a(k=2, c=c0)",
                                                "a(k=2, c=c1)"]
    assert [i.actor_name() for i in m.instances] == ["c0", "c1", "c0", "c1"]
    assert m.actions == ("a", "b", "never_read")


def test_require_true_after_folding_disappears() -> None:
    m = model_of("spec t\nconst N = 2\nvar x: 0..3\naction a(k: 1..2) { require k <= N  x' = k }\n")
    assert all(not any(isinstance(s, ir.Require) for s in i.body) for i in m.instances)


def test_quantifiers_expand_and_fold() -> None:
    m = model_of("""spec t
const N = 2
var f: 1..2 -> bool
invariant all: forall k in 1..N: f[k]
invariant none: exists k in 1..N: false
invariant cnt: (count k in 1..3: k <= N) = 2
invariant dep: forall k in 1..N: exists j in 1..k: j = k
""")
    f = ir.Var("f", ir.FunT(ir.IntT(1, 2), ir.BoolT()))
    body = m.invariant("all").body
    assert isinstance(body, ir.And) and len(body.args) == 2
    assert body.args[0] == ir.Index(f, ir.Lit(1, ir.IntT(1, 2)), ir.BoolT())
    assert m.invariant("none").body == ir.Lit(False, ir.BoolT())
    assert m.invariant("cnt").body == ir.Lit(True, ir.BoolT())
    assert m.invariant("dep").body == ir.Lit(True, ir.BoolT())


def test_function_constructor_folds_to_a_literal() -> None:
    m = model_of("spec t\nvar f: 1..3 -> 0..9\ninit { f = [i in 1..3: i * 2] }\n")
    (item,) = m.init
    assert isinstance(item, ir.Eq) and item.right == ir.Lit((2, 4, 6), item.right.type)


def test_empty_quantifiers() -> None:
    m = model_of("spec t\ninvariant a: forall i in 1..0: false\ninvariant e: exists i in 1..0: true\n"
                 "invariant c: (count i in 1..0: true) = 0\n")
    assert [i.body for i in m.invariants] == [ir.Lit(True, ir.BoolT()), ir.Lit(False, ir.BoolT()),
                                              ir.Lit(True, ir.BoolT())]


# ---- folding keeps lazy semantics --------------------------------------------------------------
LAZY = """spec t
var f: 1..2 -> bool
var x: 0..3
action keep(k: 1..3) { require f[k] and false  x' = 1 }
action cut(k: 1..3) { require false and f[k]  x' = 1 }
action orkeep(k: 1..3) { require f[k] or true  x' = 2 }
"""


def test_fold_keeps_impure_operand_in_front_of_a_deciding_literal() -> None:
    m = model_of(LAZY)
    labels = [i.label() for i in m.instances]
    # in-domain reads are pure: `f[1] and false` folds to false and the instance drops
    assert "keep(k=1)" not in labels and "keep(k=3)" in labels
    # a literal that decides the result first cuts off what follows: no read, never enabled
    assert not any(lbl.startswith("cut") for lbl in labels)
    assert "orkeep(k=3)" in labels
    req = inst(m, "keep(k=3)").body[0]
    assert isinstance(req, ir.Require) and isinstance(req.cond, ir.And)


def test_impure_read_in_decided_require_still_counts() -> None:
    m = model_of(LAZY)
    s0 = {"f": (True, True), "x": 0}
    # f[3] reads outside 1..2: the require's own evaluation errs, so it does not disable
    r = step(m, "keep(k=3)", s0)
    assert r is not None and r.error and r.state["x"] == 1
    r = step(m, "orkeep(k=3)", s0)
    assert r is not None and r.error
    # in-domain: `f[k] or true` is just true
    r = step(m, "orkeep(k=1)", s0)
    assert r is not None and not r.error and r.state["x"] == 2


# ---- evaluation: reads, requires, branches ---------------------------------------------------------
def test_read_error_yields_last_entry_and_flags_the_step() -> None:
    m = model_of("spec t\nvar f: 1..3 -> 0..9\nvar x: 0..9\naction a(k: 0..4) { x' = f[k] }\n")
    s0 = {"f": (4, 5, 6), "x": 0}
    r = step(m, "a(k=2)", s0)
    assert r is not None and (r.state["x"], r.error) == (5, False)
    for k in (0, 4):
        r = step(m, f"a(k={k})", s0)
        assert r is not None and (r.state["x"], r.error) == (6, True)
        assert not ev.types_ok(m, r.state)


def test_write_error_changes_nothing() -> None:
    m = model_of("spec t\nvar f: 1..2 -> 0..9\naction a(k: 0..2) { f'[k] = 7 }\n")
    r = step(m, "a(k=0)", {"f": (1, 2)})
    assert r is not None and r.error and r.state["f"] == (1, 2)
    r = step(m, "a(k=2)", {"f": (1, 2)})
    assert r is not None and not r.error and r.state["f"] == (1, 7)


def test_false_require_disables_and_performs_no_read() -> None:
    m = model_of("spec t\nvar f: 1..2 -> bool\nvar b: bool\n"
                 "action a(k: 1..3) { require b  require f[k]  b' = false }\n")
    assert step(m, "a(k=3)", {"f": (True, True), "b": False}) is None
    r = step(m, "a(k=3)", {"f": (True, True), "b": True})
    assert r is not None and r.error


def test_require_that_reads_outside_a_domain_does_not_disable() -> None:
    m = model_of("spec t\nvar f: 1..2 -> bool\nvar b: bool\n"
                 "action a(k: 1..3) { require f[k]  b' = true }\n")
    r = step(m, "a(k=3)", {"f": (False, False), "b": False})  # f[3] -> last entry, false
    assert r is not None and r.error and r.state["b"] is True


def test_forall_short_circuits_left_to_right_count_evaluates_all() -> None:
    m = model_of("""spec t
var f: 1..3 -> bool
var x: 0..5
action fa { require forall i in 1..4: f[i]  x' = 1 }
action ex { require exists i in 1..4: f[i]  x' = 2 }
action cn { require (count i in 1..4: f[i]) >= 0  x' = 3 }
""")
    assert step(m, "fa", {"f": (False, True, True), "x": 0}) is None  # stops at f[1]
    r = step(m, "fa", {"f": (True, True, True), "x": 0})
    assert r is not None and r.error  # reaches f[4]
    r = step(m, "ex", {"f": (True, False, False), "x": 0})
    assert r is not None and not r.error  # stops at f[1]
    r = step(m, "ex", {"f": (False, False, True), "x": 0})
    assert r is not None and not r.error  # f[3] is true
    r = step(m, "ex", {"f": (False, False, False), "x": 0})
    assert r is not None and r.error  # reaches f[4]: last entry, false, but the step is taken
    r = step(m, "cn", {"f": (False, False, False), "x": 0})
    assert r is not None and r.error and r.state["x"] == 3


def test_untaken_branch_and_untaken_if_arm_perform_no_read() -> None:
    m = model_of("""spec t
var f: 1..2 -> bool
var x: 0..5
var b: bool
action a(k: 1..3) {
  if k <= 2 { x' = 1 } else if x = 5 { require f[k] } else { x' = 2 }
  if false { b' = f[k] }
}
action b(k: 1..3) { x' = if k <= 2 then (if f[k] then 1 else 0) else 5 }
""")
    r = step(m, "a(k=3)", {"f": (True, True), "x": 0, "b": False})
    assert r is not None and not r.error and r.state["x"] == 2
    r = step(m, "a(k=3)", {"f": (True, True), "x": 5, "b": False})
    assert r is not None and r.error
    r = step(m, "b(k=3)", {"f": (True, True), "x": 0, "b": False})
    assert r is not None and not r.error and r.state["x"] == 5


def test_require_inside_a_branch_applies_only_there() -> None:
    m = model_of("spec t\nvar x: 0..5\n"
                 "action a { if x = 0 { require false } else { x' = x - 1 } }\n")
    assert step(m, "a", {"x": 0}) is None
    r = step(m, "a", {"x": 3})
    assert r is not None and r.state["x"] == 2


def test_every_right_hand_side_reads_the_current_state() -> None:
    m = model_of("spec t\nvar x: 0..5\nvar y: 0..5\naction swap { x' = y  y' = x }\n"
                 "action chain { x' = x + 1  y' = x }\n")
    assert strip(step(m, "swap", {"x": 1, "y": 2}).state) == {"x": 2, "y": 1}  # type: ignore[union-attr]
    assert strip(step(m, "chain", {"x": 1, "y": 0}).state) == {"x": 2, "y": 1}  # type: ignore[union-attr]


def test_unassigned_variables_keep_their_values() -> None:
    m = model_of("spec t\nvar x: 0..5\nvar f: 1..2 -> 0..5\naction a { f'[2] = 5 }\n")
    assert strip(step(m, "a", {"x": 4, "f": (1, 2)}).state) == {"x": 4, "f": (1, 5)}  # type: ignore[union-attr]


# ---- functional updates in program order -----------------------------------------------------------
UPDATES = """spec t
var g: 1..2 -> 1..2 -> 0..3
var r: 1..2 -> 0..3
var f: 1..3 -> 0..3
action row { g'[1] = r  g'[1][2] = 2 }
action later_wins(i: 1..3, j: 1..3) { f'[i] = 1  f'[j] = 2 }
action whole_then_entry { r' = [i in 1..2: 3]  r'[1] = 0 }
action branch { if r[1] = 0 { r'[1] = 1 } else { r'[2] = 1 }  r'[1] = 2 }
"""


def test_whole_row_then_entry() -> None:
    m = model_of(UPDATES)
    s0 = {"g": ((0, 0), (0, 0)), "r": (1, 1), "f": (0, 0, 0)}
    assert step(m, "row", s0).state["g"] == ((1, 2), (0, 0))  # type: ignore[union-attr]


def test_same_index_later_one_wins() -> None:
    m = model_of(UPDATES)
    s0 = {"g": ((0, 0), (0, 0)), "r": (1, 1), "f": (0, 0, 0)}
    assert step(m, "later_wins(i=2, j=2)", s0).state["f"] == (0, 2, 0)  # type: ignore[union-attr]
    assert step(m, "later_wins(i=1, j=3)", s0).state["f"] == (1, 0, 2)  # type: ignore[union-attr]


def test_whole_then_entry_and_branch_then_entry() -> None:
    m = model_of(UPDATES)
    s0 = {"g": ((0, 0), (0, 0)), "r": (0, 0), "f": (0, 0, 0)}
    assert step(m, "whole_then_entry", s0).state["r"] == (0, 3)  # type: ignore[union-attr]
    assert step(m, "branch", s0).state["r"] == (2, 0)  # type: ignore[union-attr]
    assert step(m, "branch", {**s0, "r": (3, 3)}).state["r"] == (2, 1)  # type: ignore[union-attr]


# ---- invariants -----------------------------------------------------------------------------------
def test_invariant_that_reads_outside_a_domain_is_violated() -> None:
    m = model_of("spec t\nvar f: 1..2 -> bool\nvar i: 0..3\ninvariant inv: f[i] or true\n"
                 "invariant lazy: i = 0 or i = 3 or f[i]\n")
    assert not ev.invariant_ok(m, "inv", {"f": (True, True), "i": 3, ev.ERR: False})
    assert ev.invariant_ok(m, "inv", {"f": (True, True), "i": 1, ev.ERR: False})
    assert ev.invariant_ok(m, "lazy", {"f": (True, True), "i": 3, ev.ERR: False})


def test_in_an_error_state_only_types_is_judged() -> None:
    m = model_of("spec t\nvar x: 0..3\ninvariant never: false\n")
    assert ev.invariant_ok(m, "never", {"x": 0, ev.ERR: True})
    assert not ev.invariant_ok(m, "never", {"x": 0, ev.ERR: False})
    assert not ev.invariant_ok(m, ir.TYPES, {"x": 0, ev.ERR: True})


def test_out_of_range_value_is_a_types_violation_and_invariants_are_still_judged() -> None:
    m = model_of("spec t\nvar x: 0..3\ninvariant small: x < 4\n")
    st = {"x": 4, ev.ERR: False}
    assert not ev.types_ok(m, st) and not ev.invariant_ok(m, "small", st)


# ---- initial states ---------------------------------------------------------------------------------
def _inits(text: str) -> list[ir.State]:
    return list(ev.initial_states(model_of(text)))


def test_unconstrained_variables_range_over_their_types() -> None:
    assert len(_inits("spec t\nvar x: 0..2\nvar f: bool -> bool\n")) == 3 * 4
    assert len(_inits("spec t\nvar x: 0..2\ninit { x != 1 }\n")) == 2


def test_several_init_blocks_conjoin() -> None:
    got = _inits("spec t\nvar x: 0..3\nvar y: 0..3\ninit { x = 1 }\ninit { y > x }\n")
    assert sorted(strip(s)["y"] for s in got) == [2, 3]


def test_forced_init_value_may_be_out_of_type() -> None:
    (s0,) = _inits("spec t\nvar x: 0..3\ninit { x = 7 }\n")
    assert s0["x"] == 7 and not s0[ev.ERR]
    (s0,) = _inits("spec t\nvar x: 0..3\nvar y: 0..3\ninit { x = y + 1  y = 3 }\n")
    assert (s0["x"], s0["y"]) == (4, 3)
    got = {strip(s)["f"] for s in _inits("spec t\nvar f: 1..2 -> 0..3\ninit { f[1] = 9  f[2] = 0 }\n")}
    assert got == {(9, 0)}
    # an entry not forced ranges over its type
    got = {strip(s)["f"] for s in _inits("spec t\nvar f: 1..2 -> 0..3\ninit { f[1] = 9 }\n")}
    assert got == {(9, v) for v in range(4)}


def test_initial_states_are_distinct() -> None:
    got = _inits("spec t\nvar f: 1..2 -> 0..3\ninit { f[1] = 9  f[2] = 0 }\n")
    assert len(got) == 1


def test_non_equation_init_items_constrain_within_the_type() -> None:
    assert _inits("spec t\nvar x: 0..3\ninit { x = 7 or x = 8 }\n") == []
    assert _inits("spec t\nvar x: 0..3\ninit { x > 5 }\n") == []


def test_init_item_that_reads_outside_a_domain_marks_the_state() -> None:
    got = _inits("spec t\nvar f: 1..2 -> bool\ninit { f[1]  f[3] }\n")
    assert got and all(s[ev.ERR] for s in got)


def test_contradictory_init_has_no_states() -> None:
    assert _inits("spec t\nvar x: 0..3\ninit { x = 1  x = 2 }\n") == []


def test_lazy_fold_keeps_pure_operands_before_an_impure_one() -> None:
    """NOTE(lazy-fold): `f[1] or f[4] or true` keeps f[1], which stops the read of f[4]."""
    m = model_of("""spec t
var f: 1..3 -> bool
invariant a: f[1] or f[4] or true
invariant b: f[4] or f[1] or true
invariant c: f[1] or f[2] or true
""")
    assert ir.render(m.invariant("a").body) == "f[1] or f[4] or true"
    assert ir.render(m.invariant("b").body) == "f[4] or true"  # a pure tail may go
    assert ir.render(m.invariant("c").body) == "true"
    st = {"f": (True, True, True), ev.ERR: False}
    assert ev.invariant_ok(m, "a", st)


def test_init_definitions_order_and_cycles() -> None:
    """NOTE(init-definitions): definitions in computation order; cycles, what reads them and
    redefinitions are plain constraints."""
    m = model_of("""spec t
var x: 0..3
var y: 0..3
var z: 0..3
var w: 0..3
var f: 1..2 -> 0..3
init { y = x + 1  x = 3  z = z  w = z  x = 2  forall i in 1..2: f[i] = i }
""")
    assert [(d.var, d.path) for d in m.init_defs] == [("x", ()), ("y", ()), ("f", (1,)),
                                                     ("f", (2,))]
    m3 = model_of("spec t\nvar x: 0..3\nvar y: 0..3\nvar f: 1..2 -> 0..3\n"
                  "init { f[1] = 0  f[2] = f[1] + 1  x = if true then 1 else y  y = x }\n")
    assert m3.init_defs == (ir.InitDef("f", (1,), ir.Lit(0, ir.IntT())),)  # as written
    assert [strip(s) for s in ev.initial_states(m)] == []  # x = 3 and x = 2: no state
    m2 = model_of("spec t\nvar x: 0..3\nvar y: 0..3\ninit { x = 3 - y  y = 3 - x }\n")
    assert m2.init_defs == ()
    assert sorted((s["x"], s["y"]) for s in ev.initial_states(m2)) == [(0, 3), (1, 2), (2, 1),
                                                                      (3, 0)]
