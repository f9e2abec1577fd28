"""Noise jamming: JNR, SINR, burn-through and detection range against a self-screener."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samsim.sensors import equation as eq
from samsim.sensors import jamming as jm

LAMBDA_5GHZ = eq.SPEED_OF_LIGHT_MPS / 5e9


def test_jnr_against_one_way_link_budget():
    # Adamy, EW 101, one-way link in dBm: P_R = ERP - (32.44 + 20 log f_MHz + 20 log d_km)
    # + G_R, noise N = -174 dBm/Hz + 10 log B + NF. ERP 1 kW (60 dBm), 5 GHz, 50 km,
    # G_R 30 dBi, B_j = B_r = 1 MHz, NF 4 dB: P_R = -50.40 dBm, N = -110 dBm, JNR 59.60 dB.
    loss = 32.44 + 20 * math.log10(5000.0) + 20 * math.log10(50.0)
    jnr_book = (60.0 - loss + 30.0) - (-174.0 + 60.0 + 4.0)
    assert jnr_book == pytest.approx(59.60, abs=0.005)
    got = jm.jammer_to_noise_db(
        jammer_erp_w=1e3,
        jammer_bandwidth_hz=1e6,
        radar_bandwidth_hz=1e6,
        jammer_range_m=50e3,
        gain_rx_toward_jammer_db=30.0,
        wavelength_m=LAMBDA_5GHZ,
        noise_figure_db=4.0,
        jammer_losses_db=0.0,
    )
    # The book's 32.44 and -174 are rounded (exact 32.447 and -173.975): 0.03 dB apart.
    assert float(got) == pytest.approx(jnr_book, abs=0.04)


def _soj(**over):
    kw = dict(
        jammer_erp_w=500.0,
        jammer_bandwidth_hz=200e6,
        radar_bandwidth_hz=2e6,
        jammer_range_m=150e3,
        gain_rx_db=38.0,
        sidelobe_level_db=-30.0,
        wavelength_m=0.1,
        noise_figure_db=3.0,
        jammer_losses_db=2.0,
    )
    kw.update(over)
    return float(jm.stand_off_jnr_db(**kw))


def test_stand_off_sidelobes_bandwidth_and_range():
    base = _soj()
    assert _soj(sidelobe_level_db=-40.0) == pytest.approx(base - 10.0)
    assert _soj(jammer_bandwidth_hz=2000e6) == pytest.approx(base - 10.0)
    # A spot jammer narrower than the radar band is no stronger than one matched to it.
    assert _soj(jammer_bandwidth_hz=1e6) == pytest.approx(_soj(jammer_bandwidth_hz=2e6))
    assert _soj(jammer_range_m=300e3) == pytest.approx(base - 20 * math.log10(2.0))
    main = jm.self_screening_jnr_db(
        jammer_erp_w=500.0,
        jammer_bandwidth_hz=200e6,
        radar_bandwidth_hz=2e6,
        target_range_m=150e3,
        gain_rx_db=38.0,
        wavelength_m=0.1,
        noise_figure_db=3.0,
        jammer_losses_db=2.0,
    )
    assert float(main) == pytest.approx(base + 30.0)


def test_sinr():
    assert float(jm.sinr_db(12.0)) == 12.0
    assert float(jm.sinr_db(12.0, 0.0)) == pytest.approx(12.0 - 10 * math.log10(2.0))
    assert float(jm.sinr_db(12.0, 0.0, 0.0)) == pytest.approx(12.0 - 10 * math.log10(3.0))
    assert float(jm.sinr_db(12.0, -np.inf)) == pytest.approx(12.0)
    assert float(jm.sinr_db(12.0, 300.0)) == pytest.approx(-288.0)
    out = jm.sinr_db(np.array([10.0, 20.0]), np.array([[0.0], [10.0]]))
    assert out.shape == (2, 2)


RADAR = dict(
    peak_power_w=1e5,
    pulse_width_s=1e-6,
    gain_tx_db=35.0,
    losses_db=0.0,
)
JAMMER = dict(
    jammer_erp_w=100.0,
    jammer_bandwidth_hz=100e6,
    radar_bandwidth_hz=1e6,
    jammer_losses_db=0.0,
)


def test_burn_through_textbook_case():
    # Radar ERP 1e5 W * 35 dBi = 115 dBm, tau B_r = 1; jammer 100 W ERP (50 dBm) over
    # 100 MHz (B_j / B_r = +20 dB); sigma 5 m^2; S/J needed 13 dB. Adamy's dB form:
    # 20 log R_km = ERP_S - ERP_J + 10 log sigma + 10 log(B_j/B_r) - S/J - 71
    #            = 115 - 50 + 6.99 + 20 - 13 - 71 = 7.99  ->  R_bt = 2.51 km.
    r = float(jm.burn_through_range_m(13.0, **RADAR, rcs_m2=5.0, **JAMMER))
    exact_const = 10 * math.log10(4 * math.pi) + 60.0  # 70.99, Adamy's "71"
    r_book = 10 ** ((115.0 - 50.0 + 10 * math.log10(5.0) + 20.0 - 13.0 - exact_const) / 20) * 1e3
    assert r == pytest.approx(r_book, rel=1e-9)
    r_rounded = 10 ** ((115.0 - 50.0 + 10 * math.log10(5.0) + 20.0 - 13.0 - 71.0) / 20) * 1e3
    assert r == pytest.approx(r_rounded, rel=2e-3)
    assert r == pytest.approx(2513.0, abs=2.0)


def test_burn_through_is_where_snr_minus_jnr_equals_required():
    r = jm.burn_through_range_m(np.array([6.0, 13.0]), **RADAR, rcs_m2=0.5, **JAMMER)
    common = dict(wavelength_m=0.03, noise_figure_db=4.0)
    snr = eq.snr_db(**RADAR, gain_rx_db=35.0, rcs_m2=0.5, range_m=r, **common)
    jnr = jm.self_screening_jnr_db(
        jammer_erp_w=100.0,
        jammer_bandwidth_hz=100e6,
        radar_bandwidth_hz=1e6,
        target_range_m=r,
        gain_rx_db=35.0,
        jammer_losses_db=0.0,
        **common,
    )
    assert np.allclose(snr - jnr, [6.0, 13.0], atol=1e-9)


FULL = dict(
    peak_power_w=1e5,
    gain_tx_db=35.0,
    gain_rx_db=35.0,
    wavelength_m=0.03,
    pulse_width_s=1e-6,
    noise_figure_db=4.0,
    losses_db=3.0,
)


def _detect(erp, sinr=13.0, rcs=1.0):
    return float(
        jm.self_screening_detection_range_m(
            sinr,
            **FULL,
            rcs_m2=rcs,
            jammer_erp_w=erp,
            jammer_bandwidth_hz=100e6,
            radar_bandwidth_hz=1e6,
            jammer_losses_db=1.0,
        )
    )


@given(erp=st.floats(1e-3, 1e4), sinr=st.floats(0.0, 25.0), rcs=st.floats(1e-3, 100.0))
def test_detection_range_solves_sinr(erp, sinr, rcs):
    r = _detect(erp, sinr, rcs)
    snr = eq.snr_db(**FULL, rcs_m2=rcs, range_m=r)
    jnr = jm.self_screening_jnr_db(
        jammer_erp_w=erp,
        jammer_bandwidth_hz=100e6,
        radar_bandwidth_hz=1e6,
        target_range_m=r,
        gain_rx_db=35.0,
        wavelength_m=0.03,
        noise_figure_db=4.0,
        jammer_losses_db=1.0,
    )
    assert float(jm.sinr_db(snr, jnr)) == pytest.approx(sinr, abs=1e-8)
    # More jammer power never lets the radar see farther.
    assert _detect(2.0 * erp, sinr, rcs) < r


def test_detection_range_limits():
    no_jam = _detect(1e-30)
    assert no_jam == pytest.approx(float(eq.range_for_snr_m(13.0, **FULL, rcs_m2=1.0)), rel=1e-9)
    loud = _detect(1e9)
    bt = float(
        jm.burn_through_range_m(
            13.0,
            peak_power_w=1e5,
            pulse_width_s=1e-6,
            gain_tx_db=35.0,
            rcs_m2=1.0,
            losses_db=3.0,
            jammer_erp_w=1e9,
            jammer_bandwidth_hz=100e6,
            radar_bandwidth_hz=1e6,
            jammer_losses_db=1.0,
        )
    )
    assert loud == pytest.approx(bt, rel=1e-6)
