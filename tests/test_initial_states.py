"""The explicit engine's initial states (NOTE(fast-init) in engines/explicit.py): per-cell
domains filtered by the init constraints, then the whole init predicate, compiled. The
listing must be evaluate.initial_states's exactly (same states, same error flags, same
order), fast where brute force is not, and cut short by the budget and the state limit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from specgen import specs

from hpverify import evaluate as ev
from hpverify import ir
from hpverify.check import check
from hpverify.diagnostics import SourceCache
from hpverify.engines.common import Budget
from hpverify.engines.explicit import Cut, explicit, initial_cells, initial_states
from hpverify.lower import lower
from hpverify.parse import load_spec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("HPVERIFY_FUZZ_EXAMPLES", "25"))


def model_of(text: str, tmp: Path, **consts: str) -> ir.Model:
    f = tmp / "s.hp"
    f.write_text(text)
    return lower(check(load_spec(str(f), SourceCache()), consts))


def same_as_evaluator(model: ir.Model) -> int:
    fast = initial_states(model)
    assert fast == list(ev.initial_states(model))
    return len(fast)


@pytest.mark.parametrize(("init", "count"), [
    ("", 2048),
    ("init { x = 0 }", 512),
    ("init { x = 5 }", 512),  # forced outside the type: kept (a types violation in 0)
    ("init { x = x }", None),  # an equation on itself: whatever evaluate.py reads in it
    ("init { x = y  y = 1 }", 128),
    ("init { x = 3 - y }", 512),
    ("init { f[1] = 2  not b[x] }", 320),
    ("init { f[1] = f[2] }", 512),
    ("init { f[x] = 1 }", 1280),
    ("init { b[x + 3] and x = 0 }", 256),  # a read outside a domain keeps the state
    ("init { forall i in 1..2: f[i] = 0 and b[i] or x = 2 }", 536),
    ("init { x < 2  y in 1..2  forall i in 1..2: f[i] >= i }", 192),
    ("init { false }", 0),
])
def test_agrees_with_the_evaluator(init: str, count: int | None, tmp_path: Path) -> None:
    text = ("spec s\nvar x: 0..3\nvar b: 1..3 -> bool\nvar y: 0..3\nvar f: 1..2 -> 0..3\n"
            + init + "\ninvariant t: true\n")
    model = model_of(text, tmp_path)
    n = same_as_evaluator(model)
    assert count is None or n == count


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(text=specs())
def test_random_specs(text: str, tmp_path: Path) -> None:
    same_as_evaluator(model_of(text, tmp_path))


G13 = "spec g13\nvar g: 1..13 -> bool\naction flip(i: 1..13) { g'[i] = not g[i] }\n" \
      "invariant ok: true\n"
BAKERY = """spec bakeryish
type P = 1..2
var num: P -> 0..59
var a: 0..13
var b: 0..12
var pc: P -> {idle, wait, cs}
var flag: P -> bool
init { forall p in P: pc[p] = idle and not flag[p] }
action go(p: P) { require pc[p] = idle  pc'[p] = wait }
invariant ok: true
"""


def test_large_initial_sets_are_listed_without_brute_force(tmp_path: Path) -> None:
    """8,192 and 655,200 initial states (once: minutes by repeated solving)."""
    assert sum(1 for _ in initial_cells(model_of(G13, tmp_path))) == 8192
    assert sum(1 for _ in initial_cells(model_of(BAKERY, tmp_path))) == 655_200


def test_the_seed_spec_has_one_initial_state() -> None:
    model = lower(check(load_spec(str(ROOT / "spec" / "soft_offline.hp"), SourceCache()),
                        {"VARIANT": "unpatched", "NPAGES": "3", "NFAULT": "3"}))
    assert len(initial_states(model)) == 1


def test_budget_and_state_limit_cut_the_listing_short(tmp_path: Path) -> None:
    model = model_of(BAKERY, tmp_path)
    with pytest.raises(Cut, match="timeout while listing the initial states"):
        list(initial_cells(model, Budget(seconds=0.0)))
    res = explicit(model, ["ok"], 10, Budget(seconds=0.0))
    assert [(r.verdict, r.bound) for r in res] == [("unknown", -1)]
    assert res[0].reason == "timeout while listing the initial states"
    res = explicit(model, ["ok"], 10, Budget(), max_states=10_000)
    assert res[0].verdict == "unknown"
    assert res[0].reason is not None and res[0].reason.startswith("state limit reached")
