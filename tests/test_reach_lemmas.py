"""kind's lemmas learned from the complete reachable state space (engines/reach_lemmas.py,
NOTE(reach-lemmas))."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import prove_json

from hpverify import evaluate as ev
from hpverify import ir
from hpverify.check import check
from hpverify.diagnostics import SourceCache
from hpverify.encode import Encoding
from hpverify.engines import houdini as H
from hpverify.engines import kind as kind_mod
from hpverify.engines import reach_lemmas as RL
from hpverify.engines.common import Budget
from hpverify.engines.explicit import explicit
from hpverify.engines.kind import kind
from hpverify.engines.pdr import check_certificate
from hpverify.lower import lower
from hpverify.parse import load_spec

ROOT = Path(__file__).resolve().parent.parent
SOFT_OFFLINE = str(ROOT / "spec" / "soft_offline.hp")
FIRST_CUT = str(ROOT / "benchmarks" / "first_cut.hp")
LEARNED = "learned from the"


def load(path: str, **consts: object) -> tuple[ir.Model, list[str]]:
    checked = check(load_spec(path, SourceCache()), {k: str(v) for k, v in consts.items()})
    return lower(checked), [i.name for i in checked.invariants] + [ir.TYPES]


def verdicts(results) -> dict[str, tuple[str, int | None]]:
    return {r.invariant: (r.verdict, r.trace.length if r.trace else None) for r in results}


@pytest.mark.parametrize("variant,npages,nfault", [
    ("patched", 1, 1), ("patched", 2, 2), ("patched", 3, 2), ("patched", 4, 3),
    ("unpatched", 1, 2), ("unpatched", 2, 2), ("unpatched", 4, 3)])
def test_kind_agrees_with_explicit_and_proves_with_learned_lemmas(variant, npages,
                                                                  nfault) -> None:
    """Same verdicts and trace lengths as the explicit engine; what holds is proved for all
    depths at k = 1 with lemmas learned from R, re-checked by fresh solvers; what is
    violated is the base search's (bmc's) shortest trace."""
    model, names = load(SOFT_OFFLINE, VARIANT=variant, NPAGES=npages, NFAULT=nfault)
    res = kind(model, names, 30, Budget(), inductive=True)
    searched = explicit(model, names, 30, Budget())
    assert verdicts(res) == verdicts(searched)
    # coverage: the actions R never fires, proved dead at every depth by the lemmas
    assert res[0].extra["never_enabled"] == searched[0].extra["never_enabled"]
    assert res[0].extra["coverage_depth"] is None
    for r in res:
        if r.verdict == "holds":
            assert r.bound is None and r.extra["k"] == 1, r.wording()
            assert LEARNED in (r.method or "") and r.extra["certificate_rechecked"] is True
            how = r.extra["auxiliary_invariants_from"]
            assert how["reachable_states"] == explicit(model, [ir.TYPES], 0, Budget(),
                                                       stop_when_settled=False)[0].distinct_states
        else:
            assert r.verdict == "violated" and r.extra["decided_by"] == "bmc"


@pytest.mark.parametrize("variant,consts", [
    ("patched", ("NPAGES=1..2", "NFAULT=1..3")), ("unpatched", ("NPAGES=1..2", "NFAULT=1..2"))])
def test_cli_meets_the_specs_expectations(variant, consts) -> None:
    """The spec's own `expect` lines, through the command line (exit 0: all met)."""
    args = [SOFT_OFFLINE, "--engine", "kind", "--inductive", "--const", f"VARIANT={variant}"]
    for c in consts:
        args += ["--const", c]
    code, doc = prove_json(*args)
    assert code in (0, 1) and doc
    results = [r for s in doc["specs"] for r in s["results"]]
    assert all(r["met"] is not False for r in results), [
        (r["invariant"], r["verdict"]) for r in results if r["met"] is False]
    assert all(r["verdict"] != "unknown" for r in results)
    assert any(LEARNED in (r.get("method") or "") for r in results)


def test_learned_lemmas_pass_an_independent_certificate() -> None:
    model, names = load(SOFT_OFFLINE, VARIANT="patched", NPAGES=3, NFAULT=2)
    enc = Encoding(model)
    reach = RL.reachable(model, Budget())
    assert reach is not None and len(reach.cells) == 1782
    learned = RL.learn(model, enc, names, Budget(), reach)
    assert learned is not None and learned.blocked > 0
    lemmas = learned.lemmas
    assert {"resv_honoured", "poison_not_allocated", "bookkeeping", ir.TYPES} <= lemmas.proved
    s = enc.fresh_state("indep")
    assert check_certificate(enc, [enc.wellformed(s), H.lemma_formula(enc, lemmas, s)], s,
                             sorted(lemmas.proved)) is None
    # every lemma holds in every reachable state (the evaluator's values)
    values = H.AtomValues(model, lemmas.atoms)
    for cells, err in zip(reach.cells, reach.errs, strict=True):
        vals = values(RL._state(model, cells, err))
        assert all(any(vals[a] == pol for a, pol in c) for c in lemmas.clauses)


def test_compiled_atom_values_are_the_evaluators() -> None:
    model, names = load(SOFT_OFFLINE, VARIANT="unpatched", NPAGES=2, NFAULT=2)
    reach = RL.reachable(model, Budget())
    assert reach is not None
    atoms = H.atoms_of(model, names)
    slow = H.AtomValues(model, atoms)
    want = {tuple(slow(RL._state(model, c, e))) for c, e in zip(reach.cells, reach.errs,
                                                                  strict=True)}
    assert set(RL.atom_values(model, atoms, reach)) == want


def _without_violations(real, model: ir.Model, name: str):
    """A wrong R: `reachable` with every state that violates `name` left out."""
    def wrong(m, budget, *args, **kwargs):
        reach = real(m, budget, *args, **kwargs)
        keep = [j for j, (c, e) in enumerate(zip(reach.cells, reach.errs, strict=True))
                if ev.invariant_ok(model, name, RL._state(model, c, e))]
        assert len(keep) < len(reach.cells)
        return replace(reach, keys=tuple(reach.keys[j] for j in keep),
                       cells=tuple(reach.cells[j] for j in keep),
                       errs=tuple(reach.errs[j] for j in keep))
    return wrong


@pytest.mark.parametrize("variant,name", [("unpatched", "no_sigbus"),
                                          ("unpatched", "poison_contained"),
                                          ("patched", "accounting")])
def test_a_wrong_reachable_set_never_yields_a_false_proof(monkeypatch, variant, name) -> None:
    """With the states that violate an invariant dropped from R, that invariant is a
    candidate lemma although it is false: no inductive set holding initially contains it,
    so the learning gives up or the certificate refuses, and kind decides as without R.
    Every verdict is still the explicit engine's."""
    model, names = load(SOFT_OFFLINE, VARIANT=variant, NPAGES=2, NFAULT=2)
    want = verdicts(explicit(model, names, 30, Budget()))
    assert want[name][0] == "violated"
    monkeypatch.setattr(RL, "reachable", _without_violations(RL.reachable, model, name))
    res = kind(model, names, 30, Budget(), inductive=True)
    assert verdicts(res) == want
    assert not any(LEARNED in (r.method or "") for r in res)


def test_past_the_state_cap_kind_takes_houdinis_path(monkeypatch) -> None:
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=2, NFAULT=2)
    monkeypatch.setattr(RL, "REACH_STATES", 50)  # 98 reachable states
    assert RL.reachable(model, Budget(), RL.REACH_STATES) == RL.Overflow(4)
    res = kind(model, names, 20, Budget(), inductive=True)
    assert all(r.proved for r in res)
    assert not any(LEARNED in (r.method or "") for r in res)


def test_under_a_resource_limit_nothing_is_enumerated(monkeypatch) -> None:
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=2, NFAULT=2)
    assert kind_mod.reach_learned(model, Encoding(model), names, Budget(rlimit=10**9)) is None
    assert kind_mod.reach_learned(model, Encoding(model), names, Budget()) is not None


def test_a_blocking_clause_prints_as_a_negated_cube() -> None:
    b = ir.BoolT()
    e = ir.EnumT("pc", (ir.EnumValue("idle"), ir.EnumValue("busy")))
    atoms = [H.Atom("x", ir.Var("x", b)),
             H.Atom("pc = busy", ir.Eq(ir.Var("pc", e), ir.Lit(ir.EnumValue("busy"), e))),
             H.Atom("y", ir.Var("y", b))]
    assert H.clause_text(atoms, ((0, False), (1, False), (2, True))) == \
        "not (x and pc = busy and not y)"


def test_the_show_invariant_output_is_re_checked_and_readable() -> None:
    code, doc = prove_json(SOFT_OFFLINE, "--engine", "kind", "--const", "VARIANT=patched",
                           "--const", "NPAGES=2", "--const", "NFAULT=1", "--show-invariant")
    assert code == 0
    shown = [r for r in doc["specs"][0]["results"] if r.get("inductive_invariant_clauses")]
    assert shown
    clauses = shown[0]["inductive_invariant_clauses"]
    assert any(c.startswith("not (") and " and " in c for c in clauses)


def test_an_atom_that_raises_in_a_reachable_state_is_no_candidate(tmp_spec) -> None:
    """`d0 % n` is a subterm of the invariant, taken out of the invariant's own fault
    handling: with n = 0 its evaluation raises. It makes no candidate; kind goes on
    (found by tests/test_differential_exprs.py)."""
    f = tmp_spec("spec random\ntype R = 0..2\ntype Small = 0..3\nvar n: Small\nvar v0: bool\n"
                 "def d0 = 0\ninit { n = 0  v0 = true }\n"
                 "action tick { require n < 3  n' = n + 1 }\naction act0 { v0' = true }\n"
                 "invariant inv0: ((count x1 in R: v0) < (d0 % n))\n"
                 "invariant inv1: n <= 3\n")
    model, names = load(str(f))
    assert verdicts(kind(model, names, 10, Budget(), inductive=True)) == \
        verdicts(explicit(model, names, 10, Budget()))
    res = {r.invariant: r for r in kind(model, names, 10, Budget(), inductive=True)}
    assert res["inv0"].verdict == "violated" and LEARNED in (res["inv1"].method or "")


# ---- NOTE(enumerated): by default, a complete reachable state space is the proof -------------

@pytest.mark.parametrize("variant,npages,nfault", [
    ("patched", 2, 2), ("unpatched", 2, 2), ("unpatched", 4, 3), ("v5_11", 3, 2)])
def test_by_default_kind_proves_a_small_space_by_enumerating_it(variant, npages,
                                                                nfault) -> None:
    """Explicit's verdicts, state count and coverage; violations are the base search's
    shortest traces; no solver runs."""
    model, names = load(SOFT_OFFLINE, VARIANT=variant, NPAGES=npages, NFAULT=nfault)
    res = kind(model, names, 30, Budget())
    searched = explicit(model, names, 30, Budget())
    assert verdicts(res) == verdicts(searched)
    n = explicit(model, [ir.TYPES], 0, Budget(), stop_when_settled=False)[0].distinct_states
    for r in res:
        if r.verdict == "holds":
            assert r.bound is None and r.extra["decided_by"] == "explicit", r.wording()
            assert r.method == f"explicit-state search, all {n} reachable states"
            assert r.distinct_states == r.extra["reachable_states"] == n
            assert "certificate_rechecked" not in r.extra
        else:
            assert r.verdict == "violated" and r.extra["decided_by"] == "bmc"
        assert r.extra["never_enabled"] == searched[0].extra["never_enabled"]
        assert r.extra["coverage_depth"] is None  # every reachable state was expanded


def test_a_state_space_past_the_cap_is_proved_by_induction(monkeypatch) -> None:
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=2, NFAULT=2)
    monkeypatch.setattr(RL, "REACH_STATES", 50)  # 98 reachable states
    res = kind(model, names, 20, Budget())
    assert all(r.proved and r.extra["decided_by"] == "kind" for r in res)


def test_inductive_and_show_invariant_and_rlimit_keep_the_inductive_proof() -> None:
    model, names = load(SOFT_OFFLINE, VARIANT="patched", NPAGES=2, NFAULT=1)
    for kwargs in ({"inductive": True}, {"show_invariant": True}):
        res = kind(model, names, 30, Budget(), **kwargs)
        assert all(r.extra["decided_by"] == "kind" for r in res if r.verdict == "holds")
        assert any(LEARNED in (r.method or "") for r in res)
    # a solver resource limit asks for the solver's behaviour: no search at all
    res = kind(model, names, 30, Budget(rlimit=10**9))
    assert not any(r.extra.get("decided_by") == "explicit" for r in res)


def test_the_command_line_says_how_it_was_proved() -> None:
    args = (SOFT_OFFLINE, "--engine", "kind", "--const", "VARIANT=v5_11",
            "--const", "NPAGES=2", "--const", "NFAULT=1")
    code, doc = prove_json(*args)
    assert code == 0
    results = doc["specs"][0]["results"]
    assert all(r["verdict"] == "holds" and r["bound"] is None for r in results)
    assert {(r["method"], r["decided_by"]) for r in results} == {
        (f"explicit-state search, all {results[0]['reachable_states']} reachable states",
         "explicit")}
    code, doc = prove_json(*args, "--inductive")
    assert code == 0
    assert all(r["method"].startswith("k-induction") for r in doc["specs"][0]["results"])
