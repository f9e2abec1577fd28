"""Coverage outlines (adapter over samsim.analysis.coverage) against known answers:
horizon-limited at low altitude, radar-equation limited at altitude (R ~ sigma^(1/4)),
sectors, the range ring, errors."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from samsim.engine.world import World, compile_world
from samsim.export.coverage import (
    CoverageUnavailable,
    compile_run_world,
    destination,
    run_coverage,
    world_coverage,
)
from samsim.geo.earth import EARTH_RADIUS_M, horizon_range_m, surface_distance_m
from samsim.geo.frames import EnuFrame
from samsim.scenario.models import Scenario
from tests.web.runfactory import SCENARIO

K = 1.3333  # the fixture scenario's k-factor


def _world(**radar_overrides: Any) -> World:
    sc = copy.deepcopy(SCENARIO)
    sc["units"]["bn1"]["radars"]["bigbird"].update(radar_overrides)
    return compile_world(Scenario.model_validate(sc))


@pytest.fixture(scope="module")
def world() -> World:
    return _world()


def test_destination_known_answers() -> None:
    # one degree of arc due north moves latitude by one degree
    lat, lon = destination(10.0, 20.0, np.array([0.0]), np.array([EARTH_RADIUS_M * np.pi / 180]))
    assert lat[0] == pytest.approx(11.0, abs=1e-9) and lon[0] == pytest.approx(20.0, abs=1e-9)
    # distances measured back on the same sphere agree (all azimuths)
    az = np.linspace(0, 2 * np.pi, 37)
    la, lo = destination(40.0, -40.0, az, np.full(37, 250e3))
    frame = EnuFrame(40.0, -40.0, 0.0)
    a = frame.geodetic_to_enu(40.0, -40.0, 0.0)
    b = frame.geodetic_to_enu(la, lo, np.zeros(37))
    assert np.allclose(surface_distance_m(a, b, 0.0, 0.0), 250e3, rtol=4e-3)  # sphere vs WGS-84


def test_low_altitude_coverage_is_the_radar_horizon(world: World) -> None:
    """A 0.1 m^2 target at 30 m is seen out to the radar horizon over a 4/3 earth (about
    35.6 km for the 91N6E's 10 m mast), not to the 600 km instrumented range nor to the
    190 km range ring."""
    outlines = world_coverage(world, [30.0], 0.1, swerling=1, n_az=72)[30.0]
    assert [o.radar for o in outlines] == ["bigbird", "gravestone"]
    for o, radar in zip(outlines, world.radars, strict=True):
        expect = float(horizon_range_m(radar.spec.mast_height_m, 30.0, K))
        assert np.all(np.abs(o.ground_range_m / expect - 1) < 0.015), (o.radar, expect)
        assert o.naive_range_m > 3 * expect
        assert o.naive_range_m <= o.instrumented_range_m
    assert float(horizon_range_m(10.0, 30.0, K)) == pytest.approx(35.6e3, rel=2e-3)


def test_high_altitude_coverage_follows_the_radar_equation(world: World) -> None:
    """At 10 km a small target is lost to SNR before the horizon; the edge range scales
    as sigma^(1/4) and sits at the free-space radar-equation range (the range ring)."""
    edges = {}
    for rcs in (0.1, 1.0):
        o = world_coverage(world, [10e3], rcs, n_az=24)[10e3][0]
        assert o.ground_range_m.max() < horizon_range_m(10.0, 10e3, K) * 0.9
        assert np.median(o.ground_range_m) == pytest.approx(o.naive_range_m, rel=0.02)
        edges[rcs] = float(np.median(o.ground_range_m))
    assert edges[0.1] / edges[1.0] == pytest.approx(10 ** (-0.25), rel=0.02)


def test_sector_radar_sees_nothing_behind_it() -> None:
    w = _world(azimuth_half_width_rad="60 deg", azimuth_center="0 deg")
    o = world_coverage(w, [1000.0], 1.0, n_az=36)[1000.0][0]
    off = np.abs((o.az_rad + np.pi) % (2 * np.pi) - np.pi)  # sector centred on north
    assert np.all(o.ground_range_m[off > np.radians(62)] == 0.0)
    assert np.all(o.ground_range_m[off < np.radians(58)] > 50e3)


def test_run_coverage_defaults_to_the_hardest_target(world: World) -> None:
    cov = run_coverage(SCENARIO, world=world)
    assert cov.threat_type == "cruise_missile"  # 0.1 m^2 against the fighter's 3 m^2
    assert list(cov.by_height) == [30.0]  # its own cruise height
    d = cov.by_height[30.0][0].as_dict()
    assert len(d["outline"]) == 360 and d["radar"] == "bigbird"
    assert d["max_range_m"] >= d["min_range_m"] > 0
    with pytest.raises(ValueError, match="unknown threat type"):
        run_coverage(SCENARIO, threat_type="balloon", world=world)


def test_ballistic_threat_types_have_a_default_coverage_height() -> None:
    """A ballistic missile has no cruise height: its coverage defaults to 10 km (the
    regiment example once broke the viewer here)."""
    from pathlib import Path

    from samsim.export.coverage import BALLISTIC_COVERAGE_HEIGHT_M, threat_signatures
    from samsim.scenario.loader import load_scenario

    root = Path(__file__).resolve().parents[2]
    sc = load_scenario(root / "examples" / "regiment_vs_mixed_raid.yaml")
    w = compile_world(sc)
    sig = threat_signatures(w)
    assert sig["srbm"][2] == BALLISTIC_COVERAGE_HEIGHT_M
    assert sig["cruise_missile"][2] == 30.0


def test_bad_inputs_are_reported(world: World) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        world_coverage(world, [-1.0], 1.0)
    bad = copy.deepcopy(SCENARIO)
    bad["units"]["bn1"]["radars"]["bigbird"]["type"] = "NO_SUCH_RADAR"
    with pytest.raises(CoverageUnavailable, match="does not compile"):
        compile_run_world(Scenario.model_validate(bad).model_dump(mode="json"))


@pytest.mark.slow
def test_coverage_stops_at_the_terrain_grids_edge() -> None:
    """Beyond the scenario's terrain grid the terrain is unknown (the grid's edge heights
    continued outward, which drew stripes): outlines end at the edge, marked as reaching
    it, and the shaded area has no cell beyond it. On flat ground they go on."""
    from samsim.export.coverage import _range_to_box_m, terrain_box_m

    sc = copy.deepcopy(SCENARIO)
    sc["environment"] = {
        "terrain": {"kind": "synthetic", "seed": 2, "relief": "300 m", "resolution": "1 km"}
    }
    w = compile_world(Scenario.model_validate(sc))
    cov = run_coverage(sc, heights_agl_m=[5000.0], world=w)
    box = terrain_box_m(w)
    o = cov.by_height[5000.0][0]
    east, north = w.radars[0].site.position_enu_m[:2]
    to_edge = _range_to_box_m(float(east), float(north), o.az_rad, box)
    assert np.all(o.ground_range_m <= to_edge + 1.0)
    assert o.reaches_edge and np.any(o.ground_range_m > to_edge - 5e3)
    area = cov.areas[5000.0]
    e, n = np.meshgrid(
        np.linspace(box[0], box[1], 3), np.linspace(box[2], box[3], 3)
    )  # the box is inside the map
    la, lo, _ = w.frame.enu_to_geodetic(np.stack([e.ravel(), n.ravel(), 0 * e.ravel()], 1))
    lat_ok = (area.lat_deg >= la.min() - 0.01) & (area.lat_deg <= la.max() + 0.01)
    lon_ok = (area.lon_deg >= lo.min() - 0.01) & (area.lon_deg <= lo.max() + 0.01)
    assert area.covered.any() and not np.any(area.covered & ~(lat_ok & lon_ok))
    assert cov.has_terrain
    flat_world = _world()
    flat = run_coverage(SCENARIO, heights_agl_m=[5000.0], world=flat_world)
    assert not flat.has_terrain
    fbox = terrain_box_m(flat_world)
    fo = flat.by_height[5000.0][0]
    east, north = flat_world.radars[0].site.position_enu_m[:2]
    assert np.any(fo.ground_range_m > _range_to_box_m(float(east), float(north), fo.az_rad, fbox))
