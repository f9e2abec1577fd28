"""Batched Kalman measurement updates and the IMM mixing/combination steps.

Every function here works on stacks of small matrices (leading axes are rows: tracks, or
track-measurement pairs, or track-model pairs) without a Python loop over rows.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

import samsim.jit as numba  # numba.njit, built on first call

FloatArray = NDArray[np.float64]

_LOG_2PI = float(np.log(2.0 * np.pi))


def inv_logdet_sym(S: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Inverse and log-determinant of a stack of symmetric positive-definite matrices.

    Parameters
    ----------
    S : ndarray, shape (..., d, d)
        Symmetric positive-definite matrices, d = 1, 2 or 3 in closed form, any d otherwise.

    Returns
    -------
    inv : ndarray, shape (..., d, d)
    logdet : ndarray, shape (...)

    Notes
    -----
    For d <= 3 the adjugate formula inv(S) = adj(S) / det(S) is used (cofactors written
    out), which is several times faster than LAPACK on stacks of tiny matrices.
    """
    d = S.shape[-1]
    if d == 1:
        det = S[..., 0, 0]
        return (1.0 / det)[..., None, None], np.log(det)
    if d == 2:
        a, b, c = S[..., 0, 0], S[..., 0, 1], S[..., 1, 1]
        det = a * c - b * b
        inv = np.empty_like(S)
        inv[..., 0, 0] = c / det
        inv[..., 1, 1] = a / det
        inv[..., 0, 1] = inv[..., 1, 0] = -b / det
        return inv, np.log(det)
    if d == 3:
        flat = np.ascontiguousarray(S, dtype=np.float64).reshape(-1, 3, 3)
        inv = np.empty(flat.shape)
        det = np.empty(flat.shape[0])
        _inv_det_sym3(flat, inv, det)
        logdet = np.log(det)
        # (a single matrix: a numpy scalar log-determinant, as the array code gave)
        return inv.reshape(S.shape), logdet.reshape(S.shape[:-2]) if S.ndim > 2 else logdet[0]
    _, logdet = np.linalg.slogdet(S)
    return np.asarray(np.linalg.inv(S), dtype=float), np.asarray(logdet, dtype=float)


@numba.njit(cache=True)
def _inv_det_sym3(S: FloatArray, inv: FloatArray, det: FloatArray) -> None:
    """Adjugate inverse and determinant of symmetric 3 x 3 matrices (upper triangle
    read), row by row; the cofactor expressions and their order are those of the former
    array code, so the values are bit-for-bit the same."""
    for k in range(S.shape[0]):
        a, b, c = S[k, 0, 0], S[k, 0, 1], S[k, 0, 2]
        e, f, i = S[k, 1, 1], S[k, 1, 2], S[k, 2, 2]
        A = e * i - f * f
        B = c * f - b * i
        C = b * f - c * e
        D = a * i - c * c
        E = b * c - a * f
        G = a * e - b * b
        dt = a * A + b * B + c * C
        det[k] = dt
        inv[k, 0, 0], inv[k, 1, 1], inv[k, 2, 2] = A / dt, D / dt, G / dt
        inv[k, 0, 1] = inv[k, 1, 0] = B / dt
        inv[k, 0, 2] = inv[k, 2, 0] = C / dt
        inv[k, 1, 2] = inv[k, 2, 1] = E / dt


def mahalanobis2(nu: FloatArray, S_inv: FloatArray) -> FloatArray:
    """Squared Mahalanobis distance nu' S^-1 nu over stacks: nu (..., d), S_inv (..., d, d)."""
    y = (S_inv @ nu[..., None])[..., 0]
    return np.asarray(np.sum(nu * y, axis=-1), dtype=float)


def gaussian_loglik(d2: FloatArray, logdet_S: FloatArray, dims: int) -> FloatArray:
    """Log of the Gaussian density N(nu; 0, S) from d2 = nu' S^-1 nu and ln|S|.

    Notes
    -----
    ln N = -(d2 + ln|S| + d ln(2 pi)) / 2.
    """
    return -0.5 * (d2 + logdet_S + dims * _LOG_2PI)


def kalman_update_position(
    x: FloatArray, P: FloatArray, z: FloatArray, R: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Kalman update of stacked states by position measurements (H = [I_d 0]).

    Parameters
    ----------
    x : ndarray, shape (m, nx)
        Predicted states; the first d components are the position.
    P : ndarray, shape (m, nx, nx)
        Predicted covariances.
    z : ndarray, shape (m, d)
        Position measurements, one per row.
    R : ndarray, shape (m, d, d)
        Measurement covariances.

    Returns
    -------
    x_upd, P_upd : ndarray
        Updated states and covariances.
    d2 : ndarray, shape (m,)
        Squared Mahalanobis distance of the innovation.
    logdet_S : ndarray, shape (m,)
        Log-determinant of the innovation covariance.

    Notes
    -----
    nu = z - H x, S = H P H' + R, K = P H' S^-1, x+ = x + K nu, P+ = P - K S K'
    = P - P H' S^-1 H P (Bar-Shalom, Li and Kirubarajan 2001, sec. 5.2.3, eqs. 5.2.3-6 to
    5.2.3-15). With H selecting the position, H P H' and P H' are sub-blocks of P. One
    compiled pass per row (numba): S is factored by Cholesky, and P+ is written
    symmetric. :func:`kalman_update_position_numpy` is the same in plain numpy (reference).
    """
    m, nx = x.shape
    x_out = np.empty((m, nx))
    P_out = np.empty((m, nx, nx))
    d2 = np.empty(m)
    logdet = np.empty(m)
    if m:
        _kf_update_rows(
            np.ascontiguousarray(x, dtype=np.float64),
            np.ascontiguousarray(P, dtype=np.float64),
            np.ascontiguousarray(z, dtype=np.float64),
            np.ascontiguousarray(R, dtype=np.float64),
            x_out,
            P_out,
            d2,
            logdet,
        )
    return x_out, P_out, d2, logdet


@numba.njit(cache=True)
def _kf_update_rows(
    x: FloatArray,
    P: FloatArray,
    z: FloatArray,
    R: FloatArray,
    x_out: FloatArray,
    P_out: FloatArray,
    d2_out: FloatArray,
    logdet_out: FloatArray,
) -> None:  # pragma: no cover - compiled
    """:func:`_kf_update_row` of every row (the kernel of :func:`kalman_update_position`)."""
    m, nx = x.shape
    d = z.shape[1]
    L = np.zeros((d, d))
    Si = np.zeros((d, d))
    K = np.zeros((nx, d))
    nu = np.zeros(d)
    y = np.zeros(d)
    for k in range(m):
        d2, logdet = _kf_update_row(x[k], P[k], z[k], R[k], x_out[k], P_out[k], L, Si, K, nu, y)
        d2_out[k] = d2
        logdet_out[k] = logdet


@numba.njit(cache=True)
def _kf_update_row(
    x: FloatArray,
    P: FloatArray,
    z: FloatArray,
    R: FloatArray,
    x_out: FloatArray,
    P_out: FloatArray,
    L: FloatArray,
    Si: FloatArray,
    K: FloatArray,
    nu: FloatArray,
    y: FloatArray,
) -> tuple[float, float]:  # pragma: no cover - compiled
    """Kalman update of one state ``x`` (nx,), ``P`` (nx, nx) by the position measurement
    ``z`` (d,), ``R`` (d, d) (:func:`kalman_update_position`) into ``x_out``, ``P_out``
    (not ``x``, ``P`` themselves); ``L``, ``Si`` (d, d), ``K`` (nx, d), ``nu``, ``y``
    (d,) are scratch. Returns the squared Mahalanobis distance of the innovation and
    ln |S|."""
    return _kf_update_row_n(x, P, z, R, x_out, P_out, L, Si, K, nu, y, x.shape[0], z.shape[0])


@numba.njit(cache=True)
def _kf_update_row_n(
    x: FloatArray,
    P: FloatArray,
    z: FloatArray,
    R: FloatArray,
    x_out: FloatArray,
    P_out: FloatArray,
    L: FloatArray,
    Si: FloatArray,
    K: FloatArray,
    nu: FloatArray,
    y: FloatArray,
    nx: int,
    d: int,
) -> tuple[float, float]:  # pragma: no cover - compiled
    """:func:`_kf_update_row` with the state size ``nx`` and the measurement size ``d``
    given (they must be the arrays'): a caller that passes literals gets loops of fixed
    length, the same operations in the same order."""
    for i in range(d):
        nu[i] = z[i] - x[i]
    # Cholesky S = L L' with S = P[:d, :d] + R.
    logdet = 0.0
    for i in range(d):
        for j in range(i + 1):
            acc = P[i, j] + R[i, j]
            for q in range(j):
                acc -= L[i, q] * L[j, q]
            if i == j:
                L[i, i] = np.sqrt(acc)
                logdet += 2.0 * np.log(L[i, i])
            else:
                L[i, j] = acc / L[j, j]
    # Si = S^-1 column by column from L (forward then back substitution).
    for c in range(d):
        for i in range(d):
            acc = 1.0 if i == c else 0.0
            for q in range(i):
                acc -= L[i, q] * y[q]
            y[i] = acc / L[i, i]
        for i in range(d - 1, -1, -1):
            acc = y[i]
            for q in range(i + 1, d):
                acc -= L[q, i] * Si[q, c]
            Si[i, c] = acc / L[i, i]
    d2 = 0.0
    for i in range(d):
        for j in range(d):
            d2 += nu[i] * Si[i, j] * nu[j]
    for a in range(nx):
        for j in range(d):
            acc = 0.0
            for i in range(d):
                acc += P[a, i] * Si[i, j]
            K[a, j] = acc
    for a in range(nx):
        acc = x[a]
        for j in range(d):
            acc += K[a, j] * nu[j]
        x_out[a] = acc
    for a in range(nx):
        for b in range(a, nx):
            acc = 0.5 * (P[a, b] + P[b, a])
            for j in range(d):
                acc -= K[a, j] * P[j, b]
            P_out[a, b] = acc
            P_out[b, a] = acc
    return d2, logdet


def kalman_update_position_numpy(
    x: FloatArray, P: FloatArray, z: FloatArray, R: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Plain-numpy twin of :func:`kalman_update_position` (same formulas), for reference."""
    d = z.shape[-1]
    PHt = P[..., :, :d]
    S = P[..., :d, :d] + R
    S_inv, logdet = inv_logdet_sym(S)
    nu = z - x[..., :d]
    K = PHt @ S_inv
    x_upd = x + (K @ nu[..., None])[..., 0]
    P_upd = P - K @ np.swapaxes(PHt, -1, -2)
    P_upd = 0.5 * (P_upd + np.swapaxes(P_upd, -1, -2))
    return x_upd, P_upd, mahalanobis2(nu, S_inv), logdet


def imm_transition_matrix(sojourn_s: FloatArray, dt_s: float) -> FloatArray:
    """Mode transition probabilities over ``dt_s`` from mean sojourn times.

    Parameters
    ----------
    sojourn_s : ndarray, shape (r,)
        Mean time spent in each mode, s. A mode is left at rate 1/tau_i towards the other
        modes with equal probability.
    dt_s : float
        Time step, s.

    Returns
    -------
    ndarray, shape (r, r)
        p_ij = P(mode j at t + dt | mode i at t); rows sum to one.

    Notes
    -----
    The continuous-time Markov chain with generator G (G_ii = -1/tau_i,
    G_ij = 1/(tau_i (r - 1))) gives Pi(dt) = expm(G dt), which stays consistent when scan
    intervals vary (Bar-Shalom, Li and Kirubarajan 2001, sec. 11.6.3 and 11.7.3, where
    p_ii = 1 - T/tau is the first-order form of the same).
    """
    tau = tuple(float(v) for v in np.asarray(sojourn_s, dtype=float).ravel())
    return _imm_transition_cached(tau, float(dt_s)).copy()


@functools.lru_cache(maxsize=1024)
def _imm_transition_cached(tau_s: tuple[float, ...], dt_s: float) -> FloatArray:
    # Scans repeat a few intervals, so the matrix exponential is computed once per
    # interval (scipy's expm on a 3 x 3 costs tens of ms when BLAS starts threads).
    from scipy.linalg import expm

    tau = np.asarray(tau_s)
    r = tau.size
    if r == 1:
        return np.ones((1, 1))
    G = np.tile((1.0 / (tau * (r - 1)))[:, None], (1, r))
    np.fill_diagonal(G, -1.0 / tau)
    Pi = np.clip(expm(G * dt_s), 0.0, None)
    out = np.asarray(Pi / Pi.sum(axis=1, keepdims=True), dtype=float)
    out.setflags(write=False)
    return out


def imm_mix(
    xm: FloatArray, Pm: FloatArray, mu: FloatArray, Pi: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """IMM interaction (mixing) step.

    Parameters
    ----------
    xm : ndarray, shape (n, r, nx)
        Model-conditioned states.
    Pm : ndarray, shape (n, r, nx, nx)
        Model-conditioned covariances.
    mu : ndarray, shape (n, r)
        Mode probabilities.
    Pi : ndarray, shape (r, r)
        Mode transition probabilities p_ij.

    Returns
    -------
    x0, P0 : ndarray
        Mixed initial conditions for each model, same shapes as ``xm``, ``Pm``.
    c : ndarray, shape (n, r)
        Predicted mode probabilities c_j = sum_i p_ij mu_i.

    Notes
    -----
    mu_{i|j} = p_ij mu_i / c_j, x0_j = sum_i mu_{i|j} x_i,
    P0_j = sum_i mu_{i|j} [P_i + (x_i - x0_j)(x_i - x0_j)'] (Blom and Bar-Shalom, IEEE
    Trans. Automatic Control 33(8), 1988; Bar-Shalom, Li and Kirubarajan 2001,
    sec. 11.6.6, eqs. 11.6.6-6 to 11.6.6-11).
    """
    n, r, nx = xm.shape
    c = mu @ Pi
    c_safe = np.maximum(c, 1e-300)
    w = mu[:, :, None] * Pi[None, :, :] / c_safe[:, None, :]  # (n, i, j)
    wT = np.swapaxes(w, 1, 2)  # (n, j, i)
    x0 = wT @ xm  # (n, j, nx)
    P0 = (wT @ Pm.reshape(n, r, nx * nx)).reshape(n, r, nx, nx)
    dx = np.swapaxes(xm[:, :, None, :] - x0[:, None, :, :], 1, 2)  # (n, j, i, nx)
    wdx = dx * wT[..., None]
    P0 += np.swapaxes(wdx, 2, 3) @ dx
    return x0, P0, c


def imm_combine(xm: FloatArray, Pm: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Moment-matched combination of model-conditioned estimates.

    Notes
    -----
    x = sum_j mu_j x_j, P = sum_j mu_j [P_j + (x_j - x)(x_j - x)'] (Bar-Shalom, Li and
    Kirubarajan 2001, eqs. 11.6.6-17 and 11.6.6-18).
    """
    if xm.shape[1] == 1:
        return xm[:, 0].copy(), Pm[:, 0].copy()
    n, r, nx = xm.shape
    mu_row = mu[:, None, :]
    x = (mu_row @ xm)[:, 0]
    P = (mu_row @ Pm.reshape(n, r, nx * nx)).reshape(n, nx, nx)
    dx = xm - x[:, None, :]
    # (the method, not np.swapaxes: the same view without the dispatch wrapper)
    P += (dx * mu[..., None]).transpose(0, 2, 1) @ dx
    return x, P


def normalise_log_weights(logw: FloatArray, axis: int = -1) -> FloatArray:
    """exp(logw) normalised along ``axis``, computed stably (max subtracted)."""
    m = np.max(logw, axis=axis, keepdims=True)
    w = np.exp(logw - m)
    return np.asarray(w / w.sum(axis=axis, keepdims=True), dtype=float)
