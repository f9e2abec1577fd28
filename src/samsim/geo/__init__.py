"""Geometry: WGS-84 frames, the scenario ENU frame, earth curvature and refraction, terrain."""

from __future__ import annotations

from samsim.geo.earth import (
    EARTH_RADIUS_M,
    effective_earth_radius_m,
    horizon_range_m,
    smooth_earth_visible,
)
from samsim.geo.frames import EnuFrame

__all__ = [
    "EARTH_RADIUS_M",
    "EnuFrame",
    "effective_earth_radius_m",
    "horizon_range_m",
    "smooth_earth_visible",
]
