"""`hpverify prove --junit FILE`, read back with junitparser (a real consumer)."""

from __future__ import annotations

from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Properties

from hpverify.cli import main

COUNTER = """\
spec counter
const N = 3
type Cpu = {c0, c1}
var x: 0..N
var pc: Cpu -> {start, done}
init { x = 0  forall c in Cpu: pc[c] = start }
action incr(c: Cpu) by c {
  require pc[c] = start
  require c = c0 or pc[c0] = done   # c0 goes first: one shortest trace, exact text
  x' = x + 1
  pc'[c] = done
}
invariant small: x <= 1
invariant bounded: x <= N
check depth 5
expect small violated in 2
"""

TRACE = """\
initial state:
  x = 0
  pc = {c0: start, c1: start}

 step | c0                      | c1
------+-------------------------+------------------------
    1 | incr(c=c0)              |
      |   x: 0 -> 1             |
      |   pc[c0]: start -> done |
    2 |                         | incr(c=c1)
      |                         |   x: 1 -> 2
      |                         |   pc[c1]: start -> done

state 2 breaks bounded: x <= N
  x = 2"""


def _cases(path: Path) -> dict[str, object]:
    xml = JUnitXml.fromfile(str(path))
    return {f"{s.name}::{c.classname}::{c.name}": c for s in xml for c in s}


def test_junit_sweep_failures_carry_the_trace(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("counter.hp").write_text(COUNTER)
    code = main(["prove", "counter.hp", "--const", "N=1..2", "--junit", "report.xml", "--quiet"])
    out = capsys.readouterr().out
    assert code == 1
    assert "JUnit report: report.xml" in out
    xml = JUnitXml.fromfile("report.xml")
    assert (xml.tests, xml.failures, xml.errors) == (6, 2, 0)
    cases = _cases(Path("report.xml"))
    assert sorted(cases) == sorted(
        f"counter.hp::counter::{inv}[N={n}]" for n in (1, 2)
        for inv in ("small", "bounded", "types"))
    bad = cases["counter.hp::counter::bounded[N=1]"]
    assert not bad.is_passed
    (fail,) = bad.result
    assert isinstance(fail, Failure)
    assert fail.message == "invariant bounded violated in 2 steps (no expect covers it)"
    assert fail.type == "violation"
    assert fail.text == TRACE
    ok = cases["counter.hp::counter::small[N=2]"]
    assert ok.is_passed and ok.result == []
    assert ok.system_out.startswith("initial state:")  # expected violation: trace kept
    (plist,) = ok.iterchildren(Properties)
    props = {p.name: p.value for p in plist}
    assert props == {"verdict": "violated", "engine": "bmc", "bound": "5",
                     "expected": "violated in 2", "met": "true", "length": "2",
                     "const.N": "2"}
    holds = cases["counter.hp::counter::types[N=2]"]
    assert holds.is_passed and holds.system_out is None


def test_junit_unmet_expect_is_failure_and_unknown_is_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("counter.hp").write_text(COUNTER.replace("violated in 2", "violated in 3"))
    assert main(["prove", "counter.hp", "--junit", "r.xml", "--quiet"]) == 1
    small = _cases(Path("r.xml"))["counter.hp::counter::small[N=3]"]
    (fail,) = small.result
    assert isinstance(fail, Failure) and fail.type == "expect"
    assert fail.message == "invariant small: expected violated in 3, got violated in 2 steps"
    assert "state 2 breaks small: x <= 1" in fail.text

    assert main(["prove", "counter.hp", "--junit", "u.xml", "--rlimit", "1", "--quiet"]) == 3
    xml = JUnitXml.fromfile("u.xml")
    assert (xml.tests, xml.failures, xml.errors) == (3, 0, 3)
    for case in _cases(Path("u.xml")).values():
        (err,) = case.result
        assert isinstance(err, Error)
        assert err.message == "unknown (resource limit)" and err.type == "unknown"


def test_junit_several_files_one_suite_each(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("spec").mkdir()
    Path("spec/a.hp").write_text(COUNTER)
    Path("spec/b.hp").write_text("spec b\nvar y: bool\naction f { y' = not y }\n"
                                 "invariant t: y or not y\ncheck depth 2\n")
    assert main(["prove", "spec", "--junit", "out.xml", "--quiet"]) == 0
    xml = JUnitXml.fromfile("out.xml")
    suites = {s.name: [c.name for c in s] for s in xml}
    assert suites == {"spec/a.hp": ["small[N=3]", "bounded[N=3]", "types[N=3]"],
                      "spec/b.hp": ["t", "types"]}
    assert all(c.time >= 0 for s in xml for c in s)


def test_junit_bad_file_is_an_error_case_and_the_good_files_stay(tmp_path, monkeypatch, capsys):
    """Issue 11: a failed run still writes this run's report (never an older one)."""
    monkeypatch.chdir(tmp_path)
    Path("spec").mkdir()
    Path("spec/a.hp").write_text(COUNTER)
    Path("spec/bad.hp").write_text("spec bad\nvar x: 0..2\ninvariant i: x <= y\n")
    Path("out.xml").write_text("<testsuites><testsuite name='stale'/></testsuites>")
    assert main(["prove", "spec", "--junit", "out.xml", "--quiet"]) == 2
    xml = JUnitXml.fromfile("out.xml")
    assert (xml.tests, xml.failures, xml.errors) == (4, 0, 1)
    suites = {s.name: [c.name for c in s] for s in xml}
    assert suites == {"spec/a.hp": ["small[N=3]", "bounded[N=3]", "types[N=3]"],
                      "spec/bad.hp": ["(spec error)"]}
    (case,) = [c for s in xml for c in s if s.name == "spec/bad.hp"]
    (err,) = case.result
    assert isinstance(err, Error) and err.type == "spec-error"
    assert err.message.startswith("spec/bad.hp:3:19: error[HP110]: ")
    assert "   3 | invariant i: x <= y" in err.text
