"""Closest point of approach (CPA) of two bodies inside one integration step.

The flyout ends an interceptor's flight at the analytic closest approach of the relative
motion within the final step, not at a sampled position; these are the functions it uses
(numba kernels for the integrator and vectorised wrappers for everyone else).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.jit import njit


@njit(cache=True, fastmath=False)
def cpa_linear_kernel(
    rx: float, ry: float, rz: float, vx: float, vy: float, vz: float, dt: float
) -> tuple[float, float]:
    """CPA time in [0, dt] and miss distance for constant relative velocity (scalar kernel)."""
    vv = vx * vx + vy * vy + vz * vz
    s = 0.0
    if vv > 0.0:
        s = -(rx * vx + ry * vy + rz * vz) / vv
        s = min(max(s, 0.0), dt)
    x = rx + vx * s
    y = ry + vy * s
    z = rz + vz * s
    return s, np.sqrt(x * x + y * y + z * z)


@njit(cache=True)
def _hermite(
    r0: NDArray[np.float64],
    v0: NDArray[np.float64],
    r1: NDArray[np.float64],
    v1: NDArray[np.float64],
    dt: float,
    u: float,
    out: NDArray[np.float64],
) -> None:
    """Position, d/du and d2/du2 of the cubic Hermite curve at u in [0, 1] into out (3, 3)."""
    u2 = u * u
    u3 = u2 * u
    h00 = 2 * u3 - 3 * u2 + 1
    h10 = u3 - 2 * u2 + u
    h01 = -2 * u3 + 3 * u2
    h11 = u3 - u2
    d00 = 6 * u2 - 6 * u
    d10 = 3 * u2 - 4 * u + 1
    d01 = -6 * u2 + 6 * u
    d11 = 3 * u2 - 2 * u
    e00 = 12 * u - 6
    e10 = 6 * u - 4
    e01 = -12 * u + 6
    e11 = 6 * u - 2
    for k in range(3):
        out[0, k] = h00 * r0[k] + h10 * dt * v0[k] + h01 * r1[k] + h11 * dt * v1[k]
        out[1, k] = d00 * r0[k] + d10 * dt * v0[k] + d01 * r1[k] + d11 * dt * v1[k]
        out[2, k] = e00 * r0[k] + e10 * dt * v0[k] + e01 * r1[k] + e11 * dt * v1[k]


@njit(cache=True)
def cpa_hermite_kernel(
    r0: NDArray[np.float64],
    v0: NDArray[np.float64],
    r1: NDArray[np.float64],
    v1: NDArray[np.float64],
    dt: float,
) -> tuple[float, float]:
    """CPA time in [0, dt] and miss distance of cubic-Hermite relative motion (scalar kernel).

    Exact: on u in [0, 1] the relative position is the cubic r(u) = a + b u + c u^2 + d u^3
    (a = r0, b = dt v0, c = 3 (r1 - r0) - dt (2 v0 + v1), d = 2 (r0 - r1) + dt (v0 + v1)),
    so |r|^2 is a polynomial of degree 6; its stationary points are the real roots in
    [0, 1] of the quintic d|r|^2/du (companion-matrix eigenvalues), and the minimum over
    them and the two end points is the closest approach.
    """
    a = np.empty(3)
    b = np.empty(3)
    c = np.empty(3)
    d = np.empty(3)
    for k in range(3):
        a[k] = r0[k]
        b[k] = dt * v0[k]
        c[k] = 3.0 * (r1[k] - r0[k]) - dt * (2.0 * v0[k] + v1[k])
        d[k] = 2.0 * (r0[k] - r1[k]) + dt * (v0[k] + v1[k])
    # (1/2) d|r|^2/du = r . r' with r' = b + 2 c u + 3 d u^2: coefficients of u^0..u^5
    q = np.zeros(6)
    for k in range(3):
        q[0] += a[k] * b[k]
        q[1] += b[k] * b[k] + 2.0 * a[k] * c[k]
        q[2] += 3.0 * a[k] * d[k] + 3.0 * b[k] * c[k]
        q[3] += 4.0 * b[k] * d[k] + 2.0 * c[k] * c[k]
        q[4] += 5.0 * c[k] * d[k]
        q[5] += 3.0 * d[k] * d[k]
    best_u = 0.0
    best_d2 = a[0] * a[0] + a[1] * a[1] + a[2] * a[2]
    e = a + b + c + d
    e2 = e[0] * e[0] + e[1] * e[1] + e[2] * e[2]
    if e2 < best_d2:
        best_u = 1.0
        best_d2 = e2
    scale = 0.0
    for k in range(6):
        scale = max(scale, abs(q[k]))
    deg = 5
    while deg > 0 and abs(q[deg]) <= 1e-14 * scale:
        deg -= 1
    if deg >= 1:
        comp = np.zeros((deg, deg))
        for k in range(deg):
            comp[0, k] = -q[deg - 1 - k] / q[deg]
        for k in range(1, deg):
            comp[k, k - 1] = 1.0
        roots = np.linalg.eigvals(comp.astype(np.complex128))
        for z in roots:
            u = z.real
            if abs(z.imag) > 1e-7 * (1.0 + abs(u)) or u <= 0.0 or u >= 1.0:
                continue
            # one Newton polish on the quintic
            pv = 0.0
            dv = 0.0
            for k in range(deg, -1, -1):
                dv = dv * u + pv
                pv = pv * u + q[k]
            if dv != 0.0:
                un = u - pv / dv
                if 0.0 < un < 1.0:
                    u = un
            x0 = a[0] + u * (b[0] + u * (c[0] + u * d[0]))
            x1 = a[1] + u * (b[1] + u * (c[1] + u * d[1]))
            x2 = a[2] + u * (b[2] + u * (c[2] + u * d[2]))
            d2 = x0 * x0 + x1 * x1 + x2 * x2
            if d2 < best_d2:
                best_d2 = d2
                best_u = u
    return best_u * dt, np.sqrt(best_d2)


def cpa_linear(
    r0_m: ArrayLike, vrel_mps: ArrayLike, dt_s: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Closest approach within [0, dt] of relative motion with constant velocity.

    Parameters
    ----------
    r0_m : array_like, shape (..., 3)
        Relative position (target minus interceptor) at the step start, m.
    vrel_mps : array_like, shape (..., 3)
        Constant relative velocity over the step, m/s.
    dt_s : array_like, shape (...)
        Step length, s.

    Returns
    -------
    t_cpa_s, miss_m : ndarray, shape (...)

    Notes
    -----
    r(t) = r0 + v t; d|r|^2/dt = 0 at t* = -r0.v/|v|^2, clipped to [0, dt]; miss = |r(t*)|.
    """
    r0 = np.asarray(r0_m, dtype=float)
    v = np.asarray(vrel_mps, dtype=float)
    dt = np.asarray(dt_s, dtype=float)
    vv = np.sum(v * v, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(vv > 0, -np.sum(r0 * v, axis=-1) / np.where(vv > 0, vv, 1.0), 0.0)
    t = np.clip(t, 0.0, dt)
    miss = np.linalg.norm(r0 + v * t[..., None], axis=-1)
    return t, miss


@njit(cache=True)
def _cpa_hermite_rows(
    r0: NDArray[np.float64],
    v0: NDArray[np.float64],
    r1: NDArray[np.float64],
    v1: NDArray[np.float64],
    dt: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    n = r0.shape[0]
    t = np.empty(n)
    d = np.empty(n)
    for i in range(n):
        t[i], d[i] = cpa_hermite_kernel(r0[i], v0[i], r1[i], v1[i], dt[i])
    return t, d


def cpa_hermite(
    r0_m: ArrayLike, v0_mps: ArrayLike, r1_m: ArrayLike, v1_mps: ArrayLike, dt_s: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Closest approach within one step of relative motion known at both step ends.

    Parameters
    ----------
    r0_m, v0_mps : array_like, shape (..., 3)
        Relative position and velocity (target minus interceptor) at the step start.
    r1_m, v1_mps : array_like, shape (..., 3)
        The same at the step end.
    dt_s : array_like, shape (...)
        Step length, s.

    Returns
    -------
    t_cpa_s, miss_m : ndarray, shape (...)
        Time of closest approach after the step start, in [0, dt], and the miss distance.

    Notes
    -----
    The relative motion inside the step is the cubic Hermite interpolant of the end states,
    r(u) = h00 r0 + h10 dt v0 + h01 r1 + h11 dt v1, u = t/dt (exact for constant relative
    acceleration, the case of an RK4 step with held commands to O(dt^4)). The minimum of
    |r(u)|^2 on [0, 1] is found by a 16-interval search refined by Newton's method on
    r . r' = 0. Reference: de Boor, *A Practical Guide to Splines*, ch. 4 (cubic Hermite);
    for the linear case see :func:`cpa_linear`.
    """
    r0, v0, r1, v1 = (np.asarray(a, dtype=float) for a in (r0_m, v0_mps, r1_m, v1_mps))
    r0, v0, r1, v1 = np.broadcast_arrays(r0, v0, r1, v1)
    shape = r0.shape[:-1]
    dt = np.broadcast_to(np.asarray(dt_s, dtype=float), shape)
    if np.any(~(dt > 0)):
        raise ValueError(f"dt_s must be > 0, got {dt[~(dt > 0)]}")
    t, d = _cpa_hermite_rows(
        np.ascontiguousarray(r0.reshape(-1, 3)),
        np.ascontiguousarray(v0.reshape(-1, 3)),
        np.ascontiguousarray(r1.reshape(-1, 3)),
        np.ascontiguousarray(v1.reshape(-1, 3)),
        np.ascontiguousarray(dt.reshape(-1)),
    )
    return t.reshape(shape), d.reshape(shape)
