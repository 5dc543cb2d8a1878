"""The syntax tree: what the parser produces and the checker reads.

Frozen, slotted data classes; children in tuples; spans are kept out of equality so that
structural tests can ignore positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import Span


def _pos() -> Span:
    """A source position: not part of equality or repr (structural tests ignore it)."""
    return field(compare=False, repr=False)  # type: ignore[no-any-return]


# ---- types / domains ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TypeName:
    name: str
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class BoolType:
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class RangeType:
    lo: Expr
    hi: Expr
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class EnumType:
    values: tuple[str, ...]
    value_spans: tuple[Span, ...] = field(compare=False, repr=False)
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class FunType:
    dom: TypeExpr
    cod: TypeExpr
    span: Span = _pos()


Domain = TypeName | BoolType | RangeType | EnumType
TypeExpr = Domain | FunType


# ---- expressions ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class IntLit:
    value: int
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class BoolLit:
    value: bool
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Primed:
    """`x'` where an expression is expected: always an error (nothing reads primed values)."""

    name: str
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Index:
    fn: Expr
    index: Expr
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "not" | "-"
    arg: Expr
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # and or implies = != < <= > >= + - *
    left: Expr
    right: Expr
    span: Span = _pos()
    op_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Member:
    """`e in D`."""

    arg: Expr
    domain: Domain
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class IfExpr:
    cond: Expr
    then: Expr
    else_: Expr
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Quant:
    kind: str  # forall | exists | count
    var: str
    domain: Domain
    body: Expr
    span: Span = _pos()
    var_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class FunCons:
    """`[x in D: e]`."""

    var: str
    domain: Domain
    body: Expr
    span: Span = _pos()
    var_span: Span = _pos()


Expr = IntLit | BoolLit | Name | Primed | Index | Unary | Binary | Member | IfExpr | Quant | FunCons


# ---- statements -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Require:
    cond: Expr
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Assign:
    var: str
    indices: tuple[Expr, ...]
    value: Expr
    span: Span = _pos()
    target_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    else_: tuple[Stmt, ...]
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    value: Expr
    span: Span = _pos()
    name_span: Span = _pos()


Stmt = Require | Assign | If | Let


# ---- declarations ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SpecDecl:
    name: str
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class ConstDecl:
    name: str
    value: Expr
    span: Span = _pos()
    name_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class TypeDecl:
    name: str
    type: TypeExpr
    span: Span = _pos()
    name_span: Span = _pos()
    symmetric: bool = False  # extension: `symmetric type Cpu = 1..N` (its values interchangeable)


@dataclass(frozen=True, slots=True)
class VarDecl:
    name: str
    type: TypeExpr
    span: Span = _pos()
    name_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class InitDecl:
    items: tuple[Expr, ...]
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    domain: Domain
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class ActionDecl:
    name: str
    params: tuple[Param, ...]
    actor: Expr | None
    body: tuple[Stmt, ...]
    span: Span = _pos()
    name_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class InvariantDecl:
    name: str
    body: Expr
    span: Span = _pos()
    name_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class CheckDepth:
    depth: int
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class CheckSweep:
    """Extension: `check NAME in D` checks the spec for every value of constant NAME in D."""

    name: str
    domain: Domain
    span: Span = _pos()
    name_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class ExpectDecl:
    """`expect [when COND:] NAME holds | violated [in N]`."""

    when: Expr | None
    name: str
    verdict: str  # holds | violated
    length: int | None
    span: Span = _pos()
    name_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class IncludeDecl:
    """Extension: `include "pool.hp"` splices the declarations of another file here."""

    path: str
    span: Span = _pos()


Decl = (
    SpecDecl | ConstDecl | TypeDecl | VarDecl | InitDecl | ActionDecl | InvariantDecl
    | CheckDepth | CheckSweep | ExpectDecl | IncludeDecl
)


@dataclass(frozen=True, slots=True)
class SpecFile:
    file: str
    decls: tuple[Decl, ...]
