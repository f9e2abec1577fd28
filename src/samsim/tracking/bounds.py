"""Bounds of the tracker's predicted states, told without predicting them: a ball that
holds each track's predicted position and a bound of its predicted speed (for screens
whose answer is certain far from the decision's thresholds; see
:meth:`~samsim.tracking.tracker.Tracker.prediction_bounds`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

import samsim.jit as nb  # numba.njit, built on first call

FloatArray = NDArray[np.float64]

#: Relative inflation of the bounds: their rounding errors (and the prediction's: mixing
#: weights and mode probabilities that sum to one within a few units in the last place,
#: sines and cosines within one) are ~1e-15 of the values bounded.
BOUND_TOL = 1e-6


@nb.njit(cache=True)
def _prediction_bounds_kernel(
    xm: FloatArray,
    mu: FloatArray,
    rows: NDArray[np.int64],
    d: int,
    acc_at: int,
    dt_s: float,
    centre_m: FloatArray,
    radius_m: FloatArray,
    speed_mps: FloatArray,
) -> None:
    """Per track ``rows[k]``: ``centre_m[k]`` (its first model's position), ``radius_m[k]``
    and ``speed_mps[k]`` such that its IMM prediction over ``dt_s`` lies within
    ``radius_m[k]`` of the centre and moves at most at ``speed_mps[k]``.

    Parameters
    ----------
    xm : ndarray, shape (n, r, nx)
        Model-conditioned states: positions ``[0, d)``, velocities ``[d, 2 d)``, and
        accelerations ``[acc_at, acc_at + d)`` when ``acc_at >= 0``.
    mu : ndarray, shape (n, r)
        Mode probabilities.
    rows : ndarray of int64
        The tracks to bound.
    d : int
        Dimensions.
    acc_at : int
        Index of the first acceleration component (``"ca"`` layout), else -1.
    dt_s : float
        Prediction interval, s (>= 0).
    centre_m, radius_m, speed_mps : ndarray, shapes (len(rows), d), (len(rows),) x 2
        Out.

    Notes
    -----
    Every mixed state ``x0_j = sum_i w_ij x_i`` (weights >= 0 that sum to one) lies in
    the convex hull of the model states; each model moves it by at most ``|v| dt``
    (constant velocity, and the coordinated and known turns: a chord of the arc flown at
    speed ``|v|``, whose velocity they rotate) or ``|v| dt + |a| dt^2 / 2`` (constant
    acceleration, which adds ``a dt`` to the velocity), with ``|v| <= V = max_i |v_i|``
    and ``|a| <= A = max_i |a_i|`` (norms are convex); and the combined prediction
    ``sum_j c_j x_j`` (``c_j >= 0``, summing to one when the mode probabilities do) lies
    in their hull again. So it is within ``rho + V dt + A dt^2 / 2`` of any model's
    position, ``rho`` the largest distance of another model's position from it, and its
    speed is at most ``V + A dt``. Both are inflated by :data:`BOUND_TOL` (and the radius
    by that of the centre's distance from the origin, for the sums' rounding); a track
    whose states are not finite, or whose mode probabilities are negative or do not sum
    to one within 1e-9, gets infinite bounds.
    """
    r = xm.shape[1]
    for k in range(rows.shape[0]):
        kk = rows[k]
        total = 0.0
        bad = False  # a negative mode probability or a state not finite
        for i in range(r):
            total += mu[kk, i]
            bad = bad or not mu[kk, i] >= 0.0
        c2 = 0.0
        for a in range(d):
            centre_m[k, a] = xm[kk, 0, a]
            c2 += xm[kk, 0, a] * xm[kk, 0, a]
        rho, v_max, a_max = 0.0, 0.0, 0.0
        for i in range(r):
            q, vv, aa = 0.0, 0.0, 0.0
            for a in range(d):
                e = xm[kk, i, a] - centre_m[k, a]
                q += e * e
                v = xm[kk, i, d + a]
                vv += v * v
                if acc_at >= 0:
                    g = xm[kk, i, acc_at + a]
                    aa += g * g
            if not q + vv + aa < math.inf:  # (max() would drop a NaN)
                bad = True
            rho = max(rho, math.sqrt(q))
            v_max = max(v_max, math.sqrt(vv))
            a_max = max(a_max, math.sqrt(aa))
        bound = rho + v_max * dt_s + 0.5 * a_max * dt_s * dt_s
        speed = v_max + a_max * dt_s
        if abs(total - 1.0) <= 1e-9 and not bad and bound + speed + c2 < math.inf:
            radius_m[k] = bound * (1.0 + BOUND_TOL) + BOUND_TOL * (math.sqrt(c2) + 1.0)
            speed_mps[k] = speed * (1.0 + BOUND_TOL)
        else:  # NaN or infinite states, or unnormalised mode probabilities
            radius_m[k] = math.inf
            speed_mps[k] = math.inf


def prediction_bounds(
    xm: FloatArray,
    mu: FloatArray,
    rows: NDArray[np.int64],
    dims: int,
    acc_at: int | None,
    dt_s: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Centre (n, d), radius (n,) and speed bound (n,) of the predictions of the tracks
    ``rows`` over ``dt_s`` (see :func:`_prediction_bounds_kernel`), m and m/s."""
    n = rows.shape[0]
    centre = np.empty((n, dims))
    radius = np.empty(n)
    speed = np.empty(n)
    _prediction_bounds_kernel(
        xm, mu, rows, dims, -1 if acc_at is None else acc_at, dt_s, centre, radius, speed
    )
    return centre, radius, speed
