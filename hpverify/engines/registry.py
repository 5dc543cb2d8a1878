"""The engines by name (the contract: engines/__init__.py), as the command line names them;
the single engines' adapters are in members.py."""

from __future__ import annotations

from collections.abc import Sequence

from .. import ir
from ..result import Result
from . import Engine, EngineOptions
from .members import bmc, explicit, kind, pdr


def auto(model: ir.Model, invariants: Sequence[str], options: EngineOptions) -> list[Result]:
    from .auto import portfolio

    return portfolio(model, invariants, options)


ENGINES: dict[str, Engine] = {"bmc": bmc, "kind": kind, "pdr": pdr, "explicit": explicit,
                              "auto": auto}


def extra_engines() -> dict[str, Engine]:
    """The engines beyond BMC (the name pipeline.py once looked for)."""
    return {n: e for n, e in ENGINES.items() if n != "bmc"}
