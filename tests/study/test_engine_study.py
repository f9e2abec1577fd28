"""Studies with the real engine: rows equal the engine's own summaries, a batch that
reuses one compiled world gives what separate `simulate` calls give, executors agree,
and a SIGKILLed `samsim study` resumes to the uninterrupted table."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pyarrow as pa
import pytest

import samsim
from samsim.scenario.models import Scenario
from samsim.study import load_results
from samsim.study.api import make_plan, run_study, study
from samsim.study.results import Names, event_log_digest, flatten_summary
from tests.conftest import SMALL_SCENARIO
from tests.study.test_cli_study import _cmd, _env, _group_gone, _samsim

SWEEP = {"raid.wave": [2, 3]}


def _det(t: pa.Table) -> pa.Table:
    return t.drop_columns(["wall_time_s", "cpu_time_s"])


def test_rows_are_the_engine_summaries(small: Scenario) -> None:
    t = study(small, runs=2, sweep=SWEEP, workers=0, batch_size=2)
    plan = make_plan(small, 2, SWEEP)
    names = Names.of(small)
    for row in t.to_pylist():
        # each run alone, compiled afresh: a batch sharing one compiled world must agree
        run = samsim.simulate(plan.point_scenarios[row["point"]], seed=row["seed"])
        expect = flatten_summary(run.summary, names)
        assert {k: row[k] for k in expect} == expect
        assert row["events_digest"] == event_log_digest(run.events)
        assert row["threats"] == row["raid.wave"]
        assert row["killed"] + row["leaked"] + row["survived"] == row["threats"]


@pytest.mark.slow
def test_local_pool_equals_in_process(small: Scenario) -> None:
    inline = study(small, runs=3, sweep=SWEEP, workers=0)
    pool = study(small, runs=3, sweep=SWEEP, workers=2, batch_size=2)
    assert _det(pool).equals(_det(inline))


@pytest.mark.slow
def test_sigkill_of_a_real_study_then_resume(tmp_path: Path) -> None:
    import subprocess

    scn = tmp_path / "small.yaml"
    scn.write_text(SMALL_SCENARIO)
    out = tmp_path / "killed"
    args = [
        str(scn),
        "--runs",
        "12",
        "--sweep",
        "raid.wave=2,5",
        "--out",
        str(out),
        "--workers",
        "2",
        "--batch-size",
        "1",
    ]
    proc = subprocess.Popen(
        _cmd(*args, "--quiet"),
        cwd=tmp_path,
        env=_env(),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "results").rglob("part-*.parquet"))) < 3:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
        assert _group_gone(proc.pid, timeout_s=5.0)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    partial = load_results(out).num_rows
    assert 0 < partial < 24
    done = _samsim(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    ref = tmp_path / "ref"
    run_study(
        samsim.scenario.loader.load_scenario(scn),
        runs=12,
        out=ref,
        sweep=["raid.wave=2,5"],
        workers=0,  # the uninterrupted table, in this process (pool = in-process: tested above)
    )
    assert _det(load_results(out)).equals(_det(load_results(ref)))
