"""`hpverify simulate`: random walks with evaluate.py."""

from __future__ import annotations

import json
from pathlib import Path

from hpverify.check import check
from hpverify.cli import main
from hpverify.diagnostics import SourceCache
from hpverify.lower import lower
from hpverify.parse import load_spec
from hpverify.simulate import simulate

ROOT = Path(__file__).resolve().parent.parent

RING = """\
spec ring
const N = 4
var pos: 0..N
var laps: 0..3
init { pos = 0  laps = 0 }
action step { require pos < N  pos' = pos + 1 }
action wrap { require pos = N and laps < 3  pos' = 0  laps' = laps + 1 }
action jump { require pos = 0  pos' = 2 }
invariant not_far: laps < 3 or pos < 2
check depth 30
"""


def _model(path: Path):
    sources = SourceCache()
    return lower(check(load_spec(str(path), sources), {}))


def test_finds_a_violation_and_prints_its_trace(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("ring.hp").write_text(RING)
    code = main(["simulate", "ring.hp", "--steps", "40", "--runs", "50", "--seed", "7"])
    out = capsys.readouterr().out
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "ring.hp: spec ring (N=4): 50 runs of at most 40 steps, seed 7"
    assert lines[1] == "  checking: not_far, types"
    assert lines[2].startswith("  invariant not_far violated in ")
    assert lines[3] == ("  (a random trace, not necessarily a shortest one: "
                        "`hpverify prove` finds those)")
    assert "initial state:\n  pos = 0\n  laps = 0\n" in out
    assert "breaks not_far: laps < 3 or pos < 2" in out
    assert " step | (no actor)" in out
    # the same seed gives the same output
    main(["simulate", "ring.hp", "--steps", "40", "--runs", "50", "--seed", "7"])
    assert capsys.readouterr().out == out


def test_summary_counts_states_and_actions(tmp_path):
    f = tmp_path / "ring.hp"
    f.write_text(RING.replace("laps < 3 or pos < 2", "laps <= 3"))
    model = _model(f)
    sim = simulate(model, ["not_far", "types"], steps=100, runs=30, seed=1)
    assert sim.violation is None
    # reachable: pos 0..4 for laps 0..2 and pos 0..4 at laps 3 (wrap disabled there)
    assert sim.distinct_states == 20
    assert sim.runs == 30 and sim.deadlocks == 30  # every run ends at pos=N, laps=3
    assert set(sim.actions) == {"step", "wrap", "jump"}
    assert sim.actions["wrap"] == 90  # three wraps per run
    assert sim.steps == sum(sim.actions.values())


def test_json_and_expected_violations(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("ring.hp").write_text(RING + "expect not_far violated\n")
    # by default an invariant expected violated is not checked
    assert main(["simulate", "ring.hp", "--seed", "3", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (s,) = doc["specs"]
    assert s["violation"] is None and s["seed"] == 3 and s["consts"] == {"N": 4}
    assert s["distinct_states"] == 20 and s["runs"] == 100
    # named with --inv, its violation is reported, as expected (exit 0)
    assert main(["simulate", "ring.hp", "--seed", "3", "--json", "--inv", "not_far"]) == 0
    v = json.loads(capsys.readouterr().out)["specs"][0]["violation"]
    assert v["invariant"] == "not_far" and v["expected"] is True and v["shortest"] is False
    assert v["trace"]["states"][0] == {"pos": 0, "laps": 0}
    assert v["trace"]["length"] == len(v["trace"]["steps"]) >= 11


def test_simulate_benchmark_distinct_states(capsys):
    """first_cut (patched, 2 pages, 2 tasks) has 98 reachable states (TLC): enough random
    runs see all of them and never break an invariant."""
    code = main(["simulate", str(ROOT / "benchmarks/first_cut.hp"), "--runs", "400",
                 "--seed", "11", "--json"])
    (s,) = json.loads(capsys.readouterr().out)["specs"]
    assert code == 0 and s["violation"] is None
    assert s["distinct_states"] <= 98 and s["distinct_states"] > 80


def test_usage_errors(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("ring.hp").write_text(RING)
    assert main(["simulate", "ring.hp", "--runs", "0"]) == 2
    assert "error[HP210]" in capsys.readouterr().err
    assert main(["simulate", "ring.hp", "--inv", "nope"]) == 2
    assert "error[HP201]" in capsys.readouterr().err


def test_seed_spec_starts_from_its_listed_initial_state(capsys):
    """Issue 12 item 3: the seed spec's one initial state is listed per cell (NOTE(fast-init)),
    not found among the typed states by brute force (which never finished)."""
    code = main(["simulate", str(ROOT / "spec/soft_offline.hp"), "--runs", "1", "--seed", "3",
                 "--const", "VARIANT=unpatched", "--const", "NPAGES=2", "--const", "NFAULT=2",
                 "--json"])
    (s,) = json.loads(capsys.readouterr().out)["specs"]
    assert code in (0, 1) and s["runs"] == 1 and s["distinct_states"] >= 1
