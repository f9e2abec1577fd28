from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samsim.scenario.loader import resolve
from samsim.scenario.models import Scenario
from samsim.study.sweep import (
    StudyError,
    apply_point,
    build_sweep,
    leaf_paths,
    parse_sweep_option,
)


def test_parse_option() -> None:
    assert parse_sweep_option("raid.wave=8, 16,32") == ("raid.wave", ["8", "16", "32"])
    assert parse_sweep_option("threats.cm.rcs_m2=0.01 m2,-20 dBsm") == (
        "threats.cm.rcs_m2",
        ["0.01 m2", "-20 dBsm"],
    )
    for bad in ("raid.wave", "raid.wave=", "=1,2", "raid.wave=1,,2"):
        with pytest.raises(StudyError, match="--sweep"):
            parse_sweep_option(bad)


def test_raid_group_path_sets_count_and_grid_order(small: Scenario) -> None:
    sw = build_sweep(small, ["raid.wave=2,6", "units.bn.command_post.doctrine.salvo=1,2,3"])
    assert sw.axes[0].target == ("raid", "wave", "count")
    assert sw.n_points == 6
    pts = sw.points()
    # last axis fastest
    assert [(p["raid.wave"], p["units.bn.command_post.doctrine.salvo"]) for p in pts] == [
        (2, 1),
        (2, 2),
        (2, 3),
        (6, 1),
        (6, 2),
        (6, 3),
    ]
    sc = apply_point(small, sw, pts[4])
    assert sc.raid["wave"].count == 6
    assert sc.units["bn"].command_post.doctrine.salvo == 2
    # the base scenario is untouched
    assert small.raid["wave"].count == 4 and small.units["bn"].command_post.doctrine.salvo == 2


def test_values_with_units_reach_the_resolved_specs(small: Scenario) -> None:
    sw = build_sweep(
        small,
        {
            "threats.cm.rcs_m2": ["-20 dBsm", "0.5 m2", 2],
            "units.bn.radars.fcr.beamwidth_az_rad": ["1 deg", "20 mrad"],
            "units.bn.radars.fcr.peak_power_w": "1.5 MW",
            "raid.wave.spread": ["2 km"],
        },
    )
    assert sw.axes[0].values == pytest.approx((0.01, 0.5, 2.0))
    assert sw.axes[1].values == pytest.approx((math.radians(1), 0.02))
    assert sw.axes[2].values == (1.5e6,)
    for values in sw.points():
        sc = apply_point(small, sw, values)
        res = resolve(sc)
        assert res.threats["cm"].rcs_m2 == pytest.approx(values["threats.cm.rcs_m2"])
        assert res.radars[("bn", "fcr")].beamwidth_az_rad == pytest.approx(
            values["units.bn.radars.fcr.beamwidth_az_rad"]
        )
        assert res.radars[("bn", "fcr")].peak_power_w == 1.5e6
        assert sc.raid["wave"].spread == 2000.0


def test_unknown_path_is_refused_listing_valid_ones(small: Scenario) -> None:
    with pytest.raises(StudyError) as exc:
        build_sweep(small, ["threats.cm.rcs=1,2"])
    msg = str(exc.value)
    assert "'threats.cm' has no field 'rcs'" in msg
    assert "Did you mean threats.cm.rcs_m2" in msg
    for valid in ("threats.cm.rcs_m2", "threats.cm.speed_mps", "threats.cm.altitude_m"):
        assert valid in msg
    with pytest.raises(StudyError, match=r"'raid' has no entry 'cruise_missiles'.*raid\.wave"):
        build_sweep(small, ["raid.cruise_missiles=8,16"])
    with pytest.raises(
        StudyError,
        match=r"Did you mean units\.bn\.radars\.fcr\.peak_power_w.*"
        r"Paths start with one of: name, .*raid, .*raid\.wave",
    ):
        build_sweep(small, ["radars.fcr.peak_power_w=1"])
    with pytest.raises(StudyError, match=r"names a group of fields.*units\.bn\.radars\.fcr\.pfa"):
        build_sweep(small, ["units.bn.radars.fcr=1"])
    with pytest.raises(StudyError, match=r"goes below the value 'raid\.wave\.count'"):
        build_sweep(small, ["raid.wave.count.x=1"])


def test_bad_values_are_refused(small: Scenario) -> None:
    with pytest.raises(
        StudyError, match=r"'-1' for 'raid.wave' is refused.*greater than or equal to 0"
    ):
        build_sweep(small, ["raid.wave=4,-1"])
    with pytest.raises(StudyError, match=r"'3 parsecs'.*unknown length unit"):
        build_sweep(small, {"raid.wave.spread": ["3 parsecs"]})
    with pytest.raises(StudyError, match="repeats a value"):
        build_sweep(small, {"threats.cm.rcs_m2": ["0.01", "-20 dBsm"]})
    with pytest.raises(StudyError, match="set the same field"):
        build_sweep(small, ["raid.wave=1,2", "raid.wave.count=3"])


def test_leaf_paths_lists_overridable_figures(small: Scenario) -> None:
    paths = leaf_paths(small)
    assert "raid.wave" in paths and "raid.wave.count" in paths
    assert "units.bn.radars.acq.peak_power_w" in paths  # unset override, still sweepable
    assert "units.bn.launchers.l1.load.48N6E3" in paths
    assert "name" not in paths  # not numeric
    assert all(p.startswith("threats.cm.") for p in leaf_paths(small, ("threats", "cm")))


@given(
    st.lists(st.integers(0, 50), min_size=1, max_size=5, unique=True),
    st.lists(st.integers(1, 8), min_size=1, max_size=4, unique=True),
)
def test_every_point_sets_exactly_its_values(counts: list[int], salvos: list[int]) -> None:
    from samsim.scenario.loader import load_scenario_text
    from tests.conftest import SMALL_SCENARIO

    base = _cached(load_scenario_text, SMALL_SCENARIO)
    sw = build_sweep(base, {"raid.wave": counts, "units.bn.command_post.doctrine.salvo": salvos})
    pts = sw.points()
    assert len(pts) == len(counts) * len(salvos)
    assert len({tuple(p.values()) for p in pts}) == len(pts)
    for p in pts:
        sc = apply_point(base, sw, p)
        assert sc.raid["wave"].count == p["raid.wave"]
        assert (
            sc.units["bn"].command_post.doctrine.salvo == p["units.bn.command_post.doctrine.salvo"]
        )
        assert sc.model_copy(update={"raid": base.raid, "units": base.units}) == base


_CACHE: dict[str, Scenario] = {}


def _cached(fn, text: str) -> Scenario:  # type: ignore[no-untyped-def]
    if text not in _CACHE:
        _CACHE[text] = fn(text)
    return _CACHE[text]


def test_a_point_that_breaks_the_scenario_is_refused_before_running(small: Scenario) -> None:
    from samsim.study.api import make_plan

    with pytest.raises(
        StudyError, match=r"(?s)sweep point 1 \(units.bn.launchers.l1.load.48N6E3=9\).*slots"
    ):
        make_plan(small, 1, {"units.bn.launchers.l1.load.48N6E3": [2, 9]})


def test_mach_speeds_are_kept_as_mach_and_shown_as_text(small: Scenario) -> None:
    from samsim.study.sweep import column_value
    from samsim.units import Mach

    sw = build_sweep(small, {"threats.cm.speed_mps": ["Mach 0.8", "250 m/s"]})
    assert sw.axes[0].values == (Mach(0.8), 250.0)
    assert [column_value(v) for v in sw.axes[0].values] == ["Mach 0.8", 250.0]
    assert sw.axes[0].column_values == ("Mach 0.8", "250.0")  # one type per column
    res = resolve(apply_point(small, sw, sw.points()[0]))
    assert res.threats["cm"].speed_mps == Mach(0.8)


def test_units_path_keeps_the_first_k_units(small_text: str) -> None:
    from samsim.scenario.loader import load_scenario_text, resolve
    from samsim.study.sweep import apply_point, build_sweep

    two = small_text.replace(
        "threats:\n",
        """  bn2:
    command_post: {position: {lat: 40.1, lon: -40.3}}
    radars:
      acq2: {type: 91N6E, position: {lat: 40.1, lon: -40.31}}
      fcr2: {type: 92N6E, position: {lat: 40.1, lon: -40.32}}
    launchers:
      m1: {position: {lat: 40.11, lon: -40.3}, load: {48N6E3: 4}}
regiment:
  command_post: {position: {lat: 40.07, lon: -40.15}}
  battalions: [bn, bn2]
threats:
""",
    )
    sc = load_scenario_text(two, "two.yaml")
    sw = build_sweep(sc, ["units=1,2"])
    one, both = (apply_point(sc, sw, v) for v in sw.points())
    assert list(one.units) == ["bn"] and one.regiment is not None
    assert one.regiment.battalions == ["bn"]
    assert both == sc
    resolve(one)
    assert sw.point_columns() == [{"units": 1}, {"units": 2}]
    with pytest.raises(StudyError, match="less than or equal to 2"):
        build_sweep(sc, ["units=1,3"])
