"""Motion models on arrays: constant velocity, constant acceleration, coordinated turn.

A model predicts a batch of states ``x`` (n, nx) and covariances ``P`` (n, nx, nx) over one
time step ``dt_s`` shared by every row. States are laid out ``[pos(d), vel(d), extra]`` in
the scenario ENU frame, d = 2 or 3; ``extra`` is the acceleration (CA) or the turn rate (CT).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

import samsim.jit as nb  # numba.njit, built on first call

FloatArray = NDArray[np.float64]

LayoutKind = Literal["cv", "ca", "ct"]


@dataclass(frozen=True)
class StateLayout:
    """Where each quantity sits in a state vector.

    Parameters
    ----------
    dims : int
        Spatial dimensions, 2 (x, y) or 3 (x, y, z ENU).
    kind : {"cv", "ca", "ct"}
        ``"cv"``: ``[p, v]``; ``"ca"``: ``[p, v, a]``; ``"ct"``: ``[p, v, omega]`` with
        ``omega`` the horizontal turn rate in rad/s, positive counter-clockwise seen from above
        (a left turn in ENU).
    """

    dims: int
    kind: LayoutKind

    @property
    def nx(self) -> int:
        """State dimension."""
        d = self.dims
        return {"cv": 2 * d, "ca": 3 * d, "ct": 2 * d + 1}[self.kind]

    @property
    def pos(self) -> slice:
        return slice(0, self.dims)

    @property
    def vel(self) -> slice:
        return slice(self.dims, 2 * self.dims)

    @property
    def acc(self) -> slice | None:
        return slice(2 * self.dims, 3 * self.dims) if self.kind == "ca" else None

    @property
    def omega(self) -> int | None:
        return 2 * self.dims if self.kind == "ct" else None


class MotionModel(Protocol):
    """A motion model: batched prediction over a common time step."""

    @property
    def layout(self) -> StateLayout:
        """The state layout the model works in."""
        ...

    def predict(self, x: FloatArray, P: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """Predict states (n, nx) and covariances (n, nx, nx) by ``dt_s`` seconds."""
        ...

    def acceleration(self, x: FloatArray) -> FloatArray:
        """Acceleration (n, d) in m/s^2 that the model assigns to states ``x``."""
        ...


def cwna_block(dt_s: float, q: float) -> FloatArray:
    """Discretised continuous white-noise-acceleration covariance for one axis.

    Notes
    -----
    Q = q [[dt^3/3, dt^2/2], [dt^2/2, dt]], with q the power spectral density of the
    acceleration noise in m^2/s^3 (Bar-Shalom, Li and Kirubarajan, *Estimation with
    Applications to Tracking and Navigation*, Wiley 2001, sec. 6.2.2, eq. 6.2.2-12).
    """
    t = dt_s
    return q * np.array([[t**3 / 3.0, t**2 / 2.0], [t**2 / 2.0, t]])


def cwpa_block(dt_s: float, q: float) -> FloatArray:
    """Discretised continuous Wiener-process-acceleration covariance for one axis.

    Notes
    -----
    Q = q [[dt^5/20, dt^4/8, dt^3/6], [dt^4/8, dt^3/3, dt^2/2], [dt^3/6, dt^2/2, dt]], with q
    the power spectral density of the jerk noise in m^2/s^5 (Bar-Shalom, Li and
    Kirubarajan 2001, sec. 6.2.3, eq. 6.2.3-8).
    """
    t = dt_s
    return q * np.array(
        [
            [t**5 / 20.0, t**4 / 8.0, t**3 / 6.0],
            [t**4 / 8.0, t**3 / 3.0, t**2 / 2.0],
            [t**3 / 6.0, t**2 / 2.0, t],
        ]
    )


@functools.lru_cache(maxsize=1024)
def _cv_blocks_cached(layout: StateLayout, dt_s: float, q: float) -> tuple[FloatArray, FloatArray]:
    d, nx = layout.dims, layout.nx
    k = np.arange(d)
    F = np.eye(nx)
    F[k, d + k] = dt_s
    blk = cwna_block(dt_s, q)
    Q = np.zeros((nx, nx))
    Q[k, k] = blk[0, 0]
    Q[k, d + k] = blk[0, 1]
    Q[d + k, k] = blk[1, 0]
    Q[d + k, d + k] = blk[1, 1]
    F.setflags(write=False)
    Q.setflags(write=False)
    return F, Q


def _cv_blocks(layout: StateLayout, dt_s: float, q: float) -> tuple[FloatArray, FloatArray]:
    """F and Q of nearly-constant velocity on the position/velocity part of ``layout``
    (fresh copies of a per-(layout, dt, q) cache: scans repeat the same few intervals)."""
    F, Q = _cv_blocks_cached(layout, float(dt_s), float(q))
    return F.copy(), Q.copy()


@functools.lru_cache(maxsize=1024)
def _cached_transition(
    model: ConstantVelocity | KnownTurn, dt_s: float
) -> tuple[FloatArray, FloatArray]:
    """Read-only ``model.transition(dt_s)`` of a (frozen, hashable) linear model, cached:
    scans repeat the same few intervals."""
    F, Q = model.transition(dt_s)
    F.setflags(write=False)
    Q.setflags(write=False)
    return F, Q


@functools.lru_cache(maxsize=1024)
def _cached_process_noise(model: CoordinatedTurn, dt_s: float) -> FloatArray:
    """Read-only ``model.process_noise(dt_s)``, cached like :func:`_cached_transition`."""
    Q = model.process_noise(dt_s)
    Q.setflags(write=False)
    return Q


def _predict_linear(
    x: FloatArray, P: FloatArray, F: FloatArray, Q: FloatArray
) -> tuple[FloatArray, FloatArray]:
    xp = x @ F.T
    Pp = F @ P @ F.T + Q
    return xp, 0.5 * (Pp + np.swapaxes(Pp, -1, -2))


@dataclass(frozen=True)
class ConstantVelocity:
    """Nearly-constant-velocity model (continuous white-noise acceleration).

    Parameters
    ----------
    layout : StateLayout
        Any layout; in a ``"ct"`` layout (used inside an IMM with a turn model) the turn rate
        is reset to zero each step with variance ``turn_sigma_radps**2`` ("not turning"), and in
        a ``"ca"`` layout the acceleration is reset to zero likewise.
    q_m2ps3 : float
        Acceleration noise power spectral density per axis, m^2/s^3.
    turn_sigma_radps : float
        Standard deviation of the turn rate this model asserts (``"ct"`` layout only).

    Notes
    -----
    x_{k+1} = F x_k + w, F = [[I, dt I], [0, I]], Q from :func:`cwna_block` per axis
    (Bar-Shalom, Li and Kirubarajan 2001, sec. 6.2.2). Inside an IMM the augmented state of
    the CV model carries the turn rate at zero, as in sec. 11.7.2 of the same book.
    """

    layout: StateLayout
    q_m2ps3: float
    turn_sigma_radps: float = 1e-3

    def transition(self, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """Transition matrix F and process noise Q for a step of ``dt_s`` seconds."""
        F, Q = _cv_blocks(self.layout, dt_s, self.q_m2ps3)
        if self.layout.omega is not None:
            w = self.layout.omega
            F[w, w] = 0.0
            Q[w, w] = self.turn_sigma_radps**2
        if self.layout.acc is not None:
            a = self.layout.acc
            F[a, :] = 0.0
            Q[a, a] = 0.0
        return F, Q

    def predict(self, x: FloatArray, P: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]:
        F, Q = _cached_transition(self, float(dt_s))
        return _predict_linear(x, P, F, Q)

    def acceleration(self, x: FloatArray) -> FloatArray:
        return np.zeros((x.shape[0], self.layout.dims))


@dataclass(frozen=True)
class ConstantAcceleration:
    """Nearly-constant-acceleration model (continuous Wiener-process acceleration).

    Parameters
    ----------
    layout : StateLayout
        Must be a ``"ca"`` layout.
    q_m2ps5 : float
        Jerk noise power spectral density per axis, m^2/s^5.

    Notes
    -----
    Per axis F = [[1, dt, dt^2/2], [0, 1, dt], [0, 0, 1]] and Q from :func:`cwpa_block`
    (Bar-Shalom, Li and Kirubarajan 2001, sec. 6.2.3).
    """

    layout: StateLayout
    q_m2ps5: float

    def __post_init__(self) -> None:
        if self.layout.kind != "ca":
            raise ValueError(f"ConstantAcceleration needs a 'ca' state layout, got {self.layout}")

    def transition(self, dt_s: float) -> tuple[FloatArray, FloatArray]:
        d, nx = self.layout.dims, self.layout.nx
        F = np.eye(nx)
        Q = np.zeros((nx, nx))
        blk = cwpa_block(dt_s, self.q_m2ps5)
        for k in range(d):
            F[k, d + k] = dt_s
            F[k, 2 * d + k] = 0.5 * dt_s**2
            F[d + k, 2 * d + k] = dt_s
            idx = np.array([k, d + k, 2 * d + k])
            Q[np.ix_(idx, idx)] = blk
        return F, Q

    def predict(self, x: FloatArray, P: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]:
        F, Q = self.transition(dt_s)
        return _predict_linear(x, P, F, Q)

    def acceleration(self, x: FloatArray) -> FloatArray:
        d = self.layout.dims
        return np.array(x[:, 2 * d : 3 * d], dtype=float)


@nb.njit(cache=True)
def _turn_coefficients_kernel(
    w: FloatArray,
    t: float,
    s: FloatArray,
    c: FloatArray,
    A: FloatArray,
    B: FloatArray,
    dA: FloatArray,
    dB: FloatArray,
) -> None:
    """A, B, dA, dB of :func:`turn_coefficients` away from w = 0, per row, with the
    operations (and order) of its array expressions."""
    for k in range(w.shape[0]):
        wk, sk, ck = w[k], s[k], c[k]
        w2 = wk * wk
        A[k] = sk / wk
        B[k] = (1.0 - ck) / wk
        dA[k] = (t * ck * wk - sk) / w2
        dB[k] = (t * sk * wk - (1.0 - ck)) / w2


def turn_coefficients(
    omega_radps: FloatArray, dt_s: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """The coordinated-turn coefficients and their derivatives in the turn rate.

    Returns ``(s, c, A, B, dA, dB)`` with s = sin(w T), c = cos(w T), A = s / w,
    B = (1 - c) / w, dA = dA/dw, dB = dB/dw; series expansions are used for |w T| < 1e-4
    so the straight-line limit (A = T, B = 0) is exact.
    """
    w = np.asarray(omega_radps, dtype=float)
    t = dt_s
    wt = w * t
    s, c = np.sin(wt), np.cos(wt)
    small = np.abs(wt) < 1e-4
    if w.ndim == 1 and not small.any():
        # No row near the straight line: the same expressions as below, without the series
        # (one compiled pass).
        n = w.shape[0]
        A, B, dA, dB = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
        _turn_coefficients_kernel(w, float(t), s, c, A, B, dA, dB)
        return s, c, A, B, dA, dB
    w_safe = np.where(small, 1.0, w)
    A = np.where(small, t - w**2 * t**3 / 6.0, s / w_safe)
    B = np.where(small, w * t**2 / 2.0 - w**3 * t**4 / 24.0, (1.0 - c) / w_safe)
    dA = np.where(small, -w * t**3 / 3.0, (t * c * w - s) / w_safe**2)
    dB = np.where(small, t**2 / 2.0 - w**2 * t**4 / 8.0, (t * s * w - (1.0 - c)) / w_safe**2)
    return s, c, A, B, dA, dB


@nb.njit(cache=True)
def _ct_transition_kernel(
    x: FloatArray,
    dt_s: float,
    d: int,
    s: FloatArray,
    c: FloatArray,
    A: FloatArray,
    B: FloatArray,
    dA: FloatArray,
    dB: FloatArray,
    xp: FloatArray,
    J: FloatArray,
) -> None:
    """Coordinated-turn map and Jacobian per row (``xp`` holds a copy of ``x``, ``J``
    zeros): the expressions of the former array code, operation for operation."""
    nx = x.shape[1]
    w_i = 2 * d
    for k in range(x.shape[0]):
        vx, vy = x[k, d], x[k, d + 1]
        sk, ck, Ak, Bk, dAk, dBk = s[k], c[k], A[k], B[k], dA[k], dB[k]
        xp[k, 0] = x[k, 0] + Ak * vx - Bk * vy
        xp[k, 1] = x[k, 1] + Bk * vx + Ak * vy
        xp[k, d] = ck * vx - sk * vy
        xp[k, d + 1] = sk * vx + ck * vy
        for i in range(nx):
            J[k, i, i] = 1.0
        J[k, 0, d], J[k, 0, d + 1], J[k, 0, w_i] = Ak, -Bk, dAk * vx - dBk * vy
        J[k, 1, d], J[k, 1, d + 1], J[k, 1, w_i] = Bk, Ak, dBk * vx + dAk * vy
        J[k, d, d], J[k, d, d + 1] = ck, -sk
        J[k, d, w_i] = -dt_s * (sk * vx + ck * vy)
        J[k, d + 1, d], J[k, d + 1, d + 1] = sk, ck
        J[k, d + 1, w_i] = dt_s * (ck * vx - sk * vy)
        if d == 3:
            xp[k, 2] = x[k, 2] + dt_s * x[k, 5]
            J[k, 2, 5] = dt_s


@dataclass(frozen=True)
class CoordinatedTurn:
    """Coordinated turn in the horizontal plane with estimated turn rate (EKF).

    Parameters
    ----------
    layout : StateLayout
        Must be a ``"ct"`` layout ``[p, v, omega]``; the vertical axis (3-D) is nearly-CV.
    q_m2ps3 : float
        Acceleration noise power spectral density per axis, m^2/s^3.
    q_turn_rad2ps3 : float
        Power spectral density of the turn-rate random walk, rad^2/s^3.

    Notes
    -----
    With s = sin(w T), c = cos(w T) (Bar-Shalom, Li and Kirubarajan 2001, sec. 11.7.2,
    eq. 11.7.2-4)::

        x' = x + (s/w) vx - ((1-c)/w) vy      vx' = c vx - s vy
        y' = y + ((1-c)/w) vx + (s/w) vy      vy' = s vx + c vy       w' = w

    The covariance is propagated with the Jacobian of this map (extended Kalman filter), the
    derivatives in w taken analytically (:func:`turn_coefficients`). Process noise: white
    acceleration per axis (:func:`cwna_block`) plus a turn-rate random walk q_turn * T.
    """

    layout: StateLayout
    q_m2ps3: float
    q_turn_rad2ps3: float

    def __post_init__(self) -> None:
        if self.layout.kind != "ct":
            raise ValueError(f"CoordinatedTurn needs a 'ct' state layout, got {self.layout}")

    def transition(self, x: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]:
        """The predicted states f(x) (n, nx) and the Jacobians df/dx (n, nx, nx)."""
        d, nx = self.layout.dims, self.layout.nx
        n = x.shape[0]
        s, c, A, B, dA, dB = turn_coefficients(x[:, 2 * d], dt_s)
        xp = x.copy()
        J = np.zeros((n, nx, nx))
        _ct_transition_kernel(np.ascontiguousarray(x), float(dt_s), d, s, c, A, B, dA, dB, xp, J)
        return xp, J

    def process_noise(self, dt_s: float) -> FloatArray:
        """Process noise covariance Q (nx, nx) for a step of ``dt_s`` seconds."""
        _, Q = _cv_blocks(self.layout, dt_s, self.q_m2ps3)
        w_i = 2 * self.layout.dims
        Q[w_i, w_i] = self.q_turn_rad2ps3 * dt_s
        return Q

    def predict(self, x: FloatArray, P: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]:
        xp, J = self.transition(x, dt_s)
        Pp = J @ P @ np.swapaxes(J, -1, -2) + _cached_process_noise(self, float(dt_s))
        return xp, 0.5 * (Pp + np.swapaxes(Pp, -1, -2))

    def acceleration(self, x: FloatArray) -> FloatArray:
        d = self.layout.dims
        w = x[:, 2 * d]
        acc = np.zeros((x.shape[0], d))
        acc[:, 0] = -w * x[:, d + 1]
        acc[:, 1] = w * x[:, d]
        return acc


@dataclass(frozen=True)
class KnownTurn:
    """Coordinated turn at a known, fixed turn rate (a linear model).

    Parameters
    ----------
    layout : StateLayout
        A ``"cv"`` layout ``[p, v]``.
    omega_radps : float
        Turn rate, rad/s, positive counter-clockwise (left turn) seen from above.
    q_m2ps3 : float
        Acceleration noise power spectral density per axis, m^2/s^3.

    Notes
    -----
    F is the coordinated-turn map of :class:`CoordinatedTurn` at fixed w (Bar-Shalom, Li and
    Kirubarajan 2001, sec. 11.7.1, eq. 11.7.1-4); the vertical axis is nearly-CV. An IMM of a
    CV model and two known-rate turns (+w, -w) is a classic, fully linear alternative to the
    estimated-rate turn model.
    """

    layout: StateLayout
    omega_radps: float
    q_m2ps3: float

    def __post_init__(self) -> None:
        if self.layout.kind != "cv":
            raise ValueError(f"KnownTurn needs a 'cv' state layout, got {self.layout}")

    def transition(self, dt_s: float) -> tuple[FloatArray, FloatArray]:
        d = self.layout.dims
        F, Q = _cv_blocks(self.layout, dt_s, self.q_m2ps3)
        s, c, A, B, _, _ = (float(v) for v in turn_coefficients(np.array(self.omega_radps), dt_s))
        F[0, d], F[0, d + 1] = A, -B
        F[1, d], F[1, d + 1] = B, A
        F[d, d], F[d, d + 1] = c, -s
        F[d + 1, d], F[d + 1, d + 1] = s, c
        return F, Q

    def predict(self, x: FloatArray, P: FloatArray, dt_s: float) -> tuple[FloatArray, FloatArray]:
        F, Q = _cached_transition(self, float(dt_s))
        return _predict_linear(x, P, F, Q)

    def acceleration(self, x: FloatArray) -> FloatArray:
        d = self.layout.dims
        acc = np.zeros((x.shape[0], d))
        acc[:, 0] = -self.omega_radps * x[:, d + 1]
        acc[:, 1] = self.omega_radps * x[:, d]
        return acc


_NO_ROWS = np.zeros(0, dtype=np.int64)  # (the rows argument when all rows are predicted)


@nb.njit(cache=True, inline="always")
def _imm_predict_rows(
    xm: FloatArray,
    Pm: FloatArray,
    mu: FloatArray,
    Pi: FloatArray,
    F: FloatArray,
    Q: FloatArray,
    ct: NDArray[np.bool_],
    dt_s: float,
    d: int,
    xm_out: FloatArray,
    Pm_out: FloatArray,
    c_out: FloatArray,
    x_out: FloatArray,
    P_out: FloatArray,
    r: int,
    nx: int,
    rows: NDArray[np.int64],
    gather: bool,
) -> None:
    """IMM mixing, model-matched prediction and combination per track (see
    :func:`imm_predict`), in plain loops: no temporaries, no BLAS calls.

    Every sum runs over its terms in index order, as in the dense loops of the first
    version (tests/tracking/test_tracking_kernels.py keeps them), so the results are
    theirs bit for bit; only the loop nests differ: the sums of a matrix row are
    accumulated side by side (for three modes in scalars), and the products with the
    transition matrix skip its exact zeros when every factor is finite (a zero term then
    leaves a sum that starts at +0 unchanged). The zeros of the linear models' matrices
    are found once per call.

    ``r`` (modes) and ``nx`` (state size) are the arrays' (given, so that a caller with
    literal shapes gets loops of fixed length). With ``gather`` the tracks are the rows
    ``rows`` of the inputs (output row k is input row ``rows[k]``), else all of them.
    """
    n = rows.shape[0] if gather else xm.shape[0]
    x0 = np.empty(nx)
    P0 = np.empty((nx, nx))
    G = np.empty((nx, nx))
    T = np.empty((nx, nx))
    M = np.empty((nx, nx))
    wi = np.empty(r)
    D = np.empty((r, nx))
    DW = np.empty((r, nx))
    sp = np.empty(nx)
    nz_ct = np.empty((nx, nx), dtype=np.int64)
    nn_ct = np.empty(nx, dtype=np.int64)
    nz_full = np.empty((nx, nx), dtype=np.int64)
    nn_full = np.empty(nx, dtype=np.int64)
    for a in range(nx):
        nn_full[a] = nx
        for e in range(nx):
            nz_full[a, e] = e
    # the nonzeros of each linear model's F, row by row
    nz_lin = np.empty((r, nx, nx), dtype=np.int64)
    nn_lin = np.empty((r, nx), dtype=np.int64)
    for j in range(r):
        for a in range(nx):
            c_nz = 0
            for e in range(nx):
                if F[j, a, e] != 0.0:
                    nz_lin[j, a, c_nz] = e
                    c_nz += 1
            nn_lin[j, a] = c_nz
    dc = np.empty((r, nx))
    w_i = 2 * d
    t = dt_s
    for k in range(n):
        kk = rows[k] if gather else k
        for j in range(r):
            cj = 0.0
            for i in range(r):
                cj += mu[kk, i] * Pi[i, j]
            c_out[k, j] = cj
        for j in range(r):
            # Mixing (Blom and Bar-Shalom 1988): x0_j, P0_j.
            cs = max(c_out[k, j], 1e-300)
            for i in range(r):
                wi[i] = mu[kk, i] * Pi[i, j] / cs
            for a in range(nx):
                x0[a] = 0.0
            for i in range(r):
                for a in range(nx):
                    x0[a] += wi[i] * xm[kk, i, a]
            for i in range(r):
                for a in range(nx):
                    D[i, a] = xm[kk, i, a] - x0[a]
                    DW[i, a] = D[i, a] * wi[i]
            # P0[a, b] = sum_i wi P_i[a, b] + sum_i DW[i, a] D[i, b]
            if r == 3:
                w0, w1, w2 = wi[0], wi[1], wi[2]
                for a in range(nx):
                    d0, d1, d2 = DW[0, a], DW[1, a], DW[2, a]
                    for b in range(nx):
                        acc = 0.0 + w0 * Pm[kk, 0, a, b]
                        acc = acc + w1 * Pm[kk, 1, a, b]
                        acc = acc + w2 * Pm[kk, 2, a, b]
                        spread = 0.0 + d0 * D[0, b]
                        spread = spread + d1 * D[1, b]
                        spread = spread + d2 * D[2, b]
                        P0[a, b] = acc + spread
            else:
                for a in range(nx):
                    for b in range(nx):
                        P0[a, b] = 0.0
                        sp[b] = 0.0
                    for i in range(r):
                        for b in range(nx):
                            P0[a, b] += wi[i] * Pm[kk, i, a, b]
                    for i in range(r):
                        for b in range(nx):
                            sp[b] += DW[i, a] * D[i, b]
                    for b in range(nx):
                        P0[a, b] = P0[a, b] + sp[b]
            # finite: every v - v is +0 (a nan or an inf makes the sum nan)
            chk = 0.0
            for a in range(nx):
                for b in range(nx):
                    chk += P0[a, b] - P0[a, b]
            finite = chk == 0.0
            # Model j's transition matrix (its Jacobian for the coordinated turn).
            if ct[j]:
                om = x0[w_i]
                wt = om * t
                sk, ck = np.sin(wt), np.cos(wt)
                if abs(wt) < 1e-4:
                    Ak = t - om**2 * t**3 / 6.0
                    Bk = om * t**2 / 2.0 - om**3 * t**4 / 24.0
                    dAk = -om * t**3 / 3.0
                    dBk = t**2 / 2.0 - om**2 * t**4 / 8.0
                else:
                    w2 = om * om
                    Ak = sk / om
                    Bk = (1.0 - ck) / om
                    dAk = (t * ck * om - sk) / w2
                    dBk = (t * sk * om - (1.0 - ck)) / w2
                vx, vy = x0[d], x0[d + 1]
                for a in range(nx):
                    xm_out[k, j, a] = x0[a]
                    for b in range(nx):
                        G[a, b] = 0.0
                    G[a, a] = 1.0
                xm_out[k, j, 0] = x0[0] + Ak * vx - Bk * vy
                xm_out[k, j, 1] = x0[1] + Bk * vx + Ak * vy
                xm_out[k, j, d] = ck * vx - sk * vy
                xm_out[k, j, d + 1] = sk * vx + ck * vy
                G[0, d], G[0, d + 1], G[0, w_i] = Ak, -Bk, dAk * vx - dBk * vy
                G[1, d], G[1, d + 1], G[1, w_i] = Bk, Ak, dBk * vx + dAk * vy
                G[d, d], G[d, d + 1] = ck, -sk
                G[d, w_i] = -t * (sk * vx + ck * vy)
                G[d + 1, d], G[d + 1, d + 1] = sk, ck
                G[d + 1, w_i] = t * (ck * vx - sk * vy)
                if d == 3:
                    xm_out[k, j, 2] = x0[2] + t * x0[5]
                    G[2, 5] = t
                Gj = G
                for a in range(nx):
                    c_nz = 0
                    for e in range(nx):
                        if G[a, e] != 0.0:
                            nz_ct[a, c_nz] = e
                            c_nz += 1
                    nn_ct[a] = c_nz
                nz = nz_ct
                nn = nn_ct
            else:
                Gj = F[j]
                for a in range(nx):
                    acc = 0.0
                    for b in range(nx):
                        acc += Gj[a, b] * x0[b]
                    xm_out[k, j, a] = acc
                nz = nz_lin[j]
                nn = nn_lin[j]
            if not finite:
                nz = nz_full
                nn = nn_full
            # T = G P0, row by row: T[a, b] = sum over e in nz[a] of G[a, e] P0[e, b]
            chk = 0.0
            for a in range(nx):
                for b in range(nx):
                    T[a, b] = 0.0
                for q in range(nn[a]):
                    e = nz[a, q]
                    g = Gj[a, e]
                    for b in range(nx):
                        T[a, b] += g * P0[e, b]
                for b in range(nx):
                    chk += T[a, b] - T[a, b]
            if not (finite and chk == 0.0):
                nz = nz_full
                nn = nn_full
            # M[b, a] = (T G')[a, b] = sum over e in nz[b] of T[a, e] G[b, e]
            for b in range(nx):
                for a in range(nx):
                    M[b, a] = 0.0
                for q in range(nn[b]):
                    e = nz[b, q]
                    g = Gj[b, e]
                    for a in range(nx):
                        M[b, a] += T[a, e] * g
            # G P0 G' + Q, made symmetric
            for a in range(nx):
                for b in range(a + 1):
                    v = 0.5 * ((M[b, a] + Q[j, a, b]) + (M[a, b] + Q[j, b, a]))
                    Pm_out[k, j, a, b] = v
                    Pm_out[k, j, b, a] = v
        # Moment-matched combination with the predicted mode probabilities.
        for a in range(nx):
            x_out[k, a] = 0.0
        for j in range(r):
            for a in range(nx):
                x_out[k, a] += c_out[k, j] * xm_out[k, j, a]
        for j in range(r):
            for a in range(nx):
                D[j, a] = xm_out[k, j, a] - x_out[k, a]
                dc[j, a] = D[j, a] * c_out[k, j]
        if r == 3:
            c0, c1, c2 = c_out[k, 0], c_out[k, 1], c_out[k, 2]
            for a in range(nx):
                d0, d1, d2 = dc[0, a], dc[1, a], dc[2, a]
                for b in range(nx):
                    acc = 0.0 + c0 * Pm_out[k, 0, a, b]
                    acc = acc + c1 * Pm_out[k, 1, a, b]
                    acc = acc + c2 * Pm_out[k, 2, a, b]
                    spread = 0.0 + d0 * D[0, b]
                    spread = spread + d1 * D[1, b]
                    spread = spread + d2 * D[2, b]
                    P_out[k, a, b] = acc + spread
        else:
            for a in range(nx):
                for b in range(nx):
                    P_out[k, a, b] = 0.0
                    sp[b] = 0.0
                for j in range(r):
                    for b in range(nx):
                        P_out[k, a, b] += c_out[k, j] * Pm_out[k, j, a, b]
                for j in range(r):
                    for b in range(nx):
                        sp[b] += dc[j, a] * D[j, b]
                for b in range(nx):
                    P_out[k, a, b] = P_out[k, a, b] + sp[b]


@nb.njit(cache=True)
def _imm_predict_kernel(
    xm: FloatArray,
    Pm: FloatArray,
    mu: FloatArray,
    Pi: FloatArray,
    F: FloatArray,
    Q: FloatArray,
    ct: NDArray[np.bool_],
    dt_s: float,
    d: int,
    xm_out: FloatArray,
    Pm_out: FloatArray,
    c_out: FloatArray,
    x_out: FloatArray,
    P_out: FloatArray,
) -> None:
    """IMM mixing, model-matched prediction and combination per track (see
    :func:`imm_predict` and :func:`_imm_predict_rows`), for any number of modes and state
    size; :func:`_imm_predict_kernel_373` is the same for three modes of 7 states in 3-D."""
    _imm_predict_rows(
        xm,
        Pm,
        mu,
        Pi,
        F,
        Q,
        ct,
        dt_s,
        d,
        xm_out,
        Pm_out,
        c_out,
        x_out,
        P_out,
        xm.shape[1],
        xm.shape[2],
        _NO_ROWS,
        False,
    )


@nb.njit(cache=True)
def _imm_predict_kernel_373(
    xm: FloatArray,
    Pm: FloatArray,
    mu: FloatArray,
    rows: NDArray[np.int64],
    gather: bool,
    Pi: FloatArray,
    F: FloatArray,
    Q: FloatArray,
    ct: NDArray[np.bool_],
    dt_s: float,
    xm_out: FloatArray,
    Pm_out: FloatArray,
    c_out: FloatArray,
    x_out: FloatArray,
    P_out: FloatArray,
) -> None:
    """:func:`_imm_predict_kernel` for three modes of 7 states in 3-D (the ``"imm"`` layout
    with a manoeuvre mode): the same code with the loop lengths fixed at compile time
    (``xm`` must be (n, 3, 7)), the same sums in the same order. With ``gather``, of the
    tracks ``rows`` only (output row k is input row ``rows[k]``: the same as on
    ``xm[rows], Pm[rows], mu[rows]``, without the gathered copies); else of all."""
    _imm_predict_rows(
        xm, Pm, mu, Pi, F, Q, ct, dt_s, 3, xm_out, Pm_out, c_out, x_out, P_out, 3, 7, rows, gather
    )


@nb.njit(cache=True)
def _imm_predict_states(
    xm: FloatArray,
    mu: FloatArray,
    rows: NDArray[np.int64],
    Pi: FloatArray,
    F: FloatArray,
    ct: NDArray[np.bool_],
    dt_s: float,
    d: int,
) -> FloatArray:
    """The combined states ``x`` of :func:`_imm_predict_kernel` (and
    :func:`_imm_predict_kernel_373`) for the tracks ``rows``, without the covariances.

    The states do not depend on the covariances: c_j = sum_i mu_i p_ij, the mixed
    x0_j = sum_i (mu_i p_ij / max(c_j, 1e-300)) x_i, each model's x_j = F_j x0_j (the
    coordinated turn's exact transition of x0_j), and x = sum_j c_j x_j, here with the
    kernel's operations in the kernel's order, so the values are its values bit for bit
    at a fraction of the cost (no mixing, transition or combination of covariances).

    Returns
    -------
    x : ndarray, shape (len(rows), nx)
        Row k is track ``rows[k]``'s predicted state.
    """
    n = rows.shape[0]
    _, r, nx = xm.shape
    x_out = np.zeros((n, nx))
    c = np.empty(r)
    wi = np.empty(r)
    x0 = np.empty(nx)
    xj = np.empty((r, nx))
    w_i = 2 * d
    t = dt_s
    for k in range(n):
        kk = rows[k]
        for j in range(r):
            cj = 0.0
            for i in range(r):
                cj += mu[kk, i] * Pi[i, j]
            c[j] = cj
        for j in range(r):
            cs = max(c[j], 1e-300)
            for i in range(r):
                wi[i] = mu[kk, i] * Pi[i, j] / cs
            for a in range(nx):
                x0[a] = 0.0
            for i in range(r):
                for a in range(nx):
                    x0[a] += wi[i] * xm[kk, i, a]
            if ct[j]:
                om = x0[w_i]
                wt = om * t
                sk, ck = np.sin(wt), np.cos(wt)
                if abs(wt) < 1e-4:
                    Ak = t - om**2 * t**3 / 6.0
                    Bk = om * t**2 / 2.0 - om**3 * t**4 / 24.0
                else:
                    Ak = sk / om
                    Bk = (1.0 - ck) / om
                vx, vy = x0[d], x0[d + 1]
                for a in range(nx):
                    xj[j, a] = x0[a]
                xj[j, 0] = x0[0] + Ak * vx - Bk * vy
                xj[j, 1] = x0[1] + Bk * vx + Ak * vy
                xj[j, d] = ck * vx - sk * vy
                xj[j, d + 1] = sk * vx + ck * vy
                if d == 3:
                    xj[j, 2] = x0[2] + t * x0[5]
            else:
                for a in range(nx):
                    acc = 0.0
                    for b in range(nx):
                        acc += F[j, a, b] * x0[b]
                    xj[j, a] = acc
        for j in range(r):
            for a in range(nx):
                x_out[k, a] += c[j] * xj[j, a]
    return x_out


def imm_predict(
    xm: FloatArray,
    Pm: FloatArray,
    mu: FloatArray,
    Pi: FloatArray,
    F: FloatArray,
    Q: FloatArray,
    ct: NDArray[np.bool_],
    dt_s: float,
    dims: int,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """One IMM prediction: mixing, model-matched prediction, combination, in one pass.

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
    F : ndarray, shape (r, nx, nx)
        Each linear model's transition matrix (ignored for coordinated-turn models).
    Q : ndarray, shape (r, nx, nx)
        Each model's process noise covariance.
    ct : ndarray of bool, shape (r,)
        Which models are :class:`CoordinatedTurn` (state-dependent Jacobian).
    dt_s : float
        Time step, s.
    dims : int
        Spatial dimensions of the layout (2 or 3).

    Returns
    -------
    xm, Pm : ndarray
        Predicted model-conditioned states and (symmetrised) covariances.
    c : ndarray, shape (n, r)
        Predicted mode probabilities c_j = sum_i p_ij mu_i.
    x, P : ndarray
        Their moment-matched combination.

    Notes
    -----
    The same formulas as :func:`samsim.tracking.filters.imm_mix`, each model's ``predict``
    and :func:`samsim.tracking.filters.imm_combine`, evaluated per track in compiled loops
    (the results agree with those functions to rounding).
    """
    n, r, nx = xm.shape
    xm_out = np.empty((n, r, nx))
    Pm_out = np.empty((n, r, nx, nx))
    c = np.empty((n, r))
    x = np.empty((n, nx))
    P = np.empty((n, nx, nx))
    args = (
        np.ascontiguousarray(Pi, dtype=np.float64),
        np.ascontiguousarray(F, dtype=np.float64),
        np.ascontiguousarray(Q, dtype=np.float64),
        np.ascontiguousarray(ct, dtype=np.bool_),
        float(dt_s),
    )
    xm, Pm, mu = (np.ascontiguousarray(v) for v in (xm, Pm, mu))
    if (r, nx, dims) == (3, 7, 3):  # (the same results, faster)
        _imm_predict_kernel_373(xm, Pm, mu, _NO_ROWS, False, *args, xm_out, Pm_out, c, x, P)
    else:
        _imm_predict_kernel(xm, Pm, mu, *args, int(dims), xm_out, Pm_out, c, x, P)
    return xm_out, Pm_out, c, x, P
