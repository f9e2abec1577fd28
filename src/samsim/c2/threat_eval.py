"""Threat evaluation: which tracks threaten which defended assets, how soon, how much.

Per track and asset: time and distance of closest approach (CPA) on the extrapolated
path (constant velocity, or under gravity for ballistic tracks), time before the track
enters the asset's radius, heading angle; from them P(track attacks asset k), the asset
it most likely aims at, and threat value = capability x intent x asset value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from samsim.jit import njit

#: Samples of the extrapolated path of an accelerating (ballistic) track.
_N_SAMPLES = 48


@dataclass
class ThreatAssessment:
    """Per track (rows) and asset (columns) results of :func:`evaluate_threats`.

    Attributes
    ----------
    t_cpa_s, d_cpa_m : ndarray, shape (n, m)
        Time (>= 0) and distance of closest approach on the extrapolated path.
    t_hit_s : ndarray, shape (n, m)
        Time before the track enters the asset's radius (0 if inside; inf if the path
        misses the radius).
    heading_rad : ndarray, shape (n, m)
        Angle between the track's velocity and its line of sight to the asset (0: flying
        straight at it; pi: straight away).
    p_attack : ndarray, shape (n, m)
        P(track attacks asset k); rows sum to < 1 (the rest: no defended asset).
    urgency : ndarray, shape (n, m)
        1 / (1 + t_cpa / T), the time weighting of the value.
    value : ndarray, shape (n,)
        Threat value c_j sum_k P_jk u_jk V_k.
    likely_asset : ndarray of int64, shape (n,)
        The asset the track most likely attacks, -1 when no asset is likely.
    asset_prob : ndarray, shape (n, m)
        pi_jk = c_j P_jk u_jk: probability that track j, left alone, destroys asset k
        now (the asset-based WTA's ``threat_asset_prob``); rows sum to <= 1.
    """

    t_cpa_s: NDArray[np.float64]
    d_cpa_m: NDArray[np.float64]
    t_hit_s: NDArray[np.float64]
    heading_rad: NDArray[np.float64]
    p_attack: NDArray[np.float64]
    urgency: NDArray[np.float64]
    value: NDArray[np.float64]
    likely_asset: NDArray[np.int64]
    asset_prob: NDArray[np.float64]


def _kernel_shapes(
    pos_m: NDArray[np.float64], vel_mps: NDArray[np.float64], points_m: NDArray[np.float64]
) -> bool:
    """Whether the compiled kernels apply: float (n, 3) movers and (m, 3) points (the
    array code's sums over the last axis are then sequential, as the kernels')."""
    return (
        isinstance(pos_m, np.ndarray)
        and isinstance(vel_mps, np.ndarray)
        and isinstance(points_m, np.ndarray)
        and pos_m.ndim == vel_mps.ndim == points_m.ndim == 2
        and pos_m.shape[1] == vel_mps.shape[1] == points_m.shape[1] == 3
        and pos_m.shape[0] == vel_mps.shape[0]
        and pos_m.dtype == vel_mps.dtype == points_m.dtype == np.float64
    )


@njit(cache=True, inline="always")
def _np_maximum(a: float, b: float) -> float:
    """``np.maximum`` of two floats (NaN propagates; ties, e.g. -0.0 and 0.0, give b)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a > b else b


@njit(cache=True, error_model="numpy")
def _cpa_kernel(
    pos: NDArray[np.float64],
    vel: NDArray[np.float64],
    pts: NDArray[np.float64],
    t_out: NDArray[np.float64],
    d_out: NDArray[np.float64],
) -> None:
    """:func:`closest_approach` per (mover, point), with the array code's operations in
    its order (sums over x, y, z sequential)."""
    for i in range(pos.shape[0]):
        v0, v1, v2 = vel[i, 0], vel[i, 1], vel[i, 2]
        vv = v0 * v0 + v1 * v1 + v2 * v2
        for k in range(pts.shape[0]):
            r0, r1, r2 = pos[i, 0] - pts[k, 0], pos[i, 1] - pts[k, 1], pos[i, 2] - pts[k, 2]
            t = -(r0 * v0 + r1 * v1 + r2 * v2) / _np_maximum(vv, 1e-12) if vv > 0 else 0.0
            t = _np_maximum(t, 0.0)
            q0, q1, q2 = r0 + v0 * t, r1 + v1 * t, r2 + v2 * t
            t_out[i, k] = t
            d_out[i, k] = math.sqrt(q0 * q0 + q1 * q1 + q2 * q2)


@njit(cache=True, error_model="numpy")
def _time_to_radius_kernel(
    pos: NDArray[np.float64],
    vel: NDArray[np.float64],
    pts: NDArray[np.float64],
    radius: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    """:func:`time_to_radius` per (mover, point), operation for operation."""
    for i in range(pos.shape[0]):
        v0, v1, v2 = vel[i, 0], vel[i, 1], vel[i, 2]
        a = v0 * v0 + v1 * v1 + v2 * v2
        for k in range(pts.shape[0]):
            r0, r1, r2 = pos[i, 0] - pts[k, 0], pos[i, 1] - pts[k, 1], pos[i, 2] - pts[k, 2]
            b = r0 * v0 + r1 * v1 + r2 * v2
            c = (r0 * r0 + r1 * r1 + r2 * r2) - radius[k] * radius[k]
            disc = b * b - a * c
            t = (-b - math.sqrt(_np_maximum(disc, 0.0))) / a
            if not (disc >= 0 and a > 0 and t >= 0):
                t = math.inf
            out[i, k] = 0.0 if c <= 0 else t


def closest_approach(
    pos_m: NDArray[np.float64], vel_mps: NDArray[np.float64], points_m: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Time (s, >= 0) and distance (m) of closest approach of straight-line movers to
    fixed points.

    Parameters
    ----------
    pos_m, vel_mps : ndarray, shape (n, 3)
        Mover positions and velocities.
    points_m : ndarray, shape (m, 3)
        Fixed points.

    Returns
    -------
    t_cpa_s, d_cpa_m : ndarray, shape (n, m)

    Notes
    -----
    With r = p - a, t* = max(0, -r.v / |v|^2) and d = |r + v t*|.
    """
    if _kernel_shapes(pos_m, vel_mps, points_m):
        t_out = np.empty((pos_m.shape[0], points_m.shape[0]))
        d_out = np.empty_like(t_out)
        _cpa_kernel(pos_m, vel_mps, points_m, t_out, d_out)
        return t_out, d_out
    r = pos_m[:, None, :] - points_m[None, :, :]
    v = vel_mps[:, None, :]
    vv = np.sum(v * v, axis=-1)
    t = np.where(vv > 0, -np.sum(r * v, axis=-1) / np.maximum(vv, 1e-12), 0.0)
    t = np.maximum(t, 0.0)
    d = np.linalg.norm(r + v * t[..., None], axis=-1)
    return t, d


def time_to_radius(
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    points_m: NDArray[np.float64],
    radius_m: NDArray[np.float64],
) -> NDArray[np.float64]:
    """First time (s) a straight-line mover comes within ``radius_m`` of each point.

    Returns
    -------
    ndarray, shape (n, m)
        0 if already inside, inf if the line misses the sphere or it lies behind.

    Notes
    -----
    The smallest root t >= 0 of |v|^2 t^2 + 2 (r.v) t + |r|^2 - R^2 = 0, r = p - a.
    """
    if _kernel_shapes(pos_m, vel_mps, points_m) and radius_m.shape == points_m.shape[:1]:
        out = np.empty((pos_m.shape[0], points_m.shape[0]))
        _time_to_radius_kernel(pos_m, vel_mps, points_m, np.asarray(radius_m, float), out)
        return out
    r = pos_m[:, None, :] - points_m[None, :, :]
    v = vel_mps[:, None, :]
    a = np.sum(v * v, axis=-1)
    b = np.sum(r * v, axis=-1)
    c = np.sum(r * r, axis=-1) - radius_m[None, :] ** 2
    disc = b * b - a * c
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (-b - np.sqrt(np.maximum(disc, 0.0))) / a
    t = np.where((disc >= 0) & (a > 0) & (t >= 0), t, np.inf)
    return np.where(c <= 0, 0.0, t)


def _accelerated_path(
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    acc_mps2: NDArray[np.float64],
    points_m: NDArray[np.float64],
    radius_m: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """CPA time, distance and time to radius on p + v t + a t^2 / 2 up to the time the
    path falls to each point's height (the impact), by sampling (``_N_SAMPLES``)."""
    g = np.linalg.norm(acc_mps2, axis=1, keepdims=True)
    up = -acc_mps2 / np.maximum(g, 1e-12)  # (n, 3): against the acceleration (gravity)
    r0 = pos_m[:, None, :] - points_m[None, :, :]  # (n, m, 3)
    h0 = np.sum(r0 * up[:, None, :], axis=-1)
    vz = np.sum(vel_mps * up, axis=1)[:, None]
    gz = g  # height(t) = h0 + vz t - g t^2 / 2
    t_imp = (vz + np.sqrt(np.maximum(vz * vz + 2 * gz * np.maximum(h0, 0.0), 0.0))) / np.maximum(
        gz, 1e-12
    )
    s = np.linspace(0.0, 1.0, _N_SAMPLES)
    t = t_imp[..., None] * s  # (n, m, k)
    path = (
        r0[..., None, :]
        + vel_mps[:, None, None, :] * t[..., None]
        + 0.5 * acc_mps2[:, None, None, :] * (t * t)[..., None]
    )
    d = np.linalg.norm(path, axis=-1)
    k = np.argmin(d, axis=-1)
    d_cpa = np.take_along_axis(d, k[..., None], axis=-1)[..., 0]
    t_cpa = np.take_along_axis(t, k[..., None], axis=-1)[..., 0]
    inside = d <= radius_m[None, :, None]
    first = np.argmax(inside, axis=-1)
    t_hit = np.where(
        inside.any(axis=-1), np.take_along_axis(t, first[..., None], axis=-1)[..., 0], np.inf
    )
    return t_cpa, d_cpa, t_hit


def evaluate_threats(
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    capability: NDArray[np.float64],
    asset_pos_m: NDArray[np.float64],
    asset_value: NDArray[np.float64],
    asset_radius_m: NDArray[np.float64],
    intent_scale_m: float = 10000.0,
    urgency_time_s: float = 300.0,
    acc_mps2: NDArray[np.float64] | None = None,
    none_weight: float = 0.1,
) -> ThreatAssessment:
    """Capability x intent x asset value for every track.

    Parameters
    ----------
    pos_m, vel_mps : ndarray, shape (n, 3)
        Track estimates (ENU).
    capability : ndarray, shape (n,)
        Perceived lethality of each track's threat type, 0..1.
    asset_pos_m, asset_value, asset_radius_m : ndarray, shapes (m, 3), (m,), (m,)
        Defended assets.
    intent_scale_m : float
        CPA miss distance beyond an asset's radius at which the likelihood of attacking it
        falls to exp(-1/2).
    urgency_time_s : float
        Time to CPA at which urgency halves.
    acc_mps2 : ndarray, shape (n, 3), optional
        Track accelerations (gravity for ballistic tracks); rows with a non-zero
        acceleration are extrapolated on a parabola to their impact.
    none_weight : float
        Likelihood weight of "attacks no defended asset" (> 0).

    Returns
    -------
    ThreatAssessment

    Notes
    -----
    Likelihood that track j attacks asset k: L_jk = exp(-max(0, d_cpa,jk - R_k)^2 /
    (2 s^2)), the CPA miss distance beyond the asset's radius measured in the scale s. The
    attack probabilities normalise the likelihoods against a "no defended asset"
    hypothesis of weight L_0: P_jk = L_jk / (L_0 + sum_k L_jk) (a Bayesian classifier
    with equal priors over the hypotheses). Urgency u_jk = 1 / (1 + t_cpa,jk / T).
    Threat value v_j = c_j sum_k P_jk u_jk V_k: capability x intent x asset value, the
    expected urgent asset value at risk. The most likely asset is argmax_k P_jk when it
    exceeds 1/2 of the largest possible P (1 / (1 + L_0)), else -1.

    The decomposition into capability and intent, CPA-based intent and time-to-go
    urgency follow the threat-evaluation models surveyed by Roux & van Vuuren (2007),
    sec. 3 ("capability-based" and "intent-based" threat evaluation; CPA, time to CPA,
    time before hit and heading as the standard kinematic cues); the probabilistic
    attack hypothesis provides the pi_jk of the asset-based WTA of Hosein & Athans (1990).
    The scales are notional parameters to sweep.

    References
    ----------
    Roux & van Vuuren, "Threat evaluation and weapon assignment decision support: a
    review of the state of the art", ORiON 23(2):151-187, 2007.
    Hosein & Athans, "Preferential defense strategies. Part I: the static case", MIT
    LIDS-P-2002, 1990.
    """
    n, m = len(pos_m), len(asset_pos_m)
    if not (intent_scale_m > 0 and urgency_time_s > 0 and none_weight > 0):
        raise ValueError(
            "intent_scale_m, urgency_time_s and none_weight must be > 0; got "
            f"{intent_scale_m}, {urgency_time_s}, {none_weight}"
        )
    if n == 0:
        z = np.zeros((0, m))
        return ThreatAssessment(
            z, z, z, z, z, z, np.zeros(0), np.zeros(0, dtype=np.int64), z.copy()
        )
    t, d = closest_approach(pos_m, vel_mps, asset_pos_m)
    t_hit = time_to_radius(pos_m, vel_mps, asset_pos_m, asset_radius_m)
    if acc_mps2 is not None:
        acc = np.asarray(acc_mps2, dtype=float)
        rows = np.flatnonzero(np.add.reduce(acc * acc, axis=1) > 0)  # (norm > 0)
        if rows.size:
            t[rows], d[rows], t_hit[rows] = _accelerated_path(
                pos_m[rows], vel_mps[rows], acc[rows], asset_pos_m, asset_radius_m
            )
    los = asset_pos_m[None, :, :] - pos_m[:, None, :]
    # np.linalg.norm is sqrt(add.reduce(x * x)), np.clip min(max(.)): without the wrappers
    speed = np.sqrt(np.add.reduce(vel_mps * vel_mps, axis=1))[:, None]
    cos_h = (los * vel_mps[:, None, :]).sum(axis=-1) / np.maximum(
        speed * np.sqrt(np.add.reduce(los * los, axis=-1)), 1e-12
    )
    heading = np.arccos(np.minimum(np.maximum(cos_h, -1.0), 1.0))
    excess = np.maximum(d - asset_radius_m[None, :], 0.0)
    like = np.exp(-0.5 * (excess / intent_scale_m) ** 2)
    p_attack = like / (none_weight + like.sum(axis=1, keepdims=True))
    urgency = 1.0 / (1.0 + t / urgency_time_s)
    pi = capability[:, None] * p_attack * urgency
    value = pi @ asset_value
    best = np.argmax(p_attack, axis=1)
    likely = np.where(p_attack.max(axis=1) > 0.5 / (1.0 + none_weight), best, -1)
    return ThreatAssessment(
        t, d, t_hit, heading, p_attack, urgency, value, likely.astype(np.int64), pi
    )
