"""The syntax tree: what the parser produces and the checker reads.

Frozen, slotted data classes; children in tuples; spans are kept out of equality so that
structural tests can ignore positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ir
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
# TypeExpr and Expr are defined at the end of the module (they name generated nodes)


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
    generated: bool = field(default=False, compare=False, repr=False)  # process.py: may write a lock


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


StepOrigin = ir.StepOrigin  # the process step an action was generated from


@dataclass(frozen=True, slots=True)
class ActionDecl:
    name: str
    params: tuple[Param, ...]
    actor: Expr | None
    body: tuple[Stmt, ...]
    span: Span = _pos()
    name_span: Span = _pos()
    origin: StepOrigin | None = field(default=None, compare=False, repr=False)


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


# ---- processes and locks: written by users, desugared by process.py -------------------
@dataclass(frozen=True, slots=True)
class Await:
    cond: Expr
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class LockStmt:
    """`lock(L)` or `unlock(L)` (L a lock or an entry of a lock family)."""

    target: Expr
    unlock: bool
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Goto:
    label: str
    span: Span = _pos()
    label_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Return:
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class ProcIf:
    cond: Expr
    then: tuple[PStmt, ...]
    else_: tuple[PStmt, ...]
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class While:
    cond: Expr
    body: tuple[PStmt, ...]
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Labelled:
    label: str
    stmt: PStmt
    span: Span = _pos()
    label_span: Span = _pos()


PStmt = Require | Assign | Let | Await | LockStmt | Goto | Return | ProcIf | While | Labelled


@dataclass(frozen=True, slots=True)
class Local:
    name: str
    type: TypeExpr
    init: Expr | None
    span: Span = _pos()
    name_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class ProcessDecl:
    name: str
    self_param: Param | None
    actor: Expr | None
    locals: tuple[Local, ...]
    body: tuple[PStmt, ...]
    span: Span = _pos()
    name_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class LockDecl:
    name: str
    domain: Domain | None  # a family: one lock per value
    span: Span = _pos()
    name_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class CheckDeadlock:
    """`check deadlock` (on), `check deadlock true|false`."""

    on: bool
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class TerminalDecl:
    """`terminal: EXPR`: a state where EXPR holds may have no enabled step."""

    cond: Expr
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class AtLabel:
    """`P@L` / `P[i]@L`: the instance of process P is at label L (its next step is L)."""

    process: Expr
    label: str
    span: Span = _pos()
    label_span: Span = _pos()


# ---- generated by process.py only (never by the parser) ---------------------------------
@dataclass(frozen=True, slots=True)
class IrType:
    """A type made by process.py (a program counter's labels): its values are no names."""

    type: ir.Type
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class OwnerType:
    """The type of a lock's owner: free, each process instance, or the bad-unlock value;
    the checker builds it from the `Processes` declaration."""

    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class IrLit:
    value: ir.Value
    type: ir.Type
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class LockValue:
    """A value of the owner type: `free`, `bad`, or `me` (the instance running the step:
    `process` with its `self` value, None for a single-instance process)."""

    kind: str  # free | bad | me
    process: str | None
    self_expr: Expr | None
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class GenVar:
    """A generated read of a state variable that users may not read (a lock)."""

    name: str
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class ProcInfo:
    name: str
    self_param: Param | None
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class Processes:
    """Generated before the first lock variable: every process, for the owner type."""

    procs: tuple[ProcInfo, ...]
    span: Span = _pos()


@dataclass(frozen=True, slots=True)
class LockVarDecl:
    """Generated: the state variable of a lock (or of a lock family)."""

    name: str
    domain: Domain | None
    span: Span = _pos()
    name_span: Span = _pos()


@dataclass(frozen=True, slots=True)
class BuiltinInvariant:
    """Generated: `locks` or `deadlock` (lower.py adds every instance's enabledness to
    the deadlock invariant's body)."""

    name: str
    body: Expr
    span: Span = _pos()


TypeExpr = Domain | FunType | IrType | OwnerType
Expr = (IntLit | BoolLit | Name | Primed | Index | Unary | Binary | Member | IfExpr | Quant | FunCons
        | AtLabel | IrLit | LockValue | GenVar)

Decl = (
    SpecDecl | ConstDecl | TypeDecl | VarDecl | InitDecl | ActionDecl | InvariantDecl
    | CheckDepth | CheckSweep | ExpectDecl | IncludeDecl
    | LockDecl | ProcessDecl | CheckDeadlock | TerminalDecl
    | Processes | LockVarDecl | BuiltinInvariant
)


@dataclass(frozen=True, slots=True)
class SpecFile:
    file: str
    decls: tuple[Decl, ...]
