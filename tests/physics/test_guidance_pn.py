"""Guidance laws: PN/APN known answers from a planar linear engagement, and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.physics.guidance import ballistic_aim_point, pn_command


def _linear_engagement(
    nav: float,
    at_fraction: float,
    apn: bool = False,
    t_f: float = 10.0,
    vc_mps: float = 3000.0,
    nt_mps2: float = 0.1,
    dt_s: float = 0.005,
) -> float:
    """Zarchan's linear homing loop (zero lag) closed with :func:`pn_command`.

    y is the target-minus-missile displacement normal to the initial line of sight;
    y'' = n_T - n_c, the command coming from the 3-D PN law evaluated on
    r = (V_c t_go, y, 0), v_rel = (-V_c, y', 0). Returns n_c / n_T at t = at_fraction t_F.
    """
    acc_t = np.array([0.0, nt_mps2, 0.0]) if apn else None

    def command(t: float, y: float, yd: float) -> float:
        tgo = t_f - t
        a = pn_command([vc_mps * tgo, y, 0.0], [-vc_mps, yd, 0.0], nav, acc_t)
        return float(a[1])

    def f(t: float, s: np.ndarray) -> np.ndarray:
        return np.array([s[1], nt_mps2 - command(t, s[0], s[1])])

    s = np.zeros(2)
    n = round(at_fraction * t_f / dt_s)
    for i in range(n):
        t = i * dt_s
        k1 = f(t, s)
        k2 = f(t + dt_s / 2, s + dt_s / 2 * k1)
        k3 = f(t + dt_s / 2, s + dt_s / 2 * k2)
        k4 = f(t + dt_s, s + dt_s * k3)
        s = s + dt_s / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return command(n * dt_s, s[0], s[1]) / nt_mps2


@pytest.mark.parametrize(("nav", "ratio"), [(3.0, 2.700), (4.0, 1.980), (5.0, 1.665)])
def test_pn_step_manoeuvre_ratio(nav: float, ratio: float) -> None:
    # n_c/n_T = N'/(N'-2) [1 - (1 - t/t_F)^(N'-2)] at t/t_F = 0.9 (Zarchan ch. 2), to 1 %
    assert _linear_engagement(nav, 0.9) == pytest.approx(ratio, rel=0.01)


@pytest.mark.parametrize(("nav", "ratio"), [(3.0, 0.75), (4.0, 0.5), (5.0, 0.3125)])
def test_apn_step_manoeuvre_ratio(nav: float, ratio: float) -> None:
    # APN knowing the step: n_c/n_T = (N'/2) (1 - t/t_F)^(N'-2) (Zarchan ch. 8), t/t_F = 0.5
    assert _linear_engagement(nav, 0.5, apn=True) == pytest.approx(ratio, rel=0.01)


def test_pn_is_perpendicular_to_los_and_zero_on_collision_course() -> None:
    r = np.array([[10e3, 2e3, -1e3], [5e3, 0.0, 0.0]])
    v = np.array([[-900.0, 150.0, 40.0], [-1000.0, 0.0, 0.0]])
    a = pn_command(r, v, 4.0)
    assert abs(np.dot(a[0], r[0])) < 1e-9 * np.linalg.norm(a[0]) * np.linalg.norm(r[0])
    np.testing.assert_allclose(a[1], 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="shape"):
        pn_command([1.0, 2.0], [1.0, 2.0], 3.0)


def _planar_pn(
    target_speed_mps: np.ndarray,
    aspect_rad: float,
    range_m: float,
    missile_speed_mps: float,
    nav: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Nonlinear planar PN engagement, zero lag, constant missile speed, rows = target speeds.

    The missile starts at the origin pointing at the target; the target flies at aspect
    angle ``aspect_rad`` from the target-to-missile line (0 = head-on, pi/2 = crossing).
    Returns the peak of |a_c| (outside the last 2 % of the flight time, where the
    discrete zero-lag loop is singular) and the integral of |a_c| until closest approach.
    """
    k = target_speed_mps.shape[0]
    pm = np.zeros((k, 3))
    vm = np.zeros((k, 3))
    vm[:, 0] = missile_speed_mps
    pt = np.zeros((k, 3))
    pt[:, 0] = range_m
    vt = np.zeros((k, 3))
    vt[:, 0] = -np.cos(aspect_rad) * target_speed_mps
    vt[:, 1] = np.sin(aspect_rad) * target_speed_mps
    peak = np.zeros(k)
    dv = np.zeros(k)
    live = np.ones(k, dtype=bool)
    t_nominal = range_m / missile_speed_mps
    dt = t_nominal / 1000.0
    for _ in range(20_000):
        r = pt - pm
        w = vt - vm
        rdot = np.sum(r * w, axis=1)
        live &= rdot < 0.0
        endgame = np.sum(r * r, axis=1) / np.maximum(-rdot, 1e-9) < 0.02 * t_nominal
        if not live.any():
            break
        a = pn_command(r, w, nav)
        vhat = vm / np.linalg.norm(vm, axis=1, keepdims=True)
        a -= np.sum(a * vhat, axis=1, keepdims=True) * vhat
        an = np.linalg.norm(a, axis=1)
        peak = np.where(live & ~endgame, np.maximum(peak, an), peak)
        dv = np.where(live, dv + an * dt, dv)
        vm_new = vm + np.where(live[:, None], a * dt, 0.0)
        vm = vm_new / np.linalg.norm(vm_new, axis=1, keepdims=True) * missile_speed_mps
        pm = pm + np.where(live[:, None], vm * dt, 0.0)
        pt = pt + np.where(live[:, None], vt * dt, 0.0)
    return peak, dv


@settings(max_examples=12, deadline=None)
@given(
    st.floats(0.0, 0.5),
    st.floats(0.0, 0.5),
    st.floats(0.0, np.pi / 2),
    st.floats(5e3, 60e3),
    st.floats(600.0, 2000.0),
    st.sampled_from([3.0, 4.0, 5.0]),
)
def test_faster_target_never_lowers_required_acceleration(
    f1: float, f2: float, aspect: float, range_m: float, vm: float, nav: float
) -> None:
    # same geometry, target speeds f1 V_M <= f2 V_M (approaching or crossing)
    lo, hi = sorted((f1, f2))
    peak, dv = _planar_pn(np.array([lo, hi]) * vm, aspect, range_m, vm, nav)
    assert peak[1] >= peak[0] * (1 - 1e-6) - 1e-9
    assert dv[1] >= dv[0] * (1 - 1e-3) - 1e-6


def test_ballistic_aim_point_is_pip_plus_gravity_drop() -> None:
    aim = ballistic_aim_point([[1e5, 0.0, 1e4]], [[0.0, 0.0, 1.0]], 20.0, 9.8, 1.0)
    np.testing.assert_allclose(aim, [[1e5, 0.0, 1e4 + 0.5 * 9.8 * 400.0]])
