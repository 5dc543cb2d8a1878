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

from . import startup


def main() -> int:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, startup.record)
    from .cli import main as cli_main

    if startup.received is not None:
        if startup.received == signal.SIGINT:
            sys.stderr.write("hpverify: interrupted\n")
        return startup.exit_status(startup.received)
    return cli_main()
