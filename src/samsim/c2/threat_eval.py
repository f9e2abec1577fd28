"""Threat evaluation: which tracks threaten which defended assets, and how much.

First-order model: straight-line extrapolation of each track's estimated position and
velocity gives the time and distance of closest approach (CPA) to every asset; intent
falls off with the CPA distance; urgency with the time to CPA; a threat's value is its
capability times the best intent x asset value over assets, weighted by urgency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass
class ThreatAssessment:
    """Per track (rows) and asset (columns) results of :func:`evaluate_threats`."""

    t_cpa_s: NDArray[np.float64]  # (tracks, assets), >= 0
    d_cpa_m: NDArray[np.float64]  # (tracks, assets)
    p_attack: NDArray[np.float64]  # (tracks, assets), rows sum to <= 1
    value: NDArray[np.float64]  # (tracks,)
    likely_asset: NDArray[np.int64]  # (tracks,), -1 if no asset threatened


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
    r = pos_m[:, None, :] - points_m[None, :, :]
    v = vel_mps[:, None, :]
    vv = np.sum(v * v, axis=-1)
    t = np.where(vv > 0, -np.sum(r * v, axis=-1) / np.maximum(vv, 1e-12), 0.0)
    t = np.maximum(t, 0.0)
    d = np.linalg.norm(r + v * t[..., None], axis=-1)
    return t, d


def evaluate_threats(
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    capability: NDArray[np.float64],
    asset_pos_m: NDArray[np.float64],
    asset_value: NDArray[np.float64],
    asset_radius_m: NDArray[np.float64],
    intent_scale_m: float = 10000.0,
    urgency_time_s: float = 300.0,
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
        CPA miss distance beyond an asset's radius at which intent falls to exp(-1/2).
    urgency_time_s : float
        Time to CPA at which urgency halves.

    Returns
    -------
    ThreatAssessment

    Notes
    -----
    intent_jk = exp(-max(0, d_cpa,jk - R_k)^2 / (2 s^2)); urgency_jk = 1 / (1 + t_cpa,jk / T);
    value_j = c_j max_k (intent_jk urgency_jk V_k); P(attack k | j) = intent_jk / max(1, sum_k
    intent_jk). A heuristic of the kind surveyed by Roux & van Vuuren, "Threat evaluation
    and weapon assignment decision support: a review of the state of the art", ORiON 23(2),
    2007; the scales are notional parameters to sweep.
    """
    n, m = len(pos_m), len(asset_pos_m)
    if n == 0:
        z = np.zeros((0, m))
        return ThreatAssessment(z, z, z, np.zeros(0), np.zeros(0, dtype=np.int64))
    t, d = closest_approach(pos_m, vel_mps, asset_pos_m)
    excess = np.maximum(d - asset_radius_m[None, :], 0.0)
    intent = np.exp(-0.5 * (excess / intent_scale_m) ** 2)
    urgency = 1.0 / (1.0 + t / urgency_time_s)
    score = intent * urgency * asset_value[None, :]
    value = capability * score.max(axis=1)
    likely = np.where(intent.max(axis=1) > 1e-3, np.argmax(score, axis=1), -1)
    p_attack = intent / np.maximum(1.0, intent.sum(axis=1, keepdims=True))
    return ThreatAssessment(t, d, p_attack, value, likely.astype(np.int64))
