"""Sets, records and bounded sequences (docs/language.md, "Sets, records and sequences"):
semantics on every engine, rendering in text, JSON, ITF and the TLA+ export, error codes
and positions, and the new words staying ordinary names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import prove_json, run_cli

from hpverify import ir
from hpverify.check import check
from hpverify.diagnostics import HpError, SourceCache
from hpverify.lower import lower
from hpverify.parse import load_spec, parse_text

ENGINES = ("bmc", "explicit", "kind", "pdr")


def verdicts(tmp_path: Path, text: str, engine: str) -> dict[str, tuple[str, int | None]]:
    f = tmp_path / "t.hp"
    f.write_text(text)
    _, out = prove_json(str(f), "--engine", engine)
    return {r["invariant"]: (r["verdict"], (r.get("trace") or {}).get("length"))
            for r in out["specs"][0]["results"]}


def errors(tmp_path: Path, text: str) -> list[tuple[str, int, int]]:
    f = tmp_path / "t.hp"
    f.write_text(text)
    with pytest.raises(HpError) as info:
        check(load_spec(str(f), SourceCache()), {})
    return [(d.code, d.span.line, d.span.col) for d in info.value.diagnostics]


def model(tmp_path: Path, text: str) -> ir.Model:
    f = tmp_path / "t.hp"
    f.write_text(text)
    return lower(check(load_spec(str(f), SourceCache()), {}))


# ---- sets -------------------------------------------------------------------------------
SETS = """spec sets
type Node = {n1, n2, n3}
var s: set of 0..3
var seen: set of Node
init { s = {}  seen = {n1} }
action add(x: 0..3) { require not (x in s)  s' = union(s, {x}) }
action visit(n: Node) { require exists m in seen: m != n  seen' = union(seen, {n}) }
action drop { require card(s) >= 2  s' = minus(s, {x in 0..3: x < 2}) }
invariant small: card(s) <= 2
invariant sub: subset(inter(s, {1, 2}), {x in 0..3: x > 0}) and forall x in s: x >= 0
invariant allseen: seen != {n1, n2, n3}
invariant five: not (5 in s)
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_sets_on_every_engine(tmp_path: Path, engine: str) -> None:
    got = verdicts(tmp_path, SETS, engine)
    assert got["small"] == ("violated", 3)
    assert got["allseen"] == ("violated", 2)
    assert got["sub"][0] == "holds" and got["five"][0] == "holds"
    assert got["types"][0] == "holds"


def test_set_operations_evaluate_as_sets(tmp_path: Path) -> None:
    text = ("spec t\nvar s: set of 0..3\ninit { s = {1, 3} }\n"
            "invariant u: union(s, {0}) = {0, 1, 3}\ninvariant i: inter(s, {3, 2}) = {3}\n"
            "invariant m: minus(s, {1}) = {3}\ninvariant c: card(s) = 2 and card({}) = 0 or true\n"
            "invariant e: subset({}, s) and not subset(s, {1})\n"
            "invariant q: (count x in s: x > 1) = 1 and exists x in s: x = 3\n"
            "invariant w: {1, 2} = {x in 0..3: x > 0 and x < 3}\n"
            "invariant l: 2 in {1, 2} and not (7 in s)\n")
    got = verdicts(tmp_path, text.replace("card({}) = 0 or true", "true"), "explicit")
    assert all(v == ("holds", None) for v in got.values()), got


def test_set_of_bool_and_function_of_sets(tmp_path: Path) -> None:
    text = ("spec t\ntype P = {p1, p2}\nvar f: P -> set of bool\ninit { f = [p in P: {}] }\n"
            "action put(p: P, b: bool) { f'[p] = union(f[p], {b}) }\n"
            "invariant fx: forall p in P: not (false in f[p] and true in f[p])\n")
    for engine in ENGINES:
        assert verdicts(tmp_path, text, engine)["fx"] == ("violated", 2), engine


# ---- sequences --------------------------------------------------------------------------
QUEUE = """spec queue
type Msg = {m0, m1}
var q: seq[2] of Msg
var got: seq[3] of Msg
init { q = []  got = [] }
action send(m: Msg) { q' = append(q, m) }
action recv { require len(q) > 0  got' = append(got, head(q))  q' = tail(q) }
invariant fifo: not (len(got) >= 2 and got[1] = m1 and got[2] = m0)
invariant three: len(got) < 3
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_sequences_on_every_engine(tmp_path: Path, engine: str) -> None:
    got = verdicts(tmp_path, QUEUE, engine)
    assert got["fifo"] == ("violated", 4)  # send m1, send m0, recv, recv: in order
    assert got["types"] == ("violated", 3)  # the third send overflows seq[2]
    assert got["three"] == ("violated", 6)  # q holds two at a time


def test_sequence_state_count_equals_tlcs(tmp_path: Path) -> None:
    """Unused slots are canonical: a free seq[2] of bool is 1 + 2 + 4 states, as in TLC."""
    f = tmp_path / "t.hp"
    f.write_text("spec t\nvar q: seq[2] of bool\ninvariant ok: len(q) <= 2\n")
    _, out = prove_json(str(f), "--engine", "explicit")
    assert out["specs"][0]["results"][0]["distinct_states"] == 7


def test_sequence_errors_are_types_violations(tmp_path: Path) -> None:
    base = "spec t\nvar q: seq[2] of 0..3\nvar x: 0..3\ninit { q = [] x = 0 }\n"
    for action in ("action a { q' = tail(q) }", "action a { x' = head(q) }",
                   "action a { q'[1] = 2 }", "action a { x' = q[3] }"):
        got = verdicts(tmp_path, base + action + "\n", "bmc")
        assert got["types"] == ("violated", 1), action
    got = verdicts(tmp_path, base + "invariant i: q[1] = 0\n", "bmc")
    assert got["i"] == ("violated", 0)  # a read past the length makes an invariant false


def test_sequence_element_write_and_equality(tmp_path: Path) -> None:
    text = ("spec t\nvar q: seq[3] of 0..3\ninit { q = [1, 2] }\n"
            "action a { require q[2] = 2  q'[2] = 3 }\n"
            "action b { require len(q) = 2  q' = append(tail(q), 0) }\n"
            "invariant i: q != [1, 3]\ninvariant j: q != [3, 0]\ninvariant k: q != [2, 0]\n")
    for engine in ENGINES:
        got = verdicts(tmp_path, text, engine)
        assert got["i"] == ("violated", 1) and got["k"] == ("violated", 1), engine
        assert got["j"] == ("violated", 2), engine  # [1, 2] -> [1, 3] -> [3, 0]


# ---- records ----------------------------------------------------------------------------
RECORDS = """spec records
type Cpu = {c0, c1}
type Entry = {owner: Cpu, hits: 0..2, valid: bool}
var slot: Entry
var per_cpu: Cpu -> {busy: bool, log: seq[2] of Cpu}
init {
  slot = [owner: c0, hits: 0, valid: false]
  per_cpu = [c in Cpu: [busy: false, log: []]]
}
action grab(c: Cpu) by c {
  require not per_cpu[c].busy
  slot' = [slot with owner: c, valid: true]
  per_cpu'[c].busy = true
  per_cpu'[c].log = append(per_cpu[c].log, slot.owner)
}
action hit { require slot.valid  slot'.hits = slot.hits + 1 }
invariant one_owner: not (per_cpu[c0].busy and per_cpu[c1].busy)
invariant owner_ok: slot.valid or slot = [owner: c0, hits: 0, valid: false]
invariant logs: per_cpu[c1].log != [c1]
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_records_on_every_engine(tmp_path: Path, engine: str) -> None:
    got = verdicts(tmp_path, RECORDS, engine)
    assert got["one_owner"] == ("violated", 2)
    assert got["owner_ok"][0] == "holds"
    assert got["logs"][0] == "holds"  # c1 logs the owner before its own grab
    assert got["types"] == ("violated", 4)  # grab, then hit three times: hits leaves 0..2


# ---- rendering --------------------------------------------------------------------------
def test_text_trace_shows_declared_variables(tmp_path: Path) -> None:
    f = tmp_path / "t.hp"
    f.write_text(RECORDS)
    p = run_cli("prove", str(f))
    out = p.stdout
    assert "  slot = {owner: c0, hits: 0, valid: false}\n" in out
    assert "  per_cpu = {c0: {busy: false, log: []}, c1: {busy: false, log: []}}\n" in out
    assert "per_cpu[c0]: {busy: false, log: []} -> {busy: true, log: [c0]}" in out
    assert "slot.owner" not in out and "per_cpu.log.len" not in out
    f.write_text(SETS)
    out = run_cli("prove", str(f)).stdout
    assert "  s = {}\n" in out and "s: {0, 1} -> {0, 1, 2}" in out


def test_json_renders_sets_as_arrays_records_as_objects(tmp_path: Path) -> None:
    f = tmp_path / "t.hp"
    f.write_text(RECORDS)
    _, out = prove_json(str(f))
    r = next(x for x in out["specs"][0]["results"] if x["invariant"] == "one_owner")
    st = r["trace"]["states"][1]
    assert st["slot"] == {"owner": "c0", "hits": 0, "valid": True}
    assert st["per_cpu"]["c0"] == {"busy": True, "log": ["c0"]}
    write = r["trace"]["steps"][0]["writes"]
    assert {"var": "per_cpu", "index": ["c0"], "before": {"busy": False, "log": []},
            "after": {"busy": True, "log": ["c0"]}} in write
    f.write_text(SETS)
    _, out = prove_json(str(f))
    r = next(x for x in out["specs"][0]["results"] if x["invariant"] == "small")
    assert r["trace"]["states"][0]["seen"] == ["n1"] and r["trace"]["states"][0]["s"] == []


def test_itf_sets_records_sequences(tmp_path: Path) -> None:
    f = tmp_path / "t.hp"
    f.write_text(RECORDS)
    run_cli("prove", str(f), "--itf", str(tmp_path / "itf"))
    d = json.loads((tmp_path / "itf" / "records_one_owner.itf.json").read_text())
    assert d["vars"] == ["slot", "per_cpu"]
    st = d["states"][1]
    assert st["slot"] == {"owner": "c0", "hits": {"#bigint": "0"}, "valid": True}
    assert st["per_cpu"] == {"#map": [["c0", {"busy": True, "log": ["c0"]}],
                                      ["c1", {"busy": False, "log": []}]]}
    f.write_text(SETS)
    run_cli("prove", str(f), "--itf", str(tmp_path / "itf2"))
    d = json.loads((tmp_path / "itf2" / "sets_small.itf.json").read_text())
    assert d["states"][1]["s"] == {"#set": [{"#bigint": "0"}]}


def test_tla_export(tmp_path: Path) -> None:
    f = tmp_path / "t.hp"
    f.write_text(SETS)
    run_cli("export", "--tla", str(f), "-o", str(tmp_path))
    tla = (tmp_path / "sets.tla").read_text()
    assert "s \\in (SUBSET (0..3))" in tla and "s' = (s \\cup {x})" in tla
    assert "(Cardinality(s) >= 2)" in tla and "s' = (s \\ {x_1 \\in (0..3) : (x_1 < 2)})" in tla \
        or "s' = (s \\ {x \\in (0..3) : (x < 2)})" in tla
    assert "\\subseteq" in tla and "(s \\cap {1, 2})" in tla
    assert "Sequences" not in tla
    f.write_text(RECORDS)
    run_cli("export", "--tla", str(f), "-o", str(tmp_path))
    tla = (tmp_path / "records.tla").read_text()
    assert "EXTENDS Integers, FiniteSets, Sequences" in tla
    assert "slot \\in Entry" in tla and "Entry == [owner: Cpu, hits: (0..2), valid: BOOLEAN]" in tla
    assert '[slot EXCEPT !.owner = c, !.valid = TRUE]' in tla
    assert "![c].busy = TRUE]" in tla and "Append(per_cpu[c].log, slot.owner)" in tla
    assert "log: (UNION {[1..k -> Cpu] : k \\in 0..2})" in tla
    assert '[owner |-> "c0", hits |-> 0, valid |-> FALSE]' in tla


# ---- errors -----------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "want"), [
    ("spec t\nvar s: set of 0..3\ninvariant i: Cardinality(s) <= 2\n", ("HP460", 3, 14)),
    ("spec t\nvar s: set of 0..3\ninvariant i: card(s, s) <= 2\n", ("HP461", 3, 14)),
    ("spec t\nvar s: set of 0..3\ninvariant i: len(s) <= 2\n", ("HP461", 3, 18)),
    ("spec t\nvar s: set of 0..2\nvar u: set of 0..5\naction a { s' = u }\n", ("HP462", 4, 17)),
    ("spec t\ntype E = {a, b}\nvar s: set of 0..2\nvar t: set of E\n"
     "invariant i: card(union(s, t)) = 0\n", ("HP462", 5, 19)),
    ("spec t\nvar s: set of 0..2\ninvariant i: card({}) = 0\n", ("HP463", 3, 19)),
    ("spec t\nvar q: seq[2] of bool\ninvariant i: len([]) = 0\n", ("HP463", 3, 18)),
    ("spec t\nvar s: set of 0..2\ninit { s = {1, 5} }\n", ("HP464", 3, 16)),
    ("spec t\nvar s: set of 0..2\ninit { s = {true} }\n", ("HP464", 3, 13)),
    ("spec t\nvar s: set of 0..2\ninvariant i: s[1]\n", ("HP465", 3, 14)),
    ("spec t\nvar s: set of 0..2\naction a { s'[1] = true }\n", ("HP465", 3, 12)),
    ("spec t\ntype F = 0..1 -> bool\nvar s: set of F\n", ("HP466", 3, 15)),
    ("spec t\nvar q: seq[0] of bool\n", ("HP467", 2, 12)),
    ("spec t\nvar r: {a: 0..3, b: bool}\ninvariant i: r.c = 1\n", ("HP468", 3, 16)),
    ("spec t\nvar r: {a: 0..3, a: bool}\n", ("HP468", 2, 18)),
    ("spec t\nvar r: {a: 0..3, b: bool}\ninit { r = [a: 1] }\n", ("HP468", 3, 12)),
    ("spec t\nvar x: 0..3\ninvariant i: x.a = 1\n", ("HP468", 3, 16)),
    ("spec t\nvar q: seq[2] of 0..3\ninit { q = [1, 2, 3] }\n", ("HP469", 3, 12)),
    ("spec t\nvar q: seq[2] of 0..3\naction a { q' = append(q, true) }\n", ("HP464", 3, 27)),
])
def test_error_codes_and_positions(tmp_path: Path, text: str, want: tuple[str, int, int]) -> None:
    assert errors(tmp_path, text)[0] == want


@pytest.mark.parametrize(("text", "start"), [
    ("invariant i: s \\union s = s", "`\\union` is not hp syntax; for set union write"),
    ("invariant i: s \\cup s = s", "`\\cup` is not hp syntax"),
    ("invariant i: s \\cap s = s", "`\\cap` is not hp syntax; for set intersection"),
    ("invariant i: s \\intersect s = s", "`\\intersect` is not hp syntax"),
    ("invariant i: s \\subseteq s", "`\\subseteq` is not hp syntax; for a subset test"),
    ("init { q = <<1, 2>> }", "`<<a, b>>` is not hp syntax"),
    ("init { r = [a |-> 1] }", "`|->` is not hp syntax; for a record"),
    ("invariant i: [q EXCEPT ![1] = 2] = q", "`EXCEPT` is not hp syntax"),
    ("var y: SUBSET {a, b}", "`SUBSET S` is not hp syntax"),
])
def test_tla_spellings_get_hints(text: str, start: str) -> None:
    spec = "spec t\nvar s: set of 0..2\nvar q: seq[2] of 0..3\n" + text + "\n"
    with pytest.raises(HpError) as info:
        parse_text(spec, "t.hp")
    d = info.value.diagnostics[0]
    assert d.code == "HP007" and d.message.startswith(start), d.message
    assert d.span.line == 4


@pytest.mark.parametrize("name", ["Len", "Append", "Head", "Tail", "Cardinality"])
def test_tla_function_names_get_hints(tmp_path: Path, name: str) -> None:
    text = f"spec t\nvar q: seq[2] of 0..3\ninvariant i: {name}(q) = 0\n"
    f = tmp_path / "t.hp"
    f.write_text(text)
    with pytest.raises(HpError) as info:
        check(load_spec(str(f), SourceCache()), {})
    d = info.value.diagnostics[0]
    assert d.code == "HP460" and "write `" in d.message


# ---- the new words stay names (DESIGN rule 1) ----------------------------------------------
@pytest.mark.parametrize("word", ["set", "of", "seq", "union", "inter", "minus", "subset", "card",
                                  "len", "head", "tail", "append", "with"])
def test_new_words_are_ordinary_names(tmp_path: Path, word: str) -> None:
    text = (f"spec t\nvar {word}: 0..3\nvar s: set of 0..3\nvar q: seq[2] of 0..3\n"
            f"init {{ {word} = 0  s = {{}}  q = [] }}\n"
            f"action a {{ {word}' = {word} + 1  s' = union(s, {{{word}}}) }}\n"
            f"invariant i: card(s) <= 3 and len(q) = 0 and {word} <= 3\n")
    got = verdicts(tmp_path, text, "explicit")
    assert got["i"] == ("violated", 4) and got["types"] == ("violated", 4)


def test_a_call_touches_its_parenthesis() -> None:
    """`b(c)` is a call of b; `b (c)` is, as it always was, two init items (`b`, then `(c)`):
    init items need no `;`, so a spec that wrote `x = idle` and then `(y = 0 or y = 1)` keeps
    its meaning (the grammar's _CALL_LPAR)."""
    spec = parse_text("spec t\ninit { a = b(c) }\n", "t.hp")
    (init,) = spec.decls[1:]
    assert len(init.items) == 1  # type: ignore[union-attr]
    for text in ("spec t\ninit { a = b (c) }\n", "spec t\ninit { a = b\n  (c or d) }\n",
                 "spec t\ninit { a = b;  (c) }\n"):
        spec = parse_text(text, "t.hp")
        (init,) = spec.decls[1:]
        assert len(init.items) == 2, text  # type: ignore[union-attr]


def test_enum_syntax_unchanged_in_types(tmp_path: Path) -> None:
    m = model(tmp_path, "spec t\nvar x: {a, b}\nvar s: set of {c, d}\n"
                        "invariant i: x in {a} or c in s\n")
    assert m.var_type("x") == ir.EnumT("{a, b}", (ir.EnumValue("a"), ir.EnumValue("b")))
    t = m.var_type("s")
    assert isinstance(t, ir.FunT) and t.is_set() and str(t) == "set of {c, d}"


# ---- a pre-existing bug the data tests found (engines/compiled.py) ---------------------------
def test_one_cell_rows_compare_as_functions(tmp_path: Path) -> None:
    text = ("spec plain\nvar n: bool -> 0..1\nvar g: bool -> 1..1 -> bool\n"
            "invariant i2: g[true] != [x in 1..1: true] or n[false] = 0\n")
    for engine in ENGINES:
        assert verdicts(tmp_path, text, engine)["i2"] == ("violated", 0), engine


@pytest.mark.parametrize("text", [SETS, QUEUE, RECORDS], ids=["sets", "queue", "records"])
def test_tla_export_parses(tmp_path: Path, text: str) -> None:
    tla = pytest.importorskip("tla")
    from test_export import _tree_sitter

    f = tmp_path / "t.hp"
    f.write_text(text)
    p = run_cli("export", "--tla", str(f))
    tla.parse(p.stdout)  # raises on a syntax error
    assert not _tree_sitter(p.stdout).root_node.has_error
