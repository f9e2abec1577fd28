"""The intercept prediction's compiled pass against the array code it replaces (issue 16).

:func:`predict_intercept` must give the same predicted intercept points, times of flight
and feasibility, bit for bit, as the numpy expressions it stands for (the command post's
decisions, and so the event logs, depend on them): random launchers and tracks, inbound,
receding, overflying, ballistic, out of reach, and empty and single-row batches, compared
through their bytes.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from samsim.geo.frames import EnuFrame
from samsim.physics.envelope import _ground_range_alt, predict_intercept
from samsim.physics.missile import load_missile_catalog
from samsim.physics.toftable import TofTable, _bilinear_point

seeds = st.integers(min_value=0, max_value=2**32 - 1)
FRAME = EnuFrame(45.0, 10.0, 0.0)


@functools.cache
def _table(name: str) -> TofTable:
    from samsim.physics.envelope import tof_table

    return tof_table(load_missile_catalog()[name], n_ranges=14, n_alts=7)


def _reference(
    table: TofTable,
    frame: EnuFrame,
    launcher_enu_m: NDArray[np.float64],
    target_pos_enu_m: NDArray[np.float64],
    target_vel_enu_mps: NDArray[np.float64],
    target_acc_enu_mps2: NDArray[np.float64] | None = None,
    iterations: int = 6,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """``predict_intercept`` as it was in numpy (72d4e14), verbatim."""
    acc = np.zeros(3) if target_acc_enu_mps2 is None else target_acc_enu_mps2
    lp, tp, tv, ta = np.broadcast_arrays(
        np.asarray(launcher_enu_m, float),
        np.asarray(target_pos_enu_m, float),
        np.asarray(target_vel_enu_mps, float),
        np.asarray(acc, float),
    )

    def at(t: NDArray[np.float64]) -> NDArray[np.float64]:
        return tp + tv * t[..., None] + 0.5 * ta * (t * t)[..., None]

    def resid(t: NDArray[np.float64]) -> NDArray[np.float64]:
        rng, alt = _ground_range_alt(frame, at(t), lp)
        return table.lookup(rng, alt)[0] - t

    shape = tp.shape[:-1]
    t_top = (
        float(np.nanmax(table.time_of_flight_s))
        if np.isfinite(table.time_of_flight_s).any()
        else 1.0
    )
    grid = 1.1 * t_top * np.linspace(0.0, 1.0, 12) ** 2
    lo = np.zeros(shape)
    flo = resid(lo)
    hi = np.full(shape, grid[-1])
    fhi = np.full(shape, np.nan)
    found = np.zeros(shape, dtype=bool)
    for tk in grid[1:]:
        tt = np.full(shape, tk)
        fk = resid(tt)
        new = ~found & (fk <= 0.0)
        hi = np.where(new, tt, hi)
        fhi = np.where(new, fk, fhi)
        found |= new
        keep = ~found
        lo = np.where(keep, tt, lo)
        flo = np.where(keep, fk, flo)
    side = np.zeros(shape)
    t1 = hi.copy()
    f1 = np.where(found, fhi, np.inf)
    for _ in range(iterations):
        den = flo - fhi
        ok = found & (np.abs(den) > 1e-12)
        t1 = np.where(ok, (lo * fhi - hi * flo) / np.where(ok, -den, 1.0), t1)
        f1 = np.where(found, resid(t1), f1)
        pos = f1 > 0.0
        flo_new = np.where(pos, f1, np.where(side < 0, 0.5 * flo, flo))
        fhi_new = np.where(~pos, f1, np.where(side > 0, 0.5 * fhi, fhi))
        lo = np.where(found & pos, t1, lo)
        hi = np.where(found & ~pos, t1, hi)
        flo = np.where(found, flo_new, flo)
        fhi = np.where(found, fhi_new, fhi)
        side = np.where(pos, 1.0, -1.0)
    pip = at(t1)
    rng, alt = _ground_range_alt(frame, pip, lp)
    _, _, feas = table.lookup(rng, alt)
    converged = found & (np.abs(f1) <= 0.01 * np.maximum(t1, 1.0))
    return pip, t1, feas & converged


def _same(a: NDArray[np.generic], b: NDArray[np.generic]) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _tracks(
    seed: int, n: int, k: int, ballistic: bool, reach_m: float
) -> tuple[NDArray[np.float64], ...]:
    """Launchers near the origin and tracks at (n, k) delays: aircraft and cruise missiles
    inbound, crossing or receding at up to 3x the missile's reach, ballistic descents."""
    rng = np.random.default_rng(seed)
    launcher = np.zeros((n, 3))
    launcher[:, :2] = rng.uniform(-20e3, 20e3, (n, 2))
    launcher[:, 2] = rng.uniform(-50.0, 300.0, n)
    rng_m = rng.uniform(0.01, 3.0, n) * reach_m
    az = rng.uniform(0.0, 2 * np.pi, n)
    pos = np.stack([rng_m * np.sin(az), rng_m * np.cos(az), rng.uniform(20.0, 40e3, n)], 1)
    heading = az + np.pi + rng.normal(0.0, 0.6, n)
    speed = rng.uniform(0.0, 2500.0, n)
    vel = np.stack([speed * np.sin(heading), speed * np.cos(heading), rng.normal(0, 50, n)], 1)
    acc = np.zeros((n, 3))
    if ballistic:
        acc[:, :2] = rng.normal(0.0, 0.05, (n, 2))
        acc[:, 2] = -9.81
        vel[:, 2] = -rng.uniform(0.0, 2000.0, n)
    delays = np.sort(rng.uniform(0.0, 40.0, k))
    delays[0] = 0.0
    tau = delays[None, :, None]
    p = pos[:, None, :] + vel[:, None, :] * tau + 0.5 * acc[:, None, :] * tau**2
    v = vel[:, None, :] + acc[:, None, :] * tau
    origin = np.broadcast_to(launcher[:, None, :], (n, k, 3))
    acc_k = np.broadcast_to(acc[:, None, :], (n, k, 3))
    return origin, p, v, acc_k


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 25),
    st.integers(1, 3),
    seeds,
    st.booleans(),
    st.sampled_from(["9M96E", "48N6E2", "9M96E2", "40N6E"]),
    st.sampled_from([6, 0, 1, 3]),
)
def test_predict_intercept_equals_the_array_code(
    n: int, k: int, seed: int, ballistic: bool, name: str, iterations: int
) -> None:
    """Scan and Illinois iteration in one compiled pass per arctangent: the same points,
    times and flags as the array code, bit for bit."""
    table = _table(name)
    origin, p, v, acc = _tracks(seed, n, k, ballistic, table.ranges_m[-1])
    got = predict_intercept(table, FRAME, origin, p, v, acc, iterations=iterations)
    want = _reference(table, FRAME, origin, p, v, acc, iterations=iterations)
    for g, w in zip(got, want, strict=True):
        assert _same(g, w)


def test_predict_intercept_broadcasts_and_keeps_nan_rows() -> None:
    """One launcher for all rows, no acceleration given, 1-D and NaN rows: as before."""
    table = _table("48N6E2")
    origin, p, v, _ = _tracks(7, 9, 1, False, table.ranges_m[-1])
    p, v = p[:, 0].copy(), v[:, 0].copy()
    p[3] = np.nan
    v[5, 1] = np.nan
    for args in ((np.zeros(3), p, v), (origin[0, 0], p[0], v[0])):
        got = predict_intercept(table, FRAME, *args)
        want = _reference(table, FRAME, *args)
        for g, w in zip(got, want, strict=True):
            assert _same(g, w)


def _lookup_reference(
    table: TofTable, ground_range_m: object, alt_m: object
) -> tuple[object, object, object]:
    """``TofTable.lookup`` as it was (72d4e14): the bilinear kernel for time of flight and
    speed, ``np.interp`` of the boundaries for the feasibility."""
    r = np.asarray(ground_range_m, dtype=float)
    h = np.asarray(alt_m, dtype=float)
    r, h = np.broadcast_arrays(r, h)
    gr, ga = table.ranges_m, table.altitudes_m
    t_flat = np.empty(r.size)
    v_flat = np.empty(r.size)
    tof, speed = table.filled_time_of_flight_s(), table.filled_speed_mps()
    for k, (rk, hk) in enumerate(zip(r.reshape(-1), h.reshape(-1), strict=True)):
        t_flat[k], v_flat[k] = _bilinear_point(float(rk), float(hk), gr, ga, tof, speed)
    t = t_flat.reshape(r.shape)
    v = v_flat.reshape(r.shape) if r.ndim else v_flat[0]
    near_or_inf = np.where(np.isfinite(table.near_m), table.near_m, np.inf)
    far = np.interp(h, ga, table.far_m)
    near = np.interp(h, ga, near_or_inf)
    feas = (r <= far) & (r >= near) & (h >= ga[0]) & (h <= ga[-1])
    return t, v, feas


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 40),
    seeds,
    st.sampled_from(["9M96E", "48N6E2", "40N6E"]),
    st.sampled_from(["array", "scalar", "grid"]),
)
def test_lookup_feasibility_equals_np_interp(n: int, seed: int, name: str, form: str) -> None:
    """The compiled feasibility test (boundaries interpolated as ``np.interp``) gives the
    former array code's flags, and the time of flight and speed are unchanged: inside and
    beyond the grid, on altitude nodes, at rows without a near boundary, NaN and
    infinities, 0-d and 2-d inputs."""
    base = _table(name)
    rng = np.random.default_rng(seed)
    far = base.far_m.copy()
    near = base.near_m.copy()
    near[rng.random(near.size) < 0.3] = np.nan  # rows without a near boundary
    far[rng.random(far.size) < 0.1] = 0.0
    table = dataclasses.replace(base, far_m=far, near_m=near)
    r = rng.uniform(-0.1, 1.5, n) * base.ranges_m[-1]
    h = rng.uniform(-0.1, 1.1, n) * base.altitudes_m[-1]
    if n:
        h[rng.integers(0, n)] = base.altitudes_m[rng.integers(0, base.altitudes_m.size)]
        h[rng.integers(0, n)] = [np.nan, np.inf, -np.inf, base.altitudes_m[-1]][seed % 4]
        r[rng.integers(0, n)] = [np.nan, np.inf, 0.0, far[seed % far.size]][seed // 4 % 4]
    args: tuple[object, object]
    if form == "scalar" and n:
        args = (r[0], h[0])
    elif form == "grid":
        args = (r[:, None], h[None, :])
    else:
        args = (r, h)
    got, want = table.lookup(*args), _lookup_reference(table, *args)
    for g, w in zip(got, want, strict=True):
        assert type(g) is type(w)
        assert _same(g, w)  # type: ignore[arg-type]
