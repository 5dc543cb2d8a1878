"""The pytest plugin (hpverify.pytest_plugin), driven through pytest's own `pytester`."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

# The contract's example spec, plus an invariant that holds (shared with other tests).
COUNTER = (Path(__file__).parent / "data" / "counter.hp").read_text()

# other installed plugins are slow to import again in every in-process run
QUIET = ("-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:cacheprovider")

BROKEN = "spec broken\nvar x: 0..2\ninvariant i: x <= y\n"


@pytest.fixture
def specs(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.mkdir("spec")
    (pytester.path / "spec" / "counter.hp").write_text(COUNTER)
    (pytester.path / "spec" / "frag.hp").write_text("# include-only\nconst K = 2\n")
    (pytester.path / "spec" / "test_plain.py").write_text("def test_plain():\n    pass\n")
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*QUIET, *args)


def test_entry_point_is_registered():
    eps = entry_points(group="pytest11")
    assert [e.value for e in eps if e.name == "hpverify"] == ["hpverify.pytest_plugin"]


def test_not_collected_without_opt_in(specs):
    (specs.path / "spec" / "broken.hp").write_text(BROKEN)
    result = run(specs, "spec", "--collect-only", "-q")
    result.assert_outcomes(passed=0, errors=0)
    assert result.stdout.lines[0] == "spec/test_plain.py::test_plain"
    assert not any(".hp" in line for line in result.stdout.lines)


def test_collects_one_item_per_invariant_with_flag(specs):
    result = run(specs, "--hp", "spec", "--collect-only", "-q")
    ids = [line for line in result.stdout.lines if "::" in line]
    assert ids == ["spec/counter.hp::small", "spec/counter.hp::bounded",
                   "spec/counter.hp::types", "spec/test_plain.py::test_plain"]


def test_ini_opt_in_and_sweeps(specs):
    specs.makeini("[pytest]\nhp_collect = true\n")
    result = run(specs, "spec", "--hp-const", "N=1..2", "--collect-only", "-q")
    ids = [line for line in result.stdout.lines if ".hp::" in line]
    assert ids == [f"spec/counter.hp::{inv}[N={n}]" for n in (1, 2)
                   for inv in ("small", "bounded", "types")]


def test_failure_shows_the_cpu_column_trace(specs):
    result = run(specs, "--hp", "spec", "--hp-const", "N=1", "-k", "bounded")
    result.assert_outcomes(failed=1, deselected=3)
    out = result.stdout.str()
    assert "invariant bounded violated in 2 steps (no expect covers it)" in out
    assert "spec/counter.hp: spec counter (N=1)" in out
    result.stdout.fnmatch_lines([
        "*_ invariant bounded [[]N=1[]] _*",
        " step | c0 * | c1*",
        "------+-*",
        "    1 | *incr(c=*",
        "state 2 breaks bounded: x <= N",
        "  x = 2",
    ])
    assert "Traceback" not in out and "pytest_plugin.py" not in out


def test_passing_run_and_expect(specs):
    result = run(specs, "--hp", "spec", "-q")
    result.assert_outcomes(passed=4)  # small is expected violated: the expect is met


def test_unmet_expect_fails(specs):
    (specs.path / "spec" / "counter.hp").write_text(COUNTER.replace("in 2", "in 4"))
    result = run(specs, "--hp", "spec", "-k", "small")
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines(["*invariant small: expected violated in 4, got violated "
                                 "in 2 steps*"])


def test_spec_error_is_a_collection_error_at_file_line_col(specs):
    (specs.path / "spec" / "broken.hp").write_text(BROKEN)
    result = run(specs, "--hp", "spec/broken.hp")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["spec/broken.hp:3:19: error[HP110]: 'y' is not declared",
                                 "   3 | invariant i: x <= y"])
    assert "Traceback" not in result.stdout.str()


def test_bad_option_is_reported(specs):
    result = run(specs, "--hp", "spec", "--hp-engine", "nope")
    result.stdout.fnmatch_lines(["hpverify: --hp-engine nope: unknown engine*"])


def test_junitxml_properties(specs):
    result = run(specs, "--hp", "spec/counter.hp", "--junitxml", "r.xml")
    result.assert_outcomes(passed=3)
    xml = (specs.path / "r.xml").read_text()
    assert '<property name="verdict" value="violated" />' in xml
    assert '<property name="length" value="2" />' in xml


def test_works_with_xdist(specs):
    result = run(specs, "--hp", "spec", "-n", "2", "--hp-const", "N=1..2")
    # N=1: bounded and types violated (x reaches 2 in 0..1); everything else passes
    result.assert_outcomes(passed=5, failed=2)
    failed = sorted(line.split(" - ")[0] for line in result.stdout.lines
                    if line.startswith("FAILED"))
    assert failed == ["FAILED spec/counter.hp::bounded[N=1]",
                      "FAILED spec/counter.hp::types[N=1]"]
