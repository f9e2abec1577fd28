from __future__ import annotations

import numpy as np
import pymap3d
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.geo.earth import (
    horizon_range_m,
    ray_clearance_m,
    smooth_earth_visible,
    surface_distance_m,
)
from samsim.geo.frames import EnuFrame, ecef_to_geodetic, geodetic_to_ecef


@pytest.mark.parametrize(("h1", "h2", "km"), [(10.0, 15.0, 29.0), (25.0, 10000.0, 432.8)])
def test_horizon_known_answers(h1: float, h2: float, km: float) -> None:
    # known-answers.md, 4/3 earth, R = 6371 km; the h^2 terms we keep add < 0.03 %.
    assert horizon_range_m(h1, h2) / 1000.0 == pytest.approx(km, rel=1e-3)


def test_smooth_earth_visibility_switches_at_the_horizon() -> None:
    d = float(horizon_range_m(10.0, 15.0))
    # surface distance and tangent length differ by < 1 m at these heights
    assert smooth_earth_visible(10.0, 15.0, d - 20.0)
    assert not smooth_earth_visible(10.0, 15.0, d + 20.0)


def test_ray_clearance_is_zero_at_the_tangent_point() -> None:
    re = 4.0 / 3.0 * 6371000.0
    h1, h2 = 100.0, 100.0
    arc = 2 * re * np.arccos(re / (re + h1))
    mid = ray_clearance_m(h1, h2, arc, 0.5)
    assert abs(float(mid)) < 0.05
    assert float(ray_clearance_m(h1, h2, arc, 0.0)) == pytest.approx(h1, abs=1e-6)


@settings(max_examples=50, deadline=None)
@given(
    st.floats(-60, 60),
    st.floats(-179, 179),
    st.floats(-100, 30000),
    st.floats(-6e5, 6e5),
    st.floats(-6e5, 6e5),
    st.floats(0, 1e5),
)
def test_frame_matches_pymap3d(
    lat0: float, lon0: float, alt0: float, e: float, n: float, u: float
) -> None:
    f = EnuFrame(lat0, lon0, alt0)
    lat, lon, alt = f.enu_to_geodetic(np.array([e, n, u]))
    plat, plon, palt = pymap3d.enu2geodetic(e, n, u, lat0, lon0, alt0)
    assert float(lat) == pytest.approx(plat, abs=1e-9)
    assert float(lon) == pytest.approx(plon, abs=1e-9)
    assert float(alt) == pytest.approx(palt, abs=1e-4)
    back = f.geodetic_to_enu(lat, lon, alt)
    np.testing.assert_allclose(back, [e, n, u], atol=1e-5)


def test_site_aer_matches_pymap3d() -> None:
    f = EnuFrame(40.0, -40.0, 0.0)
    site_pos = f.geodetic_to_enu(40.1, -40.05, 25.0)
    target = f.geodetic_to_enu(41.5, -39.0, 9000.0)
    az, el, rng = f.site(site_pos).aer(target)
    paz, pel, prng = pymap3d.geodetic2aer(41.5, -39.0, 9000.0, 40.1, -40.05, 25.0)
    assert np.degrees(az) == pytest.approx(paz, abs=1e-8)
    assert np.degrees(el) == pytest.approx(pel, abs=1e-8)
    assert rng == pytest.approx(prng, abs=1e-4)
    back = f.site(site_pos).aer_to_enu(az, el, rng)
    np.testing.assert_allclose(back, target, atol=1e-5)


def test_ecef_round_trip_many() -> None:
    rng = np.random.default_rng(1)
    lat = rng.uniform(-89, 89, 500)
    lon = rng.uniform(-180, 180, 500)
    alt = rng.uniform(-500, 1e6, 500)
    la, lo, al = ecef_to_geodetic(geodetic_to_ecef(lat, lon, alt))
    np.testing.assert_allclose(la, lat, atol=1e-9)
    np.testing.assert_allclose(lo, lon, atol=1e-9)
    np.testing.assert_allclose(al, alt, atol=1e-4)


def test_surface_distance_on_the_ground() -> None:
    f = EnuFrame(0.0, 0.0, 0.0)
    a = f.geodetic_to_enu(0.0, 0.0, 0.0)
    b = f.geodetic_to_enu(0.0, 1.0, 0.0)
    # one degree of the equator is 111.32 km; on the mean sphere 111.19 km
    d = surface_distance_m(a, b, 0.0, 0.0)
    assert float(d) == pytest.approx(111195.0, rel=2e-3)


@settings(max_examples=60, deadline=None)
@given(
    lat0=st.floats(-80.0, 80.0),
    pts=st.lists(
        st.tuples(st.floats(-3e5, 3e5), st.floats(-3e5, 3e5), st.floats(-2e3, 4e4)),
        min_size=1,
        max_size=6,
    ),
)
def test_up_at_the_geodetic_points_is_up_enu_bit_for_bit(
    lat0: float, pts: list[tuple[float, float, float]]
) -> None:
    """The command post converts its intercept points to geodetic once and takes both the
    heights and the up vectors from it: the same bytes as altitude_m and up_enu."""
    frame = EnuFrame(lat0, 30.0, 150.0)
    enu = np.array(pts)
    lat, lon, alt = frame.enu_to_geodetic(enu)
    assert frame.up_at(lat, lon).tobytes() == frame.up_enu(enu).tobytes()
    assert alt.tobytes() == frame.altitude_m(enu).tobytes()
