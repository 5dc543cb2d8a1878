"""encode.py + engines/bmc.py against the plain-Python evaluator.

The oracle is a breadth-first search written here from evaluate.py's functions
(`initial_states`, `run_step`, `types_ok`, `invariant_ok`): for every invariant, the depth of
the first reachable state that breaks it. BMC must give the same verdict and the same
shortest length, and its traces must replay (trace.replay). Specs come from a fixed list of
corner cases and from Hypothesis (random tiny specs over ints, bools, enums, functions,
out-of-domain reads and writes, parameters, nested ifs).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpverify import evaluate as ev
from hpverify import ir
from hpverify.check import check
from hpverify.cli import main
from hpverify.diagnostics import HpError
from hpverify.encode import Encoding, int_width
from hpverify.engines.bmc import bmc
from hpverify.engines.common import Budget
from hpverify.lower import lower
from hpverify.parse import parse_text
from hpverify.trace import replay


def model_of(text: str, consts: dict[str, str] | None = None) -> ir.Model:
    return lower(check(parse_text(text, "t.hp"), consts or {}))


def _key(st_: ir.State) -> tuple:
    return tuple(sorted(st_.items()))


def bfs(model: ir.Model, invariants: list[str], depth: int) -> tuple[dict[str, int], int]:
    """Shortest violation depth per invariant (absent: holds to `depth`), and the number of
    distinct states reached within `depth` steps."""
    frontier = []
    seen: set[tuple] = set()
    for s0 in ev.initial_states(model):
        if _key(s0) not in seen:
            seen.add(_key(s0))
            frontier.append(s0)
    shortest: dict[str, int] = {}
    for k in range(depth + 1):
        for name in invariants:
            if name not in shortest and any(not ev.invariant_ok(model, name, s) for s in frontier):
                shortest[name] = k
        if k == depth:
            break
        nxt = []
        for s in frontier:
            if not ev.types_ok(model, s):
                continue  # a state that violates `types` has no successors
            for inst in model.instances:
                r = ev.run_step(model, inst, s)
                if r is not None and _key(r.state) not in seen:
                    seen.add(_key(r.state))
                    nxt.append(r.state)
        frontier = nxt
    return shortest, len(seen)


def compare(model: ir.Model, depth: int) -> dict[str, int]:
    names = [i.name for i in model.invariants] + [ir.TYPES]
    expected, _ = bfs(model, names, depth)
    results = bmc(model, names, depth, Budget())
    got: dict[str, int] = {}
    for r in results:
        assert r.verdict in ("holds", "violated"), r
        assert r.engine == "bmc"
        assert not r.proved, "BMC never claims a proof"
        if r.verdict == "violated":
            assert r.trace is not None
            replay(model, r.trace, r.invariant, shortest=True)
            got[r.invariant] = r.trace.length
        else:
            assert r.trace is None and r.bound == depth
    assert got == expected
    return got


# ---- fixed corner cases ---------------------------------------------------------------------
CORNERS = {
    "contract": ("""
spec counter
const N = 3
type Cpu = {c0, c1}
var x: 0..N
var pc: Cpu -> {start, done}
init { x = 0  forall c in Cpu: pc[c] = start }
action incr(c: Cpu) by c {
  require pc[c] = start
  x' = x + 1
  pc'[c] = done
}
invariant small: x <= 1
""", {"small": 2}),
    "init_out_of_type": ("""
spec t
var x: 0..3
init { x = 7 }
invariant any: true
""", {"types": 0}),
    "write_out_of_type": ("""
spec t
var x: 0..2
init { x = 0 }
action up { x' = x + 1 }
invariant never2: x != 2
""", {"never2": 2, "types": 3}),
    "read_error_in_invariant": ("""
spec t
var f: 1..3 -> 0..9
var i: 0..4
init { f[1] = 1  f[2] = 2  f[3] = 1  i = 1 }
action go { require i < 4  i' = i + 1 }
invariant inv: f[i] < 3
""", {"inv": 3}),
    "read_error_in_require_short_circuit": ("""
spec t
var f: 1..3 -> bool
var x: 0..5
init { x = 0  f[1] = false }
action go { require forall i in 1..4: f[i]  x' = 1 }
invariant never: x = 0
""", {}),
    "read_error_in_require_taken": ("""
spec t
var f: 1..3 -> bool
var x: 0..5
init { x = 0  forall i in 1..3: f[i] }
action go { require forall i in 1..4: f[i]  x' = 1 }
invariant never: x = 0
""", {"types": 1}),
    "count_reads_all": ("""
spec t
var f: 1..3 -> bool
var x: 0..5
init { x = 0  f[1] = false }
action go { require (count i in 1..4: f[i]) >= 0  x' = 1 }
invariant never: x = 0
""", {"types": 1}),
    "write_out_of_domain": ("""
spec t
var f: 1..2 -> 0..3
var i: 0..3
init { i = 0  f[1] = 0  f[2] = 0 }
action w { require i < 3  f'[i] = 3  i' = i + 1 }
invariant f_small: f[1] + f[2] < 6
""", {"types": 1}),
    "deadlock_only": ("""
spec t
var x: 0..5
var done: bool
init { x = 0  done = false }
action step { require not done  require x < 3  x' = x + 1 }
action finish { require x = 3  require not done  done' = true }
invariant not_finished: not done
""", {"not_finished": 4}),
    "later_wins_and_nested": ("""
spec t
var g: 1..2 -> 1..2 -> 0..3
var r: 1..2 -> 0..3
init { forall a in 1..2: forall b in 1..2: g[a][b] = 0  forall a in 1..2: r[a] = 1 }
action set {
  require g[1][1] = 0
  g'[1] = r
  g'[1][2] = 2
  g'[2][1] = 3
  g'[2][1] = 1
}
invariant not_set: g[1][2] != 2
invariant no3: g[2][1] != 3
invariant row: g[1][1] = 0
""", {"not_set": 1, "row": 1}),
    "params_and_untaken_branch": ("""
spec t
type P = {pa, pb}
var f: 1..2 -> bool
var x: 0..3
init { x = 0  f[1] = false  f[2] = false }
action a(k: 1..3, p: P) by p {
  if k <= 2 { f'[k] = true } else { x' = x + 1 }
}
invariant x0: x = 0
invariant some_false: not f[1] or not f[2]
""", {"x0": 1, "some_false": 2, "types": 4}),
    "no_init": ("""
spec t
var x: 1..3
var b: bool
invariant x_small: x < 3
invariant tauto: b or not b
""", {"x_small": 0}),
    "vacuous": ("""
spec t
var x: 0..3
init { x = 0 }
action never { require x > 7  x' = 3 }
action never2(i: 1..2) { require i = 3  x' = 3 }
invariant zero: x = 0
""", {}),
}


@pytest.mark.parametrize("name", sorted(CORNERS))
def test_bmc_matches_bfs_on_corner_cases(name: str) -> None:
    text, expected = CORNERS[name]
    model = model_of(text)
    assert compare(model, 5) == expected


def test_depth_bound_is_exact() -> None:
    """k transitions and k+1 states: a violation at exactly depth k is found with --depth k,
    and not with depth k-1."""
    model = model_of(CORNERS["deadlock_only"][0])
    assert compare(model, 4) == {"not_finished": 4}
    assert compare(model, 3) == {}


def test_bfs_counts_distinct_states() -> None:
    _, n = bfs(model_of(CORNERS["contract"][0]), [], 10)
    # x and pc move together: (0,ss), (1,ds), (1,sd), (2,dd)
    assert n == 4


def test_int_width_holds_every_value() -> None:
    model = model_of("""
spec t
var x: 0..100
init { x = 100 }
action a { x' = x * x - 1000 }
invariant i: x < 1000
""")
    w = int_width(model)
    assert 2 ** (w - 1) > 100 * 100 + 1000
    assert compare(model, 2) == {"i": 1, "types": 1}


def test_step_built_once_and_instances_numbered() -> None:
    model = model_of(CORNERS["params_and_untaken_branch"][0])
    assert len(model.instances) == 6  # k in 1..3, p in {pa, pb}
    enc = Encoding(model)
    assert 2 ** enc.sel_width >= len(model.instances)


def test_timeout_gives_unknown_never_holds() -> None:
    model = model_of(CORNERS["contract"][0])
    budget = Budget(seconds=1e-9)
    results = bmc(model, ["small", ir.TYPES], 5, budget)
    for r in results:
        assert r.verdict in ("unknown", "violated")
        assert r.verdict != "holds"


# ---- random tiny specs -------------------------------------------------------------------------
HEADER = """spec rnd
type P = {pa, pb}
var x: 0..2
var b: bool
var p: P
var f: 1..2 -> 0..2
var g: P -> bool
"""


def _ints(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["0", "1", "2", "3", "x", "f[1]", "f[2]"])
    if depth <= 0:
        return leaves
    sub = _ints(depth - 1)
    return st.one_of(
        leaves,
        st.builds(lambda a: f"f[{a}]", sub),
        st.builds(lambda a, b_: f"({a} + {b_})", sub, sub),
        st.builds(lambda a, b_: f"({a} - {b_})", sub, sub),
        st.builds(lambda c, a, b_: f"(if {c} then {a} else {b_})", _bools(depth - 1), sub, sub),
        st.builds(lambda c: f"(count i in 1..3: {c})", _bools_i(depth - 1)),
    )


def _bools_i(depth: int) -> st.SearchStrategy[str]:
    """Bodies over a bound `i` in 1..3 (so f[i] may read outside f's domain)."""
    return st.one_of(
        st.sampled_from(["f[i] > 0", "i = x", "f[i] = x", "i <= 2 and f[i] = 0"]),
        st.builds(lambda e: f"f[i] = {e}", _ints(0)),
    )


def _bools(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(["true", "false", "b", "g[p]", "g[pa]", "p = pa", "x in 1..2"])
    if depth <= 0:
        return leaves
    sub = _bools(depth - 1)
    ints = _ints(depth - 1)
    return st.one_of(
        leaves,
        st.builds(lambda a: f"(not {a})", sub),
        st.builds(lambda a, c: f"({a} and {c})", sub, sub),
        st.builds(lambda a, c: f"({a} or {c})", sub, sub),
        st.builds(lambda a, c: f"({a} implies {c})", sub, sub),
        st.builds(lambda a, c: f"({a} = {c})", ints, ints),
        st.builds(lambda a, c: f"({a} < {c})", ints, ints),
        st.builds(lambda c: f"(forall i in 1..3: {c})", _bools_i(depth - 1)),
        st.builds(lambda c: f"(exists i in 1..3: {c})", _bools_i(depth - 1)),
    )


@st.composite
def _stmts(draw: st.DrawFn, depth: int, assigned: set[str]) -> list[str]:
    out: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["require", "x", "b", "p", "f", "g", "if"]
                                    if depth > 0 else ["require", "x", "b", "p", "f", "g"]))
        if kind == "require":
            out.append(f"require {draw(_bools(1))}")
        elif kind in ("x", "b", "p"):
            if kind in assigned:
                continue  # a second whole assignment is a static error (HP142)
            assigned.add(kind)
            rhs = {"x": _ints(1), "b": _bools(1), "p": st.sampled_from(["pa", "pb", "p"])}[kind]
            out.append(f"{kind}' = {draw(rhs)}")
        elif kind == "f":
            out.append(f"f'[{draw(_ints(1))}] = {draw(_ints(1))}")
        elif kind == "g":
            out.append(f"g'[{draw(st.sampled_from(['pa', 'pb', 'p']))}] = {draw(_bools(1))}")
        else:
            then = draw(_stmts(depth - 1, set(assigned)))
            else_ = draw(_stmts(depth - 1, set(assigned)))
            for s_ in then + else_:
                if s_[:2] in ("x'", "b'", "p'"):
                    assigned.add(s_[0])
            out.append(f"if {draw(_bools(1))} {{ {'  '.join(then)} }} else {{ {'  '.join(else_)} }}")
    return out


@st.composite
def random_spec(draw: st.DrawFn) -> str:
    lines = [HEADER]
    init = draw(st.lists(st.sampled_from(
        ["x = 0", "x = 1", "b = false", "p = pa", "f[1] = 0", "f[2] = x", "g[pa]",
         "not g[pb]", "x < 2", "f[x] = 0", "x = 3"]), max_size=3))
    if init:
        lines.append("init { " + "  ".join(init) + " }")
    for n in range(draw(st.integers(1, 3))):
        param = draw(st.sampled_from(["", "(k: 1..2)", "(q: P)"]))
        body = draw(_stmts(1, set()))
        if param == "(k: 1..2)":
            body.insert(0, "require k = x")
        lines.append(f"action a{n}{param} {{ {'  '.join(body)} }}")
    for n in range(draw(st.integers(1, 2))):
        lines.append(f"invariant i{n}: {draw(_bools(2))}")
    return "\n".join(lines) + "\n"


FUZZ = int(os.environ.get("HPVERIFY_FUZZ_EXAMPLES", "60"))


@settings(max_examples=FUZZ, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_spec())
def test_bmc_matches_bfs_on_random_specs(text: str) -> None:
    try:
        model = model_of(text)
    except HpError as err:  # the generator avoids static errors; show any that slip through
        pytest.fail(f"generated spec does not check: {err}\n{text}")
    compare(model, 3)


# ---- day-one cases (tests/day_one/*.hp), through the command line -----------------------------
DAY_ONE = Path(__file__).resolve().parent / "day_one"


def cli(*args: str) -> tuple[int, str, str]:
    """Run `hpverify` in-process; (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def prove_json(*args: str) -> tuple[int, dict[str, dict]]:
    code, out, err = cli("prove", "--json", *args)
    assert "Traceback" not in err and "internal error" not in err, err
    doc = json.loads(out)
    (spec,) = doc["specs"]
    return code, {r["invariant"]: r for r in spec["results"]}


def _k_induction_fails(model: ir.Model, inv: str, k: int) -> bool:
    """Is there a path of k states that satisfy inv (and types) followed by one that breaks
    it? (Plain k-induction's step case, by enumeration over every typed state.)"""
    states = [{**s_, ev.ERR: False} for s_ in _all_states(model)]
    good = [s_ for s_ in states if ev.types_ok(model, s_) and ev.invariant_ok(model, inv, s_)]
    ends = good  # last states of paths of P-states of the current length
    for _ in range(k - 1):
        ends = [r.state for s_ in ends for i in model.instances
                if (r := ev.run_step(model, i, s_)) is not None
                and ev.types_ok(model, r.state) and ev.invariant_ok(model, inv, r.state)]
    return any(r is not None and not ev.invariant_ok(model, inv, r.state)
               for s_ in ends for i in model.instances for r in [ev.run_step(model, i, s_)])


def _all_states(model: ir.Model) -> list[ir.State]:
    return list(ev._typed_states(model.vars))


def test_day_one_holds_but_needs_induction_depth_above_one() -> None:
    path = DAY_ONE / "needs_deep_induction.hp"
    code, res = prove_json(str(path))
    assert code == 0
    r = res["never10"]
    assert (r["verdict"], r["trace"], r["expected"], r["met"]) == ("holds", None, "holds", True)
    assert r["bound"] is None or r["bound"] == 12
    model = model_of(path.read_text())
    assert [k for k in range(1, 8) if not _k_induction_fails(model, "never10", k)][0] == 6


def test_day_one_violation_only_in_a_deadlocked_state() -> None:
    path = str(DAY_ONE / "deadlock_violation.hp")
    code, res = prove_json(path)
    r = res["not_finished"]
    assert code == 0 and r["verdict"] == "violated" and r["met"] is True
    assert r["trace"]["length"] == 4
    assert [s_["action"] for s_ in r["trace"]["steps"]] == ["step", "step", "step", "finish"]
    # the violating state has no successor
    model = model_of(Path(path).read_text())
    last = {**r["trace"]["states"][-1], ev.ERR: False}
    assert all(ev.run_step(model, i, last) is None for i in model.instances)
    # NOTE(expect-depth): `expect ... violated in 4` searches to 4 steps whatever --depth
    # says, so every engine can meet it
    code, res = prove_json(path, "--depth", "3")
    assert code == 0 and res["not_finished"]["verdict"] == "violated"
    assert res["not_finished"]["met"] is True
    # without the expect, one step short of it, the bound hides the violation
    model = model_of(Path(path).read_text().replace("expect not_finished violated in 4", ""))
    r3 = bmc(model, ["not_finished"], 3, Budget())[0]
    assert r3.verdict == "holds" and r3.bound == 3


def test_day_one_vacuous_spec() -> None:
    path = DAY_ONE / "vacuous.hp"
    code, res = prove_json(str(path))
    assert code == 0
    assert res["frozen"]["verdict"] == "holds" and res["frozen"]["met"] is True
    model = model_of(path.read_text())
    _, n = bfs(model, [], 8)
    assert n == 1  # no action ever fires


def test_day_one_solver_unknown_is_never_holds() -> None:
    code, out, err = cli("prove", "--json", "--timeout", "0.001",
                         str(DAY_ONE / "timeout_unknown.hp"))
    assert code == 3, err
    results = json.loads(out)["specs"][0]["results"]
    assert {r["invariant"] for r in results} == {"exclusive", "counted", "types"}
    for r in results:
        assert r["verdict"] == "unknown" and r["trace"] is None
    code, out, _ = cli("prove", "--timeout", "0.001", str(DAY_ONE / "timeout_unknown.hp"))
    assert code == 3 and "holds" not in out and "UNKNOWN" in out


# ---- exit codes ------------------------------------------------------------------------------------
def test_exit_codes(tmp_path: Path) -> None:
    ok = tmp_path / "ok.hp"
    ok.write_text("spec ok\nvar x: 0..3\ninit { x = 0 }\ninvariant zero: x = 0\n")
    bad = tmp_path / "bad.hp"
    bad.write_text("spec bad\nvar x: 0..3\ninit { x = 0 }\naction a { require x < 3  x' = x + 1 }\n"
                   "invariant zero: x = 0\n")
    met = tmp_path / "met.hp"
    met.write_text(bad.read_text().replace("spec bad", "spec met") + "expect zero violated in 1\n")
    wrong = tmp_path / "wrong.hp"
    wrong.write_text(bad.read_text().replace("spec bad", "spec wrong")
                     + "expect zero violated in 2\n")
    broken = tmp_path / "broken.hp"
    broken.write_text("spec broken\nvar x: 0..3\ninvariant i: y\n")
    assert cli("prove", str(ok))[0] == 0
    assert cli("prove", str(bad))[0] == 1
    assert cli("prove", str(met))[0] == 0
    assert cli("prove", str(wrong))[0] == 1
    assert cli("prove", str(ok), str(bad))[0] == 1
    code, out, err = cli("prove", str(broken))
    assert code == 2 and err.startswith(f"{broken}:3:14: error[HP110]: ")
    assert cli("check", str(broken))[0] == 2
    assert cli("check", str(ok))[0] == 0
    assert cli("prove", str(ok), "--depth", "-1")[0] == 2
    assert cli("prove", str(ok), "--engine", "nope")[0] == 2
    assert cli("prove", str(ok), "--const", "NOPE=1")[0] == 2
    assert cli("prove", str(ok), "--inv", "nope")[0] == 2
    assert cli("prove")[0] == 2
    assert cli("prove", str(tmp_path / "missing.hp"))[0] == 2
    assert cli("prove", str(ok), "--timeout", "0.001")[0] in (0, 3)
    assert cli("prove", str(DAY_ONE / "timeout_unknown.hp"), str(bad),
               "--timeout", "0.001")[0] in (1, 3)
