"""What engines return: honest verdicts (see ../ARCHITECTURE.md, "Results are honest types").

- `holds` with `bound=k`: no violation in any trace of at most k steps (BMC's best).
- `holds` with `bound=None`: proved for all depths, by the method named in `method`.
- `violated`: with the SHORTEST trace when `shortest` is true (BMC, explicit).
- `unknown`: with the reason (timeout, resource limit, inconclusive induction...).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from . import ir


class Verdict(enum.StrEnum):
    """A StrEnum: `r.verdict == "holds"` and the JSON (`"verdict": "holds"`) stay as they
    were."""

    HOLDS = "holds"
    VIOLATED = "violated"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Trace:
    states: tuple[ir.State, ...]  # length + 1 states
    steps: tuple[ir.Instance, ...]

    @property
    def length(self) -> int:
        return len(self.steps)


@dataclass(frozen=True, slots=True)
class Result:
    invariant: str
    verdict: Verdict  # a plain "holds" | "violated" | "unknown" is converted
    engine: str
    bound: int | None  # depth searched; None when proved for all depths
    seconds: float
    trace: Trace | None = None
    method: str | None = None  # how an unbounded proof was obtained, e.g. "k-induction, k=4"
    reason: str | None = None  # why unknown
    shortest: bool = True
    distinct_states: int | None = None
    extra: dict[str, object] = field(default_factory=dict)
    # the trace is not NOTE(canonical-trace)'s choice although the engine is one that
    # makes it (engines/canonical.py then recomputes it): the engine's search was cut short
    off_canonical: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", Verdict(self.verdict))

    @property
    def proved(self) -> bool:
        return self.verdict == "holds" and self.bound is None

    def wording(self) -> str:
        if self.verdict == "violated":
            assert self.trace is not None
            return f"violated in {self.trace.length} step{'s' if self.trace.length != 1 else ''}"
        if self.verdict == "unknown":
            return f"unknown ({self.reason})" if self.reason else "unknown"
        if self.bound is None:
            return f"proved for all depths ({self.method})" if self.method else "proved for all depths"
        return f"holds up to depth {self.bound}"
