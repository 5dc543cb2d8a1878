"""Specs rewritten in process notation against their flat originals (issue 13, part 4).

For each pair (flat, proc) and each setting of the flat spec's sweeps, the explicit engine
must give, for every invariant of the flat spec, the same verdict, the same shortest
counterexample length and the same number of distinct reachable states. This is exact: the
process versions are written so that their generated program counters (and locks, and
locals) correspond one to one to the flat specs' hand-made ones (each spec's header says
how), so the two reachable state graphs are isomorphic.

The proc versions add the built-in invariants `deadlock` (on in every spec with a process)
and `locks` (in every spec with a lock); both must hold, except where the deadlock check
takes over a hand-made invariant: r04's `no_self_deadlock` (the AA deadlock on
hugetlb_lock) is the proc version's `deadlock`, compared like any other invariant (RENAMED).

The whole soft-offline matrix (6 variants x NPAGES 1-4 x NFAULT 1-3, with and without the
freeing window) takes a minute or two on a loaded 2-core machine: it is marked slow; a
fast subset (every variant at two sizes) runs unmarked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import prove_json, run_cli

ROOT = Path(__file__).resolve().parent.parent
SOFT = ("spec/soft_offline.hp", "spec/soft_offline_proc.hp")
RACES = [
    ("spec/races/r01_free_vs_dissolve.hp", "spec/races/r01_free_vs_dissolve_proc.hp"),
    ("spec/races/r04_memory_failure_vs_demote.hp",
     "spec/races/r04_memory_failure_vs_demote_proc.hp"),
    ("spec/races/r05_resv_dec_unlocked.hp", "spec/races/r05_resv_dec_unlocked_proc.hp"),
    ("spec/races/r07_alloc_vs_reserve.hp", "spec/races/r07_alloc_vs_reserve_proc.hp"),
]
# a flat invariant -> the proc version's invariant that states it
RENAMED = {"spec/races/r04_memory_failure_vs_demote.hp": {"no_self_deadlock": "deadlock"}}
BUILTIN = ("deadlock", "locks")

Row = dict[str, tuple[str, int | None, int | None]]  # invariant -> (verdict, length, states)


def _table(path: str, *args: str) -> dict[tuple[tuple[str, object], ...], Row]:
    code, doc = prove_json(path, "--engine", "explicit", "--no-progress", *args)
    assert code == 0, (path, code)
    out: dict[tuple[tuple[str, object], ...], Row] = {}
    for spec in doc["specs"]:
        key = tuple(sorted(spec["consts"].items()))
        out[key] = {r["invariant"]: (r["verdict"],
                                     r["trace"]["length"] if r["trace"] else None,
                                     r["distinct_states"]) for r in spec["results"]}
    return out


def _sweeps(table: dict[tuple[tuple[str, object], ...], Row], names: set[str]
            ) -> dict[tuple[tuple[str, object], ...], Row]:
    """The table keyed by the constants both specs have (a derived constant such as the
    flat r04's UNMAP exists in one of them only)."""
    return {tuple(kv for kv in key if kv[0] in names): row for key, row in table.items()}


def assert_equivalent(flat: str, proc: str, *args: str) -> int:
    """Every setting: the same verdict, shortest length and distinct states for every
    invariant of the flat spec; the proc version's extra built-ins hold. Returns the number
    of settings compared."""
    a, b = _table(flat, *args), _table(proc, *args)
    names = {k for k, _ in next(iter(a))} & {k for k, _ in next(iter(b))}
    a, b = _sweeps(a, names), _sweeps(b, names)
    assert set(a) == set(b), (flat, sorted(set(a) ^ set(b)))
    renamed = RENAMED.get(flat, {})
    for setting, row in sorted(a.items()):
        other = b[setting]
        for inv, got in row.items():
            twin = renamed.get(inv, inv)
            assert other.get(twin) == got, (setting, inv, got, twin, other.get(twin))
        for inv in BUILTIN:
            if inv in other and inv not in renamed.values():
                assert other[inv][0] == "holds", (setting, inv, other[inv])
        assert set(other) - set(row) <= set(BUILTIN) | set(renamed.values())
    return len(a)


@pytest.mark.parametrize("flat,proc", RACES, ids=[Path(f).stem for f, _ in RACES])
def test_race_equivalent(flat: str, proc: str) -> None:
    """Every variant and sweep value of the race, explicit engine."""
    assert assert_equivalent(flat, proc) >= 6


@pytest.mark.parametrize("sizes", [("1", "2"), ("2", "3")])
def test_soft_offline_equivalent_subset(sizes: tuple[str, str]) -> None:
    """Every variant at one pool size and task count (the fast subset)."""
    npages, nfault = sizes
    n = assert_equivalent(*SOFT, "--const", f"NPAGES={npages}", "--const", f"NFAULT={nfault}")
    assert n == 6


@pytest.mark.slow
@pytest.mark.parametrize("window", ["true", "false"])
def test_soft_offline_equivalent_matrix(window: str) -> None:
    """The whole matrix: every variant x NPAGES 1-4 x NFAULT 1-3, with the freeing window
    (A3) and without it."""
    assert assert_equivalent(*SOFT, "--const", f"WINDOW={window}") == 6 * 4 * 3


def test_soft_offline_proc_is_at_most_half_as_long() -> None:
    flat, proc = (len((ROOT / f).read_text().splitlines()) for f in SOFT)
    assert 2 * proc <= flat, (flat, proc)


def test_same_expect_lines() -> None:
    """The proc versions carry the flat specs' expectations (renamed where the deadlock
    check took over an invariant), and pin the built-ins."""
    for flat, proc in [SOFT, *RACES]:
        ours, theirs = _expects(proc), _expects(flat)
        for old, new in RENAMED.get(flat, {}).items():
            theirs = [ln.replace(f": {old} ", f": {new} ") for ln in theirs]
        assert [ln for ln in ours if ln in theirs] == theirs, proc
        assert any(ln.startswith("expect") and "deadlock" in ln for ln in ours), proc


def _expects(path: str) -> list[str]:
    """Each `expect` declaration with its continuation lines, as one string."""
    out: list[str] = []
    for ln in (ROOT / path).read_text().splitlines():
        if ln.startswith("expect"):
            out.append(ln)
        elif out and ln.startswith("  ") and out[-1].rstrip().endswith(":"):
            out[-1] += " " + ln.strip()
    return out


# ---- label choices `L(x: D):` (the notation this rewrite needed) ----

CHOICE = """\
spec choice
type Cpu = {c0, c1}
type Page = 1..3
var taken: Page -> bool
init { forall p in Page: not taken[p] }
process alloc(c: Cpu) {
  pick(p: Page):
    await not taken[p]
    taken'[p] = true
}
invariant one_free: (count p in Page: taken[p]) <= 1
expect one_free violated in 2
expect deadlock holds
"""


def test_label_choice(tmp_path: Path) -> None:
    """A label's parameters make one instance of the step per value, like an action's; the
    trace names the instance and the choice apart."""
    spec = tmp_path / "choice.hp"
    spec.write_text(CHOICE)
    p = run_cli("prove", str(spec), "--engine", "explicit", "--traces", "--no-progress")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "alloc(c0) at pick(p=1) (line 7)" in p.stdout
    assert "alloc(c1) at pick(p=2) (line 7)" in p.stdout or \
        "alloc(c0) at pick(p=2) (line 7)" in p.stdout


def test_label_choice_may_not_hide_a_name(tmp_path: Path) -> None:
    spec = tmp_path / "clash.hp"
    spec.write_text(CHOICE.replace("pick(p: Page)", "pick(c: Page)")
                    .replace("taken[p]\n", "taken[c]\n").replace("taken'[p]", "taken'[c]"))
    p = run_cli("prove", str(spec), "--no-progress")
    assert p.returncode == 2
    assert "clash.hp:7:8: error[HP414]: the choice 'c' of label 'pick'" in p.stderr
