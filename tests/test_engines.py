"""The engines beyond BMC: kind, pdr, explicit, auto (hpverify/engines/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hpverify import ir
from hpverify.check import check
from hpverify.diagnostics import SourceCache
from hpverify.engines import pdr as pdr_mod
from hpverify.engines.auto import auto
from hpverify.engines.common import Budget
from hpverify.engines.explicit import explicit, reachable_count
from hpverify.engines.kind import kind
from hpverify.engines.pdr import pdr
from hpverify.lower import lower
from hpverify.parse import load_spec
from hpverify.pipeline import engines
from hpverify.trace import replay

ROOT = Path(__file__).resolve().parent.parent
FIRST_CUT = str(ROOT / "benchmarks" / "first_cut.hp")
SOFT_OFFLINE = str(ROOT / "spec" / "soft_offline.hp")
LONG = bool(os.environ.get("HPVERIFY_LONG"))


def load(path: str, **consts: object) -> tuple[ir.Model, list[str]]:
    checked = check(load_spec(path, SourceCache()), {k: str(v) for k, v in consts.items()})
    return lower(checked), [i.name for i in checked.invariants] + [ir.TYPES]


def verdicts(model: ir.Model, results) -> dict[str, str]:
    out = {}
    for r in results:
        if r.trace is not None:
            replay(model, r.trace, r.invariant, shortest=r.shortest)
        out[r.invariant] = r.wording().split(" (")[0]
    return out


UNPATCHED_2_2 = {"no_sigbus": "violated in 6 steps", "resv_honoured": "proved for all depths",
                 "accounting": "proved for all depths",
                 "poison_contained": "violated in 2 steps", "types": "proved for all depths"}


def test_registry() -> None:
    assert {"bmc", "kind", "pdr", "explicit", "auto"} <= set(engines())


@pytest.mark.parametrize("variant,counts", [("unpatched", (16, 112, 749)),
                                            ("patched", (13, 98, 650)),
                                            ("patched_norc", (15, 110, 728))])
def test_explicit_counts_match_tlc(variant: str, counts: tuple[int, ...]) -> None:
    for n, expected in zip((1, 2, 3), counts, strict=True):
        model, _ = load(FIRST_CUT, VARIANT=variant, NPAGES=n, NFAULT=n)
        assert reachable_count(model)[0] == expected


@pytest.mark.parametrize("engine", [kind, pdr, explicit])
def test_first_cut_unpatched(engine) -> None:
    model, names = load(FIRST_CUT, VARIANT="unpatched", NPAGES=2, NFAULT=2)
    assert verdicts(model, engine(model, names, 20, Budget())) == UNPATCHED_2_2


def test_explicit_reports_states_and_diameter() -> None:
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=2, NFAULT=2)
    res = explicit(model, names, 20, Budget())
    assert all(r.proved and r.distinct_states == 98 and r.extra["diameter"] == 7 for r in res)
    assert res[0].method == "explicit-state search, 98 states, diameter 7"


def test_explicit_state_limit_is_unknown() -> None:
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=3, NFAULT=3)
    res = explicit(model, names, 20, Budget(), max_states=100)
    assert all(r.verdict == "unknown" and "state limit" in (r.reason or "") for r in res)


def test_kind_proves_patched_with_k() -> None:
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=2, NFAULT=2)
    res = kind(model, names, 20, Budget(), strengthen=False)
    assert all(r.proved and r.method == f"k-induction, k={r.extra['k']}" for r in res)
    assert {r.extra["k"] for r in res} <= {6, 7, 8}  # plain induction must reach the longest run


def test_kind_with_auxiliary_invariants_closes_at_k1(monkeypatch) -> None:
    from hpverify.engines import kind as kind_mod

    # Houdini's lemmas: without this, kind learns them from the reachable states
    # (NOTE(reach-lemmas), tests/test_reach_lemmas.py)
    monkeypatch.setattr(kind_mod, "reach_learned", lambda *args, **kwargs: None)
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=3, NFAULT=3)
    res = kind(model, names, 20, Budget(), show_invariant=True)  # the core only when asked
    assert all(r.proved and r.extra["k"] == 1 and r.extra["certificate_rechecked"] for r in res)
    assert res[0].method.startswith("k-induction, k=1, with ")
    shown = res[0].extra["inductive_invariant_clauses"]
    # which lemmas a core keeps depends on the Z3 context's history (as with Spacer); that
    # it is a short list in the spec's own names does not (tests/test_houdini.py checks
    # that the core is itself an inductive invariant)
    assert 0 < len(shown) < res[0].extra["auxiliary_invariants"] / 4
    assert not any(c.startswith("invariant ") for c in shown)
    import re

    vocabulary = {"not", "and", "or", "implies", "in", "forall", "p", "count",
                  *(v.name for v in model.vars), "so_idle", "checked", "flagged", "dissolved",
                  "so_done", "f_idle", "mapped", "f_done"}
    for c in shown:
        assert set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", c)) <= vocabulary, c
    assert res[0].extra["never_enabled"] == ["fault_nomem"]  # as explicit finds


def test_kind_unknown_with_cti(tmp_path: Path) -> None:
    f = tmp_path / "cti.hp"
    f.write_text("spec cti\nvar x: 0..5\ninit { x = 0 }\n"
                 "action inc { require x < 4  x' = x + 2 }\ninvariant not3: x != 3\n")
    model, names = load(str(f))
    r = kind(model, names, 1, Budget(), strengthen=False)[0]
    assert r.verdict == "unknown" and r.reason == "induction did not close at k=1"
    cti = r.extra["cti"]
    assert "NOT necessarily reachable" in cti["note"]
    assert [s["x"] for s in cti["states"]] == [1, 3]
    assert kind(model, names, 3, Budget(), strengthen=False)[0].method == "k-induction, k=2"
    # the generated lemmas (x != 1, x != 5) make x != 3 1-inductive
    assert kind(model, names, 1, Budget(), inductive=True)[0].extra["k"] == 1
    # by default the 3 reachable states settle it (NOTE(enumerated))
    r = kind(model, names, 1, Budget())[0]
    assert r.proved and r.extra["decided_by"] == "explicit" and r.distinct_states == 3


def test_pdr_invariant_in_spec_vocabulary() -> None:
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=2, NFAULT=2)
    res = pdr(model, names, 20, Budget())
    assert all(r.proved and r.extra["certificate_rechecked"] for r in res)
    clauses = res[0].extra["inductive_invariant_clauses"]
    # Spacer's invariant depends on the Z3 context's history (term ids), so which clause
    # says "a poisoned page is out of the pool" varies with the tests run before this one
    # in the same process; that one does, in the spec's names, does not
    # in the spec's names, either directly (`poison[1] implies not in_pool[1]`) or through
    # the cache (`in_pool[1] implies cache = 1 or free[1]`, `cache = 1 implies not
    # poison[1]`, `poison[1] implies not free[1]`), as Spacer's search happens to go
    assert "not killed" in clauses
    assert any("poison[" in c for c in clauses) and any("in_pool[" in c for c in clauses), \
        clauses
    import re

    vocabulary = {"not", "and", "or", "implies", "in", "true", "false", *model.actions,
                  *(v.name for v in model.vars), "so_idle", "checked", "flagged", "dissolved",
                  "so_done", "f_idle", "mapped", "f_done"}
    for c in clauses:
        assert set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", c)) <= vocabulary, c


def test_pdr_refused_certificate_is_unknown(monkeypatch) -> None:
    """A certificate that fails the re-check is no proof, and no crash: unknown, reason."""
    import z3

    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=1, NFAULT=1)
    monkeypatch.setattr(pdr_mod._Spacer, "run",
                        lambda self, names: (z3.unsat, z3.BoolVal(False), None))
    res = pdr(model, names, 20, Budget())
    assert [r.verdict for r in res] == ["unknown"] * len(names)
    assert res[0].reason == "certificate refused: init and types => inv: sat"


def test_never_enabled(tmp_path: Path) -> None:
    f = tmp_path / "dead.hp"
    f.write_text("spec dead\nvar x: 0..3\ninit { x = 0 }\naction up { require x < 2  x' = x + 1 }\n"
                 "action dead { require x = 3  x' = 0 }\ninvariant small: x <= 2\n")
    model, names = load(str(f))
    for engine in (kind, explicit):
        assert engine(model, names, 5, Budget())[0].extra["never_enabled"] == ["dead"]


def test_auto_portfolio() -> None:
    model, names = load(FIRST_CUT, VARIANT="unpatched", NPAGES=2, NFAULT=2)
    res = auto(model, names, 20, Budget())
    assert verdicts(model, res) == UNPATCHED_2_2
    assert all(r.engine.startswith("auto/") for r in res)


@pytest.mark.parametrize("engine", [kind, pdr])
def test_soft_offline_patched_small(engine) -> None:
    model, names = load(SOFT_OFFLINE, VARIANT="patched", NPAGES=1, NFAULT=1)
    assert all(r.proved for r in engine(model, names, 40, Budget()))


@pytest.mark.skipif(not LONG, reason="long run: set HPVERIFY_LONG=1 (several minutes)")
@pytest.mark.parametrize("npages", [1, 2, 3, 4])
@pytest.mark.parametrize("nfault", [1, 2, 3])
def test_soft_offline_patched_pdr(npages: int, nfault: int) -> None:
    model, names = load(SOFT_OFFLINE, VARIANT="patched", NPAGES=npages, NFAULT=nfault)
    assert all(r.proved for r in pdr(model, names, 40, Budget()))
