"""Hints for habits from TLA+ (and C): the spellings a newcomer types first.

Three errors, each with its own code (docs/errors.md):

- HP005: `a # b` (TLA+'s not-equal) silently meant `a`, because `#` starts a comment.
- HP006: an unknown word at the start of a declaration (`variable`, `CONSTANT`, `invarant`)
  otherwise reads as the start of `include "file"` and reports "expected a string".
- HP007: `==`, `/\\`, `\\/`, `\\A`, `\\E`, `&&`, `||`, `~`, `=>`... get the hp spelling.

NOTE(why an error for `#`): a comment that swallows `# b` changes the meaning of the line
without a word (an invariant that should compare two values checks one), and a verdict on the
wrong formula is worse than no verdict. So HP005 is an error, not a warning, but a narrow
one: only when the rest of the line after an operand reads as an expression over names the
file uses, and the line still parses with `!=` in place of `#`. A real trailing comment is
prose (`# pages in the pool`) or names something the spec does not (`# increment`); one that
does look like an expression can go on a line of its own, where `#` is never questioned.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from .diagnostics import Diagnostic, Note, Span

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EXPR_TOKEN = re.compile(
    r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*'?)|(?P<int>[0-9]+)"
    r"|(?P<op>\.\.|!=|<=|>=|[-+*<>=()\[\],:]))")
# words that may stand inside an expression written after `#` (operators and literals)
_EXPR_WORDS = frozenset(
    "and or not implies in true false if then else forall exists count".split())
_OPERAND_END = re.compile(r"[A-Za-z0-9_')\]]$")


# ---- HP005: `#` after an operand ---------------------------------------------------------
def _comment_start(line: str) -> int | None:
    """Index of the `#` that starts a comment on this line (outside a string), if any."""
    in_string = False
    for i, ch in enumerate(line):
        if ch == '"':
            in_string = not in_string
        elif ch == "#" and not in_string:
            return i
    return None


def _code_names(text: str) -> set[str]:
    """Every identifier in the code of a file (comments and strings left out)."""
    names: set[str] = set()
    for line in text.splitlines():
        cut = _comment_start(line)
        code = re.sub(r'"[^"\n]*"', " ", line if cut is None else line[:cut])
        names.update(_IDENT.findall(code))
    return names


def _reads_as_expression(comment: str, names: set[str]) -> bool:
    """Does the text after `#` start like the right operand of `!=` (not like prose)?

    Only the start counts (up to two operands side by side, or a character no expression
    has): `# b  a' = b }` may hold the rest of the line's statements. The caller re-parses
    the line with `!=` to decide."""
    pos = 0
    kinds: list[str] = []
    ends = ("operand", "literal", ")", "]")
    starts = ("operand", "literal", "(")
    while pos < len(comment):
        m = _EXPR_TOKEN.match(comment, pos)
        if m is None or m.end() == pos:
            break
        if m.group("name"):
            word = m.group("name").rstrip("'")
            if word in _EXPR_WORDS:
                kind = "literal" if word in ("true", "false") else "op"
            elif word in names:
                kind = "operand"
            else:
                kind = "unknown"
        elif m.group("int"):
            kind = "operand"
        else:
            kind = m.group("op")
        if kinds and kinds[-1] in ends and kind in (*starts, "unknown"):
            break  # `the pool`, `page (1..N)`: the expression (if any) ended
        if kind == "unknown":
            return False  # a word the spec does not use: prose
        kinds.append(kind)
        pos = m.end()
    return any(k in ("operand", "literal") for k in kinds)


MAX_REPARSES = 50  # each candidate costs a parse of the file; a real spec has none or few


def comment_after_operand(file: str, text: str,
                          parses_past: Callable[[str, int], bool]) -> list[Diagnostic]:
    """HP005 for each `#` that most likely was meant as TLA+'s not-equal.

    `parses_past(new_text, line)` tells whether `new_text` parses at least past `line`.
    """
    names: set[str] | None = None
    reparses = 0
    lines = text.split("\n")
    out: list[Diagnostic] = []
    for n, line in enumerate(lines, start=1):
        cut = _comment_start(line)
        if cut is None:
            continue
        before = line[:cut].rstrip()
        if not before.strip() or not _OPERAND_END.search(before):
            continue
        if names is None:
            names = _code_names(text)
        if not _reads_as_expression(line[cut + 1:], names):
            continue
        reparses += 1
        if reparses > MAX_REPARSES:
            break
        as_not_equal = "\n".join(lines[: n - 1] + [line[:cut] + "!=" + line[cut + 1:]]
                                 + lines[n:])
        if not parses_past(as_not_equal, n):
            continue
        rest = line[cut:].strip()
        out.append(Diagnostic(
            "HP005", "`#` starts a comment; for not-equal write `!=`",
            Span(file, n, cut + 1, n, cut + 2),
            (Note(f"`{rest}` is ignored; if it is meant as a comment, put it on a line of "
                  "its own"),)))
    return out


# ---- HP006: an unknown word where a declaration starts -------------------------------------
DECLARATIONS = ("spec", "const", "type", "var", "init", "action", "invariant", "check",
                "expect", "include")

# words from TLA+, Promela, Python... and what hp calls the same thing
_DECLARATION_WORDS = {
    "variable": "var", "variables": "var", "vars": "var",
    "constant": "const", "constants": "const",
    "module": "spec", "extends": "include", "import": "include",
    "invariants": "invariant", "property": "invariant", "properties": "invariant",
    "assert": "invariant", "next": "action", "def": None, "define": None,
    "symmetry": "symmetric type",
}
_DECLARATION_NOTES = {
    "symmetry": "hp declares the interchangeable values themselves, not a set of "
                "permutations: `symmetric type Cpu = 1..N`",
    "property": "hp checks invariants (state predicates), not temporal properties",
    "properties": "hp checks invariants (state predicates), not temporal properties",
    "next": "hp has no Next: each action is declared on its own, `action NAME { ... }`",
    "def": "hp has no operator definitions: a value is a `const`, a local name inside an "
           "action is `let NAME = EXPR`",
    "define": "hp has no operator definitions: a value is a `const`, a local name inside an "
              "action is `let NAME = EXPR`",
}


def unknown_declaration(file: str, word: str, line: int, col: int) -> Diagnostic:
    key = word.lower()
    if key in _DECLARATION_WORDS:
        suggestion = _DECLARATION_WORDS[key]
    elif key in DECLARATIONS:
        suggestion = key  # VAR, Init, INVARIANT
    else:
        close = difflib.get_close_matches(key, DECLARATIONS, n=1, cutoff=0.6)
        suggestion = close[0] if close else None
    message = f"unknown declaration `{word}`"
    if suggestion is not None:
        message += f"; did you mean `{suggestion}`?"
    notes = [Note(_DECLARATION_NOTES[key])] if key in _DECLARATION_NOTES else []
    notes.append(Note("a declaration starts with " + ", ".join(f"`{w}`" for w in DECLARATIONS)))
    return Diagnostic("HP006", message, Span(file, line, col, line, col + len(word)),
                      tuple(notes))


# ---- HP007: operators spelled the TLA+ (or C) way -----------------------------------------
# (spelling, what it means, the hp spelling); longest first, so that `\/` is not read as `\`
_OPERATORS: tuple[tuple[str, str, str], ...] = (
    ("\\notin", "non-membership", "not (x in S)"),
    ("\\lnot", "negation", "not"),
    ("\\land", "conjunction", "and"),
    ("\\lor", "disjunction", "or"),
    ("\\neg", "negation", "not"),
    ("\\neq", "not-equal", "!="),
    ("\\in", "membership", "in"),
    ("\\A", "a universal quantifier", "forall"),
    ("\\E", "an existential quantifier", "exists"),
    ("/\\", "conjunction", "and"),
    ("\\/", "disjunction", "or"),
    ("&&", "conjunction", "and"),
    ("||", "disjunction", "or"),
    ("/=", "not-equal", "!="),
    ("&", "conjunction", "and"),
    ("|", "disjunction", "or"),
    ("~", "negation", "not"),
    ("!", "negation", "not"),
)
_QUANTIFIER_NOTE = "hp writes quantifiers as `forall c in Cpu: EXPR` and `exists c in Cpu: EXPR`"


def foreign_operator_at(file: str, text: str, pos: int, line: int,
                        col: int) -> Diagnostic | None:
    """HP007 when the unexpected character at `pos` starts a TLA+ or C operator."""
    for spelling, meaning, hp in _OPERATORS:
        if not text.startswith(spelling, pos):
            continue
        end = pos + len(spelling)
        if spelling[0] == "\\" and spelling[-1].isalpha() and end < len(text) \
                and (text[end].isalnum() or text[end] == "_"):
            continue  # `\Alpha`, `\input`: not this operator
        notes = (Note(_QUANTIFIER_NOTE),) if hp in ("forall", "exists") else ()
        return Diagnostic("HP007", f"`{spelling}` is not hp syntax; for {meaning} write `{hp}`",
                          Span(file, line, col, line, col + len(spelling)), notes)
    return None


def foreign_comparison(file: str, text: str, start: int, token: str, line: int,
                       col: int) -> Diagnostic | None:
    """HP007 for `==`, `=>` and `<=>`: Lark sees `=` `=`, `=` `>`, `<=` `>` (the unexpected
    token is the second half, at `start`)."""
    before = text[:start]
    if token == "=" and text.startswith(">", start + 1):  # `a = 0 => b`: the `=` is unexpected
        return Diagnostic("HP007", "`=>` is not hp syntax; for implication write `implies`",
                          Span(file, line, col, line, col + 2))
    if token == "=" and before.endswith("="):
        return Diagnostic("HP007", "`==` is TLA+'s definition; for equality write `=`",
                          Span(file, line, col - 1, line, col + 1))
    if token == ">" and before.endswith("<="):
        return Diagnostic("HP007", "`<=>` is not hp syntax; for equivalence of two bools "
                          "write `=`", Span(file, line, col - 2, line, col + 1))
    if token == ">" and before.endswith("="):
        return Diagnostic("HP007", "`=>` is not hp syntax; for implication write `implies`",
                          Span(file, line, col - 1, line, col + 1))
    return None
