"""Engagement geometry for the command post: predicted intercept points and envelopes.

The command post launches only when the predicted intercept point (PIP) of a missile fired
now lies inside the missile's envelope. Time of flight to a point comes from the missile's
kinematic model (a callable), so the same test serves every missile type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

TimeOfFlight = Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.float64]]
"""time_of_flight(range_m, altitude_m) -> seconds to reach a point (inf when unreachable)."""


@dataclass
class InterceptPrediction:
    """Predicted intercept of targets by a missile launched now from one point."""

    time_s: NDArray[np.float64]  # time of flight to the PIP (inf if none)
    point_m: NDArray[np.float64]  # (n, 3) PIP (NaN if none)
    range_m: NDArray[np.float64]  # slant range launcher -> PIP


def predict_intercept(
    launcher_m: NDArray[np.float64],
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    alt_of: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    time_of_flight: TimeOfFlight,
    iterations: int = 6,
) -> InterceptPrediction:
    """Predicted intercept points of constant-velocity targets, by fixed-point iteration.

    Parameters
    ----------
    launcher_m : ndarray, shape (3,)
        Launch point (ENU).
    pos_m, vel_mps : ndarray, shape (n, 3)
        Target estimates.
    alt_of : callable
        Altitude above the ellipsoid of ENU points.
    time_of_flight : callable
        Missile time of flight to (range, altitude).
    iterations : int
        Fixed-point iterations of t <- tof(|p + v t - L|).

    Notes
    -----
    Solves t = tof(|p + v t - L|, h(p + v t)) by iteration from t = tof(|p - L|); it
    converges when the target is slower than the missile's mean speed, which holds inside
    the envelope. Points whose iteration ends with a residual above 1 s are marked
    unreachable.
    """
    n = len(pos_m)
    t = np.zeros(n)
    pip = pos_m.copy()
    for _ in range(iterations):
        pip = pos_m + vel_mps * t[:, None]
        rng = np.linalg.norm(pip - launcher_m, axis=1)
        t_new = time_of_flight(rng, alt_of(pip))
        t = np.where(np.isfinite(t_new), t_new, np.inf)
        if not np.isfinite(t).any():
            break
        t = np.where(np.isfinite(t), t, 1e6)
    pip = pos_m + vel_mps * np.minimum(t, 1e6)[:, None]
    rng = np.linalg.norm(pip - launcher_m, axis=1)
    resid = np.abs(time_of_flight(rng, alt_of(pip)) - t)
    ok = np.isfinite(resid) & (resid < 1.0)
    return InterceptPrediction(
        np.where(ok, t, np.inf), np.where(ok[:, None], pip, np.nan), np.where(ok, rng, np.inf)
    )


def in_envelope(
    pred: InterceptPrediction,
    pip_alt_m: NDArray[np.float64],
    target_speed_mps: NDArray[np.float64],
    min_range_m: float,
    max_range_m: float,
    min_altitude_m: float,
    max_altitude_m: float,
    max_target_speed_mps: float,
) -> NDArray[np.bool_]:
    """Whether each predicted intercept lies inside a missile's engagement envelope:
    slant range in [min, max], PIP altitude in [min, max], target speed below the
    missile's maximum target speed."""
    return (
        np.isfinite(pred.time_s)
        & (pred.range_m >= min_range_m)
        & (pred.range_m <= max_range_m)
        & (pip_alt_m >= min_altitude_m)
        & (pip_alt_m <= max_altitude_m)
        & (target_speed_mps <= max_target_speed_mps)
    )
