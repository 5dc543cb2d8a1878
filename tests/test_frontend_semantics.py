"""Meanings the front end fixes for every engine at once (issue 11): constant folding that
keeps short-circuit reads (NOTE(lazy-fold)), init definitions versus init constraints
(NOTE(init-definitions)), internal state keys out of the user's namespace. Each spec runs
on every engine through the CLI's JSON, and every engine must give the same verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import prove_json

ENGINES = ("bmc", "kind", "pdr", "explicit", "auto")


def verdicts(path: Path, engine: str) -> dict[str, tuple[str, int | None]]:
    """invariant → (verdict, trace length or None)."""
    code, data = prove_json(str(path), "--engine", engine)
    assert code in (0, 1), (engine, code, data)
    out: dict[str, tuple[str, int | None]] = {}
    for spec in data["specs"]:
        for r in spec["results"]:
            trace = r["trace"]
            out[r["invariant"]] = (r["verdict"], trace["length"] if trace else None)
    return out


def proved(v: dict[str, tuple[str, int | None]]) -> dict[str, str]:
    return {k: verdict for k, (verdict, _) in v.items()}


LAZYFOLD_GUARD = """spec lazyfold
var f: 1..3 -> bool
var x: 0..5
init { x = 0  forall i in 1..3: f[i] }
action a { require x < 5  require f[1] or f[4] or true  x' = x + 1 }
invariant small: x < 3
"""

LAZYFOLD_INVARIANT = """spec lazyfold_inv
var f: 1..3 -> bool
var x: 0..1
init { x = 0  forall i in 1..3: f[i] }
action a { require x < 1  x' = x + 1 }
invariant lazy: f[1] or f[4] or true
invariant lazy_and: not f[1] and f[4] and false
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_lazyfold_guard_keeps_the_operand_that_stops_the_read(tmp_spec, engine: str) -> None:
    v = verdicts(tmp_spec(LAZYFOLD_GUARD), engine)
    assert v["small"] == ("violated", 3)
    assert v["types"][0] == "holds"


@pytest.mark.parametrize("engine", ENGINES)
def test_lazyfold_invariant(tmp_spec, engine: str) -> None:
    v = verdicts(tmp_spec(LAZYFOLD_INVARIANT), engine)
    assert v["lazy"][0] == "holds"  # f[1] is true: f[4] is never read
    assert v["lazy_and"] == ("violated", 0)  # not f[1] is false: plain false, no read
    assert v["types"][0] == "holds"
