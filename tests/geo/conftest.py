"""Shared fixtures for the geo tests: a scenario frame, synthetic terrain, path helpers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from samsim.geo.frames import EnuFrame
from samsim.geo.los import ObserverGeometry
from samsim.geo.terrain import SyntheticTerrain, TerrainGrid


@pytest.fixture(scope="session")
def frame() -> EnuFrame:
    return EnuFrame(45.0, 10.0, 0.0)


@pytest.fixture(scope="session")
def hills(frame: EnuFrame) -> TerrainGrid:
    """100 km x 100 km of 0..600 m fractal hills at 500 m resolution (seed 7)."""
    return SyntheticTerrain.generate(
        frame,
        (-50e3, 50e3, -50e3, 50e3),
        500.0,
        rng=np.random.default_rng(7),
        relief_m=600.0,
        hurst=0.8,
        feature_size_m=10e3,
    ).grid


def _ground_point_enu(
    obs: ObserverGeometry, frame: EnuFrame, range_m: float, az_rad: float, height_m: float
) -> NDArray[np.float64]:
    r = obs.radius_m
    t = np.sin(az_rad) * obs.east + np.cos(az_rad) * obs.north
    p = obs.foot_enu_m + r * (np.sin(range_m / r) * t - (1.0 - np.cos(range_m / r)) * obs.up)
    lat, lon, _ = frame.enu_to_geodetic(p)
    return frame.geodetic_to_enu(lat, lon, height_m)


@pytest.fixture(scope="session")
def ground_point() -> Callable[..., NDArray[np.float64]]:
    """f(obs, frame, range_m, az_rad, height_m): ENU point at ellipsoidal height ``height_m``
    whose foot is ``range_m`` of ground range from the observer's foot along ``az_rad``."""
    return _ground_point_enu
