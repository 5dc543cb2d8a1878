"""Batch runs, sweep matrices, aggregated exit codes, progress, usage errors (issue 5)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from hpverify.cli import main
from hpverify.progress import ERASE, Progress

# The contract's example spec, plus an invariant that holds (shared with other tests).
COUNTER = (Path(__file__).parent / "data" / "counter.hp").read_text()

TOGGLE = """\
spec toggle
var b: bool
init { not b }
action flip { b' = not b }
invariant anything: b or not b
check depth 3
"""


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def times(text: str) -> str:
    return re.sub(r"\d+\.\d\ds", "0.00s", text)


@pytest.fixture
def specdir(tmp_path: Path, monkeypatch) -> Path:
    d = tmp_path / "spec"
    (d / "sub").mkdir(parents=True)
    (d / "counter.hp").write_text(COUNTER)
    (d / "sub" / "toggle.hp").write_text(TOGGLE)
    (d / "sub" / "frag.hp").write_text("# an include-only fragment\nconst K = 1\n")
    (d / "notes.txt").write_text("not a spec")
    monkeypatch.chdir(tmp_path)
    return d


def test_batch_directory_summary_table(specdir, capsys):
    code, out, _ = run(capsys, "prove", "spec", "--quiet")
    assert code == 0
    summary = times(out[out.index("summary\n"):])
    assert summary == """\
summary
status  spec                constants  invariant  verdict   depth  engine  time
------  ------------------  ---------  ---------  --------  -----  ------  -----
ok      spec/counter.hp     N=3        small      violated  2      bmc     0.00s
ok      spec/counter.hp     N=3        bounded    holds     5      bmc     0.00s
ok      spec/counter.hp     N=3        types      holds     5      bmc     0.00s
ok      spec/sub/toggle.hp  -          anything   holds     3      bmc     0.00s
ok      spec/sub/toggle.hp  -          types      proved    all    bmc     0.00s

OK: 5 passed, 0 failed, 0 unknown (2 spec settings)
"""
    # --quiet: the passing specs print nothing before the summary
    assert out.startswith("summary\n")


def test_sweep_matrix_and_failure_exit_code(specdir, capsys):
    code, out, _ = run(capsys, "prove", "spec/counter.hp", "--const", "N=1..2", "--quiet")
    assert code == 1
    matrix = out[out.index("spec/counter.hp: spec counter, 2 constant settings"):]
    assert matrix == """\
spec/counter.hp: spec counter, 2 constant settings
N  small       bounded          types
-  ----------  ---------------  ---------------
1  violated@2  FAIL violated@2  FAIL violated@2
2  violated@2  holds<=5         holds<=5

FAILED: 4 passed, 2 failed, 0 unknown (2 spec settings)
"""
    assert "FAIL    spec/counter.hp  N=1        bounded    violated (unexpected)  2" in out
    # --quiet still prints the failing setting with its trace, not the passing one
    assert "state 2 breaks bounded: x <= N" in out
    assert "spec/counter.hp: spec counter (N=2)" not in out


def test_sweep_two_constants_json_one_entry_per_combination(tmp_path, capsys):
    f = tmp_path / "two.hp"
    f.write_text("spec two\nconst A = 1\nconst B = 1\nvar x: 0..3\ninit { x = 0 }\n"
                 "action step { require x < A + B  x' = x + 1 }\n"
                 "invariant low: x <= 2\ncheck depth 4\n")
    code, out, _ = run(capsys, "prove", str(f), "--const", "A=1..2", "--const", "B=1,2",
                       "--json")
    doc = json.loads(out)
    assert [s["consts"] for s in doc["specs"]] == [
        {"A": 1, "B": 1}, {"A": 1, "B": 2}, {"A": 2, "B": 1}, {"A": 2, "B": 2}]
    verdicts = [[r["verdict"] for r in s["results"]] for s in doc["specs"]]
    assert verdicts == [["holds", "holds"], ["violated", "holds"], ["violated", "holds"],
                        ["violated", "violated"]]
    assert code == 1


def test_aggregated_exit_codes(specdir, tmp_path, capsys):
    assert run(capsys, "prove", "spec", "--rlimit", "1", "--quiet")[0] == 3  # unknown only
    bad = tmp_path / "spec" / "bad.hp"
    bad.write_text("spec bad\nvar x: 0..2\ninvariant i: x <= y\n")
    code, _, err = run(capsys, "prove", "spec")
    assert code == 2
    assert re.search(r"spec/bad\.hp:3:\d+: error\[HP\d+\]", err)
    bad.unlink()
    (tmp_path / "spec" / "counter.hp").write_text(COUNTER.replace("bounded: x <= N",
                                                                  "bounded: x <= 1"))
    code, out, _ = run(capsys, "prove", "spec", "--rlimit", "1000000000", "--quiet")
    assert code == 1  # a failure wins over everything else


def test_usage_errors_are_diagnostics(specdir, capsys):
    code, _, err = run(capsys, "prove", "spec", "--junit", "no/such/dir/r.xml")
    assert code == 2 and "hpverify: error[HP208]: --junit no/such/dir/r.xml" in err
    (specdir / "file").write_text("")
    code, _, err = run(capsys, "prove", "spec", "--itf", "spec/file")
    assert code == 2 and "error[HP209]" in err
    code, _, err = run(capsys, "prove", "empty_dir_that_is_missing")
    assert code == 2 and "error[HP" in err


def test_progress_tty_live_line_after_delay():
    now = [0.0]
    buf = io.StringIO()
    p = Progress(buf, tty=True, color=False, width=80, thread=False, clock=lambda: now[0])
    p.start("spec/x.hp (N=2)", 1, 3)
    p("bmc", 0, 0.1)
    assert buf.getvalue() == ""  # nothing for the first second
    now[0] = 1.5
    p("bmc", 7, 0.25)
    assert buf.getvalue() == ERASE + "[1/3] spec/x.hp (N=2): bmc depth 7 done (1.5s)"
    p.finish()
    assert buf.getvalue().endswith(ERASE)
    p.start("spec/y.hp", 2, 3)  # one setting done in 1.5 s: an ETA for this one and the next
    now[0] = 3.0
    p.phase("Houdini")
    assert buf.getvalue().endswith(ERASE + "[2/3] spec/y.hp: Houdini (1.5s, ETA ~1.5s)")


def test_progress_line_never_wraps_in_80_columns():
    """Issue 12 item 8: a wrapped line leaves a copy on the screen at every refresh."""
    now = [0.0]
    buf = io.StringIO()
    p = Progress(buf, tty=True, color=True, width=80, thread=False, clock=lambda: now[0])
    label = "spec/soft_offline.hp (VARIANT=patched_norc, NPAGES=3, NFAULT=3, SPARE=3)"
    p.start(label, 36, 61)
    now[0] = 75.0
    p("kind", 12, 3.0)
    line = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", buf.getvalue().split("\r")[-1])
    assert len(line) <= 79
    assert line == "[36/61] spec/soft_offline.hp..., NFAULT=3, SPARE=3): kind depth 12 done " \
                   "(1m15s)"
    assert "\x1b[" in buf.getvalue().split("\r")[-1]  # colour on a terminal


def test_progress_plain_lines_only_when_the_phase_changes():
    now = [0.0]
    buf = io.StringIO()
    p = Progress(buf, tty=False, thread=False, clock=lambda: now[0], interval=5.0)
    p.start("a.hp", 1, 1)
    for k in range(20):
        now[0] = k * 0.5
        p("kind", 3, 0.5)  # the same phase, again and again
    assert buf.getvalue() == "hpverify: [1/1] a.hp: kind depth 3 done (5.0s)\n"
    for k in range(20, 40):
        now[0] = k * 0.5
        p.tick()
    assert buf.getvalue().count("\n") == 1  # no repeated line
    p("kind", 4, 0.5)
    assert buf.getvalue().endswith("hpverify: [1/1] a.hp: kind depth 4 done (19.5s)\n")
    assert "\r" not in buf.getvalue() and "\x1b" not in buf.getvalue()
    p.finish()
    assert buf.getvalue().count("\n") == 2


def test_progress_disabled_and_thread(capsys):
    buf = io.StringIO()
    p = Progress(buf, enabled=False)
    p.start("x")
    p("bmc", 1, 1.0)
    p.finish()
    assert buf.getvalue() == ""
    q = Progress(buf, tty=True, delay=0.0)  # with the ticker thread: starts and stops
    q.start("y")
    q.finish()
    assert q._thread is None


def test_progress_not_written_with_quiet(specdir, capsys):
    code, out, err = run(capsys, "prove", "spec", "--quiet")
    assert err == ""


def test_pre_commit_hooks_run(tmp_path, monkeypatch, capsys):
    import shlex

    yaml = pytest.importorskip("yaml")
    hooks = yaml.safe_load((Path(__file__).resolve().parent.parent
                            / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["hpverify-check", "hpverify-prove"]
    monkeypatch.chdir(tmp_path)
    Path("a.hp").write_text(TOGGLE)
    Path("frag.hp").write_text("# include-only\nconst K = 1\n")
    for h in hooks:
        assert h["files"] == r"\.hp$" and h["language"] == "python"
        argv = shlex.split(h["entry"])
        assert argv[0] == "hpverify"
        assert run(capsys, *argv[1:], "a.hp", *(["frag.hp"] if "check" in argv else []))[0] == 0
    Path("b.hp").write_text("spec b\nvar x: bool\ninvariant i: x = 1\n")
    code, _, err = run(capsys, "check", "--skip-fragments", "b.hp")
    assert code == 2 and re.match(r"b\.hp:3:14: error\[HP\d+\]", err)


# ---- output for people (issue 12, items 4 and 5; issue 11, unsatisfiable init) ----

EXPECTED = COUNTER  # it expects `small` violated in 2

TWO_ACTIONS = """\
spec two
type P = {idle, busy}
var s: P
var y: bool
init { s = idle  not y }
action take { require s = idle  s' = busy }
action flip { y' = not y }
"""

NO_INIT = """\
spec noinit
var x: 0..3
init { x = 1  x = 2 }
action inc { require x < 3  x' = x + 1 }
invariant small: x < 2
"""


def test_batch_prints_only_unexpected_traces(specdir, capsys):
    (specdir / "counter.hp").write_text(EXPECTED)
    code, out, _ = run(capsys, "prove", "spec", "--no-progress")
    assert code == 0
    # every setting as expected: no verdict lines, no trace, no table; the final line counts
    assert "[expected violated in 2: met]" not in out
    assert "initial state:" not in out  # a met expectation: no trace in a batch
    assert "summary" not in out  # every row is ok
    assert out.endswith("OK: 5 passed, 0 failed, 0 unknown (2 spec settings)\n")
    code, out, _ = run(capsys, "prove", "spec", "--no-progress", "--traces")
    assert "[expected violated in 2: met]" in out
    assert out.count("invariant small violated in 2 steps\n====") == 1
    # one spec setting: the trace a user asked for is printed
    code, out, _ = run(capsys, "prove", "spec/counter.hp", "--no-progress")
    assert out.count("initial state:") == 1
    # an unexpected violation always prints its trace, and the table lists what is not ok
    (specdir / "counter.hp").write_text(EXPECTED.replace("bounded: x <= N", "bounded: x <= 1"))
    code, out, _ = run(capsys, "prove", "spec", "--no-progress")
    assert code == 1
    assert "invariant bounded violated in 2 steps\n" in out
    assert "invariant small violated" not in out
    table = times(out[out.index("summary: what is not ok\n"):out.index("\n\n", out.index("summary:"))])
    assert table == """\
summary: what is not ok
status  spec             constants  invariant  verdict                depth  engine  time
------  ---------------  ---------  ---------  ---------------------  -----  ------  -----
FAIL    spec/counter.hp  N=3        bounded    violated (unexpected)  2      bmc     0.00s"""


def test_no_false_vacuity_warning_when_types_is_proved_statically(tmp_path, capsys):
    f = tmp_path / "two.hp"
    f.write_text(TWO_ACTIONS)
    code, out, _ = run(capsys, "prove", str(f), "--no-progress")
    assert code == 0
    assert "warning:" not in out
    assert "  types  proved for all depths (no step can leave a type)  (" in out
    code, out, _ = run(capsys, "prove", str(f), "--json")
    (spec,) = json.loads(out)["specs"]
    (types,) = spec["results"]
    assert types["bound"] is None and types["method"] == "no step can leave a type"
    assert "never_enabled" not in types  # nothing was unrolled: no claim either way
    assert spec["warnings"] == []


def test_unsatisfiable_init_warns(tmp_path, capsys):
    f = tmp_path / "noinit.hp"
    f.write_text(NO_INIT)
    for engine in ("bmc", "explicit"):
        code, out, _ = run(capsys, "prove", str(f), "--no-progress", "--engine", engine)
        assert code == 0
        assert out.count("warning:") == 1
        assert "  warning: init has no satisfying state: every invariant holds vacuously\n" in out
    code, out, _ = run(capsys, "prove", str(f), "--json")
    (spec,) = json.loads(out)["specs"]
    assert spec["warnings"] == ["init has no satisfying state: every invariant holds vacuously"]
    assert all(r["no_initial_state"] for r in spec["results"])


def test_batch_collects_vacuity_warnings(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("dead.hp").write_text("spec dead\nconst N = 1\nvar x: 0..3\ninit { x = 0 }\n"
                               "action up { require x < N  x' = x + 1 }\n"
                               "action never { require x > 5  x' = 0 }\n"
                               "invariant low: x <= N\ncheck depth 3\n")
    Path("dead2.hp").write_text(Path("dead.hp").read_text())  # two files: a batch
    code, out, _ = run(capsys, "prove", "dead.hp", "dead2.hp", "--const", "N=1..2",
                       "--no-progress")
    assert code == 0
    assert "  warning: action" not in out  # not under each setting
    assert ("warning: actions never enabled, invariants may hold vacuously (4 warnings; "
            "each setting's with --verbose):\n  dead.hp: never in 2 of 2 settings "
            "(checked to depth 3)\n  dead2.hp: never in 2 of 2 settings "
            "(checked to depth 3)\n") in out
    code, out, _ = run(capsys, "prove", "dead.hp", "dead2.hp", "--const", "N=1..2",
                       "--no-progress", "--verbose")
    assert out.count("  warning: action never is never enabled (checked to depth 3)") == 4
    assert "warning: actions never enabled" not in out


def test_trace_shows_a_write_that_keeps_the_value(capsys):
    """Issue 12 item 6: in a lost update the bug is a store of the value already there."""
    spec = str(Path(__file__).parent / "data" / "lost_update.hp")
    code, out, _ = run(capsys, "prove", spec, "--inv", "no_lost", "--no-progress")
    assert code == 1
    table = out[out.index(" step |"):out.index("\n\n", out.index(" step |"))]
    assert table == """\
 step | c0                            | c1
------+-------------------------------+------------------------------
    1 | load(c=c0)                    |
      |   tmp[c0]: 0 -> 0 (unchanged) |
      |   pc[c0]: read -> write       |
    2 |                               | load(c=c1)
      |                               |   tmp[c1]: 0 -> 0 (unchanged)
      |                               |   pc[c1]: read -> write
    3 |                               | store(c=c1)
      |                               |   bal[a]: 0 -> 1
      |                               |   pc[c1]: write -> done
      |                               |   deposits: 0 -> 1
    4 | store(c=c0)                   |
      |   bal[a]: 1 -> 1 (unchanged)  |
      |   pc[c0]: write -> done       |
      |   deposits: 1 -> 2            |"""


def test_write_set_follows_the_branch_taken_and_whole_function_writes() -> None:
    from hpverify.check import check
    from hpverify.lower import lower
    from hpverify.parse import parse_text
    from hpverify.trace import changes

    text = ("spec w\ntype I = {i1, i2}\nvar f: I -> bool\nvar g: I -> bool\nvar x: 0..2\n"
            "init { x = 0  forall i in I: not f[i] }\n"
            "action a { if x = 0 { f' = g  x' = 0 } else { x' = 1 } }\n")
    model = lower(check(parse_text(text, "w.hp"), {}))
    (inst,) = model.instances
    before = {"f": (False, False), "g": (False, True), "x": 0, "__error__": False}
    after = {"f": (False, True), "g": (False, True), "x": 0, "__error__": False}
    assert changes(model, before, after, inst) == [
        "f[i1]: false -> false (unchanged)", "f[i2]: false -> true", "x: 0 -> 0 (unchanged)"]
    assert changes(model, before, after) == ["f[i2]: false -> true"]  # a diff alone


# ---- every run reports: --json with bad files, --junit on every run (issue 11) ----

def test_json_keeps_good_files_when_one_is_bad(specdir, capsys):
    (specdir / "bad.hp").write_text("spec bad\nvar x: 0..2\ninvariant i: x <= y\n")
    code, out, err = run(capsys, "prove", "spec", "--json")
    assert code == 2
    doc = json.loads(out)
    assert [s["file"] for s in doc["specs"]] == ["spec/counter.hp", "spec/sub/toggle.hp"]
    (d,) = doc["diagnostics"]
    assert (d["file"], d["line"], d["code"]) == ("spec/bad.hp", 3, d["code"])
    assert d["col"] == 19 and d["code"].startswith("HP") and d["message"]
    assert doc["internal_errors"] == []
    assert re.search(r"spec/bad\.hp:3:19: error\[HP\d+\]", err)
    # text: the good files are still proved and printed, the status is still 2
    code, out, err = run(capsys, "prove", "spec", "--no-progress")
    assert code == 2
    assert "spec/sub/toggle.hp: spec toggle" not in out  # all as expected: counted below
    assert out.endswith("ERROR: 5 passed, 0 failed, 0 unknown, 1 error (2 spec settings)\n")


def test_json_with_a_usage_error_is_still_one_document(specdir, capsys):
    code, out, _ = run(capsys, "prove", "spec", "--json", "--const", "NOPE=1")
    assert code == 2
    doc = json.loads(out)
    assert doc["specs"] == []  # the constant is in neither file
    assert [(d["file"], d["code"]) for d in doc["diagnostics"]] == [(None, "HP202")] * 2
    Path("empty").mkdir()
    code, out, _ = run(capsys, "prove", "empty", "--json")
    doc = json.loads(out)
    assert code == 2 and doc["specs"] == []
    assert doc["diagnostics"][0]["code"] == "HP207" and doc["diagnostics"][0]["line"] is None


def test_internal_error_in_one_file_keeps_the_others(specdir, capsys, monkeypatch):
    import hpverify.cli as cli

    real = cli.prove_config

    def flaky(spec, *a, **k):
        if spec.file.endswith("toggle.hp"):
            raise RuntimeError("boom")
        return real(spec, *a, **k)

    monkeypatch.setattr(cli, "prove_config", flaky)
    code = main(["prove", "spec", "--json", "--junit", "r.xml"])
    out, err = capsys.readouterr()
    assert code == 70
    doc = json.loads(out)
    assert [s["file"] for s in doc["specs"]] == ["spec/counter.hp"]
    assert doc["internal_errors"] == [{"file": "spec/sub/toggle.hp",
                                       "message": "RuntimeError: boom"}]
    assert "internal error" in err and "RuntimeError: boom" in err
    xml = Path("r.xml").read_text()
    assert 'name="(internal error)"' in xml and 'type="internal"' in xml


def test_junit_never_left_stale(specdir, capsys, monkeypatch):
    import hpverify.cli as cli

    Path("r.xml").write_text("<testsuites name='an earlier run'/>")
    (specdir / "bad.hp").write_text("spec bad\nvar x: 0..2\ninvariant i: x <= y\n")
    code, _, _ = run(capsys, "prove", "spec", "--junit", "r.xml", "--no-progress")
    assert code == 2
    xml = Path("r.xml").read_text()
    assert "an earlier run" not in xml
    assert 'name="(spec error)"' in xml and 'type="spec-error"' in xml
    assert 'testsuite name="spec/counter.hp"' in xml  # the good files' results
    (specdir / "bad.hp").unlink()

    calls = []
    real = cli.prove_config

    def interrupted(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(cli, "prove_config", interrupted)
    code = main(["prove", "spec", "--junit", "r.xml", "--json"])
    out, _ = capsys.readouterr()
    assert code == 130
    doc = json.loads(out)
    assert doc["interrupted"] is True and [s["spec"] for s in doc["specs"]] == ["counter"]
    xml = Path("r.xml").read_text()
    assert 'name="(interrupted)"' in xml and 'testsuite name="spec/counter.hp"' in xml


def test_json_steps_list_their_writes(capsys):
    spec = str(Path(__file__).parent / "data" / "lost_update.hp")
    code, out, _ = run(capsys, "prove", spec, "--inv", "no_lost", "--json")
    (result,) = [r for r in json.loads(out)["specs"][0]["results"] if r["invariant"] == "no_lost"]
    last = result["trace"]["steps"][-1]
    assert last["writes"] == [
        {"var": "bal", "index": ["a"], "before": 1, "after": 1},
        {"var": "pc", "index": ["c0"], "before": "write", "after": "done"},
        {"var": "deposits", "index": [], "before": 1, "after": 2}]


def test_junit_replaced_even_by_a_command_line_error(specdir, capsys):
    Path("r.xml").write_text("<testsuites name='an earlier run'/>")
    code, _, _ = run(capsys, "prove", "spec", "--junit", "r.xml", "--depth", "-1")
    assert code == 2
    xml = Path("r.xml").read_text()
    assert "an earlier run" not in xml and "HP204" in xml and 'type="usage-error"' in xml
    assert 'name="(command line error)"' in xml
