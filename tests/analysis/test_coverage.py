"""Coverage maps: known answers (horizon radius, cone of silence, radar-equation range),
properties (altitude superset, masking, RCS and power monotonicity, union), agreement with
the engine's radar model and the per-target LOS, files, and input errors."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.analysis.coverage import (
    CoverageMap,
    coverage_map,
    enu_crs_proj4,
    naive_range_m,
    radar_equation_range_m,
)
from samsim.geo.earth import horizon_range_m
from samsim.geo.los import visible
from samsim.geo.terrain import SyntheticTerrain, TerrainGrid
from samsim.sensors.detection import pd_swerling
from tests.analysis.conftest import battalion_world

HALF_60KM = 60e3


def _ground_range_m(m: CoverageMap, radar: int) -> np.ndarray:
    """Ground range from a radar's antenna foot to every cell (on the tangent sphere)."""
    from samsim.geo.los import ObserverGeometry
    from samsim.geo.terrain import surface_point_enu

    obs = ObserverGeometry.at(m.frame, m.antenna_enu_m[radar])
    ee, nn = np.meshgrid(m.east_m, m.north_m)
    theta, _, _, _ = obs.polar(surface_point_enu(m.frame, ee, nn))
    return obs.radius_m * theta


@cache
def _hills() -> TerrainGrid:
    """120 km square of 0..600 m fractal hills around the battalion (seed 5)."""
    w = battalion_world()
    c = w.radars[0].site.position_enu_m
    ext = (c[0] - 60e3, c[0] + 60e3, c[1] - 60e3, c[1] + 60e3)
    return SyntheticTerrain.generate(
        w.frame, ext, 500.0, rng=np.random.default_rng(5), relief_m=600.0, feature_size_m=8e3
    ).grid


# ---------------------------------------------------------------------------------------
# Known answers
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("k_factor", [4.0 / 3.0, 1.0])
def test_smooth_earth_radius_is_the_horizon_range(k_factor: float) -> None:
    """30 m target, 10 m / 25 m masts, RCS large enough that only the horizon limits:
    every azimuth's detection range equals sqrt(2kRh1) + sqrt(2kRh2) within a cell."""
    w = battalion_world(k_factor=k_factor)
    m = coverage_map(w, [30.0], 10.0, extent_m=HALF_60KM, cells=256)
    cell_diag = math.hypot(*m.cell_m)
    for r, mast in ((0, 10.0), (1, 25.0)):
        expected = float(horizon_range_m(mast, 30.0, k_factor))
        got = m.radar_range_az_m[0, r]
        assert np.all(np.abs(got - expected) <= cell_diag), (r, expected, got.min(), got.max())
        # and the covered cells are those within the horizon (beyond the minimum range)
        d = _ground_range_m(m, r)
        near = w.radars[r].spec.min_range_m + cell_diag
        assert np.all(m.covered[0, r][(d > near) & (d < expected - cell_diag)])
        assert not np.any(m.covered[0, r][d < w.radars[r].spec.min_range_m - cell_diag])
        assert not np.any(m.covered[0, r][d > expected + cell_diag])
    assert not m.radar_edge_az.any()


def test_known_horizon_value_for_4_3_earth() -> None:
    """Known answer from the references: 10 m and 15 m heights see each other out to
    29.0 km over the 4/3 earth; a 15 m target is covered by the 10 m mast to that range."""
    w = battalion_world()
    m = coverage_map(w, [15.0], 10.0, extent_m=40e3, cells=256)
    assert float(np.median(m.radar_range_az_m[0, 0])) == pytest.approx(29.0e3, abs=300.0)


def test_cone_of_silence_above_the_elevation_limit() -> None:
    """91N6E searches up to 60 deg: a 20 km target is not detected within
    (20 km - 10 m) / tan(60 deg) = 11.5 km of ground range, and is beyond it."""
    w = battalion_world()
    m = coverage_map(w, [20e3], 10.0, extent_m=30e3, cells=200)
    d = _ground_range_m(m, 0)
    cone = (20e3 - 10.0) / math.tan(math.radians(60.0))
    cell = math.hypot(*m.cell_m)
    assert not np.any(m.covered[0, 0][d < cone - cell])
    assert np.all(m.covered[0, 0][(d > cone + cell) & (d < 29e3)])


def test_radar_equation_range_gives_pd_min() -> None:
    w = battalion_world()
    for radar in w.radars:
        for pd_min, case in ((0.5, 1), (0.9, 0), (0.8, 3)):
            r = radar_equation_range_m(radar, 0.1, pd_min, case)
            s = radar.spec
            pd = pd_swerling(radar.snr_db(np.array([r]), np.array(0.1)), s.pfa, s.n_pulses, case,
                             method="exact")  # fmt: skip
            assert float(pd[0]) == pytest.approx(pd_min, abs=1e-6)
    acq = w.radars[0]
    # The catalogue's calibration: 91N6E detects 10 m^2 (Swerling 1) at 600 km with Pd 0.5.
    assert radar_equation_range_m(acq, 10.0) == pytest.approx(600e3, rel=0.02)
    assert naive_range_m(acq, 10.0) == min(600e3, radar_equation_range_m(acq, 10.0))


def test_high_target_is_limited_by_the_radar_equation_not_the_horizon() -> None:
    """A 10 km, 0.1 m^2 target: the horizon (433 km) is beyond the radar-equation range,
    so the covered radius is the naive ring (to a cell) on smooth earth."""
    w = battalion_world()
    m = coverage_map(w, [10e3], 0.1, cells=256)
    cell = math.hypot(*m.cell_m)
    for r in range(2):
        ring = m.naive_range_m[r]
        got = m.radar_range_az_m[0, r]
        assert np.all(np.abs(got - ring) <= cell), (r, ring, got.min(), got.max())


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------


@settings(max_examples=12, deadline=None)
@given(
    h1=st.floats(0.0, 3000.0),
    dh=st.floats(1.0, 5000.0),
    rcs=st.floats(1.0, 100.0),
)
def test_higher_altitude_is_a_superset_on_smooth_earth(h1: float, dh: float, rcs: float) -> None:
    # Elevation limit opened to 90 deg so no cone of silence (tested above) interferes.
    w = battalion_world(acq="elevation_max_rad: 90 deg", fcr="elevation_max_rad: 90 deg")
    m = coverage_map(w, [h1, h1 + dh], rcs, extent_m=300e3, cells=64)
    assert np.all(m.visible[0] <= m.visible[1])
    assert np.all(m.covered[0] <= m.covered[1])
    assert np.all(m.radar_range_az_m[0] <= m.radar_range_az_m[1])
    assert np.all(m.area_km2(m.covered_all[0]) <= m.area_km2(m.covered_all[1]))


def test_masking_never_increases_coverage() -> None:
    w = battalion_world()
    grid = _hills()
    ext = grid.extent_m
    kw = {"terrain": grid, "extent_m": (ext[0] + 1e3, ext[1] - 1e3, ext[2] + 1e3, ext[3] - 1e3),
          "cells": 96}  # fmt: skip
    on = coverage_map(w, [30.0, 300.0, 3000.0], 1.0, **kw)  # type: ignore[arg-type]
    off = coverage_map(w, [30.0, 300.0, 3000.0], 1.0, masking=False, **kw)  # type: ignore[arg-type]
    assert on.has_terrain and on.masking and not off.masking
    assert np.all(on.covered <= off.covered)
    assert np.sum(on.covered[0]) < 0.8 * np.sum(off.covered[0])  # the hills do mask


@settings(max_examples=10, deadline=None)
@given(
    east_km=st.floats(-40.0, 40.0),
    north_km=st.floats(-40.0, 40.0),
    angle=st.floats(0.0, math.pi),
    height_m=st.floats(50.0, 1500.0),
    width_km=st.floats(0.5, 4.0),
)
def test_a_ridge_never_increases_coverage_behind_it(
    east_km: float, north_km: float, angle: float, height_m: float, width_km: float
) -> None:
    """Raising the terrain (a ridge) somewhere never adds coverage to a cell whose own
    ground (so whose target) did not move."""
    w = battalion_world()
    base = _hills()
    ee, nn = np.meshgrid(base.east_m, base.north_m)
    c = w.radars[0].site.position_enu_m
    d = (ee - c[0] - east_km * 1e3) * math.cos(angle) - (nn - c[1] - north_km * 1e3) * math.sin(
        angle
    )
    bump = height_m * np.exp(-0.5 * (d / (width_km * 1e3)) ** 2)
    bump[bump < 1e-3] = 0.0
    for r in w.radars:  # keep the sites themselves on unchanged ground
        p = r.site.position_enu_m
        bump[np.hypot(ee - p[0], nn - p[1]) < 3e3] = 0.0
    ridge = TerrainGrid(base.frame, base.east0_m, base.north0_m, base.dx_m, base.dy_m,
                        base.heights_m + bump)  # fmt: skip
    ext = base.extent_m
    kw = {"extent_m": (ext[0] + 1e3, ext[1] - 1e3, ext[2] + 1e3, ext[3] - 1e3), "cells": 64}
    before = coverage_map(w, [30.0, 1000.0], 1.0, terrain=base, **kw)  # type: ignore[arg-type]
    after = coverage_map(w, [30.0, 1000.0], 1.0, terrain=ridge, **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(before.antenna_enu_m, after.antenna_enu_m)
    same_ground = before.terrain_m == after.terrain_m
    assert np.all((after.covered <= before.covered)[..., same_ground])


@settings(max_examples=12, deadline=None)
@given(rcs=st.floats(1e-3, 30.0), factor=st.floats(1.0, 100.0), h=st.sampled_from([30.0, 800.0]))
def test_detection_range_never_decreases_with_rcs(rcs: float, factor: float, h: float) -> None:
    w = battalion_world()
    kw = {"terrain": _hills(), "extent_m": 55e3, "cells": 64}
    small = coverage_map(w, [h], rcs, **kw)  # type: ignore[arg-type]
    large = coverage_map(w, [h], rcs * factor, **kw)  # type: ignore[arg-type]
    assert np.all(small.covered <= large.covered)
    assert np.all(small.pd <= large.pd)
    assert np.all(small.radar_range_az_m <= large.radar_range_az_m)
    assert np.all(small.unit_range_az_m <= large.unit_range_az_m)
    assert np.all(small.naive_range_m <= large.naive_range_m)


@settings(max_examples=6, deadline=None)
@given(powers=st.lists(st.sampled_from([20.0, 80.0, 300.0, 680.0, 2000.0]), min_size=2, max_size=2))
def test_detection_range_never_decreases_with_power(powers: list[float]) -> None:
    lo, hi = sorted(powers)
    maps = [
        coverage_map(battalion_world(acq=f"peak_power_w: {p * 1e3:g}"), [300.0], 0.1,
                     terrain=_hills(), extent_m=55e3, cells=64)
        for p in (lo, hi)
    ]  # fmt: skip
    assert np.all(maps[0].covered <= maps[1].covered)
    assert np.all(maps[0].radar_range_az_m <= maps[1].radar_range_az_m)
    assert maps[0].radar_equation_range_m[0] <= maps[1].radar_equation_range_m[0]


def test_combined_coverage_is_the_union_of_the_radars() -> None:
    w = battalion_world(two_units=True)
    m = coverage_map(w, [30.0, 2000.0], 0.5, cells=128)
    assert m.unit_names == ["bn", "bn2"]
    assert list(m.radar_unit) == [0, 0, 1]
    np.testing.assert_array_equal(m.covered_unit[:, 0], m.covered[:, 0] | m.covered[:, 1])
    np.testing.assert_array_equal(m.covered_unit[:, 1], m.covered[:, 2])
    np.testing.assert_array_equal(m.covered_all, m.covered.any(axis=1))
    np.testing.assert_array_equal(m.pd_unit[:, 0], np.maximum(m.pd[:, 0], m.pd[:, 1]))
    a_r = m.area_km2(m.covered)
    a_u = m.area_km2(m.covered_unit)
    a_a = m.area_km2(m.covered_all)
    assert np.all(a_u[:, 0] >= a_r[:, :2].max(axis=1)) and np.all(
        a_u[:, 0] <= a_r[:, :2].sum(axis=1)
    )
    assert np.all(a_a >= a_u.max(axis=1)) and np.all(a_a <= a_u.sum(axis=1) + 1e-9)
    # the two units (128 km apart) overlap at 2 km altitude but not at 30 m
    assert a_a[0] == pytest.approx(a_u[0].sum())
    assert a_a[1] < a_u[1].sum()
    rows = m.rows()
    assert [r.scope for r in rows].count("all") == 2
    assert {(r.scope, r.name) for r in rows} >= {
        ("radar", "fcr2"),
        ("unit", "bn2"),
        ("all", "all units"),
    }


def test_covered_area_of_a_disc() -> None:
    """Smooth earth: the covered area is pi d^2 for the horizon radius d, to a few cells."""
    w = battalion_world()
    m = coverage_map(w, [30.0], 10.0, extent_m=HALF_60KM, cells=256)
    d = float(horizon_range_m(10.0, 30.0))
    area = float(m.area_km2(m.covered[0, 0]))
    perimeter_cells = 2 * math.pi * d / m.cell_m[0]
    tol = perimeter_cells * m.cell_m[0] * m.cell_m[1] / 1e6
    assert area == pytest.approx(math.pi * d * d / 1e6, abs=tol)


# ---------------------------------------------------------------------------------------
# Agreement with the engine and with the per-target LOS
# ---------------------------------------------------------------------------------------


def test_map_agrees_with_the_engine_radar_on_smooth_earth() -> None:
    """Cell by cell, the map says what Radar.coverage + the radar equation + Pd say for a
    target at the cell centre."""
    w = battalion_world()
    h = 500.0
    m = coverage_map(w, [h], 0.1, extent_m=120e3, cells=128)
    lat, lon = m.lat_deg.ravel(), m.lon_deg.ravel()
    pos = w.frame.geodetic_to_enu(lat, lon, m.terrain_m.ravel() + h)
    alt = m.terrain_m.ravel() + h
    for r, radar in enumerate(w.radars):
        cov = radar.coverage(pos, alt)
        s = radar.spec
        pd = pd_swerling(radar.snr_db(cov.range_m, np.full(cov.range_m.shape, 0.1)), s.pfa,
                         s.n_pulses, 1)  # fmt: skip
        engine = cov.visible & (pd >= 0.5)
        agree = np.mean(engine == m.covered[0, r].ravel())
        assert agree >= 0.999, (radar.name, agree)
        assert engine.sum() > 1000


def test_terrain_map_agrees_with_per_target_line_of_sight() -> None:
    w = battalion_world()
    grid = _hills()
    m = coverage_map(w, [50.0], 10.0, terrain=grid, extent_m=50e3, cells=96)
    rng = np.random.default_rng(1)
    idx = rng.choice(m.lat_deg.size, 1500, replace=False)
    targets = w.frame.geodetic_to_enu(
        m.lat_deg.ravel()[idx], m.lon_deg.ravel()[idx], m.terrain_m.ravel()[idx] + 50.0
    )
    for r in range(2):
        los = visible(m.antenna_enu_m[r], targets, grid, k_factor=w.radars[r].k_factor)
        agree = np.mean(los == m.visible[0, r].ravel()[idx])
        assert agree >= 0.97, agree
        assert 0.05 < los.mean() < 0.95  # terrain masks part of the area, not all of it


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------


def test_npz_holds_the_grids(tmp_path: Path) -> None:
    w = battalion_world()
    m = coverage_map(w, [30.0, 1000.0], 0.1, cells=64)
    p = m.to_npz(tmp_path / "c.npz")
    with np.load(p, allow_pickle=False) as z:
        np.testing.assert_array_equal(z["covered"], m.covered)
        np.testing.assert_array_equal(z["covered_all"], m.covered_all)
        np.testing.assert_array_equal(z["radar_names"], ["acq", "fcr"])
        assert str(z["crs"]) == enu_crs_proj4(w.frame)
        assert z["pd"].dtype == np.float32


def test_geotiff_is_georeferenced(tmp_path: Path) -> None:
    rasterio = pytest.importorskip("rasterio")
    from rasterio.warp import transform

    w = battalion_world()
    m = coverage_map(w, [300.0], 0.1, terrain=_hills(), extent_m=50e3, cells=80)
    files = m.to_geotiff(tmp_path)
    assert sorted(p.name for p in files) == ["coverage_300m.tif", "pd_300m.tif"]
    with rasterio.open(tmp_path / "coverage_300m.tif") as ds:
        assert ds.count == 4  # acq, fcr, bn, all units
        assert ds.descriptions == ("acq", "fcr", "bn", "all units")
        data = ds.read()
        rng = np.random.default_rng(2)
        i = rng.integers(0, m.north_m.size, 200)
        j = rng.integers(0, m.east_m.size, 200)
        xs, ys = transform("EPSG:4326", ds.crs, m.lon_deg[i, j].tolist(), m.lat_deg[i, j].tolist())
        np.testing.assert_allclose(xs, m.east_m[j], atol=1e-3)
        np.testing.assert_allclose(ys, m.north_m[i], atol=1e-3)
        rows, cols = rasterio.transform.rowcol(ds.transform, xs, ys)
        np.testing.assert_array_equal(data[0, rows, cols], m.covered[0, 0, i, j])
        np.testing.assert_array_equal(data[2, rows, cols], m.covered_unit[0, 0, i, j])
    assert m.covered[0, 0].any() and not m.covered[0, 0].all()


# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"altitudes_agl_m": [-5.0]}, "altitudes_agl_m"),
        ({"altitudes_agl_m": ["30 parsecs"]}, "altitudes_agl_m"),
        ({"altitudes_agl_m": []}, "empty"),
        ({"rcs_m2": -1.0}, "rcs_m2"),
        ({"rcs_m2": "0 m2"}, "rcs_m2"),
        ({"rcs_m2": "big"}, "rcs_m2"),
        ({"pd_min": 1.0}, "pd_min"),
        ({"pd_min": 1e-9}, "pfa"),
        ({"swerling": 5}, "swerling"),
        ({"cells": 4}, "cells"),
        ({"extent_m": -3.0}, "extent_m"),
        ({"extent_m": (0.0, -1.0, 0.0, 1.0)}, "extent_m"),
        ({"terrain": 42}, "terrain"),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict[str, object], words: str) -> None:
    args: dict[str, object] = {"altitudes_agl_m": [30.0], "rcs_m2": 0.1, "cells": 16}
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=words):
        coverage_map(battalion_world(), **args)  # type: ignore[arg-type]


def test_units_as_users_write_them() -> None:
    w = battalion_world()
    a = coverage_map(w, ["30 m", "1 km"], "-10 dBsm", extent_m="150 km", cells=32)
    b = coverage_map(w, [30.0, 1000.0], 0.1, extent_m=150e3, cells=32)
    np.testing.assert_array_equal(a.altitudes_agl_m, [30.0, 1000.0])
    assert a.rcs_m2 == pytest.approx(0.1)
    np.testing.assert_array_equal(a.covered, b.covered)
