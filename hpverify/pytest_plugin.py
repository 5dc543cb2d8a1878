"""pytest plugin: `.hp` specs as tests (entry point `hpverify`, see docs/ci.md).

Opt-in, so that installing hpverify changes no other project's test run (and so that a
repository's deliberately broken .hp corpora under tests/ stay data): .hp files are
collected only with `--hp` on the command line or `hp_collect = true` in the ini file.

    pytest --hp spec/ -n auto            one test per (spec, constant setting, invariant)
    pytest --hp spec/ -k no_sigbus       select invariants (item names are the invariants)
    pytest --hp spec/ --hp-const N=1..3  sweep constants as `hpverify prove --const` does

An item passes when the invariant holds (to the bound) or its `expect` is met; it fails
with the CPU-column counterexample when the invariant is violated and no `expect` covers it
or an `expect` is not met; an unknown verdict (timeout, resource limit) fails too, with the
reason. Errors in a spec are collection errors shown as `FILE:LINE:COL: error[HPnnn]`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .check import check
from .diagnostics import HpError, SourceCache, render
from .ir import TYPES
from .parse import load_spec
from .pipeline import (
    Options,
    Outcome,
    SpecRun,
    configs,
    engines,
    expand_const_values,
    is_fragment,
    prove_config,
    select_invariants,
)
from .trace import render_trace


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hpverify", "hpverify: .hp specifications as tests")
    group.addoption("--hp", action="store_true", default=False, dest="hp_collect",
                    help="collect .hp spec files as tests (also: ini hp_collect = true)")
    group.addoption("--hp-depth", type=int, default=None, metavar="K",
                    help="search traces of at most K steps (overrides 'check depth')")
    group.addoption("--hp-engine", default=None, metavar="E",
                    help="engine for .hp tests (default: ini hp_engine, else bmc)")
    group.addoption("--hp-const", action="append", default=[], metavar="NAME=VALUE",
                    help="override or sweep a constant, as `hpverify prove --const`")
    group.addoption("--hp-timeout", type=float, default=None, metavar="SECONDS",
                    help="budget per (spec setting, invariant); past it the test fails "
                    "as unknown")
    parser.addini("hp_collect", type="bool", default=False,
                  help="collect .hp spec files as tests (like --hp)")
    parser.addini("hp_engine", default="bmc", help="engine for .hp tests (default bmc)")


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("hp_collect") or config.getini("hp_collect"))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".hp" or not _enabled(parent.config):
        return None
    if is_fragment(file_path):
        return None
    return HpFile.from_parent(parent, path=file_path)


class HpUsageError(Exception):
    """A bad --hp-* option value."""


def _options(config: pytest.Config, invariant: str | None = None) -> Options:
    consts: dict[str, tuple[str, ...]] = {}
    for item in config.getoption("hp_const") or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise HpUsageError(f"--hp-const {item}: expected NAME=VALUE")
        consts[name.strip()] = expand_const_values(value.strip())
    engine = config.getoption("hp_engine") or config.getini("hp_engine") or "bmc"
    if engine not in engines():
        raise HpUsageError(f"--hp-engine {engine}: unknown engine (known: "
                           f"{', '.join(sorted(engines()))})")
    depth = config.getoption("hp_depth")
    if depth is not None and depth < 0:
        raise HpUsageError(f"--hp-depth {depth}: the depth cannot be negative")
    return Options(invariants=(invariant,) if invariant else (), depth=depth, engine=engine,
                   consts=tuple(consts.items()), timeout=config.getoption("hp_timeout"))


def _display_path(path: Path) -> str:
    """The spec's path as the CLI would show it: relative to the working directory."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _setting_id(overrides: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in overrides.items())


class HpFile(pytest.File):
    def collect(self):  # type: ignore[override]
        sources = SourceCache()
        self.sources = sources
        spec = load_spec(_display_path(self.path), sources)
        options = _options(self.config)
        for overrides in configs(spec, options, sources):
            checked = check(spec, overrides)
            lines = {inv.name: inv.span.line for inv in checked.invariants}
            for inv in select_invariants(checked, options, spec.file):
                name = f"{inv}[{_setting_id(overrides)}]" if overrides else inv
                yield HpItem.from_parent(self, name=name, invariant=inv,
                                         overrides=dict(overrides), line=lines.get(inv))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, HpError):
            return "\n".join(render(d, getattr(self, "sources", SourceCache()))
                             for d in excinfo.value.diagnostics)
        if isinstance(excinfo.value, HpUsageError):
            return f"hpverify: {excinfo.value}"
        return super().repr_failure(excinfo)


class HpFailure(Exception):
    """An unexpected violation, an unmet expect, or an unknown verdict."""

    def __init__(self, run: SpecRun, outcome: Outcome) -> None:
        super().__init__(outcome.result.invariant)
        self.run = run
        self.outcome = outcome

    def text(self) -> str:
        run, o = self.run, self.outcome
        r = o.result
        consts = ", ".join(f"{k}={v}" for k, v in run.consts.items())
        where = f"{run.file}: spec {run.spec}" + (f" ({consts})" if consts else "")
        if r.verdict == "unknown":
            head = f"invariant {r.invariant}: {r.wording()} after {r.seconds:.2f}s ({r.engine})"
        elif o.expect is not None:
            head = f"invariant {r.invariant}: expected {o.expect.describe()}, got {r.wording()}"
        else:
            head = f"invariant {r.invariant} {r.wording()} (no expect covers it)"
        out = [head, where]
        if r.trace is not None:
            out += ["", render_trace(run.model, r.trace, r.invariant,
                                     run.invariant_text.get(r.invariant))]
        return "\n".join(out)


class HpItem(pytest.Item):
    def __init__(self, *, invariant: str, overrides: dict[str, str], line: int | None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.invariant = invariant
        self.overrides = overrides
        self.line = line
        self.add_marker(pytest.mark.hpverify)

    def runtest(self) -> None:
        self.sources = sources = SourceCache()
        spec = load_spec(_display_path(self.path), sources)
        options = _options(self.config, self.invariant)
        run = prove_config(spec, self.overrides, options, sources)
        (outcome,) = [o for o in run.outcomes if o.result.invariant == self.invariant]
        r = outcome.result
        self.user_properties += [("verdict", str(r.verdict)), ("engine", r.engine),
                                 ("bound", "all" if r.bound is None else str(r.bound))]
        if r.trace is not None:
            self.user_properties.append(("length", str(r.trace.length)))
        if outcome.failed or r.verdict == "unknown":
            raise HpFailure(run, outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, HpFailure):
            return excinfo.value.text()
        if isinstance(excinfo.value, HpError):
            return "\n".join(render(d, getattr(self, "sources", SourceCache()))
                             for d in excinfo.value.diagnostics)
        if isinstance(excinfo.value, HpUsageError):
            return f"hpverify: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        what = "built-in invariant types" if self.invariant == TYPES else \
            f"invariant {self.invariant}"
        setting = _setting_id(self.overrides)
        return self.path, (self.line - 1 if self.line else None), \
            f"{what}" + (f" [{setting}]" if setting else "")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hpverify: a test item generated from a .hp spec")
