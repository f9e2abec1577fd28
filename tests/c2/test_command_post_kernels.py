"""The command post's compiled reachability screen and engagement-window flags against
the array code they replace (issue 16).

Per missile type the launch origin (mean of the ready launchers, own ones first) and the
targets that pass :func:`reach_screen` must be those of the numpy expressions, bit for bit
(the origin is the launch point of the engagement windows, so the event logs depend on
it): random launchers, ready rounds, remote launchers and tracks, compared through their
bytes.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from samsim.c2.command_post import _NO_USABLE, _reach_screens, _ready_reach, reach_screen
from samsim.c2.envelope import engagement_windows, in_envelope
from samsim.geo.frames import EnuFrame
from samsim.physics.envelope import predict_intercept, tof_table
from samsim.physics.missile import MissileSpec, load_missile_catalog
from samsim.physics.toftable import TofTable

seeds = st.integers(min_value=0, max_value=2**32 - 1)
FRAME = EnuFrame(40.0, -40.0, 0.0)


def _near_reference(
    m: int,
    lidx: NDArray[np.int64],
    ready: NDArray[np.int64],
    n_own: int,
    launcher_pos_m: NDArray[np.float64],
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    acc_mps2: NDArray[np.float64],
    consts: tuple[NDArray[np.float64], ...],
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """``CommandPost._near`` as it was in numpy (72d4e14)."""
    flight_time_s, reach_m, reach_time_s, max_speed_mps = consts
    speed_mps = np.linalg.norm(vel_mps, axis=1)
    g_acc_mps2 = np.linalg.norm(acc_mps2, axis=1)
    has = ready[:, m] > 0
    if has.size > n_own and has[:n_own].any():
        has[n_own:] = False
    origin = launcher_pos_m[lidx[has]].mean(axis=0)
    r_now = np.linalg.norm(pos_m - origin, axis=1)
    near = reach_screen(
        r_now, speed_mps + g_acc_mps2 * flight_time_s[m], reach_m[m], reach_time_s[m]
    ) & (speed_mps <= max_speed_mps[m])
    return origin, near


def _same(a: NDArray[np.generic], b: NDArray[np.generic]) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 30),
    st.integers(1, 24),
    st.integers(0, 6),
    st.integers(1, 4),
    seeds,
    st.booleans(),
)
def test_reach_screens_equal_the_array_code(
    n: int, n_own: int, n_remote: int, n_types: int, seed: int, first_only: bool
) -> None:
    """Origins (summed in launcher order, as numpy's mean) and screens of every type with
    ready rounds, bit for bit; with ``first_only`` up to the first type that passes."""
    rng = np.random.default_rng(seed)
    n_all = n_own + n_remote + 3
    launcher_pos = rng.normal(0.0, 15e3, (n_all, 3))
    launcher_pos[:, 2] = rng.uniform(-30.0, 400.0, n_all)
    if rng.random() < 0.3:
        launcher_pos[rng.integers(0, n_all)] = -0.0
    lidx = rng.permutation(n_all)[: n_own + n_remote].astype(np.int64)
    ready = rng.integers(0, 3, (n_own + n_remote, n_types)) * (
        rng.random((n_own + n_remote, n_types)) < 0.6
    )
    ready = ready.astype(np.int64)
    rng_m = rng.uniform(0.0, 500e3, n)
    az = rng.uniform(0.0, 2 * np.pi, n)
    pos = np.stack([rng_m * np.sin(az), rng_m * np.cos(az), rng.uniform(10.0, 50e3, n)], 1)
    vel = rng.normal(0.0, 400.0, (n, 3))
    acc = np.where(rng.random((n, 1)) < 0.3, rng.normal(0.0, 5.0, (n, 3)), 0.0)
    consts = (
        rng.uniform(20.0, 400.0, n_types),
        rng.uniform(10e3, 400e3, n_types),
        rng.uniform(10.0, 300.0, n_types),
        rng.uniform(300.0, 5000.0, n_types),
    )
    types = (ready.sum(axis=0) > 0).nonzero()[0]
    origin = np.zeros((n_types, 3))
    near = np.zeros((n_types, n), dtype=bool)
    # the tracks screened: a subset of more tracks, in order
    n_all_tracks = n + int(rng.integers(0, 4))
    rows = np.sort(rng.permutation(n_all_tracks)[:n]).astype(np.int64)
    pos_all, vel_all, acc_all = (np.full((n_all_tracks, 3), np.nan) for _ in range(3))
    pos_all[rows], vel_all[rows], acc_all[rows] = pos, vel, acc
    found = _reach_screens(
        types,
        lidx,
        ready,
        n_own,
        launcher_pos,
        pos_all,
        vel_all,
        acc_all,
        rows,
        *consts,
        first_only,
        origin,
        near,
    )
    want_found = False
    for m in types.tolist():
        o, s = _near_reference(m, lidx, ready.copy(), n_own, launcher_pos, pos, vel, acc, consts)
        assert _same(origin[m], o)
        assert _same(near[m], s)
        want_found = want_found or bool(s.any())
        if first_only and want_found:
            break
    assert found == want_found


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 12),
    st.integers(1, 8),
    st.integers(0, 4),
    st.integers(1, 4),
    seeds,
    st.booleans(),
)
def test_ready_reach_equals_ready_rounds_and_the_screen(
    n: int, n_own: int, n_remote: int, n_types: int, seed: int, with_usable: bool
) -> None:
    """``_ready_reach`` answers as ``_may_engage`` did: the ready rounds in numpy
    (``CommandPost._ready_rounds``: inventory x not reloading x usable, summed per type)
    and the first-only screen of the types with ready rounds."""
    rng = np.random.default_rng(seed)
    n_all = n_own + n_remote + 2
    launcher_pos = rng.normal(0.0, 15e3, (n_all, 3))
    lidx = rng.permutation(n_all)[: n_own + n_remote].astype(np.int64)
    inventory = rng.integers(0, 3, (n_all, n_types)).astype(np.int64)
    reloading = rng.random(n_all) < 0.3
    usable = rng.random((len(lidx), n_types)) < 0.7 if with_usable else None
    rng_m = rng.uniform(0.0, 400e3, n)
    az = rng.uniform(0.0, 2 * np.pi, n)
    pos = np.stack([rng_m * np.sin(az), rng_m * np.cos(az), rng.uniform(10.0, 50e3, n)], 1)
    vel = rng.normal(0.0, 400.0, (n, 3))
    acc = np.where(rng.random((n, 1)) < 0.3, rng.normal(0.0, 5.0, (n, 3)), 0.0)
    consts = (
        rng.uniform(20.0, 400.0, n_types),
        rng.uniform(10e3, 300e3, n_types),
        rng.uniform(10.0, 300.0, n_types),
        rng.uniform(300.0, 5000.0, n_types),
    )
    rows = np.flatnonzero(rng.random(n) < 0.7).astype(np.int64)
    # the former code
    ready = inventory[lidx] * ~reloading[lidx, None]
    if usable is not None:
        ready = ready * usable
    types = (ready.sum(axis=0) > 0).nonzero()[0]
    origin = np.zeros((n_types, 3))
    near = np.zeros((n_types, len(rows)), dtype=bool)
    want = _reach_screens(
        types, lidx, ready, n_own, launcher_pos, pos, vel, acc, rows, *consts, True, origin, near
    )
    want_np = False
    for m in types.tolist():
        _, s = _near_reference(
            m, lidx, ready.copy(), n_own, launcher_pos, pos[rows], vel[rows], acc[rows], consts
        )
        if s.any():
            want_np = True
            break
    assert want == want_np
    got = _ready_reach(
        lidx,
        inventory,
        reloading,
        _NO_USABLE if usable is None else usable,
        n_own,
        launcher_pos,
        pos,
        vel,
        acc,
        rows,
        *consts,
    )
    assert got == want
    args = (lidx, inventory, reloading, _NO_USABLE if usable is None else usable, n_own)
    assert bool(_ready_reach.py_func(*args, launcher_pos, pos, vel, acc, rows, *consts)) == want


def _windows_reference(
    table: TofTable,
    frame: EnuFrame,
    spec: MissileSpec,
    launcher_enu_m: NDArray[np.float64],
    pos_m: NDArray[np.float64],
    vel_mps: NDArray[np.float64],
    acc_mps2: NDArray[np.float64],
    delays_s: NDArray[np.float64],
    range_margin: float,
    min_speed_ratio: float,
) -> tuple[NDArray[np.generic], ...]:
    """``engagement_windows`` as it was in numpy (72d4e14): its feasibility and slant."""
    d = np.asarray(delays_s, dtype=float)
    acc = np.asarray(acc_mps2, dtype=float)
    origin_all = np.broadcast_to(np.asarray(launcher_enu_m, dtype=float), (len(pos_m), 3))
    n, k = len(pos_m), d.size
    tau = d[None, :, None]
    p = pos_m[:, None, :] + vel_mps[:, None, :] * tau + 0.5 * acc[:, None, :] * tau**2
    v = vel_mps[:, None, :] + acc[:, None, :] * tau
    origin = np.broadcast_to(origin_all[:, None, :], (n, k, 3))
    acc_k = np.broadcast_to(acc[:, None, :], (n, k, 3))
    pip, tof, feas = predict_intercept(table, frame, origin, p, v, acc_k)
    alt = frame.altitude_m(pip.reshape(-1, 3)).reshape(n, k)
    slant = np.linalg.norm(pip - origin, axis=-1)
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
    return ok, slant[:, 0] / spec.max_range_m, pip, tof


@settings(max_examples=50, deadline=None)
@given(
    st.integers(0, 12),
    seeds,
    st.sampled_from(["9M96E", "48N6E2", "9M96E2"]),
    st.sampled_from([0.0, 0.1]),
    st.sampled_from([0.0, 0.8]),
    st.booleans(),
    st.booleans(),
)
def test_engagement_windows_equal_the_array_code(
    n: int, seed: int, name: str, margin: float, ratio: float, ballistic: bool, one: bool
) -> None:
    """The compiled feasibility of the windows (envelope, margin, speed ratio) and the
    slant ranges give the former array code's flags and fractions, bit for bit."""
    spec = load_missile_catalog()[name]
    table = tof_table(spec)
    rng = np.random.default_rng(seed)
    reach = spec.max_range_m
    r = rng.uniform(0.02, 2.0, n) * reach
    az = rng.uniform(0.0, 2 * np.pi, n)
    pos = np.stack([r * np.sin(az), r * np.cos(az), rng.uniform(20.0, 30e3, n)], 1)
    heading = az + np.pi + rng.normal(0.0, 0.5, n)
    s = rng.uniform(50.0, 2500.0, n)
    vel = np.stack([s * np.sin(heading), s * np.cos(heading), rng.normal(0.0, 30.0, n)], 1)
    acc = np.zeros((n, 3))
    if ballistic:
        acc[:, 2] = -9.8
        vel[:, 2] = -rng.uniform(0.0, 1500.0, n)
    launcher = rng.normal(0.0, 5e3, 3) if one else rng.normal(0.0, 5e3, (n, 3))
    delays = np.array([0.0, 5.0, 10.0])
    win = engagement_windows(table, FRAME, spec, launcher, pos, vel, acc, delays, margin, ratio)
    ok, frac, pip, tof = _windows_reference(
        table, FRAME, spec, launcher, pos, vel, acc, delays, margin, ratio
    )
    assert _same(win.feasible, ok)
    assert _same(win.range_fraction, frac)
    now = ok[:, 0]
    assert _same(win.pip_m, np.where(now[:, None], pip[:, 0], np.nan))
    assert _same(win.time_of_flight_s, np.where(now, tof[:, 0], np.nan))
