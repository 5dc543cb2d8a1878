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


def first_states(path: Path, engine: str) -> dict[str, dict]:
    """invariant → the first state of its trace (violated results only)."""
    code, data = prove_json(str(path), "--engine", engine)
    assert code in (0, 1), (engine, code, data)
    return {r["invariant"]: r["trace"]["states"][0] for s in data["specs"]
            for r in s["results"] if r["trace"]}


# NOTE(init-definitions): equations that refer to each other are plain constraints over
# type-correct values; an equation that can be computed from undefined parts and earlier
# definitions defines its target, even outside the type.
INIT_CASES = {
    "self": ("var x: 0..3\ninit { x = x }", {"a": ("violated", 0), "types": ("holds", None)}),
    "mutual": ("var x: 0..3\nvar y: 0..3\ninit { x = y  y = x }",
               {"a": ("violated", 0), "types": ("holds", None)}),
    "mutual_arith": ("var x: 0..3\nvar y: 0..3\ninit { x = 3 - y  y = 3 - x }",
                     {"a": ("violated", 0), "types": ("holds", None)}),
    "through_fn": ("var x: 0..3\nvar f: 0..3 -> 0..3\ninit { x = f[x] }",
                   {"a": ("violated", 0), "types": ("holds", None)}),
    "later_def": ("var x: 0..3\nvar y: 0..3\ninit { y = x + 1  x = 3 }",
                  {"a": ("holds", None), "types": ("violated", 0)}),
    "redefined": ("var x: 0..3\ninit { x = 1  x = 2 }",
                  {"a": ("holds", None), "types": ("holds", None)}),
    "not_top_level": ("var x: 0..3\ninit { false or x = 7 }",  # no equation: a filter
                      {"a": ("holds", None), "types": ("holds", None)}),
    "through_and_forall": ("var x: 0..3\nvar f: 1..2 -> 0..9\n"
                           "init { x = 1 and (forall i in 1..2: f[i] = x + 9) }",
                           {"a": ("holds", None), "types": ("violated", 0)}),
    "cycle_then_reader": ("var x: 0..3\nvar y: 0..9\ninit { x = x + 0  y = x + 6 }",
                          {"a": ("violated", 0), "types": ("holds", None)}),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(INIT_CASES))
def test_init_definitions_agree_on_every_engine(tmp_spec, engine: str, case: str) -> None:
    body, want = INIT_CASES[case]
    path = tmp_spec(f"spec {case}\n{body}\ninvariant a: x != 2\ncheck depth 3\n")
    got = verdicts(path, engine)
    for inv, (verdict, length) in want.items():
        assert got[inv][0] == verdict, (inv, got)
        if verdict == "violated":
            assert got[inv][1] == length, (inv, got)


@pytest.mark.parametrize("engine", ENGINES)
def test_init_definition_with_a_read_error_takes_the_last_entry(tmp_spec, engine: str) -> None:
    path = tmp_spec("spec rd\nvar f: 1..2 -> 0..3\nvar x: 0..3\n"
                    "init { f[1] = 0  f[2] = 2  x = f[3] }\ninvariant a: x != 2\n")
    v = verdicts(path, engine)
    assert v["types"] == ("violated", 0)
    assert first_states(path, engine)["types"] == {"f": {"1": 0, "2": 2}, "x": 2}


@pytest.mark.parametrize("engine", ENGINES)
def test_cycle_definitions_stay_in_type(tmp_spec, engine: str) -> None:
    """The reported shape of the bug: kind/pdr gave x = -4 for `x = x`."""
    path = tmp_spec("spec c\nvar x: 0..3\ninit { x = x }\ninvariant a: x != 2\n")
    assert first_states(path, engine)["a"] == {"x": 2}


# Internal names stay out of the user's namespace: the evaluator's error flag is a state
# key no identifier can spell, the solver's flag and selector are named likewise. With the
# old names, `__error__` crashed every engine and `err` (the solver's error flag was
# `err@k`) made bmc, kind and pdr report `small` as holding.
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", ["__error__", "err", "sel"])
def test_internal_names_are_free_for_users(tmp_spec, engine: str, name: str) -> None:
    path = tmp_spec(f"""spec names
var {name}: bool
var x: 0..2
init {{ x = 0  not {name} }}
action a {{ require x < 2  x' = x + 1  {name}' = true }}
invariant small: not {name} or x < 2
""")
    v = verdicts(path, engine)
    assert v["small"] == ("violated", 2)
    assert v["types"][0] == "holds"
