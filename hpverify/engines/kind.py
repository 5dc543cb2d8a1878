"""k-induction (Een & Sörensson 2003) with the simple-path constraint, k = 1, 2, ..., depth.

Two incremental solvers run in lock-step:

- the BASE case is BMC: depth 0, 1, ... from the initial states, so a violation is found at
  its shortest length (and replayed like any BMC trace);
- the STEP case asks whether k states t_0..t_{k-1} that satisfy the candidate invariants,
  pairwise distinct, can step to a state t_k that breaks one of them.

All candidate invariants (`types` included) are proved TOGETHER: the step case assumes
every candidate at t_0..t_{k-1} and must show every candidate at t_k. A candidate whose
step case fails is dropped from the set (and from the assumptions) until the set that
remains is jointly k-inductive; together with the base case up to depth k-1 that set holds
in every reachable state (induction on the length of a path, over the conjunction). An
invariant once proved stays an assumption at every later k (it holds everywhere).

Strengthening: t_0..t_{k-1} are wellformed (enum cells hold members), and each of them has a
successor, so each satisfies `types` (a state that violates `types` has no successor):
steps only leave type-correct states.

NOTE(auxiliary): when plain induction has not closed by k = 2 (`PLAIN_K`), engines/houdini.py
generates candidate lemmas and keeps an inductive subset L (re-checked by fresh solvers
here, `certified`). L holds in every reachable state, so the invariants in L are proved
(k = 1 relative to L) and every state t_i of the step case may assume L: a path of
reachable states satisfies it everywhere, so no real counterexample is excluded. Coverage
uses L too: an action enabled in no state satisfying L is never enabled at any depth.

NOTE(reach-lemmas) (engines/reach_lemmas.py): when breadth-first search enumerates the
whole reachable state space within its cap, L is learned from that exact set instead,
before any step case, and certified the same way; when that fails, kind goes on as above.

NOTE(enumerated): with that whole reachable state space R in hand, an invariant true in
every state of R holds at every depth: the explicit engine's proof (TLC's), reported as
such (`decided_by: explicit`, "explicit-state search, all N reachable states"), with no
induction and no certificate; lemmas are learned only for what R does not settle. Why:
on the seed spec (soft_offline unpatched, 12 settings of at most 11,230 states) the
inductive proofs of the 52 holding invariants cost 7.9 s of engine time where bmc's search
answers the whole sweep in 0.5 s, and the search that R comes from is the explicit engine's
own, whose verdicts are trusted the same way (and tested against TLC's state counts).
`inductive=True` (`--inductive`; implied by `--show-invariant`, which shows the lemmas)
keeps the inductive proof: the verdict then never rests on the search, and the tests that
compare kind with the other engines run it that way, so two independent proofs meet.

When the step case still fails at k = depth the verdict is unknown ("induction did not close
at k=N"), with the counterexample to induction in `extra["cti"]`, marked as NOT necessarily
reachable.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import z3

from .. import ir
from ..encode import Encoding, SymState
from ..result import Result, Trace, Verdict
from .bmc import Progress, decode_trace
from .common import Budget, solver_for
from .coverage import attach_never_enabled
from .houdini import CERT_STATE, Lemmas, certificate_parts, core, houdini, lemma_formula
from .reach_lemmas import Learned, Overflow, Reachable, broken_in


def distinct(a: SymState, b: SymState) -> Any:
    return z3.Or([x != y for x, y in zip(a.leaves(), b.leaves(), strict=True)])


def cti_json(model: ir.Model, trace: Trace, k: int) -> dict[str, object]:
    from ..trace import trace_json

    doc = trace_json(model, trace)
    doc["k"] = k
    doc["note"] = ("counterexample to induction: NOT necessarily reachable (state 0 is any "
                   f"state satisfying the invariants; {k} steps keep them, the last breaks one)")
    return doc


PLAIN_K = 2  # plain induction first: small specs close at k <= 2 before lemmas would pay off


def certified(enc: Encoding, lemmas: Lemmas, budget: Budget | None = None) -> Lemmas:
    """The lemmas, re-checked by fresh solvers (engines/pdr.py): init => L, L and step =>
    L'. Houdini's own checks say the same; a failure here is a bug, never a proof: it
    raises `CertificateError`, and kind goes on without the lemmas (`strengthened`). When
    Houdini's last round was already the fresh check of `L and step => L'` over exactly
    these lemmas (NOTE(fresh-last-round)), that one obligation is not asked twice."""
    from .pdr import CertificateError, check_certificate

    s = enc.fresh_state(CERT_STATE)
    failure = check_certificate(enc, certificate_parts(enc, lemmas, s), s,
                                sorted(lemmas.proved), budget, step_checked=lemmas.step_checked)
    if failure is not None:
        raise CertificateError(f"auxiliary invariants fail their re-check ({failure})")
    return lemmas


SEARCH_STATES = 10_000  # NOTE(base-search): the state cap of the base case's explicit search


def searched_base(model: ir.Model, invariants: Sequence[str], depth: int,
                  budget: Budget, reach: Reachable | None = None) -> list[Result] | None:
    """NOTE(base-search): the base case for every depth at once, as the `bmc` engine runs
    it on a small state space (explicit.bounded_search: breadth-first to `depth`, the
    shortest canonical trace of each violation, bmc's coverage); None when the space is
    larger than SEARCH_STATES (the SAT base case then runs in lock-step with the step
    case) or under a solver resource limit (which asks for the solver's behaviour). A
    violated spec then costs kind what it costs bmc, instead of step cases of growing k
    until the base case reaches the violation's depth. With the whole reachable state
    space `reach` known, the cap is its size and its compiled model is reused."""
    if budget.rlimit is not None:
        return None
    from .explicit import bounded_search

    return bounded_search(model, invariants, depth, budget,
                          max_states=max(SEARCH_STATES, 0 if reach is None else len(reach.keys)),
                          cm=None if reach is None else reach.compiled)


def reached(model: ir.Model, budget: Budget) -> Reachable | Overflow | None:
    """NOTE(reach-lemmas): the complete reachable state space, when it is small; Overflow
    when it is not; None otherwise (as NOTE(base-search), not under a solver resource
    limit, which asks for the solver's behaviour)."""
    from .reach_lemmas import reachable  # (looked up per call: tests replace it)

    return None if budget.rlimit is not None else reachable(model, budget)


def reach_learned(model: ir.Model, enc: Encoding, invariants: Sequence[str],
                  budget: Budget, reach: Reachable | Overflow | None = None
                  ) -> Learned | Overflow | None:
    """NOTE(reach-lemmas): lemmas learned from the complete reachable state space `reach`
    (searched here when not given), when it is small; Overflow when it is not; None
    otherwise (as `reached`)."""
    if budget.rlimit is not None:
        return None
    from .reach_lemmas import learn, reachable

    reach = reach if reach is not None else reachable(model, budget)
    return learn(model, enc, invariants, budget, reach) if isinstance(reach, Reachable) \
        else reach


def search_coverage(model: ir.Model, out: list[Result], searched: list[Result] | None,
                    complete: Reachable | None) -> list[Result]:
    """Coverage without a solver: from the whole reachable state space when kind proved
    by it (NOTE(enumerated); exact, for every depth, as the explicit engine reports it),
    else the base search's, to the depth (bmc's, NOTE(base-search))."""
    if complete is not None:
        return attach_never_enabled(
            out, [a for a in model.live_actions() if a not in complete.fired], None)
    assert searched is not None
    return [replace(r, extra={**r.extra, **{key: s.extra[key] for key in
                                            ("never_enabled", "coverage_depth")
                                            if key in s.extra}})
            for r, s in zip(out, searched, strict=True)]


def kind(model: ir.Model, invariants: Sequence[str], depth: int, budget: Budget,
         enc: Encoding | None = None, progress: Progress | None = None,
         coverage: bool = True, strengthen: bool = True,
         show_invariant: bool = False, inductive: bool = False) -> list[Result]:
    """`show_invariant`: also find the lemmas' inductive core for `--show-invariant`
    (`inductive_invariant_clauses`); it costs about as much as the certificate, so only
    when asked. `inductive` (implied by `show_invariant`): prove by induction only, never
    by enumerating the reachable states (NOTE(enumerated))."""
    start = time.perf_counter()
    results: dict[str, Result] = {}
    lemmas: Lemmas | None = None
    refused: str | None = None  # why the auxiliary invariants were not used (debugging)
    # NOTE(reach-lemmas): a small, completely enumerated state space gives the lemmas
    reach = reached(model, budget) if strengthen else None
    complete = reach if isinstance(reach, Reachable) else None
    enumerated = complete is not None and not (inductive or show_invariant)
    broken = broken_in(model, complete, invariants) \
        if enumerated and complete is not None else None
    # more states within `depth` steps than the reachable-state search's cap, so more than
    # the base search's (NOTE(base-search)): it would stop at its cap too. Nothing to
    # search for when every invariant holds in the whole reachable state space.
    skip_search = (isinstance(reach, Overflow) and reach.level <= depth) or broken == frozenset()
    searched = None if skip_search else searched_base(model, invariants, depth, budget, complete)
    pending = list(dict.fromkeys(invariants))  # neither violated nor proved yet
    proved: list[str] = []

    def elapsed() -> float:
        return time.perf_counter() - start

    if searched is not None:  # NOTE(base-search): every depth's base case is known
        for r in searched:
            if r.verdict == Verdict.VIOLATED:
                results[r.invariant] = replace(r, engine="kind", seconds=elapsed(),
                                               extra={**r.extra, "decided_by": "bmc"})
        pending = [n for n in pending if n not in results]
    if broken is not None and complete is not None:
        # NOTE(enumerated): an invariant true in every reachable state holds at every depth
        n_reach = len(complete.keys)
        for name in pending:
            if name not in broken:
                results[name] = Result(
                    name, Verdict.HOLDS, "kind", None, elapsed(),
                    method=f"explicit-state search, all {n_reach} reachable states",
                    distinct_states=n_reach,
                    extra={"decided_by": "explicit", "reachable_states": n_reach})
                proved.append(name)
        pending = [n for n in pending if n not in results]
        if not pending:  # settled by the search: no solver at all
            out = [results[n] for n in invariants]
            return search_coverage(model, out, searched, complete) if coverage else out

    enc = enc or Encoding(model)
    base = solver_for(budget)
    bs: list[SymState] = [enc.fresh_state("b0")]
    bsel: list[Any] = []
    base.add(enc.init(bs[0]))

    step = solver_for(budget)
    ts: list[SymState] = [enc.fresh_state("t0")]
    tsel: list[Any] = []
    step.add(enc.wellformed(ts[0]))
    assume = {n: z3.Bool(f"assume:{n}") for n in invariants}
    last_cti: dict[str, tuple[z3.ModelRef, int]] = {}
    base_depth = -1

    def unknown_all(reason: str, bound: int) -> None:
        for n in pending:
            results[n] = Result(n, Verdict.UNKNOWN, "kind", max(bound, -1), elapsed(),
                                reason=reason)
        pending.clear()

    def out_of_time() -> bool:
        left = budget.remaining()
        return left is not None and left <= 0

    def strengthened(reach: Learned | None = None) -> Lemmas | None:
        """NOTE(auxiliary): the lemmas hold in every reachable state; the invariants among
        them are proved (k = 1), and every state of the step case may assume them. With
        `reach`, the lemmas learned from the reachable states (NOTE(reach-lemmas))."""
        nonlocal refused
        from .pdr import CertificateError

        found = houdini(model, enc, invariants, budget) if reach is None else reach.lemmas
        if found is None:
            return None
        try:
            found = certified(enc, found, budget)
        except CertificateError as err:  # a bug, but not a reason to stop: go on without
            refused = str(err)
            return None
        for t in ts:
            step.add(lemma_formula(enc, found, t))
        extra: dict[str, object] = {"k": 1, "decided_by": "kind",
                                    "auxiliary_invariants": len(found.clauses)}
        how = "" if reach is None else f" (learned from the {reach.states} reachable states)"
        if reach is not None:
            extra["auxiliary_invariants_from"] = reach.describe()
        if show_invariant and any(n in found.proved for n in pending):
            extra["inductive_invariant_clauses"] = core(enc, found, seconds=5.0,
                                                        budget=budget).shown()
        extra["certificate_rechecked"] = True
        for name in pending:
            if name in found.proved:
                results[name] = Result(
                    name, Verdict.HOLDS, "kind", None, elapsed(),
                    method=f"k-induction, k=1, with {len(found.clauses)} auxiliary invariants"
                           + how,
                    extra=dict(extra))
                proved.append(name)
        return found

    if searched is not None:
        base_depth = depth
    learned: Learned | None = None
    if complete is not None and pending:
        got = reach_learned(model, enc, invariants, budget, complete)
        learned = got if isinstance(got, Learned) else None

    for k in range(depth + 1):
        t_k = time.perf_counter()
        if searched is not None:
            if not pending or k == depth:
                break
            holding = pending
        # ---- base case at depth k (shortest violations)
        else:
            holding = []
        for name in pending if searched is None else []:
            bad = z3.Bool(f"bbad:{name}@{k}")
            base.add(z3.Implies(bad, z3.Not(enc.invariant_ok(name, bs[k]))))
            if out_of_time():
                unknown_all("timeout", k - 1)
                break
            a = budget.check(base, bad)
            if a.sat:
                trace = decode_trace(enc, base.model(), bs[: k + 1], bsel[:k])
                results[name] = Result(name, Verdict.VIOLATED, "kind", depth, elapsed(),
                                       trace=trace)
            elif a.unsat:
                holding.append(name)
            else:
                results[name] = Result(name, Verdict.UNKNOWN, "kind", k - 1, elapsed(),
                                       reason=a.reason)
        if searched is None:
            pending = [n for n in holding if n not in results]
            for name in pending + proved:
                base.add(enc.invariant_ok(name, bs[k]))
            base_depth = k
            if not pending or k == depth:
                if progress is not None:
                    progress("kind", k, time.perf_counter() - t_k)
                break
            nb = enc.fresh_state(f"b{k + 1}")
            sb = enc.fresh_selector(f"b{k}")
            base.add(*enc.step(bs[k], sb, nb))
            bs.append(nb)
            bsel.append(sb)

        # ---- step case with k+1 assumed states t_0..t_k -> t_{k+1}
        if learned is not None and k == 0:  # NOTE(reach-lemmas): before any step case
            lemmas = strengthened(learned)
            pending = [n for n in pending if n not in results]
            if not pending:
                break
        if strengthen and lemmas is None and k == min(PLAIN_K, depth - 1):
            lemmas = strengthened()
            pending = [n for n in pending if n not in results]
            if not pending:
                break
        for name in invariants:
            step.add(z3.Implies(assume[name], enc.invariant_ok(name, ts[k])))
        nt = enc.fresh_state(f"t{k + 1}")
        st = enc.fresh_selector(f"t{k}")
        step.add(*enc.step(ts[k], st, nt))
        if lemmas is not None:
            step.add(lemma_formula(enc, lemmas, nt))
        step.add(enc.wellformed(ts[k]))
        for j in range(k + 1):
            step.add(distinct(ts[j], nt))
        ts.append(nt)
        tsel.append(st)
        # NOTE(cut-short): only an unsat step case proves; a timeout or an unknown answer
        # leaves every remaining candidate unknown (it once left them to be "proved").
        cand = list(pending)
        closed = False
        while cand:
            if out_of_time():
                unknown_all("timeout", k)
                break
            goal = z3.Bool(f"sbad@{k + 1}:{len(cand)}")
            step.add(z3.Implies(goal, z3.Not(z3.And([enc.invariant_ok(n, nt) for n in cand]))))
            a = budget.check(step, goal, *[assume[n] for n in cand + proved])
            if a.unsat:
                closed = True
                break
            if a.unknown:
                unknown_all(a.reason or "solver gave up", k)
                break
            m = step.model()
            failing = [n for n in cand
                       if not z3.is_true(m.eval(enc.invariant_ok(n, nt), model_completion=True))]
            assert failing, "step case: a model that breaks the conjunction breaks a conjunct"
            for n in failing:
                last_cti[n] = (m, k + 1)
            cand = [n for n in cand if n not in failing]
        for name in cand if closed else []:
            results[name] = Result(name, Verdict.HOLDS, "kind", None, elapsed(),
                                   method=f"k-induction, k={k + 1}",
                                   extra={"k": k + 1, "decided_by": "kind"})
            proved.append(name)
        pending = [n for n in pending if n not in results]
        if progress is not None:
            progress("kind", k, time.perf_counter() - t_k)
        if not pending:
            break

    for name in pending:
        extra: dict[str, object] = {"k": depth}
        if name in last_cti:
            m, kk = last_cti[name]
            trace = decode_trace(enc, m, ts[: kk + 1], tsel[:kk])
            extra["cti"] = cti_json(model, trace, kk)
        if refused is not None:
            extra["auxiliary_invariants_refused"] = refused
        results[name] = Result(name, Verdict.UNKNOWN, "kind", base_depth, elapsed(),
                               reason=f"induction did not close at k={depth}", extra=extra)

    out = [results[n] for n in invariants]
    if coverage and searched is not None and lemmas is None:
        out = search_coverage(model, out, searched, complete if enumerated else None)
    elif coverage:
        from .coverage import never_enabled_bmc, never_enabled_under

        cov_depth: int | None = max(base_depth, 0)
        if lemmas is None:
            never = never_enabled_bmc(enc, max(base_depth, 0), budget)
        else:
            # the sampled runs show most actions firing; the auxiliary invariants prove
            # most of the others dead at every depth; BMC looks for what is left
            aux = lemmas
            unseen = [a for a in model.live_actions() if a not in aux.fired]
            dead = never_enabled_under(enc, lambda st: lemma_formula(enc, aux, st), unseen,
                                       budget)
            never = dead
            if len(dead) < len(unseen) and searched is not None:
                # the search's coverage covers the rest, to the depth (NOTE(base-search))
                cov = searched[0].extra
                cov_depth = cov.get("coverage_depth")  # type: ignore[assignment]
                listed = cov.get("never_enabled")
                never = None if not isinstance(listed, list) else [
                    a for a in model.actions if a in dead or a in listed]
            elif len(dead) < len(unseen):
                cov_depth = max(base_depth, min(depth, 10))
                found = never_enabled_bmc(enc, cov_depth, budget, aux.fired | set(dead))
                never = None if found is None else [a for a in model.actions
                                                    if a in dead or a in found]
            else:
                cov_depth = None
        out = attach_never_enabled(out, never, cov_depth)
    return out
