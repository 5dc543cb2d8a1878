"""Budgets that run out: a cut-short search is `unknown`, never `holds` (issue: never a
false proof). Each engine runs under small timeouts on a spec whose violation takes a few
seconds to find; the answer must be the violation (at its shortest length) or unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpverify import ir
from hpverify.check import check
from hpverify.diagnostics import SourceCache
from hpverify.engines.auto import auto
from hpverify.engines.bmc import bmc
from hpverify.engines.common import Budget
from hpverify.engines.kind import kind
from hpverify.engines.pdr import pdr
from hpverify.lower import lower
from hpverify.parse import load_spec
from hpverify.trace import replay

# `small` is violated in 6 steps; the 16 noise cells make every query slow enough that a
# short budget runs out in the middle of the search (kind once "proved" it at k=3)
KIND_TIMEOUT = """\
spec kind_timeout
type I = 1..16
var x: 0..20
var f: I -> 0..3
init { x = 0  forall i in I: f[i] = 0 }
action up { require x < 20  x' = x + 1 }
action noise(i: I) { f'[i] = if f[i] = 3 then 0 else f[i] + 1 }
invariant small: x < 6
"""


def load_text(text: str, tmp: Path) -> tuple[ir.Model, list[str]]:
    f = tmp / "spec.hp"
    f.write_text(text)
    checked = check(load_spec(str(f), SourceCache()), {})
    return lower(checked), [i.name for i in checked.invariants] + [ir.TYPES]


def assert_sound(model: ir.Model, results, lengths: dict[str, int | None]) -> None:
    """Every result is unknown, or agrees with the truth: `lengths` maps each invariant to
    its shortest violation length, None when it holds."""
    for r in results:
        truth = lengths[r.invariant]
        if r.verdict == "unknown":
            assert r.reason, r
            continue
        if truth is None:
            assert r.verdict == "holds", r
        else:
            assert r.verdict == "violated", r
            assert r.trace is not None and r.trace.length == truth, r
            replay(model, r.trace, r.invariant, shortest=r.shortest)


ENGINES = {"bmc": bmc, "kind": kind, "pdr": pdr, "auto": auto}


@pytest.mark.parametrize("seconds", [0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("engine", ["bmc", "kind", "pdr", "auto"])
def test_kind_timeout_is_never_a_proof(engine: str, seconds: float, tmp_path: Path) -> None:
    model, names = load_text(KIND_TIMEOUT, tmp_path)
    results = ENGINES[engine](model, names, 10, Budget(seconds))
    assert_sound(model, results, {"small": 6, ir.TYPES: None})


@pytest.mark.parametrize("engine", ["bmc", "kind", "pdr", "auto"])
def test_resource_limit_is_never_a_proof(engine: str, tmp_path: Path) -> None:
    model, names = load_text(KIND_TIMEOUT, tmp_path)
    for rlimit in (2_000, 50_000):
        results = ENGINES[engine](model, names, 10, Budget(rlimit=rlimit))
        assert_sound(model, results, {"small": 6, ir.TYPES: None})


def test_a_sub_budget_never_outlives_its_budget() -> None:
    outer = Budget(0.5)
    inner = outer.capped(10.0)
    assert inner.seconds is not None and inner.seconds <= 0.5
    assert Budget().capped(3.0).seconds == 3.0
    assert Budget(0.0).capped(3.0).expired()


class _CutAfterFirstViolation(Budget):
    """Every check with two assumptions (bmc's canonical choice: `bad` plus a bound) is cut
    short, as when the deadline falls in the middle of the minimisation."""

    def check(self, solver, *assumptions):  # type: ignore[override]
        if len(assumptions) > 1:
            import z3

            from hpverify.engines.common import Answer

            return Answer(z3.unknown, "timeout")
        return Budget.check(self, solver, *assumptions)


def test_expired_minimisation_keeps_a_shortest_trace(tmp_path: Path) -> None:
    """The canonical choice may be lost, the violation and its length may not."""
    model, names = load_text(KIND_TIMEOUT.replace("noise(i: I)", "noise(i: I) by i"), tmp_path)
    r = bmc(model, names, 8, _CutAfterFirstViolation())[0]
    assert r.verdict == "violated" and r.trace is not None and r.trace.length == 6
    replay(model, r.trace, r.invariant, shortest=True)


def test_pdr_one_state_outside_types_answers_at_once(tmp_path: Path) -> None:
    """NOTE(typed-inv) in pdr.py: Spacer's predicate over every bit pattern of every cell
    took a minute and 2 GB here; bounded by `types` the answer is immediate. The budget
    makes a slow answer unknown, never a hang."""
    model, names = load_text(
        "spec p\nvar v0: bool\nvar v1: -3..-3\nvar v3: 0..3\ninit { v0  v3 = 4 }\n"
        "invariant a: v1 * v3 < 7\ninvariant b: v1 * v3 * v3 < 7\n"
        "invariant c: v3 * v3 * v3 >= v1\ninvariant d: (v1 - v3) * (v1 + v3) <= 20\n"
        "invariant e: v0 or v1 * v1 > v3\n", tmp_path)
    res = {r.invariant: r for r in pdr(model, names, 10, Budget(60.0))}
    assert res[ir.TYPES].verdict == "violated" and res[ir.TYPES].trace.length == 0
    assert all(res[n].proved for n in "abcde")


def test_a_resource_limit_is_not_called_a_timeout() -> None:
    """Z3 says "canceled" for both limits: with an rlimit and no deadline near, it was the
    resource limit (kind at first_cut 10x10 with --rlimit said "timeout")."""
    assert Budget(rlimit=1000)._why("canceled") == "resource limit"
    assert Budget()._why("canceled") == "timeout"
    assert Budget(0.0, rlimit=1000)._why("canceled") == "timeout"  # the deadline had passed


def test_quantifier_elimination_is_bounded() -> None:
    """NOTE(qe): Spacer's `exists` eliminated within the budget; a budget already spent is
    a Z3Exception (the caller's "certificate unreadable"), never a hang."""
    import z3

    from hpverify.engines.pdr import _eliminated

    x, y = z3.BitVecs("x y", 4)
    body = z3.Exists([y], z3.And(x == y + 1, y < 5))
    got = _eliminated(body, Budget())
    assert not z3.is_quantifier(got)
    s = z3.Solver()
    s.add(got != z3.Exists([y], z3.And(x == y + 1, y < 5)))
    assert s.check() == z3.unsat
    with pytest.raises(z3.Z3Exception):
        _eliminated(body, Budget(0.0))
