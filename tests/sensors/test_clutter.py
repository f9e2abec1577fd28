"""Constant-gamma land clutter, SCNR and false alarms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samsim.geo.earth import effective_earth_radius_m
from samsim.sensors import clutter as cl
from samsim.sensors import equation as eq

AE = effective_earth_radius_m()

RADAR = dict(
    peak_power_w=1e5,
    gain_tx_db=38.0,
    gain_rx_db=38.0,
    wavelength_m=0.1,
    pulse_width_s=1e-6,
    noise_figure_db=3.0,
    losses_db=6.0,
)
CLUTTER = dict(
    radar_height_m=20.0,
    gamma_db=-15.0,
    azimuth_beamwidth_rad=math.radians(1.5),
    elevation_beamwidth_rad=math.radians(1.5),
    range_resolution_m=150.0,
    sidelobe_level_db=-30.0,
    effective_earth_radius_m=AE,
)


def test_grazing_angle_flat_earth_limit_and_horizon():
    assert float(cl.grazing_angle_rad(1000.0, 10.0, 1e15)) == pytest.approx(math.asin(0.01))
    h = 30.0
    horizon = math.sqrt(2 * AE * h + h * h)
    assert float(cl.grazing_angle_rad(horizon, h, AE)) == pytest.approx(0.0, abs=1e-15)
    assert float(cl.grazing_angle_rad(1.1 * horizon, h, AE)) < 0
    assert float(cl.grazing_angle_rad(5.0, h, AE)) == pytest.approx(math.pi / 2)


@given(r=st.floats(100.0, 60e3), h=st.floats(2.0, 500.0))
def test_depression_minus_grazing_is_the_earth_central_angle(r, h):
    # Triangle earth centre - radar - ground point: angle at the centre from the cosine rule.
    cos_c = (AE**2 + (AE + h) ** 2 - r**2) / (2 * AE * (AE + h))
    if r <= h or cos_c >= 1.0:
        return
    central = math.acos(cos_c)
    d = float(cl.depression_angle_rad(r, h, AE))
    g = float(cl.grazing_angle_rad(r, h, AE))
    assert d - g == pytest.approx(central, abs=1e-9)


def test_sigma0_and_cell_area_known_answers():
    assert float(cl.sigma0_constant_gamma(-20.0, math.radians(30.0))) == pytest.approx(0.005)
    assert float(cl.sigma0_constant_gamma(-20.0, -0.01)) == 0.0
    area = cl.clutter_cell_area_m2(10e3, math.radians(1.0), 150.0, 0.0)
    assert float(area) == pytest.approx(10e3 * math.radians(1.0) * 150.0)
    assert float(area) == pytest.approx(26179.94, abs=0.01)


def test_clutter_rcs_known_answer_and_zero_beyond_horizon():
    # 20 m mast, 10 km, 4/3 earth: sin psi = 0.002 + 2.4e-9 - 5.886e-4 = 1.4114e-3;
    # sigma0 = 10^-1.5 * 1.4114e-3 = 4.463e-5; cell 1e4 * 1.5 deg * 150 m = 39,270 m^2.
    r, h = 10e3, 20.0
    sin_psi = h / r + h * h / (2 * AE * r) - r / (2 * AE)
    psi = math.asin(sin_psi)
    expected = 10**-1.5 * sin_psi * r * math.radians(1.5) * 150.0 / math.cos(psi)
    kw = {k: CLUTTER[k] for k in ("radar_height_m", "gamma_db", "azimuth_beamwidth_rad")}
    kw.update(range_resolution_m=150.0, effective_earth_radius_m=AE)
    assert float(cl.clutter_rcs_m2(r, **kw)) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(1.7527, abs=1e-4)
    horizon = math.sqrt(2 * AE * h + h * h)
    assert np.all(cl.clutter_rcs_m2(np.array([1.01 * horizon, 5.0]), **kw) == 0.0)


def test_gaussian_beam_pattern():
    bw = math.radians(2.0)
    assert float(cl.gaussian_beam_two_way_db(0.0, bw, -30.0)) == 0.0
    assert float(cl.gaussian_beam_two_way_db(bw / 2, bw, -30.0)) == pytest.approx(
        -2 * 10 * math.log10(2.0), abs=1e-9
    )
    assert float(cl.gaussian_beam_two_way_db(10 * bw, bw, -30.0)) == pytest.approx(-60.0)


def test_cnr_composition_and_properties():
    r = np.array([5e3, 10e3, 15e3])
    cnr0 = cl.clutter_to_noise_db(range_m=r, beam_elevation_rad=0.0, **RADAR, **CLUTTER)
    # Equal to the radar equation with the clutter RCS plus the two-way pattern loss.
    kw = {k: CLUTTER[k] for k in ("radar_height_m", "gamma_db", "azimuth_beamwidth_rad")}
    kw.update(range_resolution_m=150.0, effective_earth_radius_m=AE)
    sigma_c = cl.clutter_rcs_m2(r, **kw)
    dep = cl.depression_angle_rad(r, 20.0, AE)
    patt = cl.gaussian_beam_two_way_db(dep, math.radians(1.5), -30.0)
    direct = eq.snr_db(**RADAR, rcs_m2=sigma_c, range_m=r) + patt
    assert np.allclose(cnr0, direct, atol=1e-9)
    assert np.all(cnr0 > 20.0)  # strong ground clutter at short range
    # Raising the beam lowers the clutter (until the sidelobe floor); gamma moves it 1:1.
    cnr_up = cl.clutter_to_noise_db(range_m=r, beam_elevation_rad=0.03, **RADAR, **CLUTTER)
    assert np.all(cnr_up < cnr0)
    worse = dict(CLUTTER, gamma_db=-10.0)
    cnr_w = cl.clutter_to_noise_db(range_m=r, beam_elevation_rad=0.0, **RADAR, **worse)
    assert np.allclose(cnr_w - cnr0, 5.0)
    far = cl.clutter_to_noise_db(range_m=40e3, beam_elevation_rad=0.0, **RADAR, **CLUTTER)
    assert np.isneginf(far)  # beyond the 18.4 km horizon of a 20 m mast


def test_scnr_and_threshold_rise():
    assert float(cl.scnr_db(10.0, -np.inf, 40.0)) == 10.0
    assert float(cl.scnr_db(10.0, 40.0, 40.0)) == pytest.approx(10.0 - 10 * math.log10(2.0))
    assert float(cl.scnr_db(10.0, 90.0, 40.0)) == pytest.approx(10.0 - 50.0, abs=1e-4)
    assert float(cl.clutter_threshold_rise_db(1000.0, 0.0)) == pytest.approx(1000.0)


@given(cnr=st.floats(-50, 100), step=st.floats(0.01, 30), imp=st.floats(0, 60))
def test_threshold_rise_monotone_and_nonnegative(cnr, step, imp):
    a = float(cl.clutter_threshold_rise_db(cnr, imp))
    b = float(cl.clutter_threshold_rise_db(cnr + step, imp))
    c = float(cl.clutter_threshold_rise_db(cnr, imp + step))
    assert 0.0 <= a <= b
    assert c <= a


def test_resolution_cells_and_false_alarm_count():
    n = cl.n_resolution_cells(
        range_min_m=0.0,
        range_max_m=300e3,
        range_resolution_m=150.0,
        az_sector_rad=2 * math.pi,
        azimuth_beamwidth_rad=math.radians(1.0),
        el_sector_rad=0.0,
        elevation_beamwidth_rad=math.radians(1.0),
    )
    assert n == pytest.approx(720_000.0)
    rng = np.random.default_rng(3)
    counts = np.array([cl.false_alarm_count(rng, 5e-6, n) for _ in range(2000)])
    assert counts.mean() == pytest.approx(3.6, abs=4 * math.sqrt(3.6 / 2000))
    assert counts.var() == pytest.approx(3.6, rel=0.15)
    again = np.random.default_rng(3)
    assert cl.false_alarm_count(again, 5e-6, n) == counts[0]
    assert cl.false_alarm_count(rng, 0.0, n) == 0


def test_sample_false_alarms_uniform_and_wrapped():
    rng = np.random.default_rng(11)
    r, az, el = cl.sample_false_alarms(
        rng,
        20_000,
        range_min_m=10e3,
        range_max_m=110e3,
        az_min_rad=math.radians(170.0),
        az_max_rad=math.radians(200.0),
        el_min_rad=0.0,
        el_max_rad=0.1,
    )
    assert r.shape == az.shape == el.shape == (20_000,)
    assert r.min() >= 10e3 and r.max() <= 110e3
    assert np.mean(r) == pytest.approx(60e3, abs=4 * 100e3 / math.sqrt(12 * 20_000))
    # Sector straddles +-pi: 170..180 deg and -180..-160 deg, a third and two thirds.
    assert np.all((az >= -math.pi) & (az < math.pi))
    assert np.all((np.degrees(az) >= 170.0 - 1e-9) | (np.degrees(az) <= -160.0 + 1e-9))
    assert np.mean(az > 0) == pytest.approx(1 / 3, abs=0.015)
    assert el.min() >= 0.0 and el.max() <= 0.1
    empty = cl.sample_false_alarms(
        rng,
        0,
        range_min_m=0.0,
        range_max_m=1.0,
        az_min_rad=0.0,
        az_max_rad=1.0,
        el_min_rad=0.0,
        el_max_rad=0.0,
    )
    assert all(x.shape == (0,) for x in empty)


def test_false_alarm_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="pfa"):
        cl.false_alarm_count(rng, 1.5, 100)
    with pytest.raises(ValueError, match="n_cells"):
        cl.false_alarm_count(rng, 1e-6, -1)
    good = dict(
        range_min_m=0.0,
        range_max_m=1e3,
        az_min_rad=0.0,
        az_max_rad=1.0,
        el_min_rad=0.0,
        el_max_rad=0.1,
    )
    with pytest.raises(ValueError, match="count"):
        cl.sample_false_alarms(rng, -1, **good)
    with pytest.raises(ValueError, match="range_min_m"):
        cl.sample_false_alarms(rng, 1, **dict(good, range_min_m=2e3))
    with pytest.raises(ValueError, match="az_max_rad"):
        cl.sample_false_alarms(rng, 1, **dict(good, az_max_rad=-1.0))
    with pytest.raises(ValueError, match="el_min_rad"):
        cl.sample_false_alarms(rng, 1, **dict(good, el_min_rad=0.2))
    with pytest.raises(ValueError, match="range_max_m"):
        cl.n_resolution_cells(
            range_min_m=2.0,
            range_max_m=1.0,
            range_resolution_m=1.0,
            az_sector_rad=1.0,
            azimuth_beamwidth_rad=1.0,
            el_sector_rad=1.0,
            elevation_beamwidth_rad=1.0,
        )
