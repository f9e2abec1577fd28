"""Shared fixtures for the physics tests: a scenario frame and catalogue specs."""

from __future__ import annotations

import numpy as np
import pytest

from samsim.geo.frames import EnuFrame
from samsim.physics.flyout import osculating_sphere
from samsim.physics.missile import MissileSpec, load_missile_catalog


@pytest.fixture(scope="session")
def frame() -> EnuFrame:
    return EnuFrame(45.0, 10.0, 0.0)


@pytest.fixture(scope="session")
def catalog() -> dict[str, MissileSpec]:
    return load_missile_catalog()


def point_at(
    frame: EnuFrame, ground_range_m: np.ndarray, alt_m: np.ndarray, az_rad: float = 0.0
) -> np.ndarray:
    """ENU points at a ground range (on the osculating sphere) and altitude, toward az."""
    c, radius = osculating_sphere(frame)
    th = np.asarray(ground_range_m, float) / radius
    r = radius + np.asarray(alt_m, float)
    horiz = r * np.sin(th)
    return np.stack(
        [horiz * np.sin(az_rad), horiz * np.cos(az_rad), r * np.cos(th) + c[2]], axis=-1
    )
