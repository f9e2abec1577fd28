"""The interceptors' truth and guidance estimates against the code they replace (issue 16).

``ThreatTable.live_state_at`` (one kernel: states, then NaN for gone targets) and the
uplinked estimates of :mod:`samsim.engine.uplink` (arrays per interceptor key instead of
a dict of tuples) must give the engine's former numbers bit for bit: random inputs,
compared through bytes.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.engine.uplink import Snapshots, extrapolate_snapshots, store_snapshots
from samsim.physics.threats import ThreatTable
from samsim.physics.trajectory import Trajectory

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _table(rng: np.random.Generator, n: int) -> ThreatTable:
    trs = []
    for _ in range(n):
        k = int(rng.integers(2, 30))
        trs.append(
            Trajectory(
                float(rng.uniform(0.0, 50.0)),
                float(rng.choice([0.5, 1.0, 2.0])),
                rng.normal(0.0, 3e4, (k, 3)),
                rng.normal(0.0, 300.0, (k, 3)),
                rng.uniform(0.0, 1e4, k),
            )
        )
    return ThreatTable(trs)


@settings(max_examples=60, deadline=None)
@given(seeds, st.integers(1, 12), st.booleans())
def test_live_state_at_equals_state_at_with_gone_rows(seed: int, n: int, splice: bool) -> None:
    """Positions and velocities are ``state_at``'s, with NaN rows where the threat is dead
    or outside its trajectory (the engine's former ``_truth``), on the shared table and
    on spliced (overlay) rows."""
    rng = np.random.default_rng(seed)
    table = _table(rng, n)
    if splice:
        i = int(rng.integers(0, n))
        k = int(rng.integers(0, int(table.n_samples[i])))
        m = int(rng.integers(1, 40))
        table.splice(i, k, rng.normal(0.0, 3e4, (m, 3)), rng.normal(0.0, 300.0, (m, 3)), np.ones(m))
    alive = rng.random(n) < 0.8
    for t in [*rng.uniform(-5.0, 120.0, 6).tolist(), float(table.t0_s[0])]:
        idx = rng.integers(0, n, int(rng.integers(0, 8))).astype(np.int64)
        p, v = table.live_state_at(t, idx, alive)
        p_ref, v_ref, _ = table.state_at(t, idx)
        gone = ~alive[idx] | ~table.active(t)[idx]
        p_ref[gone] = np.nan
        v_ref[gone] = np.nan
        assert _same(p, p_ref) and _same(v, v_ref)


@settings(max_examples=60, deadline=None)
@given(seeds, st.integers(0, 10), st.integers(0, 90))
def test_uplinked_estimates_equal_the_dict_snapshots(seed: int, n_keys: int, cap: int) -> None:
    """Stored then extrapolated estimates are the former dict's ``p0 + v0 (t - t0)`` and
    ``v0`` (NaN for keys without a live track), and the ballistic flags its threat kinds
    gave; the arrays grow past their first size."""
    rng = np.random.default_rng(seed)
    n_threats = 6
    key_threat = rng.integers(0, n_threats, max(cap, n_keys, 1)).astype(np.int64)
    threat_ballistic = np.append(rng.random(n_threats) < 0.5, False)
    snap = Snapshots.empty(4).fit(len(key_threat))
    keys = rng.choice(len(key_threat), n_keys, replace=False).astype(np.int64)
    tracks = rng.integers(0, 8, n_keys).astype(np.int64)  # keys may share a track
    live = np.unique(rng.integers(0, 8, int(rng.integers(0, 8)))).astype(np.int64)
    x = rng.normal(0.0, 1e4, (len(live), 6))
    t0 = float(rng.uniform(0.0, 100.0))
    snap.ok[:] = False
    store_snapshots(keys, tracks, live, x, t0, snap.ok, snap.t_s, snap.pos_m, snap.vel_mps)
    # the former bookkeeping: track -> (x[:3], x[3:6]) of the live ones, then per key
    est = {int(i): (x[k, :3], x[k, 3:6]) for k, i in enumerate(live.tolist())}
    ref = {}
    for key, tr in zip(keys.tolist(), tracks.tolist(), strict=True):
        if tr in est:
            ref[key] = (t0, est[tr][0], est[tr][1])
    t = t0 + float(rng.uniform(0.0, 5.0))
    ask = rng.permutation(keys).astype(np.int64)
    p, v, b = np.empty((len(ask), 3)), np.empty((len(ask), 3)), np.empty(len(ask), dtype=bool)
    n_b = extrapolate_snapshots(
        ask, t, snap.ok, snap.t_s, snap.pos_m, snap.vel_mps, key_threat, threat_ballistic, p, v, b
    )
    p_ref = np.full((len(ask), 3), np.nan)
    v_ref = np.full((len(ask), 3), np.nan)
    b_ref = np.zeros(len(ask), dtype=bool)
    for row, k in enumerate(ask.tolist()):
        if k in ref:
            tk, p0, v0 = ref[k]
            p_ref[row] = p0 + v0 * (t - tk)
            v_ref[row] = v0
            b_ref[row] = threat_ballistic[key_threat[k]]
    assert _same(p, p_ref) and _same(v, v_ref) and _same(b, b_ref)
    assert n_b == int(b_ref.sum())


@settings(max_examples=60, deadline=None)
@given(seeds, st.integers(1, 40), st.booleans())
def test_active_states_equal_the_masks_and_state_at(seed: int, n: int, splice: bool) -> None:
    """``ThreatTable.active_states`` (the scan's threats, one kernel) gives the engine's
    former ``(alive & active(t)).nonzero()[0]`` and their ``state_at``, bit for bit, at
    random times and at the ends of trajectories, on the shared table and with a spliced
    row (the array path)."""
    rng = np.random.default_rng(seed)
    table = _table(rng, n)
    if splice:
        i = int(rng.integers(0, n))
        k = int(rng.integers(0, int(table.n_samples[i])))
        m = int(rng.integers(1, 40))
        table.splice(i, k, rng.normal(0.0, 3e4, (m, 3)), rng.normal(0.0, 300.0, (m, 3)), np.ones(m))
    alive = rng.random(n) < 0.8
    ends = [float(table.t0_s[0]), float(table.t_end_s[-1])]
    for t in [*rng.uniform(-5.0, 120.0, 8).tolist(), *ends]:
        idx, p, v, a = table.active_states(t, alive)
        idx_ref = (alive & table.active(t)).nonzero()[0]
        p_ref, v_ref, a_ref = table.state_at(t, idx_ref)
        assert _same(idx, idx_ref)
        assert _same(p, p_ref) and _same(v, v_ref) and _same(a, a_ref)
