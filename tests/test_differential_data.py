"""Random specs over sets, records and bounded sequences: bmc, kind, pdr and explicit must
agree on every verdict and shortest length, every trace must replay in the evaluator, and
explicit's state count must equal a naive enumeration with the evaluator's step function
(test_differential.cross_check). Sequence overflow, `tail`/`head` of an empty sequence and
reads past the length are all reachable here (each is a `types` violation or a false
invariant), and so are initial states left free (the sequences' canonical unused slots).

CI runs a fixed budget; HPVERIFY_DATA_FUZZ_EXAMPLES=N runs N examples on demand, and the
`slow` test runs 60 more.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst
from test_differential import cross_check

EXAMPLES = int(os.environ.get("HPVERIFY_DATA_FUZZ_EXAMPLES", "20"))

VARS = {  # each example declares only the variables its actions and invariants use
    "s": "var s: set of 0..2", "t": "var t: set of E", "q": "var q: seq[2] of 0..1",
    "r": "var r: {x: 0..2, y: bool}", "f": "var f: bool -> {n: 0..1, b: seq[1] of bool}",
}
HEADER = "spec data\ntype E = {e0, e1, e2}\n" + "".join(v + "\n" for v in VARS.values())


def _uses(text: str) -> set[str]:
    """The variables a template mentions (whole words)."""
    return {v for v in VARS if re.search(rf"\b{v}\b", text.replace("'", ""))}


INITS = ("s = {}", "s = {1}", "t = {e0, e2}", "t = {}", "q = []", "q = [1]",
         "r = [x: 0, y: false]", "f = [b in bool: [n: 0, b: []]]", "f[true].b = [true]")

ACTIONS = (
    "action add(v: 0..2) {{ require {g}  s' = union(s, {{v}}) }}",
    "action rem(v: 0..2) {{ s' = minus(s, {{v, r.x}}) }}",
    "action keep {{ require card(s) >= {k}  s' = {{e in 0..2: e in s and e != r.x}} }}",
    "action tadd(e: E) {{ require not (e in t)  t' = union(t, {{e}}) }}",
    "action tmv {{ t' = inter(t, {{e in E: e != e1}})  s' = {{x in 0..2: x in s or x = {k}}} }}",
    "action push(v: 0..1) {{ require {g}  q' = append(q, v) }}",
    "action pop {{ require len(q) > 0  q' = tail(q)  r'.x = r.x }}",
    "action popany {{ q' = tail(q) }}",
    "action peek {{ r'.x = head(q) + 1 }}",
    "action setq {{ require q != [1]  q' = [1, 0] }}",
    "action setx(v: 0..2) {{ require {g}  r'.x = v }}",
    "action flip {{ r' = [r with y: not r.y] }}",
    "action rset {{ r' = [x: len(q), y: {k} in s] }}",
    "action fput(p: bool) {{ require f[p].n = 0  f'[p].n = 1  f'[p].b = append(f[p].b, p) }}",
    "action fclr(p: bool) {{ f'[p] = [n: 0, b: []] }}",
    "action qw {{ require len(q) >= 1  q'[1] = 1 - q[1] }}",
)

GUARDS = ("true", "card(s) < 2", "not (r.x in s)", "len(q) < 2", "r.y", "subset(s, {0, 1})",
          "exists e in s: e = r.x", "q = [] or q[1] = 0")

INVARIANTS = (
    "card(s) <= {k}", "not ({k} in s)", "len(q) < 2", "q != [1, 1]", "q != [0]",
    "forall e in s: e != r.x", "r.x <= {k} or r.y", "inter(s, {{1, 2}}) != {{}}",
    "q = [] or head(q) = 0", "card(t) + card(s) <= 3", "not (e1 in t and e2 in t)",
    "f[true] != f[false]", "f[true].b != [true] or f[false].n = 0", "subset(s, {{0, {k}}})",
    "(count e in 0..2: e in s) <= len(q) + 1", "r = [x: 0, y: false] or card(s) > 0",
    "s != {{0, 2}}", "q[len(q)] = 0",
)


@hst.composite
def data_specs(draw: hst.DrawFn) -> str:
    k = draw(hst.integers(0, 2))
    actions = [a.format(g=draw(hst.sampled_from(GUARDS)), k=k) for a in
               draw(hst.lists(hst.sampled_from(ACTIONS), min_size=1, max_size=3, unique=True))]
    invs = [i.format(k=k) for i in
            draw(hst.lists(hst.sampled_from(INVARIANTS), min_size=1, max_size=3, unique=True))]
    used = set().union(*(_uses(x) for x in actions + invs))
    inits = [i for i in draw(hst.lists(hst.sampled_from(INITS), max_size=4, unique=True))
             if _uses(i) <= used]
    out = ["spec data\ntype E = {e0, e1, e2}\n"]
    out += [VARS[v] + "\n" for v in VARS if v in used]
    init_vars: set[str] = set()
    items = []
    for item in inits:  # one definition per variable (f[true].b only without f)
        var = item.split()[0].split("[")[0]
        if var not in init_vars:
            init_vars.add(var)
            items.append(item)
    if items:
        out.append("init { " + "  ".join(items) + " }\n")
    out += [a + "\n" for a in actions]
    out += [f"invariant i{n}: {inv}\n" for n, inv in enumerate(invs)]
    return "".join(out)


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(text=data_specs())
def test_engines_agree_on_random_data_specs(text: str, tmp_path: Path) -> None:
    cross_check(text, tmp_path)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(text=data_specs())
def test_engines_agree_on_many_random_data_specs(text: str, tmp_path: Path) -> None:
    cross_check(text, tmp_path)


@pytest.mark.parametrize("text", [
    # sets, a record and a sequence at once, initial state free (canonical sequence slots)
    "spec a\n" + "\n".join([VARS["s"], VARS["q"], VARS["r"]]) + "\n"
    "action push(v: 0..1) { q' = append(q, v)  s' = union(s, {v}) }\n"
    "action pop { q' = tail(q)  r' = [r with x: card(s)] }\n"
    "invariant i0: len(q) < 2 or q[1] != q[2]\ninvariant i1: forall e in s: e <= r.x + 1\n",
    # a function of records with sequences inside, written entry by entry
    "spec b\n" + "\n".join([VARS["r"], VARS["f"]]) + "\n"
    "init { f = [b in bool: [n: 0, b: []]]  r = [x: 0, y: true] }\n"
    "action fput(p: bool) { require len(f[p].b) = 0  f'[p].b = [r.y]  f'[p].n = 1 }\n"
    "action rflip { r'.y = not r.y }\n"
    "invariant i0: not (f[true].b = [true] and f[false].b = [false])\n",
    # found by this test: a one-cell row (seq[1]'s slots) compared with a value
    "spec c\n" + VARS["f"] + "\ninvariant i2: f[true].b != [true] or f[false].n = 0\n",
])
def test_engines_agree_on_fixed_data_specs(text: str, tmp_path: Path) -> None:
    cross_check(text, tmp_path)
