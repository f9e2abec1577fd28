"""What the engine gives the flyout each macro step (target truth, track estimates)
against the row-by-row code it replaces, bit for bit (the event logs depend on it)."""

from __future__ import annotations

from functools import cache

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import samsim
from samsim.engine.loop import Engine
from samsim.engine.world import World, compile_world
from samsim.physics.threats import gravity_enu_mps2
from tests.conftest import EXAMPLES


@cache
def _world() -> World:
    # cruise missiles, aircraft, decoys and ballistic missiles
    return compile_world(samsim.load_scenario(EXAMPLES / "regiment_vs_mixed_raid.yaml"))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _engine(seed: int, n_keys: int) -> tuple[Engine, np.random.Generator]:
    rng = np.random.default_rng(seed)
    eng = Engine(_world(), 0)
    n_threats = len(eng.w.threat_kind)
    eng._icp_threat = rng.integers(0, n_threats, n_keys).astype(np.int64)
    eng.alive[:] = rng.random(n_threats) < 0.7
    return eng, rng


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 9))
def test_truth_matches_the_former_masks(seed: int, n: int) -> None:
    eng, rng = _engine(seed, 12)
    keys = rng.integers(0, 12, n).astype(np.int64)
    tt = eng.w.threats
    t = float(rng.choice([tt.t0_s.min(), tt.t_end_s.max(), rng.uniform(0.0, 900.0)]))
    p, v = eng._truth(t, keys)
    th = eng._icp_threat[keys]
    p0, v0, _ = tt.state_at(t, th)
    gone = ~eng.alive[th] | ~tt.active(t)[th]
    p0[gone] = np.nan
    v0[gone] = np.nan
    assert _same(p, p0) and _same(v, v0)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 9))
def test_estimate_matches_the_former_row_loop(seed: int, n: int) -> None:
    eng, rng = _engine(seed, 12)
    keys = rng.integers(0, 12, n).astype(np.int64)
    t_snap = float(rng.uniform(0.0, 500.0))
    for k in range(12):
        if rng.random() < 0.7:
            x = rng.normal(size=6) * [5e4, 5e4, 5e3, 300.0, 300.0, 300.0]
            eng._estimate_snapshot[k] = (t_snap, x[:3], x[3:])
    t = t_snap + float(rng.uniform(0.0, 2.0))
    p, v, a = eng._estimate(t, keys)
    # the former code
    n = len(keys)
    p0, v0, a0 = np.full((n, 3), np.nan), np.full((n, 3), np.nan), np.zeros((n, 3))
    for row, k in enumerate(keys.tolist()):
        snap = eng._estimate_snapshot.get(k)
        if snap is not None:
            ts, ps, vs = snap
            p0[row] = ps + vs * (t - ts)
            v0[row] = vs
            if eng.w.threat_kind[eng._icp_threat[k]] == "ballistic_missile":
                g = gravity_enu_mps2(eng.w.frame, p0[row])
                p0[row] += 0.5 * g * (t - ts) ** 2
                v0[row] += g * (t - ts)
                a0[row] = g
    assert _same(p, p0) and _same(v, v0) and _same(a, a0)
