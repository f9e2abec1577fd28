"""Measurement accuracy from SNR and the noisy-measurement sampler."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samsim.sensors import noise


def test_range_sigma_known_answer():
    # 20 dB SNR, 150 m cell: 150 / sqrt(200) = 10.607 m; with a 5 m floor in quadrature.
    assert float(noise.sigma_range_m(20.0, 150.0, 0.0)) == pytest.approx(10.6066, abs=1e-4)
    assert float(noise.sigma_range_m(20.0, 150.0, 5.0)) == pytest.approx(
        math.hypot(10.6066017, 5.0), abs=1e-6
    )


def test_angle_sigma_known_answer():
    # 2 deg beam, k_m 1.6, 20 dB: 2 deg / (1.6 sqrt(200)) = 0.088388 deg.
    got = noise.sigma_angle_rad(20.0, math.radians(2.0), 1.6, 0.0)
    assert math.degrees(float(got)) == pytest.approx(0.0883883, abs=1e-7)


def test_speed_sigma_known_answer():
    # lambda 0.1 m, 10 ms dwell: 5 m/s resolution; 13 dB (19.95): 5 / sqrt(39.9) = 0.7915.
    got = noise.sigma_radial_speed_mps(13.0, 0.1, 0.01, 0.0)
    assert float(got) == pytest.approx(5.0 / math.sqrt(2 * 10**1.3), rel=1e-12)


@given(snr=st.floats(-10, 60), step=st.floats(0.1, 20), floor=st.floats(0, 50))
def test_sigmas_fall_with_snr_to_the_floor(snr, step, floor):
    a = noise.sigma_range_m(snr, 150.0, floor)
    b = noise.sigma_range_m(snr + step, 150.0, floor)
    assert b < a
    assert b >= floor
    c = noise.sigma_angle_rad(snr, 0.02, 1.6, floor * 1e-4)
    d = noise.sigma_angle_rad(snr + step, 0.02, 1.6, floor * 1e-4)
    assert d < c


def test_floor_dominates_at_high_snr():
    assert float(noise.sigma_range_m(200.0, 150.0, 3.0)) == pytest.approx(3.0, rel=1e-12)
    assert float(noise.sigma_angle_rad(200.0, 0.02, 1.6, 1e-4)) == pytest.approx(1e-4, rel=1e-12)


def test_noisy_measurements_statistics_and_determinism():
    n = 40_000
    r = np.full(n, 100e3)
    az = np.full(n, math.pi - 1e-3)  # near the wrap
    el = np.full(n, 0.05)
    sig = (np.full(n, 30.0), np.full(n, 2e-3), np.full(n, 1e-3))
    a = noise.noisy_measurements(np.random.default_rng(7), r, az, el, *sig)
    b = noise.noisy_measurements(np.random.default_rng(7), r, az, el, *sig)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)
    rm, azm, elm = a
    assert np.std(rm) == pytest.approx(30.0, rel=0.03)
    assert np.mean(rm) == pytest.approx(100e3, abs=4 * 30.0 / math.sqrt(n))
    # Azimuth wrapped into [-pi, pi); the error is measured on the circle.
    assert np.all((azm >= -math.pi) & (azm < math.pi))
    assert np.any(azm < 0)
    err = np.angle(np.exp(1j * (azm - az)))
    assert np.std(err) == pytest.approx(2e-3, rel=0.03)
    assert np.std(elm) == pytest.approx(1e-3, rel=0.03)


def test_noisy_measurements_broadcast_scalar_sigmas():
    r, az, el = noise.noisy_measurements(
        np.random.default_rng(1), np.array([1e4, 2e4]), 0.0, 0.0, 10.0, 1e-3, 1e-3
    )
    assert r.shape == az.shape == el.shape == (2,)
