"""The viewer's server: what it serves, what it refuses, where it listens, how it stops."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.export.rundir import RunDirError
from samsim.web.server import (
    DEFAULT_HOST,
    UnsafePath,
    ViewerServer,
    is_loopback,
    make_server,
    safe_join,
)
from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------- safe_join
@pytest.mark.parametrize(
    "path",
    [
        "..",
        "../secret.txt",
        "a/../../secret.txt",
        "%2e%2e/secret.txt",
        "%2E%2E%2Fsecret.txt",
        "..%2fsecret.txt",
        "%252e%252e/secret.txt",  # double encoding
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        "//etc/passwd",
        "~/secret.txt",
        "C:/Windows/win.ini",
        "..\\secret.txt",
        "a\\..\\..\\secret.txt",
        "summary.json%00.png",
        ".hidden",
        "./summary.json",
        "",
    ],
)
def test_safe_join_refuses_traversal_and_absolute_paths(tmp_path: Path, path: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "summary.json").write_text("{}")
    (root / ".hidden").write_text("x")
    (tmp_path / "secret.txt").write_text("secret")
    with pytest.raises(UnsafePath) as exc:
        safe_join(root, path)
    assert exc.value.status == 400


def test_safe_join_refuses_symlink_out_of_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    (root / "dirlink").symlink_to(tmp_path)
    for p in ("link.txt", "dirlink/secret.txt"):
        with pytest.raises(UnsafePath) as exc:
            safe_join(root, p)
        assert exc.value.status == 403


def test_safe_join_serves_files_inside_and_nothing_else(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a b.json").write_text("{}")
    assert safe_join(root, "sub/a%20b.json") == (root / "sub" / "a b.json").resolve()
    with pytest.raises(FileNotFoundError):
        safe_join(root, "sub")  # a directory is not a file
    with pytest.raises(FileNotFoundError):
        safe_join(root, "missing.json")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["..", ".", "", "a", "b.json", "%2e%2e", "%2f", "%252e", "\\", "~", "c:"]),
        min_size=1,
        max_size=6,
    )
)
def test_safe_join_never_leaves_its_root(
    tmp_path_factory: pytest.TempPathFactory, parts: list[str]
) -> None:
    base = tmp_path_factory.mktemp("prop")
    root = base / "root"
    (root / "a").mkdir(parents=True, exist_ok=True)
    (root / "a" / "b.json").write_text("{}")
    (root / "b.json").write_text("{}")
    (base / "b.json").write_text("outside")
    try:
        got = safe_join(root, "/".join(parts))
    except (UnsafePath, FileNotFoundError, NotADirectoryError):
        return
    assert got.is_relative_to(root.resolve())
    assert got.read_text() == "{}"


def test_is_loopback() -> None:
    for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"):
        assert is_loopback(h), h
    for h in ("0.0.0.0", "192.168.1.10", "example.org", "", "::"):
        assert not is_loopback(h), h


# --------------------------------------------------------------------- live server
@pytest.fixture(scope="module")
def server(run_dir: Path) -> Iterator[ViewerServer]:
    srv = make_server(run_dir, port=0)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _get(
    srv: ViewerServer, raw_path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, bytes, dict[str, str]]:
    host, port = srv.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=30)
    # putrequest sends the path byte for byte (no normalisation of .. or %xx).
    conn.putrequest(method, raw_path, skip_host=headers is not None and "Host" in headers)
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    conn.endheaders()
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body, {k.lower(): v for k, v in r.getheaders()}


def test_server_binds_to_loopback_by_default(server: ViewerServer) -> None:
    assert DEFAULT_HOST == "127.0.0.1"
    assert server.server_address[0] == "127.0.0.1"
    assert server.loopback_only


def test_server_binds_elsewhere_only_when_told(run_dir: Path) -> None:
    srv = make_server(run_dir, host="0.0.0.0", port=0)
    try:
        assert srv.server_address[0] == "0.0.0.0"
        assert not srv.loopback_only
    finally:
        srv.server_close()


@pytest.mark.parametrize(
    "raw",
    [
        "/static/../server.py",
        "/static/%2e%2e/server.py",
        "/static/..%2fserver.py",
        "/static/%252e%252e/server.py",
        "/static//etc/passwd",
        "/static/%2Fetc%2Fpasswd",
        "/run/0/../../../etc/passwd",
        "/run/0/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/run/0//etc/passwd",
        "/run/0/%2Fetc%2Fpasswd",
        "/run/0/..\\..\\etc\\passwd",
        "//etc/passwd",
        "http://example.org/",
    ],
)
def test_server_refuses_traversal(server: ViewerServer, raw: str) -> None:
    status, body, _ = _get(server, raw)
    if raw.startswith(("/static/", "/run/")):
        assert status in (400, 403), (raw, status)
    else:  # not under a served prefix (http.server also collapses a leading //)
        assert status in (400, 403, 404), (raw, status)
    assert b"root:" not in body and b"import" not in body


def test_server_serves_run_files_and_static_page(server: ViewerServer, run_dir: Path) -> None:
    status, body, headers = _get(server, "/run/0/summary.json")
    assert status == 200
    assert body == (run_dir / "summary.json").read_bytes()
    assert "default-src 'self'" in headers["content-security-policy"]
    status, body, _ = _get(server, "/")
    assert status == 200 and b"/static/viewer.js" in body
    status, body, _ = _get(server, "/static/vendor/leaflet/leaflet.js")
    assert status == 200 and b"Leaflet" in body[:2000]
    assert _get(server, "/run/0/missing.json")[0] == 404
    assert _get(server, "/run/7/summary.json")[0] == 404
    assert _get(server, "/nothing")[0] == 404


def test_server_only_answers_get(server: ViewerServer) -> None:
    for method in ("POST", "PUT", "DELETE"):
        assert _get(server, "/api/runs", method=method)[0] == 405


def test_server_refuses_foreign_host_header(server: ViewerServer) -> None:
    """DNS rebinding: a page on another name must not read the run through the browser."""
    status, _, _ = _get(server, "/api/runs", headers={"Host": "evil.example:80"})
    assert status == 403
    port = server.server_address[1]
    assert _get(server, "/api/runs", headers={"Host": f"localhost:{port}"})[0] == 200


def test_replay_api_describes_the_run(server: ViewerServer) -> None:
    status, body, _ = _get(server, "/api/replay?run=0")
    assert status == 200
    doc = json.loads(body)
    assert [t["name"] for t in doc["threats"]] == [
        "cm_north-1",
        "cm_north-2",
        "cm_north-3",
        "cm_north-4",
        "fighters-1",
    ]
    assert len(doc["interceptors"]) == 8
    assert {s["name"] for s in doc["sites"] if s["kind"] == "radar"} == {"bigbird", "gravestone"}
    assert _get(server, "/api/replay?run=x")[0] == 404


def test_close_connections_ends_the_threads_of_clients_mid_request(run_dir: Path) -> None:
    # A client that has sent half a request holds a handler thread in a read for up to
    # IDLE_TIMEOUT_S; on Ctrl-C the server ends it at once (a daemon thread still running
    # while the interpreter exits may print a traceback).
    import time

    srv = make_server(run_dir, port=0)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    clients = [socket.create_connection(srv.server_address[:2], timeout=5) for _ in range(3)]
    try:
        for c in clients:
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # no blank line: still reading
        deadline = time.monotonic() + 10
        while len(srv._open) < len(clients):
            assert time.monotonic() < deadline, "the server did not take the connections"
            time.sleep(0.01)
        handlers = [th for th in threading.enumerate() if "process_request" in th.name]
        assert len(handlers) >= len(clients)
        srv.shutdown()
        srv.server_close()
        t0 = time.monotonic()
        assert srv.close_connections(timeout_s=5.0)
        assert time.monotonic() - t0 < 2.0  # not the idle timeout
        assert not srv._open
        for th in handlers:
            th.join(timeout=2.0)
            assert not th.is_alive()
        assert srv.close_connections(timeout_s=0.0)  # nothing left: at once
    finally:
        for c in clients:
            c.close()


def test_serve_stops_cleanly_on_ctrl_c(run_dir: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**subprocess_env(), "PYTHONUNBUFFERED": "1"}  # its lines as they are printed
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "samsim.cli",
            "serve",
            str(run_dir),
            "--port",
            str(port),
            "--no-browser",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        # Ctrl-C once the server says where it listens (its last line before serving)
        seen = []
        assert p.stdout is not None
        while not any("(Ctrl-C stops)" in line for line in seen):
            line = p.stdout.readline()
            if not line:
                pytest.fail(f"server did not start: {''.join(seen)}{p.communicate()[1]}")
            seen.append(line)
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # it listens
        p.send_signal(signal.SIGINT)
        rest, err = p.communicate(timeout=20)
        out = "".join(seen) + rest
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in out
    assert "stopping" in out
    assert "Traceback" not in err
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()


def test_serve_refuses_a_folder_without_runs(tmp_path: Path) -> None:
    with pytest.raises(RunDirError, match="holds no run"):
        make_server(tmp_path, port=0)


def test_serve_explains_that_a_study_has_nothing_to_replay(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(RunDirError, match="holds a study"):
        make_server(tmp_path, port=0)


def test_json_documents_never_carry_nan(run_dir: Path, tmp_path: Path) -> None:
    """A NaN in the run (here a missing miss distance) is sent as null, not as invalid JSON."""
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    d = tmp_path / "run"
    shutil.copytree(run_dir, d)
    ev = pq.read_table(d / "events.parquet")
    miss = ev.column("miss_m").to_numpy().copy()
    miss[:] = float("nan")
    ev = ev.set_column(ev.schema.get_field_index("miss_m"), "miss_m", pa.array(miss))
    pq.write_table(ev, d / "events.parquet")
    srv = make_server(d, port=0)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        status, body, _ = _get(srv, "/api/replay?run=0")
    finally:
        srv.shutdown()
        srv.server_close()
    assert status == 200
    doc = json.loads(body)  # strict JSON: NaN would not parse back as a number
    icpt = doc["threats"][0]["timeline"]["intercepts"]
    assert icpt and all(x["miss_m"] is None for x in icpt)
