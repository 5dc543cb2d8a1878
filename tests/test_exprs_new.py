"""Definitions, expression `let`, `/` and `%`, `sum`/`min`/`max`/`choose`, `x' in S` and
quantifier ranges that read state (docs/language.md "Definitions, let and arithmetic"):
each feature's semantics on bmc, kind, pdr, explicit and the evaluator (a BFS of its own,
with evaluate.run_step), errors with their positions, hints for the TLA+ spellings, the new
words still usable as names, the trace/JSON/ITF rendering of `x' in S`, the TLA+ export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hpverify import evaluate as ev
from hpverify import ir
from hpverify.check import check
from hpverify.cli import main
from hpverify.diagnostics import HpError, SourceCache
from hpverify.engines.bmc import bmc
from hpverify.engines.common import Budget
from hpverify.engines.explicit import explicit
from hpverify.engines.kind import kind
from hpverify.engines.pdr import pdr
from hpverify.export_tla import export_tla
from hpverify.lower import lower
from hpverify.parse import load_spec, parse_text
from hpverify.trace import replay

DEPTH = 6


def model_of(text: str, tmp: Path) -> tuple[ir.Model, list[str]]:
    f = tmp / "t.hp"
    f.write_text(text)
    checked = check(load_spec(str(f), SourceCache()), {})
    return lower(checked), [i.name for i in checked.invariants] + [ir.TYPES]


def evaluator_verdicts(model: ir.Model, names: list[str]) -> dict[str, str]:
    """The evaluator alone: BFS over evaluate.run_step, the shortest violation of each."""
    found: dict[str, int] = {}
    layer = list(ev.initial_states(model))
    seen = {tuple(sorted(s.items())) for s in layer}
    depth = 0
    while layer:
        for st in layer:
            for n in names:
                if n not in found and not ev.invariant_ok(model, n, st):
                    found[n] = depth
        nxt = []
        for st in layer:
            if not ev.types_ok(model, st):
                continue
            for inst in model.instances:
                res = ev.run_step(model, inst, st)
                if res is not None and tuple(sorted(res.state.items())) not in seen:
                    seen.add(tuple(sorted(res.state.items())))
                    nxt.append(res.state)
        layer, depth = nxt, depth + 1
    return {n: f"violated in {found[n]}" if n in found else "holds" for n in names}


def verdicts(text: str, tmp: Path) -> dict[str, str]:
    """One verdict per invariant, after asserting that all engines and the evaluator agree."""
    model, names = model_of(text, tmp)
    truth = evaluator_verdicts(model, names)
    budget = Budget()
    runs = {"bmc": bmc(model, names, DEPTH, budget),
            "kind": kind(model, names, DEPTH, budget, inductive=True),  # NOTE(enumerated)
            "kind_enumerated": kind(model, names, DEPTH, budget),
            "pdr": pdr(model, names, DEPTH, budget),
            "explicit": explicit(model, names, 1 << 20, budget, stop_when_settled=False)}
    for engine, results in runs.items():
        for r in results:
            want = truth[r.invariant]
            if r.trace is not None:
                replay(model, r.trace, r.invariant, shortest=r.shortest)
            if want == "holds":
                assert r.verdict in (("holds", "unknown") if engine == "kind" else ("holds",)), \
                    (engine, r.invariant, r.wording())
            else:
                assert r.verdict == "violated" and r.trace is not None, (engine, r.invariant)
                assert f"violated in {r.trace.length}" == want, (engine, r.invariant)
    return truth


def errors(text: str) -> list[tuple[str, int, int, str]]:
    with pytest.raises(HpError) as info:
        check(parse_text(text, "t.hp"), {})
    return [(d.code, d.span.line, d.span.col, d.message) for d in info.value.diagnostics]


def syntax_error(text: str) -> tuple[str, int, int, str]:
    with pytest.raises(HpError) as info:
        parse_text(text, "t.hp")
    d = info.value.diagnostics[0]
    return d.code, d.span.line, d.span.col, d.message


# ---- def ------------------------------------------------------------------------------------
DEFS = """spec defs
const N = 3
type Cpu = {c0, c1}
var x: 0..N
var g: Cpu -> Cpu
def cap = N - 1
def inc(v: 0..N) = if v < cap then v + 1 else v
def owner(c: Cpu) = g[c]
def mine(i: Cpu) = forall j in Cpu: owner(j) = i
init { x = inc(0) - 1  forall c in Cpu: g[c] = c }
action step { x' = inc(x) }
action give(c: Cpu, d: Cpu) { require not mine(c)  g'[c] = d }
invariant below: x <= cap
invariant reached: x < cap
invariant someone: exists c in Cpu: not mine(c) or (forall j in Cpu: mine(j) implies j = c)
invariant all_mine: not (exists i in Cpu: mine(i))
expect when cap = 2: reached violated in 2
"""


def test_definitions_everywhere(tmp_path: Path) -> None:
    assert verdicts(DEFS, tmp_path) == {
        "below": "holds", "reached": "violated in 2", "someone": "holds",
        "all_mine": "violated in 1", "types": "holds"}


def test_definition_arguments_are_not_captured(tmp_path: Path) -> None:
    """NOTE(hygiene): `mine(j)` under `forall j` is not `forall j in Cpu: g[j] = j`."""
    text = DEFS.replace("invariant someone:", "invariant hyg: forall j in Cpu: mine(j) = "
                        "(forall k in Cpu: g[k] = j)\ninvariant someone:")
    assert verdicts(text, tmp_path)["hyg"] == "holds"


def test_definition_errors() -> None:
    assert errors("spec t\nvar x: 0..3\ndef inc(v: 0..3) = v + 1\ninvariant i: inc(x, 1) < 3\n") \
        == [("HP430", 4, 14, "'inc' takes 1 argument, not 2")]
    assert errors("spec t\nvar x: 0..3\ndef inc(v: 0..3) = v + 1\ninvariant i: inc = 1\n") \
        == [("HP430", 4, 14, "'inc' takes 1 argument, not 0")]
    assert errors("spec t\nvar x: 0..3\ndef inc(v: 0..3) = v + 1\ninvariant i: inc(true) < 3\n") \
        == [("HP431", 4, 18, "argument 'v' of 'inc' must be an int (0..3), not a bool")]
    assert errors("spec t\ndef f(v: 0..3) = if v = 0 then 0 else f(v - 1)\n"
                  "invariant i: f(2) = 0\n") \
        == [("HP432", 2, 39, "definition 'f' uses itself: definitions cannot be recursive")]
    assert errors("spec t\ndef f = f + 1\n") \
        == [("HP432", 2, 9, "definition 'f' uses itself: definitions cannot be recursive")]
    assert errors("spec t\nvar y: 0..3\ninvariant i: y(y, 1) <= 3\n") \
        == [("HP433", 3, 14, "'y' is a state variable, not a definition: it cannot be called")]
    assert errors("spec t\nvar x: 0..3\ndef d = x\nconst N = d\n") \
        == [("HP130", 3, 9, "constant 'N' cannot read state variable 'x'")]
    # an error in a body is reported once, where the body is, however often it is used
    assert errors("spec t\nvar x: 0..3\ndef d = x + true\ninvariant a: d = 1\n"
                  "invariant b: d = 2\n") == [("HP122", 3, 13, "expected an integer, found a bool")]
    assert errors("spec t\ndef d = 1\ndef d = 2\n")[0][:3] == ("HP111", 3, 5)


def test_a_declared_name_shadows_the_builtin_min(tmp_path: Path) -> None:
    text = ("spec t\nvar x: 0..3\ndef min(a: 0..3, b: 0..3) = a + b\ninit { x = min(1, 2) }\n"
            "invariant three: x = 3\n")
    assert verdicts(text, tmp_path)["three"] == "holds"


# ---- let ------------------------------------------------------------------------------------
def test_expression_let_and_statement_let(tmp_path: Path) -> None:
    text = ("spec t\nvar x: 0..5\ninit { x = let a = 2 in a * a - 3 }\n"
            "action up { let y = x + 1  x' = let z = y * 2 in (let y = z - y in y) }\n"
            "invariant i: let d = x + 1 in (let e = (d in 1..4) in e)\n")
    # x: 1 -> 2 -> 3 -> 4 (d = 5: false)
    assert verdicts(text, tmp_path) == {"i": "violated in 3", "types": "violated in 5"}


# ---- / and % ----------------------------------------------------------------------------------
def test_division_floors_and_remainder_is_nonnegative(tmp_path: Path) -> None:
    text = ("spec t\nvar x: -7..7\nvar d: 1..3\n"
            "invariant law: (x / d) * d + x % d = x and x % d >= 0 and x % d < d\n"
            "invariant floor: x >= 0 or d = 1 or x / d < 0\n"
            "invariant neg: x != -7 or d != 2 or (x / d = -4 and x % d = 1)\n")
    assert verdicts(text, tmp_path) == {"law": "holds", "floor": "holds", "neg": "holds",
                                        "types": "holds"}
    assert _const("-7 / 2") == -4 and _const("-7 % 2") == 1 and _const("7 / 2 * 2 + 7 % 2") == 7


def _const(e: str) -> object:
    checked = check(parse_text(f"spec t\nconst C = {e}\n", "t.hp"), {})
    return checked.consts[0][1]


def test_a_divisor_that_reads_state_and_is_zero_is_a_types_violation(tmp_path: Path) -> None:
    text = ("spec t\nvar n: 0..2\nvar x: 0..8\ninit { n = 2  x = 8 }\n"
            "action dec { require n > 0  n' = n - 1 }\naction half { x' = x / n }\n"
            "invariant big: x % (n + 1) >= 0\n")
    assert verdicts(text, tmp_path) == {"big": "holds", "types": "violated in 3"}
    text = "spec t\nvar n: 0..2\ninit { n = 0 }\ninvariant ok: 4 / n = 2\n"
    assert verdicts(text, tmp_path) == {"ok": "violated in 0", "types": "holds"}


def test_wide_division_does_not_wrap(tmp_path: Path) -> None:
    """encode.int_width covers / and %: no bit-vector wrap, bmc agrees with explicit."""
    text = ("spec t\nvar x: 0..3\ninit { x = 3 }\naction a { x' = (x * 37 - 5) / 37 }\n"
            "invariant i: (x * 37) % 7 != 9\n")
    # 3 -> 2 -> 1 -> 0 -> -1 (floored): out of the range in 4
    assert verdicts(text, tmp_path) == {"i": "holds", "types": "violated in 4"}


def test_constant_divisor_must_be_positive() -> None:
    assert errors("spec t\nvar x: 0..3\naction a { x' = x / (1 - 1) }\n") == [
        ("HP434", 3, 22, "the divisor of '/' is 0; it must be positive (as for TLA+'s \\div and %)")]
    assert errors("spec t\nconst D = -2\nvar x: 0..3\ninvariant i: x % D = 0\n")[0][:3] \
        == ("HP434", 4, 18)


# ---- sum, min, max, choose --------------------------------------------------------------------
AGG = """spec agg
type P = 1..3
type Cpu = {c0, c1, c2}
var f: P -> 0..2
var who: Cpu -> bool
init { forall p in P: f[p] = p - 1  forall c in Cpu: who[c] = false }
action set(p: P) { f'[p] in 0..2 }
action mark(c: Cpu) { who'[c] = true }
invariant total: (sum p in P: f[p]) <= 4
invariant lo: (min p in P: f[p]) = 0
invariant hi: (max p in P: f[p] * 2) <= 4 and max(f[1], f[2]) >= min(f[1], 0)
invariant first: (choose c in Cpu: who[c] or c = c2) = c2
invariant firstp: (choose p in P: f[p] = 2 or p = 3) = 3
invariant counted: (sum c in Cpu: if who[c] then 1 else 0) = (count c in Cpu: who[c])
"""


def test_aggregates(tmp_path: Path) -> None:
    assert verdicts(AGG, tmp_path) == {
        "total": "violated in 1", "lo": "violated in 1", "hi": "holds", "first": "violated in 1",
        "firstp": "violated in 1", "counted": "holds", "types": "holds"}


def test_empty_domain_errors_and_faults(tmp_path: Path) -> None:
    assert errors("spec t\nconst N = 0\ninvariant i: (max j in 1..N: j) > 0\n") \
        == [("HP435", 3, 24, "'max' over an empty domain has no value")]
    assert errors("spec t\ninvariant i: (choose j in 1..0: true) > 0\n")[0][:3] == ("HP435", 2, 27)
    assert verdicts("spec t\nvar n: 0..1\ninvariant i: (sum j in 1..n: j) = n\n", tmp_path) \
        == {"i": "holds", "types": "holds"}
    # over a range that reads state and is empty (n = 0): the invariant is false there
    assert verdicts("spec t\nvar n: 0..2\ninit { n = 2 }\naction d { n' = n - 1 }\n"
                    "invariant i: (min j in 1..n: j) = 1\n", tmp_path) \
        == {"i": "violated in 2", "types": "violated in 3"}
    # choose with no witness in a step: a `types` violation
    assert verdicts("spec t\nvar n: 0..3\ninit { n = 0 }\n"
                    "action a { n' = choose j in 0..3: j > n + 1 }\n", tmp_path) \
        == {"types": "violated in 2"}


# ---- quantifier ranges that read state --------------------------------------------------------
def test_ranges_that_read_state(tmp_path: Path) -> None:
    text = ("spec t\nvar n: 0..3\nvar f: 1..3 -> bool\ninit { n = 0  forall i in 1..3: f[i] = false }\n"
            "action grow { require n < 3  n' = n + 1  f'[n + 1] = true }\n"
            "invariant set: forall i in 1..n: f[i]\n"
            "invariant unset: not (exists i in n + 1..3: f[i])\n"
            "invariant c: (count i in 1..n: f[i]) = n and (sum i in 1..n: i) <= 3\n")
    assert verdicts(text, tmp_path) == {"set": "holds", "unset": "holds",
                                        "c": "violated in 3", "types": "holds"}
    assert errors("spec t\nvar x: 0..3\ninvariant i: exists j in 0..[k in 0..3: x + k][1]: j = 1\n") \
        == [("HP131", 3, 26, "the bounds of this range read state, and the types do not bound "
             "their values")]


# ---- x' in S ----------------------------------------------------------------------------------
PICK = """spec pick
var n: 0..3
var x: 0..3
var f: 1..2 -> {a, b, c}
init { n = 1  x = 0  forall i in 1..2: f[i] = a }
action grow { require n < 3  n' = n + 1 }
action choose_x { x' in 0..n }
action choose_f(i: 1..2) { if i = 2 { f'[i] in {b, c} } else { f'[i] in {a, b} } }
invariant small: x < 2
invariant not_c: f[2] != c
"""


def test_pick(tmp_path: Path) -> None:
    assert verdicts(PICK, tmp_path) == {"small": "violated in 2", "not_c": "violated in 1",
                                        "types": "holds"}
    model, _ = model_of(PICK, tmp_path)
    labels = sorted({i.label() for i in model.instances})
    assert labels == ["choose_f(i=1)", "choose_f(i=2)", "choose_x", "grow"]
    # out of the variable's range: a `types` violation, as for `x' = 5`
    assert verdicts("spec t\nvar x: 0..3\naction a { x' in 2..5 }\n", tmp_path) \
        == {"types": "violated in 1"}
    # an empty choice disables the step
    assert verdicts("spec t\nvar n: 0..2\nvar x: 0..2\ninit { n = 0  x = 0 }\n"
                    "action a { x' in 1..n }\ninvariant zero: x = 0\n", tmp_path) \
        == {"zero": "holds", "types": "holds"}


def test_pick_trace_json_and_itf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    Path("pick.hp").write_text(PICK + "expect small violated in 2\nexpect not_c violated in 1\n")
    assert main(["prove", "pick.hp", "--json", "--itf", "itf"]) == 0
    doc = json.loads(capsys.readouterr().out)
    res = {r["invariant"]: r for r in doc["specs"][0]["results"]}
    steps = res["not_c"]["trace"]["steps"]
    assert steps == [{"action": "choose_f", "actor": None, "params": {"i": 2},
                      "writes": [{"var": "f", "index": [2], "before": "a", "after": "c"}]}]
    assert [s["action"] for s in res["small"]["trace"]["steps"]] == ["grow", "choose_x"]
    assert res["small"]["trace"]["steps"][1]["params"] == {}
    itf = json.loads(next(Path("itf").glob("*not_c*")).read_text())
    assert itf["states"][1]["#meta"]["params"] == {"i": {"#bigint": "2"}}
    assert itf["states"][1]["#meta"]["label"] == "choose_f(i=2)"
    assert main(["prove", "pick.hp", "--traces"]) == 0
    out = capsys.readouterr().out
    assert "choose_f(i=2)\n      |   f[2]: a -> c" in out


# ---- the new words stay names -------------------------------------------------------------------
@pytest.mark.parametrize("word", ["def", "sum", "min", "max", "choose"])
def test_new_words_are_still_names(word: str, tmp_path: Path) -> None:
    text = (f"spec t\nvar {word}: 0..3\ninit {{ {word} = 0  {word} = 0 }}\n"
            f"action {word}(p: 0..1) {{ {word}' = {word} + p }}\n"
            f"invariant {word}_ok: {word} <= 2 and (forall {word}2 in 0..1: {word}2 <= {word} + 1)\n"
            f"expect {word}_ok violated in 3\n")
    assert verdicts(text, tmp_path)[f"{word}_ok"] == "violated in 3"
    parse_text(f"spec t\nconst {word} = 1\ntype T = {{{word}x, b}}\ncheck {word} in 1..2\n", "t.hp")


def test_def_as_a_plain_expression_item_in_init(tmp_path: Path) -> None:
    """`def` starts a definition only where a declaration may start."""
    text = "spec t\nvar def: bool\nvar y: bool\ninit { def = true  y = def }\ninvariant i: y\n"
    assert verdicts(text, tmp_path)["i"] == "holds"


# ---- hints --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("line", "col", "message"), [
    ("invariant a: x \\div 2 = 1", 16, "`\\div` is not hp syntax; for integer division write `/`"),
    ("invariant a: LET y == 1 IN y = x", 14,
     "`LET x == e IN body` is TLA+; hp writes `let x = e in body`"),
    ("invariant a: (CHOOSE y \\in 0..3 : y > x) = 1", 15,
     "`CHOOSE x \\in S : P` is TLA+; hp writes `choose x in S: P`"),
    ("def f(y: 0..1) == y", 16, "`==` is TLA+'s definition; hp writes `def name(p: D) = expr`"),
    ("invariant a: x /= 1", 16, "`/=` is not hp syntax; for not-equal write `!=`"),
    ("invariant a: x = 1 /\\ x = 2", 20, "`/\\` is not hp syntax; for conjunction write `and`"),
])
def test_hints_for_tla_spellings(line: str, col: int, message: str) -> None:
    assert syntax_error(f"spec t\nvar x: 0..3\n{line}\n") == ("HP007", 3, col, message)


def test_let_value_is_parenthesised_when_it_is_not_arithmetic() -> None:
    code, line, col, _ = syntax_error("spec t\nvar x: 0..3\ninvariant a: let b = x in 1..2 in b\n")
    assert (code, line) == ("HP002", 3)


# ---- TLA+ export --------------------------------------------------------------------------------
def test_export(tmp_path: Path) -> None:
    for text in (DEFS, AGG, PICK):
        f = tmp_path / "e.hp"
        f.write_text(text)
        module, _ = export_tla(load_spec(str(f), SourceCache()), {}, SourceCache())
        tla = pytest.importorskip("tla")
        tla.parse(module)
    assert "inc(v) == (IF (v < cap) THEN (v + 1) ELSE v)" in _export(DEFS, tmp_path)
    agg = _export(AGG, tmp_path)
    assert "HpSumOver([p \\in P |-> f[p]], P)" in agg
    assert 'HpRank(HpRankV) == CASE HpRankV = "c0" -> 0' in agg
    pick = _export(PICK, tmp_path)
    assert "\\E x_new \\in (0..n) :" in pick and "x' = x_new" in pick
    div = _export("spec t\nvar x: 0..3\ninvariant i: x / 2 + x % 3 = (let y = x in y)\n", tmp_path)
    assert "i == (((x \\div 2) + (x % 3)) = (LET y == x IN y))" in div


def _export(text: str, tmp: Path) -> str:
    f = tmp / "x.hp"
    f.write_text(text)
    return export_tla(load_spec(str(f), SourceCache()), {}, SourceCache())[0]


def test_a_variable_does_not_hide_a_builtin(tmp_path: Path) -> None:
    """NOTE(builtins) in check.py: a variable cannot be called, so `max(max, 1)` is the
    built-in applied to the variable `max` (as `union(s, {union})` is for sets)."""
    text = ("spec t\nvar max: 0..3\ninit { max = 0 }\naction a { max' = max(max, 1) }\n"
            "invariant small: max <= 1\ninvariant zero: max = 0\n")
    got = verdicts(text, tmp_path)
    assert got["small"] == "holds" and got["zero"] == "violated in 1"


def test_a_choice_over_a_set_variable(tmp_path: Path) -> None:
    """`x' in S` with S a set: one hidden parameter over S's element domain, guarded by
    membership (NOTE(pick)); every engine and the evaluator agree."""
    text = ("spec t\nvar s: set of 1..3\nvar x: 0..3\ninit { s = {1, 3}  x = 0 }\n"
            "action a { x' in s }\ninvariant never2: x != 2\ninvariant never3: x != 3\n")
    got = verdicts(text, tmp_path)
    assert got["never2"] == "holds" and got["never3"] == "violated in 1"
