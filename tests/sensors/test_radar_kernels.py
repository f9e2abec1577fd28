"""The radar scan's fast paths against the array code they replace (issue 16).

Each must give the same numbers, bit for bit, as the numpy expressions it stands for (the
event logs depend on it): random inputs, including empty and single-element cases,
compared through their bytes.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.scenario.catalog import load_catalog
from samsim.sensors.detection import _interp_kernel, _pd_table, pd_swerling
from samsim.sensors.noise import measurement_sigmas, sigma_angle_rad, sigma_range_m

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), seeds, st.sampled_from([0, 1, 2, 3, 4]), st.sampled_from([1, 4, 10]))
def test_interp_kernel_equals_np_interp(n: int, seed: int, case: int, n_pulses: int) -> None:
    """The table lookup of ``pd_swerling`` is ``np.interp`` bit for bit: off the grid, on
    grid points, at both ends, beyond them and for NaN and infinities; and it says when
    some value lies beyond the table."""
    grid, pd = _pd_table(1e-6, n_pulses, case, "table")
    rng = np.random.default_rng(seed)
    x = rng.uniform(grid[0] - 20.0, grid[-1] + 20.0, n)
    on = grid[rng.integers(0, len(grid), n)]
    specials = np.array([grid[0], grid[-1], np.nan, -np.inf, np.inf, grid[1], grid[-2]])
    x = np.concatenate([x, on, specials[: rng.integers(0, len(specials) + 1)]])
    rng.shuffle(x)
    out, outside = _interp_kernel(np.ascontiguousarray(x), grid, pd)
    assert _same(out, np.interp(x, grid, pd))
    assert outside == bool(((x < grid[0]) | (x > grid[-1])).any())


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 30), seeds, st.sampled_from([0, 1, 3]))
def test_pd_swerling_table_equals_the_interp_formula(n: int, seed: int, case: int) -> None:
    """``pd_swerling`` (table) is the interpolation of numpy with its two tails, as before
    the kernel, bit for bit."""
    grid, pd = _pd_table(1e-6, 10, case, "table")
    x = np.random.default_rng(seed).uniform(grid[0] - 10.0, grid[-1] + 10.0, n)
    ref = np.interp(x, grid, pd)
    below, above = x < grid[0], x > grid[-1]
    ref[below] = 1e-6 + (pd[0] - 1e-6) * 10.0 ** ((x[below] - grid[0]) / 10.0)
    ref[above] = 1.0 - (1.0 - pd[-1]) * 10.0 ** (-(x[above] - grid[-1]) / 10.0)
    assert _same(pd_swerling(x, 1e-6, 10, case), ref)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 20), seeds, st.sampled_from(["92N6E", "96L6E", "91N6E"]))
def test_measurement_sigmas_equal_the_three_functions(n: int, seed: int, name: str) -> None:
    """One conversion of the SNR for the three standard deviations gives the values of
    ``sigma_range_m`` and ``sigma_angle_rad`` bit for bit."""
    s = load_catalog()["radars"][name].spec
    snr = np.random.default_rng(seed).uniform(-10.0, 60.0, n)
    dr = 299792458.0 / (2.0 * s.bandwidth_hz)
    sr, saz, sel = measurement_sigmas(
        snr,
        dr,
        s.range_accuracy_floor_m,
        s.beamwidth_az_rad,
        s.beamwidth_el_rad,
        s.monopulse_slope,
        s.angle_accuracy_floor_rad,
    )
    assert _same(sr, sigma_range_m(snr, dr, s.range_accuracy_floor_m))
    km, fl = s.monopulse_slope, s.angle_accuracy_floor_rad
    assert _same(saz, sigma_angle_rad(snr, s.beamwidth_az_rad, km, fl))
    assert _same(sel, sigma_angle_rad(snr, s.beamwidth_el_rad, km, fl))
