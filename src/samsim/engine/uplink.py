"""Command guidance's uplinked track estimates, one row per interceptor key.

At each interceptor advance the engine stores, for every interceptor whose radar is up,
the estimate of the track it guides on (position and velocity as of the last decision
time); the flyout then reads them, extrapolated, at each macro step. Arrays indexed by
the engine's interceptor key, written and read by kernels (a few interceptors per step,
hundreds of steps per run).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

import samsim.jit as nb

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass
class Snapshots:
    """Per interceptor key: whether it has an estimate (``ok``), its time (``t_s``), and
    the track's position (``pos_m``, ENU m) and velocity (``vel_mps``) then."""

    ok: BoolArray
    t_s: FloatArray
    pos_m: FloatArray
    vel_mps: FloatArray

    @classmethod
    def empty(cls, n: int = 64) -> Snapshots:
        """Room for ``n`` keys, none with an estimate."""
        return cls(np.zeros(n, dtype=bool), np.zeros(n), np.zeros((n, 3)), np.zeros((n, 3)))

    def fit(self, n: int) -> Snapshots:
        """Self if it has room for ``n`` keys, else a larger copy."""
        cap = len(self.ok)
        if n <= cap:
            return self
        out = Snapshots.empty(max(n, 2 * cap))
        out.ok[:cap], out.t_s[:cap] = self.ok, self.t_s
        out.pos_m[:cap], out.vel_mps[:cap] = self.pos_m, self.vel_mps
        return out


@nb.njit(cache=True)
def store_snapshots(
    keys: IntArray,
    tracks: IntArray,
    track_ids: IntArray,
    x: FloatArray,
    t_s: float,
    ok: BoolArray,
    snap_t_s: FloatArray,
    snap_pos_m: FloatArray,
    snap_vel_mps: FloatArray,
) -> None:
    """For each ``keys[k]`` whose track ``tracks[k]`` is among ``track_ids`` (row ``r``):
    ``ok = True``, time ``t_s``, position ``x[r, :3]``, velocity ``x[r, 3:6]`` (copies;
    keys of tracks not found are left as they are)."""
    for k in range(keys.shape[0]):
        for r in range(track_ids.shape[0]):
            if track_ids[r] == tracks[k]:
                key = keys[k]
                ok[key] = True
                snap_t_s[key] = t_s
                for c in range(3):
                    snap_pos_m[key, c] = x[r, c]
                    snap_vel_mps[key, c] = x[r, 3 + c]
                break


@nb.njit(cache=True)
def extrapolate_snapshots(
    keys: IntArray,
    t_s: float,
    ok: BoolArray,
    snap_t_s: FloatArray,
    snap_pos_m: FloatArray,
    snap_vel_mps: FloatArray,
    key_threat: IntArray,
    threat_ballistic: BoolArray,
    pos_m: FloatArray,
    vel_mps: FloatArray,
    ballistic: BoolArray,
) -> int:
    """Estimates of ``keys`` at ``t_s`` at constant velocity, ``p = p0 + v0 (t - t0)``,
    ``v = v0`` (NaN rows for keys without an estimate), and whether each key's threat
    (``key_threat``) is ballistic (``threat_ballistic``; False without an estimate).

    Returns
    -------
    int
        The number of ballistic rows (the caller adds gravity to them).
    """
    n_ballistic = 0
    for k in range(keys.shape[0]):
        key = keys[k]
        if not ok[key]:
            for c in range(3):
                pos_m[k, c] = np.nan
                vel_mps[k, c] = np.nan
            ballistic[k] = False
            continue
        dt = t_s - snap_t_s[key]
        for c in range(3):
            pos_m[k, c] = snap_pos_m[key, c] + snap_vel_mps[key, c] * dt
            vel_mps[k, c] = snap_vel_mps[key, c]
        b = threat_ballistic[key_threat[key]]
        ballistic[k] = b
        if b:
            n_ballistic += 1
    return n_ballistic
