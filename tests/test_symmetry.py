"""Symmetry reduction: the `symmetric type` declaration (a contextual word), the rules that
keep it sound (HP490-HP494, with positions), the canonical representatives and exact orbit
sizes of symmetry.py (against brute force over every permutation), and the explicit engine
with symmetry: TLC's state counts, orbit counts checked by hand, concrete traces, and the
same verdicts and shortest lengths as the spec without symmetry on every engine."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ROOT, prove_json
from hypothesis import HealthCheck, assume, given, settings
from specgen import specs

from hpverify import ir
from hpverify.check import check
from hpverify.diagnostics import HpError
from hpverify.engines.compiled import CompiledModel
from hpverify.engines.explicit import initial_cells
from hpverify.lower import lower
from hpverify.parse import parse_text
from hpverify.symcheck import check_symmetry
from hpverify.symmetry import KeySymmetry, Symmetry

FIRST_CUT = ROOT / "benchmarks" / "first_cut.hp"
FIRST_CUT_SYM = ROOT / "benchmarks" / "first_cut_sym.hp"


def model_of(text: str, consts: dict[str, str] | None = None) -> ir.Model:
    return lower(check(parse_text(text, "t.hp"), consts or {}))


def errs(text: str) -> list[tuple[str, int, int]]:
    with pytest.raises(HpError) as info:
        check(parse_text(text, "t.hp"), {})
    return [(d.code, d.span.line, d.span.col) for d in info.value.diagnostics]


# ---- the declaration ----------------------------------------------------------------------
def test_declaration_marks_the_range_and_the_model() -> None:
    m = model_of("spec t\nconst N = 3\nsymmetric type Cpu = 1..N\nvar on: Cpu -> bool\n"
                 "action a(c: Cpu) { on'[c] = true }\n")
    assert m.symmetric == (ir.SymmetricType("Cpu", (1, 2, 3)),)
    t = m.var_type("on")
    assert isinstance(t, ir.FunT) and isinstance(t.dom, ir.IntT) and t.dom.sym == "Cpu"
    assert t.dom == ir.IntT(1, 3)  # the marker is out of equality: consumers see 1..3
    assert m.instances[0].param_types[0].sym == "Cpu"  # type: ignore[union-attr]


@pytest.mark.parametrize("text", [
    "spec t\nvar symmetric: bool\ninit { symmetric }\ninvariant i: symmetric\n",
    "spec t\nconst symmetric = 2\nvar x: 0..symmetric\n",
    "spec t\ntype symmetric = 1..2\nvar x: symmetric\n",
    "spec t\nvar x: bool\naction symmetric { x' = true }\ninvariant symmetric: true\n",
    "spec t\nvar a: 0..1\nvar b: 0..1\ninit { a = 1  b = 0 }\n",
])
def test_symmetric_stays_usable_as_a_name(text: str) -> None:
    assert model_of(text).symmetric == ()


def test_misspelt_word_is_a_syntax_error() -> None:
    with pytest.raises(HpError) as info:
        parse_text("spec t\nsymetric type Cpu = 1..2\n", "t.hp")
    (d,) = info.value.diagnostics
    assert (d.code, d.span.line, d.span.col, d.message) == ("HP002", 2, 1,
                                                             "unexpected name 'symetric'")


# ---- the rules (NOTE(symmetry-rules)) -------------------------------------------------------
HEAD = "spec t\nconst N = 3\nsymmetric type Cpu = 1..N\nvar pc: Cpu -> {idle, busy}\n"

REJECTED = [
    # (spec text after HEAD, [(code, line, col)])
    ("symmetric type Node = {a, b}\n", [("HP490", 5, 23)]),
    ("symmetric type F = bool\n", [("HP490", 5, 20)]),
    ("init { pc[1] = idle }\n", [("HP491", 5, 11)]),                        # a literal
    ("init { forall c in Cpu: pc[c] = idle or c = N }\n", [("HP491", 5, 45)]),  # a constant
    ("var cache: 0..N\ninvariant i: forall c in Cpu: cache = c implies pc[c] = busy\n",
     [("HP491", 6, 31)]),                                                   # an ordinary var
    ("action a(c: 1..N) { pc'[c] = busy }\n", [("HP491", 5, 25)]),        # a subrange parameter
    ("invariant i: exists c in 1..2: pc[c] = busy\n", [("HP491", 5, 35)]),  # a subrange quantifier
    ("var owner: Cpu\naction a { owner' = 1 }\n", [("HP491", 6, 21)]),
    ("var owner: Cpu\ninvariant i: forall c in Cpu: (if pc[c] = busy then c else 1) = owner\n",
     [("HP491", 6, 60)]),
    ("var g: Cpu -> bool\naction a { g' = [c in 1..N: true] }\n", [("HP491", 6, 17)]),
    ("action a(c: Cpu) { require c < N  pc'[c] = busy }\n", [("HP492", 5, 28)]),
    ("action a(c: Cpu, d: Cpu) { require c + 1 = d  pc'[c] = busy }\n", [("HP492", 5, 36)]),
    ("invariant i: forall c in Cpu: exists d in 1..c: pc[c] = pc[d]\n",
     [("HP491", 5, 60), ("HP492", 5, 46)]),
    ("var cache: 0..N\naction a(c: Cpu) { cache' = c }\n", [("HP493", 6, 29)]),
    ("var g: 1..N -> bool\naction a(c: Cpu) { g'[c] = true }\n", [("HP493", 6, 23)]),
    ("var g: 1..N -> bool\ninvariant i: forall c in Cpu: g[c]\n", [("HP493", 6, 33)]),
    ("invariant i: forall c in Cpu: pc[c] = busy implies c in 1..2\n", [("HP494", 5, 57)]),
    ("invariant i: (max c in Cpu: c) = N\n", [("HP492", 5, 29)]),            # order
    ("invariant i: pc[choose c in Cpu: pc[c] = busy] = busy\n", [("HP492", 5, 17)]),
    ("invariant i: (let d = 1 in pc[d]) = busy\n", [("HP491", 5, 31)]),
    ("def isbusy(c: Cpu) = pc[c] = busy\ninvariant i: isbusy(1)\n", [("HP491", 6, 21)]),
    ("def inc(v: 0..N) = v + 1\ninvariant i: forall c in Cpu: inc(c) > 0\n",
     [("HP493", 6, 35)]),                                                  # a def's int param
    ("var owner: Cpu\ndef who = owner\ninvariant i: who = 1\n", [("HP491", 7, 20)]),
    ("invariant i: forall c in Cpu: max(c, 1) >= 1\n", [("HP492", 5, 35)]),
    ("def early(c: Cpu) = c < 2\n", [("HP492", 5, 21)]),                  # checked unused too
    ("var owner: Cpu\ndef who = owner\ninvariant i: card({who}) = 1\n", [("HP490", 7, 14)]),
    ("var s: set of Cpu\naction a(c: Cpu) { s' = union(s, {c}) }\n", [("HP490", 6, 25)]),
]


@pytest.mark.parametrize("text,want", REJECTED, ids=[w[0][0] + f"-{i}" for i, (_, w)
                                                      in enumerate(REJECTED)])
def test_rule_breaks_are_rejected_with_positions(text: str, want: list[tuple[str, int, int]]
                                                 ) -> None:
    assert sorted(errs(HEAD + text)) == sorted(want)


ALLOWED = [
    "var owner: Cpu\nvar held: bool\naction take(c: Cpu) by c { require not held  "
    "owner' = c  held' = true }\ninvariant i: held implies pc[owner] = idle\n",
    "var next: Cpu -> Cpu\ninit { forall c in Cpu: next[c] = c }\n"
    "action a(c: Cpu, d: Cpu) { require c != d  next'[c] = next[d] }\n",
    "invariant i: (count c in Cpu: pc[c] = busy) <= 1 and (forall c in Cpu: c in Cpu)\n",
    "var g: Cpu -> bool\naction a(c: Cpu) { let d = c  g' = [e in Cpu: e = d] }\n",
    "invariant i: forall c in Cpu: (let d = c in pc[d] = busy) or pc[c] = idle\n",
    "def isbusy(c: Cpu) = pc[c] = busy\ndef cap = N - 1\nvar owner: Cpu\ndef who = owner\n"
    "invariant i: forall c in Cpu: (isbusy(c) or who = c) and max(cap, 1) >= 1\n",
    "invariant i: (sum c in Cpu: if pc[c] = busy then 1 else 0) <= N and (min c in Cpu: 0) = 0"
    " and (choose k in 1..N: k = N) = N\n",
    "type Z = {c0}\naction a(c: Cpu) by c { pc'[c] = (if pc[c] = idle then busy else idle) }\n"
    "action b by c0 { pc' = [c in Cpu: idle] }\n",
]


@pytest.mark.parametrize("text", ALLOWED)
def test_symmetric_uses_are_accepted(text: str) -> None:
    assert model_of(HEAD + text).symmetric


def test_an_unknown_construct_touching_a_symmetric_value_is_refused() -> None:
    """A construct added to the language later (here a stand-in) is refused, not trusted."""
    from dataclasses import dataclass

    from hpverify import syntax as s
    from hpverify.diagnostics import Span

    @dataclass(frozen=True)
    class ProcessDecl:
        name: str
        body: tuple[object, ...]
        span: Span

    spec = parse_text(HEAD, "t.hp")
    at = Span("t.hp", 9, 1, 9, 8)
    odd = ProcessDecl("p", (s.Name("pc", at),), at)
    checked = check(spec, {})
    diags = check_symmetry(replace(spec, decls=(*spec.decls, odd)),  # type: ignore[arg-type]
                           {v.name: v.type for v in checked.vars},
                           {"Cpu": ir.IntT(1, 3, sym="Cpu")}, list(checked.symmetric))
    assert [(d.code, d.span.line) for d in diags] == [("HP490", 9)]


def test_page_cannot_be_symmetric_in_first_cut() -> None:
    text = FIRST_CUT.read_text().replace("type Page = 1..NPAGES", "symmetric type Page = 1..NPAGES")
    codes = {c for c, _, _ in errs(text)}
    assert codes == {"HP491", "HP493"}  # `cache` and `target` keep 0 for "none"


# ---- canonical forms and orbit sizes against brute force ---------------------------------------
def reachable(model: ir.Model) -> list[tuple[object, ...]]:
    cm = CompiledModel(model)
    seen = dict.fromkeys(c for c, _ in initial_cells(model))
    todo = list(seen)
    while todo:
        for _, c2, _ in cm.successors(todo.pop()):
            if c2 not in seen:
                seen[c2] = None
                todo.append(c2)
    return list(seen)


REFINE_SPEC = """spec r
symmetric type P = 1..3
symmetric type Q = 1..2
var next: P -> P
var tok: P -> bool
var q: Q
var m: Q -> bool
init { forall p in P: next[p] = p and not tok[p] }
action link(p: P, o: P) { require not tok[o]  next'[p] = o  tok'[p] = true }
action flip(r: Q) { m'[r] = not m[r]  q' = r }
"""


@pytest.mark.parametrize("text,consts,simple", [
    (FIRST_CUT_SYM.read_text(), {"NPAGES": "2", "NFAULT": "3", "VARIANT": "unpatched"}, True),
    (HEAD + "var n: Cpu -> 0..2\naction a(c: Cpu) { pc'[c] = busy\n"
     "  n'[c] = (if n[c] < 2 then n[c] + 1 else 0) }\n", {}, True),
    (HEAD + "var owner: Cpu\naction a(c: Cpu) { owner' = c  pc'[c] = busy }\n", {}, True),
    (HEAD + "var next: Cpu -> Cpu\ninit { forall c in Cpu: next[c] = c }\n"
     "action a(c: Cpu, d: Cpu) { next'[c] = d  pc'[d] = busy }\n", {}, False),
    (REFINE_SPEC, {}, False),
], ids=["rows", "wide-rows", "pointer", "cpu-to-cpu", "two-types"])
def test_canon_is_an_orbit_invariant_and_orbit_sizes_are_exact(
        text: str, consts: dict[str, str], simple: bool) -> None:
    model = model_of(text, consts)
    sym = Symmetry(model)
    assert sym.simple == simple
    perms = list(itertools.product(*(itertools.permutations(range(n)) for n in sym.sizes)))
    states = reachable(model)
    for refine_only in (False, True):  # the general method must work on the simple case too
        sym = Symmetry(model, refine_only)
        for s in states[:400]:
            images = {sym.apply(s, p) for p in perms}
            c = sym.canon(s)
            assert c in images
            assert all(sym.canon(x) == c for x in images)
            assert sym.orbit_size(s) == len(images)


ROWS_SPEC = """spec k
symmetric type P = 1..3
symmetric type Q = 1..2
type Pg = 1..2
var pc: P -> {idle, busy, done}
var f: Pg -> P -> bool
var n: Q -> 0..2
var g: Q -> Pg -> bool
var x: 0..1
init { forall p in P: pc[p] = idle and not f[1][p] and not f[2][p]
  forall q in Q: n[q] = 0 and not g[q][1] and not g[q][2]  x = 0 }
action go(p: P, k: Pg) { require pc[p] != done  pc'[p] = (if pc[p] = idle then busy else done)
  f'[k][p] = not f[k][p]  x' = 1 - x }
action up(q: Q, k: Pg) { require n[q] < 2  n'[q] = n[q] + 1  g'[q][k] = true }
"""


POINTERS_SPEC = """spec k
symmetric type C = 1..4
type Pg = 1..2
var pc: C -> {idle, busy}
var n: C -> 0..1
var owner: C
var holder: Pg -> C
init { forall c in C: pc[c] = idle and n[c] = 0 }
action take(c: C, k: Pg) { require pc[c] = idle  holder'[k] = c  pc'[c] = busy }
action own(c: C) { owner' = c  n'[c] = 1 - n[c] }
action drop(c: C) { require pc[c] = busy  pc'[c] = idle }
"""


@pytest.mark.parametrize("text,consts,packed", [
    (FIRST_CUT_SYM.read_text(), {"NPAGES": "2", "NFAULT": "3", "VARIANT": "unpatched"}, True),
    (ROWS_SPEC, {}, True),
    (HEAD + "var owner: Cpu\naction a(c: Cpu) { owner' = c  pc'[c] = busy }\n", {}, True),
    (POINTERS_SPEC, {}, True),
    (REFINE_SPEC, {}, False),
], ids=["rows", "rows-two-types-inner-index", "pointer", "pointers", "two-types"])
def test_canon_on_packed_keys_is_exact(text: str, consts: dict[str, str], packed: bool) -> None:
    """NOTE(packed-canon): the explicit engine's canon on keys picks one key per orbit (on
    the packed int when only row variables move), and its orbit sizes are exact."""
    model = model_of(text, consts)
    sym = Symmetry(model)
    cm = CompiledModel(model)
    keys = KeySymmetry(sym, cm.cells_of, cm.key, cm.layout.shift, cm.layout.width)
    assert keys.packed == packed
    assert keys.brute == (not packed)  # NOTE(brute-canon): 3! x 2! permutations
    perms = list(itertools.product(*(itertools.permutations(range(n)) for n in sym.sizes)))
    states = reachable(model)
    assert len(states) > 20
    for s in states[:400]:
        images = {cm.key(sym.apply(s, p), False) for p in perms}
        c = keys.canon(cm.key(s, False))
        assert c in images
        assert all(keys.canon(x) == c for x in images)
        assert keys.orbit(c) == keys.orbit(cm.key(s, False)) == len(images)
        bad = ("err", *s)  # a tagged tuple goes through the cells
        assert keys.canon(bad) == ("err", *sym.canon(s))


# ---- the explicit engine ---------------------------------------------------------------------
def explicit_json(path: Path | str, *args: str) -> dict[str, dict]:
    code, doc = prove_json(str(path), "--engine", "explicit", "--no-progress", *args)
    assert code in (0, 1), doc
    return {r["invariant"]: r for r in doc["specs"][0]["results"]}


@pytest.mark.parametrize("text,states,orbits", [
    # every subset of 3 switches: 8 states; an orbit per number of switches on
    ("spec t\nsymmetric type C = 1..3\nvar on: C -> bool\ninit { forall c in C: not on[c] }\n"
     "action flip(c: C) { on'[c] = not on[c] }\n", 8, 4),
    # a leader (any of 3) and any switches: 3 * 8 states; orbits: the leader's switch
    # (2) times how many of the other two are on (3)
    ("spec t\nsymmetric type C = 1..3\nvar leader: C\nvar on: C -> bool\n", 24, 6),
    # 4 idle CPUs that each enter once, one at a time: 1 + 4 states; 2 orbits
    ("spec t\nsymmetric type C = 1..4\nvar pc: C -> {idle, done}\nvar busy: bool\n"
     "init { forall c in C: pc[c] = idle  not busy }\n"
     "action go(c: C) { require not busy and pc[c] = idle  pc'[c] = done  busy' = true }\n",
     5, 2),
], ids=["switches", "leader", "once"])
def test_orbit_counts_checked_by_hand(tmp_spec, text: str, states: int, orbits: int) -> None:
    r = explicit_json(tmp_spec(text))["types"]
    assert (r["distinct_states"], r["orbits"]) == (states, orbits)
    r = explicit_json(tmp_spec(text), "--no-symmetry")["types"]
    assert r["distinct_states"] == states and "orbits" not in r


@pytest.mark.parametrize("variant,counts", [
    ("unpatched", ((1, 16, 16), (2, 112, 73), (3, 749, 256))),
    ("patched", ((1, 13, 13), (2, 98, 63), (3, 650, 220))),
    ("patched_norc", ((1, 15, 15), (2, 110, 71), (3, 728, 247))),
])
def test_first_cut_sym_counts_tlc_states_and_orbits(variant: str,
                                                   counts: tuple[tuple[int, int, int], ...]
                                                   ) -> None:
    for n, states, orbits in counts:
        r = explicit_json(FIRST_CUT_SYM, "--inv", "accounting", "--const", f"VARIANT={variant}",
                          "--const", f"NPAGES={n}", "--const", f"NFAULT={n}")["accounting"]
        assert (r["verdict"], r["distinct_states"], r["orbits"]) == ("holds", states, orbits)
        assert f"{states} states in {orbits} orbits" in r["method"]


@pytest.mark.parametrize("text,length", [
    (ROWS_SPEC + "invariant small: (count p in P: pc[p] = done) <= 1\n", 4),
    (POINTERS_SPEC + "invariant few: (count c in C: pc[c] = busy) <= 2\n", 3),
], ids=["rows", "pointers"])
def test_packed_canon_keeps_counts_lengths_and_replayable_traces(text: str, length: int) -> None:
    """NOTE(packed-canon) in the engine: the same counts and shortest lengths as without
    symmetry, and the trace found on representatives is a real run."""
    from hpverify.engines.common import Budget
    from hpverify.engines.explicit import explicit
    from hpverify.trace import replay

    model = model_of(text)
    names = [inv.name for inv in model.invariants]
    a = explicit(model, names, 30, Budget(), stop_when_settled=False)
    b = explicit(replace(model, symmetric=()), names, 30, Budget(), stop_when_settled=False)
    assert a[0].distinct_states == b[0].distinct_states
    assert a[0].extra["orbits"] < b[0].distinct_states  # type: ignore[operator]
    assert [r.verdict for r in a] == [r.verdict for r in b] == ["violated"]
    assert a[0].trace is not None and b[0].trace is not None
    assert a[0].trace.length == b[0].trace.length == length
    replay(model, a[0].trace, a[0].invariant)


def test_same_counts_with_and_without_symmetry_on_a_two_type_spec(tmp_spec) -> None:
    path = tmp_spec(REFINE_SPEC)
    a = explicit_json(path)["types"]
    b = explicit_json(path, "--no-symmetry")["types"]
    assert a["distinct_states"] == b["distinct_states"] == 400
    assert a["orbits"] < b["distinct_states"] and a["diameter"] == b["diameter"]


def _shape(results: dict[str, dict]) -> dict[str, tuple[object, ...]]:
    return {n: (r["verdict"], r["trace"]["length"] if r["trace"] else None,
                r["trace"]["states"] if r["trace"] else None,
                [(s["action"], s["params"]) for s in r["trace"]["steps"]] if r["trace"] else None)
            for n, r in results.items()}


@pytest.mark.parametrize("engine", ["explicit", "bmc", "kind", "kind_inductive", "pdr", "auto"])
def test_same_verdicts_lengths_and_traces_as_without_symmetry(engine: str) -> None:
    """first_cut_sym (2 CPUs, symmetric) against first_cut on each engine, every variant:
    the same verdicts, shortest lengths and (canonical, concrete, replayed) traces
    (kind_inductive: kind's inductive proof, NOTE(enumerated))."""
    chosen = ("--engine", "kind", "--inductive") if engine == "kind_inductive" else \
        ("--engine", engine)
    args = (*chosen, "--no-progress", "--const", "VARIANT=unpatched,patched,patched_norc")
    code_a, a = prove_json(str(FIRST_CUT_SYM), *args)
    code_b, b = prove_json(str(FIRST_CUT), *args)
    assert code_a == code_b == 0  # every expectation of the table met
    for sa, sb in zip(a["specs"], b["specs"], strict=True):
        assert sa["consts"] == sb["consts"]
        got = _shape({r["invariant"]: r for r in sa["results"]})
        want = _shape({r["invariant"]: r for r in sb["results"]})
        assert got == want
    lengths = {(s["consts"]["VARIANT"], r["invariant"]): r["trace"]["length"]
               for s in a["specs"] for r in s["results"] if r["trace"]}
    assert lengths == {("unpatched", "no_sigbus"): 6, ("unpatched", "poison_contained"): 2,
                       ("patched_norc", "no_sigbus"): 7, ("patched_norc", "poison_contained"): 5}


def test_counterexample_is_concrete_from_a_real_initial_state(tmp_spec) -> None:
    """The search runs on representatives; the trace shown takes real steps (replayed)."""
    text = HEAD + ("var owner: Cpu\nvar held: bool\ninit { forall c in Cpu: pc[c] = idle\n"
                   "  not held }\naction take(c: Cpu) by c { require not held  owner' = c  "
                   "held' = true  pc'[c] = busy }\n"
                   "action give(c: Cpu) by c { require owner = c and held  held' = false }\n"
                   "invariant few: (count c in Cpu: pc[c] = busy) < N\n")
    r = explicit_json(tmp_spec(text))["few"]
    assert r["verdict"] == "violated" and r["trace"]["length"] == 5
    steps = [(s["action"], s["params"]["c"]) for s in r["trace"]["steps"]]
    assert steps == [("take", 1), ("give", 1), ("take", 2), ("give", 2), ("take", 3)]
    assert r["trace"]["states"][-1]["pc"] == {"1": "busy", "2": "busy", "3": "busy"}


def test_explicit_engine_trace_is_concrete_and_replays() -> None:
    """The engine's own trace (before the pipeline picks the canonical one): a path of real
    states from a real initial state, which the evaluator replays."""
    from hpverify.engines.common import Budget
    from hpverify.engines.explicit import explicit
    from hpverify.trace import replay

    text = FIRST_CUT_SYM.read_text()
    model = model_of(text, {"VARIANT": "unpatched", "NPAGES": "2", "NFAULT": "3"})
    (r,) = explicit(model, ["no_sigbus"], 20, Budget())
    assert r.verdict == "violated" and r.trace is not None and r.trace.length == 6
    assert r.extra["orbits"] < r.distinct_states  # type: ignore[operator]
    replay(model, r.trace, "no_sigbus")


def test_tla_symmetry_gets_a_hint() -> None:
    with pytest.raises(HpError) as info:
        parse_text("spec t\nconst N = 2\nSYMMETRY Perms\n", "t.hp")
    (d,) = info.value.diagnostics
    assert (d.code, d.span.line, d.span.col) == ("HP006", 3, 1)
    assert d.message == "unknown declaration `SYMMETRY`; did you mean `symmetric type`?"


# ---- differential: random specs (tests/specgen.py) with their range R declared symmetric ----
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(specs())
def test_random_symmetric_specs_agree_with_the_search_without_symmetry(text: str) -> None:
    """The specs the rules accept (about half) give the same verdicts, state counts and
    shortest lengths with and without symmetry, and the traces found on representatives
    replay: a check of the rules (NOTE(symmetry-rules)) and of the canonical forms."""
    from hpverify.engines.common import Budget
    from hpverify.engines.explicit import explicit
    from hpverify.trace import replay

    try:
        model = model_of(text.replace("type R = ", "symmetric type R = ", 1))
    except HpError as exc:
        assume(False)
        raise AssertionError from exc  # pragma: no cover
    assert model.symmetric
    names = [inv.name for inv in model.invariants] + [ir.TYPES]
    with_sym = explicit(model, names, 30, Budget())
    without = explicit(replace(model, symmetric=()), names, 30, Budget())
    for a, b in zip(with_sym, without, strict=True):
        assert a.verdict == b.verdict, text
        if a.verdict == "violated":
            assert a.trace is not None and b.trace is not None
            assert a.trace.length == b.trace.length, text
            replay(model, a.trace, a.invariant)
        elif a.bound is None:  # the whole state space: TLC's count either way
            assert a.distinct_states == b.distinct_states, text


# ---- processes and locks over a symmetric type (NOTE(symmetric-owners)) ---------------------
PROC_LOCK = """spec pl
const N = 3
symmetric type Cpu = 1..N
lock l
var cnt: 0..N
init { cnt = 0 }
process worker(c: Cpu) {
  a: lock(l)
  b: cnt' = cnt + 1
  d: cnt' = cnt - 1
  e: unlock(l)
}
invariant one: cnt <= 1
invariant never_two_done: (count c in Cpu: worker[c]@done) < 2
"""

# two processes over Cpu own the lock (two tags), and a double unlock reaches `(bad unlock)`
PROC_TWO = PROC_LOCK.replace("invariant one", """process rogue(c: Cpu) {
  r: lock(l)
  s: unlock(l)
  t: unlock(l)
}
invariant one""")

PROC_FAMILY = """spec pf
const N = 3
symmetric type Cpu = 1..N
symmetric type Page = 1..2
lock pool
lock page_lock: Page
var free: Page -> bool
var holder: Page -> Cpu
init { forall p in Page: free[p] }
process fault(c: Cpu) {
  local mine: Page
  local got: bool = false
  pick(p: Page): lock(page_lock[p])
                 mine' = p
  take: lock(pool)
        if free[mine] { free'[mine] = false  got' = true  holder'[mine] = c }
        unlock(pool)
  drop: unlock(page_lock[mine])
  give: if got { lock(pool)  free'[mine] = true  unlock(pool) }
}
invariant some_free: exists p in Page: free[p]
invariant held_by_owner: forall c in Cpu: fault[c]@drop implies
  (exists p in Page: not free[p] and holder[p] = c)
"""


def test_a_lock_owned_by_instances_over_a_symmetric_type_is_a_pointer() -> None:
    """`worker(1)`..`worker(3)` name the values of Cpu: the lock is a pointer variable
    (rows and pointers, packed); a family of such locks indexed by another symmetric type
    needs the general method."""
    model = model_of(PROC_LOCK)
    owner = next(v.type for v in model.vars if v.name == "l")
    assert isinstance(owner, ir.EnumT)
    assert owner.sym == (("Cpu", 1),) and owner.members[1:4] == ("worker(1)", "worker(2)",
                                                                 "worker(3)")
    sym = Symmetry(model)
    assert sym.simple and len(sym.pointers[0]) == 1
    assert not Symmetry(model_of(PROC_FAMILY)).simple


@pytest.mark.parametrize("text", [PROC_LOCK, PROC_TWO, PROC_FAMILY],
                         ids=["lock", "two-owners", "lock-family"])
def test_owner_values_move_with_the_permutation(text: str) -> None:
    """Against brute force over every permutation: canon is an orbit invariant, on cells
    (both methods) and on the explicit engine's keys, and orbit sizes are exact."""
    model = model_of(text)
    cm = CompiledModel(model)
    perms = list(itertools.product(*(itertools.permutations(range(n))
                                     for n in Symmetry(model).sizes)))
    states = reachable(model)
    assert len(states) > 40
    for refine_only in (False, True):
        sym = Symmetry(model, refine_only)
        keys = KeySymmetry(sym, cm.cells_of, cm.key, cm.layout.shift, cm.layout.width)
        for s in states[:300]:
            images = {sym.apply(s, p) for p in perms}
            c = sym.canon(s)
            assert c in images and all(sym.canon(x) == c for x in images)
            assert sym.orbit_size(s) == len(images)
            ks = {cm.key(x, False) for x in images}
            k = keys.canon(cm.key(s, False))
            assert k in ks and all(keys.canon(x) == k for x in ks)
            assert keys.orbit(k) == len(images)


def test_brute_force_canon_only_for_small_groups() -> None:
    """NOTE(brute-canon): at most BRUTE_GROUP permutations are tried one by one (on cells
    and on packed keys); beyond, the refine method, whose classes are exact too."""
    from hpverify.symmetry import BRUTE_GROUP

    cpu_to_cpu = ("var next: Cpu -> Cpu\ninit { forall c in Cpu: next[c] = c }\n"
                  "action a(c: Cpu, d: Cpu) { next'[c] = d  pc'[d] = busy }\n")
    small = Symmetry(model_of(HEAD + cpu_to_cpu))
    big = Symmetry(model_of(HEAD.replace("N = 3", "N = 5") + cpu_to_cpu))
    assert small.group_order <= BRUTE_GROUP < big.group_order
    assert small.images is not None and len(small.images) == 5 and big.images is None
    model = model_of(HEAD.replace("N = 3", "N = 5") + cpu_to_cpu)
    cm = CompiledModel(model)
    keys = KeySymmetry(big, cm.cells_of, cm.key, cm.layout.shift, cm.layout.width)
    assert not keys.packed and not keys.brute


def test_brute_force_canon_orders_cells_of_any_type() -> None:
    """An ill-typed state may hold a value of another Python type than its cell's: the
    least image is still one per orbit (a total order, not Python's, which would raise)."""
    cpu_to_cpu = ("var next: Cpu -> Cpu\ninit { forall c in Cpu: next[c] = c }\n"
                  "action a(c: Cpu, d: Cpu) { next'[c] = d  pc'[d] = busy }\n")
    sym = Symmetry(model_of(HEAD + cpu_to_cpu))
    assert sym.images is not None
    odd = (ir.EnumValue("busy"), 7, ir.EnumValue("idle"), 1, None, 3)  # pc[1..3], next[1..3]
    perms = [[list(p)] for p in itertools.permutations(range(3))]
    images = {sym.apply(odd, p) for p in perms}
    assert len({sym.canon(x) for x in images}) == 1
    assert sym.canon(odd) in images


def test_a_lock_owner_moves_in_the_packed_canon() -> None:
    """The owner's digit is not its value's position (`free` is digit 0; `rogue(1)` comes
    after `worker(3)`): the packed code maps digits to positions and back, keeps each
    owner's process, and leaves `free` and `(bad unlock)` alone."""
    model = model_of(PROC_TWO)
    owner = next(v.type for v in model.vars if v.name == "l")
    assert isinstance(owner, ir.EnumT) and owner.sym == (("Cpu", 1), ("Cpu", 4))
    cm = CompiledModel(model)
    sym = Symmetry(model)
    keys = KeySymmetry(sym, cm.cells_of, cm.key, cm.layout.shift, cm.layout.width)
    assert keys.packed
    states = reachable(model)
    assert {s[1] for s in states} == {"free", "(bad unlock)", *(f"{p}({c})" for p in
                                                               ("worker", "rogue")
                                                               for c in (1, 2, 3))}
    for s in states:
        images = {sym.apply(s, [p]) for p in itertools.permutations(range(3))}
        assert {x[1] for x in images} <= {s[1], *(s[1].replace(str(c), str(d)) for c in
                                                  (1, 2, 3) for d in (1, 2, 3))}
        k = keys.canon(cm.key(s, False))
        assert k in {cm.key(x, False) for x in images}
        assert all(keys.canon(cm.key(x, False)) == k for x in images)


PROC_REJECTED = [
    # (a change to PROC_FAMILY, (code, line, col))
    (("invariant some_free:", "invariant x: fault[1]@drop\ninvariant some_free:"),
     ("HP491", 21, 20)),
    (("pick(p: Page): lock(page_lock[p])", "pick(p: Page): lock(page_lock[1])"),
     ("HP491", 13, 33)),
    (("local got: bool = false", "local got: bool = c = 1"), ("HP491", 12, 25)),
    (("take: lock(pool)", "take: require c < N  lock(pool)"), ("HP492", 15, 17)),
]


@pytest.mark.parametrize("change,want", PROC_REJECTED, ids=["at-label", "lock-index",
                                                             "local-init", "order"])
def test_rule_breaks_inside_a_process_are_rejected_with_positions(
        change: tuple[str, str], want: tuple[str, int, int]) -> None:
    old, new = change
    assert old in PROC_FAMILY
    assert errs(PROC_FAMILY.replace(old, new, 1)) == [want]


@pytest.mark.parametrize("text,lengths", [
    (PROC_LOCK, {"never_two_done": 8}),
    (PROC_FAMILY, {"some_free": 4, "held_by_owner": 5}),
], ids=["lock", "lock-family"])
def test_process_specs_match_the_search_without_symmetry(tmp_spec, text: str,
                                                         lengths: dict[str, int]) -> None:
    """The same verdicts, state counts and canonical traces with and without symmetry, and
    fewer states stored."""
    path = tmp_spec(text)
    a, b = explicit_json(path), explicit_json(path, "--no-symmetry")
    assert _shape(a) == _shape(b)
    assert {n for n, r in a.items() if r["verdict"] == "violated"} == set(lengths)
    assert {n: a[n]["trace"]["length"] for n in lengths} == lengths
    for n in a:
        assert a[n]["distinct_states"] == b[n]["distinct_states"]
        assert a[n]["orbits"] < b[n]["distinct_states"]


def test_symmetric_canonical_trace_is_the_search_without_symmetry(monkeypatch) -> None:
    """NOTE(symmetric-canonical): the explicit engine itself returns the canonical instance
    sequence; when its concrete cone is cut (CONE_LIMIT), it says so (`off_canonical`) and
    the pipeline's SAT recomputation gives the same trace."""
    from hpverify.engines import explicit as ex
    from hpverify.engines.canonical import Canonicaliser
    from hpverify.engines.common import Budget

    model = model_of(PROC_FAMILY)
    plain = ex.explicit(replace(model, symmetric=()), ["some_free"], 20, Budget())[0]
    sym = ex.explicit(model, ["some_free"], 20, Budget())[0]
    assert plain.trace is not None and sym.trace is not None and not sym.off_canonical
    assert sym.trace.steps == plain.trace.steps
    monkeypatch.setattr(ex, "CONE_LIMIT", 0)
    cut = ex.explicit(model, ["some_free"], 20, Budget())[0]
    assert cut.off_canonical and cut.trace is not None and cut.trace.length == 4
    want = Canonicaliser(model, Budget()).result(plain).trace
    assert Canonicaliser(model, Budget()).result(cut).trace == want


def test_soft_offline_processes_with_symmetric_cpus() -> None:
    """spec/soft_offline_proc.hp with its faulting CPUs declared symmetric (its lock is
    owned by process instances): every verdict, count and trace as without symmetry."""
    text = (ROOT / "spec" / "soft_offline_proc.hp").read_text()
    assert "\ntype Cpu = 1..NFAULT" in text
    sym_text = text.replace("\ntype Cpu = 1..NFAULT", "\nsymmetric type Cpu = 1..NFAULT")
    for variant in ("unpatched", "patched"):
        consts = {"VARIANT": variant, "NPAGES": "2", "NFAULT": "3"}
        model = model_of(sym_text, consts)
        names = [inv.name for inv in model.invariants]
        from hpverify.engines.common import Budget
        from hpverify.engines.explicit import explicit

        a = explicit(model, names, 30, Budget())
        b = explicit(replace(model, symmetric=()), names, 30, Budget())
        for x, y in zip(a, b, strict=True):
            assert (x.verdict, x.distinct_states, x.bound) == (y.verdict, y.distinct_states,
                                                               y.bound)
            assert (x.trace and x.trace.steps) == (y.trace and y.trace.steps)
        assert a[0].extra["orbits"] < a[0].distinct_states  # type: ignore[operator]
        sigbus = next(r for r in a if r.invariant == "no_sigbus")
        assert sigbus.trace is not None  # the 2018 race; v4.19's later one (races.md)
        assert sigbus.trace.length == {"unpatched": 6, "patched": 11}[variant]
