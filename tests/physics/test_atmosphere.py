from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from samsim.physics.atmosphere import R_EARTH_GEOPOT_M, isa


def _geometric(h_geopotential_m: float) -> float:
    return R_EARTH_GEOPOT_M * h_geopotential_m / (R_EARTH_GEOPOT_M - h_geopotential_m)


def test_sea_level() -> None:
    t, p, rho, a = isa(0.0)
    assert float(t) == pytest.approx(288.15)
    assert float(p) == pytest.approx(101325.0)
    assert float(rho) == pytest.approx(1.2250, abs=1e-4)
    assert float(a) == pytest.approx(340.294, abs=1e-3)


def test_tropopause_11km_geopotential() -> None:
    # U.S. Standard Atmosphere 1976, Table I at H = 11 km: T 216.65 K, p 22632 Pa,
    # rho 0.36392 kg/m^3, a 295.07 m/s
    t, p, rho, a = isa(_geometric(11000.0))
    assert float(t) == pytest.approx(216.65, abs=1e-6)
    assert float(p) == pytest.approx(22632.06, rel=1e-5)
    assert float(rho) == pytest.approx(0.36392, rel=1e-4)
    assert float(a) == pytest.approx(295.07, abs=0.01)


def test_20km_and_32km() -> None:
    _, p20, _, _ = isa(_geometric(20000.0))
    _, p32, _, _ = isa(_geometric(32000.0))
    assert float(p20) == pytest.approx(5474.89, rel=1e-4)
    assert float(p32) == pytest.approx(868.02, rel=1e-4)


@given(st.floats(0, 85000), st.floats(1, 1000))
def test_density_decreases_with_altitude(h: float, dh: float) -> None:
    assert isa(h + dh)[2] <= isa(h)[2]


def test_vectorised() -> None:
    out = isa(np.array([0.0, 5000.0, 90000.0]))
    assert out[2].shape == (3,)
    assert out[2][2] == 0.0
