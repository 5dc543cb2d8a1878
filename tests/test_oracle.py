"""The engines against an oracle the lowering cannot fool (tests/syntax_oracle.py: the
semantics read off the checked syntax tree, before lowering and folding), on random specs
from tests/specgen.py, including its `extended` forms: short-circuit reads outside a
domain, init equations that refer to each other, negative ranges and large literals.

HPVERIFY_FUZZ_EXAMPLES=N runs N examples (default 25)."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from specgen import specs
from syntax_oracle import Oracle

from hpverify.check import check
from hpverify.cli import main
from hpverify.diagnostics import SourceCache
from hpverify.parse import load_spec

EXAMPLES = int(os.environ.get("HPVERIFY_FUZZ_EXAMPLES", "25"))
DEPTH = 5


def prove(path: Path, engine: str) -> dict[str, tuple[str, int | None]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["prove", str(path), "--json", "--depth", str(DEPTH), "--engine", engine,
                     "--no-progress"])
    assert code in (0, 1), err.getvalue()
    got: dict[str, tuple[str, int | None]] = {}
    for spec in json.loads(out.getvalue())["specs"]:
        for r in spec["results"]:
            got[r["invariant"]] = (r["verdict"], r["trace"]["length"] if r["trace"] else None)
    return got


def compare(text: str, tmp: Path) -> None:
    f = tmp / "random.hp"
    f.write_text(text)
    spec = load_spec(str(f), SourceCache())
    check(spec, {})  # the oracle reads only specs the checker accepts
    want, _ = Oracle(spec).shortest(DEPTH)
    got = prove(f, "bmc")
    for name, k in want.items():
        if k is None:
            assert got[name][0] == "holds", (name, got, want, text)
        else:
            assert got[name] == ("violated", k), (name, got, want, text)
    ex = prove(f, "explicit")  # unbounded: it may also find violations past DEPTH
    for name, k in want.items():
        if k is not None:
            assert ex[name] == ("violated", k), (name, ex, want, text)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(text=specs(extended=True))
def test_engines_agree_with_the_syntax_oracle(tmp_path: Path, text: str) -> None:
    compare(text, tmp_path)


REGRESSIONS = [
    # lazyfold: f[1] is true, so f[4] is never read
    "spec lazyfold\nvar f: 1..3 -> bool\nvar x: 0..5\ninit { x = 0  forall i in 1..3: f[i] }\n"
    "action a { require x < 5  require f[1] or f[4] or true  x' = x + 1 }\n"
    "invariant small: x < 3\ninvariant lazy: f[1] or f[4] or true\n",
    # init equations that refer to each other
    "spec c\nvar x: 0..3\nvar y: 0..3\ninit { x = 3 - y  y = 3 - x }\ninvariant a: x != 2\n",
    "spec c\nvar x: 0..3\nvar f: 0..3 -> 0..3\ninit { x = f[x] }\ninvariant a: x != 2\n",
    "spec c\nvar x: 0..3\nvar y: 0..3\ninit { y = x + 1  x = 3 }\ninvariant a: x != 2\n",
    "spec c\nvar v: 0..1\ninit { 2 = (if true then v else 0) }\ninvariant a: v = 0\n",
    "spec c\nvar x: -3..-1\nvar y: 0..3\ninit { false or x = -7  y = 0 }\n"
    "action a { require y < 3  y' = y + 1  x' = x - 1 }\ninvariant a: y < 3\n",
]


@pytest.mark.parametrize("text", REGRESSIONS)
def test_regressions_against_the_oracle(tmp_path: Path, text: str) -> None:
    compare(text, tmp_path)
