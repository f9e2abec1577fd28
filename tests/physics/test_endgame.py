"""Endgame models: flight-control lags, seeker noise and lock-on, fuze and warhead
lethality, and the seeker noise's effect on the miss in the flyout."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.physics.autopilot import (
    MAX_ORDER,
    binomial_step_response,
    lag_chain_advance,
    lag_chain_output,
    response_scale,
)
from samsim.physics.lethality import pk_fragmentation
from samsim.physics.seeker import (
    GLINT_SPAN_FRACTION,
    MULTIPATH_FRACTION,
    glint_sigma_m,
    lock_on_range_m,
    multipath_sigma_rad,
    thermal_noise_rad,
)

# ----------------------------------------------------------------- flight control


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_lag_chain_step_response_is_the_erlang_cdf(order: int) -> None:
    """From rest, the chain's output under a unit step is 1 - e^-x sum x^k/k!, x = t/tau."""
    state = np.zeros((MAX_ORDER, 3))
    t = np.array([0.05, 0.2, 0.5, 1.3])
    out = [lag_chain_output(state, order, (1.0, 0.0, 0.0), float(s), 0.4 / order)[0] for s in t]
    np.testing.assert_allclose(out, binomial_step_response(t, order, 0.4), rtol=1e-12, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 5),
    st.lists(st.floats(-50, 50), min_size=15, max_size=15),
    st.floats(0.01, 0.5),
    st.floats(0.01, 0.3),
)
def test_lag_chain_steps_compose(order: int, x0: list[float], h: float, tau: float) -> None:
    """Exact integration: two steps of h equal one of 2h under a held command."""
    a = np.array(x0).reshape(MAX_ORDER, 3)
    b = a.copy()
    cmd = (3.0, -1.0, 0.5)
    lag_chain_advance(a, order, cmd, h, tau)
    lag_chain_advance(a, order, cmd, h, tau)
    lag_chain_advance(b, order, cmd, 2 * h, tau)
    np.testing.assert_allclose(a[:order], b[:order], rtol=1e-9, atol=1e-9)


def test_order_zero_passes_the_command_and_low_q_slows_the_response() -> None:
    assert lag_chain_output(np.ones((MAX_ORDER, 3)), 0, (2.0, 3.0, 4.0), 0.1, 0.1) == (
        2.0,
        3.0,
        4.0,
    )
    assert response_scale(200e3, 60e3) == 1.0
    assert response_scale(15e3, 60e3) == pytest.approx(2.0)
    assert response_scale(1.0, 60e3) == 4.0
    assert response_scale(1.0, 0.0) == 1.0


# ----------------------------------------------------------------------- seeker


def test_lock_on_range_scales_with_rcs() -> None:
    # active: R ~ sigma^(1/4); semi-active: R ~ sigma^(1/2)
    assert lock_on_range_m(20e3, 1.0, 16.0, 4.0) == pytest.approx(40e3)
    assert lock_on_range_m(20e3, 1.0, 4.0, 2.0) == pytest.approx(40e3)
    assert lock_on_range_m(20e3, 1.0, 0.01, 4.0) == pytest.approx(20e3 * 0.01**0.25)


def test_thermal_noise_grows_with_range_glint_and_multipath() -> None:
    assert thermal_noise_rad(10e3, 10e3, 5e-3) == pytest.approx(5e-3)
    assert thermal_noise_rad(5e3, 10e3, 4e-3, 4.0) == pytest.approx(1e-3)  # R^2
    assert thermal_noise_rad(5e3, 10e3, 4e-3, 2.0) == pytest.approx(2e-3)  # R
    assert glint_sigma_m(10.0) == pytest.approx(10.0 * GLINT_SPAN_FRACTION)
    # a target 30 m up seen from 2 km: image 30 mrad away, inside a 0.1 rad beam
    assert multipath_sigma_rad(30.0, 2e3, 0.1) == pytest.approx(MULTIPATH_FRACTION * 0.03)
    # resolved (separation above the beamwidth) and high targets: none
    assert multipath_sigma_rad(30.0, 200.0, 0.1) == 0.0
    assert multipath_sigma_rad(0.0, 2e3, 0.1) == 0.0


# -------------------------------------------------------------------- lethality


def test_fragmentation_pk_closed_form() -> None:
    """No timing error: Pk = P_f (1 - exp(-N A / (2 pi dtheta d^2))) inside the fuze range."""
    n, w, a, d = 10_000.0, math.radians(20.0), 0.2, 30.0
    lam = n * a / (2 * math.pi * w * d * d)
    pk = pk_fragmentation(d, 2000.0, n, w, a, 5.0, 60.0, 0.95, 0.0)
    assert pk == pytest.approx(0.95 * (1 - math.exp(-lam)))
    assert pk_fragmentation(61.0, 2000.0, n, w, a, 5.0, 60.0, 0.95, 0.0) == 0.0
    assert pk_fragmentation(d, 2000.0, n, w, a, 5.0, 60.0, 0.0, 0.0) == 0.0


def test_fragmentation_pk_timing_error_at_encounter_speed() -> None:
    """A burst-time error sigma_t misplaces the spray by V sigma_t along the relative
    velocity: P_align = erf((d dtheta + L) / (2 sqrt 2 V sigma_t)); a fast, short target
    (a ballistic missile's warhead section) is harder to meet than a slow, long one."""
    from scipy.special import erf

    n, w, a, length, d = 10_000.0, math.radians(20.0), 0.1, 1.5, 10.0
    base = pk_fragmentation(d, 3000.0, n, w, a, length, 60.0, 1.0, 0.0)
    timed = pk_fragmentation(d, 3000.0, n, w, a, length, 60.0, 1.0, 1e-3)
    align = erf((d * w + length) / (2 * math.sqrt(2) * 3000.0 * 1e-3))
    assert timed == pytest.approx(base * align)
    slow = pk_fragmentation(d, 800.0, n, w, a, length, 60.0, 1.0, 1e-3)
    assert timed < slow <= base


@settings(max_examples=60, deadline=None)
@given(st.floats(0.0, 80.0), st.floats(0.0, 80.0), st.floats(100.0, 5000.0))
def test_fragmentation_pk_never_grows_with_the_miss(d1: float, d2: float, v: float) -> None:
    lo, hi = sorted((d1, d2))
    args = (v, 3000.0, math.radians(12.0), 0.3, 4.0, 15.0, 0.95, 0.5e-3)
    p_lo = float(pk_fragmentation(lo, *args))
    p_hi = float(pk_fragmentation(hi, *args))
    assert 0.0 <= p_hi <= 1.0 and 0.0 <= p_lo <= 1.0
    # within the alignment-dominated region (d dtheta << L) a larger miss widens the band
    # the spray covers, so Pk is monotone only where fragment density decides: d >= 5 m
    if lo >= 5.0:
        assert p_hi <= p_lo + 1e-12
