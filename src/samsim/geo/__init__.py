"""Geometry: WGS-84 frames, the scenario ENU frame, earth curvature and refraction, terrain
and line of sight.

The names below are imported on first use (``samsim.geo.EnuFrame`` loads
``samsim.geo.frames`` only), so that a module needing the frames does not pay for terrain
and line of sight.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "EARTH_RADIUS_M": "earth",
    "effective_earth_radius_m": "earth",
    "horizon_range_m": "earth",
    "smooth_earth_visible": "earth",
    "EnuFrame": "frames",
    "Site": "frames",
    "polar_horizon": "los",
    "viewshed_grid": "los",
    "visible": "los",
    "FlatTerrain": "terrain",
    "SyntheticTerrain": "terrain",
    "TerrainGrid": "terrain",
    "resample_to_enu": "terrain",
}

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

if TYPE_CHECKING:
    from samsim.geo.earth import (
        EARTH_RADIUS_M,
        effective_earth_radius_m,
        horizon_range_m,
        smooth_earth_visible,
    )
    from samsim.geo.frames import EnuFrame, Site
    from samsim.geo.los import polar_horizon, viewshed_grid, visible
    from samsim.geo.terrain import FlatTerrain, SyntheticTerrain, TerrainGrid, resample_to_enu


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'samsim.geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"samsim.geo.{module}"), name)
    globals()[name] = value
    return value
