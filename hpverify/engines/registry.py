"""The engines beyond BMC, as `pipeline.engines()` finds them (see pipeline.py)."""

from __future__ import annotations

from collections.abc import Callable

from ..result import Result

Engine = Callable[..., list[Result]]


def extra_engines() -> dict[str, Engine]:
    from .auto import auto
    from .explicit import explicit
    from .kind import kind
    from .pdr import pdr

    return {"kind": kind, "pdr": pdr, "explicit": explicit, "auto": auto}
