"""The race corpus (spec/races/, GitHub issue 6): pin every race's verdicts and shortest
counterexample lengths per VARIANT, through the CLI exactly as a user runs it
(`python -m hpverify prove FILE --json --const VARIANT=...`), and check that
`hpverify prove spec/races/` exits 0.

EXPECTED[file][variant][invariant] is a shortest length (int) for "violated in N", or None
for "holds" (up to the spec's `check depth`, which each spec justifies as past its
diameter). The table is the one in docs/races.md; keep the three in step.
"""

from __future__ import annotations

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
        "v5_17": _pool(flag_on_error_page=3, error_page_flagged=3),
        "v5_18": _pool(flag_on_error_page=H, error_page_flagged=H),
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
        "v5_9": {"fails_only_if_uncontainable": 3, "rc_honest": H},
        "v5_10": {"fails_only_if_uncontainable": H, "rc_honest": 7},
        "v6_3": {"fails_only_if_uncontainable": 7, "rc_honest": H},
    },
    "r10_dissolve_not_huge.hp": {
        "v4_19": _pool(fails_only_if_uncontainable=3, rc_honest=H),
        "v5_2": _pool(fails_only_if_uncontainable=H, rc_honest=H),
    },
    "r11_mf_mutex_unpoison.hp": {
        "v5_15": {"flag_iff_hwpoison_ref": 4, "no_leak": 4},
        "v5_16": {"flag_iff_hwpoison_ref": H, "no_leak": H},
    },
}

CASES = [(f, v) for f, variants in EXPECTED.items() for v in variants]


def _prove(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hpverify", "prove", *args],
        cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT,
    )


def test_every_race_spec_is_pinned():
    on_disk = {p.name for p in RACES.glob("r*.hp")}
    assert on_disk == set(EXPECTED), "add the new race to EXPECTED (and docs/races.md)"


@pytest.mark.parametrize("file,variant", CASES, ids=[f"{f[:3]}-{v}" for f, v in CASES])
def test_race_variant(file: str, variant: str):
    proc = _prove(f"spec/races/{file}", "--json", "--const", f"VARIANT={variant}")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    doc = json.loads(proc.stdout)
    assert len(doc["specs"]) == 1
    spec = doc["specs"][0]
    assert spec["consts"]["VARIANT"] == variant
    got = {r["invariant"]: r for r in spec["results"]}
    want = EXPECTED[file][variant]
    assert set(got) - {"types"} == set(want)
    assert got["types"]["verdict"] == "holds"
    for inv, length in want.items():
        r = got[inv]
        assert r["met"] is True, (inv, r["expected"])
        if length is None:
            assert r["verdict"] == "holds", inv
            assert r["trace"] is None
        else:
            assert r["verdict"] == "violated", inv
            assert r["trace"]["length"] == length, inv
            assert len(r["trace"]["states"]) == length + 1
            assert len(r["trace"]["steps"]) == length


def test_prove_races_directory_exits_0():
    proc = _prove("spec/races/", "--quiet")
    assert proc.returncode == 0, proc.stderr + proc.stdout
