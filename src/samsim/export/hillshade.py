"""Hill shading of the scenario's terrain for maps (skipped when the terrain is flat).

Samples the engine's terrain function on a regular latitude/longitude grid over the area
of interest and shades it with the standard analytical hillshade.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from samsim.geo.frames import EnuFrame

if TYPE_CHECKING:
    from samsim.physics.threats import TerrainFn

#: Relief below this (max - min, m) over the area counts as flat: nothing to shade.
FLAT_RELIEF_M = 1.0


@dataclass
class Hillshade:
    """A shaded relief image over a lat/lon box (row 0 is the north edge)."""

    shade: NDArray[np.float64]  # (rows, cols) in [0, 1]
    south_deg: float
    west_deg: float
    north_deg: float
    east_deg: float
    relief_m: float

    def png_data_url(self) -> str:
        """The shading as a grey PNG with transparency (dark = shadow), as a data URL."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.image as mimg

        rgba = np.zeros((*self.shade.shape, 4))
        # Shadows darken, lit slopes lighten; flat ground stays transparent.
        dev = self.shade - float(np.median(self.shade))
        rgba[..., :3] = np.where(dev[..., None] < 0, 0.0, 1.0)
        rgba[..., 3] = np.clip(np.abs(dev) * 1.6, 0.0, 0.75)
        buf = io.BytesIO()
        mimg.imsave(buf, rgba, format="png")
        return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def hillshade_array(
    elevation_m: NDArray[np.float64],
    dx_m: float,
    dy_m: float,
    sun_azimuth_deg: float = 315.0,
    sun_elevation_deg: float = 45.0,
) -> NDArray[np.float64]:
    """Analytical hillshade of an elevation grid (row 0 north), values in [0, 1].

    Notes
    -----
    shade = sin(e) cos(slope) + cos(e) sin(slope) cos(A - aspect), with the sun at
    elevation e and azimuth A (clockwise from north), slope and aspect from central
    differences (Horn, "Hill shading and the reflectance map", Proc. IEEE 69(1), 1981,
    eq. 1; as in GDAL ``gdaldem hillshade``).
    """
    z = np.asarray(elevation_m, dtype=float)
    dz_dy, dz_dx = np.gradient(z, dy_m, dx_m)
    dz_dn = -dz_dy  # rows run south
    slope = np.arctan(np.hypot(dz_dx, dz_dn))
    # Aspect: direction the slope faces (downhill), clockwise from north.
    aspect = np.arctan2(-dz_dx, -dz_dn)
    e = np.radians(sun_elevation_deg)
    a = np.radians(sun_azimuth_deg)
    shade = np.sin(e) * np.cos(slope) + np.cos(e) * np.sin(slope) * np.cos(a - aspect)
    return np.clip(shade, 0.0, 1.0)


def terrain_hillshade(
    frame: EnuFrame,
    terrain: TerrainFn,
    south_deg: float,
    west_deg: float,
    north_deg: float,
    east_deg: float,
    n: int = 256,
) -> Hillshade | None:
    """Hillshade of ``terrain`` over a lat/lon box, or ``None`` when the terrain is flat
    there (relief under :data:`FLAT_RELIEF_M`)."""
    lat = np.linspace(north_deg, south_deg, n)
    lon = np.linspace(west_deg, east_deg, n)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    g = frame.geodetic_to_enu(la, lo, np.zeros_like(la))
    z = np.asarray(terrain(g[..., 0], g[..., 1]), dtype=float)
    relief = float(np.nanmax(z) - np.nanmin(z))
    if not np.isfinite(relief) or relief < FLAT_RELIEF_M:
        return None
    dy = float(np.radians(abs(lat[1] - lat[0])) * 6371000.0)
    dx = float(np.radians(abs(lon[1] - lon[0])) * 6371000.0 * np.cos(np.radians(lat.mean())))
    return Hillshade(hillshade_array(z, dx, dy), south_deg, west_deg, north_deg, east_deg, relief)
