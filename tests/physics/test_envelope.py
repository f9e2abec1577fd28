"""Envelope, time-of-flight tables and intercept-point prediction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from samsim.geo.frames import EnuFrame
from samsim.physics.envelope import (
    compute_envelope,
    fly_to_points,
    plot_envelope,
    predict_intercept,
    tof_table,
)
from samsim.physics.flyout import Flyout
from samsim.physics.missile import MissileSpec
from tests.physics.conftest import point_at


def test_tof_table_matches_flyouts(catalog: dict[str, MissileSpec]) -> None:
    spec = catalog["9M96E"]
    table = tof_table(spec, n_ranges=12, n_alts=6)
    assert tof_table(spec, n_ranges=12, n_alts=6) is table  # cached
    r = np.array([10e3, 20e3, 30e3])
    h = np.array([3e3, 5e3, 6e3])
    tof, speed, feas = table.lookup(r, h)
    res = fly_to_points([spec], [0, 0, 0], r, h)
    assert feas.all() and res.success.all()
    np.testing.assert_allclose(tof, res.time_of_flight_s, rtol=0.05)
    np.testing.assert_allclose(speed, res.speed_mps, rtol=0.1)
    # beyond the kinematic range or above the ceiling: not feasible
    _, _, feas_out = table.lookup([80e3, 10e3], [1e3, 30e3])
    assert not feas_out.any()


def test_predicted_intercept_is_where_the_flyout_meets_the_target(
    frame: EnuFrame, catalog: dict[str, MissileSpec]
) -> None:
    spec = catalog["9M96E2"]
    table = tof_table(spec)
    p0 = point_at(frame, np.array([70e3, 40e3]), np.array([6e3, 300.0]), az_rad=0.3)
    v = np.array([[-220.0, -180.0, 0.0], [150.0, -250.0, 0.0]])
    pip, tof, feas = predict_intercept(table, frame, np.zeros(3), p0, v)
    assert feas.all()

    def truth(t: float, ids: np.ndarray):  # type: ignore[no-untyped-def]
        return p0[ids] + v[ids] * t, v[ids]

    fly = Flyout(frame, [spec])
    fly.launch([0, 0], np.zeros((2, 3)), 0.0, [0, 1], pip)
    out = fly.advance(300.0, truth)
    order = np.argsort(out.interceptor_id)
    assert list(out.kind[order]) == ["intercept", "intercept"]
    np.testing.assert_allclose(out.time_s[order], tof, rtol=0.08)
    assert np.all(np.linalg.norm(out.position_enu_m[order] - pip, axis=1) < 0.08 * 70e3)


def test_predict_intercept_flags_unreachable_targets(
    frame: EnuFrame, catalog: dict[str, MissileSpec]
) -> None:
    table = tof_table(catalog["9M96E"], n_ranges=12, n_alts=6)
    p0 = point_at(frame, np.array([120e3, 20e3]), np.array([1e3, 2e3]))
    v = np.array([[0.0, 100.0, 0.0], [0.0, -200.0, 0.0]])  # receding / inbound
    _, _, feas = predict_intercept(table, frame, np.zeros(3), p0, v)
    assert feas.tolist() == [False, True]


def test_envelope_table_and_plot(tmp_path: Path, catalog: dict[str, MissileSpec]) -> None:
    spec = catalog["9M96E"]
    ranges = np.linspace(2e3, 50e3, 9)
    alts = np.array([100.0, 8e3, 12e3, 25e3])
    still = compute_envelope(spec, 0.0, ranges, alts, refine_iterations=5)
    moving = compute_envelope(spec, 300.0, ranges, alts, refine_iterations=5)
    assert still.success.shape == (4, 9)
    assert still.far_boundary_m[1] == pytest.approx(spec.max_range_m, rel=0.1)
    assert still.far_boundary_m[-1] == 0.0  # above the ceiling
    assert still.far_boundary_m[0] < still.far_boundary_m[1]  # dense air at low altitude
    # the far boundary is where intercepts happen: an inbound target does not move it much
    np.testing.assert_allclose(moving.far_boundary_m[:3], still.far_boundary_m[:3], rtol=0.25)
    text = still.to_text()
    assert "9M96E" in text and len(text.splitlines()) == 3 + alts.size  # title, head, caption
    # a row is an envelope (near <= far, with a flight time) or says "none" (issue 14 #7:
    # rows had near > far and far 0.0 beside a flight time)
    rows = text.splitlines()[2:-1]
    assert rows[-1].split()[1] == "none"  # 25 km: above the ceiling
    for env in (still, moving):
        for row in env.rows():
            if row is not None:
                near, far, tof, _, _ = row
                assert 0.0 < near <= far and np.isfinite(tof)
    fig = plot_envelope([still, moving], spec)
    out = tmp_path / "env.png"
    fig.savefig(out, dpi=60)
    assert out.stat().st_size > 1000


def test_fly_to_points_rejects_negative_speed(catalog: dict[str, MissileSpec]) -> None:
    with pytest.raises(ValueError, match="target_speed_mps"):
        fly_to_points([catalog["9M96E"]], [0], [10e3], [1e3], target_speed_mps=-1.0)
