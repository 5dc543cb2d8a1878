"""Progress reporting on stderr while a batch runs (see docs/cli.md, "Progress").

What it says, e.g. `[3/61] spec/x.hp (N=2): bmc depth 7 done (2.5s, ETA ~1m02s)`: which
spec setting of how many, the setting, the phase it is in (`preparing` until an engine
reports, then what the engine last said, or a phase an engine names with `phase()`, such
as `Houdini`), the time spent on the setting, and an ETA for the batch once one setting
has finished (the mean time of the settings done so far times the settings left: an
estimate, marked `~`).

Engines call `progress(engine_name, depth, seconds_for_that_depth)` after each depth and
may call `progress.phase(text)` when they enter a phase of their own.

NOTE(progress-width): on a terminal the status is ONE line rewritten in place (`\\r` and
erase-line), so it must never wrap: `\\x1b[K` clears only the row the cursor is on, and a
wrapped line leaves a copy of itself on the screen at every refresh. The line is fitted to
the terminal's width (`rich` measures it and colours the parts): the setting's label is
shortened in the middle first, then the whole line is cropped. It appears once a setting
has run for `delay` (1 s) and is erased when the setting ends, before its results print.

NOTE(progress-pipe): when stderr is not a terminal (a CI log, a pipe) there is no line to
rewrite: a line is written only when the phase has CHANGED and `interval` (5 s) has passed
since the last one (and the setting has run that long), so short runs print nothing and a
long one never repeats a line. No colour, no control characters.

A ticker thread refreshes the terminal line (elapsed time) even while one depth takes a
long time: Z3 releases the GIL in its calls.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.text import Text

ERASE = "\r\x1b[K"


def _seconds(s: float) -> str:
    if s < 60:
        return f"{s:.1f}s"
    m, sec = divmod(int(s), 60)
    return f"{m}m{sec:02d}s" if m < 60 else f"{m // 60}h{m % 60:02d}m"


def _shorten(text: str, room: int) -> str:
    """`text` in at most `room` characters, cut in the middle (`spec/so...=2, NFAULT=3)`)."""
    if len(text) <= room:
        return text
    if room <= 3:
        return text[:room]
    head = (room - 3) // 2
    return text[:head] + "..." + text[len(text) - (room - 3 - head):]


class Progress:
    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True,
                 tty: bool | None = None, color: bool | None = None, width: int | None = None,
                 delay: float = 1.0, interval: float = 5.0,
                 clock: Callable[[], float] = time.monotonic, thread: bool = True) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        if tty is None:
            try:
                tty = self.stream.isatty()
            except (AttributeError, ValueError):
                tty = False
        self.tty = tty
        if color is None:
            color = tty and not os.environ.get("NO_COLOR")
        self.color = color
        self.console = Console(file=self.stream, force_terminal=tty, width=width,
                               highlight=False, soft_wrap=True)
        self.delay = delay
        self.interval = interval
        self.clock = clock
        self.use_thread = thread
        self.label = ""
        self.index: int | None = None  # this setting is index/total of the batch
        self.total: int | None = None
        self.done_seconds = 0.0  # the settings finished so far, for the ETA
        self.done = 0
        self.current = "preparing"
        self.started = 0.0
        self.last_line = 0.0
        self.last_key: tuple[str, str] | None = None
        self.shown = False  # a live line is on the terminal
        self._lock = threading.Lock()
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle of one spec setting -----------------------------------------------
    def start(self, label: str, index: int | None = None, total: int | None = None,
              phase: str = "preparing") -> None:
        """A spec setting starts: `label`, number `index` of `total`, in its first phase."""
        if not self.enabled:
            return
        with self._lock:
            self.label, self.index, self.total = label, index, total
            self.current = phase
            self.started = self.clock()
        if self.use_thread:
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name="hpverify-progress")
            self._thread.start()

    def finish(self) -> None:
        if not self.enabled:
            return
        if self._thread is not None and self._stop is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        with self._lock:
            self.done += 1
            self.done_seconds += self.clock() - self.started
            if self.shown:
                self._write(ERASE)
                self.shown = False

    def __call__(self, engine: str, depth: int, seconds: float) -> None:
        """The engines' callback: `depth` is done, and took `seconds`."""
        self.phase(f"{engine} depth {depth} done")

    def phase(self, text: str) -> None:
        """The phase the setting is in now (`encoding`, `Houdini`, `certificate check`...)."""
        if not self.enabled:
            return
        with self._lock:
            self.current = text
        self.tick()

    # ---- output --------------------------------------------------------------------
    def parts(self, now: float) -> tuple[str, str, str]:
        """(counter, label, the rest): `[3/61] `, the setting, `: PHASE (2.5s, ETA ~1m02s)`."""
        counter = f"[{self.index}/{self.total}] " if self.index and self.total else ""
        times = [_seconds(now - self.started)]
        if self.total and self.done and self.index:
            left = self.total - self.index + 1  # this one and those after it
            eta = self.done_seconds / self.done * left - (now - self.started)
            if eta > 0:  # past the estimate: none is known
                times.append(f"ETA ~{_seconds(eta)}")
        return counter, self.label, f": {self.current} ({', '.join(times)})"

    def status(self, now: float, width: int | None = None) -> Text:
        """The status line, fitted into `width - 1` columns (NOTE(progress-width))."""
        counter, label, rest = self.parts(now)
        if width is not None:
            room = width - 1 - len(counter) - len(rest)
            label = _shorten(label, max(room, 8))
        line = Text()
        line.append(counter, style="bold")
        line.append(label, style="cyan")
        line.append(rest, style="dim")
        if width is not None:
            line.truncate(width - 1, overflow="ellipsis")
        return line

    def tick(self) -> None:
        """Show the line if it is due (called by the callback and by the ticker thread)."""
        if not self.enabled:
            return
        with self._lock:
            now = self.clock()
            elapsed = now - self.started
            if self.tty:
                if elapsed >= self.delay:
                    self._write(ERASE)
                    self._print(self.status(now, self.console.width))
                    self.shown = True
                return
            key = (self.label, self.current)
            if elapsed >= self.interval and now - self.last_line >= self.interval \
                    and key != self.last_key:
                self._write(f"hpverify: {self.status(now).plain}\n")
                self.last_line, self.last_key = now, key

    def _print(self, text: Text) -> None:
        try:
            if self.color:
                self.console.print(text, end="", no_wrap=True, overflow="ellipsis", crop=True)
            else:
                self.stream.write(text.plain)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr must not stop a proof
            self.enabled = False

    def _run(self) -> None:
        assert self._stop is not None
        period = 0.2 if self.tty else min(1.0, self.interval)
        while not self._stop.wait(period):
            self.tick()
