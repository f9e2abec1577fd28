from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samsim.study.stats import mean_interval, summarize_results, wilson_interval


# Newcombe, "Two-sided confidence intervals for the single proportion: comparison of seven
# methods", Statistics in Medicine 17 (1998) 857-872, Table I, method 3 (Wilson score
# interval without continuity correction), 95%; quoted to 4 decimals.
@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_table(k: int, n: int, lo: float, hi: float) -> None:
    got_lo, got_hi = wilson_interval(k, n)
    assert got_lo == pytest.approx(lo, abs=5e-5)
    assert got_hi == pytest.approx(hi, abs=5e-5)


def test_wilson_closed_forms() -> None:
    z2 = 1.959963984540054**2
    # k = 0: the upper bound is z^2 / (n + z^2); k = n mirrors it.
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(z2 / (10 + z2), rel=1e-12)
    lo, hi = wilson_interval(10, 10)
    assert hi == 1.0 and lo == pytest.approx(10 / (10 + z2), rel=1e-12)
    # p = 1/2: centred on 1/2.
    lo, hi = wilson_interval(50, 100)
    assert (lo + hi) / 2 == pytest.approx(0.5, abs=1e-15)


@given(st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_solves_the_score_equation(kn: tuple[int, int]) -> None:
    """Each bound p satisfies |k/n - p| = z sqrt(p (1 - p) / n) (the score test's
    boundary), lies in [0, 1] around k/n, and mirrors under k -> n - k."""
    k, n = kn
    z = 1.959963984540054
    lo, hi = (float(x) for x in wilson_interval(k, n))
    p_hat = k / n
    assert 0.0 <= lo <= p_hat <= hi <= 1.0
    for p in (lo, hi):
        if 0.0 < p < 1.0:
            assert abs(p_hat - p) == pytest.approx(z * math.sqrt(p * (1 - p) / n), abs=1e-9)
    mlo, mhi = (float(x) for x in wilson_interval(n - k, n))
    assert mlo == pytest.approx(1 - hi, abs=1e-12) and mhi == pytest.approx(1 - lo, abs=1e-12)


def test_wilson_vectorised_and_wider_at_higher_confidence() -> None:
    k = np.array([0, 3, 7])
    lo95, hi95 = wilson_interval(k, 10)
    lo99, hi99 = wilson_interval(k, 10, confidence=0.99)
    assert lo95.shape == (3,)
    assert np.all(lo99 <= lo95) and np.all(hi99 >= hi95)
    lo, hi = wilson_interval(0, 0)
    assert math.isnan(lo) and math.isnan(hi)


@pytest.mark.parametrize(("k", "n", "conf"), [(5, 3, 0.95), (-1, 3, 0.95), (1, 3, 1.0)])
def test_wilson_refuses_bad_input(k: int, n: int, conf: float) -> None:
    with pytest.raises(ValueError, match=r"k|confidence"):
        wilson_interval(k, n, conf)


def test_mean_interval() -> None:
    m, lo, hi = mean_interval(np.array([1.0, 2.0, 3.0, np.nan]))
    half = 1.959963984540054 * 1.0 / math.sqrt(3)
    assert m == 2.0 and lo == pytest.approx(2 - half) and hi == pytest.approx(2 + half)


def test_summarize_results_per_point() -> None:
    # point 0: 4 runs of 10 threats, leaks 0, 1, 0, 3 at asset a (1 run also at b)
    # point 1: 2 runs, no leaks
    table = pa.table(
        {
            "point": pa.array([0, 0, 0, 0, 1, 1], pa.int32()),
            "raid.g": [8, 8, 8, 8, 16, 16],
            "seed": [0, 1, 2, 3, 0, 1],
            "threats": [10] * 6,
            "detected": [10, 9, 10, 8, 10, 10],
            "killed": [10, 8, 10, 7, 10, 10],
            "leaked": [0, 1, 0, 3, 0, 0],
            "interceptors_fired_total": [20, 18, 20, 16, 20, 20],
            "leaked_by_asset.a": [0, 1, 0, 2, 0, 0],
            "leaked_by_asset.b": [0, 0, 0, 1, 0, 0],
            "first_detection_range_m.cm.median": [30e3, 40e3, np.nan, 50e3, 1e3, 3e3],
            "wall_time_s": [1.0] * 6,
        }
    )
    s = summarize_results(table, ["raid.g"]).to_pylist()
    assert [r["point"] for r in s] == [0, 1] and [r["raid.g"] for r in s] == [8, 16]
    r0 = s[0]
    assert r0["runs"] == 4
    assert r0["p_leak"] == 0.5
    lo, hi = wilson_interval(2, 4)
    assert (r0["p_leak_lo"], r0["p_leak_hi"]) == (pytest.approx(lo), pytest.approx(hi))
    assert r0["leak_fraction"] == pytest.approx(4 / 40)
    assert r0["kill_fraction"] == pytest.approx(35 / 40)
    assert r0["detect_fraction"] == pytest.approx(37 / 40)
    assert r0["p_reach.a"] == 0.5 and r0["p_reach.b"] == 0.25
    assert r0["mean_leaked"] == 1.0
    assert r0["interceptors_per_kill"] == pytest.approx(74 / 35)
    assert r0["mean_first_detection_km.cm"] == pytest.approx(40.0)
    assert s[1]["p_leak"] == 0.0 and s[1]["p_leak_lo"] == 0.0
