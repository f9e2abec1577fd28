"""Terrain sources and the ENU terrain grid: geometry, bilinear lookup, synthetic terrain."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.geo.frames import EnuFrame
from samsim.geo.terrain import (
    FlatTerrain,
    SyntheticTerrain,
    TerrainGrid,
    TerrainSource,
    point_above_ground_enu,
    resample_to_enu,
    spectral_synthesis,
    surface_point_enu,
    terrain_height_along,
)


def _plane_grid(frame: EnuFrame) -> TerrainGrid:
    e = -10e3 + 250.0 * np.arange(81)
    n = -5e3 + 500.0 * np.arange(21)
    heights = 100.0 + 0.01 * e[None, :] - 0.02 * n[:, None]
    return TerrainGrid(frame, -10e3, -5e3, 250.0, 500.0, heights)


# -- geometry ---------------------------------------------------------------------------


@pytest.mark.parametrize("lat0", [0.0, 45.0, 80.0])
def test_surface_point_lies_on_ellipsoid_below_given_east_north(lat0: float) -> None:
    frame = EnuFrame(lat0, 30.0, 250.0)
    e = np.array([0.0, 1e3, -300e3, 450e3, 600e3])
    n = np.array([0.0, -2e3, 200e3, -450e3, 0.0])
    p = surface_point_enu(frame, e, n)
    np.testing.assert_array_equal(p[:, 0], e)
    np.testing.assert_array_equal(p[:, 1], n)
    np.testing.assert_allclose(frame.altitude_m(p), 0.0, atol=1e-6)
    # the drop below the tangent plane is about (e^2 + n^2) / 2R (28 km at 600 km)
    assert -30e3 < p[-1, 2] < -27e3


@settings(max_examples=40, deadline=None)
@given(e=st.floats(-200e3, 200e3), n=st.floats(-200e3, 200e3), agl=st.floats(0.0, 20e3))
def test_point_above_ground_has_terrain_plus_agl_altitude(e: float, n: float, agl: float) -> None:
    frame = EnuFrame(50.0, 5.0)
    grid = _plane_grid(frame)
    p = point_above_ground_enu(grid, e, n, agl)
    ground = float(grid.elevation_m(e, n))
    assert float(frame.altitude_m(p)) == pytest.approx(ground + agl, abs=1e-6)


# -- grid lookup ----------------------------------------------------------------------


def test_bilinear_reproduces_a_plane_and_the_nodes(frame: EnuFrame) -> None:
    grid = _plane_grid(frame)
    rng = np.random.default_rng(0)
    e = rng.uniform(-10e3, 10e3, 1000)
    n = rng.uniform(-5e3, 5e3, 1000)
    np.testing.assert_allclose(grid.elevation_m(e, n), 100.0 + 0.01 * e - 0.02 * n, atol=1e-9)
    ee, nn = np.meshgrid(grid.east_m, grid.north_m)
    np.testing.assert_allclose(grid.elevation_m(ee, nn), grid.heights_m, atol=1e-9)


def test_bilinear_midcell_is_the_mean_of_the_four_corners(frame: EnuFrame) -> None:
    h = np.array([[0.0, 10.0], [20.0, 70.0]])
    grid = TerrainGrid(frame, 0.0, 0.0, 100.0, 100.0, h)
    assert float(grid.elevation_m(50.0, 50.0)) == pytest.approx(25.0)
    assert float(grid.elevation_m(100.0, 50.0)) == pytest.approx(40.0)


def test_off_grid_points_take_the_nearest_edge_value(frame: EnuFrame) -> None:
    grid = _plane_grid(frame)
    far = grid.elevation_m([-1e6, 1e6, 0.0, 0.0], [0.0, 0.0, 1e6, -1e6])
    edge = grid.elevation_m([-10e3, 10e3, 0.0, 0.0], [0.0, 0.0, 5e3, -5e3])
    np.testing.assert_allclose(far, edge)
    corner = grid.elevation_m(1e9, -1e9)
    assert float(corner) == pytest.approx(grid.heights_m[0, -1])


def test_lookup_broadcasts_and_propagates_nan(frame: EnuFrame) -> None:
    grid = _plane_grid(frame)
    out = grid.elevation_m(np.zeros((3, 1)), np.zeros((1, 4)))
    assert out.shape == (3, 4)
    assert np.isnan(grid.elevation_m(np.nan, 0.0))
    np.testing.assert_array_equal(
        terrain_height_along(grid, [1.0, 2.0], [3.0, 4.0]), grid.elevation_m([1.0, 2.0], [3.0, 4.0])
    )


@pytest.mark.parametrize(
    ("heights", "dx", "match"),
    [
        (np.zeros(5), 1.0, "2-D array"),
        (np.zeros((1, 5)), 1.0, "2 x 2"),
        (np.array([[0.0, np.nan], [0.0, 0.0]]), 1.0, "non-finite"),
        (np.zeros((2, 2)), 0.0, "positive"),
    ],
)
def test_grid_rejects_bad_input(
    frame: EnuFrame, heights: np.ndarray, dx: float, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        TerrainGrid(frame, 0.0, 0.0, dx, 1.0, heights)


# -- sources -------------------------------------------------------------------------


def test_flat_source_and_its_grid(frame: EnuFrame) -> None:
    src = FlatTerrain(12.5)
    assert isinstance(src, TerrainSource)
    np.testing.assert_array_equal(src.elevation_at([1.0, 2.0], 3.0), [12.5, 12.5])
    grid = resample_to_enu(src, frame, (-1e3, 1e3, -2e3, 2e3), 10.0)
    assert grid.flat_height_m == 12.5
    assert grid.shape == (2, 2)
    assert float(grid.elevation_m(1e7, 0.0)) == 12.5


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_synthetic_terrain_is_a_pure_function_of_the_seed(seed: int) -> None:
    frame = EnuFrame(10.0, 20.0)
    kw = dict(relief_m=300.0, hurst=0.7, feature_size_m=5e3)
    a = SyntheticTerrain.generate(
        frame, (0, 20e3, 0, 10e3), 250.0, rng=np.random.default_rng(seed), **kw
    )
    b = SyntheticTerrain.generate(
        frame, (0, 20e3, 0, 10e3), 250.0, rng=np.random.default_rng(seed), **kw
    )
    c = SyntheticTerrain.generate(
        frame, (0, 20e3, 0, 10e3), 250.0, rng=np.random.default_rng(seed + 1), **kw
    )
    np.testing.assert_array_equal(a.grid.heights_m, b.grid.heights_m)
    assert not np.array_equal(a.grid.heights_m, c.grid.heights_m)


def test_synthetic_relief_base_and_extent(frame: EnuFrame) -> None:
    t = SyntheticTerrain.generate(
        frame,
        (-5e3, 5e3, 0.0, 4e3),
        100.0,
        rng=np.random.default_rng(1),
        relief_m=750.0,
        base_height_m=-20.0,
    )
    g = t.grid
    assert g.shape == (41, 101)
    assert g.extent_m == pytest.approx((-5e3, 5e3, 0.0, 4e3))
    assert g.min_m == pytest.approx(-20.0)
    assert g.max_m - g.min_m == pytest.approx(750.0)
    rms = SyntheticTerrain.generate(
        frame,
        (-5e3, 5e3, 0.0, 4e3),
        100.0,
        rng=np.random.default_rng(1),
        relief_m=40.0,
        relief_kind="rms",
    )
    assert float(np.std(rms.grid.heights_m)) == pytest.approx(40.0, rel=1e-9)


def test_spectral_synthesis_has_the_requested_hurst_exponent() -> None:
    # Structure function of fBm: E[(z(x + l) - z(x))^2] ∝ l^(2H) (Saupe 1988, eq. 1.5),
    # valid for lags well below the feature size. Estimated over lags of 1..16 cells,
    # averaged over 3 seeds; the estimator is biased upward at low H by the grid cut-off,
    # hence the 0.1 tolerance (checked: H = 0.5 -> 0.54, 0.8 -> 0.76).
    lags = np.array([1, 2, 4, 8, 16])
    estimates = {}
    for hurst in (0.3, 0.5, 0.8):
        slopes = []
        for seed in range(3):
            z = spectral_synthesis(
                (256, 256),
                (100.0, 100.0),
                hurst=hurst,
                feature_size_m=1e6,
                rng=np.random.default_rng(seed),
            )
            sf = [
                np.mean((z[:, k:] - z[:, :-k]) ** 2) + np.mean((z[k:] - z[:-k]) ** 2) for k in lags
            ]
            slopes.append(np.polyfit(np.log(lags), np.log(sf), 1)[0] / 2.0)
        estimates[hurst] = float(np.mean(slopes))
    assert estimates[0.5] == pytest.approx(0.5, abs=0.1)
    assert estimates[0.8] == pytest.approx(0.8, abs=0.1)
    assert estimates[0.3] < estimates[0.5] < estimates[0.8]


def test_feature_size_sets_the_correlation_length() -> None:
    def corr_at(lag: int, feature_m: float) -> float:
        z = spectral_synthesis(
            (256, 256),
            (100.0, 100.0),
            hurst=0.8,
            feature_size_m=feature_m,
            rng=np.random.default_rng(3),
        )
        return float(np.mean(z[:, lag:] * z[:, :-lag]))

    # at a 3 km lag, 1 km features are decorrelated, 20 km features are not
    # (von Kármán correlation at lag/a = 3 is ~0.03, at 0.15 ~0.9)
    assert corr_at(30, 1e3) < 0.15 < 0.7 < corr_at(30, 20e3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(hurst=1.0), "hurst"),
        (dict(hurst=0.0), "hurst"),
        (dict(feature_size_m=0.0), "feature_size_m"),
        (dict(relief_m=-1.0), "relief_m"),
        (dict(relief_kind="max"), "relief_kind"),
    ],
)
def test_synthetic_rejects_bad_parameters(frame: EnuFrame, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SyntheticTerrain.generate(
            frame, (0, 1e3, 0, 1e3), 100.0, rng=np.random.default_rng(0), **kwargs
        )


def test_synthetic_source_resamples_onto_its_own_grid_exactly(frame: EnuFrame) -> None:
    t = SyntheticTerrain.generate(
        frame, (-20e3, 20e3, -10e3, 10e3), 500.0, rng=np.random.default_rng(5)
    )
    assert isinstance(t, TerrainSource)
    again = resample_to_enu(t, frame, (-20e3, 20e3, -10e3, 10e3), 500.0)
    np.testing.assert_allclose(again.heights_m, t.grid.heights_m, atol=1e-6)
    lat, lon, _ = frame.enu_to_geodetic(surface_point_enu(frame, 250.0, -750.0))
    assert float(t.elevation_at(lat, lon)) == pytest.approx(
        float(t.grid.elevation_m(250, -750)), abs=1e-6
    )


def test_synthetic_source_moves_with_the_ground_into_another_frame(frame: EnuFrame) -> None:
    t = SyntheticTerrain.generate(
        frame, (-20e3, 20e3, -20e3, 20e3), 250.0, rng=np.random.default_rng(6)
    )
    lat, lon, _ = frame.enu_to_geodetic(np.array([5e3, 3e3, 0.0]))
    other = EnuFrame(float(lat), float(lon))  # origin on the point (5 km E, 3 km N)
    g = resample_to_enu(t, other, (-5e3, 5e3, -5e3, 5e3), 250.0)
    assert float(g.elevation_m(0.0, 0.0)) == pytest.approx(
        float(t.grid.elevation_m(5e3, 3e3)), abs=0.5
    )


@pytest.mark.parametrize(
    ("extent", "res", "match"),
    [
        ((0, 0, 0, 1), 1.0, "extent_m"),
        ((0, 1, 0, 1), 0.0, "resolution_m"),
        ((0, 1e6, 0, 1e6), 0.1, "too large"),
    ],
)
def test_resample_rejects_bad_extent(
    frame: EnuFrame, extent: tuple, res: float, match: str
) -> None:
    src = SyntheticTerrain.generate(frame, (0, 1e3, 0, 1e3), 100.0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=match):
        resample_to_enu(src, frame, extent, res)
