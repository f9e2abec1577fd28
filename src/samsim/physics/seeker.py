"""Interceptor seeker: lock-on range and angle-measurement noise.

The seeker measures the line of sight to the target at the guidance rate. Its angle
noise has four parts: thermal noise that grows with range as the signal-to-noise ratio
falls, a range-independent floor, glint of an extended target (a correlated wander of
the apparent scattering centre, in metres, hence growing as the range shrinks) and
multipath over the surface for a low target (the target and its image both in the beam).
Scalar numba kernels for the flyout and vectorised versions of the same formulas.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.jit import njit

#: Glint standard deviation as a fraction of the target's span (Barton, *Radar System
#: Analysis and Modeling*, sec. 8.4: the apparent centre wanders with a standard
#: deviation of about 0.1 to 0.3 of the span; 0.25 used here).
GLINT_SPAN_FRACTION = 0.25
#: Correlation time of glint and multipath wander, s (Zarchan, *Tactical and Strategic
#: Missile Guidance*, 6th ed., ch. 9: glint bandwidths of a few hertz; notional).
GLINT_CORRELATION_S = 0.1
#: Multipath angle error as a fraction of the target-image angular separation 2 h / R
#: while both are inside the beam (surface reflection coefficient and phase averaging;
#: Barton, sec. 8.5, low-angle tracking errors; notional: 0.3).
MULTIPATH_FRACTION = 0.3


def lock_on_range_m(
    reference_range_m: ArrayLike,
    reference_rcs_m2: ArrayLike,
    rcs_m2: ArrayLike,
    snr_range_exponent: ArrayLike = 4.0,
) -> NDArray[np.float64]:
    """Range at which the seeker locks on to a target of a given RCS.

    Notes
    -----
    The lock-on happens at a fixed signal-to-noise ratio. For an active seeker
    SNR ~ sigma / R^4, so R_lock = R_ref (sigma / sigma_ref)^(1/4); for a semi-active
    (or track-via-missile) receiver SNR ~ sigma / (R_rt^2 R_mt^2), and with the
    illuminator-target range R_rt held, R_lock = R_ref (sigma / sigma_ref)^(1/2).
    ``snr_range_exponent`` is 4 (active) or 2 (semi-active). Reference: Skolnik,
    *Introduction to Radar Systems*, 3rd ed., sec. 2.1 (radar range equation).
    """
    e = np.asarray(snr_range_exponent, dtype=float)
    return np.asarray(reference_range_m, float) * (
        np.asarray(rcs_m2, float) / np.asarray(reference_rcs_m2, float)
    ) ** (1.0 / e)


def thermal_noise_rad(
    range_m: ArrayLike,
    lock_range_m: ArrayLike,
    sigma_at_lock_rad: ArrayLike,
    snr_range_exponent: ArrayLike = 4.0,
) -> NDArray[np.float64]:
    """Thermal angle noise (1 sigma per measurement) at a range.

    Notes
    -----
    A monopulse angle estimate has sigma = theta_3dB / (k_m sqrt(2 SNR)) (Barton, *Radar
    System Analysis and Modeling*, eq. 8.2.6); with SNR = SNR_lock (R_lock / R)^e it is
    sigma(R) = sigma_lock (R / R_lock)^(e/2): range squared for an active seeker (e = 4),
    linear in the missile-target range for a semi-active one (e = 2).
    """
    r = np.asarray(range_m, float) / np.asarray(lock_range_m, float)
    return np.asarray(sigma_at_lock_rad, float) * r ** (0.5 * np.asarray(snr_range_exponent, float))


def glint_sigma_m(span_m: ArrayLike) -> NDArray[np.float64]:
    """Glint: standard deviation of the apparent scattering centre, m (0.25 of the span)."""
    return GLINT_SPAN_FRACTION * np.asarray(span_m, dtype=float)


def multipath_sigma_rad(
    target_height_m: ArrayLike, range_m: ArrayLike, beamwidth_rad: ArrayLike
) -> NDArray[np.float64]:
    """Elevation error from surface multipath for a low target (1 sigma).

    Notes
    -----
    The image of a target at height h lies 2 h / R below it as seen from a seeker at
    range R (a seeker looking down at a shallow angle); while the image is inside the
    beam (2 h / R < theta_3dB) the monopulse null wanders between the two:
    sigma = f 2 h / R with f = :data:`MULTIPATH_FRACTION`; 0 once they are resolved.
    Reference: Barton, *Radar System Analysis and Modeling*, sec. 8.5 (low-angle
    tracking); the fraction is notional.
    """
    h = np.maximum(np.asarray(target_height_m, float), 0.0)
    sep = 2.0 * h / np.asarray(range_m, float)
    return np.where(sep < np.asarray(beamwidth_rad, float), MULTIPATH_FRACTION * sep, 0.0)


@njit(cache=True)
def angle_noise_std_kernel(
    range_m: float,
    lock_range_m: float,
    sigma_lock_rad: float,
    exponent: float,
    fixed_rad: float,
) -> float:
    """Thermal and range-independent angle noise combined (1 sigma per axis), scalar."""
    th = sigma_lock_rad * (range_m / lock_range_m) ** (0.5 * exponent)
    return math.sqrt(th * th + fixed_rad * fixed_rad)


@njit(cache=True)
def multipath_kernel(target_height_m: float, range_m: float, beamwidth_rad: float) -> float:
    """Scalar :func:`multipath_sigma_rad`."""
    sep = 2.0 * max(target_height_m, 0.0) / max(range_m, 1e-9)
    return MULTIPATH_FRACTION * sep if sep < beamwidth_rad else 0.0
