from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from samsim.scenario.models import Scenario
from samsim.study.api import make_manifest, make_plan
from samsim.study.store import MANIFEST, StudyStore, load_results, part_name, read_manifest
from samsim.study.sweep import StudyError

RUNNER = "tests.study.standin:standin_batch"


def _open(directory: Path, sc: Scenario, runs: int = 4, sweep=None, **kw) -> StudyStore:  # type: ignore[no-untyped-def]
    manifest = make_manifest(
        make_plan(sc, runs, sweep), kw.pop("runner", RUNNER), kw.pop("keep_events", False)
    )
    return StudyStore.open(directory, manifest, b"{}")


def test_manifest_is_written_first_and_reopened(tmp_path: Path, small: Scenario) -> None:
    d = tmp_path / "s"
    with _open(d, small, sweep=["raid.wave=2,3"]) as store:
        assert (d / MANIFEST).is_file() and (d / "scenario.json").is_file()
        assert not (d / "results").exists()
        assert store.done_seeds() == {}
    m = read_manifest(d)
    assert m["runs_per_point"] == 4 and [p["values"] for p in m["points"]] == [
        {"raid.wave": 2},
        {"raid.wave": 3},
    ]
    with _open(d, small, sweep=["raid.wave=2,3"]):
        pass


def test_different_scenario_sweep_or_settings_are_refused(tmp_path: Path, small: Scenario) -> None:
    d = tmp_path / "s"
    _open(d, small, sweep=["raid.wave=2,3"]).close()
    other = small.model_copy(update={"duration": 300.0})
    with pytest.raises(StudyError, match=r"holds a study of a different scenario \('small'"):
        _open(d, other, sweep=["raid.wave=2,3"])
    with pytest.raises(StudyError, match=r"different sweep \(raid.wave=2,3\).*raid.wave=2,4"):
        _open(d, small, sweep=["raid.wave=2,4"])
    with pytest.raises(StudyError, match="--keep-events"):
        _open(d, small, sweep=["raid.wave=2,3"], keep_events=True)
    with pytest.raises(StudyError, match="--runs 4"):
        _open(d, small, runs=3, sweep=["raid.wave=2,3"])
    # more runs extend the study
    _open(d, small, runs=6, sweep=["raid.wave=2,3"]).close()
    assert read_manifest(d)["runs_per_point"] == 6


def test_foreign_folder_and_concurrent_writer_are_refused(tmp_path: Path, small: Scenario) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StudyError, match=r"not empty and holds no study.*notes\.txt"):
        _open(tmp_path, small)
    d = tmp_path / "s"
    with _open(d, small), pytest.raises(StudyError, match="another samsim study"):
        _open(d, small)
    with pytest.raises(StudyError, match="holds no study"):
        load_results(tmp_path)


def test_batches_interrupted_writes_and_orphans(tmp_path: Path, small: Scenario) -> None:
    from samsim.study.api import Names, results_schema  # noqa: F401
    from samsim.study.results import flatten_summary
    from tests.study.standin import standin_batch

    d = tmp_path / "s"
    store = _open(d, small, keep_events=True)
    outs = standin_batch(small, [0, 1], True)
    from samsim.study.api import _events_table
    from samsim.study.results import Names as N

    names = N.of(small)
    rows = [
        {
            "point": 0,
            "seed": o.seed,
            **flatten_summary(o.summary, names),
            "wall_time_s": o.wall_time_s,
        }
        for o in outs
    ]
    store.write_batch(0, rows, _events_table(0, outs))
    store.close()
    name = part_name([0, 1])
    assert name == part_name([1, 0]) and name != part_name([0, 2])
    assert (d / "results/point=0" / name).is_file() and (d / "events/point=0" / name).is_file()
    # a kill between the events write and the results write, and a kill mid-write:
    (d / "events/point=0" / part_name([2, 3])).write_bytes(b"whatever")
    (d / "results/point=0" / f".{part_name([2, 3])}.abc.tmp").write_bytes(b"half")
    with _open(d, small, keep_events=True) as store:
        assert store.done_seeds() == {0: {0, 1}}
    assert not (d / "events/point=0" / part_name([2, 3])).exists()
    assert not list((d / "results/point=0").glob(".*.tmp"))
    t = load_results(d)
    assert t.column("seed").to_pylist() == [0, 1]
    assert pq.read_table(d / "results/point=0" / name).schema == t.schema
    # the same seeds in two files (two writers at once) is reported, not silently merged
    (d / "results/point=0" / part_name([1, 5])).write_bytes(
        (d / "results/point=0" / name).read_bytes()
    )
    with (
        _open(d, small, keep_events=True) as store,
        pytest.raises(StudyError, match="repeats runs of point 0"),
    ):
        store.done_seeds()
    with pytest.raises(StudyError, match="holds 2 runs more than once"):
        load_results(d)
    assert json.loads((d / MANIFEST).read_text())["keep_events"] is True
