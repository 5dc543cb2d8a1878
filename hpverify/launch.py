"""The `hpverify` command's entry point: a module that imports nothing heavy.

NOTE(early-signal): the CLI installs its SIGINT/SIGTERM handlers (NOTE(cancel)) once its
modules are imported. A Ctrl-C during those imports (z3, lark, rich: a second on a loaded
machine) used to end in a KeyboardInterrupt traceback, and a SIGTERM killed the process
without its exit status 143. Raising from a handler in the middle of third-party imports is
not safe either (a SIGTERM raised as SystemExit there was swallowed, and the run went on),
so until the CLI's own handlers take over, a signal is only recorded: it is answered right
after the imports, or by `cancellable()` as soon as it is installed.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

received: int | None = None  # the first SIGINT/SIGTERM seen before the CLI's handlers


def _record(signum: int, frame: FrameType | None) -> None:
    global received
    if received is None:
        received = signum


def exit_status(signum: int) -> int:
    return 130 if signum == signal.SIGINT else 128 + signum


def main() -> int:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _record)
    from .cli import main as cli_main

    if received is not None:
        if received == signal.SIGINT:
            sys.stderr.write("hpverify: interrupted\n")
        return exit_status(received)
    return cli_main()
