"""Engagement envelopes and engagement windows as the command post plans with them.

The kinematic question (can a missile fired now reach the predicted intercept point?) is
answered by the missile's time-of-flight table (:mod:`samsim.physics.envelope`); this
module adds the planning envelope of the catalogue (published range, altitude band,
maximum target speed), a launch margin, and engagement windows: for each (fire unit,
missile type, threat), the launch delays at which an intercept stays inside the envelope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.physics.envelope import predict_intercept

if TYPE_CHECKING:
    from samsim.geo.frames import EnuFrame
    from samsim.physics.missile import MissileSpec
    from samsim.physics.toftable import TofTable


def in_envelope(
    slant_range_m: NDArray[np.float64],
    pip_alt_m: NDArray[np.float64],
    target_speed_mps: NDArray[np.float64],
    spec: MissileSpec,
    range_margin: float = 0.0,
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
    range_margin : float
        Fraction of the maximum range kept in reserve: the far limit is
        (1 - range_margin) max_range.

    Returns
    -------
    ndarray of bool
        range in [min, (1 - margin) max], altitude in [min, max], speed <= max (NaN is
        outside).
    """
    return (
        (slant_range_m >= spec.min_range_m)
        & (slant_range_m <= (1.0 - range_margin) * spec.max_range_m)
        & (pip_alt_m >= spec.min_altitude_m)
        & (pip_alt_m <= spec.max_altitude_m)
        & (target_speed_mps <= spec.max_target_speed_mps)
    )


@dataclass
class EngagementWindows:
    """Launch feasibility of one missile type against n targets at sampled delays.

    Attributes
    ----------
    delays_s : ndarray, shape (k,)
        Launch delays from now, s (the first is 0).
    feasible : ndarray of bool, shape (n, k)
        A launch after that delay intercepts inside the (margin-reduced) envelope.
    pip_m : ndarray, shape (n, 3)
        Predicted intercept point of a launch now (NaN where unreachable).
    time_of_flight_s : ndarray, shape (n,)
        Time of flight of a launch now.
    range_fraction : ndarray, shape (n,)
        Slant range of the launch-now PIP over the type's max range.
    open_s, close_s : ndarray, shape (n,)
        First sampled delay at which the window is open, and the last sampled delay of
        that first open run (NaN when it never opens within the samples). A window open
        now with close_s = 0 closes before the next sample: last chance.
    """

    delays_s: NDArray[np.float64]
    feasible: NDArray[np.bool_]
    pip_m: NDArray[np.float64]
    time_of_flight_s: NDArray[np.float64]
    range_fraction: NDArray[np.float64]
    open_s: NDArray[np.float64]
    close_s: NDArray[np.float64]

    @property
    def open_now(self) -> NDArray[np.bool_]:
        """Feasible for a launch now."""
        return self.feasible[:, 0]


def engagement_windows(
    table: TofTable,
    frame: EnuFrame,
    spec: MissileSpec,
    launcher_enu_m: ArrayLike,
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    acc_mps2: NDArray[np.float64] | None = None,
    delays_s: ArrayLike = (0.0,),
    range_margin: float = 0.0,
    min_speed_ratio: float = 0.0,
) -> EngagementWindows:
    """Engagement windows of one missile type from one launch point against n tracks.

    Parameters
    ----------
    table : TofTable
        The type's time-of-flight table.
    frame : EnuFrame
        Scenario frame.
    spec : MissileSpec
        The type (planning envelope).
    launcher_enu_m : array_like, shape (3,) or (n, 3)
        Launch point(s).
    pos_m, vel_mps : ndarray, shape (n, 3)
        Track estimates now.
    acc_mps2 : ndarray, shape (n, 3), optional
        Track accelerations (gravity for ballistic tracks); default constant velocity.
    delays_s : array_like, shape (k,)
        Launch delays to test, s, increasing, starting at 0.
    range_margin : float
        Launch margin in [0, 1): the PIP must lie within (1 - margin) of both the published
        max range and the kinematic far boundary of the time-of-flight table at its
        altitude, so that a target that turns or accelerates after launch is still
        caught.
    min_speed_ratio : float
        The interceptor's speed at the PIP (from the time-of-flight table) must be at
        least this multiple of the target's speed (0: no such condition).
    Returns
    -------
    EngagementWindows

    Notes
    -----
    For each delay tau the track is extrapolated, p(tau) = p + v tau + a tau^2 / 2 and
    v(tau) = v + a tau, and the predicted intercept point of a launch at tau is the fixed
    point PIP = p(tau + T(PIP)) of the time-of-flight table T
    (:func:`samsim.physics.envelope.predict_intercept`). The launch is feasible when the
    secant iteration converged inside the kinematic envelope and
    r_min <= |PIP - launcher| <= (1 - m) r_max, h_min <= h(PIP) <= h_max, |v| <= v_max,
    and the ground range g (flat-earth from slant range and height difference) satisfies
    g / (1 - m) <= far(h) of the table, and the table's arrival speed
    V(g, h) >= k |v(tau) + a T| (the target's speed at the intercept), k =
    ``min_speed_ratio`` (a notional endgame condition: an interceptor much slower than
    its target, e.g. a short-range missile against a descending ballistic missile, bleeds
    speed in the terminal manoeuvres). This is the engagement-window notion of the
    TEWA literature (the interval of launch times at which a weapon can engage a target;
    Roux & van Vuuren 2007, sec. 4) computed from the interceptor's flyout tables.
    """
    d = np.asarray(delays_s, dtype=float)
    if d.ndim != 1 or d.size == 0 or d[0] != 0.0 or np.any(np.diff(d) <= 0):
        raise ValueError(f"delays_s must be increasing and start at 0; got {d.tolist()}")
    if not 0.0 <= range_margin < 1.0:
        raise ValueError(f"range_margin must be in [0, 1); got {range_margin}")
    acc = np.zeros_like(pos_m) if acc_mps2 is None else np.asarray(acc_mps2, dtype=float)
    origin_all = np.broadcast_to(np.asarray(launcher_enu_m, dtype=float), (len(pos_m), 3))
    n, k = len(pos_m), d.size
    tau = d[None, :, None]
    p = pos_m[:, None, :] + vel_mps[:, None, :] * tau + 0.5 * acc[:, None, :] * tau**2
    v = vel_mps[:, None, :] + acc[:, None, :] * tau
    origin = np.broadcast_to(origin_all[:, None, :], (n, k, 3))
    acc_k = np.broadcast_to(acc[:, None, :], (n, k, 3))
    pip, tof, feas = predict_intercept(table, frame, origin, p, v, acc_k)
    flat = pip.reshape(-1, 3)
    alt = frame.altitude_m(flat).reshape(n, k)
    rel = pip - origin
    slant = np.linalg.norm(rel, axis=-1)
    speed = np.linalg.norm(v, axis=-1)
    ok = feas & in_envelope(slant, alt, speed, spec, range_margin)
    if range_margin > 0.0 or min_speed_ratio > 0.0:
        dh = alt - frame.altitude_m(origin.reshape(-1, 3)).reshape(n, k)
        ground = np.sqrt(np.maximum(slant**2 - dh**2, 0.0))
        if range_margin > 0.0:
            ok &= table.lookup(ground / (1.0 - range_margin), alt)[2]
        if min_speed_ratio > 0.0:
            v_pip = np.linalg.norm(v + acc[:, None, :] * np.nan_to_num(tof)[..., None], axis=-1)
            ok &= table.lookup(ground, alt)[1] >= min_speed_ratio * v_pip
    first = np.argmax(ok, axis=1)
    any_open = ok.any(axis=1)
    # end of the first open run: the first closed sample after `first`, minus one
    after = np.arange(k)[None, :] > first[:, None]
    closed_after = after & ~ok
    end = np.where(closed_after.any(axis=1), np.argmax(closed_after, axis=1) - 1, k - 1)
    now = ok[:, 0]
    return EngagementWindows(
        delays_s=d,
        feasible=ok,
        pip_m=np.where(now[:, None], pip[:, 0], np.nan),
        time_of_flight_s=np.where(now, tof[:, 0], np.nan),
        range_fraction=slant[:, 0] / spec.max_range_m,
        open_s=np.where(any_open, d[first], np.nan),
        close_s=np.where(any_open, d[end], np.nan),
    )
