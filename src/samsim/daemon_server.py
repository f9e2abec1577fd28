"""The warm daemon's server side: the serving loop and the child that runs one command.

See :mod:`samsim.daemon` for what the daemon does and how a client reaches it; this module
is its process (``python -m samsim.daemon_server``, started by
:func:`samsim.daemon.start`), one of the two entry points that run the command line
(:mod:`samsim.launcher` is the other).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import sys
import time
from collections.abc import Sequence
from typing import Any

from samsim.daemon import HEADER, connect, package_fingerprint

_WARM_MAX_S = 10.0  # warm with a scenario after its run only if that run took less


class _Daemon:
    """The serving loop: accept, fork a child per command, reap, warm, exit when idle."""

    def __init__(self, path: str, idle_minutes: float) -> None:
        self.path = path
        self.idle_s = idle_minutes * 60.0
        self.fingerprint = package_fingerprint()
        self.started = time.time()
        self.last_active = time.monotonic()
        self.served = 0
        self.children: dict[int, tuple[float, str | None]] = {}  # pid: (start, scenario)
        self.warmed: list[str] = []
        self.tried: set[str] = set()
        self.stopping = False
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.inode = -1

    # start-up

    def warm(self, scenario: str) -> None:
        """Simulate ``scenario`` once (seed 0) so that its kernels are loaded here."""
        import gc

        import samsim

        self.tried.add(scenario)
        t = time.perf_counter()
        try:
            samsim.simulate(samsim.load_scenario(scenario), seed=0)
        except Exception as exc:  # a warm-up is optional; the command itself reports errors
            print(f"warm-up with {scenario} failed: {type(exc).__name__}: {exc}", flush=True)
            return
        self.warmed.append(scenario)
        gc.collect()
        gc.freeze()  # collections in the children leave the warm objects' pages shared
        print(f"warmed with {scenario} in {time.perf_counter() - t:.2f} s", flush=True)

    def load(self, scenarios: Sequence[str]) -> None:
        """Import what the forwarded commands use and load the kernels."""
        import gc

        import samsim.cli
        import samsim.engine.loop
        import samsim.outputs
        import samsim.scenario.loader
        from samsim.jit import load_kernels

        del samsim  # imported for their side effect: the modules are loaded
        load_kernels()
        for s in scenarios:
            self.warm(s)
        gc.collect()
        gc.freeze()

    def bind(self) -> None:
        """Listen on the socket (replacing a stale one no daemon answers)."""
        if os.path.exists(self.path):
            if connect(self.path, 1.0) is not None:
                raise SystemExit(f"a daemon already listens on {self.path}")
            os.unlink(self.path)
        self.listener.bind(self.path)
        os.chmod(self.path, 0o600)
        self.inode = os.stat(self.path).st_ino
        self.listener.listen(64)
        self.listener.settimeout(1.0)

    # the loop

    def serve(self) -> None:
        """Serve until stopped, idle for ``idle_s``, or samsim's source changes."""
        import signal

        signal.signal(signal.SIGTERM, lambda *_: self._stop())
        # idle from now: the warm-up may have taken longer than the idle limit
        checked = self.last_active = time.monotonic()
        try:
            while not self.stopping:
                self.reap()
                now = time.monotonic()
                if not self.children and now - self.last_active > self.idle_s:
                    print("idle: exiting", flush=True)
                    break
                if now - checked > 5.0:
                    checked = now
                    if package_fingerprint(fresh=True) != self.fingerprint:
                        print("samsim's source or data changed: exiting", flush=True)
                        break
                try:
                    conn, _ = self.listener.accept()
                except TimeoutError:
                    continue
                except InterruptedError:
                    continue
                try:
                    self.handle(conn)
                except Exception as exc:  # a bad request must not end the daemon
                    print(f"request failed: {type(exc).__name__}: {exc}", flush=True)
                    conn.close()
        finally:
            self.listener.close()
            with contextlib.suppress(OSError):
                if os.stat(self.path).st_ino == self.inode:  # not a successor's socket
                    os.unlink(self.path)

    def _stop(self) -> None:
        self.stopping = True

    def reap(self) -> None:
        """Collect ended children; warm with a scenario whose first run ended well."""
        while self.children:
            try:
                pid, wstatus = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            started, scenario = self.children.pop(pid, (0.0, None))
            self.last_active = time.monotonic()
            ok = os.waitstatus_to_exitcode(wstatus) == 0
            took = time.monotonic() - started
            if ok and scenario and scenario not in self.tried and took < _WARM_MAX_S:
                self.warm(scenario)

    def handle(self, conn: socket.socket) -> None:
        """Read one request; answer a control request, or fork a child for a command."""
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        if struct.unpack("3i", creds)[1] != os.getuid():
            conn.close()
            return
        conn.settimeout(10.0)
        data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 3)
        try:
            data = _read(conn, data, HEADER.size)
            (size,) = HEADER.unpack_from(data)
            data = _read(conn, data, HEADER.size + size)
            request = json.loads(data[HEADER.size : HEADER.size + size])
            # a Ctrl-C the client sent before the command started
            request["interrupted"] = b"I" in data[HEADER.size + size :]
        except (OSError, ValueError):
            for fd in fds:
                os.close(fd)
            raise
        op = request.get("op")
        if op != "run":
            for fd in fds:
                os.close(fd)
            reply = self.status() if op in ("status", "ping") else {"stopping": True}
            if op == "stop":
                self._stop()
            conn.sendall(json.dumps(reply).encode() + b"\n")
            conn.close()
            return
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            conn.close()
            return
        self.last_active = time.monotonic()  # commands count as activity, status does not
        pid = os.fork()
        if pid == 0:  # the child: never returns
            self.listener.close()
            _child(conn, fds, request)
        for fd in fds:
            os.close(fd)
        conn.close()
        self.served += 1
        self.children[pid] = (time.monotonic(), _scenario_of(request))

    def status(self) -> dict[str, Any]:
        rss_mb = None
        try:
            with open("/proc/self/statm") as f:
                rss_mb = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError):
            pass
        return {
            "pid": os.getpid(),
            "socket": self.path,
            "started": self.started,
            "idle_minutes": self.idle_s / 60.0,
            "served": self.served,
            "running": len(self.children),
            "warmed": list(self.warmed),
            "rss_mb": rss_mb,
        }


def _read(conn: socket.socket, data: bytes, size: int) -> bytes:
    """``data`` and what follows on ``conn``, up to ``size`` bytes in all."""
    while len(data) < size:
        more = conn.recv(1 << 16)
        if not more:
            raise ConnectionError("the request ended early")
        data += more
    return data


def _scenario_of(request: dict[str, Any]) -> str | None:
    """The scenario file of a ``run`` command (its first argument), as an absolute path."""
    argv = request.get("argv", [])[1:]
    if len(argv) < 2 or argv[0] != "run" or argv[1].startswith("-"):
        return None
    return os.path.join(request.get("cwd", "/"), argv[1])


def _child(conn: socket.socket, fds: list[int], request: dict[str, Any]) -> None:
    """Run one command as :func:`samsim.cli.console` would, in the client's place; send its
    exit code; end the process."""
    import atexit
    import io
    import signal
    import threading

    code = 70
    done = threading.Event()
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()
        os.umask(int(request.get("umask", 0o022)))
        sys.argv = list(request["argv"])
        # click names the program after __main__: the daemon's is ``python -m
        # samsim.daemon``, the client's a console script (its file name)
        setattr(sys.modules["__main__"], "__package__", None)  # noqa: B010
        encoding, errors = sys.stdout.encoding, sys.stdout.errors
        sys.stdin = open(0, encoding=encoding, closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding=encoding, errors=errors, closefd=False)  # noqa: SIM115
        sys.stderr = io.TextIOWrapper(
            open(2, "wb", buffering=0, closefd=False),  # noqa: SIM115
            encoding=encoding,
            errors="backslashreplace",
            line_buffering=True,
            write_through=True,
        )
        _renew_consoles()

        def relay() -> None:
            # "I": the client's Ctrl-C; the end of the stream: the client is gone
            while True:
                try:
                    got = conn.recv(16)
                except OSError:
                    got = b""
                if not got:
                    if not done.is_set():
                        os.kill(os.getpid(), signal.SIGTERM)
                    return
                if b"I" in got:
                    os.kill(os.getpid(), signal.SIGINT)

        conn.settimeout(None)
        threading.Thread(target=relay, daemon=True).start()
        if request.get("interrupted"):
            os.kill(os.getpid(), signal.SIGINT)

        from samsim.cli import _exit_code, _main

        try:
            _main(request["argv"][1:])
            result: Any = 0
        except SystemExit as exc:
            result = exc.code
        code = _exit_code(result)
        main_thread = threading.current_thread()
        for t in threading.enumerate():
            if t is not main_thread and not t.daemon:
                t.join()
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
    except KeyboardInterrupt:
        code = 130
    except BaseException as exc:  # reported to the client; the process ends below
        with contextlib.suppress(Exception):
            os.write(2, f"internal error: samsim daemon: {type(exc).__name__}: {exc}\n".encode())
    finally:
        done.set()
        with contextlib.suppress(OSError):
            conn.sendall(f"exit {code}\n".encode())
        os._exit(code)


def _renew_consoles() -> None:
    """Build every module-level rich console of samsim again, for the client's streams,
    terminal and environment (colour, width), in place: modules that imported one keep
    the same object."""
    from rich.console import Console

    for name, module in list(sys.modules.items()):
        if module is None or not (name == "samsim" or name.startswith("samsim.")):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, Console):
                value.__init__(stderr=value.stderr)  # type: ignore[misc]


def _serve_main(argv: Sequence[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m samsim.daemon")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--idle-minutes", type=float, default=30.0)
    parser.add_argument("scenarios", nargs="*")
    args = parser.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    daemon = _Daemon(args.socket, args.idle_minutes)
    t = time.perf_counter()
    daemon.load(args.scenarios)
    print(f"samsim daemon {os.getpid()}: loaded in {time.perf_counter() - t:.2f} s", flush=True)
    daemon.bind()
    print(f"serving on {args.socket}", flush=True)
    daemon.serve()


if __name__ == "__main__":
    _serve_main()
