"""The ``samsim study`` command in a subprocess: kill (SIGKILL, Ctrl-C) and resume, refusals,
summarize and plot."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from samsim.scenario.loader import load_scenario_text
from samsim.study import load_results
from samsim.study.api import run_study
from tests.conftest import ROOT, SMALL_SCENARIO
from tests.study.standin import standin_batch

RUNNER = "tests.study.standin:slow_standin_batch"
SWEEP = ["--sweep", "raid.wave=2,6"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    return env


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "samsim.cli", "study", *args]


def _samsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _cmd(*args), capture_output=True, text=True, timeout=120, cwd=cwd, env=_env()
    )


def _study_args(scn: Path, out: Path, runs: int = 30) -> list[str]:
    return [
        str(scn),
        "--runs",
        str(runs),
        *SWEEP,
        "--out",
        str(out),
        "--workers",
        "2",
        "--batch-size",
        "2",
        "--runner",
        RUNNER,
    ]


def _reference(tmp_path: Path, runs: int = 30):  # type: ignore[no-untyped-def]
    sc = load_scenario_text(SMALL_SCENARIO)
    run_study(sc, runs=runs, out=tmp_path / "ref", sweep=SWEEP[1:], workers=0, runner=standin_batch)
    return load_results(tmp_path / "ref").drop_columns(["wall_time_s", "cpu_time_s"])


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _cmd(*args, "--quiet"),
        cwd=cwd,
        env=_env(),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _wait_for_parts(out: Path, proc: subprocess.Popen[str], n: int = 2) -> None:
    deadline = time.monotonic() + 60
    while len(list((out / "results").rglob("part-*.parquet"))) < n:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the study wrote no results in 60 s"
        time.sleep(0.02)


def _group_gone(pgid: int, timeout_s: float) -> bool:
    import psutil

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        alive = []
        for p in psutil.process_iter(["status"]):
            try:
                if os.getpgid(p.pid) == pgid and p.info["status"] != psutil.STATUS_ZOMBIE:
                    alive.append(p.pid)
            except (ProcessLookupError, psutil.Error):
                continue
        if not alive:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_uninterrupted_table(tmp_path: Path) -> None:
    scn = tmp_path / "small.yaml"
    scn.write_text(SMALL_SCENARIO)
    out = tmp_path / "killed"
    args = _study_args(scn, out)
    proc = _start(args, tmp_path)
    try:
        _wait_for_parts(out, proc)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
        # the workers notice their parent died and exit (no orphan keeps computing)
        assert _group_gone(proc.pid, timeout_s=5.0)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    parts = list((out / "results").rglob("*.parquet"))
    for p in parts:  # every file present is complete
        pq.read_table(p)
    partial = load_results(out).num_rows
    assert 0 < partial < 60
    done = _samsim(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"({partial} done before)" in done.stdout
    assert (
        load_results(out).drop_columns(["wall_time_s", "cpu_time_s"]).equals(_reference(tmp_path))
    )


@pytest.mark.slow
def test_ctrl_c_saves_completed_batches_and_resumes(tmp_path: Path) -> None:
    scn = tmp_path / "small.yaml"
    scn.write_text(SMALL_SCENARIO)
    out = tmp_path / "interrupted"
    args = _study_args(scn, out)
    proc = _start(args, tmp_path)
    try:
        _wait_for_parts(out, proc)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
        _, stderr = proc.communicate(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert "interrupted:" in stderr and "rerun the same command to resume" in stderr
    assert "Traceback" not in stderr
    saved = load_results(out).num_rows
    assert f"{saved} of 60 runs are saved" in stderr
    done = _samsim(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (
        load_results(out).drop_columns(["wall_time_s", "cpu_time_s"]).equals(_reference(tmp_path))
    )


def test_refusals_are_messages_not_tracebacks(tmp_path: Path) -> None:
    scn = tmp_path / "small.yaml"
    scn.write_text(SMALL_SCENARIO)
    proc = _samsim(
        str(scn),
        "--runs",
        "2",
        "--sweep",
        "raid.cruise_missiles=8,16",
        "--out",
        str(tmp_path / "a"),
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "'raid' has no entry 'cruise_missiles'" in proc.stderr and "raid.wave" in proc.stderr
    assert not (tmp_path / "a").exists()  # refused before anything is written

    out = tmp_path / "b"
    run_study(load_scenario_text(SMALL_SCENARIO), runs=2, out=out, workers=0, runner=standin_batch)
    other = tmp_path / "other.yaml"
    other.write_text(SMALL_SCENARIO.replace("count: 4", "count: 5"))
    proc = _samsim(
        str(other),
        "--runs",
        "2",
        "--out",
        str(out),
        "--workers",
        "0",
        "--runner",
        "tests.study.standin:standin_batch",
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "holds a study of a different scenario" in proc.stderr
    proc = _samsim("summarize", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2 and "holds no study" in proc.stderr


@pytest.mark.slow
def test_run_summarize_plot(tmp_path: Path) -> None:
    scn = tmp_path / "small.yaml"
    scn.write_text(SMALL_SCENARIO)
    out = tmp_path / "s"
    proc = _samsim(
        str(scn),
        "--runs",
        "20",
        "--sweep",
        "raid.wave=2,6",
        "--sweep",
        "threats.cm.rcs_m2=0.01 m2,-10 dBsm",
        "--out",
        str(out),
        "--workers",
        "0",
        "--runner",
        "tests.study.standin:standin_batch",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "80 runs in" in proc.stdout and "P(leak>=1)" in proc.stdout
    assert "20/20" not in proc.stdout  # the progress bar goes to stderr
    pngs = sorted(p.name for p in (out / "plots").glob("*.png"))
    assert "p_leak__vs__raid.wave.png" in pngs
    assert "leak_fraction__vs__threats.cm.rcs_m2.png" in pngs
    assert "p_reach.town__vs__raid.wave.png" in pngs
    for p in (out / "plots").glob("*.png"):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    js = _samsim("summarize", str(out), "--json", cwd=tmp_path)
    rows = json.loads(js.stdout)
    assert [r["point"] for r in rows] == [0, 1, 2, 3]
    assert all(r["runs"] == 20 for r in rows)
    assert all(r["p_leak_lo"] <= r["p_leak"] <= r["p_leak_hi"] for r in rows)
    text = _samsim("summarize", str(out), "--csv", str(tmp_path / "s.csv"), cwd=tmp_path)
    assert text.returncode == 0 and "[" in text.stdout
    assert (tmp_path / "s.csv").read_text().startswith('"point"')
    again = _samsim(
        str(scn),
        "--runs",
        "20",
        "--sweep",
        "raid.wave=2,6",
        "--sweep",
        "threats.cm.rcs_m2=0.01 m2,-10 dBsm",
        "--out",
        str(out),
        "--workers",
        "0",
        "--runner",
        "tests.study.standin:standin_batch",
        "--no-plots",
        cwd=tmp_path,
    )
    assert "all 80 runs were already done" in again.stdout
    plots = _samsim("plot", str(out), "--out", str(tmp_path / "pngs"), cwd=tmp_path)
    assert plots.returncode == 0, plots.stderr
    assert sorted(p.name for p in (tmp_path / "pngs").glob("*.png")) == pngs


@pytest.mark.parametrize("query_dir", ["results"])
def test_duckdb_reads_the_results(tmp_path: Path, query_dir: str) -> None:
    duckdb = pytest.importorskip("duckdb")
    sc = load_scenario_text(SMALL_SCENARIO)
    run_study(
        sc, runs=10, out=tmp_path, sweep={"raid.wave": [2, 6]}, workers=0, runner=standin_batch
    )
    rows = duckdb.sql(
        f"""SELECT point, "raid.wave" AS wave, count(*) AS runs, avg(leaked) AS leaked
            FROM read_parquet('{tmp_path}/{query_dir}/*/*.parquet', hive_partitioning = true)
            GROUP BY ALL ORDER BY point"""
    ).fetchall()
    t = load_results(tmp_path).to_pylist()
    assert [r[:3] for r in rows] == [(0, 2, 10), (1, 6, 10)]
    assert rows[1][3] == pytest.approx(sum(r["leaked"] for r in t if r["point"] == 1) / 10)
