"""Engagement envelopes as the command post plans with them.

The kinematic question (can a missile fired now reach the predicted intercept point?) is
answered by the missile's time-of-flight table (:mod:`samsim.physics.envelope`); this
module adds the planning envelope of the catalogue: published range, altitude band and
maximum target speed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from samsim.physics.missile import MissileSpec


def in_envelope(
    slant_range_m: NDArray[np.float64],
    pip_alt_m: NDArray[np.float64],
    target_speed_mps: NDArray[np.float64],
    spec: MissileSpec,
) -> NDArray[np.bool_]:
    """Whether predicted intercepts lie inside a missile's planning envelope.

    Parameters
    ----------
    slant_range_m : ndarray
        Launcher to predicted intercept point, m.
    pip_alt_m : ndarray
        Altitude of the predicted intercept point above the ellipsoid, m.
    target_speed_mps : ndarray
        Target speed, m/s.
    spec : MissileSpec
        The missile type (``min_range_m``, ``max_range_m``, ``min_altitude_m``,
        ``max_altitude_m``, ``max_target_speed_mps``).

    Returns
    -------
    ndarray of bool
        range in [min, max], altitude in [min, max], speed <= max (NaN is outside).
    """
    return (
        (slant_range_m >= spec.min_range_m)
        & (slant_range_m <= spec.max_range_m)
        & (pip_alt_m >= spec.min_altitude_m)
        & (pip_alt_m <= spec.max_altitude_m)
        & (target_speed_mps <= spec.max_target_speed_mps)
    )
