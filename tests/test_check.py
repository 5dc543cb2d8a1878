"""check.py: names, scopes, types, levels, assignment rules. Every HP1xx code, all errors
reported sorted, constants with `--const` overrides and dependent constants, sweeps,
`expect when`, shadowing and the separate namespaces of actions and invariants."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
from pathlib import Path

import pytest

from hpverify import ir
from hpverify.check import CheckedSpec, check
from hpverify.cli import main
from hpverify.diagnostics import HpError
from hpverify.parse import parse_text


def checked(text: str, overrides: dict[str, str] | None = None) -> CheckedSpec:
    return check(parse_text(text, "t.hp"), overrides or {})


def errs(text: str, overrides: dict[str, str] | None = None) -> list[tuple[str, int, int]]:
    with pytest.raises(HpError) as info:
        checked(text, overrides)
    return [(d.code, d.span.line, d.span.col) for d in info.value.diagnostics]


def messages(text: str) -> list[str]:
    with pytest.raises(HpError) as info:
        checked(text)
    return [d.message for d in info.value.diagnostics]


# One spec per error code (and variant): (code, text, line, col, message).
CASES = [
    ("HP101", "var x: 0..3\nspec t\n", 1, 1, "a spec must begin with 'spec NAME'"),
    ("HP101", "", 1, 1, "a spec must begin with 'spec NAME'"),
    ("HP102", "spec t\nspec u\n", 2, 1, "a second 'spec' declaration"),
    ("HP103", "spec t\ncheck depth 3\ncheck depth 4\n", 3, 1, "a second 'check depth'"),
    ("HP110", "spec t\nvar x: 0..3\ninvariant i: y = 1\n", 3, 14, "'y' is not declared"),
    ("HP110", "spec t\nvar x: 0..N\nconst N = 1\n", 2, 11, "'N' is used before it is declared"),
    ("HP110", "spec t\nvar x: 0..3\nexpect i holds\ninvariant i: x = 0\n", 3, 8,
     "invariant 'i' is named before it is declared"),
    ("HP110", "spec t\naction a { x' = 1 }\n", 2, 12, "'x' is not declared"),
    ("HP111", "spec t\nvar x: 0..3\nvar x: bool\n", 3, 5, "'x' is already declared"),
    ("HP111", "spec t\nconst x = 1\ntype x = bool\n", 3, 6, "'x' is already declared"),
    ("HP111", "spec t\naction a { }\naction a { }\n", 3, 8, "action 'a' is already declared"),
    ("HP111", "spec t\ninvariant i: true\ninvariant i: true\n", 3, 11,
     "invariant 'i' is already declared"),
    ("HP111", "spec t\ninvariant types: true\n", 2, 11,
     "'types' is the built-in invariant and cannot be redeclared"),
    ("HP111", "spec t\naction a(i: 1..2, i: bool) { }\n", 2, 19, "parameter 'i' is declared twice"),
    ("HP112", "spec t\ntype A = {red, green}\ntype B = {red, blue}\n", 3, 11,
     "'red' is already declared; enum values are global names and must be unique in the spec"),
    ("HP112", "spec t\ntype A = {red, red}\n", 2, 16, "enum value 'red' appears twice"),
    ("HP112", "spec t\nvar on: bool\ntype S = {on, off}\n", 3, 11,
     "'on' is already declared; enum values are global names and must be unique in the spec"),
    ("HP120", "spec t\ntype T = 0..3\ninvariant i: 1 = T\n", 3, 18, "'T' is a type, not a value"),
    ("HP120", "spec t\nvar x: 0..3\naction a { x' = true }\n", 3, 17,
     "cannot assign a bool to 'x', which is an int (0..3)"),
    ("HP120", "spec t\ntype C = {a, b}\nvar f: C -> bool\naction a by [c in C: true] { }\n",
     4, 13, "an actor must be an int, a bool or an enum value"),
    ("HP120", "spec t\nvar x: 0..3\ninvariant i: x in {x}\n", 3, 20,
     "'x' is a state variable, not an enum value"),
    ("HP121", "spec t\nvar x: 0..3\ninvariant i: x + 1\n", 3, 14, "expected a bool, found an int"),
    ("HP121", "spec t\nvar x: 0..3\ninvariant i: not x\n", 3, 14,
     "'not' needs a bool, found an int (0..3)"),
    ("HP121", "spec t\nvar x: 0..3\naction a { require x }\n", 3, 20,
     "expected a bool, found an int (0..3)"),
    ("HP122", "spec t\nvar b: bool\ninvariant i: b + 1 = 2\n", 3, 14,
     "expected an integer, found a bool"),
    ("HP122", "spec t\nconst N = true\nvar x: 0..N\n", 3, 11,
     "a range bound must be an integer, not a bool"),
    ("HP123", "spec t\nvar x: 0..3\ninvariant i: x[1] = 0\n", 3, 14,
     "cannot index an int (0..3): only functions can be indexed"),
    ("HP124", "spec t\nvar f: 1..3 -> bool\ninvariant i: f[true]\n", 3, 16,
     "the index is a bool, but the function's domain is 1..3"),
    ("HP125", "spec t\nvar b: bool\ninvariant i: b = 1\n", 3, 14, "cannot compare a bool with an int"),
    ("HP125", "spec t\nvar b: bool\ninvariant i: if b then 1 else true\n", 3, 14,
     "the branches of 'if' have different types: an int and a bool"),
    ("HP125", "spec t\ntype C = {a, b}\ntype D = {d}\nvar x: C\ninvariant i: x in {a, d}\n",
     5, 23, "'d' belongs to D, not C"),
    ("HP125", "spec t\nvar f: 1..2 -> bool\nvar g: 1..3 -> bool\ninvariant i: f = g\n", 4, 14,
     "cannot compare a function 1..2 -> bool with a function 1..3 -> bool"),
    ("HP126", "spec t\nvar x: 0..3\nvar y: x\n", 3, 8, "'x' is a state variable, not a type"),
    ("HP126", "spec t\ntype M = 1..2 -> bool\nvar f: M -> bool\n", 3, 8,
     "a function's domain must be bool, a range or an enum"),
    ("HP126", "spec t\ntype C = {a, b, c}\nvar f: C -> bool\ninvariant i: f = [x in {a, b}: true]\n",
     4, 24, "a function's domain must be a whole enum type, bool or a range"),
    ("HP126", "spec t\ntype M = 1..2 -> bool\ninvariant i: forall m in M: true\n", 3, 26,
     "'M' is a function type, not a domain"),
    ("HP127", "spec t\nvar x: 3..1\n", 2, 8, "the range 3..1 is empty"),
    ("HP127", "spec t\nvar f: 1..2 -> bool\ninvariant i: f = [j in 3..1: true]\n", 3, 24,
     "a function over an empty domain"),
    ("HP130", "spec t\nvar x: 0..3\nconst N = x\n", 3, 11,
     "constant 'N' cannot read state variable 'x'"),
    ("HP130", "spec t\nvar x: 0..3\nvar y: 0..x\n", 3, 11, "type cannot read state variable 'x'"),
    ("HP130", "spec t\nconst K = [i in 1..2: true]\n", 2, 11,
     "a constant must be an int, a bool or an enum value"),
    ("HP130", "spec t\nvar x: 0..3\ninvariant i: true\nexpect when x = 1: i holds\n", 4, 13,
     "expect when cannot read state variable 'x'"),
    ("HP130", "spec t\nvar f: 1..2 -> bool\naction a by f { }\n", 3, 13,
     "the actor of action 'a' cannot read state variable 'f'"),
    ("HP131", "spec t\nvar x: 0..3\ninvariant i: exists j in 0..[k in 0..3: x + k][1]: j = 1\n",
     3, 26, "the bounds of this range read state, and the types do not bound their values"),
    ("HP140", "spec t\nvar x: 0..3\ninvariant i: x' = 1\n", 3, 14,
     "primed variable x' cannot be read in invariant 'i': primes appear only on the left of "
     "an assignment, and every right-hand side reads the current state"),
    ("HP140", "spec t\nvar x: 0..3\naction a { x' = x' + 1 }\n", 3, 17,
     "primed variable x' cannot be read in action 'a': primes appear only on the left of "
     "an assignment, and every right-hand side reads the current state"),
    ("HP128", "spec t\naction a(i: 1..100000) { }\n", 2, 13,
     "the range 1..100000 has 100000 values; a domain that is enumerated (parameters, "
     "quantifiers, function domains) may have at most 65536"),
    ("HP128", "spec t\nvar f: 1..100000 -> bool\n", 2, 8,
     "a function over 1..100000 would have 100000 entries; a function domain may have at most "
     "65536"),
    ("HP141", "spec t\nconst N = 1\naction a { N' = 2 }\n", 3, 12,
     "'N' is a constant, not a state variable; only state variables can be primed"),
    ("HP141", "spec t\nvar x: 0..3\naction a(x: 1..2) { x' = 1 }\n", 3, 21,
     "'x' is a parameter, not a state variable; only state variables can be primed"),
    ("HP141", "spec t\nvar x: 0..3\naction a { let x = 1  x' = 1 }\n", 3, 23,
     "'x' is a let, not a state variable; only state variables can be primed"),
    ("HP142", "spec t\nvar f: 1..2 -> bool\naction a { f'[1] = true  f' = [i in 1..2: false] }\n",
     3, 26, "'f' is assigned as a whole after another assignment to it on the same path"),
    ("HP142", "spec t\nvar x: 0..3\naction a { x' = 1  x' = 2 }\n", 3, 20,
     "'x' is assigned as a whole after another assignment to it on the same path"),
    ("HP142", "spec t\nvar x: 0..3\naction a { if x = 0 { x' = 1 } x' = 2 }\n", 3, 32,
     "'x' is assigned as a whole after another assignment to it on the same path"),
    ("HP143", "spec t\nvar x: 0..3\naction a { x'[1] = 2 }\n", 3, 12,
     "too many indices: 'x' has type 0..3"),
    ("HP150", "spec t\nvar x: 0..3\nexpect nope holds\n", 3, 8,
     "expect names 'nope', which is not an invariant"),
    ("HP170", "spec t\nvar x: 0..3\ncheck N in 1..3\n", 3, 7,
     "'check N in ...' needs a constant declared before it"),
    ("HP170", "spec t\nconst N = 1\ncheck N in bool\n", 3, 12,
     "constant 'N' is int, but the sweep gives bool values"),
]


def _code(case: object) -> str:
    return str(case.values[0] if hasattr(case, "values") else case[0])  # type: ignore[index]


@pytest.mark.parametrize(("code", "text", "line", "col", "message"), CASES,
                         ids=[f"{_code(c)}-{i}" for i, c in enumerate(CASES)])
def test_error_code(code: str, text: str, line: int, col: int, message: str) -> None:
    with pytest.raises(HpError) as info:
        checked(text)
    got = [(d.code, d.span.line, d.span.col, d.message) for d in info.value.diagnostics]
    assert got == [(code, line, col, message)]


def test_every_checker_code_has_a_case() -> None:
    import hpverify.check as mod

    emitted = set(re.findall(r'"(HP1\d\d)"', Path(mod.__file__).read_text()))
    assert emitted <= {_code(c) for c in CASES}


def test_notes_point_at_related_places() -> None:
    with pytest.raises(HpError) as info:
        checked("spec t\ncheck depth 3\nvar x: 0..3\nvar x: bool\ncheck depth 4\n")
    first, second = info.value.diagnostics
    assert first.code == "HP111" and first.notes[0].message == "first declared here"
    assert (first.notes[0].span.line, first.notes[0].span.col) == (3, 5)  # type: ignore[union-attr]
    assert second.code == "HP103" and second.notes[0].message == "first given here"
    assert second.notes[0].span.line == 2  # type: ignore[union-attr]


def test_used_before_declared_note() -> None:
    with pytest.raises(HpError) as info:
        checked("spec t\nvar x: 0..N\nconst N = 1\n")
    (d,) = info.value.diagnostics
    assert d.notes[0].message == "declared here"
    assert (d.notes[0].span.line, d.notes[0].span.col) == (3, 7)  # type: ignore[union-attr]


def test_all_errors_reported_sorted() -> None:
    text = """spec t
spec u
var x: 0..3
var x: 0..3
invariant i: y
action a { z' = 1  x' = true }
invariant j: x + 1
"""
    assert errs(text) == [("HP102", 2, 1), ("HP111", 4, 5), ("HP110", 5, 14),
                          ("HP110", 6, 12), ("HP120", 6, 25), ("HP121", 7, 14)]


def test_errors_do_not_cascade() -> None:
    # one undeclared name in a big expression is one error, not one per operator
    assert errs("spec t\nvar x: 0..3\ninvariant i: (y + 1) * 2 = x and not (y = 1)\n") == [
        ("HP110", 3, 15), ("HP110", 3, 39)]


# ---- constants ------------------------------------------------------------------------------
CONSTS = """spec t
const N = 2
const M = N + 1
const FIXED = false
const SAFE = not FIXED
type V = {patched, unpatched}
const VARIANT = unpatched
const PATCHED = VARIANT = patched
var x: 0..M
"""


def _consts(spec: CheckedSpec) -> dict[str, ir.Value]:
    return {n: v for n, v, _ in spec.consts}


def test_constants_in_declaration_order() -> None:
    assert _consts(checked(CONSTS)) == {"N": 2, "M": 3, "FIXED": False, "SAFE": True,
                                        "VARIANT": "unpatched", "PATCHED": False}


def test_overrides_feed_dependent_constants() -> None:
    c = checked(CONSTS, {"N": "5", "FIXED": "true", "VARIANT": "patched"})
    assert _consts(c) == {"N": 5, "M": 6, "FIXED": True, "SAFE": False,
                          "VARIANT": "patched", "PATCHED": True}
    assert c.vars == (ir.StateVar("x", ir.IntT(0, 6)),)


def test_negative_override() -> None:
    assert _consts(checked("spec t\nconst N = 1\nconst M = N * N\n", {"N": "-3"})) == {
        "N": -3, "M": 9}


@pytest.mark.parametrize(("name", "value"), [
    ("N", "true"), ("N", "x"), ("N", "1.5"), ("FIXED", "1"), ("FIXED", "yes"),
    ("VARIANT", "3"), ("VARIANT", "nope"),
])
def test_override_of_the_wrong_type_hp203(name: str, value: str) -> None:
    with pytest.raises(HpError) as info:
        checked(CONSTS, {name: value})
    (d,) = info.value.diagnostics
    assert d.code == "HP203" and d.message.startswith(f"--const {name}={value}: '{name}' takes ")
    assert d.notes[0].message == f"'{name}' is declared here"


def test_overridden_constant_makes_a_range_empty() -> None:
    assert errs("spec t\nconst N = 2\nvar x: 1..N\n", {"N": "0"}) == [("HP127", 3, 8)]


def test_constant_expressions_fold() -> None:
    c = checked("spec t\nconst A = 2 * 3 - 1\nconst B = if A > 4 then A else 0\n"
                "const C = count i in 1..A: i > 2\nconst D = forall i in 1..A: i >= 1\n")
    assert _consts(c) == {"A": 5, "B": 5, "C": 3, "D": True}


# ---- levels, scopes, namespaces ----------------------------------------------------------------
def test_shadowing_by_parameters_bound_variables_and_lets() -> None:
    c = checked("""spec t
const N = 2
var x: 0..3
action a(N: 1..3) { let y = N  let y = y + 1  x' = y }
invariant i: forall x in 0..1: x = 0 or x = 1
invariant j: exists N in bool: N
""")
    assert [a.name for a in c.actions] == ["a"]


def test_let_is_scoped_to_its_block() -> None:
    assert errs("spec t\nvar x: 0..3\naction a { if x = 0 { let y = 1 } x' = y }\n") == [
        ("HP110", 3, 40)]


def test_actions_invariants_and_spec_have_their_own_namespaces() -> None:
    c = checked("""spec x
var x: 0..3
action x { x' = 0 }
invariant x: x >= 0
expect x holds
""")
    assert c.name == "x" and [a.name for a in c.actions] == ["x"]
    assert [i.name for i in c.invariants] == ["x"]


def test_spec_name_is_not_in_scope() -> None:
    assert errs("spec t\ninvariant i: t = t\n") == [("HP110", 2, 14), ("HP110", 2, 18)]


def test_action_name_is_not_a_value() -> None:
    assert errs("spec t\naction go { }\ninvariant i: go\n") == [("HP110", 3, 14)]


def test_enum_values_are_global_names() -> None:
    c = checked("spec t\ntype C = {red, green}\nvar x: C\ninvariant i: x = red or x in {green}\n")
    assert c.vars[0].type == ir.EnumT("C", (ir.EnumValue("red"), ir.EnumValue("green")))


def test_anonymous_enum_in_var_declares_its_values() -> None:
    c = checked("spec t\nvar pc: 1..2 -> {start, done}\ninvariant i: pc[1] != done\n")
    assert isinstance(c.vars[0].type, ir.FunT)


def test_ints_of_any_range_compare_and_assign() -> None:
    checked("spec t\nvar x: 0..3\nvar y: 5..9\ninvariant i: x = y\naction a { x' = y }\n")


def test_functions_compare_structurally_when_domains_agree() -> None:
    checked("spec t\nvar f: 1..2 -> bool\nvar g: 1..2 -> bool\ninvariant i: f = g\n"
            "action a { f' = g }\n")


def test_nothing_reads_primed_values_anywhere() -> None:
    for where in ("init { x' = 0 }", "action a { require x' = 0 }",
                  "action a { if x' = 0 { } }", "action a { let y = x'  x' = y }"):
        assert [c for c, _, _ in errs(f"spec t\nvar x: 0..3\n{where}\n")] == ["HP140"]


def test_entry_assignments_and_whole_before_entries_are_fine() -> None:
    checked("""spec t
var g: 1..2 -> 1..2 -> 0..3
var r: 1..2 -> 0..3
action a { g'[1] = r  g'[1][2] = 2  g'[2][1] = 3  g'[2][1] = 1 }
action b { r' = [i in 1..2: 0]  r'[1] = 2 }
action c { if r[1] = 0 { r' = [i in 1..2: 1] } else { r' = [i in 1..2: 2] } }
""")


def test_quantifier_range_may_use_parameters_and_bound_variables() -> None:
    checked("""spec t
var f: 1..3 -> bool
action a(k: 1..3) { require forall j in 1..k-1: f[j]  f'[k] = true }
invariant i: forall k in 1..3: exists j in 1..k: f[j] or k = 1
""")


# ---- check depth, sweeps, expects ----------------------------------------------------------------
def test_check_depth_and_expects() -> None:
    c = checked("""spec t
var x: 0..3
invariant i: x = 0
invariant j: true
check depth 7
expect i violated in 3
expect j holds
expect types holds
""")
    assert c.depth == 7
    assert [(e.name, e.describe()) for e in c.expects] == [
        ("i", "violated in 3"), ("j", "holds"), ("types", "holds")]


def test_expect_when_selects_by_constants() -> None:
    text = """spec t
type V = {patched, unpatched}
const VARIANT = unpatched
const N = 2
invariant i: true
expect when VARIANT = patched: i holds
expect when VARIANT = unpatched and N > 1: i violated in 4
"""
    assert [e.describe() for e in checked(text).expects] == ["violated in 4"]
    assert [e.describe() for e in checked(text, {"VARIANT": "patched"}).expects] == ["holds"]
    assert [e.describe() for e in checked(text, {"N": "1"}).expects] == []


def test_sweeps() -> None:
    c = checked("""spec t
const N = 2
type V = {a, b, c}
const W = a
const F = false
check N in 1..N+1
check W in {a, c}
check F in bool
""")
    assert [(s.name, s.values) for s in c.sweeps] == [
        ("N", (1, 2, 3)), ("W", ("a", "c")), ("F", (False, True))]


def test_no_spec_body_beyond_spec_line_is_fine() -> None:
    c = checked("spec empty\n")
    assert (c.name, c.vars, c.actions, c.invariants) == ("empty", (), (), ())


# ---- golden rendered errors (tests/golden/errors/*.hp beside *.err) --------------------------------
# The whole stderr of `hpverify check CASE.hp` (or the command in a first-line `# args:`
# comment), run from the golden directory. Regenerate with HPVERIFY_REGEN=1 and review the diff.
GOLDEN = Path(__file__).resolve().parent / "golden" / "errors"
REGEN = os.environ.get("HPVERIFY_REGEN") == "1"


def _golden_run(case: Path) -> tuple[int, str]:
    first = case.read_text().splitlines()[0] if case.read_text() else ""
    args = shlex.split(first.removeprefix("# args:")) if first.startswith("# args:") else ["check"]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([*args, case.name])
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, err.getvalue()


KNOWN_BUGS: dict[str, str] = {}


def _golden_cases() -> list[object]:
    return [pytest.param(p, id=p.stem, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[p.stem])]
                         if p.stem in KNOWN_BUGS else [])
            for p in sorted(GOLDEN.glob("*.hp"))]


@pytest.mark.parametrize("case", _golden_cases())
def test_golden_error_message(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOLDEN)
    code, err = _golden_run(case)
    assert code == 2
    assert "Traceback" not in err and "internal error" not in err
    expected_file = case.with_suffix(".err")
    if (REGEN and case.stem not in KNOWN_BUGS) or not expected_file.exists():
        expected_file.write_text(err)
    assert err == expected_file.read_text()
    first = err.splitlines()[0]
    assert re.match(rf"^({re.escape(case.name)}|[\w./]+):\d+:\d+: error\[HP\d{{3}}\]: ", first) or \
        re.match(r"^hpverify: error\[HP\d{3}\]: ", first), first
    stem_code = case.stem.split("_")[0].upper()
    if stem_code.startswith("HP"):
        assert f"error[{stem_code}]" in first


def test_every_golden_case_has_its_err_file() -> None:
    cases = {p.stem for p in GOLDEN.glob("*.hp")}
    errs_ = {p.stem for p in GOLDEN.glob("*.err")}
    assert cases == errs_ and len(cases) >= 15
