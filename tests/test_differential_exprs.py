"""Cross-check the engines on random specs that use definitions, expression `let`, `/` and
`%`, `sum`/`min`/`max`/`choose`, quantifier ranges that read state and `x' in S`
(tests/exprgen.py): explicit (the compiled successor function) must count exactly the
states a naive enumeration with the evaluator finds, every trace replays in the evaluator,
and bmc, kind and pdr agree with explicit on every verdict and shortest length (the
checks of tests/test_differential.py). Each spec's TLA+ export must parse.

CI runs a small fixed budget; the `slow` run (and HPVERIFY_EXPR_FUZZ_EXAMPLES=N) more.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from exprgen import specs_new
from hypothesis import HealthCheck, given, settings
from test_differential import cross_check

from hpverify.check import check
from hpverify.diagnostics import SourceCache
from hpverify.engines.compiled import CompiledModel
from hpverify.export_tla import export_tla
from hpverify.lower import lower
from hpverify.parse import load_spec

EXAMPLES = int(os.environ.get("HPVERIFY_EXPR_FUZZ_EXAMPLES", "12"))
SLOW_EXAMPLES = 150
_SETTINGS = dict(deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.function_scoped_fixture])


def _export_parses(text: str, tmp: Path) -> None:
    """The TLA+ export parses, and explicit ran the compiled successor function (not the
    evaluator as a fallback), so that cross_check compared two implementations."""
    f = tmp / "random.hp"
    f.write_text(text)
    spec = load_spec(str(f), SourceCache())
    fallback = CompiledModel(lower(check(spec, {}))).fallback
    # Python's own nesting limits are the only accepted reason to run interpreted
    assert all("nest" in why or "recursion" in why for why in fallback), (fallback, text)
    tla = pytest.importorskip("tla")
    module, _ = export_tla(spec, {}, SourceCache())
    tla.parse(module)


@settings(max_examples=EXAMPLES, **_SETTINGS)  # type: ignore[arg-type]
@given(text=specs_new())
def test_engines_agree_on_random_expression_specs(text: str, tmp_path: Path) -> None:
    cross_check(text, tmp_path)
    _export_parses(text, tmp_path)


@pytest.mark.slow
@settings(max_examples=SLOW_EXAMPLES, **_SETTINGS)  # type: ignore[arg-type]
@given(text=specs_new())
def test_engines_agree_on_many_random_expression_specs(text: str, tmp_path: Path) -> None:
    cross_check(text, tmp_path)


FIXED = [
    # a divisor that reads state and reaches 0: a `types` violation in the step
    "spec a\nvar n: 0..3\nvar x: 0..3\ninit { n = 2  x = 3 }\n"
    "action dec { require n > 0  n' = n - 1 }\naction div { x' = x / n }\n"
    "invariant small: x % 2 = 1\n",
    # min over a range that reads state and becomes empty: the invariant is false there
    "spec b\nvar n: 0..2\nvar f: 0..2 -> 0..2\ninit { n = 2  forall i in 0..2: f[i] = i }\n"
    "action shrink { require n > 0  n' = n - 1 }\naction set(i: 0..2) { f'[i] in 0..n }\n"
    "invariant lo: (min i in 1..n: f[i]) <= 2\n",
    # choose with no witness in a step; x' in S with S reading state
    "spec c\nvar n: 0..3\nvar y: 0..3\ninit { n = 0  y = 0 }\n"
    "action grow { require n < 3  n' = n + 1 }\naction pick { y' in n..3 }\n"
    "action first { y' = choose i in 0..3: i > n }\ninvariant ok: y <= n + 1\n",
]


@pytest.mark.parametrize("text", FIXED)
def test_engines_agree_on_fixed_expression_specs(text: str, tmp_path: Path) -> None:
    cross_check(text, tmp_path)
    _export_parses(text, tmp_path)
