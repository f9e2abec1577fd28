"""Sampled trajectories of threats and interceptors for replay and export."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from samsim.engine.events import TRAJECTORY_SCHEMA, numpy_array, strings_from_codes

if TYPE_CHECKING:
    from samsim.engine.world import World


def build_trajectories(
    world: World,
    end_time_s: NDArray[np.float64],
    sim_end_s: float,
    dt_s: float,
    interceptor_samples: list[tuple[float, NDArray[np.int64], NDArray[np.float64]]],
) -> pa.Table:
    """Threat positions every ``dt_s`` from appearance to end (kill, leak, route end or end
    of run), plus the interceptor positions recorded during the run, with geodetic
    coordinates; rows sorted by entity, id and time."""
    th = world.threats
    # Threat rows: each threat's times, ascending (a time repeated at the end kept once),
    # counted first so that the rows are written straight into the output arrays (a
    # theatre raid has millions of rows; sorting copies of them all cost gigabytes).
    threat_times: list[tuple[int, NDArray[np.float64]]] = []
    for i in range(len(th)):
        t0 = float(th.t0_s[i])
        t1 = float(end_time_s[i]) if np.isfinite(end_time_s[i]) else sim_end_s
        if t1 < t0:
            continue
        threat_times.append((i, _ascending_last(np.append(np.arange(t0, t1, dt_s), t1))))
    n_threat_rows = sum(len(ts) for _, ts in threat_times)
    # Interceptor rows (few): sorted by id, then time; a repeated time keeps the last sample.
    if interceptor_samples:
        ti = np.concatenate([np.full(len(k), t) for t, k, _ in interceptor_samples])
        ki = np.concatenate([k.astype(np.int64) for _, k, _ in interceptor_samples])
        pi = np.concatenate([p for _, _, p in interceptor_samples])
        o = np.lexsort((ti, ki))
        ti, ki, pi = ti[o], ki[o], pi[o]
        keep = np.ones(len(ti), dtype=bool)
        keep[:-1] = ~((ti[1:] == ti[:-1]) & (ki[1:] == ki[:-1]))
        ti, ki, pi = ti[keep], ki[keep], pi[keep]
    else:
        ti, ki, pi = np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros((0, 3))
    n = n_threat_rows + len(ti)
    t_all = np.empty(n)
    id_all = np.empty(n, dtype=np.int64)
    p_all = np.empty((n, 3))
    a = 0
    for i, ts in threat_times:
        b = a + len(ts)
        t_all[a:b] = ts
        id_all[a:b] = i
        p_all[a:b] = _threat_positions(world, i, ts)
        a = b
    t_all[a:], id_all[a:], p_all[a:] = ti, ki, pi
    icp = np.zeros(n, dtype=bool)
    icp[n_threat_rows:] = True
    lat, lon, alt = world.frame.enu_to_geodetic(p_all) if len(p_all) else (np.zeros(0),) * 3
    return pa.Table.from_arrays(
        [
            numpy_array(t_all, pa.float64()),
            strings_from_codes(["threat", "interceptor"], icp.view(np.uint8)),
            numpy_array(id_all, pa.int32()),
            numpy_array(p_all[:, 0], pa.float64()),
            numpy_array(p_all[:, 1], pa.float64()),
            numpy_array(p_all[:, 2], pa.float64()),
            numpy_array(lat, pa.float64()),
            numpy_array(lon, pa.float64()),
            numpy_array(alt, pa.float64()),
        ],
        schema=TRAJECTORY_SCHEMA,
    )


def _ascending_last(ts: NDArray[np.float64]) -> NDArray[np.float64]:
    """``ts`` sorted (stable), each repeated time kept once: the order and the row a sort
    of all rows by (entity, id, time) keeping the last of equal rows gives one threat."""
    if len(ts) < 2 or bool(np.all(ts[1:] > ts[:-1])):
        return ts
    ts = ts[np.argsort(ts, kind="stable")]
    keep = np.ones(len(ts), dtype=bool)
    keep[:-1] = ts[1:] != ts[:-1]
    return ts[keep]


def _threat_positions(world: World, i: int, ts: NDArray[np.float64]) -> NDArray[np.float64]:
    th = world.threats
    u = np.clip((ts - th.t0_s[i]) / th.dt_s[i], 0.0, th.n_samples[i] - 1)
    i0 = np.minimum(np.floor(u).astype(np.int64), max(th.n_samples[i] - 2, 0))
    i1 = np.minimum(i0 + 1, th.n_samples[i] - 1)
    w = (u - i0)[:, None]
    pos = th.row(i)[0]
    return pos[i0] * (1.0 - w) + pos[i1] * w
