"""The radar scan's fast paths against the array code they replace (issue 16).

Each must give the same numbers, bit for bit, as the numpy expressions it stands for (the
event logs depend on it): random inputs, including empty and single-element cases,
compared through their bytes.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.geo.frames import EnuFrame
from samsim.geo.terrain import TerrainGrid
from samsim.scenario.catalog import load_catalog
from samsim.sensors.detection import _interp_kernel, _pd_table, pd_swerling
from samsim.sensors.noise import measurement_sigmas, sigma_angle_rad, sigma_range_m
from samsim.sensors.radar import Radar, Windows, _coverage_masks

seeds = st.integers(min_value=0, max_value=2**32 - 1)
FRAME = EnuFrame(40.0, -40.0, 0.0)


def _radar(name: str) -> Radar:
    spec = load_catalog()["radars"][name].spec
    base = FRAME.geodetic_to_enu(40.0, -40.0, 0.0)
    return Radar(name, 0, 0, spec, FRAME, base, TerrainGrid.flat(FRAME, 0.0), 0.0, 4 / 3)


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


def _coverage_masks_reference(
    az: np.ndarray, el: np.ndarray, rng: np.ndarray, lim: tuple[float, ...], fast: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The array form :meth:`Radar.coverage_at` had before its kernel."""
    r_min, r_max, el_min, el_max, centre, half = lim
    inside = (rng >= r_min) & (rng <= r_max)
    inside &= (el >= el_min) & (el <= el_max)
    if half < np.pi:
        off = np.abs((az - centre + np.pi) % (2 * np.pi) - np.pi)
        inside &= off <= half
    test = inside & (el < 1e-3) if fast else inside
    return inside, test


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 30),
    seeds,
    st.floats(-7.0, 7.0),
    st.sampled_from([0.3, 1.5, np.pi, 4.0]),
    st.booleans(),
)
def test_coverage_masks_equal_the_array_form(
    n: int, seed: int, centre: float, half: float, fast: bool
) -> None:
    """The one-pass coverage masks are the array comparisons they replace, including
    points on the limits, NaN, and azimuths on both sides of the wrap."""
    rng = np.random.default_rng(seed)
    lim = (5e3, 400e3, -0.05, 1.2, centre, half)
    az = rng.uniform(-8.0, 8.0, n)
    el = rng.uniform(-0.1, 1.3, n)
    rg = rng.uniform(0.0, 450e3, n)
    if n >= 4:
        el[0], rg[1], el[2] = lim[2], lim[1], 1e-3
        az[3] = np.nan
        az[rng.integers(0, n)] = centre + half
    inside, test, any_test = _coverage_masks(az, el, rg, *lim, 1e-3 if fast else float("inf"))
    ref_inside, ref_test = _coverage_masks_reference(az, el, rg, lim, fast)
    assert _same(inside, ref_inside)
    assert _same(test, ref_test)
    assert any_test == bool(ref_test.any())


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 30), seeds, st.sampled_from(["92N6E", "96L6E"]))
def test_window_cells_equal_the_array_form(m: int, seed: int, name: str) -> None:
    """Cells per window from the kernel are the array expression's, bit for bit, also for
    windows narrower than one cell and NaN half sizes."""
    rng = np.random.default_rng(seed)
    r = _radar(name)
    hr = rng.uniform(0.0, 3.0, m) * rng.choice([1.0, 10.0, 1e3, 1e4], m)
    ha = rng.uniform(0.0, 0.05, m)
    he = rng.uniform(0.0, 0.05, m)
    if m:
        he[rng.integers(0, m)] = np.nan
    w = Windows(np.arange(m, dtype=np.int64), hr, ha, he, hr, ha, he)
    s = r.spec
    want = (
        np.maximum(2.0 * hr / r.range_resolution_m, 1.0)
        * np.maximum(2.0 * ha / s.beamwidth_az_rad, 1.0)
        * np.maximum(2.0 * he / s.beamwidth_el_rad, 1.0)
    )
    assert _same(r.window_cells(w), want)
