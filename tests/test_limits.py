"""Hostile input ends in a positioned error, never a traceback or unbounded memory
(NOTE(limits) in parse.py; issue 11): nesting depth, literal size, range bounds, cells per
variable, expansion size, sweep size, --timeout values, and the cost of big functions."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from hpverify.cli import main


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def first_error(err: str) -> str:
    assert "Traceback" not in err and "internal error" not in err, err[:2000]
    return next(ln for ln in err.splitlines() if "error[" in ln)[:200]


NESTED = {
    "if_expr": "spec d\nvar x: 0..1\naction a { x' = " + "if x = 0 then " * 490 + "1"
               + " else 0" * 490 + " }\n",
    "forall": "spec d\nvar x: 0..1\ninvariant i: " + "forall a in 0..1: " * 500 + "x = 0\n",
    "index": "spec d\nvar f: 1..1 -> 1..1\ninvariant i: " + "f[" * 500 + "1" + "]" * 500 + " = 1\n",
    "implies": "spec d\nvar x: 0..1\ninvariant i: " + " implies ".join(["x = 0"] * 500) + "\n",
    "not": "spec d\nvar b: bool\ninvariant i: " + "not " * 20000 + "b\n",
    "if_stmt": "spec d\nvar x: 0..1\naction a { " + "if x = 0 { " * 300 + "x' = 1" + " }" * 300
               + " }\n",
}


@pytest.mark.parametrize("case", sorted(NESTED))
def test_deep_nesting_is_a_positioned_error(tmp_path: Path, case: str) -> None:
    f = tmp_path / "d.hp"
    f.write_text(NESTED[case])
    for cmd in (["check"], ["prove"], ["export", "--tla"]):
        code, _, err = cli(*cmd, str(f))
        assert code == 2
        line = first_error(err)
        assert line.startswith(f"{f}:") and "error[HP300]: the spec nests more than 200 levels" \
            in line, line


def test_nesting_up_to_the_limit_runs_on_every_engine(tmp_path: Path) -> None:
    """195 nested `if`s (200 levels) go through every stage."""
    f = tmp_path / "d.hp"
    f.write_text("spec d\nvar x: 0..1\ninit { x = 0 }\naction a { require x = 0  x' = "
                 + "if x = 0 then " * 195 + "1" + " else 0" * 195 + " }\ninvariant i: x < 1\n")
    for engine in ("bmc", "kind", "pdr", "explicit"):
        code, out, err = cli("prove", str(f), "--engine", engine, "--no-progress")
        assert code == 1 and "invariant i violated in 1 step\n" in out, (engine, err[:2000])
    code, _, err = cli("export", "--tla", str(f))
    assert code == 0, err[:2000]


def test_integer_literal_over_18_digits(tmp_path: Path) -> None:
    f = tmp_path / "d.hp"
    f.write_text(f"spec d\nvar x: 0..1\ninit {{ x = {'9' * 4400} }}\n")
    code, _, err = cli("prove", str(f))
    assert code == 2
    assert first_error(err) == f"{f}:3:12: error[HP301]: integer literal with 4400 digits; at " \
        "most 18 are allowed"
    f.write_text("spec d\nvar x: 0..999999999999999999\ninit { x = 000000000000000000001 }\n")
    assert cli("check", str(f))[0] == 0  # leading zeros do not count


def test_range_bound_beyond_2_62(tmp_path: Path) -> None:
    f = tmp_path / "d.hp"
    f.write_text("spec d\nconst N = 100000000000000000\nvar x: 0..N * N\n")
    code, _, err = cli("prove", str(f), "--engine", "explicit")
    assert code == 2 and first_error(err).startswith(f"{f}:3:8: error[HP302]: the range 0..")
    code, _, err = cli("prove", str(f), "--const", "N=4611686018427387905")
    assert code == 2 and "error[HP302]" in first_error(err)


def test_variable_with_too_many_cells(tmp_path: Path) -> None:
    f = tmp_path / "d.hp"
    f.write_text("spec d\nvar f: 1..60000 -> 1..60000 -> bool\n")
    code, _, err = cli("check", str(f))
    assert code == 2 and first_error(err) == (f"{f}:2:8: error[HP128]: variable 'f' would have "
                                              "3600000000 cells; a variable may have at most 65536")


@pytest.mark.parametrize("text", [
    "spec d\nvar x: 0..1\ninvariant i: forall a in 1..200: forall b in 1..200: "
    "forall c in 1..200: x = 0\n",
    "spec d\nvar x: 0..1\naction a {\n  let a0 = x\n"
    + "".join(f"  let a{i} = a{i - 1} + a{i - 1}\n" for i in range(1, 40))
    + "  x' = a39 - a39\n}\n",
    "spec d\nvar x: 0..1\naction a(i: 1..1000, j: 1..1000, k: 1..2) { x' = 0 }\n",
])
def test_expansion_budget(tmp_path: Path, text: str) -> None:
    f = tmp_path / "d.hp"
    f.write_text(text)
    code, _, err = cli("prove", str(f), "--no-progress")
    assert code == 2 and "error[HP303]: the spec expands to more than 1000000 terms" in \
        first_error(err)


@pytest.mark.parametrize("value", ["inf", "nan", "1e400", "-1", "0", "1e10"])
def test_timeout_must_be_finite_and_positive(tmp_path: Path, value: str) -> None:
    f = tmp_path / "d.hp"
    f.write_text("spec d\nvar x: 0..1\n")
    code, _, err = cli("prove", str(f), "--timeout", value)
    assert code == 2 and first_error(err).startswith("hpverify: error[HP206]: --timeout ")


def test_sweep_size_limit(tmp_path: Path) -> None:
    f = tmp_path / "d.hp"
    f.write_text("spec d\nconst N = 1\nvar x: 0..N\n")
    code, _, err = cli("prove", str(f), "--const", "N=1..10000000000")
    assert code == 2 and first_error(err) == ("hpverify: error[HP203]: --const ...=1..10000000000: "
                                              "a sweep may have at most 10000 values, not "
                                              "10000000000")


def test_huge_values_print_in_hex(tmp_path: Path) -> None:
    """A value computed out of its type can outgrow str()'s 4,300 digits."""
    from hpverify import ir

    big = 10 ** 5000
    assert ir.show_value(big, ir.IntT()) == hex(big)
    assert ir.render_value(big, ir.IntT()) == hex(big)
    assert ir.show_value(10 ** 20, ir.IntT()) == str(10 ** 20)


def test_a_thousand_entry_function_encodes_in_linear_time(tmp_path: Path) -> None:
    """`var f: 1..1000 -> bool` with one writer per entry: the step's frame used to cost
    cells x instances solver calls (minutes); now the entries each instance writes."""
    from hpverify.check import check
    from hpverify.encode import Encoding
    from hpverify.lower import lower
    from hpverify.parse import parse_text

    text = ("spec d\nvar f: 1..1000 -> bool\ninit { forall i in 1..1000: not f[i] }\n"
            "action a(i: 1..1000) { require not f[i]  f'[i] = true }\n")
    model = lower(check(parse_text(text, "d.hp"), {}))
    import z3

    enc = Encoding(model)
    frames = [c for c in enc._step if z3.is_eq(c) and z3.is_app_of(c.arg(1), z3.Z3_OP_ITE)]
    assert len(model.instances) == 1000 and len(frames) == 1000  # one writer per entry
    assert all(not z3.is_app_of(c.arg(1).arg(2), z3.Z3_OP_ITE) for c in frames)
