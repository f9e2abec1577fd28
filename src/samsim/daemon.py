"""A warm samsim process that runs commands for the ``samsim`` command line.

A ``samsim run`` in a new process spends about a second before the engine starts:
the interpreter, the numpy, pydantic and pyarrow imports, numba's target and each cached
kernel (docs/benchmarks.md, start-up). Asking many "what if" questions in a row pays that
second every time. ``samsim daemon start`` keeps one process with all of it loaded; while
it runs, ``samsim run``, ``validate``, ``schema``, ``catalog``, ``envelope``,
``coverage``, ``report`` and ``export`` hand their command line to it and it runs each in
a fresh ``fork()`` of itself, so a command costs what the work costs.

How a command runs (the same code, arguments, files and output as in its own process):

1. The client (:func:`forward`, called by :func:`samsim.launcher.console` before anything
   heavy is imported) connects to the daemon's Unix socket and sends its arguments, working
   folder, environment and file-creation mask, and its stdin, stdout and stderr as file
   descriptors (``SCM_RIGHTS``).
2. The daemon (:mod:`samsim.daemon_server`) forks. The child puts the client's
   descriptors in place of its own, takes the client's folder, environment (time zone
   included) and file-creation mask, rebuilds ``sys.stdout``/``sys.stderr`` and the rich
   consoles for them (a terminal stays a terminal), and runs :func:`samsim.cli._main` on
   the arguments, as :func:`samsim.cli.console` does.
3. The child sends the exit code; the client exits with it. Ctrl-C in the client is sent
   on and raised in the child (``KeyboardInterrupt``, exit 130, as in a process of its
   own); a client that dies takes its command with it (SIGTERM).

A run is a pure function of (scenario, seed): a forked child computes the same event log
bit for bit as a new process (tests/test_daemon.py compares them).

Which daemon serves which client: the socket's name is a hash (:func:`daemon_key`) of
samsim's source and data and the installed libraries (:func:`package_fingerprint`: any
edit of a module or of the catalogue, any upgraded library gives a new name), the Python
interpreter, and the environment variables read at import time (numba's, the BLAS thread
counts, samsim's cache folder, the locale, ``PYTHONPATH``, ``PYTHONHASHSEED``). A client
whose key has no daemon runs in its own process, as always; a daemon whose source, data
or libraries changed exits. The socket is in
``<cache>/daemon/`` (:func:`samsim.cachedir.cache_root`), a folder only its user may
enter; the daemon also checks that the client runs as its own user (``SO_PEERCRED``).

Warm-up: the daemon imports what the commands use and loads numba's kernels; with
scenario files (``samsim daemon start FILE ...``) it simulates each once (seed 0, results
discarded), which loads every kernel those scenarios call. It also warms with each
scenario it is asked to run, once, after the first such run has ended (runs under 10 s),
so the second run of a scenario is warm even when ``start`` was given none. A daemon
idle for ``idle_minutes`` (default 30) exits; ``samsim daemon stop`` stops it at once.
``SAMSIM_NO_DAEMON=1`` makes a command run in its own process.

Linux only (:func:`available`); elsewhere every command runs in its own process. The
child is not in the terminal's foreground process group: with ``stty tostop`` set, its
output to the terminal would stop it (no samsim command reads the terminal).
"""

from __future__ import annotations

import json
import os
import socket
import struct
import sys
import time
from collections.abc import Sequence
from typing import Any

#: Commands a daemon runs (none of them starts processes of its own). Studies are left out:
#: they start their own worker processes and run minutes, where a second of start-up does
#: not matter; so is the replay viewer's server.
FORWARDED = frozenset(
    {"run", "validate", "schema", "catalog", "envelope", "coverage", "report", "export"}
)

#: Environment variables read when modules are imported (the daemon imported them once,
#: so a client must have the same values to be served): exact names and prefixes.
_KEY_NAMES = frozenset(
    {"PYTHONPATH", "PYTHONHASHSEED", "PYTHONIOENCODING", "PYTHONUTF8", "LANG", "LC_ALL", "LC_CTYPE"}
)
_KEY_PREFIXES = ("NUMBA_", "OPENBLAS_", "OMP_", "MKL_", "SAMSIM_")
_KEY_IGNORED = frozenset({"SAMSIM_DEBUG", "SAMSIM_NO_DAEMON"})

HEADER = struct.Struct(">I")  #: a message: its length (4 bytes, big-endian), then JSON


def available() -> bool:
    """Whether this platform can run a daemon: Linux (``fork`` after numba and the BLAS
    have started is safe there; macOS's system libraries are not fork-safe, which is why
    Python's multiprocessing spawns there), with Unix sockets, descriptor passing and
    ``SO_PEERCRED``."""
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and hasattr(socket, "send_fds")
        and hasattr(socket, "SO_PEERCRED")
    )


def data_fingerprint(directory: str | None = None) -> str:
    """A fingerprint of the package's data files (everything but its modules: the
    catalogue, the shipped Pk tables, the viewer's files): path, size and modification
    time of each (20 hex digits).

    The daemon keeps what it loaded from them (the parsed catalogue is cached in
    memory), so an edited catalogue must reach a new daemon. numba's kernel cache does
    not depend on them and keeps :func:`samsim.source_fingerprint` alone.
    """
    import samsim
    from samsim.cachedir import tree_fingerprint

    pkg = directory or os.path.dirname(os.path.abspath(samsim.__file__))
    return tree_fingerprint(pkg, lambda name: not name.endswith((".py", ".pyc")))


def installed_fingerprint() -> str:
    """The installed distributions (numpy, numba, pyarrow, ... with their versions): the
    names of the ``*.dist-info`` and ``*.egg-info`` entries of the interpreter's
    site-packages folders (16 hex digits; well under a millisecond).

    A daemon keeps the libraries it imported; after ``pip install -U numpy`` a new
    process would run the new numpy, so the daemon must not serve it.
    """
    import hashlib

    h = hashlib.blake2b(digest_size=8)
    for folder in sys.path:
        if folder.endswith(("site-packages", "dist-packages")) and os.path.isdir(folder):
            h.update(folder.encode() + b"\0")
            names = (e.name for e in os.scandir(folder))
            for name in sorted(n for n in names if n.endswith((".dist-info", ".egg-info"))):
                h.update(name.encode() + b"\0")
    return h.hexdigest()


def package_fingerprint(*, fresh: bool = False) -> str:
    """samsim's source and data, and the installed libraries, as the daemon sees them: a
    daemon exits when this changes (checked every few seconds), and clients find daemons
    by it (:func:`daemon_key`)."""
    import samsim

    return samsim.source_fingerprint(fresh=fresh) + data_fingerprint() + installed_fingerprint()


def daemon_key(environ: dict[str, str] | None = None) -> str:
    """The key that pairs clients with a daemon able to serve them (16 hex digits).

    Hashes samsim's source and data and the installed libraries
    (:func:`package_fingerprint`), the interpreter (``sys.executable`` and version) and
    the import-time environment variables (see the module docstring).
    """
    import hashlib

    env = os.environ if environ is None else environ
    items = sorted(
        (k, v)
        for k, v in env.items()
        if (k in _KEY_NAMES or k.startswith(_KEY_PREFIXES)) and k not in _KEY_IGNORED
    )
    h = hashlib.blake2b(digest_size=8)
    h.update(package_fingerprint().encode())
    h.update(f"\0{sys.executable}\0{sys.version}\0".encode())
    h.update(json.dumps(items).encode())
    return h.hexdigest()


def daemon_dir() -> str:
    """The folder of the daemons' sockets and logs: ``<cache>/daemon``."""
    from samsim.cachedir import cache_root

    return os.path.join(cache_root(), "daemon")


def socket_path(key: str | None = None) -> str:
    """The socket of the daemon for ``key`` (default: this process's :func:`daemon_key`).

    ``<cache>/daemon/<key>.sock``, or ``<tmp>/samsim-<uid>/<key>.sock`` when that path is
    too long for a Unix socket (about 100 bytes).
    """
    key = key or daemon_key()
    path = os.path.join(daemon_dir(), f"{key}.sock")
    if len(os.fsencode(path)) > 100:
        import tempfile

        path = os.path.join(tempfile.gettempdir(), f"samsim-{os.getuid()}", f"{key}.sock")
    return path


# -- client ------------------------------------------------------------------------------


def _send(sock: socket.socket, message: dict[str, Any], fds: Sequence[int] = ()) -> None:
    data = json.dumps(message).encode()
    data = HEADER.pack(len(data)) + data
    sent = socket.send_fds(sock, [data], list(fds)) if fds else 0
    sock.sendall(data[sent:])  # a stream socket may take the first part alone


def connect(path: str, timeout_s: float | None = None) -> socket.socket | None:
    """A connection to the daemon listening at ``path``, or None if none listens there."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout_s)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    return sock


def _reply_line(sock: socket.socket) -> bytes | None:
    """The daemon's one-line reply, or None if the connection closed first."""
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:
            return None
        buf += chunk
    return buf


def _umask() -> int:
    """This process's file-creation mask (reading it means setting it: set it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def forward(argv: Sequence[str]) -> int | None:
    """Run the command ``argv`` (without the program name) in a daemon, if one serves
    this process; returns its exit code, or None when there is no daemon (run it here).

    Ctrl-C while it runs is sent to the command. If the daemon dies under the command,
    the command's output so far has been written and this returns 70 with a message.
    """
    if not available() or os.environ.get("SAMSIM_NO_DAEMON"):
        return None
    path = socket_path()
    if not os.path.exists(path):
        return None
    sock = connect(path)
    if sock is None:
        return None
    with sock:
        try:
            _send(
                sock,
                {
                    "op": "run",
                    "argv": [sys.argv[0], *argv],
                    "cwd": os.getcwd(),
                    "env": dict(os.environ),
                    "umask": _umask(),
                },
                fds=(0, 1, 2),
            )
        except OSError:
            return None  # the daemon went away between connect and send
        while True:
            try:
                line = _reply_line(sock)
                break
            except KeyboardInterrupt:
                try:
                    sock.sendall(b"I")  # the daemon raises KeyboardInterrupt in the command
                except OSError:
                    return 130
    if line is None or not line.startswith(b"exit "):
        sys.stderr.write(
            "error: the samsim daemon stopped while running this command (see "
            f"{log_path(os.path.basename(path)[:-5])}); run it again, or without the daemon "
            "with SAMSIM_NO_DAEMON=1\n"
        )
        return 70
    return int(line.split()[1])


def _control(op: str, path: str | None = None, timeout_s: float = 5.0) -> dict[str, Any] | None:
    """Send ``op`` (``ping``, ``status``, ``stop``) to the daemon; its reply, or None."""
    sock = connect(path or socket_path(), timeout_s)
    if sock is None:
        return None
    with sock:
        try:
            _send(sock, {"op": op})
            line = _reply_line(sock)
        except OSError:
            return None
    reply: dict[str, Any] | None = json.loads(line) if line else None
    return reply


def status() -> dict[str, Any] | None:
    """The daemon's state (pid, socket, start time, idle limit, commands served, warmed
    scenarios, memory), or None if no daemon serves this process."""
    return _control("status")


def stop() -> bool:
    """Stop the daemon that serves this process; False if there was none."""
    return _control("stop") is not None


def log_path(key: str | None = None) -> str:
    """The daemon's log (its own stdout and stderr): ``<cache>/daemon/<key>.log``."""
    return os.path.join(daemon_dir(), f"{key or daemon_key()}.log")


def start(
    scenarios: Sequence[str] = (), idle_minutes: float = 30.0, timeout_s: float = 600.0
) -> dict[str, Any]:
    """Start a daemon for this process's key in the background and wait until it serves.

    Parameters
    ----------
    scenarios : sequence of str
        Scenario files to warm up with (each simulated once, seed 0).
    idle_minutes : float
        The daemon exits after this long without a command.
    timeout_s : float
        How long to wait for it to serve (the first start after installing compiles the
        kernels: about a minute).

    Returns
    -------
    dict
        Its :func:`status`; ``"already": True`` if one was running (it is left as it is).

    Raises
    ------
    samsim.errors.SamsimError
        Unsupported platform, or the daemon failed to start (with its log's last lines).
    """
    import subprocess

    from samsim.errors import SamsimError

    if not available():
        raise SamsimError(
            "samsim daemon runs on Linux only (fork and Unix sockets); on this platform "
            "every command runs in its own process"
        )
    key = daemon_key()
    path = socket_path(key)
    running = _control("status", path)
    if running is not None:
        return {**running, "already": True}
    for folder in {daemon_dir(), os.path.dirname(path)}:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
    log = log_path(key)
    cmd = [sys.executable, "-m", "samsim.daemon_server", "--socket", path, "--idle-minutes"]
    cmd += [repr(float(idle_minutes)), *(os.path.abspath(s) for s in scenarios)]
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        reply = _control("status", path)
        if reply is not None and reply.get("pid") == proc.pid:
            return {**reply, "already": False}
        if proc.poll() is not None:
            raise SamsimError(
                f"the samsim daemon exited ({proc.returncode}) while starting; the end of "
                f"its log {log}:\n{_tail(log)}"
            )
        time.sleep(0.05)
    proc.terminate()
    raise SamsimError(f"the samsim daemon did not start within {timeout_s:.0f} s; see {log}")


def _tail(path: str, lines: int = 15) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:]).rstrip()
    except OSError:
        return "(no log)"
