"""The soft-offline model (spec/soft_offline.hp) and the first-cut benchmark model
(benchmarks/first_cut.hp): pinned verdict matrix, golden race traces, `prove spec/` exit 0.

The pinned matrix is the explicit engine's (proofs for all depths, shortest traces); BMC, the
default engine, agrees with it (single settings below, and the whole matrix in
docs/soft-offline.md).

Regenerate the golden traces after a deliberate change of the trace format or encoding:
    HP_REGEN_GOLDEN=1 python -m pytest tests/test_soft_offline.py -k golden
and review the diff of tests/golden/race*.out and tests/golden/window.out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = "spec/soft_offline.hp"
FIRST_CUT = "benchmarks/first_cut.hp"
GOLDEN = ROOT / "tests" / "golden"

INVARIANTS = ("no_sigbus", "no_hwpoison_sigbus", "resv_honoured", "accounting",
              "poison_contained", "poison_not_allocated", "rc_honest", "bookkeeping")
VARIANTS = ("unpatched", "patched", "v5_11", "v2_1of2", "hypothetical_norc", "hocko")
SIZES = [(p, f) for p in (1, 2, 3, 4) for f in (1, 2, 3)]


def soft_offline_expected(variant: str, npages: int, nfault: int,
                          window: bool = True) -> dict[str, int | None]:
    """Shortest counterexample length per invariant (None = holds). `window` is the spec's
    const WINDOW (assumption A3): the freeing window inside free_huge_page()."""
    P, F, W = npages, nfault, window
    out: dict[str, int | None] = {inv: None for inv in INVARIANTS}
    if variant == "unpatched":
        out.update(no_sigbus=4 if P == 1 else (6 if F >= 2 else None),
                   no_hwpoison_sigbus=6 if F >= 2 else None,
                   resv_honoured=4 if P == 1 else None,
                   accounting=6 if W and P >= 2 else None,
                   poison_contained=2,
                   poison_not_allocated=6 if P == 1 else None,
                   rc_honest=4 if P == 1 else 5)
    elif variant in ("patched", "v2_1of2"):
        # the freeing window: accounting at 5 (7ffddd499ba6's race), then a page owned by
        # buddy and by the hugetlb free list gets the flag (7) and kills a third task (11)
        window_race = W and P >= 2
        out.update(accounting=5 if window_race else None,
                   poison_contained=7 if window_race else None,
                   no_sigbus=11 if window_race and F >= 3 else None,
                   no_hwpoison_sigbus=11 if window_race and F >= 3 else None)
        if variant == "patched":
            out.update(rc_honest=7 if window_race else None)
        else:
            out.update(poison_not_allocated=4, rc_honest=3 if P == 1 else 4)
    elif variant == "hypothetical_norc":
        out.update(no_sigbus=7 if F >= 2 else None,
                   no_hwpoison_sigbus=7 if F >= 2 else None,
                   resv_honoured=(9 if W else 8) if (P == 1 and F >= 2) else None,
                   accounting=5 if W and P >= 2 else None,
                   poison_contained=5, poison_not_allocated=4, rc_honest=4)
    elif variant not in ("v5_11", "hocko"):
        raise ValueError(variant)
    return out


def first_cut_expected(variant: str, npages: int, nfault: int) -> dict[str, int | None]:
    """The verdict table of the first-cut model that benchmarks/first_cut.hp transcribes."""
    P, F = npages, nfault
    if variant == "unpatched":
        return {"no_sigbus": 6 if F >= 2 else None, "resv_honoured": 4 if P == 1 else None,
                "accounting": None, "poison_contained": 2}
    if variant == "patched":
        return {"no_sigbus": None, "resv_honoured": None, "accounting": None,
                "poison_contained": None}
    return {"no_sigbus": 7 if F >= 2 else None, "resv_honoured": None, "accounting": None,
            "poison_contained": 5}


def hpverify(*args: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hpverify", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def prove_json(*args: str) -> tuple[int, dict]:
    p = hpverify("prove", *args, "--json", "--no-progress")
    assert p.stdout, p.stderr
    return p.returncode, json.loads(p.stdout)


def table(doc: dict, spec_name: str) -> dict[tuple, dict[str, dict]]:
    """(VARIANT, NPAGES, NFAULT) -> invariant -> result, for one spec of a JSON document."""
    out: dict[tuple, dict[str, dict]] = {}
    for s in doc["specs"]:
        if s["spec"] != spec_name:
            continue
        c = s["consts"]
        out[(c["VARIANT"], c["NPAGES"], c["NFAULT"])] = {r["invariant"]: r for r in s["results"]}
    return out


def check_row(results: dict[str, dict], expected: dict[str, int | None]) -> None:
    for inv, length in expected.items():
        r = results[inv]
        if length is None:
            assert r["verdict"] == "holds", (inv, r["verdict"])
            assert r["trace"] is None
        else:
            assert r["verdict"] == "violated", (inv, r["verdict"])
            assert r["trace"]["length"] == length, (inv, r["trace"]["length"], length)
            assert len(r["trace"]["states"]) == length + 1
        assert r.get("met") is True, (inv, r.get("expected"), r.get("met"))
    assert results["types"]["verdict"] == "holds"


# ---- the matrix, by the explicit engine (seconds) ----

@pytest.mark.parametrize("window", [True, False])
def test_matrix_explicit(window: bool) -> None:
    """Every variant at NPAGES 1..4 x NFAULT 1..3, proved for all depths or violated with the
    shortest trace, with the freeing window (A3) and without it (WINDOW=false)."""
    rc, doc = prove_json(SPEC, "--engine", "explicit", "--const", f"WINDOW={str(window).lower()}")
    assert rc == 0
    got = table(doc, "soft_offline")
    assert set(got) == {(v, p, f) for v in VARIANTS for p, f in SIZES}
    for (v, p, f), results in sorted(got.items()):
        check_row(results, soft_offline_expected(v, p, f, window))
        for r in results.values():
            if r["verdict"] == "holds":
                assert r["bound"] is None, (v, p, f, r["invariant"])  # for all depths


def test_docs_matrix_is_current() -> None:
    """docs/soft-offline.md's matrix table (verdicts, lengths, distinct states) is the tool's."""
    rc, doc = prove_json(SPEC, "--engine", "explicit")
    assert rc == 0
    rows = {}
    for line in (ROOT / "docs" / "soft-offline.md").read_text().splitlines():
        m = re.match(r"\| (\w+) \| (\d) \| (\d) \| (.*) \| ([\d,]+) \|$", line)
        if m and m[1] in VARIANTS:
            rows[(m[1], int(m[2]), int(m[3]))] = (
                [c.strip().strip("*") for c in m[4].split("|")], int(m[5].replace(",", "")))
    got = table(doc, "soft_offline")
    assert set(rows) == set(got)
    shown = [i for i in INVARIANTS if i != "bookkeeping"]
    for key, results in got.items():
        cells, states = rows[key]
        want = [("holds" if results[i]["verdict"] == "holds"
                 else str(results[i]["trace"]["length"])) for i in shown]
        assert cells == want, key
        assert states == results["types"]["distinct_states"], key


# ---- `hpverify prove spec/` is CI's main job (the slow part of this file: minutes) ----
# One test function on purpose: under pytest-xdist a module-scoped fixture would run once per
# worker, i.e. the whole matrix twice.

def test_prove_spec_dir_exits_0_and_pins_the_matrix():
    rc, doc = prove_json("spec/", "--engine", "auto")
    # every spec, every sweep, every expect met
    assert rc == 0, [(s["file"], s["consts"], r["invariant"], r["verdict"], r.get("expected"))
                     for s in doc["specs"] for r in s["results"] if r.get("met") is False]
    got = table(doc, "soft_offline")
    assert set(got) == {(v, p, f) for v in VARIANTS for p, f in SIZES}
    for (v, p, f), results in sorted(got.items()):
        check_row(results, soft_offline_expected(v, p, f))


# ---- single settings through --const ----

def test_default_constants_are_patched_2_2():
    rc, doc = prove_json(SPEC, "--const", "VARIANT=patched", "--const", "NPAGES=2",
                         "--const", "NFAULT=2", "--depth", "16")
    assert rc == 0
    assert len(doc["specs"]) == 1
    assert doc["specs"][0]["consts"]["WINDOW"] is True  # the freeing window is modelled
    check_row({r["invariant"]: r for r in doc["specs"][0]["results"]},
              soft_offline_expected("patched", 2, 2))


# BMC (the default engine) agrees with the explicit matrix; depth 14 >= 6 + 4*NFAULT covers
# every run at NFAULT = 2 (spec header, BOUND)
@pytest.mark.parametrize("variant,npages,nfault", [
    ("unpatched", 1, 2), ("patched", 2, 1), ("v5_11", 2, 2), ("v2_1of2", 1, 2),
    ("hypothetical_norc", 1, 2), ("hocko", 2, 2)])
def test_soft_offline_single_setting(variant, npages, nfault):
    rc, doc = prove_json(SPEC, "--const", f"VARIANT={variant}", "--const", f"NPAGES={npages}",
                         "--const", f"NFAULT={nfault}", "--depth", "14")
    assert rc == 0
    (s,) = doc["specs"]
    check_row({r["invariant"]: r for r in s["results"]},
              soft_offline_expected(variant, npages, nfault))


def test_race1_trace_is_the_mails_first_table():
    rc, doc = prove_json(SPEC, "--const", "VARIANT=unpatched", "--const", "NPAGES=2",
                         "--const", "NFAULT=2", "--inv", "no_hwpoison_sigbus", "--depth", "10")
    assert rc == 0
    (s,) = doc["specs"]
    r = next(r for r in s["results"] if r["invariant"] == "no_hwpoison_sigbus")
    steps = [(st["actor"], st["action"]) for st in r["trace"]["steps"]]
    # soft offline finds the page free, a fault allocates it, soft offline flags it, and
    # another task finds it in the page cache and gets VM_FAULT_HWPOISON (the order of the
    # mmaps, which change nothing but the task's state, is the solver's choice)
    check = steps.index(("cpu0", "get_any_page"))
    flag = steps.index(("cpu0", "soft_offline_free_page"))
    alloc = next(i for i, (a, n) in enumerate(steps) if n == "alloc_huge_page")
    hit = next(i for i, (a, n) in enumerate(steps) if n == "find_lock_page")
    assert check < alloc < flag < hit
    assert steps[alloc][0] != steps[hit][0]
    target = r["trace"]["steps"][check]["params"]["p"]
    assert r["trace"]["steps"][alloc]["params"]["p"] == target
    assert r["trace"]["states"][-1]["sigbus_mceerr"] is True


def test_race2_trace_is_the_mails_second_table():
    rc, doc = prove_json(SPEC, "--const", "VARIANT=unpatched", "--const", "NPAGES=1",
                         "--const", "NFAULT=1", "--inv", "resv_honoured", "--depth", "10")
    assert rc == 0
    (s,) = doc["specs"]
    r = next(r for r in s["results"] if r["invariant"] == "resv_honoured")
    names = [st["action"] for st in r["trace"]["steps"]]
    assert (names.index("get_any_page") < names.index("soft_offline_free_page")
            < names.index("alloc_huge_page_enospc"))
    assert "hugetlbfs_file_mmap" in names
    last = r["trace"]["states"][-1]
    assert last["resv_broken"] is True and last["poison"]["1"] is True


def test_window_trace_is_7ffddd499ba6s_race():
    """v4.19: a truncating task drops the last reference and, before it enqueues the page,
    soft offline finds refcount 0 and dissolves it (accounting, 5 steps)."""
    rc, doc = prove_json(SPEC, "--const", "VARIANT=patched", "--const", "NPAGES=2",
                         "--const", "NFAULT=1", "--inv", "accounting", "--depth", "10")
    assert rc == 0
    (s,) = doc["specs"]
    r = next(r for r in s["results"] if r["invariant"] == "accounting")
    steps = [(st["actor"], st["action"]) for st in r["trace"]["steps"]]
    assert r["trace"]["length"] == 5
    put = steps.index((1, "remove_inode_hugepages"))
    dissolve = steps.index(("cpu0", "dissolve_free_huge_page"))
    assert steps.index(("cpu0", "get_any_page")) < dissolve and put < dissolve
    assert (1, "enqueue_huge_page") not in steps  # the enqueue is still pending
    before, last = r["trace"]["states"][dissolve], r["trace"]["states"][-1]
    page = str(before["freeing"])
    assert before["ref"][page] == 0 and before["onlist"][page] is False
    assert last["loc"][page] == "buddy" and last["freeing"] == int(page)


def test_window_false_hides_the_race():
    rc, doc = prove_json(SPEC, "--const", "VARIANT=patched", "--const", "NPAGES=2",
                         "--const", "NFAULT=1", "--const", "WINDOW=false", "--engine", "explicit")
    assert rc == 0
    (s,) = doc["specs"]
    check_row({r["invariant"]: r for r in s["results"]},
              soft_offline_expected("patched", 2, 1, window=False))


# ---- golden text of the race traces ----

_TIME = re.compile(r"\(\d+(?:\.\d+)?s, ")


def normalise(text: str) -> str:
    """Timings are the only part of the text output that changes from run to run."""
    return _TIME.sub("(TIME, ", text)


GOLDEN_RUNS = {
    "race1": ("--const", "VARIANT=unpatched", "--const", "NPAGES=2", "--const", "NFAULT=2",
              "--inv", "no_hwpoison_sigbus", "--depth", "10"),
    "race2": ("--const", "VARIANT=unpatched", "--const", "NPAGES=1", "--const", "NFAULT=1",
              "--inv", "resv_honoured", "--depth", "10"),
    "window": ("--const", "VARIANT=patched", "--const", "NPAGES=2", "--const", "NFAULT=1",
               "--inv", "accounting", "--depth", "10"),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_RUNS))
def test_golden_race_trace(name):
    p = hpverify("prove", SPEC, *GOLDEN_RUNS[name], "--no-progress")
    assert p.returncode == 0, p.stderr
    got = normalise(p.stdout)
    path = GOLDEN / f"{name}.out"
    if os.environ.get("HP_REGEN_GOLDEN"):
        path.write_text(got)
    assert got == path.read_text()


# ---- benchmarks/first_cut.hp reproduces the first-cut verdict table ----

@pytest.mark.parametrize("npages,nfault", [(1, 1), (1, 2), (2, 2), (3, 3)])
@pytest.mark.parametrize("variant", ["unpatched", "patched", "patched_norc"])
def test_first_cut_table(variant, npages, nfault):
    rc, doc = prove_json(FIRST_CUT, "--const", f"VARIANT={variant}", "--const",
                         f"NPAGES={npages}", "--const", f"NFAULT={nfault}")
    assert rc == 0
    (s,) = doc["specs"]
    assert s["consts"] == {"VARIANT": variant, "NPAGES": npages, "NFAULT": nfault}
    check_row({r["invariant"]: r for r in s["results"]},
              first_cut_expected(variant, npages, nfault))
