"""The explicit engine at its edges: a depth bound that its trace must respect
(NOTE(explicit-bound)), a clock looked at within a BFS level (NOTE(explicit-budget)), a state
store that runs out of memory. Anything cut short is unknown, never holds beyond what was
searched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hpverify import ir
from hpverify.check import check
from hpverify.cli import main
from hpverify.diagnostics import SourceCache
from hpverify.engines import explicit as X
from hpverify.engines.bmc import bmc
from hpverify.engines.common import Budget
from hpverify.lower import lower
from hpverify.parse import load_spec

ELEVEN = """spec eleven
var x: 0..20
var f: 1..3 -> 0..3
init { x = 0  forall i in 1..3: f[i] = 0 }
action up { require x < 20  x' = x + 1 }
action noise(i: 1..3) { f'[i] = if f[i] = 3 then 0 else f[i] + 1 }
invariant small: x < 11
"""

G13 = """spec g13
var g: 1..13 -> bool
init { forall i in 1..13: not g[i] }
action flip(i: 1..13) { g'[i] = not g[i] }
invariant ok: true
"""


def model_of(text: str, tmp: Path) -> tuple[ir.Model, list[str]]:
    f = tmp / "s.hp"
    f.write_text(text)
    checked = check(load_spec(str(f), SourceCache()), {})
    return lower(checked), [i.name for i in checked.invariants] + [ir.TYPES]


def test_a_violation_beyond_the_depth_is_holds_up_to_the_depth(tmp_path: Path) -> None:
    """At depth 10 the shortest violation (11 steps) is out of bounds: explicit says what bmc
    says. At depth 11 both find it."""
    model, names = model_of(ELEVEN, tmp_path)
    for depth in (10, 11):
        ex = X.explicit(model, names, depth, Budget())
        bm = bmc(model, names, depth, Budget())
        e, b = ex[0], bm[0]
        assert (e.verdict, e.bound) == (b.verdict, b.bound), (depth, e, b)
        assert e.trace is None or e.trace.length <= depth
    assert X.explicit(model, names, 10, Budget())[1].proved  # types: the whole space searched


def test_cli_bound_and_trace_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "eleven.hp").write_text(ELEVEN)
    for engine in ("explicit", "bmc"):
        code = main(["prove", str(tmp_path / "eleven.hp"), "--engine", engine, "--depth", "10",
                     "--inv", "small", "--json"])
        (small, _) = json.loads(capsys.readouterr().out)["specs"][0]["results"]
        assert code == 0 and (small["verdict"], small["bound"]) == ("holds", 10), small


class ClockAfter(Budget):
    """A budget whose clock runs out at the n-th look."""

    def __init__(self, looks: int) -> None:
        super().__init__(seconds=1.0)
        self.looks = looks

    def remaining(self) -> float | None:
        self.looks -= 1
        return 1.0 if self.looks > 0 else 0.0


def test_timeout_is_checked_within_a_level(tmp_path: Path) -> None:
    """Looks 1-3 come after levels 0-2 (1, 13, 78 states); the fourth comes 256 states into
    level 3 (286 states), which is not finished."""
    model, names = model_of(G13, tmp_path)
    res = X.explicit(model, names, 20, ClockAfter(4))
    assert [r.verdict for r in res] == ["unknown", "unknown"]
    assert res[0].reason == "timeout (every state up to depth 2 explored)"
    assert res[0].bound == 2
    assert res[0].distinct_states is not None and res[0].distinct_states < 1 + 13 + 78 + 286 + 715


def test_state_limit_is_checked_within_a_level(tmp_path: Path) -> None:
    model, names = model_of(G13, tmp_path)
    res = X.explicit(model, names, 20, Budget(), max_states=500)
    assert res[0].verdict == "unknown"
    assert res[0].reason == ("state limit reached: more than 500 distinct states "
                             "(every state up to depth 2 explored)")
    assert res[0].distinct_states is not None and res[0].distinct_states < 1500


def test_out_of_memory_is_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model, names = model_of(G13, tmp_path)

    class Starved(X.CompiledModel):
        def __init__(self, model: ir.Model) -> None:
            super().__init__(model)
            real, calls = self.explorer(), [0]

            def explore(state: int, *args: object) -> None:
                calls[0] += 1
                if calls[0] > 100:
                    raise MemoryError
                real(state, *args)  # type: ignore[arg-type]

            self.explorer = lambda canon=None: explore  # type: ignore[method-assign,assignment]

    monkeypatch.setattr(X, "CompiledModel", Starved)
    res = X.explicit(model, names, 20, Budget())
    assert [r.verdict for r in res] == ["unknown", "unknown"]
    assert res[0].reason is not None and res[0].reason.startswith("out of memory after ")
    assert res[0].reason.endswith("(every state up to depth 2 explored)")


def test_within_the_depth_a_cut_search_is_unknown(tmp_path: Path) -> None:
    """Cut short before the depth bound: unknown, never holds."""
    model, names = model_of(G13, tmp_path)
    res = X.explicit(model, names, 20, ClockAfter(2))
    assert all(r.verdict == "unknown" and r.bound == 1 for r in res)


def test_past_the_depth_a_cut_search_holds_up_to_the_depth(tmp_path: Path) -> None:
    model, names = model_of(G13, tmp_path)
    res = X.explicit(model, names, 2, ClockAfter(4))
    assert all(r.verdict == "holds" and r.bound == 2 for r in res)


def test_canon_hook_stores_one_state_per_class() -> None:
    """NOTE(canon-hook): a canonicaliser of keys is applied to every initial state and
    successor before the visited-set lookup. Here it sorts the CPUs' program counters of
    first_cut (a spec symmetric in its CPUs): the search stores exactly one state per
    class of the reachable states (counted by a plain search), and still proves all."""
    root = Path(__file__).resolve().parent.parent
    checked = check(load_spec(str(root / "benchmarks" / "first_cut.hp"), SourceCache()),
                    {"VARIANT": "patched", "NPAGES": "3", "NFAULT": "3"})
    model = lower(checked)
    names = [i.name for i in checked.invariants] + [ir.TYPES]
    cm = X.CompiledModel(model)
    bit, w, _ = cm.layout.var_bit["f_pc"]
    shifts = [bit + j * w for j in range(3)]
    mask = (1 << w) - 1
    clear = ~sum(mask << sh for sh in shifts)

    def canon(key: object) -> object:
        if type(key) is not int:
            return key
        digits = sorted(key >> sh & mask for sh in shifts)
        return (key & clear) | sum(d << sh for d, sh in zip(digits, shifts, strict=True))

    seen = {cm.key(c, e) for c, e in X.initial_cells(model)}
    todo = list(seen)
    while todo:
        for _, k in cm.expand(todo.pop()):
            if k not in seen:
                seen.add(k)
                todo.append(k)
    assert len(seen) == 650  # TLC's count (first_cut's header)
    classes = len({canon(k) for k in seen})
    assert classes < 650
    res = X.explicit(model, names, 20, Budget(), canon=canon)
    assert all(r.proved for r in res)
    assert res[0].distinct_states == classes
    plain = X.explicit(model, names, 20, Budget(), canon=lambda k: k)
    assert plain[0].distinct_states == 650
