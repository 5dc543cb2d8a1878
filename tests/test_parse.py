"""parse.py: text → syntax tree. Structure (spans are out of equality), spans, precedence
and associativity, open forms, init items, `;` rules, contextual keywords, HP001–HP007 (the TLA+ hints),
HP010, HP011."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from hpverify import syntax as s
from hpverify.diagnostics import HpError, SourceCache, Span
from hpverify.parse import KEYWORDS, load_spec, parse_text

Z = Span("t.hp", 0, 0, 0, 0)


def mk(cls: type, *args: object) -> Any:
    """A syntax node with dummy spans (spans are out of equality)."""
    rest = [f for f in fields(cls)[len(args):] if not f.compare]
    return cls(*args, **{f.name: (() if f.name == "value_spans" else Z) for f in rest})


def N(name: str) -> s.Name:
    return mk(s.Name, name)


def I(value: int) -> s.IntLit:  # noqa: E743
    return mk(s.IntLit, value)


def B(op: str, a: s.Expr, b: s.Expr) -> s.Binary:
    return mk(s.Binary, op, a, b)


def U(op: str, a: s.Expr) -> s.Unary:
    return mk(s.Unary, op, a)


def expr(text: str) -> s.Expr:
    spec = parse_text(f"spec t\ninvariant i: {text}\n", "t.hp")
    decl = spec.decls[1]
    assert isinstance(decl, s.InvariantDecl)
    return decl.body


def errors(text: str) -> list[tuple[str, int, int]]:
    with pytest.raises(HpError) as info:
        parse_text(text, "t.hp")
    return [(d.code, d.span.line, d.span.col) for d in info.value.diagnostics]


# ---- declarations ---------------------------------------------------------------------------
def test_declarations_in_order() -> None:
    spec = parse_text("""spec counter
const N = 3
type Cpu = {c0, c1}
type Page = 1..N
type Map = Page -> bool
var x: 0..N
var pc: Cpu -> {start, done}
init { x = 0 }
action incr(c: Cpu, p: Page) by c { require x < N  x' = x + 1 }
invariant small: x <= 1
check depth 5
check N in 1..3
expect small violated in 2
expect small violated
expect when N = 3: small holds
include "lib.hp"
""", "t.hp")
    kinds = [type(d).__name__ for d in spec.decls]
    assert kinds == ["SpecDecl", "ConstDecl", "TypeDecl", "TypeDecl", "TypeDecl", "VarDecl",
                     "VarDecl", "InitDecl", "ActionDecl", "InvariantDecl", "CheckDepth",
                     "CheckSweep", "ExpectDecl", "ExpectDecl", "ExpectDecl", "IncludeDecl"]
    d = spec.decls
    assert d[0] == mk(s.SpecDecl, "counter")
    assert d[1] == mk(s.ConstDecl, "N", I(3))
    assert d[2] == mk(s.TypeDecl, "Cpu", mk(s.EnumType, ("c0", "c1")))
    assert d[3] == mk(s.TypeDecl, "Page", mk(s.RangeType, I(1), N("N")))
    assert d[4] == mk(s.TypeDecl, "Map", mk(s.FunType, mk(s.TypeName, "Page"), mk(s.BoolType)))
    assert d[6] == mk(s.VarDecl, "pc", mk(s.FunType, mk(s.TypeName, "Cpu"), mk(s.EnumType, ("start", "done"))))
    act = d[8]
    assert isinstance(act, s.ActionDecl)
    assert act.params == (mk(s.Param, "c", mk(s.TypeName, "Cpu")), mk(s.Param, "p", mk(s.TypeName, "Page")))
    assert act.actor == N("c")
    assert act.body == (mk(s.Require, B("<", N("x"), N("N"))),
                        mk(s.Assign, "x", (), B("+", N("x"), I(1))))
    assert d[10] == mk(s.CheckDepth, 5)
    assert d[11] == mk(s.CheckSweep, "N", mk(s.RangeType, I(1), I(3)))
    assert d[12] == mk(s.ExpectDecl, None, "small", "violated", 2)
    assert d[13] == mk(s.ExpectDecl, None, "small", "violated", None)
    assert d[14] == mk(s.ExpectDecl, B("=", N("N"), I(3)), "small", "holds", None)
    assert d[15] == mk(s.IncludeDecl, "lib.hp")


def test_function_types_nest_right() -> None:
    spec = parse_text("spec t\nvar g: 1..2 -> bool -> {a, b}\n", "t.hp")
    assert spec.decls[1] == mk(s.VarDecl, "g", mk(s.FunType,
        mk(s.RangeType, I(1), I(2)), mk(s.FunType, mk(s.BoolType), mk(s.EnumType, ("a", "b")))))


def test_action_without_params_or_actor() -> None:
    spec = parse_text("spec t\naction a { }\naction b() by 1 { }\n", "t.hp")
    assert spec.decls[1] == mk(s.ActionDecl, "a", (), None, ())
    assert spec.decls[2] == mk(s.ActionDecl, "b", (), I(1), ())


def test_statements() -> None:
    spec = parse_text("""spec t
action a(i: 1..2) {
  let y = i + 1
  f'[i][y] = 2
  if x = 1 { x' = 2 } else if x = 2 { require false } else { x' = 0 }
}
""", "t.hp")
    act = spec.decls[1]
    assert isinstance(act, s.ActionDecl)
    assert act.body == (
        mk(s.Let, "y", B("+", N("i"), I(1))),
        mk(s.Assign, "f", (N("i"), N("y")), I(2)),
        mk(s.If, B("=", N("x"), I(1)), (mk(s.Assign, "x", (), I(2)),),
             (mk(s.If, B("=", N("x"), I(2)), (mk(s.Require, mk(s.BoolLit, False)),),
                   (mk(s.Assign, "x", (), I(0)),)),)),
    )


def test_empty_file_parses_to_no_declarations() -> None:
    assert parse_text("", "t.hp").decls == ()
    assert parse_text("# only a comment\n\n", "t.hp").decls == ()


# ---- spans ----------------------------------------------------------------------------------
def test_spans_are_kept_but_not_compared() -> None:
    text = "spec t\nvar x: 0..3\ninvariant i: x + 1 = 2 and not x < 1\n"
    spec = parse_text(text, "t.hp")
    inv = spec.decls[2]
    assert isinstance(inv, s.InvariantDecl)
    assert (inv.span.line, inv.span.col) == (3, 1)
    assert (inv.name_span.line, inv.name_span.col, inv.name_span.end_col) == (3, 11, 12)
    body = inv.body
    assert isinstance(body, s.Binary) and body.op == "and"
    assert (body.span.line, body.span.col, body.span.end_col) == (3, 14, 37)
    eq = body.left
    assert isinstance(eq, s.Binary)
    assert (eq.op_span.col, eq.op_span.end_col) == (20, 21)
    assert (body.right.span.col, body.right.span.end_col) == (28, 37)
    # moving the text moves the spans but not the tree
    moved = parse_text("spec t\n\n\nvar   x: 0..3\ninvariant i:    x+1=2 and not x<1\n", "u.hp")
    assert moved.decls[2] == inv
    assert moved.decls[2].span.line == 5  # type: ignore[union-attr]


def test_multiline_span() -> None:
    spec = parse_text("spec t\ninvariant i: true and\n   false\n", "t.hp")
    body = spec.decls[1].body  # type: ignore[union-attr]
    assert (body.span.line, body.span.col, body.span.end_line, body.span.end_col) == (2, 14, 3, 9)


def test_assignment_target_span() -> None:
    spec = parse_text("spec t\naction a {  f'[1] = 2 }\n", "t.hp")
    st = spec.decls[1].body[0]  # type: ignore[union-attr]
    assert isinstance(st, s.Assign)
    assert (st.target_span.col, st.target_span.end_col) == (13, 15)
    assert (st.span.col, st.span.end_col) == (13, 22)


# ---- precedence and associativity -------------------------------------------------------------
PRECEDENCE = [
    ("a or b and c", B("or", N("a"), B("and", N("b"), N("c")))),
    ("a and b or c", B("or", B("and", N("a"), N("b")), N("c"))),
    ("not a and b", B("and", U("not", N("a")), N("b"))),
    ("not a = b", U("not", B("=", N("a"), N("b")))),
    ("not not a", U("not", U("not", N("a")))),
    ("a implies b or c", B("implies", N("a"), B("or", N("b"), N("c")))),
    ("a implies b implies c", B("implies", N("a"), B("implies", N("b"), N("c")))),
    ("a or b or c", B("or", B("or", N("a"), N("b")), N("c"))),
    ("a and b and c", B("and", B("and", N("a"), N("b")), N("c"))),
    ("a - b - c", B("-", B("-", N("a"), N("b")), N("c"))),
    ("a - b + c", B("+", B("-", N("a"), N("b")), N("c"))),
    ("a * b * c", B("*", B("*", N("a"), N("b")), N("c"))),
    ("a + b * c", B("+", N("a"), B("*", N("b"), N("c")))),
    ("a * b + c", B("+", B("*", N("a"), N("b")), N("c"))),
    ("-a * b", B("*", U("-", N("a")), N("b"))),
    ("- - a", U("-", U("-", N("a")))),
    ("-f[1]", U("-", mk(s.Index, N("f"), I(1)))),
    ("a + 1 < b * 2", B("<", B("+", N("a"), I(1)), B("*", N("b"), I(2)))),
    ("a != b", B("!=", N("a"), N("b"))),
    ("a >= b and a <= c", B("and", B(">=", N("a"), N("b")), B("<=", N("a"), N("c")))),
    ("a = b implies c", B("implies", B("=", N("a"), N("b")), N("c"))),
    ("(a implies b) implies c", B("implies", B("implies", N("a"), N("b")), N("c"))),
    ("g[r][c]", mk(s.Index, mk(s.Index, N("g"), N("r")), N("c"))),
    ("(g)[1]", mk(s.Index, N("g"), I(1))),
    ("[x in bool: x][true]", mk(s.Index, mk(s.FunCons, "x", mk(s.BoolType), N("x")), mk(s.BoolLit, True))),
    ("x in 0..N-1", mk(s.Member, N("x"), mk(s.RangeType, I(0), B("-", N("N"), I(1))))),
    ("x in N-1..N+1", mk(s.Member, N("x"), mk(s.RangeType, B("-", N("N"), I(1)), B("+", N("N"), I(1))))),
    ("x in {a, b}", mk(s.Member, N("x"), mk(s.EnumType, ("a", "b")))),
    ("x in bool", mk(s.Member, N("x"), mk(s.BoolType))),
    ("x in Cpu", mk(s.Member, N("x"), mk(s.TypeName, "Cpu"))),
    ("not x in Cpu", U("not", mk(s.Member, N("x"), mk(s.TypeName, "Cpu")))),
    ("x + 1 in Cpu and b", B("and", mk(s.Member, B("+", N("x"), I(1)), mk(s.TypeName, "Cpu")), N("b"))),
]


@pytest.mark.parametrize(("text", "tree"), PRECEDENCE, ids=[t for t, _ in PRECEDENCE])
def test_precedence(text: str, tree: s.Expr) -> None:
    assert expr(text) == tree


OPEN_FORMS = [
    ("a and forall x in D: p or q",
     B("and", N("a"), mk(s.Quant, "forall", "x", mk(s.TypeName, "D"), B("or", N("p"), N("q"))))),
    ("forall x in D: exists y in D: p",
     mk(s.Quant, "forall", "x", mk(s.TypeName, "D"), mk(s.Quant, "exists", "y", mk(s.TypeName, "D"), N("p")))),
    ("count x in D: p <= 1",
     mk(s.Quant, "count", "x", mk(s.TypeName, "D"), B("<=", N("p"), I(1)))),
    ("(count x in D: p) <= 1",
     B("<=", mk(s.Quant, "count", "x", mk(s.TypeName, "D"), N("p")), I(1))),
    ("1 + count x in D: p",
     B("+", I(1), mk(s.Quant, "count", "x", mk(s.TypeName, "D"), N("p")))),
    ("if c then a else b + 1",
     mk(s.IfExpr, N("c"), N("a"), B("+", N("b"), I(1)))),
    ("x = if c then 1 else 2",
     B("=", N("x"), mk(s.IfExpr, N("c"), I(1), I(2)))),
    ("a implies if c then p else q and r",
     B("implies", N("a"), mk(s.IfExpr, N("c"), N("p"), B("and", N("q"), N("r"))))),
    ("not forall x in D: p and q",
     U("not", mk(s.Quant, "forall", "x", mk(s.TypeName, "D"), B("and", N("p"), N("q"))))),
    ("- if c then 1 else 2 * 3",
     U("-", mk(s.IfExpr, N("c"), I(1), B("*", I(2), I(3))))),
    ("2 * count x in D: p",
     B("*", I(2), mk(s.Quant, "count", "x", mk(s.TypeName, "D"), N("p")))),
    ("if a then if b then 1 else 2 else 3",
     mk(s.IfExpr, N("a"), mk(s.IfExpr, N("b"), I(1), I(2)), I(3))),
    ("forall x in 0..N-1: f[x]",
     mk(s.Quant, "forall", "x", mk(s.RangeType, I(0), B("-", N("N"), I(1))), mk(s.Index, N("f"), N("x")))),
    ("[x in {a, b}: x = a or p]",
     mk(s.FunCons, "x", mk(s.EnumType, ("a", "b")), B("or", B("=", N("x"), N("a")), N("p")))),
    ("a or exists x in bool: x",
     B("or", N("a"), mk(s.Quant, "exists", "x", mk(s.BoolType), N("x")))),
]


@pytest.mark.parametrize(("text", "tree"), OPEN_FORMS, ids=[t for t, _ in OPEN_FORMS])
def test_open_forms_extend_right_as_last_operand(text: str, tree: s.Expr) -> None:
    assert expr(text) == tree


@pytest.mark.parametrize("text", [
    "a = b = c", "a < b < c", "a != b != c", "a <= b = c", "x in D in E", "x in D = y",
    "a = b in D",
    "forall x in D: p and q = r = s",
])
def test_comparisons_are_non_associative(text: str) -> None:
    errs = errors(f"spec t\ninvariant i: {text}\n")
    assert [c for c, _, _ in errs] == ["HP002"]


def test_open_form_as_left_operand_needs_parentheses() -> None:
    # without parentheses the body swallows the operator: never `(forall ...) and q`
    assert isinstance(expr("forall x in D: p and q"), s.Quant)
    assert expr("(forall x in D: p) and q") == B(
        "and", mk(s.Quant, "forall", "x", mk(s.TypeName, "D"), N("p")), N("q"))


def test_open_form_cannot_be_left_operand_of_comparison() -> None:
    # `count x in D: p <= 1` is count of (p <= 1); a parenthesized count compares
    e = expr("(count x in D: p) + 1 = 2")
    assert e == B("=", B("+", mk(s.Quant, "count", "x", mk(s.TypeName, "D"), N("p")), I(1)), I(2))


# ---- init items and `;` -------------------------------------------------------------------
def _init(text: str) -> tuple[s.Expr, ...]:
    spec = parse_text(f"spec t\ninit {{ {text} }}\n", "t.hp")
    d = spec.decls[1]
    assert isinstance(d, s.InitDecl)
    return d.items


def test_init_items_juxtaposed() -> None:
    assert _init("x = 0  y = 1  forall c in C: p[c]") == (
        B("=", N("x"), I(0)), B("=", N("y"), I(1)),
        mk(s.Quant, "forall", "c", mk(s.TypeName, "C"), mk(s.Index, N("p"), N("c"))))


def test_init_item_extends_as_far_as_it_can() -> None:
    assert len(_init("x = y - 1")) == 1
    # `-` continues the previous item; after `;` it starts a new one
    assert _init("x = 0 ; -1 < y") == (B("=", N("x"), I(0)),
                                        B("<", U("-", I(1)), N("y")))
    assert _init("x = 0 - 1") == (B("=", N("x"), B("-", I(0), I(1))),)
    # `[` continues as an index; after `;` it starts a function constructor
    assert _init("b = g [1]") == (B("=", N("b"), mk(s.Index, N("g"), I(1))),)
    assert _init("b = g ; [i in bool: i] = h") == (
        B("=", N("b"), N("g")), B("=", mk(s.FunCons, "i", mk(s.BoolType), N("i")), N("h")))
    # a forall body extends over following juxtaposed items only through operators
    assert len(_init("forall c in C: p[c]  x = 0")) == 2


def test_init_items_with_semicolons() -> None:
    assert len(_init("x = 0; y = 1;")) == 2
    assert _init("") == ()
    assert errors("spec t\ninit { x = 0;; y = 1 }\n")[0][0] == "HP002"
    assert errors("spec t\ninit { ; }\n")[0][0] == "HP002"


def test_semicolons_after_declarations_and_statements() -> None:
    text = ("spec t; const N = 1; var x: 0..N; init { x = 0; }; "
            "action a { require x = 0; x' = 1; }; invariant i: x <= 1; check depth 3;")
    kinds = [type(d).__name__ for d in parse_text(text, "t.hp").decls]
    assert kinds == ["SpecDecl", "ConstDecl", "VarDecl", "InitDecl", "ActionDecl",
                     "InvariantDecl", "CheckDepth"]


@pytest.mark.parametrize(("text", "where"), [
    ("spec t;;\n", (1, 8)),
    ("spec t\naction a { x' = 1;; }\n", (2, 19)),
    ("spec t\nvar x: bool;\n;\n", (3, 1)),
])
def test_at_most_one_semicolon(text: str, where: tuple[int, int]) -> None:
    errs = errors(text)
    assert errs == [("HP002", *where)]


def test_whitespace_and_comments_only_separate() -> None:
    a = parse_text("spec t\nvar x:0..3\ninvariant i:x<=1 and not(x=2)\n", "t.hp")
    b = parse_text("spec t # c\n\n var   x :\n 0 .. 3 # c\ninvariant i :\n x <= 1  # c\n"
                   " and not ( x = 2 )\n", "t.hp")
    assert a.decls == b.decls


# ---- lexical --------------------------------------------------------------------------------
def test_primed_needs_no_space() -> None:
    errs = errors("spec t\naction a { x ' = 1 }\n")
    assert errs == [("HP002", 2, 14)]


def test_primed_in_expression_parses_and_is_rejected_later() -> None:
    assert expr("x' = 1") == B("=", mk(s.Primed, "x"), I(1))


def test_identifiers() -> None:
    e = expr("_a1 + A_b + x9")
    assert e == B("+", B("+", N("_a1"), N("A_b")), N("x9"))


@pytest.mark.parametrize("kw", sorted(KEYWORDS))
def test_keywords_cannot_be_names(kw: str) -> None:
    with pytest.raises(HpError) as info:
        parse_text(f"spec t\nvar {kw}: bool\n", "t.hp")
    (d,) = info.value.diagnostics
    assert (d.code, d.message) == ("HP002", f"unexpected keyword '{kw}'")
    assert (d.span.line, d.span.col, d.span.end_col) == (2, 5, 5 + len(kw))


@pytest.mark.parametrize("kw", ["count", "spec", "true"])
def test_primed_keyword_hp003(kw: str) -> None:
    with pytest.raises(HpError) as info:
        parse_text(f"spec t\naction a {{ {kw}' = 1 }}\nvar x: bool\naction b {{ if' = 2 }}\n",
                   "t.hp")
    got = [(d.code, d.message, d.span.line, d.span.col) for d in info.value.diagnostics]
    assert got == [("HP003", f"'{kw}' is a keyword and cannot be used as a name", 2, 12),
                   ("HP003", "'if' is a keyword and cannot be used as a name", 4, 12)]


def test_keyword_list_is_the_contract_list() -> None:
    contract = ("spec const type var init action by require if then else let invariant expect "
                "holds violated in depth check forall exists count true false and or not "
                "implies bool")
    assert set(contract.split()) == KEYWORDS


@pytest.mark.parametrize("word", ["when", "include"])
def test_contextual_keywords_are_names_elsewhere(word: str) -> None:
    spec = parse_text(f"spec t\nvar {word}: bool\ninvariant i: {word} or not {word}\n"
                      f"action {word} {{ {word}' = not {word} }}\n", "t.hp")
    assert spec.decls[1] == mk(s.VarDecl, word, mk(s.BoolType))


@pytest.mark.parametrize("word", [
    "when",
    "include",
])
def test_contextual_keyword_as_second_init_item(word: str) -> None:
    spec = parse_text(f"spec t\nvar x: bool\nvar {word}: bool\ninit {{ x  {word} }}\n", "t.hp")
    d = spec.decls[3]
    assert isinstance(d, s.InitDecl) and d.items == (N("x"), N(word))


def test_expect_invariant_named_when() -> None:
    spec = parse_text("spec t\nvar b: bool\ninvariant when: b\nexpect when holds\n", "t.hp")
    assert spec.decls[3] == mk(s.ExpectDecl, None, "when", "holds", None)


def test_expect_when_condition_may_use_a_name_when() -> None:
    spec = parse_text("spec t\nconst when = true\ninvariant i: true\nexpect when when: i holds\n",
                      "t.hp")
    assert spec.decls[3] == mk(s.ExpectDecl, N("when"), "i", "holds", None)


def test_integer_literals_are_decimal() -> None:
    assert expr("007 + 10") == B("+", I(7), I(10))
    assert errors("spec t\ninvariant i: 0x10 = 16\n")[0][0] == "HP002"


# ---- syntax errors --------------------------------------------------------------------------
def test_unexpected_character_hp001() -> None:
    assert errors("spec t\ninvariant i: x @ 1\n") == [("HP001", 2, 16)]
    assert errors("spec t\ninvariant i: x $\n") == [("HP001", 2, 16)]


def test_unexpected_token_hp002_has_expected_note() -> None:
    with pytest.raises(HpError) as info:
        parse_text("spec t\nvar x: 0..3\ninvariant i: x = 1 = 2\n", "t.hp")
    (d,) = info.value.diagnostics
    assert d.code == "HP002" and d.message == "unexpected token '=': comparisons do not chain"
    assert (d.span.line, d.span.col) == (3, 20)
    assert d.notes and "a = b and b = c" in d.notes[0].message


def test_unexpected_end_of_file() -> None:
    with pytest.raises(HpError) as info:
        parse_text("spec t\naction a {\n  x' = 1\n", "t.hp")
    (d,) = info.value.diagnostics
    assert d.code == "HP002" and d.message == "unexpected end of file"
    assert (d.span.line, d.span.col) == (3, 9)


def test_keyword_in_wrong_place_names_the_keyword() -> None:
    with pytest.raises(HpError) as info:
        parse_text("spec t\naction a { x' = 1\ninvariant i: true\n", "t.hp")
    (d,) = info.value.diagnostics
    assert d.message == "unexpected keyword 'invariant'" and (d.span.line, d.span.col) == (3, 1)


def test_domain_must_be_a_name_hp004() -> None:
    assert errors("spec t\nconst N = 2\nvar x: N + 1\n") == [("HP004", 3, 8)]
    assert errors("spec t\ninvariant i: forall x in f[1]: x\n") == [("HP004", 2, 26)]


def test_builder_errors_in_one_file_reported_sorted() -> None:
    errs = errors("spec t\nvar x: y + 1\naction a { then' = 1  else' = 2 }\n")
    assert errs == [("HP004", 2, 8), ("HP003", 3, 12), ("HP003", 3, 23)]


# ---- include (extension) ----------------------------------------------------------------------
def test_include_splices_declarations(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "pool.hp").write_text("const K = 2\ninclude \"more.hp\"\n")
    (tmp_path / "lib" / "more.hp").write_text("type Page = 1..K\n")
    (tmp_path / "main.hp").write_text("spec m\ninclude \"lib/pool.hp\"\nvar x: Page\n")
    spec = load_spec(str(tmp_path / "main.hp"), SourceCache())
    assert [type(d).__name__ for d in spec.decls] == ["SpecDecl", "ConstDecl", "TypeDecl",
                                                      "VarDecl"]
    assert spec.decls[2].span.file.endswith("more.hp")  # type: ignore[union-attr]


def test_include_errors(tmp_path: Path) -> None:
    def codes(main: str) -> list[str]:
        with pytest.raises(HpError) as info:
            load_spec(str(tmp_path / main), SourceCache())
        return [d.code for d in info.value.diagnostics]

    (tmp_path / "self.hp").write_text("spec s\ninclude \"self.hp\"\n")
    (tmp_path / "frag.hp").write_text("spec f\n")
    (tmp_path / "usefrag.hp").write_text("spec u\ninclude \"frag.hp\"\n")
    (tmp_path / "c1.hp").write_text("include \"c2.hp\"\n")
    (tmp_path / "c2.hp").write_text("include \"c1.hp\"\n")
    (tmp_path / "cyc.hp").write_text("spec c\ninclude \"c1.hp\"\n")
    (tmp_path / "missing.hp").write_text("spec c\ninclude \"nope.hp\"\n")
    (tmp_path / "bad.hp").write_text("spec c\ninclude \"broken.hp\"\n")
    (tmp_path / "broken.hp").write_text("var x: \n")
    assert codes("self.hp") == ["HP011"]
    assert codes("usefrag.hp") == ["HP011"]
    assert codes("cyc.hp") == ["HP011"]
    assert codes("missing.hp") == ["HP010"]
    assert codes("bad.hp") == ["HP002"]
    assert codes("no_such_file.hp") == ["HP010"]


def test_include_path_is_a_plain_string() -> None:
    assert errors("spec t\ninclude lib.hp\n")[0][0] == "HP002"
    assert errors("spec t\ninclude \"a\nb\"\n")[0][0] in ("HP001", "HP002")


# ---- hints for TLA+ (and C) habits: HP005, HP006, HP007 ---------------------------------------
def diagnostics(text: str) -> list[tuple[str, int, int, int, str]]:
    with pytest.raises(HpError) as info:
        parse_text(text, "t.hp")
    return [(d.code, d.span.line, d.span.col, d.span.end_col, d.message)
            for d in info.value.diagnostics]


HEAD = "spec t\nvar a: 0..2\nvar b: 0..2\n"  # lines 1-3; the case's text starts on line 4
HASH = "`#` starts a comment; for not-equal write `!=`"


@pytest.mark.parametrize("text,want", [
    ("invariant differ: a # b\n", [("HP005", 4, 21, 22, HASH)]),
    ("invariant differ: a #b\n", [("HP005", 4, 21, 22, HASH)]),
    ("invariant differ: a+1 # b[0]\n", [("HP005", 4, 23, 24, HASH)]),
    ("init { a = 0  b # 0 }\n", [("HP005", 4, 17, 18, HASH)]),  # else: end of file
    ("init { a = 0  b = 0 }\naction s { require a # b  a' = b }\n", [("HP005", 5, 22, 23, HASH)]),
    ("invariant i: a # b\ninvariant j: b # a\n",
     [("HP005", 4, 16, 17, HASH), ("HP005", 5, 16, 17, HASH)]),
], ids=["invariant", "no-space", "index", "init", "require", "two"])
def test_hash_after_an_operand(text: str, want: list[tuple[str, int, int, int, str]]) -> None:
    assert diagnostics(HEAD + text) == want


@pytest.mark.parametrize("text", [
    "invariant i: a <= 1  # the bound\n",          # prose
    "action s { a' = a + 1  # increment\n}\n",     # a name the spec does not use
    "var c: 0..2  # c\n",                          # `0..2 != c` is no declaration
    "invariant i: a <= 1\n# b\n",                  # a comment on its own line
    'include "x.hp"  # b\n' if False else "invariant i: a = 1  # a (b too)\n",
    "const K = 2  # pages in the pool (1..K)\n",
])
def test_trailing_comments_stay_comments(text: str) -> None:
    parse_text(HEAD + text, "t.hp")


@pytest.mark.parametrize("word,suggestion", [
    ("variable", "var"), ("VARIABLE", "var"), ("VARIABLES", "var"), ("constant", "const"),
    ("CONSTANT", "const"), ("invarant", "invariant"), ("INVARIANT", "invariant"),
    ("property", "invariant"), ("Init", "init"), ("acton", "action"), ("def", None),
])
def test_unknown_declaration(word: str, suggestion: str | None) -> None:
    msg = f"unknown declaration `{word}`" + (f"; did you mean `{suggestion}`?" if suggestion
                                              else "")
    assert diagnostics(f"spec t\n  {word} x: 0..2\n") == [("HP006", 2, 3, 3 + len(word), msg)]


def test_unknown_declaration_at_the_end_of_the_file() -> None:
    assert diagnostics("spec t\nvar x: bool\nvariable") == [
        ("HP006", 3, 1, 9, "unknown declaration `variable`; did you mean `var`?")]


def test_a_word_inside_a_line_is_not_a_declaration() -> None:
    # `y` continues the invariant (wrongly); it is not a misspelled declaration
    assert [d[0] for d in diagnostics("spec t\nvar x: 0..3\ninvariant ok: x = 1 y = 2\n")] \
        == ["HP002"]
    assert errors('spec t\nincluded "x.hp"\n') == [("HP002", 2, 1)]  # the builder's word check


def _op(spelling: str, meaning: str, hp: str) -> str:
    return f"`{spelling}` is not hp syntax; for {meaning} write `{hp}`"


@pytest.mark.parametrize("text,want", [
    ("init { a == 0 }", ("HP007", 10, 12, "`==` is TLA+'s definition; for equality write `=`")),
    ("action s { a' == 1 }", ("HP007", 15, 17,
                              "`==` is TLA+'s definition; for equality write `=`")),
    ("invariant i: a = 0 /\\ b = 0", ("HP007", 20, 22, _op("/\\", "conjunction", "and"))),
    ("invariant i: a = 0 \\/ b = 0", ("HP007", 20, 22, _op("\\/", "disjunction", "or"))),
    ("invariant i: a = 0 && b = 0", ("HP007", 20, 22, _op("&&", "conjunction", "and"))),
    ("invariant i: a = 0 || b = 0", ("HP007", 20, 22, _op("||", "disjunction", "or"))),
    ("invariant i: ~(a = 0)", ("HP007", 14, 15, _op("~", "negation", "not"))),
    ("invariant i: !(a = 0)", ("HP007", 14, 15, _op("!", "negation", "not"))),
    ("invariant i: \\A v in 0..2: a != v", ("HP007", 14, 16,
                                            _op("\\A", "a universal quantifier", "forall"))),
    ("invariant i: \\E v in 0..2: a = v", ("HP007", 14, 16,
                                           _op("\\E", "an existential quantifier", "exists"))),
    ("invariant i: a \\in 0..2", ("HP007", 16, 19, _op("\\in", "membership", "in"))),
    ("invariant i: a /= b", ("HP007", 16, 18, _op("/=", "not-equal", "!="))),
    ("invariant i: a = 0 => b = 0", ("HP007", 20, 22,
                                     "`=>` is not hp syntax; for implication write `implies`")),
])
def test_foreign_operators(text: str, want: tuple[str, int, int, str]) -> None:
    code, col, end, msg = want
    assert diagnostics(HEAD + text + "\n") == [(code, 4, col, end, msg)]


def test_other_characters_stay_hp001() -> None:
    assert diagnostics(HEAD + "invariant i: a @ b\n") == [
        ("HP001", 4, 16, 17, "unexpected character '@'")]
    assert diagnostics(HEAD + "invariant i: \\Alpha\n")[0][:3] == ("HP001", 4, 14)


# ---- include confinement (NOTE(include-confinement)) -------------------------------------------
def _load_error(path: Path) -> tuple[str, str]:
    from hpverify.diagnostics import HpError, SourceCache, render
    from hpverify.parse import load_spec

    sources = SourceCache()
    try:
        load_spec(str(path), sources)
    except HpError as err:
        d = err.diagnostics[0]
        return d.code, "\n".join(render(x, sources) for x in err.diagnostics)
    raise AssertionError("no error")


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../etc/passwd", "/proc/self/environ",
                                    "/dev/zero", "../../../../../etc/hostname"])
def test_include_outside_or_not_hp_is_refused_without_echo(tmp_path: Path, target: str) -> None:
    (tmp_path / "t.hp").write_text(f'spec t\ninclude "{target}"\n')
    code, text = _load_error(tmp_path / "t.hp")
    assert code == "HP012"
    assert text.splitlines()[0] == (f"{tmp_path}/t.hp:2:1: error[HP012]: include names a "
                                    f"'.hp' file, not '{target}'")
    assert "root:" not in text and len(text.splitlines()) == 3  # the include line only


def test_include_escaping_the_tree_is_refused(tmp_path: Path) -> None:
    (tmp_path / "proj" / "sub").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "lib.hp").write_text("const K = 2  # SECRET\n")
    (tmp_path / "secret.hp").write_text("SECRET LINE\n")
    (tmp_path / "proj" / "link.hp").symlink_to(tmp_path / "secret.hp")
    cases = {"up.hp": '"../other/lib.hp"', "dots.hp": '"sub/../../secret.hp"',
             "abs.hp": f'"{tmp_path}/secret.hp"', "link.hp2": '"link.hp"'}
    for name, inc in cases.items():
        f = tmp_path / "proj" / name.replace(".hp2", "_user.hp")
        f.write_text(f"spec t\ninclude {inc}\n")
        code, text = _load_error(f)
        assert code == "HP012", (name, text)
        assert "is outside the spec's project" in text and "SECRET" not in text
    # a nested include is confined to the top-level spec's tree too
    (tmp_path / "proj" / "sub" / "frag.hp").write_text('include "../../secret.hp"\n')
    (tmp_path / "proj" / "nested.hp").write_text('spec t\ninclude "sub/frag.hp"\n')
    code, text = _load_error(tmp_path / "proj" / "nested.hp")
    assert code == "HP012" and "SECRET" not in text


def test_include_path_admits_a_directory(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "pool.hp").write_text("const K = 2\n")
    main = tmp_path / "proj" / "m.hp"
    main.write_text('spec m\ninclude "pool.hp"\nvar x: 0..K\n')
    from conftest import run_cli

    p = run_cli("check", str(main))
    assert p.returncode == 2 and "error[HP010]" in p.stderr  # not found beside the spec
    p = run_cli("check", str(main), "--include-path", str(tmp_path / "lib"))
    assert p.returncode == 0, p.stderr


def test_fifo_and_devices_are_not_read(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.hp")
    (tmp_path / "t.hp").write_text('spec t\ninclude "pipe.hp"\n')
    code, text = _load_error(tmp_path / "t.hp")  # would block forever if opened plainly
    assert code == "HP010" and "not a regular file" in text
    from conftest import run_cli

    p = run_cli("check", "/dev/zero")
    assert p.returncode == 2 and "error[HP010]: cannot read '/dev/zero': not a regular file" \
        in p.stderr


def test_include_reaches_the_enclosing_git_work_tree(tmp_path: Path) -> None:
    """`spec/races/r.hp` may include `../lib/h.hp` inside one repository."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "spec" / "races").mkdir(parents=True)
    (tmp_path / "spec" / "lib").mkdir()
    (tmp_path / "spec" / "lib" / "h.hp").write_text("const K = 2\n")
    (tmp_path / "spec" / "races" / "r.hp").write_text('spec r\ninclude "../lib/h.hp"\n')
    from hpverify.diagnostics import SourceCache
    from hpverify.parse import load_spec

    spec = load_spec(str(tmp_path / "spec" / "races" / "r.hp"), SourceCache())
    assert len(spec.decls) == 2
    (tmp_path / "secret.hp").write_text("SECRET\n")
    outside = tmp_path.parent / f"{tmp_path.name}_outside.hp"
    outside.write_text("SECRET\n")
    (tmp_path / "spec" / "races" / "o.hp").write_text(f'spec r\ninclude "../../../{outside.name}"\n')
    code, text = _load_error(tmp_path / "spec" / "races" / "o.hp")
    assert code == "HP012" and "SECRET" not in text
