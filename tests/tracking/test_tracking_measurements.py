"""Measurement batches: unbiased converted measurements, frames, and input validation."""

from __future__ import annotations

import numpy as np
import pytest

from samsim.geo.frames import EnuFrame
from samsim.tracking import MeasurementBatch, unbiased_converted_measurement


@pytest.mark.parametrize(
    ("r", "az", "el", "s_a"),
    [(60e3, 0.3, 0.1, 0.002), (150e3, 4.0, 0.6, 0.01), (20e3, 2.0, 0.02, 0.05)],
)
def test_unbiased_conversion_is_unbiased_and_its_covariance_is_consistent(
    r: float, az: float, el: float, s_a: float
) -> None:
    # Monte Carlo over measurement noise for a fixed truth (Mo et al. 1998): the converted
    # position's mean error is ~0 and the average of the conditional covariance matches
    # the spread of the error; the plain (biased) conversion is visibly biased at large
    # angle noise.
    rng = np.random.default_rng(11)
    n = 200_000
    s_r, s_e = 30.0, s_a
    rm = r + rng.normal(0, s_r, n)
    am = az + rng.normal(0, s_a, n)
    em = el + rng.normal(0, s_e, n)
    z, R = unbiased_converted_measurement(
        rm, am, em, np.full(n, s_r), np.full(n, s_a), np.full(n, s_e)
    )
    truth = r * np.array([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)])
    err = z - truth
    cov = np.cov(err.T)
    se = np.sqrt(np.diag(cov) / n)
    np.testing.assert_array_less(np.abs(err.mean(axis=0)), 4.5 * se)
    np.testing.assert_allclose(R.mean(axis=0), cov, rtol=0.03, atol=0.03 * np.abs(cov).max())
    if s_a >= 0.05:
        plain = rm[:, None] * np.column_stack(
            [np.cos(em) * np.sin(am), np.cos(em) * np.cos(am), np.sin(em)]
        )
        assert np.abs((plain - truth).mean(axis=0)).max() > 20 * se.max()


def test_from_polar_uses_the_site_frame() -> None:
    frame = EnuFrame(55.0, 37.0, 0.0)
    site = frame.site([30e3, -20e3, 100.0])
    target = np.array([[80e3, 40e3, 9e3], [10e3, -60e3, 200.0]])
    az, el, rng_m = site.aer(target)
    b = MeasurementBatch.from_polar(
        5.0, 3, site.position_enu_m, site.rot, rng_m, az, el, 1e-3, 1e-7, 1e-7, [4, 9]
    )
    np.testing.assert_allclose(b.z_m, target, atol=0.05)
    assert b.det_index.tolist() == [4, 9]
    assert b.sensor_id == 3 and b.time_s == 5.0
    # Covariance: range noise along the line of sight.
    los = (target - site.position_enu_m) / rng_m[:, None]
    b2 = MeasurementBatch.from_polar(
        0.0, 0, site.position_enu_m, site.rot, rng_m, az, el, 30.0, 1e-7, 1e-7
    )
    for k in range(2):
        var_los = los[k] @ b2.cov_m2[k] @ los[k]
        assert var_los == pytest.approx(900.0, rel=1e-3)


def test_cartesian_batch_broadcasts_one_covariance() -> None:
    b = MeasurementBatch.cartesian(1.0, 0, np.zeros((4, 3)), np.eye(3) * 4.0)
    assert b.cov_m2.shape == (4, 3, 3)
    assert b.det_index.tolist() == [0, 1, 2, 3]
    assert MeasurementBatch.empty(2.0).n == 0


@pytest.mark.parametrize(
    ("z", "cov", "match"),
    [
        (np.array([[0.0, np.nan, 1.0]]), np.eye(3), "non-finite"),
        (np.zeros((2, 4)), np.eye(3), r"shape \(n, 3\)"),
        (np.zeros(3), np.eye(3), r"shape \(n, 3\)"),
        (np.zeros((2, 3)), np.eye(2), "cov_m2 must have shape"),
        (np.zeros((1, 3)), np.diag([1.0, -1.0, 1.0]), "positive definite"),
        (np.zeros((1, 3)), np.array([[1.0, 0.5, 0], [0, 1, 0], [0, 0, 1]]), "symmetric"),
        (np.zeros((1, 3)), np.full((3, 3), np.inf), "non-finite"),
    ],
)
def test_bad_cartesian_measurements_raise_clear_errors(z, cov, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        MeasurementBatch.cartesian(0.0, 0, z, cov)


def test_bad_polar_measurements_raise_clear_errors() -> None:
    pos, rot = np.zeros(3), np.eye(3)
    ok = dict(
        range_m=[1e4],
        az_rad=[0.1],
        el_rad=[0.1],
        sigma_range_m=10.0,
        sigma_az_rad=1e-3,
        sigma_el_rad=1e-3,
    )
    with pytest.raises(ValueError, match="range_m contains non-finite"):
        MeasurementBatch.from_polar(0.0, 0, pos, rot, **{**ok, "range_m": [np.nan]})
    with pytest.raises(ValueError, match="az_rad must be"):
        MeasurementBatch.from_polar(0.0, 0, pos, rot, **{**ok, "az_rad": [0.1, 0.2]})
    with pytest.raises(ValueError, match="sigma_az_rad must be positive"):
        MeasurementBatch.from_polar(0.0, 0, pos, rot, **{**ok, "sigma_az_rad": 0.0})
    with pytest.raises(ValueError, match="range_m must be positive"):
        MeasurementBatch.from_polar(0.0, 0, pos, rot, **{**ok, "range_m": [-5.0]})
    with pytest.raises(ValueError, match="orthonormal"):
        MeasurementBatch.from_polar(0.0, 0, pos, rot * 2, **ok)
    with pytest.raises(ValueError, match="sensor_pos_enu_m"):
        MeasurementBatch.from_polar(0.0, 0, [0.0, 0.0], rot, **ok)
    with pytest.raises(ValueError, match="det_index"):
        MeasurementBatch.from_polar(0.0, 0, pos, rot, det_index=[0.5], **ok)
    with pytest.raises(ValueError, match="time_s"):
        MeasurementBatch.from_polar(np.nan, 0, pos, rot, **ok)
