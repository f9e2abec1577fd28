"""The ``samsim`` console script.

A command that a warm daemon can run (:data:`samsim.daemon.FORWARDED`) goes to the daemon
started by ``samsim daemon start``, if one serves this copy of samsim and this
environment; everything else, and every command when there is no daemon, runs in this
process (:func:`samsim.cli.console`). This module imports nothing heavy, so that a command
the daemon runs costs the interpreter's start and a socket round trip (about 0.05 s).
"""

from __future__ import annotations

import os
import sys


def console() -> None:
    """Run the command line: in a daemon if one serves it, else here.

    Ctrl-C before the command line has taken over (while samsim is being imported) exits
    130 with "interrupted", as it does later, not with a traceback.
    """
    try:
        _console()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
        os._exit(130)


def _console() -> None:
    # As samsim.cli.console does, and before the daemon key is taken from the environment.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    argv = sys.argv[1:]
    if argv and not os.environ.get("SAMSIM_NO_DAEMON"):
        from samsim.daemon import FORWARDED, forward

        if argv[0] in FORWARDED:
            code = forward(argv)
            if code is not None:
                os._exit(code)
    from samsim.cli import console as here

    here()
