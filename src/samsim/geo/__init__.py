"""Geometry: WGS-84 frames, the scenario ENU frame, earth curvature and refraction, terrain
and line of sight."""

from __future__ import annotations

from samsim.geo.earth import (
    EARTH_RADIUS_M,
    effective_earth_radius_m,
    horizon_range_m,
    smooth_earth_visible,
)
from samsim.geo.frames import EnuFrame, Site
from samsim.geo.los import polar_horizon, viewshed_grid, visible
from samsim.geo.terrain import FlatTerrain, SyntheticTerrain, TerrainGrid, resample_to_enu

__all__ = [
    "EARTH_RADIUS_M",
    "EnuFrame",
    "FlatTerrain",
    "Site",
    "SyntheticTerrain",
    "TerrainGrid",
    "effective_earth_radius_m",
    "horizon_range_m",
    "polar_horizon",
    "resample_to_enu",
    "smooth_earth_visible",
    "viewshed_grid",
    "visible",
]
