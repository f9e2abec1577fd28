"""Vertical coverage (range-height diagram): the horizon and radar-equation edges against
closed forms, agreement with the coverage map and with the per-target LOS, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from samsim.analysis.coverage import coverage_map, radar_equation_range_m
from samsim.analysis.vertical import elevation_curve_height_m, vertical_coverage
from samsim.geo.earth import effective_earth_radius_m
from samsim.geo.los import ObserverGeometry, visible
from tests.analysis.conftest import battalion_world
from tests.analysis.test_coverage import _hills


@pytest.mark.parametrize(("radar", "mast_m"), [("acq", 10.0), ("fcr", 25.0)])
def test_lowest_detected_height_is_the_tangent_ray(radar: str, mast_m: float) -> None:
    """Smooth 4/3 earth: below the radar-equation range the lowest detected height at
    ground range s is the tangent ray's, h = Re / cos(s/Re - acos(Re/(Re + h_a))) - Re."""
    w = battalion_world()
    vc = vertical_coverage(w, radar, 10.0, max_range_m=150e3, max_height_m=3000.0,
                           n_range=301, n_height=601)  # fmt: skip
    re = effective_earth_radius_m(4.0 / 3.0)
    d_a = re * math.acos(re / (re + mast_m))
    s = vc.ground_range_m
    sel = s > d_a + 5e3
    expected = re / np.cos(s[sel] / re - math.acos(re / (re + mast_m))) - re
    got = vc.lowest_detected_height_m()[sel] - vc.ground_height_m
    step = vc.height_m[1] - vc.height_m[0]
    np.testing.assert_allclose(got, expected, atol=step + 1e-6)
    assert vc.antenna_height_m - vc.ground_height_m == pytest.approx(mast_m)
    assert not vc.has_terrain


def test_far_edge_is_the_radar_equation_range() -> None:
    """At 8-12 km height the far edge is where the 4/3-earth slant range reaches the
    free-space radar-equation range."""
    w = battalion_world()
    vc = vertical_coverage(w, "acq", 0.1, max_height_m=12e3, n_range=801, n_height=121)
    r_eq = radar_equation_range_m(w.radars[0], 0.1)
    assert vc.free_space_range_m == pytest.approx(r_eq)
    re = effective_earth_radius_m(4.0 / 3.0)
    ra = re + vc.antenna_height_m
    step = vc.ground_range_m[1] - vc.ground_range_m[0]
    far = vc.max_range_at_height_m()
    for i in range(100, 121, 5):
        r = re + vc.height_m[i]
        s = re * math.acos((ra * ra + r * r - r_eq * r_eq) / (2 * ra * r))
        assert far[i] == pytest.approx(s, abs=step), (vc.height_m[i], far[i], s)


def test_vertical_diagram_agrees_with_the_map() -> None:
    """The farthest detection along north at 1 km above ground is the same in the map and
    in the range-height diagram cut along north."""
    w = battalion_world()
    m = coverage_map(w, [1000.0], 0.1, cells=384)
    for r, name in enumerate(m.radar_names):
        vc = vertical_coverage(w, name, 0.1, az_rad=0.0, max_height_m=2000.0, n_height=201,
                               n_range=1001)  # fmt: skip
        i = int(np.argmin(np.abs(vc.height_m - (vc.ground_height_m + 1000.0))))
        far_v = float(vc.max_range_at_height_m()[i])
        far_m = float(m.radar_range_az_m[0, r, 0])
        tol = math.hypot(*m.cell_m) + (vc.ground_range_m[1] - vc.ground_range_m[0])
        assert far_m == pytest.approx(far_v, abs=tol), (name, far_m, far_v)


def test_terrain_cut_masks_like_the_line_of_sight() -> None:
    w = battalion_world()
    grid = _hills()
    az = math.radians(200.0)
    vc = vertical_coverage(w, "acq", 10.0, terrain=grid, az_rad=az, max_range_m=50e3,
                           max_height_m=1500.0, n_range=200, n_height=150)  # fmt: skip
    assert vc.has_terrain
    # never detected below the ground
    below = vc.height_m[:, None] < vc.terrain_m[None, :] - 1e-6
    assert not np.any(vc.detected & below)
    # masking agrees with the per-target LOS at random points of the cut
    rng = np.random.default_rng(4)
    i = rng.integers(0, vc.height_m.size, 1500)
    j = rng.integers(1, vc.ground_range_m.size, 1500)
    from samsim.analysis.coverage import _antenna

    antenna, _ = _antenna(w, w.radars[0], grid)
    obs = ObserverGeometry.at(w.frame, antenna)
    t = math.sin(vc.az_rad) * obs.east + math.cos(vc.az_rad) * obs.north
    phi = vc.ground_range_m[j] / obs.radius_m
    foot = obs.foot_enu_m + obs.radius_m * (
        np.sin(phi)[:, None] * t - (1.0 - np.cos(phi))[:, None] * obs.up
    )
    lat, lon, _ = w.frame.enu_to_geodetic(foot)
    pts = w.frame.geodetic_to_enu(lat, lon, vc.height_m[i])
    los = visible(antenna, pts, grid, k_factor=4.0 / 3.0)
    agree = np.mean(los == vc.visible[i, j])
    assert agree >= 0.97, agree
    assert 0.1 < los.mean() < 0.9


def test_elevation_curves() -> None:
    re = effective_earth_radius_m(4.0 / 3.0)
    s = np.linspace(1e3, 300e3, 50)
    for deg in (0.0, 0.5, 3.0, 20.0):
        eps = math.radians(deg)
        h = elevation_curve_height_m(s, eps, 25.0)
        ra, r, phi = re + 25.0, re + h, s / re
        el = np.arctan2(r * np.cos(phi) - ra, r * np.sin(phi))
        np.testing.assert_allclose(el, eps, atol=1e-9)
    # small-angle form h ~ h_a + s tan(eps) + s^2 / (2 Re), within 0.5 %
    h1 = elevation_curve_height_m(np.array([100e3]), math.radians(1.0), 25.0)[0]
    approx = 25.0 + 100e3 * math.tan(math.radians(1.0)) + 100e3**2 / (2 * re)
    assert h1 == pytest.approx(approx, rel=5e-3)


@pytest.mark.parametrize(
    ("args", "kwargs", "words"),
    [
        (("radar9", 0.1), {}, "acq, fcr"),
        ((5, 0.1), {}, "index"),
        (("acq", -1.0), {}, "rcs_m2"),
        (("acq", 0.1), {"max_height_m": -1.0}, "max_height_m"),
        (("acq", 0.1), {"n_range": 1}, "n_range"),
        (("acq", 0.1), {"pd_min": 2.0}, "pd_min"),
    ],
)
def test_bad_input(args: tuple[object, ...], kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        vertical_coverage(battalion_world(), *args, **kwargs)  # type: ignore[arg-type]
