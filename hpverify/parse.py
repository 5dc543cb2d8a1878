"""Text → syntax tree. The only module that imports Lark.

Lark's exceptions are caught here, in one place, and turned into diagnostics; the tree
builder never raises (it collects the few errors that the grammar cannot express).
`include "file.hp"` (an extension) is resolved here too, relative to the including file
and confined to the project (NOTE(include-confinement)).
"""

from __future__ import annotations

import functools
import os
import re
import stat
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from . import hints
from . import syntax as s
from .diagnostics import Diagnostic, HpError, Note, SourceCache, Span

KEYWORDS = frozenset(
    "spec const type var init action by require if then else let invariant expect holds "
    "violated in depth check forall exists count true false and or not implies bool".split()
)

# How Lark's terminal names read in an error message.
_TERMINAL_WORDS = {
    "NAME": "a name", "PRIMED": "a primed variable (x')", "INT": "an integer", "STRING": "a string",
    "LPAR": "'('", "_CALL_LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "LBRACE": "'{'", "RBRACE": "'}'",
    "COLON": "':'", "SEMICOLON": "';'", "COMMA": "','", "EQUAL": "'='", "MINUS": "'-'",
    "PLUS": "'+'", "STAR": "'*'", "__ANON_0": "'..'", "$END": "end of file", "HOLDS": "'holds'",
    "VIOLATED": "'violated'", "SLASH": "'/'", "PERCENT": "'%'",
    "AGG": "'sum', 'min', 'max' or 'choose'", "DEF": "'def'",
}


def _grammar_text() -> str:
    try:
        return resources.files("hpverify.grammar").joinpath("hp.lark").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # running from a source checkout
        return (Path(__file__).resolve().parent.parent / "grammar" / "hp.lark").read_text("utf-8")


@functools.cache
def _parser() -> Lark:
    # cache=True keeps the LALR tables in a temp file keyed by the grammar's hash: building
    # them costs ~0.4 s, a third of a small `hpverify prove` run.
    return Lark(_grammar_text(), parser="lalr", propagate_positions=True,
                maybe_placeholders=True, cache=True)


def _word(terminal: str) -> str:
    if terminal in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[terminal]
    if terminal.isupper() and terminal.isalpha():
        return f"'{terminal.lower()}'"
    return terminal


# what may follow a NAME that starts a declaration: `include "x.hp"`, `symmetric type`,
# `terminal: EXPR`
_AFTER_DECLARATION_WORD = {"STRING", "TYPE", "COLON"}


def _unknown_declaration(file: str, err: UnexpectedToken, text: str) -> Diagnostic | None:
    """HP006: a NAME where a declaration starts reads as `include`, so that the parser wants
    a STRING next. Only when that name is the first word of its line (otherwise it most
    likely continues, wrongly, the declaration before it)."""
    if "STRING" not in err.expected or set(err.expected) - _AFTER_DECLARATION_WORD:
        return None
    history = getattr(err, "token_history", None) or []
    if history and history[-1].type == "NAME":
        word = history[-1]
        wline, wcol, start = word.line or 0, word.column or 0, word.start_pos or 0
    else:  # at the end of the file Lark keeps no history: the last word of the code
        words = list(re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"#[^\n]*", "", text)))
        if not words:
            return None
        start = words[-1].start()
        word = words[-1].group()
        wline = text.count("\n", 0, start) + 1
        wcol = start - (text.rfind("\n", 0, start) + 1) + 1
    if str(word) == "include" or text[text.rfind("\n", 0, start) + 1:start].strip():
        return None
    return hints.unknown_declaration(file, str(word), wline, wcol)


def _syntax_error(file: str, err: UnexpectedInput, text: str) -> Diagnostic:
    line, col = max(1, err.line or 1), max(1, err.column or 1)
    if isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream or 0
        hint = hints.pluscal(file, text, pos, line, col) \
            or hints.foreign_operator_at(file, text, pos, line, col)
        if hint is not None:
            return hint
        ch = text[pos] if pos < len(text) else "?"
        return Diagnostic("HP001", f"unexpected character {ch!r}", Span(file, line, col, line, col + 1))
    expected: set[str] = set()
    if isinstance(err, UnexpectedToken):
        tok = err.token
        expected = set(err.expected)
        hint = None if tok.type == "$END" else hints.pluscal(file, text, tok.start_pos or 0,
                                                              line, col)
        hint = hint or hints.subset_word(file, text, len(text) if tok.type == "$END"
                                         else (tok.start_pos or 0))  # data (dataB)
        hint = hint or _unknown_declaration(file, err, text)
        if hint is None and tok.type != "$END":
            hint = hints.foreign_comparison(file, text, tok.start_pos or 0, str(tok), line, col)
        if hint is None and tok.type != "$END":
            hint = hints.foreign_word(file, text, tok.start_pos or 0)
        if hint is not None:
            return hint
        if tok.type == "$END":
            msg = "unexpected end of file"
            lines = text.splitlines() or [""]
            line, col = len(lines), len(lines[-1]) + 1
            width = 1
        elif tok.type == "NAME" and text[tok.end_pos:].lstrip(" \t").startswith("'"):
            gap = len(text[tok.end_pos:]) - len(text[tok.end_pos:].lstrip(" \t"))
            quote = (tok.end_column or col) + gap
            return Diagnostic("HP002", f"no space is allowed before the prime: write {tok}'",
                              Span(file, tok.end_line or line, quote, tok.end_line or line,
                                   quote + 1))
        else:
            shown = str(tok)
            what = "keyword" if shown in KEYWORDS else "token"
            msg = f"unexpected {what} '{shown}'"
            width = len(shown)
            if shown in ("=", "!=", "<", "<=", ">", ">=") and tok.type not in expected:
                return Diagnostic("HP002", f"{msg}: comparisons do not chain",
                                  Span(file, line, col, line, col + width),
                                  (Note("`a = b = c` is not allowed; write `a = b and b = c`, or "
                                        "parenthesize: `(a = b) = c`"),))
    elif isinstance(err, UnexpectedEOF):
        lines = text.splitlines() or [""]
        line, col, width = len(lines), len(lines[-1]) + 1, 1
        msg = "unexpected end of file"
        expected = set(err.expected)
    else:  # pragma: no cover - Lark has no other kinds
        msg, width = "syntax error", 1
    words = sorted({_word(t) for t in expected if not t.startswith("_") or t in _TERMINAL_WORDS})
    notes: tuple[Note, ...] = ()
    if words:
        shown = ", ".join(words[:12]) + (", ..." if len(words) > 12 else "")
        notes = (Note(f"expected {shown}"),)
    return Diagnostic("HP002", msg, Span(file, line, col, line, col + width), notes)


class _Builder(Transformer):  # type: ignore[type-arg]
    """Lark tree → syntax tree. Collects (never raises) errors the grammar cannot express."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file
        self.errors: list[Diagnostic] = []

    def _span(self, meta: Any) -> Span:
        if getattr(meta, "empty", False) or not hasattr(meta, "line"):
            return Span(self.file, 0, 0, 0, 0)
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tspan(self, tok: Token) -> Span:
        return Span(self.file, tok.line or 0, tok.column or 0, tok.end_line or 0, tok.end_column or 0)

    def _name(self, tok: Token) -> str:
        name = str(tok)
        if name in KEYWORDS:
            self.errors.append(Diagnostic(
                "HP003", f"'{name}' is a keyword and cannot be used as a name", self._tspan(tok)))
        return name

    # ---- declarations
    @v_args(meta=True)
    def start(self, meta: Any, decls: list[Any]) -> tuple[s.Decl, ...]:
        return tuple(decls)

    @v_args(meta=True)
    def spec_decl(self, meta: Any, c: list[Any]) -> s.SpecDecl:
        return s.SpecDecl(self._name(c[0]), self._span(meta))

    @v_args(meta=True)
    def const_decl(self, meta: Any, c: list[Any]) -> s.ConstDecl:
        return s.ConstDecl(self._name(c[0]), c[1], self._span(meta), self._tspan(c[0]))

    @v_args(meta=True)
    def type_decl(self, meta: Any, c: list[Any]) -> s.TypeDecl:
        return s.TypeDecl(self._name(c[0]), c[1], self._span(meta), self._tspan(c[0]))

    @v_args(meta=True)
    def symmetric_type_decl(self, meta: Any, c: list[Any]) -> s.TypeDecl:
        self._word(c[0], "symmetric", "'symmetric type NAME = a..b' or a declaration")
        return s.TypeDecl(self._name(c[1]), c[2], self._span(meta), self._tspan(c[1]),
                          symmetric=True)

    @v_args(meta=True)
    def var_decl(self, meta: Any, c: list[Any]) -> s.VarDecl:
        return s.VarDecl(self._name(c[0]), c[1], self._span(meta), self._tspan(c[0]))

    @v_args(meta=True)
    def init_decl(self, meta: Any, c: list[Any]) -> s.InitDecl:
        return s.InitDecl(tuple(x for x in c if not isinstance(x, Token)), self._span(meta))

    @v_args(meta=True)
    def action_decl(self, meta: Any, c: list[Any]) -> s.ActionDecl:
        name, rest = c[0], c[1:]
        params: tuple[s.Param, ...] = ()
        actor = None
        body: tuple[s.Stmt, ...] = ()
        for item in rest:
            if isinstance(item, tuple) and item and item[0] == "params":
                params = item[1]
            elif isinstance(item, tuple) and item and item[0] == "actor":
                actor = item[1]
            elif isinstance(item, tuple) and item and item[0] == "block":
                body = item[1]
        return s.ActionDecl(self._name(name), params, actor, body, self._span(meta), self._tspan(name))

    def params(self, c: list[Any]) -> tuple[str, tuple[s.Param, ...]]:
        return ("params", tuple(p for p in c if p is not None))

    @v_args(meta=True)
    def param(self, meta: Any, c: list[Any]) -> s.Param:
        return s.Param(self._name(c[0]), c[1], self._span(meta))

    def actor(self, c: list[Any]) -> tuple[str, s.Expr]:
        return ("actor", c[0])

    def block(self, c: list[Any]) -> tuple[str, tuple[s.Stmt, ...]]:
        return ("block", tuple(x for x in c if not isinstance(x, Token)))

    @v_args(meta=True)
    def invariant_decl(self, meta: Any, c: list[Any]) -> s.InvariantDecl:
        return s.InvariantDecl(self._name(c[0]), c[1], self._span(meta), self._tspan(c[0]))

    @v_args(meta=True)
    def check_depth(self, meta: Any, c: list[Any]) -> s.CheckDepth:
        return s.CheckDepth(int(c[0]), self._span(meta))

    @v_args(meta=True)
    def check_sweep(self, meta: Any, c: list[Any]) -> s.CheckSweep:
        return s.CheckSweep(self._name(c[0]), c[1], self._span(meta), self._tspan(c[0]))

    @v_args(meta=True)
    def expect_decl(self, meta: Any, c: list[Any]) -> s.ExpectDecl:
        name, (verdict, length) = c
        return s.ExpectDecl(None, self._name(name), verdict, length, self._span(meta),
                            self._tspan(name))

    @v_args(meta=True)
    def expect_when_decl(self, meta: Any, c: list[Any]) -> s.ExpectDecl:
        word, when, name, (verdict, length) = c
        self._word(word, "when", "'holds', 'violated' or 'when CONDITION:'")
        return s.ExpectDecl(when, self._name(name), verdict, length, self._span(meta),
                            self._tspan(name))

    def _word(self, tok: Token, word: str, expected: str) -> None:
        if str(tok) != word:
            self.errors.append(Diagnostic("HP002", f"unexpected name '{tok}'", self._tspan(tok),
                                          (Note(f"expected {expected}"),)))

    def holds(self, c: list[Any]) -> tuple[str, int | None]:
        return ("holds", None)

    def violated(self, c: list[Any]) -> tuple[str, int | None]:
        return ("violated", int(c[1]) if len(c) > 1 and c[1] is not None else None)

    @v_args(meta=True)
    def include_decl(self, meta: Any, c: list[Any]) -> s.IncludeDecl:
        self._word(c[0], "include", "a declaration")
        return s.IncludeDecl(str(c[1])[1:-1], self._span(meta))

    # ---- processes, locks and the deadlock check (process.py desugars them)
    @v_args(meta=True)
    def lock_decl(self, meta: Any, c: list[Any]) -> s.LockDecl:
        return s.LockDecl(self._name(c[0]), c[1] if len(c) > 1 else None, self._span(meta),
                          self._tspan(c[0]))

    @v_args(meta=True)
    def process_decl(self, meta: Any, c: list[Any]) -> s.ProcessDecl:
        name, rest = c[0], c[1:]
        self_param: s.Param | None = None
        actor: s.Expr | None = None
        locals_: list[s.Local] = []
        body: list[s.PStmt] = []
        for item in rest:
            if isinstance(item, tuple) and item and item[0] == "self":
                self_param = item[1]
            elif isinstance(item, tuple) and item and item[0] == "actor":
                actor = item[1]
            elif isinstance(item, s.Local):
                locals_.append(item)
            elif item is not None and not isinstance(item, Token):
                body.append(item)
        return s.ProcessDecl(self._name(name), self_param, actor, tuple(locals_), tuple(body),
                             self._span(meta), self._tspan(name))

    def proc_self(self, c: list[Any]) -> tuple[str, s.Param]:
        return ("self", c[0])

    @v_args(meta=True)
    def local_decl(self, meta: Any, c: list[Any]) -> s.Local:
        return s.Local(self._name(c[0]), c[1], c[2] if len(c) > 2 else None, self._span(meta),
                       self._tspan(c[0]))

    @v_args(meta=True)
    def check_flag(self, meta: Any, c: list[Any]) -> s.CheckDeadlock:
        self._word(c[0], "deadlock", "'depth', 'deadlock' or a constant to sweep ('check N in D')")
        return s.CheckDeadlock(True, self._span(meta))

    @v_args(meta=True)
    def check_flag_on(self, meta: Any, c: list[Any]) -> s.CheckDeadlock:
        return self.check_flag(meta, c)

    @v_args(meta=True)
    def check_flag_off(self, meta: Any, c: list[Any]) -> s.CheckDeadlock:
        self._word(c[0], "deadlock", "'depth', 'deadlock' or a constant to sweep ('check N in D')")
        return s.CheckDeadlock(False, self._span(meta))

    @v_args(meta=True)
    def terminal_decl(self, meta: Any, c: list[Any]) -> s.TerminalDecl:
        if str(c[0]) != "terminal":
            diag = hints.unknown_declaration(self.file, str(c[0]), c[0].line or 0,
                                             c[0].column or 0)
            self.errors.append(diag)
        return s.TerminalDecl(c[1], self._span(meta))

    @v_args(meta=True)
    def labelled(self, meta: Any, c: list[Any]) -> s.Labelled:
        params = c[1][1] if isinstance(c[1], tuple) and c[1][:1] == ("params",) else ()
        return s.Labelled(self._name(c[0]), c[-1], self._span(meta), self._tspan(c[0]),
                          params)

    def pblock(self, c: list[Any]) -> tuple[s.PStmt, ...]:
        return tuple(x for x in c if x is not None and not isinstance(x, Token))

    @v_args(meta=True)
    def proc_if(self, meta: Any, c: list[Any]) -> s.ProcIf:
        cond, then, *rest = c
        else_: tuple[s.PStmt, ...] = ()
        if rest and rest[0] is not None:
            else_ = rest[0]
        return s.ProcIf(cond, then, else_, self._span(meta))

    def proc_else_if(self, c: list[Any]) -> tuple[s.PStmt, ...]:
        return (c[0],)

    def proc_else_block(self, c: list[Any]) -> tuple[s.PStmt, ...]:
        return c[0]  # type: ignore[no-any-return]

    @v_args(meta=True)
    def prequire(self, meta: Any, c: list[Any]) -> s.Require:
        return self.require(meta, c)

    @v_args(meta=True)
    def passign(self, meta: Any, c: list[Any]) -> s.Assign:
        return self.assign(meta, c)

    @v_args(meta=True)
    def plet(self, meta: Any, c: list[Any]) -> s.Let:
        return self.let_stmt(meta, c)

    @v_args(meta=True)
    def await_stmt(self, meta: Any, c: list[Any]) -> s.Await:
        return s.Await(c[0], self._span(meta))

    @v_args(meta=True)
    def lock_stmt(self, meta: Any, c: list[Any]) -> s.LockStmt:
        return s.LockStmt(c[0], False, self._span(meta))

    @v_args(meta=True)
    def unlock_stmt(self, meta: Any, c: list[Any]) -> s.LockStmt:
        return s.LockStmt(c[0], True, self._span(meta))

    @v_args(meta=True)
    def goto_stmt(self, meta: Any, c: list[Any]) -> s.Goto:
        return s.Goto(self._name(c[0]), self._span(meta), self._tspan(c[0]))

    @v_args(meta=True)
    def return_stmt(self, meta: Any, c: list[Any]) -> s.Return:
        return s.Return(self._span(meta))

    @v_args(meta=True)
    def while_stmt(self, meta: Any, c: list[Any]) -> s.While:
        return s.While(c[0], c[1], self._span(meta))

    # ---- types
    @v_args(meta=True)
    def type_name(self, meta: Any, c: list[Any]) -> s.Domain:
        e = c[0]
        if isinstance(e, s.Name):
            return s.TypeName(e.name, e.span)
        if isinstance(e, (s.Index, s.Call, s.SetLit, s.SetComp, s.IfExpr, s.Field)):
            return s.SetDomain(e, self._span(meta))  # maybe a set value: the checker decides
        self.errors.append(Diagnostic(
            "HP004", "expected a domain: a type name, 'bool', a range 'a..b' or '{a, b}'",
            self._span(meta)))
        return s.TypeName("?", self._span(meta))

    @v_args(meta=True)
    def bool_type(self, meta: Any, c: list[Any]) -> s.BoolType:
        return s.BoolType(self._span(meta))

    @v_args(meta=True)
    def range_type(self, meta: Any, c: list[Any]) -> s.RangeType:
        return s.RangeType(c[0], c[1], self._span(meta))

    @v_args(meta=True)
    def enum_type(self, meta: Any, c: list[Any]) -> s.EnumType:
        return s.EnumType(tuple(self._name(t) for t in c), tuple(self._tspan(t) for t in c),
                          self._span(meta))

    @v_args(meta=True)
    def fun_type(self, meta: Any, c: list[Any]) -> s.FunType:
        return s.FunType(c[0], c[1], self._span(meta))

    # ---- data: sets (dataB)
    @v_args(meta=True)
    def set_type(self, meta: Any, c: list[Any]) -> s.SetType:
        return s.SetType(c[1], self._span(meta))

    @v_args(meta=True)
    def set_empty(self, meta: Any, c: list[Any]) -> s.SetLit:
        return s.SetLit((), self._span(meta))

    @v_args(meta=True)
    def set_lit(self, meta: Any, c: list[Any]) -> s.SetLit:
        return s.SetLit(tuple(c), self._span(meta))

    @v_args(meta=True)
    def set_comp(self, meta: Any, c: list[Any]) -> s.SetComp:
        return s.SetComp(self._name(c[0]), c[1], c[2], self._span(meta), self._tspan(c[0]))

    @v_args(meta=True)
    def call(self, meta: Any, c: list[Any]) -> s.Call:
        args = tuple(x for x in c[1:] if x is not None)
        return s.Call(self._name(c[0]), args, self._span(meta), self._tspan(c[0]))

    # ---- data: records and sequences (dataB)
    @v_args(meta=True)
    def seq_type(self, meta: Any, c: list[Any]) -> s.SeqType:
        return s.SeqType(c[1], c[-1], self._span(meta))

    @v_args(meta=True)
    def rec_type(self, meta: Any, c: list[Any]) -> s.RecType:
        names, types = c[0::2], c[1::2]
        return s.RecType(tuple((self._name(n), t) for n, t in zip(names, types, strict=True)),
                         tuple(self._tspan(n) for n in names), self._span(meta))

    @v_args(meta=True)
    def field(self, meta: Any, c: list[Any]) -> s.Field:
        return s.Field(c[0], self._name(c[1]), self._span(meta), self._tspan(c[1]))

    @v_args(meta=True)
    def field_step(self, meta: Any, c: list[Any]) -> s.FieldStep:
        return s.FieldStep(self._name(c[0]), self._tspan(c[0]))

    @v_args(meta=True)
    def rec_lit(self, meta: Any, c: list[Any]) -> s.RecLit:
        names, values = c[0::2], c[1::2]
        return s.RecLit(tuple((self._name(n), v) for n, v in zip(names, values, strict=True)),
                        tuple(self._tspan(n) for n in names), None, self._span(meta))

    @v_args(meta=True)
    def rec_update(self, meta: Any, c: list[Any]) -> s.RecLit:
        base, word, rest = c[0], c[1], c[2:]
        self._word(word, "with", "'with', ',' or ']'")
        names, values = rest[0::2], rest[1::2]
        return s.RecLit(tuple((self._name(n), v) for n, v in zip(names, values, strict=True)),
                        tuple(self._tspan(n) for n in names), base, self._span(meta))

    @v_args(meta=True)
    def seq_empty(self, meta: Any, c: list[Any]) -> s.SeqLit:
        return s.SeqLit((), self._span(meta))

    @v_args(meta=True)
    def seq_lit(self, meta: Any, c: list[Any]) -> s.SeqLit:
        return s.SeqLit(tuple(c), self._span(meta))

    # ---- statements
    @v_args(meta=True)
    def require(self, meta: Any, c: list[Any]) -> s.Require:
        return s.Require(c[0], self._span(meta))

    @v_args(meta=True)
    def assign(self, meta: Any, c: list[Any]) -> s.Assign:
        tok = c[0]
        name = self._name(Token("NAME", str(tok)[:-1], line=tok.line, column=tok.column,
                                end_line=tok.end_line, end_column=tok.end_column))
        return s.Assign(name, tuple(c[1:-1]), c[-1], self._span(meta), self._tspan(tok))

    @v_args(meta=True)
    def if_stmt(self, meta: Any, c: list[Any]) -> s.If:
        cond, (_, then), *rest = c
        else_: tuple[s.Stmt, ...] = ()
        if rest and rest[0] is not None:
            else_ = rest[0]
        return s.If(cond, then, else_, self._span(meta))

    def else_if(self, c: list[Any]) -> tuple[s.Stmt, ...]:
        return (c[0],)

    def else_block(self, c: list[Any]) -> tuple[s.Stmt, ...]:
        return c[0][1]

    @v_args(meta=True)
    def let_stmt(self, meta: Any, c: list[Any]) -> s.Let:
        return s.Let(self._name(c[0]), c[1], self._span(meta), self._tspan(c[0]))

    # ---- expressions
    def _quant(self, kind: str, meta: Any, c: list[Any]) -> s.Quant:
        return s.Quant(kind, self._name(c[0]), c[1], c[2], self._span(meta), self._tspan(c[0]))

    @v_args(meta=True)
    def forall(self, meta: Any, c: list[Any]) -> s.Quant:
        return self._quant("forall", meta, c)

    @v_args(meta=True)
    def exists(self, meta: Any, c: list[Any]) -> s.Quant:
        return self._quant("exists", meta, c)

    @v_args(meta=True)
    def count(self, meta: Any, c: list[Any]) -> s.Quant:
        return self._quant("count", meta, c)

    @v_args(meta=True)
    def fun_cons(self, meta: Any, c: list[Any]) -> s.FunCons:
        return s.FunCons(self._name(c[0]), c[1], c[2], self._span(meta), self._tspan(c[0]))

    @v_args(meta=True)
    def if_expr(self, meta: Any, c: list[Any]) -> s.IfExpr:
        return s.IfExpr(c[0], c[1], c[2], self._span(meta))

    def _binary(self, op: str, meta: Any, left: s.Expr, right: s.Expr, op_span: Span) -> s.Binary:
        return s.Binary(op, left, right, self._span(meta), op_span)

    @v_args(meta=True)
    def implies_op(self, meta: Any, c: list[Any]) -> s.Binary:
        return self._binary("implies", meta, c[0], c[1], self._span(meta))

    @v_args(meta=True)
    def or_op(self, meta: Any, c: list[Any]) -> s.Binary:
        return self._binary("or", meta, c[0], c[1], self._span(meta))

    @v_args(meta=True)
    def and_op(self, meta: Any, c: list[Any]) -> s.Binary:
        return self._binary("and", meta, c[0], c[1], self._span(meta))

    @v_args(meta=True)
    def not_op(self, meta: Any, c: list[Any]) -> s.Unary:
        return s.Unary("not", c[0], self._span(meta))

    @v_args(meta=True)
    def neg(self, meta: Any, c: list[Any]) -> s.Unary:
        return s.Unary("-", c[0], self._span(meta))

    @v_args(meta=True)
    def cmp_op(self, meta: Any, c: list[Any]) -> s.Binary:
        return self._binary(str(c[1][0]), meta, c[0], c[2], self._tspan(c[1][0]))

    @v_args(meta=True)
    def arith(self, meta: Any, c: list[Any]) -> s.Binary:
        return self._binary(str(c[1][0]), meta, c[0], c[2], self._tspan(c[1][0]))

    def cmp(self, c: list[Any]) -> list[Any]:
        return c

    addop = mulop = cmp

    @v_args(meta=True)
    def in_op(self, meta: Any, c: list[Any]) -> s.Member:
        return s.Member(c[0], c[1], self._span(meta))

    @v_args(meta=True)
    def index(self, meta: Any, c: list[Any]) -> s.Index:
        return s.Index(c[0], c[1], self._span(meta))

    @v_args(meta=True)
    def at_label(self, meta: Any, c: list[Any]) -> s.AtLabel:
        tok = c[1]  # `@label`
        label = Token("NAME", str(tok)[1:], line=tok.line, column=(tok.column or 0) + 1,
                      end_line=tok.end_line, end_column=tok.end_column)
        return s.AtLabel(c[0], self._name(label), self._span(meta), self._tspan(label))

    @v_args(meta=True)
    def int_lit(self, meta: Any, c: list[Any]) -> s.IntLit:
        digits = str(c[0]).lstrip("0") or "0"
        if len(digits) > MAX_LITERAL_DIGITS:
            self.errors.append(Diagnostic(
                "HP301", f"integer literal with {len(digits)} digits; at most "
                f"{MAX_LITERAL_DIGITS} are allowed", self._span(meta)))
            return s.IntLit(0, self._span(meta))
        return s.IntLit(int(digits), self._span(meta))

    @v_args(meta=True)
    def true_lit(self, meta: Any, c: list[Any]) -> s.BoolLit:
        return s.BoolLit(True, self._span(meta))

    @v_args(meta=True)
    def false_lit(self, meta: Any, c: list[Any]) -> s.BoolLit:
        return s.BoolLit(False, self._span(meta))

    @v_args(meta=True)
    def name(self, meta: Any, c: list[Any]) -> s.Name:
        return s.Name(self._name(c[0]), self._span(meta))

    @v_args(meta=True)
    def primed(self, meta: Any, c: list[Any]) -> s.Primed:
        return s.Primed(str(c[0])[:-1], self._span(meta))


    # ---- definitions, let, aggregates, choice
    @v_args(meta=True)
    def def_decl(self, meta: Any, c: list[Any]) -> s.DefDecl:
        _, name, *rest = c
        params: tuple[s.Param, ...] = ()
        if len(rest) == 2:
            params = rest[0][1]
        return s.DefDecl(self._name(name), params, rest[-1], self._span(meta), self._tspan(name))

    @v_args(meta=True)
    def let_expr(self, meta: Any, c: list[Any]) -> s.LetIn:
        return s.LetIn(self._name(c[0]), c[1], c[2], self._span(meta), self._tspan(c[0]))

    @v_args(meta=True)
    def aggregate(self, meta: Any, c: list[Any]) -> s.Aggregate:
        return s.Aggregate(str(c[0]), self._name(c[1]), c[2], c[3], self._span(meta),
                           self._tspan(c[1]))

    @v_args(meta=True)
    def ppick(self, meta: Any, c: list[Any]) -> s.Pick:
        return self.pick(meta, c)

    @v_args(meta=True)
    def pick(self, meta: Any, c: list[Any]) -> s.Pick:
        tok = c[0]
        name = self._name(Token("NAME", str(tok)[:-1], line=tok.line, column=tok.column,
                                end_line=tok.end_line, end_column=tok.end_column))
        return s.Pick(name, tuple(c[1:-1]), c[-1], self._span(meta), self._tspan(tok))


def _parses_past(text: str, line: int) -> bool:
    try:
        _parser().parse(text)
    except UnexpectedInput as err:
        return (err.line or 0) > line or isinstance(err, UnexpectedEOF) or (
            isinstance(err, UnexpectedToken) and err.token.type == "$END")
    return True


# NOTE(limits): hostile or generated input must end in a positioned error, never in a
# RecursionError deep inside some later pass or in an unbounded computation. Nesting is
# measured once here, on Lark's tree, so that every later recursive pass (checker,
# lowering, evaluator, encoding, export) runs well inside Python's default stack;
# literals are bounded so that no integer ever needs Python's 4,300-digit conversion limit.
MAX_NESTING = 200  # levels of the parse tree (each `if`, operator, index, quantifier: one)
MAX_LITERAL_DIGITS = 18  # integer literals below 10**18


def _too_deep(tree: Tree, file: str) -> Diagnostic | None:
    """The first node nested more than MAX_NESTING levels deep, as a diagnostic."""
    stack: list[tuple[Tree, int, Tree]] = [(tree, 0, tree)]
    while stack:
        node, depth, last_positioned = stack.pop()
        meta = node.meta
        if not meta.empty:
            last_positioned = node
        if depth > MAX_NESTING:
            m = last_positioned.meta
            span = (Span(file, m.line, m.column, m.line, m.column + 1) if not m.empty
                    else Span(file, 0, 0, 0, 0))
            return Diagnostic("HP300", f"the spec nests more than {MAX_NESTING} levels deep "
                              "here; split the expression (a `let`, a helper invariant) or use "
                              "a quantifier", span)
        stack.extend((c, depth + 1, last_positioned) for c in node.children
                     if isinstance(c, Tree))
    return None


def parse_text(text: str, file: str) -> s.SpecFile:
    """Parse one file's text; raises HpError with every error found."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as err:
        diag = _syntax_error(file, err, text)
        # `#` meant as not-equal often causes the syntax error (`init { x # 0 }`)
        hashes = [d for d in hints.comment_after_operand(file, text, _parses_past)
                  if d.sort_key() <= diag.sort_key()]
        raise HpError(hashes or diag) from None
    hashes = hints.comment_after_operand(file, text, _parses_past)
    if hashes:
        raise HpError(hashes)
    deep = _too_deep(tree, file)
    if deep is not None:
        raise HpError(deep)
    builder = _Builder(file)
    try:
        decls = builder.transform(tree)
    except VisitError as err:  # pragma: no cover - MAX_NESTING keeps the builder shallow
        raise err.orig_exc from None
    if builder.errors:
        raise HpError(builder.errors)
    return s.SpecFile(file, decls)


# NOTE(include-confinement): a spec from a pull request must not read (and an error must
# not print) a file outside the project: `include "/etc/shadow"` once printed a password
# hash as "the offending line". An include names a `.hp` file; it resolves relative to the
# including file, or else in each `--include-path` directory; the resolved path (symlinks
# followed) must lie inside the top-level spec's directory tree or an include directory;
# and only a regular file is read (never a device or a FIFO), at most MAX_SOURCE_BYTES.
MAX_SOURCE_BYTES = 8 << 20

_include_dirs: tuple[Path, ...] = ()


def set_include_dirs(dirs: Iterable[str]) -> None:
    """The `--include-path` directories, for every later `load_spec`."""
    global _include_dirs
    _include_dirs = tuple(Path(d) for d in dirs)


def read_source(path: str, sources: SourceCache, at: Span | None = None) -> str:
    span = at or Span(path, 0, 0, 0, 0)

    def refuse(reason: str) -> HpError:
        return HpError(Diagnostic("HP010", f"cannot read '{path}': {reason}", span))

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise refuse(err.strerror or str(err)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise refuse("not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_SOURCE_BYTES + 1)
    except OSError as err:
        raise refuse(err.strerror or str(err)) from None
    finally:
        os.close(fd)
    if len(data) > MAX_SOURCE_BYTES:
        raise refuse(f"larger than {MAX_SOURCE_BYTES >> 20} MiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise refuse(str(err)) from None
    sources.add(path, text)
    return text


def load_spec(path: str, sources: SourceCache) -> s.SpecFile:
    """Read and parse a spec file, splicing the declarations of `include`d files."""
    roots = (_project_root(Path(path).resolve().parent), *(d.resolve() for d in _include_dirs))
    return s.SpecFile(path, tuple(_load_decls(path, sources, (), None, roots)))


def _project_root(spec_dir: Path) -> Path:
    """The tree includes may reach: the enclosing Git work tree (a directory holding `.git`),
    so that `spec/races/x.hp` may include `../lib/y.hp`; else the spec's own directory."""
    for d in (spec_dir, *spec_dir.parents):
        if (d / ".git").exists():
            return d
    return spec_dir


def _resolve_include(path: str, decl: s.IncludeDecl, roots: tuple[Path, ...]) -> str:
    """NOTE(include-confinement): the file an include names, as a path to show and read."""
    def refuse(msg: str) -> HpError:
        return HpError(Diagnostic("HP012", msg, decl.span))

    if not decl.path.endswith(".hp"):
        raise refuse(f"include names a '.hp' file, not '{decl.path}'")
    candidates = [str(Path(path).parent / decl.path)]
    candidates += [str(d / decl.path) for d in _include_dirs]
    outside = False
    for c in candidates:
        real = Path(os.path.realpath(c))
        if not any(real.is_relative_to(r) for r in roots):
            outside = True
            continue
        if os.path.lexists(c):
            return c
    if outside:
        raise refuse(f"include '{decl.path}' is outside the spec's project"
                     + (" and every --include-path" if _include_dirs else "")
                     + " (an include stays inside the project)")
    return candidates[0]  # missing: reading it gives HP010


def _load_decls(path: str, sources: SourceCache, stack: tuple[str, ...],
                at: Span | None, roots: tuple[Path, ...]) -> list[s.Decl]:
    text = read_source(path, sources, at)
    spec = parse_text(text, path)
    out: list[s.Decl] = []
    for decl in spec.decls:
        if not isinstance(decl, s.IncludeDecl):
            if stack and isinstance(decl, s.SpecDecl):
                raise HpError(Diagnostic(
                    "HP011", "an included file cannot declare 'spec'", decl.span,
                    (Note("included from here", at),)))
            out.append(decl)
            continue
        target = _resolve_include(path, decl, roots)
        resolved = str(Path(target).resolve())
        here = str(Path(path).resolve())
        if resolved in stack or resolved == here:
            chain = [Path(p).name for p in (*stack, here)]
            start = chain.index(Path(resolved).name) if Path(resolved).name in chain else 0
            cycle = " -> ".join(chain[start:] + [Path(resolved).name])
            raise HpError(Diagnostic("HP011", f"include cycle: {cycle}", decl.span))
        out.extend(_load_decls(target, sources, stack + (here,), decl.span, roots))
    return out
