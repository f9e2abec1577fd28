"""The warm daemon (samsim.daemon): a command it runs gives what the command gives in its
own process (outputs bit for bit, messages, exit codes, Ctrl-C), and a daemon serves only
clients of its own source and environment.

These tests start real daemons through the installed ``samsim`` console script (the entry
point that forwards commands), each under a test-only environment variable, so that they
never meet a daemon of the user's own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from samsim import daemon
from tests.conftest import EXAMPLES, subprocess_env

pytestmark = pytest.mark.skipif(not daemon.available(), reason="the daemon runs on Linux only")

FLAGSHIP = EXAMPLES / "battalion_vs_cruise_raid.yaml"
SAMSIM = Path(sys.executable).with_name("samsim")


def _env(tag: str, **extra: str) -> dict[str, str]:
    env = subprocess_env()
    env.pop("SAMSIM_NO_DAEMON", None)
    env["SAMSIM_TEST_DAEMON"] = tag  # part of the daemon key: a daemon of these tests only
    env.update(extra)
    return env


def _samsim(
    env: dict[str, str], *args: str, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SAMSIM), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def _status(env: dict[str, str]) -> dict[str, str] | None:
    done = _samsim(env, "daemon", "status")
    if done.returncode == 1:
        return None
    assert done.returncode == 0, done.stderr
    rows = (line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    return {k.strip(): v.strip() for k, v in rows}


@pytest.fixture(scope="module")
def warm() -> Iterator[dict[str, str]]:
    """A daemon warmed with the flagship example, for this module's tests."""
    if not SAMSIM.exists():
        pytest.skip(f"no console script at {SAMSIM} (pip install -e . creates it)")
    env = _env(uuid.uuid4().hex)
    started = _samsim(env, "daemon", "start", str(FLAGSHIP), "--idle-minutes", "10")
    assert started.returncode == 0, started.stderr
    assert "samsim daemon started" in started.stdout
    assert "do not use the daemon" not in started.stderr  # the console script is the launcher
    yield env
    _samsim(env, "daemon", "stop")


def _served(env: dict[str, str]) -> int:
    status = _status(env)
    assert status is not None
    return int(status["commands served"])


def _run_with_umask_077(env: dict[str, str], cwd: Path, *args: str) -> str:
    """``samsim *args`` from a parent whose file-creation mask is 077; its stdout."""
    script = (
        "import os, subprocess, sys; os.umask(0o077); "
        f"sys.exit(subprocess.call([{str(SAMSIM)!r}, *sys.argv[1:]]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_run_in_the_daemon_is_the_run_of_its_own_process(
    warm: dict[str, str], tmp_path: Path
) -> None:
    """Same scenario and seed: the same summary, event log and trajectories, bit for bit,
    and the daemon did run it (its count of commands served grew). The folders it creates
    get the client's file-creation mask (077: no group or other bits), not the daemon's.
    (The run's files are written 0644 by samsim's atomic writer, whatever the mask.)"""
    before = _served(warm)
    args = ["run", str(FLAGSHIP), "--seed", "3", "--json", "--out"]
    there = _run_with_umask_077(warm, tmp_path, *args, "a/r")
    assert _served(warm) == before + 1
    here = _run_with_umask_077(dict(warm, SAMSIM_NO_DAEMON="1"), tmp_path, *args, "b/r")
    assert _served(warm) == before + 1
    assert json.loads(there) == json.loads(here)
    for name in ("events.parquet", "trajectories.parquet", "summary.json", "scenario.json"):
        assert (tmp_path / "a/r" / name).read_bytes() == (tmp_path / "b/r" / name).read_bytes()
    assert pq.read_table(tmp_path / "a/r/events.parquet").num_rows > 1000
    assert (tmp_path / "b").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o700


def test_coverage_maps_from_the_daemon_are_those_of_its_own_process(
    warm: dict[str, str], tmp_path: Path
) -> None:
    """Another forwarded command that writes files (maps, grid, table): the same bytes."""
    args = ["coverage", str(FLAGSHIP), "--cells", "16", "--format", "npz", "-a", "30 m"]
    before = _served(warm)
    there = _samsim(warm, *args, "--out", "a", cwd=tmp_path)
    assert there.returncode == 0, there.stderr
    assert _served(warm) == before + 1
    here = _samsim(dict(warm, SAMSIM_NO_DAEMON="1"), *args, "--out", "b", cwd=tmp_path)
    assert here.returncode == 0, here.stderr
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert "coverage_table.csv" in names
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize(
    "args",
    [
        ["run", "missing.yaml"],
        ["run"],
        ["run", str(FLAGSHIP), "--seed", "-1"],
        ["validate", "bad.yaml"],
        ["catalog", "nonsense"],
        ["coverage", str(FLAGSHIP), "--cells", "3"],
    ],
)
def test_errors_from_the_daemon_are_the_errors_of_its_own_process(
    warm: dict[str, str], tmp_path: Path, args: list[str]
) -> None:
    """Bad input: the same message on stderr and the same non-zero exit code."""
    (tmp_path / "bad.yaml").write_text("name: x\nduration: 5 min\nunits: {}\nbogus: 3\n")
    before = _served(warm)
    there = _samsim(warm, *args, cwd=tmp_path)
    assert _served(warm) == before + 1
    here = _samsim(dict(warm, SAMSIM_NO_DAEMON="1"), *args, cwd=tmp_path)
    assert there.returncode == here.returncode != 0
    assert there.stderr == here.stderr
    assert there.stdout == here.stdout
    assert "Traceback" not in there.stderr


def test_ctrl_c_reaches_the_command(warm: dict[str, str], tmp_path: Path) -> None:
    """Ctrl-C in the client interrupts the command in the daemon: exit 130 without a
    traceback, as in its own process (typer turns KeyboardInterrupt into exit 130); the
    daemon's child ends and the daemon keeps serving."""
    proc = subprocess.Popen(
        [str(SAMSIM), "run", str(EXAMPLES / "theatre_regiments.yaml"), "--out", "t"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=warm,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = _status(warm)
        if status is not None and status["running now"] == "1":
            break
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the daemon never ran the command")
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "error" not in err and "interrupted" in err
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (_status(warm) or {}).get("running now") != "0":
        time.sleep(0.1)
    assert (_status(warm) or {}).get("running now") == "0"


def test_a_client_of_another_environment_is_not_served(warm: dict[str, str]) -> None:
    """A variable read at import time (here numba's) differs: another daemon key, so no
    daemon serves it and its commands run in their own process."""
    other = dict(warm, NUMBA_OPT="2")
    assert _status(other) is None
    before = _served(warm)
    done = _samsim(other, "schema")
    assert done.returncode == 0, done.stderr
    assert _served(warm) == before


def test_stop_and_idle_exit(tmp_path: Path) -> None:
    """`daemon stop` ends a daemon and removes its socket; a daemon idle for
    --idle-minutes exits by itself; a second start leaves a running daemon alone."""
    if not SAMSIM.exists():
        pytest.skip(f"no console script at {SAMSIM}")
    env = _env(uuid.uuid4().hex)
    assert _samsim(env, "daemon", "start", "--idle-minutes", "2").returncode == 0
    again = _samsim(env, "daemon", "start")
    assert again.returncode == 0 and "already running" in again.stdout
    status = _status(env)
    assert status is not None
    sock = Path(status["socket"])
    assert sock.exists() and (sock.stat().st_mode & 0o777) == 0o600
    stopped = _samsim(env, "daemon", "stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and sock.exists():
        time.sleep(0.1)
    assert not sock.exists()
    assert _status(env) is None

    assert _samsim(env, "daemon", "start", "--idle-minutes", "0.02").returncode == 0
    assert _status(env) is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _status(env) is not None:
        time.sleep(0.2)
    assert _status(env) is None


def test_start_refuses_a_missing_scenario(tmp_path: Path) -> None:
    if not SAMSIM.exists():
        pytest.skip(f"no console script at {SAMSIM}")
    env = _env(uuid.uuid4().hex)
    done = _samsim(env, "daemon", "start", "nowhere.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "nowhere.yaml: no such scenario file" in done.stderr
    assert _status(env) is None


def test_the_key_follows_the_environment() -> None:
    """The variables read at import time change the key; others do not."""
    base = {"HOME": "/h", "NUMBA_OPT": "3"}
    assert daemon.daemon_key(base) == daemon.daemon_key({**base, "TERM": "dumb"})
    assert daemon.daemon_key(base) == daemon.daemon_key({**base, "SAMSIM_DEBUG": "1"})
    assert daemon.daemon_key(base) != daemon.daemon_key({**base, "NUMBA_OPT": "2"})
    assert daemon.daemon_key(base) != daemon.daemon_key({**base, "SAMSIM_CACHE_DIR": "/c"})
    assert daemon.daemon_key(base) != daemon.daemon_key({**base, "OPENBLAS_NUM_THREADS": "4"})
    assert len(daemon.socket_path("0" * 16).encode()) <= 100
    assert os.path.basename(daemon.socket_path("ab" * 8)) == "ab" * 8 + ".sock"


def test_the_key_follows_the_package_data(tmp_path: Path) -> None:
    """An edited catalogue file (a data file of the package) changes the fingerprint the
    key hashes; bytecode and caches do not."""
    (tmp_path / "catalog").mkdir()
    yaml = tmp_path / "catalog" / "missiles.yaml"
    yaml.write_text("a: 1\n")
    (tmp_path / "mod.py").write_text("x = 1\n")
    before = daemon.data_fingerprint(str(tmp_path))
    (tmp_path / "mod.py").write_text("x = 2\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    assert daemon.data_fingerprint(str(tmp_path)) == before
    yaml.write_text("a: 22\n")
    assert daemon.data_fingerprint(str(tmp_path)) != before


def test_the_key_follows_the_installed_libraries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgraded library (another version's dist-info folder) changes the fingerprint."""
    site = tmp_path / "lib" / "site-packages"
    (site / "numpy-2.4.6.dist-info").mkdir(parents=True)
    (site / "numpy").mkdir()
    monkeypatch.setattr(sys, "path", [str(site)])
    before = daemon.installed_fingerprint()
    (site / "numpy" / "new_module.py").write_text("")
    assert daemon.installed_fingerprint() == before
    (site / "numpy-2.4.6.dist-info").rename(site / "numpy-2.5.0.dist-info")
    assert daemon.installed_fingerprint() != before


def test_start_warns_about_a_scenario_it_cannot_warm_with(tmp_path: Path) -> None:
    """A scenario file with errors: the daemon starts, and says it could not warm up."""
    if not SAMSIM.exists():
        pytest.skip(f"no console script at {SAMSIM}")
    env = _env(uuid.uuid4().hex)
    (tmp_path / "bad.yaml").write_text("name: x\nduration: 5 min\n")
    done = _samsim(env, "daemon", "start", "bad.yaml", "--idle-minutes", "1", cwd=tmp_path)
    try:
        assert done.returncode == 0, done.stderr
        assert "bad.yaml: the daemon could not warm up with it" in done.stderr
        assert "warmed with nothing yet" in done.stdout
    finally:
        _samsim(env, "daemon", "stop")


def test_start_from_an_old_entry_point_says_commands_will_not_use_it(tmp_path: Path) -> None:
    """`python -m samsim.cli` (like a console script installed before the daemon) does
    not hand commands to a daemon: `daemon start` from it says so."""
    env = _env(uuid.uuid4().hex)
    done = subprocess.run(
        [sys.executable, "-m", "samsim.cli", "daemon", "start", "--idle-minutes", "1"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
        check=False,
    )
    try:
        assert done.returncode == 0, done.stderr
        assert "its commands do not use the daemon" in done.stderr
    finally:
        subprocess.run(
            [sys.executable, "-m", "samsim.cli", "daemon", "stop"],
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
