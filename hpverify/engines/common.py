"""What engines share: the budget every solver call draws on, and cancellation.

NOTE(budget): one `Budget` per run is the single deadline and resource limit. Every solver
check, certificate check, minimisation and coverage query goes through `Budget.check` (or
`Budget.query` for Spacer); a phase with its own cap (Houdini's sampling, a certificate's
minimisation) takes `budget.capped(seconds)`, which ends at the earlier of the two
deadlines, never later. A check that does not finish (timeout, resource limit, Z3's
`unknown`, a `Z3Exception`) is an `Answer` with `unknown` and a reason, never an exception
and never a proof: the engines turn it into an `unknown` verdict.

NOTE(cancel): Z3 catches SIGINT itself while it solves and only cancels the current query,
so the run would go on. `cancellable()` (entered by the CLI) turns Z3's own handler off,
installs Python handlers for SIGINT and SIGTERM and a watcher thread woken by
`signal.set_wakeup_fd`: while the main thread is inside Z3 (where no Python handler can
run), the watcher interrupts Z3 until the handler has run. The watcher takes the signal's
number from the byte the wakeup fd carries: the Python handler, which would record it,
cannot run before the Z3 call returns, and one SAT check can last the whole budget (or,
without --timeout, for ever). Every `Budget.check` then
raises KeyboardInterrupt (SIGINT, exit 130) or SystemExit(143) (SIGTERM); so does leaving
the `with` block by any exception once a signal arrived.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import z3


@dataclass(frozen=True, slots=True)
class Answer:
    """A solver's answer: sat, unsat, or unknown with the reason."""

    result: z3.CheckSatResult
    reason: str | None = None

    @property
    def sat(self) -> bool:
        return self.result == z3.sat

    @property
    def unsat(self) -> bool:
        return self.result == z3.unsat

    @property
    def unknown(self) -> bool:
        return self.result == z3.unknown


def _unknown(reason: str) -> Answer:
    return Answer(z3.unknown, reason)


@dataclass(slots=True)
class Budget:
    """A wall-clock budget (seconds from `started`) and an optional Z3 resource limit per
    check. `Budget()` is unlimited."""

    seconds: float | None = None
    rlimit: int | None = None
    started: float = field(default_factory=time.perf_counter)

    def remaining(self) -> float | None:
        if self.seconds is None:
            return None
        return self.seconds - (time.perf_counter() - self.started)

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def capped(self, seconds: float) -> Budget:
        """A sub-budget of at most `seconds`, ending no later than this one."""
        left = self.remaining()
        return Budget(seconds if left is None else max(0.0, min(seconds, left)), self.rlimit)

    def arm(self, solver: Any) -> None:
        left = self.remaining()
        if left is not None:
            solver.set("timeout", max(1, int(left * 1000)))
        if self.rlimit is not None:
            solver.set("rlimit", self.rlimit)

    def check(self, solver: z3.Solver, *assumptions: Any) -> Answer:
        """solver.check(*assumptions) within the budget (NOTE(budget))."""
        raise_if_interrupted()
        if self.expired():
            return _unknown("timeout")
        self.arm(solver)
        try:
            r = solver.check(*assumptions)
        except z3.Z3Exception as err:
            raise_if_interrupted()
            return _unknown(self._why(_text(err)))
        raise_if_interrupted()
        if r == z3.unknown:
            return _unknown(self._why(solver.reason_unknown()))
        return Answer(r)

    def apply(self, tactic: z3.Tactic, goal: Any) -> Any | None:
        """tactic(goal) within the budget's time (z3.TryFor); None when it fails or is cut
        short. On this thread: the watcher's interrupt (NOTE(cancel)) cuts it short too.
        (In a helper thread, as Spacer's queries run, the main thread's unwinding after a
        signal freed Z3 objects while the tactic was still inside Z3, and crashed.)"""
        raise_if_interrupted()
        left = self.remaining()
        if left is not None and left <= 0:
            return None
        run = tactic if left is None else z3.TryFor(tactic, max(1, int(left * 1000)))
        try:
            got = run(goal)
        except z3.Z3Exception:
            got = None
        raise_if_interrupted()
        return got

    def query(self, fp: z3.Fixedpoint, goal: Any) -> Answer:
        """fp.query(goal) within the budget: Spacer raises `canceled` on its timeout."""
        raise_if_interrupted()
        if self.expired():
            return _unknown("timeout")
        left = self.remaining()
        if left is not None:
            fp.set("timeout", max(1, int(left * 1000)))
        try:
            r = _off_main_thread(lambda: fp.query(goal))
        except z3.Z3Exception as err:
            raise_if_interrupted()
            return _unknown(self._why(_text(err)))
        raise_if_interrupted()
        if r == z3.unknown:
            return _unknown(self._why(fp.reason_unknown()))
        return Answer(r)

    def _why(self, z3_reason: str) -> str:
        if "interrupted from keyboard" in z3_reason:  # Z3's own SIGINT handler was on
            raise KeyboardInterrupt
        if self.expired() or "timeout" in z3_reason:
            return "timeout"
        if "canceled" in z3_reason:  # Z3's word for both limits: which one was near?
            left = self.remaining()
            near_deadline = left is not None and left < 0.1
            return "resource limit" if self.rlimit is not None and not near_deadline \
                else "timeout"
        if "resource" in z3_reason or "rlimit" in z3_reason:
            return "resource limit"
        return f"solver gave up ({z3_reason})" if z3_reason else "solver gave up"


def _off_main_thread(fn: Any) -> Any:
    """fn() in a helper thread while the main thread waits, so that a signal handler runs
    at once: Spacer can go on for tens of seconds after Z3 is interrupted (NOTE(cancel))."""
    if _watching is None:  # nobody would stop it: no need for a thread
        return fn()
    box: list[Any] = []

    def run() -> None:
        try:
            box.append((True, fn()))
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            box.append((False, err))

    worker = threading.Thread(target=run, name="hpverify-z3", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.05)
    except BaseException:
        z3.main_ctx().interrupt()
        _stuck.append(worker)
        raise
    ok, value = box[0]
    if not ok:
        raise value
    return value


_stuck: list[threading.Thread] = []  # helper threads still inside Z3 after a signal


def exit_now_if_stuck(code: int) -> None:
    """After a signal: if a helper thread is still inside Z3, end the process now (the
    interpreter's shutdown would wait for Z3, or tear it down under the thread)."""
    for t in _stuck:
        t.join(0.3)
    if any(t.is_alive() for t in _stuck):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _text(err: z3.Z3Exception) -> str:
    v = err.value
    return v.decode(errors="replace") if isinstance(v, bytes) else str(v)


def solver_for(budget: Budget) -> z3.Solver:
    """Z3's incremental bit-blasting SAT back-end: 2-3x faster than the SMT core here."""
    s = z3.SolverFor("QF_BV")
    if budget.rlimit is not None:
        s.set("rlimit", budget.rlimit)
    return s


# ---- cancellation (NOTE(cancel)) ----------------------------------------------------------
_signalled: int | None = None  # the signal that asked this process to stop
_watching: threading.Thread | None = None  # the watcher, inside `cancellable()`


def raise_if_interrupted() -> None:
    """Raise the exception for a signal received (KeyboardInterrupt for SIGINT)."""
    if _signalled is None:
        return
    _raised.set()
    if _signalled == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + _signalled)


_raised = threading.Event()
_STOPPING = (signal.SIGINT, signal.SIGTERM)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    global _signalled
    if _raised.is_set():  # already on its way out: let the cleanup (auto's workers) finish
        return
    if _signalled is None:
        _signalled = signum
    # Inside z3's Python layer (a ctypes error callback swallows exceptions) the raise waits
    # for the next Budget.check; the watcher re-sends the signal meanwhile
    if frame is not None and str(frame.f_globals.get("__name__", "")).startswith("z3"):
        return
    raise_if_interrupted()


@contextmanager
def cancellable() -> Iterator[None]:
    """SIGINT and SIGTERM stop every engine promptly (NOTE(cancel))."""
    global _signalled
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _signalled = None
    _raised.clear()
    r, w = os.pipe()
    os.set_blocking(w, False)
    stop = threading.Event()
    old_fd = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    old = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    z3.set_param("ctrl_c", False)
    main = threading.main_thread().ident

    def watch() -> None:
        global _signalled
        while (got := os.read(r, 64)) and not stop.is_set():
            if _signalled is None:  # the handler cannot run inside Z3: see NOTE(cancel)
                _signalled = next((b for b in got if b in _STOPPING), None)
            while _signalled is not None and not _raised.is_set() and not stop.is_set():
                z3.main_ctx().interrupt()
                if stop.wait(0.05) or _raised.is_set():
                    break
                if main is not None:
                    signal.pthread_kill(main, _signalled)

    global _watching
    watcher = threading.Thread(target=watch, name="hpverify-cancel", daemon=True)
    watcher.start()
    _watching = watcher
    try:
        from .. import startup  # NOTE(early-signal): a signal recorded before these handlers

        if startup.received is not None and _signalled is None:
            _signalled, startup.received = startup.received, None
            raise_if_interrupted()
        yield
    except BaseException:
        raise_if_interrupted()
        raise
    finally:
        _watching = None
        stop.set()
        signal.set_wakeup_fd(old_fd)
        for sig, handler in old.items():
            signal.signal(sig, handler)
        os.write(w, b"\0")
        watcher.join(timeout=1)
        os.close(w)
        os.close(r)
        z3.set_param("ctrl_c", True)


def forget_signals_in_child() -> None:
    """In a forked worker: the parent handles SIGINT/SIGTERM and stops its workers; a
    worker ignores Ctrl-C, dies on SIGTERM, and dies with its parent (Linux)."""
    global _signalled, _watching
    _signalled = None
    _watching = None
    try:
        signal.set_wakeup_fd(-1)
    except ValueError:  # not the main thread
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
