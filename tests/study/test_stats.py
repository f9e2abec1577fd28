from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samsim.study.stats import (
    mean_interval,
    paired_mean_difference,
    paired_ratio_difference,
    proportion_interval,
    ratio_interval,
    summarize_results,
    wilson_interval,
)


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


def test_mean_interval_is_student_t() -> None:
    m, lo, hi = mean_interval(np.array([1.0, 2.0, 3.0, np.nan]))
    half = 4.302652729911275 * 1.0 / math.sqrt(3)  # t(0.975, 2 df), s = 1
    assert m == 2.0 and lo == pytest.approx(2 - half) and hi == pytest.approx(2 + half)
    assert all(math.isnan(v) for v in mean_interval(np.array([np.nan])))
    # a count's mean cannot be negative: the interval stops at the floor
    m, lo, hi = mean_interval(np.array([0.0, 0.0, 1.0]), floor=0.0)
    assert lo == 0.0 and mean_interval(np.array([0.0, 0.0, 1.0]))[1] < 0 and hi > m
    assert mean_interval(np.array([4.0]))[0] == 4.0


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
    # pooled fractions carry the run-level interval, not the Wilson interval of 40 trials
    p, plo, phi = proportion_interval([0, 1, 0, 3], [10] * 4)
    assert (r0["leak_fraction_lo"], r0["leak_fraction_hi"]) == (plo, phi)
    assert phi > float(wilson_interval(4, 40)[1])
    r, rlo, rhi = ratio_interval([20, 18, 20, 16], [10, 8, 10, 7])
    assert r0["interceptors_per_kill_lo"] == rlo and r0["interceptors_per_kill_hi"] == rhi
    assert r0["kill_fraction"] == pytest.approx(35 / 40)
    assert r0["detect_fraction"] == pytest.approx(37 / 40)
    assert r0["p_reach.a"] == 0.5 and r0["p_reach.b"] == 0.25
    assert r0["mean_leaked"] == 1.0
    assert r0["interceptors_per_kill"] == pytest.approx(74 / 35)
    assert r0["mean_first_detection_km.cm"] == pytest.approx(40.0)
    assert s[1]["p_leak"] == 0.0 and s[1]["p_leak_lo"] == 0.0


# -- run-level intervals ------------------------------------------------------------------


def test_ratio_interval_closed_form() -> None:
    """R = sum y / sum x; u_i = (y_i - R x_i) / mean(x); R +- t_{G-1} sd(u) / sqrt(G)."""
    y = np.array([3.0, 5.0, 4.0, 8.0])
    x = np.array([2.0, 4.0, 2.0, 4.0])
    r, lo, hi = ratio_interval(y, x)
    assert r == pytest.approx(20 / 12)
    u = (y - r * x) / 3.0
    half = 3.182446305284263 * u.std(ddof=1) / 2.0  # t(0.975, 3 df)
    assert lo == pytest.approx(r - half) and hi == pytest.approx(r + half)
    assert math.isnan(ratio_interval([1, 2], [0, 0])[0])
    assert math.isnan(ratio_interval([1], [2])[1])
    with pytest.raises(ValueError, match="per run"):
        ratio_interval([1, 2], [1])


def test_proportion_interval_edges() -> None:
    # no leaker in 20 runs: nothing is known of the correlation, so the runs are the
    # trials (the bound of P(leak >= 1), not of 480 threats)
    p, lo, hi = proportion_interval([0] * 20, [24] * 20)
    assert (p, lo) == (0.0, 0.0)
    assert hi == pytest.approx(float(wilson_interval(0, 20)[1]))
    p, lo, hi = proportion_interval([24] * 20, [24] * 20)
    assert (p, hi) == (1.0, 1.0) and lo == pytest.approx(float(wilson_interval(20, 20)[0]))
    # every run the same fraction: no run-to-run variance, capped at the threats
    p, lo, hi = proportion_interval([6] * 10, [24] * 10)
    wlo, whi = wilson_interval(60, 240)
    assert p == 0.25 and lo == pytest.approx(float(wlo)) and hi == pytest.approx(float(whi))
    assert all(math.isnan(v) for v in proportion_interval([0], [0]))


def test_paired_differences() -> None:
    base = np.array([3.0, 7.0, 1.0, 9.0, 4.0])
    after = base + np.array([1.0, 1.2, 0.8, 1.1, 0.9])
    d, lo, hi = paired_mean_difference(after, base)
    assert d == pytest.approx(1.0)
    # the run-to-run spread (3 .. 9) cancels: the interval is that of the differences
    assert hi - lo < 0.5
    assert (d, lo, hi) == mean_interval(after - base)
    # ratios: identical points give exactly zero
    y, x = np.array([4.0, 6.0, 5.0]), np.array([2.0, 3.0, 4.0])
    assert paired_ratio_difference(y, x, y, x) == (0.0, 0.0, 0.0)
    d, lo, hi = paired_ratio_difference(2 * y, x, y, x)
    r, rlo, rhi = ratio_interval(y, x)
    # doubling every numerator doubles each run's influence: the difference's interval is
    # the ratio's own
    assert d == pytest.approx(15 / 9) and hi - lo == pytest.approx(rhi - rlo)
    with pytest.raises(ValueError, match="paired"):
        paired_mean_difference([1.0], [1.0, 2.0])


def _clustered_runs(
    rng: np.random.Generator, reps: int, runs: int, threats: int, mean: float, icc: float
) -> tuple[np.ndarray, np.ndarray]:
    """``reps`` studies of ``runs`` runs of ``threats`` threats: each run draws its own
    probability from a beta distribution of the given mean and intra-run correlation
    ``icc`` (a run where the defence does well, one where it does badly), then each
    threat's outcome from it. Truth: the pooled probability is ``mean``."""
    a = mean * (1 - icc) / icc
    b = (1 - mean) * (1 - icc) / icc
    p_run = rng.beta(a, b, size=(reps, runs))
    return rng.binomial(threats, p_run), p_run


def _coverage_tolerance(reps: int, confidence: float = 0.95) -> float:
    """Four binomial standard errors of a coverage estimated from ``reps`` studies (a
    correct method fails this check about once in 16,000 seeds)."""
    return 4.0 * math.sqrt(confidence * (1 - confidence) / reps)


REPS = 2000


@pytest.mark.parametrize(("runs", "mean", "icc"), [(20, 0.3, 0.2), (30, 0.1, 0.05), (20, 0.5, 0.5)])
def test_pooled_fraction_intervals_cover_95_percent(runs: int, mean: float, icc: float) -> None:
    """By simulation on a clustered generator with known truth: the run-level interval of
    a pooled fraction (leakers / threats) covers the truth about 95 % of the time, while
    the Wilson interval over all threats (the previous summary) does not."""
    rng = np.random.default_rng(20240613)
    k, _ = _clustered_runs(rng, REPS, runs, 24, mean, icc)
    n = np.full(runs, 24)
    covered = wilson_covered = 0
    for rep in range(REPS):
        _, lo, hi = proportion_interval(k[rep], n)
        covered += lo <= mean <= hi
        wlo, whi = wilson_interval(int(k[rep].sum()), 24 * runs)
        wilson_covered += float(wlo) <= mean <= float(whi)
    tol = _coverage_tolerance(REPS)
    assert abs(covered / REPS - 0.95) <= tol, covered / REPS
    assert wilson_covered / REPS < 0.95 - 3 * tol, wilson_covered / REPS


@pytest.mark.parametrize(("runs", "p_shot", "icc"), [(20, 0.7, 0.1), (30, 0.4, 0.3)])
def test_interceptors_per_kill_interval_covers_95_percent(
    runs: int, p_shot: float, icc: float
) -> None:
    """Shoot-look-shoot against 24 threats a run: a first missile at each, a second at
    each survivor; the single-shot kill probability q is drawn per run (beta, mean
    ``p_shot``). Truth: E[fired] / E[killed] = E[2 - q] / E[2q - q^2]."""
    rng = np.random.default_rng(7)
    a = p_shot * (1 - icc) / icc
    b = (1 - p_shot) * (1 - icc) / icc
    q = rng.beta(a, b, size=(REPS, runs))
    first = rng.binomial(24, q)
    second = rng.binomial(24 - first, q)
    fired = 24 + (24 - first)
    killed = first + second
    eq2 = p_shot * (1 - p_shot) * icc + p_shot**2  # E[q^2] of the beta
    truth = (2 - p_shot) / (2 * p_shot - eq2)
    covered = sum(
        lo <= truth <= hi
        for _, lo, hi in (ratio_interval(fired[r], killed[r]) for r in range(REPS))
    )
    assert abs(covered / REPS - 0.95) <= _coverage_tolerance(REPS), covered / REPS


def test_paired_difference_interval_covers_95_percent() -> None:
    """Two points with common random numbers: the second adds a known 0.5 leakers per run
    to a run-level effect shared by both; the paired interval covers the difference."""
    rng = np.random.default_rng(11)
    shared = rng.gamma(2.0, 3.0, size=(REPS, 20))
    before = rng.poisson(shared)
    after = before + rng.binomial(1, 0.5, size=(REPS, 20))
    covered = sum(
        lo <= 0.5 <= hi
        for _, lo, hi in (paired_mean_difference(after[r], before[r]) for r in range(REPS))
    )
    assert abs(covered / REPS - 0.95) <= _coverage_tolerance(REPS), covered / REPS
