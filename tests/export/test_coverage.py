"""Coverage outlines against known answers: horizon-limited at low altitude, radar-equation
limited at altitude (R ~ sigma^(1/4), Pd = 0.5 at the edge), sectors, errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from samsim.export.coverage import coverage_outline, destination
from samsim.geo.earth import EARTH_RADIUS_M, horizon_range_m, surface_distance_m
from samsim.geo.frames import EnuFrame
from samsim.geo.terrain import TerrainGrid
from samsim.scenario.specs import RadarSpec
from samsim.sensors.detection import pd_swerling
from samsim.sensors.radar import Radar

# The 91N6E entry of the catalogue, written out so the test does not depend on it.
FIGURES: dict[str, Any] = dict(
    role="acquisition",
    frequency_hz="3 GHz",
    peak_power_w="680 kW",
    pulse_width_s="10 us",
    bandwidth_hz="1 MHz",
    antenna_gain_db="39 dB",
    noise_figure_db="3 dB",
    losses_db="8 dB",
    n_pulses=10,
    pfa=1e-6,
    beamwidth_az_rad="1 deg",
    beamwidth_el_rad="1.5 deg",
    monopulse_slope=1.6,
    scan_period_s="10 s",
    instrumented_range_m="600 km",
    min_range_m="2 km",
    elevation_min_rad="-1 deg",
    elevation_max_rad="60 deg",
    azimuth_half_width_rad="180 deg",
    range_accuracy_floor_m="30 m",
    angle_accuracy_floor_rad="1 mrad",
    mast_height_m="10 m",
    target_channels=0,
    missile_channels=0,
)
K = 4.0 / 3.0


def _radar(**over: Any) -> tuple[Radar, EnuFrame, Any]:
    spec = RadarSpec.model_validate({**FIGURES, **over})
    frame = EnuFrame(40.0, -40.0, 0.0)
    grid = TerrainGrid.flat(frame, 0.0)
    base = frame.geodetic_to_enu(40.05, -40.02, 0.0)
    return Radar("bb", 0, 0, spec, frame, base, grid, 0.0, K), frame, grid.elevation_m


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


def test_low_altitude_coverage_is_the_radar_horizon() -> None:
    """A 0.1 m^2 target at 30 m is seen by the 91N6E out to its horizon, 35.6 km over a
    4/3 earth (10 m mast), not to its 600 km instrumented range."""
    radar, frame, ground = _radar()
    o = coverage_outline(radar, frame, ground, 30.0, 0.1, swerling=1, n_az=72)
    expect = float(horizon_range_m(10.0, 30.0, K))
    assert expect == pytest.approx(35.6e3, rel=2e-3)
    assert np.all(np.abs(o.ground_range_m / expect - 1) < 6e-3)  # WGS-84 vs sphere
    assert o.instrumented_range_m == 600e3


def test_high_altitude_coverage_follows_the_radar_equation() -> None:
    """At 10 km a small target is lost to SNR before the horizon: the edge is where
    Pd = 0.5, and the edge range scales as sigma^(1/4)."""
    radar, frame, ground = _radar()
    edges = {}
    for rcs in (0.1, 1.0):
        o = coverage_outline(radar, frame, ground, 10e3, rcs, swerling=1, n_az=24)
        assert o.ground_range_m.max() < horizon_range_m(10.0, 10e3, K) * 0.9
        pos = frame.geodetic_to_enu(o.lat_deg, o.lon_deg, np.full(len(o.lat_deg), 10e3))
        _, _, slant = radar.site.aer(pos)
        s = radar.spec
        pd_in = pd_swerling(radar.snr_db(slant * 0.999, np.full(24, rcs)), s.pfa, s.n_pulses, 1)
        pd_out = pd_swerling(radar.snr_db(slant * 1.001, np.full(24, rcs)), s.pfa, s.n_pulses, 1)
        assert np.all(pd_in >= 0.5) and np.all(pd_out < 0.5)
        edges[rcs] = slant.mean()
    assert edges[0.1] / edges[1.0] == pytest.approx(10 ** (-0.25), rel=2e-3)


def test_sector_radar_sees_nothing_behind_it() -> None:
    radar, frame, ground = _radar(azimuth_half_width_rad="60 deg")
    o = coverage_outline(radar, frame, ground, 1000.0, 1.0, n_az=36)
    off = np.abs((o.az_rad + np.pi) % (2 * np.pi) - np.pi)  # sector centred on north
    assert np.all(o.ground_range_m[off > np.radians(61)] == 0.0)
    assert np.all(o.ground_range_m[off < np.radians(59)] > 50e3)


def test_outline_is_json_ready() -> None:
    radar, frame, ground = _radar()
    d = coverage_outline(radar, frame, ground, 30.0, 0.1, n_az=8).as_dict()
    assert len(d["outline"]) == 8 and d["radar"] == "bb"
    assert d["max_range_m"] >= d["min_range_m"] > 0


@pytest.mark.parametrize(
    ("kw", "msg"),
    [
        ({"height_agl_m": -1.0}, "height_agl_m"),
        ({"rcs_m2": 0.0}, "rcs_m2"),
        ({"pd_min": 1.0}, "pd_min"),
    ],
)
def test_bad_arguments_are_named(kw: dict[str, float], msg: str) -> None:
    radar, frame, ground = _radar()
    args: dict[str, Any] = {"height_agl_m": 30.0, "rcs_m2": 1.0, "pd_min": 0.5, **kw}
    with pytest.raises(ValueError, match=msg):
        coverage_outline(radar, frame, ground, **args)
