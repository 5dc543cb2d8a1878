"""Every engine prints the same canonical shortest trace (engines/canonical.py,
NOTE(canonical-trace), NOTE(explicit-canonical)), so `--engine auto` prints the same text
whichever member wins. The specs here are ones where kind, pdr (and explicit) used to print
another shortest trace than bmc."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hpverify.cli import main
from hpverify.diagnostics import SourceCache
from hpverify.pipeline import Options, prove_file
from hpverify.trace import render_trace

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("bmc", "kind", "pdr", "explicit", "auto")

# Four initial states start the same shortest sequence (y is free); the actors could
# interleave in several orders.
MULTI = """spec multi
type Cpu = {c0, c1}
var x: 0..3
var y: 0..3
var z: 0..3
init { x = 0  z = 0 }
action a by c0 { require x < 3  x' = x + 1 }
action b by c1 { require z < 3  z' = z + 1 }
action c by c1 { require x = 1  y' = 3 - y }
invariant small: x + z < 3
invariant y_low: x < 2 or y < 2
"""


def traces(path: str, engine: str, depth: int, **consts: str) -> str:
    runs = prove_file(path, Options(engine=engine, depth=depth,
                                    consts=tuple((k, (v,)) for k, v in consts.items())),
                      SourceCache())
    return "\n".join(render_trace(run.model, o.result.trace, o.result.invariant, None)
                     for run in runs for o in run.outcomes if o.result.trace is not None)


@pytest.mark.parametrize(("spec", "depth", "consts", "count"), [
    ("tests/data/counter.hp", 5, {}, 1),  # the README example: kind and pdr differed
    ("spec/races/r03_hwpoison_vs_hugetlb_alloc.hp", 8, {"NPAGES": "1"}, 3),  # kind, pdr differed
    ("spec/races/r07_alloc_vs_reserve.hp", 8, {"NPAGES": "2"}, 2),  # kind, pdr and explicit differed
    ("benchmarks/first_cut.hp", 10, {"VARIANT": "unpatched"}, 2),  # kind and explicit
    # kind, pdr and explicit differed
    ("spec/soft_offline.hp", 8, {"VARIANT": "unpatched", "NPAGES": "2", "NFAULT": "2"}, 5),
    ("multi", 6, {}, 2),
])
def test_every_engine_prints_the_same_trace(spec: str, depth: int, consts: dict[str, str],
                                            count: int, tmp_path: Path) -> None:
    if spec == "multi":
        (tmp_path / "multi.hp").write_text(MULTI)
        path = str(tmp_path / "multi.hp")
    else:
        path = str(ROOT / spec)
    texts = {e: traces(path, e, depth, **consts) for e in ENGINES}
    assert texts["bmc"].count("breaks") == count
    for e in ENGINES:
        assert texts[e] == texts["bmc"], e


def _masked(out: str) -> str:
    """Output without its timings (the one part that may change between runs)."""
    return re.sub(r"\d+\.\d+s", "T", out)


@pytest.mark.parametrize("args", [
    ["prove", str(ROOT / "tests/data/counter.hp"), "--engine", "auto"],
    ["prove", str(ROOT / "spec/soft_offline.hp"), "--engine", "auto", "--const", "NPAGES=2",
     "--const", "NFAULT=1..2", "--const", "VARIANT=unpatched", "--traces"],
])
def test_auto_prints_the_same_output_every_run(args: list[str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    outs = []
    for _ in range(3):
        main(args)
        outs.append(_masked(capsys.readouterr().out))
    assert outs[0] == outs[1] == outs[2]
    assert "breaks" in outs[0]
