"""The soft-offline model (spec/soft_offline.hp) and the first-cut benchmark model
(benchmarks/first_cut.hp): pinned verdict matrix, golden race traces, `prove spec/` exit 0.

The pinned values were computed independently of hpverify (an explicit-state BFS written from
the same kernel reading, see docs/soft-offline.md) and agree with hpverify's BMC.

Regenerate the golden traces after a deliberate change of the trace format or encoding:
    HP_REGEN_GOLDEN=1 python -m pytest tests/test_soft_offline.py -k golden
and review the diff of tests/golden/race*.out.
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
              "poison_contained", "rc_honest")
SIZES = [(p, f) for p in (1, 2, 3) for f in (1, 2, 3)]


def soft_offline_expected(variant: str, npages: int, nfault: int) -> dict[str, int | None]:
    """Shortest counterexample length per invariant (None = holds)."""
    P, F = npages, nfault
    if variant == "unpatched":
        return {
            "no_sigbus": 4 if P == 1 else (6 if F >= 2 else None),
            "no_hwpoison_sigbus": 6 if F >= 2 else None,
            "resv_honoured": 4 if P == 1 else None,
            "accounting": None,
            "poison_contained": 2,
            "rc_honest": 4 if P == 1 else 5,
        }
    if variant in ("patched", "hocko"):
        return {inv: None for inv in INVARIANTS}
    if variant == "patched_norc":
        return {
            "no_sigbus": 7 if F >= 2 else None,
            "no_hwpoison_sigbus": 7 if F >= 2 else None,
            "resv_honoured": 8 if (P == 1 and F >= 2) else None,
            "accounting": None,
            "poison_contained": 5,
            "rc_honest": 4,
        }
    raise ValueError(variant)


def first_cut_expected(variant: str, npages: int, nfault: int) -> dict[str, int | None]:
    """The verdict table of kernel-model-first-cut.md."""
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


# ---- the whole spec/ directory, once (the slow part of this file: minutes) ----
# One test function on purpose: under pytest-xdist a module-scoped fixture would run once per
# worker, i.e. the whole matrix twice.

def test_prove_spec_dir_exits_0_and_pins_the_matrix():
    rc, doc = prove_json("spec/")
    # `hpverify prove spec/` is CI's main job: every spec, every sweep, every expect met
    assert rc == 0, [(s["file"], s["consts"], r["invariant"], r["verdict"], r.get("expected"))
                     for s in doc["specs"] for r in s["results"] if r.get("met") is False]
    got = table(doc, "soft_offline")
    variants = ("unpatched", "patched", "patched_norc", "hocko")
    assert set(got) == {(v, p, f) for v in variants for p, f in SIZES}
    for (v, p, f), results in sorted(got.items()):
        check_row(results, soft_offline_expected(v, p, f))
        # every run has at most 6 + 3*NFAULT steps (spec header); `check depth` covers it
        # and is at least 30, as the issue asks for the patched variant
        for r in results.values():
            if r["verdict"] == "holds" and r["bound"] is not None:
                assert r["bound"] >= max(30, 6 + 3 * f), (v, p, f, r["invariant"], r["bound"])


# ---- single settings through --const ----

def test_default_constants_are_patched_2_2():
    rc, doc = prove_json(SPEC, "--const", "VARIANT=patched", "--const", "NPAGES=2",
                         "--const", "NFAULT=2", "--depth", "16")
    assert rc == 0
    assert len(doc["specs"]) == 1
    check_row({r["invariant"]: r for r in doc["specs"][0]["results"]},
              soft_offline_expected("patched", 2, 2))


@pytest.mark.parametrize("variant,npages,nfault", [
    ("unpatched", 1, 2), ("patched_norc", 1, 2), ("hocko", 2, 2)])
def test_soft_offline_single_setting(variant, npages, nfault):
    rc, doc = prove_json(SPEC, "--const", f"VARIANT={variant}", "--const", f"NPAGES={npages}",
                         "--const", f"NFAULT={nfault}", "--depth", "16")
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


# ---- golden text of both race traces ----

_TIME = re.compile(r"\(\d+(?:\.\d+)?s, ")


def normalise(text: str) -> str:
    """Timings are the only part of the text output that changes from run to run."""
    return _TIME.sub("(TIME, ", text)


GOLDEN_RUNS = {
    "race1": ("--const", "VARIANT=unpatched", "--const", "NPAGES=2", "--const", "NFAULT=2",
              "--inv", "no_hwpoison_sigbus", "--depth", "10"),
    "race2": ("--const", "VARIANT=unpatched", "--const", "NPAGES=1", "--const", "NFAULT=1",
              "--inv", "resv_honoured", "--depth", "10"),
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
