"""Radar range equation, search equation, inverses and dB helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samsim.sensors import equation as eq

RADAR = dict(
    peak_power_w=1e6,
    gain_tx_db=40.0,
    gain_rx_db=40.0,
    wavelength_m=eq.SPEED_OF_LIGHT_MPS / 3e9,
    pulse_width_s=1e-6,
    noise_figure_db=3.0,
    losses_db=5.0,
)


def test_snr_matches_db_budget_with_bartons_constant():
    # Independent dB budget (Barton's form), k = -228.6 dBW/(K Hz) rounded: 0.01 dB.
    lam = eq.SPEED_OF_LIGHT_MPS / 3e9
    budget = (
        60.0  # 1 MW
        + 40.0
        + 40.0
        + 20.0 * math.log10(lam)
        + 0.0  # 1 m^2
        - 60.0  # 1 us
        - 30.0 * math.log10(4.0 * math.pi)
        - 40.0 * 5.0  # 100 km
        + 228.6
        - 10.0 * math.log10(290.0)
        - 3.0
        - 5.0
    )
    got = eq.snr_db(**RADAR, rcs_m2=1.0, range_m=100e3)
    assert budget == pytest.approx(22.995, abs=0.002)
    assert float(got) == pytest.approx(budget, abs=0.01)


def test_snr_coherent_gain_and_temperature():
    base = eq.snr_db(**RADAR, rcs_m2=1.0, range_m=50e3)
    ten = eq.snr_db(**RADAR, rcs_m2=1.0, range_m=50e3, n_coherent=10)
    hot = eq.snr_db(**RADAR, rcs_m2=1.0, range_m=50e3, system_temp_k=580.0)
    assert float(ten - base) == pytest.approx(10.0, abs=1e-12)
    assert float(base - hot) == pytest.approx(10 * math.log10(2.0), abs=1e-12)


def test_snr_broadcasts_and_zero_rcs_is_minus_inf():
    out = eq.snr_db(**RADAR, rcs_m2=np.array([[0.0], [1.0]]), range_m=np.array([1e4, 2e4, 4e4]))
    assert out.shape == (2, 3)
    assert np.all(np.isneginf(out[0]))
    assert np.allclose(np.diff(out[1]), -40 * math.log10(2.0))


@given(
    r1=st.floats(1e3, 1e6),
    ratio=st.floats(1.001, 100.0),
    rcs=st.floats(1e-4, 1e3),
)
def test_snr_falls_as_r4_and_grows_with_rcs(r1, ratio, rcs):
    s1 = eq.snr_db(**RADAR, rcs_m2=rcs, range_m=r1)
    s2 = eq.snr_db(**RADAR, rcs_m2=rcs, range_m=r1 * ratio)
    assert float(s1 - s2) == pytest.approx(40.0 * math.log10(ratio), abs=1e-9)
    bigger = eq.snr_db(**RADAR, rcs_m2=2.0 * rcs, range_m=r1)
    assert float(bigger - s1) == pytest.approx(10 * math.log10(2.0), abs=1e-9)


@given(snr=st.floats(-20.0, 40.0), rcs=st.floats(1e-4, 1e3))
def test_range_for_snr_inverts_snr(snr, rcs):
    r = eq.range_for_snr_m(snr, **RADAR, rcs_m2=rcs, n_coherent=4)
    back = eq.snr_db(**RADAR, rcs_m2=rcs, range_m=r, n_coherent=4)
    assert float(back) == pytest.approx(snr, abs=1e-9)


def test_search_equation_equals_dwell_form():
    # Search equation == energy form with dwell t_d = t_s * Omega_b / Omega, n = PRF t_d.
    lam = 0.1
    gain_db = 35.0
    g = 10 ** (gain_db / 10)
    pt, tau, prf = 2e5, 20e-6, 1000.0
    frame_s = 10.0
    omega = eq.solid_angle_sr(2 * math.pi, 0.0, math.radians(20.0))
    ae = g * lam**2 / (4 * math.pi)
    omega_beam = 4 * math.pi / g
    n = prf * frame_s * omega_beam / omega
    direct = eq.snr_db(
        peak_power_w=pt,
        gain_tx_db=gain_db,
        gain_rx_db=gain_db,
        wavelength_m=lam,
        rcs_m2=0.1,
        range_m=150e3,
        pulse_width_s=tau,
        noise_figure_db=4.0,
        losses_db=8.0,
        n_coherent=n,
    )
    search = eq.search_snr_db(
        power_aperture_wm2=pt * tau * prf * ae,
        rcs_m2=0.1,
        range_m=150e3,
        frame_time_s=frame_s,
        solid_angle_sr=omega,
        noise_figure_db=4.0,
        losses_db=8.0,
    )
    assert float(search) == pytest.approx(float(direct), abs=1e-9)
    r = eq.search_range_for_snr_m(
        float(search),
        power_aperture_wm2=pt * tau * prf * ae,
        rcs_m2=0.1,
        frame_time_s=frame_s,
        solid_angle_sr=omega,
        noise_figure_db=4.0,
        losses_db=8.0,
    )
    assert float(r) == pytest.approx(150e3, rel=1e-12)


def test_solid_angle_and_helpers():
    assert float(eq.solid_angle_sr(2 * math.pi, 0.0, math.pi / 2)) == pytest.approx(2 * math.pi)
    assert float(eq.solid_angle_sr(2 * math.pi, -math.pi / 2, math.pi / 2)) == pytest.approx(
        4 * math.pi
    )
    assert float(eq.range_resolution_m(1e6)) == pytest.approx(149.896229, abs=1e-6)
    assert float(eq.wavelength_m(3e9)) == pytest.approx(0.0999308, abs=1e-7)
    assert float(eq.to_db(1000.0)) == pytest.approx(30.0)
    assert np.isneginf(eq.to_db(0.0))
    x = np.array([1e-3, 0.5, 7.0, 1e9])
    assert np.allclose(eq.from_db(eq.to_db(x)), x, rtol=1e-14)
