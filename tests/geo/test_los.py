"""Line of sight and viewsheds: known answers (radar horizon, ridges), properties, errors."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.geo.earth import EARTH_RADIUS_M, K_STANDARD, ray_clearance_m, smooth_earth_visible
from samsim.geo.frames import EnuFrame
from samsim.geo.los import (
    LOS_TOLERANCE_M,
    ObserverGeometry,
    polar_horizon,
    ray_min_height_m,
    viewshed_grid,
    visible,
)
from samsim.geo.terrain import TerrainGrid, point_above_ground_enu, surface_point_enu

RE = K_STANDARD * EARTH_RADIUS_M


def _arcs(h1: float, h2: float) -> float:
    """Smooth-earth LOS range over the 4/3 sphere: the sum of the two horizon arcs."""
    return RE * (math.acos(RE / (RE + h1)) + math.acos(RE / (RE + h2)))


def _max_visible_range(
    frame: EnuFrame,
    terrain: TerrainGrid,
    ground_point: Callable,
    h_radar: float,
    h_target: float,
    observer_east_m: float,
    az: float,
    k: float = K_STANDARD,
) -> float:
    obs_enu = point_above_ground_enu(terrain, observer_east_m, 0.0, 0.0)
    obs = ObserverGeometry.at(frame, obs_enu, h_radar)
    lo, hi = 1e3, 1.5e6
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        tgt = ground_point(obs, frame, mid, az, h_target)
        if visible(obs_enu, tgt, terrain, antenna_height_m=h_radar, k_factor=k):
            lo = mid
        else:
            hi = mid
    return lo


def _plateau(frame: EnuFrame, d1_m: float, width_m: float, height_m: float) -> TerrainGrid:
    """Flat ground at 0 with a flat-topped ridge of ``height_m`` over north in [d1, d1 + w],
    running east-west across the whole grid (100 m nodes)."""
    east = np.arange(-30e3, 30e3 + 1, 100.0)
    north = np.arange(-5e3, 80e3 + 1, 100.0)
    ridge = (north >= d1_m - 1e-6) & (north <= d1_m + width_m + 1e-6)
    heights = np.where(ridge[:, None], height_m, 0.0) * np.ones((1, east.size))
    return TerrainGrid(frame, east[0], north[0], 100.0, 100.0, heights)


def _min_visible_height(
    frame: EnuFrame,
    terrain: TerrainGrid,
    ground_point: Callable,
    h_radar: float,
    range_m: float,
    az: float,
    k: float,
    spacing: float | None = None,
) -> float:
    obs_enu = point_above_ground_enu(terrain, 0.0, 0.0, 0.0)
    obs = ObserverGeometry.at(frame, obs_enu, h_radar)
    lo, hi = 0.0, 5e3
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        tgt = ground_point(obs, frame, range_m, az, mid)
        if visible(
            obs_enu, tgt, terrain, antenna_height_m=h_radar, k_factor=k, sample_spacing_m=spacing
        ):
            hi = mid
        else:
            lo = mid
    return hi


# -- known answers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("h_radar", "h_target", "known_km"), [(10.0, 15.0, 29.0), (25.0, 10_000.0, 432.8)]
)
@pytest.mark.parametrize("observer_east_m", [0.0, 150e3])
def test_smooth_earth_horizon_known_answer(
    frame: EnuFrame,
    ground_point: Callable,
    h_radar: float,
    h_target: float,
    known_km: float,
    observer_east_m: float,
) -> None:
    flat = TerrainGrid.flat(frame)
    rng_m = _max_visible_range(
        frame, flat, ground_point, h_radar, h_target, observer_east_m, az=0.7
    )
    # known-answers.md uses d = sqrt(2kRh1) + sqrt(2kRh2), which drops terms of relative
    # size h/(kR): 0.05 % at 10 km. Exact over the 4/3 sphere: the two horizon arcs.
    assert rng_m / 1e3 == pytest.approx(known_km, rel=1e-3)
    # A ray may dip LOS_TOLERANCE_M (1 mm) below the surface, which at grazing incidence is
    # the horizon of both ends raised by 1 mm (about 1 m of range at 29 km).
    assert rng_m == pytest.approx(
        _arcs(h_radar + LOS_TOLERANCE_M, h_target + LOS_TOLERANCE_M), abs=0.05
    )
    assert rng_m == pytest.approx(_arcs(h_radar, h_target), abs=2.0)


def test_horizon_is_found_by_the_sampled_path_too(frame: EnuFrame, ground_point: Callable) -> None:
    # A 1 m bump 70 km away makes the grid non-flat, so visible targets are path-sampled.
    h = np.zeros((3, 3))
    h[0, 0] = 1.0
    bumpy = TerrainGrid(frame, -70e3, -70e3, 70e3, 70e3, h)
    rng_m = _max_visible_range(frame, bumpy, ground_point, 10.0, 15.0, 0.0, az=0.3)
    assert rng_m == pytest.approx(_arcs(10.0 + LOS_TOLERANCE_M, 15.0 + LOS_TOLERANCE_M), abs=0.05)


@settings(max_examples=200, deadline=None)
@given(
    h1=st.floats(0.0, 1000.0),
    h2=st.floats(0.0, 20e3),
    s=st.floats(100.0, 900e3),
    k=st.sampled_from([1.0, K_STANDARD, 4.0]),
)
def test_ray_min_height_matches_smooth_earth_visibility(
    h1: float, h2: float, s: float, k: float
) -> None:
    re = k * EARTH_RADIUS_M
    arcs = re * (math.acos(re / (re + h1)) + math.acos(re / (re + h2)))
    if abs(s - arcs) < 1e-6 * s:
        return  # on the horizon itself: either answer is right
    clear = bool(ray_min_height_m(h1, h2, s, k_factor=k) >= 0.0)
    assert clear == bool(smooth_earth_visible(h1, h2, s, k_factor=k))


def test_ray_min_height_limits() -> None:
    # flat earth: straight line, lowest at an end
    np.testing.assert_allclose(
        ray_min_height_m([10.0, 500.0], [300.0, 20.0], 50e3, k_factor=math.inf), [10.0, 20.0]
    )
    # equal heights h, tangent point in the middle: (Re + h) cos(s / 2Re) - Re
    h, s = 100.0, 60e3
    exact = (RE + h) * math.cos(s / (2 * RE)) - RE
    assert float(ray_min_height_m(h, h, s)) == pytest.approx(exact, abs=1e-6)
    assert exact == pytest.approx(h - s**2 / (8 * RE), abs=0.01)


@pytest.mark.parametrize("az", [0.0, 0.5])
def test_plateau_ridge_flat_earth_min_visible_height(
    frame: EnuFrame, ground_point: Callable, az: float
) -> None:
    """Straight rays (k = inf) over a flat-topped ridge: similar triangles.

    Observer at H0 = 20 m, ridge of H = 200 m whose near edge is d1 = 10 km north (d1 /
    cos(az) along the path), target at d = 30 km: h_min = H0 + (H - H0) d / d1. Sampling
    every delta can land at most delta beyond the edge, so the answer lies in
    [H0 + (H - H0) d / (d1 + delta), h_min].
    """
    h0, ridge_h, d1, d = 20.0, 200.0, 10e3, 30e3
    terrain = _plateau(frame, d1, 500.0, ridge_h)
    d1_path = d1 / math.cos(az)
    exact = h0 + (ridge_h - h0) * d / d1_path
    for spacing in (50.0, 5.0):
        found = _min_visible_height(frame, terrain, ground_point, h0, d, az, math.inf, spacing)
        lower = h0 + (ridge_h - h0) * d / (d1_path + spacing)
        assert lower - 0.01 <= found <= exact + 0.01
    assert found == pytest.approx(exact, abs=0.3)


def test_plateau_ridge_curved_earth_min_visible_height(
    frame: EnuFrame, ground_point: Callable
) -> None:
    """4/3 earth: the ray height above the effective sphere at x along a path of length d is
    y(x) = H0 + (h_t - H0) x / d - x (d - x) / (2 k R) (Skolnik 3rd ed. sec. 8.2, parabolic
    earth; error ~(d / kR)^2 of the bulge, < 1 cm here). Setting y(d1) = H gives
    h_t = H0 + (H - H0 + d1 (d - d1) / (2 k R)) d / d1."""
    h0, ridge_h, d1, d = 30.0, 150.0, 20e3, 60e3
    terrain = _plateau(frame, d1, 1000.0, ridge_h)
    exact = h0 + (ridge_h - h0 + d1 * (d - d1) / (2 * RE)) * d / d1
    found = _min_visible_height(frame, terrain, ground_point, h0, d, 0.0, K_STANDARD, 5.0)
    assert found == pytest.approx(exact, abs=0.15)
    # cross-check with the independent chord formula of samsim.geo.earth
    assert float(ray_clearance_m(h0, found, d, d1 / d)) == pytest.approx(ridge_h, abs=0.05)
    # and the radial sweep's masking height, at the same place
    obs_enu = point_above_ground_enu(terrain, 0.0, 0.0, 0.0)
    prof = polar_horizon(
        obs_enu, terrain, max_range_m=d, range_step_m=5.0, n_az=4, antenna_height_m=h0
    )
    assert prof.range_m[-1] == pytest.approx(d)
    assert float(prof.min_visible_height_m()[0, -1]) == pytest.approx(exact, abs=0.15)


def test_target_straight_above_and_below_ground(frame: EnuFrame, hills: TerrainGrid) -> None:
    obs = point_above_ground_enu(hills, 1e3, 2e3, 0.0)
    above = point_above_ground_enu(hills, 1e3, 2e3, 5e3)
    below = point_above_ground_enu(hills, 20e3, -5e3, -1.0)
    on_ground_near = point_above_ground_enu(hills, 1e3 + 1.0, 2e3, 0.0)
    out = visible(obs, np.stack([above, below, on_ground_near]), hills, antenna_height_m=10.0)
    np.testing.assert_array_equal(out, [True, False, True])


def test_buried_observer_sees_nothing(frame: EnuFrame, hills: TerrainGrid) -> None:
    obs = point_above_ground_enu(hills, 0.0, 0.0, -5.0)
    high = point_above_ground_enu(hills, np.array([10e3, -20e3]), np.array([0.0, 5e3]), 20e3)
    assert not visible(obs, high, hills).any()
    assert visible(obs, high, hills, antenna_height_m=10.0).all()


def test_clearance_margin_raises_the_masking_height(
    frame: EnuFrame, ground_point: Callable
) -> None:
    terrain = _plateau(frame, 10e3, 500.0, 200.0)
    obs_enu = point_above_ground_enu(terrain, 0.0, 0.0, 0.0)
    obs = ObserverGeometry.at(frame, obs_enu, 40.0)
    # flat-earth masking height 40 + (H + c - 40) * 3 for clearance c: 520 m without,
    # 607 m with 29 m, 613 m with 31 m of clearance
    just_above = ground_point(obs, frame, 30e3, 0.0, 610.0)
    kw = dict(antenna_height_m=40.0, k_factor=math.inf, sample_spacing_m=1.0)
    assert visible(obs_enu, just_above, terrain, **kw)
    assert visible(obs_enu, just_above, terrain, clearance_m=29.0, **kw)
    assert not visible(obs_enu, just_above, terrain, clearance_m=31.0, **kw)


def test_flat_and_nearly_flat_earth_agree(frame: EnuFrame, hills: TerrainGrid) -> None:
    rng = np.random.default_rng(11)
    tg = point_above_ground_enu(
        hills,
        rng.uniform(-60e3, 60e3, 500),
        rng.uniform(-60e3, 60e3, 500),
        rng.uniform(0, 2e3, 500),
    )
    obs = point_above_ground_enu(hills, 0.0, 0.0, 0.0)
    a = visible(obs, tg, hills, antenna_height_m=15.0, k_factor=math.inf)
    b = visible(obs, tg, hills, antenna_height_m=15.0, k_factor=1e9)
    assert (a == b).mean() >= 0.998
    assert 0.1 < a.mean() < 0.9


# -- properties -------------------------------------------------------------------------


_OBS = st.tuples(st.floats(-40e3, 40e3), st.floats(-40e3, 40e3), st.floats(0.0, 60.0))


@settings(max_examples=40, deadline=None)
@given(obs=_OBS, seed=st.integers(0, 2**31), k=st.sampled_from([K_STANDARD, 1.0, math.inf]))
def test_terrain_never_unmasks_compared_with_smooth_earth(
    frame: EnuFrame, hills: TerrainGrid, obs: tuple[float, float, float], seed: int, k: float
) -> None:
    rng = np.random.default_rng(seed)
    e, n, mast = obs
    obs_enu = point_above_ground_enu(hills, e, n, 0.0)
    tg = point_above_ground_enu(
        hills, rng.uniform(-70e3, 70e3, 64), rng.uniform(-70e3, 70e3, 64), rng.uniform(0.0, 3e3, 64)
    )
    flat = TerrainGrid.flat(frame, 0.0)  # hills are >= 0 everywhere
    over_terrain = visible(obs_enu, tg, hills, antenna_height_m=mast, k_factor=k)
    over_smooth = visible(obs_enu, tg, flat, antenna_height_m=mast, k_factor=k)
    assert not np.any(over_terrain & ~over_smooth)


@settings(max_examples=40, deadline=None)
@given(obs=_OBS, seed=st.integers(0, 2**31), raise_m=st.floats(0.0, 2e3))
def test_raising_a_target_or_the_antenna_never_hides(
    hills: TerrainGrid, obs: tuple[float, float, float], seed: int, raise_m: float
) -> None:
    rng = np.random.default_rng(seed)
    e, n, mast = obs
    obs_enu = point_above_ground_enu(hills, e, n, 0.0)
    te, tn, agl = (
        rng.uniform(-70e3, 70e3, 64),
        rng.uniform(-70e3, 70e3, 64),
        rng.uniform(0.0, 1e3, 64),
    )
    low = visible(obs_enu, point_above_ground_enu(hills, te, tn, agl), hills, antenna_height_m=mast)
    high = visible(
        obs_enu, point_above_ground_enu(hills, te, tn, agl + raise_m), hills, antenna_height_m=mast
    )
    taller = visible(
        obs_enu, point_above_ground_enu(hills, te, tn, agl), hills, antenna_height_m=mast + raise_m
    )
    assert not np.any(low & ~high)
    assert not np.any(low & ~taller)


def test_viewshed_grid_matches_per_cell_los(frame: EnuFrame, hills: TerrainGrid) -> None:
    obs = point_above_ground_enu(hills, 5e3, -3e3, 0.0)
    east = np.linspace(-50e3, 50e3, 101)
    north = np.linspace(-50e3, 50e3, 101)
    heights = np.array([10.0, 100.0, 1000.0])
    vs = viewshed_grid(obs, hills, east, north, heights, antenna_height_m=20.0)
    assert vs.shape == (3, 101, 101)
    ee, nn = np.meshgrid(east, north)
    for k, h in enumerate(heights):
        exact = visible(obs, point_above_ground_enu(hills, ee, nn, h), hills, antenna_height_m=20.0)
        assert (vs[k] == exact).mean() >= 0.995, h
    # coverage grows with target height (nested sets)
    assert not np.any(vs[0] & ~vs[1])
    assert not np.any(vs[1] & ~vs[2])
    assert vs[0].mean() < vs[1].mean() < vs[2].mean()
    single = viewshed_grid(obs, hills, east, north, 100.0, antenna_height_m=20.0)
    np.testing.assert_array_equal(single, vs[1])


def test_viewshed_on_flat_terrain_is_the_horizon_disc(frame: EnuFrame) -> None:
    flat = TerrainGrid.flat(frame, 50.0)
    obs = point_above_ground_enu(flat, 0.0, 0.0, 0.0)
    east = np.linspace(-80e3, 80e3, 161)
    vs = viewshed_grid(obs, flat, east, east, 100.0, antenna_height_m=30.0)
    geom = ObserverGeometry.at(frame, obs, 30.0)
    ee, nn = np.meshgrid(east, east)
    theta, _, _, _ = geom.polar(surface_point_enu(frame, ee, nn))
    s = EARTH_RADIUS_M * theta
    arcs = _arcs(30.0, 100.0)
    assert 50e3 < arcs < 80e3
    far_from_edge = np.abs(s - arcs) > 1e3
    np.testing.assert_array_equal(vs[far_from_edge], (s <= arcs)[far_from_edge])


def test_horizon_profile_visibility_matches_its_masking_height(
    frame: EnuFrame, hills: TerrainGrid, ground_point: Callable
) -> None:
    obs_enu = point_above_ground_enu(hills, 0.0, 0.0, 0.0)
    prof = polar_horizon(obs_enu, hills, max_range_m=40e3, n_az=36, antenna_height_m=25.0)
    assert prof.terrain_m.shape == prof.horizon_slope.shape == (36, prof.range_m.size)
    mvh = prof.min_visible_height_m()
    assert np.all(mvh >= prof.terrain_m - 1e-9)
    np.testing.assert_array_equal(
        prof.visible(50.0), prof.terrain_m + 50.0 >= mvh - LOS_TOLERANCE_M
    )
    # targets 3 m above / below the masking height, checked by point LOS along the rays
    obs = ObserverGeometry.at(frame, obs_enu, 25.0)
    idx = np.arange(0, prof.range_m.size, 7)
    seen_up, seen_down = [], []
    for i in range(0, 36, 5):
        az = float(prof.az_rad[i])
        up = np.stack([ground_point(obs, frame, prof.range_m[j], az, mvh[i, j] + 3.0) for j in idx])
        down = np.stack(
            [ground_point(obs, frame, prof.range_m[j], az, mvh[i, j] - 3.0) for j in idx]
        )
        seen_up.append(visible(obs_enu, up, hills, antenna_height_m=25.0))
        masked = mvh[i, idx] > prof.terrain_m[i, idx] + 3.0
        seen_down.append(visible(obs_enu, down[masked], hills, antenna_height_m=25.0))
    # the point LOS samples the path at other places than the sweep, hence not 100 %
    assert np.concatenate(seen_up).mean() >= 0.99
    assert np.concatenate(seen_down).size > 50
    assert np.concatenate(seen_down).mean() <= 0.01


# -- errors -----------------------------------------------------------------------------


def test_los_rejects_bad_input(frame: EnuFrame, hills: TerrainGrid) -> None:
    obs = np.zeros(3)
    with pytest.raises(ValueError, match="targets_enu_m"):
        visible(obs, np.zeros((4, 2)), hills)
    with pytest.raises(ValueError, match="k_factor"):
        visible(obs, np.zeros((1, 3)), hills, k_factor=0.0)
    with pytest.raises(ValueError, match="sample_spacing_m"):
        visible(obs, np.zeros((1, 3)), hills, sample_spacing_m=-1.0)
    with pytest.raises(ValueError, match="clearance_m"):
        visible(obs, np.zeros((1, 3)), hills, clearance_m=-1.0)
    with pytest.raises(ValueError, match="observer_enu_m"):
        visible([np.nan, 0, 0], np.zeros((1, 3)), hills)
    with pytest.raises(ValueError, match="height_agl_m"):
        viewshed_grid(obs, hills, [0.0, 1.0], [0.0, 1.0], [[1.0]])
    with pytest.raises(ValueError, match="east_m and north_m"):
        viewshed_grid(obs, hills, np.zeros((2, 2)), [0.0], 1.0)
    with pytest.raises(ValueError, match="max_range_m"):
        polar_horizon(obs, hills, max_range_m=0.0)


def test_nan_targets_are_not_visible(hills: TerrainGrid) -> None:
    obs = point_above_ground_enu(hills, 0.0, 0.0, 10.0)
    out = visible(obs, np.array([[np.nan, 0.0, 0.0], [0.0, 1e3, 5e3]]), hills)
    np.testing.assert_array_equal(out, [False, True])


def test_viewshed_from_outside_the_coverage_grid(hills: TerrainGrid) -> None:
    # on the highest node of the north-west corner, looking south-east
    corner = hills.heights_m[-15:, :15]
    i, j = np.unravel_index(np.argmax(corner), corner.shape)
    obs = point_above_ground_enu(
        hills, hills.east_m[j], hills.north_m[hills.shape[0] - 15 + i], 0.0
    )
    east = np.linspace(-10e3, 45e3, 56)
    north = np.linspace(-45e3, 10e3, 56)
    vs = viewshed_grid(obs, hills, east, north, 1000.0, antenna_height_m=30.0)
    ee, nn = np.meshgrid(east, north)
    exact = visible(obs, point_above_ground_enu(hills, ee, nn, 1000.0), hills,
                    antenna_height_m=30.0)  # fmt: skip
    assert (vs == exact).mean() >= 0.995
    assert 0.02 < exact.mean() < 0.98


def test_buried_observer_has_an_empty_horizon_profile(hills: TerrainGrid) -> None:
    obs = point_above_ground_enu(hills, 0.0, 0.0, -3.0)
    prof = polar_horizon(obs, hills, max_range_m=5e3, n_az=8)
    assert not prof.observer_clear
    assert np.all(np.isinf(prof.min_visible_height_m()))
    assert not prof.visible(1e4).any()
    assert not viewshed_grid(obs, hills, [0.0, 1e3], [0.0, 1e3], 1e4).any()
    assert (
        polar_horizon(obs, hills, max_range_m=5e3, n_az=8, antenna_height_m=5.0).visible(1e4).all()
    )


def _reference_visible(obs_enu: np.ndarray, targets: np.ndarray, grid: TerrainGrid,
                       mast_m: float) -> np.ndarray:  # fmt: skip
    """Independent reference: per-target numpy profile, scipy bilinear lookup and the
    chord formula of samsim.geo.earth.ray_clearance_m for the ray height."""
    from scipy import ndimage

    frame = grid.frame
    obs = ObserverGeometry.at(frame, obs_enu, mast_m)
    spacing = 0.5 * min(grid.dx_m, grid.dy_m)
    out = np.zeros(len(targets), dtype=bool)
    for i, target in enumerate(targets):
        lat, lon, alt = frame.enu_to_geodetic(target)
        theta, _, te, tn = obs.polar(frame.geodetic_to_enu(lat, lon, 0.0)[None])
        s = EARTH_RADIUS_M * float(theta[0])
        frac = np.arange(0, math.ceil(s / spacing) + 1) / math.ceil(s / spacing)
        phi = frac * float(theta[0])
        r = obs.radius_m
        east = obs.foot_enu_m[0] + r * (np.sin(phi) * te[0] - (1 - np.cos(phi)) * obs.up[0])
        north = obs.foot_enu_m[1] + r * (np.sin(phi) * tn[0] - (1 - np.cos(phi)) * obs.up[1])
        rows = np.clip((north - grid.north0_m) / grid.dy_m, 0, grid.shape[0] - 1)
        cols = np.clip((east - grid.east0_m) / grid.dx_m, 0, grid.shape[1] - 1)
        ground = ndimage.map_coordinates(grid.heights_m, [rows, cols], order=1, mode="nearest")
        ray = ray_clearance_m(obs.height_m, float(alt), s, frac)
        ray[0], ray[-1] = obs.height_m, float(alt)
        out[i] = bool(np.all(ray >= ground - LOS_TOLERANCE_M))
    return out


def test_visible_agrees_with_an_independent_reference(hills: TerrainGrid) -> None:
    rng = np.random.default_rng(21)
    obs = point_above_ground_enu(hills, 3e3, 4e3, 0.0)
    e, n = rng.uniform(-60e3, 60e3, 300), rng.uniform(-60e3, 60e3, 300)
    tg = point_above_ground_enu(hills, e, n, rng.uniform(0, 1500, 300))
    fast = visible(obs, tg, hills, antenna_height_m=25.0)
    ref = _reference_visible(obs, tg, hills, 25.0)
    assert 0.2 < ref.mean() < 0.8
    assert (fast == ref).mean() >= 0.99
