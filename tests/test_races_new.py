"""The newer races (spec/races/r12_* .. r16_*, issue 10, "Six newer races"): pin every
setting's verdicts and shortest counterexample lengths, the distinct states of the fixed
variants, and that the explicit-state search and k-induction agree on the fixed variants.
The default engine (bmc to each spec's `check depth`) is run over these specs by
`hpverify prove spec/` in CI and by tests/test_races.py's directory test.

Each spec sweeps its own constants (`check NAME in D`); one CLI run per spec and engine
covers every setting. EXPECTED[file] maps a setting (the spec's constants) to
{invariant: shortest length (int) or None for "holds"}. The table is the one in
docs/races.md, "Newer races (2022-2025)"; keep the two in step.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RACES = REPO / "spec" / "races"
TIMEOUT = 600

H = None  # holds (proved for all depths by the unbounded engines)

Consts = dict[str, object]
Want = dict[str, int | None]


def _r12(c: Consts) -> Want:
    if c["VARIANT"] == "v6_9":
        return {"raw_error_pages_flagged": 4, "raw_info_not_leaked": 4}
    # v6_10: the commit's window is closed; with the fallback path (MF_FALLBACK) the model
    # finds the head-pfn window (a model finding, see the spec header).
    return {"raw_error_pages_flagged": 4 if c["MF_FALLBACK"] else H, "raw_info_not_leaked": H}


def _r13(c: Consts) -> Want:
    v, alloc, split = c["VARIANT"], c["PATH"] == "alloc_path", c["MF_SPLIT"]
    if v == "v6_4" or (v == "v6_6" and alloc):
        return {"no_write_to_missing_struct_page": 3 if split else 2}
    if v == "v6_7" and alloc and split:  # the model finding of the spec header
        return {"no_write_to_missing_struct_page": 4}
    return {"no_write_to_missing_struct_page": H}


def _r14(c: Consts) -> Want:
    split = {"v6_15": 3, "sync_fix_only": 4}.get(str(c["VARIANT"]))
    sync = None if c["SYNC_FIX"] else 4
    return {"shared_only_if_aligned": split, "walker_table_not_reused": sync}


def _r15(c: Consts) -> Want:
    return {"no_event_for_present_page": 3 if c["VARIANT"] == "v6_0" else H}


def _r16(c: Consts) -> Want:
    old = c["VARIANT"] == "v6_8"
    return {"lockdep_hugetlb_lock_held": 5 if old else H,
            "rsvd_usage_consistent": 7 if old and c["RSVD_RACER"] else H}


# file -> the expected verdicts of a setting
EXPECTED: dict[str, Callable[[Consts], Want]] = {
    "r12_update_and_free_vs_mf.hp": _r12,
    "r13_vmemmap_vs_mf.hp": _r13,
    "r14_pmd_unshare_vs_gup_fast.hp": _r14,
    "r15_uffd_missing_vs_wp.hp": _r15,
    "r16_resv_uncharge_unlocked.hp": _r16,
}

# distinct states (explicit engine) of the fixed variants' settings, as docs/races.md lists
STATES: dict[str, dict[tuple[tuple[str, object], ...], int]] = {
    "r12_update_and_free_vs_mf.hp": {
        (("VARIANT", "v6_10"), ("NRAW", 2), ("NERR", 1), ("MF_FALLBACK", False)): 12,
        (("VARIANT", "v6_10"), ("NRAW", 3), ("NERR", 2), ("MF_FALLBACK", False)): 28,
        (("VARIANT", "v6_10"), ("NRAW", 4), ("NERR", 2), ("MF_FALLBACK", False)): 44,
    },
    "r13_vmemmap_vs_mf.hp": {
        (("VARIANT", "v6_7"), ("PATH", "free_path"), ("NRAW", 2), ("NERR", 1),
         ("MF_SPLIT", False)): 19,
        (("VARIANT", "v6_7"), ("PATH", "free_path"), ("NRAW", 3), ("NERR", 2),
         ("MF_SPLIT", True)): 81,
        (("VARIANT", "v6_7"), ("PATH", "alloc_path"), ("NRAW", 2), ("NERR", 1),
         ("MF_SPLIT", False)): 13,
        (("VARIANT", "v6_7"), ("PATH", "alloc_path"), ("NRAW", 3), ("NERR", 2),
         ("MF_SPLIT", False)): 45,
    },
    "r14_pmd_unshare_vs_gup_fast.hp": {
        (("VARIANT", "v6_16"), ("NMM", 2), ("SPLIT_FIX", True), ("SYNC_FIX", True)): 27,
        (("VARIANT", "v6_16"), ("NMM", 3), ("SPLIT_FIX", True), ("SYNC_FIX", True)): 194,
    },
    "r15_uffd_missing_vs_wp.hp": {
        (("VARIANT", "v6_1"), ("NFAULT", 1), ("NWP", 1)): 8,
        (("VARIANT", "v6_1"), ("NFAULT", 2), ("NWP", 2)): 40,
        (("VARIANT", "v6_1"), ("NFAULT", 3), ("NWP", 3)): 170,
    },
    "r16_resv_uncharge_unlocked.hp": {
        (("VARIANT", "v6_9"), ("NFAULT", 1), ("RSVD_RACER", False)): 10,
        (("VARIANT", "v6_9"), ("NFAULT", 2), ("RSVD_RACER", False)): 52,
        (("VARIANT", "v6_9"), ("NFAULT", 2), ("RSVD_RACER", True)): 116,
    },
}

# how many settings each spec's sweep has (a sweep that silently shrinks is a lost proof)
SETTINGS = {
    "r12_update_and_free_vs_mf.hp": 24,
    "r13_vmemmap_vs_mf.hp": 48,
    "r14_pmd_unshare_vs_gup_fast.hp": 8,
    "r15_uffd_missing_vs_wp.hp": 18,
    "r16_resv_uncharge_unlocked.hp": 8,
}

FILES = sorted(EXPECTED)


def _prove(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hpverify", "prove", *args],
        cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT,
    )


@functools.cache
def _run(file: str, engine: str) -> list[dict]:
    proc = _prove(f"spec/races/{file}", "--json", "--engine", engine)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return json.loads(proc.stdout)["specs"]


def _proved(r: dict) -> bool:
    """"holds" for all depths: an unbounded engine's verdict has no bound."""
    return r["verdict"] == "holds" and r["bound"] is None


def _key(consts: Consts) -> tuple[tuple[str, object], ...]:
    return tuple(consts.items())


def test_every_new_race_spec_is_pinned():
    on_disk = {p.name for p in RACES.glob("r1[2-6]_*.hp")}
    assert on_disk == set(EXPECTED), "add the new race to EXPECTED (and docs/races.md)"


@pytest.mark.parametrize("file", FILES)
def test_verdicts_and_lengths_explicit(file: str):
    specs = _run(file, "explicit")
    assert len(specs) == SETTINGS[file]
    assert set(STATES[file]) <= {_key(s["consts"]) for s in specs}, "a pinned setting is gone"
    for spec in specs:
        consts = spec["consts"]
        got = {r["invariant"]: r for r in spec["results"]}
        want = EXPECTED[file](consts)
        assert set(got) - {"types"} == set(want), consts
        assert _proved(got["types"]), consts
        for inv, length in want.items():
            r = got[inv]
            assert r["met"] is True, (consts, inv, r["expected"])
            if length is None:
                assert _proved(r), (consts, inv)
                assert r["trace"] is None
            else:
                assert r["verdict"] == "violated", (consts, inv)
                assert r["trace"]["length"] == length, (consts, inv)
                assert len(r["trace"]["steps"]) == length
        pinned = STATES[file].get(_key(consts))
        if pinned is not None:
            assert got["types"]["distinct_states"] == pinned, consts


@pytest.mark.parametrize("file", FILES)
def test_kind_agrees_with_explicit(file: str):
    """k-induction proves every invariant the explicit search proves, and finds the same
    shortest violations (every counterexample is replayed by the evaluator)."""
    explicit = {_key(s["consts"]): s for s in _run(file, "explicit")}
    for spec in _run(file, "kind"):
        other = explicit[_key(spec["consts"])]
        mine = {r["invariant"]: r for r in spec["results"]}
        for r in other["results"]:
            k = mine[r["invariant"]]
            assert k["verdict"] == r["verdict"], (spec["consts"], r["invariant"])
            if r["trace"] is not None:
                assert k["trace"]["length"] == r["trace"]["length"]
