"""Two edges an outside review found: an unbounded engine's violation longer than `--depth`
(NOTE(depth-bound) in pipeline.py), and an int cell too wide for an explicit-state search
(NOTE(limits), explicit.too_wide). Every engine must agree, and none may crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

ENGINES = ("bmc", "kind", "pdr", "explicit", "auto")

BEYOND = """spec a1
var x: 0..5
init { x = 0 }
action up { require x < 5  x' = x + 1 }
invariant le3: x <= 3
expect le3 holds
check depth 6
"""

WIDE = """spec big
var x: 0..99999999999999
init { x = 0 }
action up { require x < 3  x' = x + 1 }
invariant i: x < 5
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_no_violation_longer_than_the_depth(engine: str, tmp_path: Path) -> None:
    f = tmp_path / "a1.hp"
    f.write_text(BEYOND)
    p = run_cli("prove", str(f), "--engine", engine, "--depth", "3", "--json")
    (r,) = [r for r in json.loads(p.stdout)["specs"][0]["results"] if r["invariant"] == "le3"]
    assert r["trace"] is None and r["verdict"] != "violated"
    if r["verdict"] == "holds":
        assert r["bound"] == 3
        assert p.returncode == 0
    else:  # kind: induction does not close at k=3 (an honest unknown)
        assert r["verdict"] == "unknown" and p.returncode == 3
    if engine == "pdr":
        assert r["violated_beyond_depth"] == 4


@pytest.mark.parametrize("engine", ENGINES)
def test_a_wide_int_cell_is_no_internal_error(engine: str, tmp_path: Path) -> None:
    f = tmp_path / "big.hp"
    f.write_text(WIDE)
    p = run_cli("prove", str(f), "--engine", engine, "--json")
    (r,) = [r for r in json.loads(p.stdout)["specs"][0]["results"] if r["invariant"] == "i"]
    if engine == "explicit":
        assert r["verdict"] == "unknown" and "explicit-state search" in r["reason"]
        assert p.returncode == 3
    else:  # bmc falls back to SAT; kind, pdr and auto prove it
        assert r["verdict"] == "holds" and p.returncode == 0
