"""The replay viewer's local web server (standard library only).

Serves exactly two kinds of thing: the viewer's static page and vendored assets (shipped
in ``samsim/web/static``) and the files of the runs it was started on, plus JSON derived
from those runs (replay, coverage, terrain shading). Every path is checked: no ``..``, no
absolute or encoded-traversal paths, no dotfiles, nothing that resolves (through a
symlink) outside its root. Binds to 127.0.0.1 unless told otherwise.

Every client is bounded: a request (line and headers) is at most
:data:`MAX_REQUEST_BYTES`, a path at most :data:`MAX_PATH_CHARS`, a connection idle for
:data:`IDLE_TIMEOUT_S` is closed, and at most :data:`MAX_CONNECTIONS` are served at once
(more are closed at once). A client that goes away is not an error worth a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import math
import mimetypes
import os
import signal
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np

from samsim.errors import SamsimError
from samsim.export.coverage import (
    CoverageUnavailable,
    compile_run_world,
    threat_signatures,
    world_coverage,
)
from samsim.export.rundir import RunData, find_runs

#: Longest request line plus headers, bytes (a browser sends well under 2 kB).
MAX_REQUEST_BYTES = 16 * 1024
#: Longest URL path (percent-encoded), characters; a path segment is at most 255.
MAX_PATH_CHARS = 2048
MAX_SEGMENT_CHARS = 255
#: A connection that sends nothing for this long is closed, s.
IDLE_TIMEOUT_S = 10.0
#: Most connections served at once (each has a thread).
MAX_CONNECTIONS = 64

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}

_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'"
)


class UnsafePath(Exception):
    """A requested path that could leave its root; answered with 400 or 403."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class ServeError(SamsimError):
    """The server cannot start (address in use, bad host)."""


def static_dir() -> Path:
    """The packaged static files of the viewer."""
    return Path(str(resources.files("samsim.web") / "static"))


def safe_join(root: Path, url_path: str) -> Path:
    """The file under ``root`` named by the URL path ``url_path`` (percent-encoded,
    relative, ``/``-separated).

    Raises
    ------
    UnsafePath
        400 for a path that tries to climb out or is malformed (``..``, ``.`` or empty
        segments, a leading ``/`` (absolute), backslashes, NUL, drive letters, dotfiles,
        double encoding); 403 for a path that resolves outside ``root`` (symlinks).
    FileNotFoundError
        If the path is acceptable but names no regular file.
    """
    if "\\" in url_path or "\x00" in url_path:
        raise UnsafePath(HTTPStatus.BAD_REQUEST, "backslash or NUL in path")
    if len(url_path) > MAX_PATH_CHARS:
        raise UnsafePath(HTTPStatus.REQUEST_URI_TOO_LONG, "path too long")
    decoded = unquote(url_path, errors="strict")
    if "%" in decoded:
        raise UnsafePath(HTTPStatus.BAD_REQUEST, "double-encoded path")
    if not decoded or decoded.startswith(("/", "~")) or "\\" in decoded or "\x00" in decoded:
        raise UnsafePath(HTTPStatus.BAD_REQUEST, "absolute or empty path")
    parts = decoded.split("/")
    for p in parts:
        if p in ("", ".", "..") or p.startswith(".") or (len(p) >= 2 and p[1] == ":"):
            raise UnsafePath(HTTPStatus.BAD_REQUEST, f"path segment {p[:40]!r} not allowed")
        if len(p.encode("utf-8")) > MAX_SEGMENT_CHARS:
            raise UnsafePath(HTTPStatus.REQUEST_URI_TOO_LONG, "path segment too long")
    base = root.resolve(strict=True)
    target = base.joinpath(*parts)
    resolved = target.resolve(strict=True)  # FileNotFoundError if absent
    if not resolved.is_relative_to(base):
        raise UnsafePath(HTTPStatus.FORBIDDEN, "path resolves outside its root")
    if not resolved.is_file():
        raise FileNotFoundError(decoded)
    return resolved


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) is the loopback interface."""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _finite(obj: Any) -> Any:
    """``obj`` with every NaN or infinite float replaced by None (JSON has neither)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


class ViewerApp:
    """What the server knows: the runs it serves and caches of derived JSON.

    Parameters
    ----------
    target : str or Path
        A run directory or a study directory (runs found below it).
    """

    def __init__(self, target: str | Path) -> None:
        self.root = Path(target).resolve()
        self.runs = find_runs(self.root)
        self.static = static_dir()
        self._lock = threading.RLock()
        self._data: dict[int, RunData] = {}
        self._world: dict[int, Any] = {}
        self._cache: dict[tuple[Any, ...], bytes] = {}
        self.max_cached = 64

    def run_index(self, text: str) -> int:
        try:
            i = int(text)
        except ValueError:
            raise KeyError(text) from None
        if not 0 <= i < len(self.runs):
            raise KeyError(text)
        return i

    def data(self, i: int) -> RunData:
        with self._lock:
            if i not in self._data:
                self._data[i] = RunData(self.runs[i])
            return self._data[i]

    def world(self, i: int) -> Any:
        """The compiled world of run ``i``, or the reason it is unavailable (a string)."""
        with self._lock:
            if i not in self._world:
                try:
                    self._world[i] = compile_run_world(self.data(i).scenario)
                except CoverageUnavailable as exc:
                    self._world[i] = str(exc)
            return self._world[i]

    def cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> bytes:
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        body = json.dumps(_finite(make()), separators=(",", ":"), allow_nan=False).encode()
        with self._lock:
            if len(self._cache) >= self.max_cached:
                self._cache.clear()  # bounded: a client varying parameters cannot grow it
            self._cache[key] = body
        return body

    # -- JSON documents ----------------------------------------------------------------
    def runs_doc(self) -> dict[str, Any]:
        out = []
        for i, p in enumerate(self.runs):
            rel = p.relative_to(self.root).as_posix() if p != self.root else "."
            out.append({"index": i, "path": rel})
        return {"root": self.root.name, "runs": out}

    def replay_doc(self, i: int) -> dict[str, Any]:
        from samsim.web.replay import build_replay

        w = self.world(i)
        doc = build_replay(self.data(i), world=None if isinstance(w, str) else w)
        doc["coverage_available"] = not isinstance(w, str)
        doc["coverage_reason"] = w if isinstance(w, str) else ""
        if not isinstance(w, str):
            doc["threat_signatures"] = {
                k: {"rcs_m2": v[0], "swerling": v[1], "altitude_m": v[2]}
                for k, v in threat_signatures(w).items()
            }
        return doc

    def coverage_doc(self, i: int, query: dict[str, list[str]]) -> dict[str, Any]:
        w = self.world(i)
        if isinstance(w, str):
            return {"available": False, "reason": w, "outlines": []}
        sig = threat_signatures(w)
        ttype = query.get("threat_type", [""])[0]
        if ttype and ttype not in sig:
            raise ValueError(f"unknown threat_type {ttype!r}; use one of {sorted(sig)}")
        if not ttype:
            ttype = min(sig, key=lambda k: sig[k][0])
        rcs, swerling, default_h = sig[ttype]
        h = float(query.get("height_m", [str(default_h)])[0])
        if not 0.0 <= h <= 100e3:
            raise ValueError(f"height_m must be within 0 and 100000 m, got {h}")
        outlines = world_coverage(w, [h], rcs, swerling)[h]
        return {
            "available": True,
            "threat_type": ttype,
            "rcs_m2": rcs,
            "swerling": swerling,
            "height_m": h,
            "pd_min": 0.5,
            "outlines": [o.as_dict() for o in outlines],
        }

    def terrain_doc(self, i: int) -> dict[str, Any]:
        from samsim.export.hillshade import terrain_hillshade

        w = self.world(i)
        if isinstance(w, str):
            return {"kind": "unknown", "reason": w}
        grid = w.terrain_grid
        if grid.flat_height_m is not None:
            return {"kind": "flat", "height_m": grid.flat_height_m}
        e0, e1, n0, n1 = grid.extent_m
        corners = np.array([[e0, n0, 0.0], [e0, n1, 0.0], [e1, n0, 0.0], [e1, n1, 0.0]])
        lat, lon, _ = w.frame.enu_to_geodetic(corners)
        hs = terrain_hillshade(
            w.frame,
            grid.elevation_m,
            float(lat.min()),
            float(lon.min()),
            float(lat.max()),
            float(lon.max()),
        )
        if hs is None:
            return {"kind": "flat", "height_m": grid.min_m}
        return {
            "kind": "shaded",
            "relief_m": hs.relief_m,
            "bounds": [[hs.south_deg, hs.west_deg], [hs.north_deg, hs.east_deg]],
            "image": hs.png_data_url(),
        }


class _RequestTooLarge(Exception):
    """A client sent more than :data:`MAX_REQUEST_BYTES` of request line and headers."""


class _BoundedReader:
    """The connection's input stream with a byte budget per request (GET has no body, so
    the budget covers the request line and the headers)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.remaining = MAX_REQUEST_BYTES

    def _cap(self, size: int) -> int:
        return self.remaining + 1 if size < 0 else min(size, self.remaining + 1)

    def _charge(self, data: bytes) -> bytes:
        self.remaining -= len(data)
        if self.remaining < 0:
            raise _RequestTooLarge
        return data

    def readline(self, size: int = -1) -> bytes:
        return self._charge(self.raw.readline(self._cap(size)))

    def read(self, size: int = -1) -> bytes:
        return self._charge(self.raw.read(self._cap(size)))

    def close(self) -> None:
        self.raw.close()


class _Handler(BaseHTTPRequestHandler):
    server: ViewerServer
    server_version = "samsim-viewer"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S  # per socket operation: an idle or trickling client is dropped

    def setup(self) -> None:
        super().setup()
        self.rfile = _BoundedReader(self.rfile)  # type: ignore[assignment]

    def handle_one_request(self) -> None:
        reader: _BoundedReader = self.rfile  # type: ignore[assignment]
        reader.remaining = MAX_REQUEST_BYTES
        try:
            super().handle_one_request()
        except _RequestTooLarge:
            if not getattr(self, "raw_requestline", b"").endswith(b"\n"):
                status = HTTPStatus.REQUEST_URI_TOO_LONG
            else:
                status = HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
            # What parse_request would have set; the request is answered and dropped.
            self.command, self.request_version, self.requestline = "", "HTTP/1.0", ""
            self.close_connection = True
            self._send_error(status, f"request larger than {MAX_REQUEST_BYTES} bytes")
            self._linger()

    def _linger(self, max_bytes: int = 1 << 20, max_s: float = 1.0) -> None:
        """Read (and drop) what the client is still sending, briefly, before closing: a
        socket closed with unread input is reset, and the client would lose the answer."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.2)
            deadline, left = time.monotonic() + max_s, max_bytes
            while left > 0 and time.monotonic() < deadline:
                data = self.connection.recv(min(left, 65536))
                if not data:
                    break
                left -= len(data)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    # Only GET and HEAD exist; anything else is refused.
    def do_POST(self) -> None:
        self._send_error(HTTPStatus.METHOD_NOT_ALLOWED, "only GET is served")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_POST

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def _host_ok(self) -> bool:
        if not self.server.loopback_only:
            return True
        host = self.headers.get("Host", "")
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        return is_loopback(name)

    def _dispatch(self, head: bool) -> None:
        app = self.server.app
        if not self._host_ok():
            self._send_error(HTTPStatus.FORBIDDEN, "Host header is not a loopback name")
            return
        raw = self.path
        if not raw.startswith("/") or raw.startswith("//"):
            self._send_error(HTTPStatus.BAD_REQUEST, "malformed request path")
            return
        if len(raw) > MAX_PATH_CHARS:
            self._send_error(HTTPStatus.REQUEST_URI_TOO_LONG, "path too long")
            return
        parts = urlsplit(raw)
        path, query = parts.path, parse_qs(parts.query)
        try:
            if path in ("/", "/index.html"):
                self._send_file(app.static / "index.html", head)
            elif path.startswith("/static/"):
                self._send_file(safe_join(app.static, path[len("/static/") :]), head)
            elif path.startswith("/run/"):
                rest = path[len("/run/") :]
                idx, _, rel = rest.partition("/")
                i = app.run_index(idx)
                self._send_file(safe_join(app.runs[i], rel), head)
            elif path == "/api/runs":
                self._send_json(json.dumps(app.runs_doc()).encode(), head)
            elif path in ("/api/replay", "/api/coverage", "/api/terrain"):
                i = app.run_index(query.get("run", ["0"])[0])
                if path == "/api/replay":
                    body = app.cached(("replay", i), lambda: app.replay_doc(i))
                elif path == "/api/terrain":
                    body = app.cached(("terrain", i), lambda: app.terrain_doc(i))
                else:
                    key = ("coverage", i, tuple(sorted((k, tuple(v)) for k, v in query.items())))
                    body = app.cached(key, lambda: app.coverage_doc(i, query))
                self._send_json(body, head)
            else:
                self._send_error(HTTPStatus.NOT_FOUND, "no such page")
        except UnsafePath as exc:
            self._send_error(exc.status, str(exc))
        except (FileNotFoundError, NotADirectoryError, KeyError):
            self._send_error(HTTPStatus.NOT_FOUND, "not found")
        except OSError:  # a name the file system refuses (too long, invalid)
            self._send_error(HTTPStatus.NOT_FOUND, "not found")
        except (ValueError, SamsimError) as exc:
            self._send_error(HTTPStatus.BAD_REQUEST, str(exc))

    def _headers(self, status: HTTPStatus, ctype: str, length: int, cache: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", _CSP)
        self.send_header("Cache-Control", "max-age=3600" if cache else "no-store")
        self.end_headers()

    def _send_file(self, path: Path, head: bool) -> None:
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
            ctype += "; charset=utf-8"
        data = path.read_bytes()
        self._headers(
            HTTPStatus.OK,
            ctype,
            len(data),
            cache=path.is_relative_to(self.server.app.static / "vendor"),
        )
        if not head:
            self.wfile.write(data)

    def _send_json(self, body: bytes, head: bool) -> None:
        self._headers(HTTPStatus.OK, "application/json; charset=utf-8", len(body), cache=False)
        if not head:
            self.wfile.write(body)

    def _send_error(self, status: HTTPStatus, message: str) -> None:
        body = json.dumps({"error": status.phrase, "detail": message}).encode()
        self._headers(status, "application/json; charset=utf-8", len(body), cache=False)
        if self.command != "HEAD":
            self.wfile.write(body)


class ViewerServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one :class:`ViewerApp`."""

    daemon_threads = True
    allow_reuse_address = True
    # A listen backlog of 5 (socketserver's default) makes a burst of connections wait
    # for SYN retries (1 s, 3 s, ...) instead of being answered or closed at once.
    request_queue_size = 128

    def __init__(
        self,
        app: ViewerApp,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        verbose: bool = False,
    ) -> None:
        if ":" in host.strip("[]"):
            self.address_family = socket.AF_INET6
        try:
            super().__init__((host.strip("[]"), port), _Handler)
        except OSError as exc:
            raise ServeError(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another "
                "port with --port (0 picks a free one)"
            ) from None
        self.app = app
        self.verbose = verbose
        self.loopback_only = is_loopback(host)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._open: set[Any] = set()  # the connections being served (their sockets)
        self._handlers: set[threading.Thread] = set()  # and their threads
        self._closed = threading.Condition()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a thread, or close it at once when
        :data:`MAX_CONNECTIONS` are being served."""
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        with self._closed:
            self._open.add(request)
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._done(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._closed:
            self._handlers.add(threading.current_thread())
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._done(request)

    def _done(self, request: Any) -> None:
        """The connection's slot is free. Called by its thread when done, and by
        :meth:`process_request` if starting the thread failed or was interrupted (a
        Ctrl-C while the thread starts: the thread may run all the same); the slot is
        released once."""
        with self._closed:
            if request not in self._open:
                return
            self._open.discard(request)
            self._closed.notify_all()
        self._slots.release()

    def close_connections(self, timeout_s: float = 2.0) -> bool:
        """End the connections being served (on Ctrl-C): shut their sockets, so that
        their threads, reading or writing, finish at once, and wait for the threads, up
        to ``timeout_s``. (The threads are daemons: one still running while the
        interpreter exits, even past its connection, may print a traceback cut short.)
        True if all finished."""
        deadline = time.monotonic() + timeout_s
        with self._closed:
            for request in list(self._open):
                with contextlib.suppress(OSError):  # closed already
                    request.shutdown(socket.SHUT_RDWR)
            if not self._closed.wait_for(lambda: not self._open, timeout=timeout_s):
                return False
            threads, self._handlers = self._handlers, set()
        for t in threads:  # each past its connection; joined, it is gone before exit
            if t is not threading.current_thread():
                t.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in threads if t is not threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (reset, broken pipe, timed out) is normal: say nothing
        (unless verbose). Anything else is one line on stderr, the traceback only with
        SAMSIM_DEBUG."""
        exc = sys.exc_info()[1]
        stopping = isinstance(exc, OSError) and exc.errno in (errno.EBADF, errno.ENOTCONN)
        if isinstance(exc, ConnectionError | TimeoutError) or stopping:
            # (EBADF, ENOTCONN: a Ctrl-C closed the connection under its thread)
            if self.verbose:
                sys.stderr.write(f"{client_address[0]} went away ({type(exc).__name__})\n")
            return
        if os.environ.get("SAMSIM_DEBUG"):
            super().handle_error(request, client_address)
            return
        sys.stderr.write(
            f"samsim viewer: error serving {client_address[0]}: {type(exc).__name__}: {exc}\n"
        )

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), int(self.server_address[1])
        h = f"[{host}]" if ":" in host else host
        return f"http://{h}:{port}/"


def make_server(
    target: str | Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, verbose: bool = False
) -> ViewerServer:
    """A viewer server for a run or study directory (not yet serving)."""
    return ViewerServer(ViewerApp(target), host, port, verbose)


def serve(
    target: str | Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    open_browser: bool = True,
    verbose: bool = False,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the viewer until Ctrl-C, then close the socket and the open connections and
    return.

    Notes
    -----
    In the main thread a Ctrl-C (SIGINT) asks the serving loop to stop after the request
    it is dispatching (:meth:`ViewerServer.shutdown`, from a thread of its own) instead
    of raising KeyboardInterrupt wherever the loop is: inside socketserver's dispatch
    (accepting a connection, starting its thread) an exception there would close the
    connection under its thread and free its slot twice.
    """
    server = make_server(target, host, port, verbose)
    stopping = threading.Event()

    def on_ctrl_c(signum: int, frame: Any) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, on_ctrl_c) if in_main else None
    try:  # from here: the socket listens, so a Ctrl-C may come at any moment
        n = len(server.app.runs)
        echo(f"samsim viewer: {n} run{'s' if n != 1 else ''} under {server.app.root}")
        if not server.loopback_only:
            echo(
                f"warning: listening on {host}, reachable from other machines; the server "
                "has no authentication"
            )
        echo(f"open {server.url}  (Ctrl-C stops)")
        if open_browser:
            threading.Timer(0.3, webbrowser.open, args=(server.url,)).start()
        server.serve_forever(poll_interval=0.25)
        if stopping.is_set():
            echo("stopping")
    except KeyboardInterrupt:  # not in the main thread, or before the handler was set
        echo("stopping")
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
        server.server_close()
        server.close_connections()
