"""Hypothesis fuzzing of the front end: random token streams and mutations of valid specs.

Whatever the input, `hpverify check FILE` exits 0 or 2; on 2 the first stderr line is a
diagnostic (`FILE:LINE:COL: error[HPnnn]: ` or `hpverify: error[HPnnn]: `); never a Python
traceback or an internal error, and never a hang. `prove` on mutated valid specs (small depth)
exits 0, 1, 2 or 3, again without a traceback.

The CI budget is about 30 s; HPVERIFY_FUZZ_EXAMPLES=N runs N examples per test instead.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpverify.cli import main
from hpverify.parse import KEYWORDS

HERE = Path(__file__).resolve().parent
SCALE = os.environ.get("HPVERIFY_FUZZ_EXAMPLES")
SECONDS_PER_RUN = 20  # a hang guard, far above any honest run on these inputs


def _examples(default: int) -> int:
    return int(SCALE) if SCALE else default


FUZZ = settings(deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


class Hang(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def fire(signum: int, frame: object) -> None:
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with _time_limit(SECONDS_PER_RUN), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def _assert_clean(code: int, err: str, file: Path, allowed: set[int], text: str) -> None:
    where = f"\n--- input ---\n{text}\n--- stderr ---\n{err}"
    assert "Traceback" not in err and "internal error" not in err, where
    assert code in allowed, f"exit {code}{where}"
    if code == 2:
        first = err.splitlines()[0] if err else ""
        pattern = rf"^({re.escape(str(file))}|[^:\s]+\.hp):\d+:\d+: error\[HP\d{{3}}\]: |^hpverify: error\[HP\d{{3}}\]: "
        assert re.match(pattern, first), f"first stderr line is not a diagnostic: {first!r}{where}"


# ---- random token streams -------------------------------------------------------------------
PUNCT = ["(", ")", "[", "]", "{", "}", ":", ";", ",", "=", "!=", "<", "<=", ">", ">=", "+", "-",
         "*", "..", "->", "'"]
NAMES = ["x", "y", "f", "N", "Cpu", "c0", "idle", "p", "when", "include", "_a", "types"]
TOKENS = st.one_of(
    st.sampled_from(sorted(KEYWORDS)),
    st.sampled_from(PUNCT),
    st.sampled_from(NAMES),
    st.sampled_from([n + "'" for n in NAMES[:4]]),
    st.integers(0, 99999).map(str),
    st.sampled_from(['"lib.hp"', '"x"', "# comment\n", "\n", "\t", "@", "$", "é", "\x00"]),
)
SPACES = st.sampled_from([" ", " ", "  ", "\n", ""])


@st.composite
def token_stream(draw: st.DrawFn) -> str:
    toks = draw(st.lists(TOKENS, max_size=60))
    prefix = draw(st.sampled_from(["", "spec t\n", "spec t\nvar x: 0..3\n"]))
    return prefix + "".join(t + draw(SPACES) for t in toks)


@settings(FUZZ, max_examples=_examples(150))
@given(token_stream())
def test_check_on_random_token_streams(tmp_path: Path, text: str) -> None:
    f = tmp_path / "t.hp"
    f.write_text(text, encoding="utf-8")
    code, _, err = run(["check", str(f)])
    _assert_clean(code, err, f, {0, 2}, text)


# ---- mutations of valid specs ---------------------------------------------------------------
SEEDS = [
    HERE / "day_one" / "deadlock_violation.hp",
    HERE / "day_one" / "vacuous.hp",
    HERE / "day_one" / "needs_deep_induction.hp",
]
CONTRACT_EXAMPLE = """spec counter
const N = 3
type Cpu = {c0, c1}
var x: 0..N
var pc: Cpu -> {start, done}
init { x = 0  forall c in Cpu: pc[c] = start }
action incr(c: Cpu) by c {
  require pc[c] = start
  let y = x + 1
  if y <= N { x' = y } else { x' = 0 }
  pc'[c] = done
}
invariant small: x <= 1
invariant counted: (count c in Cpu: pc[c] = done) = x
check depth 5
expect small violated in 2
expect when N > 2: counted holds
"""
FUNCTIONS = """spec fns
type P = 1..2
type Q = {qa, qb}
var g: P -> Q -> 0..3
var r: Q -> 0..3
var b: bool
init { forall p in P: forall q in Q: g[p][q] = 0  r = [q in Q: 1]  b = false }
action a(p: P, q: Q) by q {
  require not b implies r[q] > 0
  g'[p] = r
  g'[p][q] = 2
  r'[q] = if r[q] < 3 then r[q] + 1 else 0
  b' = exists z in 1..3: z = r[q]
}
invariant i: forall p in P: g[p][qa] <= 3 and (g[p][qb] = 2 or g[p][qb] < 2 or b)
"""
TEXTS = [p.read_text() for p in SEEDS] + [CONTRACT_EXAMPLE, FUNCTIONS]
TOKEN_RE = re.compile(r"#[^\n]*|\"[^\"\n]*\"|[A-Za-z_][A-Za-z0-9_]*'?|\d+|\.\.|->|!=|<=|>=|\s+|.")


def _tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    toks = _tokens(draw(st.sampled_from(TEXTS)))
    for _ in range(draw(st.integers(1, 4))):
        solid = [i for i, t in enumerate(toks) if not t.isspace()]
        if not solid:
            break
        i = draw(st.sampled_from(solid))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "keyword", "number",
                                     "token", "name"]))
        if kind == "delete":
            del toks[i]
        elif kind == "duplicate":
            toks.insert(i, toks[i])
        elif kind == "swap":
            j = draw(st.sampled_from(solid))
            toks[i], toks[j] = toks[j], toks[i]
        elif kind == "keyword":
            toks.insert(i, " " + draw(st.sampled_from(sorted(KEYWORDS | {"when", "include"}))) + " ")
        elif kind == "number" and toks[i].isdigit():
            toks[i] = str(draw(st.sampled_from([0, 1, 2, 5, 9, 31, 99, 10**6, 2**70])))
        elif kind == "number":
            toks.insert(i, str(draw(st.integers(-3, 12))))
        elif kind == "token":
            toks.insert(i, draw(st.sampled_from(PUNCT)))
        else:
            toks[i] = draw(st.sampled_from(NAMES)) if toks[i][:1].isalpha() else toks[i]
    return "".join(toks)


@settings(FUZZ, max_examples=_examples(200))
@given(mutated())
def test_check_on_mutated_specs(tmp_path: Path, text: str) -> None:
    f = tmp_path / "m.hp"
    f.write_text(text, encoding="utf-8")
    code, _, err = run(["check", str(f)])
    _assert_clean(code, err, f, {0, 2}, text)


@settings(FUZZ, max_examples=_examples(40))
@given(mutated())
def test_prove_on_mutated_specs(tmp_path: Path, text: str) -> None:
    f = tmp_path / "m.hp"
    f.write_text(text, encoding="utf-8")
    code, _, err = run(["prove", str(f), "--depth", "2", "--timeout", "10"])
    _assert_clean(code, err, f, {0, 1, 2, 3}, text)


@pytest.mark.parametrize("text", TEXTS[3:])
def test_seeds_are_valid(tmp_path: Path, text: str) -> None:
    f = tmp_path / "seed.hp"
    f.write_text(text)
    code, _, err = run(["check", str(f)])
    assert code == 0, err


# ---- inputs found by fuzzing or by hand that once broke a front end ---------------------------
REGRESSIONS = [
    "",
    "spec",
    "spec t\n'",
    "spec t\nx'",
    "spec t\ninit {",
    "spec t\ninvariant i: " + "(" * 50 + "true" + ")" * 50,
    "spec t\ninvariant i: " + "not " * 3000 + "true",
    "spec t\nvar x: 0..99999999999999999999\n",
    "spec t\naction a(i: 0..99999999999999999999) { }\n",
    "spec t\nvar f: 0..100000000 -> bool\n",
    "spec t\nconst N = 2\ncheck N in 1..0\n",
    "spec t\ninclude \"\"\n",
    "spec t\ninclude \".\"\n",
    "spec t\ninvariant i: [x in bool: x] = [x in bool: x]\n",
    "spec t\n\x00",
    "\ufeffspec t\n",
    "spec t\r\nvar x: bool\r\n",
]


@pytest.mark.parametrize("text", REGRESSIONS, ids=range(len(REGRESSIONS)))
def test_front_end_regressions(tmp_path: Path, text: str) -> None:
    f = tmp_path / "r.hp"
    f.write_text(text, encoding="utf-8")
    code, _, err = run(["check", str(f)])
    _assert_clean(code, err, f, {0, 2}, text)
    code, _, err = run(["prove", str(f), "--depth", "1"])
    _assert_clean(code, err, f, {0, 1, 2, 3}, text)
