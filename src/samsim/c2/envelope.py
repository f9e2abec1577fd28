"""Engagement envelopes and engagement windows as the command post plans with them.

The kinematic question (can a missile fired now reach the predicted intercept point?) is
answered by the missile's time-of-flight table (:mod:`samsim.physics.envelope`); this
module adds the planning envelope of the catalogue (published range, altitude band,
maximum target speed), a launch margin, and engagement windows: for each (fire unit,
missile type, threat), the launch delays at which an intercept stays inside the envelope.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.jit import njit
from samsim.physics.envelope import predict_intercept
from samsim.physics.toftable import _bilinear_point, _feasible_point

#: Largest double, what ``np.nan_to_num`` puts for +inf.
_DBL_MAX = sys.float_info.max

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
    margins = range_margin > 0.0 or min_speed_ratio > 0.0
    alt_o = frame.altitude_m(origin.reshape(-1, 3)) if margins else np.zeros(0)
    ok = np.empty((n, k), dtype=np.bool_)
    slant = np.empty((n, k))
    _window_flags(
        flat,
        np.ascontiguousarray(origin_all),
        np.ascontiguousarray(v).reshape(-1, 3),
        np.ascontiguousarray(acc),
        tof.reshape(-1),
        feas.reshape(-1),
        alt.reshape(-1),
        alt_o,
        np.array(
            [
                spec.min_range_m,
                (1.0 - range_margin) * spec.max_range_m,
                spec.min_altitude_m,
                spec.max_altitude_m,
                spec.max_target_speed_mps,
                range_margin,
                min_speed_ratio,
            ],
            dtype=float,
        ),
        *table.kernel_arrays,
        ok.reshape(-1),
        slant.reshape(-1),
    )
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


@njit(cache=True, error_model="numpy")
def _window_flags(
    pip_m: NDArray[np.float64],
    origin_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    acc_mps2: NDArray[np.float64],
    tof_s: NDArray[np.float64],
    feasible: NDArray[np.bool_],
    alt_m: NDArray[np.float64],
    origin_alt_m: NDArray[np.float64],
    limits: NDArray[np.float64],
    gr: NDArray[np.float64],
    ga: NDArray[np.float64],
    tof: NDArray[np.float64],
    speed: NDArray[np.float64],
    far: NDArray[np.float64],
    near: NDArray[np.float64],
    ok_out: NDArray[np.bool_],
    slant_out: NDArray[np.float64],
) -> None:
    """Feasibility of :func:`engagement_windows`' launches, one (track, delay) row each.

    Parameters
    ----------
    pip_m, vel_mps : ndarray, shape (n k, 3)
        Predicted intercept point and target velocity per row (track-major).
    origin_m, acc_mps2 : ndarray, shape (n, 3)
        Launch point and target acceleration per track.
    tof_s, feasible, alt_m : ndarray, shape (n k,)
        :func:`predict_intercept`'s time of flight and flag, the PIP's altitude.
    origin_alt_m : ndarray, shape (n k,) or (0,)
        Altitude of the launch point per row (needed with a margin or a speed ratio).
    limits : ndarray, shape (7,)
        min range, (1 - margin) max range, min and max altitude, max target speed,
        range margin m, min speed ratio k.
    gr, ga, tof, speed, far, near : ndarray
        The time-of-flight table's :attr:`~samsim.physics.toftable.TofTable.kernel_arrays`.
    ok_out, slant_out : ndarray, shape (n k,)
        Out: the launch is feasible; slant range |PIP - origin|.

    Notes
    -----
    The former array expressions row by row, in their order: feasible and
    :func:`in_envelope`; with a margin g / (1 - m) feasible in the table, g =
    sqrt(max(slant^2 - dh^2, 0)); with a speed ratio V(g, h) >= k |v + a T| (T with NaN
    as 0 and infinities as the largest doubles, as ``np.nan_to_num``).
    """
    n_rows = pip_m.shape[0]
    n_tracks = origin_m.shape[0]
    per = n_rows // n_tracks if n_tracks else 0
    r_min, r_max, h_min, h_max, v_max, margin, ratio = (
        limits[0],
        limits[1],
        limits[2],
        limits[3],
        limits[4],
        limits[5],
        limits[6],
    )
    for q in range(n_rows):
        i = q // per
        d0 = pip_m[q, 0] - origin_m[i, 0]
        d1 = pip_m[q, 1] - origin_m[i, 1]
        d2 = pip_m[q, 2] - origin_m[i, 2]
        sl = math.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
        v0, v1, v2 = vel_mps[q, 0], vel_mps[q, 1], vel_mps[q, 2]
        sp = math.sqrt(v0 * v0 + v1 * v1 + v2 * v2)
        h = alt_m[q]
        ok = (
            feasible[q]
            and sl >= r_min
            and sl <= r_max
            and h >= h_min
            and h <= h_max
            and sp <= v_max
        )
        if margin > 0.0 or ratio > 0.0:
            dh = h - origin_alt_m[q]
            g2 = sl * sl - dh * dh
            ground = math.sqrt(g2 if (math.isnan(g2) or g2 >= 0.0) else 0.0)
            if margin > 0.0:
                ok = ok and _feasible_point(ground / (1.0 - margin), h, ga, far, near)
            if ratio > 0.0:
                t = tof_s[q]
                if math.isnan(t):
                    t = 0.0
                elif math.isinf(t):
                    t = _DBL_MAX if t > 0 else -_DBL_MAX
                w0 = v0 + acc_mps2[i, 0] * t
                w1 = v1 + acc_mps2[i, 1] * t
                w2 = v2 + acc_mps2[i, 2] * t
                v_pip = math.sqrt(w0 * w0 + w1 * w1 + w2 * w2)
                v_tab = _bilinear_point(ground, h, gr, ga, tof, speed)[1]
                ok = ok and v_tab >= ratio * v_pip
        ok_out[q] = ok
        slant_out[q] = sl
