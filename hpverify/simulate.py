"""Random simulation (`hpverify simulate`): random walks over the IR with the concrete
semantics of evaluate.py, as TLC's `-simulate` does.

Each run starts in a random initial state (uniform among the first `INIT_LIMIT` initial
states, listed as the explicit engine lists them: NOTE(fast-init)), then repeatedly fires one enabled action instance chosen
uniformly at random, for at most `steps` steps or until no instance is enabled (a
deadlock: the run ends there). Every state is checked against the chosen invariants; the
first violation stops the simulation and its trace is reported. That trace is NOT
necessarily a shortest one (`hpverify prove` finds those); a simulation that finds nothing
proves nothing. The same seed gives the same walks.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import evaluate as ev
from . import ir
from .engines.explicit import initial_states
from .process import DEADLOCK
from .result import Trace
from .trace import replay

INIT_LIMIT = 10_000


@dataclass(slots=True)
class Violation:
    invariant: str
    run: int  # 1-based
    trace: Trace


@dataclass(slots=True)
class Simulation:
    runs: int = 0
    steps: int = 0
    deadlocks: int = 0
    finished: int = 0  # runs that ended where the built-in `deadlock` holds (all processes done)
    type_stops: int = 0  # runs that ended in a state violating types (not checked)
    distinct_states: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    violation: Violation | None = None
    no_initial_state: bool = False


def _key(st: ir.State) -> tuple[object, ...]:
    return tuple(sorted(st.items()))


def simulate(model: ir.Model, invariants: Sequence[str], steps: int, runs: int,
             seed: int) -> Simulation:
    rng = random.Random(seed)
    sim = Simulation(actions=Counter({a: 0 for a in model.actions}))
    inits = initial_states(model, limit=INIT_LIMIT)
    if not inits:
        sim.no_initial_state = True
        return sim
    seen: set[tuple[object, ...]] = set()
    for run in range(1, runs + 1):
        sim.runs = run
        st = rng.choice(inits)
        states, insts = [st], []
        seen.add(_key(st))
        broken = _broken(model, invariants, st)
        k = 0
        while broken is None and k < steps:
            if not ev.types_ok(model, st):  # a types violation has no successors
                sim.type_stops += 1
                break
            enabled = []
            for inst in model.instances:
                res = ev.run_step(model, inst, st)
                if res is not None:
                    enabled.append((inst, res.state))
            if not enabled:
                if any(i.name == DEADLOCK for i in model.invariants) \
                        and ev.invariant_ok(model, DEADLOCK, st):
                    sim.finished += 1  # every process done (or `terminal`): a fine end
                else:
                    sim.deadlocks += 1
                break
            inst, st = enabled[rng.randrange(len(enabled))]
            k += 1
            sim.steps += 1
            sim.actions[inst.action] += 1
            states.append(st)
            insts.append(inst)
            seen.add(_key(st))
            broken = _broken(model, invariants, st)
        if broken is not None:
            trace = Trace(tuple(states), tuple(insts))
            replay(model, trace, broken, shortest=False)
            sim.violation = Violation(broken, run, trace)
            break
    sim.distinct_states = len(seen)
    return sim


def _broken(model: ir.Model, invariants: Sequence[str], st: ir.State) -> str | None:
    for name in invariants:
        if not ev.invariant_ok(model, name, st):
            return name
    return None
