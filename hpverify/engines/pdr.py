"""IC3/PDR through Z3's Spacer (constrained Horn clauses) on the BMC encoding.

One predicate Inv over the state cells (the encoding's solver variables, `err` included),
the reachable states that satisfy `types`, and a query Bad:

    Inv(s) <- init(s), types(s)
    Inv(t) <- Inv(s), step(s, sel, t), types(t)
    Bad    <- init(s), not P(s)                 P = the conjunction of the invariants checked
    Bad    <- Inv(s), step(s, sel, t), not P(t)
    Bad    <- Inv(s), not P(s)

NOTE(typed-inv): a state outside `types` has no successor, so a reachable one is initial or
the last state of its run, and the two Bad rules check them where they arise. The encoding
leaves out that guard when no step can leave a type (NOTE(static-types), a stutter step
may then start anywhere); one query up front says whether it holds, and when it does not
PDR uses the plain clauses (`Inv(s) <- init(s)`, `Inv(t) <- Inv(s), step`, `Bad <- Inv(s),
not P(s)`). Spacer used
to see Inv over every bit pattern of every cell: with an initial state outside `types` and
products in the invariants it generalised lemma by lemma over the out-of-type values (a
one-state spec took a minute and 2 GB); bounded by `types`, it answers at once.

- unsat (unreachable): Spacer's inductive invariant is a CERTIFICATE. It is RE-CHECKED
  with fresh solvers (init => inv, inv and step => inv', inv => P), then minimised and
  re-checked again. A certificate that fails the re-check is refused: the verdict is
  `unknown` ("certificate refused: ..."), never a proof; a re-check cut short by the budget
  is `unknown` too (NOTE(budget)); a minimised one that fails falls back to the original.
  Otherwise every invariant in P is proved for all depths; the certificate is printed in
  the spec's own vocabulary (`extra["inductive_invariant"]`, see `render_invariant`; not
  "invariant", which the JSON result uses for the name).
- sat (reachable): BMC deepens from depth 0 until a violation appears, so the trace is a
  shortest one (and the front end replays it); those invariants are reported violated and
  PDR runs again on the rest.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import z3

from .. import ir
from ..encode import Encoding, SymState
from ..result import Result, Verdict
from .bmc import Progress, decode_trace
from .common import Answer, Budget, solver_for


class CertificateError(AssertionError):
    """An invariant the tool found does not re-check: a bug in the encoding or the solver."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a certificate was not accepted: an obligation that fails (`sat`), or whose
    check was cut short (`unknown`, with the reason)."""

    what: str
    answer: Answer

    @property
    def cut_short(self) -> bool:
        return self.answer.unknown

    def __str__(self) -> str:
        if self.cut_short:
            return f"{self.what}: {self.answer.reason}"
        return f"{self.what}: {self.answer.result}"


def _and(xs: Sequence[Any]) -> Any:
    return z3.And(list(xs)) if xs else z3.BoolVal(True)


class _Spacer:
    def __init__(self, enc: Encoding, budget: Budget) -> None:
        self.enc, self.budget = enc, budget
        self.s = enc.fresh_state("pdr_s")
        self.t = enc.fresh_state("pdr_t")
        self.sel = enc.fresh_selector("pdr")
        guard = z3.SolverFor("QF_BV")  # NOTE(typed-inv): no step from outside `types`?
        guard.add(z3.Not(enc.types_ok(self.s)), *enc.step(self.s, self.sel, self.t))
        self.typed = budget.check(guard).unsat

    def run(self, names: Sequence[str]) -> tuple[Any, Any | None, str | None]:
        """(z3.sat/unsat/unknown, invariant over self.s or None, reason)."""
        enc, s, t = self.enc, self.s, self.t
        fp = z3.Fixedpoint()
        fp.set(engine="spacer")
        fp.set("xform.inline_linear", False)
        fp.set("xform.inline_eager", False)
        sl, tl = s.leaves(), t.leaves()
        inv = z3.Function("Inv", *[x.sort() for x in sl], z3.BoolSort())
        bad = z3.Function("Bad", z3.BoolSort())
        fp.register_relation(inv, bad)
        fp.declare_var(*sl, *tl, self.sel)
        step = enc.step(s, self.sel, t)
        if self.typed:  # NOTE(typed-inv)
            fp.rule(inv(*sl), [enc.init(s), enc.types_ok(s)])
            fp.rule(inv(*tl), [inv(*sl), *step, enc.types_ok(t)])
            fp.rule(bad(), [enc.init(s), z3.Not(_and([enc.invariant_ok(n, s) for n in names]))])
            fp.rule(bad(), [inv(*sl), *step,
                            z3.Not(_and([enc.invariant_ok(n, t) for n in names]))])
        else:
            fp.rule(inv(*sl), enc.init(s))
            fp.rule(inv(*tl), [inv(*sl), *step])
        # redundant (an Inv state is initial or a successor), but it makes Spacer's Inv
        # imply P: the certificate shown is an inductive invariant that proves P
        fp.rule(bad(), [inv(*sl), z3.Not(_and([enc.invariant_ok(n, s) for n in names]))])
        a = self.budget.query(fp, bad())
        if a.unsat:
            try:
                return a.result, _definition(fp.get_answer(), inv, sl, self.budget), None
            except z3.Z3Exception as err:  # `qe` on Spacer's answer, cut short
                return z3.unknown, None, f"certificate unreadable ({err})"
        return a.result, None, a.reason


QE_SECONDS = 5.0  # NOTE(qe): at most this long for each quantifier elimination


def _definition(answer: Any, pred: Any, args: Sequence[Any], budget: Budget | None = None) -> Any:
    """Spacer's answer `ForAll(xs, Inv(xs) == body)` (a conjunct of it, with `Bad`) as body
    over `args`. Raises Z3Exception when a quantifier in it cannot be eliminated (NOTE(qe))."""
    if z3.is_and(answer):
        mine = [c for c in answer.children() if _mentions(c, pred)]
        if not mine:  # Inv unconstrained: true everywhere
            return z3.BoolVal(True)
        answer = mine[0]
    elif not _mentions(answer, pred):  # only `Bad`'s definition: Inv unconstrained
        return z3.BoolVal(True)
    if z3.is_quantifier(answer):
        answer = answer.body()
    if z3.is_app(answer) and answer.decl().eq(pred):  # Inv(xs): true everywhere
        return z3.BoolVal(True)
    if z3.is_not(answer) and answer.arg(0).decl().eq(pred):  # no reachable typed state
        return z3.BoolVal(False)
    assert z3.is_eq(answer) and answer.arg(0).decl().eq(pred), answer
    subs: list[Any] = [None] * len(args)
    for j, v in enumerate(answer.arg(0).children()):
        subs[z3.get_var_index(v)] = args[j]
    body = z3.substitute_vars(answer.arg(1), *subs)
    if _has_quantifier(body):  # Spacer may answer with `exists` (e.g. an inlined rule)
        body = _eliminated(body, budget or Budget())
    return body


def _eliminated(body: Any, budget: Budget) -> Any:
    """NOTE(qe): `body` without its quantifiers. Model-based projection (`qe2`) first, Z3's
    classic `qe` when that leaves one; each within the budget and QE_SECONDS (Budget.apply:
    z3.TryFor). `qe` alone once ran for over half an hour on a fuzzed spec's answer,
    ignoring `--timeout`, SIGINT and SIGTERM (Z3's interrupt does not reach it; TryFor's
    timer does, so a signal is answered within QE_SECONDS); `qe2` took 0.3 s there.
    Whatever the elimination returns is re-checked as the certificate, so it can cost a
    proof but never make one; a quantifier left is a Z3Exception (the caller's
    "certificate unreadable", unknown)."""
    for name in ("qe2", "qe"):
        got = budget.capped(QE_SECONDS).apply(z3.Then(name, "simplify"), body)
        if got is not None:
            expr = got.as_expr()
            if not _has_quantifier(expr):
                return expr
    raise z3.Z3Exception("a quantifier in the invariant could not be eliminated in time")


def _mentions(e: Any, pred: Any) -> bool:
    if z3.is_quantifier(e):
        return _mentions(e.body(), pred)
    if z3.is_app(e) and e.decl().eq(pred):
        return True
    return any(_mentions(c, pred) for c in e.children())


def _has_quantifier(e: Any) -> bool:
    if z3.is_quantifier(e):
        return True
    return any(_has_quantifier(c) for c in e.children())


def lemmas_of(f: Any) -> list[Any]:
    if z3.is_false(f):  # no reachable state within `types`
        return [f]
    if z3.is_and(f):
        out: list[Any] = []
        for c in f.children():
            out.extend(lemmas_of(c))
        return out
    if z3.is_true(f):
        return []
    return [f]


def step_obligation(enc: Encoding, lemmas: Sequence[Any], s: SymState) -> tuple[list[Any], SymState]:
    """`inv and step => inv'` (inv the conjunction of lemmas over s) as the constraints a
    fresh solver must find unsat, and the successor state t they name: the obligation of
    `check_certificate` that costs, built in one place so that Houdini's last round can be
    this very query (NOTE(fresh-last-round) in engines/houdini.py)."""
    inv = _and(lemmas)
    t = enc.fresh_state("cert_t")
    sel = enc.fresh_selector("cert")
    inv_t = z3.substitute(inv, *zip(s.leaves(), t.leaves(), strict=True))
    return [inv, *enc.step(s, sel, t), z3.Not(inv_t)], t


def check_certificate(enc: Encoding, lemmas: Sequence[Any], s: SymState, names: Sequence[str],
                      budget: Budget | None = None, typed: bool = False,
                      step_checked: bool = False) -> Refusal | None:
    """Re-check inv (the conjunction of lemmas over s) with fresh solvers; None if it is an
    inductive invariant implying every named invariant, else what fails (or was cut short:
    the checks draw on `budget`). `typed`: inv covers the reachable states within `types`
    (NOTE(typed-inv)), and the states outside it are checked where they arise.
    `step_checked` (not with `typed`): a fresh solver that saw nothing but
    `step_obligation(enc, lemmas, s)` already found it unsat (Houdini's last round,
    NOTE(fresh-last-round)); the other obligations are checked here as always."""
    budget = budget or Budget()
    assert not (typed and step_checked)
    inv = _and(lemmas)
    t = enc.fresh_state("cert_t")
    sel = enc.fresh_selector("cert")
    sub = list(zip(s.leaves(), t.leaves(), strict=True))
    prop = _and([enc.invariant_ok(n, s) for n in names])
    if typed:
        inv_t = z3.substitute(inv, *sub)
        prop_t = z3.substitute(prop, *sub)
        checks = [("init and types => inv", [enc.init(s), enc.types_ok(s), z3.Not(inv)]),
                  ("inv and step and types' => inv'",
                   [inv, *enc.step(s, sel, t), enc.types_ok(t), z3.Not(inv_t)]),
                  ("inv => property", [inv, z3.Not(prop)]),
                  ("init => property", [enc.init(s), z3.Not(prop)]),
                  ("inv and step => property'", [inv, *enc.step(s, sel, t), z3.Not(prop_t)]),
                  ("no step from outside types",
                   [z3.Not(enc.types_ok(s)), *enc.step(s, sel, t)])]
    else:
        checks = [("init => inv", [enc.init(s), z3.Not(inv)]),
                  ("inv => property", [inv, z3.Not(prop)])]
        if not step_checked:
            checks.insert(1, ("inv and step => inv'", step_obligation(enc, lemmas, s)[0]))
    for what, cs in checks:
        solver = z3.SolverFor("QF_BV")
        solver.add(*cs)
        a = budget.check(solver)
        if not a.unsat:
            return Refusal(what, a)
    return None


def minimise(enc: Encoding, lemmas: list[Any], s: SymState, names: Sequence[str],
             seconds: float, budget: Budget | None = None, typed: bool = True) -> list[Any]:
    """Drop lemmas the rest does not need (greedy, bounded by `seconds` of the budget): R
    stays inductive within `types` and implies the property, in R and in R's successors
    (NOTE(typed-inv)). Init (within `types`) implies every lemma already."""
    limit = (budget or Budget()).capped(seconds)
    t = enc.fresh_state("min_t")
    sel = enc.fresh_selector("min")
    sub = list(zip(s.leaves(), t.leaves(), strict=True))
    prop = _and([enc.invariant_ok(n, s) for n in names])
    solver = solver_for(limit)
    trans = z3.Bool("min_trans")
    solver.add(z3.Implies(trans, _and(enc.step(s, sel, t))))
    lits = [z3.Bool(f"lemma#{i}") for i in range(len(lemmas))]
    for lit, lem in zip(lits, lemmas, strict=True):
        solver.add(z3.Implies(lit, lem))
    no_prop = z3.Bool("min_no_prop")
    solver.add(z3.Implies(no_prop, z3.Not(prop)))
    typed_t = z3.Bool("min_typed_t")
    solver.add(z3.Implies(typed_t, enc.types_ok(t) if typed else z3.BoolVal(True)))
    no_prop_t = z3.Bool("min_no_prop_t")
    solver.add(z3.Implies(no_prop_t, z3.Not(z3.substitute(prop, *sub))))
    keep = [True] * len(lemmas)
    order = sorted(range(len(lemmas)), key=lambda i: -_size(lemmas[i]))
    for i in order:
        if limit.expired():
            break
        keep[i] = False
        kept = [lem for lem, k in zip(lemmas, keep, strict=True) if k]
        assumed = [lit for lit, k in zip(lits, keep, strict=True) if k]
        goal = z3.Bool(f"min_goal{i}")
        solver.add(z3.Implies(goal, z3.Not(z3.substitute(_and(kept), *sub))))
        # R => P; R and step and types' => R'; R and step => P'
        checks = [[no_prop], [trans, typed_t, goal]] + ([[trans, no_prop_t]] if typed else [])
        for extra in checks:
            if not limit.check(solver, *extra, *assumed).unsat:
                keep[i] = True
                break
    return [lem for lem, k in zip(lemmas, keep, strict=True) if k]


def _size(e: Any) -> int:
    return 1 + sum(_size(c) for c in e.children())


def pdr(model: ir.Model, invariants: Sequence[str], depth: int, budget: Budget,
        enc: Encoding | None = None, progress: Progress | None = None,
        minimise_seconds: float = 10.0) -> list[Result]:
    start = time.perf_counter()
    enc = enc or Encoding(model)
    spacer = _Spacer(enc, budget)
    results: dict[str, Result] = {}
    pending = list(dict.fromkeys(invariants))
    bmc_state = _Deepening(enc, budget)
    while pending:
        t0 = time.perf_counter()
        r, inv, reason = spacer.run(pending)
        if progress is not None:
            progress("pdr", len(pending), time.perf_counter() - t0)
        if r == z3.unknown:
            for n in pending:
                results[n] = Result(n, Verdict.UNKNOWN, "pdr", None if False else -1,
                                    time.perf_counter() - start, reason=reason)
            break
        if r == z3.unsat:
            assert inv is not None
            lemmas = lemmas_of(inv)
            typed = spacer.typed
            failure = check_certificate(enc, lemmas, spacer.s, pending, budget, typed=typed)
            if failure is not None:
                # NOTE(budget): a refused certificate is no proof, and no crash either
                why = (str(failure.answer.reason) if failure.cut_short
                       else f"certificate refused: {failure}")
                for n in pending:
                    results[n] = Result(n, Verdict.UNKNOWN, "pdr", -1, time.perf_counter() - start,
                                        reason=why)
                break
            small = minimise(enc, lemmas, spacer.s, pending, minimise_seconds, budget, typed)
            if small != lemmas and check_certificate(enc, small, spacer.s, pending,
                                                     budget, typed=typed) is not None:
                small = lemmas  # the original passed its re-check
            shown = render_invariant(enc, small, spacer.s, budget)
            extra: dict[str, object] = {
                "inductive_invariant": "\n".join(shown),
                "inductive_invariant_clauses": shown,
                "certificate_lemmas": len(small),
                "certificate_rechecked": True,
                "decided_by": "pdr",
            }
            elapsed = time.perf_counter() - start
            for n in pending:
                results[n] = Result(n, Verdict.HOLDS, "pdr", None, elapsed,
                                    method=f"PDR, inductive invariant of {len(small)} clauses, "
                                    "re-checked", extra=dict(extra))
            break
        # reachable: shortest traces from BMC
        found, cut = bmc_state.violations(pending)
        if cut is not None:
            for n in pending:
                results[n] = Result(n, Verdict.UNKNOWN, "pdr", bmc_state.depth - 1,
                                    time.perf_counter() - start, reason=cut)
            break
        for n, res in found.items():
            results[n] = Result(n, Verdict.VIOLATED, "pdr", depth, time.perf_counter() - start,
                                trace=res, extra={"decided_by": "pdr+bmc"})
        pending = [n for n in pending if n not in results]
    return [results[n] for n in invariants]


class _Deepening:
    """BMC from depth 0 upwards, kept across PDR rounds (the unrolling is reused)."""

    def __init__(self, enc: Encoding, budget: Budget) -> None:
        self.enc, self.budget = enc, budget
        self.solver = solver_for(budget)
        self.states = [enc.fresh_state("pb0")]
        self.sels: list[Any] = []
        self.solver.add(enc.init(self.states[0]))
        self.depth = 0  # next depth to examine

    def violations(self, names: Sequence[str]) -> tuple[dict[str, Any], str | None]:
        enc = self.enc
        while True:
            k = self.depth
            found: dict[str, Any] = {}
            for name in names:
                bad = z3.Bool(f"pbad:{name}@{k}")
                self.solver.add(z3.Implies(bad, z3.Not(enc.invariant_ok(name, self.states[k]))))
                a = self.budget.check(self.solver, bad)
                if a.sat:
                    found[name] = decode_trace(enc, self.solver.model(), self.states[: k + 1],
                                               self.sels[:k])
                elif a.unknown:
                    return {}, a.reason
            if found:
                return found, None
            for name in names:  # clean at depth k: a lemma for the deeper searches
                self.solver.add(enc.invariant_ok(name, self.states[k]))
            nxt = enc.fresh_state(f"pb{k + 1}")
            sel = enc.fresh_selector(f"pb{k}")
            self.solver.add(*enc.step(self.states[k], sel, nxt))
            self.states.append(nxt)
            self.sels.append(sel)
            self.depth = k + 1


# ---- the certificate in the spec's vocabulary ------------------------------------------
class _Cell:
    __slots__ = ("text", "type", "term")

    def __init__(self, text: str, t: ir.Type, term: Any) -> None:
        self.text, self.type, self.term = text, t, term


def _cells(enc: Encoding, s: SymState) -> dict[int, _Cell]:
    out: dict[int, _Cell] = {s.err.get_id(): _Cell("(a read/write error)", ir.BoolT(), s.err)}
    for v in enc.model.vars:
        for path, t in ir.slots(v.name, v.type):
            x = s.vars[v.name]
            vt: ir.Type = v.type
            for p in path:
                assert isinstance(vt, ir.FunT)
                x = x[vt.dom.values().index(p)]
                vt = vt.cod
            text = v.name + "".join(f"[{ir.key_string(p)}]" for p in path)
            out[x.get_id()] = _Cell(text, t, x)
    return out


def _leaves_in(e: Any, cells: dict[int, _Cell], acc: dict[int, _Cell]) -> None:
    if z3.is_const(e) and e.get_id() in cells:
        acc[e.get_id()] = cells[e.get_id()]
        return
    for c in e.children():
        _leaves_in(c, cells, acc)


def _show(v: ir.Value) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _set_text(cell: _Cell, vals: list[ir.Value]) -> str:
    dom = list(cell.type.values())
    if isinstance(cell.type, ir.BoolT):
        return cell.text if vals == [True] else f"not {cell.text}"
    rest = [d for d in dom if d not in vals]
    if len(vals) == 1:
        return f"{cell.text} = {_show(vals[0])}"
    if len(rest) == 1:
        return f"{cell.text} != {_show(rest[0])}"
    if isinstance(cell.type, ir.IntT):
        ints = [v for v in vals if isinstance(v, int)]  # every value of an int cell
        lo, hi = min(ints), max(ints)
        if ints == list(range(lo, hi + 1)):
            if lo == dom[0]:
                return f"{cell.text} <= {hi}"
            if hi == dom[-1]:
                return f"{cell.text} >= {lo}"
            return f"{cell.text} in {lo}..{hi}"
    return f"{cell.text} in {{{', '.join(_show(v) for v in vals)}}}"


def _literals(lemma: Any) -> list[Any]:
    if z3.is_or(lemma):
        out: list[Any] = []
        for c in lemma.children():
            out.extend(_literals(c))
        return out
    if z3.is_not(lemma) and z3.is_and(lemma.arg(0)):
        return [z3.Not(c) for c in lemma.arg(0).children()]
    if z3.is_implies(lemma):
        return [z3.Not(lemma.arg(0)), *_literals(lemma.arg(1))]
    return [lemma]


RENDER_VALUES = 4096  # a one-cell literal over more values is printed as it stands


def _few_values(t: ir.Type) -> bool:
    """Whether a one-cell literal over t is rendered as the set of values it allows."""
    if isinstance(t, ir.IntT) and t.lo is not None and t.hi is not None:
        return t.hi - t.lo + 1 <= RENDER_VALUES
    return True


def render_lemma(enc: Encoding, lemma: Any, cells: dict[int, _Cell]) -> str | None:
    """One clause as `premises implies conclusions` over the spec's names (exact in
    type-correct states); None for a clause that every type-correct state satisfies."""
    single: dict[int, tuple[_Cell, set[int]]] = {}  # cell -> allowed value positions
    relational: list[str] = []
    for lit in _literals(lemma):
        acc: dict[int, _Cell] = {}
        _leaves_in(lit, cells, acc)
        if len(acc) == 1 and _few_values(next(iter(acc.values())).type):
            (cid, cell), = acc.items()
            dom = list(cell.type.values())
            ok = set(single.get(cid, (cell, set()))[1])
            for i, d in enumerate(dom):
                val = z3.simplify(z3.substitute(lit, (cell.term, enc.const(d, cell.type))))
                if z3.is_true(val):
                    ok.add(i)
                elif not z3.is_false(val):  # pragma: no cover - a ground term simplifies
                    ok = set(range(len(dom)))
            single[cid] = (cell, ok)
        elif not acc:
            if z3.is_true(z3.simplify(lit)):
                return None
        else:
            relational.append(_expr_text(enc, lit, cells))
    premises: list[str] = []
    conclusions: list[str] = []
    for cell, ok in single.values():
        dom = list(cell.type.values())
        if len(ok) == len(dom):
            return None  # the clause holds whenever the cell is within its type
        if not ok:
            continue
        bad = [dom[i] for i in range(len(dom)) if i not in ok]
        good = [dom[i] for i in sorted(ok)]
        if isinstance(cell.type, ir.BoolT):
            (premises if good == [False] else conclusions).append(cell.text)
        elif len(bad) == 1 and len(good) > 1:
            premises.append(f"{cell.text} = {_show(bad[0])}")
        else:
            conclusions.append(_set_text(cell, good))
    conclusions += relational
    if not premises:
        return " or ".join(conclusions) if conclusions else "false"
    if not conclusions:
        if len(premises) == 1:
            return f"not {premises[0]}"
        if len(premises) == 2:  # `poison[1] implies not in_pool[1]`: later-declared first
            a, b = premises[1], premises[0]
            return f"{a} implies not {b}" if " " not in b else f"{a} implies not ({b})"
        return f"not ({' and '.join(premises)})"
    prem = " and ".join(premises)
    concl = " or ".join(conclusions)
    if len(premises) == 1 and len(conclusions) == 1 and concl.startswith("not "):
        return f"{prem} implies {concl}"
    return f"{prem} implies {concl}"


_OPS = {z3.Z3_OP_SLEQ: "<=", z3.Z3_OP_SLT: "<", z3.Z3_OP_SGEQ: ">=", z3.Z3_OP_SGT: ">",
        z3.Z3_OP_ULEQ: "<=", z3.Z3_OP_ULT: "<", z3.Z3_OP_UGEQ: ">=", z3.Z3_OP_UGT: ">",
        z3.Z3_OP_EQ: "=", z3.Z3_OP_DISTINCT: "!=", z3.Z3_OP_BADD: "+", z3.Z3_OP_BSUB: "-",
        z3.Z3_OP_BMUL: "*", z3.Z3_OP_LE: "<=", z3.Z3_OP_LT: "<", z3.Z3_OP_GE: ">=",
        z3.Z3_OP_GT: ">", z3.Z3_OP_ADD: "+", z3.Z3_OP_SUB: "-", z3.Z3_OP_MUL: "*"}


_SIGNED = {z3.Z3_OP_SLEQ, z3.Z3_OP_SLT, z3.Z3_OP_SGEQ, z3.Z3_OP_SGT}


def _expr_text(enc: Encoding, e: Any, cells: dict[int, _Cell]) -> str:
    if z3.is_const(e) and e.get_id() in cells:
        return cells[e.get_id()].text
    if z3.is_true(e):
        return "true"
    if z3.is_false(e):
        return "false"
    if z3.is_bv_value(e):
        return str(e.as_signed_long())
    if z3.is_int_value(e):
        return str(e.as_long())
    k = e.decl().kind() if z3.is_app(e) else None
    kids = e.children()
    if k == z3.Z3_OP_NOT:
        inner = kids[0]
        if z3.is_eq(inner):
            return f"{_expr_text(enc, inner.arg(0), cells)} != {_expr_text(enc, inner.arg(1), cells)}"
        return f"not ({_expr_text(enc, inner, cells)})"
    if k in (z3.Z3_OP_AND, z3.Z3_OP_OR):
        word = " and " if k == z3.Z3_OP_AND else " or "
        return "(" + word.join(_expr_text(enc, c, cells) for c in kids) + ")"
    if k == z3.Z3_OP_ITE:
        return (f"(if {_expr_text(enc, kids[0], cells)} then {_expr_text(enc, kids[1], cells)} "
                f"else {_expr_text(enc, kids[2], cells)})")
    if k == z3.Z3_OP_BADD and len(kids) == 2 and z3.is_bv_value(kids[0]) \
            and kids[0].as_signed_long() < 0:
        return f"{_wrap(enc, kids[1], cells)} - {-kids[0].as_signed_long()}"
    if k == z3.Z3_OP_EXTRACT:
        # NOTE(extract-text): bits lo..hi of a two's-complement int are (x / 2^lo) %
        # 2^(hi-lo+1) with the spec's floored `/` and `%`, a value in 0..2^(hi-lo+1)-1:
        # exact where it is compared unsigned or for equality (Spacer's parity lemmas,
        # `Extract(0, 0, target) != Extract(0, 0, free_huge)`); signed orders below fall
        # back to z3's syntax, which reads the top bit as a sign
        hi, lo = e.params()
        inner = _wrap(enc, kids[0], cells)
        if lo:
            inner = f"({inner} / {2 ** lo})"
        return f"({inner} % {2 ** (hi - lo + 1)})"
    if k in _OPS and len(kids) >= 2 and not (k in _SIGNED and any(
            z3.is_app_of(c, z3.Z3_OP_EXTRACT) for c in kids)):
        return f" {_OPS[k]} ".join(_wrap(enc, c, cells) for c in kids)
    if k == z3.Z3_OP_BNEG:
        return f"-{_wrap(enc, kids[0], cells)}"
    text = str(e)  # bit-level terms: z3's own syntax, cell names substituted
    for c in cells.values():
        text = text.replace(str(c.term), c.text)
    return text


def _wrap(enc: Encoding, e: Any, cells: dict[int, _Cell]) -> str:
    text = _expr_text(enc, e, cells)
    simple = z3.is_const(e) or z3.is_bv_value(e) or z3.is_int_value(e)
    return text if simple or text.startswith("(") else f"({text})"


def render_invariant(enc: Encoding, lemmas: Sequence[Any], s: SymState,
                     budget: Budget | None = None) -> list[str]:
    """The certificate as clauses over the spec's names, one string each, in type-correct
    states (lemmas that only say "every cell lies within its type" are left out: that is
    the `types` invariant, proved with the rest)."""
    cells = _cells(enc, s)
    del cells[s.err.get_id()]
    types = z3.And(enc.types_ok(s), enc.wellformed(s))
    out: list[str] = []
    for lem in lemmas:
        lem = z3.simplify(z3.substitute(lem, (s.err, z3.BoolVal(False))))
        solver = z3.SolverFor("QF_BV")
        solver.add(types, z3.Not(lem))
        if (budget or Budget()).check(solver).unsat:  # a type fact: `types` says it
            continue
        text = render_lemma(enc, lem, cells)
        if text is not None and text not in out:
            out.append(text)
    return sorted(out, key=lambda x: (len(x), x))
