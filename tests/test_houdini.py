"""Auxiliary invariants for k-induction (hpverify/engines/houdini.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hpverify import ir
from hpverify.check import check
from hpverify.diagnostics import SourceCache
from hpverify.encode import Encoding
from hpverify.engines import houdini as H
from hpverify.engines import kind as kind_mod
from hpverify.engines.common import Budget
from hpverify.engines.kind import kind
from hpverify.engines.pdr import check_certificate
from hpverify.evaluate import ERR
from hpverify.lower import lower
from hpverify.parse import load_spec

ROOT = Path(__file__).resolve().parent.parent
FIRST_CUT = str(ROOT / "benchmarks" / "first_cut.hp")
SOFT_OFFLINE = str(ROOT / "spec" / "soft_offline.hp")


def load(path: str, **consts: object) -> tuple[ir.Model, list[str]]:
    checked = check(load_spec(path, SourceCache()), {k: str(v) for k, v in consts.items()})
    return lower(checked), [i.name for i in checked.invariants] + [ir.TYPES]


def test_lemmas_are_an_inductive_invariant_of_every_reachable_state() -> None:
    """Houdini's answer, re-checked by fresh solvers, and true in every state that an
    exhaustive search reaches (the explicit engine's BFS, by hand here)."""
    from hpverify.engines.explicit import StateCodec, initial_states
    from hpverify.evaluate import run_step

    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=2, NFAULT=2)
    enc = Encoding(model)
    lemmas = H.houdini(model, enc, names, Budget())
    assert lemmas is not None and lemmas.proved == frozenset(names)
    s = enc.fresh_state("x")
    assert check_certificate(enc, [enc.wellformed(s), H.lemma_formula(enc, lemmas, s)], s,
                             names) is None
    codec = StateCodec(model)
    frontier = initial_states(model)
    seen = {codec.encode(st) for st in frontier}
    while frontier:
        nxt = []
        for st in frontier:
            vals = H.atom_values(model, lemmas.atoms, st)
            assert all(H._holds(c, vals) for c in lemmas.clauses)
            for inst in model.instances:
                res = run_step(model, inst, st)
                if res is not None and codec.encode(res.state) not in seen:
                    seen.add(codec.encode(res.state))
                    nxt.append(res.state)
        frontier = nxt
    assert len(seen) == 98  # TLC's count: the search above is the whole state space


def test_core_is_itself_an_inductive_invariant() -> None:
    """What --show-invariant prints for kind: a subset of the lemmas that, with the proved
    invariants, is inductive on its own (re-checked here by fresh solvers)."""
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=3, NFAULT=3)
    enc = Encoding(model)
    lemmas = H.houdini(model, enc, names, Budget())
    small = H.core(enc, lemmas, seconds=60)
    assert small.needed is not None and len(small.needed) < len(lemmas.clauses) / 4
    only = replace(lemmas, clauses=tuple(lemmas.clauses[i] for i in small.needed))
    s = enc.fresh_state("y")
    assert check_certificate(enc, [enc.wellformed(s), H.lemma_formula(enc, only, s)], s,
                             names) is None


def test_instances_over_a_whole_domain_print_as_forall() -> None:
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=3, NFAULT=3)
    atoms = H.atoms_of(model, names)
    idx = {a.text: i for i, a in enumerate(atoms)}

    def implies(a: str, b: str) -> tuple[H.Lit, ...]:
        return ((idx[a], False), (idx[b], True))

    every = tuple(implies(f"free[{p}]", f"in_pool[{p}]") for p in (1, 2, 3))
    some = (implies("free[1]", "in_pool[1]"), implies("free[2]", "in_pool[2]"))
    lemmas = H.Lemmas(tuple(atoms), every + some[:1] + (implies("free[target]", "in_pool[target]"),),
                      frozenset(), {})
    assert lemmas.shown() == ["free[target] implies in_pool[target]",
                              "forall p in 1..3: free[p] implies in_pool[p]"]
    partial = H.Lemmas(tuple(atoms), some, frozenset(), {})
    assert partial.shown() == ["free[1] implies in_pool[1]", "free[2] implies in_pool[2]"]


def test_atoms_speak_the_spec_vocabulary() -> None:
    # NPAGES != NFAULT: ranges are structural types, 1..2 pages and 1..2 CPUs are one domain
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=3, NFAULT=2)
    texts = {a.text for a in H.atoms_of(model, names)}
    assert {"poison[1]", "so_pc = dissolved", "cache = 0", "resv >= 1", "in_pool[target]",
            "poison[cache]", "reserved and not consumed", "resv <= free_huge",
            "invariant no_sigbus"} <= texts
    assert "f_pc[cache] = mapped" not in texts  # cache indexes pages, never CPUs


def test_templates_group_instances_over_indices() -> None:
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=3, NFAULT=3)
    atoms = H.atoms_of(model, names)
    idx = {a.text: i for i, a in enumerate(atoms)}

    def key(a: str, b: str) -> tuple[object, ...]:
        return H.template(atoms, ((idx[a], False), (idx[b], True)))

    assert key("free[1]", "in_pool[1]") == key("free[3]", "in_pool[3]")
    assert key("free[1]", "in_pool[1]") != key("free[1]", "in_pool[2]")
    assert key("free[1]", "in_pool[2]") == key("free[2]", "in_pool[3]")


def test_candidates_follow_the_samples() -> None:
    atoms = [H.Atom("a", ir.Var("a", ir.BoolT())), H.Atom("b", ir.Var("b", ir.BoolT())),
             H.Atom("c", ir.Var("c", ir.BoolT()))]
    samples = [[True, True, False], [False, False, True], [False, True, False]]
    cands = set(H.candidates(atoms, samples))
    assert ((0, False), (1, True)) in cands  # a implies b
    assert ((1, True), (2, True)) in cands  # b or c
    assert ((1, False), (0, True)) not in cands  # b implies a: false on sample 3
    assert all(all(H._holds(c, s) for s in samples) for c in cands)


def test_clause_text_reads_like_a_comment() -> None:
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=2, NFAULT=2)
    atoms = H.atoms_of(model, names)
    idx = {a.text: i for i, a in enumerate(atoms)}
    assert H.clause_text(atoms, ((idx["poison[1]"], False), (idx["in_pool[1]"], False))) \
        == "not (poison[1] and in_pool[1])"
    assert H.clause_text(atoms, ((idx["so_pc = flagged"], False),)) == "so_pc != flagged"
    assert H.clause_text(atoms, ((idx["killed"], False),)) == "not killed"
    assert H.clause_text(atoms, ((idx["resv = 0"], True), (idx["reserved and not consumed"],
                                                           True))) \
        == "resv = 0 or (reserved and not consumed)"


def test_a_bad_lemma_set_is_refused(monkeypatch) -> None:
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=2, NFAULT=2)
    real = H.houdini

    def bogus(*args, **kwargs):
        found = real(*args, **kwargs)
        atoms = found.atoms
        cache0 = next(i for i, a in enumerate(atoms) if a.text == "cache = 0")
        return replace(found, clauses=found.clauses + (((cache0, True),),))  # not inductive

    monkeypatch.setattr(kind_mod, "houdini", bogus)
    # Houdini's path: without this, kind learns its lemmas from the 98 reachable states
    # (NOTE(reach-lemmas), tested in test_reach_lemmas.py)
    monkeypatch.setattr(kind_mod, "reach_learned", lambda *args, **kwargs: None)
    # refused lemmas are a bug but no reason to stop: plain k-induction decides instead
    res = kind(model, names, 20, Budget(), inductive=True)
    assert all(r.proved and "auxiliary" not in (r.method or "") for r in res)
    res = kind(model, names, 2, Budget(), inductive=True)
    assert all(r.verdict == "unknown" for r in res)
    assert "fail their re-check" in res[0].extra["auxiliary_invariants_refused"]


@pytest.mark.parametrize("npages", [1, 2, 3, 4])
@pytest.mark.parametrize("nfault", [1, 2, 3])
def test_kind_proves_soft_offline_v5_11(npages: int, nfault: int) -> None:
    """Issue #4's bar, moved to the variant that holds since the model has the freeing window
    (issue #10: v4.19, `patched`, breaks `accounting` there; v5_11 = v4.19 + 7ffddd499ba6
    holds): proved for all depths by kind at pool sizes 1-4 and 1-3 faulting CPUs (a few
    minutes for the twelve on a loaded machine)."""
    model, names = load(SOFT_OFFLINE, VARIANT="v5_11", NPAGES=npages, NFAULT=nfault)
    res = kind(model, names, 30, Budget(), inductive=True)
    assert all(r.proved for r in res), [r.wording() for r in res]
    assert {r.extra["k"] for r in res} == {1}  # every invariant among the lemmas


def test_unpatched_is_still_violated_with_lemmas() -> None:
    """The lemmas never hide a bug: the base case finds the shortest traces as before."""
    model, names = load(SOFT_OFFLINE, VARIANT="unpatched", NPAGES=2, NFAULT=2)
    res = {r.invariant: r for r in kind(model, names, 30, Budget(), inductive=True)}
    assert res["no_sigbus"].verdict == "violated" and res["no_sigbus"].trace.length == 6
    assert res["poison_contained"].trace.length == 2


def test_sampled_states_are_reachable_and_distinct() -> None:
    import random
    import time

    model, _ = load(FIRST_CUT, VARIANT="patched", NPAGES=2, NFAULT=2)
    enc = Encoding(model)
    fired: set[str] = set()
    states = H.sample_states(model, enc, 500, random.Random(1), time.perf_counter() + 10,
                             fired=fired)
    keys = [H._key(model, st) for st in states]
    assert len(keys) == len(set(keys)) <= 98  # saturates below the 98 reachable states
    assert fired == set(model.live_actions()) - {"fault_nomem"}  # never enabled (patched)
    assert not any(st[ERR] for st in states)


def test_render_prints_hp_syntax() -> None:
    b = ir.BoolT()
    i = ir.IntT(0, 3)
    x, y, z = (ir.Var(n, b) for n in "xyz")
    n, m = ir.Var("n", i), ir.Var("m", i)
    f = ir.Var("f", ir.FunT(ir.IntT(1, 3), b))
    assert ir.render(ir.Or((x, ir.And((y, z))))) == "x or (y and z)"
    assert ir.render(ir.Not(ir.Or((x, y)))) == "not (x or y)"
    assert ir.render(ir.Not(ir.Eq(n, ir.Lit(0, i)))) == "n != 0"
    assert ir.render(ir.Cmp("<=", ir.Arith("-", n, ir.Arith("-", m, ir.Lit(1, i))), m)) \
        == "n - (m - 1) <= m"
    assert ir.render(ir.Index(f, n, b)) == "f[n]"
    assert ir.render(ir.Member(n, (1, 2))) == "n in {1, 2}"
    assert ir.render(ir.Count((x, y))) == "count(x, y)"
    assert ir.render(ir.Ite(x, n, m, i)) == "(if x then n else m)"


def test_an_out_of_type_successor_makes_houdini_give_up_not_crash(tmp_path) -> None:
    """A successor outside the types may wrap the encoding's arithmetic (widths assume cells
    within their types): `3 * v1` with v1 = 3. Houdini then trusts no lemma (kind goes on
    without them) instead of raising its encoding/evaluator disagreement error."""
    import json

    from conftest import run_cli

    f = tmp_path / "wrap.hp"
    f.write_text("spec wrap\ntype R = 0..2\nvar v0: R -> bool\nvar v1: R\nvar v2: R -> bool\n"
                 "init { forall z in R: v0[z] = true; v1 = 0; }\n"
                 "action act0 { v1' = (v1 + 1) }\naction act1 { require (0 <= (3 * v1)) }\n"
                 "invariant inv0: true\n")
    p = run_cli("prove", str(f), "--engine", "kind", "--json")
    assert p.returncode == 1, p.stderr
    res = {r["invariant"]: r for r in json.loads(p.stdout)["specs"][0]["results"]}
    assert res["types"]["verdict"] == "violated" and res["types"]["trace"]["length"] == 3
    assert res["inv0"]["verdict"] == "holds" and res["inv0"]["bound"] is None


def test_pairs_relate_atoms_about_one_index() -> None:
    """NOTE(related): no candidate pairs facts about two different pages; a cell used as an
    index (`cache`) has an atom per page, one template over the page."""
    import random
    import time

    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=3, NFAULT=3)
    enc = Encoding(model)
    atoms = H.atoms_of(model, names)
    by_text = {a.text: a for a in atoms}
    assert by_text["cache = 2"].shape == "cache = #" and by_text["cache = 2"].indices == (2,)
    assert "cache >= 2" not in by_text and "cache >= 1" in by_text
    states = H.sample_states(model, enc, 300, random.Random(0), time.perf_counter() + 30)
    cands = H.candidates(atoms, [H.atom_values(model, atoms, st) for st in states])
    for c in cands:
        keys = [H.index_keys(atoms[a]) for a, _ in c]
        assert not (len(keys) == 2 and keys[0] and keys[1] and keys[0].isdisjoint(keys[1])), \
            H.clause_text(atoms, c)


def test_templates_are_completed_where_samples_never_vary() -> None:
    """NOTE(complete-templates): page 2 never changes on the samples, yet `free[2] implies
    in_pool[2]` is a candidate, as page 1's instance is."""
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=2, NFAULT=2)
    atoms = H.atoms_of(model, names)
    idx = {a.text: i for i, a in enumerate(atoms)}

    def sample(free1: bool, pool1: bool) -> list[bool]:
        vals = [False] * len(atoms)
        vals[idx["free[1]"]], vals[idx["in_pool[1]"]] = free1, pool1
        vals[idx["free[2]"]] = vals[idx["in_pool[2]"]] = True
        return vals

    cands = set(H.candidates(atoms, [sample(True, True), sample(False, True),
                                     sample(False, False)]))
    assert ((idx["free[1]"], False), (idx["in_pool[1]"], True)) in cands
    assert ((idx["free[2]"], False), (idx["in_pool[2]"], True)) in cands


@pytest.mark.parametrize("path", [FIRST_CUT, SOFT_OFFLINE])
def test_compiled_atom_values_are_the_evaluators(path: str) -> None:
    """NOTE(compiled-atoms): the atoms' values from the one generated function equal the
    closures' (evaluate.py's semantics) in any state, reachable or not, with ints outside
    their ranges (reads outside a domain) and error states."""
    import random

    from hpverify.engines.compiled import CompiledModel

    model, names = load(path, VARIANT="patched", NPAGES=3, NFAULT=2)
    cm = CompiledModel(model)
    atoms = H.atoms_of(model, names)
    fast, slow = H.AtomValues(model, atoms, cm), H.AtomValues(model, atoms)
    assert fast.fn is not None
    rng = random.Random(7)
    for _ in range(300):
        cells: list[object] = []
        for t in cm.scalars:
            if isinstance(t, ir.BoolT):
                cells.append(rng.random() < 0.5)
            elif isinstance(t, ir.EnumT):
                cells.append(rng.choice(t.members))
            else:
                assert isinstance(t, ir.IntT) and t.lo is not None and t.hi is not None
                cells.append(rng.randint(t.lo - 1, t.hi + 1))
        st = cm.state(tuple(cells), rng.random() < 0.1)
        assert fast(st) == slow(st)


def test_compiled_walks_stay_within_reach_and_fire_every_action() -> None:
    """NOTE(compiled-walks): the samples of first_cut 3x3 are reachable states (TLC counts
    650 for patched) and every action that can fire is seen firing."""
    import random
    import time

    from hpverify.engines.compiled import CompiledModel
    from hpverify.engines.explicit import initial_states

    model, _ = load(FIRST_CUT, VARIANT="patched", NPAGES=3, NFAULT=3)
    cm = CompiledModel(model)
    todo = [cm.flatten(st) for st in initial_states(model)]
    reach = {cm.key(*x) for x in todo}
    while todo:
        cells, _err = todo.pop()
        for _, nxt, err in cm.successors(cells):
            if cm.key(nxt, err) not in reach:
                reach.add(cm.key(nxt, err))
                todo.append((nxt, err))
    assert len(reach) == 650
    fired: set[str] = set()
    states = H.sample_states(model, Encoding(model), 400, random.Random(3),
                             time.perf_counter() + 30, fired=fired, cm=cm)
    keys = [cm.key(*cm.flatten(st)) for st in states]
    assert len(keys) == len(set(keys)) == 400 and set(keys) <= reach
    assert fired == set(model.live_actions()) - {"fault_nomem"}  # never enabled (patched)


def test_fresh_last_round_is_the_certificate_and_changes_no_lemma(monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    """NOTE(fresh-last-round): rounds in a fresh solver from the start (FRESH_AFTER = 0)
    or never: the same lemmas (Houdini's answer is unique); only the fresh last round marks
    the step obligation checked, and the certificate then still passes its other
    obligations and every named invariant is proved as before."""
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=3, NFAULT=3)
    found = {}
    for after in (0.0, float("inf")):
        monkeypatch.setattr(H, "FRESH_AFTER", after)
        enc = Encoding(model)
        lemmas = H.houdini(model, enc, names, Budget())
        assert lemmas is not None
        assert lemmas.step_checked == (after == 0.0)
        assert kind_mod.certified(enc, lemmas) is lemmas
        found[after] = lemmas
        res = kind(model, names, 20, Budget(), enc=Encoding(model), inductive=True)
        assert all(r.proved and r.method.startswith("k-induction, k=1") for r in res)
    assert found[0.0].clauses == found[float("inf")].clauses



def inductive_and_weak() -> tuple[Encoding, list[tuple[H.Lemmas, bool]]]:
    """first_cut 2x2's lemmas (inductive) and its named invariants alone (not inductive)."""
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=2, NFAULT=2)
    enc = Encoding(model)
    lemmas = H.houdini(model, enc, names, Budget())
    assert lemmas is not None
    weak = replace(lemmas, clauses=tuple(c for c in lemmas.clauses
                                         if len(c) == 1 and lemmas.atoms[c[0][0]].inv))
    return enc, [(lemmas, True), (weak, False)]

def test_step_obligation_is_the_certificates() -> None:
    """The query Houdini's fresh last round asks is the one check_certificate asks: a lemma
    set that is not inductive is refused by both, an inductive one passes both."""
    import z3

    from hpverify.engines.pdr import step_obligation

    enc, pairs = inductive_and_weak()
    for lem, ok in pairs:
        s = enc.fresh_state(H.CERT_STATE)
        query, _ = step_obligation(enc, H.certificate_parts(enc, lem, s), s)
        solver = z3.SolverFor("QF_BV")
        solver.add(*query)
        assert (solver.check() == z3.unsat) == ok
        refusal = check_certificate(enc, H.certificate_parts(enc, lem, s), s, [], Budget())
        assert (refusal is None) == ok


def test_neighbours_change_the_rounds_not_the_answer(monkeypatch) -> None:
    """NOTE(neighbours): the counterexamples' one-cell neighbours drop candidates as solver
    rounds would; Houdini's answer (the largest inductive set of templates) is the same."""
    model, names = load(FIRST_CUT, VARIANT="patched", NPAGES=3, NFAULT=3)
    found = {}
    for on in (True, False):
        monkeypatch.setattr(H, "NEIGHBOURS", on)
        enc = Encoding(model)
        lemmas = H.houdini(model, enc, names, Budget())
        assert lemmas is not None and lemmas.proved == frozenset(names)
        assert kind_mod.certified(enc, lemmas) is lemmas
        found[on] = lemmas
    assert found[True].clauses == found[False].clauses


def test_fresh_solver_answers_as_the_plain_one() -> None:
    """NOTE(solve-eqs): Houdini's fresh solver (solve-eqs before bit-blasting) and Z3's
    plain QF_BV solver agree on each obligation, for an inductive lemma set and a weak one;
    a satisfiable answer comes with a model that breaks a lemma in the successor."""
    import z3

    from hpverify.engines.pdr import step_obligation

    enc, pairs = inductive_and_weak()
    for lem, ok in pairs:
        s = enc.fresh_state(H.CERT_STATE)
        query, t = step_obligation(enc, H.certificate_parts(enc, lem, s), s)
        answers = []
        for solver in (z3.SolverFor("QF_BV"), H.fresh_solver()):
            solver.add(*query)
            answers.append(solver.check())
        assert answers == [z3.unsat, z3.unsat] if ok else answers == [z3.sat, z3.sat]
        if not ok:
            succ = enc.decode_state(solver.model(), t)
            vals = H.atom_values(enc.model, lem.atoms, succ)
            assert not all(H._holds(c, vals) for c in lem.clauses)


# ---- found by an outside review (fuzzing kind's Houdini path) ------------------------------

def test_too_many_initial_states_to_sample_is_no_crash(tmp_spec) -> None:
    """`noise` is free in init (4^16 initial states): Houdini's sampler cannot list them
    (explicit.Cut); it samples nothing and Houdini goes on (it was exit 70)."""
    f = tmp_spec("spec kind_cut\ntype Page = 1..16\nvar a: 0..4\nvar c: 0..4\n"
                 "var noise: Page -> 0..3\ninit { a = 0  c = 0 }\n"
                 "action step { require a < 4  a' = a + 1  c' = c + 1 }\n"
                 "invariant fine: a = 4 implies c = 4\n")
    model, names = load(str(f))
    res = kind(model, names, 10, Budget())
    assert [(r.invariant, r.verdict, r.bound) for r in res] == [
        ("fine", "holds", None), ("types", "holds", None)]


def test_no_atom_divides_by_a_state_value(tmp_spec, monkeypatch) -> None:
    """NOTE(fault-atoms): `(g / x) >= 1` would raise in the evaluator at x = 0 (it was a
    ZeroDivisionError, exit 70); a constant positive divisor is fine."""
    f = tmp_spec("spec div\nvar x: 0..2\nvar g: 0..2\nvar b: bool\ninit { x = 2  g = 0 }\n"
                 "action a0 { b' = ((g / x) >= 1)  x' in 0..2 }\n"
                 "action a1 { b' = ((g % 2) = 1) }\n"
                 "invariant ok: g = 0\n")
    model, names = load(str(f))
    shown = {a.text for a in H.atoms_of(model, names)}
    assert "g % 2 = 1" in shown and not any("/" in t for t in shown), shown
    monkeypatch.setattr(kind_mod, "reach_learned", lambda *args, **kwargs: None)
    res = kind(model, names, 10, Budget(), inductive=True)  # Houdini's path
    # x = 0 makes a0's division a fault: `types` breaks in 2 steps, as explicit finds
    assert [r.wording() for r in res] == ["proved for all depths (k-induction, k=1)",
                                          "violated in 2 steps"]
    from hpverify.engines.explicit import explicit

    assert [(r.verdict, r.trace.length if r.trace else None) for r in res] == \
        [(r.verdict, r.trace.length if r.trace else None)
         for r in explicit(model, names, 10, Budget())]
