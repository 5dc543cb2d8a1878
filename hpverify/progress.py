"""Progress reporting on stderr while an engine works (see docs/cli.md, "Progress").

Engines call `cb(engine_name, depth, seconds_for_that_depth)` after each depth. This module
turns those calls into:

- on a terminal: one live status line, rewritten in place (`\\r` + ANSI erase-line), shown
  only once a spec setting has run for more than `delay` (1 s) and erased when it ends;
- elsewhere (CI logs, pipes): a plain line at most every `interval` (5 s) seconds.

Plain ANSI rather than `rich`: the whole feature is one line that is rewritten and erased;
two escape codes do that on every terminal CI runners and developers use, and the package
keeps its two runtime dependencies. A small ticker thread refreshes the line (and writes the
periodic CI line) even while one depth takes a long time: Z3 releases the GIL in its calls.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

ERASE = "\r\x1b[K"


class Progress:
    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True,
                 tty: bool | None = None, delay: float = 1.0, interval: float = 5.0,
                 clock: Callable[[], float] = time.monotonic, thread: bool = True) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        if tty is None:
            try:
                tty = self.stream.isatty()
            except (AttributeError, ValueError):
                tty = False
        self.tty = tty
        self.delay = delay
        self.interval = interval
        self.clock = clock
        self.use_thread = thread
        self.label = ""
        self.engine: str | None = None
        self.depth: int | None = None
        self.last_seconds = 0.0
        self.started = 0.0
        self.last_plain = 0.0
        self.shown = False  # a live line is on the terminal
        self._lock = threading.Lock()
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle of one spec setting -----------------------------------------------
    def start(self, label: str) -> None:
        if not self.enabled:
            return
        with self._lock:
            self.label = label
            self.engine, self.depth, self.last_seconds = None, None, 0.0
            self.started = self.clock()
            self.last_plain = self.started
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
            if self.shown:
                self._write(ERASE)
                self.shown = False

    def __call__(self, engine: str, depth: int, seconds: float) -> None:
        """The engines' callback: `depth` is done, and took `seconds`."""
        if not self.enabled:
            return
        with self._lock:
            self.engine, self.depth, self.last_seconds = engine, depth, seconds
        self.tick()

    # ---- output --------------------------------------------------------------------
    def status(self, now: float) -> str:
        elapsed = now - self.started
        if self.depth is None:
            what = "starting"
        else:
            what = (f"{self.engine} depth {self.depth} done "
                    f"({self.last_seconds:.2f}s for depth {self.depth})")
        return f"{self.label}: {what}, {elapsed:.1f}s elapsed"

    def tick(self) -> None:
        """Show the line if it is due (called by the callback and by the ticker thread)."""
        if not self.enabled:
            return
        with self._lock:
            now = self.clock()
            elapsed = now - self.started
            if self.tty:
                if elapsed >= self.delay:
                    self._write(ERASE + self.status(now))
                    self.shown = True
            elif now - self.last_plain >= self.interval:
                self._write(f"hpverify: {self.status(now)}\n")
                self.last_plain = now

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
