"""The engines beyond BMC, as `pipeline.engines()` finds them (see pipeline.py)."""

from __future__ import annotations

from collections.abc import Callable

from ..result import Result

Engine = Callable[..., list[Result]]


def extra_engines() -> dict[str, Engine]:
    from .auto import auto
    from .explicit import bmc_search_first, explicit
    from .kind import kind
    from .pdr import pdr

    # `bmc` searches explicitly first on small state spaces (NOTE(bmc-search))
    return {"bmc": bmc_search_first, "kind": kind, "pdr": pdr, "explicit": explicit, "auto": auto}
