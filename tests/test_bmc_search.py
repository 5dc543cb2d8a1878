"""The `bmc` engine's explicit first try (NOTE(bmc-search) in engines/explicit.py) gives
exactly SAT-based BMC's results: verdicts, bounds, traces, coverage; and falls back to the
SAT solver past its state cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpverify.diagnostics import SourceCache
from hpverify.engines import explicit as X
from hpverify.pipeline import Options, prove_file
from hpverify.result import Result
from hpverify.trace import render_trace

ROOT = Path(__file__).resolve().parent.parent

TYPES_BREAK = """spec types_break
type Cpu = {c0, c1}
var x: 0..3
var y: 0..2
var f: 1..2 -> bool
init { x = 0  y = 0 }
action up by c0 { x' = x + 1 }
action side by c1 { require y < 2  y' = y + 1 }
action look by c1 { require f[x]  y' = 0 }
invariant small: x + y < 4
invariant low: x < 2 or y = 0
"""


def _facts(r: Result, model: object) -> tuple[object, ...]:
    trace = render_trace(model, r.trace, r.invariant, None) if r.trace else None  # type: ignore[arg-type]
    extra = {k: v for k, v in r.extra.items() if k != "solve_seconds"}
    return (r.invariant, r.verdict, r.engine, r.bound, r.method, r.reason, trace, extra)


def _run(path: str, depth: int, consts: dict[str, str]) -> list[tuple[object, ...]]:
    runs = prove_file(path, Options(engine="bmc", depth=depth,
                                    consts=tuple((k, (v,)) for k, v in consts.items())),
                      SourceCache())
    return [_facts(o.result, run.model) for run in runs for o in run.outcomes]


@pytest.mark.parametrize(("spec", "depth", "consts"), [
    ("tests/data/counter.hp", 5, {}),
    ("tests/data/counter.hp", 1, {}),
    ("tests/data/counter.hp", 0, {}),
    ("spec/races/r03_hwpoison_vs_hugetlb_alloc.hp", 8, {}),
    ("spec/races/r07_alloc_vs_reserve.hp", 8, {}),
    ("benchmarks/first_cut.hp", 10, {"VARIANT": "unpatched", "NPAGES": "2", "NFAULT": "2"}),
    ("spec/soft_offline.hp", 9, {"VARIANT": "unpatched", "NPAGES": "2", "NFAULT": "2"}),
    ("types_break", 4, {}),
])
def test_search_gives_bmcs_results(spec: str, depth: int, consts: dict[str, str],
                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if spec == "types_break":
        (tmp_path / "t.hp").write_text(TYPES_BREAK)
        path = str(tmp_path / "t.hp")
    else:
        path = str(ROOT / spec)
    searched = _run(path, depth, consts)
    monkeypatch.setattr(X, "BMC_SEARCH_STATES", 0)  # every search gives up: SAT-based BMC
    assert searched == _run(path, depth, consts)


def test_search_gives_up_past_its_cap() -> None:
    from hpverify.check import check
    from hpverify.engines.common import Budget
    from hpverify.lower import lower
    from hpverify.parse import load_spec

    model = lower(check(load_spec(str(ROOT / "benchmarks/first_cut.hp"), SourceCache()),
                        {"VARIANT": "patched", "NPAGES": "3", "NFAULT": "3"}))
    names = [i.name for i in model.invariants]
    assert X.bounded_search(model, names, 20, Budget(), max_states=100) is None
    assert X.bounded_search(model, names, 20, Budget(), max_states=1000) is not None
