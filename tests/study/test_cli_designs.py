"""``samsim saturate`` and ``samsim sensitivity`` in a subprocess: kill and resume, the
printed answer, JSON, refusals, and ``samsim study summarize/plot`` of their folders."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from samsim.scenario.loader import load_scenario_text
from samsim.study import load_results
from samsim.study.design import run_design
from samsim.study.saturation import Saturation
from tests.conftest import SMALL_SCENARIO
from tests.study.standin import standin_batch
from tests.study.test_cli_study import _env, _wait_for_parts

SLOW = "tests.study.standin:slow_standin_batch"
FAST = "tests.study.standin:standin_batch"
KEEP = ["point", "raid_size", "seed", "leaked", "killed", "interceptors_fired_total"]


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "samsim.cli", *args]


def _samsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _cmd(*args), capture_output=True, text=True, timeout=180, cwd=cwd, env=_env()
    )


def _sat_args(scn: Path, out: Path, runner: str) -> list[str]:
    return [
        "saturate", str(scn), "--threat", "cm", "--sizes", "2:40", "--runs", "4",
        "--max-runs", "48", "--out", str(out), "--workers", "2", "--batch-size", "2",
        "--runner", runner,
    ]  # fmt: skip


@pytest.mark.slow
def test_saturate_sigkill_then_resume_gives_the_uninterrupted_table(tmp_path: Path) -> None:
    scn = tmp_path / "small.yaml"
    scn.write_text(SMALL_SCENARIO)
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        _cmd(*_sat_args(scn, out, SLOW), "--quiet"),
        cwd=tmp_path,
        env=_env(),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _wait_for_parts(out, proc, n=8)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    partial = load_results(out).num_rows
    assert 0 < partial < 48
    done = _samsim(*_sat_args(scn, out, SLOW), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"({partial} done before)" in done.stdout
    sc = load_scenario_text(SMALL_SCENARIO)
    ref = run_design(
        sc,
        Saturation(sc, "cm", "2:40", runs=4, max_runs=48),
        out=tmp_path / "ref",
        workers=0,
        runner=standin_batch,
    )
    assert load_results(out).select(KEEP).equals(ref.table.select(KEEP))


@pytest.mark.slow
def test_saturate_prints_the_curve_and_break_point(tmp_path: Path) -> None:
    scn = tmp_path / "small.yaml"
    scn.write_text(SMALL_SCENARIO)
    out = tmp_path / "sat"
    args = [*_sat_args(scn, out, FAST), "--workers", "0"]
    proc = _samsim(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for text in ("raid size", "P(leak>=1)", "fired/kill", "break point", "saturation.png"):
        assert text in proc.stdout, text
    assert (out / "plots" / "saturation.png").is_file()
    js = _samsim(*args, "--json", "--no-plots", cwd=tmp_path)
    payload = json.loads(js.stdout)
    assert payload["break_point"]["status"] in ("found", "below", "above")
    assert sum(r["runs"] for r in payload["rows"]) == 48
    summary = _samsim("study", "summarize", str(out), cwd=tmp_path)
    assert summary.returncode == 0 and "break point" in summary.stdout
    plot = _samsim("study", "plot", str(out), "--out", str(tmp_path / "p"), cwd=tmp_path)
    assert plot.returncode == 0 and (tmp_path / "p" / "saturation.png").is_file()


@pytest.mark.slow
def test_sensitivity_cli(tmp_path: Path) -> None:
    scn = tmp_path / "small.yaml"
    scn.write_text(SMALL_SCENARIO)
    listed = _samsim("sensitivity", str(scn), "--list", "-S", "threats", cwd=tmp_path)
    assert listed.returncode == 0 and "subsonic_cruise_missile.rcs_m2" in listed.stdout
    assert "not applicable" in listed.stdout
    out = tmp_path / "sens"
    proc = _samsim(
        "sensitivity", str(scn), "-f", "rcs_m2", "-f", "92N6E.losses_db", "--runs", "3",
        "--workers", "0", "--out", str(out), "--runner", FAST, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "subsonic_cruise_missile.rcs_m2" in proc.stdout and "tornado_leaked.png" in proc.stdout
    # the stand-in responds to the RCS alone: the losses changed no run, and the printout says so
    assert "No run changed (1 figure;" in proc.stdout and "3/3" in proc.stdout
    assert (out / "plots" / "tornado_interceptors_per_kill.png").is_file()
    summary = _samsim("study", "summarize", str(out), "--json", cwd=tmp_path)
    rows = json.loads(summary.stdout)
    assert rows[0]["figure"] == "threats.subsonic_cruise_missile.rcs_m2"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["saturate", "{scn}", "--threat", "bomber"], "no raid group of the scenario flies it"),
        (["saturate", "{scn}", "--threat", "cm", "--sizes", "9:3"], "1 <= LOW < HIGH"),
        (["saturate", "{scn}", "--threat", "cm", "--spacing", "tight"], "--spacing 'tight'"),
        (["sensitivity", "{scn}", "-S", "sensors"], "--section 'sensors' is unknown"),
        (["sensitivity", "{scn}", "-f", "92N6E.peak_powr_w"], "Did you mean"),
    ],
)
def test_refusals_are_messages(tmp_path: Path, args: list[str], message: str) -> None:
    scn = tmp_path / "small.yaml"
    scn.write_text(SMALL_SCENARIO)
    proc = _samsim(*[a.replace("{scn}", str(scn)) for a in args], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "studies").exists()
