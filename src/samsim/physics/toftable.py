"""Time-of-flight tables: a missile type's time of flight, arrival speed and feasibility
against the intercept point's ground range and altitude.

The data structure and its lookups, read by the command post (intercept prediction) and
by the flyout's mid-course guidance; built by :func:`samsim.physics.envelope.tof_table`
from the flyout itself. A module of its own so that the flyout and the envelopes do not
import each other.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.jit import njit


@dataclass(frozen=True)
class TofTable:
    """Time of flight, arrival speed and feasibility vs intercept-point range and altitude.

    Built by :func:`tof_table` from stationary-target flyouts of one type. Time of flight
    and speed are bilinear in (ground range, altitude); feasibility is
    near(h) <= r <= far(h) with the near and far boundaries interpolated linearly in
    altitude (the far boundary refined by bisection), and h within the altitude grid.
    """

    name: str
    ranges_m: NDArray[np.float64]
    altitudes_m: NDArray[np.float64]
    time_of_flight_s: NDArray[np.float64]
    speed_mps: NDArray[np.float64]
    near_m: NDArray[np.float64]
    far_m: NDArray[np.float64]

    def lookup(
        self, ground_range_m: ArrayLike, alt_m: ArrayLike
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
        """Time of flight (s), arrival speed (m/s) and feasibility at intercept points.

        Vectorised over any broadcastable shapes. Outside the envelope the time of flight
        is extrapolated from the nearest intercepts of the same altitude (so that
        predicted-intercept iterations still converge) but ``feasible`` is False.
        """
        r = np.asarray(ground_range_m, dtype=float)
        h = np.asarray(alt_m, dtype=float)
        r, h = np.broadcast_arrays(r, h)
        # Bilinear interpolation of both tables, beyond the grid the time of flight
        # extended linearly in range at the edge speed, and the feasibility test, in one
        # compiled pass.
        t_flat = np.empty(r.size)
        v_flat = np.empty(r.size)
        f_flat = np.empty(r.size, dtype=np.bool_)
        _lookup_points(
            np.ascontiguousarray(r).reshape(-1),
            np.ascontiguousarray(h).reshape(-1),
            *self.kernel_arrays,
            t_flat,
            v_flat,
            f_flat,
        )
        t = t_flat.reshape(r.shape)
        # (scalar inputs: numpy scalars for the speed and the flag, as the former array
        # expressions gave)
        if r.ndim:
            return t, v_flat.reshape(r.shape), f_flat.reshape(r.shape)
        return t, v_flat[0], f_flat[0]

    @functools.cached_property
    def max_time_of_flight_s(self) -> float:
        """The longest time of flight of the table's reachable nodes (1 s if none)."""
        tof = self.time_of_flight_s
        return float(np.nanmax(tof)) if np.isfinite(tof).any() else 1.0

    @functools.cached_property
    def kernel_arrays(
        self,
    ) -> tuple[
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.float64],
    ]:
        """What the compiled lookups take (:func:`_lookup_point`): the range and altitude
        grids, the filled time-of-flight and speed tables, the far boundary and the near
        boundary (inf where none), contiguous float64."""
        return (
            np.ascontiguousarray(self.ranges_m, dtype=float),
            np.ascontiguousarray(self.altitudes_m, dtype=float),
            np.ascontiguousarray(self._filled_tof, dtype=float),
            np.ascontiguousarray(self._filled_speed, dtype=float),
            np.ascontiguousarray(self.far_m, dtype=float),
            np.ascontiguousarray(self._near_or_inf, dtype=float),
        )

    def filled_time_of_flight_s(self) -> NDArray[np.float64]:
        """The time-of-flight grid with unreachable nodes extrapolated along each row."""
        return self._filled_tof

    def filled_speed_mps(self) -> NDArray[np.float64]:
        """The arrival-speed grid with unreachable nodes extrapolated along each row."""
        return self._filled_speed

    @functools.cached_property
    def _filled_tof(self) -> NDArray[np.float64]:
        return _fill_rows(self.time_of_flight_s, self.ranges_m)

    @functools.cached_property
    def _filled_speed(self) -> NDArray[np.float64]:
        return _fill_rows(self.speed_mps, self.ranges_m)

    @functools.cached_property
    def _near_or_inf(self) -> NDArray[np.float64]:
        return np.where(np.isfinite(self.near_m), self.near_m, np.inf)


@njit(cache=True, inline="always")
def _search_right(a: NDArray[np.float64], x: float) -> int:
    """``np.searchsorted(a, x, side="right")`` on a sorted grid without NaN (NaN x: the
    end, as numpy sorts NaN last)."""
    if math.isnan(x):
        return a.shape[0]
    lo, hi = 0, a.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if x < a[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True, inline="always")
def _clip01(x: float) -> float:
    """``np.clip(x, 0.0, 1.0)`` (max then min, NaN kept)."""
    if math.isnan(x):
        return x
    x = x if x > 0.0 else 0.0
    return x if x < 1.0 else 1.0


@njit(cache=True, inline="always")
def _interp_point(x: float, grid: NDArray[np.float64], fp: NDArray[np.float64]) -> float:
    """``np.interp(x, grid, fp)`` of one value on a strictly increasing grid, numpy's
    arithmetic: fp at the ends beyond them, fp[j] at a node, else
    slope (x - grid[j]) + fp[j], tried from the other end on NaN, and fp[j] if still NaN
    between equal values; NaN for NaN."""
    m = grid.shape[0]
    if math.isnan(x):
        return x
    if x < grid[0]:
        return fp[0]
    if x >= grid[m - 1]:
        return fp[m - 1]
    a, b = 0, m - 1  # grid[a] <= x < grid[b]
    while b - a > 1:
        c = (a + b) // 2
        if grid[c] <= x:
            a = c
        else:
            b = c
    if grid[a] == x:
        return fp[a]
    slope = (fp[a + 1] - fp[a]) / (grid[a + 1] - grid[a])
    r = slope * (x - grid[a]) + fp[a]
    if math.isnan(r):
        r = slope * (x - grid[a + 1]) + fp[a + 1]
        if math.isnan(r) and fp[a] == fp[a + 1]:
            r = fp[a]
    return r


@njit(cache=True, inline="always")
def _feasible_point(
    rk: float,
    hk: float,
    ga: NDArray[np.float64],
    far: NDArray[np.float64],
    near: NDArray[np.float64],
) -> bool:
    """Feasibility of :meth:`TofTable.lookup` at one point: near(h) <= r <= far(h), both
    interpolated in altitude (:func:`_interp_point`), and h within the altitude grid."""
    f = _interp_point(hk, ga, far)
    n = _interp_point(hk, ga, near)
    return rk <= f and rk >= n and hk >= ga[0] and hk <= ga[ga.shape[0] - 1]


@njit(cache=True, error_model="numpy")
def _lookup_points(
    r: NDArray[np.float64],
    h: NDArray[np.float64],
    gr: NDArray[np.float64],
    ga: NDArray[np.float64],
    tof: NDArray[np.float64],
    speed: NDArray[np.float64],
    far: NDArray[np.float64],
    near: NDArray[np.float64],
    t_out: NDArray[np.float64],
    v_out: NDArray[np.float64],
    feas_out: NDArray[np.bool_],
) -> None:
    """Kernel of :meth:`TofTable.lookup`: per point the time of flight and arrival speed
    (:func:`_bilinear_point`) and the feasibility (:func:`_feasible_point`), the former
    array expressions' operations in their order (bit-for-bit the same values)."""
    for k in range(r.shape[0]):
        t_out[k], v_out[k] = _bilinear_point(r[k], h[k], gr, ga, tof, speed)
        feas_out[k] = _feasible_point(r[k], h[k], ga, far, near)


@njit(cache=True, inline="always")
def _bilinear_point(
    rk: float,
    hk: float,
    gr: NDArray[np.float64],
    ga: NDArray[np.float64],
    tof: NDArray[np.float64],
    speed: NDArray[np.float64],
) -> tuple[float, float]:
    """One point of :meth:`TofTable.lookup`: time of flight and arrival speed at ground
    range ``rk`` and altitude ``hk`` (bilinear in the filled grids; beyond the last range
    the time of flight grows by the excess range over max(speed, 1 m/s))."""
    n_r, n_a = gr.shape[0], ga.shape[0]
    i = min(max(_search_right(gr, rk) - 1, 0), n_r - 2)
    j = min(max(_search_right(ga, hk) - 1, 0), n_a - 2)
    fr = _clip01((rk - gr[i]) / (gr[i + 1] - gr[i]))
    fa = _clip01((hk - ga[j]) / (ga[j + 1] - ga[j]))
    t = (1 - fa) * ((1 - fr) * tof[j, i] + fr * tof[j, i + 1]) + fa * (
        (1 - fr) * tof[j + 1, i] + fr * tof[j + 1, i + 1]
    )
    v = (1 - fa) * ((1 - fr) * speed[j, i] + fr * speed[j, i + 1]) + fa * (
        (1 - fr) * speed[j + 1, i] + fr * speed[j + 1, i + 1]
    )
    if rk > gr[n_r - 1]:
        vm = v if (math.isnan(v) or v >= 1.0) else 1.0  # np.maximum(v, 1.0)
        t = t + (rk - gr[n_r - 1]) / vm
    return t, v


def _fill_rows(tab: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Fill NaNs of each row by linear interpolation/extrapolation in x (constant if <2)."""
    out = tab.copy()
    for row in out:
        ok = np.isfinite(row)
        if ok.sum() >= 2:
            xs, ys = x[ok], row[ok]
            fill = np.interp(x, xs, ys)
            slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
            fill = np.where(x > xs[-1], ys[-1] + slope * (x - xs[-1]), fill)
            row[~ok] = fill[~ok]
        elif ok.sum() == 1:
            row[~ok] = row[ok][0]
        else:
            row[:] = x / 1000.0
    return out
