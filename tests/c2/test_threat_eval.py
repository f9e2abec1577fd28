"""Threat evaluation: closed-form CPA, time before hit, heading, attack probabilities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.c2.threat_eval import closest_approach, evaluate_threats, time_to_radius

ASSETS = np.array([[0.0, 0.0, 0.0], [50e3, 0.0, 0.0]])
VALUES = np.array([100.0, 60.0])
RADII = np.array([1000.0, 1000.0])


def test_cpa_known_answers() -> None:
    # from (0, 100 km) flying south at 250 m/s: straight over asset 0 after 400 s, and
    # 50 km abeam asset 1 at the same time
    pos = np.array([[0.0, 100e3, 0.0]])
    vel = np.array([[0.0, -250.0, 0.0]])
    t, d = closest_approach(pos, vel, ASSETS)
    assert t[0] == pytest.approx([400.0, 400.0])
    assert d[0] == pytest.approx([0.0, 50e3])
    # receding: the closest approach is now
    t, d = closest_approach(pos, -vel, ASSETS)
    assert t[0] == pytest.approx([0.0, 0.0])
    assert d[0, 0] == pytest.approx(100e3)


def test_time_to_radius_known_answers() -> None:
    pos = np.array([[0.0, 100e3, 0.0], [0.0, 500.0, 0.0], [30e3, 100e3, 0.0]])
    vel = np.array([[0.0, -250.0, 0.0], [0.0, -250.0, 0.0], [0.0, -250.0, 0.0]])
    t = time_to_radius(pos, vel, ASSETS[:1], RADII[:1])
    assert t[0, 0] == pytest.approx((100e3 - 1000.0) / 250.0)
    assert t[1, 0] == 0.0  # already inside
    assert np.isinf(t[2, 0])  # passes 30 km abeam


def test_heading_and_attack_probability() -> None:
    pos = np.array([[0.0, 100e3, 0.0], [0.0, 100e3, 0.0], [200e3, 200e3, 0.0]])
    vel = np.array([[0.0, -250.0, 0.0], [250.0, 0.0, 0.0], [0.0, 250.0, 0.0]])
    ta = evaluate_threats(pos, vel, np.ones(3), ASSETS, VALUES, RADII)
    assert ta.heading_rad[0, 0] == pytest.approx(0.0, abs=1e-9)
    assert ta.heading_rad[1, 0] == pytest.approx(np.pi / 2)
    assert ta.heading_rad[2, 0] > np.pi / 2  # flying away
    # straight at asset 0: P = 1 / (1 + L0) with L0 = 0.1, and asset 1 (50 km off) ~ 0
    assert ta.p_attack[0, 0] == pytest.approx(1.0 / 1.1, rel=1e-4)
    assert ta.p_attack[0, 1] < 1e-5
    assert ta.likely_asset.tolist() == [0, -1, -1]
    assert np.all(ta.p_attack.sum(axis=1) < 1.0)
    # value = c sum_k P u V: the inbound threat carries its urgency-weighted asset value
    u = 1.0 / (1.0 + 400.0 / 300.0)
    assert ta.value[0] == pytest.approx(100.0 * u / 1.1, rel=1e-4)
    assert ta.value[2] < 1e-3 * ta.value[0]
    assert np.allclose(ta.asset_prob, ta.p_attack * ta.urgency)  # capability 1


def test_ballistic_track_aims_at_its_impact_point() -> None:
    """A ballistic track falling onto asset 1 is attributed to asset 1, though its
    straight-line extrapolation would overfly both assets."""
    g = 9.81
    t_fall = 60.0
    v0 = np.array([-500.0, 0.0, 0.0])
    p0 = np.array([50e3 + 500.0 * t_fall, 0.0, 0.5 * g * t_fall**2])
    pos, vel = p0[None, :], v0[None, :]
    acc = np.array([[0.0, 0.0, -g]])
    ta = evaluate_threats(pos, vel, np.ones(1), ASSETS, VALUES, RADII, acc_mps2=acc)
    assert ta.likely_asset[0] == 1
    assert ta.d_cpa_m[0, 1] < 1000.0
    assert ta.t_hit_s[0, 1] == pytest.approx(t_fall, abs=3.0)
    straight = evaluate_threats(pos, vel, np.ones(1), ASSETS, VALUES, RADII)
    assert straight.likely_asset[0] == -1


@settings(max_examples=50, deadline=None)
@given(
    st.floats(-2e5, 2e5),
    st.floats(-2e5, 2e5),
    st.floats(50.0, 3000.0),
    st.floats(0.0, 2 * np.pi),
    st.floats(0.0, 1.0),
)
def test_properties(x: float, y: float, speed: float, course: float, cap: float) -> None:
    pos = np.array([[x, y, 100.0]])
    vel = speed * np.array([[np.sin(course), np.cos(course), 0.0]])
    ta = evaluate_threats(pos, vel, np.array([cap]), ASSETS, VALUES, RADII)
    assert np.all(ta.p_attack >= 0) and ta.p_attack.sum() < 1.0
    assert np.all(ta.asset_prob <= ta.p_attack + 1e-15)
    assert 0.0 <= ta.value[0] <= cap * VALUES.max() + 1e-9
    assert np.all((ta.heading_rad >= 0) & (ta.heading_rad <= np.pi))
    # the radius is entered at or before the closest approach, iff the CPA lies inside it
    hit = np.isfinite(ta.t_hit_s)
    assert np.array_equal(hit, ta.d_cpa_m <= RADII[None, :] + 1e-6)
    assert np.all(ta.t_hit_s[hit] <= ta.t_cpa_s[hit] + 1e-6)
    # doubling the capability doubles the value (capability x intent x asset value)
    if cap <= 0.5:
        ta2 = evaluate_threats(pos, vel, np.array([2 * cap]), ASSETS, VALUES, RADII)
        assert ta2.value[0] == pytest.approx(2 * ta.value[0], rel=1e-12, abs=1e-300)


def test_errors_and_empty() -> None:
    with pytest.raises(ValueError, match="intent_scale_m"):
        evaluate_threats(np.zeros((1, 3)), np.ones((1, 3)), np.ones(1), ASSETS, VALUES, RADII, 0.0)
    ta = evaluate_threats(np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0), ASSETS, VALUES, RADII)
    assert ta.value.shape == (0,) and ta.p_attack.shape == (0, 2)
