"""The compiled step and invariants (hpverify/engines/compiled.py) against the oracle.

For every state reached from init (a few hundred per spec, breadth-first), every instance's
compiled successor must be evaluate.run_step's (same state, same error flag, same
enabledness), the fused `successors` must list exactly the enabled instances, every
compiled invariant must be evaluate.invariant_ok, and the compiled state key must be
StateCodec.encode (so that the explicit engine's counts and traces are unchanged); the
packed step (`expand`) and invariants must agree with them on every packed state.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from specgen import specs

from hpverify import evaluate as ev
from hpverify import ir
from hpverify.check import check
from hpverify.diagnostics import SourceCache
from hpverify.engines import compiled
from hpverify.engines.compiled import CompiledModel
from hpverify.engines.explicit import StateCodec, initial_states, reachable_count
from hpverify.lower import lower
from hpverify.parse import load_spec

ROOT = Path(__file__).resolve().parent.parent
KA_DIR = ROOT / "tests" / "known_answers"
EXAMPLES = int(os.environ.get("HPVERIFY_FUZZ_EXAMPLES", "25"))


def load(path: Path | str, **consts: object) -> ir.Model:
    def text(v: object) -> str:
        return ("true" if v else "false") if isinstance(v, bool) else str(v)
    checked = check(load_spec(str(path), SourceCache()), {k: text(v) for k, v in consts.items()})
    return lower(checked)


def assert_agrees(model: ir.Model, limit: int = 300, compiled_only: bool = True) -> int:
    """Explore up to `limit` states breadth-first with the interpreter, comparing the
    compiled functions in each; returns the number of states compared."""
    cm = CompiledModel(model)
    if compiled_only:
        assert cm.fallback == [], cm.fallback
    codec = StateCodec(model)
    todo = list(initial_states(model))
    seen = {codec.encode(st) for st in todo}
    done = 0
    while todo and done < limit:
        st = todo.pop(0)
        done += 1
        cells, err = cm.flatten(st)
        assert cm.state(cells, err) == st
        assert cm.key(cells, err) == codec.encode(st), st
        assert cm.invariant_ok(ir.TYPES, cells, err) == ev.types_ok(model, st), st
        for inv in model.invariants:
            want = ev.invariant_ok(model, inv.name, st)
            assert cm.invariant_ok(inv.name, cells, err) == want, (inv.name, st)
        # Steps are compared in every state (the engine only fires them in type-correct,
        # error-free ones, but the semantics do not depend on that).
        fused = {i: (c, e) for i, c, e in cm.successors(cells)}
        for i, inst in enumerate(model.instances):
            res = ev.run_step(model, inst, st)
            want_step = None if res is None else cm.flatten(res.state)
            assert cm.step(i, cells) == want_step, (inst.label(), st)
            assert fused.get(i) == want_step, (inst.label(), st)
            if res is None or not ev.types_ok(model, st):
                continue
            key = codec.encode(res.state)
            assert cm.key(*want_step) == key  # type: ignore[misc]
            if key not in seen:
                seen.add(key)
                todo.append(res.state)
        assert len(fused) == sum(1 for i in range(len(model.instances)) if cm.step(i, cells))
        key = cm.key(cells, err)
        if type(key) is int:  # the packed loop (NOTE(packed-states)): same successors, keys
            assert cm.cells_of(key) == cells
            if not err:
                want = [(i, cm.key(c, e)) for i, c, e in cm.successors(cells)]
                assert cm.expand(key) == want, st
                for inv in model.invariants:
                    assert cm.packed_invariants[inv.name](key) == ev.invariant_ok(
                        model, inv.name, st), (inv.name, st)
                for canon in (None, lambda k: k):  # NOTE(explore): the engine's fused loop
                    parents: dict[object, object] = {}
                    pushed: list[object] = []
                    fired = bytearray(len(model.instances))
                    cm.explorer(canon)(key, parents, pushed.append, fired)
                    assert set(parents) == set(pushed) == {k for _, k in want}
                    assert len(pushed) == len(set(pushed))
                    assert all(parents[k] in {(key, i) for i, k2 in want if k2 == k}
                               for k in parents)
                    assert {i for i, f in enumerate(fired) if f} == {i for i, _ in want}
                names = [inv.name for inv in model.invariants]
                assert cm.violated(names)(key) == tuple(
                    n for n in names if not ev.invariant_ok(model, n, st)), st
    return done


def _known_answer_settings() -> list[tuple[str, tuple[tuple[str, object], ...]]]:
    """Every known-answer spec with its defaults, and every constant setting cases.py uses."""
    name = "hp_known_answer_cases"
    mod = sys.modules.get(name)
    if mod is None:
        spec = importlib.util.spec_from_file_location(name, KA_DIR / "cases.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod  # dataclasses need the module registered
        spec.loader.exec_module(mod)
    out = {(p.name, ()) for p in KA_DIR.glob("*.hp")}
    for case in mod.CASES:
        out.add((case.file, tuple(sorted(case.consts.items()))))
    return sorted(out, key=str)


@pytest.mark.parametrize("file,consts", _known_answer_settings(), ids=str)
def test_known_answer_specs(file: str, consts: tuple[tuple[str, object], ...]) -> None:
    assert_agrees(load(KA_DIR / file, **dict(consts)))


@pytest.mark.parametrize("path", sorted((ROOT / "spec" / "races").glob("*.hp")), ids=str)
def test_race_specs(path: Path) -> None:
    assert_agrees(load(path))


@pytest.mark.parametrize("variant", ["unpatched", "patched", "v5_11", "v2_1of2",
                                     "hypothetical_norc", "hocko"])
@pytest.mark.parametrize("n", [1, 3])
def test_soft_offline(variant: str, n: int) -> None:
    model = load(ROOT / "spec" / "soft_offline.hp", VARIANT=variant, NPAGES=n, NFAULT=n)
    assert assert_agrees(model) > 0


@pytest.mark.parametrize("variant", ["unpatched", "patched", "patched_norc"])
def test_first_cut(variant: str) -> None:
    model = load(ROOT / "benchmarks" / "first_cut.hp", VARIANT=variant, NPAGES=3, NFAULT=3)
    assert assert_agrees(model, limit=400) == 400


def test_first_cut_6_6_count_is_tlcs() -> None:
    model = load(ROOT / "benchmarks" / "first_cut.hp", VARIANT="patched", NPAGES=6, NFAULT=6)
    assert reachable_count(model) == (77_026, 15)


@pytest.mark.parametrize("text", [
    # reads and writes outside domains (literal and computed), a require that reads outside
    # its domain (does not disable), whole-function and nested updates, function equality,
    # function-valued if and literal, indexing a computed function, count, membership
    "spec c\ntype R = 0..2\nvar f: R -> bool\nvar g: bool -> R -> bool\nvar n: 0..3\n"
    "var e: {e0, e1, e2}\n"
    "init { n = 0 }\n"
    "action w { f'[n + 1] = not f[n]  n' = n + 1 }\n"
    "action r { require f[n + 2]  e' = e1 }\n"
    "action lit { require n = 3  f'[3] = true  g'[true][5] = f[3] }\n"
    "action whole(b: bool) { g'[b] = (if b then f else [x in R: x >= n])  f' = g[not b] }\n"
    "action pick(b: bool) { require (if b then f else g[b])[n] or e in {e1, e2}"
    "  n' = (count x in R: g[b][x]) }\n"
    "action eq { require f = g[true]  if g[false] != [x in R: false] { e' = e2 } }\n"
    "invariant i0: f[n] or not f[n]\n"
    "invariant i1: (count x in R: f[x]) <= n or g[f[0]][n]\n",
    # one-value cells (no bits in a packed state) read and written at computed indexes,
    # inside and outside their domains
    "spec w\ntype R = 0..2\nvar z: R -> 4..4\nvar u: R -> {only}\nvar n: 0..3\n"
    "var b: bool\nvar m: 0..1\n"
    "init { n = 0 }\n"
    "action t { b' = not b  m' = 1 - m }\n"
    "action a { require z[n] = 4  n' = n + 1 }\n"
    "action b { z'[n] = 4  u'[n + 1] = only }\n"
    "action c { require u[n] = only or n = 3  n' = 0 }\n"
    "invariant i: z[n] = 4 and (count x in R: z[x] = 4) = 3\n",
])
def test_corner_cases(text: str, tmp_path: Path) -> None:
    f = tmp_path / "c.hp"
    f.write_text(text)
    assert assert_agrees(load(f), limit=2000) > 10


def test_whole_function_over_one_element_domain(tmp_path: Path) -> None:
    """A whole function over a one-element domain is still a slice (it crashed explicit)."""
    f = tmp_path / "one.hp"
    f.write_text("spec one\ntype F = 1..1\nvar m: F -> bool\nvar h: bool -> F -> bool\n"
                 "init { forall f in F: not m[f] }\n"
                 "action go { m' = [f in F: true]  h'[true] = m }\n"
                 "invariant a: forall f in F: not m[f]\n")
    assert assert_agrees(load(f)) == 8  # m: 2 values, h: 4


def test_fallback_to_the_interpreter() -> None:
    """An instance the generator cannot compile (here: 300 nested `not`s, beyond Python's
    parser) runs through evaluate.py and still takes part."""
    model = load(ROOT / "benchmarks" / "first_cut.hp", VARIANT="patched", NPAGES=2, NFAULT=2)
    inst = model.instances[0]
    cond: ir.Expr = inst.body[0].cond  # type: ignore[union-attr]
    for _ in range(300):
        cond = ir.Not(cond)
    odd = dataclasses.replace(inst, body=(ir.Require(cond), *inst.body[1:]))
    model = dataclasses.replace(model, instances=(odd, *model.instances[1:]))
    cm = CompiledModel(model)
    assert cm.well_typed and len(cm.fallback) == 1, cm.fallback
    assert assert_agrees(model, compiled_only=False) > 10


def test_fused_successors_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the fused function does not compile, the per-instance functions are called."""
    real = compiled._compile

    def refuse(src: str, consts: dict[str, object], name: str):
        if name == "successors":
            raise SyntaxError("too deep")
        return real(src, consts, name)

    monkeypatch.setattr(compiled, "_compile", refuse)
    model = load(ROOT / "benchmarks" / "first_cut.hp", VARIANT="unpatched", NPAGES=2, NFAULT=2)
    assert CompiledModel(model).fallback == ["fused successors: too deep"]
    assert assert_agrees(model, compiled_only=False) == 112


def test_ill_typed_literal_is_not_compiled() -> None:
    """A bool literal where an int belongs (never after the checker) could reach a dict
    lookup that takes True for 1: such a model runs interpreted throughout, keys included."""
    model = load(ROOT / "benchmarks" / "first_cut.hp", VARIANT="patched", NPAGES=2, NFAULT=2)
    inst = model.instances[0]
    odd = ir.Assign("cache", (), ir.Lit(True, ir.IntT()))
    model = dataclasses.replace(model, instances=(dataclasses.replace(inst, body=(
        *inst.body, odd)), *model.instances[1:]))
    cm = CompiledModel(model)
    assert not cm.well_typed
    assert len(cm.fallback) == len(model.instances) + len(model.invariants)
    assert assert_agrees(model, compiled_only=False) > 10


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(text=specs())
def test_random_specs(text: str, tmp_path: Path) -> None:
    f = tmp_path / "random.hp"
    f.write_text(text)
    assert_agrees(load(f), limit=200)
