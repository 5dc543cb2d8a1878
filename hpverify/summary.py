"""The end-of-run summary of `hpverify prove`: one table row per (spec, constants,
invariant), and for a spec checked under several constant settings one matrix (a row per
setting, a column per invariant). Plain text with aligned columns and no colour wherever
the output is not a terminal (CI logs, pipes, tests: the same bytes every time); on a
terminal the same text with the status coloured (`rich`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from rich.text import Text

from .diagnostics import Diagnostic
from .ir import key_string
from .pipeline import Outcome, SpecRun


class ProblemKind(Enum):
    """Why a file (or the run) has no results: the exit status it forces."""

    SPEC_ERROR = "spec error"  # exit 2
    INTERNAL_ERROR = "internal error"  # exit 70
    INTERRUPTED = "interrupted"  # exit 130


@dataclass(frozen=True, slots=True)
class Problem:
    """A spec setting or file that gave no results; the others still run and report.
    `file` is None for the run as a whole (an interruption, a command-line error)."""

    file: str | None
    kind: ProblemKind
    message: str  # one line
    text: str  # the full report: the rendered diagnostics, or the traceback
    diagnostics: tuple[Diagnostic, ...] = ()


def problems_status(problems: Sequence[Problem], code: int) -> int:
    """The exit status with problems: 130 interrupted, else 70 internal, else 2, else `code`."""
    kinds = {p.kind for p in problems}
    if ProblemKind.INTERRUPTED in kinds:
        return 130
    if ProblemKind.INTERNAL_ERROR in kinds:
        return 70
    if ProblemKind.SPEC_ERROR in kinds:
        return 2
    return code


def consts_text(run: SpecRun, names: Sequence[str] | None = None, sep: str = ", ") -> str:
    return sep.join(f"{k}={key_string(v)}" for k, v in run.consts.items()
                    if names is None or k in names)


def status(o: Outcome) -> str:
    """ok | FAIL | unknown: what the outcome means for the exit status."""
    if o.failed:
        return "FAIL"
    if o.result.verdict == "unknown":
        return "unknown"
    return "ok"


def verdict_text(o: Outcome) -> str:
    r = o.result
    if r.verdict == "violated":
        text = "violated"
    elif r.verdict == "unknown":
        text = f"unknown ({r.reason})" if r.reason else "unknown"
    else:
        text = "proved" if r.bound is None else "holds"
    if o.expect is not None and o.met is False:
        text += f" (expected {o.expect.describe()})"
    elif o.expect is None and r.verdict == "violated":
        text += " (unexpected)"
    return text


def depth_text(o: Outcome) -> str:
    """The trace length of a violation, the bound searched, or `all` for a proof."""
    r = o.result
    if r.verdict == "violated" and r.trace is not None:
        return str(r.trace.length)
    if r.bound is None:
        return "all" if r.verdict == "holds" else "-"
    return str(r.bound)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(header[j]), *(len(r[j]) for r in rows)) for j in range(len(header))]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
           "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return out


@dataclass(frozen=True, slots=True)
class Table:
    """A table of the summary: plain aligned text (logs, pipes, tests: the same bytes every
    time), coloured on a terminal."""

    title: str | None
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def text(self) -> str:
        lines = _table(self.header, self.rows)
        return "\n".join([self.title, *lines] if self.title else lines)

    def styled(self) -> Text:
        """The same text, for a terminal: FAIL red, unknown yellow, ok green. NOTE(tables):
        the layout stays the plain one; fitting it to the width with `rich` tables folded
        paths, settings and invariant names into fragments at 80 columns, which reads worse
        than a line the terminal wraps."""
        text = Text(self.text())
        text.highlight_regex(r"(?m)^FAIL\b|\bFAIL \S+", "bold red")
        text.highlight_regex(r"(?m)^unknown\b|\bunknown\b", "yellow")
        text.highlight_regex(r"(?m)^ok\b", "green")
        return text


def summary_rows(runs: Sequence[SpecRun], only_not_ok: bool = False) -> Table | None:
    """One row per (spec, constants, invariant); None when `only_not_ok` leaves no row."""
    header = ("status", "spec", "constants", "invariant", "verdict", "depth", "engine", "time")
    rows = []
    for run in runs:
        consts = consts_text(run) or "-"
        for o in run.outcomes:
            if only_not_ok and status(o) == "ok":
                continue
            rows.append((status(o), run.file, consts, o.result.invariant, verdict_text(o),
                         depth_text(o), o.result.engine, f"{o.result.seconds:.2f}s"))
    return Table(None, header, tuple(rows)) if rows else None


def summary_table(runs: Sequence[SpecRun], only_not_ok: bool = False) -> str:
    table = summary_rows(runs, only_not_ok)
    return table.text() if table is not None else ""


def vacuity_summary(runs: Sequence[SpecRun],
                    never_enabled: Callable[[SpecRun], tuple[list[str], int | None]]) -> list[str]:
    """The never-enabled warnings of a batch, one line per (file, action): in how many of
    the file's settings, checked to which depths. `never_enabled` gives a setting's list."""
    settings: dict[str, int] = {}
    found: dict[tuple[str, str], list[int | None]] = {}
    for run in runs:
        settings[run.file] = settings.get(run.file, 0) + 1
        names, depth = never_enabled(run)
        for name in names:
            found.setdefault((run.file, name), []).append(depth)
    if not found:
        return []
    out = [f"warning: actions never enabled, invariants may hold vacuously "
           f"({sum(len(d) for d in found.values())} warnings; each setting's with --verbose):"]
    for (file, name), depths in found.items():
        known = sorted(d for d in depths if d is not None)
        if len(known) < len(depths):
            where = "at any depth" if not known else f"checked to depth {known[0]}..all"
        elif known[0] == known[-1]:
            where = f"checked to depth {known[0]}"
        else:
            where = f"checked to depth {known[0]}..{known[-1]}"
        n = settings[file]
        out.append(f"  {file}: {name} in {len(depths)} of {n} setting{'s' if n != 1 else ''} "
                   f"({where})")
    return out


def cell(o: Outcome) -> str:
    """A compact matrix cell: `holds<=20`, `proved`, `violated@6`, `unknown`, `FAIL ...`."""
    r = o.result
    if r.verdict == "violated":
        text = f"violated@{r.trace.length}" if r.trace is not None else "violated"
    elif r.verdict == "unknown":
        text = "unknown"
    else:
        text = "proved" if r.bound is None else f"holds<={r.bound}"
    return ("FAIL " + text) if o.failed else text


def matrices(runs: Sequence[SpecRun]) -> list[str]:
    return [m.text() for m in matrix_tables(runs)]


def matrix_tables(runs: Sequence[SpecRun]) -> list[Table]:
    """One matrix per spec file checked under more than one constant setting."""
    by_file: dict[str, list[SpecRun]] = {}
    for run in runs:
        by_file.setdefault(run.file, []).append(run)
    out: list[Table] = []
    for file, group in by_file.items():
        if len(group) < 2:
            continue
        names = list(group[0].consts)
        varying = [n for n in names if len({key_string(r.consts[n]) if n in r.consts else "" for r in group}) > 1]
        fixed = [n for n in names if n not in varying]
        invs: list[str] = []
        for r in group:
            for o in r.outcomes:
                if o.result.invariant not in invs:
                    invs.append(o.result.invariant)
        header = [*varying, *invs]
        rows: list[tuple[str, ...]] = []
        for r in group:
            by_inv = {o.result.invariant: cell(o) for o in r.outcomes}
            rows.append(tuple([key_string(r.consts[n]) for n in varying]
                              + [by_inv.get(i, "-") for i in invs]))
        title = f"{file}: spec {group[0].spec}, {len(group)} constant settings"
        if fixed:
            title += f" ({consts_text(group[0], fixed)})"
        out.append(Table(title, tuple(header), tuple(rows)))
    return out


def final_line(runs: Sequence[SpecRun], code: int, problems: Sequence[Problem] = ()) -> str:
    outcomes = [o for r in runs for o in r.outcomes]
    failed = sum(o.failed for o in outcomes)
    unknown = sum(o.result.verdict == "unknown" for o in outcomes)
    ok = len(outcomes) - failed - unknown
    word = {0: "OK", 1: "FAILED", 2: "ERROR", 3: "UNKNOWN", 70: "INTERNAL ERROR",
            130: "INTERRUPTED"}.get(code, "")
    errors = ""
    counted = [p for p in problems if p.kind is not ProblemKind.INTERRUPTED]
    if counted:
        errors = f", {len(counted)} error{'s' if len(counted) != 1 else ''}"
    return (f"{word}: {ok} passed, {failed} failed, {unknown} unknown{errors} "
            f"({len(runs)} spec setting{'s' if len(runs) != 1 else ''})")
