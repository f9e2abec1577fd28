"""Hill shading: the analytical formula on planes, flat terrain skipped, a synthetic
terrain shaded for the viewer."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from samsim.export.hillshade import hillshade_array, terrain_hillshade
from samsim.geo.frames import EnuFrame
from samsim.web.server import ViewerApp


@pytest.mark.parametrize("slope_deg", [5.0, 20.0, 35.0])
@pytest.mark.parametrize("sun_el", [30.0, 45.0])
def test_plane_facing_the_sun_and_away(slope_deg: float, sun_el: float) -> None:
    """A plane falling to the east faces east: lit by sin(e + s) with the sun in the east,
    sin(e - s) with the sun in the west; sin(e) when level (Horn 1981, eq. 1)."""
    x = np.arange(50) * 30.0
    z = np.tile(-np.tan(np.radians(slope_deg)) * x, (40, 1))
    east = hillshade_array(z, 30.0, 30.0, sun_azimuth_deg=90.0, sun_elevation_deg=sun_el)
    west = hillshade_array(z, 30.0, 30.0, sun_azimuth_deg=270.0, sun_elevation_deg=sun_el)
    assert np.allclose(east, np.sin(np.radians(sun_el + slope_deg)), atol=1e-9)
    assert np.allclose(west, max(np.sin(np.radians(sun_el - slope_deg)), 0.0), atol=1e-9)
    level = hillshade_array(np.zeros((5, 5)), 30.0, 30.0, sun_elevation_deg=sun_el)
    assert np.allclose(level, np.sin(np.radians(sun_el)))


def test_north_facing_slope_with_rows_running_south() -> None:
    """Row 0 is north: heights rising with the row index fall to the north (face north)."""
    z = np.tile((np.arange(40) * 10.0)[:, None], (1, 30))
    north = hillshade_array(z, 30.0, 30.0, sun_azimuth_deg=0.0, sun_elevation_deg=30.0)
    south = hillshade_array(z, 30.0, 30.0, sun_azimuth_deg=180.0, sun_elevation_deg=30.0)
    assert np.all(north > south)


def test_flat_terrain_is_not_shaded() -> None:
    frame = EnuFrame(40.0, -40.0, 0.0)
    hs = terrain_hillshade(
        frame, lambda e, n: np.full(np.shape(e), 120.0), 39.5, -40.5, 40.5, -39.5, n=32
    )
    assert hs is None


def test_viewer_terrain_flat_and_synthetic(run_dir: Path, tmp_path: Path) -> None:
    assert ViewerApp(run_dir).terrain_doc(0) == {"kind": "flat", "height_m": 0.0}
    hilly = tmp_path / "hilly"
    shutil.copytree(run_dir, hilly)
    sc = json.loads((hilly / "scenario.json").read_text())
    sc["environment"]["terrain"] = {
        "kind": "synthetic",
        "seed": 3,
        "relief": 900.0,
        "resolution": 2000.0,
    }
    (hilly / "scenario.json").write_text(json.dumps(sc))
    doc = ViewerApp(hilly).terrain_doc(0)
    assert doc["kind"] == "shaded", doc
    assert 300.0 < doc["relief_m"] <= 900.0 + 1e-6
    (s, w), (n, e) = doc["bounds"]
    assert s < 40.0 < n and w < -40.0 < e
    png = base64.b64decode(doc["image"].split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
