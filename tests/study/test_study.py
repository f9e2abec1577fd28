from __future__ import annotations

import math
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

import samsim
from samsim.scenario.models import Scenario
from samsim.study import load_events, load_results
from samsim.study.api import StudyRunFailed, run_study, study
from samsim.study.sweep import StudyError
from tests.study.standin import dying_batch, failing_batch, standin_batch

SWEEP = {"raid.wave": [2, 6], "threats.cm.rcs_m2": ["0.01 m2", "-10 dBsm"]}


def _deterministic(t: pa.Table) -> pa.Table:
    return t.drop_columns(["wall_time_s", "cpu_time_s"])


def test_table_rows_and_columns(tmp_path: Path, small: Scenario) -> None:
    t = study(small, runs=5, sweep=SWEEP, workers=0, runner=standin_batch)
    assert t.num_rows == 20
    assert t.column_names[:4] == ["point", "raid.wave", "threats.cm.rcs_m2", "seed"]
    for col in (
        "threats",
        "detected",
        "engaged",
        "killed",
        "leaked",
        "leaked_by_asset.town",
        "by_threat_type.cm.killed",
        "interceptors_fired.48N6E3",
        "interceptors_fired.9M96E2",
        "first_detection_range_m.cm.median",
        "timeline.first_detection_s",
        "wall_time_s",
    ):
        assert col in t.column_names, col
    rows = t.to_pylist()
    assert [(r["point"], r["seed"]) for r in rows] == [(k, s) for k in range(4) for s in range(5)]
    assert {r["raid.wave"] for r in rows if r["point"] == 3} == {6}
    assert all(r["threats"] == r["raid.wave"] for r in rows)
    # the same seeds at every point: with the same raid size, a larger RCS never detects less
    by = {(r["point"], r["seed"]): r for r in rows}
    assert all(by[(1, s)]["detected"] >= by[(0, s)]["detected"] for s in range(5))


def test_results_do_not_depend_on_workers_or_batching(tmp_path: Path, small: Scenario) -> None:
    inline = study(small, runs=7, sweep=SWEEP, workers=0, batch_size=3, runner=standin_batch)
    pool = study(small, runs=7, sweep=SWEEP, workers=2, runner=standin_batch)
    assert _deterministic(pool).equals(_deterministic(inline))


def test_resume_skips_done_runs_and_matches_uninterrupted(tmp_path: Path, small: Scenario) -> None:
    full = study(small, runs=9, sweep=SWEEP, workers=0, runner=standin_batch)
    d = tmp_path / "s"
    first = run_study(
        small, runs=9, out=d, sweep=SWEEP, workers=0, batch_size=2, runner=standin_batch
    )
    assert (first.completed, first.skipped) == (36, 0)
    parts = sorted((d / "results").rglob("part-*.parquet"))
    for p in parts[::3]:  # lose a third of the batches, as a kill would
        p.unlink()
    lost = 36 - load_results(d).num_rows
    again = run_study(
        small, runs=9, out=d, sweep=SWEEP, workers=0, batch_size=4, runner=standin_batch
    )
    assert again.completed == lost and again.skipped == 36 - lost
    assert _deterministic(load_results(d)).equals(_deterministic(full))
    done = run_study(small, runs=9, out=d, sweep=SWEEP, workers=0, runner=standin_batch)
    assert done.completed == 0 and done.skipped == 36
    # extending the study runs only the new seeds
    more = run_study(small, runs=12, out=d, sweep=SWEEP, workers=0, runner=standin_batch)
    assert more.completed == 12
    assert load_results(d).num_rows == 48


def test_keep_events(tmp_path: Path, small: Scenario) -> None:
    d = tmp_path / "s"
    t = study(
        small,
        runs=3,
        sweep={"raid.wave": [1, 3]},
        out=d,
        workers=0,
        keep_events=True,
        runner=standin_batch,
    )
    ev = load_events(d)
    assert ev.column_names[:2] == ["point", "seed"]
    counts = ev.group_by(["point", "seed"]).aggregate([("time_s", "count")]).to_pylist()
    expect = {(r["point"], r["seed"]): r["events"] for r in t.to_pylist()}
    assert {(c["point"], c["seed"]): c["time_s_count"] for c in counts} == expect
    assert load_events(d, point=1).column("point").to_pylist() == [1] * sum(
        v for (k, _), v in expect.items() if k == 1
    )
    with pytest.raises(StudyError, match="keep_events needs an out folder"):
        study(small, runs=1, keep_events=True, runner=standin_batch)


def test_failing_run_stops_the_study_keeping_completed_batches(
    tmp_path: Path, small: Scenario
) -> None:
    d = tmp_path / "s"
    with pytest.raises(StudyRunFailed, match=r"point 0, seeds 3\.\.3: ZeroDivisionError"):
        run_study(small, runs=6, out=d, workers=0, batch_size=1, runner=failing_batch)
    assert load_results(d).column("seed").to_pylist() == [0, 1, 2]


def test_dead_worker_stops_the_study_with_a_message(tmp_path: Path, small: Scenario) -> None:
    d = tmp_path / "s"
    with pytest.raises(StudyRunFailed, match="a task failed: BrokenProcessPool"):
        run_study(small, runs=6, out=d, workers=1, batch_size=1, runner=dying_batch)
    seeds = load_results(d).column("seed").to_pylist()
    assert 3 not in seeds and set(seeds) <= {0, 1, 2, 4, 5}


def test_bad_arguments(tmp_path: Path, small: Scenario) -> None:
    for kw, msg in (
        ({"runs": 0}, "runs must be"),
        ({"runs": 2, "first_seed": -1}, "first_seed"),
        ({"runs": 2, "batch_size": 0}, "batch_size"),
    ):
        with pytest.raises(StudyError, match=msg):
            run_study(small, out=tmp_path / "x", runner=standin_batch, **kw)  # type: ignore[arg-type]
    with pytest.raises(StudyError, match="--workers must be 0 or more"):
        run_study(small, runs=1, out=tmp_path / "y", workers=-1, runner=standin_batch)


def test_samsim_study_is_callable_as_function_and_module(small: Scenario) -> None:
    import samsim.study as pkg

    t = pkg(small, runs=2, workers=0, runner=standin_batch)
    assert t.num_rows == 2
    assert callable(samsim.study)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_table(tmp_path: Path, small: Scenario) -> None:
    distributed = pytest.importorskip("distributed")
    local = study(small, runs=6, sweep=SWEEP, workers=2, runner=standin_batch)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        d = tmp_path / "dask"
        report = run_study(
            small,
            runs=6,
            out=d,
            sweep=SWEEP,
            scheduler=cluster.scheduler_address,
            runner=standin_batch,
        )
        assert report.workers == 2
        assert _deterministic(load_results(d)).equals(_deterministic(local))
    shutil.rmtree(d)


def test_text_sweep_values_make_a_text_column(small: Scenario) -> None:
    t = study(
        small,
        runs=2,
        sweep={"threats.cm.speed_mps": ["Mach 0.8", "250 m/s"]},
        workers=0,
        runner=standin_batch,
    )
    assert t.schema.field("threats.cm.speed_mps").type == pa.string()
    assert t.column("threats.cm.speed_mps").to_pylist() == ["Mach 0.8"] * 2 + ["250.0"] * 2


def test_batcher_round_robin_sizes_and_coverage(small: Scenario) -> None:
    from samsim.study.api import Batcher, make_plan
    from samsim.study.results import RunOutput

    plan = make_plan(small, 100, {"raid.wave": [1, 2, 3]})
    b = Batcher(plan, {1: set(range(50))}, slots=2)
    assert b.remaining == 250
    first = [b.next() for _ in range(3)]
    # small batches until a run time is known, round-robin over the points
    assert [(k, len(s)) for k, s in first] == [(0, 2), (1, 2), (2, 2)]
    b.observe([RunOutput(0, {}, 0.1), RunOutput(1, {}, 0.1)])  # 0.1 s per run
    k, seeds = b.next()
    assert (k, len(seeds)) == (0, 20)  # 2 s of work
    b.observe([RunOutput(0, {}, 20.0)])  # slow runs (average 6 s): one per batch
    slow = b.next()
    assert slow[0] == 1 and len(slow[1]) == 1
    b.run_s = 1e-4  # fast runs: capped so >= 4 batches per slot remain
    assert b.size() == math.ceil(b.remaining / 8)
    handed = {0: [*first[0][1], *seeds], 1: [*first[1][1], *slow[1]], 2: list(first[2][1])}
    while (item := b.next()) is not None:
        handed.setdefault(item[0], []).extend(item[1])
    assert sorted(handed[0]) == list(range(100)) and sorted(handed[2]) == list(range(100))
    assert sorted(handed[1]) == list(range(50, 100))  # done runs are not handed out again
    fixed = Batcher(plan, {}, slots=2, fixed=7)
    assert len(fixed.next()[1]) == 7
