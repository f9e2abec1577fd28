"""Any run of a study can be rebuilt in full (trajectories included) for the viewer:
the rebuilt run's summary is the study's row, and bad choices are refused clearly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from samsim.scenario.models import Scenario
from samsim.study import load_results
from samsim.study.api import run_study
from samsim.study.replay import replay_run
from samsim.study.results import Names, flatten_summary
from samsim.study.sweep import StudyError
from tests.study.test_cli_study import _env

SWEEP = {"raid.wave": [2, 3]}


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from samsim.scenario.loader import load_scenario_text
    from tests.conftest import SMALL_SCENARIO

    out = tmp_path_factory.mktemp("study") / "s"
    sc = load_scenario_text(SMALL_SCENARIO, "small.yaml")
    run_study(sc, runs=2, sweep=SWEEP, out=out, workers=0, first_seed=5)
    return out


def test_replayed_run_is_the_study_row(study_dir: Path, small: Scenario) -> None:
    run_dir = replay_run(study_dir, point=1, seed=6)
    assert run_dir == study_dir / "replays" / "point=1" / "seed=6"
    assert (run_dir / "trajectories.parquet").is_file()
    summary = json.loads((run_dir / "summary.json").read_text())
    row = next(r for r in load_results(study_dir).to_pylist() if r["point"] == 1 and r["seed"] == 6)
    expect = flatten_summary(summary, Names.of(small))
    assert {k: row[k] for k in expect} == expect
    assert summary["threats"] == 3  # the swept raid size of point 1
    # a second call reuses the folder
    mtime = (run_dir / "summary.json").stat().st_mtime_ns
    assert replay_run(study_dir, point=1, seed=6) == run_dir
    assert (run_dir / "summary.json").stat().st_mtime_ns == mtime


def test_bad_point_or_seed_is_refused(study_dir: Path) -> None:
    with pytest.raises(StudyError, match="sweep points 0 to 1; --point 2"):
        replay_run(study_dir, point=2)
    with pytest.raises(StudyError, match="ran seeds 5 to 6; --seed 0"):
        replay_run(study_dir, seed=0)


def test_serve_cli_refuses_a_bad_seed_without_traceback(study_dir: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "samsim.cli",
            "serve",
            str(study_dir),
            "--seed",
            "99",
            "--no-browser",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
    )
    assert proc.returncode == 2
    assert "--seed 99 is not one" in proc.stderr and "Traceback" not in proc.stderr


def test_viewer_serves_the_replayed_runs_of_a_study(study_dir: Path) -> None:
    from samsim.web.server import make_server

    replay_run(study_dir, point=0, seed=5)
    server = make_server(study_dir, port=0)
    try:
        names = sorted(str(r) for r in server.app.runs)
        assert any("point=0" in n and "seed=5" in n for n in names), names
    finally:
        server.server_close()


def test_points_of_designed_studies_are_rebuilt_exactly(small: Scenario, tmp_path: Path) -> None:
    """Every point of a saturation and of a sensitivity study rebuilds to the scenario
    the study ran (its hash is checked against the manifest's)."""
    from samsim.study.design import run_design
    from samsim.study.replay import study_point_scenario
    from samsim.study.saturation import Saturation
    from samsim.study.sensitivity import Sensitivity
    from tests.study.standin import standin_batch

    sat = tmp_path / "sat"
    run_design(small, Saturation(small, "cm", "2:9", runs=2, max_runs=12), out=sat, workers=0,
               runner=standin_batch)  # fmt: skip
    manifest = json.loads((sat / "manifest.json").read_text())
    for k, p in enumerate(manifest["points"]):
        sc, _ = study_point_scenario(sat, k)
        assert sc.raid["wave"].count == p["values"]["raid_size"]
    sens = tmp_path / "sens"
    design = Sensitivity(small, runs=2, figures=["rcs_m2", "92N6E.n_pulses"])
    run_design(small, design, out=sens, workers=0, runner=standin_batch)
    manifest = json.loads((sens / "manifest.json").read_text())
    assert len(manifest["points"]) == 5
    for k in range(5):
        study_point_scenario(sens, k)
    with pytest.raises(StudyError, match="points 0 to 4"):
        study_point_scenario(sens, 5)
    with pytest.raises(StudyError, match="seeds 0 to 1"):
        replay_run(sens, point=1, seed=7)
