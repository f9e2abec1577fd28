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
    times: list[NDArray[np.float64]] = []
    ids: list[NDArray[np.int64]] = []
    pos: list[NDArray[np.float64]] = []
    for i in range(len(th)):
        t0 = float(th.t0_s[i])
        t1 = float(end_time_s[i]) if np.isfinite(end_time_s[i]) else sim_end_s
        if t1 < t0:
            continue
        ts = np.append(np.arange(t0, t1, dt_s), t1)
        p = _threat_positions(world, i, ts)
        times.append(ts)
        ids.append(np.full(len(ts), i, dtype=np.int64))
        pos.append(p)
    n_threat_rows = sum(len(t) for t in times)
    for t, keys, p in interceptor_samples:
        times.append(np.full(len(keys), t))
        ids.append(keys.astype(np.int64))
        pos.append(p)
    if times:
        t_all = np.concatenate(times)
        id_all = np.concatenate(ids)
        p_all = np.concatenate(pos)
    else:
        t_all, id_all, p_all = np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros((0, 3))
    # entity as a flag (threat rows first), not a string per row
    icp = np.zeros(len(t_all), dtype=bool)
    icp[n_threat_rows:] = True
    order = np.lexsort((t_all, id_all, icp))
    t_all, id_all, p_all, icp = t_all[order], id_all[order], p_all[order], icp[order]
    # interceptor samples can repeat a time (end of flight recorded twice): keep the last
    keep = np.ones(len(t_all), dtype=bool)
    if len(t_all) > 1:
        same = (t_all[1:] == t_all[:-1]) & (id_all[1:] == id_all[:-1]) & (icp[1:] == icp[:-1])
        keep[:-1] = ~same
    t_all, id_all, p_all, icp = t_all[keep], id_all[keep], p_all[keep], icp[keep]
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


def _threat_positions(world: World, i: int, ts: NDArray[np.float64]) -> NDArray[np.float64]:
    th = world.threats
    u = np.clip((ts - th.t0_s[i]) / th.dt_s[i], 0.0, th.n_samples[i] - 1)
    i0 = np.minimum(np.floor(u).astype(np.int64), max(th.n_samples[i] - 2, 0))
    i1 = np.minimum(i0 + 1, th.n_samples[i] - 1)
    w = (u - i0)[:, None]
    return th.pos_m[i, i0] * (1.0 - w) + th.pos_m[i, i1] * w
