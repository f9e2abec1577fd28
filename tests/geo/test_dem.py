"""Real DEMs: matplotlib's sample DEMs, rasterio round trips, the missing-extra error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib import cbook

from samsim.errors import SamsimError
from samsim.geo.dem import DemTerrain, MissingExtraError, load_dem, matplotlib_dem
from samsim.geo.frames import EnuFrame
from samsim.geo.terrain import TerrainSource, resample_to_enu

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _raw(name: str) -> dict[str, np.ndarray]:
    with cbook.get_sample_data(name) as npz:
        return {k: np.asarray(npz[k]) for k in npz.files}


# -- matplotlib sample DEMs ------------------------------------------------------------


def test_jacksboro_georeferencing_and_swapped_y_keys() -> None:
    raw = _raw("jacksboro_fault_dem.npz")
    assert raw["ymin"] > raw["ymax"]  # the file's y keys are swapped
    dem = matplotlib_dem("jacksboro")
    assert isinstance(dem, TerrainSource)
    x0, x1, y0, y1 = dem.bounds
    half = 0.5 * 3.0 / 3600.0  # 3 arc-second cells, bounds are cell centres
    assert x0 == pytest.approx(-84.41375 + half, abs=1e-9)
    assert x1 == pytest.approx(-84.07791666666667 - half, abs=1e-9)
    assert y0 == pytest.approx(36.44625 + half, abs=1e-9)
    assert y1 == pytest.approx(36.73291666666667 - half, abs=1e-9)
    z = raw["elevation"]
    # row 0 is the northern row, column 0 the western one
    assert float(dem.elevation_at(y1, x0)) == z[0, 0]
    assert float(dem.elevation_at(y0, x0)) == z[-1, 0]
    assert float(dem.elevation_at(y0, x1)) == z[-1, -1]
    assert float(dem.elevation_at(36.6, -84.25)) == pytest.approx(
        float(z[int((36.73291666666667 - 36.6) * 1200), int((-84.25 + 84.41375) * 1200)]), abs=60.0
    )
    assert (dem.heights_m.min(), dem.heights_m.max()) == (236.0, 1076.0)


def test_topobathy_georeferencing_finds_known_places() -> None:
    dem = matplotlib_dem("topobathy")
    x0, x1, y0, y1 = dem.bounds
    assert (x0, x1) == pytest.approx((-125.983, -122.017), abs=1e-3)
    assert (y0, y1) == pytest.approx((48.016, 49.984), abs=1e-3)
    assert dem.heights_m.min() == pytest.approx(-1437.0)
    # Highest cell: the Garibaldi massif (Mount Garibaldi 49.851 N, 123.005 W, 2678 m,
    # smoothed to 2205 m by the 2' cells).
    h, lat, lon = dem._ascending
    i, j = np.unravel_index(np.argmax(h), h.shape)
    assert (lat[i], lon[j]) == pytest.approx((49.851, -123.005), abs=0.05)
    # Open Pacific west of Vancouver Island, Strait of Georgia, Vancouver Island's spine
    assert float(dem.elevation_at(48.03, -125.95)) < -1000.0  # continental slope
    assert float(dem.elevation_at(48.3, -125.9)) < -200.0
    assert float(dem.elevation_at(49.25, -123.6)) < 0.0
    assert float(dem.elevation_at(49.6, -125.5)) > 500.0


@pytest.mark.parametrize("name", ["jacksboro", "topobathy"])
def test_matplotlib_dem_resampled_to_enu_keeps_its_range(name: str) -> None:
    dem = matplotlib_dem(name, geoid_undulation_m=-30.0)
    lat0, lon0 = dem.center_lat_lon_deg
    frame = EnuFrame(lat0, lon0)
    half = 10e3
    grid = resample_to_enu(dem, frame, (-half, half, -half, half), 250.0)
    lo, hi = dem.heights_m.min() - 30.0, dem.heights_m.max() - 30.0
    assert lo <= grid.min_m < grid.max_m <= hi
    assert float(grid.elevation_m(0.0, 0.0)) == pytest.approx(
        float(dem.elevation_at(lat0, lon0)), abs=1e-6
    )
    # a point 5 km north of the origin, by the frame, is where the DEM says
    lat, lon, _ = frame.enu_to_geodetic(np.array([3e3, 5e3, 0.0]))
    assert float(grid.elevation_m(3e3, 5e3)) == pytest.approx(
        float(dem.elevation_at(lat, lon)), abs=2.0
    )


def test_matplotlib_dem_rejects_unknown_name() -> None:
    with pytest.raises(ValueError, match="jacksboro"):
        matplotlib_dem("everest")  # type: ignore[arg-type]


# -- DemTerrain -----------------------------------------------------------------------


def test_dem_terrain_bilinear_descending_axes_and_clamping() -> None:
    lat = np.array([11.0, 10.0])  # descending, like image rows
    lon = np.array([20.0, 21.0, 22.0])
    z = np.array([[10.0, 20.0, 30.0], [0.0, 10.0, 20.0]])
    dem = DemTerrain(z, lat, lon, geoid_undulation_m=5.0)
    assert float(dem.elevation_at(10.5, 20.5)) == pytest.approx(10.0 + 5.0)  # mean of 4
    assert float(dem.elevation_at(10.0, 22.0)) == pytest.approx(20.0 + 5.0)
    assert float(dem.elevation_at(50.0, 30.0)) == pytest.approx(30.0 + 5.0)  # clamped
    assert float(dem.elevation_at(10.0, 20.0 - 360.0)) == pytest.approx(0.0 + 5.0)  # wrapped


@pytest.mark.parametrize(
    ("z", "y", "x", "match"),
    [
        (np.zeros((2, 2)), [0.0, 1.0, 2.0], [0.0, 1.0], "shape"),
        (np.array([[0.0, np.nan], [0.0, 0.0]]), [0.0, 1.0], [0.0, 1.0], "non-finite"),
        (np.zeros((3, 2)), [0.0, 1.0, 0.5], [0.0, 1.0], "monotonic"),
    ],
)
def test_dem_terrain_rejects_bad_arrays(z: np.ndarray, y: list, x: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        DemTerrain(z, np.asarray(y), np.asarray(x))


# -- rasterio round trips ---------------------------------------------------------------


def _north_up(west: float, north: float, cell_x: float, cell_y: float) -> object:
    affine = pytest.importorskip("rasterio.transform").Affine
    return affine(cell_x, 0.0, west, 0.0, -cell_y, north)


def _write_geotiff(
    path: Path,
    z: np.ndarray,
    crs: str | None,
    transform: object,
    nodata: float | None = None,
    units: str | None = None,
) -> None:
    rasterio = pytest.importorskip("rasterio")
    profile = dict(
        driver="GTiff",
        width=z.shape[1],
        height=z.shape[0],
        count=1,
        dtype=str(z.dtype),
        crs=crs,
        transform=transform,
        nodata=nodata,
    )
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(z, 1)
        if units:
            ds.units = (units,)


def test_geotiff_round_trip_geographic(tmp_path: Path) -> None:
    z = (100.0 + 10.0 * np.arange(6)[:, None] + np.arange(8)[None, :]).astype(np.float32)
    z[2, 3] = -9999.0  # a void
    cell = 0.01
    path = tmp_path / "dem.tif"
    _write_geotiff(path, z, "EPSG:4326", _north_up(7.0, 46.0, cell, cell), nodata=-9999.0)
    dem = load_dem(path, geoid_undulation_m=48.0)
    assert dem.name == "dem.tif"
    # cell (row i, col j) centre: lat 46 - (i + 0.5) cell, lon 7 + (j + 0.5) cell
    lat = 46.0 - (np.arange(6) + 0.5) * cell
    lon = 7.0 + (np.arange(8) + 0.5) * cell
    got = dem.elevation_at(lat[:, None], lon[None, :]) - 48.0
    expected = z.astype(float)
    expected[2, 3] = got[2, 3]
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert got[2, 3] in {z[1, 3], z[3, 3], z[2, 2], z[2, 4]}  # filled from a neighbour
    # and through the ENU grid
    frame = EnuFrame(45.97, 7.04)
    grid = resample_to_enu(dem, frame, (-1e3, 1e3, -1e3, 1e3), 100.0)
    assert float(grid.elevation_m(0.0, 0.0)) == pytest.approx(
        float(dem.elevation_at(45.97, 7.04)), abs=1e-6
    )


def test_geotiff_round_trip_projected_crs_and_feet(tmp_path: Path) -> None:
    warp_transform = pytest.importorskip("rasterio.warp").transform

    # UTM zone 32N, 1 km cells, height rising 1 ft per metre of easting from x0
    x0, y0, n = 400_000.0, 5_100_000.0, 20
    xc = x0 + (np.arange(n) + 0.5) * 1000.0
    z = np.tile((xc - x0)[None, :], (n, 1)).astype(np.float64)
    path = tmp_path / "utm.tif"
    _write_geotiff(path, z, "EPSG:32632", _north_up(x0, y0, 1000.0, 1000.0), units="ft")
    dem = load_dem(path)
    assert dem.crs is not None and "32632" in dem.crs
    qx, qy = 407_250.0, 5_093_000.0
    lon, lat = warp_transform("EPSG:32632", "EPSG:4326", [qx], [qy])
    assert float(dem.elevation_at(lat[0], lon[0])) == pytest.approx((qx - x0) * 0.3048, abs=1e-3)
    lat_c, _ = dem.center_lat_lon_deg
    assert 45.9 < lat_c < 46.1


@pytest.mark.parametrize(("driver", "name"), [("SRTMHGT", "N36W085.hgt"), ("DTED", "n36.dt1")])
def test_srtm_and_dted_files_are_read_with_their_georeferencing(
    tmp_path: Path, driver: str, name: str
) -> None:
    rio_shutil = pytest.importorskip("rasterio.shutil")

    # an SRTM-3 / DTED-1 tile of 1201 x 1201 posts, one degree, posts on whole seconds
    step = 1.0 / 1200.0
    z = (np.arange(1201)[:, None] * 2 + np.arange(1201)[None, :]).astype(np.int16)
    src = tmp_path / "src.tif"
    _write_geotiff(src, z, "EPSG:4326", _north_up(-85.0 - step / 2, 37.0 + step / 2, step, step))
    rio_shutil.copy(src, tmp_path / name, driver=driver)
    dem = load_dem(tmp_path / name)
    assert dem.bounds == pytest.approx((-85.0, -84.0, 36.0, 37.0), abs=1e-9)
    # post (row i, col j) sits at lat 37 - i/1200, lon -85 + j/1200 and holds 2 i + j
    assert float(dem.elevation_at(37.0, -85.0)) == 0.0
    assert float(dem.elevation_at(36.0, -85.0)) == 2400.0
    assert float(dem.elevation_at(36.5, -84.25)) == pytest.approx(2 * 600 + 900)


def test_rotated_or_unreferenced_dem_is_refused(tmp_path: Path) -> None:
    affine = pytest.importorskip("rasterio.transform").Affine
    z = np.zeros((4, 4), dtype=np.float32)
    _write_geotiff(
        tmp_path / "rot.tif", z, "EPSG:4326", affine(0.01, 0.001, 7.0, 0.001, -0.01, 46.0)
    )
    with pytest.raises(ValueError, match="rotated"):
        load_dem(tmp_path / "rot.tif")
    _write_geotiff(tmp_path / "nocrs.tif", z, None, _north_up(7.0, 46.0, 0.01, 0.01))
    with pytest.raises(ValueError, match="no coordinate reference system"):
        load_dem(tmp_path / "nocrs.tif")
    _write_geotiff(tmp_path / "ok.tif", z, "EPSG:4326", _north_up(7.0, 46.0, 0.01, 0.01))
    with pytest.raises(ValueError, match="band"):
        load_dem(tmp_path / "ok.tif", band=2)
    _write_geotiff(
        tmp_path / "void.tif", z, "EPSG:4326", _north_up(7.0, 46.0, 0.01, 0.01), nodata=0.0
    )
    with pytest.raises(ValueError, match="no valid elevation"):
        load_dem(tmp_path / "void.tif")


# -- without rasterio ----------------------------------------------------------------


def test_missing_rasterio_gives_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "rasterio", None)  # makes `import rasterio` fail
    with pytest.raises(MissingExtraError, match=r"pip install samsim\[terrain\]") as info:
        load_dem(tmp_path / "dem.tif")
    assert "dem.tif" in str(info.value)
    assert isinstance(info.value, SamsimError)
    assert isinstance(info.value, ImportError)


def test_core_terrain_and_los_work_without_rasterio() -> None:
    code = (
        "import sys; sys.modules['rasterio'] = None\n"
        "import numpy as np\n"
        "from samsim.geo import terrain, los, dem\n"
        "d = dem.matplotlib_dem('jacksboro')\n"
        "f = terrain.EnuFrame(*d.center_lat_lon_deg)\n"
        "g = terrain.resample_to_enu(d, f, (-5e3, 5e3, -5e3, 5e3), 200.0)\n"
        "o = terrain.point_above_ground_enu(g, 0.0, 0.0, 0.0)\n"
        "print(los.visible(o, np.array([[1e3, 1e3, 2e3]]), g, antenna_height_m=10)[0])\n"
        "assert 'rasterio' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "True"
