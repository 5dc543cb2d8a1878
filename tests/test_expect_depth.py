"""NOTE(expect-depth) in hpverify/pipeline.py: `expect NAME violated in N` searches NAME to
depth max(depth, N), so every engine meets an expectation beyond `check depth` alike (bmc
used to exit 1, kind 3, pdr and explicit 0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpverify.diagnostics import SourceCache
from hpverify.pipeline import Options, exit_code, prove_file

SPEC = """\
spec expect_depth
var x: 0..20
init { x = 0 }
action up { require x < 20  x' = x + 1 }
invariant small: x < 6
check depth 5
expect small violated in 6
"""


@pytest.mark.parametrize("engine", ["bmc", "kind", "pdr", "explicit", "auto"])
def test_expect_beyond_the_depth(engine: str, tmp_path: Path) -> None:
    f = tmp_path / "e.hp"
    f.write_text(SPEC)
    runs = prove_file(str(f), Options(engine=engine), SourceCache())
    small = runs[0].outcomes[0]
    assert small.result.verdict == "violated" and small.result.trace is not None
    assert small.result.trace.length == 6 and small.met is True
    assert runs[0].depth == 5
    assert exit_code(runs) == 0


def test_other_invariants_keep_the_depth(tmp_path: Path) -> None:
    f = tmp_path / "e.hp"
    f.write_text(SPEC + "invariant other: x < 15\n")
    runs = prove_file(str(f), Options(), SourceCache())
    bounds = {o.result.invariant: o.result.bound for o in runs[0].outcomes}
    assert bounds == {"small": 6, "other": 5, "types": 5}
