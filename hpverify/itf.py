"""Counterexamples as Apalache ITF traces (`hpverify prove --itf DIR`).

The Informal Trace Format (Apalache ADR-015) is what Apalache and Quint write and what ITF
viewers and model-based-testing drivers read. One file per counterexample:

    {"#meta": {"format": "ITF", "format-description": ..., "source": "spec/x.hp",
               "description": ..., "spec": "x", "invariant": "small", "consts": {...},
               "engine": "bmc", "length": 2, "shortest": true},
     "params": ["N"],                        the spec's constants, their values in every state
     "vars": ["x", "pc"],
     "states": [{"#meta": {"index": 0}, "N": {"#bigint": "3"}, "x": {"#bigint": "0"}, ...},
                {"#meta": {"index": 1, "action": "incr", "actor": "c0",
                           "params": {"c": "c0"}}, ...}]}

Values: bool → JSON boolean; int → {"#bigint": "..."} (as Apalache and Quint write them;
plain JSON numbers are also valid ITF, readers accept both); enum value → JSON string
(as a TLA+ string, matching `hpverify export --tla`); function → {"#map": [[key, value],
...]} in domain order; a set → {"#set": [element, ...]} in domain order; a record → a JSON object; a sequence → a
JSON array. The step that led
to state i (i >= 1) is in that state's `#meta`
(`action`, `actor` (null without `by`), `params` in ITF encoding), so viewers that only
read `vars` and `states` work unchanged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from . import ir
from .pipeline import SpecRun
from .result import Result, Trace

FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"


def itf_value(v: ir.Value, t: ir.Type) -> object:
    if isinstance(t, ir.FunT) and t.is_set():  # NOTE(sets) in ir.py
        return {"#set": [itf_value(d, t.dom) for d in ir.set_members(v, t)]}
    if isinstance(t, ir.FunT):
        assert isinstance(v, tuple)
        dom: tuple[ir.Value, ...] = t.dom.values()
        return {"#map": [[itf_value(d, t.dom), itf_value(x, t.cod)]
                         for d, x in zip(dom, v, strict=True)]}
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return {"#bigint": str(v)}
    return str(v)


def itf_user(st: ir.State, name: str, t: object) -> object:
    """A declared variable in ITF: a record as an object, a sequence as an array."""
    if not ir.structured(t):
        assert isinstance(t, (ir.BoolT, ir.IntT, ir.EnumT, ir.FunT))
        return itf_value(st[name], t)
    return ir.user_value(st, name, t, itf_value,
                         lambda items, dom: {"#map": [[itf_value(d, dom), x] for d, x in items]},
                         dict, list)


def itf_trace(run: SpecRun, result: Result) -> dict[str, object]:
    model = run.model
    trace = result.trace
    assert isinstance(trace, Trace)
    consts = {n: itf_value(v, t) for n, v, t in model.consts}
    states: list[dict[str, object]] = []
    for i, st in enumerate(trace.states):
        meta: dict[str, object] = {"index": i}
        if i > 0:
            inst = trace.steps[i - 1]
            meta["action"] = inst.action
            meta["actor"] = (itf_value(inst.actor, inst.actor_type)
                             if inst.actor is not None and inst.actor_type is not None else None)
            meta["params"] = {n: itf_value(v, t) for n, v, t in inst.shown_params()}
            meta["label"] = inst.label()
        state: dict[str, object] = {"#meta": meta}
        state.update(consts)
        for name, t in ir.user_vars(model):
            state[name] = itf_user(st, name, t)
        states.append(state)
    return {
        "#meta": {
            "format": "ITF",
            "format-description": FORMAT_DESCRIPTION,
            "source": run.file,
            "description": f"hpverify counterexample: spec {run.spec}, invariant "
                           f"{result.invariant} {result.wording()}",
            "spec": run.spec,
            "invariant": result.invariant,
            "consts": {n: ir.render_value(v, t) for n, v, t in model.consts},
            "engine": result.engine,
            "length": trace.length,
            "shortest": result.shortest,
        },
        "params": [n for n, _, _ in model.consts],
        "vars": [name for name, _ in ir.user_vars(model)],
        "states": states,
    }


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", text).strip("_")


def itf_filename(run: SpecRun, invariant: str) -> str:
    parts = [run.spec]
    if run.consts:
        parts.append(",".join(f"{k}={ir.key_string(v)}" for k, v in run.consts.items()))
    parts.append(invariant)
    return _slug("_".join(parts)) + ".itf.json"


def write_itf(directory: str, runs: list[SpecRun]) -> list[Path]:
    """Write every counterexample of `runs` into `directory` (created if needed)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for run in runs:
        for o in run.outcomes:
            if o.result.trace is None:
                continue
            name = itf_filename(run, o.result.invariant)
            if name in used:  # two files with the same spec name and settings
                stem = name[: -len(".itf.json")]
                k = 2
                while f"{stem}_{k}.itf.json" in used:
                    k += 1
                name = f"{stem}_{k}.itf.json"
            used.add(name)
            path = out / name
            path.write_text(json.dumps(itf_trace(run, o.result), indent=1) + "\n",
                            encoding="utf-8")
            written.append(path)
    return written
