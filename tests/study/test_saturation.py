from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samsim.scenario.loader import load_scenario_text
from samsim.scenario.models import Scenario
from samsim.study import load_results
from samsim.study.design import run_design
from samsim.study.saturation import (
    Saturation,
    Sizes,
    break_point,
    isotonic,
    locate_break_point,
    next_allocation,
    parse_sizes,
    plot_saturation,
    saturate,
    saturation_table,
    scale_raid,
    share,
)
from samsim.study.sweep import StudyError
from tests.conftest import SMALL_SCENARIO
from tests.study.standin import standin_batch

TWO_GROUPS = SMALL_SCENARIO.replace(
    "    target: town\n",
    """    target: town
  second:
    threat: cm
    count: 2
    launch_time: 30 s
    interval: 4 s
    spread: 1 km
    route:
      - {lat: 40.0, lon: -41.0}
    target: town
  fighters:
    threat: jet
    count: 1
    route:
      - {lat: 41.0, lon: -41.0, alt: 9 km}
      - {lat: 41.0, lon: -39.0}
""",
).replace(
    "  cm: {type: subsonic_cruise_missile}\n",
    "  cm: {type: subsonic_cruise_missile}\n  jet: {type: fighter}\n",
)


@pytest.fixture
def two_groups() -> Scenario:
    return load_scenario_text(TWO_GROUPS, "two.yaml")


# -- sizes and raids ----------------------------------------------------------------------


def test_parse_sizes() -> None:
    assert parse_sizes("4:200") == Sizes(4, 200)
    assert parse_sizes(" 16,4,8 ") == Sizes(4, 16, (4, 8, 16))
    assert parse_sizes([3, 9]) == Sizes(3, 9, (3, 9))
    for bad in ("200:4", "0:10", "4", "4:x", "a,b", "5,5", [1]):
        with pytest.raises(StudyError, match="sizes"):
            parse_sizes(bad)  # type: ignore[arg-type]
    assert Sizes(4, 200).initial() == [4, 11, 28, 75, 200]
    assert Sizes(2, 4).initial() == [2, 3, 4]
    assert Sizes(4, 16, (4, 8, 16)).initial() == [4, 8, 16]


@given(st.lists(st.integers(0, 50), min_size=1, max_size=6), st.integers(0, 500))
def test_share_is_exact_and_proportional(counts: list[int], total: int) -> None:
    if sum(counts) == 0:
        return
    out = share(counts, total)
    assert sum(out) == total
    for c, o in zip(counts, out, strict=True):
        assert abs(o - total * c / sum(counts)) < 1.0


def test_scale_raid_density_keeps_each_group_s_width_and_window(two_groups: Scenario) -> None:
    sc = scale_raid(two_groups, "cm", 24)
    wave, second = sc.raid["wave"], sc.raid["second"]
    assert (wave.count, second.count) == (16, 8)  # 4:2 as in the scenario
    # width (count - 1) * spread and duration (count - 1) * interval are kept
    assert wave.spread * 15 == pytest.approx(500 * 3)
    assert wave.interval * 15 == pytest.approx(10 * 3)
    assert second.spread * 7 == pytest.approx(1000 * 1)
    assert second.launch_time == 30 and second.route == two_groups.raid["second"].route
    assert sc.raid["fighters"] == two_groups.raid["fighters"]  # other threats untouched
    thin = scale_raid(two_groups, "cm", 3)
    assert (thin.raid["wave"].count, thin.raid["second"].count) == (2, 1)
    # the catalogue type works as well as the scenario's key
    assert scale_raid(two_groups, "subsonic_cruise_missile", 24).raid == sc.raid


def test_scale_raid_stream_keeps_spacing(two_groups: Scenario) -> None:
    sc = scale_raid(two_groups, "cm", 12, spacing="stream")
    assert sc.raid["wave"].count == 8
    assert sc.raid["wave"].interval == 10 and sc.raid["wave"].spread == 500


def test_scale_raid_errors(two_groups: Scenario) -> None:
    with pytest.raises(StudyError, match=r"cm \(6 in the raid\), jet \(1 in the raid\)"):
        scale_raid(two_groups, "srbm", 10)
    with pytest.raises(StudyError, match="on top of one another"):
        scale_raid(two_groups, "jet", 4)
    with pytest.raises(StudyError, match="spacing"):
        scale_raid(two_groups, "cm", 4, spacing="dense")  # type: ignore[arg-type]


# -- the break point ----------------------------------------------------------------------


def test_isotonic_pools_violators() -> None:
    assert isotonic([0.1, 0.3, 0.2, 0.9], [1, 1, 1, 1]) == pytest.approx([0.1, 0.25, 0.25, 0.9])
    assert isotonic([0.5, 0.1], [3, 1]) == pytest.approx([0.4, 0.4])
    assert isotonic([0.0, 0.2, 1.0], [5, 5, 5]) == [0.0, 0.2, 1.0]


def test_locate_break_point_cases() -> None:
    # 0/20 at 10, 5/20 at 20, 15/20 at 30, 20/20 at 40: crosses 0.5 halfway 20..30
    bp = locate_break_point({10: (20, 0), 20: (20, 5), 30: (20, 15), 40: (20, 20)})
    assert bp.status == "found" and bp.estimate == pytest.approx(25.0)
    # 5/20: Wilson upper 0.47 < 0.5, so 20 is surely below; 15/20 surely above
    assert (bp.lower, bp.upper) == (21, 30)
    assert "about 25.0" in bp.describe(10, 40) and "[21, 30]" in bp.describe(10, 40)
    above = locate_break_point({10: (20, 0), 40: (20, 2)})
    assert above.status == "above" and above.estimate is None
    assert (above.lower, above.upper) == (41, None) and "no break point up to 40" in above.describe(
        10, 40
    )
    below = locate_break_point({10: (20, 18), 40: (20, 20)})
    assert below.status == "below" and below.upper == 10 and below.lower is None


def _simulate(
    centre: float, width: float, seed: int, sizes: Sizes, step: int = 10, max_runs: int = 300
) -> tuple[dict[int, int], object]:
    """The adaptive design against a known curve P(leak >= 1) = logistic((n - c) / w),
    with common random numbers (one uniform per seed, shared by every size: as with the
    engine, a seed that leaks at one size leaks at every larger one)."""
    u = np.random.default_rng(seed).uniform(size=10 * max_runs)

    def p(n: int) -> float:
        return 1.0 / (1.0 + math.exp(-(n - centre) / width))

    wanted = {s: step for s in sizes.initial()}
    while True:
        obs = {s: (m, int(np.sum(u[:m] < p(s)))) for s, m in wanted.items()}
        nxt = next_allocation(obs, wanted, sizes, step, max_runs, 0.1)
        if nxt is None:
            return wanted, locate_break_point(obs)
        wanted = nxt


@pytest.mark.parametrize(("centre", "width"), [(40.3, 5.0), (100.5, 10.0)])
def test_break_point_interval_covers_the_true_break_point(centre: float, width: float) -> None:
    """By simulation: over 200 seeded studies the reported interval holds the true break
    point (the first size with P >= 0.5) at least 95 % of the time, within four binomial
    standard errors of the coverage estimate (it is built from two one-sided 97.5 %
    bounds, so it is conservative)."""
    reps = 200
    truth = math.ceil(centre)
    covered = both = 0
    for seed in range(reps):
        _, bp = _simulate(centre, width, seed, Sizes(4, 200))
        covered += (bp.lower is None or bp.lower <= truth) and (
            bp.upper is None or truth <= bp.upper
        )
        both += bp.lower is not None and bp.upper is not None
    tol = 4.0 * math.sqrt(0.95 * 0.05 / reps)
    assert covered / reps >= 0.95 - tol, covered / reps
    assert both == reps  # a bounded interval every time


def test_adaptive_design_spends_runs_near_the_crossing() -> None:
    wanted, bp = _simulate(40.3, 5.0, seed=1, sizes=Sizes(4, 200))
    near = [n for s, n in wanted.items() if 30 <= s <= 50]
    far = [n for s, n in wanted.items() if s < 20 or s > 70]
    # the first round's sizes far from the crossing keep their first runs; the sizes
    # near it get several times more, each
    assert far == [10, 10, 10, 10] and sum(near) >= 3 * sum(far) and max(near) >= 40
    assert sum(wanted.values()) <= 300
    assert bp.estimate == pytest.approx(40.3, abs=6)  # type: ignore[attr-defined]
    # explicit sizes: no new size is ever added
    wanted, _ = _simulate(40.3, 5.0, seed=1, sizes=parse_sizes("10,30,50,90"))
    assert set(wanted) == {10, 30, 50, 90}


def test_next_allocation_stops_when_resolved_or_spent() -> None:
    sizes = Sizes(4, 64)
    resolved = {30: (40, 0), 31: (40, 40)}
    assert next_allocation(resolved, {30: 40, 31: 40}, sizes, 10, 1000, 0.1) is None
    assert next_allocation({30: (10, 5)}, {30: 10}, sizes, 10, 10, 0.1) is None
    # the last action is trimmed to the budget
    out = next_allocation({4: (10, 0), 64: (10, 10)}, {4: 10, 64: 10}, sizes, 10, 25, 0.1)
    assert out is not None and sum(out.values()) == 25


# -- the study ----------------------------------------------------------------------------


def test_saturate_table_and_break_point(small: Scenario, tmp_path: Path) -> None:
    t = saturate(
        small, "cm", "2:40", runs=4, max_runs=40, workers=0, runner=standin_batch,
        out=tmp_path / "sat",
    )  # fmt: skip
    assert t.column_names[:2] == ["raid_size", "runs"]
    for c in ("mean_leaked_lo", "p_leak_hi", "mean_fired", "interceptors_per_kill_lo"):
        assert c in t.column_names
    sizes = t.column("raid_size").to_pylist()
    assert sizes == sorted(sizes) and sizes[0] == 2 and sizes[-1] == 40
    assert sum(t.column("runs").to_pylist()) == 40
    assert len(set(t.column("runs").to_pylist())) > 1  # uneven: adaptive
    bp = break_point(t)
    assert bp.status in ("found", "below", "above")
    res = load_results(tmp_path / "sat")
    assert res.num_rows == 40
    # each size's threats are the scenario's other threats plus the raid size
    assert all(r["threats"] == r["raid_size"] for r in res.to_pylist())
    files = plot_saturation(t, tmp_path / "plots", "small", "cm")
    assert [f.name for f in files] == ["saturation.png"] and files[0].stat().st_size > 10_000


def test_saturation_resumes_exactly(small: Scenario, tmp_path: Path) -> None:
    """A study that lost batches (as to a kill) or ran with a smaller budget resumes to
    the table of an uninterrupted study: nothing lost, nothing run twice."""

    def design(max_runs: int) -> Saturation:
        return Saturation(small, "cm", "2:40", runs=4, max_runs=max_runs)

    full = run_design(small, design(48), out=tmp_path / "full", workers=0, runner=standin_batch)
    d = tmp_path / "cut"
    first = run_design(small, design(24), out=d, workers=0, batch_size=1, runner=standin_batch)
    assert first.completed == 24
    parts = sorted((d / "results").rglob("part-*.parquet"))
    for p in parts[::4]:
        p.unlink()
    lost = 24 - load_results(d).num_rows
    assert lost > 0
    again = run_design(small, design(48), out=d, workers=0, batch_size=3, runner=standin_batch)
    assert again.completed == 48 - 24 + lost
    keep = ["point", "raid_size", "seed", "leaked", "killed", "interceptors_fired_total"]
    assert load_results(d).select(keep).equals(load_results(tmp_path / "full").select(keep))
    assert again.table.select(keep).equals(full.table.select(keep))
    done = run_design(small, design(48), out=d, workers=0, runner=standin_batch)
    assert done.completed == 0
    with pytest.raises(StudyError, match="different study"):
        run_design(
            small, Saturation(small, "cm", "2:30", runs=4), out=d, workers=0,
            runner=standin_batch,
        )  # fmt: skip


def test_saturation_table_from_rows() -> None:
    import pyarrow as pa

    rows = pa.table(
        {
            "raid_size": [5, 5, 5, 10, 10, 10],
            "leaked": [0, 0, 1, 2, 3, 1],
            "killed": [5, 5, 4, 8, 7, 9],
            "interceptors_fired_total": [6, 5, 6, 12, 10, 11],
            "threats": [5, 5, 5, 10, 10, 10],
        }
    )
    t = saturation_table(rows).to_pylist()
    assert [r["runs"] for r in t] == [3, 3]
    assert t[0]["p_leak"] == pytest.approx(1 / 3) and t[1]["p_leak"] == 1.0
    assert t[1]["mean_leaked"] == 2.0
    assert t[0]["interceptors_per_kill"] == pytest.approx(17 / 14)
    assert break_point(saturation_table(rows)).status == "found"


def test_top_level_saturate_and_sensitivity(small: Scenario) -> None:
    import samsim

    t = samsim.saturate(small, "cm", "2:10", runs=2, max_runs=10, workers=0, runner=standin_batch)
    assert t.column_names[:2] == ["raid_size", "runs"] and break_point(t).confidence == 0.95
    s = samsim.sensitivity(small, runs=2, figures=["rcs_m2"], workers=0, runner=standin_batch)
    assert s.column("figure").to_pylist() == ["threats.subsonic_cruise_missile.rcs_m2"]


@pytest.mark.slow
def test_dask_and_local_pool_give_the_same_saturation_study(
    small: Scenario, tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    keep = ["point", "raid_size", "seed", "leaked", "killed", "interceptors_fired_total"]
    design = Saturation(small, "cm", "2:30", runs=3, max_runs=24)
    local = run_design(small, design, out=tmp_path / "local", workers=2, runner=standin_batch)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        dask = run_design(
            small,
            Saturation(small, "cm", "2:30", runs=3, max_runs=24),
            out=tmp_path / "dask",
            scheduler=cluster.scheduler_address,
            runner=standin_batch,
        )
    assert dask.workers == 2
    assert dask.table.select(keep).equals(local.table.select(keep))


def test_a_design_point_that_does_not_check_is_refused_before_running(
    small: Scenario, tmp_path: Path
) -> None:
    from samsim.study.design import DesignPoint

    unit = small.units["bn"]
    l1 = unit.launchers["l1"].model_copy(update={"load": {"48N6E3": 9}})
    bad_unit = unit.model_copy(update={"launchers": {**unit.launchers, "l1": l1}})
    bad = small.model_copy(update={"units": {"bn": bad_unit}})

    class Bad:
        kind = "bad"

        def spec(self) -> dict[str, object]:
            return {}

        def columns(self) -> list[tuple[str, list[int]]]:
            return [("x", [1])]

        def next_round(self, results: object) -> list[tuple[DesignPoint, int]] | None:
            return [(DesignPoint(("x", 9), {"x": 9}, bad), 2)] if results is None else None

    with pytest.raises(StudyError, match=r"(?s)point x=9 .*needs 9 slots"):
        run_design(small, Bad(), out=tmp_path / "bad", workers=0, runner=standin_batch)
    assert not list((tmp_path / "bad").rglob("part-*.parquet"))
