"""Closest point of approach inside a step, against brute-force fine sampling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.physics.cpa import cpa_hermite, cpa_linear

coord = st.floats(-2000, 2000)
vel = st.floats(-3000, 3000)


def _hermite(r0, v0, r1, v1, dt, u):  # type: ignore[no-untyped-def]
    u = u[:, None]
    h00 = 2 * u**3 - 3 * u**2 + 1
    h10 = u**3 - 2 * u**2 + u
    h01 = -2 * u**3 + 3 * u**2
    h11 = u**3 - u**2
    return h00 * r0 + h10 * dt * v0 + h01 * r1 + h11 * dt * v1


@settings(max_examples=60, deadline=None)
@given(st.tuples(coord, coord, coord), st.tuples(vel, vel, vel), st.floats(1e-3, 0.5))
def test_linear_cpa_matches_sampling(r0: tuple, v: tuple, dt: float) -> None:  # type: ignore[type-arg]
    r0a, va = np.array(r0), np.array(v)
    t, miss = cpa_linear(r0a, va, dt)
    s = np.linspace(0.0, dt, 20_001)
    d = np.linalg.norm(r0a + s[:, None] * va, axis=1)
    assert 0.0 <= t <= dt
    assert miss <= d.min() + 1e-9
    assert miss >= d.min() - np.linalg.norm(va) * dt / 20_000 - 1e-9


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(coord, coord, coord),
    st.tuples(vel, vel, vel),
    st.tuples(vel, vel, vel),
    st.tuples(st.floats(-3000, 3000), st.floats(-3000, 3000), st.floats(-3000, 3000)),
    st.floats(1e-3, 0.2),
)
def test_hermite_cpa_matches_sampling(
    r0: tuple,
    v0: tuple,
    v1: tuple,
    acc: tuple,  # type: ignore[type-arg]
    dt: float,
) -> None:
    r0a, v0a, v1a = np.array(r0), np.array(v0), np.array(v1)
    # end position consistent with a bounded acceleration (as inside an RK4 step)
    r1a = r0a + 0.5 * (v0a + v1a) * dt + np.array(acc) * dt**2 / 12.0
    t, miss = cpa_hermite(r0a, v0a, r1a, v1a, dt)
    u = np.linspace(0.0, 1.0, 20_001)
    d = np.linalg.norm(_hermite(r0a, v0a, r1a, v1a, dt, u), axis=1)
    assert 0.0 <= t <= dt
    assert miss <= d.min() + 1e-9
    # sampling resolves the minimum to within max|dr/du| * du / 2
    speed = np.linalg.norm(np.diff(_hermite(r0a, v0a, r1a, v1a, dt, u), axis=0), axis=1).max()
    assert miss >= d.min() - speed - 1e-9


def test_hermite_reduces_to_linear_and_finds_the_crossing() -> None:
    r0 = np.array([1000.0, 3.0, -4.0])
    v = np.array([-2000.0, 0.0, 0.0])
    t, miss = cpa_hermite(r0, v, r0 + v * 1.0, v, 1.0)
    assert t == pytest.approx(0.5, abs=1e-12) and miss == pytest.approx(5.0, abs=1e-9)
    t2, miss2 = cpa_linear(r0, v, 1.0)
    assert float(t2) == pytest.approx(float(t)) and float(miss2) == pytest.approx(float(miss))


def test_vectorised_shapes_and_errors() -> None:
    r0 = np.broadcast_to(np.array([10.0, 1.0, 0.0]), (4, 2, 3))
    v = np.broadcast_to(np.array([-100.0, 0.0, 0.0]), (4, 2, 3))
    t, miss = cpa_hermite(r0, v, r0 + 0.2 * v, v, 0.2)
    assert t.shape == (4, 2) and np.allclose(miss, 1.0)
    with pytest.raises(ValueError, match="dt_s"):
        cpa_hermite(r0, v, r0, v, 0.0)
