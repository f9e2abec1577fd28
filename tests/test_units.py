from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samsim import units


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30 km", 30000.0),
        ("100 ft", 30.48),
        ("12.5", 12.5),
        ("2 nmi", 3704.0),
        (7, 7.0),
        ("1e3 m", 1000.0),
        (".5 km", 500.0),
    ],
)
def test_length(text: object, expected: float) -> None:
    assert units.length_m(text) == pytest.approx(expected)


def test_speed_and_mach() -> None:
    assert units.speed_mps("880 km/h") == pytest.approx(244.444, rel=1e-5)
    assert units.speed_mps("Mach 0.8") == pytest.approx(0.8 * 340.294)
    assert units.speed_mps("2 Mach", speed_of_sound_mps=300.0) == pytest.approx(600.0)
    m = units.speed("Mach 0.8")
    assert isinstance(m, units.Mach)
    assert m.to_mps(295.07) == pytest.approx(236.056)
    with pytest.raises(TypeError):
        float(m)  # type: ignore[arg-type]


def test_rcs_dbsm() -> None:
    assert units.rcs_m2("-10 dBsm") == pytest.approx(0.1)
    assert units.rcs_m2("0.5 m2") == pytest.approx(0.5)
    with pytest.raises(units.UnitError, match="positive"):
        units.rcs_m2(0)


def test_angle_bare_number_is_radians_and_parsing_is_idempotent() -> None:
    assert units.angle_rad(math.pi) == math.pi
    assert units.angle_rad("180 deg") == pytest.approx(math.pi)
    assert units.angle_rad("10 mrad") == pytest.approx(0.01)
    assert units.angle_rad(units.angle_rad("5 deg")) == units.angle_rad("5 deg")


def test_mach_survives_a_model_round_trip() -> None:
    """A Mach number must never silently become m/s (it is not a float)."""
    from pydantic import BaseModel

    class M(BaseModel):
        v: units.Speed

    m = M(v="Mach 0.8")
    assert m.v == units.Mach(0.8)
    assert M.model_validate(m.model_dump()).v == units.Mach(0.8)
    assert M.model_validate_json(m.model_dump_json()).v == units.Mach(0.8)
    assert M(v="245 m/s").v == 245.0
    with pytest.raises(ValueError, match="above 0"):
        M(v="-3 m/s")


@pytest.mark.parametrize("bad", ["30 parsecs", "km", "fast", True, [1, 2]])
def test_bad_length_names_the_problem(bad: object) -> None:
    with pytest.raises(units.UnitError) as exc:
        units.length_m(bad)
    assert "length" in str(exc.value)


@given(st.floats(min_value=-4e4, max_value=4e4, allow_nan=False))
def test_km_is_1000_m(x: float) -> None:
    assert units.length_m(f"{x!r} km") == pytest.approx(x * 1000.0, rel=1e-12, abs=1e-9)


def test_time_units() -> None:
    assert units.time_s("2 min") == 120.0
    assert units.time_s("10 us") == pytest.approx(1e-5)


def test_speed_or_zero_accepts_zero_and_refuses_negative() -> None:
    from pydantic import TypeAdapter, ValidationError

    from samsim.units import SpeedSLOrZero

    ta = TypeAdapter(SpeedSLOrZero)
    assert ta.validate_python(0) == 0.0
    assert ta.validate_python("0 m/s") == 0.0
    assert ta.validate_python("36 km/h") == pytest.approx(10.0)
    with pytest.raises(ValidationError):
        ta.validate_python("-1 m/s")
