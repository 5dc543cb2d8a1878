"""JUnit XML for CI test reporters (`hpverify prove --junit FILE`).

Layout (see docs/cli.md, "JUnit XML"):

    <testsuites name="hpverify" tests= failures= errors= skipped="0" time=>
      <testsuite name="spec/x.hp" tests= failures= errors= skipped="0" time=>   one per file
        <testcase classname="x" name="small[N=3]" file="spec/x.hp" time=>   one per
            (spec, constants, invariant); the name is the invariant, then the constant
            setting in brackets when the spec has constants
          <properties> verdict, engine, bound, expected, met, each constant </properties>
          <failure type="violation|expect" message="...">TRACE TEXT</failure>
          <error type="unknown" message="unknown (timeout)"/>
          <system-out>TRACE TEXT</system-out>   an expected violation passes, trace kept

A violation no `expect` covers, and an unmet `expect`, are failures; unknown is an error.
A file that gave no results (an error in the spec, an internal error) is a testsuite with
one testcase `(spec error)` / `(internal error)` holding an `<error>` (a command-line error:
testsuite `hpverify`, testcase `(command line error)`); an interrupted run
ends with a testsuite `hpverify` whose testcase `(interrupted)` is an error. NOTE(junit-every-run):
the CLI writes the report on every run, failed and interrupted ones too (and removes an
old one first), so the file a CI job finds is always this run's.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from .ir import key_string
from .pipeline import Outcome, SpecRun
from .summary import Problem, ProblemKind, consts_text
from .trace import render_trace


def testcase_name(run: SpecRun, invariant: str) -> str:
    consts = consts_text(run, sep=",")
    return f"{invariant}[{consts}]" if consts else invariant


def failure_message(o: Outcome) -> str:
    r = o.result
    if o.expect is not None and o.met is False:
        return f"invariant {r.invariant}: expected {o.expect.describe()}, got {r.wording()}"
    return f"invariant {r.invariant} {r.wording()} (no expect covers it)"


def trace_text(run: SpecRun, o: Outcome) -> str | None:
    r = o.result
    if r.trace is None:
        return None
    return render_trace(run.model, r.trace, r.invariant, run.invariant_text.get(r.invariant))


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters; traces have none, but be safe."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def testcase(run: SpecRun, o: Outcome) -> ET.Element:
    r = o.result
    tc = ET.Element("testcase", {"classname": run.spec, "name": testcase_name(run, r.invariant),
                                 "file": run.file, "time": f"{r.seconds:.3f}"})
    props = ET.SubElement(tc, "properties")
    values = {"verdict": r.verdict, "engine": r.engine,
              "bound": "all" if r.bound is None else str(r.bound)}
    if o.expect is not None:
        values["expected"] = o.expect.describe()
        values["met"] = {True: "true", False: "false", None: "undecided"}[o.met]
    if r.trace is not None:
        values["length"] = str(r.trace.length)
    for name, const in run.consts.items():
        values[f"const.{name}"] = key_string(const)
    for name, shown in values.items():
        ET.SubElement(props, "property", {"name": name, "value": shown})
    text = trace_text(run, o)
    if o.failed:
        el = ET.SubElement(tc, "failure", {
            "type": "expect" if o.expect is not None else "violation",
            "message": failure_message(o)})
        el.text = _clean(text if text is not None else failure_message(o))
    elif r.verdict == "unknown":
        el = ET.SubElement(tc, "error", {"type": "unknown", "message": r.wording()})
        el.text = r.wording()
    elif text is not None:
        ET.SubElement(tc, "system-out").text = _clean(text)
    return tc


def _counts(el: ET.Element, cases: Sequence[ET.Element], seconds: float) -> None:
    el.set("tests", str(len(cases)))
    el.set("failures", str(sum(c.find("failure") is not None for c in cases)))
    el.set("errors", str(sum(c.find("error") is not None for c in cases)))
    el.set("skipped", "0")
    el.set("time", f"{seconds:.3f}")


_PROBLEM_TYPE = {ProblemKind.SPEC_ERROR: "spec-error", ProblemKind.INTERNAL_ERROR: "internal",
                 ProblemKind.INTERRUPTED: "interrupted"}


def problem_case(p: Problem) -> ET.Element:
    name = p.file or "hpverify"
    what, kind = f"({p.kind.value})", _PROBLEM_TYPE[p.kind]
    if p.file is None and p.kind is ProblemKind.SPEC_ERROR:  # the command line's, not a file's
        what, kind = "(command line error)", "usage-error"
    tc = ET.Element("testcase", {"classname": name, "name": what, "file": p.file or "",
                                 "time": "0.000"})
    el = ET.SubElement(tc, "error", {"type": kind, "message": _clean(p.message)})
    el.text = _clean(p.text)
    return tc


def junit_xml(runs: Sequence[SpecRun], problems: Sequence[Problem] = ()) -> str:
    root = ET.Element("testsuites", {"name": "hpverify"})
    by_file: dict[str, list[SpecRun]] = {}
    for run in runs:
        by_file.setdefault(run.file, []).append(run)
    for p in problems:  # a file with no results still gets its suite
        by_file.setdefault(p.file or "hpverify", [])
    all_cases: list[ET.Element] = []
    total = 0.0
    for file, group in by_file.items():
        suite = ET.SubElement(root, "testsuite", {"name": file})
        cases = [testcase(run, o) for run in group for o in run.outcomes]
        cases += [problem_case(p) for p in problems if (p.file or "hpverify") == file]
        seconds = sum(r.seconds for r in group)
        _counts(suite, cases, seconds)
        suite.extend(cases)
        all_cases.extend(cases)
        total += seconds
    _counts(root, all_cases, total)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(path: str, runs: Sequence[SpecRun], problems: Sequence[Problem] = ()) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(junit_xml(runs, problems))
