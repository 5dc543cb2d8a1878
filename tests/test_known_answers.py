"""Known-answer tests: run the hpverify CLI on tests/known_answers/*.hp and
tests/bad_specs/*.hp and compare with the hand-derived tables in
tests/known_answers/cases.py and tests/bad_specs/cases.py.

The CLI runs in process, through `cli.main` (conftest.run_in_process: the same exit status,
stdout and stderr as a subprocess, without ~0.4 s of interpreter start per case);
`test_subprocess_agrees` checks that claim on a few cases with real processes.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
from conftest import run_in_process, run_subprocess

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
KA_DIR = HERE / "known_answers"
BAD_DIR = HERE / "bad_specs"


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses need the module registered
    spec.loader.exec_module(mod)
    return mod


KA = _load(KA_DIR / "cases.py", "hp_known_answer_cases")
BAD = _load(BAD_DIR / "cases.py", "hp_bad_spec_cases")


def _const_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _ka_args(file: str, consts: tuple, depth: int | None, inv: str | None) -> list[str]:
    args = ["prove", str(KA_DIR / file), "--json"]
    for k, v in consts:
        args += ["--const", f"{k}={_const_value(v)}"]
    if depth is not None:
        args += ["--depth", str(depth)]
    if inv is not None:
        args += ["--inv", inv]
    return args


@functools.cache
def _run(file: str, consts: tuple, depth: int | None, inv: str | None):
    args = _ka_args(file, consts, depth, inv)
    p = run_in_process(*args, cwd=REPO)
    return " ".join(["hpverify", *args]), p.returncode, p.stdout, p.stderr


def _results(cmd, rc, out, err) -> dict:
    assert "Traceback" not in err, f"{cmd}: Python traceback on stderr:\n{err}"
    assert rc in (0, 1), f"{cmd}: exit {rc} (expected 0 or 1)\nstderr:\n{err}"
    try:
        doc = json.loads(out)
    except json.JSONDecodeError as e:  # pragma: no cover - diagnostic path
        pytest.fail(f"{cmd}: stdout is not one JSON document ({e}):\n{out[:2000]}")
    specs = doc["specs"]
    assert len(specs) == 1, f"{cmd}: expected one spec in the JSON output"
    res = {}
    for r in specs[0]["results"]:
        res[r["invariant"]] = r
    return res


def _key(c):
    return (c.file, tuple(sorted(c.consts.items())), c.depth)


def _file_meta(file: str):
    text = (KA_DIR / file).read_text()
    m = re.search(r"^\s*check\s+depth\s+(\d+)", text, re.M)
    expects = dict(re.findall(
        r"^\s*expect\s+([A-Za-z_][A-Za-z0-9_]*)\s+(holds|violated(?:\s+in\s+\d+)?)\s*;?\s*$",
        text, re.M))
    return (int(m.group(1)) if m else None), expects


def _check_result(cmd: str, c, r: dict) -> None:
    what = f"{cmd}: invariant {c.invariant}"
    assert r["verdict"] == c.verdict, f"{what}: verdict {r['verdict']!r}, expected {c.verdict!r}"
    assert r.get("engine") == "bmc", f"{what}: default engine should be bmc, got {r.get('engine')!r}"
    check_depth, expects = _file_meta(c.file)
    bound = c.depth if c.depth is not None else (check_depth if check_depth is not None else 10)
    if c.verdict == "holds":
        assert r.get("bound") in (None, bound), (
            f"{what}: holds with bound {r.get('bound')!r}; expected {bound} (or null if proved)")
    if c.invariant in expects:
        exp_text = " ".join(expects[c.invariant].split())
        assert r.get("expected") == exp_text, f"{what}: expected {r.get('expected')!r} != {exp_text!r}"
    else:
        assert r.get("expected") is None, f"{what}: no expect line, but expected={r.get('expected')!r}"
    trace = r.get("trace")
    if c.verdict == "holds":
        assert trace is None, f"{what}: trace must be null when the verdict is holds"
    else:
        assert trace is not None, f"{what}: violated but no trace"
        assert trace["length"] == c.length, (
            f"{what}: shortest counterexample length {trace['length']}, expected {c.length}")
        assert len(trace["states"]) == c.length + 1, f"{what}: states != length + 1"
        assert len(trace["steps"]) == c.length, f"{what}: steps != length"
        if c.steps is not None:
            got = [(s["action"], s.get("actor"), s.get("params", {})) for s in trace["steps"]]
            exp = [(a, actor, dict(p)) for a, actor, p in c.steps]
            assert got == exp, f"{what}: steps {got}, expected (unique trace) {exp}"
        if c.states is not None:
            assert list(trace["states"]) == list(c.states), (
                f"{what}: states {trace['states']}, expected (unique trace) {list(c.states)}")
    if c.met is not None:
        assert r.get("met") == c.met, f"{what}: met {r.get('met')!r}, expected {c.met!r}"


def _foreign_expects(file: str, inv: str) -> bool:
    text = (KA_DIR / file).read_text()
    names = re.findall(r"^\s*expect\s+([A-Za-z_][A-Za-z0-9_]*)", text, re.M)
    return any(n != inv for n in names)


def _case_id(c) -> str:
    parts = [Path(c.file).stem, c.invariant]
    parts += [f"{k}={_const_value(v)}" for k, v in sorted(c.consts.items())]
    if c.depth is not None:
        parts.append(f"depth{c.depth}")
    return "-".join(parts)


GROUPS: dict = {}
for _c in KA.CASES:
    GROUPS.setdefault(_key(_c), []).append(_c)


def test_table_is_consistent():
    """Every (file, consts, depth) group agrees on the exit code; no duplicate entries."""
    for key, cases in GROUPS.items():
        assert len({c.exit_code for c in cases}) == 1, key
        invs = [c.invariant for c in cases]
        assert len(invs) == len(set(invs)), key
        assert (KA_DIR / key[0]).exists(), key[0]
    assert len({c.file for c in KA.CASES}) >= 40
    # --inv runs of files without expects must give the whole-file status: either every
    # asserted invariant is violated, or `types` is, or nothing is.
    for key, cases in GROUPS.items():
        if _file_meta(key[0])[1]:
            continue
        bad = [c for c in cases if c.verdict == "violated"]
        types_bad = any(c.invariant == "types" and c.verdict == "violated" for c in cases)
        if cases[0].exit_code == 1:
            assert types_bad or len(bad) == len(cases), key
        else:
            assert not bad, key


@pytest.mark.parametrize("c", KA.CASES, ids=[_case_id(c) for c in KA.CASES])
def test_known_answer(c):
    cmd, rc, out, err = _run(c.file, tuple(sorted(c.consts.items())), c.depth, c.invariant)
    res = _results(cmd, rc, out, err)
    assert c.invariant in res, f"{cmd}: no result for {c.invariant}; got {sorted(res)}"
    _check_result(cmd, c, res[c.invariant])
    # `types` is checked in every run: compare it too.
    group = {x.invariant: x for x in GROUPS[_key(c)]}
    if c.invariant != "types" and "types" in res:
        if "types" in group:
            _check_result(cmd, group["types"], res["types"])
        else:
            assert res["types"]["verdict"] == "holds", f"{cmd}: types should hold"
    # The exit status of a --inv run is only unambiguous when no expect names another
    # invariant (the whole-file run below checks the status in every case).
    if not _foreign_expects(c.file, c.invariant):
        assert rc == c.exit_code, f"{cmd}: exit {rc}, expected {c.exit_code}\n{err}"


@pytest.mark.parametrize("key", list(GROUPS), ids=[
    "-".join([Path(k[0]).stem] + [f"{a}={_const_value(b)}" for a, b in k[1]]
             + ([f"depth{k[2]}"] if k[2] is not None else []))
    for k in GROUPS])
def test_whole_file(key):
    file, consts, depth = key
    cases = {c.invariant: c for c in GROUPS[key]}
    cmd, rc, out, err = _run(file, consts, depth, None)
    res = _results(cmd, rc, out, err)
    doc_consts = json.loads(out)["specs"][0].get("consts", {})
    for k, v in consts:
        assert doc_consts.get(k) == v, f"{cmd}: JSON consts[{k!r}] = {doc_consts.get(k)!r}, expected {v!r}"
    for inv, c in cases.items():
        assert inv in res, f"{cmd}: no result for {inv}; got {sorted(res)}"
        _check_result(cmd, c, res[inv])
    for inv, r in res.items():
        if inv not in cases:
            assert inv == "types", f"{cmd}: result for {inv} not in the known-answer table"
            assert r["verdict"] == "holds", f"{cmd}: types should hold"
    assert "types" in res, f"{cmd}: the built-in `types` invariant must be checked"
    expected_rc = next(iter(cases.values())).exit_code
    assert rc == expected_rc, f"{cmd}: exit {rc}, expected {expected_rc}\nstderr:\n{err}"


@pytest.mark.parametrize("b", BAD.CASES, ids=[Path(b.file).stem for b in BAD.CASES])
def test_bad_spec(b):
    path = BAD_DIR / b.file
    p = run_in_process("prove", str(path), cwd=REPO)
    assert "Traceback" not in p.stderr, f"{b.file}: Python traceback:\n{p.stderr}"
    assert p.returncode == 2, f"{b.file}: exit {p.returncode}, expected 2\n{p.stderr}"
    prefix = f"{path}:{b.line}:{b.col}: error[" + (f"{b.code}]" if b.code else "HP")
    assert p.stderr.startswith(prefix), (
        f"{b.file} ({b.desc}):\n expected stderr to start with {prefix!r}\n got: "
        f"{p.stderr[:500]!r}")


def _cli(*args):
    p = run_in_process("prove", *map(str, args), cwd=REPO)
    return " ".join(map(str, args)), p.returncode, p.stdout, p.stderr


def test_several_inv_flags():
    """`--inv` may be repeated: exactly those invariants plus `types` are checked."""
    cmd, rc, out, err = _cli(KA_DIR / "ka14_else_if_chain.hp", "--json",
                             "--inv", "path_ne2", "--inv", "x_ne7")
    res = _results(cmd, rc, out, err)
    assert set(res) == {"path_ne2", "x_ne7", "types"}, sorted(res)
    assert res["path_ne2"]["trace"]["length"] == 2
    assert res["x_ne7"]["trace"]["length"] == 3
    assert res["types"]["verdict"] == "holds"


def test_several_files():
    """Several FILEs in one run: one entry per spec, in order; the exit status is the
    worst one (ka02 has an unexpected violation -> 1)."""
    cmd, rc, out, err = _cli(KA_DIR / "ka06_vacuous.hp", KA_DIR / "ka02_init_violates.hp",
                             "--json")
    assert "Traceback" not in err
    doc = json.loads(out)
    assert [s["spec"] for s in doc["specs"]] == ["vacuous", "init_violates"]
    low = [r for r in doc["specs"][1]["results"] if r["invariant"] == "low"][0]
    assert low["verdict"] == "violated" and low["trace"]["length"] == 0
    assert rc == 1


@pytest.mark.parametrize("args", [
    ("ka01_contract_example.hp", "--const", "NOPE=1"),
    ("ka01_contract_example.hp", "--const", "N=true"),
    ("ka01_contract_example.hp", "--inv", "no_such_invariant"),
    ("no_such_file.hp",),
    ("ka01_contract_example.hp", "--depth", "abc"),
], ids=["unknown-const", "const-wrong-type", "unknown-inv", "missing-file", "bad-depth"])
def test_usage_errors(args):
    """Usage errors exit 2 without a Python traceback."""
    cmd, rc, out, err = _cli(KA_DIR / args[0], *args[1:])
    assert "Traceback" not in err, f"{cmd}: traceback\n{err}"
    assert rc == 2, f"{cmd}: exit {rc}, expected 2\n{err}"


def test_inv_types_only():
    """`--inv types` checks only the built-in invariant."""
    cmd, rc, out, err = _cli(KA_DIR / "ka21_types_write.hp", "--json", "--inv", "types")
    res = _results(cmd, rc, out, err)
    assert set(res) == {"types"}, sorted(res)
    assert res["types"]["verdict"] == "violated" and res["types"]["trace"]["length"] == 2
    assert rc == 1


# ---------------------------------------------------------------------------------------
# Other engines. The contract lets the project add unbounded engines; whatever engine is
# used, a violation must be reported with the SHORTEST counterexample and an invariant
# that holds at every depth must never be reported violated. Only groups whose answers
# do not depend on the bound are used (no --depth, and no file whose known answers are
# "holds up to the bound" while a longer violation exists).
BOUND_DEPENDENT = {
    "ka03_shortest_choice.hp", "ka36_const_chain.hp", "ka37_const_flags.hp",
    "ka39_check_depth.hp", "ka40_default_depth.hp", "ka41_expect_vs_depth.hp",
    "ka64_deep.hp", "ka76_check_depth0.hp",
}


def _engines() -> list[str]:
    p = run_in_process("prove", "--help", cwd=REPO)
    m = re.search(r"--engine E\s+(.*?)\n\s*--", p.stdout, re.S)
    if not m:
        return []
    names = re.findall(r"\b([a-z][a-z0-9_-]*)\b", re.sub(r"\(.*?\)", "", m.group(1)))
    return [n for n in dict.fromkeys(names) if n != "bmc"]


ENGINE_GROUPS = [k for k in GROUPS if k[2] is None and k[0] not in BOUND_DEPENDENT]


@pytest.mark.parametrize("engine", _engines())
@pytest.mark.parametrize("key", ENGINE_GROUPS, ids=[
    "-".join([Path(k[0]).stem] + [f"{a}={_const_value(b)}" for a, b in k[1]])
    for k in ENGINE_GROUPS])
def test_other_engine(key, engine):
    file, consts, _ = key
    args = [KA_DIR / file, "--json", "--engine", engine]
    for k, v in consts:
        args += ["--const", f"{k}={_const_value(v)}"]
    cmd, rc, out, err = _cli(*args)
    assert "Traceback" not in err, f"{cmd}: traceback\n{err}"
    assert rc in (0, 1, 3), f"{cmd}: exit {rc}\n{err}"
    res = {r["invariant"]: r for r in json.loads(out)["specs"][0]["results"]}
    for c in GROUPS[key]:
        r = res.get(c.invariant)
        assert r is not None, f"{cmd}: no result for {c.invariant}"
        if r["verdict"] == "unknown":
            continue
        assert r["verdict"] == c.verdict, (
            f"{cmd}: {c.invariant}: verdict {r['verdict']!r}, expected {c.verdict!r}")
        if c.verdict == "violated":
            assert r["trace"]["length"] == c.length, (
                f"{cmd}: {c.invariant}: length {r['trace']['length']}, expected {c.length}")
    if "types" not in {c.invariant for c in GROUPS[key]} and "types" in res:
        assert res["types"]["verdict"] in ("holds", "unknown"), f"{cmd}: types should hold"
    if all(r["verdict"] != "unknown" for r in res.values()):
        expected_rc = GROUPS[key][0].exit_code
        assert rc == expected_rc, f"{cmd}: exit {rc}, expected {expected_rc}\n{err}"


@pytest.mark.skipif("explicit" not in _engines(), reason="no explicit-state engine")
@pytest.mark.parametrize("file,extra,n", [
    ("ka07_not_inductive.hp", (), 3),           # x in {0, 1, 2}
    ("ka75_unsat_init.hp", (), 0),              # no initial state
    ("ka29_prec_bool.hp", (), 1),               # one state, noop stutters
    ("ka19_swap.hp", ("--inv", "distinct"), 2),  # (0,1) and (1,0)
    ("ka20_reads_current.hp", ("--inv", "y_iff"), 3),  # (0,0) (1,1) (2,1)
], ids=["not_inductive", "unsat_init", "prec_bool", "swap", "reads_current"])
def test_explicit_distinct_states(file, extra, n):
    """An engine that enumerates states reports the distinct reachable states, as TLC
    counts them (here every checked invariant holds, so the whole space is explored)."""
    cmd, rc, out, err = _cli(KA_DIR / file, "--json", "--engine", "explicit", *extra)
    res = _results(cmd, rc, out, err)
    for name, r in res.items():
        assert r["verdict"] == "holds", f"{cmd}: {name} {r['verdict']}"
        assert r.get("distinct_states") == n, (
            f"{cmd}: {name}: distinct_states {r.get('distinct_states')!r}, expected {n}")


def test_text_trace_order():
    """Human output of a violation (loose check; the layout is not fixed by the contract):
    the unique shortest trace's actions appear in step order and both actors are named."""
    cmd, rc, out, err = _cli(KA_DIR / "ka12_by_actors.hp")
    assert "Traceback" not in err
    assert rc == 1
    text = out + err
    for word in ("bump", "grab", "reset", "c0", "c1", "x_lt5"):
        assert word in text, f"{cmd}: {word!r} missing from the text output"
    assert text.index("bump") < text.index("grab") < text.index("reset"), text


# ---------------------------------------------------------------------------------------
# The tests above run the CLI in process. A few real processes check that a subprocess
# prints and returns the same (timings aside), for each kind of run: a JSON violation, an
# engine that forks (auto), human text, a spec error and a usage error.
def _untimed(text: str) -> str:
    text = re.sub(r'("\w*seconds": )[0-9.e-]+', r"\g<1>T", text)
    return re.sub(r"\d+\.\d+s\b", "Ts", text)


@pytest.mark.parametrize("args", [
    ("prove", "ka12_by_actors.hp", "--json"),
    ("prove", "ka19_swap.hp", "--json", "--engine", "auto"),
    ("prove", "ka12_by_actors.hp", "--no-progress"),
    ("prove", "ka02_init_violates.hp", "ka06_vacuous.hp", "--quiet"),
    ("prove", "../bad_specs/" + BAD.CASES[0].file),
    ("prove", "ka01_contract_example.hp", "--const", "NOPE=1"),
], ids=["json", "auto", "text", "quiet", "bad-spec", "usage"])
def test_subprocess_agrees(args):
    args = tuple(str(KA_DIR / a) if a.endswith(".hp") else a for a in args)
    real = run_subprocess(*args, cwd=REPO)
    here = run_in_process(*args, cwd=REPO)
    assert "Traceback" not in real.stderr, real.stderr
    assert real.returncode == here.returncode, (real.stderr, here.stderr)
    assert _untimed(real.stdout) == _untimed(here.stdout)
    assert _untimed(real.stderr) == _untimed(here.stderr)
