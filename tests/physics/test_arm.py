"""The anti-radiation missile's flight and memory error (physics/arm.py): closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from samsim.geo.frames import EnuFrame
from samsim.physics.arm import ArmModel, arm_trajectory, memory_aim, replan
from samsim.physics.threats import ThreatTable

FRAME = EnuFrame(40.0, -40.0, 0.0)
MODEL = ArmModel(
    speed_mps=600.0,
    height_m=10e3,
    dive_rad=math.radians(35.0),
    band_hz=(2e9, 18e9),
    bearing_sigma_rad=math.radians(1.0),
    position_sigma_m=0.0,
)


def test_the_flight_is_at_constant_speed_level_then_a_dive_onto_the_aim_point() -> None:
    tr = arm_trajectory(FRAME, MODEL, [(40.5, -40.0, 10e3)], (40.0, -40.0, 0.0), 0.0)
    speed = np.linalg.norm(tr.vel_mps, axis=1)
    assert np.allclose(speed, 600.0)
    aim = FRAME.geodetic_to_enu(40.0, -40.0, 0.0)
    assert np.linalg.norm(tr.pos_m[-1] - aim) < 1e-6
    # level at 10 km until the dive line, then down it at 35 deg
    dive_m = 10e3 / math.tan(MODEL.dive_rad)
    ground = np.linalg.norm(tr.pos_m[:, :2] - aim[:2], axis=1)
    level = ground > dive_m + 500.0
    assert np.allclose(tr.alt_m[level], 10e3, atol=1.0)
    down = (ground < dive_m - 500.0) & (ground > 500.0)
    slope = tr.alt_m[down] / ground[down]
    assert np.allclose(slope, math.tan(MODEL.dive_rad), rtol=0.02)
    # the whole path at 600 m/s: its length / speed is the flight time
    length = float(np.sum(np.linalg.norm(np.diff(tr.pos_m, axis=0), axis=1)))
    assert tr.t_end_s == pytest.approx(length / 600.0, rel=1e-3)


@pytest.mark.parametrize("range_m", [5e3, 20e3, 60e3])
def test_the_memory_error_is_rayleigh_with_sigma_growing_with_the_range(range_m: float) -> None:
    """E|e| = sqrt(pi/2) sigma_theta R (no geolocation error)."""
    rng = np.random.default_rng(1)
    emitter = FRAME.geodetic_to_enu(40.0, -40.0, 0.0)
    missile = emitter + np.array([0.0, range_m, 8e3])
    miss = np.array(
        [
            np.linalg.norm(memory_aim(rng, FRAME, MODEL, missile, emitter) - emitter)
            for _ in range(4000)
        ]
    )
    expected = math.sqrt(math.pi / 2) * MODEL.bearing_sigma_rad * range_m
    assert miss.mean() == pytest.approx(expected, rel=0.04)


def test_the_expected_miss_grows_with_the_dark_time_unless_the_emitter_was_geolocated() -> None:
    dark = np.array([5.0, 20.0, 40.0, 80.0])
    angle_only = MODEL.mean_miss_m(dark)
    assert np.all(np.diff(angle_only) > 0)
    assert angle_only[1] == pytest.approx(math.sqrt(math.pi / 2) * 600.0 * 20.0 * math.pi / 180)
    gps = ArmModel(600.0, 10e3, MODEL.dive_rad, (2e9, 18e9), 0.0, 10.0)
    assert np.allclose(gps.mean_miss_m(dark), math.sqrt(math.pi / 2) * 10.0)


def test_a_replanned_flight_keeps_the_past_and_ends_on_the_new_aim_point() -> None:
    tr = arm_trajectory(FRAME, MODEL, [(40.5, -40.0, 10e3)], (40.0, -40.0, 0.0), 10.0)
    table = ThreatTable([tr])
    before = table.row(0)[0][:41].copy()
    aim = FRAME.geodetic_to_enu(40.0, -40.0, 0.0) + np.array([500.0, 0.0, 0.0])
    t_end = replan(FRAME, table, 0, 30.0, MODEL, aim)
    assert t_end is not None and t_end > tr.t_end_s
    assert np.array_equal(table.row(0)[0][:41], before)  # up to the sample at 30 s
    p, v, _ = table.state_at(t_end, np.array([0]))
    assert np.linalg.norm(p[0] - aim) < 1.0
    k = int(table.n_samples[0])
    assert np.allclose(np.linalg.norm(table.row(0)[1][42:k], axis=1), 600.0, rtol=1e-3)


def test_the_seeker_hears_only_its_band() -> None:
    assert MODEL.hears(10e9) and MODEL.hears(2e9) and not MODEL.hears(1.5e9)


def test_replanning_a_runs_copy_uses_its_overlay_and_leaves_the_compiled_table() -> None:
    # A run's copy keeps the rows it splices in an overlay of its own: a second re-plan
    # must start from the overlay row (where the first re-plan put the missile), not from
    # the compiled table's row, which it must leave untouched.
    tr = arm_trajectory(FRAME, MODEL, [(40.5, -40.0, 10e3)], (40.0, -40.0, 0.0), 10.0)
    compiled = ThreatTable([tr])
    pos0 = compiled.samples()[0].copy()
    run, direct = compiled.copy(), ThreatTable([tr])
    aims = [
        FRAME.geodetic_to_enu(40.0, -40.0, 0.0) + np.array(off)
        for off in ([3000.0, 0.0, 0.0], [-2000.0, 1500.0, 0.0])
    ]
    for t_s, aim in zip((20.0, 40.0), aims, strict=True):
        assert replan(FRAME, run, 0, t_s, MODEL, aim) == replan(FRAME, direct, 0, t_s, MODEL, aim)
    np.testing.assert_array_equal(compiled.samples()[0], pos0)
    assert compiled._over is None  # the copy spliced its own overlay
    for t_s in np.linspace(0.0, float(direct.t_end_s[0]), 97):
        a = run.state_at(float(t_s), np.array([0]))
        b = direct.state_at(float(t_s), np.array([0]))
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)
