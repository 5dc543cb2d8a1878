"""BMC's extras beyond the verdict: vacuity lists, the static `types` proof, canonical traces."""

from __future__ import annotations

from pathlib import Path

from conftest import prove_json

VACUOUS = """\
spec vac
var x: 0..3
init { x = 0 }
action step { require x < 2  x' = x + 1 }
action never { require x > 5  x' = 0 }
invariant small: x <= 2
"""

# Two CPUs each do two steps; the shortest trace to `both` needs all four, in any
# interleaving. Declaration order alone would give a1 b1 a2 b2 (three switches); the
# canonical trace runs each CPU to the end before switching (one switch).
TWO_CPUS = """\
spec two
type Cpu = {c0, c1}
var p0: 0..2
var p1: 0..2
init { p0 = 0  p1 = 0 }
action a1 by c0 { require p0 = 0  p0' = 1 }
action b1 by c1 { require p1 = 0  p1' = 1 }
action a2 by c0 { require p0 = 1  p0' = 2 }
action b2 by c1 { require p1 = 1  p1' = 2 }
invariant both: not (p0 = 2 and p1 = 2)
"""


def test_bmc_lists_actions_that_never_fire(tmp_spec) -> None:
    code, doc = prove_json(str(tmp_spec(VACUOUS)), "--depth", "6")
    assert code == 0
    for r in doc["specs"][0]["results"]:
        assert r["never_enabled"] == ["never"] and r["coverage_depth"] == 6


FLIP = """\
spec flip
var x: 0..3
init { x = 0 }
action flip { x' = 3 - x }
invariant ends: x = 0 or x = 3
"""


def test_types_proved_statically_only_when_no_step_can_break_it(tmp_spec) -> None:
    _, doc = prove_json(str(tmp_spec(FLIP)))  # 3 - x stays in 0..3 for every x in 0..3
    types = {r["invariant"]: r for r in doc["specs"][0]["results"]}["types"]
    assert types["verdict"] == "holds" and "static" in types
    # the analysis is not path-sensitive: a guarded x + 1 is left to the solver
    _, doc = prove_json(str(tmp_spec(VACUOUS, "v.hp")))
    types = {r["invariant"]: r for r in doc["specs"][0]["results"]}["types"]
    assert types["verdict"] == "holds" and "static" not in types
    unsafe = FLIP.replace("3 - x", "x + 1")
    code, doc = prove_json(str(tmp_spec(unsafe, "u.hp")))
    types = {r["invariant"]: r for r in doc["specs"][0]["results"]}["types"]
    assert code == 1 and types["verdict"] == "violated" and types["trace"]["length"] == 4


def test_canonical_trace_has_fewest_actor_switches(tmp_path: Path) -> None:
    f = tmp_path / "two.hp"
    f.write_text(TWO_CPUS)
    _, doc = prove_json(str(f))
    (both,) = [r for r in doc["specs"][0]["results"] if r["invariant"] == "both"]
    assert [s["action"] for s in both["trace"]["steps"]] == ["a1", "a2", "b1", "b2"]
