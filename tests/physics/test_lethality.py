"""Lethality known answers (known-answers.md) and error paths."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samsim.physics.lethality import (
    expected_pk_gaussian,
    pk_cookie_cutter,
    pk_for_miss,
    pk_fragmentation,
    pk_gaussian,
    pk_rice,
)


@pytest.mark.parametrize(("bias_m", "pk"), [(0.0, 0.8647), (5.0, 0.7310), (10.0, 0.3965)])
def test_rice_known_answers(bias_m: float, pk: float) -> None:
    # cookie cutter R = 10 m, circular-normal miss sigma = 5 m (Rice CDF), to 4 decimals
    assert pk_rice(bias_m, 10.0, 5.0) == pytest.approx(pk, abs=5e-5)


def test_rice_matches_monte_carlo() -> None:
    rng = np.random.default_rng(1)
    e = rng.normal(0.0, 5.0, size=(400_000, 2))
    frac = np.mean(np.hypot(7.0 + e[:, 0], e[:, 1]) <= 10.0)
    assert pk_rice(7.0, 10.0, 5.0) == pytest.approx(frac, abs=3e-3)


def test_gaussian_known_answer() -> None:
    # scale 10 m, sigma 5 m, unbiased: s^2/(s^2+sigma^2) = 0.8
    assert expected_pk_gaussian(0.0, 10.0, 5.0) == pytest.approx(0.8000, abs=1e-12)
    rng = np.random.default_rng(2)
    e = rng.normal(0.0, 5.0, size=(400_000, 2))
    assert np.mean(pk_gaussian(np.hypot(e[:, 0], e[:, 1]), 10.0)) == pytest.approx(0.8, abs=2e-3)


def test_cookie_cutter_edges() -> None:
    np.testing.assert_array_equal(pk_cookie_cutter([0.0, 10.0, 10.0001], 10.0), [1.0, 1.0, 0.0])
    assert pk_rice(9.0, 10.0, 0.0) == 1.0 and pk_rice(11.0, 10.0, 0.0) == 0.0


def test_pk_for_miss_dispatches_per_row() -> None:
    pk = pk_for_miss(["cookie_cutter", "gaussian", "rice"], [5.0, 10.0, 5.0], 10.0, 5.0)
    np.testing.assert_allclose(pk, [1.0, np.exp(-0.5), 0.7310], atol=5e-5)
    np.testing.assert_allclose(pk_for_miss([0, 1, 2], [5.0, 10.0, 5.0], 10.0, 5.0), pk)


@given(st.floats(0, 100), st.floats(0, 100), st.floats(1, 50), st.floats(0.1, 30))
def test_pk_decreases_with_miss(d1: float, d2: float, radius: float, sigma: float) -> None:
    lo, hi = min(d1, d2), max(d1, d2)
    for f in (lambda d: pk_rice(d, radius, sigma), lambda d: pk_gaussian(d, radius)):
        assert f(lo) >= f(hi) - 1e-12
        assert 0.0 <= f(hi) <= 1.0


def test_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match="miss_m"):
        pk_cookie_cutter(-1.0, 10.0)
    with pytest.raises(ValueError, match="lethal_radius_m"):
        pk_rice(1.0, 0.0, 5.0)
    with pytest.raises(ValueError, match="unknown lethality model"):
        pk_for_miss("laser", 1.0, 10.0)


def test_scalar_checks_reject_what_the_array_checks_reject() -> None:
    """The scalar fast path of the argument checks: NaN, negative and (for the positive
    ones) zero scalars still raise, naming the argument, like their arrays."""
    for bad in (-1.0, float("nan"), np.float64(-2.0), -3):
        with pytest.raises(ValueError, match="miss_m"):
            pk_cookie_cutter(bad, 10.0)
        with pytest.raises(ValueError, match="miss_m"):
            pk_cookie_cutter(np.array([bad]), 10.0)
    for bad in (0.0, -1.0, float("nan"), 0):
        with pytest.raises(ValueError, match="lethal_radius_m"):
            pk_cookie_cutter(1.0, bad)
        with pytest.raises(ValueError, match="fuze_range_m"):
            pk_fragmentation(1.0, 2000.0, 1e3, 0.2, 0.5, 5.0, bad)


@given(
    miss=st.floats(0.0, 200.0),
    speed=st.floats(0.0, 5e3),
    area=st.floats(0.0, 5.0),
    length=st.floats(0.0, 20.0),
    sigma=st.floats(0.0, 1e-3),
)
def test_pk_of_scalars_equals_pk_of_arrays_by_bytes(
    miss: float, speed: float, area: float, length: float, sigma: float
) -> None:
    """Python floats, numpy scalars and one-element arrays give the same Pk, bit for bit
    (the engine passes scalars, each intercept at a time)."""
    args = (miss, speed, 1200.0, 0.2, area, length, 30.0, 0.95, sigma)
    a = pk_fragmentation(*args)
    b = pk_fragmentation(*(np.float64(x) for x in args))
    c = pk_fragmentation(*(np.array([x]) for x in args))
    assert np.asarray(a).tobytes() == np.asarray(b).tobytes() == c.tobytes()
