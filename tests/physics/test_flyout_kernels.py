"""The flyout's compiled macro-step inputs against the array code they replace.

The event logs depend on these numbers bit for bit: random inputs (with non-finite
entries and values on the lock-on boundary), compared through their bytes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.geo.frames import EnuFrame
from samsim.physics.aero import I_ASTR, I_GTS, I_HL, I_M0, I_SINTVC, I_TB, I_VL
from samsim.physics.flyout import (
    Flyout,
    _due_rows,
    _launch_aims,
    _launch_states,
    _live_rows,
    _macro_step_inputs,
    _rows3,
)
from samsim.physics.missile import MissileSpec
from samsim.units import G0_MPS2
from tests.physics.conftest import point_at

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def _same(a: object, b: object) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _with_gaps(rng: np.random.Generator, a: np.ndarray, p: float) -> np.ndarray:
    """``a`` with a fraction ``p`` of its entries NaN or +-inf."""
    a = a.copy()
    hole = rng.random(a.shape) < p
    a[hole] = rng.choice([np.nan, np.inf, -np.inf], size=int(hole.sum()))
    return a


@settings(max_examples=80, deadline=None)
@given(m=st.integers(min_value=0, max_value=12), seed=seeds)
def test_macro_step_inputs_match_the_numpy_expressions(m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = m + 3
    rows = rng.permutation(n)[:m].astype(np.int64)
    hw = float(rng.uniform(0.01, 0.5))
    tp0, tv0, tp1, tv1 = (
        _with_gaps(rng, rng.normal(size=(m, 3)) * s, 0.03) for s in (4e4, 400.0, 4e4, 400.0)
    )
    pos = rng.normal(size=(n, 3)) * 4e4
    vel = rng.normal(size=(n, 3)) * 800.0
    phase = rng.integers(0, 3, n).astype(np.int64)
    typ = rng.integers(0, 3, n).astype(np.int64)
    par = rng.uniform(0.001, 0.1, (3, 40))
    # the replaced code (Flyout._macro_step and _seeker_inputs before the kernel)
    ok0 = (
        np.all(np.isfinite(tp0), axis=1)
        & np.all(np.isfinite(tv0), axis=1)
        & np.all(np.isfinite(tp1), axis=1)
        & np.all(np.isfinite(tv1), axis=1)
    )
    r = rows[ok0]
    reach = (
        np.linalg.norm(tp0[ok0] - pos[r], axis=1)
        - (np.linalg.norm(vel[r], axis=1) + np.linalg.norm(tv0[ok0], axis=1) + 500.0) * hw
    )
    # lock-on ranges on, just below and just above the reach, and at random
    lock = rng.uniform(1e3, 6e4, n)
    edge = rng.integers(0, 4, r.size)
    lock[r] = np.where(
        edge == 0,
        reach,
        np.where(edge == 1, np.nextafter(reach, -np.inf), np.where(edge == 2, lock[r], reach)),
    )
    lock[r[edge == 3]] = np.nextafter(reach[edge == 3], np.inf)
    near0 = (phase[r] == 2) | (reach <= lock[r])
    ok = np.empty(m, dtype=np.bool_)
    near = np.empty(m, dtype=np.bool_)
    n_ok, n_near, ts_min = _macro_step_inputs(
        rows, hw, tp0, tv0, tp1, tv1, pos, vel, phase, lock, typ, par, ok, near
    )
    assert _same(ok, ok0) and n_ok == int(ok0.sum())
    assert _same(near[ok0], near0) and not near[~ok0].any() and n_near == int(near0.sum())
    assert ts_min == (float(par[typ[r], I_GTS].min()) if r.size else np.inf)


def _flyout_state(fly: Flyout) -> list[np.ndarray]:
    names = ("_pos", "_vel", "_chain", "_tcur", "_pip", "_peak", "_zlos", "_glint", "_mp")
    return [getattr(fly, name)[: fly._n].copy() for name in names]


def _run(
    frame: EnuFrame,
    spec: MissileSpec,
    seed: int,
    estimate: Callable[[float, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    tgt = point_at(frame, np.array([30e3, 35e3, 40e3]), np.array([3e3, 5e3, 8e3]))
    vel = np.array([[-250.0, 20.0, 0.0], [-200.0, -30.0, 5.0], [-300.0, 0.0, -10.0]])

    def truth(t: float, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return tgt[ids] + vel[ids] * t, vel[ids].copy()

    fly = Flyout(frame, [spec], rng=np.random.default_rng(seed))
    fly.launch([0, 0, 0], np.zeros((3, 3)), [0.0, 0.3, 0.6], [0, 1, 2], tgt + 40.0 * vel)
    out = [fly.advance(t, truth, lambda t, ids: estimate(t, ids)) for t in (9.0, 25.0, 90.0)]
    flat = [np.concatenate([getattr(o, f) for o in out]) for f in ("time_s", "miss_m")]
    return _flyout_state(fly), flat


@settings(max_examples=10, deadline=None)
@given(seed=seeds)
def test_kernel_treats_non_finite_estimates_as_the_masks_did(
    frame: EnuFrame, catalog: dict[str, MissileSpec], seed: int
) -> None:
    """The kernel takes the estimates raw: a row with any non-finite position or velocity
    entry is no track, a non-finite acceleration is zero, exactly as the flyout's masks
    (``np.where``) made them before it passed them."""
    spec = catalog["9M96E2"].model_copy(update={"guidance_law": "apn"})
    rng = np.random.default_rng(seed)
    base = point_at(frame, np.array([30e3, 35e3, 40e3]), np.array([3e3, 5e3, 8e3]))
    vel = np.array([[-250.0, 20.0, 0.0], [-200.0, -30.0, 5.0], [-300.0, 0.0, -10.0]])
    tables = {}

    def raw(t: float, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if t not in tables:  # the same draws for both runs
            acc = rng.normal(size=(3, 3)) * 5.0
            tables[t] = tuple(_with_gaps(rng, a, 0.15) for a in (base + vel * t, vel, acc))
        p, v, a = tables[t]
        return p[ids].copy(), v[ids].copy(), a[ids].copy()

    def masked(t: float, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # what the flyout passed before: no-track rows whole, accelerations finite
        ep, ev, ea = raw(t, ids)
        evalid = np.all(np.isfinite(ep), axis=1) & np.all(np.isfinite(ev), axis=1)
        return (
            np.where(evalid[:, None], ep, np.nan),
            np.where(evalid[:, None], ev, np.nan),
            np.where(np.isfinite(ea), ea, 0.0),
        )

    state_raw, out_raw = _run(frame, spec, seed, raw)
    state_masked, out_masked = _run(frame, spec, seed, masked)
    assert all(_same(a, b) for a, b in zip(state_raw, state_masked, strict=True))
    assert all(_same(a, b) for a, b in zip(out_raw, out_masked, strict=True))


def test_in_flight_count_follows_launches_ends_and_aborts(
    frame: EnuFrame, catalog: dict[str, MissileSpec]
) -> None:
    tgt = point_at(frame, np.array([30e3]), np.array([5e3]))
    fly = Flyout(frame, [catalog["9M96E2"]])
    ids = fly.launch([0, 0, 0, 0], np.zeros((4, 3)), 0.0, [0, 0, 0, 0], np.repeat(tgt, 4, 0))
    assert fly.n_in_flight == 4
    fly.abort([ids[1], ids[1], 99])
    assert fly.n_in_flight == 3
    fly.abort(ids[1])
    assert fly.n_in_flight == 3
    out = fly.advance(200.0, lambda t, k: (tgt[np.zeros(len(k), int)], np.zeros((len(k), 3))))
    assert len(out) == 3 and fly.n_in_flight == 0
    fly.launch([0], np.zeros((1, 3)), 200.0, [0], tgt)
    assert fly.n_in_flight == 1


@settings(max_examples=80, deadline=None)
@given(n=st.integers(min_value=0, max_value=20), seed=seeds)
def test_due_rows_match_the_numpy_expressions(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cap = n + 4
    alive = rng.random(cap) < 0.6
    tcur = rng.choice([1.0, 1.5, 2.0, 2.5], size=cap) + rng.choice([0.0, 1e-13, -1e-13], cap)
    t_cut = float(rng.choice([1.5, 2.0, 3.0])) - 1e-12
    live = np.flatnonzero(alive[:n])
    rows, t_min = _due_rows(alive, tcur, n, t_cut)
    assert _same(rows, live[tcur[live] < t_cut])
    assert t_min == (np.min(tcur[live]) if live.size else np.inf)


@settings(max_examples=80, deadline=None)
@given(n=st.integers(min_value=0, max_value=20), seed=seeds)
def test_live_rows_match_the_numpy_expressions(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cap = n + 4
    alive = rng.random(cap) < 0.6
    tlaunch = rng.choice([1.0, 1.5, 2.0], size=cap) + rng.choice([0.0, 1e-13, -1e-13], cap)
    t_cut = float(rng.choice([1.0, 1.5, 2.0, 3.0])) + 1e-12
    live = np.flatnonzero(alive[:n])
    assert _same(_live_rows(alive, tlaunch, n, t_cut), live[tlaunch[live] <= t_cut])


def test_rows3_passes_float_rows_through_and_converts_the_rest() -> None:
    a = np.arange(6.0).reshape(2, 3)
    assert _rows3(a) is a
    for other in (a.tolist(), a.astype(np.float32), np.asfortranarray(a), a.reshape(6)):
        out = _rows3(other)
        assert out.dtype == np.float64 and out.flags.c_contiguous and _same(out, a)


def _launch_states_numpy(
    fly: Flyout, pos: np.ndarray, aim: np.ndarray, typ: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The array code of Flyout.launch that _launch_states replaced."""
    par = fly.types.par[typ]
    up = pos - fly._cen
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    p0 = pos + up * par[:, I_HL, None]
    d = (
        _launch_aims(p0, aim, fly.types.par, typ, fly._cen, fly._rg, fly._h0, fly._dh, fly._rho)
        - p0
    )
    dist = np.linalg.norm(d, axis=1)
    d = d - np.minimum(np.sum(d * up, axis=1, keepdims=True), 0.0) * up
    norm = np.linalg.norm(d, axis=1, keepdims=True)
    d = np.where(norm > 1e-6 * np.maximum(dist[:, None], 1.0), d / np.maximum(norm, 1e-300), up)
    vel = d * par[:, I_VL, None]
    g0 = G0_MPS2 * (fly._rg / np.linalg.norm(p0 - fly._cen, axis=1))[:, None] ** 2 * up
    g_perp = g0 - np.sum(g0 * d, axis=1, keepdims=True) * d
    amax0 = np.minimum(par[:, I_ASTR], par[:, I_TB] * par[:, I_SINTVC] / par[:, I_M0])
    gn = np.linalg.norm(g_perp, axis=1)
    hold = g_perp * np.minimum(1.0, amax0 / np.maximum(gn, 1e-12))[:, None] * fly._gmul
    return p0, vel, hold


@settings(max_examples=60, deadline=None)
@given(k=st.integers(min_value=0, max_value=8), seed=seeds, gravity=st.booleans())
def test_launch_states_match_the_numpy_expressions(
    frame: EnuFrame, catalog: dict[str, MissileSpec], k: int, seed: int, gravity: bool
) -> None:
    rng = np.random.default_rng(seed)
    fly = Flyout(frame, list(catalog.values()), gravity=gravity)
    typ = rng.integers(0, len(catalog), k).astype(np.int64)
    pos = rng.normal(size=(k, 3)) * np.array([3e4, 3e4, 200.0])
    aim = pos + rng.normal(size=(k, 3)) * np.array([8e4, 8e4, 1e4])
    # aims straight overhead, and at the launcher
    kind = rng.integers(0, 4, k)
    aim[kind == 0, :2] = pos[kind == 0, :2]
    aim[kind == 1] = pos[kind == 1]
    p0, vel, hold = np.empty((k, 3)), np.empty((k, 3)), np.empty((k, 3))
    _launch_states(
        pos, aim, typ, fly.types.par, fly._cen, fly._rg, fly._h0, fly._dh, fly._rho,
        fly._gmul, p0, vel, hold,
    )  # fmt: skip
    for got, want in zip((p0, vel, hold), _launch_states_numpy(fly, pos, aim, typ), strict=True):
        assert _same(got, want)


def test_truth_is_sampled_once_per_step_boundary(
    frame: EnuFrame, catalog: dict[str, MissileSpec]
) -> None:
    """Within one advance a step starts from the truth its predecessor ended with: the
    flight is the same, bit for bit, as when every step samples both ends afresh."""
    tgt = point_at(frame, np.array([30e3, 36e3]), np.array([4e3, 6e3]))
    vel = np.array([[-250.0, 20.0, 0.0], [-220.0, -30.0, 5.0]])
    calls: list[float] = []

    def truth(t: float, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        calls.append(t)
        return tgt[ids] + vel[ids] * t, vel[ids].copy()

    flies = []
    for one_call in (True, False):
        fly = Flyout(frame, [catalog["9M96E2"]], rng=np.random.default_rng(5))
        fly.launch([0, 0], np.zeros((2, 3)), [0.0, 1.2], [0, 1], tgt + 40.0 * vel)
        calls.clear()
        if one_call:
            outs = [fly.advance(100.0, truth)]
            steps = int(np.ceil(outs[0].time_s.max() / fly.macro_step_s))  # flown
            # one sample per boundary, and a fresh start where the interceptors flying change
            assert len(outs[0]) == 2 and steps <= len(calls) <= steps + 4  # not 2 per step
        else:
            outs = [fly.advance(t, truth) for t in np.arange(0.5, 100.01, 0.5)]
        flies.append((fly, outs))
    (a, out_a), (b, out_b) = flies
    assert all(_same(x, y) for x, y in zip(_flyout_state(a), _flyout_state(b), strict=True))
    for f in ("interceptor_id", "kind", "time_s", "miss_m", "position_enu_m"):
        assert _same(
            np.concatenate([getattr(o, f) for o in out_a]),
            np.concatenate([getattr(o, f) for o in out_b]),
        )


def test_no_terrain_is_flat_ground_at_zero(
    frame: EnuFrame, catalog: dict[str, MissileSpec]
) -> None:
    """The engine passes no terrain over flat ground at 0 m: the flights must be those
    with a terrain function that returns 0 m everywhere, bit for bit (ground impact
    tests and the multipath's target height)."""
    tgt = point_at(frame, np.array([20e3, 26e3]), np.array([60.0, 200.0]))
    vel = np.array([[-250.0, 20.0, 0.0], [-220.0, -30.0, 0.0]])

    def truth(t: float, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return tgt[ids] + vel[ids] * t, vel[ids].copy()

    runs = []
    for terrain in (None, lambda p: np.zeros(len(p))):
        fly = Flyout(frame, [catalog["9M96E2"]], rng=np.random.default_rng(11))
        fly.launch([0, 0], np.zeros((2, 3)), [0.0, 0.4], [0, 1], tgt + 30.0 * vel)
        out = [fly.advance(t, truth, terrain=terrain) for t in (7.0, 100.0)]
        runs.append((_flyout_state(fly), [np.concatenate([o.time_s for o in out])]))
    (sa, oa), (sb, ob) = runs
    assert len(oa[0]) == 2
    assert all(_same(x, y) for x, y in zip(sa + oa, sb + ob, strict=True))
