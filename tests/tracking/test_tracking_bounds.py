"""Bounds of the tracker's predictions (issue 16): every predicted position lies in its
ball and every predicted speed under its bound, for each motion-model set, over random
model-conditioned states (spread models, fast turns, odd mode probabilities)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.tracking import MeasurementBatch, Tracker, TrackerConfig
from samsim.tracking.bounds import BOUND_TOL

MODELS = ("imm", "imm_known_turn", "cv", "ca", "ct")


def _tracker_with_states(model: str, seed: int, n: int, spread_m: float) -> Tracker:
    """A tracker of ``n`` tracks (at t = 0) whose model states and mode probabilities
    are then replaced by random ones: positions within ~100 km, models apart by up to
    ``spread_m``, speeds up to ~3 km/s, turn rates up to 1 rad/s, accelerations up to
    ~100 m/s^2."""
    rng = np.random.default_rng(seed)
    trk = Tracker(TrackerConfig(model=model))
    z = rng.uniform(-1e5, 1e5, (n, 3))
    trk.step(MeasurementBatch.cartesian(0.0, 1, z, np.eye(3) * 2500.0))
    s = trk._s
    xm = np.array(s.xm)
    r, nx = xm.shape[1], xm.shape[2]
    lay = trk.config.layout
    d = lay.dims
    base = np.zeros((n, nx))
    base[:, :d] = z
    base[:, d : 2 * d] = rng.normal(0.0, 1000.0, (n, d))
    if lay.acc is not None:
        base[:, lay.acc] = rng.normal(0.0, 50.0, (n, d))
    if lay.omega is not None:
        base[:, lay.omega] = rng.uniform(-1.0, 1.0, n) * rng.choice([1e-6, 1e-3, 1.0], n)
    xm = (
        base[:, None, :]
        + rng.normal(0.0, 1.0, (n, r, nx))
        * np.r_[np.full(d, spread_m), np.full(nx - d, 0.1 * spread_m)]
    )
    mu = rng.dirichlet(np.full(r, 0.5), n)
    trk._s = dataclasses.replace(
        s, xm=xm, mu=mu, confirmed=rng.random(n) < 0.8, x=np.einsum("nr,nrx->nx", mu, xm)
    )
    return trk


@settings(max_examples=60, deadline=None)
@given(
    model=st.sampled_from(MODELS),
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 12),
    spread_m=st.sampled_from([0.0, 1.0, 300.0, 5e3]),
    dt_s=st.sampled_from([0.0, 1e-3, 0.7, 1.6, 5.0, 37.0]),
)
def test_predictions_lie_within_their_bounds(
    model: str, seed: int, n: int, spread_m: float, dt_s: float
) -> None:
    trk = _tracker_with_states(model, seed, n, spread_m)
    got = trk.prediction_bounds(dt_s, confirmed_only=True)
    assert got is not None
    ids_b, centre, radius, speed = got
    ids, x = trk.predict_states(dt_s, confirmed_only=True)
    np.testing.assert_array_equal(ids_b, ids)
    d = trk.config.layout.dims
    dist = np.linalg.norm(x[:, :d] - centre, axis=1)
    v = np.linalg.norm(x[:, d : 2 * d], axis=1)
    assert np.isfinite(radius).all() and np.isfinite(speed).all()
    assert (dist <= radius).all(), (dist - radius).max()
    assert (v <= speed).all(), (v - speed).max()
    # and not vacuous: within a few times the exact distance (plus the inflation)
    assert (radius <= 10.0 * (spread_m + 5e3 * dt_s + 1e3 * dt_s**2) + 1.0).all()


def test_the_bounds_leave_the_predictions_and_their_caches_alone() -> None:
    """Asking for the bounds first changes no later prediction, bit for bit."""
    a = _tracker_with_states("imm", 7, 9, 300.0)
    b = _tracker_with_states("imm", 7, 9, 300.0)
    a.prediction_bounds(2.5)
    for t in (2.5, 3.0):
        ia, xa = a.predict_states(t)
        ib, xb = b.predict_states(t)
        np.testing.assert_array_equal(ia, ib)
        assert xa.tobytes() == xb.tobytes()
        assert a.predict(t)[2].tobytes() == b.predict(t)[2].tobytes()


def test_non_finite_or_unnormalised_tracks_get_infinite_bounds() -> None:
    trk = _tracker_with_states("imm", 3, 4, 10.0)
    s = trk._s
    xm, mu = s.xm.copy(), s.mu.copy()
    xm[0, 1, 4] = math.nan
    mu[1] *= 1.01
    mu[2, 0], mu[2, 1] = -0.1, mu[2, 1] + 0.1
    trk._s = dataclasses.replace(s, xm=xm, mu=mu, confirmed=np.ones(4, dtype=bool))
    got = trk.prediction_bounds(1.0)
    assert got is not None
    _, _, radius, speed = got
    assert np.isinf(radius[:3]).all() and np.isinf(speed[:3]).all()
    assert np.isfinite(radius[3]) and radius[3] > 0.0


def test_the_bounds_are_inflated_only_slightly() -> None:
    """A track whose models agree and stand still: the radius is the inflation alone."""
    trk = _tracker_with_states("cv", 1, 1, 0.0)
    s = trk._s
    xm = s.xm.copy()
    xm[0, 0, 3:] = 0.0
    trk._s = dataclasses.replace(s, xm=xm, confirmed=np.ones(1, dtype=bool))
    got = trk.prediction_bounds(10.0)
    assert got is not None
    _, centre, radius, speed = got
    assert speed[0] == 0.0
    assert radius[0] == pytest.approx(BOUND_TOL * (np.linalg.norm(centre[0]) + 1.0))
