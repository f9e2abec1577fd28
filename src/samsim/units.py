"""Units as users write them, SI inside.

Scenario files may give a quantity as a bare number (in the SI unit of the field: metres,
seconds, radians, watts, m^2, ...) or as a string with a unit: ``"30 km"``,
``"880 km/h"``, ``"Mach 0.8"``, ``"-10 dBsm"``, ``"5 deg"``, ``"1.5 MW"``, ``"3 GHz"``.
Each parser returns the value in SI units, and a bare number passes through unchanged, so
parsing is idempotent: a validated model dumped and validated again keeps its values.
The pydantic field types at the bottom (``Length``, ``Speed``, ...) attach a parser and a
JSON schema to a float, so a field is declared once with its unit.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import core_schema

#: Standard gravity, m/s^2 (CGPM 1901).
G0_MPS2 = 9.80665
#: ISA sea-level speed of sound, m/s (ICAO Doc 7488).
SPEED_OF_SOUND_SL_MPS = 340.294

_LENGTH = {
    "m": 1.0,
    "km": 1e3,
    "cm": 1e-2,
    "mm": 1e-3,
    "ft": 0.3048,
    "mi": 1609.344,
    "nmi": 1852.0,
    "NM": 1852.0,
}
_SPEED = {
    "m/s": 1.0,
    "mps": 1.0,
    "km/h": 1 / 3.6,
    "kph": 1 / 3.6,
    "kmh": 1 / 3.6,
    "kn": 1852.0 / 3600.0,
    "kt": 1852.0 / 3600.0,
    "knots": 1852.0 / 3600.0,
    "mph": 1609.344 / 3600.0,
    "km/s": 1e3,
    "ft/s": 0.3048,
}
_ANGLE = {"rad": 1.0, "deg": math.pi / 180.0, "°": math.pi / 180.0, "mrad": 1e-3}
_TIME = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "min": 60.0, "h": 3600.0}
_POWER = {"W": 1.0, "kW": 1e3, "MW": 1e6, "GW": 1e9}
_FREQ = {"Hz": 1.0, "kHz": 1e3, "MHz": 1e6, "GHz": 1e9}
_MASS = {"kg": 1.0, "g": 1e-3, "t": 1e3, "lb": 0.45359237}
_ACCEL = {"m/s2": 1.0, "m/s^2": 1.0, "g": G0_MPS2}
_AREA = {"m2": 1.0, "m^2": 1.0, "cm2": 1e-4}
_FORCE = {"N": 1.0, "kN": 1e3, "MN": 1e6}

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*({_NUM})\s*([^\s\d].*?)?\s*$")
_MACH = re.compile(rf"^\s*(?:[Mm]ach\s*({_NUM})|({_NUM})\s*[Mm]ach)\s*$")


class UnitError(ValueError):
    """A quantity whose unit is missing, unknown or of the wrong kind."""


def _split(value: Any, kind: str) -> tuple[float, str | None]:
    if isinstance(value, bool):
        raise UnitError(f"expected a {kind}, got the boolean {value!r}")
    if isinstance(value, int | float):
        return float(value), None
    if not isinstance(value, str):
        raise UnitError(f"expected a {kind} as a number or a string like '30 km', got {value!r}")
    m = _QUANTITY.match(value)
    if not m:
        raise UnitError(
            f"cannot read {value!r} as a {kind}; write a number and a unit, e.g. '30 km'"
        )
    return float(m.group(1)), m.group(2)


def _parse(value: Any, kind: str, table: dict[str, float]) -> float:
    number, unit = _split(value, kind)
    if unit is None:
        return number
    if unit not in table:
        known = ", ".join(table)
        raise UnitError(f"unknown {kind} unit {unit!r} in {value!r}; use one of: {known}")
    return number * table[unit]


def length_m(value: Any) -> float:
    """A length in metres (``"30 km"``, ``"100 ft"``, ``12.5``)."""
    return _parse(value, "length", _LENGTH)


def angle_rad(value: Any) -> float:
    """An angle in radians (``"5 deg"``, ``"10 mrad"``; a bare number is in radians)."""
    number, unit = _split(value, "angle")
    if unit is None:
        return number
    if unit not in _ANGLE:
        raise UnitError(f"unknown angle unit {unit!r} in {value!r}; use one of: deg, rad, mrad")
    return number * _ANGLE[unit]


def time_s(value: Any) -> float:
    """A duration in seconds (``"2 min"``, ``"500 ms"``)."""
    return _parse(value, "duration", _TIME)


def power_w(value: Any) -> float:
    """A power in watts (``"1.5 MW"``)."""
    return _parse(value, "power", _POWER)


def frequency_hz(value: Any) -> float:
    """A frequency in hertz (``"3 GHz"``)."""
    return _parse(value, "frequency", _FREQ)


def mass_kg(value: Any) -> float:
    """A mass in kilograms (``"1.8 t"``)."""
    return _parse(value, "mass", _MASS)


def accel_mps2(value: Any) -> float:
    """An acceleration in m/s^2 (``"20 g"``)."""
    return _parse(value, "acceleration", _ACCEL)


def area_m2(value: Any) -> float:
    """An area in m^2 (``"0.1 m2"``)."""
    return _parse(value, "area", _AREA)


def force_n(value: Any) -> float:
    """A force in newtons (``"120 kN"``)."""
    return _parse(value, "force", _FORCE)


def rcs_m2(value: Any) -> float:
    """A radar cross section in m^2 (``"0.1 m2"``, ``"-10 dBsm"``; bare number in m^2)."""
    number, unit = _split(value, "radar cross section")
    if unit is None or unit in _AREA:
        out = number * (_AREA[unit] if unit else 1.0)
    elif unit in ("dBsm", "dBm2", "dB"):
        out = 10.0 ** (number / 10.0)
    else:
        raise UnitError(f"unknown RCS unit {unit!r} in {value!r}; use m2 or dBsm")
    if out <= 0:
        raise UnitError(f"radar cross section must be positive, got {value!r}")
    return out


def decibel(value: Any) -> float:
    """A ratio in decibels (``"3 dB"`` or ``3``); returned in dB, not linear."""
    number, unit = _split(value, "ratio in dB")
    if unit not in (None, "dB", "dBi"):
        raise UnitError(f"expected a value in dB, got {value!r}")
    return number


class Mach:
    """A speed given as a Mach number; converted to m/s once the altitude is known.

    Deliberately not a float, so that it cannot be used as m/s by mistake: convert with
    :meth:`to_mps` (or :func:`speed_mps`). In a model it serialises back to ``"Mach 0.8"``.
    """

    __slots__ = ("number",)

    def __init__(self, number: float) -> None:
        if not math.isfinite(number) or number <= 0:
            raise UnitError(f"a Mach number must be positive and finite, got {number}")
        self.number = float(number)

    def to_mps(self, speed_of_sound_mps: float) -> float:
        """The speed in m/s for a given speed of sound."""
        return self.number * speed_of_sound_mps

    def __repr__(self) -> str:
        return f"Mach({self.number!r})"

    def __str__(self) -> str:
        return f"Mach {self.number!r}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mach) and other.number == self.number

    def __hash__(self) -> int:
        return hash(("Mach", self.number))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return core_schema.is_instance_schema(cls)


def speed(value: Any) -> float | Mach:
    """A speed in m/s, or a :class:`Mach` number (``"Mach 0.8"``, ``"0.8 Mach"``)."""
    if isinstance(value, Mach):
        return value
    if isinstance(value, str):
        m = _MACH.match(value)
        if m:
            return Mach(float(m.group(1) or m.group(2)))
    return _parse(value, "speed", _SPEED)


def speed_mps(value: Any, speed_of_sound_mps: float = SPEED_OF_SOUND_SL_MPS) -> float:
    """A speed in m/s; a Mach number is converted with ``speed_of_sound_mps``."""
    v = speed(value)
    return v.to_mps(speed_of_sound_mps) if isinstance(v, Mach) else float(v)


def _wrap(parser: Any, kind: str, example: str) -> Any:
    def validate(value: Any) -> Any:
        try:
            return parser(value)
        except UnitError as exc:
            raise ValueError(str(exc)) from None

    schema = {
        "anyOf": [{"type": "number"}, {"type": "string"}],
        "description_unit": kind,
        "examples": [example],
    }
    return Annotated[float, BeforeValidator(validate), WithJsonSchema(schema)]


Length = _wrap(length_m, "length (m, or '30 km')", "30 km")
Angle = _wrap(angle_rad, "angle (deg, or '5 deg')", "5 deg")
Duration = _wrap(time_s, "duration (s, or '2 min')", "10 s")
Power = _wrap(power_w, "power (W, or '1 MW')", "1 MW")
Frequency = _wrap(frequency_hz, "frequency (Hz, or '3 GHz')", "3 GHz")
Mass = _wrap(mass_kg, "mass (kg, or '1.8 t')", "1800 kg")
Acceleration = _wrap(accel_mps2, "acceleration (m/s^2, or '20 g')", "20 g")
Area = _wrap(area_m2, "area (m^2)", "0.3 m2")
Force = _wrap(force_n, "force (N, or '100 kN')", "100 kN")
RCS = _wrap(rcs_m2, "radar cross section (m^2, or '-10 dBsm')", "-10 dBsm")
Decibel = _wrap(decibel, "ratio in dB", "3 dB")


def _validate_speed(value: Any) -> Any:
    try:
        v = speed(value)
    except UnitError as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(v, Mach) and not (v > 0 and math.isfinite(v)):
        raise ValueError(f"a speed must be positive, got {value!r}")
    return v


def _serialize_speed(value: float | Mach) -> float | str:
    return str(value) if isinstance(value, Mach) else value


def _validate_speed_sl(value: Any) -> float:
    v = _validate_speed(value)
    return v.to_mps(SPEED_OF_SOUND_SL_MPS) if isinstance(v, Mach) else float(v)


#: A positive speed in m/s; a Mach number is converted at the ISA sea-level speed of sound
#: (for figures with no natural altitude, like an interceptor's minimum speed).
SpeedSL = Annotated[
    float,
    BeforeValidator(_validate_speed_sl),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string"}],
            "description_unit": "speed (m/s, '880 km/h'; Mach at sea level)",
            "examples": ["1500 m/s"],
        }
    ),
]


def _validate_speed_sl_or_zero(value: Any) -> float:
    try:
        v = speed(value)
    except UnitError as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(v, Mach) and v == 0:
        return 0.0
    return _validate_speed_sl(value)


#: Like :data:`SpeedSL`, and zero allowed (a figure whose 0 means "none", like a notch).
SpeedSLOrZero = Annotated[
    float,
    BeforeValidator(_validate_speed_sl_or_zero),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string"}],
            "description_unit": "speed (m/s, '36 km/h'; Mach at sea level), or 0",
            "examples": ["10 m/s"],
        }
    ),
]

#: A positive speed: m/s, or a :class:`Mach` number converted where the altitude is known.
Speed = Annotated[
    float | Mach,
    BeforeValidator(_validate_speed),
    PlainSerializer(_serialize_speed),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string"}],
            "description_unit": "speed (m/s, '880 km/h' or 'Mach 0.8')",
            "examples": ["Mach 0.8"],
        }
    ),
]
