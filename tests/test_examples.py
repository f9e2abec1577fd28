"""Every example scenario validates and runs end to end through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import EXAMPLES, subprocess_env

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
#: Examples whose run takes more than a few seconds (the theatre: 280 threats, 5 regiments).
SLOW_EXAMPLES = {"theatre_regiments"}


def test_there_are_examples() -> None:
    names = {p.name for p in EXAMPLE_FILES}
    assert {
        "battalion_vs_cruise_raid.yaml",
        "regiment_vs_mixed_raid.yaml",
        "sead_strike.yaml",
    } <= names


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.slow) if p.stem in SLOW_EXAMPLES else p
        for p in EXAMPLE_FILES
    ],
    ids=lambda p: p.stem,
)
def test_example_runs(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "samsim.cli",
            "run",
            str(path),
            "--seed",
            "3",
            "--out",
            str(out),
            "--json",
        ],
        capture_output=True,
        env=subprocess_env(),
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    on_disk = json.loads((out / "summary.json").read_text())
    assert summary == on_disk
    assert summary["seed"] == 3
    for key in (
        "scenario",
        "seed",
        "simulated_time_s",
        "threats",
        "detected",
        "engaged",
        "killed",
        "leaked",
        "interceptors_fired",
        "first_detection_range_m",
        "leaked_by_asset",
    ):
        assert key in summary
    events = pq.read_table(out / "events.parquet")
    assert events.num_rows == summary["events"]
    assert summary["killed"] + summary["leaked"] + summary["survived"] == summary["threats"]
    traj = pq.read_table(out / "trajectories.parquet")
    assert set(traj.column("entity").to_pylist()) >= {"threat"}
    nodes = summary["nodes"]
    assert nodes["lost"] + nodes["survived"] == nodes["nodes"] > 0
    assert len({x["node"] for x in summary["nodes_lost"]}) == nodes["lost"]
    if path.stem == "sead_strike":
        # the SEAD package: anti-radiation missiles, emission control, point defence
        arms = summary["anti_radiation_missiles"]
        assert arms["launched"] == arms["threats"] == 6
        assert arms["killed"] + arms["hit"] + arms["missed"] + arms["flying"] == 6
        assert summary["interceptors_fired"].get("57E6", 0) > 0
        assert set(summary["emission"]) == {"bigbird", "gravestone", "p_search", "p_track"}
