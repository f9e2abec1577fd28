from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.geo.frames import WGS84_A_M, EnuFrame
from samsim.physics.threats import (
    MU_EARTH,
    PathPoint,
    ThreatTable,
    ballistic_flight,
    ballistic_trajectory,
    uniform_times,
    waypoint_trajectory,
)


def flat(e: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.zeros_like(e)


def test_waypoint_speed_height_and_duration() -> None:
    f = EnuFrame(40.0, -40.0, 0.0)
    tr = waypoint_trajectory(
        f,
        [PathPoint(41.0, -40.0, 30.0, True, 245.0), PathPoint(40.0, -40.0, 30.0, True, 245.0)],
        10.0,
        flat,
    )
    # 1 degree of latitude at 40.5 N is 111.05 km on WGS-84
    assert tr.t_end_s - 10.0 == pytest.approx(111050.0 / 245.0, rel=2e-3)
    np.testing.assert_allclose(tr.alt_m, 30.0, atol=0.05)
    np.testing.assert_allclose(np.linalg.norm(tr.vel_mps, axis=1), 245.0, rtol=1e-9)
    # heading south
    assert (tr.vel_mps[:, 1] < 0).all()


def test_height_ramps_between_waypoints() -> None:
    f = EnuFrame(40.0, -40.0, 0.0)
    tr = waypoint_trajectory(
        f,
        [
            PathPoint(40.0, -40.0, 1000.0, False, 200.0),
            PathPoint(40.5, -40.0, 5000.0, False, 200.0),
        ],
        0.0,
        flat,
    )
    assert tr.alt_m[0] == pytest.approx(1000.0, abs=0.5)
    assert tr.alt_m[-1] == pytest.approx(5000.0, abs=0.5)
    assert np.all(np.diff(tr.alt_m) > 0)


def test_table_interpolation_is_exact_at_samples_and_clamps() -> None:
    f = EnuFrame(40.0, -40.0, 0.0)
    tr = waypoint_trajectory(
        f,
        [PathPoint(41.0, -40.0, 30.0, True, 245.0), PathPoint(40.0, -40.0, 30.0, True, 245.0)],
        5.0,
        flat,
    )
    table = ThreatTable([tr])
    p, v, a = table.state_at(5.0 + 3 * tr.dt_s)
    np.testing.assert_allclose(p[0], tr.pos_m[3])
    assert table.active(4.9)[0] == np.False_
    assert table.active(tr.t_end_s)[0] == np.True_
    p_end, _, _ = table.state_at(tr.t_end_s + 100.0)
    np.testing.assert_allclose(p_end[0], tr.pos_m[-1])


@given(st.floats(0.1, 5000.0), st.floats(0.05, 2.0))
def test_uniform_times_divides_exactly(duration: float, dt: float) -> None:
    ts, step = uniform_times(duration, dt)
    assert step <= dt + 1e-12
    assert ts[0] == 0.0
    assert ts[-1] == pytest.approx(duration, rel=1e-12)


@pytest.mark.parametrize(("v", "gamma_deg"), [(1500.0, 45.0), (2500.0, 35.0), (800.0, 60.0)])
def test_vacuum_ballistic_range_matches_kepler(v: float, gamma_deg: float) -> None:
    """Without drag, the range angle on a sphere is phi = 2 atan(l s c / (1 - l c^2)),
    l = r v^2 / mu (Zarchan, Tactical and Strategic Missile Guidance, ch. 34). Flying east
    along the equator, the WGS-84 surface is a circle of radius a, so the answer is exact."""
    f = EnuFrame(0.0, 0.0, 0.0)
    g = math.radians(gamma_deg)
    start = np.array([0.0, 0.0, 0.0])
    ts, ps, vs = ballistic_flight(
        f, start, np.array([v * math.cos(g), 0.0, v * math.sin(g)]), beta_kgpm2=1e30, dt_s=0.05
    )
    lam = WGS84_A_M * v * v / MU_EARTH
    phi = 2 * math.atan(lam * math.sin(g) * math.cos(g) / (1 - lam * math.cos(g) ** 2))
    _, lon, alt = f.enu_to_geodetic(ps[-1])
    assert math.radians(float(lon)) == pytest.approx(phi, rel=2e-5)
    assert abs(float(alt)) < 0.5
    # flat-earth limit v^2 sin(2 gamma) / g is the short-range approximation
    if v < 1000:
        assert float(lon) * math.pi / 180 * WGS84_A_M == pytest.approx(
            v * v * math.sin(2 * g) / 9.798, rel=0.05
        )


def test_vacuum_energy_is_conserved() -> None:
    f = EnuFrame(0.0, 0.0, 0.0)
    ts, ps, vs = ballistic_flight(f, np.zeros(3), np.array([1200.0, 0.0, 1500.0]), 1e30, dt_s=0.05)
    centre = f.ecef_to_enu(np.zeros(3))
    r = np.linalg.norm(ps - centre, axis=1)
    e = 0.5 * np.sum(vs * vs, axis=1) - MU_EARTH / r
    assert np.ptp(e[:-1]) / abs(e[0]) < 1e-9


@settings(max_examples=5, deadline=None)
@given(st.floats(80e3, 450e3))
def test_ballistic_hits_its_aim_point(ground_range_m: float) -> None:
    f = EnuFrame(40.0, -40.0, 0.0)
    dlat = math.degrees(ground_range_m / 6371000.0)
    tr = ballistic_trajectory(f, (40.0 - dlat, -40.0), (40.0, -40.0), 0.0, 25000.0, 15000.0, 4000.0)
    _, _, alt = f.enu_to_geodetic(tr.pos_m[-1])
    miss = np.linalg.norm(tr.pos_m[-1] - f.geodetic_to_enu(40.0, -40.0, 0.0))
    assert miss < 60.0
    assert abs(float(alt)) < 1.0
    # apogee grows with range; reentry is faster than Mach 2 for beta = 15 t/m^2
    assert tr.alt_m.max() > 25000.0
    assert np.linalg.norm(tr.vel_mps[-1]) > 680.0


def test_unreachable_aim_point_is_a_clear_error() -> None:
    f = EnuFrame(40.0, -40.0, 0.0)
    with pytest.raises(ValueError, match="burnout speed"):
        ballistic_trajectory(f, (35.0, -40.0), (40.0, -40.0), 0.0, 25000.0, 15000.0, 1000.0)
