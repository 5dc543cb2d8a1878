"""A portfolio: bmc, kind, pdr (and explicit, with a small state limit) in parallel processes.

Per invariant the first CONCLUSIVE answer wins: a violation (every engine here returns
shortest traces) or a proof for all depths. When every invariant has one, the remaining
engines are stopped. If some invariant gets none, the best inconclusive answer is kept:
"holds up to depth k" (BMC) before "unknown". `Result.engine` names the engine that
decided ("auto/kind"). Two conclusive answers that contradict each other are an internal
error (raised), never reported.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
import traceback
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .. import ir
from ..result import Result, Verdict
from . import Engine, EngineOptions, Progress
from .common import Budget, forget_signals_in_child

EXPLICIT_LIMIT = 200_000  # explicit joins the portfolio with this state limit
# NOTE(auto-first): before forking, explicit runs in this process up to this many states.
# When it settles every invariant (a violation, or the whole space searched), that is the
# answer the portfolio's explicit member would give; forking four processes on two cores
# for a state space of a few thousand states cost 4x the time of its fastest member.
FIRST_STATES = 20_000


class PortfolioError(AssertionError):
    """Two engines disagree, or an engine crashed."""


def _conclusive(r: Result) -> bool:
    return r.verdict is Verdict.VIOLATED or (r.verdict is Verdict.HOLDS and r.bound is None)


def _engine_table(explicit_limit: int) -> list[tuple[str, Engine]]:
    from .members import PORTFOLIO  # its bmc is SAT BMC alone: explicit searches states

    names = ["bmc", "kind", "pdr"] + (["explicit"] if explicit_limit > 0 else [])
    return [(n, PORTFOLIO[n]) for n in names]


def _child(name: str, engine: Engine, model: ir.Model, invariants: list[str],
           options: EngineOptions, out: Any) -> None:
    forget_signals_in_child()  # the parent stops its workers (NOTE(cancel))
    try:
        out.put((name, engine(model, invariants, options), None))
    except BaseException:  # noqa: BLE001 - reported to the parent as an internal error
        out.put((name, None, traceback.format_exc()))


def auto(model: ir.Model, invariants: Sequence[str], depth: int, budget: Budget,
         progress: Progress | None = None, explicit_limit: int = EXPLICIT_LIMIT) -> list[Result]:
    return portfolio(model, invariants,
                     EngineOptions(depth, budget, max_states=explicit_limit, progress=progress))


def portfolio(model: ir.Model, invariants: Sequence[str], options: EngineOptions) -> list[Result]:
    """The portfolio (module docstring); `options.max_states` is explicit's state limit
    (EXPLICIT_LIMIT when None; 0 leaves explicit out)."""
    start = time.perf_counter()
    names = list(invariants)
    limit = options.max_states if options.max_states is not None else EXPLICIT_LIMIT
    child = replace(options, max_states=limit, progress=None)
    if limit > 0:  # NOTE(auto-first): small state spaces need no portfolio
        from .explicit import explicit

        first = explicit(model, names, options.depth, options.budget,
                         max_states=min(limit, FIRST_STATES))
        if all(_conclusive(r) for r in first):
            return [replace(r, engine="auto/explicit", seconds=time.perf_counter() - start,
                            extra={**r.extra, "decided_by": "explicit"}) for r in first]
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs: dict[str, Any] = {}
    for name, engine in _engine_table(limit):
        p = ctx.Process(target=_child, args=(name, engine, model, names, child, out),
                        daemon=True)
        p.start()
        procs[name] = p
    decided: dict[str, Result] = {}
    fallback: dict[str, list[Result]] = {n: [] for n in names}
    running = set(procs)
    try:
        while running and len(decided) < len(names):
            try:
                engine, results, error = out.get(timeout=0.2)
            except queue.Empty:
                for n in list(running):
                    if not procs[n].is_alive() and procs[n].exitcode not in (0, None):
                        running.discard(n)  # died without a word (killed, out of memory)
                continue
            running.discard(engine)
            if error is not None:
                raise PortfolioError(f"engine {engine} failed inside auto:\n{error}")
            for r in results:
                r = replace(r, engine=f"auto/{engine}", seconds=time.perf_counter() - start,
                            extra={**r.extra, "decided_by": engine})
                prev = decided.get(r.invariant)
                if _conclusive(r):
                    if prev is not None and prev.verdict != r.verdict:
                        raise PortfolioError(
                            f"{r.invariant}: {prev.engine} says {prev.wording()}, "
                            f"{r.engine} says {r.wording()}")
                    if prev is None:
                        decided[r.invariant] = r
                else:
                    fallback[r.invariant].append(r)
    finally:  # also on Ctrl-C and SIGTERM (NOTE(cancel)): no worker outlives the parent
        for p in procs.values():
            if p.is_alive():
                p.terminate()
        for p in procs.values():
            p.join(timeout=1)
            if p.is_alive():
                p.kill()
                p.join()
        out.close()
    order = list(procs)
    final: list[Result] = []
    for n in names:
        if n in decided:
            final.append(decided[n])
            continue
        cands = fallback[n]
        holds = [r for r in cands if r.verdict is Verdict.HOLDS]
        if holds:
            holds.sort(key=lambda r: order.index(r.engine.removeprefix("auto/")))
            final.append(max(holds, key=lambda r: r.bound or 0))
        elif cands:
            # in the portfolio's order, not the order of arrival: the same words every run
            cands.sort(key=lambda r: order.index(r.engine.removeprefix("auto/")))
            reasons = "; ".join(f"{r.engine.removeprefix('auto/')}: {r.reason}" for r in cands)
            best = max(cands, key=lambda r: r.bound if r.bound is not None else -1)
            final.append(replace(best, reason=reasons))
        else:
            final.append(Result(n, Verdict.UNKNOWN, "auto", -1, time.perf_counter() - start,
                                reason="no engine answered"))
    return final
