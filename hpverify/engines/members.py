"""The single engines (the contract: engines/__init__.py): each adapts one engine function
to `Engine`, mapping `EngineOptions` onto that function's parameters. The portfolio
(auto.py) runs these; registry.py names them all for the command line."""

from __future__ import annotations

from collections.abc import Sequence

from .. import ir
from ..result import Result
from . import Engine, EngineOptions


def bmc(model: ir.Model, invariants: Sequence[str], options: EngineOptions) -> list[Result]:
    """`bmc` searches explicitly first on small state spaces (NOTE(bmc-search)); the state
    limit is that search's cap."""
    from .explicit import bmc_search_first as run

    return run(model, invariants, options.depth, options.budget, progress=options.progress,
               search_states=options.max_states, coverage=options.coverage)


def sat_bmc(model: ir.Model, invariants: Sequence[str], options: EngineOptions) -> list[Result]:
    """SAT-based BMC alone: `auto`'s bmc member (its explicit member does the search)."""
    from .bmc import bmc as run

    return run(model, invariants, options.depth, options.budget, progress=options.progress,
               coverage=options.coverage)


def kind(model: ir.Model, invariants: Sequence[str], options: EngineOptions) -> list[Result]:
    from .kind import kind as run

    return run(model, invariants, options.depth, options.budget, progress=options.progress,
               coverage=options.coverage, show_invariant=options.show_invariant,
               inductive=options.inductive)


def pdr(model: ir.Model, invariants: Sequence[str], options: EngineOptions) -> list[Result]:
    from .pdr import pdr as run

    return run(model, invariants, options.depth, options.budget, progress=options.progress)


def explicit(model: ir.Model, invariants: Sequence[str], options: EngineOptions) -> list[Result]:
    from .explicit import DEFAULT_MAX_STATES
    from .explicit import explicit as run

    limit = options.max_states if options.max_states is not None else DEFAULT_MAX_STATES
    return run(model, invariants, options.depth, options.budget, progress=options.progress,
               max_states=limit)


PORTFOLIO: dict[str, Engine] = {"bmc": sat_bmc, "kind": kind, "pdr": pdr, "explicit": explicit}
