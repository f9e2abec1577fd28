"""Guidance laws: mid-course ballistic-lead steering to the predicted intercept point,
terminal proportional navigation (PN) and augmented PN (APN), and the lateral limiter.

Scalar numba kernels (on 3-tuples) used by the flyout integrator, and vectorised numpy
versions of the same formulas for analysis and tests.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from samsim.jit import njit

Vec = tuple[float, float, float]

#: Floor on the mid-course heading gain, 1/s (so a distant aim point is still tracked).
MIDCOURSE_MIN_GAIN_PER_S = 0.2
#: Look-ahead time of the mid-course altitude profile, s (look-ahead distance = V T).
MIDCOURSE_LOOKAHEAD_S = 10.0
#: Lateral acceleration the mid-course cruise altitude must leave available, m/s^2 (2 g).
MIDCOURSE_MIN_AUTHORITY_MPS2 = 2.0 * 9.80665


@njit(cache=True, inline="always")
def _dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


@njit(cache=True, inline="always")
def _cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


@njit(cache=True, inline="always")
def _scale(a: Vec, s: float) -> Vec:
    return (a[0] * s, a[1] * s, a[2] * s)


@njit(cache=True, inline="always")
def _add(a: Vec, b: Vec) -> Vec:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


@njit(cache=True, inline="always")
def _sub(a: Vec, b: Vec) -> Vec:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


@njit(cache=True, inline="always")
def _norm(a: Vec) -> float:
    return np.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])


@njit(cache=True, inline="always")
def _perp(a: Vec, unit: Vec) -> Vec:
    """Component of a perpendicular to the unit vector."""
    return _sub(a, _scale(unit, _dot(a, unit)))


@njit(cache=True)
def pn_kernel(r: Vec, vrel: Vec, nav: float, target_acc: Vec, augmented: bool) -> Vec:
    """True proportional navigation (optionally augmented), scalar kernel.

    a_c = N' V_c (omega x r_hat) [+ (N'/2) a_T_perp], omega = (r x v_rel)/|r|^2,
    V_c = -(r . v_rel)/|r|; r and v_rel are target minus missile.
    """
    rr = _dot(r, r)
    if rr <= 0.0:
        return (0.0, 0.0, 0.0)
    rn = np.sqrt(rr)
    rhat = _scale(r, 1.0 / rn)
    omega = _scale(_cross(r, vrel), 1.0 / rr)
    vc = -_dot(r, vrel) / rn
    a = _scale(_cross(omega, rhat), nav * vc)
    if augmented:
        a = _add(a, _scale(_perp(target_acc, rhat), 0.5 * nav))
    return a


@njit(cache=True)
def heading_kernel(vel: Vec, to_aim: Vec, gain: float) -> Vec:
    """Steer the velocity toward an aim direction: a = K V theta e_perp (scalar kernel).

    theta is the angle between v and the aim direction, e_perp the unit vector
    perpendicular to v toward the aim direction.
    """
    v = _norm(vel)
    d = _norm(to_aim)
    if v <= 0.0 or d <= 0.0:
        return (0.0, 0.0, 0.0)
    vh = _scale(vel, 1.0 / v)
    dh = _scale(to_aim, 1.0 / d)
    c = min(max(_dot(vh, dh), -1.0), 1.0)
    e = _perp(dh, vh)
    en = _norm(e)
    if en < 1e-12:
        return (0.0, 0.0, 0.0)
    theta = np.arccos(c)
    return _scale(e, gain * v * theta / en)


@njit(cache=True)
def limit_lateral(a: Vec, vhat: Vec, amax: float) -> tuple[Vec, float]:
    """Project a command perpendicular to the velocity and clip its magnitude to amax.

    Returns the limited vector and the unclipped magnitude.
    """
    ap = _perp(a, vhat)
    m = _norm(ap)
    if m > amax and m > 0.0:
        return _scale(ap, amax / m), m
    return ap, m


def _rows(x: ArrayLike) -> NDArray[np.float64]:
    arr = np.asarray(x, dtype=float)
    if arr.shape[-1:] != (3,):
        raise ValueError(f"expected vectors of shape (..., 3), got shape {arr.shape}")
    return arr


def pn_command(
    r_m: ArrayLike,
    vrel_mps: ArrayLike,
    nav_constant: ArrayLike,
    target_acc_mps2: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Proportional-navigation acceleration command (true PN, optionally augmented).

    Parameters
    ----------
    r_m : array_like, shape (..., 3)
        Line of sight, target minus missile position, m.
    vrel_mps : array_like, shape (..., 3)
        Target minus missile velocity, m/s.
    nav_constant : array_like
        Effective navigation ratio N' (3 to 5 typical).
    target_acc_mps2 : array_like, shape (..., 3), optional
        Target acceleration estimate; when given, the APN term (N'/2) a_T perpendicular to
        the line of sight is added.

    Returns
    -------
    ndarray, shape (..., 3)
        Commanded acceleration, m/s^2, perpendicular to the line of sight.

    Notes
    -----
    a_c = N' V_c (omega x r_hat), omega = (r x v_rel)/|r|^2 the line-of-sight rate vector
    and V_c = -(r . v_rel)/|r| the closing speed; in the plane, |a_c| = N' V_c lambda_dot.
    APN adds (N'/2) a_T,perp. Reference: Zarchan, *Tactical and Strategic Missile
    Guidance*, 6th ed., ch. 2 (eq. 2.1) and ch. 8 (APN, eq. 8.3).
    """
    r = _rows(r_m)
    v = _rows(vrel_mps)
    nav = np.asarray(nav_constant, dtype=float)[..., None]
    rr = np.sum(r * r, axis=-1, keepdims=True)
    safe = np.where(rr > 0, rr, 1.0)
    omega = np.cross(r, v) / safe
    rhat = r / np.sqrt(safe)
    vc = -np.sum(r * v, axis=-1, keepdims=True) / np.sqrt(safe)
    a = nav * vc * np.cross(omega, rhat)
    if target_acc_mps2 is not None:
        at = _rows(target_acc_mps2)
        at_perp = at - np.sum(at * rhat, axis=-1, keepdims=True) * rhat
        a = a + 0.5 * nav * at_perp
    return np.where(rr > 0, a, 0.0)


def ballistic_aim_point(
    pip_m: ArrayLike,
    up: ArrayLike,
    time_to_go_s: ArrayLike,
    gravity_mps2: ArrayLike,
    loft_ratio: ArrayLike,
) -> NDArray[np.float64]:
    """Mid-course aim point: the predicted intercept point raised by the gravity drop.

    Notes
    -----
    A = PIP + f (g t_go^2 / 2) u_hat. On a vacuum ballistic arc that reaches the PIP in
    t_go, the velocity always points at A with f = 1 (v = (PIP - p)/t_go + g t_go u_hat/2),
    so steering the velocity toward A flies a near-ballistic path with little lift; f > 1
    lofts higher (less drag), f = 0 flies straight at the PIP. Reference: the ballistic
    lead of Zarchan, *Tactical and Strategic Missile Guidance*, 6th ed., ch. 12 (gravity
    and aim-point shaping); f is a notional per-type figure.
    """
    pip = _rows(pip_m)
    u = _rows(up)
    drop = 0.5 * np.asarray(gravity_mps2, float) * np.asarray(time_to_go_s, float) ** 2
    return pip + (np.asarray(loft_ratio, float) * drop)[..., None] * u
