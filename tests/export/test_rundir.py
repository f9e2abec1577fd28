"""Reading run directories: discovery, names, timelines and interceptors from the log."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from samsim.export.rundir import RunData, RunDirError, find_runs, threat_roster
from tests.web.runfactory import OUTCOMES


def test_find_runs_in_a_run_and_in_a_tree(run_dir: Path, tmp_path: Path) -> None:
    assert find_runs(run_dir) == [run_dir]
    tree = tmp_path / "study"
    for rel in ("a/0", "a/1", "b/point=2/7"):
        shutil.copytree(run_dir, tree / rel)
    (tree / ".hidden" / "0").mkdir(parents=True)
    assert [p.relative_to(tree).as_posix() for p in find_runs(tree)] == [
        "a/0",
        "a/1",
        "b/point=2/7",
    ]


def test_find_runs_errors_name_the_folder(tmp_path: Path) -> None:
    with pytest.raises(RunDirError, match="holds no run"):
        find_runs(tmp_path)
    with pytest.raises(RunDirError, match="is not a directory"):
        find_runs(tmp_path / "missing")


def test_incomplete_run_names_the_missing_files(run_dir: Path, tmp_path: Path) -> None:
    d = tmp_path / "r"
    shutil.copytree(run_dir, d)
    (d / "trajectories.parquet").unlink()
    with pytest.raises(RunDirError, match=r"trajectories\.parquet missing"):
        RunData(d)
    (d / "trajectories.parquet").write_bytes(b"not parquet")
    with pytest.raises(RunDirError, match="cannot read"):
        RunData(d)


def test_threat_roster_follows_raid_order() -> None:
    names, types, groups = threat_roster(
        {"raid": {"b": {"threat": "x", "count": 2}, "a": {"threat": "y"}}}
    )
    assert names == ["b-1", "b-2", "a-1"]
    assert types == ["x", "x", "y"] and groups == ["b", "b", "a"]


def test_timelines_match_the_event_log(run_dir: Path) -> None:
    run = RunData(run_dir)
    tls = run.timelines
    assert [t.outcome for t in tls] == [OUTCOMES[i] for i in range(5)]
    assert [t.name for t in tls] == run.threat_names
    # names agree with the engine's summary
    assert {lk["threat"] for lk in run.summary["leakers"]} == {
        t.name for t in tls if t.outcome == "leaked"
    }
    for t in tls:
        # order of the chain of events
        seq = [t.appear_s, t.first_detection_s, t.track_start_s, t.track_confirmed_s]
        assert all(a is not None for a in seq)
        assert seq == sorted(seq)
        if t.engaged_s is not None:
            assert t.track_confirmed_s <= t.engaged_s <= t.launches[0]["time_s"]
        assert t.outcome_s is not None
    killed = [t for t in tls if t.outcome == "killed"]
    assert all(any(x["result"] == "kill" for x in t.intercepts) for t in killed)
    assert sum(len(t.launches) for t in tls) == run.summary["interceptors_fired_total"]


def test_interceptors_match_the_summary(run_dir: Path) -> None:
    run = RunData(run_dir)
    rows = run.interceptors
    assert [r["id"] for r in rows] == list(range(8))
    ends = {}
    for r in rows:
        key = r["outcome"].split(" ")[0]
        ends[key] = ends.get(key, 0) + 1
    assert ends == run.summary["interceptor_outcomes"]
    assert all(r["launch_s"] < r["end_s"] for r in rows)


def test_origin_is_the_mean_of_the_assets(run_dir: Path) -> None:
    run = RunData(run_dir)
    sc = json.loads((run_dir / "scenario.json").read_text())
    lats = [a["position"]["lat"] for a in sc["assets"].values()]
    assert run.frame.lat0_deg == pytest.approx(sum(lats) / len(lats))
