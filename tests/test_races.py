"""The race corpus (spec/races/): pin every race's verdicts and shortest counterexample
lengths per VARIANT and per size setting of the spec's sweeps, through the CLI exactly as a
user runs it (`python -m hpverify prove FILE --json --engine explicit --const VARIANT=...`),
and check that `hpverify prove spec/races/` exits 0.

EXPECTED[file][variant][invariant] is a shortest length (int) for "violated in N", or None
for "holds" (proved for all depths by the explicit engine). SWEEPS[file] is the size sweep
each spec declares (`check NAME in D`); SIZE_EXCEPTIONS lists the few settings whose verdict
depends on the size or the caller. The table is the one in docs/races.md; keep the three in
step.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RACES = REPO / "spec" / "races"
TIMEOUT = 300

H = None  # holds

# invariants of spec/lib/hstate.hp, checked by every spec that includes it
POOL = ("free_count_matches_freelist", "one_allocator", "nr_huge_matches_pages")


def _pool(**over):
    d = {name: H for name in POOL}
    d.update(over)
    return d


EXPECTED: dict[str, dict[str, dict[str, int | None]]] = {
    "r01_free_vs_dissolve.hp": {
        "v5_10": _pool(one_allocator=3, free_count_matches_freelist=2),
        "v5_11": _pool(),
    },
    "r02_isolate_vs_free.hp": {
        "v5_10": _pool(no_vm_bug_on=3, isolated_is_hugetlb=H),
        "v5_11": _pool(no_vm_bug_on=H, isolated_is_hugetlb=H),
    },
    "r03_hwpoison_vs_hugetlb_alloc.hp": {
        "v5_12": _pool(no_vm_bug_on=3, freelist_unreferenced=3, free_count_matches_freelist=4),
        "v5_13": _pool(no_vm_bug_on=H, freelist_unreferenced=H),
    },
    "r04_memory_failure_vs_demote.hp": {
        "v5_17": _pool(flag_on_error_page=1, error_page_flagged=3, no_self_deadlock=H),
        "demote_fix": _pool(flag_on_error_page=3, error_page_flagged=3, no_self_deadlock=H),
        "v5_18": _pool(flag_on_error_page=H, error_page_flagged=H, no_self_deadlock=3),
        "v7_1": _pool(flag_on_error_page=H, error_page_flagged=H, no_self_deadlock=H),
    },
    "r05_resv_dec_unlocked.hp": {
        "pre_a88c": _pool(resv_matches_reservations=2),
        "v6_0": _pool(resv_matches_reservations=4),
        "v6_1": _pool(resv_matches_reservations=H),
    },
    "r06_return_unused_surplus.hp": {
        "v4_9": _pool(resv_backed=3, resv_honoured=4),
        "v4_10": _pool(resv_backed=H, resv_honoured=H),
    },
    "r07_alloc_vs_reserve.hp": {
        "v4_1": _pool(resv_matches_reservations=5),
        "alloc_only": _pool(resv_matches_reservations=5),
        "v4_2": _pool(resv_matches_reservations=H),
    },
    "r08_active_before_instantiate.hp": {
        "v5_0": _pool(isolated_instantiated=2, no_install_while_isolated=3),
        "v5_1": _pool(isolated_instantiated=H, no_install_while_isolated=H),
    },
    "r09_soft_offline_free_retry.hp": {
        "rework_only": {"fails_only_if_uncontainable": 3, "rc_honest": H,
                        "no_refcount_underflow": H},
        "v5_10": {"fails_only_if_uncontainable": H, "rc_honest": 7, "no_refcount_underflow": H},
        "v5_16": {"fails_only_if_uncontainable": H, "rc_honest": 7, "no_refcount_underflow": H},
        "v6_5": {"fails_only_if_uncontainable": 7, "rc_honest": H, "no_refcount_underflow": H},
    },
    "r10_dissolve_not_huge.hp": {
        "v4_19": _pool(fails_only_if_uncontainable=3, rc_honest=H),
        "v5_2": _pool(fails_only_if_uncontainable=H, rc_honest=H),
    },
}

# the size sweeps: (constant, values); CALLER is R9's second sweep
SWEEPS: dict[str, list[tuple[str, tuple[object, ...]]]] = {
    "r01_free_vs_dissolve.hp": [("NPAGES", (2, 3, 4))],
    "r02_isolate_vs_free.hp": [("NPAGES", (1, 2, 3))],
    "r03_hwpoison_vs_hugetlb_alloc.hp": [("NPAGES", (1, 2, 3))],
    "r04_memory_failure_vs_demote.hp": [("NMF", (1, 2, 3))],
    "r05_resv_dec_unlocked.hp": [("NPAGES", (3, 4))],
    "r06_return_unused_surplus.hp": [("NPAGES", (2, 3))],
    "r07_alloc_vs_reserve.hp": [("NPAGES", (2, 3))],
    "r08_active_before_instantiate.hp": [("NPAGES", (1, 2, 3))],
    "r09_soft_offline_free_retry.hp": [("CALLER", ("sysfs", "madvise")), ("NALLOC", (1, 2))],
    "r10_dissolve_not_huge.hp": [("NPAGES", (2, 3))],
}

# (file, variant, {const: value}, invariant, expected): settings that differ from EXPECTED
SIZE_EXCEPTIONS: list[tuple[str, str, dict[str, object], str, int | None]] = [
    # one more free surplus page backs T2's fault: no SIGBUS, the accounting still breaks
    ("r06_return_unused_surplus.hp", "v4_9", {"NPAGES": 3}, "resv_honoured", H),
    # the madvise caller (MF_COUNT_INCREASED)
    ("r09_soft_offline_free_retry.hp", "rework_only", {"CALLER": "madvise"},
     "fails_only_if_uncontainable", 5),
    ("r09_soft_offline_free_retry.hp", "v5_10", {"CALLER": "madvise"}, "rc_honest", 10),
    ("r09_soft_offline_free_retry.hp", "v5_10", {"CALLER": "madvise"},
     "no_refcount_underflow", 6),
    ("r09_soft_offline_free_retry.hp", "v5_16", {"CALLER": "madvise"}, "rc_honest", 9),
    ("r09_soft_offline_free_retry.hp", "v6_5", {"CALLER": "madvise"},
     "fails_only_if_uncontainable", 9),
]


def _want(file: str, variant: str, consts: dict[str, object]) -> dict[str, int | None]:
    want = dict(EXPECTED[file][variant])
    for f, v, when, inv, length in SIZE_EXCEPTIONS:
        if f == file and v == variant and all(consts[k] == x for k, x in when.items()):
            want[inv] = length
    return want


CASES = [(f, v) for f, variants in EXPECTED.items() for v in variants]


def _prove(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hpverify", "prove", *args],
        cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT,
    )


def test_every_race_spec_is_pinned():
    from test_proc_equivalence import RACES as PROC_TWINS  # rNN_..._proc.hp: same answers
    from test_races_new import EXPECTED as NEWER  # r12+ are pinned in tests/test_races_new.py

    on_disk = {p.name for p in RACES.glob("r*.hp") if not p.stem.endswith("_proc")}
    assert on_disk == set(EXPECTED) | set(NEWER), "pin the new race here or in test_races_new"
    twins = {Path(proc).name for _, proc in PROC_TWINS}
    assert {p.name for p in RACES.glob("r*_proc.hp")} == twins


@pytest.mark.parametrize("file,variant", CASES, ids=[f"{f[:3]}-{v}" for f, v in CASES])
def test_race_variant(file: str, variant: str):
    proc = _prove(f"spec/races/{file}", "--json", "--engine", "explicit",
                  "--const", f"VARIANT={variant}")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    doc = json.loads(proc.stdout)
    settings = sorted(tuple(spec["consts"][name] for name, _ in SWEEPS[file])
                      for spec in doc["specs"])
    want_settings = sorted(itertools.product(*(values for _, values in SWEEPS[file])))
    assert settings == want_settings
    for spec in doc["specs"]:
        assert spec["consts"]["VARIANT"] == variant
        got = {r["invariant"]: r for r in spec["results"]}
        want = _want(file, variant, spec["consts"])
        assert set(got) - {"types"} == set(want)
        assert got["types"]["verdict"] == "holds"
        for inv, length in want.items():
            r = got[inv]
            where = (inv, spec["consts"])
            assert r["met"] is True, (where, r["expected"])
            assert r["distinct_states"] > 0, where
            if length is None:
                assert r["verdict"] == "holds", where
                assert r["bound"] is None, where          # proved for all depths
                assert r["trace"] is None, where
            else:
                assert r["verdict"] == "violated", where
                assert r["trace"]["length"] == length, where
                assert len(r["trace"]["states"]) == length + 1
                assert len(r["trace"]["steps"]) == length


def test_prove_races_directory_exits_0():
    proc = _prove("spec/races/", "--quiet")
    assert proc.returncode == 0, proc.stderr + proc.stdout
