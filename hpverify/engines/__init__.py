"""Engines: siblings behind one contract.

Every engine is an `Engine`: `engine(model, invariants, options) -> list[Result]`, one
`Result` (hpverify.result) per invariant, in the order asked. `EngineOptions` carries
everything an engine may use (depth, the one `Budget`, state limit, coverage, progress);
an engine ignores what does not concern it, so no caller special-cases an engine by name.
`registry.ENGINES` maps the names the CLI accepts to the engines.

The contract's promises (ARCHITECTURE.md, "Results are honest"): `holds` only when the
search or the proof finished; anything cut short (budget, resource limit, solver exception,
refused certificate) is `unknown` with a reason (NOTE(budget) in common.py); SIGINT and
SIGTERM propagate as exceptions (NOTE(cancel)).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .. import ir
from ..result import Result
from .common import Budget

Progress = Callable[[str, int, float], None]  # engine, depth (or round), seconds


@dataclass(frozen=True, slots=True)
class EngineOptions:
    depth: int  # the bound: bounded engines search traces of at most `depth` steps
    budget: Budget = field(default_factory=Budget)  # the one deadline and resource limit
    max_states: int | None = None  # explicit-state limit (explicit; auto's explicit member)
    coverage: bool = True  # report actions never enabled (vacuity)
    show_invariant: bool = False  # kind: also find the lemmas' inductive core to show
    inductive: bool = False  # kind: prove by induction, never by enumeration (NOTE(enumerated))
    progress: Progress | None = None


class Engine(Protocol):
    def __call__(self, model: ir.Model, invariants: Sequence[str],
                 options: EngineOptions) -> list[Result]: ...
