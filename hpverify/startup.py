"""Signals that arrive before the CLI's handlers are installed (NOTE(early-signal) in
launch.py). A module of its own, importing nothing of hpverify: launch.py and
engines/common.py both read it."""

from __future__ import annotations

import signal
from types import FrameType

received: int | None = None  # the first SIGINT/SIGTERM seen before the CLI's handlers


def record(signum: int, frame: FrameType | None) -> None:
    global received
    if received is None:
        received = signum


def exit_status(signum: int) -> int:
    return 130 if signum == signal.SIGINT else 128 + signum
